"""Decoders: tokens back to text.

Each has ``decode_chain(tokens: list[str]) -> list[str]``; ``decode(tokens)`` joins the result.

>>> WordPiece().decode(["un", "##aff", "##able", "!"])
'unaffable!'
>>> ByteLevel().decode(["Hello", "Ġworld"])
'Hello world'
"""

from __future__ import annotations

from typing import Any

from ._component import Component
from ._json import Reader
from .bytes_map import UNICODE_TO_BYTES
from .normalized import find_matches
from .normalizers import pattern_from_dict, pattern_to_dict

__all__ = ["Decoder", "ByteLevel", "WordPiece", "Metaspace", "BPEDecoder", "ByteFallback", "Fuse", "Strip",
           "Replace", "CTC", "Sequence", "from_dict", "cleanup"]


class Decoder(Component):
    def decode_chain(self, tokens: list[str]) -> list[str]:  # pragma: no cover - interface
        raise NotImplementedError

    def decode(self, tokens: list[str]) -> str:
        return "".join(self.decode_chain(list(tokens)))


class ByteLevel(Decoder):
    def __init__(self, add_prefix_space: bool = True, trim_offsets: bool = True, use_regex: bool = True) -> None:
        self.add_prefix_space = add_prefix_space
        self.trim_offsets = trim_offsets
        self.use_regex = use_regex

    def decode_chain(self, tokens: list[str]) -> list[str]:
        out = bytearray()
        table = UNICODE_TO_BYTES
        for t in tokens:
            try:
                out.extend([table[c] for c in t])
            except KeyError:
                out.extend(t.encode("utf-8", "surrogatepass"))
        return [out.decode("utf-8", "replace")]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "ByteLevel", "add_prefix_space": self.add_prefix_space,
                "trim_offsets": self.trim_offsets, "use_regex": self.use_regex}


def cleanup(s: str) -> str:
    """Undo the spaces WordPiece puts before punctuation and English contractions."""
    for a, b in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                 (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
        s = s.replace(a, b)
    return s


class WordPiece(Decoder):
    def __init__(self, prefix: str = "##", cleanup: bool = True) -> None:
        self.prefix = prefix
        self.cleanup = cleanup

    def decode_chain(self, tokens: list[str]) -> list[str]:
        out = []
        for i, t in enumerate(tokens):
            if i:
                t = t.replace(self.prefix, "", 1) if t.startswith(self.prefix) else " " + t
            if self.cleanup:
                t = cleanup(t)
            out.append(t)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "WordPiece", "prefix": self.prefix, "cleanup": self.cleanup}


class Metaspace(Decoder):
    """``▁`` back to spaces, dropping the prefix space the pre-tokenizer added.

    Hugging Face drops every ``▁`` of the first token (unless ``prepend_scheme="never"``).
    `dummy_prefix` (subtok's own field) drops it as sentencepiece does instead: ``"once"`` drops
    the first ``▁`` of the first token if nothing was output before it (byte tokens ``<0xNN>``
    count as output); ``"leading"`` (sentencepiece with ``remove_extra_whitespaces``) keeps
    dropping the leading ``▁`` of each token until something is output.

    >>> Metaspace(dummy_prefix="once").decode(["▁▁", "▁a"])
    '  a'
    >>> Metaspace().decode(["▁▁", "▁a"])
    ' a'
    """

    def __init__(self, replacement: str = "▁", prepend_scheme: str = "always", split: bool = True,
                 dummy_prefix: str | None = None) -> None:
        if dummy_prefix not in (None, "once", "leading"):
            raise ValueError(f"Metaspace dummy_prefix must be None, 'once' or 'leading', got {dummy_prefix!r}")
        self.replacement = replacement
        self.prepend_scheme = prepend_scheme
        self.split = split
        self.dummy_prefix = dummy_prefix

    def decode_chain(self, tokens: list[str]) -> list[str]:
        if self.dummy_prefix is not None:
            return self._decode_dropping_prefix(tokens)
        rep = self.replacement
        out = []
        for i, t in enumerate(tokens):
            if i == 0 and self.prepend_scheme != "never":
                t = t.replace(rep, "")
            else:
                t = t.replace(rep, " ")
            out.append(t)
        return out

    def _decode_dropping_prefix(self, tokens: list[str]) -> list[str]:
        rep = self.replacement
        out = []
        dropping = True  # nothing has been output yet, and no prefix was dropped (for "once")
        for t in tokens:
            if dropping and _byte_token(t) is None and t.startswith(rep):
                t = t[len(rep):]
                dropping = self.dummy_prefix == "leading" and not t
            elif t:
                dropping = False
            out.append(t.replace(rep, " "))
        return out

    def to_dict(self) -> dict[str, Any]:
        d = {"type": "Metaspace", "replacement": self.replacement, "prepend_scheme": self.prepend_scheme,
             "split": self.split}
        if self.dummy_prefix is not None:
            d["dummy_prefix"] = self.dummy_prefix
        return d


