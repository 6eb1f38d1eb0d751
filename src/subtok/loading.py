"""`subtok.load`: one entry point for every tokenizer file and name subtok understands.

A path is recognised by content where the format allows (GGUF, sentencepiece ``.model``) and by
name otherwise:

- a tokenizer.json (Hugging Face);
- a tiktoken rank file, ``*.tiktoken`` or ``*.tiktoken.gz`` (the encoding its name says, e.g.
  cl100k_base.tiktoken; any other name needs ``pattern=`` and ``special_tokens=``);
- a Mistral Tekken file (``tekken*.json``);
- a sentencepiece model (any file name);
- a GGUF file (its vocabulary);
- BERT's ``vocab.txt``, GPT-2/RoBERTa's ``vocab.json`` + ``merges.txt``, CLIP's
  ``bpe_simple_vocab_16e6.txt.gz``;
- a directory holding one of these (a Hugging Face repository snapshot, for instance).

Anything else is a name ("gpt2", "gpt-4o", "bert-base-uncased", "org/model"): `subtok.names` says
where it is looked for.

>>> load("no/such/tokenizer")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
subtok.errors.TokenizerNotFoundError: no tokenizer named 'no/such/tokenizer'; looked in:
  - local path 'no/such/tokenizer' (does not exist)
...
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Mapping

from .errors import TokenizerFormatError, TokenizerNotFoundError
from .tokenizer import Tokenizer

__all__ = ["load", "load_path", "tokenizer_file_in"]

# In a folder, the file that is the tokenizer, most specific first (a repository snapshot may hold
# tokenizer.json beside the tokenizer.model it was converted from: tokenizer.json is what
# transformers' fast tokenizers use).
_FOLDER_FILES = ("tokenizer.json", "tekken.json", "tokenizer.model", "spiece.model", "sentencepiece.bpe.model",
                 "vocab.json", "vocab.txt", "bpe_simple_vocab_16e6.txt.gz")
_FOLDER_GLOBS = ("*.tiktoken", "*.tiktoken.gz", "tekken*.json", "*.model", "*.gguf")


def load(name_or_path: str | os.PathLike[str], *, pattern: str | None = None,
         special_tokens: Mapping[str, int] | None = None) -> Tokenizer:
    """Load a tokenizer from a file, a directory, or a name.

    `pattern` (tiktoken's ``pat_str``) and `special_tokens` (``{text: id}``) are for tiktoken
    files only: they override what the file's encoding name implies, and are required for names
    subtok does not know.

    >>> load("gpt-4o").encode("hello world").ids  # doctest: +SKIP
    [24912, 2375]
    """
    path = Path(name_or_path).expanduser()
    if path.exists():
        return load_path(path, pattern=pattern, special_tokens=special_tokens)
    from . import names

    found = names.find(os.fspath(name_or_path))
    entry = found.entry
    if entry is not None and entry.encoding and _is_tiktoken(found.path):  # r50k_base, p50k_edit, gpt-oss, ...
        from .formats import tiktoken as tiktoken_format

        return tiktoken_format.load_tiktoken(found.path, name=entry.encoding, pattern=pattern,
                                             special_tokens=special_tokens)
    tok = load_path(found.path, pattern=pattern, special_tokens=special_tokens)
    if entry is not None and entry.plain and found.source == "subtok-cache":
        tok.no_padding()
        tok.no_truncation()
    return tok


def load_path(path: str | os.PathLike[str], *, pattern: str | None = None,
              special_tokens: Mapping[str, int] | None = None) -> Tokenizer:
    """Load the tokenizer in a file, or in a directory (see `tokenizer_file_in`)."""
    p = Path(path)
    if p.is_dir():
        inner = tokenizer_file_in(p)
        if inner is None:
            raise TokenizerNotFoundError(f"the directory {str(p)!r} holds no tokenizer file (looked for "
                                         f"{', '.join(_FOLDER_FILES)}, {', '.join(_FOLDER_GLOBS)})")
        p = inner
    if not p.is_file():
        raise FileNotFoundError(f"subtok.load: no file at {str(p)!r}")
    if _is_tiktoken(p):
        from .formats import tiktoken as tiktoken_format

        return tiktoken_format.load_tiktoken(p, pattern=pattern, special_tokens=special_tokens)
    _no_tiktoken_options(p, pattern, special_tokens)
    return _load_file(p)


def _load_file(p: Path) -> Tokenizer:
    """Pick the loader by the file's first bytes and name; only that loader's module is imported."""
    with open(p, "rb") as f:
        head = f.read(64)
    if head.startswith(b"GGUF"):
        from .formats import gguf

        return gguf.load_gguf(p)
    name = p.name.lower()
    if name.endswith(".json") and not name.startswith("vocab"):
        from .formats import tiktoken as tiktoken_format

        if tiktoken_format.is_tekken(p):
            data = _read_json(p)
            if isinstance(data, dict) and isinstance(data.get("config"), dict) \
                    and isinstance(data.get("vocab"), list):
                return tiktoken_format.load_tekken(p, data)
            return Tokenizer.from_dict(data, file=str(p))
        return Tokenizer.from_file(p)
    if name in _VOCAB_FILES or name.startswith("bpe_simple_vocab"):
        from .formats import vocab_files

        return vocab_files.load_vocab_file(p)
    if head.lstrip()[:1] == b"{":
        return Tokenizer.from_file(p)
    from .formats import sentencepiece

    if sentencepiece.is_sentencepiece(p):
        return sentencepiece.load_sentencepiece(p)
    raise TokenizerFormatError(
        "not a tokenizer file subtok recognises: not GGUF (no GGUF magic), not a sentencepiece model, not "
        "JSON (tokenizer.json, Tekken), and not named like a vocabulary file (vocab.txt, vocab.json, merges.txt, "
        "bpe_simple_vocab_16e6.txt.gz) or a tiktoken file (*.tiktoken, *.tiktoken.gz)", file=str(p))


_VOCAB_FILES = ("vocab.txt", "vocab.json", "merges.txt")


def tokenizer_file_in(folder: str | os.PathLike[str]) -> Path | None:
    """The file in ``folder`` that holds its tokenizer, or None.

    >>> tokenizer_file_in(".") is None
    True
    """
    d = Path(folder)
    for name in _FOLDER_FILES:
        if (d / name).is_file():
            return d / name
    for pattern in _FOLDER_GLOBS:
        found = sorted(d.glob(pattern))
        if found:
            return found[0]
    return None


def _is_tiktoken(p: Path) -> bool:
    from .formats import tiktoken as tiktoken_format

    return p.is_file() and tiktoken_format.encoding_name(p) is not None


def _no_tiktoken_options(p: Path, pattern: str | None, special_tokens: Mapping[str, int] | None) -> None:
    if pattern is not None or special_tokens is not None:
        raise TypeError(f"subtok.load: pattern= and special_tokens= are for .tiktoken files; {str(p)!r} is not "
                        "one (it carries its own). Rename the rank file to end in .tiktoken, or drop these "
                        "arguments")


def _read_json(p: Path) -> object:
    try:
        with open(p, encoding="utf-8") as f:
            return json.load(f)
    except UnicodeDecodeError as e:
        raise TokenizerFormatError(f"not UTF-8 text (byte {e.start})", file=str(p)) from None
    except json.JSONDecodeError as e:
        raise TokenizerFormatError(f"not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}",
                                   file=str(p)) from None
