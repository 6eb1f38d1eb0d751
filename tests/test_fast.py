"""The compiled core (subtok._core, switched by subtok.fast) gives exactly the reference's results.

fast == pure-Python reference == tiktoken for gpt2, cl100k_base and o200k_base on the corpus, the
shared benchmark files, hypothesis-generated text and worst cases; the hand-written scanners cut
exactly where the reference's patterns cut, for every code point in several contexts; the merge
engine (linear scan, heap, bucket queue) agrees with the reference on random merge tables.
"""

from __future__ import annotations

import json
import pickle
import random
import shutil
import subprocess
import sys
import sysconfig
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import subtok
from corpus import ALL
from helpers import NO_FAST_PATH
from helpers import assert_generated_header_current
from subtok import fast, pre_tokenizers
from subtok.bytes_map import BYTES_TO_UNICODE
from subtok.encoding import Encoding
from subtok.errors import InvalidTextError
from subtok.formats.tiktoken import CL100K_PATTERN, O200K_PATTERN, R50K_PATTERN
from subtok.models import BPE
from subtok.patterns import Regex, compile_onig
from subtok.tiktoken_api import get_encoding

tiktoken = pytest.importorskip("tiktoken")
from tiktoken_ext import openai_public  # noqa: E402

NAMES = ["gpt2", "cl100k_base", "o200k_base"]
PATTERNS = [R50K_PATTERN, CL100K_PATTERN, O200K_PATTERN]  # index = the scanner's number
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "bench" / "corpus"

needs_core = pytest.mark.skipif(not fast.enabled(), reason=NO_FAST_PATH)


def test_core_is_built():
    """Where a C compiler is, the install builds the core (a broken build must not go unnoticed)."""
    if not fast.available() and shutil.which((sysconfig.get_config_var("CC") or "cc").split()[0]) is None:
        pytest.skip("no C compiler here: subtok runs on the reference")
    assert fast.available(), f"subtok._core did not import: {fast._IMPORT_ERROR}"
    assert fast.enabled() or fast._forced_reference


def official_tiktoken(name: str, ours):
    """tiktoken's own Encoding (official pattern and special tokens) on the same ranks."""
    ranks = ours._mergeable_ranks
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(openai_public, "load_tiktoken_bpe", lambda *a, **k: ranks)
        mp.setattr(openai_public, "data_gym_to_mergeable_bpe_ranks", lambda *a, **k: ranks)
        return tiktoken.Encoding(**openai_public.ENCODING_CONSTRUCTORS[name]())


@pytest.fixture(scope="module", params=NAMES)
def trio(request):
    """(name, subtok face, tiktoken) for one encoding."""
    face = get_encoding(request.param)
    return request.param, face, official_tiktoken(request.param, face)


def reference_ids(tok: subtok.Tokenizer, text: str, **kwargs) -> list[int]:
    with fast.use_reference(True):
        enc = tok.encode(text, **kwargs)
    assert type(enc) is Encoding  # really the reference
    return enc.ids


def check(name: str, face, theirs, text: str, reference: bool = True) -> None:
    tok = face.tokenizer
    expected = theirs.encode_ordinary(text)
    assert face.encode_ordinary(text) == expected, f"{name} face {text[:60]!r}"
    got = tok.encode(text, add_special_tokens=False).ids
    assert got == theirs.encode(text, allowed_special="all"), f"{name} Tokenizer.encode {text[:60]!r}"
    if reference:
        assert got == reference_ids(tok, text, add_special_tokens=False), f"{name} reference {text[:60]!r}"


# -- parity -----------------------------------------------------------------------------------------

@needs_core
def test_the_fast_path_is_taken(trio):
    name, face, _ = trio
    enc = face.tokenizer.encode("hello world")
    assert type(enc) is fast.LazyEncoding
    assert fast._plan(face._ordinary).pattern == NAMES.index(name)


