"""The compiled core against tiktoken: byte-level BPE encode speed, one thread and batches on threads.

    python bench/bench_fast.py [--bytes N] [--reference-bytes N] [--repeats N] [--clock wall|cpu]
                               [--encodings gpt2,cl100k_base,o200k_base] [--threads 1,2] [--no-write]

For gpt2, cl100k_base and o200k_base, on the first N bytes (default 1 MiB, cut back to a whole
character) of ../shared/bench/corpus/{en,code,multi}.txt, times in the same process:
- subtok fast: ``Tokenizer.encode(text, add_special_tokens=False).ids`` on the tokenizer the
  tiktoken face builds (special tokens included, so they are split out in Python first), and the
  face's ``encode_ordinary(text)``;
- subtok reference: the same Tokenizer call with the compiled core switched off
  (``subtok.fast.use_reference``), on the first --reference-bytes only (it is ~100x slower);
- tiktoken: ``encode_ordinary(text)`` with the official patterns and the same ranks.
Each figure is the median of --repeats runs, the three contenders taking turns in every round (in
an order rotated each round) so that load on a shared machine and warm caches favour none of them; the ratio fast / tiktoken is what to compare across
machines. The ids of all three are checked equal. MB = 10^6 bytes of UTF-8.

Batches: the first --batch-bytes of en.txt (default 4 MiB) split on blank lines into paragraphs,
encoded as one batch at each of --threads: the face's ``encode_ordinary_batch(paragraphs, num_threads=n)`` against
tiktoken's ``encode_ordinary_batch(paragraphs, num_threads=n)`` (same call, same list-of-lists
result), plus ``Tokenizer.encode_batch`` and ``subtok.fast.encode_to_arrays`` with
``subtok.fast.set_num_threads(n)``; rounds rotated as above, ids checked equal to tiktoken's. The
tables are printed and written to bench/RESULTS_fast.md (unless --no-write). Before each timed batch
call the heap is collected (``gc.collect()``, not timed).
"""

from __future__ import annotations

import os

os.environ["TIKTOKEN_CACHE_DIR"] = ""  # tiktoken must not copy files into a temp cache

import argparse
import datetime
import gc
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "bench" / "corpus"
FILES = ("en.txt", "code.txt", "multi.txt")
ENCODINGS = ("gpt2", "cl100k_base", "o200k_base")
OUT = REPO / "bench" / "RESULTS_fast.md"

sys.path.insert(0, str(REPO / "src"))  # benchmark the checkout


def load_texts(limit: int) -> dict[str, str]:
    if not CORPUS.is_dir():
        sys.exit(f"error: benchmark corpus not found at {CORPUS} (the repository root's ../shared/bench/corpus)")
    return {f: (CORPUS / f).read_bytes()[:limit].decode("utf-8", "ignore") for f in FILES}


def official_tiktoken(name: str, ours: Any) -> Any:
    """tiktoken's own Encoding for `name` (official pattern and special tokens), built offline
    from the ranks subtok loaded (which are the official files, sha256-checked by subtok.assets)."""
    import tiktoken
    from tiktoken_ext import openai_public

    ranks = ours._mergeable_ranks
    saved = openai_public.load_tiktoken_bpe, openai_public.data_gym_to_mergeable_bpe_ranks
    openai_public.load_tiktoken_bpe = lambda *a, **k: ranks
    openai_public.data_gym_to_mergeable_bpe_ranks = lambda *a, **k: ranks
    try:
        return tiktoken.Encoding(**openai_public.ENCODING_CONSTRUCTORS[name]())
    finally:
        openai_public.load_tiktoken_bpe, openai_public.data_gym_to_mergeable_bpe_ranks = saved


def timed(clock: Callable[[], float], call: Callable[[], Any]) -> tuple[float, Any]:
    start = clock()
    result = call()
    return clock() - start, result


