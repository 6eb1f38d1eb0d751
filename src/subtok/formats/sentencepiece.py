"""sentencepiece ``.model`` files as a `Tokenizer` with sentencepiece's ids, pieces and decoded text.

A ``.model`` file is a serialized protobuf ``ModelProto`` (sentencepiece_model.proto, proto2):
field 1 the pieces (``piece``, ``score``, ``type``), 2 the trainer spec, 3 the normalizer spec,
5 the denormalizer spec. `read_model` reads that wire format by hand, checking every length against
the bytes left. `from_pieces` turns pieces and options into the usual stages, following
sentencepiece 0.2's ``SentencePieceProcessor`` (``encode`` without BOS/EOS, ``decode``):

- normalizer: the precompiled charsmap walked as sentencepiece walks it (longest rule first,
  user-defined symbols copied as they are), spaces collapsed and stripped
  (``remove_extra_whitespaces``), escaped as ``▁``, and the dummy ``▁`` prefix (or suffix);
- model: Unigram (float32 path scores; control, unknown, byte and unused pieces never matched;
  user-defined pieces scored ``0.1 * (bytes - 1)``), BPE (every split of every normal or
  user-defined piece is a merge, ranked by the piece's score, equal scores leftmost first;
  user-defined symbols kept whole; unknown runs fused and shown as their text), WORD (a known word
  is a piece, a run of unknown words one unknown piece) or CHAR (BPE without merges);
- control pieces: special tokens that text never produces (``encode_special_tokens`` is set);
- decoder: ``▁`` back to spaces, the dummy prefix dropped as sentencepiece drops it, the unknown
  piece as `` ⁇ ``, byte pieces reassembled (each invalid byte one U+FFFD).

Where Hugging Face tokenizers has no such stage, the stage carries an option of subtok's own
(``longest_match``, ``unmatched_ids``, ``float32``, ``merge_ranks``, ``user_defined_symbols``,
``unk_as_text``, ``dummy_prefix``, ``keep_valid``). A saved tokenizer.json holds them too: subtok
reloads it exactly, Hugging Face tokenizers ignores them and gives its own nearest behaviour. It
does not hold ``encode_special_tokens``: set it again after loading the file, or a typed "<s>" is
the control token.

Not reproduced: sentencepiece merges into UNUSED pieces and splits them again (here they are never
merged), and a ``treat_whitespace_as_suffix`` model with ``remove_extra_whitespaces`` encodes a text
the charsmap deletes entirely (control characters only) as ``['▁']`` (here: nothing).

>>> pieces = [("<unk>", 0.0, 2), ("<s>", 0.0, 3), ("▁", -1.0, 1), ("a", -2.0, 1), ("b", -2.0, 1),
...           ("▁ab", -1.5, 1)]
>>> tok = from_pieces(pieces, model_type="unigram")
>>> enc = tok.encode(" ab  b c<s>")
>>> enc.tokens, enc.ids
(['▁ab', '▁', 'b', '▁', 'c<s>'], [5, 2, 4, 2, 0])
>>> tok.decode(enc.ids)
'ab b  ⁇ '
"""

from __future__ import annotations

import math
import operator
import os
import struct
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

import regex

from .. import decoders, normalizers, pre_tokenizers, processors
from ..added_tokens import AddedToken
from ..errors import TokenizerFormatError
from ..models import BPE, Unigram, WordLevel
from ..models.unigram import to_float32
from ..patterns import Regex
from ..tokenizer import Tokenizer

__all__ = ["NORMAL", "UNKNOWN", "CONTROL", "USER_DEFINED", "UNUSED", "BYTE", "MODEL_TYPES", "SentencePieceModel",
           "read_model", "is_sentencepiece", "load_sentencepiece", "from_model", "from_pieces"]

# piece types (ModelProto.SentencePiece.Type)
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6
PIECE_TYPES = {NORMAL: "NORMAL", UNKNOWN: "UNKNOWN", CONTROL: "CONTROL", USER_DEFINED: "USER_DEFINED",
               UNUSED: "UNUSED", BYTE: "BYTE"}
#: TrainerSpec.ModelType, by number
MODEL_TYPES = {1: "unigram", 2: "bpe", 3: "word", 4: "char"}

# -- the wire format ------------------------------------------------------------------------------
# wire types: 0 varint, 1 fixed 64-bit, 2 length-delimited, 5 fixed 32-bit (3 and 4, groups, are
# not used by sentencepiece_model.proto and are refused)
_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5
_WIRE = {"string": _LEN, "bytes": _LEN, "float": _I32, "int32": _VARINT, "bool": _VARINT, "enum": _VARINT}