def test_corpus(trio):
    name, face, theirs = trio
    for text in ALL:
        check(name, face, theirs, text)


def test_encodings_equal_the_reference_in_every_field(trio):
    """Tokens, offsets and the rest come from the reference, lazily, and equal it."""
    name, face, _ = trio
    tok = face.tokenizer
    for text in ALL[::7] + ["", "a<|endoftext|>b", "<|endoftext|>"]:
        ours = tok.encode(text)
        with fast.use_reference(True):
            ref = tok.encode(text)
        assert ours == ref and ours.tokens == ref.tokens and ours.offsets == ref.offsets, text[:40]
        again = pickle.loads(pickle.dumps(ours))
        assert type(again) is Encoding and again == ref


def test_batches_and_special_tokens(trio):
    name, face, theirs = trio
    tok = face.tokenizer
    texts = [t + "<|endoftext|>" + t[:5] for t in ALL[:20]] + ["<|endoftext|><|endoftext|>", ""]
    assert [e.ids for e in tok.encode_batch(texts)] == [theirs.encode(t, allowed_special="all") for t in texts]
    assert face.encode_ordinary_batch(texts) == theirs.encode_ordinary_batch(texts)
    assert face.encode_batch(texts, allowed_special="all") == theirs.encode_batch(texts, allowed_special="all")


@pytest.mark.parametrize("file", ["en.txt", "code.txt", "multi.txt"])
def test_shared_corpus(trio, file):
    if not (CORPUS / file).is_file():
        pytest.skip("../shared/bench/corpus is not beside this clone")
    name, face, theirs = trio
    data = (CORPUS / file).read_bytes()
    text = data[:600_000].decode("utf-8", "ignore")
    check(name, face, theirs, text, reference=False)
    check(name, face, theirs, text[-20_000:])
    paragraphs = text[:100_000].split("\n\n")
    assert face.encode_ordinary_batch(paragraphs) == theirs.encode_ordinary_batch(paragraphs)


@SETTINGS
@given(text=st.text(max_size=80))
def test_any_text(trio, text):
    name, face, theirs = trio
    check(name, face, theirs, text)


TRICKY = list(" \t\n\r\x0b\x0c\x1c\x85\u00a0\u1680\u2000\u2028\u3000'sStTdDmMlLvVrReE0123456789\u0660\u00b2aZ!.?,/-_"
              "é\u0301\u0903中あ😀ſK\u212a\u0130ß\ufb00\u01c5\u02b0\u00aa\U0001f3fb\x00")


@SETTINGS
@given(text=st.text(alphabet=st.sampled_from(TRICKY), max_size=40))
def test_pattern_corners(trio, text):
    """Contractions (case-folded), digit runs, marks, title case, newlines, trailing whitespace."""
    name, face, theirs = trio
    check(name, face, theirs, text)


