"""Normalizers: the first stage, text -> normalized text, with alignments kept.

Each normalizer has one method, ``normalize(ns: NormalizedString) -> None``, and ``to_dict()``
giving its tokenizer.json form. `from_dict` builds any of them from tokenizer.json.

>>> from subtok.normalized import NormalizedString
>>> ns = NormalizedString("Héllo  World")
>>> Sequence([NFD(), StripAccents(), Lowercase()]).normalize(ns)
>>> ns.normalized
'hello  world'
"""

from __future__ import annotations

import base64
from typing import Any, Sequence

import regex

from . import unicode as uni
from ._component import Component
from ._json import Reader
from .bytes_map import BYTES_TO_UNICODE
from .normalized import NormalizedString

__all__ = [
    "Normalizer", "NFC", "NFD", "NFKC", "NFKD", "Lowercase", "Strip", "StripAccents", "Replace",
    "Prepend", "BertNormalizer", "Precompiled", "ByteLevel", "Nmt", "Sequence", "from_dict",
    "pattern_from_dict", "pattern_to_dict",
]


class Normalizer(Component):
    """Base class: `normalize` changes a NormalizedString in place."""

    def normalize(self, ns: NormalizedString) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def normalize_str(self, text: str) -> str:
        """The normalized form of `text` (like HF's `normalize_str`)."""
        ns = NormalizedString(text)
        self.normalize(ns)
        return ns.normalized


class NFC(Normalizer):
    def normalize(self, ns: NormalizedString) -> None:
        ns.transform(uni.nfc(ns.normalized))


class NFD(Normalizer):
    def normalize(self, ns: NormalizedString) -> None:
        ns.transform(uni.nfd(ns.normalized))


class NFKC(Normalizer):
    def normalize(self, ns: NormalizedString) -> None:
        ns.transform(uni.nfkc(ns.normalized))


class NFKD(Normalizer):
    def normalize(self, ns: NormalizedString) -> None:
        ns.transform(uni.nfkd(ns.normalized))


class Lowercase(Normalizer):
    def normalize(self, ns: NormalizedString) -> None:
        lower = uni.lower
        text = ns.normalized
        if text.isascii():
            ns.normalized = text.lower()
            return
        ns.expand_chars(lower)


class Strip(Normalizer):
    def __init__(self, left: bool = True, right: bool = True) -> None:
        self.left = left
        self.right = right

    def normalize(self, ns: NormalizedString) -> None:
        ns.strip(self.left, self.right, uni.is_whitespace)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Strip", "strip_left": self.left, "strip_right": self.right}


class StripAccents(Normalizer):
    def normalize(self, ns: NormalizedString) -> None:
        ns.filter(lambda c: not uni.is_combining_mark(c))


def pattern_from_dict(r: Reader) -> str | regex.Pattern[str]:
    """A tokenizer.json pattern: {"String": "..."} or {"Regex": "..."}."""
    d = r.dict()
    if "String" in d:
        return r.at("String").str()
    if "Regex" in d:
        return r.at("Regex").regex()
    r.fail('expected {"String": ...} or {"Regex": ...}')
    raise AssertionError  # unreachable


def pattern_to_dict(p: str | regex.Pattern[str]) -> dict[str, str]:
    return {"String": p} if isinstance(p, str) else {"Regex": getattr(p, "subtok_source", p.pattern)}


class Replace(Normalizer):
    def __init__(self, pattern: str | regex.Pattern[str], content: str) -> None:
        self.pattern = pattern
        self.content = content

    def normalize(self, ns: NormalizedString) -> None:
        ns.replace(self.pattern, self.content)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Replace", "pattern": pattern_to_dict(self.pattern), "content": self.content}


class Prepend(Normalizer):
    def __init__(self, prepend: str) -> None:
        self.prepend = prepend

    def normalize(self, ns: NormalizedString) -> None:
        ns.prepend(self.prepend)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Prepend", "prepend": self.prepend}


