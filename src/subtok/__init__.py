"""subtok: text to tokens and back, exactly as the reference libraries do it.

>>> import subtok
>>> from subtok.models import WordPiece
>>> tok = subtok.Tokenizer(WordPiece({"[UNK]": 0, "token": 1, "##izer": 2}))
>>> tok.encode("tokenizer").tokens
['token', '##izer']

Real files: ``subtok.load("path/to/tokenizer.json")`` (or a directory holding one, or any format
`subtok.loading` lists), or a name: ``subtok.load("gpt2")`` once ``subtok download gpt2`` fetched it.
"""

from __future__ import annotations

from . import errors
from .added_tokens import AddedToken
from .encoding import Encoding
from .loading import load
from .patterns import Regex
from .tokenizer import Tokenizer

__version__ = "0.1.0"
__all__ = ["Tokenizer", "Encoding", "AddedToken", "Regex", "load", "download", "get_encoding", "encoding_for_model", "errors",
           "AutoTokenizer", "show", "assets", "__version__"]


def __getattr__(name: str):
    if name == "assets":  # imported on first use: it is only needed to fetch real files
        import importlib

        return importlib.import_module(".assets", __name__)
    if name == "download":
        from .names import download

        return download
    if name == "show":  # the token viewer, imported on first use
        from .show import show

        return show
    if name == "AutoTokenizer":  # the transformers face, imported on first use
        from .auto import AutoTokenizer

        return AutoTokenizer
    if name in ("get_encoding", "encoding_for_model"):  # the tiktoken face, imported on first use
        from . import tiktoken_api

        return getattr(tiktoken_api, name)
    raise AttributeError(f"module 'subtok' has no attribute {name!r}")
