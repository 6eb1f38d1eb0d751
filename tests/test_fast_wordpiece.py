"""The compiled WordPiece path (BERT's normalizer and pre-tokenizer in C) gives exactly the reference's
results: fast == pure-Python reference == Hugging Face tokenizers.

On the real bert-base-uncased tokenizer.json (all-MiniLM-L6-v2) and on tokenizers built here with
every BertNormalizer option and both pre-tokenizers the core takes, over the multilingual corpus,
the shared benchmark files, hypothesis-generated Unicode and texts aimed at the parts that are
easy to get wrong: canonical reordering of combining marks before the nonspacing ones are dropped,
Hangul, Chinese characters, controls, words at max_input_chars_per_word, added tokens in the text.
Also the special tokens the post-processor puts around a text (asked of the processor, `_wrap`).
"""

from __future__ import annotations

import itertools
import pickle
from array import array
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import subtok
from conftest import real_tokenizer_path
from corpus import ALL
from helpers import NO_FAST_PATH
from helpers import assert_generated_header_current
from helpers import on_reference as reference
from subtok import fast
from subtok.encoding import Encoding

tokenizers = pytest.importorskip("tokenizers")
np = pytest.importorskip("numpy")

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "bench" / "corpus"
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
needs_core = pytest.mark.skipif(not fast.enabled(), reason=NO_FAST_PATH)

# Marks whose canonical combining class is not 0 and which are not nonspacing (Mn) in the tables
# the reference uses, so NFD's reordering decides where they end up (bert_tables.h: BT_MARK), next
# to nonspacing marks of several classes and a nonspacing mark of class 0 (U+034F), which ends a
# run of marks.
MARKS = "\u302e\u302f\U0001d165\U0001d166\U0001d16d\U0001d16e\u08d4\u0f71" + "\u0301\u0316\u0334\u034f\u0345"
EDGE = [
    "", " ", "\t\n\r", "a", "A", "[CLS]", "[CLS] hello [SEP] [MASK] x[PAD]y", "[unk] [UNK]",
    "Héllo WÖRLD! ÅÉÎ İstanbul ΣΑΣ ς ǅ ß ẞ", "naïve café\u0000\ufffd\u200b\u00ad end",
    "中文字 日本語テキスト 한국어 가나다 ㄱ ᄀ\u1161", "\u302e\U0001d165x\u302f a\u0300\u0f71\u302e\u302f",
    "x" * 100, "x" * 101, "é" * 100, "é" * 101, "ab" * 60, "un" + "##" * 10, "##ing", "a##b",
    "\U0001f600\U0001f389 emoji 🎵 鸟", "tab\tnew\nline\rcr\x0bvt\x0cff\x85nel\u2028ls\u3000ideo",
    "x\u0300\u0301\u0302y", "\u08d4\x00\U0001d165", "\u302e\x01\u302f\x7f\U0001d165",  # a control inside a run
    "Ǆ ǈ ǋ Ω K Å", "\ufeffbom", "１２３ ＡＢＣ ﬁ ㎏", "a.b,c;d:e!f?g'h\"i(j)k[l]m{n}o",
    "$€£¥ ~`^ | \\ /", "\x7f\x80\x9f\xa0 nbsp", "İ" * 3, "ﬃ" * 5,
]


@pytest.fixture(scope="module")
def bert():
    """(subtok, HF tokenizers) on the real bert-base-uncased tokenizer.json, without the file's
    truncation and padding (the core does not take those; other tests cover them)."""
    path = str(real_tokenizer_path("bert-base-uncased"))
    ours, theirs = subtok.Tokenizer.from_file(path), tokenizers.Tokenizer.from_file(path)
    for t in (ours, theirs):
        t.no_truncation()
        t.no_padding()
    return ours, theirs


def check(ours, theirs, text: str, with_reference: bool = True) -> None:
    for special in (True, False):
        expected = theirs.encode(text, add_special_tokens=special).ids
        got = ours.encode(text, add_special_tokens=special).ids
        assert got == expected, f"special={special} {text[:60]!r}"
        if with_reference:
            assert reference(lambda: ours.encode(text, add_special_tokens=special).ids) == expected, text[:60]


@needs_core
def test_the_fast_path_is_taken(bert):
    ours, _ = bert
    assert type(fast._plan(ours).core).__name__ == "WordPiece"
    assert fast._wrap(ours, True) == ([101], [102])  # [CLS] ... [SEP], asked of the TemplateProcessing
    assert type(ours.encode("hello world")) is fast.LazyEncoding


def test_corpus_and_edges(bert):
    ours, theirs = bert
    for text in ALL + EDGE:
        check(ours, theirs, text)


