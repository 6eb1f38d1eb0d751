"""GGUF files (llama.cpp) as a `Tokenizer`: a hand-written metadata reader and the vocabulary mapping.

The reader. A GGUF file starts with ``b"GGUF"``, a little-endian uint32 version (2 or 3 here),
the number of tensors and of metadata key/value pairs (uint64 each), then the pairs: a string key,
a uint32 value type and the value. Tensor infos and data follow; a tokenizer needs none of them,
so the reader stops after the metadata (a multi-gigabyte model file is memory-mapped, not read).
Every length and count is checked against the bytes left before anything is allocated.

The vocabulary. ``tokenizer.ggml.*`` holds the tokens (ids are positions), their types (normal,
unknown, control, user-defined, unused, byte), scores, merges, the model and pre-tokenizer names
and the special ids. They configure the usual stages the way the model's Hugging Face
tokenizer.json does (the ids llama.cpp's conformance files hold come from there):

- ``gpt2``: byte-level BPE; ``tokenizer.ggml.pre`` picks the splits (`PRE_TOKENIZERS`);
- ``llama``: sentencepiece BPE as transformers converts it: "▁" for spaces in the normalizer,
  BPE with byte fallback over merges rebuilt from the scores (`merges_from_scores`);
- ``gemma4``: BPE over "▁"-escaped text with the file's merges;
- ``bert``: WordPiece, the vocabulary restored from llama.cpp's "▁" form (`bert_tokens`);
- ``t5``: sentencepiece Unigram, exactly as sentencepiece encodes (no Hugging Face ids exist to
  follow; `subtok.formats.sentencepiece.from_pieces` builds it).

Control and unknown tokens become special added tokens, user-defined tokens added tokens, and
``add_bos_token`` / ``add_eos_token`` a post-processor. A file that embeds its tokenizer.json
(``tokenizer.huggingface.json``) is loaded from that.

>>> import struct
>>> def s(x): return struct.pack("<Q", len(x)) + x
>>> data = b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + s(b"general.name") + struct.pack("<I", 8) + s(b"tiny")
>>> read_metadata(data).fields
{'general.name': 'tiny'}
>>> read_metadata(data[:-2])
Traceback (most recent call last):
...
subtok.errors.TokenizerFormatError: general.name (byte 56): needs 4 bytes, only 2 are left (is the file truncated?)
"""

from __future__ import annotations

import logging
import mmap
import os
import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Union

import regex

from .. import decoders, normalizers, pre_tokenizers, processors
from ..added_tokens import AddedToken
from ..errors import TokenizerFormatError
from ..models import BPE, WordPiece
from ..patterns import Regex
from ..tokenizer import Tokenizer
from .tiktoken import CL100K_PATTERN, O200K_PATTERN

__all__ = ["ValueType", "GGUFMetadata", "GGUFVocab", "PRE_TOKENIZERS", "read_metadata", "read_vocab", "is_gguf",
           "load_gguf", "from_metadata", "bert_tokens", "merges_from_scores",
           "NORMAL", "UNKNOWN", "CONTROL", "USER_DEFINED", "UNUSED", "BYTE"]

MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
_MAX_DEPTH = 8  # arrays of arrays nest at most this deep
logger = logging.getLogger(__name__)

Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview]


class ValueType(IntEnum):
    """GGUF metadata value types (the uint32 written before each value)."""

    UINT8 = 0
    INT8 = 1
    UINT16 = 2
    INT16 = 3
    UINT32 = 4
    INT32 = 5
    FLOAT32 = 6
    BOOL = 7
    STRING = 8
    ARRAY = 9
    UINT64 = 10
    INT64 = 11
    FLOAT64 = 12


# struct code and size of each fixed-size type (BOOL is one byte that must be 0 or 1)
_FIXED = {ValueType.UINT8: "B", ValueType.INT8: "b", ValueType.UINT16: "H", ValueType.INT16: "h",
          ValueType.UINT32: "I", ValueType.INT32: "i", ValueType.FLOAT32: "f", ValueType.BOOL: "B",
          ValueType.UINT64: "Q", ValueType.INT64: "q", ValueType.FLOAT64: "d"}
_SIZE = {t: struct.calcsize("<" + c) for t, c in _FIXED.items()}
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")


@dataclass(frozen=True)
class GGUFMetadata:
    """The header and metadata of a GGUF file.

    `fields` maps each key to its value (int, float, bool, str, or a list of these / of lists);
    `types` maps each key to its type path, e.g. ``(ValueType.ARRAY, ValueType.STRING)``.
    `end` is the byte offset where the tensor infos start.
    """

    version: int
    tensor_count: int
    fields: dict[str, Any]
    types: dict[str, tuple[ValueType, ...]]
    end: int


