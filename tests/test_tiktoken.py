"""tiktoken files as subtok Tokenizers, and the tiktoken-compatible face, give tiktoken's exact ids.

The reference is the real tiktoken library, built offline from the same local files with the
official patterns and special tokens (tiktoken_ext/openai_public.py, its downloads stubbed out).
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import pickle
import random
import subprocess
import sys
from pathlib import Path

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import subtok
from corpus import ALL
from helpers import NO_FAST_PATH
from subtok import assets, fast, pre_tokenizers, tiktoken_api
from subtok.errors import AssetError, EncodeError, TokenizerFormatError
from subtok.formats import tiktoken as tiktoken_format
from subtok.models import BPE
from subtok.tiktoken_api import Encoding, get_encoding

tiktoken = pytest.importorskip("tiktoken")
from tiktoken import load as tiktoken_load  # noqa: E402
from tiktoken_ext import openai_public  # noqa: E402

NAMES = ["gpt2", "cl100k_base", "o200k_base"]
# official file name -> the registered asset holding it (gzipped ones are unzipped for tiktoken)
OFFICIAL_FILES = {"r50k_base.tiktoken": "gpt2.tiktoken", "cl100k_base.tiktoken": "cl100k_base.tiktoken.gz",
                  "o200k_base.tiktoken": "o200k_base.tiktoken.gz"}
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def official_files(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("tiktoken")
    out = {}
    for official, asset in OFFICIAL_FILES.items():
        src = assets.fetch(asset)
        if asset.endswith(".gz"):
            dst = folder / official
            dst.write_bytes(gzip.decompress(src.read_bytes()))
            out[official] = str(dst)
        else:
            out[official] = str(src)
    return out


@contextlib.contextmanager
def offline_tiktoken(files: dict[str, str]):
    """tiktoken_ext.openai_public's constructors, reading `files` instead of downloading."""
    def read_file(blobpath: str) -> bytes:
        if "://" in blobpath:
            raise AssertionError(f"tiktoken tried to download {blobpath}")
        return Path(blobpath).read_bytes()

    def load_bpe(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        return tiktoken_load.load_tiktoken_bpe(files[url.rsplit("/", 1)[1]], expected_hash)

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TIKTOKEN_CACHE_DIR", "")  # no cache writes
        mp.setattr(tiktoken_load, "read_file", read_file)
        mp.setattr(openai_public, "load_tiktoken_bpe", load_bpe)
        mp.setattr(openai_public, "data_gym_to_mergeable_bpe_ranks",
                   lambda **_: load_bpe("/r50k_base.tiktoken"))
        yield


def reference(name: str, files: dict[str, str]):
    with offline_tiktoken(files):
        return tiktoken.Encoding(**openai_public.ENCODING_CONSTRUCTORS[name]())


@pytest.fixture(scope="module", params=NAMES)
def pair(request, official_files):
    return request.param, get_encoding(request.param), reference(request.param, official_files)


# -- parity ---------------------------------------------------------------------------------------

def test_corpus(pair):
    name, ours, ref = pair
    for text in ALL:
        ids = ref.encode_ordinary(text)
        assert ours.encode_ordinary(text) == ids, f"{name} {text[:40]!r}"
        assert ours.encode(text, allowed_special="all") == ref.encode(text, allowed_special="all"), text[:40]
        assert ours.decode(ids) == text
        assert ours.tokenizer.encode(text).ids == ref.encode(text, allowed_special="all"), f"Tokenizer {text[:40]!r}"


@SETTINGS
@given(text=st.text())
def test_any_text(pair, text):
    name, ours, ref = pair
    ids = ref.encode_ordinary(text)
    assert ours.encode_ordinary(text) == ids
    assert ours.decode(ids) == text


TRICKY = list(" \t\n\r\x0b\x0c\u00a0\u2028'sStTdDmMlLvVrReE0123456789aZ!.?,/-_"
              "é\u0301中あ😀ſK\u212a\u0130ß\ufb00")


@SETTINGS
@given(text=st.text(alphabet=st.sampled_from(TRICKY), max_size=40))
def test_pattern_corners(pair, text):
    """Contractions (case-insensitive, with Unicode case folding), digit runs, newlines, trailing space."""
    name, ours, ref = pair
    assert ours.encode_ordinary(text) == ref.encode_ordinary(text)


def test_saved_tokenizer_json_in_hugging_face(pair):
    tokenizers = pytest.importorskip("tokenizers")
    name, ours, ref = pair
    saved = ours.tokenizer.to_str()
    hf = tokenizers.Tokenizer.from_str(saved)
    again = subtok.Tokenizer.from_str(saved)
    for text in ALL:
        ids = ref.encode(text, allowed_special="all")
        assert hf.encode(text).ids == ids, f"HF {name} {text[:40]!r}"
        assert again.encode(text).ids == ids, f"reloaded {name} {text[:40]!r}"
    assert hf.decode(ref.encode(ALL[0])) == ALL[0]


def test_merges_given_as_ids_read_as_the_string_pairs():
    """from_ranks hands the model its merges as ids (IdMerges); ``model.merges``, made when read, is
    the list of string pairs the model would have been given, and with_special_tokens keeps it."""
    from subtok.models.bpe import IdMerges

    ranks = {b"a": 0, b"b": 1, b"ab": 2, b"ba": 3, b"aba": 4, b"\xff": 5, b"a\xff": 6}
    tok = tiktoken_format.from_ranks(ranks, pattern=r"\S+|\s+", special_tokens={"<s>": 7})
    standin = tiktoken_format._standin
    expected = []
    for a, b in tiktoken_format.merges_from_ranks(ranks):
        ab = standin(a + b)
        expected.append((ab[:len(a)], ab[len(a):]))
    assert tok.model._merges is None and tok.model.merges == expected
    again = tiktoken_format.with_special_tokens(tok, {"<t>": 8})
    assert again.model.merges == expected
    assert again.encode("abab\xff", add_special_tokens=False).ids == tok.encode("abab\xff", add_special_tokens=False).ids
    with pytest.raises(TokenizerFormatError, match="not in model.vocab"):
        BPE({"a": 0, "b": 1}, IdMerges([(0, 1, 2)]))
    with pytest.raises(TokenizerFormatError, match="listed twice"):
        BPE({"a": 0, "b": 1, "ab": 2}, IdMerges([(0, 1, 2), (0, 1, 2)]))


def test_ranks_are_kept_as_bytes_and_ids():
    """from_ranks gives the model a ByteVocab (and with_special_tokens shares its arrays); a rank that
    is no uint32 fails as a format error; the vocab made from it is the byte-level strings'."""
    from subtok.models.bpe import ByteVocab

    tok = tiktoken_format.from_ranks({b"a": 0, b"b": 1, b"ab": 2, b" \xff": 3}, pattern=r"\S+|\s+",
                                     special_tokens={"<s>": 4})
    source = tok.model._source
    assert type(source) is ByteVocab and source.text == {"<s>": 4}
    assert tok.get_vocab_size() == 5 and "vocab" not in tok.model.__dict__
    assert tok.model.vocab == {"a": 0, "b": 1, "ab": 2, "Ġÿ": 3, "<s>": 4}
    again = tiktoken_format.with_special_tokens(tok, {"<t>": 5})
    assert again.model._source.blob is source.blob and again.model._source.text == {"<t>": 5}
    assert again.get_vocab() == {"a": 0, "b": 1, "ab": 2, "Ġÿ": 3, "<t>": 5}
    for bad in (-1, 2 ** 32, "7"):
        with pytest.raises(TokenizerFormatError, match="non-negative int below 2\\*\\*32"):
            tiktoken_format.from_ranks({b"a": 0, b"b": bad}, pattern=r"\S", special_tokens={})
    with pytest.raises(TokenizerFormatError, match="clashes with regular token id 2 \\(b'ab'\\)"):
        tiktoken_format.from_ranks({b"a": 0, b"b": 1, b"ab": 2}, pattern=r"\S", special_tokens={"ab": 9})
    with pytest.raises(TokenizerFormatError, match="clashes with regular token id 1 \\(b'b'\\)"):
        tiktoken_format.with_special_tokens(tok, {"<u>": 1})
    # ranks far apart (a damaged file): checked against a set, not a byte per id up to 4e9
    far = tiktoken_format.from_ranks({bytes([b]): b for b in range(256)} | {b"ab": 4_000_000_000},
                                     pattern=r"\S+|\s+", special_tokens={"<s>": 300})
    assert far.encode("ab a<s>").ids == [4_000_000_000, 32, 97, 300]
    face = Encoding("far", pat_str=r"\S+|\s+", special_tokens={"<s>": 300},
                    mergeable_ranks={bytes([b]): b for b in range(256)} | {b"ab": 4_000_000_000})
    assert face._token_table == (b"", bytearray())  # not 16 bytes per id up to 4e9: decoded by the dict
    assert face.decode([4_000_000_000, 32, 300]) == "ab <s>"


def test_every_token_is_reachable(pair):
    """In OpenAI's files every token is built by merging: one merge per token of 2+ bytes."""
    name, ours, ref = pair
    assert len(ours.tokenizer.model.merges) == sum(1 for b in ref.token_byte_values() if len(b) > 1)


# -- special tokens -------------------------------------------------------------------------------

def test_special_tokens(pair):
    name, ours, ref = pair
    specials = sorted(ref.special_tokens_set)
    text = "a" + "b ".join(specials) + "<|endoftext|>c"
    for kwargs in [dict(allowed_special="all"), dict(disallowed_special=()),
                   dict(allowed_special={"<|endoftext|>"}, disallowed_special=()),
                   dict(allowed_special=set(specials[:1]), disallowed_special=set()),
                   dict(allowed_special="all", disallowed_special="all")]:
        assert ours.encode(text, **kwargs) == ref.encode(text, **kwargs), kwargs
    for kwargs in [dict(), dict(allowed_special={specials[0]}) if len(specials) > 1 else dict(),
                   dict(disallowed_special={"<|endoftext|>"})]:
        with pytest.raises(ValueError):
            ref.encode(text, **kwargs)
        with pytest.raises(EncodeError) as info:
            ours.encode(text, **kwargs)
        assert "allowed_special={" in str(info.value) and "disallowed_special=()" in str(info.value)
    assert ours.encode("<|endoftext|>", allowed_special={"<|endoftext|>"}) == [ref.eot_token]
    assert ours.encode_ordinary("<|endoftext|>") == ref.encode_ordinary("<|endoftext|>")
    assert ours.encode_batch(["x<|endoftext|>", "y"], allowed_special="all") == \
        ref.encode_batch(["x<|endoftext|>", "y"], allowed_special="all")
    assert ours.encode_ordinary_batch(ALL[:5]) == ref.encode_ordinary_batch(ALL[:5])


def test_disallowed_message_says_how_to_allow():
    enc = get_encoding("gpt2")
    with pytest.raises(ValueError, match=r"allowed_special=\{'<\|endoftext\|>', \.\.\.\}"):
        enc.encode("hi <|endoftext|>")
    assert enc.encode("hi <|endoftext|>", allowed_special={"<|endoftext|>"}) == [5303, 220, 50256]


# -- decoding and the vocabulary ------------------------------------------------------------------

def test_decode(pair):
    name, ours, ref = pair
    text = "héllo wörld 😀 中文 <|endoftext|>"
    ids = ref.encode(text, allowed_special="all")
    assert ours.decode_bytes(ids) == ref.decode_bytes(ids) == text.encode()
    assert ours.decode_tokens_bytes(ids) == ref.decode_tokens_bytes(ids)
    assert ours.decode_with_offsets(ids) == ref.decode_with_offsets(ids)
    assert ours.decode_batch([ids, ids[:3]]) == ref.decode_batch([ids, ids[:3]])
    assert ours.decode_bytes_batch([ids]) == ref.decode_bytes_batch([ids])
    emoji = ref.encode_ordinary("😀")
    for cut in ([emoji[0]], emoji[:-1], emoji[1:]):
        for errors in ("replace", "ignore", "backslashreplace"):
            assert ours.decode(cut, errors=errors) == ref.decode(cut, errors=errors)
    if len(emoji) > 1:
        with pytest.raises(UnicodeDecodeError):
            ours.decode(emoji[:1], errors="strict")
    assert ours.decode_single_token_bytes(ref.eot_token) == b"<|endoftext|>"
    for bad in (ref.max_token_value + 1, 10**9):
        with pytest.raises(KeyError):
            ours.decode_single_token_bytes(bad)
        with pytest.raises(KeyError):
            ours.decode([1, bad])


def test_vocabulary(pair):
    name, ours, ref = pair
    assert ours.name == ref.name
    assert (ours.n_vocab, ours.max_token_value, ours.eot_token) == (ref.n_vocab, ref.max_token_value, ref.eot_token)
    assert ours.special_tokens_set == ref.special_tokens_set
    assert ours._special_tokens == ref._special_tokens
    assert ours.token_byte_values() == ref.token_byte_values()
    assert ours._mergeable_ranks == ref._mergeable_ranks
    for t in ("hello", b" world", "<|endoftext|>", b"\xff"):
        assert ours.encode_single_token(t) == ref.encode_single_token(t)
    with pytest.raises(KeyError):
        ours.encode_single_token("not one token at all")
    assert ours.is_special_token(ref.eot_token) and not ours.is_special_token(0)


def test_surrogates_are_replaced_as_tiktoken_does(pair):
    name, ours, ref = pair
    for text in ["\ud800", "a\udfff b", "\ud83d\ude00 x", "\ud83d"]:
        assert ours.encode(text) == ref.encode(text), repr(text)
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text), repr(text)


