"""Pre-tokenizers: cut the normalized text into pieces ("words") the model encodes one by one.

Each has ``pre_tokenize(pts: PreTokenizedString) -> None`` and ``to_dict()``; offsets stay tied to
the original text through the NormalizedString of every piece.

>>> Whitespace().pre_tokenize_str("Hello, world!")
[('Hello', (0, 5)), (',', (5, 6)), ('world', (7, 12)), ('!', (12, 13))]
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import regex

from . import unicode as uni
from ._component import Component
from ._json import Reader
from .normalized import SPLIT_BEHAVIORS, Invert, NormalizedString, PreTokenizedString
from .normalizers import byte_level_transform, pattern_from_dict, pattern_to_dict
from .patterns import GPT2_PATTERN, compile_onig

__all__ = [
    "PreTokenizer", "ByteLevel", "Whitespace", "WhitespaceSplit", "BertPreTokenizer", "Metaspace",
    "Punctuation", "Split", "Digits", "UnicodeScripts", "CharDelimiterSplit", "FixedLength", "Sequence",
    "from_dict", "byte_level_transform",
]


class PreTokenizer(Component):
    def pre_tokenize(self, pts: PreTokenizedString) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def pre_tokenize_str(self, text: str) -> list[tuple[str, tuple[int, int]]]:
        """The pieces of `text` with their original offsets (like HF's `pre_tokenize_str`)."""
        pts = PreTokenizedString(text)
        self.pre_tokenize(pts)
        return pts.get_splits()


class ByteLevel(PreTokenizer):
    def __init__(self, add_prefix_space: bool = True, trim_offsets: bool = True, use_regex: bool = True) -> None:
        self.add_prefix_space = add_prefix_space
        self.trim_offsets = trim_offsets
        self.use_regex = use_regex
        self._rx = compile_onig(GPT2_PATTERN)

    def pre_tokenize(self, pts: PreTokenizedString) -> None:
        def split(_: int, ns: NormalizedString) -> list[NormalizedString]:
            if self.add_prefix_space and not ns.normalized.startswith(" "):
                ns.prepend(" ")
            return ns.split(self._rx, "isolated") if self.use_regex else [ns]

        pts.split(split)
        pts.normalize(byte_level_transform)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "ByteLevel", "add_prefix_space": self.add_prefix_space,
                "trim_offsets": self.trim_offsets, "use_regex": self.use_regex}


@lru_cache(maxsize=1024)
def _word_runs_rx(word: frozenset[str], space: frozenset[str]) -> "regex.Pattern[str]":
    alts = [f"[{_class(word)}]+"] if word else []
    alts.append(f"[^{_class(word | space)}]+" if word | space else "(?s:.+)")
    return regex.compile("|".join(alts))


class Whitespace(PreTokenizer):
    """Words (\\w+) and runs of other non-space characters (``\\w+|[^\\w\\s]+``).

    HF runs this pattern with Rust's regex crate, whose \\w and \\s are `unicode.whitespace_word`
    and `unicode.whitespace_space`; the classes are built from those, per distinct character.
    """

    def pre_tokenize(self, pts: PreTokenizedString) -> None:
        def split(_: int, ns: NormalizedString) -> list[NormalizedString]:
            distinct = set(ns.normalized)
            word = frozenset(c for c in distinct if uni.whitespace_word(c))
            space = frozenset(c for c in distinct - word if uni.whitespace_space(c))
            return [ns.slice(m.start(), m.end()) for m in _word_runs_rx(word, space).finditer(ns.normalized)]

        pts.split(split)


def _class(chars: frozenset[str]) -> str:
    return "".join(regex.escape(c, special_only=False) for c in sorted(chars))


@lru_cache(maxsize=1024)
def _words_rx(space: frozenset[str], punct: frozenset[str]) -> "regex.Pattern[str]":
    """Single punctuation chars, or runs of anything but space and punctuation."""
    alts = [f"[{_class(punct)}]"] if punct else []
    alts.append(f"[^{_class(space | punct)}]+" if space | punct else "(?s:.+)")
    return regex.compile("|".join(alts))


def _split_words(ns: NormalizedString, punctuation: bool) -> list[NormalizedString]:
    """Split on whitespace (removed) and, if asked, BERT punctuation (isolated), in one pass.

    The same pieces as splitting on whitespace, then on punctuation; one regex instead of two
    passes of per-character work.
    """
    distinct = set(ns.normalized)
    space = frozenset(c for c in distinct if uni.is_whitespace(c))
    punct = frozenset(c for c in distinct - space if uni.is_bert_punctuation(c)) if punctuation else frozenset()
    return [ns.slice(m.start(), m.end()) for m in _words_rx(space, punct).finditer(ns.normalized)]


