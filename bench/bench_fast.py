"""The compiled core against tiktoken: byte-level BPE encode speed, one thread, one run.

    python bench/bench_fast.py [--bytes N] [--reference-bytes N] [--repeats N] [--clock wall|cpu]
                               [--encodings gpt2,cl100k_base,o200k_base] [--no-write]

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
machines. The ids of all three are checked equal. MB = 10^6 bytes of UTF-8. The table is printed and
written to bench/RESULTS_fast.md (unless --no-write).
"""

from __future__ import annotations

import os

os.environ["TIKTOKEN_CACHE_DIR"] = ""  # tiktoken must not copy files into a temp cache

import argparse
import datetime
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
        fast.use_reference(True)
        try:
            seconds, ref_ids = timed(clock, lambda: tok.encode(ref_text, add_special_tokens=False).ids)
        finally:
            fast.use_reference(False)
        if ref_ids != tok.encode(ref_text, add_special_tokens=False).ids:
            raise SystemExit(f"{name} {f}: the fast path's ids differ from the reference's")
        out["reference"][f] = len(ref_text.encode()) / seconds / 1e6
    return out


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
        "# Compiled core vs tiktoken: byte-level BPE encode, one thread",
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
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args()
    clock = time.perf_counter if args.clock == "wall" else time.process_time
    texts = load_texts(args.bytes)
    ref_texts = load_texts(min(args.bytes, args.reference_bytes))
    results = {}
    for name in args.encodings.split(","):
        print(f"{name} ...", file=sys.stderr, flush=True)
        results[name] = measure(name, texts, ref_texts, args.repeats, clock)
    lines = header(args, texts, ref_texts) + table(results)
    print("\n".join(lines))
    if not args.no_write:
        OUT.write_text("\n".join(lines) + "\n" + kept_notes())
        print(f"wrote {OUT.relative_to(REPO)}", file=sys.stderr)


if __name__ == "__main__":
    main()
