"""One family of exceptions for everything subtok raises on bad input.

Every message names the input, the place (file, JSON path, line or byte offset) and, where one
exists, the fix.

>>> from subtok.errors import TokenizerFormatError
>>> str(TokenizerFormatError("expected a list", path="model.merges[3]", file="tokenizer.json"))
'tokenizer.json: model.merges[3]: expected a list'
"""

from __future__ import annotations

__all__ = ["SubtokError", "TokenizerFormatError", "AssetError", "TokenizerNotFoundError", "EncodeError", "DecodeError", "InvalidTextError"]


class SubtokError(Exception):
    """Base class of every error subtok raises on purpose."""


class TokenizerFormatError(SubtokError, ValueError):
    """A tokenizer file (or dict) is malformed: names the file, the JSON path and what was expected."""

    def __init__(self, message: str, *, path: str = "", file: str | None = None) -> None:
        self.message = message
        self.path = path
        self.file = file
        where = ": ".join(p for p in (file, path) if p)
        super().__init__(f"{where}: {message}" if where else message)

    def located(self, file: str) -> "TokenizerFormatError":
        """The same error with the file name filled in (loaders know the file, components do not)."""
        if self.file:
            return self
        return TokenizerFormatError(self.message, path=self.path, file=file)


class AssetError(SubtokError, RuntimeError):
    """A real tokenizer file could not be fetched, verified or found."""


class TokenizerNotFoundError(SubtokError, FileNotFoundError):
    """No tokenizer by that name or path: the message lists every place looked in and the command
    that would fetch it."""


class EncodeError(SubtokError, ValueError):
    """Input or settings that cannot be encoded (e.g. truncation that cannot fit the special tokens)."""


class DecodeError(SubtokError, ValueError):
    """Ids that cannot be decoded (e.g. an id outside the vocabulary)."""


class InvalidTextError(SubtokError, TypeError):
    """Text that is not valid Unicode (a lone surrogate); a TypeError, as Hugging Face raises."""
