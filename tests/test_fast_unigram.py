"""The compiled sentencepiece Unigram (the precompiled charsmap walked longest-match first, then the
Viterbi lattice in float32 as sentencepiece computes it) gives exactly the reference's results:
fast == pure-Python reference == the sentencepiece library.

On AI21's j2 .model (262k pieces, a charsmap, user-defined symbols, byte fallback) over the
multilingual corpus, the shared benchmark files (long texts: the path scores pass 100000 and are
re-based), hypothesis-generated Unicode and texts aimed at the charsmap's rules; and on Unigram
models built here with unknown characters with and without byte fallback.
"""

from __future__ import annotations

from array import array
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import subtok
from corpus import ALL
from helpers import NO_FAST_PATH
from helpers import check_fast_ids as check
from helpers import on_reference as reference
from subtok import assets, fast
from subtok.formats import sentencepiece as spf

spm = pytest.importorskip("sentencepiece")

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "bench" / "corpus"
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
needs_core = pytest.mark.skipif(not fast.enabled(), reason=NO_FAST_PATH)
EDGE = ["", " ", "  ", "a", " a ", "  a  b  ", "▁", "▁▁x▁ ▁", "\t\n\r\n", "\r\n\r\n", "a" * 600, "中文" * 300,
        "\U0001f600\U0001f389 x \U000e0001 \U0010ffff", "<s> hi </s> <unk> <|endoftext|>", "\x00\ufffd\u200b",
        "İstanbul ΣΑΣ ς", "naïve café", "ﬁ ㎏ １２３ ＡＢＣ ｶﾀｶﾅ ⅷ ①", "\u0301\u0301a", "x" + "\u0301" * 300,
        "e\u0301 é Å Å", "한국어 가 ᄀ\u1161", "\u3000\u00a0\u2028\u2029", "x" * 5000, "ab " * 3000]


@pytest.fixture(scope="module")
def j2():
    path = assets.fetch("j2-tokenizer.model")
    return spf.load_sentencepiece(path), spm.SentencePieceProcessor(model_file=str(path))


@needs_core
def test_the_fast_path_is_taken(j2):
    ours, _ = j2
    assert type(fast._plan(ours).core).__name__ == "Unigram"
    assert type(ours.encode("hello world", add_special_tokens=False)) is fast.LazyEncoding


def test_texts_with_the_first_character_of_added_tokens(j2):
    """j2's 26,089 added tokens all start with "<": the core is asked only whether a "<" is in the
    text; a text with one is searched for the tokens, and goes to the added-token split only if it
    holds one (else the core encodes it whole)."""
    ours, sp = j2
    finder = fast._finder(ours.added_vocabulary)
    assert finder.stop in (None, (b"<",)) and not finder.stop_tokens
    tokens = sorted(ours.added_vocabulary.raw_matcher.ids)[:50:7]
    for text in ["a < b", "<", "x<", "<<>>", "if a<b and b>c: pass"] + [f"see {t} here" for t in tokens] + \
            [f"{t}{t}<{t[1:]}" for t in tokens[:3]]:
        check(ours, sp.encode, text)


def test_corpus_and_edges(j2):
    ours, sp = j2
    for text in ALL + EDGE:
        check(ours, sp.encode, text)


def test_every_field_equals_the_reference(j2):
    ours, _ = j2
    for text in ALL[::6] + EDGE[::3]:
        got = ours.encode(text, add_special_tokens=False)
        ref = reference(lambda: ours.encode(text, add_special_tokens=False))
        assert got == ref and got.tokens == ref.tokens and got.offsets == ref.offsets, text[:40]


def test_batches_arrays_and_counts(j2):
    ours, sp = j2
    texts = ALL + EDGE
    expected = [sp.encode(t) for t in texts]
    assert [e.ids for e in ours.encode_batch(texts, add_special_tokens=False)] == expected
    assert fast.count_tokens(ours, texts, add_special_tokens=False) == [len(x) for x in expected]
    flat, offsets = fast.encode_to_arrays(ours, texts, add_special_tokens=False)
    assert [flat[offsets[k]:offsets[k + 1]].tolist() for k in range(len(texts))] == expected


