"""GGUF vocabularies (llama.cpp) as subtok Tokenizers.

- the reader against the `gguf` package (test-only) on all 19 real files and on files it writes;
- the ids against llama.cpp's conformance files: 46 inputs per vocabulary (50 for qwen35), the ids
  made with Hugging Face ``AutoTokenizer.encode(add_special_tokens=False)``;
- vocabularies without expected ids against what they came from: bert-bge's against
  bert-base-uncased's tokenizer.json, Llama 3's against cl100k, the sentencepiece ones against
  sentencepiece itself (a model built from the GGUF's pieces);
- saved tokenizer.json against Hugging Face tokenizers;
- damaged files (hand-made and hypothesis-mutated real ones) against clear errors.
"""

from __future__ import annotations

import base64
import gzip
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import subtok
from conftest import real_tokenizer_path
from corpus import ALL
from subtok import assets
from subtok.bytes_map import UNICODE_TO_BYTES
from subtok.errors import EncodeError, TokenizerFormatError
from subtok.formats import gguf as subtok_gguf
from subtok.formats.gguf import ValueType as T

gguf = pytest.importorskip("gguf")

SEP = "\n__ggml_vocab_test__\n"
#: every vocabulary with expected ids: (tokenizer.ggml.model, tokenizer.ggml.pre)
CONFORMANCE = {
    "bert-bge": ("bert", "bert-bge"),
    "command-r": ("gpt2", "command-r"),
    "deepseek-coder": ("gpt2", "deepseek-coder"),
    "deepseek-llm": ("gpt2", "deepseek-llm"),
    "falcon": ("gpt2", "falcon"),
    "gemma-4": ("gemma4", None),
    "gpt-2": ("gpt2", "gpt-2"),
    "llama-bpe": ("gpt2", "llama-bpe"),
    "llama-spm": ("llama", "default"),
    "mpt": ("gpt2", "mpt"),
    "phi-3": ("llama", "default"),
    "qwen2": ("gpt2", "qwen2"),
    "qwen35": ("gpt2", "qwen35"),
    "refact": ("gpt2", "refact"),
    "starcoder": ("gpt2", "starcoder"),
}
NO_EXPECTED = {"aquila": ("gpt2", None), "baichuan": ("llama", None), "gpt-neox": ("gpt2", None),
               "nomic-bert-moe": ("t5", "default")}
VOCABS = sorted(CONFORMANCE) + sorted(NO_EXPECTED)
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SPECIAL_LOOKING = ("<s>", "</s>", "<unk>", "<pad>", "<mask>", "<|", "[CLS]", "[SEP]", "[PAD]", "[MASK]", "[UNK]")

_loaded: dict[str, subtok.Tokenizer] = {}


def path_of(name: str) -> Path:
    return assets.fetch(f"gguf/ggml-vocab-{name}.gguf")


def loaded(name: str) -> subtok.Tokenizer:
    if name not in _loaded:
        _loaded[name] = subtok_gguf.load_gguf(path_of(name))
    return _loaded[name]


def vocab_of(name: str) -> subtok_gguf.GGUFVocab:
    return subtok_gguf.read_vocab(subtok_gguf.read_metadata(path_of(name)))


def conformance_cases(name: str) -> list[tuple[str, list[int]]]:
    """The .inp texts with the .out ids (gemma-4's .inp has no separator after its last text)."""
    text = assets.fetch(f"gguf/ggml-vocab-{name}.gguf.inp").read_text(encoding="utf-8")
    if text.endswith(SEP):
        text = text[:-len(SEP)]
    inputs = text.split(SEP)
    lines = assets.fetch(f"gguf/ggml-vocab-{name}.gguf.out").read_text(encoding="utf-8").split("\n")
    assert len(lines) >= len(inputs) and not any(lines[len(inputs):]), f"{name}: .inp and .out disagree"
    return [(t, [int(x) for x in line.split()]) for t, line in zip(inputs, lines)]


def ids_of(tok, text: str, **kw) -> list[int]:
    return tok.encode(text, add_special_tokens=False, **kw).ids


def test_every_gguf_asset_is_covered():
    registered = {n[len("gguf/ggml-vocab-"):-len(".gguf")] for n in assets.names() if n.endswith(".gguf")}
    assert registered == set(VOCABS)
    with_expected = {n[len("gguf/ggml-vocab-"):-len(".gguf.out")] for n in assets.names() if n.endswith(".gguf.out")}
    assert with_expected == set(CONFORMANCE)


# -- the reader -----------------------------------------------------------------------------------

