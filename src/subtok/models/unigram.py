"""Unigram: the segmentation with the highest total log-probability (Viterbi), as sentencepiece.

Every vocabulary piece (control and unknown pieces included, as in Hugging Face tokenizers) can
match, unless listed in ``unmatched_ids``; a character no piece covers becomes the unknown token,
and runs of unknowns fuse. With ``float32=True`` path scores are float32 sums, as sentencepiece
computes them, so near-ties resolve as they do there.

>>> u = Unigram([("<unk>", 0.0), ("a", -1.0), ("b", -1.0), ("ab", -1.5)], unk_id=0)
>>> u.tokenize("ab")
[(3, 'ab', (0, 2))]
"""

from __future__ import annotations

import array
from functools import cached_property
from typing import Any, Iterable

from ..errors import EncodeError
from .._json import Reader
from .base import Model, Token

_UNK_PENALTY = 10.0
_MEMO_LIMIT = 200_000
_RESCALE_AT = 100000.0  # sentencepiece re-bases float32 path scores beyond this magnitude


def to_float32(x: float) -> float:
    """`x` rounded to the nearest float32, as a C++ ``float`` keeps it (too large: +-inf).

    >>> to_float32(0.1)
    0.10000000149011612
    """
    buf = array.array("f", [x])
    return buf[0]


