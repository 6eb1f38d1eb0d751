"""What every pipeline component shares: its tokenizer.json form, equality and repr by that form."""

from __future__ import annotations

from typing import Any


class Component:
    """Base of normalizers, pre-tokenizers, post-processors and decoders.

    A component is described by ``to_dict()`` (its tokenizer.json object); two components are
    equal when those are, and ``repr`` shows the fields.
    """

    def to_dict(self) -> dict[str, Any]:
        return {"type": type(self).__name__}

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.to_dict() == other.to_dict()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        fields = {k: v for k, v in self.to_dict().items() if k != "type"}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in fields.items())})"