def _oracle_fields(path: Path) -> tuple[dict, dict]:
    """Each field's value and type path as the gguf package reads them."""
    reader = gguf.GGUFReader(path)
    values, types = {}, {}
    for key, f in reader.fields.items():
        if key.startswith("GGUF."):
            continue
        types[key] = tuple(int(t) for t in f.types)
        items = [f.parts[i] for i in f.data]
        if f.types[-1] == gguf.GGUFValueType.STRING:
            items = [bytes(x).decode("utf-8") for x in items]
        else:
            items = [x.tolist()[0] for x in items]
        values[key] = items if f.types[0] == gguf.GGUFValueType.ARRAY else items[0]
    return values, types


@pytest.mark.parametrize("name", VOCABS)
def test_reader_reads_every_real_file_whole(name):
    path = path_of(name)
    meta = subtok_gguf.read_metadata(path)
    assert meta.version == (2 if name == "aquila" else 3) and meta.tensor_count == 0
    assert meta.end == path.stat().st_size  # vocab-only: the metadata is the whole file, to the byte
    n = len(meta.fields["tokenizer.ggml.tokens"])
    for key in ("tokenizer.ggml.scores", "tokenizer.ggml.token_type"):
        assert len(meta.fields.get(key, [None] * n)) == n, key
    v = subtok_gguf.read_vocab(meta)
    assert (v.model, v.pre) == {**CONFORMANCE, **NO_EXPECTED}[name]


# the gguf package's reader takes seconds per file, so it checks one file of each kind in full
@pytest.mark.parametrize("name", ["bert-bge", "llama-spm", "deepseek-coder"])
def test_reader_matches_gguf_package(name):
    path = path_of(name)
    ours = subtok_gguf.read_metadata(path)
    values, types = _oracle_fields(path)
    assert list(ours.fields) == list(values)
    for key, value in values.items():
        assert tuple(int(t) for t in ours.types[key]) == types[key], key
        if ours.types[key][-1] == T.FLOAT32:  # float32 bits: compare as float32
            packed = struct.pack(f"<{len(value)}f", *value) if isinstance(value, list) else struct.pack("<f", value)
            mine = ours.fields[key]
            assert packed == (struct.pack(f"<{len(mine)}f", *mine) if isinstance(mine, list) else struct.pack("<f", mine))
        else:
            assert ours.fields[key] == value, key


def write_gguf(path: Path, fields: list[tuple], arch: str = "llama", endianess=None) -> bytes:
    """A vocab-only GGUF written by the `gguf` package: (key, value, type[, element type]) fields."""
    kw = {} if endianess is None else {"endianess": endianess}
    w = gguf.GGUFWriter(path, arch, **kw)
    for key, value, vtype, *sub in fields:
        w.add_key_value(key, value, gguf.GGUFValueType(int(vtype)), sub_type=gguf.GGUFValueType(int(sub[0])) if sub else None)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.close()
    return path.read_bytes()


EVERY_TYPE = [
    ("t.u8", 7, T.UINT8), ("t.i8", -7, T.INT8), ("t.u16", 65535, T.UINT16), ("t.i16", -300, T.INT16),
    ("t.u32", 2**32 - 1, T.UINT32), ("t.i32", -2**31, T.INT32), ("t.f32", 1.5, T.FLOAT32),
    ("t.bool", True, T.BOOL), ("t.str", "héllo ▁ 🦙", T.STRING), ("t.u64", 2**64 - 1, T.UINT64),
    ("t.i64", -2**63, T.INT64), ("t.f64", 2.25, T.FLOAT64),
    ("t.strings", ["x", "yé", ""], T.ARRAY, T.STRING), ("t.bools", [True, False, True], T.ARRAY, T.BOOL),
    ("t.bytes", [1, 2, 255], T.ARRAY, T.UINT8), ("t.floats", [0.5, -2.0], T.ARRAY, T.FLOAT32),
    ("t.nested", [[1, 2], [3]], T.ARRAY),
]


def test_every_value_type(tmp_path):
    data = write_gguf(tmp_path / "t.gguf", EVERY_TYPE)
    meta = subtok_gguf.read_metadata(data)
    assert meta.version == 3
    for key, value, *vtypes in EVERY_TYPE:
        assert meta.fields[key] == value, key
        assert meta.types[key][:len(vtypes)] == tuple(vtypes), key
    assert meta.types["t.nested"] == (T.ARRAY, T.ARRAY, T.INT32)
    assert subtok_gguf.read_metadata(tmp_path / "t.gguf") == meta  # from the file (memory-mapped) too
    # version 2 has the same layout (64-bit counts)
    v2 = data[:4] + struct.pack("<I", 2) + data[8:]
    assert subtok_gguf.read_metadata(v2).fields == meta.fields


# A tiny GGUF written by hand, for damage the writer would refuse to make.
def _s(text: bytes) -> bytes:
    return struct.pack("<Q", len(text)) + text


def tiny(*kvs: bytes, version: int = 3, count: int | None = None) -> bytes:
    return b"GGUF" + struct.pack("<IQQ", version, 0, len(kvs) if count is None else count) + b"".join(kvs)