class _Cursor:
    """Reads little-endian values from a buffer, failing with the byte offset and what was read."""

    __slots__ = ("data", "pos", "size", "file")

    def __init__(self, data: Any, file: str | None) -> None:
        self.data = data
        self.pos = 0
        self.size = len(data)
        self.file = file

    def fail(self, what: str, message: str, at: int | None = None) -> TokenizerFormatError:
        return TokenizerFormatError(message, path=f"{what} (byte {self.pos if at is None else at})", file=self.file)

    def need(self, n: int, what: str) -> None:
        left = self.size - self.pos
        if n > left:
            raise self.fail(what, f"needs {n} bytes, only {left} are left (is the file truncated?)")

    def u32(self, what: str) -> int:
        self.need(4, what)
        (v,) = _U32.unpack_from(self.data, self.pos)
        self.pos += 4
        return v

    def u64(self, what: str) -> int:
        self.need(8, what)
        (v,) = _U64.unpack_from(self.data, self.pos)
        self.pos += 8
        return v

    def string(self, what: str) -> str:
        start = self.pos
        n = self.u64(what)
        self.need(n, what)
        raw = self.data[self.pos:self.pos + n]
        self.pos += n
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise self.fail(what, f"the string is not valid UTF-8 ({e.reason} at its byte {e.start})", start) from None

    def value_type(self, what: str) -> ValueType:
        at = self.pos
        t = self.u32(what)
        try:
            return ValueType(t)
        except ValueError:
            raise self.fail(what, f"unknown value type {t} (expected 0-12)", at) from None

    def fixed(self, t: ValueType, what: str) -> Any:
        size = _SIZE[t]
        self.need(size, what)
        (v,) = struct.unpack_from("<" + _FIXED[t], self.data, self.pos)
        if t == ValueType.BOOL:
            if v > 1:
                raise self.fail(what, f"a bool must be 0 or 1, got {v}")
            v = bool(v)
        self.pos += size
        return v

    def value(self, t: ValueType, what: str, depth: int = 0) -> tuple[Any, tuple[ValueType, ...]]:
        if t == ValueType.STRING:
            return self.string(what), (t,)
        if t == ValueType.ARRAY:
            return self.array(what, depth)
        return self.fixed(t, what), (t,)

    def array(self, what: str, depth: int) -> tuple[list[Any], tuple[ValueType, ...]]:
        if depth >= _MAX_DEPTH:
            raise self.fail(what, f"arrays nest more than {_MAX_DEPTH} deep")
        t = self.value_type(what + " element type")
        n = self.u64(what + " length")
        smallest = _SIZE.get(t, 8 if t == ValueType.STRING else 12)  # a string or array needs its header
        if n * smallest > self.size - self.pos:
            raise self.fail(what, f"an array of {n} {t.name} values needs at least {n * smallest} bytes, "
                                  f"only {self.size - self.pos} are left", self.pos - 8)
        if t in _FIXED:
            return self.fixed_array(t, n, what), (ValueType.ARRAY, t)
        if t == ValueType.STRING:
            return self.strings(n, what), (ValueType.ARRAY, t)
        items = []
        inner: tuple[ValueType, ...] = (ValueType.ARRAY, ValueType.ARRAY)
        for i in range(n):
            item, item_type = self.array(f"{what}[{i}]", depth + 1)
            items.append(item)
            inner = (ValueType.ARRAY,) + item_type
        return items, inner

    def strings(self, n: int, what: str) -> list[str]:
        """`n` strings in a row (the hot loop of a vocabulary: a length check per string, then one
        decoding pass)."""
        data, pos, size, unpack = self.data, self.pos, self.size, _U64.unpack_from
        raw: list[bytes] = []
        starts: list[int] = []
        for i in range(n):
            if pos + 8 > size:
                self.pos = pos
                self.need(8, f"{what}[{i}]")
            (length,) = unpack(data, pos)
            end = pos + 8 + length
            if end > size:
                self.pos = pos + 8
                self.need(length, f"{what}[{i}]")
            starts.append(pos)
            raw.append(data[pos + 8:end])
            pos = end
        self.pos = pos
        try:
            return [b.decode("utf-8") for b in raw]
        except UnicodeDecodeError:
            i = next(i for i, b in enumerate(raw) if not _is_utf8(b))
            self.pos = starts[i]
            return [self.string(f"{what}[{i}]")]  # raises, naming the string and its offset

    def fixed_array(self, t: ValueType, n: int, what: str) -> list[Any]:
        size = n * _SIZE[t]
        values = list(struct.unpack_from(f"<{n}{_FIXED[t]}", self.data, self.pos))
        if t == ValueType.BOOL:
            chunk = bytes(self.data[self.pos:self.pos + size])
            if chunk.translate(None, b"\x00\x01"):
                bad = next(i for i, b in enumerate(chunk) if b > 1)
                raise self.fail(f"{what}[{bad}]", f"a bool must be 0 or 1, got {chunk[bad]}", self.pos + bad)
            values = [bool(v) for v in values]
        self.pos += size
        return values


def _is_utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _parse(data: Any, file: str | None) -> GGUFMetadata:
    c = _Cursor(data, file)
    c.need(4, "magic")
    if bytes(data[:4]) != MAGIC:
        raise c.fail("magic", f"not a GGUF file: it starts with {bytes(data[:4])!r}, not {MAGIC!r}")
    c.pos = 4
    version = c.u32("version")
    if version not in SUPPORTED_VERSIONS:
        swapped = int.from_bytes(version.to_bytes(4, "little"), "big")
        hint = " (a big-endian file? only little-endian GGUF is read)" if swapped in SUPPORTED_VERSIONS else ""
        raise c.fail("version", f"GGUF version {version} is not supported (only 2 and 3){hint}", 4)
    tensor_count = c.u64("tensor count")
    kv_count = c.u64("metadata count")
    left = c.size - c.pos
    if kv_count * 13 > left:  # a key/value pair takes at least 8 + 4 + 1 bytes
        raise c.fail("metadata count", f"{kv_count} key/value pairs cannot fit in the {left} bytes left", c.pos - 8)
    fields: dict[str, Any] = {}
    types: dict[str, tuple[ValueType, ...]] = {}
    for i in range(kv_count):
        at = c.pos
        key = c.string(f"metadata[{i}] key")
        if key in fields:
            raise c.fail(f"metadata[{i}] key", f"the key {key!r} is given twice", at)
        t = c.value_type(key + " type")
        fields[key], types[key] = c.value(t, key)
    return GGUFMetadata(version, tensor_count, fields, types, c.pos)


