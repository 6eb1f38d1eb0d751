"""Classic vocabulary files (vocab.txt, vocab.json + merges.txt, CLIP's merges) give transformers' exact results.

Oracles: transformers' BertTokenizer(Fast), GPT2TokenizerFast, RobertaTokenizerFast and CLIPTokenizerFast
built from the same files (their backend `tokenizers.Tokenizer` for encodings, transformers' own
decode for text), and bert-base-uncased's tokenizer.json. Note: transformers 5 ignores
``vocab_file=`` in the constructor (it builds a 5-token vocabulary), so the oracles get ``vocab=path``
or ``from_pretrained(folder)``.

Real files: bert-base-uncased's vocab.txt; GPT-2's vocab.json and merges.txt, written here from
the real gpt2.tiktoken and checked byte for byte (sha256) against the official files (as shipped in
openai-whisper==20230124); a RoBERTa-style vocabulary from Claude's tokenizer.json (its real
vocabulary and merges, its five special tokens renamed <s> <pad> </s> <unk> <mask>); CLIP's
bpe_simple_vocab_16e6.txt.gz, with the vocab.json and merges.txt that transformers reads written
here as open_clip's simple_tokenizer builds them.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import subtok
from corpus import ALL, EDGE_CASES, MULTILINGUAL
from helpers import assert_same_encoding
from subtok import assets
from subtok.bytes_map import BYTES_TO_UNICODE
from subtok.errors import TokenizerFormatError
from subtok.formats import vocab_files
from subtok.formats.vocab_files import (detect_vocab_files, load_clip_bpe, load_vocab_file, load_vocab_merges,
                                        load_vocab_txt, read_clip_bpe)

tokenizers = pytest.importorskip("tokenizers")
transformers = pytest.importorskip("transformers")

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
# sha256 of GPT-2's official vocab.json and merges.txt (openai-whisper==20230124 sdist,
# whisper/assets/gpt2/, 798,156 and 456,356 bytes; the merges header names huggingface/tokenizers)
GPT2_VOCAB_SHA256 = "3ba3c3109ff33976c4bd966589c11ee14fcaa1f4c9e5e154c2ed7f99d80709e7"
GPT2_MERGES_SHA256 = "fe36cab26d4f4421ed725e10a2e9ddb7f799449c603a96e7f29b5a3c82a95862"
GPT2_MERGES_HEADER = "#version: 0.2 - Trained by `huggingface/tokenizers`\n"
PAIR_TEXTS = list(zip(MULTILINGUAL, EDGE_CASES + MULTILINGUAL[::-1]))


# -- the files ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bert_dir() -> Path:
    return assets.fetch_dir("all-MiniLM-L6-v2")


@pytest.fixture(scope="module")
def bert_vocab_only(bert_dir, tmp_path_factory) -> Path:
    """A folder with only the real vocab.txt (no config beside it)."""
    folder = tmp_path_factory.mktemp("bert-vocab")
    shutil.copy(bert_dir / "vocab.txt", folder / "vocab.txt")
    return folder


def write_vocab_merges(folder: Path, vocab: dict[str, int], merges: list[tuple[str, str]],
                       header: str = "#version: 0.2\n") -> tuple[Path, Path]:
    v, m = folder / "vocab.json", folder / "merges.txt"
    ordered = dict(sorted(vocab.items(), key=lambda x: x[1]))
    v.write_bytes(json.dumps(ordered, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    m.write_bytes((header + "".join(f"{a} {b}\n" for a, b in merges)).encode("utf-8"))
    return v, m


@pytest.fixture(scope="module")
def gpt2_dir(tmp_path_factory) -> Path:
    """GPT-2's vocab.json and merges.txt, written from gpt2.tiktoken: byte-identical to the official files."""
    folder = tmp_path_factory.mktemp("gpt2")
    tok = subtok.load(assets.fetch("gpt2.tiktoken"))
    v, m = write_vocab_merges(folder, tok.model.vocab, tok.model.merges, GPT2_MERGES_HEADER)
    assert hashlib.sha256(v.read_bytes()).hexdigest() == GPT2_VOCAB_SHA256
    assert hashlib.sha256(m.read_bytes()).hexdigest() == GPT2_MERGES_SHA256
    return folder