def test_texts_of_every_storage_kind(trio):
    """The core transcodes a str to UTF-8 itself, ASCII runs 16 (1-byte storage) or 8 (2-byte) code
    points at a time: a character that is not ASCII at every offset around those blocks, in each
    storage kind, one text and a batch."""
    name, face, theirs = trio
    texts = []
    for odd in ["\u00e9", "\u00ff", "\u4e2d", "\u0100", "\uffff", "\U0001f600", "\u00e9\u4e2d", "\u4e2d\u00ff"]:
        for before in range(0, 35):
            for after in [0, 1, 7, 8, 9, 15, 16, 17, 40]:
                texts.append("ab cd" * (before // 5) + "x" * (before % 5) + odd + "y" * after + odd * (after % 3))
    ids = [theirs.encode_ordinary(t) for t in texts]
    assert [face.encode_ordinary(t) for t in texts] == ids
    assert face.encode_ordinary_batch(texts) == ids
    with pytest.raises(InvalidTextError):  # a lone surrogate after an ASCII block: the reference's error
        face.tokenizer.encode("a" * 20 + "\ud800")
    if fast.available():
        from subtok import _core

        with pytest.raises(UnicodeEncodeError):  # what the core raises, for subtok.fast to fall back on
            _core.split("a" * 20 + "\ud800", 0)


def test_nul_and_surrogates(trio):
    name, face, theirs = trio
    tok = face.tokenizer
    for text in ["\x00", "a\x00b", "\x00\x00 \x00", "x\x00'S"]:
        check(name, face, theirs, text)
    for text in ["\ud800", "a\udfff b", "\ud83d\ude00 x"]:
        assert face.encode_ordinary(text) == theirs.encode_ordinary(text)  # replaced, as tiktoken does
        mixed = text + "<|endoftext|>" + text
        assert face.encode(mixed, allowed_special="all") == theirs.encode(mixed, allowed_special="all")
        assert face.encode(mixed, disallowed_special=()) == theirs.encode(mixed, disallowed_special=())
        with pytest.raises(InvalidTextError):  # rejected, as the reference (and HF tokenizers) do
            tok.encode(text)


# -- the scanners, every code point -----------------------------------------------------------------

ASCII = [chr(i) for i in range(128)]
ASCII_TRICKY = list(" \t\n\r\x0b\x0c\x1c\x00'sStTdDmMlLvVrReE0123456789aZ!./-_")


def check_split(kind: int, text: str, what: str) -> None:
    """The C scanner's cut of text (ASCII runs from the 64-byte window, the rest by the
    per-character scanner) against the reference's pattern; the first difference in context."""
    from subtok import _core

    expected = [m.end() for m in compile_onig(PATTERNS[kind]).finditer(text)]
    got = _core.split(text, kind)
    if got != expected:
        i = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), len(expected)))
        at = expected[i - 1] if i else 0
        pytest.fail(f"{NAMES[kind]} {what}: pieces differ after {text[max(0, at - 8):at + 12]!r}: "
                    f"C ends {got[i:i + 3]}, pattern ends {expected[i:i + 3]}")


CONTEXTS = {  # joined into one text, so each code point also has the next sample's start after it
    "alone": lambda c: c,
    "a+c+1": lambda c: "a" + c + "1",
    "space+c+'s": lambda c: " " + c + "'s",
}


@needs_core
@pytest.mark.parametrize("kind", range(3), ids=NAMES)
def test_scanner_cuts_like_the_pattern_for_every_code_point(kind):
    """Every code point, alone and in small contexts, through the C scanner and the reference's
    pattern. The code points on which the reference switches to its Oniguruma-fixed pattern
    (`trigger`) are run apart from the others, exactly as the reference would run them; each
    group is one long text (neighbours are contexts too)."""
    rx = compile_onig(PATTERNS[kind])
    every = [chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000]
    if rx.trigger is None:
        groups = [every]
    else:
        hits = {m.group() for m in rx.trigger.finditer("".join(every))}
        groups = [[c for c in every if c in hits], [c for c in every if c not in hits]]
    for label, context in CONTEXTS.items():
        for group in groups:
            check_split(kind, "".join(context(c) for c in group), label)


@needs_core
def test_scanner_on_short_texts():
    """Text boundaries matter (\\s+(?!\\S) at the end): short texts one by one."""
    from subtok import _core

    rnd = random.Random(5)
    alphabet = TRICKY + ["\u4e00", "\u0391", "\u01c5", "\u0300", "\U0001d7d8", "\u2163", "/"]
    for kind, pattern in enumerate(PATTERNS):
        rx = compile_onig(pattern)
        for _ in range(3000):
            text = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(1, 9)))
            assert _core.split(text, kind) == [m.end() for m in rx.finditer(text)], (kind, text)