def test_every_field_equals_the_reference_and_upstream(bert):
    ours, theirs = bert
    for text in ALL[::5] + EDGE[::3]:
        got, hf = ours.encode(text), theirs.encode(text)
        ref = reference(lambda: ours.encode(text))
        assert got == ref, text[:40]
        assert (got.ids, got.tokens, got.offsets, got.type_ids, got.special_tokens_mask, got.attention_mask) == (
            hf.ids, hf.tokens, hf.offsets, hf.type_ids, hf.special_tokens_mask, hf.attention_mask), text[:40]
        again = pickle.loads(pickle.dumps(got))
        assert type(again) is Encoding and again == ref


def test_batches_arrays_and_counts(bert):
    ours, theirs = bert
    texts = ALL + EDGE
    for special in (True, False):
        expected = [e.ids for e in theirs.encode_batch(texts, add_special_tokens=special)]
        assert [e.ids for e in ours.encode_batch(texts, add_special_tokens=special)] == expected
        assert fast.count_tokens(ours, texts, add_special_tokens=special) == [len(x) for x in expected]
        flat, offsets = fast.encode_to_arrays(ours, texts, add_special_tokens=special)
        assert [flat[offsets[k]:offsets[k + 1]].tolist() for k in range(len(texts))] == expected
        for threads in (1, 2, 3):
            assert fast.batch_ids(ours, texts, threads, fast._wrap(ours, special)) in (expected, None)


@pytest.mark.parametrize("file", ["en.txt", "code.txt", "multi.txt"])
def test_shared_corpus(bert, file):
    if not (CORPUS / file).is_file():
        pytest.skip("../shared/bench/corpus is not beside this clone")
    ours, theirs = bert
    text = (CORPUS / file).read_bytes()[:400_000].decode("utf-8", "ignore")
    check(ours, theirs, text, with_reference=False)
    check(ours, theirs, text[-10_000:])
    paragraphs = text.split("\n\n")
    assert [e.ids for e in ours.encode_batch(paragraphs)] == [e.ids for e in theirs.encode_batch(paragraphs)]


@SETTINGS
@given(st.text(max_size=60))
def test_hypothesis_unicode(bert, text):
    check(*bert, text)


@SETTINGS
@given(st.text(alphabet=st.sampled_from(MARKS + "aAeÉİ가中 .ß"), max_size=30))
def test_hypothesis_marks(bert, text):
    check(*bert, text)


# -- every option of the stages, on a vocabulary where the order of marks changes the ids -----------

def small_vocab() -> dict[str, int]:
    pieces = ["[UNK]", "[CLS]", "[SEP]", "a", "e", "i", "x", "A", "É", "é", "İ", "i̇", "가", "ᄀ", "ᅡ", "中", "ß",
              ".", "!", "ae", "ax", "AE"]
    pieces += list(MARKS) + [a + b for a, b in itertools.permutations(MARKS[:8], 2)]
    pieces += ["##" + p for p in pieces[3:]] + ["xx" * 5]
    return {p: i for i, p in enumerate(dict.fromkeys(pieces))}


def variants():
    for clean, chinese, strip, lower in itertools.product((True, False), (True, False), (None, True, False),
                                                           (True, False)):
        for pre in ("BertPreTokenizer", "WhitespaceSplit"):
            yield clean, chinese, strip, lower, pre
    yield None  # no normalizer at all


def build(variant, vocab: dict[str, int], max_chars: int = 100):
    from tokenizers import models, normalizers, pre_tokenizers, processors

    hf = tokenizers.Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=max_chars))
    if variant is None:
        hf.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    else:
        clean, chinese, strip, lower, pre = variant
        hf.normalizer = normalizers.BertNormalizer(clean_text=clean, handle_chinese_chars=chinese,
                                                   strip_accents=strip, lowercase=lower)
        hf.pre_tokenizer = getattr(pre_tokenizers, pre)()
    hf.post_processor = processors.BertProcessing(("[SEP]", vocab["[SEP]"]), ("[CLS]", vocab["[CLS]"]))
    return subtok.Tokenizer.from_str(hf.to_str()), hf


VARIANT_TEXTS = EDGE + ["\u08d4\x00\U0001d165", "a\u302f\x00\u302e\tb"] + [a + m1 + m2 + m3 + b for a, b in (("a", "x"), ("A", "E"), ("", " ")) for m1, m2, m3 in
                        itertools.permutations(MARKS[:6] + "\u034f\u0301", 3)][:400]


@pytest.mark.parametrize("variant", list(variants()), ids=str)
def test_every_option(variant):
    ours, theirs = build(variant, small_vocab(), max_chars=12)
    if fast.available():
        assert fast._plan(ours) is not None and type(fast._plan(ours).core).__name__ == "WordPiece"
    for text in VARIANT_TEXTS:
        check(ours, theirs, text)
    assert [e.ids for e in ours.encode_batch(VARIANT_TEXTS)] == [e.ids for e in theirs.encode_batch(VARIANT_TEXTS)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(list(variants())), st.text(alphabet=st.sampled_from(MARKS + "aAeÉİi̇가中 .ß\t\x00x"),
                                                  max_size=24))