class Unigram(Model):
    """
    `unmatched_ids`: pieces that text never produces (sentencepiece's control, unknown, byte and
    unused pieces); they keep their ids and byte pieces still serve `byte_fallback`. The unknown
    score is then the lowest score of the other pieces minus 10.
    """

    def __init__(self, vocab: list[tuple[str, float]], unk_id: int | None = None,
                 byte_fallback: bool = False, *, unmatched_ids: Iterable[int] = (), float32: bool = False) -> None:
        names: list[str] = []
        self._names = names
        self._scores: list[float] = []  # the float objects kept: a NaN stays equal to itself
        for p, s in vocab:  # (one pass: `vocab` may be an iterator)
            names.append(p)
            self._scores.append(float(s))
        if unk_id is not None and unk_id >= len(names):
            raise ValueError(f"Unigram unk_id {unk_id} is outside the vocabulary of {len(names)} pieces")
        self.unk_id = unk_id
        self.byte_fallback = byte_fallback
        self.unmatched_ids = sorted(set(unmatched_ids))
        if self.unmatched_ids and not 0 <= self.unmatched_ids[0] <= self.unmatched_ids[-1] < len(names):
            raise ValueError(f"Unigram unmatched_ids must be ids of the {len(names)} pieces")
        self.float32 = bool(float32)
        self.vocab = dict(zip(names, range(len(names))))  # a repeated piece: its last id, as HF
        scores = self._scores
        self.min_score = min((scores[i] for _, i in self._matched_items()), default=0.0)
        self._memo: dict[str, list[Token]] = {}

    # -- the reference's tables, made when it first runs (the compiled core needs none of them:
    # for j2's 262,144 pieces they were ~50 MB) -------------------------------------------------
    @cached_property
    def pieces(self) -> list[tuple[str, float]]:
        """(piece, score) by id."""
        return list(zip(self._names, self._scores))

    @cached_property
    def _vocab_r(self) -> dict[int, str]:  # type: ignore[override]
        return dict(enumerate(self._names))

    def _matched_items(self) -> Iterable[tuple[str, int]]:
        """(piece, id) of the pieces text can produce: the vocab less `unmatched_ids`."""
        if not self.unmatched_ids:
            return self.vocab.items()
        unmatched = set(self.unmatched_ids)
        return ((p, i) for p, i in self.vocab.items() if i not in unmatched)

    @cached_property
    def _matched(self) -> dict[str, int]:
        return self.vocab if not self.unmatched_ids else dict(self._matched_items())

    @cached_property
    def _max_len(self) -> int:
        """The longest piece text can produce, in characters."""
        return max(map(len, self._matched), default=0)

    @cached_property
    def _reach(self) -> dict[str, int]:
        """The longest piece that starts with each 3-character prefix: the lattice looks no further
        than that (pieces of 1-2 characters are always looked up), which keeps a 262k vocabulary with
        long pieces at a few lookups per character instead of the longest piece's length."""
        reach: dict[str, int] = {}
        for p in self._matched:
            if len(p) > 2 and len(p) > reach.get(p[:3], 0):
                reach[p[:3]] = len(p)
        return reach

    def get_vocab_size(self) -> int:
        return len(self._names)

    def get_vocab(self) -> dict[str, int]:
        return dict(self.vocab)

    def tokenize(self, piece: str) -> list[Token]:
        if not piece:
            return []
        memo = self._memo.get(piece)
        if memo is not None:
            return memo
        tokens = self._tokens(self.encode_pieces(piece))
        if len(self._memo) < _MEMO_LIMIT:
            self._memo[piece] = tokens
        return tokens

    def encode_pieces(self, text: str) -> list[str]:
        """The best segmentation of `text` as strings (unknown runs fused)."""
        best_start, best_id = self._best_path_float32(text) if self.float32 else self._best_path(text)
        results: list[str] = []
        fused: list[str] = []
        end = len(text)
        unk_id = self.unk_id
        while end > 0:
            start = best_start[end]
            if unk_id is not None and best_id[end] == unk_id:
                fused.append(text[start:end])
            else:
                if fused:
                    results.append("".join(reversed(fused)))
                    fused = []
                results.append(text[start:end])
            end = start
        if fused:
            results.append("".join(reversed(fused)))
        results.reverse()
        return results

    def _best_path(self, text: str) -> tuple[list[int], list[int]]:
        """For each end position, where the best path's last piece starts and its id (float64 scores,
        as Hugging Face tokenizers)."""
        n = len(text)
        vocab = self._matched
        scores = self._scores
        unk_score = self.min_score - _UNK_PENALTY
        best_score = [0.0] * (n + 1)
        best_start = [-1] * (n + 1)
        best_id = [0] * (n + 1)
        reach = self._reach
        for start in range(n):
            base = best_score[start]
            has_single = False
            limit = min(n, start + reach.get(text[start:start + 3], 2))
            for end in range(start + 1, limit + 1):
                id = vocab.get(text[start:end])
                if id is None:
                    continue
                score = scores[id] + base
                if best_start[end] < 0 or score > best_score[end]:
                    best_score[end] = score
                    best_start[end] = start
                    best_id[end] = id
                if end == start + 1:
                    has_single = True
            if not has_single:
                end = start + 1
                score = unk_score + base
                if best_start[end] < 0 or score > best_score[end]:
                    best_score[end] = score
                    best_start[end] = start
                    best_id[end] = self._unk(text[start])
        return best_start, best_id

    def _best_path_float32(self, text: str) -> tuple[list[int], list[int]]:
        """`_best_path` in sentencepiece's float32 arithmetic: every candidate score is rounded to float32
        before it is compared, and scores are re-based when they pass 100000 in magnitude."""
        n = len(text)
        vocab = self._matched
        scores = self._scores
        f32 = array.array("f", [self.min_score - _UNK_PENALTY])
        unk_score = f32[0]
        best_score = [0.0] * (n + 1)
        best_start = [-1] * (n + 1)
        best_id = [0] * (n + 1)
        reach = self._reach
        frontier = 0
        for start in range(n):
            base = best_score[start]
            if base < -_RESCALE_AT or base > _RESCALE_AT:
                for i in range(start, frontier + 1):
                    if i == start or best_start[i] >= 0:
                        f32[0] = best_score[i] - base
                        best_score[i] = f32[0]
                base = 0.0
            has_single = False
            limit = min(n, start + reach.get(text[start:start + 3], 2))
            for end in range(start + 1, limit + 1):
                id = vocab.get(text[start:end])
                if id is None:
                    continue
                f32[0] = scores[id] + base
                score = f32[0]
                if end > frontier:
                    frontier = end
                if best_start[end] < 0 or score > best_score[end]:
                    best_score[end] = score
                    best_start[end] = start
                    best_id[end] = id
                if end == start + 1:
                    has_single = True
            if not has_single:
                end = start + 1
                frontier = max(frontier, end)
                f32[0] = unk_score + base
                score = f32[0]
                if best_start[end] < 0 or score > best_score[end]:
                    best_score[end] = score
                    best_start[end] = start
                    best_id[end] = self._unk(text[start])
        return best_start, best_id

    def _unk(self, char: str) -> int:
        if self.unk_id is None:
            raise EncodeError(f"Unigram: {char!r} is not in the vocabulary and the model has no unk_id; "
                              "set model.unk_id")
        return self.unk_id

    def _tokens(self, strings: list[str]) -> list[Token]:
        vocab = self._matched
        out: list[Token] = []
        pos = 0
        for s in strings:
            offsets = (pos, pos + len(s))
            pos += len(s)
            id = vocab.get(s)
            if id is None:
                if self.byte_fallback:
                    names = [f"<0x{b:02X}>" for b in s.encode("utf-8", "surrogatepass")]
                    if all(nm in self.vocab for nm in names):
                        out.extend((self.vocab[nm], nm, offsets) for nm in names)
                        continue
                if self.unk_id is None:
                    raise EncodeError(f"Unigram: {s!r} is not in the vocabulary and the model has no unk_id")
                id = self.unk_id
            out.append((id, s, offsets))
        return out

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"type": "Unigram", "unk_id": self.unk_id,
                             "vocab": [[p, s] for p, s in zip(self._names, self._scores)],
                             "byte_fallback": self.byte_fallback}
        if self.unmatched_ids:  # subtok's own fields (Hugging Face tokenizers ignores them)
            d["unmatched_ids"] = list(self.unmatched_ids)
        if self.float32:
            d["float32"] = True
        return d

    @classmethod
    def from_reader(cls, r: Reader) -> "Unigram":
        def entry(e: Reader) -> tuple[str, float]:
            v = e.value
            if not (isinstance(v, list) and len(v) == 2 and isinstance(v[0], str)
                    and isinstance(v[1], (int, float)) and not isinstance(v[1], bool)):
                e.fail(f"expected [piece, score], got {v!r}")
            return v[0], float(v[1])

        vocab = r.at("vocab").items(entry)
        unk_id = r.get("unk_id", None).opt_int()
        if unk_id is not None and unk_id >= len(vocab):
            r.fail(f"unk_id {unk_id} is outside the vocabulary of {len(vocab)} pieces", at="unk_id")
        unmatched = r.get("unmatched_ids", []).items(lambda e: e.int())
        if any(not 0 <= i < len(vocab) for i in unmatched):
            r.fail(f"unmatched_ids must be ids of the {len(vocab)} pieces", at="unmatched_ids")
        return cls(vocab, unk_id, r.get("byte_fallback", False).bool(), unmatched_ids=unmatched,
                   float32=r.get("float32", False).bool())