def read_metadata(source: Source) -> GGUFMetadata:
    """The header and metadata of a GGUF file (a path, or the file's bytes).

    Raises TokenizerFormatError naming the file, the key (or header field) and the byte offset for
    a bad magic or version, an unknown value type, a truncated value, invalid UTF-8, an array
    longer than the bytes left, or a key given twice.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _parse(bytes(source), None)
    p = os.fspath(source)
    with open(p, "rb") as f:
        try:
            data: Any = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (ValueError, OSError):  # an empty file, or a file system without mmap
            data = f.read()
    try:
        return _parse(data, p)
    finally:
        if isinstance(data, mmap.mmap):
            data.close()


def is_gguf(path: str | os.PathLike[str]) -> bool:
    """Whether the file starts with the GGUF magic bytes.

    >>> is_gguf(__file__)
    False
    """
    try:
        with open(path, "rb") as f:
            return f.read(4) == MAGIC
    except (IsADirectoryError, FileNotFoundError, PermissionError):
        return False


# -- the vocabulary in the metadata ---------------------------------------------------------------

# tokenizer.ggml.token_type values (sentencepiece's piece types use the same numbers)
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6

_KEY = "tokenizer.ggml."
_INTS = frozenset({ValueType.UINT8, ValueType.INT8, ValueType.UINT16, ValueType.INT16, ValueType.UINT32,
                   ValueType.INT32, ValueType.UINT64, ValueType.INT64})
_NUMBERS = _INTS | {ValueType.FLOAT32, ValueType.FLOAT64}
# the special token ids a vocabulary may name, and llama.cpp's key for each
_SPECIAL_KEYS = {"bos": "bos_token_id", "eos": "eos_token_id", "unk": "unknown_token_id",
                 "sep": "seperator_token_id", "pad": "padding_token_id", "mask": "mask_token_id",
                 "cls": "cls_token_id"}


@dataclass(frozen=True)
class GGUFVocab:
    """The tokenizer fields of a GGUF file, checked: what `load_gguf` builds a Tokenizer from.

    `types` has one token type per token (NORMAL where the file gives none); `special` the
    special token ids the file names (``{"bos": 1, "eos": 2, ...}``, ids outside the vocabulary
    left out as llama.cpp does); the flags are None where the file does not say.
    """

    model: str
    pre: str | None
    tokens: list[str]
    scores: list[float] | None
    types: list[int]
    merges: list[tuple[str, str]] | None
    special: dict[str, int]
    add_bos: bool | None
    add_eos: bool | None
    add_sep: bool | None
    add_space_prefix: bool | None
    remove_extra_whitespaces: bool | None
    precompiled_charsmap: bytes | None
    lowercase: bool | None
    name: str
    architecture: str
    hf_json: str | None
    file: str | None


class _Fields:
    """Typed access to metadata fields: a wrong type names the key, what was expected and what it is."""

    def __init__(self, meta: GGUFMetadata, file: str | None) -> None:
        self.meta = meta
        self.file = file

    def fail(self, key: str, message: str) -> TokenizerFormatError:
        return TokenizerFormatError(message, path=key, file=self.file)

    def _typed(self, key: str, kinds: frozenset[ValueType], array: bool, what: str) -> Any:
        t = self.meta.types.get(key)
        if t is None:
            return None
        ok = (len(t) == 2 and t[0] == ValueType.ARRAY and t[1] in kinds) if array else (len(t) == 1 and t[0] in kinds)
        if array and t == (ValueType.ARRAY, ValueType.ARRAY) and not self.meta.fields[key]:
            ok = True  # an empty array of unknown element type
        if not ok:
            got = " of ".join(x.name for x in t)
            raise self.fail(key, f"expected {what}, got {got}")
        return self.meta.fields[key]

    def string(self, key: str) -> str | None:
        return self._typed(key, frozenset({ValueType.STRING}), False, "a STRING")

    def flag(self, key: str) -> bool | None:
        return self._typed(key, frozenset({ValueType.BOOL}), False, "a BOOL")

    def integer(self, key: str) -> int | None:
        return self._typed(key, _INTS, False, "an integer")

    def strings(self, key: str) -> list[str] | None:
        return self._typed(key, frozenset({ValueType.STRING}), True, "an ARRAY of STRING")

    def numbers(self, key: str) -> list[float] | None:
        return self._typed(key, _NUMBERS, True, "an ARRAY of numbers")

    def integers(self, key: str) -> list[int] | None:
        return self._typed(key, _INTS, True, "an ARRAY of integers")

    def byte_array(self, key: str) -> bytes | None:
        values = self._typed(key, frozenset({ValueType.UINT8, ValueType.INT8}), True, "an ARRAY of UINT8")
        return None if values is None else bytes([v & 0xFF for v in values])

    def required(self, value: Any, key: str, what: str) -> Any:
        if value is None:
            raise self.fail(key, f"missing: a GGUF vocabulary needs {what}")
        return value


def read_vocab(meta: GGUFMetadata, file: str | None = None) -> GGUFVocab:
    """The tokenizer fields of `meta`, checked (types, lengths, token types, merges, ids)."""
    f = _Fields(meta, file)
    model = f.required(f.string(_KEY + "model"), _KEY + "model", "a tokenizer model name (gpt2, llama, bert, t5, ...)")
    tokens = f.required(f.strings(_KEY + "tokens"), _KEY + "tokens", "its tokens")
    n = len(tokens)
    if n == 0:
        raise f.fail(_KEY + "tokens", "the vocabulary has no tokens")
    if "" in tokens:  # as llama.cpp names an empty token
        tokens = [t or f"[EMPTY_{i}]" for i, t in enumerate(tokens)]
    scores = _per_token(f, f.numbers(_KEY + "scores"), _KEY + "scores", n)
    types = _per_token(f, f.integers(_KEY + "token_type"), _KEY + "token_type", n)
    if types is None:
        types = [NORMAL] * n
    if types and not 0 <= min(types) <= max(types) <= BYTE:
        bad = next(i for i, t in enumerate(types) if not 0 <= t <= BYTE)
        raise f.fail(f"{_KEY}token_type[{bad}]", f"unknown token type {types[bad]} (expected 0-6)")
    merge_lines = f.strings(_KEY + "merges")
    special = {}
    for name, key in _SPECIAL_KEYS.items():
        id = f.integer(_KEY + key)
        if id is not None and 0 <= id < n:
            special[name] = id
        elif id is not None:  # as llama.cpp: a bad special id is ignored, the file still loads
            logger.warning("%s: %s%s = %d is outside the %d tokens; ignored", file or "GGUF", _KEY, key, id, n)
    return GGUFVocab(
        model=model, pre=f.string(_KEY + "pre"), tokens=tokens,
        scores=None if scores is None else list(map(float, scores)), types=list(types),
        merges=None if merge_lines is None else _parse_merges(merge_lines, f),
        special=special, add_bos=f.flag(_KEY + "add_bos_token"), add_eos=f.flag(_KEY + "add_eos_token"),
        add_sep=f.flag(_KEY + "add_sep_token"), add_space_prefix=f.flag(_KEY + "add_space_prefix"),
        remove_extra_whitespaces=f.flag(_KEY + "remove_extra_whitespaces"),
        precompiled_charsmap=f.byte_array(_KEY + "precompiled_charsmap"),
        lowercase=f.flag(_KEY + "normalizer.lowercase"),
        name=f.string("general.name") or "", architecture=f.string("general.architecture") or "",
        hf_json=f.string("tokenizer.huggingface.json"), file=file)


def _per_token(f: _Fields, values: list[Any] | None, key: str, n: int) -> list[Any] | None:
    if values is not None and len(values) < n:
        raise f.fail(key, f"has {len(values)} entries for {n} tokens; it needs one per token")
    return None if values is None else values[:n]


def _parse_merges(lines: list[str], f: _Fields) -> list[tuple[str, str]]:
    """``"a b"`` lines as pairs, cut at the first space after the first character (as llama.cpp)."""
    cuts = [line.find(" ", 1) for line in lines]
    if -1 in cuts:
        i = cuts.index(-1)
        raise f.fail(f"{_KEY}merges[{i}]", f"expected two tokens separated by a space, got {lines[i][:60]!r}")
    return [(line[:cut], line[cut + 1:]) for line, cut in zip(lines, cuts)]


# -- pre-tokenizers by tokenizer.ggml.pre ---------------------------------------------------------
# llama.cpp names the pre-tokenizer; the stages below are those of the model's Hugging Face
# tokenizer.json (what the conformance ids were made with). llama.cpp's own regexes are
# approximations of these (e.g. (?i:'s) spelled '[sS]).

QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                 r"|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN35_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*"
                  r"|\s*[\r\n]+|\s+(?!\S)|\s+")
TEKKEN_PATTERN = (r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"
                  r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*"
                  r"|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+")
# (written with escapes: several of these characters have other NFC forms, and an editor that
# normalizes would silently change the ranges)
DEEPSEEK_LLM_SPLITS = (
    "[\r\n]",
    "\\s?[A-Za-z\u00b5\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u01ba\u01bc-\u01bf\u01c4-\u0293\u0295-\u02af\u0370-\u0373"
    "\u0376\u0377\u037b-\u037d\u037f\u0386\u0388-\u038a\u038c\u038e-\u03a1\u03a3-\u03f5\u03f7-\u0481"
    "\u048a-\u052f\u0531-\u0556\u10a0-\u10c5\u13a0-\u13f5\u13f8-\u13fd\u1c90-\u1cba\u1cbd-\u1cbf\u1d00-\u1d2b"
    "\u1d6b-\u1d77\u1d79-\u1d9a\u1e00-\u1f15\u1f18-\u1f1d\u1f20-\u1f45\u1f48-\u1f4d\u1f50-\u1f57\u1f59\u1f5b"
    "\u1f5d\u1f5f-\u1f7d\u1f80-\u1fb4\u1fb6-\u1fbc\u1fbe\u1fc2-\u1fc4\u1fc6-\u1fcc\u1fd0-\u1fd3\u1fd6-\u1fdb"
    "\u1fe0-\u1fec\u1ff2-\u1ff4\u1ff6-\u1ffc\u2102\u2107\u210a-\u2113\u2115\u2119-\u211d\u2124\u2126\u2128"
    "\u212a-\u212d\u212f-\u2134\u2139\u213c-\u213f\u2145-\u2149\u214e\u2183\u2184\u2c00-\u2c7b\u2c7e-\u2ce4"
    "\u2ceb-\u2cee\u2cf2\u2cf3\ua640-\ua66d\ua680-\ua69b\ua722-\ua76f\ua771-\ua787\ua78b-\ua78e\uab70-\uabbf"
    "\ufb00-\ufb06\ufb13-\ufb17\uff21-\uff3a\uff41-\uff5a\U00010400-\U0001044f\U000104b0-\U000104d3"
    "\U000104d8-\U000104fb\U00010c80-\U00010cb2\U00010cc0-\U00010cf2\U000118a0-\U000118df\U0001e900-\U0001e943]+",
    "\\s?[!-/:-~\uff01-\uff0f\uff1a-\uff5e\u2018-\u201f\u3000-\u3002]+",
    "\\s+$",
    "[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+",
)
DEEPSEEK_CODER_SPLITS = ("[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+")
DEEPSEEK_V3_SPLITS = (
    "\\p{N}{1,3}",
    "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+",
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+"
    "| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
)


@dataclass(frozen=True)
class _PreSpec:
    """How one family of `tokenizer.ggml.pre` names tokenizes before BPE."""

    # "split:<regex>" (matches isolated), "digits" (each digit alone), "digit_runs", "punct"
    # (punctuation runs), "byte_level" (where ByteLevel goes when it is not last)
    stages: tuple[str, ...]
    byte_level_regex: bool = False  # ByteLevel splits with GPT-2's regex too
    nfc: bool = False  # an NFC normalizer first
    ignore_merges: bool = False  # a piece that is a token is taken whole
    trim_offsets: bool = True  # ByteLevel's flag (offsets only)
    add_bos: bool = False  # llama.cpp's default for add_bos_token


def _split(*patterns: str) -> tuple[str, ...]:
    return tuple("split:" + p for p in patterns)


_GPT2 = _PreSpec((), byte_level_regex=True)
_NEOX = _PreSpec((), byte_level_regex=True, nfc=True)
_STARCODER = _PreSpec(("digits",), byte_level_regex=True)
_LLAMA3 = _PreSpec(_split(CL100K_PATTERN), ignore_merges=True, add_bos=True)
_QWEN2 = _PreSpec(_split(QWEN2_PATTERN), nfc=True, trim_offsets=False)

#: tokenizer.ggml.pre -> stages. Checked against llama.cpp's conformance ids: gpt-2, mpt (and files
#: with no pre, GPT-NeoX's), starcoder, refact, command-r, llama-bpe, qwen2, qwen35, deepseek-llm,
#: deepseek-coder, falcon. The others share a checked configuration or the Hugging Face pattern that
#: llama-vocab.cpp quotes for them. Names not listed raise an error naming the ones that are.
PRE_TOKENIZERS: dict[str, _PreSpec] = {
    **dict.fromkeys(("gpt-2", "phi-2"), _GPT2),
    **dict.fromkeys(("mpt", "olmo"), _NEOX),
    **dict.fromkeys(("starcoder", "refact", "smollm"), _STARCODER),
    "command-r": _PreSpec(("digits",), byte_level_regex=True, nfc=True),
    **dict.fromkeys(("llama3", "llama-v3", "llama-bpe", "smaug-bpe"), _LLAMA3),
    **dict.fromkeys(("qwen2", "deepseek-r1-qwen"), _QWEN2),
    "qwen35": _PreSpec(_split(QWEN35_PATTERN), trim_offsets=False),
    "deepseek-llm": _PreSpec(_split(*DEEPSEEK_LLM_SPLITS) + ("digits",)),
    "deepseek-coder": _PreSpec(_split(*DEEPSEEK_CODER_SPLITS) + ("digits",)),
    "deepseek-v3": _PreSpec(_split(*DEEPSEEK_V3_SPLITS)),
    "falcon": _PreSpec(("punct", "byte_level", "digit_runs", "split:[0-9][0-9][0-9]"), byte_level_regex=True),
    **dict.fromkeys(("gpt-4o", "llama4"), _PreSpec(_split(O200K_PATTERN), trim_offsets=False)),
    "tekken": _PreSpec(_split(TEKKEN_PATTERN), ignore_merges=True, trim_offsets=False, add_bos=True),
    **dict.fromkeys(("chatglm-bpe", "glm4"), _PreSpec(_split(CL100K_PATTERN), trim_offsets=False)),
}
# GGUF files written before the pre-tokenizer was recorded (GPT-NeoX, Aquila, ...) come from
# tokenizers that used GPT-2's byte-level regex; llama.cpp falls back to a regex of its own.
_NO_PRE = _GPT2
_ESCAPED_PRE = ("gemma4",)  # byte-level models in name only: "▁"-escaped BPE like Gemma 4's


def _pre_tokenizer(spec: _PreSpec) -> pre_tokenizers.PreTokenizer:
    stages: list[pre_tokenizers.PreTokenizer] = []
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=spec.trim_offsets,
                                          use_regex=spec.byte_level_regex)
    for stage in spec.stages:
        if stage.startswith("split:"):
            stages.append(pre_tokenizers.Split(Regex(stage[6:]), "isolated"))
        elif stage == "digits":
            stages.append(pre_tokenizers.Digits(individual_digits=True))
        elif stage == "digit_runs":
            stages.append(pre_tokenizers.Digits(individual_digits=False))
        elif stage == "punct":
            stages.append(pre_tokenizers.Punctuation("contiguous"))
        elif stage == "byte_level":
            stages.append(byte_level)
    if "byte_level" not in spec.stages:
        stages.append(byte_level)
    return stages[0] if len(stages) == 1 else pre_tokenizers.Sequence(stages)


# -- pieces shared by every model -----------------------------------------------------------------

_FILLER = regex.compile(r"\[PAD\d+\]")  # what converters name an id the source vocabulary lacks


def _fail(v: GGUFVocab, key: str, message: str) -> TokenizerFormatError:
    return TokenizerFormatError(message, path=key, file=v.file)


def _token_ids(v: GGUFVocab, tokens: list[str] | None = None) -> dict[str, int]:
    """``{token: id}``; a token listed twice is an error (llama.cpp refuses such files too)."""
    ids: dict[str, int] = {}
    for i, t in enumerate(v.tokens if tokens is None else tokens):
        j = ids.setdefault(t, i)
        if j != i:
            raise _fail(v, f"{_KEY}tokens[{i}]", f"the token {t!r} is already token {j}; each token must be unique")
    return ids


def _is_filler(v: GGUFVocab, i: int) -> bool:
    return v.types[i] in (USER_DEFINED, UNUSED, UNKNOWN) and _FILLER.fullmatch(v.tokens[i]) is not None


def _strip_flags(v: GGUFVocab) -> tuple[set[str], set[str]]:
    """Tokens matched with the spaces before (lstrip) / after (rstrip) them, as llama.cpp sets them
    for the models whose Hugging Face added tokens carry these flags (GGUF does not record them)."""
    name, pre, arch = v.name.lower(), v.pre or "", v.architecture
    if any(k in pre for k in ("jina-v2-de", "jina-v2-es", "jina-v2-code")) or \
            any(k in arch for k in ("nomic-bert-moe", "jina-bert-v3")):
        return {"<mask>"}, set()
    if "phi-3" in name or "phi3" in name:
        rstrip = {t for t, ty in zip(v.tokens, v.types) if ty in (CONTROL, USER_DEFINED, UNKNOWN)}
        return set(), (rstrip | {"</s>"}) - {"<unk>", "<s>", "<|endoftext|>"}
    if "modern-bert" in name:
        return {"[MASK]"}, set()
    return set(), set()


def _add_tokens(tok: Tokenizer, v: GGUFVocab, tokens: list[str]) -> None:
    """Control and unknown tokens become added special tokens, user-defined ones added tokens,
    each matched in the raw text (GGUF keeps them pre-normalized) and keeping its id."""
    lstrip, rstrip = _strip_flags(v)
    special, user = [], []
    for i, (text, ty) in enumerate(zip(tokens, v.types)):
        if ty not in (CONTROL, UNKNOWN, USER_DEFINED) or _is_filler(v, i):
            continue
        t = AddedToken(text, lstrip=text in lstrip, rstrip=text in rstrip, normalized=False, special=ty != USER_DEFINED)
        (user if ty == USER_DEFINED else special).append(t)
    if special:
        tok.add_special_tokens(special)
    if user:
        tok.add_tokens(user)


def _post_processor(tokens: list[str], first: int | None, last: int | None, *,
                    first_on_pair: bool = True) -> processors.PostProcessor | None:
    """llama.cpp's add_bos_token / add_eos_token (`first`, `last`: token ids) as a template."""
    return processors.around(None if first is None else (tokens[first], first),
                             None if last is None else (tokens[last], last), first_on_pair=first_on_pair)