class BertNormalizer(Normalizer):
    def __init__(self, clean_text: bool = True, handle_chinese_chars: bool = True,
                 strip_accents: bool | None = None, lowercase: bool = True) -> None:
        self.clean_text = clean_text
        self.handle_chinese_chars = handle_chinese_chars
        self.strip_accents = strip_accents
        self.lowercase = lowercase

    def normalize(self, ns: NormalizedString) -> None:
        if self.clean_text:
            ns.filter(lambda c: not (c == "\x00" or c == "\ufffd" or uni.is_bert_control(c)))
            ns.map_chars(lambda c: " " if uni.is_bert_whitespace(c) else c)
        if self.handle_chinese_chars and not ns.normalized.isascii():
            cjk = {c for c in set(ns.normalized) if uni.is_chinese_char(c)}
        else:
            cjk = set()
        if cjk:
            out: list[tuple[str, int]] = []
            for c in ns.normalized:
                if c in cjk:
                    out.extend(((" ", 0), (c, 1), (" ", 1)))
                else:
                    out.append((c, 0))
            ns.transform(out)
        strip = self.lowercase if self.strip_accents is None else self.strip_accents
        if strip and not ns.normalized.isascii():
            ns.transform(uni.nfd(ns.normalized))
            ns.filter(lambda c: not _is_nonspacing_mark(c))
        if self.lowercase:
            Lowercase().normalize(ns)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "BertNormalizer", "clean_text": self.clean_text,
                "handle_chinese_chars": self.handle_chinese_chars,
                "strip_accents": self.strip_accents, "lowercase": self.lowercase}


def _is_nonspacing_mark(c: str) -> bool:
    f = getattr(uni, "is_nonspacing_mark", None)
    if f is not None:
        return f(c)
    import unicodedata

    return unicodedata.category(c) == "Mn"


def byte_level_transform(ns: NormalizedString) -> None:
    """Replace each char by the byte-level stand-ins of its UTF-8 bytes (extra bytes are insertions)."""
    text = ns.normalized
    if text.isascii():
        ns.normalized = "".join([BYTES_TO_UNICODE[ord(c)] for c in text])
        return
    out: list[tuple[str, int]] = []
    for c in text:
        bs = c.encode("utf-8", "surrogatepass")
        out.append((BYTES_TO_UNICODE[bs[0]], 0))
        out.extend((BYTES_TO_UNICODE[b], 1) for b in bs[1:])
    ns.transform(out)


class ByteLevel(Normalizer):
    """Every character becomes the printable stand-ins of its UTF-8 bytes (GPT-2's byte map)."""

    def normalize(self, ns: NormalizedString) -> None:
        byte_level_transform(ns)


_NMT_REMOVED = set(range(0x1, 0x9)) | {0xB} | set(range(0xE, 0x20)) | {0x7F, 0x8F, 0x9F}
_NMT_SPACE = {0x9, 0xA, 0xC, 0xD, 0x1680, 0x2028, 0x2029, 0x2581, 0xFEFF, 0xFFFD} | set(range(0x200B, 0x2010))


class Nmt(Normalizer):
    """sentencepiece's nmt cleanup: drop some control characters, turn odd spaces into ' '."""

    def normalize(self, ns: NormalizedString) -> None:
        ns.filter(lambda c: ord(c) not in _NMT_REMOVED)
        ns.map_chars(lambda c: " " if ord(c) in _NMT_SPACE else c)


