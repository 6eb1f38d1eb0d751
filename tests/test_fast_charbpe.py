"""The compiled sentencepiece-style BPE (characters, byte fallback, sentencepiece's space handling)
gives exactly the reference's results: fast == pure-Python reference == the upstream library.

On Mistral's v1 and v2 .model files against the sentencepiece library (merges of equal rank:
sentencepiece merges by the merged piece's score), on llama.cpp's Llama vocabulary (GGUF: no
pre-tokenizer, the whole text is one piece), and on a Llama-2-shaped tokenizer.json built with HF
tokenizers (Prepend('▁'), positional ranks), over the multilingual corpus, the shared benchmark
files, hypothesis-generated Unicode and long pieces (the heap and bucket-queue merge paths), with
unknown characters with and without byte fallback.
"""

from __future__ import annotations

import functools
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
from subtok.formats import gguf as subtok_gguf
from subtok.formats import sentencepiece as spf

spm = pytest.importorskip("sentencepiece")
tokenizers = pytest.importorskip("tokenizers")

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "bench" / "corpus"
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
needs_core = pytest.mark.skipif(not fast.enabled(), reason=NO_FAST_PATH)
MODELS = ["mistral/tokenizer.model.v1", "mistral/mistral_instruct_tokenizer_240216.model.v2"]
EDGE = ["", " ", "  ", "a", " a", "a ", "  a  b  ", "▁", "▁▁x▁ ▁", "x▁y", "\t\n\r", "a" * 600, "ab" * 400,
        "中文" * 300, "\U0001f600\U0001f389 x \U000e0001", "<s> hi </s> <unk>", "\x00\ufffd\u200b", "İstanbul ΣΑΣ",
        "naïve café", "ﬁ ㎏ １２３", " " * 50 + "end", "emoji " + "🎉" * 200, "\u0301\u0301a", "x" + "\u0301" * 300]


@pytest.fixture(scope="module", params=MODELS, ids=lambda m: m.rsplit(".", 1)[-1])
def pair(request):
    path = assets.fetch(request.param)
    return spf.load_sentencepiece(path), spm.SentencePieceProcessor(model_file=str(path))


@needs_core
def test_the_fast_path_is_taken(pair):
    ours, _ = pair
    assert type(fast._plan(ours).core).__name__ == "CharBPE"
    assert type(ours.encode("hello world", add_special_tokens=False)) is fast.LazyEncoding


def test_corpus_and_edges(pair):
    ours, sp = pair
    for text in ALL + EDGE:
        check(ours, sp.encode, text)


def test_every_field_equals_the_reference(pair):
    ours, _ = pair
    for text in ALL[::6] + EDGE[::3]:
        for special in (True, False):
            got = ours.encode(text, add_special_tokens=special)
            ref = reference(lambda: ours.encode(text, add_special_tokens=special))
            assert got == ref and got.tokens == ref.tokens and got.offsets == ref.offsets, text[:40]


def test_batches_arrays_and_counts(pair):
    ours, sp = pair
    texts = ALL + EDGE
    expected = sp.encode(texts)
    assert [e.ids for e in ours.encode_batch(texts, add_special_tokens=False)] == expected
    assert fast.count_tokens(ours, texts, add_special_tokens=False) == [len(x) for x in expected]
    flat, offsets = fast.encode_to_arrays(ours, texts, add_special_tokens=False)
    assert [flat[offsets[k]:offsets[k + 1]].tolist() for k in range(len(texts))] == expected
    for threads in (1, 2, 3):
        assert fast.batch_ids(ours, texts, threads) in (expected, None)


def test_long_pieces_merge_as_sentencepiece_does(pair):
    """Pieces of thousands of symbols go through the heap and the bucket queue, where several merges
    of the same rank must still go leftmost first."""
    ours, sp = pair
    text = ("The quick brown fox jumps over the lazy dog; internationalization, " * 80
            + "Ünïcödé ТЕКСТ 中文字 한국어 " * 40)
    for piece in (text.replace(" ", ""), text.replace(" ", "")[:700], "a" * 5000, "ab" * 3000 + "c"):
        check(ours, sp.encode, piece)


@pytest.mark.parametrize("file", ["en.txt", "code.txt", "multi.txt"])
def test_shared_corpus(pair, file):
    if not (CORPUS / file).is_file():
        pytest.skip("../shared/bench/corpus is not beside this clone")
    ours, sp = pair
    text = (CORPUS / file).read_bytes()[:300_000].decode("utf-8", "ignore")
    paragraphs = text.split("\n\n")
    assert [e.ids for e in ours.encode_batch(paragraphs, add_special_tokens=False)] == sp.encode(paragraphs)
    check(ours, sp.encode, text[-8_000:])


@SETTINGS
@given(st.text(max_size=60))
def test_hypothesis_unicode(pair, text):
    check(pair[0], pair[1].encode, text)


@SETTINGS
@given(st.text(alphabet=st.sampled_from(" ▁aeiouthnrs.,'\n中文\U0001f600é\u0301\x00"), max_size=40))
def test_hypothesis_spaces_and_unknowns(pair, text):
    check(pair[0], pair[1].encode, text)


# -- without a pre-tokenizer: llama.cpp's Llama vocabulary and a Llama-2-shaped tokenizer.json -----

@pytest.fixture(scope="module")
def llama_spm():
    return subtok_gguf.load_gguf(assets.fetch("gguf/ggml-vocab-llama-spm.gguf"))


