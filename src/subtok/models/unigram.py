"""Unigram: the segmentation with the highest total log-probability (Viterbi), as sentencepiece.

Every vocabulary piece (control and unknown pieces included, as in Hugging Face tokenizers) can
match; a character no piece covers becomes the unknown token, and runs of unknowns fuse.

>>> u = Unigram([("<unk>", 0.0), ("a", -1.0), ("b", -1.0), ("ab", -1.5)], unk_id=0)
>>> u.tokenize("ab")
[(3, 'ab', (0, 2))]
"""

from __future__ import annotations

from typing import Any

from ..errors import EncodeError
from .._json import Reader
from .base import Model, Token

_UNK_PENALTY = 10.0
_MEMO_LIMIT = 200_000


class Unigram(Model):
    def __init__(self, vocab: list[tuple[str, float]], unk_id: int | None = None,
                 byte_fallback: bool = False) -> None:
        self.pieces = [(p, float(s)) for p, s in vocab]
        if unk_id is not None and unk_id >= len(self.pieces):
            raise ValueError(f"Unigram unk_id {unk_id} is outside the vocabulary of {len(self.pieces)} pieces")
        self.unk_id = unk_id
        self.byte_fallback = byte_fallback
        self.vocab = {}
        for i, (p, _) in enumerate(self.pieces):
            self.vocab[p] = i
        self._vocab_r = {i: p for i, (p, _) in enumerate(self.pieces)}
        self.min_score = min((s for _, s in self.pieces), default=0.0)
        # pieces by first character, longest first is not needed: every prefix match is a lattice edge
        self._max_len = max((len(p) for p, _ in self.pieces), default=0)
        self._memo: dict[str, list[Token]] = {}

    def get_vocab_size(self) -> int:
        return len(self.pieces)

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
        n = len(text)
        vocab = self.vocab
        pieces = self.pieces
        unk_score = self.min_score - _UNK_PENALTY
        best_score = [0.0] * (n + 1)
        best_start = [-1] * (n + 1)
        best_id = [0] * (n + 1)
        max_len = self._max_len
        for start in range(n):
            base = best_score[start]
            has_single = False
            limit = min(n, start + max_len)
            for end in range(start + 1, limit + 1):
                id = vocab.get(text[start:end])
                if id is None:
                    continue
                score = pieces[id][1] + base
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
                    if self.unk_id is None:
                        raise EncodeError(f"Unigram: {text[start]!r} is not in the vocabulary and the model "
                                          "has no unk_id; set model.unk_id")
                    best_score[end] = score
                    best_start[end] = start
                    best_id[end] = self.unk_id
        results: list[str] = []
        fused: list[str] = []
        end = n
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

    def _tokens(self, strings: list[str]) -> list[Token]:
        vocab = self.vocab
        out: list[Token] = []
        pos = 0
        for s in strings:
            offsets = (pos, pos + len(s))
            pos += len(s)
            id = vocab.get(s)
            if id is None:
                if self.byte_fallback:
                    names = [f"<0x{b:02X}>" for b in s.encode("utf-8", "surrogatepass")]
                    if all(nm in vocab for nm in names):
                        out.extend((vocab[nm], nm, offsets) for nm in names)
                        continue
                if self.unk_id is None:
                    raise EncodeError(f"Unigram: {s!r} is not in the vocabulary and the model has no unk_id")
                id = self.unk_id
            out.append((id, s, offsets))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Unigram", "unk_id": self.unk_id, "vocab": [[p, s] for p, s in self.pieces],
                "byte_fallback": self.byte_fallback}

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
        return cls(vocab, unk_id, r.get("byte_fallback", False).bool())