def kv(key: str, vtype: int, payload: bytes) -> bytes:
    return _s(key.encode()) + struct.pack("<I", vtype) + payload


def test_empty_array_and_nested_depth():
    empty = kv("a", T.ARRAY, struct.pack("<IQ", T.INT32, 0))
    assert subtok_gguf.read_metadata(tiny(empty)).fields == {"a": []}
    deep = struct.pack("<IQ", T.UINT8, 0)
    for _ in range(20):
        deep = struct.pack("<IQ", T.ARRAY, 1) + deep
    with pytest.raises(TokenizerFormatError, match="nest more than"):
        subtok_gguf.read_metadata(tiny(kv("a", T.ARRAY, deep)))


BAD_FILES = {
    "bad magic": (b"GGML" + tiny()[4:], r"magic \(byte 0\): not a GGUF file"),
    "version 1": (tiny(version=1), r"version \(byte 4\): GGUF version 1 is not supported"),
    "big-endian": (b"GGUF" + struct.pack(">IQQ", 3, 0, 0), r"big-endian"),
    "empty": (b"", r"magic \(byte 0\): needs 4 bytes"),
    "absurd kv count": (tiny(count=2**62), r"metadata count \(byte 16\): 4611686018427387904 key/value pairs cannot fit"),
    "absurd key length": (tiny(struct.pack("<Q", 2**63) + b"abc" + bytes(10)),
                          r"metadata\[0\] key \(byte 32\): needs 9223372036854775808 bytes"),
    "absurd array length": (tiny(kv("k", T.ARRAY, struct.pack("<IQ", T.FLOAT64, 2**61))),
                            r"k \(byte 41\): an array of 2305843009213693952 FLOAT64 values needs at least"),
    "absurd string array": (tiny(kv("k", T.ARRAY, struct.pack("<IQ", T.STRING, 10**12))), r"k \(byte 41\): an array of"),
    "unknown type": (tiny(kv("k", 13, b"")), r"k type \(byte 33\): unknown value type 13"),
    "unknown element type": (tiny(kv("k", T.ARRAY, struct.pack("<IQ", 99, 1))), r"k element type \(byte 37\): unknown value type 99"),
    "duplicate key": (tiny(kv("k", T.UINT8, b"\x01"), kv("k", T.UINT8, b"\x02")), r"metadata\[1\] key \(byte 38\): the key 'k' is given twice"),
    "invalid utf-8": (tiny(kv("k", T.STRING, _s(b"ok\xff"))), r"k \(byte 37\): the string is not valid UTF-8"),
    "invalid utf-8 in array": (tiny(kv("k", T.ARRAY, struct.pack("<IQ", T.STRING, 2) + _s(b"a") + _s(b"\xc3("))),
                               r"k\[1\] \(byte 58\): the string is not valid UTF-8"),
    "bool 2": (tiny(kv("k", T.BOOL, b"\x02")), r"k \(byte 37\): a bool must be 0 or 1, got 2"),
    "bool array": (tiny(kv("k", T.ARRAY, struct.pack("<IQ", T.BOOL, 3) + b"\x01\x00\x07")), r"k\[2\] \(byte 51\): a bool must be 0 or 1"),
    "truncated value": (tiny(kv("k", T.UINT64, b"\x01\x02")), r"k \(byte 37\): needs 8 bytes, only 2 are left"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_name_the_byte_offset(case, tmp_path):
    data, message = BAD_FILES[case]
    path = tmp_path / "bad.gguf"
    path.write_bytes(data)
    with pytest.raises(TokenizerFormatError, match=message) as e:
        subtok_gguf.load_gguf(path)
    assert str(path) in str(e.value)


def test_written_big_endian_file_is_refused(tmp_path):
    data = write_gguf(tmp_path / "be.gguf", [("k", 1, T.UINT32)], endianess=gguf.GGUFEndian.BIG)
    with pytest.raises(TokenizerFormatError, match="big-endian"):
        subtok_gguf.read_metadata(data)


def test_every_truncation_is_an_error(tmp_path):
    data = write_gguf(tmp_path / "t.gguf", EVERY_TYPE)
    for n in range(len(data)):
        with pytest.raises(TokenizerFormatError):
            subtok_gguf.read_metadata(data[:n])


def test_is_gguf(tmp_path):
    assert subtok_gguf.is_gguf(path_of("gpt-2"))
    assert not subtok_gguf.is_gguf(assets.fetch("gpt2.tiktoken"))
    assert not subtok_gguf.is_gguf(tmp_path)
    (tmp_path / "short").write_bytes(b"GG")
    assert not subtok_gguf.is_gguf(tmp_path / "short")
    assert not subtok_gguf.is_gguf(tmp_path / "missing")


# -- conformance: llama.cpp's expected ids ---------------------------------------------------------

@pytest.mark.parametrize("name", sorted(CONFORMANCE))
def test_conformance(name):
    v = vocab_of(name)
    assert (v.model, v.pre) == CONFORMANCE[name]
    tok = loaded(name)
    cases = conformance_cases(name)
    assert len(cases) == (50 if name == "qwen35" else 46)
    failed = [(text, ids_of(tok, text), ids) for text, ids in cases if ids_of(tok, text) != ids]
    assert not failed, f"{name}: {len(cases) - len(failed)}/{len(cases)} pass; first failure {failed[0]}"


def test_gpt_neox_without_pre_gives_mpts_ids():
    """GPT-NeoX's file predates tokenizer.ggml.pre; MPT uses the same tokenizer and has expected ids."""
    assert vocab_of("gpt-neox").pre is None
    tok = loaded("gpt-neox")
    for text, ids in conformance_cases("mpt"):
        assert ids_of(tok, text) == ids, text


# -- vocabularies checked against where they came from ------------------------------------------------

def test_bert_vocab_is_bert_base_uncased():
    vocab_txt = (assets.fetch_dir("all-MiniLM-L6-v2") / "vocab.txt").read_text(encoding="utf-8").split("\n")
    v = vocab_of("bert-bge")
    assert subtok_gguf.bert_tokens(v.tokens, v.types) == vocab_txt[:-1]
    assert vocab_txt[-1] == ""


def test_bert_matches_hugging_face_bert_base_uncased():
    tokenizers = pytest.importorskip("tokenizers")
    ref = tokenizers.Tokenizer.from_file(str(real_tokenizer_path("bert-base-uncased")))
    ref.no_padding()
    ref.no_truncation()
    tok = loaded("bert-bge")
    for text in ALL:
        ours, theirs = tok.encode(text), ref.encode(text)
        assert (ours.ids, ours.tokens, ours.offsets) == (theirs.ids, theirs.tokens, theirs.offsets), text
        assert tok.encode(text, "a second text").ids == ref.encode(text, "a second text").ids, text
        assert tok.decode(ours.ids) == ref.decode(theirs.ids), text


def test_llama3_starts_with_cl100k():
    ranks = {}
    for line in gzip.decompress(assets.fetch("cl100k_base.tiktoken.gz").read_bytes()).splitlines():
        token, rank = line.split()
        ranks[int(rank)] = base64.b64decode(token)
    v = vocab_of("llama-bpe")
    as_bytes = [bytes(UNICODE_TO_BYTES[c] for c in t) for t, kind in zip(v.tokens, v.types) if kind == subtok_gguf.NORMAL]
    assert len(ranks) == 100256 and len(as_bytes) == 128000
    assert as_bytes[:100256] == [ranks[i] for i in range(100256)]
    assert not set(as_bytes[100256:]) & set(ranks.values())


def _sentencepiece_from(v: subtok_gguf.GGUFVocab, model_type: int):
    """sentencepiece itself, loaded with a model made from the GGUF's pieces, scores and types."""
    spm = pytest.importorskip("sentencepiece")
    from sentencepiece import sentencepiece_model_pb2 as pb

    m = pb.ModelProto()
    for token, score, kind in zip(v.tokens, v.scores or [0.0] * len(v.tokens), v.types):
        piece = m.pieces.add()
        piece.piece, piece.score, piece.type = token, score, kind
    m.trainer_spec.model_type = model_type
    m.trainer_spec.unk_id = v.special.get("unk", 0)
    m.trainer_spec.bos_id = m.trainer_spec.eos_id = m.trainer_spec.pad_id = -1
    m.trainer_spec.byte_fallback = subtok_gguf.BYTE in v.types
    m.normalizer_spec.name = "gguf"
    m.normalizer_spec.precompiled_charsmap = v.precompiled_charsmap or b""
    m.normalizer_spec.add_dummy_prefix = v.add_space_prefix is not False
    m.normalizer_spec.remove_extra_whitespaces = bool(v.remove_extra_whitespaces)
    sp = spm.SentencePieceProcessor()
    sp.LoadFromSerializedProto(m.SerializeToString())
    return sp


def test_t5_vocabulary_is_sentencepiece_exact():
    """nomic-bert-moe (XLM-RoBERTa's pieces, charsmap and whitespace flags): every corpus text."""
    v = vocab_of("nomic-bert-moe")
    sp = _sentencepiece_from(v, 1)
    tok = loaded("nomic-bert-moe")
    for text in ALL:
        assert ids_of(tok, text) == sp.encode(text), text[:60]
        assert tok.decode(sp.encode(text)) == sp.decode(sp.encode(text)), text[:60]


@pytest.mark.parametrize("name", ["llama-spm", "baichuan"])
def test_llama_vocabularies_match_sentencepiece(name):
    """Llama-style vocabularies follow Hugging Face's tokenizer.json (the expected ids do), which
    equals sentencepiece except that typed special-token text is matched: every other text."""
    sp = _sentencepiece_from(vocab_of(name), 2)
    tok = loaded(name)
    texts = [t for t in ALL if not any(s in t for s in SPECIAL_LOOKING)]
    assert len(texts) >= 140
    for text in texts:
        assert ids_of(tok, text) == sp.encode(text), f"{name}: {text[:60]!r}"


@pytest.mark.parametrize("name", ["aquila", "gpt-neox", "baichuan", "gpt-2", "llama-bpe", "llama-spm", "gemma-4"])
def test_decode_round_trips(name):
    tok = loaded(name)
    spm = vocab_of(name).model == "llama"
    for text in ALL:
        if spm and any(s in text for s in SPECIAL_LOOKING):
            continue  # as in HF's Llama tokenizer.json, text after a special token gets a "▁" of its own
        assert tok.decode(ids_of(tok, text), skip_special_tokens=False) == text, text


# -- special tokens, added tokens, the post-processor -----------------------------------------------

def test_special_tokens_and_post_processor():
    llama3 = loaded("llama-bpe")
    assert llama3.encode("<|begin_of_text|>Hello<|eot_id|>", add_special_tokens=False).ids == [128000, 9906, 128009]
    assert llama3.encode("Hello").ids == [128000, 9906]  # llama.cpp adds BOS for llama3 by default
    assert loaded("gpt-2").encode("Hello").ids == [15496]  # and nothing for gpt-2
    assert loaded("llama-spm").encode("Hello").ids == [1, 15043]
    bert = loaded("bert-bge").encode("hello", "world")
    assert (bert.ids, bert.type_ids) == ([101, 7592, 102, 2088, 102], [0, 0, 0, 1, 1])
    assert loaded("nomic-bert-moe").encode("Hello").ids == [0, 35378, 2]  # add_bos and add_eos
    assert loaded("command-r").encode("Hi").ids[0] == 5  # <BOS_TOKEN>, add_bos_token in the file


def test_converter_fillers_are_not_added_tokens():
    """[PADnnn] stand for ids the source vocabulary lacked: in the vocabulary, never matched."""
    for name in ("qwen2", "phi-3", "nomic-bert-moe", "command-r"):
        tok = loaded(name)
        added = tok.get_added_tokens_decoder()
        assert not any(t.content.startswith("[PAD") for t in added.values()), name
    assert ids_of(loaded("qwen2"), "[PAD151646]") != [151646]


def test_phi3_added_tokens_strip_like_llama_cpp():
    added = {t.content: t for t in loaded("phi-3").get_added_tokens_decoder().values()}
    assert added["<|end|>"].rstrip and added["</s>"].rstrip and not added["</s>"].special
    assert not added["<|endoftext|>"].rstrip and not added["<s>"].rstrip


def test_subtok_load_reads_gguf():
    tok = subtok.load(path_of("gpt-2"))
    assert tok.encode("Hello world").ids == [15496, 995]


# -- saving ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["gpt-2", "falcon", "deepseek-coder", "qwen35", "llama-spm", "phi-3",
                                  "bert-bge", "gemma-4"])