class BPEDecoder(Decoder):
    def __init__(self, suffix: str = "</w>") -> None:
        self.suffix = suffix

    def decode_chain(self, tokens: list[str]) -> list[str]:
        n = len(tokens) - 1
        return [t.replace(self.suffix, "" if i == n else " ") for i, t in enumerate(tokens)]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "BPEDecoder", "suffix": self.suffix}


_HEX = set("0123456789abcdefABCDEF")


def _byte_token(t: str) -> int | None:
    if len(t.encode("utf-8", "surrogatepass")) == 6 and t.startswith("<0x") and t.endswith(">"):
        h = t[3:5]
        if all(c in _HEX for c in h) or (h[0] == "+" and h[1] in _HEX):
            return int(h, 16)
    return None


class ByteFallback(Decoder):
    """Turn runs of <0xNN> tokens back into the characters their bytes spell.

    A run that is not valid UTF-8 becomes one U+FFFD per byte (Hugging Face). With ``keep_valid``
    (subtok's own field) its valid characters are kept and each invalid byte is one U+FFFD, as
    sentencepiece decodes.

    >>> ByteFallback(keep_valid=True).decode(["<0x61>", "<0xE4>", "<0xB8>"])
    'a\ufffd\ufffd'
    >>> ByteFallback().decode(["<0x61>", "<0xE4>", "<0xB8>"])
    '\ufffd\ufffd\ufffd'
    """

    def __init__(self, keep_valid: bool = False) -> None:
        self.keep_valid = keep_valid

    def decode_chain(self, tokens: list[str]) -> list[str]:
        out: list[str] = []
        pending = bytearray()
        flush = _flush_keeping_valid if self.keep_valid else _flush
        for t in tokens:
            b = _byte_token(t)
            if b is not None:
                pending.append(b)
                continue
            if pending:
                flush(out, pending)
            out.append(t)
        if pending:
            flush(out, pending)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "ByteFallback", "keep_valid": True} if self.keep_valid else {"type": "ByteFallback"}


def _flush(out: list[str], pending: bytearray) -> None:
    try:
        out.append(pending.decode("utf-8"))
    except UnicodeDecodeError:
        out.extend(["\ufffd"] * len(pending))
    pending.clear()


def _flush_keeping_valid(out: list[str], pending: bytearray) -> None:
    """Valid characters as they are, each other byte one U+FFFD (sentencepiece's decoding)."""
    data = bytes(pending)
    pending.clear()
    pos = 0
    while pos < len(data):
        try:
            out.append(data[pos:].decode("utf-8"))
            return
        except UnicodeDecodeError as e:
            out.append(data[pos:pos + e.start].decode("utf-8"))
            out.append("\ufffd")
            pos += e.start + 1


class Fuse(Decoder):
    def decode_chain(self, tokens: list[str]) -> list[str]:
        return ["".join(tokens)]


