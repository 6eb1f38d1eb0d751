"""WordPiece: greedy longest-match-first from the start of the piece (BERT)."""

from __future__ import annotations

from typing import Any

from ..errors import EncodeError
from .._json import Reader
from .base import Model, Token, read_vocab


class WordPiece(Model):
    """
    >>> wp = WordPiece({"un": 0, "##aff": 1, "##able": 2, "[UNK]": 3})
    >>> [t[1] for t in wp.tokenize("unaffable")]
    ['un', '##aff', '##able']
    """

    def __init__(self, vocab: dict[str, int], unk_token: str = "[UNK]",
                 continuing_subword_prefix: str = "##", max_input_chars_per_word: int = 100) -> None:
        self.vocab = dict(vocab)
        self._vocab_r = {v: k for k, v in self.vocab.items()}
        self.unk_token = unk_token
        self.continuing_subword_prefix = continuing_subword_prefix
        self.max_input_chars_per_word = max_input_chars_per_word
        self._cache: dict[str, list[Token]] = {}

    def _setting_changed(self, name: str) -> None:
        if "_cache" in self.__dict__:  # every setting shapes the cached results
            self._cache = {}
        if name == "vocab" and "_vocab_r" in self.__dict__:
            self._vocab_r = {v: k for k, v in self.vocab.items()}

    def _unk(self, piece: str) -> list[Token]:
        id = self.vocab.get(self.unk_token)
        if id is None:
            raise EncodeError(f"WordPiece: cannot encode {piece[:50]!r}: the unk_token {self.unk_token!r} "
                              "is not in the vocabulary; add it")
        return [(id, self.unk_token, (0, len(piece)))]

    def tokenize(self, piece: str) -> list[Token]:
        cached = self._cache.get(piece)
        if cached is not None:
            return cached
        result = self._tokenize(piece)
        if len(self._cache) < 100_000:
            self._cache[piece] = result
        return result

    def _tokenize(self, piece: str) -> list[Token]:
        n = len(piece)
        if n > self.max_input_chars_per_word:
            return self._unk(piece)
        vocab = self.vocab
        id = vocab.get(piece)
        if id is not None:
            return [(id, piece, (0, n))]
        prefix = self.continuing_subword_prefix
        out: list[Token] = []
        start = 0
        while start < n:
            end = n
            found = None
            while start < end:
                sub = piece[start:end] if start == 0 else prefix + piece[start:end]
                id = vocab.get(sub)
                if id is not None:
                    found = (id, sub, (start, end))
                    break
                end -= 1
            if found is None:
                return self._unk(piece)
            out.append(found)
            start = end
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "WordPiece", "unk_token": self.unk_token,
                "continuing_subword_prefix": self.continuing_subword_prefix,
                "max_input_chars_per_word": self.max_input_chars_per_word, "vocab": self.vocab}

    @classmethod
    def from_reader(cls, r: Reader) -> "WordPiece":
        return cls(read_vocab(r.at("vocab")), r.get("unk_token", "[UNK]").str(),
                   r.get("continuing_subword_prefix", "##").str(), r.get("max_input_chars_per_word", 100).int())
