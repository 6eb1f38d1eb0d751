"""Generate ``src/subtok/_core/bert_tables.h``: the character facts of the compiled BERT path.

The compiled WordPiece path (``src/subtok/_core/wordpiece.c``) normalizes and splits text as the
pure-Python `BertNormalizer` and `BertPreTokenizer` do, so every fact here is asked of the
reference's own functions in `subtok.unicode` (which answer from ``data/unicode_hf.json``, the
tables measured from Hugging Face tokenizers), for every code point:

- flags: BERT control (dropped by clean_text, as are NUL and U+FFFD), BERT whitespace (mapped to
  a space by clean_text), Chinese ideograph (spaced out), nonspacing mark (dropped after NFD when
  accents are stripped), White_Space (a word boundary), BERT punctuation (a word of its own), a
  canonical decomposition, a lowercase mapping, a nonzero canonical combining class;
- the full canonical decompositions (Hangul syllables are decomposed by arithmetic in C, as in
  the reference), the lowercase mappings (Rust's ``char::to_lowercase``, context free) and the
  combining classes of the marks that are not nonspacing (only those are reordered in C: the
  nonspacing ones are dropped when NFD runs).

    python tools/gen_bert_tables.py          # rewrites the header (a few seconds)
    python tools/gen_bert_tables.py --check  # exit 1 if the committed header is out of date
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from subtok import unicode as uni  # noqa: E402

OUT = ROOT / "src" / "subtok" / "_core" / "bert_tables.h"
DATA = ROOT / "src" / "subtok" / "data" / "unicode_hf.json"
N_CODE_POINTS = 0x110000
BLOCK = 256

FLAGS = {
    "CONTROL": "NUL, U+FFFD or a BERT control char (clean_text drops it)",
    "BERT_WS": "BERT whitespace (clean_text makes it a space)",
    "CHINESE": "a Chinese ideograph (handle_chinese_chars puts spaces around it)",
    "MN": "a nonspacing mark (dropped after NFD when stripping accents)",
    "WS": "White_Space (ends a word, removed)",
    "PUNCT": "BERT punctuation (a word of its own)",
    "NFD": "has a canonical decomposition in the table (Hangul syllables: by arithmetic)",
    "LOWER": "lowercases to something else",
    "MARK": "a nonzero canonical combining class and not a nonspacing mark (reordered by NFD)",
    "CCC": "a nonzero canonical combining class (NFD reorders runs of these)",
}


def flags_of(cp: int) -> int:
    c = chr(cp)
    f = 0
    bits = {name: 1 << i for i, name in enumerate(FLAGS)}
    if cp == 0 or cp == 0xFFFD or uni.is_bert_control(c):
        f |= bits["CONTROL"]
    if uni.is_bert_whitespace(c):
        f |= bits["BERT_WS"]
    if uni.is_chinese_char(c):
        f |= bits["CHINESE"]
    if uni.is_nonspacing_mark(c):
        f |= bits["MN"]
    if uni.is_whitespace(c):
        f |= bits["WS"]
    if uni.is_bert_punctuation(c):
        f |= bits["PUNCT"]
    if c in uni._NFD:
        f |= bits["NFD"]
    if uni.lower(c) != c:
        f |= bits["LOWER"]
    if uni.combining_class(c) and not uni.is_nonspacing_mark(c):
        f |= bits["MARK"]
    if uni.combining_class(c):
        f |= bits["CCC"]
    return f


def table(name: str, mapping: dict[int, str]) -> list[str]:
    """Sorted code points, and per code point where its replacement starts in a pool and how long."""
    keys = sorted(mapping)
    pool: list[int] = []
    starts: list[int] = []
    for cp in keys:
        starts.append(len(pool) << 4 | len(mapping[cp]))
        if len(mapping[cp]) > 15:
            raise SystemExit(f"{name}: U+{cp:04X} maps to {len(mapping[cp])} chars; the header keeps at most 15")
        pool.extend(ord(x) for x in mapping[cp])
    out = [f"#define BT_N_{name.upper()} {len(keys)}",
           f"static const uint32_t bt_{name}_cp[BT_N_{name.upper()}] = {{"]
    out += ["  " + ",".join(f"0x{x:x}" for x in keys[i:i + 16]) + "," for i in range(0, len(keys), 16)]
    out += ["};", f"/* pool start << 4 | length */", f"static const uint32_t bt_{name}_at[BT_N_{name.upper()}] = {{"]
    out += ["  " + ",".join(str(x) for x in starts[i:i + 16]) + "," for i in range(0, len(starts), 16)]
    out += ["};", f"static const uint32_t bt_{name}_pool[{max(1, len(pool))}] = {{"]
    out += ["  " + ",".join(f"0x{x:x}" for x in pool[i:i + 16]) + "," for i in range(0, len(pool), 16)]
    return out + ["};", ""]


def generate() -> str:
    uni._load()
    flags = [0 if 0xD800 <= cp < 0xE000 else flags_of(cp) for cp in range(N_CODE_POINTS)]
    blocks: dict[tuple[int, ...], int] = {}
    stage1 = []
    for start in range(0, N_CODE_POINTS, BLOCK):
        stage1.append(blocks.setdefault(tuple(flags[start:start + BLOCK]), len(blocks)))
    if len(blocks) > 255:
        raise SystemExit(f"{len(blocks)} distinct blocks do not fit the uint8 stage-1 table")
    nfd = {ord(c): d for c, d in uni._NFD.items()}
    lower = {cp: uni.lower(chr(cp)) for cp in range(N_CODE_POINTS)
             if not 0xD800 <= cp < 0xE000 and uni.lower(chr(cp)) != chr(cp)}
    marks = {cp: uni.combining_class(chr(cp)) for cp in range(N_CODE_POINTS) if flags[cp] & (1 << 8)}
    for cp, d in nfd.items():  # the C code decomposes once: the table must hold full decompositions
        if any(x in uni._NFD or "\uac00" <= x <= "\ud7a3" for x in d):
            raise SystemExit(f"the decomposition of U+{cp:04X} is not full")
    digest = hashlib.sha256(DATA.read_bytes()).hexdigest()[:16]
    lines = ["/* Generated by tools/gen_bert_tables.py; do not edit. */",
             f"/* Asked of subtok.unicode ({DATA.name} sha256 {digest}...) for every code point. */",
             "#ifndef SUBTOK_BERT_TABLES_H", "#define SUBTOK_BERT_TABLES_H", "#include <stdint.h>", ""]
    for bit, (name, doc) in enumerate(FLAGS.items()):
        lines.append(f"#define BT_{name} 0x{1 << bit:03x}  /* {doc} */")
    lines += ["", f"#define BT_BLOCKS {len(blocks)}", "static const uint8_t bt_stage1[0x1100] = {"]
    lines += ["  " + ",".join(str(x) for x in stage1[i:i + 32]) + "," for i in range(0, len(stage1), 32)]
    lines += ["};", "", "static const uint16_t bt_stage2[BT_BLOCKS][256] = {"]
    for block in blocks:
        lines.append("  {")
        lines += ["    " + ",".join(str(x) for x in block[i:i + 32]) + "," for i in range(0, BLOCK, 32)]
        lines.append("  },")
    lines += ["};", ""]
    lines += table("nfd", nfd) + table("lower", lower)
    keys = sorted(marks)
    lines += [f"#define BT_N_MARKS {len(keys)}", "static const uint32_t bt_mark_cp[BT_N_MARKS] = {",
              "  " + ",".join(f"0x{cp:x}" for cp in keys) + ",", "};",
              "static const uint8_t bt_mark_ccc[BT_N_MARKS] = {",
              "  " + ",".join(str(marks[cp]) for cp in keys) + ",", "};", "", "#endif", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    from gen_fast_tables import write_or_check

    write_or_check(OUT, generate, __doc__, "gen_bert_tables.py")