@pytest.fixture(scope="module")
def roberta_dir(tmp_path_factory) -> Path:
    """Claude's real vocabulary and merges with its specials 0-4 renamed as RoBERTa's."""
    folder = tmp_path_factory.mktemp("roberta")
    model = json.loads(assets.fetch("claude/tokenizer.json").read_text(encoding="utf-8"))["model"]
    names = {0: "<s>", 1: "<pad>", 2: "</s>", 3: "<unk>", 4: "<mask>"}
    vocab = {names.get(i, t): i for t, i in model["vocab"].items()}
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    write_vocab_merges(folder, vocab, merges)
    return folder


@pytest.fixture(scope="module")
def clip_gz() -> Path:
    return assets.fetch("clip/bpe_simple_vocab_16e6.txt.gz")


@pytest.fixture(scope="module")
def clip_dir(clip_gz, tmp_path_factory) -> Path:
    """vocab.json + merges.txt as open_clip's simple_tokenizer builds its vocabulary from the .gz."""
    folder = tmp_path_factory.mktemp("clip")
    lines = gzip.decompress(clip_gz.read_bytes()).decode("utf-8").split("\n")
    merges = [tuple(line.split()) for line in lines[1:49152 - 256 - 2 + 1]]
    chars = [BYTES_TO_UNICODE[b] for b in _clip_byte_order()]
    tokens = chars + [c + "</w>" for c in chars] + ["".join(m) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
    write_vocab_merges(folder, {t: i for i, t in enumerate(tokens)}, merges)
    return folder


def _clip_byte_order() -> list[int]:
    """The bytes in the order of CLIP's bytes_to_unicode table: printable ranges first, then the rest."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    return printable + [b for b in range(256) if b not in printable]


# -- comparing ------------------------------------------------------------------------------------

def assert_same_as(name: str, ours: subtok.Tokenizer, oracle, texts=ALL, pairs=PAIR_TEXTS) -> int:
    """Encodings (every field) and decodes equal to transformers' on `texts` and `pairs`; the count."""
    hf = oracle.backend_tokenizer
    n = 0
    for text in texts:
        expected = hf.encode(text)
        assert_same_encoding(ours.encode(text), expected, f"{name} {text[:40]!r}")
        assert_same_encoding(ours.encode(text, add_special_tokens=False), hf.encode(text, add_special_tokens=False),
                             f"{name} no specials {text[:40]!r}")
        for skip in (True, False):
            assert ours.decode(expected.ids, skip_special_tokens=skip) == \
                oracle.decode(expected.ids, skip_special_tokens=skip), (name, text, skip)
        n += 1
    for a, b in pairs:
        assert_same_encoding(ours.encode(a, b), hf.encode(a, b), f"{name} pair {a[:20]!r}/{b[:20]!r}")
        n += 1
    return n


def assert_saved_json_same(ours: subtok.Tokenizer, texts=MULTILINGUAL[:20] + EDGE_CASES[:40]) -> None:
    """The tokenizer.json subtok saves loads in Hugging Face tokenizers and gives the same results."""
    hf = tokenizers.Tokenizer.from_str(ours.to_str())
    for text in texts:
        expected = hf.encode(text, "a pair")
        assert_same_encoding(ours.encode(text, "a pair"), expected, f"saved json {text[:30]!r}")
        assert ours.decode(expected.ids) == hf.decode(expected.ids)
        assert ours.decode(expected.ids, False) == hf.decode(expected.ids, False)


# -- BERT vocab.txt -------------------------------------------------------------------------------

def test_bert_vocab_txt_vs_transformers(bert_vocab_only):
    path = bert_vocab_only / "vocab.txt"
    ours = load_vocab_txt(path)
    assert assert_same_as("vocab.txt", ours, transformers.BertTokenizerFast(vocab=str(path))) == 146 + 64
    assert_same_as("vocab.txt from_pretrained", ours,
                   transformers.BertTokenizerFast.from_pretrained(str(bert_vocab_only)), pairs=PAIR_TEXTS[:10])


def test_bert_vocab_txt_is_bert_base_uncased_tokenizer_json(bert_dir):
    """Built from vocab.txt + tokenizer_config.json, the pipeline is exactly the real tokenizer.json's."""
    ours = load_vocab_txt(bert_dir / "vocab.txt")
    expected = json.loads((bert_dir / "tokenizer.json").read_text(encoding="utf-8"))
    expected["truncation"] = expected["padding"] = None  # baked into this copy; not the vocabulary's
    assert ours.to_dict() == expected
    hf = tokenizers.Tokenizer.from_file(str(bert_dir / "tokenizer.json"))
    hf.no_padding(), hf.no_truncation()
    for text in ALL:
        expected = hf.encode(text)
        assert_same_encoding(ours.encode(text), expected, f"vocab.txt vs tokenizer.json {text[:30]!r}")
        assert ours.decode(expected.ids) == hf.decode(expected.ids), text
        assert ours.decode(expected.ids, False) == hf.decode(expected.ids, False), text
    for a, b in PAIR_TEXTS:
        assert_same_encoding(ours.encode(a, b), hf.encode(a, b), f"vocab.txt vs tokenizer.json {a[:20]!r}/{b[:20]!r}")


def test_bert_cased(bert_vocab_only):
    path = bert_vocab_only / "vocab.txt"
    ours = load_vocab_txt(path, do_lower_case=False)
    assert_same_as("vocab.txt cased", ours, transformers.BertTokenizerFast(vocab=str(path), do_lower_case=False))
    assert ours.encode("Hello").tokens == ["[CLS]", "[UNK]", "[SEP]"]  # an uncased vocabulary has no "Hello"


@pytest.mark.parametrize("config", [
    {"do_lower_case": False},
    {"do_lower_case": True, "strip_accents": False, "tokenize_chinese_chars": False},
    {"unk_token": "[UNK]", "cls_token": "[unused1]", "sep_token": "[unused2]", "mask_token": None},
    {"additional_special_tokens": ["[unused5]", "<extra>"]},
])
def test_bert_config_beside_the_file(bert_vocab_only, tmp_path, config):
    shutil.copy(bert_vocab_only / "vocab.txt", tmp_path / "vocab.txt")
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "BertTokenizer", **config}))
    ours = load_vocab_txt(tmp_path / "vocab.txt")
    oracle = transformers.BertTokenizerFast.from_pretrained(str(tmp_path))
    texts = MULTILINGUAL[:30] + EDGE_CASES + ["Ünïcödé 中文 [unused5] <extra> [MASK]"]
    assert_same_as(f"vocab.txt {config}", ours, oracle, texts, PAIR_TEXTS[:10])