# field number -> (name, kind, default); a name ending in [] is repeated. Defaults as proto2
# declares them; other fields are checked for their wire type and skipped.
_TRAINER_SPEC = {
    3: ("model_type", "enum", 1), 4: ("vocab_size", "int32", 8000),
    20: ("max_sentencepiece_length", "int32", 16), 21: ("split_by_unicode_script", "bool", True),
    22: ("split_by_whitespace", "bool", True), 23: ("split_by_number", "bool", True),
    24: ("treat_whitespace_as_suffix", "bool", False), 25: ("split_digits", "bool", False),
    26: ("allow_whitespace_only_pieces", "bool", False), 30: ("control_symbols[]", "string", None),
    31: ("user_defined_symbols[]", "string", None), 35: ("byte_fallback", "bool", False),
    40: ("unk_id", "int32", 0), 41: ("bos_id", "int32", 1), 42: ("eos_id", "int32", 2), 43: ("pad_id", "int32", -1),
    44: ("unk_surface", "string", " \u2047 "), 45: ("unk_piece", "string", "<unk>"),
    46: ("bos_piece", "string", "<s>"), 47: ("eos_piece", "string", "</s>"), 48: ("pad_piece", "string", "<pad>"),
}
_NORMALIZER_SPEC = {
    1: ("name", "string", ""), 2: ("precompiled_charsmap", "bytes", b""), 3: ("add_dummy_prefix", "bool", True),
    4: ("remove_extra_whitespaces", "bool", True), 5: ("escape_whitespaces", "bool", True),
    6: ("normalization_rule_tsv", "string", ""),
}
_PIECE = {1: ("piece", "string", None), 2: ("score", "float", 0.0), 3: ("type", "enum", NORMAL)}
_ENUMS = {"model_type": MODEL_TYPES, "type": PIECE_TYPES}
_TOP = {1: "pieces", 2: "trainer_spec", 3: "normalizer_spec", 5: "denormalizer_spec"}
_FLOAT = struct.Struct("<f")


class _Wire:
    """Protobuf bytes, read field by field; every error names the file, the field and the byte offset."""

    def __init__(self, data: bytes, file: str | None) -> None:
        self.data = data
        self.file = file

    def fail(self, where: str, at: int, message: str) -> TokenizerFormatError:
        return TokenizerFormatError(message, path=f"{where} (byte {at})", file=self.file)

    def varint(self, pos: int, end: int, where: str) -> tuple[int, int]:
        """The varint at `pos` and where it ends."""
        data, result, shift, start = self.data, 0, 0, pos
        while True:
            if pos >= end:
                raise self.fail(where, start, "a varint runs past the end of its message (is the file truncated?)")
            b = data[pos]
            pos += 1
            result |= (b & 0x7F) << shift
            if b < 0x80:
                return result, pos
            shift += 7
            if shift >= 70:
                raise self.fail(where, start, "a varint is longer than 10 bytes")

    def field(self, pos: int, end: int, where: str) -> tuple[int, int, int, int]:
        """The field at `pos`: (field number, wire type, value start, value end), its size checked."""
        key, start = self.varint(pos, end, where)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise self.fail(where, pos, "field number 0 is not valid protobuf (is this a sentencepiece model?)")
        if wire == _VARINT:
            return number, wire, start, self.varint(start, end, where)[1]
        if wire == _LEN:
            n, start = self.varint(start, end, where)
            size = n
        elif wire in (_I64, _I32):
            size = 8 if wire == _I64 else 4
        else:
            raise self.fail(where, pos, f"wire type {wire} (field {number}) is not used by sentencepiece models; "
                                        "is this a sentencepiece .model file?")
        if size > end - start:
            raise self.fail(where, start, f"field {number} needs {size} bytes, only {end - start} are left "
                                          "(is the file truncated?)")
        return number, wire, start, start + size

    def fields(self, pos: int, end: int, where: str) -> Iterator[tuple[int, int, int, int]]:
        while pos < end:
            f = self.field(pos, end, where)
            yield f
            pos = f[3]

    def value(self, kind: str, start: int, stop: int, where: str) -> Any:
        if kind == "float":
            return _FLOAT.unpack_from(self.data, start)[0]
        if kind == "bytes":
            return self.data[start:stop]
        if kind == "string":
            try:
                return self.data[start:stop].decode("utf-8")
            except UnicodeDecodeError as e:
                raise self.fail(where, start + e.start, f"the string is not valid UTF-8 ({e.reason})") from None
        v = self.varint(start, stop, where)[0]
        if kind == "bool":
            return v != 0
        v &= 0xFFFFFFFF  # int32 and enum: the low 32 bits, signed
        return v - (1 << 32) if v >= 1 << 31 else v

    def message(self, pos: int, end: int, table: dict[int, tuple[str, str, Any]], where: str,
                into: dict[str, Any]) -> dict[str, Any]:
        """The fields of `table` read into `into` (a later value wins, repeated fields append)."""
        for number, wire, start, stop in self.fields(pos, end, where):
            if number not in table:
                continue
            name, kind, _ = table[number]
            path = f"{where}.{name.rstrip('[]')}"
            if wire != _WIRE[kind]:
                raise self.fail(path, start, f"field {number} has wire type {wire}, expected {_WIRE[kind]} ({kind})")
            value = self.value(kind, start, stop, path)
            if name in _ENUMS and value not in _ENUMS[name]:
                known = ", ".join(f"{k} {v}" for k, v in _ENUMS[name].items())
                raise self.fail(path, start, f"{value} is not a known {name} (expected one of {known})")
            if name.endswith("[]"):
                into.setdefault(name[:-2], []).append(value)
            else:
                into[name] = value
        return into