class Precompiled(Normalizer):
    """sentencepiece's precompiled normalization charsmap (a double-array trie of replacements).

    By default the text is looked up grapheme by grapheme, as Hugging Face tokenizers does. With
    ``longest_match=True`` it is walked as sentencepiece's own normalizer walks it: at each
    position the longest prefix the charsmap has a rule for is replaced (one character is kept
    when there is none), and each of `user_defined_symbols` is copied unchanged where it starts
    (the longest one wins). The two differ on a few grapheme clusters, e.g. "\\r\\n".

    >>> Precompiled(b"", longest_match=True, user_defined_symbols=["<x>"]).normalize_str("a<x>")
    'a<x>'
    """

    def __init__(self, precompiled_charsmap: bytes | str, *, longest_match: bool = False,
                 user_defined_symbols: Sequence[str] = ()) -> None:
        if isinstance(precompiled_charsmap, str):
            precompiled_charsmap = base64.b64decode(precompiled_charsmap)
        if user_defined_symbols and not longest_match:
            raise ValueError("Precompiled: user_defined_symbols are only kept with longest_match=True")
        self.charsmap = bytes(precompiled_charsmap)
        self.longest_match = bool(longest_match)
        self.user_defined_symbols = [s for s in user_defined_symbols if s]
        self._trie, self._normalized = _parse_charsmap(self.charsmap)
        self._cache: dict[str, str | None] = {}
        self._symbols = _prefix_table(self.user_defined_symbols)

    def _setting_changed(self, name: str) -> None:
        if "_cache" not in self.__dict__:  # being made
            return
        self._cache = {}
        if name == "charsmap":
            self._trie, self._normalized = _parse_charsmap(self.charsmap)
        elif name == "user_defined_symbols":
            self._symbols = _prefix_table(self.user_defined_symbols)

    def _lookup(self, chunk: str) -> str | None:
        cached = self._cache.get(chunk, 0)
        if cached != 0:
            return cached  # type: ignore[return-value]
        result = _charsmap_transform(self._trie, self._normalized, chunk)
        if len(self._cache) < 100_000:
            self._cache[chunk] = result
        return result

    def normalize(self, ns: NormalizedString) -> None:
        if self.longest_match:
            self._normalize_longest(ns)
            return
        if not self.charsmap:
            return
        out: list[tuple[str, int]] = []
        modified = False
        for grapheme in _GRAPHEME.findall(ns.normalized):
            if len(grapheme.encode("utf-8", "surrogatepass")) < 6:
                norm = self._lookup(grapheme)
                if norm is not None:
                    modified = True
                    _replace(out, grapheme, norm)
                    continue
            for c in grapheme:
                norm = self._lookup(c)
                if norm is not None:
                    modified = True
                    _replace(out, c, norm)
                else:
                    out.append((c, 0))
        if modified:
            ns.transform(out)

    def _normalize_longest(self, ns: NormalizedString) -> None:
        text = ns.normalized
        out: list[tuple[str, int]] = []
        modified = False
        i, n = 0, len(text)
        while i < n:
            symbol = _longest_prefix(self._symbols, text, i)
            if symbol:
                out.extend((c, 0) for c in symbol)
                i += len(symbol)
                continue
            length, norm = _longest_rule(self._trie, self._normalized, text, i) if self._trie else (0, None)
            if norm is None:
                out.append((text[i], 0))
                i += 1
                continue
            modified = True
            _replace(out, text[i:i + length], norm)
            i += length
        if modified:
            ns.transform(out)

    def starts_a_rule(self, text: str) -> bool:
        """Whether some rule of the charsmap begins with `text`.

        >>> Precompiled(b"").starts_a_rule(" ")
        False
        """
        units = self._trie
        if not units:
            return False
        unit = units[0]
        node = (unit >> 10) << ((unit & (1 << 9)) >> 6)
        for c in text.encode("utf-8", "surrogatepass"):
            node ^= c
            if c == 0 or node >= len(units) or units[node] & ((1 << 31) | 0xFF) != c:
                return False
            node ^= (units[node] >> 10) << ((units[node] & (1 << 9)) >> 6)
        return True

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "type": "Precompiled",
            "precompiled_charsmap": base64.b64encode(self.charsmap).decode("ascii") if self.charsmap else None}
        if self.longest_match:  # subtok's own fields (Hugging Face tokenizers ignores them)
            d["longest_match"] = True
            d["user_defined_symbols"] = list(self.user_defined_symbols)
        return d


def _prefix_table(strings: Sequence[str]) -> dict[str, list[str]]:
    """First character -> the strings starting with it, longest first."""
    table: dict[str, list[str]] = {}
    for s in sorted(set(strings), key=len, reverse=True):
        table.setdefault(s[0], []).append(s)
    return table


def _longest_prefix(table: dict[str, list[str]], text: str, i: int) -> str:
    for s in table.get(text[i], ()):
        if text.startswith(s, i):
            return s
    return ""


def _longest_rule(units: list[int], normalized: bytes, text: str, start: int) -> tuple[int, str | None]:
    """The longest run of characters text[start:start + k] the charsmap has a rule for: (k, replacement),
    or (0, None). sentencepiece's ``Normalizer::NormalizePrefix`` (matches end on character
    boundaries)."""
    n = len(units)
    unit = units[0]
    node = (unit >> 10) << ((unit & (1 << 9)) >> 6)
    best_len, best_value = 0, -1
    for j in range(start, len(text)):
        for c in text[j].encode("utf-8", "surrogatepass"):
            if c == 0:
                return _rule(normalized, best_len, best_value)
            node ^= c
            if node >= n:
                return _rule(normalized, best_len, best_value)
            unit = units[node]
            if unit & ((1 << 31) | 0xFF) != c:
                return _rule(normalized, best_len, best_value)
            node ^= (unit >> 10) << ((unit & (1 << 9)) >> 6)
            leaf = (unit >> 8) & 1
        if leaf and node < n:
            best_len, best_value = j + 1 - start, units[node] & ((1 << 31) - 1)
    return _rule(normalized, best_len, best_value)


def _rule(normalized: bytes, length: int, index: int) -> tuple[int, str | None]:
    if index < 0 or index >= len(normalized):  # (sentencepiece ignores a rule that points outside)
        return 0, None
    end = normalized.find(b"\x00", index)
    raw = normalized[index:] if end < 0 else normalized[index:end]
    return length, raw.decode("utf-8", "replace")