def test_saved_tokenizer_json_loads_in_hugging_face(name, tmp_path):
    tokenizers = pytest.importorskip("tokenizers")
    tok = loaded(name)
    tok.save(tmp_path / "tokenizer.json")
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    for text, expected in conformance_cases(name):
        ours, theirs = tok.encode(text, add_special_tokens=False), hf.encode(text, add_special_tokens=False)
        assert theirs.ids == expected, text
        assert (ours.tokens, ours.offsets) == (theirs.tokens, theirs.offsets), text
    for text in ["Hello world", " two  spaces ", "<s>x</s>"]:
        ours, theirs = tok.encode(text, "and a pair"), hf.encode(text, "and a pair")
        assert (ours.ids, ours.type_ids) == (theirs.ids, theirs.type_ids), text
        assert tok.decode(ours.ids) == hf.decode(theirs.ids), text


def test_saved_t5_vocabulary(tmp_path):
    """Saved, the sentencepiece-exact Unigram reloads exactly in subtok. Hugging Face tokenizers
    ignores the sentencepiece-only options it carries and differs, by design, on exactly the texts
    where its pipeline and sentencepiece's differ: a charsmap applied per grapheme (a letter with
    5 combining marks; Hangul) and typed special-token text it matches."""
    tokenizers = pytest.importorskip("tokenizers")
    tok = loaded("nomic-bert-moe")
    tok.save(tmp_path / "tokenizer.json")
    again = subtok.Tokenizer.from_file(tmp_path / "tokenizer.json")
    again.encode_special_tokens = True  # not in tokenizer.json (see subtok.formats.sentencepiece)
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    differ = []
    for text in ALL:
        assert again.encode(text).ids == tok.encode(text).ids, text
        if hf.encode(text).ids != tok.encode(text).ids:
            differ.append(text)
    assert differ == ["a\u0300\u0301\u0302\u0303\u0304",  # one grapheme of 6 code points
                      "\u1112\u1161\u11ab\u1100\u116e\u11a8\u110b\u1165 \u3131\u314f",  # 한국어 as jamo
                      "[CLS] <s> </s> <|endoftext|> <unk>", "<s>text</s><pad><mask>"]


