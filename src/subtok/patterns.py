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


class _Pattern:
    """A compiled pattern that also carries the text it was compiled from.

    `rx` is the pattern with Oniguruma's idea of each character class (see
    `unicode.fix_pattern`); when a text holds none of the characters on which the two dialects
    disagree (`trigger`), the plain pattern, which runs faster, is used instead.
    """

    __slots__ = ("rx", "plain", "trigger", "subtok_source", "pattern")

    def __init__(self, source: str) -> None:
        from .unicode import fix_pattern, fix_pattern_trigger

        flags = regex.MULTILINE | regex.V0  # Oniguruma's ^ and $ match at every line boundary
        self.subtok_source = self.pattern = source
        self.plain = regex.compile(source, flags)
        trigger = fix_pattern_trigger(source)
        self.rx = regex.compile(fix_pattern(source), flags) if trigger else self.plain
        self.trigger = regex.compile(trigger) if trigger else None

    def for_text(self, text: str) -> "regex.Pattern[str]":
        """The compiled pattern to run on `text`."""
        if self.trigger is None or self.trigger.search(text) is None:
            return self.plain
        return self.rx

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