def measure(name: str, texts: dict[str, str], ref_texts: dict[str, str], repeats: int,
            clock: Callable[[], float]) -> dict[str, dict[str, float]]:
    """MB/s per contender and file; raises if any ids differ."""
    from subtok import fast
    from subtok.tiktoken_api import get_encoding

    face = get_encoding(name)
    tok = face.tokenizer
    theirs = official_tiktoken(name, face)
    contenders = {
        "fast": lambda t: tok.encode(t, add_special_tokens=False).ids,
        "face": face.encode_ordinary,
        "tiktoken": theirs.encode_ordinary,
    }
    out: dict[str, dict[str, float]] = {k: {} for k in (*contenders, "reference")}
    for f, text in texts.items():
        size = len(text.encode())
        tok.encode(text[:1000])  # build the tables outside the timing
        times: dict[str, list[float]] = {k: [] for k in contenders}
        results: dict[str, Any] = {}
        order = list(contenders.items())
        for round in range(repeats):
            # rotated each round: whoever runs right after another subtok call finds the vocab
            # slots it needs still in the caches (measured: ~10% faster than after tiktoken)
            for label, call in order[round % len(order):] + order[:round % len(order)]:
                seconds, results[label] = timed(clock, lambda: call(text))
                times[label].append(seconds)
        if not results["fast"] == results["face"] == results["tiktoken"]:
            raise SystemExit(f"{name} {f}: subtok's ids differ from tiktoken's")
        for label in contenders:
            out[label][f] = size / statistics.median(times[label]) / 1e6
        ref_text = ref_texts[f]
        with fast.use_reference(True):
            seconds, ref_ids = timed(clock, lambda: tok.encode(ref_text, add_special_tokens=False).ids)
        if ref_ids != tok.encode(ref_text, add_special_tokens=False).ids:
            raise SystemExit(f"{name} {f}: the fast path's ids differ from the reference's")
        out["reference"][f] = len(ref_text.encode()) / seconds / 1e6
    return out


def batch_contenders(face: Any, theirs: Any, threads: int) -> dict[str, Callable[[list[str]], Any]]:
    from subtok import fast

    tok = face.tokenizer

    def tokenizer_batch(texts: list[str]) -> Any:
        fast.set_num_threads(threads)
        return [e.ids for e in tok.encode_batch(texts, add_special_tokens=False)]

    def arrays(texts: list[str]) -> Any:
        ids, offsets = fast.encode_to_arrays(face, texts, num_threads=threads)
        return ids, offsets

    return {
        f"face {threads}": lambda texts: face.encode_ordinary_batch(texts, num_threads=threads),
        f"tiktoken {threads}": lambda texts: theirs.encode_ordinary_batch(texts, num_threads=threads),
        f"Tokenizer {threads}": tokenizer_batch,
        f"arrays {threads}": arrays,
        f"count {threads}": lambda texts: fast.count_tokens(face, texts, num_threads=threads),
    }


def same_ids(result: Any, expected: list[list[int]], flat: Any, offsets: Any) -> bool:
    """Whether a contender's result holds the expected ids (flat, offsets: the same as numpy arrays,
    compared without making a Python int per id)."""
    import numpy as np

    if isinstance(result, tuple):  # encode_to_arrays
        return np.array_equal(result[0], flat) and np.array_equal(result[1], offsets)
    if result and type(result[0]) is int:  # count_tokens
        return np.array_equal(np.diff(offsets), result)
    return result == expected


