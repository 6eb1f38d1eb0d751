"""Regular expressions as the reference libraries run them.

tokenizer.json patterns are written for Oniguruma (Hugging Face tokenizers); `.tiktoken` patterns
for fancy-regex. Both run here on the `regex` module; `compile_onig` adjusts the few places where
the dialects differ and remembers the source text so the pattern saves back unchanged.

>>> compile_onig(r"\\s+(?!\\S)").subtok_source
'\\\\s+(?!\\\\S)'
"""

from __future__ import annotations

from functools import lru_cache

import regex

__all__ = ["compile_onig", "Regex", "GPT2_PATTERN"]

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


_FLAGS = regex.MULTILINE | regex.V0  # Oniguruma's ^ and $ match at every line boundary


class _Pattern:
    """A compiled pattern that also carries the text it was compiled from.

    `rx` is the pattern with Oniguruma's idea of each character class (see
    `unicode.fix_pattern`); when a text holds none of the characters on which the two dialects
    disagree (`trigger`), the plain pattern, which runs faster, is used instead. Both are made
    when a text is first matched (finding them scans Unicode: about 0.15 s per pattern, which a
    tokenizer whose texts all go to the compiled core never needs).
    """

    __slots__ = ("plain", "_fixed", "subtok_source", "pattern")

    def __init__(self, source: str) -> None:
        self.subtok_source = self.pattern = source
        self.plain = regex.compile(source, _FLAGS)
        self._fixed: tuple[regex.Pattern[str], regex.Pattern[str] | None] | None = None

    def _fix(self) -> tuple["regex.Pattern[str]", "regex.Pattern[str] | None"]:
        fixed = self._fixed
        if fixed is None:  # two threads may both make it: the same result either way
            from .unicode import fix_pattern, fix_pattern_trigger

            trigger = fix_pattern_trigger(self.subtok_source)
            rx = regex.compile(fix_pattern(self.subtok_source), _FLAGS) if trigger else self.plain
            fixed = self._fixed = (rx, regex.compile(trigger) if trigger else None)
        return fixed

    @property
    def rx(self) -> "regex.Pattern[str]":
        return self._fix()[0]

    @property
    def trigger(self) -> "regex.Pattern[str] | None":
        return self._fix()[1]

    def for_text(self, text: str) -> "regex.Pattern[str]":
        """The compiled pattern to run on `text`."""
        rx, trigger = self._fixed or self._fix()
        if trigger is None or trigger.search(text) is None:
            return self.plain
        return rx

    def search(self, text: str, pos: int = 0):
        return self.for_text(text).search(text, pos)

    def finditer(self, text: str):
        return self.for_text(text).finditer(text)

    def __reduce__(self):
        return (compile_onig, (self.subtok_source,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Pattern) and other.subtok_source == self.subtok_source

    def __hash__(self) -> int:
        return hash(self.subtok_source)


@lru_cache(maxsize=256)
def compile_onig(source: str) -> "_Pattern":
    """Compile an Oniguruma (tokenizer.json) pattern; raises regex.error if it is not valid."""
    return _Pattern(source)


def Regex(pattern: str) -> "_Pattern":  # noqa: N802 - named like tokenizers.Regex
    """A regular-expression pattern for Split, Replace and the Replace decoder (like `tokenizers.Regex`).

    >>> from subtok.pre_tokenizers import Split
    >>> Split(Regex(r"\\d+"), "isolated").pre_tokenize_str("ab12cd")
    [('ab', (0, 2)), ('12', (2, 4)), ('cd', (4, 6))]
    """
    if not isinstance(pattern, str):
        raise TypeError(f"Regex expects a str pattern, got {type(pattern).__name__}")
    return compile_onig(pattern)
