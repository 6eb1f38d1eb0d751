"""Models: turn one pre-tokenized piece into tokens.

Every model has ``tokenize(piece: str) -> list[Token]`` (a Token is ``(id, value, (start, end))``
with character offsets inside the piece), ``token_to_id``, ``id_to_token``, ``get_vocab``,
``get_vocab_size`` and ``to_dict``.
"""

from __future__ import annotations

from .._json import Reader
from .base import Model, Token
from .bpe import BPE
from .unigram import Unigram
from .wordlevel import WordLevel
from .wordpiece import WordPiece

__all__ = ["Model", "Token", "BPE", "WordPiece", "Unigram", "WordLevel", "from_dict"]


def from_dict(r: Reader) -> Model:
    """Build a model from its tokenizer.json form."""
    kind = r.get("type", None).opt_str()
    if kind is None:  # very old files carry no type: guess from the fields, as HF does
        d = r.dict()
        kind = "BPE" if "merges" in d else "WordPiece" if "continuing_subword_prefix" in d else \
            "Unigram" if isinstance(d.get("vocab"), list) else "WordLevel"
    if kind == "BPE":
        return BPE.from_reader(r)
    if kind == "WordPiece":
        return WordPiece.from_reader(r)
    if kind == "Unigram":
        return Unigram.from_reader(r)
    if kind == "WordLevel":
        return WordLevel.from_reader(r)
    r.fail(f"unknown model type {kind!r}; expected BPE, WordPiece, Unigram or WordLevel", at="type")
    raise AssertionError  # unreachable