@SETTINGS
@given(text=st.text(max_size=60))
def test_any_text_like_hugging_face(text, tmp_path_factory):
    tokenizers = pytest.importorskip("tokenizers")
    for name in ("llama-bpe", "llama-spm"):
        tok = loaded(name)
        hf = _hf_copy(name, tmp_path_factory)
        assert tok.encode(text).ids == hf.encode(text).ids, (name, text)
        assert tok.decode(tok.encode(text).ids) == hf.decode(hf.encode(text).ids), (name, text)


_hf: dict[str, object] = {}


def _hf_copy(name: str, tmp_path_factory):
    import tokenizers

    if name not in _hf:
        path = tmp_path_factory.mktemp("hf") / "tokenizer.json"
        loaded(name).save(path)
        _hf[name] = tokenizers.Tokenizer.from_file(str(path))
    return _hf[name]


# -- vocabularies that are not right ------------------------------------------------------------

GPT2 = "tokenizer.ggml."


def vocab_fields(**over) -> list[tuple]:
    """A small byte-level vocabulary (a, b, ab, c, <|end|>) with overrides; None drops a field."""
    fields = {
        "model": ("gpt2", T.STRING), "pre": ("gpt-2", T.STRING),
        "tokens": (["a", "b", "ab", "c", "<|end|>"], T.ARRAY, T.STRING),
        "token_type": ([1, 1, 1, 1, 3], T.ARRAY, T.INT32),
        "merges": (["a b"], T.ARRAY, T.STRING), "eos_token_id": (4, T.UINT32),
    }
    fields.update(over)
    return [(GPT2 + k, *v) for k, v in fields.items() if v is not None]