class Strip(Decoder):
    def __init__(self, content: str = " ", start: int = 0, stop: int = 0) -> None:
        self.content = content
        self.start = start
        self.stop = stop

    def decode_chain(self, tokens: list[str]) -> list[str]:
        out = []
        for t in tokens:
            a = 0
            for i, c in enumerate(t[:self.start]):
                if c == self.content:
                    a = i + 1
                else:
                    break
            b = len(t)
            for i in range(min(self.stop, len(t))):
                j = len(t) - i - 1
                if t[j] == self.content:
                    b = j
                else:
                    break
            out.append(t[a:b] if a <= b else "")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Strip", "content": self.content, "start": self.start, "stop": self.stop}


class Replace(Decoder):
    def __init__(self, pattern: Any, content: str) -> None:
        self.pattern = pattern
        self.content = content

    def decode_chain(self, tokens: list[str]) -> list[str]:
        out = []
        for t in tokens:
            parts = [self.content if m else t[a:b] for (a, b), m in find_matches(self.pattern, t)]
            out.append("".join(parts))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Replace", "pattern": pattern_to_dict(self.pattern), "content": self.content}


class CTC(Decoder):
    def __init__(self, pad_token: str = "<pad>", word_delimiter_token: str = "|", cleanup: bool = True) -> None:
        self.pad_token = pad_token
        self.word_delimiter_token = word_delimiter_token
        self.cleanup = cleanup

    def decode_chain(self, tokens: list[str]) -> list[str]:
        out = []
        prev = None
        for t in tokens:
            if t == prev:
                continue
            prev = t
            r = t.replace(self.pad_token, "")
            if self.cleanup:
                r = cleanup(r).replace(self.word_delimiter_token, " ")
            if r:
                out.append(r)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "CTC", "pad_token": self.pad_token, "word_delimiter_token": self.word_delimiter_token,
                "cleanup": self.cleanup}


class Sequence(Decoder):
    def __init__(self, decoders: list[Decoder]) -> None:
        self.decoders = list(decoders)

    def decode_chain(self, tokens: list[str]) -> list[str]:
        for d in self.decoders:
            tokens = d.decode_chain(tokens)
        return tokens

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Sequence", "decoders": [d.to_dict() for d in self.decoders]}


def from_dict(r: Reader) -> Decoder | None:
    if r.value is None:
        return None
    kind = r.type_name()
    if kind == "ByteLevel":
        return ByteLevel(r.get("add_prefix_space", True).bool(), r.get("trim_offsets", True).bool(),
                         r.get("use_regex", True).bool())
    if kind == "WordPiece":
        return WordPiece(r.get("prefix", "##").str(), r.get("cleanup", True).bool())
    if kind == "Metaspace":
        from .pre_tokenizers import _metaspace

        m = _metaspace(r)
        prefix = r.get("dummy_prefix", None).opt_str()
        if prefix not in (None, "once", "leading"):
            r.fail(f"unknown dummy_prefix {prefix!r}; expected 'once' or 'leading'", at="dummy_prefix")
        return Metaspace(m.replacement, m.prepend_scheme, m.split, prefix)
    if kind == "BPEDecoder":
        return BPEDecoder(r.get("suffix", "</w>").str())
    if kind == "ByteFallback":
        return ByteFallback(r.get("keep_valid", False).bool())
    if kind == "Fuse":
        return Fuse()
    if kind == "Strip":
        c = r.at("content").str()
        if len(c) != 1:
            r.fail(f"content must be exactly one character, got {c!r}", at="content")
        return Strip(c, r.at("start").int(), r.at("stop").int())
    if kind == "Replace":
        return Replace(pattern_from_dict(r.at("pattern")), r.at("content").str())
    if kind == "CTC":
        return CTC(r.get("pad_token", "<pad>").str(), r.get("word_delimiter_token", "|").str(),
                   r.get("cleanup", True).bool())
    if kind == "Sequence":
        return Sequence([d for d in r.at("decoders").items(from_dict) if d is not None])
    r.fail(f"unknown decoder type {kind!r}; expected ByteLevel, WordPiece, Metaspace, BPEDecoder, ByteFallback, "
           "Fuse, Strip, Replace, CTC or Sequence", at="type")
    raise AssertionError  # unreachable
