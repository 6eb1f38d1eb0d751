"""Measure Hugging Face `tokenizers` per character; write ``src/subtok/data/unicode_hf.json``.

The tables in the data file are what the reference library *does*, observed through its Python
bindings on every code point (0..0x10FFFF without surrogates), not what its Rust sources or
Python's `unicodedata` say: the Unicode versions all differ (normalization uses Unicode 9.0
tables, `char` methods the Rust toolchain's, Oniguruma its own). Two facts cannot be observed and
are filled in from elsewhere: Alphabetic (for `is_alphanumeric`, from `regex`) and the Mn status
of characters that NFD decomposes (BertNormalizer only sees them decomposed; from `unicodedata`).
The data file does not depend on the Python or `regex` version that later runs subtok.

Usage (needs the `tokenizers` version the project pins, see pyproject's ``test`` extra; about
4 minutes)::

    python tools/gen_unicode_tables.py            # writes src/subtok/data/unicode_hf.json

Every measurement is cross-checked (asserts) where the bindings offer two ways to see it. The
script prints how often the reference disagrees with `unicodedata` of the running Python, and how
far the `regex` module's classes are from Oniguruma's.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

import regex
import tokenizers
from tokenizers import Regex, normalizers, pre_tokenizers

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "subtok" / "data" / "unicode_hf.json"

ALL = [chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000]

# ---------------------------------------------------------------------------------------------
# measuring helpers


def per_char(fn, chars, sep="\n", tmpl=None):
    """fn(one big string) -> string; returns fn applied to each char (or tmpl(char)) separately.

    The pieces are joined with `sep`, which must be left alone by `fn` and never produced by it;
    characters equal to `sep` are measured on their own.
    """
    tmpl = tmpl or (lambda c: c)
    todo = [c for c in chars if sep not in tmpl(c)]
    out = fn(sep.join(tmpl(c) for c in todo)).split(sep)
    if len(out) != len(todo):
        raise RuntimeError(f"separator {sep!r} was disturbed ({len(out)} != {len(todo)})")
    res = dict(zip(todo, out))
    for c in chars:
        if c not in res:
            res[c] = fn(tmpl(c))
    return [res[c] for c in chars]


def covered(pretok, text):
    """Char positions of `text` covered by some piece of pretok.pre_tokenize_str(text), and the
    set of piece start positions."""
    pieces = pretok.pre_tokenize_str(text)
    cov = bytearray(len(text))
    starts = set()
    for _, (s, e) in pieces:
        cov[s:e] = b"\x01" * (e - s)
        starts.add(s)
    return cov, starts


def onig_matches(pattern, chars=ALL):
    """Code points that Oniguruma's `pattern` (one char per match) matches, measured with
    Split(Regex(pattern), 'removed') on all characters at once: the matches are the gaps."""
    text = "".join(chars)
    pieces = pre_tokenizers.Split(Regex(pattern), "removed").pre_tokenize_str(text)
    out, pos = [], 0
    for _, (s, e) in pieces + [("", (len(text), len(text)))]:
        out.extend(ord(c) for c in chars[pos:s])
        pos = e
    return out


def to_ranges(cps):
    """Sorted code points -> flat [start0, end0, start1, end1, ...] (ends exclusive)."""
    out: list[int] = []
    for cp in sorted(cps):
        if out and out[-1] == cp:
            out[-1] = cp + 1
        else:
            out += [cp, cp + 1]
    return out


def to_runs(values):
    """{cp: value} for every cp (missing = None) -> (starts, values) of constant runs."""
    starts, vals = [], []
    prev = object()
    for cp in range(0x110000):
        v = values.get(cp)
        if v != prev:
            starts.append(cp)
            vals.append(v)
            prev = v
    return starts, vals


def report(name, hf_set_or_map, py_fn, ALL=ALL):  # noqa: N803
    """Print how many code points HF disagrees with unicodedata on."""
    if isinstance(hf_set_or_map, dict):
        diff = [c for c in ALL if hf_set_or_map.get(c, c) != py_fn(c)]
    else:
        diff = [c for c in ALL if (ord(c) in hf_set_or_map) != py_fn(c)]
    sample = " ".join(f"U+{ord(c):04X}" for c in diff[:6])
    print(f"  {name:<24} differs from unicodedata {unicodedata.unidata_version} on "
          f"{len(diff):>6} code points  {sample}")
    STATS[name] = len(diff)


STATS: dict[str, int] = {}

# ---------------------------------------------------------------------------------------------
# normalization


def measure_normalization(data):
    t = time.time()
    nfd = per_char(normalizers.NFD().normalize_str, ALL)
    nfkd = per_char(normalizers.NFKD().normalize_str, ALL)
    nfc = per_char(normalizers.NFC().normalize_str, ALL)
    nfkc = per_char(normalizers.NFKC().normalize_str, ALL)

    def hangul(c):
        return 0xAC00 <= ord(c) <= 0xD7A3

    data["nfd"] = {c: d for c, d in zip(ALL, nfd) if d != c and not hangul(c)}
    data["nfkd"] = {c: k for c, d, k in zip(ALL, nfd, nfkd) if k != d and not hangul(c)}
    for c, d, k in zip(ALL, nfd, nfkd):  # Hangul syllables decompose algorithmically, canonically
        if hangul(c):
            assert d == k == unicodedata.normalize("NFD", c), c

    # canonical combining classes, of every character that NFD leaves alone (the others never
    # reach the ordering or composition steps)
    stable = [c for c, d in zip(ALL, nfd) if d == c and c != "\n"]
    N = normalizers.NFD().normalize_str
    t1 = per_char(N, stable, tmpl=lambda c: "a\u0301" + c)  # reordered iff 0 < ccc < 230
    t2 = per_char(N, stable, tmpl=lambda c: "a" + c + "\u0334")  # reordered iff ccc > 1
    nonzero = [c for c, a, b in zip(stable, t1, t2)
               if a != "a\u0301" + c or b != "a" + c + "\u0334"]
    # reference chars, one per class value unicodedata knows; their classes are checked below
    reps = {}
    for c in nonzero:
        reps.setdefault(unicodedata.combining(c), c)
    reps.pop(0, None)
    values = sorted(reps)
    pairs = [(x, y) for x in nonzero for y in values]
    lt = per_char(N, pairs, tmpl=lambda p: "a" + reps[p[1]] + p[0])  # swapped iff ccc(x) < v
    gt = per_char(N, pairs, tmpl=lambda p: "a" + p[0] + reps[p[1]])  # swapped iff ccc(x) > v
    rel: dict[str, list[int]] = {}
    for (x, v), a, b in zip(pairs, lt, gt):
        r = -1 if a != "a" + reps[v] + x else (1 if b != "a" + x + reps[v] else 0)
        rel.setdefault(x, []).append(r)
    ccc = {}
    for x, rs in rel.items():
        eq = [v for v, r in zip(values, rs) if r == 0]
        if len(eq) != 1 or any((r < 0) != (eq[0] < v) for v, r in zip(values, rs) if r):
            raise RuntimeError(f"U+{ord(x):04X} has a combining class unicodedata lacks: {rs}")
        ccc[x] = eq[0]
    data["ccc"] = ccc

    # canonical compositions: a primary composite is a character that NFC keeps and NFD splits;
    # its pair is its single-level canonical decomposition
    compose = {}
    for c, d, n in zip(ALL, nfd, nfc):
        if n == c and d != c and not hangul(c):
            m = unicodedata.decomposition(c).split()
            assert len(m) == 2 and not m[0].startswith("<"), (c, m)
            compose["".join(chr(int(x, 16)) for x in m)] = c
    check = per_char(normalizers.NFC().normalize_str, list(compose))
    assert all(compose[p] == r for p, r in zip(compose, check))
    data["compose"] = compose
    print(f"normalization measured in {time.time() - t:.1f}s: {len(data['nfd'])} NFD, "
          f"{len(data['nfkd'])} extra NFKD decompositions, {len(ccc)} combining classes, "
          f"{len(compose)} compositions")
    return {"NFD": nfd, "NFKD": nfkd, "NFC": nfc, "NFKC": nfkc}


# ---------------------------------------------------------------------------------------------
# character predicates


def measure_predicates(data):
    t = time.time()
    # Lowercase normalizer: Rust char::to_lowercase
    low = per_char(normalizers.Lowercase().normalize_str, ALL)
    data["lower"] = {c: l for c, l in zip(ALL, low) if l != c}

    # char::is_whitespace: WhitespaceSplit removes it
    text = "a".join(ALL)
    cov, _ = covered(pre_tokenizers.WhitespaceSplit(), text)
    ws = {ord(c) for i, c in enumerate(ALL) if not cov[2 * i]}
    data["whitespace"] = to_ranges(ws)

    # BertNormalizer(clean_text): control chars (and NUL, U+FFFD) removed, whitespace -> " "
    bert = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False,
                                      strip_accents=False, lowercase=False)
    out = per_char(bert.normalize_str, ALL, sep="|")
    removed = {ord(c) for c, o in zip(ALL, out) if o == ""}
    spaced = {ord(c) for c, o in zip(ALL, out) if o == " " and c != " "}
    assert all(o in ("", " ", c) for c, o in zip(ALL, out))
    data["bert_control"] = to_ranges(removed - {0xFFFD})
    bert_ws = {ord(c) for c in "\t\n\r"} | ws
    # what clean_text observes: whitespace that is not also a control char becomes " "
    assert spaced | {0x20} == bert_ws - removed, sorted(spaced ^ (bert_ws - removed - {0x20}))

    # handle_chinese_chars
    bert = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=True,
                                      strip_accents=False, lowercase=False)
    out = per_char(bert.normalize_str, ALL)
    data["chinese"] = to_ranges(ord(c) for c, o in zip(ALL, out) if o == f" {c} ")
    assert all(o in (c, f" {c} ") for c, o in zip(ALL, out))

    # StripAccents: is_combining_mark
    out = per_char(normalizers.StripAccents().normalize_str, ALL)
    data["combining_mark"] = to_ranges(ord(c) for c, o in zip(ALL, out) if o == "")
    assert all(o in ("", c) for c, o in zip(ALL, out))

    # BertNormalizer(strip_accents): NFD, then removes Mn (unicode_categories). Only observable
    # on characters NFD leaves alone (it is never asked about the others); for those, unicodedata.
    bert = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False,
                                      strip_accents=True, lowercase=False)
    out = per_char(bert.normalize_str, ALL)
    nfd = normalizers.NFD().normalize_str
    nfd_out = per_char(nfd, ALL)
    mn = set()
    for c, o, d in zip(ALL, out, nfd_out):
        if d == c:
            assert o in ("", c)
            if o == "":
                mn.add(ord(c))
        elif unicodedata.category(c) == "Mn":
            mn.add(ord(c))
    data["nonspacing_mark"] = to_ranges(mn)

    # punctuation: BertPreTokenizer and Punctuation isolate it
    text = "a" + "a".join(ALL) + "a"
    cov, starts = covered(pre_tokenizers.Punctuation(), text)
    punct = {ord(c) for i, c in enumerate(ALL) if 2 * i + 1 in starts and cov[2 * i + 1]}
    data["punctuation"] = to_ranges(punct)
    cov, starts = covered(pre_tokenizers.BertPreTokenizer(), text)
    bpunct = {ord(c) for i, c in enumerate(ALL) if 2 * i + 1 in starts and cov[2 * i + 1]}
    bws = {ord(c) for i, c in enumerate(ALL) if not cov[2 * i + 1]}
    assert bpunct == punct and bws == ws

    # Digits: char::is_numeric
    cov, starts = covered(pre_tokenizers.Digits(individual_digits=True), text)
    numeric = {ord(c) for i, c in enumerate(ALL) if 2 * i + 1 in starts}
    data["numeric"] = to_ranges(numeric)

    # char::is_alphanumeric = Alphabetic or Numeric. The bindings never show Alphabetic (nor
    # is_alphanumeric) on its own, so Alphabetic comes from `regex`, whose Unicode version is at
    # least the Rust toolchain's (checked on is_numeric, which is observable).
    rx_n = {ord(c) for c in regex.findall(r"\p{N}", "".join(ALL))}
    if not numeric <= rx_n:
        raise RuntimeError("regex knows an older Unicode than Rust std: cannot derive Alphabetic")
    alpha = {ord(c) for c in regex.findall(r"\p{Alphabetic}", "".join(ALL))}
    data["alphanumeric"] = to_ranges(alpha | numeric)
    print(f"predicates measured in {time.time() - t:.1f}s")
    return ws, removed, punct, numeric, mn


# ---------------------------------------------------------------------------------------------
# UnicodeScripts

# Rust enum names (tokenizers' scripts.rs, Unicode 9.0 Scripts.txt); only used to *name* the
# classes found by measurement, through `regex`'s script property.
SCRIPT_NAMES = """Adlam Ahom AnatolianHieroglyphs Arabic Armenian Avestan Balinese Bamum BassaVah
Batak Bengali Bhaiksuki Bopomofo Brahmi Braille Buginese Buhid CanadianAboriginal Carian
CaucasianAlbanian Chakma Cham Cherokee Common Coptic Cuneiform Cypriot Cyrillic Deseret Devanagari
Duployan EgyptianHieroglyphs Elbasan Ethiopic Georgian Glagolitic Gothic Grantha Greek Gujarati
Gurmukhi Han Hangul Hanunoo Hatran Hebrew Hiragana ImperialAramaic Inherited InscriptionalPahlavi
InscriptionalParthian Javanese Kaithi Kannada Katakana KayahLi Kharoshthi Khmer Khojki Khudawadi
Lao Latin Lepcha Limbu LinearA LinearB Lisu Lycian Lydian Mahajani Malayalam Mandaic Manichaean
Marchen MeeteiMayek MendeKikakui MeroiticCursive MeroiticHieroglyphs Miao Modi Mongolian Mro
Multani Myanmar Nabataean NewTaiLue Newa Nko Ogham OlChiki OldHungarian OldItalic OldNorthArabian
OldPermic OldPersian OldSouthArabian OldTurkic Oriya Osage Osmanya PahawhHmong Palmyrene PauCinHau
PhagsPa Phoenician PsalterPahlavi Rejang Runic Samaritan Saurashtra Sharada Shavian Siddham
SignWriting Sinhala SoraSompeng Sundanese SylotiNagri Syriac Tagalog Tagbanwa TaiLe TaiTham
TaiViet Takri Tamil Tangut Telugu Thaana Thai Tibetan Tifinagh Tirhuta Ugaritic
Vai WarangCiti Yi""".split()


def _scripts_pretok():
    # pieces separated by a removed "\n" are split by UnicodeScripts independently
    return pre_tokenizers.Sequence([pre_tokenizers.Split("\n", "removed"),
                                    pre_tokenizers.UnicodeScripts()])


def _piece_splits(pieces):
    """For each piece (no "\\n" inside), the set of its inner split positions (0 < p < len)."""
    pt = _scripts_pretok()
    text = "\n".join(pieces)
    starts = {s for _, (s, _e) in pt.pre_tokenize_str(text)}
    res, pos = [], 0
    for p in pieces:
        res.append({i for i in range(1, len(p)) if pos + i in starts})
        pos += len(p) + 1
    return res


def measure_scripts(data):
    t = time.time()
    chars = [c for c in ALL if c != "\n"]
    a = _piece_splits(["a" + c + "a" for c in chars])
    g = _piece_splits(["\u03b1" + c + "\u03b1" for c in chars])
    any_ = {c for c, x, y in zip(chars, a, g) if not x and not y}
    # "\n" is in the Common class of every other C0 control: checked with its neighbours below
    # consecutive non-Any chars in one piece: a split between two means different classes
    seq = [c for c in chars if c not in any_]
    pt = pre_tokenizers.UnicodeScripts()
    starts = {s for _, (s, _e) in pt.pre_tokenize_str("".join(seq))}
    runs = [[seq[0]]]
    for i in range(1, len(seq)):
        if i in starts:
            runs.append([seq[i]])
        else:
            runs[-1].append(seq[i])
    # merge runs into classes: compare each run's first char with each class representative
    classes: list[list[str]] = []
    for run in runs:
        if classes:
            sp = _piece_splits([cl[0] + run[0] for cl in classes])
            same = [i for i, s in enumerate(sp) if not s]
            assert len(same) <= 1
            if same:
                classes[same[0]].extend(run)
                continue
        classes.append(list(run))
    # name each class after the regex script most of its members have
    names = []
    for cl in classes:
        sample = "".join(cl[:: max(1, len(cl) // 200)])
        best = max(SCRIPT_NAMES, key=lambda n: len(regex.findall(rf"\p{{Script={n}}}", sample)))
        names.append(best)
    if len(set(names)) != len(names):
        raise RuntimeError(f"two classes got one name: {Counter(names).most_common(3)}")
    cls = {ord(c): i + 1 for i, cl in enumerate(classes) for c in cl}
    pt_ = pre_tokenizers.UnicodeScripts()
    assert pt_.pre_tokenize_str("\t\n\t") == [("\t\n\t", (0, 3))]
    assert len(pt_.pre_tokenize_str("a\n")) == 2
    cls[ord("\n")] = cls[ord("\t")]
    starts_, vals = to_runs(cls)
    data["scripts"] = {"names": ["Any"] + names, "starts": starts_,
                       "values": [v or 0 for v in vals]}
    print(f"scripts measured in {time.time() - t:.1f}s: {len(classes)} classes, {len(any_)} Any")


# ---------------------------------------------------------------------------------------------
# Oniguruma classes

GENERAL_CATEGORIES = ("Lu Ll Lt Lm Lo Mn Mc Me Nd Nl No Pc Pd Ps Pe Pi Pf Po Sm Sc Sk So Zs Zl Zp "
                      "Cc Cf Cs Co Cn").split()
ONIG_SCRIPTS = ("Han Hiragana Katakana Hangul Latin Cyrillic Greek Arabic Hebrew Thai "
                "Devanagari").split()


def measure_onig(data):
    """Oniguruma's classes, as Split(Regex(...)) patterns see them, and the Whitespace
    pre-tokenizer's \\w and \\s (that one runs on Rust's `regex` crate, not on Oniguruma)."""
    t = time.time()
    gc = {}
    for cat in GENERAL_CATEGORIES:
        if cat == "Cs":
            continue
        bare = onig_matches(rf"\p{{{cat}}}")
        assert onig_matches(rf"[\p{{{cat}}}]") == bare, cat
        for cp in bare:
            assert cp not in gc, (cat, cp)
            gc[cp] = cat
    assert len(gc) == len(ALL)
    # parent categories are the unions of their subcategories
    for parent in "LMNPSZC":
        members = {cp for cp, cat in gc.items() if cat[0] == parent}
        assert set(onig_matches(rf"\p{{{parent}}}")) == members, parent
    gc.update((cp, "Cs") for cp in range(0xD800, 0xE000))  # not measurable; Cs everywhere
    starts, vals = to_runs(gc)
    onig = {"gc_names": GENERAL_CATEGORIES, "gc_starts": starts,
            "gc_values": [GENERAL_CATEGORIES.index(v) for v in vals]}
    # \w alone matches six Latin-1 No characters that [\w] (any class holding it) does not
    onig["word"] = to_ranges(onig_matches(r"\w"))
    onig["word_in_class"] = to_ranges(onig_matches(r"[\w]"))
    for name, pat in (("digit", r"\d"), ("space", r"\s")):
        onig[name] = to_ranges(onig_matches(pat))
        assert onig[name] == to_ranges(onig_matches(f"[{pat}]")), name
    # \h is a hex digit (subtok.unicode.fix_pattern spells it out)
    assert to_ranges(onig_matches(r"\h")) == [0x30, 0x3A, 0x41, 0x47, 0x61, 0x67]
    for name in ONIG_SCRIPTS:
        onig[name] = to_ranges(onig_matches(rf"\p{{{name}}}"))
        assert onig[name] == to_ranges(onig_matches(rf"[\p{{{name}}}]")), name
    data["onig"] = onig

    # the Whitespace pre-tokenizer: \w+|[^\w\s]+ (Rust regex crate); spaces are dropped, word
    # chars join their "a" neighbours, the others stand alone
    text = "a" + "a".join(ALL) + "a"
    cov, starts_ = covered(pre_tokenizers.Whitespace(), text)
    space = {ord(c) for i, c in enumerate(ALL) if not cov[2 * i + 1]}
    word = {ord(c) for i, c in enumerate(ALL) if cov[2 * i + 1] and 2 * i + 1 not in starts_}
    data["rust_regex"] = {"word": to_ranges(word), "space": to_ranges(space)}
    ow, osp = set(onig_matches(r"\w")), set(onig_matches(r"\s"))
    print(f"  Whitespace pre-tokenizer vs Oniguruma: \\w differs on {len(word ^ ow)}, "
          f"\\s on {len(space ^ osp)} code points")
    STATS["whitespace_word_vs_onig"] = len(word ^ ow)

    # how far `regex` (which subtok compiles Split patterns with) is from Oniguruma
    big = "".join(ALL)
    print(f"  regex {regex.__version__} vs Oniguruma, code points matched differently:")
    for pat in [r"\p{L}", r"\p{N}", r"\s", r"\w", r"[\w]", r"\d", r"\p{P}", r"\p{S}",
                r"\p{M}", r"\p{Lu}", r"\p{Ll}", r"\p{Lo}", r"\p{Han}"]:
        o = set(onig_matches(pat))
        r = {ord(c) for c in regex.findall(pat, big)}
        print(f"    {pat:<8} onig {len(o):>6}  regex {len(r):>6}  differ {len(o ^ r):>6}")
        STATS[f"regex{pat}"] = len(o ^ r)
    print(f"oniguruma measured in {time.time() - t:.1f}s")


# ---------------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    data: dict = {"tokenizers": tokenizers.__version__}
    forms = measure_normalization(data)
    ws, control, punct, numeric, mn = measure_predicates(data)
    measure_scripts(data)
    measure_onig(data)

    print("differences from unicodedata (per code point):")
    for form, outs in forms.items():
        report(form, dict(zip(ALL, outs)), lambda c, f=form: unicodedata.normalize(f, c))
    stable = {c: data["ccc"].get(c, 0) for c, d in zip(ALL, forms["NFD"]) if d == c}
    report("combining class", stable, unicodedata.combining, ALL=list(stable))
    report("lower", data["lower"], str.lower)
    report("is_whitespace", ws,
           lambda c: c.isspace() and c not in "\x1c\x1d\x1e\x1f" or c == "\x85")
    report("is_bert_control", control - {0xFFFD},
           lambda c: c not in "\t\n\r" and unicodedata.category(c) in ("Cc", "Cf", "Co"))
    report("is_bert_punctuation", punct,
           lambda c: 33 <= ord(c) <= 126 and not c.isalnum() or unicodedata.category(c)[0] == "P")
    report("is_numeric", numeric, lambda c: unicodedata.category(c) in ("Nd", "Nl", "No"))
    comb = {cp for s, e in zip(data["combining_mark"][::2], data["combining_mark"][1::2])
            for cp in range(s, e)}
    report("is_combining_mark", comb, lambda c: unicodedata.category(c)[0] == "M")
    report("is_nonspacing_mark", mn, lambda c: unicodedata.category(c) == "Mn")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}"
          f" ({args.out.stat().st_size} bytes)")


if __name__ == "__main__":
    sys.exit(main())