def test_bert_missing_special_tokens_get_new_ids_as_in_transformers(bert_vocab_only, tmp_path):
    lines = (bert_vocab_only / "vocab.txt").read_text(encoding="utf-8").split("\n")
    kept = [t for t in lines[:3000] if t not in ("[MASK]", "[CLS]")]
    (tmp_path / "vocab.txt").write_text("\n".join(kept) + "\n", encoding="utf-8")
    ours = load_vocab_txt(tmp_path / "vocab.txt")
    oracle = transformers.BertTokenizerFast(vocab=str(tmp_path / "vocab.txt"))
    assert ours.get_added_tokens_decoder().keys() == {0, 100, 101, 2998, 2999}  # [SEP] moved up one
    assert_same_as("vocab.txt without [CLS] [MASK]", ours, oracle, MULTILINGUAL[:20] + ["[MASK] [CLS] x"],
                   PAIR_TEXTS[:5])


def test_vocab_txt_reading_like_hf(tmp_path):
    """Trailing whitespace (Unicode White_Space, not Python's isspace) is not part of a token, CRLF is
    one line end, an empty line is a token, a repeated token keeps its last line."""
    p = tmp_path / "vocab.txt"
    p.write_bytes("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello \nworld\r\n\nhello\n\xa0x\xa0\n\x1cq\x1c\nlast".encode())
    oracle = tokenizers.models.WordPiece(vocab=str(p), unk_token="[UNK]")
    expected = tokenizers.Tokenizer(oracle).get_vocab()
    assert vocab_files.read_vocab_txt(p) == expected
    assert load_vocab_txt(p).get_vocab() == expected