def test_small_vocabulary_loads(tmp_path):
    write_gguf(tmp_path / "v.gguf", vocab_fields())
    tok = subtok_gguf.load_gguf(tmp_path / "v.gguf")
    assert tok.encode("abc<|end|>").ids == [2, 3, 4]
    assert tok.decode([2, 3, 4], skip_special_tokens=False) == "abc<|end|>"


BAD_VOCABS = {
    "no tokens": ({"tokens": None}, r"tokenizer.ggml.tokens: missing"),
    "no model": ({"model": None}, r"tokenizer.ggml.model: missing"),
    "tokens of ints": ({"tokens": ([1, 2], T.ARRAY, T.INT32)}, r"tokenizer.ggml.tokens: expected an ARRAY of STRING, got ARRAY of INT32"),
    "model not a string": ({"model": (3, T.UINT32)}, r"tokenizer.ggml.model: expected a STRING, got UINT32"),
    "unknown model": ({"model": ("rwkv", T.STRING)}, r"tokenizer.ggml.model: tokenizer model 'rwkv' is not supported"),
    "unknown pre": ({"pre": ("no-such-pre", T.STRING)}, r"tokenizer.ggml.pre: unknown pre-tokenizer 'no-such-pre'; subtok knows"),
    "no merges": ({"merges": None}, r"tokenizer.ggml.merges: missing"),
    "merge without space": ({"merges": (["ab"], T.ARRAY, T.STRING)}, r"tokenizer.ggml.merges\[0\]: expected two tokens"),
    "merge of unknown token": ({"merges": (["a b", "ab x"], T.ARRAY, T.STRING)},
                               r"tokenizer.ggml.merges\[1\]: merge 'ab' 'x' uses token 'x'"),
    "duplicate token": ({"tokens": (["a", "b", "ab", "a", "<|end|>"], T.ARRAY, T.STRING)},
                        r"tokenizer.ggml.tokens\[3\]: the token 'a' is already token 0"),
    "short token types": ({"token_type": ([1, 1], T.ARRAY, T.INT32)}, r"tokenizer.ggml.token_type: has 2 entries for 5 tokens"),
    "bad token type": ({"token_type": ([1, 1, 1, 9, 3], T.ARRAY, T.INT32)}, r"tokenizer.ggml.token_type\[3\]: unknown token type 9"),
    "short scores": ({"scores": ([0.0], T.ARRAY, T.FLOAT32)}, r"tokenizer.ggml.scores: has 1 entries for 5 tokens"),
    "t5 without scores": ({"model": ("t5", T.STRING)}, r"tokenizer.ggml.scores: missing"),
    "flag not a bool": ({"add_bos_token": (1, T.UINT8)}, r"tokenizer.ggml.add_bos_token: expected a BOOL, got UINT8"),
    "id not an integer": ({"bos_token_id": ("1", T.STRING)}, r"tokenizer.ggml.bos_token_id: expected an integer"),
}


