"""Post-processors: add the special tokens a model expects ([CLS] ... [SEP], <s> ... </s>) and type ids.

Each has ``process(encodings: list[Encoding], add_special_tokens) -> list[Encoding]``, an
``added_tokens(is_pair)`` count (truncation leaves room for them) and ``to_dict()``.

>>> p = BertProcessing(("[SEP]", 102), ("[CLS]", 101))
>>> from subtok.encoding import Encoding
>>> e = p.process([Encoding.from_tokens([(7592, "hello", (0, 5))], word_ids=[0], type_id=0)], True)[0]
>>> e.ids, e.tokens
([101, 7592, 102], ['[CLS]', 'hello', '[SEP]'])
"""

from __future__ import annotations

from typing import Any

from ._component import Component
from ._json import Reader
from .bytes_map import BYTES_TO_UNICODE
from .encoding import Encoding
from .unicode import is_whitespace

__all__ = ["PostProcessor", "TemplateProcessing", "around", "BertProcessing", "RobertaProcessing", "ByteLevel",
           "Sequence", "from_dict", "default_process"]

_SPACE = BYTES_TO_UNICODE[ord(" ")]


class PostProcessor(Component):
    def added_tokens(self, is_pair: bool) -> int:
        return 0

    def process_encodings(self, encodings: list[Encoding], add_special_tokens: bool) -> list[Encoding]:
        raise NotImplementedError  # pragma: no cover - interface

    def process(self, encodings: list[Encoding], add_special_tokens: bool) -> list[Encoding]:
        for i, e in enumerate(encodings):
            e.set_sequence_id(i, overflowing=True)
        return self.process_encodings(encodings, add_special_tokens)


def default_process(encodings: list[Encoding]) -> Encoding:
    """No post-processor: a pair is just the two encodings one after the other."""
    if len(encodings) == 1:
        return encodings[0]
    out = Encoding()
    for i, e in enumerate(encodings):
        e.set_sequence_id(i)
        out.merge_with(e)
    return out


def _special(ids: list[int], tokens: list[str], type_id: int) -> Encoding:
    n = len(ids)
    return Encoding(list(ids), [type_id] * n, list(tokens), [None] * n, [(0, 0)] * n, [1] * n, [1] * n)


def _wrap(e: Encoding, before: list[tuple[str, int]], after: list[tuple[str, int]], type_id: int,
          seq: int) -> Encoding:
    """`before` + e + `after` with special tokens, e's overflowing parts wrapped the same way."""
    nb, na, n = len(before), len(after), len(e.ids)
    out = Encoding(
        [i for _, i in before] + e.ids + [i for _, i in after],
        [type_id] * (nb + n + na),
        [t for t, _ in before] + e.tokens + [t for t, _ in after],
        [None] * nb + e.word_ids + [None] * na,
        [(0, 0)] * nb + e.offsets + [(0, 0)] * na,
        [1] * nb + [0] * n + [1] * na,
        [1] * (nb + n + na),
        [_wrap(o, before, after, type_id, seq) for o in e.overflowing],
        {seq: (nb, nb + n)},
    )
    return out


class BertProcessing(PostProcessor):
    def __init__(self, sep: tuple[str, int], cls: tuple[str, int]) -> None:
        self.sep = (sep[0], sep[1])
        self.cls = (cls[0], cls[1])

    def added_tokens(self, is_pair: bool) -> int:
        return 3 if is_pair else 2

    def process_encodings(self, encodings: list[Encoding], add_special_tokens: bool) -> list[Encoding]:
        if not add_special_tokens:
            return encodings
        out = []
        for i, e in enumerate(encodings):
            if i == 0:
                out.append(_wrap(e, [self.cls], [self.sep], 0, 0))
            else:
                out.append(_wrap(e, [], [self.sep], 1, 1))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "BertProcessing", "sep": list(self.sep), "cls": list(self.cls)}


def trim_byte_level_offsets(e: Encoding, add_prefix_space: bool) -> None:
    """Drop the (byte-level) spaces at the edges of each token from its offsets."""
    for i, tok in enumerate(e.tokens):
        lead = 0
        for c in tok:
            if c == _SPACE or is_whitespace(c):
                lead += 1
            else:
                break
        trail = 0
        for c in reversed(tok):
            if c == _SPACE or is_whitespace(c):
                trail += 1
            else:
                break
        if not lead and not trail:
            continue
        s, t = e.offsets[i]
        if lead:
            if (i == 0 or s == 0) and add_prefix_space and lead == 1:
                lead = 0
            s = min(s + lead, t)
        if trail and t >= trail:
            t = max(t - trail, s)
        e.offsets[i] = (s, t)