def _ends(v: GGUFVocab, bos: bool, eos: bool) -> tuple[int | None, int | None]:
    return (v.special.get("bos") if bos else None), (v.special.get("eos") if eos else None)


# -- byte-level BPE (tokenizer.ggml.model = "gpt2") -------------------------------------------------

def _byte_level_bpe(v: GGUFVocab) -> Tokenizer:
    if v.pre in _ESCAPED_PRE:
        return _escaped_bpe(v)
    if v.pre is None or v.pre == "default":
        spec = _NO_PRE
    elif v.pre in PRE_TOKENIZERS:
        spec = PRE_TOKENIZERS[v.pre]
    else:
        raise _fail(v, _KEY + "pre", f"unknown pre-tokenizer {v.pre!r}; subtok knows {', '.join(sorted(PRE_TOKENIZERS))}")
    merges = v.merges
    if merges is None:
        raise _fail(v, _KEY + "merges", "missing: a gpt2 (byte-level BPE) vocabulary needs its merges")
    ids = _token_ids(v)
    tok = Tokenizer(_bpe(v, ids, merges, ignore_merges=spec.ignore_merges))
    if spec.nfc:
        tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = _pre_tokenizer(spec)
    tok.decoder = decoders.ByteLevel()
    _add_tokens(tok, v, v.tokens)
    add_bos = spec.add_bos if v.add_bos is None else v.add_bos
    tok.post_processor = _post_processor(v.tokens, *_ends(v, add_bos, bool(v.add_eos)))
    return tok


