"""Load time and memory: subtok against tiktoken, sentencepiece and HF tokenizers, same files, same run.

    python bench/bench_load.py [--repeats N]

Each measurement runs in a fresh Python process (so nothing is cached between loads): the library
is imported first (not timed), then one load of the file is timed (wall clock) and the growth of
the process's resident memory (VmRSS) across that load is recorded, and again after one encode of
a short text (subtok builds its compiled tables on the first encode). Figures are medians over N
processes (default 3). The files are the real ones subtok fetches (see subtok.assets):

- cl100k_base, o200k_base: the .tiktoken.gz rank files; subtok.load(path) vs tiktoken.Encoding
  built from tiktoken.load.load_tiktoken_bpe; and a tokenizer.json saved by subtok from them,
  loaded by subtok.Tokenizer.from_file vs tokenizers.Tokenizer.from_file;
- j2 (262,144-piece sentencepiece Unigram): subtok.load(path) vs
  sentencepiece.SentencePieceProcessor(model_file=path).

The table is printed (and written to --output when given); `./run bench` puts it in bench/RESULTS.md
(its "load" section).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

# One worker per (library, file): (setup, load, encode) prints {"seconds": ..., "rss_kib": ...,
# "encoded_kib": ...}. {path} and {name} are filled in; "setup" runs before the clock starts;
# "encode" runs after the load's memory is read, on the loaded `obj`.
WORKERS = {
    "subtok": ("import subtok", "subtok.load({path!r})", "obj.encode('hello world')"),
    "subtok-json": ("import subtok", "subtok.Tokenizer.from_file({path!r})", "obj.encode('hello world')"),
    "tiktoken": ("import tiktoken, tiktoken.load, gzip, base64\n"
                 "from subtok.formats.tiktoken import ENCODINGS\nspec = ENCODINGS[{name!r}]",
                 "tiktoken.Encoding({name!r}, pat_str=spec.pattern, special_tokens=spec.special_tokens, "
                 "mergeable_ranks={{base64.b64decode(t): int(r) for t, r in "
                 "(l.split() for l in gzip.open({path!r}).read().splitlines() if l)}})",
                 "obj.encode_ordinary('hello world')"),
    "tokenizers": ("import tokenizers", "tokenizers.Tokenizer.from_file({path!r})", "obj.encode('hello world')"),
    "sentencepiece": ("import sentencepiece", "sentencepiece.SentencePieceProcessor(model_file={path!r})",
                      "obj.encode('hello world')"),
}

_TEMPLATE = """
import json, sys, time
sys.path.insert(0, {src!r})
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
{setup}
before = rss()
t0 = time.perf_counter()
obj = {load}
seconds = time.perf_counter() - t0
loaded = rss()
{encode}
print(json.dumps({{"seconds": seconds, "rss_kib": loaded - before, "encoded_kib": rss() - before}}))
"""


def measure(worker: str, path: Path, name: str, repeats: int) -> tuple[float, float, float]:
    """Median seconds and MiB of one load, and MiB after one encode, each in a fresh process."""
    setup, load, encode = WORKERS[worker]
    code = _TEMPLATE.format(src=str(REPO / "src"), setup=setup.format(path=str(path), name=name),
                            load=load.format(path=str(path), name=name), encode=encode)
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise SystemExit(f"{worker} on {path.name} failed:\n{out.stderr}")
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return (statistics.median(r["seconds"] for r in runs), statistics.median(r["rss_kib"] for r in runs) / 1024,
            statistics.median(r["encoded_kib"] for r in runs) / 1024)


def cases(tmp: Path) -> list[tuple[str, list[tuple[str, str, Path]]]]:
    """(case, [(label, worker, path)]) with the reference first."""
    from subtok import assets, load

    out = []
    for name, asset in (("cl100k_base", "cl100k_base.tiktoken.gz"), ("o200k_base", "o200k_base.tiktoken.gz")):
        ranks = assets.fetch(asset)
        saved = tmp / f"{name}.tokenizer.json"
        load(ranks).save(saved)
        out.append((f"{name} (.tiktoken.gz)", [("tiktoken", "tiktoken", ranks), ("subtok", "subtok", ranks)]))
        out.append((f"{name} (tokenizer.json saved by subtok)",
                    [("HF tokenizers", "tokenizers", saved), ("subtok", "subtok-json", saved)]))
    j2 = assets.fetch("j2-tokenizer.model")
    out.append(("j2 Unigram, 262,144 pieces (.model)", [("sentencepiece", "sentencepiece", j2), ("subtok", "subtok", j2)]))
    return out


EXPLAIN = ("Each load in a fresh process after the library is imported; median of the runs; memory = growth of "
           "VmRSS across the load / across the load and one encode of 'hello world' (subtok builds its compiled "
           "tables then); ratio = subtok / reference (above 1: subtok is slower or larger). The issue's target: "
           "RSS after loading o200k_base no more than tiktoken's.")


def table(repeats: int) -> list[str]:
    """The Markdown table: one row per file, subtok against the reference library."""
    rows = ["| file | reference | reference time | reference memory | subtok time | subtok memory | time ratio "
            "| memory ratio |", "|---|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for case, entries in cases(Path(tmp)):
            name = case.split()[0]
            print(f"load: {case} ...", file=sys.stderr, flush=True)
            results = [(label, *measure(worker, path, name, repeats)) for label, worker, path in entries]
            (ref_label, ref_s, ref_mib, ref_enc), (label, s, mib, enc) = results
            rows.append(f"| {case} | {ref_label} | {ref_s:.3f} s | {ref_mib:.0f} / {ref_enc:.0f} MiB | {s:.3f} s | "
                        f"{mib:.0f} / {enc:.0f} MiB | {s / ref_s:.1f}x | {mib / max(ref_mib, 1):.1f}x / "
                        f"{enc / max(ref_enc, 1):.1f}x |")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", type=Path, help="also write the table here")
    args = parser.parse_args()
    rows = table(args.repeats)
    load1, load5, load15 = os.getloadavg()
    text = "\n".join([
        "# Load time and memory", "",
        f"- date: {datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')}",
        f"- command: `python bench/bench_load.py --repeats {args.repeats}` (also the load section of bench/RESULTS.md)",
        f"- python: {platform.python_implementation()} {platform.python_version()}; machine: {platform.machine()}, "
        f"{os.cpu_count()} cores, load average {load1:.1f} {load5:.1f} {load15:.1f}",
        f"- {EXPLAIN}", "", *rows, ""])
    print(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