def measure_batch(name: str, paragraphs: list[str], threads: list[int], repeats: int,
                  clock: Callable[[], float]) -> dict[str, float]:
    """MB/s per contender (label "<who> <threads>") on one batch of paragraphs; raises if ids differ."""
    from subtok import fast
    from subtok.tiktoken_api import get_encoding

    face = get_encoding(name)
    theirs = official_tiktoken(name, face)
    import numpy as np

    expected = theirs.encode_ordinary_batch(paragraphs, num_threads=1)
    flat = np.fromiter((i for x in expected for i in x), dtype=np.uint32)
    offsets = np.concatenate([[0], np.cumsum([len(x) for x in expected])])
    contenders: dict[str, Callable[[list[str]], Any]] = {}
    for n in threads:
        contenders.update(batch_contenders(face, theirs, n))
    size = sum(len(p.encode()) for p in paragraphs)
    times: dict[str, list[float]] = {k: [] for k in contenders}
    order = list(contenders.items())
    try:
        for round in range(repeats):
            for label, call in order[round % len(order):] + order[:round % len(order)]:
                # each call starts from a collected heap: the collections that its own
                # allocations trigger are timed, not those owed by the previous contender
                gc.collect()
                seconds, result = timed(clock, lambda: call(paragraphs))
                if not same_ids(result, expected, flat, offsets):
                    raise SystemExit(f"{name} batch: {label}'s ids differ from tiktoken's")
                del result  # freed outside the next timing
                times[label].append(seconds)
    finally:
        fast.set_num_threads(None)
    return {label: size / statistics.median(t) / 1e6 for label, t in times.items()}


def batch_table(results: dict[str, dict[str, float]], threads: list[int]) -> list[str]:
    lines = ["| encoding | call | " + " | ".join(f"{n} thread{'s' * (n > 1)}" for n in threads) + " | "
             + " | ".join(f"{n} / {threads[0]}" for n in threads[1:]) + " |",
             "|---|---|" + "---|" * (2 * len(threads) - 1)]
    labels = {"face": "subtok fast: tiktoken face encode_ordinary_batch(texts, num_threads=n)",
              "tiktoken": "tiktoken encode_ordinary_batch(texts, num_threads=n)",
              "Tokenizer": "subtok fast: Tokenizer.encode_batch(texts) (set_num_threads(n)), .ids",
              "arrays": "subtok fast: fast.encode_to_arrays(face, texts, num_threads=n)",
              "count": "subtok fast: fast.count_tokens(face, texts, num_threads=n) (no ids out of C)"}
    for name, res in results.items():
        for key, label in labels.items():
            speeds = [res[f"{key} {n}"] for n in threads]
            scaling = [f"**{s / speeds[0]:.2f}x**" if key == "face" else f"{s / speeds[0]:.2f}x" for s in speeds[1:]]
            lines.append(f"| {name} | {label} | " + " | ".join(f"{fmt(s)} MB/s" for s in speeds) + " | "
                         + " | ".join(scaling) + " |")
        ratio = [res[f"face {n}"] / res[f"tiktoken {n}"] for n in threads]
        lines.append(f"| {name} | ratio face / tiktoken | " + " | ".join(f"{r:.1f}x" for r in ratio) + " |"
                     + " |" * (len(threads) - 1))
    return lines


def fmt(value: float) -> str:
    return f"{value:.3g}" if value < 10 else f"{value:.0f}"