@needs_core
@pytest.mark.parametrize("kind", range(3), ids=NAMES)
def test_ascii_window_on_every_pair_and_tricky_triple(kind):
    """The window cuts ASCII text from bit masks of its classes: every ordered pair of ASCII
    characters, and every triple of the characters the patterns treat specially (apostrophes and
    contraction letters in both cases, digits, each kind of whitespace), in long texts, so that
    nearly every piece is cut from the window and the texts' last 64 bytes by the other scanner."""
    pairs = [a + b for a in ASCII for b in ASCII]
    check_split(kind, "".join(pairs), "pairs")
    check_split(kind, " ".join(pairs), "pairs, spaced")
    check_split(kind, "x".join(pairs) + "'s", "pairs between letters")
    triples = [a + b + c for a in ASCII_TRICKY for b in ASCII_TRICKY for c in ASCII_TRICKY]
    check_split(kind, "".join(triples), "triples")
    check_split(kind, "'".join(triples), "triples between apostrophes")


@needs_core
@SETTINGS
@given(kind=st.sampled_from(range(3)),
       text=st.lists(st.sampled_from(ASCII_TRICKY + TRICKY + ["  ", "\r\n", "'re", "'LL", "abc", "HTTP"]),
                     min_size=40, max_size=200).map("".join))
def test_ascii_window_next_to_other_characters(kind, text):
    """Long texts mixing ASCII with characters outside it: a piece whose bytes are not all ASCII
    and in the window goes to the per-character scanner, and the cut must not change."""
    check_split(kind, text, "text")


@needs_core
@pytest.mark.parametrize("kind", range(3), ids=NAMES)
def test_ascii_window_at_the_start_of_the_text(kind):
    """The first piece of a long text, apostrophes first (found by tools/fuzz_fast.py: "'s" then a
    combining mark, at offset 0, was cut as "'" and "s" when the window's "not ASCII" answer, 0,
    was taken for "no contraction here" at offset 0)."""
    tail = " and some more text to fill the window" * 3
    for head in ["'s\u0308", "'\ufe0f", "'S\u00e9", "'re\u0301", "'ll\u4e2d", "'", "'s", "'x", "'\u00e9s",
                 "a'\u00e9", "\u00e9'", " '\u0301", "'\n", "''s"]:
        check_split(kind, head + tail, f"starting with {head!r}")


@needs_core
@pytest.mark.parametrize("kind", range(3), ids=NAMES)
def test_ascii_window_on_long_runs(kind):
    """Runs that reach past the 64-byte window (letters, digits, punctuation, whitespace, newlines)
    and runs that end right at its edges."""
    parts = []
    for n in [1, 2, 3, 4, 30, 31, 32, 33, 62, 63, 64, 65, 66, 100, 200]:
        for unit in ["a", "A", "aB", "7", "!", " ", "\t", "\n", " \n", "\r\n", "/", "'s"]:
            parts.append(unit * n)
    for sep in ["", " ", "x", "\u00e9", "\n"]:
        check_split(kind, sep.join(parts), f"runs joined by {sep!r}")


def test_generated_tables_are_up_to_date():
    assert_generated_header_current("gen_fast_tables")


# -- the merge engine on random merge tables ----------------------------------------------------------