_GRAPHEME = regex.compile(r"\X", regex.DOTALL)


def _replace(out: list[tuple[str, int]], old: str, new: str) -> None:
    diff = len(new) - len(old)
    out.extend((c, 0) for c in new)
    if diff > 0:
        for i in range(len(out) - diff, len(out)):
            out[i] = (out[i][0], 1)
    elif diff < 0 and out:
        c, ch = out[-1]
        out[-1] = (c, ch + diff)


def _parse_charsmap(blob: bytes) -> tuple[list[int], bytes]:
    if not blob:
        return [], b""
    if len(blob) < 4:
        raise ValueError("precompiled_charsmap is shorter than its 4-byte header")
    trie_size = int.from_bytes(blob[:4], "little")
    if trie_size % 4 or 4 + trie_size > len(blob):
        raise ValueError(f"precompiled_charsmap declares a trie of {trie_size} bytes but holds {len(blob) - 4}")
    import array

    units = array.array("I")
    units.frombytes(blob[4:4 + trie_size])
    if units.itemsize != 4:  # pragma: no cover - exotic platforms
        raise ValueError("unsupported platform: array('I') is not 32-bit")
    import sys

    if sys.byteorder == "big":  # pragma: no cover
        units.byteswap()
    return units.tolist(), blob[4 + trie_size:]


def _charsmap_transform(units: list[int], normalized: bytes, chunk: str) -> str | None:
    """sentencepiece's lookup: the first (shortest) prefix of `chunk` found in the trie."""
    key = chunk.encode("utf-8", "surrogatepass")
    n = len(units)
    if n == 0:
        return None
    unit = units[0]
    node = (unit >> 10) << ((unit & (1 << 9)) >> 6)
    for c in key:
        if c == 0:
            break
        node ^= c
        if node >= n:
            return None
        unit = units[node]
        if unit & ((1 << 31) | 0xFF) != c:
            return None
        node ^= (unit >> 10) << ((unit & (1 << 9)) >> 6)
        if (unit >> 8) & 1:
            if node >= n:
                return None
            index = units[node] & ((1 << 31) - 1)
            end = normalized.find(b"\x00", index)
            raw = normalized[index:] if end < 0 else normalized[index:end]
            return raw.decode("utf-8", "replace")
    return None


class Sequence(Normalizer):
    def __init__(self, normalizers: list[Normalizer]) -> None:
        self.normalizers = list(normalizers)

    def normalize(self, ns: NormalizedString) -> None:
        for n in self.normalizers:
            n.normalize(ns)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Sequence", "normalizers": [n.to_dict() for n in self.normalizers]}


_SIMPLE = {c.__name__: c for c in (NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, ByteLevel, Nmt)}


def from_dict(r: Reader) -> Normalizer | None:
    """Build a normalizer from its tokenizer.json form (None for null)."""
    if r.value is None:
        return None
    kind = r.type_name()
    if kind in _SIMPLE:
        return _SIMPLE[kind]()
    if kind == "Strip":
        return Strip(r.get("strip_left", True).bool(), r.get("strip_right", True).bool())
    if kind == "Replace":
        return Replace(pattern_from_dict(r.at("pattern")), r.at("content").str())
    if kind == "Prepend":
        return Prepend(r.at("prepend").str())
    if kind == "BertNormalizer":
        sa = r.get("strip_accents", None)
        return BertNormalizer(r.get("clean_text", True).bool(), r.get("handle_chinese_chars", True).bool(),
                              None if sa.value is None else sa.bool(), r.get("lowercase", True).bool())
    if kind == "Precompiled":
        cm = r.get("precompiled_charsmap", None)
        longest = r.get("longest_match", False).bool()
        symbols = r.get("user_defined_symbols", []).items(lambda e: e.str()) if longest else []
        try:
            blob = b"" if cm.value is None else base64.b64decode(cm.str(), validate=True)
            return Precompiled(blob, longest_match=longest, user_defined_symbols=symbols)
        except ValueError as e:
            cm.fail(f"not a valid sentencepiece charsmap ({e})")
    if kind == "Sequence":
        return Sequence([n for n in r.at("normalizers").items(from_dict) if n is not None])
    r.fail(f"unknown normalizer type {kind!r}; expected one of "
           + ", ".join(sorted([*_SIMPLE, "Strip", "Replace", "Prepend", "BertNormalizer", "Precompiled", "Sequence"])),
           at="type")
    raise AssertionError  # unreachable
