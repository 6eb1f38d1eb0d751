"""`subtok.load`: one entry point for every tokenizer file subtok understands.

- a tokenizer.json file, or a directory holding one;
- a tiktoken rank file, ``*.tiktoken`` or ``*.tiktoken.gz`` (the encoding its name says, e.g.
  cl100k_base.tiktoken; any other name needs ``pattern=`` and ``special_tokens=``);
- a Mistral Tekken file (``tekken*.json``).

>>> load("no/such/file")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
FileNotFoundError: subtok.load: no tokenizer at 'no/such/file' (looked for a tokenizer.json, .tiktoken, ...)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Mapping

from .errors import TokenizerFormatError
from .tokenizer import Tokenizer

__all__ = ["load"]


def load(path: str | os.PathLike[str], *, pattern: str | None = None,
         special_tokens: Mapping[str, int] | None = None) -> Tokenizer:
    """Load a tokenizer from a file (tokenizer.json, .tiktoken, .tiktoken.gz, Tekken JSON) or a
    directory containing a tokenizer.json.

    `pattern` (tiktoken's ``pat_str``) and `special_tokens` (``{text: id}``) are for tiktoken
    files only: they override what the file's encoding name implies, and are required for names
    subtok does not know.
    """
    p = Path(path)
    if p.is_dir():
        candidate = p / "tokenizer.json"
        if candidate.is_file():
            return _tokenizer_json(candidate, pattern, special_tokens)
        raise FileNotFoundError(f"subtok.load: the directory {str(p)!r} has no tokenizer.json")
    if not p.is_file():
        raise FileNotFoundError(f"subtok.load: no tokenizer at {str(path)!r} (looked for a tokenizer.json, "
                                ".tiktoken, .tiktoken.gz or tekken .json file, or a directory containing a "
                                "tokenizer.json)")
    from .formats import tiktoken as tiktoken_format

    if tiktoken_format.encoding_name(p) is not None:
        return tiktoken_format.load_tiktoken(p, pattern=pattern, special_tokens=special_tokens)
    if tiktoken_format.is_tekken(p):
        _no_tiktoken_options(p, pattern, special_tokens, "Tekken files carry their own")
        data = _read_json(p)
        if isinstance(data, dict) and isinstance(data.get("config"), dict) and isinstance(data.get("vocab"), list):
            return tiktoken_format.load_tekken(p, data)
        return Tokenizer.from_dict(data, file=str(p))
    return _tokenizer_json(p, pattern, special_tokens)


def _tokenizer_json(p: Path, pattern: str | None, special_tokens: Mapping[str, int] | None) -> Tokenizer:
    _no_tiktoken_options(p, pattern, special_tokens, "a tokenizer.json carries its own")
    return Tokenizer.from_file(p)


def _no_tiktoken_options(p: Path, pattern: str | None, special_tokens: Mapping[str, int] | None,
                         why: str) -> None:
    if pattern is not None or special_tokens is not None:
        raise TypeError(f"subtok.load: pattern= and special_tokens= are for .tiktoken files; {str(p)!r} is not "
                        f"one ({why}). Rename the rank file to end in .tiktoken, or drop these arguments")


def _read_json(p: Path) -> object:
    try:
        with open(p, encoding="utf-8") as f:
            return json.load(f)
    except UnicodeDecodeError as e:
        raise TokenizerFormatError(f"not UTF-8 text (byte {e.start})", file=str(p)) from None
    except json.JSONDecodeError as e:
        raise TokenizerFormatError(f"not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}",
                                   file=str(p)) from None
