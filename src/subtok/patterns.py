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
    """A compiled pattern that also carries the text it was compiled from."""

    __slots__ = ("rx", "subtok_source", "pattern", "search", "finditer")

    def __init__(self, rx: "regex.Pattern[str]", source: str) -> None:
        self.rx = rx
        self.subtok_source = source
        self.pattern = source
        self.search = rx.search
        self.finditer = rx.finditer

    def __reduce__(self):
        return (compile_onig, (self.subtok_source,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Pattern) and other.subtok_source == self.subtok_source

    def __hash__(self) -> int:
        return hash(self.subtok_source)


@lru_cache(maxsize=256)
def compile_onig(source: str) -> "_Pattern":
    """Compile an Oniguruma (tokenizer.json) pattern; raises regex.error if it is not valid."""
    # Oniguruma's ^ and $ match at every line boundary (Ruby semantics).
    return _Pattern(regex.compile(source, regex.MULTILINE | regex.V0), source)


def Regex(pattern: str) -> "_Pattern":  # noqa: N802 - named like tokenizers.Regex
    """A regular-expression pattern for Split, Replace and the Replace decoder (like `tokenizers.Regex`).

    >>> from subtok.pre_tokenizers import Split
    >>> Split(Regex(r"\\d+"), "isolated").pre_tokenize_str("ab12cd")
    [('ab', (0, 2)), ('12', (2, 4)), ('cd', (4, 6))]
    """
    if not isinstance(pattern, str):
        raise TypeError(f"Regex expects a str pattern, got {type(pattern).__name__}")
    return compile_onig(pattern)