@SETTINGS
@given(text=st.text(max_size=80))
def test_bert_hypothesis(bert_oracles, text):
    ours, oracle = bert_oracles
    a, b = ours.encode(text, text[::-1]), oracle.backend_tokenizer.encode(text, text[::-1])
    assert (a.ids, a.offsets, a.type_ids) == (b.ids, b.offsets, b.type_ids), text
    assert ours.decode(a.ids) == oracle.decode(a.ids, skip_special_tokens=True), text


@pytest.fixture(scope="module")
def bert_oracles(bert_vocab_only):
    path = bert_vocab_only / "vocab.txt"
    return load_vocab_txt(path), transformers.BertTokenizerFast(vocab=str(path))


# -- GPT-2 / RoBERTa vocab.json + merges.txt ------------------------------------------------------

@pytest.fixture(scope="module")
def gpt2_pair(gpt2_dir):
    v, m = str(gpt2_dir / "vocab.json"), str(gpt2_dir / "merges.txt")
    return load_vocab_merges(v, m), transformers.GPT2TokenizerFast(vocab=v, merges=m)


def test_gpt2_vs_transformers(gpt2_pair):
    ours, oracle = gpt2_pair
    assert assert_same_as("gpt2 vocab.json", ours, oracle) == 146 + 64
    assert ours.encode("Hello world<|endoftext|>").ids == [15496, 995, 50256]


def test_gpt2_same_ids_as_tiktoken_gpt2(gpt2_pair):
    ours, _ = gpt2_pair
    tiktoken_tok = subtok.load(assets.fetch("gpt2.tiktoken"))
    for text in ALL:
        assert ours.encode(text).ids == tiktoken_tok.encode(text).ids, text


@SETTINGS
@given(text=st.text(max_size=80))
def test_gpt2_hypothesis(gpt2_pair, text):
    ours, oracle = gpt2_pair
    a, b = ours.encode(text, text[:5]), oracle.backend_tokenizer.encode(text, text[:5])
    assert (a.ids, a.offsets, a.type_ids) == (b.ids, b.offsets, b.type_ids), text
    assert ours.decode(a.ids) == oracle.decode(a.ids, skip_special_tokens=True), text


@pytest.mark.parametrize("config", [
    {"add_prefix_space": True},
    {"add_bos_token": True, "bos_token": "<|endoftext|>"},
    {"add_bos_token": True, "add_eos_token": True, "pad_token": "<|endoftext|>"},
    {"tokenizer_class": "GPT2Tokenizer", "added_tokens_decoder": {
        "50256": {"content": "<|endoftext|>", "special": True, "normalized": False},
        "50257": {"content": "<|im_start|>", "special": True, "normalized": False, "lstrip": True},
        "50258": {"content": " hello", "special": False, "normalized": True}}},
])
def test_gpt2_config_beside_the_files(gpt2_dir, tmp_path, config):
    for name in ("vocab.json", "merges.txt"):
        shutil.copy(gpt2_dir / name, tmp_path / name)
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(config))
    ours = load_vocab_file(tmp_path)
    oracle = transformers.AutoTokenizer.from_pretrained(str(tmp_path)) if "tokenizer_class" in config \
        else transformers.GPT2TokenizerFast.from_pretrained(str(tmp_path))
    texts = MULTILINGUAL[:30] + EDGE_CASES + ["a <|im_start|>user hello world<|endoftext|>"]
    assert_same_as(f"gpt2 {config}", ours, oracle, texts, PAIR_TEXTS[:10])