class WhitespaceSplit(PreTokenizer):
    def pre_tokenize(self, pts: PreTokenizedString) -> None:
        pts.split(lambda _, ns: _split_words(ns, False))


class BertPreTokenizer(PreTokenizer):
    def pre_tokenize(self, pts: PreTokenizedString) -> None:
        pts.split(lambda _, ns: _split_words(ns, True))


class Metaspace(PreTokenizer):
    def __init__(self, replacement: str = "▁", prepend_scheme: str = "always", split: bool = True) -> None:
        if len(replacement) != 1:
            raise ValueError(f"Metaspace replacement must be one character, got {replacement!r}")
        if prepend_scheme not in ("always", "first", "never"):
            raise ValueError(f"Metaspace prepend_scheme must be 'always', 'first' or 'never', got {prepend_scheme!r}")
        self.replacement = replacement
        self.prepend_scheme = prepend_scheme
        self.split = split

    def pre_tokenize(self, pts: PreTokenizedString) -> None:
        rep = self.replacement

        def split(_: int, ns: NormalizedString) -> list[NormalizedString]:
            ns.replace(" ", rep)
            if self.prepend_scheme == "always" or (self.prepend_scheme == "first" and ns.shift == 0):
                if not ns.normalized.startswith(rep):
                    ns.prepend(rep)
            return ns.split(rep, "merged_with_next") if self.split else [ns]

        pts.split(split)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Metaspace", "replacement": self.replacement,
                "prepend_scheme": self.prepend_scheme, "split": self.split}


class Punctuation(PreTokenizer):
    def __init__(self, behavior: str = "isolated") -> None:
        self.behavior = _check_behavior(behavior)

    def pre_tokenize(self, pts: PreTokenizedString) -> None:
        pts.split(lambda _, ns: ns.split(uni.is_bert_punctuation, self.behavior))

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Punctuation", "behavior": _behavior_to_json(self.behavior)}


class Split(PreTokenizer):
    def __init__(self, pattern: Any, behavior: str, invert: bool = False) -> None:
        if isinstance(pattern, str) or hasattr(pattern, "subtok_source"):
            self.pattern = pattern
        else:
            raise TypeError(f"Split pattern must be a str or a compiled pattern, got {type(pattern).__name__}")
        self.behavior = _check_behavior(behavior)
        self.invert = invert

    def pre_tokenize(self, pts: PreTokenizedString) -> None:
        pat = Invert(self.pattern) if self.invert else self.pattern
        pts.split(lambda _, ns: ns.split(pat, self.behavior))

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Split", "pattern": pattern_to_dict(self.pattern),
                "behavior": _behavior_to_json(self.behavior), "invert": self.invert}


class Digits(PreTokenizer):
    def __init__(self, individual_digits: bool = False) -> None:
        self.individual_digits = individual_digits

    def pre_tokenize(self, pts: PreTokenizedString) -> None:
        behavior = "isolated" if self.individual_digits else "contiguous"
        pts.split(lambda _, ns: ns.split(uni.is_numeric, behavior))

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Digits", "individual_digits": self.individual_digits}


class UnicodeScripts(PreTokenizer):
    def pre_tokenize(self, pts: PreTokenizedString) -> None:
        def split(_: int, ns: NormalizedString) -> list[NormalizedString]:
            # HF drops leading characters of script Any (spaces...): the cuts start at the first other one
            cuts = uni.unicode_scripts_split_points(ns.normalized)
            return [ns.slice(a, b) for a, b in zip(cuts, cuts[1:]) if a < b]

        pts.split(split)


class CharDelimiterSplit(PreTokenizer):
    def __init__(self, delimiter: str) -> None:
        if len(delimiter) != 1:
            raise ValueError(f"CharDelimiterSplit delimiter must be one character, got {delimiter!r}")
        self.delimiter = delimiter

    def pre_tokenize(self, pts: PreTokenizedString) -> None:
        d = self.delimiter
        pts.split(lambda _, ns: ns.split(lambda c: c == d, "removed"))

    def to_dict(self) -> dict[str, Any]:
        return {"type": "CharDelimiterSplit", "delimiter": self.delimiter}


