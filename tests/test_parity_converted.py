"""Parity on tokenizer.json files that transformers converts from real sentencepiece models.

These carry what hand-built files rarely do: the Precompiled normalizer (sentencepiece's
nmt_nfkc charsmap), Metaspace pre-tokenizers and decoders, Unigram with byte fallback and
thousands of added tokens (Jurassic-2's 262k vocabulary).
"""

from __future__ import annotations

import json
import warnings

import pytest

import subtok
from corpus import ALL, MULTILINGUAL
from helpers import assert_same_encoding

tokenizers = pytest.importorskip("tokenizers")
transformers = pytest.importorskip("transformers")
pytest.importorskip("sentencepiece")

CASES = {
    "j2-unigram-nmt-nfkc": ("T5Tokenizer", "j2-tokenizer.model", {"extra_ids": 0, "legacy": True}),
    "botchan-unigram": ("T5Tokenizer", "sentencepiece/botchan_en_unigram_1000.model", {"extra_ids": 0, "legacy": True}),
    "kyoto-unigram-albert": ("AlbertTokenizer", "sentencepiece/kyoto_ja_unigram_8000.model", {}),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def converted(request):
    from transformers.convert_slow_tokenizer import convert_slow_tokenizer

    cls_name, asset, kwargs = CASES[request.param]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        slow = getattr(transformers, cls_name)(vocab_file=str(subtok.assets.fetch(asset)), **kwargs)
        hf = convert_slow_tokenizer(slow)
    return request.param, subtok.Tokenizer.from_str(hf.to_str()), hf


def test_has_precompiled_normalizer(converted):
    name, ours, hf = converted
    assert "Precompiled" in json.dumps(json.loads(hf.to_str())["normalizer"])


def test_encode_and_decode(converted):
    name, ours, hf = converted
    for text in ALL:
        expected = hf.encode(text)
        assert_same_encoding(ours.encode(text), expected, f"{name} {text[:40]!r}")
        assert ours.decode(expected.ids) == hf.decode(expected.ids), (name, text)
        assert ours.decode(expected.ids, skip_special_tokens=False) == hf.decode(expected.ids, skip_special_tokens=False)


def test_pairs(converted):
    name, ours, hf = converted
    for a, b in zip(MULTILINGUAL[:20], MULTILINGUAL[20:40]):
        assert_same_encoding(ours.encode(a, b), hf.encode(a, b), f"{name} pair")


def test_saved_json_loads_in_hf(converted, tmp_path):
    name, ours, hf = converted
    path = tmp_path / "tokenizer.json"
    ours.save(path)
    again = tokenizers.Tokenizer.from_file(str(path))
    for text in MULTILINGUAL[:30]:
        assert again.encode(text).ids == hf.encode(text).ids, (name, text)
