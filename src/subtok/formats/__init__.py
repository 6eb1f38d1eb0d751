"""Formats: one loader per tokenizer file format, each returning a `subtok.Tokenizer`.

A format is only a way to configure the pipeline: every loader builds its Tokenizer from the same
stages (normalizers, pre-tokenizers, models, decoders, added tokens) and adds no encoder of its
own. Loaders read files and nothing else (no network, no global state).

- `subtok.formats.tiktoken`: OpenAI ``.tiktoken`` / ``.tiktoken.gz`` rank files and Mistral's
  Tekken JSON, as byte-level BPE that gives tiktoken's ids.

tokenizer.json is read by `subtok.Tokenizer.from_file`; `subtok.load` picks the loader for a path.
"""

from __future__ import annotations

__all__ = ["tiktoken"]
