"""Encoding throughput: subtok against HF tokenizers and tiktoken on the shared benchmark corpus.

    python bench/bench_encode.py [--quick | --full] [--repeats N] [--clock wall|cpu] [--only-references]

Times, on ../shared/bench/corpus/{en,code,multi}.txt (relative to the repository root):
- subtok ``Tokenizer.from_file(tokenizer.json)``: ``encode(text, add_special_tokens=False)`` on the
  whole text and ``encode_batch(paragraphs, add_special_tokens=False)``;
- HF tokenizers on the same tokenizer.json: the same two calls (RAYON_NUM_THREADS=1);
- tiktoken gpt2 and cl100k ``encode_ordinary(text)`` (and gpt2 ``encode_ordinary_batch``), loaded
  from the fetched .tiktoken files, never from the network.
The tokenizer.json files are the old Claude tokenizer (byte-level BPE, NFKC) and bert-base-uncased
(WordPiece, from all-MiniLM-L6-v2, with its baked-in truncation and padding switched off).
paragraphs = the text split on blank lines. MB = 10^6 bytes of UTF-8 input. Each figure is the
median of N runs. subtok's rows also say whether its ids equal HF's on the same input.
--quick (the default) uses the first 1 MiB of each file, --full the whole file. The table is
printed and written to bench/RESULTS.md.
"""

from __future__ import annotations

import os

# Before tokenizers is imported: one thread, like every other figure in the table.
os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["TIKTOKEN_CACHE_DIR"] = ""  # tiktoken must not copy the files into a temp cache

import argparse
import datetime
import gzip
import importlib
import platform
import re
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path
from collections.abc import Callable
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "bench" / "corpus"
FILES = ("en.txt", "code.txt", "multi.txt")
QUICK_BYTES = 1 << 20

sys.path.insert(0, str(REPO / "src"))  # benchmark the checkout, installed or not