@pytest.mark.parametrize("case", sorted(BAD_VOCABS))
def test_bad_vocabularies_name_the_field(case, tmp_path):
    over, message = BAD_VOCABS[case]
    path = tmp_path / "v.gguf"
    write_gguf(path, vocab_fields(**over))
    with pytest.raises(TokenizerFormatError, match=message) as e:
        subtok_gguf.load_gguf(path)
    assert str(path) in str(e.value)


def test_empty_vocabulary(tmp_path):
    fields = [kv(GPT2 + "model", T.STRING, _s(b"gpt2")), kv(GPT2 + "tokens", T.ARRAY, struct.pack("<IQ", T.STRING, 0))]
    (tmp_path / "v.gguf").write_bytes(tiny(*fields))
    with pytest.raises(TokenizerFormatError, match=r"v.gguf: tokenizer.ggml.tokens: the vocabulary has no tokens"):
        subtok_gguf.load_gguf(tmp_path / "v.gguf")


def test_special_id_outside_the_vocabulary_is_ignored_as_llama_cpp_does(tmp_path, caplog):
    write_gguf(tmp_path / "v.gguf", vocab_fields(bos_token_id=(99, T.UINT32), add_bos_token=(True, T.BOOL)))
    tok = subtok_gguf.load_gguf(tmp_path / "v.gguf")
    assert tok.encode("ab").ids == [2]
    assert "bos_token_id = 99 is outside the 5 tokens" in caplog.text


def test_embedded_tokenizer_json_is_used(tmp_path):
    saved = loaded("gpt-2").to_str()
    write_gguf(tmp_path / "v.gguf", vocab_fields() + [("tokenizer.huggingface.json", saved, T.STRING)])
    tok = subtok_gguf.load_gguf(tmp_path / "v.gguf")
    assert tok.encode("Hello world").ids == [15496, 995]


# -- fuzz: damaged real vocabularies -------------------------------------------------------------

def _slice_of(name: str, n: int) -> list[tuple]:
    """The first n tokens of a real vocabulary (its merges among them), as GGUF fields."""
    meta = subtok_gguf.read_metadata(path_of(name))
    f, types = meta.fields, meta.types
    out = []
    for key, value in f.items():
        if not key.startswith("tokenizer.") or key.startswith("tokenizer.chat_template"):
            continue
        t = types[key]
        if key in (GPT2 + "tokens", GPT2 + "scores", GPT2 + "token_type"):
            value = value[:n]
        elif key == GPT2 + "merges":
            kept = set(f[GPT2 + "tokens"][:n])
            value = [m for m in value if {*m.split(" ", 1), m.replace(" ", "", 1)} <= kept][:n]
        elif key == GPT2 + "precompiled_charsmap":
            continue  # 237 KB, and a damaged charsmap is the normalizer's business
        elif t[0] != T.ARRAY and t[0] in subtok_gguf._INTS and key.endswith("_id") and value >= n:
            continue
        out.append((key, value, *t[:2]))
    return out


FUZZ_SOURCES = {"gpt-2": 600, "llama-spm": 400, "bert-bge": 400, "nomic-bert-moe": 400, "falcon": 500}


@pytest.fixture(scope="module")
def fuzz_files(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("fuzz")
    files = {}
    for name, n in FUZZ_SOURCES.items():
        files[name] = write_gguf(folder / f"{name}.gguf", _slice_of(name, n))
        assert subtok_gguf.load_gguf(folder / f"{name}.gguf").encode("Hello there, world!").ids
    return files


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])


@FUZZ
@given(data=st.data())
def test_damaged_files_load_or_fail_clearly(fuzz_files, data):
    name = data.draw(st.sampled_from(sorted(fuzz_files)))
    raw = bytearray(fuzz_files[name])
    how = data.draw(st.sampled_from(["flip", "truncate", "splice"]))
    if how == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    elif how == "truncate":
        del raw[data.draw(st.integers(0, len(raw) - 1)):]
    else:
        at = data.draw(st.integers(0, len(raw)))
        raw[at:at] = data.draw(st.binary(min_size=1, max_size=16))
    try:
        tok = subtok_gguf.from_metadata(subtok_gguf.read_metadata(bytes(raw)), "fuzz.gguf")
    except TokenizerFormatError as e:  # the reader names the byte, the vocabulary the file and key
        assert "(byte " in str(e) or str(e).startswith("fuzz.gguf: "), str(e)
        return
    for text in ["Hello there, world!", "naïve café 東京 🎉", "", "<s> [CLS] <|endoftext|>"]:
        try:
            ids = tok.encode(text).ids
        except EncodeError:
            continue
        tok.decode(ids)
    tok.to_str()