def table(results: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    lines = ["| encoding | call | " + " | ".join(FILES) + " |", "|---|---|" + "---|" * len(FILES)]
    labels = {"fast": "subtok fast: Tokenizer.encode(text, add_special_tokens=False).ids",
              "face": "subtok fast: tiktoken face encode_ordinary(text)",
              "reference": "subtok reference (pure Python), same Tokenizer call",
              "tiktoken": "tiktoken encode_ordinary(text)"}
    for name, res in results.items():
        for key, label in labels.items():
            lines.append(f"| {name} | {label} | " + " | ".join(f"{fmt(res[key][f])} MB/s" for f in FILES) + " |")
        for key, label in (("fast", "**ratio fast (Tokenizer.encode) / tiktoken**"),
                           ("face", "ratio face encode_ordinary / tiktoken encode_ordinary")):
            ratio = {f: res[key][f] / res["tiktoken"][f] for f in FILES}
            bold = "**" if key == "fast" else ""
            lines.append(f"| {name} | {label} | " + " | ".join(f"{bold}{ratio[f]:.1f}x{bold}" for f in FILES) + " |")
    return lines


def header(args: argparse.Namespace, texts: dict[str, str], ref_texts: dict[str, str]) -> list[str]:
    import regex

    from subtok import fast

    try:
        import tiktoken
        tk = tiktoken.__version__
    except (ImportError, AttributeError):
        tk = "?"
    load = " ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    sizes = ", ".join(f"{f} {len(t.encode()):,} bytes" for f, t in texts.items())
    ref_sizes = ", ".join(f"{len(t.encode()):,}" for t in ref_texts.values())
    return [
        "# Compiled core vs tiktoken: byte-level BPE encode, one thread and batches on threads",
        "",
        f"- date: {datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')}",
        f"- command: `python bench/bench_fast.py {shlex.join(sys.argv[1:])}`".replace(" `", " `").rstrip(),
        f"- python: {platform.python_implementation()} {platform.python_version()}; tiktoken {tk}, regex "
        f"{regex.__version__}; subtok._core loaded: {fast.available()}",
        f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
        f"{platform.release()}, load average {load} (shared machine: compare the ratios, measured in the "
        "same rounds)",
        f"- input: the first bytes of shared/bench/corpus ({sizes}); the reference row on the first "
        f"{ref_sizes} bytes, one run",
        f"- median of {args.repeats} rounds, {args.clock} clock; MB = 10^6 bytes of UTF-8; all ids checked "
        "equal (fast, face, reference, tiktoken)",
        "",
    ]


NOTES = "<!-- notes: kept when the table is rewritten -->"


def kept_notes() -> str:
    """The hand-written part of RESULTS_fast.md (a profile, remarks): from the NOTES line on."""
    old = OUT.read_text() if OUT.is_file() else ""
    return "\n" + old[old.index(NOTES):] if NOTES in old else ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bytes", type=int, default=1 << 20, help="bytes of each file to encode (default 1 MiB)")
    ap.add_argument("--reference-bytes", type=int, default=1 << 17, help="bytes for the pure-Python row")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    ap.add_argument("--encodings", default=",".join(ENCODINGS))
    ap.add_argument("--batch-bytes", type=int, default=4 << 20, help="bytes of en.txt for the batch table (4 MiB)")
    ap.add_argument("--threads", default="1,2", help="thread counts of the batch table (the first is the base)")
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args()
    threads = [int(n) for n in args.threads.split(",")]
    clock = time.perf_counter if args.clock == "wall" else time.process_time
    texts = load_texts(args.bytes)
    ref_texts = load_texts(min(args.bytes, args.reference_bytes))
    results = {}
    for name in args.encodings.split(","):
        print(f"{name} ...", file=sys.stderr, flush=True)
        results[name] = measure(name, texts, ref_texts, args.repeats, clock)
    batch_text = load_texts(args.batch_bytes)["en.txt"]
    paragraphs = batch_text.split("\n\n")
    batch_results = {}
    for name in args.encodings.split(","):
        print(f"{name} batch ...", file=sys.stderr, flush=True)
        batch_results[name] = measure_batch(name, paragraphs, threads, args.repeats, clock)
    lines = header(args, texts, ref_texts) + table(results) + [
        "", "## encode_batch of en.txt paragraphs on threads", "",
        f"The first {len(batch_text.encode()):,} bytes of en.txt split on blank lines: {len(paragraphs):,} "
        f"paragraphs in one batch. Median of {args.repeats} rounds; the last columns: speed at n threads / "
        f"at {threads[0]} (the target: 2 threads >= 1.8x one thread).", ""] + batch_table(batch_results, threads)
    print("\n".join(lines))
    if not args.no_write:
        OUT.write_text("\n".join(lines) + "\n" + kept_notes())
        print(f"wrote {OUT.relative_to(REPO)}", file=sys.stderr)


if __name__ == "__main__":
    main()
