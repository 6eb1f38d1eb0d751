"""subtok.assets: the registry is consistent, fetched files match their sha256, corruption is caught.

The fetch tests use the real cache (the first run downloads ~85 MB from PyPI); the corruption tests
work in a temporary cache seeded by copying from the real one, so they never download.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from subtok import assets
from subtok.errors import AssetError

MINILM_FILES = {"tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json",
                "config.json"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- the registry ---------------------------------------------------------------------------------

def test_registry_entries_are_well_formed():
    for asset in assets._REGISTRY:
        assert re.fullmatch(r"[0-9a-f]{64}", asset.sha256), asset.name
        assert asset.size > 0, asset.name
        assert asset.name == asset.name.strip() and not asset.name.startswith("/"), asset.name
        assert ".." not in asset.name.split("/") and "\\" not in asset.name, asset.name
        assert re.fullmatch(r"[\w.+-]+==[\w.]+", asset.package.requirement), asset.name


def test_registry_names_and_members_are_unique():
    all_names = [asset.name for asset in assets._REGISTRY]
    assert len(all_names) == len(set(all_names))
    assert list(assets.ASSETS) == all_names
    members = [(asset.package, asset.member) for asset in assets._REGISTRY]
    assert len(members) == len(set(members))
    # A file name must not also be a directory prefix of another name.
    for name in all_names:
        assert not any(other.startswith(name + "/") for other in all_names), name


def test_registry_holds_the_promised_assets():
    expected = {
        "claude/tokenizer.json", "gpt2.tiktoken", "multilingual.tiktoken",
        "cl100k_base.tiktoken.gz", "o200k_base.tiktoken.gz", "j2-tokenizer.model",
        "sentencepiece/botchan.txt", "sentencepiece/botchan_en_unigram_1000.model",
        "sentencepiece/botchan_en_bpe_1000.model", "sentencepiece/kyoto_ja_unigram_8000.model",
        "clip/bpe_simple_vocab_16e6.txt.gz", "mistral/tokenizer.model.v1",
        "mistral/tekken_240911.json", "gguf/ggml-vocab-gpt-2.gguf", "gguf/ggml-vocab-gpt-2.gguf.inp",
        "gguf/ggml-vocab-gpt-2.gguf.out", "all-MiniLM-L6-v2/model.safetensors",
        *(f"all-MiniLM-L6-v2/{base}" for base in MINILM_FILES),
    }
    assert expected <= set(assets.names())
    ggufs = [n for n in assets.names() if n.startswith("gguf/") and n.endswith(".gguf")]
    assert len(ggufs) == 19
    for name in assets.names():  # every .inp has its .out and its .gguf
        if name.endswith(".inp"):
            assert name[:-4] + ".out" in assets.ASSETS and name[:-4] in assets.ASSETS
    assert {"all-MiniLM-L6-v2", "bert-base-uncased", "gguf", "mistral"} <= set(assets.directories())


def test_aliases_point_at_directories():
    for alias, target in assets.ALIASES.items():
        assert alias not in assets.ASSETS
        assert any(name.startswith(target + "/") for name in assets.ASSETS), alias
    assert assets._resolve("bert-base-uncased/vocab.txt") == "all-MiniLM-L6-v2/vocab.txt"


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SUBTOK_CACHE", str(tmp_path / "c"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert assets.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("SUBTOK_CACHE")
    assert assets.cache_dir() == tmp_path / "x" / "subtok"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert assets.cache_dir() == Path.home() / ".cache" / "subtok"


# -- unknown names --------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [assets.fetch, assets.fetch_dir, lambda n: assets.fetch_all([n])])
def test_unknown_name_lists_the_known_names(call):
    with pytest.raises(AssetError) as info:
        call("claude/tokenizer.jsn")
    message = str(info.value)
    assert "'claude/tokenizer.jsn'" in message
    assert "Did you mean 'claude/tokenizer.json'" in message
    for known in ("gpt2.tiktoken", "all-MiniLM-L6-v2", "bert-base-uncased", "gguf/ggml-vocab-gpt-2.gguf"):
        assert known in message


def test_fetch_dir_of_a_file_name_says_to_use_fetch():
    with pytest.raises(AssetError, match=r"is a file, not a directory: use fetch"):
        assets.fetch_dir("gpt2.tiktoken")


# -- real fetches (real cache) --------------------------------------------------------------------

def test_fetch_minilm_directory_matches_sha256():
    folder = assets.fetch("all-MiniLM-L6-v2")
    assert folder.is_dir() and folder == assets.fetch_dir("all-MiniLM-L6-v2")
    assert assets.fetch_dir("bert-base-uncased") == folder
    assert MINILM_FILES <= {p.name for p in folder.iterdir()}
    for base in MINILM_FILES:
        assert sha256(folder / base) == assets.ASSETS[f"all-MiniLM-L6-v2/{base}"].sha256, base
    vocab = json.loads((folder / "tokenizer.json").read_text("utf-8"))["model"]["vocab"]
    assert len(vocab) == 30522 and vocab["[CLS]"] == 101
    assert assets.fetch("bert-base-uncased/vocab.txt") == folder / "vocab.txt"


def test_fetch_claude_tokenizer_matches_sha256():
    path = assets.fetch("claude/tokenizer.json")
    assert path.name == "tokenizer.json" and path.parent.name == "claude"
    assert path.stat().st_size == assets.ASSETS["claude/tokenizer.json"].size
    assert sha256(path) == assets.ASSETS["claude/tokenizer.json"].sha256
    assert json.loads(path.read_text("utf-8"))["model"]["type"] == "BPE"


def test_fetch_all_returns_one_path_per_file():
    paths = assets.fetch_all(["claude", "bert-base-uncased"], quiet=True)
    assert set(paths) == {"claude/tokenizer.json", *(f"all-MiniLM-L6-v2/{b}" for b in MINILM_FILES)}
    assert all(p.is_file() for p in paths.values())


# -- corruption (temporary cache, no downloads) ---------------------------------------------------

@pytest.fixture
def tmp_cache(tmp_path, monkeypatch):
    """A temporary cache holding a copy of the real anthropic archive; downloading fails loudly."""
    real = assets.cache_dir()
    assets.fetch("claude/tokenizer.json")  # make sure the real cache has the archive
    package = assets.ASSETS["claude/tokenizer.json"].package
    name = f"{package.name}-{package.version}"
    cache = tmp_path / "cache"
    shutil.copytree(real / "archives" / name, cache / "archives" / name)
    monkeypatch.setenv("SUBTOK_CACHE", str(cache))

    def no_download(package, wanted, note):
        raise AssertionError(f"tried to download {package.requirement}")

    monkeypatch.setattr(assets, "_download", no_download)
    return cache


def test_corrupted_cached_file_is_extracted_again(tmp_cache):
    path = assets.fetch("claude/tokenizer.json")
    assert path.parent.parent == tmp_cache / "assets"
    good = path.read_bytes()
    path.write_bytes(good[:1000])  # truncated
    assert assets.fetch("claude/tokenizer.json") == path
    assert sha256(path) == assets.ASSETS["claude/tokenizer.json"].sha256
    path.write_bytes(good[:-1] + b"!")  # same size, one byte changed
    assets._VERIFIED.clear()  # as in a new process (the memo is keyed by size and mtime)
    assert assets.fetch("claude/tokenizer.json") == path
    assert sha256(path) == assets.ASSETS["claude/tokenizer.json"].sha256
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no leftover .part


def test_archive_with_wrong_bytes_raises_and_keeps_nothing(tmp_cache, monkeypatch):
    asset = assets.ASSETS["claude/tokenizer.json"]
    wrong = b'{"not": "the claude tokenizer"}'
    archive = assets._cached_archive(asset.package)
    assert archive is not None
    downloads = []

    def write_bad_wheel(*args):
        downloads.append(args)
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr(asset.member, wrong)
        return archive

    write_bad_wheel()  # the cached archive is bad, and so is the one "downloaded" again
    monkeypatch.setattr(assets, "_download", write_bad_wheel)
    path = assets._asset_path(asset.name)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"corrupted")
    with pytest.raises(AssetError) as info:
        assets.fetch(asset.name)
    message = str(info.value)
    assert asset.name in message and "anthropic==0.38.0" in message
    assert f"expected {asset.sha256}" in message
    assert f"got {hashlib.sha256(wrong).hexdigest()}" in message
    assert len(downloads) == 2  # tried the cached archive, then one fresh download
    assert not path.exists()
    assert not [p for p in path.parent.iterdir()]  # no leftover .part either


def test_unreadable_cached_archive_is_downloaded_again(tmp_cache, monkeypatch):
    package = assets.ASSETS["claude/tokenizer.json"].package
    archive = assets._cached_archive(package)
    assert archive is not None
    good = archive.read_bytes()
    archive.write_bytes(good[: len(good) // 2])  # truncated download
    downloads = []

    def download(package, wanted, note):
        downloads.append(package.requirement)
        archive.write_bytes(good)
        return archive

    monkeypatch.setattr(assets, "_download", download)
    path = assets.fetch("claude/tokenizer.json")
    assert downloads == ["anthropic==0.38.0"]
    assert sha256(path) == assets.ASSETS["claude/tokenizer.json"].sha256


def test_pip_failure_names_the_package_and_the_way_out(tmp_path, monkeypatch):
    monkeypatch.setenv("SUBTOK_CACHE", str(tmp_path))
    fail = [sys.executable, "-c", "import sys; sys.stderr.write('ERROR: no network\\n'); sys.exit(1)"]
    monkeypatch.setattr(assets, "_pip_command", lambda package, dest: fail)
    with pytest.raises(AssetError) as info:
        assets.fetch("gpt2.tiktoken")
    message = str(info.value)
    assert "openai-whisper==20250625" in message and "gpt2.tiktoken" in message
    assert "ERROR: no network" in message and "SUBTOK_CACHE" in message
    assert not list((tmp_path / "archives").rglob("*.tar.gz"))


def test_offline_cache_needs_only_the_asset_files(tmp_path, monkeypatch):
    real = assets.fetch("claude/tokenizer.json")
    target = tmp_path / "assets" / "claude" / "tokenizer.json"
    target.parent.mkdir(parents=True)
    shutil.copyfile(real, target)
    monkeypatch.setenv("SUBTOK_CACHE", str(tmp_path))
    monkeypatch.setattr(assets, "_pip_command", lambda package, dest: pytest.fail("downloaded"))
    assert assets.fetch("claude/tokenizer.json") == target


# -- command line ---------------------------------------------------------------------------------

def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    src = str(Path(assets.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src}
    return subprocess.run([sys.executable, "-m", "subtok.assets", *args], capture_output=True,
                          text=True, env=env, timeout=600)


def test_cli_list_and_fetch():
    listing = run_cli("list")
    assert listing.returncode == 0, listing.stderr
    assert "claude/tokenizer.json" in listing.stdout and "anthropic==0.38.0" in listing.stdout
    fetched = run_cli("fetch", "claude/tokenizer.json")
    assert fetched.returncode == 0, fetched.stderr
    name, path, size = fetched.stdout.strip().split("\t")
    assert name == "claude/tokenizer.json" and Path(path).is_file()
    assert int(size) == assets.ASSETS[name].size
    unknown = run_cli("fetch", "no-such-asset")
    assert unknown.returncode == 1 and "Known names" in unknown.stderr
