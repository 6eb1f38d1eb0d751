"""`subtok.load`: one entry point for every tokenizer file subtok understands.

For now: a tokenizer.json file, or a directory holding one.

>>> load("no/such/file")
Traceback (most recent call last):
...
FileNotFoundError: subtok.load: no tokenizer at 'no/such/file' (looked for a tokenizer.json file or a directory containing one)
"""

from __future__ import annotations

import os
from pathlib import Path

from .tokenizer import Tokenizer

__all__ = ["load"]


def load(path: str | os.PathLike[str]) -> Tokenizer:
    """Load a tokenizer from a tokenizer.json file or a directory containing one."""
    p = Path(path)
    if p.is_dir():
        candidate = p / "tokenizer.json"
        if candidate.is_file():
            return Tokenizer.from_file(candidate)
        raise FileNotFoundError(f"subtok.load: the directory {str(p)!r} has no tokenizer.json")
    if p.is_file():
        return Tokenizer.from_file(p)
    raise FileNotFoundError(f"subtok.load: no tokenizer at {str(path)!r} (looked for a tokenizer.json file "
                            "or a directory containing one)")
