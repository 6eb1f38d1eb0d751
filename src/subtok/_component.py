"""What every pipeline component shares: its tokenizer.json form, equality and repr by that form."""

from __future__ import annotations

from typing import Any, Callable


_WATCHERS = "_subtok_watchers"  # where a part keeps the callbacks `watch` left on it


class Watched:
    """A part of a tokenizer (component or model) whose public settings something was built from:
    the compiled fast path (subtok.fast) makes a plan, tables and the ids a post-processor adds from
    them. Assigning a public attribute (``tok.model.dropout = 0.1``) calls the callbacks that `watch`
    left on the part, once, so that they are made again from the settings as they are now. (Changes
    inside a list a part holds, such as ``Sequence.normalizers.append``, are not seen: assign the
    attribute, or the tokenizer's stage, again.)"""

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name[0] != "_":
            self._setting_changed(name)
            callbacks = self.__dict__.pop(_WATCHERS, None)
            for callback in (callbacks or {}).values():
                callback()

    def _setting_changed(self, name: str) -> None:
        """Drop or remake what the part derived from setting `name` (a cache of results, a table);
        called after it is assigned, also while the part is being made (check what exists yet)."""

    def __getstate__(self) -> dict[str, Any]:  # copies and pickles leave the callbacks behind
        state = dict(self.__dict__)
        state.pop(_WATCHERS, None)
        return state


def watch(part: Any, key: Any, callback: Callable[[], None]) -> None:
    """Call ``callback()`` the next time a public attribute of `part`, or of a part it holds (the
    members of a Sequence), is assigned. One callback per key: a later one for the same key
    replaces it."""
    if not isinstance(part, Watched):
        return
    part.__dict__.setdefault(_WATCHERS, {})[key] = callback
    for name in ("normalizers", "pretokenizers", "processors", "decoders"):
        members = part.__dict__.get(name)
        if isinstance(members, list):
            for member in members:
                watch(member, key, callback)


class Component(Watched):
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