def _with_defaults(table: dict[int, tuple[str, str, Any]], values: dict[str, Any]) -> dict[str, Any]:
    out = {name.rstrip("[]"): [] if name.endswith("[]") else default for name, _, default in table.values()}
    out.update(values)
    return out


@dataclass(frozen=True)
class SentencePieceModel:
    """What a ``.model`` file says: its pieces ``(piece, score, type)`` and its specs as dicts (the
    fields subtok reads, with proto2's defaults for those the file leaves out)."""

    pieces: list[tuple[str, float, int]]
    trainer_spec: dict[str, Any]
    normalizer_spec: dict[str, Any]
    denormalizer_spec: dict[str, Any] | None = None
    file: str | None = field(default=None, compare=False)

    @property
    def model_type(self) -> str:
        """"unigram", "bpe", "word" or "char"."""
        return MODEL_TYPES[self.trainer_spec["model_type"]]


def read_model(data: bytes, *, file: str | None = None) -> SentencePieceModel:
    """Parse the bytes of a sentencepiece ``.model`` file.

    Raises TokenizerFormatError naming the field and the byte offset when the data is truncated or
    is not a ``ModelProto``.

    >>> piece = bytes([0x0A, 3]) + b"abc" + bytes([0x15]) + struct.pack("<f", -1.5) + bytes([0x18, 1])
    >>> m = read_model(bytes([0x0A, len(piece)]) + piece + bytes([0x12, 2, 0x18, 2]))
    >>> m.pieces, m.model_type
    ([('abc', -1.5, 1)], 'bpe')
    >>> read_model(bytes([0x0A, 9, 0x0A, 3]))
    Traceback (most recent call last):
    ...
    subtok.errors.TokenizerFormatError: pieces[0] (byte 2): field 1 needs 9 bytes, only 2 are left (is the file truncated?)
    """
    data = bytes(data)
    w = _Wire(data, file)
    pieces: list[tuple[str, float, int]] = []
    specs: dict[int, dict[str, Any]] = {}
    pos = 0
    while pos < len(data):
        if data[pos] == 0x0A:
            pos = _read_pieces(w, pos, pieces)
            continue
        where = _TOP.get(data[pos] >> 3 if data[pos] < 0x80 else 0, "ModelProto")
        number, wire, start, stop = w.field(pos, len(data), where)
        if number in _TOP and wire != _LEN:
            raise w.fail(_TOP[number], pos, f"field {number} has wire type {wire}, expected 2 (a message)")
        if number in (2, 3, 5):
            table = _TRAINER_SPEC if number == 2 else _NORMALIZER_SPEC
            w.message(start, stop, table, _TOP[number], specs.setdefault(number, {}))
        pos = stop
    return SentencePieceModel(pieces, _with_defaults(_TRAINER_SPEC, specs.get(2, {})),
                              _with_defaults(_NORMALIZER_SPEC, specs.get(3, {})),
                              _with_defaults(_NORMALIZER_SPEC, specs[5]) if 5 in specs else None, file)