def _bpe(v: GGUFVocab, ids: dict[str, int], merges: list[tuple[str, str]], **options: Any) -> BPE:
    try:
        return BPE(ids, merges, **options)
    except TokenizerFormatError as e:  # a merge naming a token the vocabulary lacks
        raise _fail(v, e.path.replace("model.merges", _KEY + "merges"), e.message) from None


# -- WordPiece (tokenizer.ggml.model = "bert") ----------------------------------------------------

def bert_tokens(tokens: list[str], types: list[int]) -> list[str]:
    """A BERT vocabulary as its vocab.txt has it, from llama.cpp's "phantom space" form: there a
    word-start token carries a leading "▁" and a continuation its bare text (no "##"). Control
    tokens, and tokens in square brackets ("[unused0]": older converters left those alone), are
    kept as they are.

    >>> bert_tokens(["[CLS]", "[unused0]", "\u2581hello", "ing"], [CONTROL, NORMAL, NORMAL, NORMAL])
    ['[CLS]', '[unused0]', 'hello', '##ing']
    """
    out = []
    for t, ty in zip(tokens, types):
        if ty == CONTROL or (t.startswith("[") and t.endswith("]")):
            out.append(t)
        else:
            out.append(t[1:] if t.startswith("\u2581") else "##" + t)
    return out


