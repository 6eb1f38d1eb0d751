"""Mutated and truncated real tokenizer files: every loader either gives a Tokenizer that works or a clear error.

The only acceptable outcomes for a damaged file are a Tokenizer that encodes, decodes and saves
without crashing (an `EncodeError` for a text it cannot encode is fine), or an error of the
`subtok.errors.SubtokError` family whose message names the file. A bare KeyError, TypeError,
IndexError, RecursionError or a hang is a bug.

The files are small slices of real ones (bert-base-uncased's and Claude's tokenizer.json, gpt2.tiktoken,
Mistral's Tekken JSON, bert-base-uncased's vocab.txt, Claude's vocabulary and merges as vocab.json +
merges.txt, tokenizer_config.json) so that each example loads in milliseconds; CLIP's merges file
is used whole (it needs its first 48,895 lines).
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import os
import random
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import subtok
from subtok import assets
from subtok.errors import EncodeError, SubtokError
from subtok.formats import tiktoken as tiktoken_format
from subtok.formats import vocab_files

# SUBTOK_FUZZ_EXAMPLES=5000 for a long hunt; the default keeps this file to seconds.
EXAMPLES = int(os.environ.get("SUBTOK_FUZZ_EXAMPLES", "120"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])
SLOW_FUZZ = settings(FUZZ, max_examples=max(1, EXAMPLES // 10))
TEXTS = ["Hello world! It's 2024.", "naïve café — 東京 🎉", "  spaced\tout\n", "[CLS] <|endoftext|> <s>", ""]


class Sample:
    """A real file's slice (parsed, lines or text) and the JSON paths inside it; short in failure reports."""

    def __init__(self, name: str, data: Any, paths: list[tuple] | None = None) -> None:
        self.name = name
        self.data = data
        self.paths = paths or []

    def __repr__(self) -> str:
        return f"<{self.name}>"


# -- the outcome check ----------------------------------------------------------------------------

def check_outcome(load: Callable[[], subtok.Tokenizer], file_name: str) -> str:
    """Load; a Tokenizer must encode, decode and save; an error must be a SubtokError naming the file."""
    try:
        tok = load()
    except SubtokError as e:
        assert file_name in str(e), f"the error does not name {file_name}: {e}"
        return "error"
    exercise(tok)
    return "loaded"


def exercise(tok: subtok.Tokenizer) -> None:
    """Encode single texts and pairs, decode, save and load the saved form again."""
    for text in TEXTS:
        for pair in (None, text[::-1]):
            try:
                enc = tok.encode(text, pair)
            except EncodeError:  # e.g. a WordPiece vocabulary that lost its [UNK]: said clearly at encode time
                continue
            tok.decode(enc.ids)
            tok.decode(enc.ids, skip_special_tokens=False)
    again = subtok.Tokenizer.from_str(tok.to_str(), file="saved.json")
    assert again.to_dict() == tok.to_dict()


# -- structural JSON mutations --------------------------------------------------------------------

ODD_VALUES = [None, True, False, 0, -1, 1.5, 10**9, 2**64, "", "x", "[UNK]", "a b", "zz qq", "$A:x $B", "[X] $A",
              [], [0], ["zz", "qq"], ["a", 1], {}, {"type": "Nope"}, {"type": "BPE"}, {"id": "A", "type_id": 0},
              {"Sequence": {"id": "B", "type_id": 0}}, float("nan")]


def json_paths(value: Any, prefix: tuple = (), big_limit: int = 3) -> list[tuple]:
    """Paths to every value inside `value`; of a container with many items only a few (first, last)."""
    out = [prefix]
    if isinstance(value, dict):
        keys = list(value)
        if len(keys) > 20:
            keys = keys[:big_limit] + keys[-1:]
        for k in keys:
            out += json_paths(value[k], prefix + (k,), big_limit)
    elif isinstance(value, list):
        idx = list(range(len(value)))
        if len(idx) > 20:
            idx = idx[:big_limit] + idx[-1:]
        for i in idx:
            out += json_paths(value[i], prefix + (i,), big_limit)
    return out