def byte_level_tokenizer(merges: list[tuple[str, str]], pattern: str = R50K_PATTERN) -> subtok.Tokenizer:
    vocab = {c: i for i, c in enumerate(BYTES_TO_UNICODE)}
    for a, b in merges:
        for t in (a, b, a + b):
            vocab.setdefault(t, len(vocab))
    tok = subtok.Tokenizer(BPE(vocab, merges, ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), "isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)])
    return tok


def random_merges(rnd: random.Random, letters: str, count: int) -> list[tuple[str, str]]:
    """Merges over `letters` in random order: new pairs may rank below the merge that made them."""
    tokens = list(letters)
    merges = []
    while len(merges) < count:
        a, b = rnd.choice(tokens), rnd.choice(tokens)
        if a + b not in tokens and len(a + b) <= 12:
            tokens.append(a + b)
            merges.append((a, b))
    rnd.shuffle(merges)
    return merges


@needs_core
@pytest.mark.parametrize("seed", range(12))
def test_merges_on_random_tables(seed):
    """Pieces short (linear scan), mid-sized (heap) and long (bucket queue) against the reference."""
    rnd = random.Random(seed)
    tok = byte_level_tokenizer(random_merges(rnd, "abcd", 60))
    assert fast._plan(tok) is not None
    for n in [1, 2, 3, 7, 20, 47, 48, 49, 100, 511, 512, 513, 3000]:
        for _ in range(2 if n > 500 else 6):
            text = "".join(rnd.choice("abcd") for _ in range(n))
            assert tok.encode(text).ids == reference_ids(tok, text), (seed, n, text[:60])
    runs = "a" * 1500 + "ab" * 700 + "abcd" * 300
    assert tok.encode(runs).ids == reference_ids(tok, runs)


@needs_core
def test_a_merge_that_makes_a_lower_ranked_pair():
    merges = [("ab", "c"), ("b", "c"), ("a", "b")]  # "abc": (a, b) first, then (ab, c), ranked above it
    tok = byte_level_tokenizer(merges)
    for text in ["abc", "abc" * 20, "abc" * 200, "abcbc" * 150]:
        assert tok.encode(text).ids == reference_ids(tok, text), text[:30]


RANK_FILES = {"gpt2": "gpt2.tiktoken", "cl100k_base": "cl100k_base.tiktoken.gz", "o200k_base": "o200k_base.tiktoken.gz"}
TABLES = ("vocab", "_vocab_r", "_ranks", "_byte_ids")


@needs_core
def test_a_loaded_encoding_makes_no_string_tables(trio):
    """Loaded from its rank file, the model keeps bytes and ids (ByteVocab, IdMerges): encoding
    (special tokens, batches, counts) and decoding through the core never make its vocab, id and
    pair dicts, and give tiktoken's results. Once made, those dicts are what the file says."""
    from subtok import assets
    from subtok.models.bpe import ByteVocab, IdMerges
    from subtok.tiktoken_api import Encoding

    name, _, theirs = trio
    face = Encoding.from_file(assets.fetch(RANK_FILES[name]), name=name)
    model = face.tokenizer.model
    assert type(model._source) is ByteVocab and type(model._id_merges) is IdMerges
    texts = ALL[:40] + ["hi <|endoftext|> there"]
    assert face.encode_ordinary_batch(texts) == theirs.encode_ordinary_batch(texts)
    assert face.encode_batch(texts, allowed_special="all") == theirs.encode_batch(texts, allowed_special="all")
    assert [e.ids for e in face.tokenizer.encode_batch(texts)] == theirs.encode_batch(texts, allowed_special="all")
    assert fast.count_tokens(face, texts) == [len(ids) for ids in theirs.encode_ordinary_batch(texts)]
    ids = theirs.encode(texts[-1] + ALL[5], allowed_special="all")
    assert face.decode(ids) == theirs.decode(ids) and face.decode_bytes(ids) == theirs.decode_bytes(ids)
    assert face.decode_tokens_bytes(ids) == theirs.decode_tokens_bytes(ids) and "_bytes" not in face.__dict__
    assert face.n_vocab == theirs.n_vocab
    assert face.tokenizer.get_vocab_size() == len(theirs._mergeable_ranks) + len(theirs._special_tokens)
    assert [t for t in TABLES if t in model.__dict__] == [] and model._merges is None
    # made on request: the reference's tables, as from the dicts
    assert model.vocab == {tiktoken_standin(b): id for b, id in face._ids_by_bytes.items()} | face._special_tokens
    assert len(model.merges) == sum(1 for b in theirs.token_byte_values() if len(b) > 1)
    for text in texts[:10]:
        assert face.tokenizer.encode(text).ids == reference_ids(face.tokenizer, text)


def tiktoken_standin(b: bytes) -> str:
    return "".join(BYTES_TO_UNICODE[c] for c in b)


@needs_core
@pytest.mark.parametrize("seed", range(6))
def test_core_from_arrays_equals_core_from_dicts(seed):
    """The core built straight from a ByteVocab (text tokens, one of them a byte's stand-in) equals
    the core built from the same model's dicts, and the reference."""
    from subtok.formats.tiktoken import from_ranks
    from subtok.models.bpe import ByteVocab, IdMerges

    rnd = random.Random(seed)
    merges = random_merges(rnd, "abcd", 40)
    skip = rnd.choice([0, 0x0A, 0xFF])  # a byte left out of the ranks: a special token stands for it
    ranks = {bytes([b]): b for b in range(256) if b != skip}
    for a, b in merges:
        for t in (a, b, a + b):
            ranks.setdefault(t.encode(), len(ranks) + 300)
    specials = {BYTES_TO_UNICODE[skip]: 5000, "<|end|>": 5001}
    compact = from_ranks(ranks, pattern=R50K_PATTERN, special_tokens=specials)
    model = compact.model
    twin = subtok.Tokenizer(BPE(dict(model.vocab), IdMerges(model._id_merges.triples()), ignore_merges=True))
    twin.pre_tokenizer = compact.pre_tokenizer
    twin.add_special_tokens([subtok.AddedToken(c, special=True, normalized=False) for c in specials])
    assert type(twin.model._source) is not ByteVocab
    for n in [1, 2, 5, 30, 60, 600]:
        text = "".join(rnd.choice("abcd \n\xff" + chr(skip)) for _ in range(n))
        ids = compact.encode(text, add_special_tokens=False).ids
        assert ids == twin.encode(text, add_special_tokens=False).ids
        assert ids == reference_ids(compact, text, add_special_tokens=False), (seed, text)


# -- worst cases --------------------------------------------------------------------------------------

def worst_cases() -> dict[str, str]:
    cjk = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(333_333))
    words = ("tokenizers cut text into pieces and every piece into tokens " * 20_000).replace(" ", "")
    return {"a": "a" * 1_000_000, "no whitespace": words[:1_000_000], "emoji": "😀" * 250_000, "cjk": cjk}