def _read_pieces(w: _Wire, pos: int, pieces: list[tuple[str, float, int]]) -> int:
    """Read the run of pieces (field 1) at `pos`; returns where it ends.

    Nearly every piece is laid out as ``0A n 0A m <text> 15 <float32> [18 <type>]`` with one-byte
    lengths: those are sliced directly (j2's 262,144 pieces then take under a second); any other
    layout goes through the general reader.
    """
    data, end = w.data, len(w.data)
    unpack, append, types = _FLOAT.unpack_from, pieces.append, PIECE_TYPES
    while pos < end and data[pos] == 0x0A:
        n = data[pos + 1] if pos + 1 < end else 0
        start, stop = pos + 2, pos + 2 + n
        if 8 <= n < 0x80 and stop <= end and data[start] == 0x0A and data[start + 1] < 0x80:
            text_end = start + 2 + data[start + 1]
            has_type = stop == text_end + 7 and data[text_end + 5] == 0x18
            if (stop == text_end + 5 or has_type) and data[text_end] == 0x15:
                kind = data[text_end + 6] if has_type else NORMAL
                try:
                    text = data[start + 2:text_end].decode("utf-8")
                except UnicodeDecodeError:
                    text = ""  # the general reader reports it
                if text and kind in types:
                    append((text, unpack(data, text_end + 1)[0], kind))
                    pos = stop
                    continue
        where = f"pieces[{len(pieces)}]"
        _, _, start, stop = w.field(pos, end, where)
        got = w.message(start, stop, _PIECE, where, {})
        if "piece" not in got:
            raise w.fail(where, pos, "the piece has no text (field 1, piece, is required)")
        append((got["piece"], got.get("score", 0.0), got.get("type", NORMAL)))
        pos = stop
    return pos


# -- detection and loading ------------------------------------------------------------------------

def is_sentencepiece(path: str | os.PathLike[str]) -> bool:
    """Whether the file starts like a sentencepiece model, whatever its name: field 1 (a piece, that
    fits in the file) holding the piece's text, then only a score and a type. Reads 512 bytes.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(suffix=".model", delete=False) as f:
    ...     _ = f.write(b"\\n not a model")
    >>> is_sentencepiece(f.name)
    False
    """
    try:
        with open(path, "rb") as f:
            head = f.read(512)
            size = os.fstat(f.fileno()).st_size
    except OSError:
        return False
    if head[:1] != b"\x0a":
        return False
    w = _Wire(head, None)
    try:
        n, start = w.varint(1, len(head), "pieces[0]")
        if start + n > size:
            return False
        end = min(start + n, len(head))
        number, wire, text_start, text_stop = w.field(start, end, "pieces[0]")
        w.value("string", text_start, text_stop, "pieces[0].piece")
        rest = list(w.fields(text_stop, end, "pieces[0]")) if start + n <= len(head) else []
    except TokenizerFormatError:
        return False
    return (number, wire) == (1, _LEN) and all((f[0], f[1]) in ((2, _I32), (3, _VARINT)) for f in rest)


def load_sentencepiece(path: str | os.PathLike[str], *, add_bos: bool = False, add_eos: bool = False) -> Tokenizer:
    """Load a sentencepiece ``.model`` file (any name) as a Tokenizer.

    Like ``SentencePieceProcessor.encode``, it adds no BOS or EOS unless asked: `add_bos` / `add_eos`
    put the model's bos/eos piece around each text when special tokens are added (``add_bos=True`` is
    what Llama-2 and Mistral's Hugging Face tokenizers do).

    >>> tok = load_sentencepiece("tokenizer.model.v1", add_bos=True)  # doctest: +SKIP
    >>> tok.encode("Hello world").tokens  # doctest: +SKIP
    ['<s>', '▁Hello', '▁world']
    """
    p = os.fspath(path)
    with open(p, "rb") as f:
        data = f.read()
    return from_model(read_model(data, file=p), add_bos=add_bos, add_eos=add_eos)


def from_model(model: SentencePieceModel, *, add_bos: bool = False, add_eos: bool = False) -> Tokenizer:
    """The Tokenizer of a parsed model (see `read_model`); `add_bos` / `add_eos` as in `load_sentencepiece`."""
    tok = _from_model(model)
    tok.post_processor = processors.around(_end_piece(model, "bos", add_bos), _end_piece(model, "eos", add_eos))
    return tok