def mutate(data: Any, path: tuple, op: str, value: Any) -> Any:
    """A copy of `data` with the value at `path` deleted, replaced by `value`, or (for a string)
    cut short; unchanged where the path no longer exists."""
    if not path:
        return value if op == "replace" else data
    data = copy.deepcopy(data)
    parent = data
    try:
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        if op == "delete":
            del parent[key]
        elif op == "truncate" and isinstance(parent[key], str):
            parent[key] = parent[key][: len(parent[key]) // 2]
        else:
            parent[key] = value
    except (KeyError, IndexError, TypeError):
        pass
    return data


def mutations(paths: list[tuple], min_size: int = 1):
    return st.lists(st.tuples(st.sampled_from(paths), st.sampled_from(["delete", "replace", "truncate"]),
                              st.sampled_from(ODD_VALUES)), min_size=min_size, max_size=3)


def text_edits(text: str, min_size: int = 1):
    """Random splices of a JSON (or any) text: (position, characters removed, characters inserted)."""
    return st.lists(st.tuples(st.integers(0, len(text)), st.integers(0, 8),
                              st.sampled_from(['"', "{", "}", "[", "]", ",", ":", "0", "-1", "null", "\\", "\\u12",
                                               "\x00", "\ud800", "é", " ", "\n", ""])),
                    min_size=min_size, max_size=4)


def splice(text: str, edits: list[tuple[int, int, str]]) -> str:
    for pos, cut, insert in edits:
        pos = min(pos, len(text))
        text = text[:pos] + insert + text[pos + cut:]
    return text


# -- tokenizer.json -------------------------------------------------------------------------------

def bert_slice() -> dict:
    data = json.loads(assets.fetch("all-MiniLM-L6-v2/tokenizer.json").read_text(encoding="utf-8"))
    data["model"]["vocab"] = {t: i for t, i in data["model"]["vocab"].items() if i < 1200 or 1996 <= i < 2600}
    return data


def claude_slice() -> dict:
    data = json.loads(assets.fetch("claude/tokenizer.json").read_text(encoding="utf-8"))
    model = data["model"]
    merges = model["merges"][:400]
    needed = set()
    for m in merges:
        a, b = m.split(" ") if isinstance(m, str) else m
        needed |= {a, b, a + b}
    model["vocab"] = {t: i for t, i in model["vocab"].items() if i < 261 or t in needed}
    model["merges"] = merges
    return data


SLICES = {"bert": bert_slice, "claude": claude_slice}


@pytest.fixture(scope="module", params=sorted(SLICES))
def tokenizer_json(request) -> Sample:
    data = SLICES[request.param]()
    exercise(subtok.Tokenizer.from_dict(data))  # the slice itself is a working tokenizer
    return Sample(request.param, data, json_paths(data))


@FUZZ
@given(data=st.data())
def test_tokenizer_json_structural_mutations(tokenizer_json, data):
    doc = tokenizer_json.data
    for path, op, value in data.draw(mutations(tokenizer_json.paths)):
        doc = mutate(doc, path, op, value)
    text = json.dumps(doc, ensure_ascii=False)
    check_outcome(lambda: subtok.Tokenizer.from_str(text, file="tokenizer.json"), "tokenizer.json")


@FUZZ
@given(data=st.data())
def test_tokenizer_json_text_mutations(tokenizer_json, data):
    text = json.dumps(tokenizer_json.data, ensure_ascii=False)
    edits = data.draw(text_edits(text))
    check_outcome(lambda: subtok.Tokenizer.from_str(splice(text, edits), file="tokenizer.json"), "tokenizer.json")


@FUZZ
@given(cut=st.floats(0, 1, exclude_max=True))
def test_tokenizer_json_truncated(tokenizer_json, cut):
    text = json.dumps(tokenizer_json.data, ensure_ascii=False)
    text = text[: int(len(text) * cut)]
    assert check_outcome(lambda: subtok.Tokenizer.from_str(text, file="tokenizer.json"), "tokenizer.json") == "error"


@pytest.mark.parametrize("path,value", [
    (("model", "vocab", "[UNK]"), 10**12),
    (("model", "unk_token"), "[NOT THERE]"),
    (("added_tokens", 0, "id"), 10**9),
    (("post_processor", "special_tokens", "[CLS]", "ids"), [10**9]),
    (("post_processor", "special_tokens", "[CLS]", "ids"), []),
    (("padding", "pad_id"), 10**9),
    (("padding", "strategy", "Fixed"), 10**9),  # would allocate 10**9 ids per encode: refused
    (("padding", "pad_to_multiple_of"), 2**64),
    (("truncation", "max_length"), 0),
    (("model", "max_input_chars_per_word"), 0),
])
def test_bert_out_of_range_values(path, value):
    doc = mutate(bert_slice(), path, "replace", value)
    check_outcome(lambda: subtok.Tokenizer.from_dict(doc, file="tokenizer.json"), "tokenizer.json")


_CHARSMAP = base64.b64encode(b"\x08\x00\x00\x00" + bytes(range(8)) + b"x\x00").decode()
ODD_COMPONENTS = [
    ("normalizer", {"type": "Precompiled", "precompiled_charsmap": _CHARSMAP}),
    ("normalizer", {"type": "Precompiled", "precompiled_charsmap": "AAAA"}),
    ("normalizer", {"type": "Precompiled", "precompiled_charsmap": "not base64!"}),
    ("normalizer", {"type": "Replace", "pattern": {"String": ""}, "content": "x"}),
    ("normalizer", {"type": "Replace", "pattern": {"Regex": "(?=a)|a*"}, "content": "x"}),
    ("normalizer", {"type": "Sequence", "normalizers": [None, {"type": "Sequence", "normalizers": []}]}),
    ("pre_tokenizer", {"type": "Split", "pattern": {"String": ""}, "behavior": "Isolated"}),
    ("pre_tokenizer", {"type": "Split", "pattern": {"Regex": ""}, "behavior": "Isolated", "invert": True}),
    ("pre_tokenizer", {"type": "Split", "pattern": {"Regex": "(?=a)|x*"}, "behavior": "MergedWithNext"}),
    ("pre_tokenizer", {"type": "Metaspace", "replacement": "", "prepend_scheme": "always"}),
    ("pre_tokenizer", {"type": "CharDelimiterSplit", "delimiter": ""}),
    ("pre_tokenizer", {"type": "FixedLength", "length": 2**64}),
    ("post_processor", {"type": "TemplateProcessing", "single": "$A:x", "pair": "$A $B", "special_tokens": {}}),
    ("post_processor", {"type": "TemplateProcessing", "single": "[X] $A", "pair": "$A $B", "special_tokens": {}}),
    ("post_processor", {"type": "TemplateProcessing", "single": "$B", "pair": "$B $B", "special_tokens": {}}),
    ("post_processor", {"type": "TemplateProcessing", "single": "$7 $A", "pair": "$A", "special_tokens": {}}),
    ("post_processor", {"type": "TemplateProcessing", "single": "[C] $A", "pair": "[C] $A $B", "special_tokens": {
        "[C]": {"id": "[C]", "ids": [], "tokens": []}}}),
    ("post_processor", {"type": "RobertaProcessing", "sep": ["</s>", 2**64], "cls": ["<s>", 0]}),
    ("post_processor", {"type": "Sequence", "processors": [None, {"type": "ByteLevel"}]}),
    ("decoder", {"type": "Strip", "content": "x", "start": 2**64, "stop": 2**64}),
    ("decoder", {"type": "Replace", "pattern": {"Regex": ""}, "content": "a"}),
    ("decoder", {"type": "CTC", "pad_token": "", "word_delimiter_token": ""}),
    ("model", {"type": "WordPiece", "vocab": {}, "unk_token": "[UNK]"}),
    ("model", {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"],
               "continuing_subword_prefix": "##"}),
    ("model", {"type": "BPE", "vocab": {"a": 0}, "merges": [], "unk_token": "zz", "byte_fallback": True}),
    ("model", {"type": "Unigram", "vocab": [], "unk_id": None}),
    ("model", {"type": "Unigram", "vocab": [["", 0.0], ["a", -1.0]], "unk_id": 0}),
    ("model", {"type": "Unigram", "vocab": [["a", float("nan")], ["<unk>", 0.0]], "unk_id": 1, "byte_fallback": True}),
    ("model", {"type": "WordLevel", "vocab": {"a": 0}, "unk_token": "zz"}),
    ("truncation", {"max_length": 1, "stride": 5}),
    ("truncation", {"max_length": 3, "stride": 2**64}),
    ("padding", {"strategy": {"Fixed": 5}, "pad_to_multiple_of": 0}),
    ("added_tokens", [{"id": 5, "content": "a"}, {"id": 5, "content": "b"}, {"id": 2**64, "content": "zz"}]),
]


@pytest.mark.parametrize("field,value", ODD_COMPONENTS, ids=[f"{f}{i}" for i, (f, _) in enumerate(ODD_COMPONENTS)])
def test_odd_components(field, value):
    """Legal-looking but odd values in each stage: empty patterns, huge numbers, string templates."""
    doc = dict(bert_slice(), **{field: value})
    check_outcome(lambda: subtok.Tokenizer.from_str(json.dumps(doc), file="tokenizer.json"), "tokenizer.json")


@pytest.mark.parametrize("merge", ["zz qq", ["Ġ", "zz"], "Ġ", ["a", "b", "c"], "#version: 0.2", 7])
def test_claude_merges_with_missing_tokens(merge):
    doc = claude_slice()
    doc["model"]["merges"][3] = merge
    check_outcome(lambda: subtok.Tokenizer.from_dict(doc, file="tokenizer.json"), "tokenizer.json")


MERGE_ITEMS = st.one_of(
    st.text(alphabet="ab #version:", max_size=12),
    st.lists(st.text(alphabet="ab ", max_size=3), min_size=0, max_size=3),
    st.integers(), st.none(), st.lists(st.integers(), max_size=2))


@settings(max_examples=300, deadline=None)
@given(items=st.lists(MERGE_ITEMS, max_size=6))
def test_merges_read_in_one_loop_as_item_by_item(items):
    """BPE reads a tokenizer.json's merges in one loop; the item-by-item reading (which places an
    error) is the reference: the same merges, or the same error at the same place."""
    from subtok._json import Reader
    from subtok.errors import TokenizerFormatError
    from subtok.models.bpe import _read_merge, _read_merges

    def outcome(read):
        try:
            return read()
        except TokenizerFormatError as e:
            return ("error", str(e))

    r = Reader(items, "model.merges", "tokenizer.json")
    assert outcome(lambda: _read_merges(r)) == outcome(lambda: [m for m in r.items(_read_merge) if m is not None])


# -- .tiktoken / .tiktoken.gz ---------------------------------------------------------------------

GPT2_SPECIALS = {"<|endoftext|>": 50256}


@pytest.fixture(scope="module")
def tiktoken_lines() -> Sample:
    return Sample("gpt2.tiktoken lines", assets.fetch("gpt2.tiktoken").read_bytes().split(b"\n")[:600])


def mutate_rank_lines(lines: list[bytes], op: str, i: int, j: int) -> list[bytes]:
    if not lines:
        return lines
    lines = list(lines)
    i, j = i % len(lines), j % len(lines)
    token, _, rank = lines[i].partition(b" ")
    if op == "no rank":
        lines[i] = token
    elif op == "bad base64":
        lines[i] = token[:-1] + b"*" + b" " + rank
    elif op == "duplicate rank":
        lines[i] = token + b" " + lines[j].partition(b" ")[2]
    elif op == "duplicate token":
        lines[i] = lines[j].partition(b" ")[0] + b" " + rank
    elif op == "negative rank":
        lines[i] = token + b" -" + rank
    elif op == "three fields":
        lines[i] = lines[i] + b" 7"
    elif op == "drop line":
        del lines[i]
    elif op == "empty":
        lines = []
    return lines


RANK_OPS = ["no rank", "bad base64", "duplicate rank", "duplicate token", "negative rank", "three fields",
            "drop line", "empty", "none"]


@FUZZ
@given(ops=st.lists(st.tuples(st.sampled_from(RANK_OPS), st.integers(0, 10**6), st.integers(0, 10**6)),
                    max_size=3),
       gz=st.booleans(), garbage=st.sampled_from(["", "flip", "truncate", "junk"]), pos=st.integers(0, 10**6),
       cut=st.floats(0, 1))
def test_tiktoken_mutations(tiktoken_lines, tmp_path_factory, ops, gz, garbage, pos, cut):
    lines = tiktoken_lines.data
    for op, i, j in ops:
        lines = mutate_rank_lines(lines, op, i, j)
    data = b"\n".join(lines)
    data = data[: max(1, int(len(data) * cut))] if cut < 0.3 else data
    if gz:
        data = corrupt(gzip.compress(data), garbage, pos)
    path = tmp_path_factory.getbasetemp() / ("fuzz.tiktoken.gz" if gz else "fuzz.tiktoken")
    path.write_bytes(data)
    check_outcome(lambda: subtok.load(path, pattern=tiktoken_format.R50K_PATTERN, special_tokens=GPT2_SPECIALS),
                  path.name)


def corrupt(data: bytes, how: str, pos: int) -> bytes:
    pos %= len(data)
    if how == "flip":
        return data[:pos] + bytes([data[pos] ^ 0x5A]) + data[pos + 1:]
    if how == "truncate":
        return data[:pos]
    if how == "junk":
        return data[:2] + random.Random(pos).randbytes(200)
    return data


@SLOW_FUZZ
@given(cut=st.floats(0.01, 0.99))
def test_real_gpt2_tiktoken_truncated(tmp_path_factory, cut):
    """The real file cut short under its real name: it no longer makes gpt2, and says so."""
    data = assets.fetch("gpt2.tiktoken").read_bytes()
    path = tmp_path_factory.getbasetemp() / "gpt2.tiktoken"
    path.write_bytes(data[: int(len(data) * cut)])
    assert check_outcome(lambda: subtok.load(path), "gpt2.tiktoken") == "error"


# -- Tekken JSON ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tekken() -> Sample:
    full = json.loads(assets.fetch("mistral/tekken_240718.json").read_text(encoding="utf-8"))
    config = dict(full["config"], default_num_special_tokens=40, default_vocab_size=40 + 500)
    doc = {"config": config, "vocab": full["vocab"][:520],
           "special_tokens": [{"rank": i, "token_str": t, "is_control": True}
                              for i, t in enumerate(["<unk>", "<s>", "</s>", "[INST]", "[/INST]"])]}
    return Sample("tekken slice", doc, json_paths(doc))


@FUZZ
@given(data=st.data())
def test_tekken_mutations(tekken, tmp_path_factory, data):
    doc = tekken.data
    for path, op, value in data.draw(mutations(tekken.paths)):
        doc = mutate(doc, path, op, value)
    path = tmp_path_factory.getbasetemp() / "tekken_fuzz.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    check_outcome(lambda: subtok.load(path), "tekken_fuzz.json")


def test_tekken_slice_loads(tekken, tmp_path):
    path = tmp_path / "tekken_small.json"
    path.write_text(json.dumps(tekken.data), encoding="utf-8")
    assert check_outcome(lambda: subtok.load(path), path.name) == "loaded"


# -- vocab.txt, vocab.json + merges.txt, CLIP, tokenizer_config.json ------------------------------

@pytest.fixture(scope="module")
def vocab_lines() -> Sample:
    return Sample("vocab.txt lines", assets.fetch("all-MiniLM-L6-v2/vocab.txt").read_text(encoding="utf-8")
                  .split("\n")[:2500])


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, 2499), st.sampled_from(["delete", "dup", "blank", "crlf", "nul",
                                                                        "bad utf-8", "space"])), max_size=4),
       cut=st.floats(0, 1))