@needs_core
def test_worst_cases_finish(trio):
    """1 MB inputs that are one piece: they finish (linear-ish), and decode back; a 20 kB slice of
    each equals the reference and tiktoken."""
    name, face, theirs = trio
    tok = face.tokenizer
    for label, text in worst_cases().items():
        ids = tok.encode(text, add_special_tokens=False).ids
        assert face.decode(ids) == text, label
        check(name, face, theirs, text[:20_000])


# -- the switch, the hooks, threads -----------------------------------------------------------------------

def test_use_reference_switch():
    """Called, the switch stays; in a ``with``, it is put back as it was at the end of the block."""
    tok = get_encoding("gpt2").tokenizer
    before = fast.enabled()
    with fast.use_reference(True):
        assert not fast.enabled()
        assert type(tok.encode("hello")) is Encoding
        with fast.use_reference(False):
            assert fast.enabled() == fast.available()
        assert not fast.enabled()
    assert fast.enabled() is before
    forced = fast._forced_reference
    fast.use_reference(True)
    try:
        assert not fast.enabled()
    finally:
        fast.use_reference(forced)
    assert fast.enabled() is before


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, **env})


def test_subtok_pure_environment_variable():
    out = run_python("import subtok.fast as f; print(f.enabled(), f.available())", SUBTOK_PURE="1")
    assert out.stdout.split() == ["False", str(fast.available())]