def test_roberta_style_from_the_vocabulary(roberta_dir):
    v, m = str(roberta_dir / "vocab.json"), str(roberta_dir / "merges.txt")
    ours = load_vocab_merges(v, m)
    assert isinstance(ours.post_processor, subtok.processors.RobertaProcessing)
    assert_same_as("roberta-style", ours, transformers.RobertaTokenizerFast(vocab=v, merges=m))
    assert_saved_json_same(ours)


@pytest.mark.parametrize("config", [
    {"tokenizer_class": "RobertaTokenizer", "add_prefix_space": True},
    {"tokenizer_class": "RobertaTokenizer", "trim_offsets": False},
    {"tokenizer_class": "RobertaTokenizer", "mask_token": {"__type": "AddedToken", "content": "<mask>",
                                                          "lstrip": True, "rstrip": False, "single_word": False,
                                                          "normalized": False}},
])
def test_roberta_config(roberta_dir, tmp_path, config):
    for name in ("vocab.json", "merges.txt"):
        shutil.copy(roberta_dir / name, tmp_path / name)
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(config))
    ours = load_vocab_merges(tmp_path / "vocab.json", tmp_path / "merges.txt")
    oracle = transformers.AutoTokenizer.from_pretrained(str(tmp_path))
    texts = MULTILINGUAL[:30] + EDGE_CASES + ["The capital of France is <mask>.", "  spaced   out  "]
    assert_same_as(f"roberta {config}", ours, oracle, texts, PAIR_TEXTS[:10])


def test_gpt2_files_in_roberta_style(gpt2_dir):
    """RoBERTa's special tokens are not in GPT-2's vocabulary: they get new ids, as in transformers."""
    v, m = str(gpt2_dir / "vocab.json"), str(gpt2_dir / "merges.txt")
    ours = load_vocab_merges(v, m, style="roberta")
    assert ours.token_to_id("<s>") == 50257 and ours.token_to_id("<mask>") == 50261
    assert_same_as("gpt2 as roberta", ours, transformers.RobertaTokenizerFast(vocab=v, merges=m),
                   MULTILINGUAL[:20] + EDGE_CASES[:40], PAIR_TEXTS[:10])


def test_merges_txt_reading_like_hf(tmp_path):
    """#version lines are skipped anywhere, CRLF ends a line, no empty line at the end."""
    vocab = {"a": 0, "b": 1, "ab": 2, "c": 3, "abc": 4}
    (tmp_path / "vocab.json").write_text(json.dumps(vocab))
    (tmp_path / "merges.txt").write_bytes(b"#version: 0.2\r\na b\r\n#version again\nab c")
    assert vocab_files.read_merges_txt(tmp_path / "merges.txt") == [("a", "b"), ("ab", "c")]
    hf = tokenizers.models.BPE.from_file(str(tmp_path / "vocab.json"), str(tmp_path / "merges.txt"))
    ours = load_vocab_merges(tmp_path / "vocab.json", tmp_path / "merges.txt", style="gpt2")
    assert [t.value for t in hf.tokenize("abcab")] == [t[1] for t in ours.model.tokenize("abcab")] == ["abc", "ab"]


# -- CLIP -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def clip_pair(clip_gz, clip_dir):
    oracle = transformers.CLIPTokenizerFast(vocab=str(clip_dir / "vocab.json"), merges=str(clip_dir / "merges.txt"))
    return load_clip_bpe(clip_gz), oracle


def test_clip_vocabulary(clip_gz, clip_dir):
    vocab, merges = read_clip_bpe(clip_gz)
    assert len(vocab) == 49408 and len(merges) == 48894
    assert vocab == json.loads((clip_dir / "vocab.json").read_text(encoding="utf-8"))
    assert vocab["<|startoftext|>"] == 49406 and vocab["<|endoftext|>"] == 49407


def test_clip_vs_transformers(clip_pair):
    ours, oracle = clip_pair
    assert assert_same_as("clip", ours, oracle) == 146 + 64
    assert ours.encode("a photo of a cat").ids == [49406, 320, 1125, 539, 320, 2368, 49407]
    assert ours.decode(ours.encode("A photo of a CAT!").ids) == "a photo of a cat !"