def test_encode_to_numpy():
    np = pytest.importorskip("numpy")
    arr = get_encoding("gpt2").encode_to_numpy("hello world")
    assert arr.dtype == np.uint32 and arr.tolist() == [31373, 995]


# -- names ----------------------------------------------------------------------------------------

def test_encoding_names_for_models():
    from tiktoken import model as tiktoken_model

    models = [*tiktoken_model.MODEL_TO_ENCODING, "gpt-4o-2024-05-13", "gpt-4-0314", "gpt-3.5-turbo-0301",
              "o3-mini-high", "gpt-4.1-nano", "gpt-oss-120b", "ft:gpt-4o-mini:org", "gpt-5-mini", "o4-mini-x"]
    for model in models:
        assert tiktoken_api.encoding_name_for_model(model) == tiktoken_model.encoding_name_for_model(model), model
    with pytest.raises(KeyError, match="get_encoding"):
        tiktoken_api.encoding_name_for_model("llama-3")
    assert tiktoken_api.encoding_for_model("gpt-4") is get_encoding("cl100k_base")
    assert tiktoken_api.encoding_for_model("gpt2") is get_encoding("gpt2")
    assert sorted(tiktoken_api.list_encoding_names()) == sorted(openai_public.ENCODING_CONSTRUCTORS)