@pytest.mark.parametrize("file", ["en.txt", "code.txt", "multi.txt"])
def test_shared_corpus_long_texts(j2, file):
    """300 KB in one text: the path's score passes 100000 and is re-based (float32), as sentencepiece."""
    if not (CORPUS / file).is_file():
        pytest.skip("../shared/bench/corpus is not beside this clone")
    ours, sp = j2
    text = (CORPUS / file).read_bytes()[:300_000].decode("utf-8", "ignore")
    check(ours, sp.encode, text, with_reference=False)
    check(ours, sp.encode, text[:30_000])
    paragraphs = text.split("\n\n")
    assert [e.ids for e in ours.encode_batch(paragraphs, add_special_tokens=False)] == sp.encode(paragraphs)


@SETTINGS
@given(st.text(max_size=60))
def test_hypothesis_unicode(j2, text):
    check(j2[0], j2[1].encode, text)


@SETTINGS
@given(st.text(alphabet=st.sampled_from(" ▁aeiouthnrs.,'\n\r中文\U0001f600é\u0301\x00ﬁ１ｶﾞ㎏<|>"), max_size=40))
def test_hypothesis_charsmap_and_symbols(j2, text):
    check(j2[0], j2[1].encode, text)


# -- small models built here: unknown characters, with and without byte fallback -------------------

def small_model(byte_fallback: bool) -> subtok.Tokenizer:
    from subtok import normalizers
    from subtok.models import Unigram

    pieces = [("<unk>", 0.0), ("▁", -1.0), ("a", -2.0), ("b", -2.5), ("ab", -3.0), ("▁ab", -3.5), ("ba", -4.0),
              ("中", -5.0), ("xy", -1.0)]
    pieces += [(f"<0x{b:02X}>", 0.0) for b in range(256)] if byte_fallback else []
    unmatched = [0] + list(range(9, len(pieces)))
    tok = subtok.Tokenizer(Unigram(pieces, unk_id=0, byte_fallback=byte_fallback, unmatched_ids=unmatched,
                                   float32=True))
    tok.normalizer = normalizers.Sequence([normalizers.Precompiled(b"", longest_match=True),
                                           normalizers.Replace(" ", "▁")])
    return tok


@needs_core
def test_the_reference_tables_are_made_when_it_first_runs():
    """The core is built without the reference's tables (pieces as tuples, id -> piece, the matched
    pieces, the prefix reach); made later, they are what the pieces say, and both paths agree."""
    tok = small_model(True)
    model = tok.model
    texts = ["ab ba 中 xy", "zz\u00e9 ab"]
    ids = [tok.encode(t).ids for t in texts]
    assert [k for k in ("pieces", "_vocab_r", "_matched", "_reach") if k in model.__dict__] == []
    assert [reference(lambda t=t: tok.encode(t).ids) for t in texts] == ids
    assert model.pieces[:3] == [("<unk>", 0.0), ("▁", -1.0), ("a", -2.0)] and model._vocab_r[4] == "ab"
    assert "<unk>" not in model._matched and model._matched["▁ab"] == 5 and model._max_len == 3
    assert model.to_dict()["vocab"][:2] == [["<unk>", 0.0], ["▁", -1.0]] and model.get_vocab_size() == 265
    from subtok.models import Unigram  # the pieces may come as an iterator (read once)
    assert Unigram(iter(model.pieces), unk_id=0).to_dict() == Unigram(model.pieces, unk_id=0).to_dict()


@pytest.mark.parametrize("space", ["▁", "😀"])
def test_an_unknown_replacement_falls_back_to_its_bytes(space):
    """No piece is the replacement: a run of unknowns that holds it (from ' ', or as itself) gives its
    UTF-8 bytes' tokens, or the unknown id when a byte token is missing."""
    for byte_fallback in (True, False):
        tok = random_model(["a", "b", "ab"], [-1.0, -1.0, -1.5], True, space, byte_fallback)
        for text in [" ", "a b", f"a{space}b", f"  {space}x ab", f"{space}", "x y"]:
            got = tok.encode(text).ids
            assert got == reference(lambda: tok.encode(text).ids), (space, byte_fallback, text)
            if byte_fallback and text == " ":
                assert tok.id_to_token(got[0]) == f"<0x{space.encode()[0]:02X}>" and len(got) == len(space.encode())


@pytest.mark.parametrize("byte_fallback", [True, False])
def test_unknowns(byte_fallback):
    tok = small_model(byte_fallback)
    if fast.available():
        assert type(fast._plan(tok).core).__name__ == "Unigram"
    for text in ["ab ba", "xyz", "x", "zz ab zz", "中文 ab", "\U0001f600\U0001f600", "", " ", "xyxy", "yx"]:
        got = tok.encode(text).ids
        assert got == reference(lambda: tok.encode(text).ids), text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(" abxyz中文\U0001f600"), max_size=30), st.booleans())