@pytest.mark.parametrize("missing", ["None", "types.ModuleType('subtok._core')"], ids=["absent", "sources-only"])
def test_missing_core_warns_once_and_works(missing):
    """No extension: nothing importable, or only the directory of the C sources (which Python
    imports as an empty namespace package)."""
    code = (f"import sys, types, warnings; sys.modules['subtok._core'] = {missing}\n"
            "warnings.simplefilter('always')\n"
            "import subtok\nfrom subtok import fast\n"
            "tok = subtok.get_encoding('gpt2').tokenizer\n"
            "with warnings.catch_warnings(record=True) as w:\n"
            "    warnings.simplefilter('always')\n"
            "    a = tok.encode('hello world').ids; b = tok.encode('again').ids\n"
            "print(fast.available(), a, len([x for x in w if x.category is fast.FastPathWarning]))\n"
            "print(w[0].message)")
    out = run_python(code, SUBTOK_PURE="")  # (forced, the reference is wanted: no warning)
    first, message = out.stdout.splitlines()[:2]
    assert first == "False [31373, 995] 1"
    assert "pure-Python reference" in message and "SUBTOK_PURE=1" in message


def test_other_shapes_stay_on_the_reference():
    tok = byte_level_tokenizer([("a", "b")])
    assert (fast._plan(tok) is not None) == fast.available()
    other = byte_level_tokenizer([("a", "b")], pattern=r"\w+|\s+|[^\w\s]+")
    assert fast._plan(other) is None
    with_normalizer = byte_level_tokenizer([("a", "b")])
    from subtok.normalizers import NFC

    with_normalizer.normalizer = NFC()
    assert fast._plan(with_normalizer) is None
    claude = subtok.load(subtok.assets.fetch("claude/tokenizer.json"))
    assert fast._plan(claude) is None  # NFKC normalizer


@needs_core
def test_byte_level_alone_is_gpt2_shape():
    """ByteLevel(use_regex=True) splits with GPT-2's pattern: the same scanner."""
    face = get_encoding("gpt2")
    tok = subtok.Tokenizer(face.tokenizer.model)
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False)
    assert fast._plan(tok).pattern == 0
    for text in ALL[:40]:
        assert tok.encode(text).ids == reference_ids(tok, text)


@needs_core
def test_llama3_gguf_takes_the_fast_path():
    """The same shape outside tiktoken: Llama 3's vocabulary (a GGUF file: cl100k's pattern, its own
    merges and 256 special tokens) encodes through the core, equal to the reference."""
    tok = subtok.load(subtok.assets.fetch("gguf/ggml-vocab-llama-bpe.gguf"))
    plan = fast._plan(tok)
    assert plan is not None and plan.pattern == 1
    texts = ALL + ["<|begin_of_text|>hi<|eot_id|>", "a<|start_header_id|>user<|end_header_id|>\n\nx", "a" * 3000]
    for text in texts:
        enc = tok.encode(text, add_special_tokens=False)
        assert type(enc) is fast.LazyEncoding
        assert enc.ids == reference_ids(tok, text, add_special_tokens=False), text[:40]


def test_truncation_and_padding_use_the_reference():
    face = get_encoding("cl100k_base")
    tok = subtok.Tokenizer.from_str(face.tokenizer.to_str())
    tok.enable_truncation(5)
    enc = tok.encode(ALL[0])
    assert type(enc) is Encoding and len(enc.ids) == 5 and enc.ids == face.encode(ALL[0])[:5]


@needs_core
def test_threads_share_a_tokenizer():
    face = get_encoding("o200k_base")
    texts = [t * 50 for t in ALL[:24]]
    expected = [face.encode_ordinary(t) for t in texts]
    results: dict[int, list[list[int]]] = {}

    def work(k: int) -> None:
        results[k] = [face.tokenizer.encode(t).ids for t in texts[k % 3::1]]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k, got in results.items():
        assert got == expected[k % 3:], k


def test_ids_the_core_cannot_hold_leave_it_to_the_reference():
    """A vocabulary with an id beyond uint32 (a mutated file did this): no core, no exception, the
    reference's ids (found by test_fuzz_loaders' mutations)."""
    from subtok.models import WordPiece

    tok = byte_level_tokenizer([("h", "i")])
    tok.model.vocab["zz"] = 2 ** 40
    tok.model._vocab_r[2 ** 40] = "zz"
    assert fast._plan(tok) is None
    assert tok.encode("hi there").ids == reference_ids(tok, "hi there")
    bert = subtok.Tokenizer(WordPiece({"[UNK]": 0, "hi": 1, "##x": -5}))
    bert.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    assert fast._plan(bert) is None
    assert bert.encode("hi hix").ids == reference_ids(bert, "hi hix") == [1, 1, -5]