def _end_piece(model: SentencePieceModel, which: str, wanted: bool) -> tuple[str, int] | None:
    """The (piece, id) of the model's bos or eos piece when `wanted`."""
    if not wanted:
        return None
    id = model.trainer_spec[f"{which}_id"]
    if not 0 <= id < len(model.pieces):
        raise TokenizerFormatError(f"add_{which} was asked for, but the model has no {which} piece ({which}_id is {id})",
                                   path=f"trainer_spec.{which}_id", file=model.file)
    return model.pieces[id][0], id


def _from_model(model: SentencePieceModel) -> Tokenizer:
    t, n, d = model.trainer_spec, model.normalizer_spec, model.denormalizer_spec
    if d is not None and d["precompiled_charsmap"]:
        raise TokenizerFormatError("the model has a denormalizer charsmap, which subtok cannot apply to decoded "
                                   "text yet", path="denormalizer_spec.precompiled_charsmap", file=model.file)
    unknown = [i for i, p in enumerate(model.pieces) if p[2] == UNKNOWN]
    return from_pieces(model.pieces, model_type=model.model_type, byte_fallback=t["byte_fallback"],
                       add_dummy_prefix=n["add_dummy_prefix"], remove_extra_whitespaces=n["remove_extra_whitespaces"],
                       escape_whitespaces=n["escape_whitespaces"],
                       treat_whitespace_as_suffix=t["treat_whitespace_as_suffix"], split_digits=t["split_digits"],
                       split_by_whitespace=t["split_by_whitespace"], precompiled_charsmap=n["precompiled_charsmap"],
                       unk_id=unknown[0] if unknown else t["unk_id"], unk_surface=t["unk_surface"], file=model.file)


# -- pieces -> Tokenizer --------------------------------------------------------------------------

_SPACE = "\u2581"  # ▁, what sentencepiece writes for a space
_MERGEABLE = (NORMAL, USER_DEFINED)  # what BPE merges into (sentencepiece also uses UNUSED, then undoes it)
_NOT_MATCHED = (UNKNOWN, CONTROL, UNUSED, BYTE)  # what the Unigram lattice never matches


def from_pieces(pieces: Sequence[tuple[str, float, int]], *, model_type: str | int, byte_fallback: bool = False,
                add_dummy_prefix: bool = True, remove_extra_whitespaces: bool = True,
                escape_whitespaces: bool = True, treat_whitespace_as_suffix: bool = False,
                split_digits: bool = False, split_by_whitespace: bool = True,
                precompiled_charsmap: bytes | None = None, unk_id: int = 0, unk_surface: str = " \u2047 ",
                file: str | None = None) -> Tokenizer:
    """A Tokenizer that encodes and decodes like ``SentencePieceProcessor`` for a model made of
    `pieces` (``(piece, score, type)``; types NORMAL=1 UNKNOWN=2 CONTROL=3 USER_DEFINED=4 UNUSED=5
    BYTE=6) and the trainer and normalizer options of the same names.

    `model_type` is "unigram", "bpe", "word" or "char" (or 1 to 4). The unknown piece is the one
    of type UNKNOWN, which `unk_id` must then name; with none, the NORMAL piece `unk_id` names is
    taken as unknown. `split_digits` and `split_by_whitespace` shape only training: they change
    nothing here. `file` names the source in errors.

    >>> tok = from_pieces([("<unk>", 0, 2), ("▁", -1, 1), ("h", -1, 1), ("i", -1, 1), ("▁h", -2, 1),
    ...                    ("▁hi", -3, 1)], model_type="bpe")
    >>> tok.encode(" hi  hi").tokens
    ['▁hi', '▁hi']
    """
    kind = MODEL_TYPES.get(model_type) if isinstance(model_type, int) else str(model_type).lower()
    if kind not in MODEL_TYPES.values():
        raise TokenizerFormatError(f"unknown model type {model_type!r}; expected one of "
                                   f"{', '.join(f'{k} ({v})' for k, v in MODEL_TYPES.items())}",
                                   path="trainer_spec.model_type", file=file)
    checked = _check_pieces(pieces, unk_id, byte_fallback, file)
    charsmap = _check_charsmap(precompiled_charsmap or b"", file)
    space = _SPACE if escape_whitespaces else " "
    tok = Tokenizer(_model(kind, checked, unk_id, byte_fallback))
    tok.pre_tokenizer = _word_splitter(checked) if kind == "word" else \
        _safe_splitter(checked, space, treat_whitespace_as_suffix) if kind in ("bpe", "char") else None
    tok.normalizer = _normalizer(charsmap, [p for p, _, t in checked if t == USER_DEFINED], space=space,
                                 collapse=remove_extra_whitespaces, dummy=add_dummy_prefix,
                                 suffix=treat_whitespace_as_suffix)
    dummy = "leading" if remove_extra_whitespaces else "once" if add_dummy_prefix else None
    tok.decoder = _decoder(checked[unk_id][0], unk_surface, byte_fallback, dummy, treat_whitespace_as_suffix)
    controls = [p for p, _, t in checked if t == CONTROL]
    if controls:  # decode drops them; text never produces them (sentencepiece matches no control piece)
        tok.add_special_tokens([AddedToken(p, special=True, normalized=False) for p in controls])
        tok.encode_special_tokens = True
    return tok