def test_clip_from_vocab_json_and_merges_txt(clip_dir, clip_pair):
    """The vocab.json + merges.txt of a Hugging Face CLIP repository are recognised as CLIP style."""
    ours = load_vocab_file(clip_dir / "merges.txt")
    assert ours.to_dict() == clip_pair[0].to_dict()


@SETTINGS
@given(text=st.text(max_size=80), ids=st.lists(st.integers(0, 49407), max_size=8))
def test_clip_hypothesis(clip_pair, text, ids):
    ours, oracle = clip_pair
    a, b = ours.encode(text, text[:3]), oracle.backend_tokenizer.encode(text, text[:3])
    assert (a.ids, a.offsets, a.type_ids) == (b.ids, b.offsets, b.type_ids), text
    assert ours.decode(a.ids) == oracle.decode(a.ids, skip_special_tokens=True), text
    for skip in (True, False):  # any ids, whitespace bytes included: the decoder strips as transformers does
        assert ours.decode(ids, skip) == oracle.decode(ids, skip_special_tokens=skip), ids


def test_saved_json_loads_in_tokenizers(clip_pair, gpt2_pair, bert_oracles):
    for ours, _ in (clip_pair, gpt2_pair, bert_oracles):
        assert_saved_json_same(ours)


# -- finding the files ----------------------------------------------------------------------------

def test_detect_vocab_files(bert_dir, gpt2_dir, clip_dir, clip_gz, tmp_path):
    found = detect_vocab_files(bert_dir)
    assert (found.kind, found.paths, found.config) == ("wordpiece", (bert_dir / "vocab.txt",),
                                                       bert_dir / "tokenizer_config.json")
    assert detect_vocab_files(gpt2_dir).paths == (gpt2_dir / "vocab.json", gpt2_dir / "merges.txt")
    assert detect_vocab_files(gpt2_dir / "merges.txt") == detect_vocab_files(gpt2_dir / "vocab.json")
    assert detect_vocab_files(clip_gz).kind == detect_vocab_files(clip_gz.parent).kind == "clip"
    assert detect_vocab_files(clip_dir).kind == "bpe"  # the style is decided when loading
    for name in ("gpt2-vocab.json", "gpt2-merges.txt"):
        shutil.copy(gpt2_dir / name.split("-")[1], tmp_path / name)
    assert detect_vocab_files(tmp_path / "gpt2-vocab.json").paths == (tmp_path / "gpt2-vocab.json",
                                                                      tmp_path / "gpt2-merges.txt")
    (tmp_path / "other.json").write_text("{}")
    assert detect_vocab_files(tmp_path / "other.json") is None
    assert detect_vocab_files(tmp_path / "missing") is None


def test_load_vocab_file_needs_the_partner(gpt2_dir, tmp_path):
    shutil.copy(gpt2_dir / "vocab.json", tmp_path / "vocab.json")
    with pytest.raises(TokenizerFormatError, match=r"vocab.json: a vocab.json needs its merges file .*merges.txt"):
        load_vocab_file(tmp_path / "vocab.json")
    assert detect_vocab_files(tmp_path) is None


def test_subtok_load_reads_vocab_files(bert_vocab_only, gpt2_dir):
    assert subtok.load(bert_vocab_only).encode("hello").ids == [101, 7592, 102]
    assert subtok.load(gpt2_dir / "vocab.json").encode("hello").ids == [31373]


# -- errors ---------------------------------------------------------------------------------------

