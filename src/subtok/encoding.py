"""`Encoding`: what encoding a text gives: ids, tokens, offsets, masks, and where each came from.

>>> e = Encoding.from_tokens([(7, "hi", (0, 2))], word_ids=[0], type_id=0)
>>> e.ids, e.tokens, e.offsets, e.attention_mask
([7], ['hi'], [(0, 2)], [1])
"""

from __future__ import annotations

from typing import Iterable

__all__ = ["Encoding"]


class Encoding:
    """The result of `Tokenizer.encode`, with the attributes of Hugging Face's `Encoding`."""

    __slots__ = ("ids", "type_ids", "tokens", "word_ids", "offsets", "special_tokens_mask",
                 "attention_mask", "overflowing", "sequence_ranges")

    def __init__(self, ids: list[int] | None = None, type_ids: list[int] | None = None,
                 tokens: list[str] | None = None, word_ids: list[int | None] | None = None,
                 offsets: list[tuple[int, int]] | None = None, special_tokens_mask: list[int] | None = None,
                 attention_mask: list[int] | None = None, overflowing: list["Encoding"] | None = None,
                 sequence_ranges: dict[int, tuple[int, int]] | None = None) -> None:
        self.ids = ids if ids is not None else []
        n = len(self.ids)
        self.type_ids = type_ids if type_ids is not None else [0] * n
        self.tokens = tokens if tokens is not None else []
        self.word_ids = word_ids if word_ids is not None else [None] * n
        self.offsets = offsets if offsets is not None else [(0, 0)] * n
        self.special_tokens_mask = special_tokens_mask if special_tokens_mask is not None else [0] * n
        self.attention_mask = attention_mask if attention_mask is not None else [1] * n
        self.overflowing = overflowing if overflowing is not None else []
        self.sequence_ranges = sequence_ranges if sequence_ranges is not None else {}

    @classmethod
    def from_tokens(cls, tokens: Iterable[tuple[int, str, tuple[int, int]]], *, word_ids: list[int | None],
                    type_id: int) -> "Encoding":
        toks = list(tokens)
        n = len(toks)
        return cls([t[0] for t in toks], [type_id] * n, [t[1] for t in toks], word_ids,
                   [t[2] for t in toks], [0] * n, [1] * n)

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return (f"Encoding(num_tokens={len(self.ids)}, attributes=[ids, type_ids, tokens, offsets, "
                "attention_mask, special_tokens_mask, overflowing])")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Encoding) and all(getattr(self, s) == getattr(other, s) for s in Encoding.__slots__)

    def copy(self) -> "Encoding":
        return Encoding(list(self.ids), list(self.type_ids), list(self.tokens), list(self.word_ids),
                        list(self.offsets), list(self.special_tokens_mask), list(self.attention_mask),
                        [o.copy() for o in self.overflowing], dict(self.sequence_ranges))

    # -- views ------------------------------------------------------------------------------------
    @property
    def words(self) -> list[int | None]:
        return self.word_ids

    @property
    def n_sequences(self) -> int:
        return len(self.sequence_ranges) or 1

    @property
    def sequence_ids(self) -> list[int | None]:
        # As Hugging Face: sequences 0..n_sequences-1, a missing one covering every token.
        out: list[int | None] = [None] * len(self.ids)
        for seq in range(self.n_sequences):
            a, b = self._range(seq)
            out[a:b] = [seq] * (b - a)
        return out

    def set_sequence_id(self, seq: int, *, overflowing: bool = False) -> None:
        """Mark every token as belonging to sequence `seq` (and the overflowing parts' if asked)."""
        self.sequence_ranges = {seq: (0, len(self.ids))}
        if overflowing:
            for o in self.overflowing:
                o.set_sequence_id(seq, overflowing=True)

    def _range(self, seq: int) -> tuple[int, int]:
        return self.sequence_ranges.get(seq, (0, len(self.ids)))

    def token_to_sequence(self, token: int) -> int | None:
        return self.sequence_ids[token] if 0 <= token < len(self.ids) else None

    def token_to_chars(self, token: int) -> tuple[int, int] | None:
        return self.offsets[token] if 0 <= token < len(self.ids) else None

    def token_to_word(self, token: int) -> int | None:
        return self.word_ids[token] if 0 <= token < len(self.ids) else None

    def word_to_tokens(self, word: int, sequence_index: int = 0) -> tuple[int, int] | None:
        a, b = self._range(sequence_index)
        hits = [i for i in range(a, b) if self.word_ids[i] == word]
        return (hits[0], hits[-1] + 1) if hits else None

    def word_to_chars(self, word: int, sequence_index: int = 0) -> tuple[int, int] | None:
        t = self.word_to_tokens(word, sequence_index)
        if t is None:
            return None
        return (self.offsets[t[0]][0], self.offsets[t[1] - 1][1])

    def char_to_token(self, pos: int, sequence_index: int = 0) -> int | None:
        a, b = self._range(sequence_index)
        for i in range(a, b):
            s, e = self.offsets[i]
            if s <= pos < e:
                return i
        return None

    def char_to_word(self, pos: int, sequence_index: int = 0) -> int | None:
        t = self.char_to_token(pos, sequence_index)
        return None if t is None else self.word_ids[t]

    # -- combining --------------------------------------------------------------------------------
    def merge_with(self, pair: "Encoding", growing_offsets: bool = False) -> None:
        """Append `pair` (and combine the overflowing parts as Hugging Face does)."""
        overflowings: list[Encoding] = []
        for so in self.overflowing:
            n = so.copy()
            n.merge_with(pair.copy(), growing_offsets)
            overflowings.append(n)
            for po in pair.overflowing:
                n = so.copy()
                n.merge_with(po.copy(), growing_offsets)
                overflowings.append(n)
        for po in pair.overflowing:
            n = self.copy()
            n.merge_with(po.copy(), growing_offsets)
            overflowings.append(n)
        base = len(self.ids)
        for seq, (a, b) in pair.sequence_ranges.items():
            self.sequence_ranges[seq] = (base + a, base + b)
        self.ids.extend(pair.ids)
        self.type_ids.extend(pair.type_ids)
        self.tokens.extend(pair.tokens)
        self.word_ids.extend(pair.word_ids)
        shift = self.offsets[-1][1] if growing_offsets and self.offsets else 0
        self.offsets.extend((a + shift, b + shift) for a, b in pair.offsets)
        self.special_tokens_mask.extend(pair.special_tokens_mask)
        self.attention_mask.extend(pair.attention_mask)
        self.overflowing = overflowings

    @staticmethod
    def merge(encodings: Iterable["Encoding"], growing_offsets: bool = False) -> "Encoding":
        out = Encoding()
        for e in encodings:
            out.merge_with(e, growing_offsets)
        return out

    def truncate(self, max_length: int, stride: int = 0, direction: str = "right") -> None:
        """Keep `max_length` tokens; the rest go to `overflowing` in windows overlapping by `stride`."""
        n = len(self.ids)
        if max_length >= n:
            return
        if max_length == 0:
            old = Encoding(self.ids, self.type_ids, self.tokens, self.word_ids, self.offsets,
                           self.special_tokens_mask, self.attention_mask, self.overflowing, self.sequence_ranges)
            self.__init__()  # type: ignore[misc]
            self.overflowing = [old]
            return
        if stride >= max_length:
            from .errors import EncodeError

            raise EncodeError(f"truncation stride ({stride}) must be strictly less than max_length "
                              f"({max_length}); note that max_length excludes the special tokens added by "
                              "the post-processor")
        self.sequence_ranges = {}
        step = max_length - stride
        parts: list[tuple[int, int]] = []
        if direction == "right":
            for start in range(0, n, step):
                stop = min(start + max_length, n)
                parts.append((start, stop))
                if stop == n:
                    break
        else:
            for stop in range(n - 1, -1, -step):
                stop += 1
                start = max(stop - max_length, 0)
                parts.append((start, stop))
                if start == 0:
                    break
        pieces = [self._slice(a, b) for a, b in parts]
        first = pieces[0]
        first.overflowing = pieces[1:]
        for s in Encoding.__slots__:
            setattr(self, s, getattr(first, s))

    def _slice(self, a: int, b: int) -> "Encoding":
        return Encoding(self.ids[a:b], self.type_ids[a:b], self.tokens[a:b], self.word_ids[a:b],
                        self.offsets[a:b], self.special_tokens_mask[a:b], self.attention_mask[a:b])

    def pad(self, length: int, pad_id: int = 0, pad_type_id: int = 0, pad_token: str = "[PAD]",
            direction: str = "right") -> None:
        for o in self.overflowing:
            o.pad(length, pad_id, pad_type_id, pad_token, direction)
        k = length - len(self.ids)
        if k <= 0:
            return
        if direction == "left":
            self.ids[:0] = [pad_id] * k
            self.type_ids[:0] = [pad_type_id] * k
            self.tokens[:0] = [pad_token] * k
            self.word_ids[:0] = [None] * k
            self.attention_mask[:0] = [0] * k
            self.special_tokens_mask[:0] = [1] * k
            self.offsets[:0] = [(0, 0)] * k
            self.sequence_ranges = {s: (a + k, b + k) for s, (a, b) in self.sequence_ranges.items()}
        else:
            self.ids.extend([pad_id] * k)
            self.type_ids.extend([pad_type_id] * k)
            self.tokens.extend([pad_token] * k)
            self.word_ids.extend([None] * k)
            self.attention_mask.extend([0] * k)
            self.special_tokens_mask.extend([1] * k)
            self.offsets.extend([(0, 0)] * k)
