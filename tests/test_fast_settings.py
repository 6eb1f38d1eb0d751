"""A setting changed in place after the fast path has made its plan and tables (the stage is the
same object: ``tok.model.dropout = 1.0``) is followed: the next call gives what the reference gives
with the new setting, and going back gives the first ids again. Copies and pickles of a part that
the fast path watches carry no callbacks."""

from __future__ import annotations

import copy
import pickle

import pytest

import subtok
from helpers import on_reference as reference
from subtok import fast, normalizers, pre_tokenizers
from subtok.models import Unigram
from subtok.processors import BertProcessing
from subtok.tiktoken_api import get_encoding


def same_as_reference(tok: subtok.Tokenizer, text: str, **kwargs) -> list[int]:
    ids = tok.encode(text, **kwargs).ids
    assert ids == reference(lambda: tok.encode(text, **kwargs).ids), (text, kwargs)
    assert [e.ids for e in tok.encode_batch([text, text], **kwargs)] == [ids, ids]
    return ids


@pytest.fixture()
def gpt2() -> subtok.Tokenizer:
    """A tokenizer of its own (get_encoding's is shared with the other tests)."""
    return subtok.Tokenizer.from_str(get_encoding("gpt2").tokenizer.to_str())


def test_bpe_dropout_set_in_place(gpt2):
    text = "xqzvbw unbelievablenesses"
    first = same_as_reference(gpt2, text, add_special_tokens=False)
    gpt2.model.dropout = 1.0  # every merge dropped: the bytes of each piece that is no token
    dropped = same_as_reference(gpt2, text, add_special_tokens=False)
    assert len(dropped) > len(first)
    assert fast._plan(gpt2) is None  # dropout: the reference's
    gpt2.model.dropout = None
    assert same_as_reference(gpt2, text, add_special_tokens=False) == first
    assert fast._plan(gpt2) is not None or not fast.enabled()


def test_pre_tokenizer_setting_in_place(gpt2):
    gpt2.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)  # GPT-2's split, then bytes
    first = same_as_reference(gpt2, "hello", add_special_tokens=False)
    gpt2.pre_tokenizer.add_prefix_space = True
    assert same_as_reference(gpt2, "hello", add_special_tokens=False) == [23748]  # " hello"
    gpt2.pre_tokenizer.add_prefix_space = False
    assert same_as_reference(gpt2, "hello", add_special_tokens=False) == first == [31373]


def test_wordpiece_normalizer_model_and_processor_settings_in_place():
    from conftest import real_tokenizer_path

    tok = subtok.Tokenizer.from_file(str(real_tokenizer_path("bert-base-uncased")))
    tok.no_truncation()
    tok.no_padding()
    tok.post_processor = BertProcessing(("[SEP]", 102), ("[CLS]", 101))
    text = "Hello unbelievable World"
    first = same_as_reference(tok, text)
    assert first[0] == 101 and first[-1] == 102
    tok.normalizer.lowercase = False  # "Hello" is no token of this uncased vocabulary
    assert same_as_reference(tok, text) != first
    tok.normalizer.lowercase = True
    assert same_as_reference(tok, text) == first
    tok.model.max_input_chars_per_word = 5  # longer words: [UNK] (as HF tokenizers, set the same way)
    assert same_as_reference(tok, text) == [101, 7592, 100, 2088, 102]
    tok.model.unk_token = "[MASK]"
    assert same_as_reference(tok, text) == [101, 7592, 103, 2088, 102]
    tok.model.unk_token = "[UNK]"
    tok.model.max_input_chars_per_word = 100
    tok.post_processor.cls = ("[MASK]", 103)  # the ids put around a text are probed again
    assert same_as_reference(tok, text) == [103] + first[1:]


def test_a_member_of_a_sequence_changed_in_place():
    pieces = [("<unk>", 0.0), ("▁", -1.0), ("a", -2.0), ("▁a", -1.5), ("_a", -1.0), ("_", -3.0)]
    tok = subtok.Tokenizer(Unigram(pieces, unk_id=0, float32=True))
    tok.normalizer = normalizers.Sequence([normalizers.Precompiled(b"", longest_match=True),
                                           normalizers.Replace(" ", "▁")])
    assert same_as_reference(tok, " a a") == [3, 3]
    tok.normalizer.normalizers[1].content = "_"
    assert same_as_reference(tok, " a a") == [4, 4]


def test_copies_and_pickles_of_watched_parts_carry_no_callbacks(gpt2):
    gpt2.encode("hello")
    for part in (gpt2.model, gpt2.pre_tokenizer):
        for again in (copy.copy(part), copy.deepcopy(part), pickle.loads(pickle.dumps(part))):
            assert again == part and "_subtok_watchers" not in again.__dict__


def test_bpe_unknown_token_set_in_place():
    """The reference's memo of merged pieces holds results made with the old settings: it is emptied."""
    from subtok.models import BPE

    vocab = {"a": 0, "b": 1, "ab": 2, "<unk>": 3, "<u2>": 4}
    tok = subtok.Tokenizer(BPE(vocab, [("a", "b")], unk_token="<unk>"))
    assert same_as_reference(tok, "abc") == [2, 3]
    tok.model.unk_token = "<u2>"
    assert same_as_reference(tok, "abc") == [2, 4]


def test_copies_of_a_tokenizer_share_one_plan_and_one_callback(gpt2):
    """The AutoTokenizer front door encodes with a shallow copy of its tokenizer per call: the copies
    share one plan for the same stages, and the parts keep one callback for it, not one per copy."""
    for _ in range(50):
        engine = type(gpt2).__new__(type(gpt2))
        engine.__dict__.update(gpt2.__dict__)
        assert engine.encode("hello").ids == [31373]
        del engine
    assert len(gpt2.model.__dict__.get("_subtok_watchers", {})) == (1 if fast.enabled() else 0)
    gpt2.model.dropout = 1.0  # the one callback makes the shared plan stale
    assert gpt2.model.__dict__.get("_subtok_watchers") is None
    assert same_as_reference(gpt2, "xqzvbw", add_special_tokens=False) == [87, 80, 89, 85, 65, 86]


def test_the_reference_for_one_thread_leaves_the_others_on_the_fast_path(gpt2):
    """`_reference_only` (a LazyEncoding computing its fields) holds for its own thread only; the
    threads' count that lets the hot path skip the thread-local flag goes back to 0 after it."""
    import threading

    inside, release, seen = threading.Event(), threading.Event(), {}

    def in_reference() -> None:
        with fast._reference_only():
            seen["inside"] = type(gpt2.encode("hello"))
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=in_reference)
    worker.start()
    inside.wait(10)
    seen["other"] = type(gpt2.encode("hello"))
    release.set()
    worker.join()
    assert seen["inside"] is subtok.Encoding
    assert seen["other"] is (fast.LazyEncoding if fast.enabled() else subtok.Encoding)
    assert fast._ref_threads == 0 and type(gpt2.encode("hello")) is seen["other"]
