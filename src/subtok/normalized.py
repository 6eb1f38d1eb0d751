"""Strings that remember where each character came from.

A `NormalizedString` holds the original text, the normalized text and, for every normalized
character, the range of original characters it stands for (its *alignment*). Every stage that
changes text goes through `transform`, so offsets reported at the end point into the text the user
gave, whatever the normalizers and pre-tokenizers did.

The rules are Hugging Face tokenizers' (`NormalizedString::transform_range`), expressed per
character instead of per byte (every byte of a character shares one alignment there, so the two
are the same):

- a new character with change ``0`` replaces the next old character and takes its alignment;
- change ``-n`` also removes the ``n`` old characters after it;
- change ``1`` inserts a character that takes the alignment of the old character before it
  (``(0, 0)`` at the very start).

>>> n = NormalizedString("Ça va")
>>> n.transform([("C", 0), ("\u0327", 1)] + [(c, 0) for c in "a va"])
>>> n.align[:3]
[(0, 1), (0, 1), (1, 2)]
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable, Iterable, Sequence

import regex

__all__ = ["NormalizedString", "PreTokenizedString", "Split", "find_matches", "split_normalized"]

Offsets = tuple[int, int]


class NormalizedString:
    """The text a stage works on, with alignments back to the original text.

    Alignments are absolute: offsets into the whole input (`root`), so cutting a piece out is a
    list slice, not a rebase. `shift`..`end` is the part of the input this piece stands for.
    """

    __slots__ = ("root", "normalized", "_align", "shift", "end")

    def __init__(self, original: str, *, _normalized: str | None = None,
                 _align: list[Offsets] | None = None, _shift: int = 0, _end: int | None = None) -> None:
        self.root = original
        self.normalized = original if _normalized is None else _normalized
        self._align = _align  # None: untouched text, char i stands for input char shift + i
        self.shift = _shift
        self.end = len(original) if _end is None else _end

    @property
    def align(self) -> list[Offsets]:
        """Per normalized char, the (start, end) input range it stands for."""
        if self._align is None:
            s = self.shift
            self._align = [(i, i + 1) for i in range(s, s + len(self.normalized))]
        return self._align

    @align.setter
    def align(self, value: list[Offsets]) -> None:
        self._align = value

    @property
    def original(self) -> str:
        return self.root[self.shift:self.end]

    def __repr__(self) -> str:
        return f"NormalizedString(original={self.original!r}, normalized={self.normalized!r})"

    def __len__(self) -> int:
        return len(self.normalized)

    def offsets_original(self) -> Offsets:
        return (self.shift, self.end)

    # -- the one primitive every change goes through -------------------------------------------
    def transform_range(self, start: int, end: int, dest: Iterable[tuple[str, int]],
                        initial_offset: int = 0) -> None:
        """Replace normalized[start:end] by `dest` ((char, change) pairs), updating alignments."""
        dest = dest if isinstance(dest, list) else list(dest)
        if not initial_offset and len(dest) == end - start and not any(ch for _, ch in dest):
            # one-for-one replacement: alignments stay as they are
            self.normalized = self.normalized[:start] + "".join([c for c, _ in dest]) + self.normalized[end:]
            return
        old_align = self.align
        pos = start + initial_offset
        at_start = (self.shift, self.shift)
        new_chars: list[str] = []
        new_align: list[Offsets] = []
        for ch, change in dest:
            if change > 0:
                new_align.append(old_align[pos - 1] if pos >= 1 else at_start)
            else:
                new_align.append(old_align[pos])
                pos += 1 - change
            new_chars.append(ch)
        self.normalized = self.normalized[:start] + "".join(new_chars) + self.normalized[end:]
        self.align = old_align[:start] + new_align + old_align[end:]

    def transform(self, dest: Iterable[tuple[str, int]], initial_offset: int = 0) -> None:
        self.transform_range(0, len(self.normalized), dest, initial_offset)

    # -- operations built on transform ---------------------------------------------------------
    def map_chars(self, fn: Callable[[str], str]) -> None:
        """Replace each character by `fn(char)` (exactly one character; alignments unchanged)."""
        # `fn` runs once per distinct character; str.translate does the rest in C
        table = {ord(c): fn(c) for c in set(self.normalized)}
        self.normalized = self.normalized.translate(table)

    def expand_chars(self, fn: Callable[[str], str]) -> None:
        """Replace each character by the string `fn(char)`; extra characters count as insertions."""
        table = {c: fn(c) for c in set(self.normalized)}
        if all(len(r) == 1 for r in table.values()):
            self.normalized = self.normalized.translate({ord(c): r for c, r in table.items()})
            return
        out: list[tuple[str, int]] = []
        for c in self.normalized:
            repl = table[c]
            if len(repl) == 1:
                out.append((repl, 0))
            elif repl:
                out.append((repl[0], 0))
                out.extend((r, 1) for r in repl[1:])
            else:  # removal: fold into the previous kept char (handled by filter semantics)
                raise ValueError("expand_chars cannot remove characters; use filter")
        self.transform(out)

    def filter(self, keep: Callable[[str], bool]) -> None:
        """Drop every character for which `keep` is false."""
        chars = self.normalized
        drop = {c for c in set(chars) if not keep(c)}
        if not drop:
            return
        out_rev: list[tuple[str, int]] = []
        removed = 0
        for c in reversed(chars):
            if c not in drop:
                out_rev.append((c, -removed))
                removed = 0
            else:
                removed += 1
        out_rev.reverse()
        self.transform(out_rev, removed)

    def prepend(self, s: str) -> None:
        if not self.normalized or not s:
            return
        first = self.normalized[0]
        dest = [(s[0], 0)] + [(c, 1) for c in s[1:]] + [(first, 1)]
        self.transform_range(0, 1, dest, 0)

    def append(self, s: str) -> None:
        if not self.normalized or not s:
            return
        n = len(self.normalized)
        dest = [(self.normalized[-1], 0)] + [(c, 1) for c in s]
        self.transform_range(n - 1, n, dest, 0)

    def replace(self, pattern: "Pattern", content: str) -> None:
        """Replace every match of `pattern` by `content` (HF: inserted chars align to the match's last char)."""
        # One pass (a transform per match would make it quadratic): each match's characters become
        # `content`, every inserted character aligned as HF aligns it: to the match's last character,
        # or for an empty match to the character before it ((shift, shift) at the very start).
        text = self.normalized
        matches = [r for r, is_match in find_matches(pattern, text) if is_match]
        if not matches:
            return
        if len(content) == 1 and all(end - start == 1 for start, end in matches):
            pieces, last = [], 0  # one character for one: alignments stay as they are
            for start, end in matches:
                pieces += (text[last:start], content)
                last = end
            pieces.append(text[last:])
            self.normalized = "".join(pieces)
            return
        old_align, at_start = self.align, (self.shift, self.shift)
        chars: list[str] = []
        align: list[Offsets] = []
        last = 0
        for start, end in matches:
            chars.append(text[last:start])
            align += old_align[last:start]
            if content:
                stands_for = old_align[end - 1] if end > start else align[-1] if align else at_start
                chars.append(content)
                align += [stands_for] * len(content)
            last = end
        chars.append(text[last:])
        align += old_align[last:]
        self.normalized = "".join(chars)
        self.align = align

    def strip(self, left: bool, right: bool, is_space: Callable[[str], bool]) -> None:
        text = self.normalized
        n = len(text)
        lead = 0
        if left:
            while lead < n and is_space(text[lead]):
                lead += 1
        trail = 0
        if right:
            while trail < n and is_space(text[n - 1 - trail]):
                trail += 1
        if lead == 0 and trail == 0:
            return
        dest = []
        for i, c in enumerate(text):
            if i < lead or i >= n - trail:
                continue
            dest.append((c, -trail if i == n - trail - 1 else 0))
        self.transform(dest, lead)

    # -- slicing and offsets --------------------------------------------------------------------
    def convert_normalized_to_original(self, start: int, end: int) -> Offsets | None:
        """Input range (absolute) covered by normalized[start:end]."""
        if start == end:
            return (start, end)
        if start > end:
            return None
        if end > len(self.align) or start < 0:
            if start >= len(self.align):
                return None
            end = len(self.align)
        return (self.align[start][0], self.align[end - 1][1])

    def slice(self, start: int, end: int) -> "NormalizedString":
        """The part normalized[start:end], as its own NormalizedString (start < end)."""
        ns = _new_ns(NormalizedString)
        ns.root = self.root
        ns.normalized = self.normalized[start:end]
        if self._align is None:
            ns._align = None
            ns.shift = self.shift + start
            ns.end = self.shift + end
        else:
            align = self._align[start:end]
            ns._align = align
            ns.shift = align[0][0]
            ns.end = align[-1][1]
        return ns

    def split(self, pattern: "Pattern", behavior: str) -> list["NormalizedString"]:
        return split_normalized(self, pattern, behavior)


_new_ns = object.__new__


# -- patterns ---------------------------------------------------------------------------------------
class Invert:
    """A pattern whose matches are the gaps of another pattern's."""

    __slots__ = ("pattern",)

    def __init__(self, pattern: "Pattern") -> None:
        self.pattern = pattern


Pattern = "str | regex.Pattern[str] | Callable[[str], bool] | Invert"


def _regex_matches(rx: "regex.Pattern[str]", text: str) -> list[tuple[Offsets, bool]]:
    if not text:
        return [((0, 0), False)]
    out: list[tuple[Offsets, bool]] = []
    prev = 0
    pos = 0
    last_end = -1
    n = len(text)
    search = rx.for_text(text).search if hasattr(rx, "for_text") else rx.search
    while pos <= n:
        m = search(text, pos)
        if m is None:
            break
        s, e = m.span()
        if s == e:
            # Oniguruma's find_iter: no empty match right after the previous match; step one char.
            if last_end == e:
                pos = e + 1
                continue
        if prev != s:
            out.append(((prev, s), False))
        out.append(((s, e), True))
        prev = e
        last_end = e
        pos = e + 1 if s == e else e
    if prev != n:
        out.append(((prev, n), False))
    return out


def find_matches(pattern: object, text: str) -> list[tuple[Offsets, bool]]:
    """Cover `text` with (range, is_match) pieces, in order, as HF's `Pattern::find_matches` does."""
    if isinstance(pattern, Invert):
        return [(r, not m) for r, m in find_matches(pattern.pattern, text)]
    if isinstance(pattern, str):
        if not pattern:
            return [((0, len(text)), False)]
        return _regex_matches(regex.compile(regex.escape(pattern)), text)
    if isinstance(pattern, regex.Pattern) or hasattr(pattern, "subtok_source"):
        return _regex_matches(pattern, text)  # type: ignore[arg-type]
    # a character predicate: each matching char is its own match
    if not text:
        return [((0, 0), False)]
    hits = [c for c in set(text) if pattern(c)]  # type: ignore[operator]
    if not hits:
        return [((0, len(text)), False)]
    out = []
    run_start = 0
    for m in _char_class(frozenset(hits)).finditer(text):
        i = m.start()
        if run_start < i:
            out.append(((run_start, i), False))
        out.append(((i, i + 1), True))
        run_start = i + 1
    if run_start < len(text):
        out.append(((run_start, len(text)), False))
    return out


@lru_cache(maxsize=4096)
def _char_class(chars: frozenset[str]) -> "regex.Pattern[str]":
    return regex.compile("[" + "".join(regex.escape(c, special_only=False) for c in sorted(chars)) + "]")


SPLIT_BEHAVIORS = ("removed", "isolated", "merged_with_previous", "merged_with_next", "contiguous")


def _apply_behavior(matches: list[tuple[Offsets, bool]], behavior: str) -> list[tuple[Offsets, bool]]:
    """Turn (range, is_match) pieces into (range, remove) pieces for a split behaviour."""
    if behavior == "isolated":
        return [(r, False) for r, _ in matches]
    if behavior == "removed":
        return matches
    acc: list[list] = []
    prev_match = False
    if behavior == "contiguous":
        for r, m in matches:
            if m == prev_match and acc:
                acc[-1][0] = (acc[-1][0][0], r[1])
            else:
                acc.append([r, False])
            prev_match = m
    elif behavior == "merged_with_previous":
        for r, m in matches:
            if m and not prev_match and acc:
                acc[-1][0] = (acc[-1][0][0], r[1])
            else:
                acc.append([r, False])
            prev_match = m
    elif behavior == "merged_with_next":
        for r, m in reversed(matches):
            if m and not prev_match and acc:
                acc[-1][0] = (r[0], acc[-1][0][1])
            else:
                acc.append([r, False])
            prev_match = m
        acc.reverse()
    else:
        raise ValueError(f"unknown split behavior {behavior!r}; expected one of {SPLIT_BEHAVIORS}")
    return [(r, rm) for r, rm in acc]


def split_normalized(ns: NormalizedString, pattern: object, behavior: str) -> list[NormalizedString]:
    pieces = _apply_behavior(find_matches(pattern, ns.normalized), behavior)
    return [ns.slice(s, e) for (s, e), remove in pieces if not remove and s < e]


# -- pre-tokenized strings -----------------------------------------------------------------------
class Split:
    __slots__ = ("normalized", "tokens")

    def __init__(self, normalized: NormalizedString, tokens: list | None = None) -> None:
        self.normalized = normalized
        self.tokens = tokens

    def __repr__(self) -> str:
        return f"Split({self.normalized.normalized!r}, tokens={self.tokens!r})"


class PreTokenizedString:
    """The input cut into pieces; each piece is normalized and tokenized on its own."""

    __slots__ = ("original", "splits")

    def __init__(self, original: str, splits: Sequence[Split] | None = None) -> None:
        self.original = original
        self.splits = list(splits) if splits is not None else [Split(NormalizedString(original))]

    def split(self, fn: Callable[[int, NormalizedString], Iterable[NormalizedString]]) -> None:
        new: list[Split] = []
        for i, sp in enumerate(self.splits):
            if sp.tokens is not None:
                new.append(sp)
                continue
            for piece in fn(i, sp.normalized):
                if isinstance(piece, Split):
                    if piece.normalized.normalized:
                        new.append(piece)
                elif piece.normalized:
                    new.append(Split(piece))
        self.splits = new

    def normalize(self, fn: Callable[[NormalizedString], None]) -> None:
        for sp in self.splits:
            if sp.tokens is None:
                fn(sp.normalized)

    def get_splits(self) -> list[tuple[str, Offsets]]:
        """(normalized piece, original char offsets) for each piece, like HF's `pre_tokenize_str`."""
        return [(sp.normalized.normalized, sp.normalized.offsets_original()) for sp in self.splits]