def _check_pieces(pieces: Sequence[tuple[str, float, int]], unk_id: int, byte_fallback: bool,
                  file: str | None) -> list[tuple[str, float, int]]:
    """The pieces as (str, float, int), checked as sentencepiece checks a model it loads."""
    def fail(message: str, i: int | None = None) -> TokenizerFormatError:
        return TokenizerFormatError(message, path="pieces" if i is None else f"pieces[{i}]", file=file)

    if not pieces:
        raise fail("the model has no pieces")
    try:
        shaped = set(map(len, pieces)) == {3}
    except TypeError:
        shaped = False
    if not shaped:
        _first_bad(pieces, lambda e: isinstance(e, (tuple, list)) and len(e) == 3, fail,
                   "expected (piece, score, type), got {!r}")
    texts, scores, kinds = zip(*pieces)
    # whole-column checks first (fast, in C); the item-by-item check only runs to name a bad one
    if set(map(type, texts)) != {str} or "" in texts or "\x00" in "".join(texts) or max(map(len, texts)) >= 2000:
        _first_bad(texts, lambda t: type(t) is str and t and "\x00" not in t and len(t.encode()) < 8000, fail,
                   "a piece must be a non-empty str of under 8000 bytes without NUL, got {!r}")
    if set(map(type, kinds)) != {int} or not set(kinds) <= PIECE_TYPES.keys():
        _first_bad(kinds, lambda k: _as_int(k) in PIECE_TYPES, fail, "piece type {!r} is not one of 1 (NORMAL) to 6 (BYTE)")
        kinds = tuple(map(_as_int, kinds))
    if not set(map(type, scores)) <= {float, int} or not all(map(math.isfinite, scores)):
        _first_bad(scores, lambda s: type(s) in (float, int) and math.isfinite(s), fail,
                   "a score must be a finite number, got {!r}")
    if len(set(texts)) != len(texts):
        seen: dict[str, int] = {}
        for i, text in enumerate(texts):
            if text in seen:
                raise fail(f"piece {text!r} is already defined as piece {seen[text]}", i)
            seen[text] = i
    out = list(pieces) if set(map(type, pieces)) == {tuple} and set(map(type, scores)) == {float} and \
        isinstance(kinds[0], int) and set(map(type, kinds)) == {int} else list(zip(texts, map(float, scores), kinds))
    for i in (i for i, k in enumerate(kinds) if k == BYTE):
        if not byte_fallback or _byte_of(texts[i]) is None:
            raise fail(f"{texts[i]!r}: a byte piece needs byte_fallback and the form <0xNN>", i)
    if byte_fallback and kinds.count(BYTE) != 256:
        raise fail("byte_fallback needs the 256 byte pieces <0x00> ... <0xFF>")
    _check_unknown(out, unk_id, fail)
    return out


def _first_bad(values: Sequence[Any], ok: Callable[[Any], Any], fail: Callable[..., TokenizerFormatError],
               message: str) -> None:
    i = next((i for i, v in enumerate(values) if not ok(v)), None)
    if i is not None:
        raise fail(message.format(values[i]), i)


def _as_int(k: Any) -> int | None:
    try:
        return None if isinstance(k, (bool, float)) else operator.index(k)
    except TypeError:
        return None