# Official patterns and special tokens (tiktoken_ext/openai_public.py).
R50K_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
CL100K_PATTERN = (r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++"""
                  r"""[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""")
TIKTOKEN = {  # name: (asset, sha256 of the unzipped official file, pattern, special tokens)
    "gpt2": ("gpt2.tiktoken", "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
             R50K_PATTERN, {"<|endoftext|>": 50256}),
    "cl100k": ("cl100k_base.tiktoken.gz",
               "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7", CL100K_PATTERN,
               {"<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
                "<|fim_suffix|>": 100260, "<|endofprompt|>": 100276}),
}
TOKENIZER_JSON = {"claude": "claude/tokenizer.json", "bert": "all-MiniLM-L6-v2/tokenizer.json"}


def optional(module: str) -> Any | None:
    """The module, or None when it is not installed."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def load_corpus(full: bool) -> dict[str, str]:
    """File name -> text (the first MiB unless ``full``, cut back to a whole character)."""
    if not CORPUS.is_dir():
        sys.exit(f"error: benchmark corpus not found at {CORPUS}: it lives in shared/bench/corpus "
                 "beside the repository checkout (the repository root's ../shared)")
    texts = {}
    for name in FILES:
        data = (CORPUS / name).read_bytes()
        texts[name] = data.decode("utf-8") if full else data[:QUICK_BYTES].decode("utf-8", "ignore")
    return texts


def paragraphs(text: str) -> list[str]:
    """The text split on blank lines, empty pieces dropped."""
    return [p for p in re.split(r"\n[ \t]*\n", text) if p.strip()]


def nbytes(texts: str | list[str]) -> int:
    return sum(len(t.encode("utf-8")) for t in ([texts] if isinstance(texts, str) else texts))


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
clock = time.perf_counter  # set from --clock


def median_seconds(call: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = clock()
        call()
        times.append(clock() - start)
    return statistics.median(times)


def load_tiktoken(tiktoken: Any, name: str) -> Any:
    """A tiktoken Encoding from the fetched file, checked against the official sha256."""
    from subtok import assets

    asset, official_sha, pattern, special = TIKTOKEN[name]
    path = assets.fetch(asset)
    with tempfile.TemporaryDirectory() as tmp:
        if path.suffix == ".gz":
            plain = Path(tmp) / path.stem
            plain.write_bytes(gzip.decompress(path.read_bytes()))
            path = plain
        ranks = tiktoken.load.load_tiktoken_bpe(str(path), expected_hash=official_sha)
    return tiktoken.Encoding(name, pat_str=pattern, mergeable_ranks=ranks, special_tokens=special)


class Table:
    """Rows of MB/s per file, plus free-form notes."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, dict[str, str]]] = []
        self.notes: list[str] = []

    def add(self, label: str, cells: dict[str, str]) -> None:
        self.rows.append((label, cells))
        print(f"  {label}: " + ", ".join(f"{f} {c}" for f, c in cells.items()), flush=True)

    def markdown(self) -> str:
        lines = ["| | " + " | ".join(FILES) + " |", "|---|" + "---|" * len(FILES)]
        for label, cells in self.rows:
            lines.append(f"| {label} | " + " | ".join(cells.get(f, "") for f in FILES) + " |")
        return "\n".join(lines)


def mbps(size: int, seconds: float) -> float:
    return size / seconds / 1e6


def fmt_speed(value: float) -> str:
    return f"{value:.3g} MB/s" if value < 10 else f"{value:.1f} MB/s"


def bench_tiktoken(table: Table, texts: dict[str, str], repeats: int) -> None:
    tiktoken = optional("tiktoken")
    if tiktoken is None:
        table.notes.append("tiktoken not installed: its rows are left out.")
        return
    importlib.import_module("tiktoken.load")
    for name in TIKTOKEN:
        enc = load_tiktoken(tiktoken, name)
        table.add(f"tiktoken {name}, encode_ordinary(whole text)", {
            f: fmt_speed(mbps(nbytes(t), median_seconds(lambda: enc.encode_ordinary(t), repeats)))
            for f, t in texts.items()})
        if name == "gpt2":
            cells = {}
            for f, t in texts.items():
                paras = paragraphs(t)
                sec = median_seconds(lambda: enc.encode_ordinary_batch(paras, num_threads=1), repeats)
                cells[f] = fmt_speed(mbps(nbytes(paras), sec))
            table.add(f"tiktoken {name}, encode_ordinary_batch(paragraphs, num_threads=1)", cells)


def load_subtok(table: Table, only_references: bool) -> Any | None:
    """subtok's Tokenizer class, or None (with a note saying why)."""
    if only_references:
        table.notes.append("subtok rows skipped (--only-references).")
        return None
    try:
        return importlib.import_module("subtok").Tokenizer
    except (ImportError, AttributeError) as exc:
        table.notes.append(f"subtok engine not importable ({type(exc).__name__}: {exc}): "
                           "its rows are left out.")
        return None


def untruncated(tok: Any) -> Any:
    """Switch off truncation and padding baked into a tokenizer.json (all-MiniLM-L6-v2 has both)."""
    for method in ("no_truncation", "no_padding"):
        if hasattr(tok, method):
            getattr(tok, method)()
    return tok


def bench_tokenizer_json(table: Table, texts: dict[str, str], repeats: int,
                         subtok_cls: Any | None) -> None:
    from subtok import assets

    hf = optional("tokenizers")
    if hf is None:
        table.notes.append("tokenizers (HF) not installed: its rows and the ratios are left out.")
    for short, asset in TOKENIZER_JSON.items():
        path = assets.fetch(asset)
        hf_tok = untruncated(hf.Tokenizer.from_file(str(path))) if hf else None
        sub_tok = None
        if subtok_cls is not None:
            try:
                sub_tok = untruncated(subtok_cls.from_file(str(path)))
            except Exception as exc:  # an engine in progress: report it, time the others
                table.notes.append(f"subtok could not load {asset}: {type(exc).__name__}: {exc}")
        speeds: dict[tuple[str, str, str], float] = {}  # (library, mode, file) -> MB/s
        same: dict[tuple[str, str], bool] = {}  # (mode, file) -> subtok ids == HF ids
        for f, text in texts.items():
            paras = paragraphs(text)
            for lib, tok in (("HF", hf_tok), ("subtok", sub_tok)):
                if tok is None:
                    continue
                whole = lambda: tok.encode(text, add_special_tokens=False).ids  # noqa: E731
                batch = lambda: tok.encode_batch(paras, add_special_tokens=False)  # noqa: E731
                try:
                    speeds[lib, "whole", f] = mbps(nbytes(text), median_seconds(whole, repeats))
                    speeds[lib, "batch", f] = mbps(nbytes(paras), median_seconds(batch, repeats))
                except Exception as exc:
                    if lib == "HF":
                        raise
                    table.notes.append(f"subtok {short} failed on {f}: {type(exc).__name__}: {exc}")
                    sub_tok = None
            if hf_tok is not None and sub_tok is not None:
                same["whole", f] = (sub_tok.encode(text, add_special_tokens=False).ids
                                    == hf_tok.encode(text, add_special_tokens=False).ids)
                same["batch", f] = (
                    [e.ids for e in sub_tok.encode_batch(paras, add_special_tokens=False)]
                    == [e.ids for e in hf_tok.encode_batch(paras, add_special_tokens=False)])
        for lib in ("HF", "subtok"):
            for mode, call in (("whole", "encode(whole text)"), ("batch", "encode_batch(paragraphs)")):
                cells = {f: fmt_speed(speeds[lib, mode, f]) for f in texts if (lib, mode, f) in speeds}
                if cells:
                    if lib == "subtok" and same:
                        cells = {f: c + ("" if same[mode, f] else " (ids differ from HF!)")
                                 for f, c in cells.items()}
                    table.add(f"{'HF tokenizers' if lib == 'HF' else 'subtok'} {short}, {call}", cells)
        for mode in ("whole", "batch"):
            ratios = {f: f"{speeds['subtok', mode, f] / speeds['HF', mode, f]:.3g}x" for f in texts
                      if ("subtok", mode, f) in speeds and ("HF", mode, f) in speeds}
            if ratios:
                table.add(f"ratio subtok / HF, {short} {mode}", ratios)


def machine() -> str:
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ""
    if hasattr(os, "getloadavg"):
        load = ", load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{model}, {cores} cores ({usable} usable), {platform.system()} {platform.release()}{load}"


def versions() -> str:
    found = []
    for module in ("tokenizers", "tiktoken", "regex"):
        mod = optional(module)
        if mod is not None:
            found.append(f"{module} {getattr(mod, '__version__', '?')}")
    return ", ".join(found)


def command_line() -> str:
    script = Path(sys.argv[0]).resolve()
    try:
        shown = script.relative_to(REPO).as_posix()
    except ValueError:
        shown = script.name
    return shlex.join(["python", shown, *sys.argv[1:]])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="first 1 MiB of each file (default)")
    size.add_argument("--full", action="store_true", help="whole files")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure; the median is kept")
    parser.add_argument("--clock", choices=CLOCKS, default="wall",
                        help="wall time (default) or process CPU time, steadier on a busy machine")
    parser.add_argument("--only-references", action="store_true",
                        help="time only tiktoken and HF tokenizers, not subtok")
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "RESULTS.md",
                        help="markdown file to write (default: bench/RESULTS.md)")
    args = parser.parse_args(argv)
    global clock
    clock = CLOCKS[args.clock]
    texts = load_corpus(args.full)
    table = Table()
    subtok_cls = load_subtok(table, args.only_references)
    print(f"input: {'whole files' if args.full else 'first 1 MiB of each file'}, "
          f"median of {args.repeats}, {args.clock} clock", flush=True)
    bench_tiktoken(table, texts, args.repeats)
    bench_tokenizer_json(table, texts, args.repeats, subtok_cls)

    sizes = ", ".join(f"{f} {nbytes(t):,} bytes" for f, t in texts.items())
    report = "\n".join([
        "# Encoding throughput",
        "",
        f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- command: `{command_line()}`",
        f"- python: {platform.python_implementation()} {platform.python_version()}; {versions()}",
        f"- machine: {machine()}; single thread (RAYON_NUM_THREADS=1, num_threads=1)",
        f"- input: {'whole files' if args.full else 'first 1 MiB of each file'} of "
        f"shared/bench/corpus ({sizes}); median of {args.repeats} runs, {args.clock} clock; "
        "MB = 10^6 bytes of UTF-8",
        "- paragraphs = the text split on blank lines; tokenizer.json files: claude = "
        "claude/tokenizer.json, bert = all-MiniLM-L6-v2/tokenizer.json (truncation and padding off)",
        *(f"- note: {note}" for note in table.notes),
        "",
        table.markdown(),
        "",
    ])
    args.output.write_text(report, encoding="utf-8")
    print()
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