def test_gguf_llama_whole_text_is_one_piece(llama_spm):
    if fast.available():
        assert type(fast._plan(llama_spm).core).__name__ == "CharBPE"
    assert llama_spm.pre_tokenizer is None
    for text in ALL[::2] + EDGE:
        got = llama_spm.encode(text).ids
        assert got == reference(lambda: llama_spm.encode(text).ids), text[:40]


def llama2_json(model: subtok.Tokenizer, byte_fallback: bool, unk: bool) -> str:
    """A tokenizer.json of Llama 2's shape from a sentencepiece model's vocab and merges (HF
    tokenizers ranks merges by position), optionally without the byte tokens or the unk token."""
    from tokenizers import models, normalizers

    vocab = dict(model.model.vocab)
    if not byte_fallback:
        vocab = {t: i for t, i in vocab.items() if not (t.startswith("<0x") and len(t) == 6)}
    merges = [(a, b) for a, b in model.model.merges if a in vocab and b in vocab and a + b in vocab]
    hf = tokenizers.Tokenizer(models.BPE(vocab, merges, unk_token="<unk>" if unk else None, fuse_unk=True,
                                         byte_fallback=byte_fallback))
    hf.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    return hf.to_str()


@pytest.mark.parametrize("byte_fallback,unk", [(True, True), (False, True), (False, False)])
def test_llama2_shaped_tokenizer_json(byte_fallback, unk):
    ours, theirs = llama2_pair(byte_fallback, unk)
    if fast.available():
        assert type(fast._plan(ours).core).__name__ == "CharBPE"
    for text in ALL[::2] + EDGE:
        check(ours, lambda t: theirs.encode(t, add_special_tokens=False).ids, text)


@functools.lru_cache(maxsize=None)
def llama2_pair(byte_fallback: bool, unk: bool) -> tuple[subtok.Tokenizer, object]:
    data = llama2_json(spf.load_sentencepiece(assets.fetch(MODELS[0])), byte_fallback, unk)
    return subtok.Tokenizer.from_str(data), tokenizers.Tokenizer.from_str(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(" ▁abc中\U0001f600\x00é"), max_size=30), st.booleans())
def test_hypothesis_unknowns_without_byte_fallback(text, unk):
    ours, theirs = llama2_pair(False, unk)
    check(ours, lambda t: theirs.encode(t, add_special_tokens=False).ids, text)


def test_shapes_it_does_not_take_stay_on_the_reference():
    """User-defined symbols (Mistral v3), a charsmap normalizer (botchan): no CharBPE plan, same ids."""
    for name in ["mistral/mistral_instruct_tokenizer_240323.model.v3", "sentencepiece/botchan_en_bpe_1000.model"]:
        path = assets.fetch(name)
        ours, sp = spf.load_sentencepiece(path), spm.SentencePieceProcessor(model_file=str(path))
        assert fast._plan(ours) is None
        for text in ALL[::9]:
            assert ours.encode(text, add_special_tokens=False).ids == sp.encode(text)


@needs_core
def test_core_arguments_are_checked():
    core_args = (b"ab", array("I", [1, 1]), array("I", [3, 4]), array("I", [3]), array("I", [4]), array("I", [0]),
                 array("I", [5]), array("I", [0xFFFFFFFF]) * 256)
    core = subtok._core.CharBPE(*core_args, 0xFFFFFFFF, "▁".encode(), subtok._core.CB_BYTE_FALLBACK)
    assert core.encode("ab", 0) == [5] and core.encode("ba", 0) == [4, 3] and core.encode("xa", 0) == [3]
    with pytest.raises(ValueError):
        subtok._core.CharBPE(*core_args, 0xFFFFFFFF, b"", 0)  # no replacement char
    with pytest.raises(ValueError):
        subtok._core.CharBPE(*core_args[:7], array("I", [0]) * 3, 0xFFFFFFFF, b"_", 0)  # not 256 byte tokens
    with pytest.raises(TypeError):
        core.encode_piece(b"ab")


def tied_tokenizer(seed: int) -> subtok.Tokenizer:
    """A random BPE over a, b, c whose merges share ranks, and where a merge can make a new pair of
    its own rank (sentencepiece's files never do; the core must still merge leftmost first)."""
    import random

    from subtok import normalizers
    from subtok.models import BPE

    rnd = random.Random(seed)
    tokens = ["▁", "a", "b", "c"]
    merges: list[tuple[str, str]] = []
    while len(tokens) < 24:
        a, b = rnd.choice(tokens), rnd.choice(tokens)
        if a + b not in tokens and len(a + b) <= 6:
            tokens.append(a + b)
            merges.append((a, b))
    ranks = [rnd.randrange(4) for _ in merges]
    tok = subtok.Tokenizer(BPE({t: i for i, t in enumerate(tokens)}, merges, merge_ranks=ranks))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    return tok


@pytest.mark.parametrize("seed", range(40))
def test_tied_ranks_in_long_pieces(seed):
    import random

    tok = tied_tokenizer(seed)
    if fast.available():
        assert type(fast._plan(tok).core).__name__ == "CharBPE"
    rnd = random.Random(seed)
    for n in (30, 200, 600, 2000):  # the linear scan, the heap, the bucket queue
        text = "".join(rnd.choice("abc") for _ in range(n))
        assert tok.encode(text).ids == reference(lambda: tok.encode(text).ids), (seed, n)