def _wordpiece(v: GGUFVocab) -> Tokenizer:
    tokens = bert_tokens(v.tokens, v.types)
    unk = v.special.get("unk", 100 if len(tokens) > 100 else None)
    unk_token = tokens[unk] if unk is not None else "[UNK]"
    tok = Tokenizer(WordPiece(_token_ids(v, tokens), unk_token=unk_token))
    lowercase = True if v.lowercase is None else v.lowercase
    tok.normalizer = normalizers.BertNormalizer(lowercase=lowercase)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    _add_tokens(tok, v, tokens)
    cls = v.special.get("cls", v.special.get("bos")) if v.add_bos is not False else None
    sep = v.special.get("sep") if v.add_sep is not False else None
    tok.post_processor = _post_processor(tokens, cls, sep, first_on_pair=False)
    return tok


# -- sentencepiece BPE (tokenizer.ggml.model = "llama") ---------------------------------------------

def merges_from_scores(pieces: list[str], scores: list[float]) -> list[tuple[str, str]]:
    """BPE merges for sentencepiece BPE pieces, as transformers' converter builds them: every
    split of a piece into two pieces, the merges of higher-scored pieces first (ties in vocabulary
    order), the splits of one piece ordered by the ids of their parts.

    >>> merges_from_scores(["a", "b", "ab", "ba", "aba"], [0.0, 0.0, -1.0, -2.0, -0.5])
    [('a', 'ba'), ('ab', 'a'), ('a', 'b'), ('b', 'a')]
    """
    ids = {p: i for i, p in enumerate(pieces)}
    found: list[tuple[float, int, int, int]] = []  # (-score, piece id, left id, right id)
    for piece, score in zip(pieces, scores):
        pid = ids[piece]
        for cut in range(1, len(piece)):
            left, right = ids.get(piece[:cut]), ids.get(piece[cut:])
            if left is not None and right is not None:
                found.append((-score, pid, left, right))
    found.sort()
    return [(pieces[left], pieces[right]) for _, _, left, right in found]