FIELD_MUTATIONS = ["types", "scores", "ids", "flags", "token", "merges", "pre", "model"]
ODD_TOKENS = ["", " ", "\u2581", "<s>", "##", "[x y]", "<0x41>", "a b", "\n", "é", "<|end|>"]


def _mutate_fields(fields: list[tuple], data) -> list[tuple]:
    """The fields of a real slice with one to four of them changed (types, scores, ids, flags,
    a token, the merges, the pre-tokenizer or the model): a damaged but well-formed file."""
    f = {key: [value, *rest] for key, value, *rest in fields}
    n = len(f[GPT2 + "tokens"][0])
    for what in data.draw(st.lists(st.sampled_from(FIELD_MUTATIONS), min_size=1, max_size=4)):
        if what in ("types", "scores"):
            key, kind, default, values = {
                "types": ("token_type", T.INT32, 1, st.integers(0, 6)),
                "scores": ("scores", T.FLOAT32, 0.0, st.sampled_from([float("nan"), float("inf"), -1e30, 0.0, 5.0]))}[what]
            column = list(f.get(GPT2 + key, [[default] * n])[0])
            for i, value in data.draw(st.lists(st.tuples(st.integers(0, n - 1), values), min_size=1, max_size=20)):
                column[i] = value
            f[GPT2 + key] = [column, T.ARRAY, kind]
        elif what == "ids":
            key = data.draw(st.sampled_from(["bos_token_id", "eos_token_id", "unknown_token_id", "seperator_token_id",
                                             "padding_token_id", "cls_token_id"]))
            f[GPT2 + key] = [data.draw(st.integers(0, n + 3)), T.UINT32]
        elif what == "flags":
            key = data.draw(st.sampled_from(["add_bos_token", "add_eos_token", "add_sep_token", "add_space_prefix",
                                             "remove_extra_whitespaces"]))
            f[GPT2 + key] = [data.draw(st.booleans()), T.BOOL]
        elif what == "token":
            tokens = list(f[GPT2 + "tokens"][0])
            tokens[data.draw(st.integers(0, n - 1))] = data.draw(st.sampled_from(ODD_TOKENS))
            f[GPT2 + "tokens"] = [tokens, T.ARRAY, T.STRING]
        elif what == "merges" and GPT2 + "merges" in f:
            merges = list(f[GPT2 + "merges"][0])
            data.draw(st.randoms(use_true_random=False)).shuffle(merges)
            f[GPT2 + "merges"] = [merges[:data.draw(st.integers(1, len(merges)))], T.ARRAY, T.STRING]
        elif what == "pre":
            f[GPT2 + "pre"] = [data.draw(st.sampled_from(sorted(subtok_gguf.PRE_TOKENIZERS) + ["default", "gemma4"])),
                               T.STRING]
        elif what == "model":
            f[GPT2 + "model"] = [data.draw(st.sampled_from(["gpt2", "llama", "bert", "t5", "gemma4"])), T.STRING]
    return [(key, *rest) for key, rest in f.items()]


@pytest.fixture(scope="module")
def fuzz_slices() -> dict[str, list[tuple]]:
    return {name: _slice_of(name, n) for name, n in FUZZ_SOURCES.items()}


@FUZZ
@given(data=st.data())
def test_damaged_fields_load_or_fail_clearly(fuzz_slices, tmp_path_factory, data):
    name = data.draw(st.sampled_from(sorted(fuzz_slices)))
    path = tmp_path_factory.mktemp("fields") / "fuzz.gguf"
    write_gguf(path, _mutate_fields(fuzz_slices[name], data))
    try:
        tok = subtok_gguf.load_gguf(path)
    except TokenizerFormatError as e:
        assert str(e).startswith(f"{path}: tokenizer.ggml."), str(e)
        return
    for text in ["Hello there, world!", "naïve café 東京 🎉", "", " <s> [CLS] <|endoftext|>  x ", "a b\n"]:
        try:
            ids = tok.encode(text, "and a pair").ids
        except EncodeError:
            continue
        tok.decode(ids)
        tok.decode(ids, skip_special_tokens=False)
    tok.to_str()


def test_fuzz_sources_are_real_slices(fuzz_files):
    for name, data in fuzz_files.items():
        meta = subtok_gguf.read_metadata(data)
        assert meta.fields["tokenizer.ggml.tokens"] == vocab_of(name).tokens[:FUZZ_SOURCES[name]]