class FixedLength(PreTokenizer):
    def __init__(self, length: int = 5) -> None:
        self.length = length

    def pre_tokenize(self, pts: PreTokenizedString) -> None:
        k = self.length
        if k == 0:
            raise ValueError("FixedLength length must be at least 1")
        pts.split(lambda _, ns: [ns.slice(i, min(i + k, len(ns))) for i in range(0, len(ns), k)])

    def to_dict(self) -> dict[str, Any]:
        return {"type": "FixedLength", "length": self.length}


class Sequence(PreTokenizer):
    def __init__(self, pretokenizers: list[PreTokenizer]) -> None:
        self.pretokenizers = list(pretokenizers)

    def pre_tokenize(self, pts: PreTokenizedString) -> None:
        for p in self.pretokenizers:
            p.pre_tokenize(pts)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Sequence", "pretokenizers": [p.to_dict() for p in self.pretokenizers]}


_JSON_BEHAVIORS = {"Removed": "removed", "Isolated": "isolated", "MergedWithPrevious": "merged_with_previous",
                   "MergedWithNext": "merged_with_next", "Contiguous": "contiguous"}


def _check_behavior(b: str) -> str:
    b = _JSON_BEHAVIORS.get(b, b)
    if b not in SPLIT_BEHAVIORS:
        raise ValueError(f"unknown split behavior {b!r}; expected one of {', '.join(SPLIT_BEHAVIORS)}")
    return b


def _behavior_to_json(b: str) -> str:
    return {v: k for k, v in _JSON_BEHAVIORS.items()}[b]


def _behavior(r: Reader) -> str:
    s = r.str()
    if s not in _JSON_BEHAVIORS:
        r.fail(f"unknown split behavior {s!r}; expected one of {', '.join(_JSON_BEHAVIORS)}")
    return _JSON_BEHAVIORS[s]


def _metaspace(r: Reader) -> Metaspace:
    rep = r.get("replacement", "▁").str()
    if len(rep) != 1:
        r.fail(f"replacement must be exactly one character, got {rep!r}", at="replacement")
    if r.has("prepend_scheme"):
        scheme = r.at("prepend_scheme").str()
        if scheme not in ("always", "first", "never"):
            r.fail(f"unknown prepend_scheme {scheme!r}; expected 'always', 'first' or 'never'", at="prepend_scheme")
    else:  # files older than tokenizers 0.14 say add_prefix_space instead
        scheme = "always" if r.get("add_prefix_space", True).bool() else "never"
    return Metaspace(rep, scheme, r.get("split", True).bool())


def from_dict(r: Reader) -> PreTokenizer | None:
    """Build a pre-tokenizer from its tokenizer.json form (None for null)."""
    if r.value is None:
        return None
    kind = r.type_name()
    if kind == "ByteLevel":
        return ByteLevel(r.get("add_prefix_space", True).bool(), r.get("trim_offsets", True).bool(),
                         r.get("use_regex", True).bool())
    if kind in ("Whitespace", "WhitespaceSplit", "BertPreTokenizer", "UnicodeScripts"):
        return {"Whitespace": Whitespace, "WhitespaceSplit": WhitespaceSplit,
                "BertPreTokenizer": BertPreTokenizer, "UnicodeScripts": UnicodeScripts}[kind]()
    if kind == "Metaspace":
        return _metaspace(r)
    if kind == "Punctuation":
        return Punctuation(_behavior(r.get("behavior", "Isolated")))
    if kind == "Split":
        return Split(pattern_from_dict(r.at("pattern")), _behavior(r.at("behavior")), r.get("invert", False).bool())
    if kind == "Digits":
        return Digits(r.get("individual_digits", False).bool())
    if kind == "CharDelimiterSplit":
        d = r.at("delimiter").str()
        if len(d) != 1:
            r.fail(f"delimiter must be exactly one character, got {d!r}", at="delimiter")
        return CharDelimiterSplit(d)
    if kind == "FixedLength":
        n = r.get("length", 5).int()
        if n == 0:
            r.fail("length must be at least 1", at="length")
        return FixedLength(n)
    if kind == "Sequence":
        return Sequence([p for p in r.at("pretokenizers").items(from_dict) if p is not None])
    r.fail(f"unknown pre_tokenizer type {kind!r}; expected one of ByteLevel, Whitespace, WhitespaceSplit, "
           "BertPreTokenizer, Metaspace, Punctuation, Split, Digits, UnicodeScripts, CharDelimiterSplit, "
           "FixedLength, Sequence", at="type")
    raise AssertionError  # unreachable