def test_hypothesis_every_option(variant, text):
    ours, theirs = build(variant, small_vocab(), max_chars=12)
    check(ours, theirs, text)


def test_long_marks_runs_are_sorted_stably():
    """A run of thousands of marks (the core sorts the held-back ones by class, stably)."""
    ours, theirs = build((True, True, True, False, "BertPreTokenizer"), small_vocab(), max_chars=10_000)
    for text in ["a" + ("\u302e\U0001d165\u0301\u302f\U0001d16d" * 700), "x" + "\U0001d16e\u08d4" * 1500 + "a"]:
        check(ours, theirs, text)


# -- the post-processor's special tokens ------------------------------------------------------------

def test_wrap_is_asked_of_the_processor(bert):
    from subtok import processors

    ours, _ = bert
    cases = [
        (processors.TemplateProcessing.from_strings("[CLS] $A [SEP]", "[CLS] $A [SEP] $B:1 [SEP]:1",
                                                    [("[CLS]", 101), ("[SEP]", 102)]), ([101], [102])),
        (processors.TemplateProcessing.from_strings("$A [SEP] [SEP]", None, [("[SEP]", 102)]), ([], [102, 102])),
        (processors.BertProcessing(("[SEP]", 102), ("[CLS]", 101)), ([101], [102])),
        (processors.RobertaProcessing(("[SEP]", 102), ("[CLS]", 101)), ([101], [102])),
        (processors.ByteLevel(), ([], [])),
    ]
    saved = ours.post_processor
    try:
        for processor, wrap in cases:
            ours.post_processor = processor
            assert fast._wrap(ours, True) == wrap
            assert fast._wrap(ours, False) == ([], [])
            for text in ["hello world", "", "[CLS] x"]:
                got = ours.encode(text)
                assert got == reference(lambda: ours.encode(text)), (processor, text)
            texts = ["a b", "", "c"]
            assert fast.count_tokens(ours, texts) == [len(ours.encode(t).ids) for t in texts]
    finally:
        ours.post_processor = saved


def test_truncation_and_padding_leave_it_to_the_reference(bert):
    ours, theirs = bert
    path = str(real_tokenizer_path("bert-base-uncased"))
    ours2, theirs2 = subtok.Tokenizer.from_file(path), tokenizers.Tokenizer.from_file(path)  # truncation 128, padding
    assert fast._wrap(ours2, True) is None
    for text in ALL[:20]:
        assert ours2.encode(text).ids == theirs2.encode(text).ids


def test_added_tokens(bert):
    """Added tokens split out before the core; one matched on normalized text leaves the text to the
    reference (the core normalizes the rest itself)."""
    path = str(real_tokenizer_path("bert-base-uncased"))
    ours, theirs = subtok.Tokenizer.from_file(path), tokenizers.Tokenizer.from_file(path)
    for t in (ours, theirs):
        t.no_truncation()
        t.no_padding()
        t.add_tokens(["hello world", "Zebra"])  # normalized=True: matched after lowercasing
        t.add_special_tokens(["<raw>"])
    texts = ["Hello World and zebra<raw>ZEBRA", "hello world", "<raw>", "x<raw>y [CLS]",
             "ZEBRA only in capitals", "HELLO WORLD"]  # only the normalized text holds a token
    assert not fast._raw_split_fits(ours)
    for text in texts:
        check(ours, theirs, text)
    assert [e.ids for e in ours.encode_batch(texts)] == [e.ids for e in theirs.encode_batch(texts)]


def test_lone_surrogates_raise_as_the_reference_does(bert):
    ours, _ = bert
    for text in ["a\ud800b", "\udfff"]:
        with pytest.raises(Exception) as fast_error:
            ours.encode(text)
        with pytest.raises(Exception) as ref_error:
            reference(lambda: ours.encode(text))
        assert type(fast_error.value) is type(ref_error.value)


@needs_core
def test_core_arguments_are_checked():
    with pytest.raises(ValueError):
        subtok._core.WordPiece(b"ab", array("I", [1]), array("I", [0]), 0, b"##", 100, 0)  # lengths != blob
    with pytest.raises(ValueError):
        subtok._core.WordPiece(b"a", array("I", [1]), array("I", [0]), 0, b"#" * 40, 100, 0)  # prefix too long
    core = subtok._core.WordPiece(b"ab##b", array("I", [1, 1, 3]), array("I", [1, 2, 3]), 0, b"##", 100, 0)
    assert core.encode("a ab b", 0) == [1, 1, 3, 2]
    assert core.encode("ab", 0, array("I", [7]), array("I", [8, 9])) == [7, 1, 3, 8, 9]
    with pytest.raises(ValueError):
        core.encode("ab", 0, b"\x01")  # not uint32
    with pytest.raises(TypeError):
        core.encode_piece(b"ab")


def test_generated_tables_are_up_to_date():
    """bert_tables.h is what tools/gen_bert_tables.py makes from the reference's answers now."""
    assert_generated_header_current("gen_bert_tables")