def test_get_encoding_errors(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="Unknown encoding 'cl200k'"):
        get_encoding("cl200k")
    monkeypatch.setenv("SUBTOK_CACHE", str(tmp_path))
    with pytest.raises(AssetError, match="Encoding.from_file"):
        tiktoken_api._rank_file("p50k_base")


def test_pickle_and_repr():
    enc = get_encoding("gpt2")
    assert pickle.loads(pickle.dumps(enc)) is enc
    assert repr(enc) == "<Encoding 'gpt2'>"
    custom = Encoding.from_tokenizer(enc.tokenizer, name="custom")
    again = pickle.loads(pickle.dumps(custom))
    assert again.name == "custom" and again.encode("hello world") == [31373, 995]


def test_encoding_from_ranks_like_tiktoken():
    enc = get_encoding("gpt2")
    mine = Encoding("mine", pat_str=openai_public.r50k_pat_str, mergeable_ranks=enc._mergeable_ranks,
                    special_tokens={"<|endoftext|>": 50256, "<|im_start|>": 50257}, explicit_n_vocab=50258)
    assert mine.encode("<|im_start|>hello world", allowed_special="all") == [50257, 31373, 995]
    with pytest.raises(ValueError, match="explicit_n_vocab"):
        Encoding("bad", pat_str=openai_public.r50k_pat_str, mergeable_ranks={b"a": 0}, special_tokens={},
                 explicit_n_vocab=5)


