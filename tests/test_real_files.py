"""Parity with Hugging Face tokenizers on the real tokenizer.json files (bert-base-uncased, Claude)."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import subtok
from corpus import ALL, EDGE_CASES, MULTILINGUAL
from conftest import REAL_TOKENIZER_JSON, real_tokenizer_path
from helpers import assert_same_encoding

tokenizers = pytest.importorskip("tokenizers")

NAMES = sorted(REAL_TOKENIZER_JSON)


@pytest.fixture(scope="module", params=NAMES)
def pair(request):
    path = real_tokenizer_path(request.param)
    return request.param, subtok.Tokenizer.from_file(path), tokenizers.Tokenizer.from_file(str(path))


@pytest.fixture(scope="module")
def unpadded(pair):
    name, ours, hf = pair
    ours, hf = pickle.loads(pickle.dumps(ours)), tokenizers.Tokenizer.from_str(hf.to_str())
    ours.no_padding(), ours.no_truncation(), hf.no_padding(), hf.no_truncation()
    return name, ours, hf


@pytest.mark.parametrize("add_special_tokens", [True, False])
def test_corpus(pair, add_special_tokens):
    name, ours, hf = pair
    for text in ALL:
        assert_same_encoding(ours.encode(text, add_special_tokens=add_special_tokens),
                             hf.encode(text, add_special_tokens=add_special_tokens), f"{name} {text[:40]!r}")


def test_corpus_unpadded_and_decode(unpadded):
    name, ours, hf = unpadded
    for text in ALL:
        e = hf.encode(text)
        assert_same_encoding(ours.encode(text), e, f"{name} {text[:40]!r}")
        for skip in (True, False):
            assert ours.decode(e.ids, skip_special_tokens=skip) == hf.decode(e.ids, skip_special_tokens=skip), text


def test_pairs(unpadded):
    name, ours, hf = unpadded
    for a, b in zip(MULTILINGUAL, EDGE_CASES + MULTILINGUAL[::-1]):
        assert_same_encoding(ours.encode(a, b), hf.encode(a, b), f"{name} pair {a[:20]!r}/{b[:20]!r}")


def test_pretokenized(unpadded):
    name, ours, hf = unpadded
    for text in MULTILINGUAL[:20]:
        words = text.split()
        if words:
            assert_same_encoding(ours.encode(words, is_pretokenized=True), hf.encode(words, is_pretokenized=True),
                                 f"{name} words {words[:5]}")


@pytest.mark.parametrize("strategy", ["longest_first", "only_first", "only_second"])
@pytest.mark.parametrize("direction", ["right", "left"])
def test_truncation_with_stride(unpadded, strategy, direction):
    name, ours, hf = unpadded
    ours, hf = pickle.loads(pickle.dumps(ours)), tokenizers.Tokenizer.from_str(hf.to_str())
    for t in (ours, hf):
        t.enable_truncation(24, stride=4, strategy=strategy, direction=direction)
    long_a, long_b = " ".join(MULTILINGUAL[:3]), " ".join(MULTILINGUAL[3:5])
    for a, b in ((long_a, long_b), (long_a, "short"), ("short", long_b)):
        try:
            expected = hf.encode(a, b)
        except Exception:  # HF refuses (e.g. only_first cannot remove enough): so must we
            with pytest.raises(subtok.errors.EncodeError):
                ours.encode(a, b)
            continue
        assert_same_encoding(ours.encode(a, b), expected, f"{name} {strategy} {direction} {a[:10]!r}/{b[:10]!r}")
    if strategy != "only_second":
        assert_same_encoding(ours.encode(long_a), hf.encode(long_a), f"{name} single {strategy} {direction}")


def test_batch_padding(unpadded):
    name, ours, hf = unpadded
    ours, hf = pickle.loads(pickle.dumps(ours)), tokenizers.Tokenizer.from_str(hf.to_str())
    for t in (ours, hf):
        t.enable_padding(direction="left", pad_id=0, pad_token="[PAD]", pad_to_multiple_of=8)
    texts = MULTILINGUAL[:12]
    for a, b in zip(ours.encode_batch(texts), hf.encode_batch(texts)):
        assert_same_encoding(a, b, f"{name} padded batch")


def test_save_load_roundtrip(pair, tmp_path):
    name, ours, hf = pair
    path = tmp_path / "tokenizer.json"
    ours.save(path)
    again = subtok.Tokenizer.from_file(path)
    hf_again = tokenizers.Tokenizer.from_file(str(path))
    for text in MULTILINGUAL[:30] + EDGE_CASES[:30]:
        expected = hf.encode(text)
        assert_same_encoding(again.encode(text), expected, f"{name} reloaded")
        assert_same_encoding(hf_again.encode(text), expected, f"{name} HF loading our save")


def test_lossless_roundtrip_claude():
    path = real_tokenizer_path("claude")
    ours = subtok.Tokenizer.from_file(path)
    for text in ALL:
        # the Claude tokenizer normalizes with NFKC, so compare with the NFKC text
        hf = tokenizers.Tokenizer.from_file(str(path))
        assert ours.decode(ours.encode(text).ids) == hf.decode(hf.encode(text).ids)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=60))
def test_hypothesis_unicode(unpadded_both, text):
    for name, ours, hf in unpadded_both:
        a, b = ours.encode(text), hf.encode(text)
        assert a.ids == b.ids, (name, text)
        assert a.offsets == b.offsets, (name, text)


@pytest.fixture(scope="module")
def unpadded_both():
    out = []
    for name in NAMES:
        path = real_tokenizer_path(name)
        ours, hf = subtok.Tokenizer.from_file(path), tokenizers.Tokenizer.from_file(str(path))
        ours.no_padding(), ours.no_truncation(), hf.no_padding(), hf.no_truncation()
        out.append((name, ours, hf))
    return out


def test_long_inputs(unpadded):
    name, ours, hf = unpadded
    for text in ("a" * 5000, "ab" * 3000 + " " * 2000, "🎵" * 2000, "鸟" * 3000):
        assert ours.encode(text).ids == hf.encode(text).ids, (name, text[:10])
