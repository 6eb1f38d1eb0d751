"""Decode speed: subtok's tiktoken face (compiled join) against tiktoken, same ids, same run.

    python bench/bench_decode.py [--repeats N]

For gpt2, cl100k_base and o200k_base, the first MiB of each file of ../shared/bench/corpus is encoded
once by tiktoken; then `decode_bytes(ids)` and `decode(ids)` are timed for tiktoken, subtok (compiled
core) and subtok's pure-Python join (SUBTOK_PURE's path), interleaved, median of N rounds. MB/s is
bytes of UTF-8 text produced per second. Writes bench/RESULTS_decode.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import tiktoken  # noqa: E402
from tiktoken_ext import openai_public  # noqa: E402

from subtok import fast  # noqa: E402
from subtok.tiktoken_api import get_encoding  # noqa: E402

CORPUS = REPO.parent / "shared" / "bench" / "corpus"
FILES = ["en.txt", "code.txt", "multi.txt"]


def official(name: str, face) -> tiktoken.Encoding:
    ranks = face._mergeable_ranks
    openai_public.load_tiktoken_bpe = lambda *a, **k: ranks
    openai_public.data_gym_to_mergeable_bpe_ranks = lambda *a, **k: ranks
    return tiktoken.Encoding(**openai_public.ENCODING_CONSTRUCTORS[name]())


def python_join(face, ids):
    with fast.use_reference(True):
        return face.decode_bytes(ids)


def timed(fn, ids) -> float:
    start = time.perf_counter()
    fn(ids)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=9)
    args = ap.parse_args()
    rows = []
    for name in ["gpt2", "cl100k_base", "o200k_base"]:
        face = get_encoding(name)
        ref = official(name, face)
        calls = {"tiktoken decode_bytes": ref.decode_bytes, "subtok decode_bytes": face.decode_bytes,
                 "subtok decode_bytes, pure Python": lambda ids, face=face: python_join(face, ids),
                 "tiktoken decode": ref.decode, "subtok decode": face.decode}
        speeds: dict[str, list[float]] = {c: [] for c in calls}
        for file in FILES:
            data = (CORPUS / file).read_bytes()[: 1 << 20].decode("utf-8", "ignore")
            ids = ref.encode_ordinary(data)
            size = len(data.encode("utf-8"))
            assert face.decode_bytes(ids) == ref.decode_bytes(ids) == python_join(face, ids)
            times = {c: [] for c in calls}
            for _ in range(args.repeats):
                for c, fn in calls.items():
                    times[c].append(timed(fn, ids))
            for c in calls:
                speeds[c].append(size / statistics.median(times[c]) / 1e6)
        for c in calls:
            rows.append(f"| {name} | {c} | " + " | ".join(f"{v:.0f} MB/s" for v in speeds[c]) + " |")
        for a, b in (("subtok decode_bytes", "tiktoken decode_bytes"), ("subtok decode", "tiktoken decode")):
            ratios = [x / y for x, y in zip(speeds[a], speeds[b])]
            rows.append(f"| {name} | **ratio {a} / {b}** | " + " | ".join(f"**{r:.1f}x**" for r in ratios) + " |")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    out = [
        "# Decode: subtok's tiktoken face vs tiktoken", "",
        f"- date: {datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')}",
        f"- command: `python bench/bench_decode.py --repeats {args.repeats}`",
        f"- python: {platform.python_implementation()} {platform.python_version()}; tiktoken {tiktoken.__version__}; "
        f"subtok._core loaded: {fast.available()}",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, load average {load} (shared: compare ratios)",
        "- ids: tiktoken's encode_ordinary of the first MiB of each corpus file; median of the rounds; "
        "MB/s = bytes of UTF-8 out per second; all outputs checked equal", "",
        "| encoding | call | " + " | ".join(FILES) + " |", "|---|---|" + "---|" * len(FILES), *rows, "",
    ]
    (REPO / "bench" / "RESULTS_decode.md").write_text("\n".join(out), encoding="utf-8")
    print("\n".join(out))


if __name__ == "__main__":
    main()