def json_bpe(vocab: dict[str, int], merges: list[str]) -> subtok.Tokenizer:
    return subtok.Tokenizer.from_str(json.dumps({
        "model": {"type": "BPE", "vocab": vocab, "merges": merges, "ignore_merges": False},
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False,
                          "use_regex": True}}))


def test_string_merges_are_kept_as_ids():
    """Merges read as strings are checked, then kept as ids: the string list and the pair table are
    made again when asked for, equal to what was given (a pair listed twice too: its later rank
    counts, in the reference and the core), and the core is built without them."""
    vocab = {c: i for i, c in enumerate(BYTES_TO_UNICODE)} | {"ab": 256, "abc": 257, "bc": 258}
    merges = ["b c", "a b", "ab c", "b c"]  # (b, c) again, last: it now ranks below (a, b)
    tok = json_bpe(vocab, merges)
    model = tok.model
    assert model._merges is None and "_ranks" not in model.__dict__
    assert tok.encode("abc").ids == [257]  # "ab" first, then "ab c"
    if fast.enabled():  # (on the reference, the encode above made them)
        assert [k for k in ("_ranks", "_vocab_r") if k in model.__dict__] == []
    assert reference_ids(tok, "abc") == [257]
    assert model.merges == [tuple(m.split()) for m in merges]
    assert model._ranks[(98, 99)] == (3, 258) and model._ranks[(97, 98)] == (1, 256)
    assert json.loads(tok.to_str())["model"]["merges"] == [m.split() for m in merges]
    # two tokens with one id: the strings are kept (ids would not give them back)
    twin = json_bpe(vocab | {"ab2": 256}, ["a b"])
    assert twin.model._merges == [("a", "b")] and twin.model.merges == [("a", "b")]
    # an id beyond 32 bits: kept as a list, the reference encodes, no core
    big = json_bpe(vocab | {"ab": 2 ** 40}, ["a b"])
    assert type(big.model._id_merges.flat) is list and fast._plan(big) is None
    assert big.encode("abx").ids == [2 ** 40, 120]


@needs_core
def test_core_finds_a_few_added_tokens_itself():
    """One text's encode hands up to 16 added tokens' UTF-8 to the core (`stop`), which answers None
    when one occurs (the caller then splits them out): at the start, the end, after characters that
    are not ASCII, overlapping a near miss; and refuses a `stop` that is not a tuple of non-empty bytes."""
    face = get_encoding("cl100k_base")
    core = fast._plan(face.tokenizer).core
    stop = (b"<|endoftext|>", b"<|fim_prefix|>")
    for text in ["<|endoftext|>", "x<|endoftext|>", "\u00e9\u4e2d<|fim_prefix|>", "<|endoftext<|endoftext|>",
                 "<<|fim_prefix|>>", "a" * 100 + "<|endoftext|>"]:
        assert core.encode(text, 1, b"", b"", stop) is None, text
    for text in ["", "<|endoftext|", "<|endoftext", "|endoftext|>", "<|fim_prefix", "\u00e9" * 50 + "<"]:
        assert core.encode(text, 1, b"", b"", stop) == core.encode(text, 1), text
    for bad in [[b"<|"], (b"",), ("<|",), 5]:
        with pytest.raises(TypeError):
            core.encode("text", 1, b"", b"", bad)
    text = "a<|endoftext|>b<|fim_prefix|>c"
    assert face.encode(text, allowed_special="all") == official_tiktoken("cl100k_base", face).encode(
        text, allowed_special="all")