def _spm_pieces(v: GGUFVocab) -> tuple[list[str], list[float]]:
    """The pieces and scores merges are built from (converters' filler tokens left out)."""
    scores = v.scores if v.scores is not None else [0.0] * len(v.tokens)
    keep = [i for i in range(len(v.tokens)) if not _is_filler(v, i) and v.tokens[i]]
    return [v.tokens[i] for i in keep], [scores[i] for i in keep]


def _spm_normalizer(v: GGUFVocab, add_prefix: bool) -> normalizers.Normalizer:
    """Spaces to "▁", with the leading "▁" sentencepiece's add_dummy_prefix adds, as in the
    tokenizer.json transformers writes for Llama (Prepend + Replace)."""
    stages: list[normalizers.Normalizer] = []
    if v.remove_extra_whitespaces:
        stages += [normalizers.Strip(), normalizers.Replace(Regex(" {2,}"), " ")]
    if add_prefix:
        stages.append(normalizers.Prepend("\u2581"))
    stages.append(normalizers.Replace(" ", "\u2581"))
    return stages[0] if len(stages) == 1 else normalizers.Sequence(stages)


def _spm_decoder(add_prefix: bool) -> decoders.Decoder:
    stages: list[decoders.Decoder] = [decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse()]
    if add_prefix:
        stages.append(decoders.Strip(" ", 1, 0))
    return decoders.Sequence(stages)