class RobertaProcessing(PostProcessor):
    def __init__(self, sep: tuple[str, int], cls: tuple[str, int], trim_offsets: bool = True,
                 add_prefix_space: bool = True) -> None:
        self.sep = (sep[0], sep[1])
        self.cls = (cls[0], cls[1])
        self.trim_offsets = trim_offsets
        self.add_prefix_space = add_prefix_space

    def added_tokens(self, is_pair: bool) -> int:
        return 4 if is_pair else 2

    def process_encodings(self, encodings: list[Encoding], add_special_tokens: bool) -> list[Encoding]:
        if self.trim_offsets:
            for e in encodings:
                trim_byte_level_offsets(e, self.add_prefix_space)
                for o in e.overflowing:
                    trim_byte_level_offsets(o, self.add_prefix_space)
        for e in encodings:
            e.type_ids = [0] * len(e.ids)
        if not add_special_tokens:
            return encodings
        out = []
        for i, e in enumerate(encodings):
            if i == 0:
                out.append(_wrap(e, [self.cls], [self.sep], 0, 0))
            else:
                out.append(_wrap(e, [self.sep], [self.sep], 0, 1))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "RobertaProcessing", "sep": list(self.sep), "cls": list(self.cls),
                "trim_offsets": self.trim_offsets, "add_prefix_space": self.add_prefix_space}


class ByteLevel(PostProcessor):
    def __init__(self, add_prefix_space: bool = True, trim_offsets: bool = True, use_regex: bool = True) -> None:
        self.add_prefix_space = add_prefix_space
        self.trim_offsets = trim_offsets
        self.use_regex = use_regex

    def process_encodings(self, encodings: list[Encoding], add_special_tokens: bool) -> list[Encoding]:
        if self.trim_offsets:
            for e in encodings:
                trim_byte_level_offsets(e, self.add_prefix_space)
                for o in e.overflowing:
                    trim_byte_level_offsets(o, self.add_prefix_space)
        for i, e in enumerate(encodings):
            e.set_sequence_id(i, overflowing=True)
        return encodings

    def to_dict(self) -> dict[str, Any]:
        return {"type": "ByteLevel", "add_prefix_space": self.add_prefix_space,
                "trim_offsets": self.trim_offsets, "use_regex": self.use_regex}


class TemplateProcessing(PostProcessor):
    """Templates like ``"[CLS] $A [SEP]"`` / ``"[CLS] $A [SEP] $B:1 [SEP]:1"``."""

    def __init__(self, single: list[dict], pair: list[dict], special_tokens: dict[str, dict]) -> None:
        self.single = single
        self.pair = pair
        self.special_tokens = special_tokens

    @classmethod
    def from_strings(cls, single: str, pair: str | None = None,
                     special_tokens: list[tuple[str, int]] | None = None) -> "TemplateProcessing":
        specials = {t: {"id": t, "ids": [i], "tokens": [t]} for t, i in (special_tokens or [])}
        return cls(_parse_template(single), _parse_template(pair) if pair else [], specials)

    def added_tokens(self, is_pair: bool) -> int:
        template = self.pair if is_pair else self.single
        return sum(len(self.special_tokens[p["SpecialToken"]["id"]]["ids"])
                   for p in template if "SpecialToken" in p)

    def process_encodings(self, encodings: list[Encoding], add_special_tokens: bool) -> list[Encoding]:
        template = self.pair if len(encodings) == 2 else self.single
        out: list[Encoding] = []
        for piece in template:
            if "Sequence" in piece:
                seq = 0 if piece["Sequence"]["id"] == "A" else 1
                e = encodings[seq]
                type_id = piece["Sequence"]["type_id"]
                _set_type_and_sequence(e, type_id, seq)
                out.append(e.copy())
            elif add_special_tokens:
                sp = self.special_tokens[piece["SpecialToken"]["id"]]
                out.append(_special(sp["ids"], sp["tokens"], piece["SpecialToken"]["type_id"]))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "TemplateProcessing", "single": self.single, "pair": self.pair,
                "special_tokens": self.special_tokens}


def around(first: tuple[str, int] | None, last: tuple[str, int] | None, *,
           first_on_pair: bool = True) -> TemplateProcessing | None:
    """A template that puts the special token `first` (text, id) before each text and `last` after it,
    as sentencepiece's add_bos / add_eos and transformers' slow tokenizers wrap a pair; BERT-style
    vocabularies put `first` ([CLS]) before the first text only (``first_on_pair=False``).

    >>> around(("<s>", 1), None).single
    [{'SpecialToken': {'id': '<s>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}}]
    """
    if first is None and last is None:
        return None

    def wrap(seq: str, type_id: int, with_first: bool) -> list[dict]:
        out = [{"Sequence": {"id": seq, "type_id": type_id}}]
        if first is not None and with_first:
            out.insert(0, {"SpecialToken": {"id": first[0], "type_id": type_id}})
        if last is not None:
            out.append({"SpecialToken": {"id": last[0], "type_id": type_id}})
        return out

    single = wrap("A", 0, True)
    specials = {t[0]: {"id": t[0], "ids": [t[1]], "tokens": [t[0]]} for t in (first, last) if t is not None}
    return TemplateProcessing(single, single + wrap("B", 1, first_on_pair), specials)