def test_harmony(official_files):
    """o200k_harmony: o200k_base's ranks, 1091 special tokens; tiktoken lists <|reserved_200018|>
    with <|endofprompt|>'s id (and decodes the id to either, by hash order): subtok picks the first."""
    enc = get_encoding("o200k_harmony")
    ref = reference("o200k_harmony", official_files)
    assert enc._special_tokens == ref._special_tokens and enc.n_vocab == ref.n_vocab == 201088
    text = "x ".join(sorted(ref.special_tokens_set))
    assert enc.encode(text, allowed_special="all") == ref.encode(text, allowed_special="all")
    assert enc.encode("<|endofprompt|><|reserved_200018|>", allowed_special="all") == [200018, 200018]
    assert enc.decode([200018]) == "<|endofprompt|>"


def test_import_is_lazy():
    code = ("import subtok, sys; print(sorted(m for m in ('subtok.tiktoken_api', 'subtok.formats.tiktoken', "
            "'tiktoken') if m in sys.modules)); print(subtok.get_encoding.__module__, "
            "subtok.encoding_for_model.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "subtok.tiktoken_api subtok.tiktoken_api"]


# -- loading files --------------------------------------------------------------------------------

def test_load_files(tmp_path):
    gpt2 = assets.fetch("gpt2.tiktoken")
    expected = get_encoding("gpt2").encode(ALL[0])
    assert subtok.load(gpt2).encode(ALL[0]).ids == expected
    gz = tmp_path / "r50k_base.tiktoken.gz"
    gz.write_bytes(gzip.compress(gpt2.read_bytes()))
    tok = subtok.load(gz)
    assert tok.encode(ALL[0] + "<|endoftext|>").ids == expected + [50256]
    assert tok.decode(expected + [50256], skip_special_tokens=False) == ALL[0] + "<|endoftext|>"


def test_unknown_name_needs_pattern_and_special_tokens(tmp_path):
    mine = tmp_path / "mine.tiktoken"
    mine.write_bytes(assets.fetch("gpt2.tiktoken").read_bytes())
    with pytest.raises(TokenizerFormatError, match=r"mine.tiktoken.*pass pattern and special_tokens"):
        subtok.load(mine)
    with pytest.raises(TokenizerFormatError, match=r"pass special_tokens \("):
        subtok.load(mine, pattern=openai_public.r50k_pat_str)
    tok = subtok.load(mine, pattern=openai_public.r50k_pat_str, special_tokens={"<|end|>": 50256})
    assert tok.encode("hello world<|end|>").ids == [31373, 995, 50256]
    with pytest.raises(TypeError, match="for .tiktoken files"):
        subtok.load(assets.fetch("claude/tokenizer.json"), pattern="x")


def rank_file(lines: list[str]) -> bytes:
    return "".join(line + "\n" for line in lines).encode()


def ok_lines() -> list[str]:
    return [f"{base64.b64encode(bytes([b])).decode()} {b}" for b in range(256)]


@pytest.mark.parametrize("edit,line,what", [
    (lambda ls: ls[:3] + ["YQ=="] + ls[3:], 4, "expected 'base64token rank'"),
    (lambda ls: ls[:3] + ["YQ== 1 2"] + ls[3:], 4, "expected 'base64token rank'"),
    (lambda ls: ls[:9] + ["Y!Q= 300"] + ls[9:], 10, "'Y!Q=' is not valid base64"),
    (lambda ls: ls[:9] + ["YWI 300"] + ls[9:], 10, "'YWI' is not valid base64"),
    (lambda ls: ls + ["YWI= 7"], 257, "rank 7 is already used on line 8"),
    (lambda ls: ls + ["YQ== 300"], 257, "token b'a' is already listed with rank 97"),
    (lambda ls: ls + ["YWI= -3"], 257, "the rank '-3' is not a non-negative integer"),
    (lambda ls: ls + ["YWI= x"], 257, "the rank 'x' is not a non-negative integer"),
])
def test_bad_rank_files(tmp_path, edit, line, what):
    path = tmp_path / "bad.tiktoken"
    path.write_bytes(rank_file(edit(ok_lines())))
    with pytest.raises(TokenizerFormatError) as info:
        subtok.load(path, pattern=r"\S+", special_tokens={})
    assert f"bad.tiktoken: line {line}: {what}" in str(info.value)


def test_bad_files_as_a_whole(tmp_path):
    empty = tmp_path / "empty.tiktoken"
    empty.write_bytes(b"\n\n")
    with pytest.raises(TokenizerFormatError, match="empty.tiktoken: .*the file is empty"):
        subtok.load(empty, pattern=r"\S+", special_tokens={})
    garbage = tmp_path / "cl100k_base.tiktoken.gz"
    garbage.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(TokenizerFormatError, match="cl100k_base.tiktoken.gz: not valid gzip data"):
        subtok.load(garbage)
    truncated = tmp_path / "o200k_base.tiktoken.gz"
    truncated.write_bytes(gzip.compress(rank_file(ok_lines()))[:-10])
    with pytest.raises(TokenizerFormatError, match="not valid gzip data"):
        subtok.load(truncated)
    wrong = tmp_path / "gpt2.tiktoken"
    wrong.write_bytes(rank_file(ok_lines()))
    with pytest.raises(TokenizerFormatError, match="is this really the gpt2 file"):
        subtok.load(wrong)
    with pytest.raises(TokenizerFormatError, match="invalid pattern"):
        subtok.load(wrong, pattern="(", special_tokens={})
    with pytest.raises(TokenizerFormatError, match=r"clashes with regular token id 97 \(b'a'\)"):
        subtok.load(wrong, pattern=r"\S+", special_tokens={"a": 300})
    with pytest.raises(TokenizerFormatError, match="clashes with regular token id 5"):
        subtok.load(wrong, pattern=r"\S+", special_tokens={"<|x|>": 5})


# -- merges from ranks ----------------------------------------------------------------------------

def toy_ranks(rng: random.Random, alphabet: bytes, n_trained: int, n_random: int) -> dict[bytes, int]:
    """All 256 bytes, then tokens made like BPE training does (two tokens joined), then random ones."""
    ranks = {bytes([b]): b for b in range(256)}
    made = [bytes([b]) for b in alphabet]
    for _ in range(n_trained):
        t = rng.choice(made) + rng.choice(made)
        if t not in ranks:
            ranks[t] = len(ranks)
            made.append(t)
    for _ in range(n_random):
        t = bytes(rng.choice(alphabet) for _ in range(rng.randint(2, 6)))
        ranks.setdefault(t, len(ranks))
    keys = list(ranks)[256:]
    for _ in range(len(keys) // 5):  # some ranks out of training order
        a, b = rng.sample(keys, 2)
        ranks[a], ranks[b] = ranks[b], ranks[a]
    return ranks


def every_split(ranks: dict[bytes, int], rng: random.Random) -> BPE:
    """The usual conversion: a merge for every split t = a + b, shuffled within each rank."""
    s = tiktoken_format._standin
    merges = [(r, rng.random(), s(t[:i]), s(t[i:])) for t, r in ranks.items() for i in range(1, len(t))
              if t[:i] in ranks and t[i:] in ranks]
    return BPE({s(t): r for t, r in ranks.items()}, [(a, b) for _, _, a, b in sorted(merges)], ignore_merges=True)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32), data=st.data())