def test_hypothesis_unknowns(text, byte_fallback):
    tok = small_model(byte_fallback)
    assert tok.encode(text).ids == reference(lambda: tok.encode(text).ids)


def random_model(pieces: list[str], scores: list[float], float32: bool, space: str = "▁",
                 byte_fallback: bool = False) -> subtok.Tokenizer:
    from subtok import normalizers
    from subtok.models import Unigram

    vocab = [("<unk>", 0.0)] + list(zip(pieces, scores))
    unmatched = [0]
    if byte_fallback:
        unmatched += range(len(vocab), len(vocab) + 256)
        vocab += [(f"<0x{b:02X}>", 0.0) for b in range(256)]
    tok = subtok.Tokenizer(Unigram(vocab, unk_id=0, unmatched_ids=unmatched, float32=float32,
                                   byte_fallback=byte_fallback))
    tok.normalizer = normalizers.Sequence([normalizers.Precompiled(b"", longest_match=True),
                                           normalizers.Replace(" ", space)])
    return tok


PIECE_CHARS = "ab▁\x00\xff中😀_"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(alphabet=PIECE_CHARS, min_size=1, max_size=7), min_size=1, max_size=40, unique=True),
       st.data(), st.booleans(), st.sampled_from(["▁", "_", "😀", "\xff"]), st.booleans())
def test_hypothesis_random_vocabularies(pieces, data, float32, space, byte_fallback):
    """Random piece sets (shared prefixes, NUL, multi-byte characters, pieces that are prefixes of
    others) with random scores: every piece that starts at a position is found, as the reference finds it.
    The replacement of ' ' varies (the core holds one of 2-4 bytes as one byte: it also comes as
    itself, in the pieces and the text), and with byte fallback an unknown run falls back to bytes."""
    scores = data.draw(st.lists(st.floats(-30, 5, allow_nan=False), min_size=len(pieces), max_size=len(pieces)))
    tok = random_model(pieces, scores, float32, space, byte_fallback)
    if fast.available():
        assert type(fast._plan(tok).core).__name__ == "Unigram"
    for text in [data.draw(st.text(alphabet=PIECE_CHARS + " c", max_size=40)), "".join(pieces), " ".join(pieces)]:
        assert tok.encode(text).ids == reference(lambda: tok.encode(text).ids), (pieces, text)


def test_shapes_it_does_not_take_stay_on_the_reference():
    """A Unigram whose charsmap is walked grapheme by grapheme (Hugging Face's way) has no plan."""
    from subtok import normalizers
    from subtok.models import Unigram

    tok = subtok.Tokenizer(Unigram([("<unk>", 0.0), ("a", -1.0)], unk_id=0))
    tok.normalizer = normalizers.Sequence([normalizers.Precompiled(b""), normalizers.Replace(" ", "▁")])
    assert fast._plan(tok) is None
    assert tok.encode("a b").ids == [1, 0]  # "a", then "▁b" fused into one unknown


@needs_core
def test_core_arguments_are_checked():
    ok = dict(blob=b"ab", token_lens=array("I", [1, 1]), token_ids=array("I", [1, 2]),
              scores=array("d", [0.0, -1.0, -2.0]), byte_tokens=array("I", [0xFFFFFFFF]) * 256, charsmap=b"", symbols=b"", space="▁".encode(),
              unk_score=-20.0, unk_id=0, byte_fallback=False, float32=True)
    core = subtok._core.Unigram(**ok)
    assert core.encode("abc", 0) == [1, 2, 0]
    for bad in (dict(scores=array("d", [0.0])), dict(charsmap=b"\x01"), dict(space=b""), dict(unk_id=7),
                dict(blob=b"abc"), dict(token_ids=array("I", [1, 0xFFFFFFFF])),
                # the trie holds ids below 2**23 - 1 (a model with more pieces stays on the reference)
                dict(token_ids=array("I", [1, 2**23 - 1]), scores=array("d", [0.0]) * 2**23)):
        with pytest.raises(ValueError):
            subtok._core.Unigram(**{**ok, **bad})
    big = subtok._core.Unigram(**{**ok, "token_ids": array("I", [1, 2**23 - 2]), "scores": array("d", [0.0]) * 2**23})
    assert big.encode("abc", 0) == [1, 2**23 - 2, 0]
    with pytest.raises(TypeError):
        core.encode_piece(b"ab")
