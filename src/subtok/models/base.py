"""The interface every model implements."""

from __future__ import annotations

from typing import Any

from .._component import Watched
from .._json import Reader

Token = tuple[int, str, tuple[int, int]]


class Model(Watched):
    vocab: dict[str, int]
    _vocab_r: dict[int, str]

    def tokenize(self, piece: str) -> list[Token]:  # pragma: no cover - interface
        raise NotImplementedError

    def token_to_id(self, token: str) -> int | None:
        return self.vocab.get(token)

    def id_to_token(self, id: int) -> str | None:
        return self._vocab_r.get(id)

    def get_vocab(self) -> dict[str, int]:
        return dict(self.vocab)

    def get_vocab_size(self) -> int:
        return len(self.vocab)

    def to_dict(self) -> dict[str, Any]:  # pragma: no cover - interface
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.to_dict() == other.to_dict()  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(vocab_size={self.get_vocab_size()})"


def read_vocab(r: Reader) -> dict[str, int]:
    """A {token: id} object, checked."""
    d = r.dict()
    for k, v in d.items():
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            r.fail(f"expected a non-negative integer id for token {k!r}, got {v!r}", at=_key(k))
    return dict(d)


def _key(k: str) -> str:
    return k if k.isidentifier() else f"[{k!r}]"