def test_vocab_txt_mutations(vocab_lines, tmp_path_factory, edits, cut):
    lines = [line.encode() for line in vocab_lines.data]
    for i, op in edits:
        i %= len(lines)
        line = lines[i]
        lines[i:i + 1] = {"delete": [], "dup": [line, line], "blank": [b""], "crlf": [line + b"\r"],
                          "nul": [b"\x00" + line], "bad utf-8": [line + b"\xc3"], "space": [b" " + line + b" "]}[op]
    data = b"\n".join(lines)
    folder = tmp_path_factory.mktemp("vocab_txt")
    (folder / "vocab.txt").write_bytes(data[: int(len(data) * cut)] if cut < 0.2 else data)
    check_outcome(lambda: vocab_files.load_vocab_file(folder / "vocab.txt"), "vocab.txt")


@pytest.fixture(scope="module")
def vocab_merges() -> Sample:
    model = claude_slice()["model"]
    return Sample("claude vocab and merges", (model["vocab"], model["merges"]), json_paths(model["vocab"]))


@FUZZ
@given(data=st.data())
def test_vocab_json_merges_txt_mutations(vocab_merges, tmp_path_factory, data):
    vocab, merges = vocab_merges.data
    for path, op, value in data.draw(mutations(vocab_merges.paths, min_size=0)):
        vocab = mutate(vocab, path, op, value)
    text = "#version: 0.2\n" + "\n".join(merges) + "\n"
    text = splice(text, data.draw(text_edits(text, min_size=0)))
    folder = tmp_path_factory.mktemp("vocab_json")
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (folder / "merges.txt").write_text(text, encoding="utf-8", errors="surrogatepass")
    style = data.draw(st.sampled_from([None, "gpt2", "roberta", "clip"]))
    check_outcome(lambda: vocab_files.load_vocab_merges(folder / "vocab.json", folder / "merges.txt", style=style),
                  str(folder))


