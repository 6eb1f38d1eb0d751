"""Bad input gives clear errors from one family, never a bare KeyError/TypeError traceback."""

from __future__ import annotations

import json

import pytest

import subtok
from subtok.errors import SubtokError, TokenizerFormatError
from conftest import real_tokenizer_path

BASE = {
    "version": "1.0", "truncation": None, "padding": None, "added_tokens": [], "normalizer": None,
    "pre_tokenizer": {"type": "Whitespace"}, "post_processor": None, "decoder": None,
    "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]},
}


def load(data) -> subtok.Tokenizer:
    return subtok.Tokenizer.from_str(json.dumps(data), file="tokenizer.json")


def edited(path: list, value):
    data = json.loads(json.dumps(BASE))
    d = data
    for k in path[:-1]:
        d = d[k]
    d[path[-1]] = value
    return data


def test_base_loads():
    assert load(BASE).encode("ab ba").ids == [2, 1, 0]


@pytest.mark.parametrize("path,value,where,what", [
    (["model", "merges"], ["a b", "a c"], "model.merges[1]", "not in model.vocab"),
    (["model", "merges"], ["a b", "abc"], "model.merges[1]", "one space"),
    (["model", "merges"], [["a"]], "model.merges[0]", "[left, right]"),
    (["model", "vocab"], {"a": "zero"}, "model.vocab.a", "integer id"),
    (["model", "vocab"], [], "model.vocab", "expected an object"),
    (["model", "type"], "Wordy", "model.type", "unknown model type"),
    (["normalizer"], {"type": "NFX"}, "normalizer.type", "unknown normalizer type 'NFX'"),
    (["normalizer"], {"type": "Replace", "pattern": {"Regex": "("}, "content": ""}, "normalizer.pattern.Regex",
     "invalid regular expression"),
    (["normalizer"], {"type": "Strip", "strip_left": "yes"}, "normalizer.strip_left", "true or false"),
    (["pre_tokenizer"], {"type": "Split", "pattern": {"String": " "}, "behavior": "Dropped"},
     "pre_tokenizer.behavior", "unknown split behavior"),
    (["pre_tokenizer"], {"type": "Sequence", "pretokenizers": [{"type": "Whitespace"}, {"type": "Nope"}]},
     "pre_tokenizer.pretokenizers[1].type", "unknown pre_tokenizer"),
    (["post_processor"], {"type": "BertProcessing", "sep": ["[SEP]"], "cls": ["[CLS]", 1]},
     "post_processor.sep", "[token, id]"),
    (["decoder"], {"type": "Strip", "content": " ", "start": -1, "stop": 0}, "decoder.start", "non-negative"),
    (["added_tokens"], [{"id": 3}], "added_tokens[0].content", "missing required field"),
    (["truncation"], {"max_length": 10, "strategy": "Sideways"}, "truncation.strategy", "unknown strategy"),
])
def test_format_errors_name_the_place(path, value, where, what):
    with pytest.raises(TokenizerFormatError) as info:
        load(edited(path, value))
    msg = str(info.value)
    assert msg.startswith("tokenizer.json: "), msg
    assert where in msg, msg
    assert what in msg, msg
    assert isinstance(info.value, ValueError) and isinstance(info.value, SubtokError)


def test_not_json(tmp_path):
    p = tmp_path / "tokenizer.json"
    p.write_text('{"model": ')
    with pytest.raises(TokenizerFormatError, match="not valid JSON.*line 1"):
        subtok.Tokenizer.from_file(p)
    p.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(TokenizerFormatError, match="not UTF-8"):
        subtok.Tokenizer.from_file(p)


def test_missing_model():
    data = dict(BASE)
    del data["model"]
    with pytest.raises(TokenizerFormatError, match="missing required field 'model'"):
        load(data)


@pytest.mark.parametrize("bad", [None, 3, b"bytes", ["a", "list"]])
def test_encode_rejects_non_str(bad):
    tok = load(BASE)
    with pytest.raises(TypeError, match=type(bad).__name__):
        tok.encode(bad)


def test_empty_and_nul_and_long():
    tok = subtok.Tokenizer.from_file(real_tokenizer_path("claude"))
    assert tok.encode("").ids == []
    assert tok.encode("\x00").ids
    assert len(tok.encode("word " * 20000).ids) > 0


def test_decode_skips_unknown_ids_like_hf():
    tokenizers = pytest.importorskip("tokenizers")
    path = real_tokenizer_path("bert-base-uncased")
    ours, hf = subtok.Tokenizer.from_file(path), tokenizers.Tokenizer.from_file(str(path))
    ids = [101, 7592, 10**9, 102]
    assert ours.decode(ids) == hf.decode(ids)
    with pytest.raises(TypeError):
        ours.decode(["x"])
    with pytest.raises(OverflowError):
        ours.decode([-1])


def test_load_names_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no tokenizer"):
        subtok.load(tmp_path / "nothing")
    with pytest.raises(FileNotFoundError, match="holds no tokenizer file"):
        subtok.load(tmp_path)


def test_load_directory():
    d = real_tokenizer_path("bert-base-uncased").parent
    assert subtok.load(d).encode("hello").tokens[:2] == ["[CLS]", "hello"]


@pytest.mark.parametrize("text", ["\ud800", "ok \udfff then"])
def test_lone_surrogates_rejected_like_hf(text):
    tokenizers = pytest.importorskip("tokenizers")
    path = real_tokenizer_path("claude")
    with pytest.raises(TypeError):
        tokenizers.Tokenizer.from_file(str(path)).encode(text)
    with pytest.raises(subtok.errors.InvalidTextError, match="lone surrogate"):
        subtok.Tokenizer.from_file(path).encode(text)