def _check_unknown(pieces: list[tuple[str, float, int]], unk_id: int, fail: Callable[..., TokenizerFormatError]) -> None:
    """One unknown piece: the one typed UNKNOWN, else the NORMAL one `unk_id` names (then retyped)."""
    unknown = [i for i, p in enumerate(pieces) if p[2] == UNKNOWN]
    if len(unknown) > 1:
        raise fail(f"pieces {unknown[0]} and {unknown[1]} are both of type UNKNOWN; a model has one unknown piece")
    if unknown and unknown[0] != unk_id:
        raise fail(f"unk_id {unk_id} does not name the unknown piece (piece {unknown[0]} is of type UNKNOWN)")
    if not unknown:
        if not (isinstance(unk_id, int) and 0 <= unk_id < len(pieces)) or pieces[unk_id][2] != NORMAL:
            raise fail(f"no piece is of type UNKNOWN, and unk_id {unk_id!r} does not name a NORMAL piece to use "
                       "as the unknown one")
        pieces[unk_id] = (pieces[unk_id][0], pieces[unk_id][1], UNKNOWN)


def _byte_of(piece: str) -> int | None:
    """The byte of a byte piece's name ("<0x0A>" -> 10, upper-case hex as sentencepiece writes it)."""
    if len(piece) == 6 and piece.startswith("<0x") and piece.endswith(">") and \
            all(c in "0123456789ABCDEF" for c in piece[3:5]):
        return int(piece[3:5], 16)
    return None


def _check_charsmap(blob: bytes, file: str | None) -> bytes:
    """The charsmap, checked as sentencepiece checks it: a uint32 trie size (a multiple of 1024), the
    trie, then the NUL-terminated replacement strings."""
    if not blob:
        return b""
    size = int.from_bytes(blob[:4], "little") if len(blob) > 4 else -1
    if not (0 < size < len(blob) - 4 and size % 1024 == 0) or blob[-1:] != b"\x00":
        raise TokenizerFormatError(f"the charsmap ({len(blob)} bytes) is broken: expected a trie size that is a "
                                   f"multiple of 1024 (got {size}) and NUL-terminated strings after it",
                                   path="normalizer_spec.precompiled_charsmap", file=file)
    return blob


# -- the stages -----------------------------------------------------------------------------------

def _model(kind: str, pieces: list[tuple[str, float, int]], unk_id: int, byte_fallback: bool) -> Any:
    if kind == "unigram":
        return _unigram(pieces, unk_id, byte_fallback)
    if kind == "word":
        return WordLevel({p: i for i, (p, _, _) in enumerate(pieces)}, pieces[unk_id][0], unk_as_text=True)
    return _bpe(pieces, unk_id, byte_fallback, merges=kind == "bpe")


def _unigram(pieces: list[tuple[str, float, int]], unk_id: int, byte_fallback: bool) -> Unigram:
    """sentencepiece's lattice: float32 path scores, user-defined pieces scored ``0.1 * (bytes - 1)`` (so
    they win), control, unknown, byte and unused pieces never matched."""
    vocab = [(p, to_float32(0.1 * (len(p.encode()) - 1)) if t == USER_DEFINED else s) for p, s, t in pieces]
    unmatched = [i for i, (_, _, t) in enumerate(pieces) if t in _NOT_MATCHED]
    return Unigram(vocab, unk_id, byte_fallback, unmatched_ids=unmatched, float32=True)


def _bpe(pieces: list[tuple[str, float, int]], unk_id: int, byte_fallback: bool, *, merges: bool) -> BPE:
    """sentencepiece's BPE joins any two adjacent symbols that make a normal or user-defined piece, the
    piece of highest score first (the leftmost among equal scores). As merges: every split of every
    such piece into two symbols, ranked by the piece's score (CHAR: no merges)."""
    vocab = {p: i for i, (p, _, _) in enumerate(pieces)}
    mergeable = {p: s for p, s, t in pieces if t in _MERGEABLE}
    symbols = mergeable.keys() | {p for p in vocab if len(p) == 1}  # what a merge can join
    found: list[tuple[tuple[float, bool], int, int, str, str]] = []
    for piece, score in mergeable.items() if merges else ():
        priority, id = _priority(score), vocab[piece]
        found += [(priority, id, k, piece[:k], piece[k:]) for k in range(1, len(piece))
                  if piece[:k] in symbols and piece[k:] in symbols]
    found.sort()
    rank_of = {p: rank for rank, p in enumerate(sorted({f[0] for f in found}))}
    return BPE(vocab, [(a, b) for *_, a, b in found], unk_token=pieces[unk_id][0], fuse_unk=True,
               byte_fallback=byte_fallback, merge_ranks=[rank_of[f[0]] for f in found], unk_as_text=True,
               user_defined_symbols=[p for p, _, t in pieces if t == USER_DEFINED])


def _priority(score: float) -> tuple[float, bool]:
    """Sorts the highest score first, +0.0 before -0.0 (sentencepiece compares the floats' bits)."""
    return -score, math.copysign(1.0, score) < 0