@pytest.fixture(scope="module")
def clip_text() -> Sample:
    return Sample("CLIP merges", gzip.decompress(assets.fetch("clip/bpe_simple_vocab_16e6.txt.gz").read_bytes())
                  .decode("utf-8"))


@SLOW_FUZZ
@given(line=st.integers(0, 60_000), op=st.sampled_from(["delete", "swap", "three", "one", "junk"]),
       gz=st.sampled_from(["", "flip", "truncate", "junk"]), pos=st.integers(0, 10**7))
def test_clip_mutations(clip_text, tmp_path_factory, line, op, gz, pos):
    lines = clip_text.data.split("\n", 60_001)
    lines[line:line + 1] = {"delete": [], "swap": [" ".join(lines[line].split()[::-1])],
                            "three": [lines[line] + " x"], "one": ["x"], "junk": ["\x00 \x00"]}[op]
    data = corrupt(gzip.compress("\n".join(lines).encode("utf-8"), compresslevel=1), gz, pos)
    path = tmp_path_factory.getbasetemp() / "bpe_simple_vocab_16e6.txt.gz"
    path.write_bytes(data)
    check_outcome(lambda: vocab_files.load_vocab_file(path), path.name)


@pytest.fixture(scope="module")
def bert_config() -> Sample:
    config = json.loads(assets.fetch("all-MiniLM-L6-v2/tokenizer_config.json").read_text(encoding="utf-8"))
    config["added_tokens_decoder"] = {"0": {"content": "[PAD]", "special": True, "normalized": False},
                                      "100": {"content": "[UNK]", "special": True, "normalized": False}}
    config["additional_special_tokens"] = ["[unused0]"]
    return Sample("bert tokenizer_config.json", config, json_paths(config))


@FUZZ
@given(data=st.data())
def test_tokenizer_config_mutations(vocab_lines, bert_config, tmp_path_factory, data):
    config = bert_config.data
    for path, op, value in data.draw(mutations(bert_config.paths)):
        config = mutate(config, path, op, value)
    folder = tmp_path_factory.mktemp("config")
    (folder / "vocab.txt").write_text("\n".join(vocab_lines.data) + "\n", encoding="utf-8")
    (folder / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    check_outcome(lambda: vocab_files.load_vocab_txt(folder / "vocab.txt"), str(folder))


def test_mutation_helpers():
    doc = {"a": [1, {"b": "xyz"}], "c": None}
    assert mutate(doc, ("a", 1, "b"), "truncate", None) == {"a": [1, {"b": "x"}], "c": None}
    assert mutate(doc, ("a", 0), "delete", None) == {"a": [{"b": "xyz"}], "c": None}
    assert mutate(doc, ("zz", 0), "replace", 1) == doc
    assert ("a", 1, "b") in json_paths(doc)
    assert splice("abcdef", [(2, 2, "X")]) == "abXef"
    assert base64.b64decode(mutate_rank_lines([b"IQ== 0", b"Ig== 1"], "no rank", 0, 1)[0]) == b"!"