def test_merges_from_ranks_on_random_vocabularies(seed, data):
    rng = random.Random(seed)
    alphabet = b"abc"[: rng.randint(1, 3)] + b" "
    ranks = toy_ranks(rng, alphabet, rng.randint(0, 40), rng.randint(0, 8))
    # the last pattern leaves "c" and some spaces unmatched: tiktoken drops them
    pattern = rng.choice([r"\S+|\s+", r"(?s:.+)", r" ?[abc]+|\s+(?!\S)|\s+", r" ?[ab]+"])
    ref = tiktoken.Encoding("toy", pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
    ours = tiktoken_format.from_ranks(ranks, pattern=pattern, special_tokens={})
    tok = subtok.Tokenizer(every_split(ranks, rng))
    tok.pre_tokenizer = ours.pre_tokenizer
    texts = data.draw(st.lists(st.text(alphabet=alphabet.decode(), max_size=60), min_size=1, max_size=5))
    for text in texts:
        ids = ref.encode_ordinary(text)
        assert ours.encode(text).ids == ids, (ranks, pattern, text)
        assert tok.encode(text).ids == ids, "every split, any order within a rank"
    if fast.enabled():  # (without the core, from_ranks above ran the reference: nothing to compare)
        assert_core_merges_equal_the_reference(ranks)


def assert_core_merges_equal_the_reference(ranks: dict[bytes, int], offset: int = 0) -> None:
    """The core's rank_merges (what from_ranks uses) == merges_from_ranks, the reference, as ids."""
    from subtok.models.bpe import ByteVocab

    ids = {t: r + offset for t, r in ranks.items()}
    core = fast.rank_merges(ByteVocab(ids))
    assert core is not None
    assert list(core.triples()) == [(ids[a], ids[b], ids[a + b]) for a, b in tiktoken_format.merges_from_ranks(ranks)]


@pytest.mark.skipif(not fast.enabled(), reason=NO_FAST_PATH)  # it compares the core with the reference
@pytest.mark.parametrize("asset", ["gpt2.tiktoken", "cl100k_base.tiktoken.gz", "o200k_base.tiktoken.gz"])
def test_core_merges_from_real_ranks(asset):
    """On OpenAI's files: the merges the core makes at load are the reference's, in its order
    (and with ids shifted, as Tekken's are)."""
    ranks = tiktoken_format.read_ranks(assets.fetch(asset))
    assert_core_merges_equal_the_reference(ranks)
    if asset.startswith("gpt2"):
        assert_core_merges_equal_the_reference(ranks, offset=1000)


def test_unreachable_tokens_need_ignore_merges():
    """b"abc" cannot be built (no "ab" or "bc"), yet tiktoken gives it for the whole piece "abc"."""
    ranks = {bytes([b]): b for b in range(256)} | {b"abc": 256, b"cd": 257}
    ref = tiktoken.Encoding("toy", pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens={})
    ours = tiktoken_format.from_ranks(ranks, pattern=r"\S+|\s+", special_tokens={})
    assert tiktoken_format.merges_from_ranks(ranks) == [(b"c", b"d")]
    for text in ["abc", "abcd abc", "xabc", "abcabc"]:
        assert ours.encode(text).ids == ref.encode_ordinary(text), text
    assert ref.encode_ordinary("abc") == [256] and ref.encode_ordinary("abcd") == [97, 98, 257]
    plain = BPE(ours.model.vocab, ours.model.merges, ignore_merges=False)
    assert [t[0] for t in plain.tokenize("abc")] == [97, 98, 99]  # without it: three bytes


# -- patterns -------------------------------------------------------------------------------------

PIECE_TEXTS = ["1234567 89", "a  \n\n  b  ", "x\r\n\r\ny", "ab\ncd\n", "it's 12:30!!\n\n", "trailing  ",
               "I'M HERE'S", "a\n"]


def assert_cuts_like_fancy_regex(pattern: str) -> None:
    """A tiktoken pattern cuts the same in subtok and, once saved, in Hugging Face tokenizers."""
    tokenizers = pytest.importorskip("tokenizers")
    portable = tiktoken_format.portable_pattern(pattern)
    ranks = {bytes([b]): b for b in range(256)}
    saved = tiktoken_format.from_ranks(ranks, pattern=pattern, special_tokens={}).to_str()
    hf = tokenizers.Tokenizer.from_str(saved).pre_tokenizer
    split = pre_tokenizers.Split(subtok.Regex(portable), "isolated")
    for text in PIECE_TEXTS:
        # as fancy-regex cuts: {m,n}+ possessive (as in `regex`), $ only at the very end (Python's \Z)
        expected = [m.group() for m in regex.finditer(pattern.replace("$", r"\Z"), text)]
        assert [p for p, _ in split.pre_tokenize_str(text)] == expected, text
        standins = ["".join(tiktoken_format.BYTES_TO_UNICODE[b] for b in p.encode()) for p in expected]
        assert [p for p, _ in hf.pre_tokenize_str(text)] == standins, text


def test_official_patterns_cut_alike(pair):
    """tiktoken's own patterns (possessive {m,n}+ and ++, \\s++$), as given by the user."""
    name, ours, ref = pair
    assert_cuts_like_fancy_regex(ref._pat_str)


def test_anchors_cut_alike():
    assert_cuts_like_fancy_regex(r"\d{2}+|^\w+|\w+$|\w|\s|.")


def test_portable_pattern_rewrites():
    p = tiktoken_format.portable_pattern
    assert p(r"\p{N}{1,3}+") == r"(?>\p{N}{1,3})"
    assert p(r"(ab){2}+c") == r"(?>(ab){2})c"
    assert p(r"[a-z]{1,}+|x{3}") == r"(?>[a-z]{1,})|x{3}"
    assert p(r"\s++$|^a|[$^]|\$") == r"\s++(?![\s\S])|(?<![\s\S])a|[$^]|\$"
    assert p(r"[\]{]{2}+") == r"(?>[\]{]{2})"
    assert p(tiktoken_format.CL100K_PATTERN) == tiktoken_format.CL100K_PATTERN


# -- Mistral Tekken -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tekken():
    path = assets.fetch("mistral/tekken_240718.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    config = data["config"]
    n_special = config["default_num_special_tokens"]
    # as mistral-common's Tekkenizer: the first vocab_size - n_special ranks, ids shifted by n_special
    mergeable = {base64.b64decode(e["token_bytes"]): e["rank"]
                 for e in data["vocab"][: config["default_vocab_size"] - n_special]}
    ref = tiktoken.Encoding("tekken", pat_str=config["pattern"], mergeable_ranks=mergeable, special_tokens={})
    return subtok.load(path), ref, n_special


def test_tekken(tekken):
    tok, ref, n_special = tekken
    assert n_special == 1000 and tok.get_vocab_size() == 131072
    for text in ALL:
        expected = [i + n_special for i in ref.encode(text)]
        got = tok.encode(text).ids
        if not any(s in text for s in ("<s>", "</s>", "<unk>", "<pad>", "[INST]")):
            assert got == expected, text[:40]
    assert [tok.token_to_id(s) for s in ("<unk>", "<s>", "</s>", "[INST]", "<SPECIAL_20>", "<SPECIAL_999>")] == \
        [0, 1, 2, 3, 20, 999]
    assert tok.encode("<s>[INST] hi [/INST]").ids[:2] == [1, 3]
    assert tok.decode(tok.encode(ALL[5]).ids) == ALL[5]


def test_tekken_special_text_as_mistral_common_encodes_it(tekken):
    """mistral-common encodes "<s>" typed in text as text; HF's encode_special_tokens does the same."""
    tok, ref, n_special = tekken
    plain = subtok.Tokenizer.from_str(tok.to_str())
    plain.encode_special_tokens = True
    text = "[CLS] <s> </s> <|endoftext|> <unk> [INST]"
    assert plain.encode(text).ids == [i + n_special for i in ref.encode(text)]


def test_tekken_in_hugging_face(tekken):
    tokenizers = pytest.importorskip("tokenizers")
    tok, ref, n_special = tekken
    hf = tokenizers.Tokenizer.from_str(tok.to_str())
    for text in ALL[:60]:
        assert hf.encode(text).ids == tok.encode(text).ids, text[:40]


def test_bad_tekken(tmp_path):
    path = tmp_path / "tekken_bad.json"
    good = {"config": {"pattern": r"\S+|\s+", "default_vocab_size": 282, "default_num_special_tokens": 25,
                       "version": "v3", "num_vocab_tokens": 257},
            "vocab": [{"rank": i, "token_bytes": base64.b64encode(bytes([i])).decode(),
                       "token_str": None} for i in range(256)] +
                     [{"rank": 256, "token_bytes": "YWI=", "token_str": "ab"}]}
    path.write_text(json.dumps(good))
    tok = subtok.load(path)
    assert tok.encode("ab a").ids == [281, 57, 122]  # ranks + 25 special ids
    assert [tok.id_to_token(i) for i in (0, 1, 2, 19, 20, 24)] == \
        ["<unk>", "<s>", "</s>", "[TOOL_CONTENT]", "<SPECIAL_20>", "<SPECIAL_24>"]
    good["vocab"][7]["token_bytes"] = "!!"
    path.write_text(json.dumps(good))
    with pytest.raises(TokenizerFormatError, match=r"tekken_bad.json: vocab\[7\].token_bytes: '!!' is not valid"):
        subtok.load(path)
    good["vocab"][7]["token_bytes"] = "Bw=="
    good["vocab"][9]["rank"] = 10
    path.write_text(json.dumps(good))
    with pytest.raises(TokenizerFormatError, match=r"vocab\[9\].rank: expected rank 9"):
        subtok.load(path)
    good["vocab"][9]["rank"] = 9
    good["config"]["version"] = "v11"
    path.write_text(json.dumps(good))
    with pytest.raises(TokenizerFormatError, match="must list its special_tokens"):
        subtok.load(path)