def _set_type_and_sequence(e: Encoding, type_id: int, seq: int) -> None:
    # As Hugging Face: the template's type id replaces the top-level ones only; overflowing parts keep
    # the type id they were encoded with (0 for the first sequence, 1 for the pair).
    e.type_ids = [type_id] * len(e.ids)
    e.set_sequence_id(seq, overflowing=True)


def _is_number(s: str) -> bool:
    return s.isascii() and s.isdigit()


def _parse_template(s: str) -> list[dict]:
    out = []
    for part in s.split():
        name, _, tid = part.partition(":")
        if tid and not _is_number(tid):
            raise ValueError(f"in the template piece {part!r}, the type id after ':' must be a number")
        type_id = int(tid) if tid else 0
        if name in ("$A", "$B", "$"):
            out.append({"Sequence": {"id": "B" if name == "$B" else "A", "type_id": type_id}})
        elif name.startswith("$") and _is_number(name[1:]):
            out.append({"Sequence": {"id": "A", "type_id": int(name[1:])}})
        else:
            out.append({"SpecialToken": {"id": name, "type_id": type_id}})
    return out


class Sequence(PostProcessor):
    def __init__(self, processors: list[PostProcessor]) -> None:
        self.processors = list(processors)

    def added_tokens(self, is_pair: bool) -> int:
        return sum(p.added_tokens(is_pair) for p in self.processors)

    def process_encodings(self, encodings: list[Encoding], add_special_tokens: bool) -> list[Encoding]:
        for p in self.processors:
            encodings = p.process_encodings(encodings, add_special_tokens)
        return encodings

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Sequence", "processors": [p.to_dict() for p in self.processors]}


def _token_pair(r: Reader) -> tuple[str, int]:
    v = r.value
    if not (isinstance(v, list) and len(v) == 2 and isinstance(v[0], str) and isinstance(v[1], int)
            and not isinstance(v[1], bool) and v[1] >= 0):
        r.fail(f"expected [token, id], got {v!r}")
    return v[0], v[1]


def _template(r: Reader, specials: dict[str, dict]) -> list[dict]:
    if isinstance(r.value, str):
        try:
            pieces = _parse_template(r.value)
        except ValueError as e:
            r.fail(str(e))
        for p in pieces:
            if "SpecialToken" in p and p["SpecialToken"]["id"] not in specials:
                r.fail(f"special token {p['SpecialToken']['id']!r} is used in the template but missing from "
                       "special_tokens")
        return pieces

    def piece(p: Reader) -> dict:
        d = p.dict()
        if "Sequence" in d:
            s = p.at("Sequence")
            sid = s.at("id").str()
            if sid not in ("A", "B"):
                s.fail(f"expected sequence id 'A' or 'B', got {sid!r}", at="id")
            return {"Sequence": {"id": sid, "type_id": s.get("type_id", 0).int()}}
        if "SpecialToken" in d:
            s = p.at("SpecialToken")
            name = s.at("id").str()
            if name not in specials:
                s.fail(f"special token {name!r} is used in the template but missing from special_tokens", at="id")
            return {"SpecialToken": {"id": name, "type_id": s.get("type_id", 0).int()}}
        p.fail('expected {"Sequence": ...} or {"SpecialToken": ...}')
        raise AssertionError  # unreachable

    return r.items(piece)


def from_dict(r: Reader) -> PostProcessor | None:
    if r.value is None:
        return None
    kind = r.type_name()
    if kind == "BertProcessing":
        return BertProcessing(_token_pair(r.at("sep")), _token_pair(r.at("cls")))
    if kind == "RobertaProcessing":
        return RobertaProcessing(_token_pair(r.at("sep")), _token_pair(r.at("cls")),
                                 r.get("trim_offsets", True).bool(), r.get("add_prefix_space", True).bool())
    if kind == "ByteLevel":
        return ByteLevel(r.get("add_prefix_space", True).bool(), r.get("trim_offsets", True).bool(),
                         r.get("use_regex", True).bool())
    if kind == "TemplateProcessing":
        specials: dict[str, dict] = {}
        for name, sr in r.get("special_tokens", {}).dict().items():
            sp = r.at("special_tokens").at(name)
            ids = sp.at("ids").items(lambda x: x.int())
            toks = sp.at("tokens").items(lambda x: x.str())
            if len(ids) != len(toks):
                sp.fail(f"ids ({len(ids)}) and tokens ({len(toks)}) must have the same length")
            specials[name] = {"id": sp.get("id", name).str(), "ids": ids, "tokens": toks}
        single = _template(r.at("single"), specials)
        if any(p.get("Sequence", {}).get("id") == "B" for p in single):
            # Hugging Face loads this and panics when it encodes a single text
            r.fail("the single template uses sequence B, which a single text does not have", at="single")
        return TemplateProcessing(single, _template(r.at("pair"), specials), specials)
    if kind == "Sequence":
        return Sequence([p for p in r.at("processors").items(from_dict) if p is not None])
    r.fail(f"unknown post_processor type {kind!r}; expected TemplateProcessing, BertProcessing, "
           "RobertaProcessing, ByteLevel or Sequence", at="type")
    raise AssertionError  # unreachable