def _safe_splitter(pieces: list[tuple[str, float, int]], space: str, suffix: bool) -> pre_tokenizers.Split | None:
    """Cut the text before each run of `space` (after it, for suffix models) when no piece spans such a
    cut, so that words are encoded one by one (and remembered); None when one could."""
    shape = regex.compile(f"[^{space}]*{space}*" if suffix else f"{space}*[^{space}]*")
    words = [p for p, _, t in pieces if t in _MERGEABLE]
    if space not in words or not all(shape.fullmatch(p) for p in words):
        return None
    return pre_tokenizers.Split(Regex(f"[^{space}]+{space}*|{space}+" if suffix else f"{space}*[^{space}]+|{space}+"),
                                "isolated")


def _word_splitter(pieces: list[tuple[str, float, int]]) -> pre_tokenizers.Split:
    """sentencepiece's WORD model cuts the text before each ``▁`` and looks the words up; a run of
    unknown words is one unknown piece. As a Split: each known word (followed by ``▁`` or the end)
    is a piece, and so is each stretch between them (unknown words only)."""
    words = sorted((p for p, _, t in pieces if t in _MERGEABLE and _SPACE not in p[1:]), key=len, reverse=True)
    first = [regex.escape(w) for w in words if not w.startswith(_SPACE)]  # a word without ▁ opens the text
    inner = [regex.escape(w) for w in words if w.startswith(_SPACE)]
    alternatives = ([f"(?<![\\s\\S])(?:{'|'.join(first)})"] if first else []) + ([f"(?:{'|'.join(inner)})"] if inner else [])
    if not alternatives:
        return pre_tokenizers.Split(Regex("(?!)"), "isolated")
    return pre_tokenizers.Split(Regex(f"(?:{'|'.join(alternatives)})(?={_SPACE}|(?![\\s\\S]))"), "isolated")


def _normalizer(charsmap: bytes, user_defined: list[str], *, space: str, collapse: bool, dummy: bool,
                suffix: bool) -> normalizers.Normalizer | None:
    """sentencepiece's ``Normalizer::Normalize`` as stages: the dummy prefix, added for any text that is
    not empty (before the charsmap, unless collapsing or a rule starts with a space), the charsmap,
    runs of spaces collapsed and leading ones dropped, spaces escaped, trailing ``▁`` dropped (typed
    ones too, as sentencepiece does), then the dummy prefix or suffix where not added before."""
    steps: list[normalizers.Normalizer] = []
    rules = normalizers.Precompiled(charsmap, longest_match=True, user_defined_symbols=user_defined) if charsmap else None
    early = dummy and not suffix and not collapse and not (rules is not None and rules.starts_a_rule(" "))
    if early:
        steps.append(normalizers.Prepend(" "))
    if rules is not None:
        steps.append(rules)
    if collapse:
        steps += [normalizers.Replace(Regex(" {2,}"), " "), normalizers.Replace(Regex(r"(?<![\s\S]) "), "")]
    if space != " ":
        steps.append(normalizers.Replace(" ", space))
    if collapse:
        steps.append(normalizers.Replace(Regex(f"{regex.escape(space)}+(?![\\s\\S])"), ""))
    if dummy and suffix:
        steps.append(normalizers.Replace(Regex(r"(?<=[\s\S])(?![\s\S])"), space))
    elif dummy and not early:
        steps.append(normalizers.Prepend(space))
    return None if not steps else steps[0] if len(steps) == 1 else normalizers.Sequence(steps)


def _decoder(unk_piece: str, unk_surface: str, byte_fallback: bool, dummy_prefix: str | None,
             suffix: bool) -> decoders.Decoder:
    """sentencepiece's ``Decode``: ``▁`` to spaces with its dummy-prefix rule, the unknown piece as
    `unk_surface`, byte pieces reassembled. (Control pieces are special tokens, dropped before.)"""
    hf_scheme = "never" if dummy_prefix is None or suffix else "always"  # what Hugging Face reads
    steps: list[decoders.Decoder] = [
        decoders.Metaspace(_SPACE, hf_scheme, dummy_prefix=dummy_prefix),
        decoders.Replace(Regex(f"(?<![\\s\\S]){regex.escape(unk_piece)}(?![\\s\\S])"), unk_surface),
    ]
    if byte_fallback:
        steps.append(decoders.ByteFallback(keep_valid=True))
    return decoders.Sequence(steps)
