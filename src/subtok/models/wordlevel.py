"""WordLevel: each piece is one token, or the unknown token."""

from __future__ import annotations

from typing import Any

from ..errors import EncodeError
from .._json import Reader
from .base import Model, Token, read_vocab


class WordLevel(Model):
    """
    `unk_as_text` (subtok's own field): an unknown piece's token is its text, under the unknown
    id (sentencepiece's WORD model shows unknown words so).

    >>> WordLevel({"hello": 0, "[UNK]": 1}, "[UNK]").tokenize("hello")
    [(0, 'hello', (0, 5))]
    """

    def __init__(self, vocab: dict[str, int], unk_token: str = "<unk>", *, unk_as_text: bool = False) -> None:
        self.vocab = dict(vocab)
        self._vocab_r = {v: k for k, v in self.vocab.items()}
        self.unk_token = unk_token
        self.unk_as_text = unk_as_text

    def _setting_changed(self, name: str) -> None:
        if name == "vocab" and "_vocab_r" in self.__dict__:
            self._vocab_r = {v: k for k, v in self.vocab.items()}

    def tokenize(self, piece: str) -> list[Token]:
        id = self.vocab.get(piece)
        if id is not None:
            return [(id, piece, (0, len(piece)))]
        unk = self.vocab.get(self.unk_token)
        if unk is None:
            raise EncodeError(f"WordLevel: {piece!r} is not in the vocabulary and the unk_token "
                              f"{self.unk_token!r} is missing too; add it to the vocabulary")
        return [(unk, piece if self.unk_as_text else self.unk_token, (0, len(piece)))]

    def to_dict(self) -> dict[str, Any]:
        d = {"type": "WordLevel", "vocab": self.vocab, "unk_token": self.unk_token}
        if self.unk_as_text:  # written only when set (Hugging Face tokenizers ignores it)
            d["unk_as_text"] = True
        return d

    @classmethod
    def from_reader(cls, r: Reader) -> "WordLevel":
        return cls(read_vocab(r.at("vocab")), r.get("unk_token", "<unk>").str(),
                   unk_as_text=r.get("unk_as_text", False).bool())
