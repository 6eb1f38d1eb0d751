"""Added tokens: strings matched whole before the model runs ([CLS], <|endoftext|>, user additions).

Tokens with ``normalized=False`` are found in the raw text; those with ``normalized=True`` in each
normalized piece, with their own content normalized the same way. Matching is leftmost-longest,
and ``single_word`` / ``lstrip`` / ``rstrip`` follow Hugging Face tokenizers.

>>> vocab = AddedVocabulary()
>>> vocab.add([AddedToken("[MASK]", special=True)], lambda t: None, 10)
1
>>> vocab.find_matches("a [MASK] b", vocab.raw_matcher)
[(None, (0, 2)), (10, (2, 8)), (None, (8, 10))]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import regex

from ._json import Reader
from .normalized import NormalizedString, PreTokenizedString, Split
from .unicode import is_whitespace

__all__ = ["AddedToken", "AddedVocabulary"]


@dataclass(frozen=True)
class AddedToken:
    """A token matched whole in the input. Defaults as in `tokenizers.AddedToken`."""

    content: str
    single_word: bool = False
    lstrip: bool = False
    rstrip: bool = False
    normalized: bool | None = None
    special: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.content, str):
            raise TypeError(f"AddedToken content must be a str, got {type(self.content).__name__}")
        if self.normalized is None:
            object.__setattr__(self, "normalized", not self.special)

    def __str__(self) -> str:
        return self.content

    def to_dict(self, id: int) -> dict[str, Any]:
        return {"id": id, "content": self.content, "single_word": self.single_word, "lstrip": self.lstrip,
                "rstrip": self.rstrip, "normalized": self.normalized, "special": self.special}

    @classmethod
    def from_reader(cls, r: Reader) -> "AddedToken":
        return cls(r.at("content").str(), r.get("single_word", False).bool(), r.get("lstrip", False).bool(),
                   r.get("rstrip", False).bool(), r.get("normalized", True).bool(), r.get("special", False).bool())


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_" or regex.match(r"\w", c) is not None


class _Matcher:
    """Leftmost-longest matching of a set of strings (what aho-corasick's LeftmostLongest gives).

    Candidate positions are found with a one-character class (fast, in C); at each candidate the
    longest string starting there wins.
    """

    def __init__(self, patterns: list[tuple[str, int]]) -> None:
        self.ids: dict[str, int] = {}
        for p, i in patterns:
            if p and p not in self.ids:
                self.ids[p] = i
        lengths: dict[str, set[int]] = {}
        for p in self.ids:
            lengths.setdefault(p[0], set()).add(len(p))
        self.lengths = {c: sorted(ls, reverse=True) for c, ls in lengths.items()}
        self.rx = regex.compile("[" + "".join(regex.escape(c) for c in sorted(lengths)) + "]") if lengths else None

    def finditer(self, text: str):
        rx = self.rx
        if rx is None:
            return
        ids, lengths = self.ids, self.lengths
        pos = 0
        search = rx.search
        while True:
            m = search(text, pos)
            if m is None:
                return
            i = m.start()
            room = len(text) - i
            for n in lengths[text[i]]:
                if n > room:
                    continue
                id = ids.get(text[i:i + n])
                if id is not None:
                    yield i, i + n, id
                    pos = i + n
                    break
            else:
                pos = i + 1

class AddedVocabulary:
    def __init__(self) -> None:
        self.tokens_by_id: dict[int, AddedToken] = {}
        self.ids_by_content: dict[str, int] = {}
        self.special: list[AddedToken] = []
        self.special_set: set[str] = set()
        self.added: list[AddedToken] = []
        self.encode_special_tokens = False
        self.raw_matcher = _Matcher([])
        self.normalized_matcher = _Matcher([])
        # what id_to_token shows: the content, normalized for normalized=True tokens (as HF does)
        self.display: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.tokens_by_id)

    def add(self, tokens: list[AddedToken], normalize: Callable[[NormalizedString], None] | None,
            model_size: int, model_token_to_id: Callable[[str], int | None] = lambda t: None) -> int:
        """Add tokens (HF's id rules: known content keeps its id, new ones go after everything)."""
        for t in tokens:
            if t.special and t.content and t.content not in self.special_set:
                self.special.append(t)
                self.special_set.add(t.content)
        ignored = 0
        present = set(self.tokens_by_id.values())
        mx = max(self.ids_by_content.values(), default=None)
        for t in tokens:
            if not t.content or t in present:
                ignored += 1
                continue
            new_id = self.ids_by_content.get(t.content)
            if new_id is None:
                new_id = model_token_to_id(t.content)
            if new_id is None:
                if mx is None:
                    new_id = model_size
                else:
                    new_id = mx + 1 if (mx >= model_size or model_size == 0) else model_size
            old = self.tokens_by_id.get(new_id)
            if old is not None:
                present.discard(old)
            self.ids_by_content[t.content] = new_id
            self.tokens_by_id[new_id] = t
            present.add(t)
            mx = new_id if mx is None else max(mx, new_id)
            if t.content not in self.special_set:
                self.added.append(t)
        self.refresh(normalize, model_token_to_id)
        return len(tokens) - ignored

    def refresh(self, normalize: Callable[[NormalizedString], None] | None,
                model_token_to_id: Callable[[str], int | None] = lambda t: None) -> None:
        raw: list[tuple[str, int]] = []
        norm: list[tuple[str, int]] = []
        self.display = {id: t.content for id, t in self.tokens_by_id.items()}
        for t in self.special + self.added:
            id = self.ids_by_content.get(t.content)
            if id is None:
                id = model_token_to_id(t.content)
            if id is None:
                continue
            if t.normalized:
                ns = NormalizedString(t.content)
                if normalize is not None:
                    normalize(ns)
                norm.append((ns.normalized, id))
                if self.tokens_by_id.get(id) == t:
                    self.display[id] = ns.normalized
            else:
                raw.append((t.content, id))
        self.raw_matcher = _Matcher(raw)
        self.normalized_matcher = _Matcher(norm)

    def is_special(self, content: str) -> bool:
        return content in self.special_set

    # -- splitting the input ----------------------------------------------------------------------
    def find_matches(self, text: str, matcher: _Matcher) -> list[tuple[int | None, tuple[int, int]]]:
        if not text:
            return [(None, (0, 0))]
        out: list[tuple[int | None, tuple[int, int]]] = []
        start_offset = 0
        n = len(text)
        for start, stop, id in matcher.finditer(text):
            tok = self.tokens_by_id.get(id)
            if tok is None:
                continue
            if self.encode_special_tokens and tok.content in self.special_set:
                continue
            if tok.single_word:
                start_space = start == 0 or not _is_word_char(text[start - 1])
                stop_space = stop == n or not _is_word_char(text[stop])
                if not (start_space and stop_space):
                    continue
            if tok.lstrip:
                s = start
                while s > 0 and is_whitespace(text[s - 1]):
                    s -= 1
                start = max(s, start_offset)
            if tok.rstrip:
                while stop < n and is_whitespace(text[stop]):
                    stop += 1
            if start_offset < start:
                out.append((None, (start_offset, start)))
            out.append((id, (start, stop)))
            start_offset = stop
        if start_offset != n:
            out.append((None, (start_offset, n)))
        return out

    def _split(self, ns: NormalizedString, matcher: _Matcher) -> list[Split]:
        out = []
        for id, (a, b) in self.find_matches(ns.normalized, matcher):
            if a >= b:
                continue
            piece = ns.slice(a, b)
            if id is None:
                out.append(Split(piece))
            else:
                out.append(Split(piece, [(id, piece.normalized, (0, b - a))]))
        return out

    def extract_and_normalize(self, text: str, normalize: Callable[[NormalizedString], None] | None
                              ) -> PreTokenizedString:
        pts = PreTokenizedString(text)
        if self.raw_matcher.rx is not None:
            pts.split(lambda _, ns: self._split(ns, self.raw_matcher))

        def second(_: int, ns: NormalizedString) -> list[Split]:
            if normalize is not None:
                normalize(ns)
            if self.normalized_matcher.rx is None:
                return [Split(ns)]
            return self._split(ns, self.normalized_matcher)

        pts.split(second)
        return pts