def test_merges_errors_name_the_line(gpt2_dir, tmp_path):
    v = tmp_path / "vocab.json"
    shutil.copy(gpt2_dir / "vocab.json", v)
    lines = (gpt2_dir / "merges.txt").read_text(encoding="utf-8").split("\n")
    m = tmp_path / "merges.txt"
    m.write_text("\n".join(lines[:1233] + ["Ġt he re"] + lines[1234:]), encoding="utf-8")
    with pytest.raises(TokenizerFormatError, match=r"merges.txt: line 1234: expected two tokens separated by one "
                                                   r"space, got 'Ġt he re'"):
        load_vocab_merges(v, m)
    m.write_text("\n".join(lines[:9] + ["Ġ zzzq"] + lines[10:]), encoding="utf-8")
    with pytest.raises(TokenizerFormatError, match=r"merges.txt: line 10: merge 'Ġ' 'zzzq' uses token 'zzzq', "
                                                   r"which is not in vocab.json"):
        load_vocab_merges(v, m)


@pytest.mark.parametrize("content,match", [
    (b'{"a": 0, "b": "one"}', r"vocab.json: b: expected a non-negative integer id for token 'b'"),
    (b'{"a": 0, "b c": -1}', r"vocab.json: \['b c'\]: expected a non-negative integer id"),
    (b'{"a": 0, "b": 0}', r"vocab.json: \['b'\]: tokens 'a' and 'b' both have id 0"),
    (b'["a", "b"]', r"vocab.json: expected an object, got list"),
    (b'{"a": 0,', r"vocab.json: not valid JSON: .* line 1, column 9"),
    (b'{"a\xff": 0}', r"vocab.json: not UTF-8 text: byte 3 \(line 1\)"),
])
def test_vocab_json_errors_name_the_place(tmp_path, content, match):
    (tmp_path / "vocab.json").write_bytes(content)
    (tmp_path / "merges.txt").write_text("#version: 0.2\n")
    with pytest.raises(TokenizerFormatError, match=match):
        load_vocab_merges(tmp_path / "vocab.json", tmp_path / "merges.txt")


def test_vocab_txt_and_config_errors(tmp_path):
    p = tmp_path / "vocab.txt"
    p.write_bytes(b"[UNK]\nok\nbad\xc3(\n")
    with pytest.raises(TokenizerFormatError, match=r"vocab.txt: not UTF-8 text: byte 12 \(line 3\)"):
        load_vocab_txt(p)
    p.write_bytes(b"")
    with pytest.raises(TokenizerFormatError, match="vocab.txt: the file is empty"):
        load_vocab_txt(p)
    p.write_text("[UNK]\n[CLS]\n[SEP]\n")
    for config, match in [({"do_lower_case": "yes"}, "do_lower_case: expected true or false"),
                          ({"cls_token": None}, "cls_token: a BERT tokenizer needs a cls_token"),
                          ({"unk_token": 5}, "unk_token: expected a token"),
                          ({"added_tokens_decoder": {"x": {}}}, r"added_tokens_decoder.x: expected a token id"),
                          ({"added_tokens_decoder": {"7": {"content": "[CLS]"}}},
                           r"added_tokens_decoder.7: '\[CLS\]' is declared with id 7, but the vocabulary gives "
                           "it id 1")]:
        (tmp_path / "tokenizer_config.json").write_text(json.dumps(config))
        with pytest.raises(TokenizerFormatError, match=match) as info:
            load_vocab_txt(p)
        assert "tokenizer_config.json: " in str(info.value)


def test_clip_errors(clip_gz, tmp_path):
    text = gzip.decompress(clip_gz.read_bytes()).decode("utf-8")
    p = tmp_path / "bpe_simple_vocab_16e6.txt.gz"
    p.write_bytes(gzip.compress(text[:100_000].encode("utf-8")))
    with pytest.raises(TokenizerFormatError, match="lines; CLIP's merges file has a header line and at least 48894"):
        load_clip_bpe(p)
    lines = text.split("\n")
    lines[100] = "zz qq"
    p.write_bytes(gzip.compress("\n".join(lines).encode("utf-8")))
    with pytest.raises(TokenizerFormatError, match="line 101: merge 'zz' 'qq' uses 'zz', which no earlier line makes"):
        load_clip_bpe(p)
    p.write_bytes(clip_gz.read_bytes()[:5000])
    with pytest.raises(TokenizerFormatError, match="bpe_simple_vocab_16e6.txt.gz: not valid gzip data"):
        load_clip_bpe(p)