def _spm_bpe(v: GGUFVocab) -> Tokenizer:
    """Sentencepiece BPE as transformers converts it (Llama, Phi-3, Baichuan, ...): BPE with byte
    fallback over merges rebuilt from the scores; spaces become "▁" in the normalizer."""
    ids = _token_ids(v)
    unk = v.special.get("unk", 0 if v.tokens else None)
    unk_token = v.tokens[unk] if unk is not None else None
    pieces, scores = _spm_pieces(v)
    byte_fallback = BYTE in v.types
    tok = Tokenizer(_bpe(v, ids, merges_from_scores(pieces, scores), unk_token=unk_token, fuse_unk=True,
                         byte_fallback=byte_fallback))
    add_prefix = True if v.add_space_prefix is None else v.add_space_prefix
    tok.normalizer = _spm_normalizer(v, add_prefix)
    tok.decoder = _spm_decoder(add_prefix)
    _add_tokens(tok, v, v.tokens)
    tok.post_processor = _post_processor(v.tokens, *_ends(v, v.add_bos is not False, bool(v.add_eos)))
    return tok


# -- Gemma 4 (tokenizer.ggml.model = "gemma4"): BPE with merges over "▁"-escaped text -------------

def _escaped_bpe(v: GGUFVocab) -> Tokenizer:
    """BPE with the file's merges over text whose spaces are "▁" (no prefix unless
    add_space_prefix), byte fallback, no pre-tokenizer: Gemma 4's tokenizer.json."""
    if v.merges is None:
        raise _fail(v, _KEY + "merges", f"missing: a {v.model} vocabulary needs its merges")
    ids = _token_ids(v)
    unk = v.special.get("unk")
    tok = Tokenizer(_bpe(v, ids, v.merges, unk_token=v.tokens[unk] if unk is not None else None,
                         fuse_unk=True, byte_fallback=BYTE in v.types))
    add_prefix = bool(v.add_space_prefix)
    tok.normalizer = _spm_normalizer(v, add_prefix)
    tok.decoder = _spm_decoder(add_prefix)
    _add_tokens(tok, v, v.tokens)
    tok.post_processor = _post_processor(v.tokens, *_ends(v, v.add_bos is not False, bool(v.add_eos)))
    return tok


# -- sentencepiece Unigram (tokenizer.ggml.model = "t5": T5, XLM-RoBERTa, ...) ---------------------

def _unigram(v: GGUFVocab) -> Tokenizer:
    """sentencepiece's Unigram, as `subtok.formats.sentencepiece.from_pieces` builds it from the
    pieces, scores, types, charsmap and whitespace flags (no Hugging Face ids to follow here; this
    is what llama.cpp's UGM tokenizer implements too), and llama.cpp's BOS/EOS."""
    from . import sentencepiece

    if v.scores is None:
        raise _fail(v, _KEY + "scores", "missing: a t5 (Unigram) vocabulary needs a score per token")
    # converter fillers are unused pieces, whatever type a converter gave them (phi-3's are "unknown")
    types = [UNUSED if _is_filler(v, i) else t for i, t in enumerate(v.types)]
    unk = v.special.get("unk")
    if unk is None or types[unk] != UNKNOWN:
        unk = next((i for i, t in enumerate(types) if t == UNKNOWN), 0 if unk is None else unk)
    try:
        tok = sentencepiece.from_pieces(
            list(zip(v.tokens, v.scores, types)), model_type="unigram", byte_fallback=BYTE in types,
            add_dummy_prefix=v.add_space_prefix is not False, remove_extra_whitespaces=v.remove_extra_whitespaces is not False,
            precompiled_charsmap=v.precompiled_charsmap, unk_id=unk, file=v.file)
    except TokenizerFormatError as e:  # name the GGUF field, not the .model one
        where = e.path.replace("normalizer_spec.", _KEY)
        raise _fail(v, _KEY + "tokens" + where[6:] if where.startswith("pieces") else where, e.message) from None
    tok.post_processor = _post_processor(v.tokens, *_ends(v, bool(v.add_bos), v.add_eos is not False))
    return tok


# -- loading ----------------------------------------------------------------------------------------

_BUILDERS = {"gpt2": _byte_level_bpe, "llama": _spm_bpe, "gemma4": _escaped_bpe, "bert": _wordpiece, "t5": _unigram}


def from_metadata(meta: GGUFMetadata, file: str | None = None) -> Tokenizer:
    """The Tokenizer of a GGUF file's metadata (see `load_gguf`)."""
    v = read_vocab(meta, file)
    if v.hf_json is not None:
        return Tokenizer.from_str(v.hf_json, file=f"{file}: tokenizer.huggingface.json" if file else None)
    build = _BUILDERS.get(v.model)
    if build is None:
        raise _fail(v, _KEY + "model", f"tokenizer model {v.model!r} is not supported; subtok reads "
                                       f"{', '.join(sorted(_BUILDERS))}")
    return build(v)


def load_gguf(path: str | os.PathLike[str]) -> Tokenizer:
    """Load the vocabulary of a GGUF file (vocab-only or a whole model) as a Tokenizer.

    Raises TokenizerFormatError naming the file and the byte offset or key for a damaged file,
    a field of the wrong type, an unknown tokenizer model or pre-tokenizer name, or merges and
    tokens that do not fit together.

    >>> tok = load_gguf("ggml-vocab-llama-bpe.gguf")  # doctest: +SKIP
    >>> tok.encode("Hello world").ids  # add_bos_token: llama.cpp's default for Llama 3  # doctest: +SKIP
    [128000, 9906, 1917]
    """
    p = os.fspath(path)
    return from_metadata(read_metadata(p), p)
