"""Reading tokenizer.json safely: every value is fetched through a `Reader` that knows its JSON path.

A missing field or a value of the wrong type raises `TokenizerFormatError` naming the path
(``model.merges[12]``) and what was expected, never a bare KeyError or TypeError.

>>> r = Reader({"model": {"vocab": {"a": 0}}})
>>> r.at("model").at("vocab").dict()
{'a': 0}
>>> r.at("model").at("merges").list()
Traceback (most recent call last):
...
subtok.errors.TokenizerFormatError: model.merges: missing required field 'merges'
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

import regex

from .errors import TokenizerFormatError

T = TypeVar("T")
_MISSING = object()


class Reader:
    __slots__ = ("value", "path", "file")

    def __init__(self, value: Any, path: str = "", file: str | None = None) -> None:
        self.value = value
        self.path = path
        self.file = file

    def _child(self, value: Any, key: str | int) -> "Reader":
        if isinstance(key, int):
            path = f"{self.path}[{key}]"
        else:
            path = f"{self.path}.{key}" if self.path else key
        return Reader(value, path, self.file)

    def fail(self, message: str, *, at: str | None = None) -> None:
        path = self.path if at is None else (f"{self.path}.{at}" if self.path else at)
        raise TokenizerFormatError(message, path=path, file=self.file)

    def _expect(self, kinds: type | tuple[type, ...], what: str) -> Any:
        v = self.value
        if isinstance(v, bool) and bool not in (kinds if isinstance(kinds, tuple) else (kinds,)):
            self.fail(f"expected {what}, got {type(v).__name__} {v!r}")
        if not isinstance(v, kinds):
            shown = repr(v) if len(repr(v)) < 60 else repr(v)[:57] + "..."
            self.fail(f"expected {what}, got {type(v).__name__} {shown}")
        return v

    # -- navigation -------------------------------------------------------------------------------
    def has(self, key: str) -> bool:
        return isinstance(self.value, dict) and key in self.value

    def at(self, key: str) -> "Reader":
        d = self._expect(dict, "an object")
        if key not in d:
            raise TokenizerFormatError(f"missing required field {key!r}", path=self._child(None, key).path,
                                       file=self.file)
        return self._child(d[key], key)

    def get(self, key: str, default: Any = None) -> "Reader":
        d = self._expect(dict, "an object")
        return self._child(d.get(key, default), key)

    def items(self, fn: Callable[["Reader"], T]) -> list[T]:
        seq = self._expect(list, "a list")
        return [fn(self._child(v, i)) for i, v in enumerate(seq)]

    def type_name(self) -> str:
        return self.at("type").str()

    # -- typed values -----------------------------------------------------------------------------
    def str(self) -> str:
        return self._expect(str, "a string")

    def opt_str(self) -> str | None:
        return None if self.value is None else self.str()

    def bool(self) -> bool:
        return self._expect(bool, "true or false")

    def int(self) -> int:
        v = self._expect(int, "an integer")
        if v < 0:
            self.fail(f"expected a non-negative integer, got {v}")
        return v

    def opt_int(self) -> int | None:
        return None if self.value is None else self.int()

    def float(self) -> float:
        return float(self._expect((int, float), "a number"))

    def dict(self) -> dict:
        return self._expect(dict, "an object")

    def list(self) -> list:
        return self._expect(list, "a list")

    def regex(self) -> "regex.Pattern[str]":
        from .patterns import compile_onig

        src = self.str()
        try:
            return compile_onig(src)
        except regex.error as e:
            self.fail(f"invalid regular expression {src!r}: {e}")
            raise AssertionError  # unreachable
