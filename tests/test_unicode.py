"""subtok.unicode against Hugging Face tokenizers, for every code point.

Each test runs the reference library once (or a few times) on a big string holding every
character, and compares with what subtok's tables say. Without `tokenizers` they are skipped.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import unicodedata
from bisect import bisect_left, bisect_right
from functools import lru_cache

import pytest
import regex

from subtok import unicode as uni

try:
    import tokenizers
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers
except ImportError:  # pragma: no cover
    tokenizers = None

needs_hf = pytest.mark.skipif(tokenizers is None,
                              reason="tokenizers (the reference library) is not installed")

# Every code point of planes 0-3 and 14, where every character assigned so far in any Unicode
# version lives (bar private use), and every 61st of the others: never assigned (planes 4-13) or
# private use (15-16), and uniform for every table. tools/gen_unicode_tables.py measures all
# 1,112,064 code points; the reference library needs about a microsecond per 4-byte character, so
# the tests skip most of the uniform ones to stay fast.
CPS = [cp for cp in range(0x110000) if not 0xD800 <= cp < 0xE000
       and (cp < 0x40000 or 0xE0000 <= cp < 0xF0000 or cp % 61 == 0 or cp == 0x10FFFF)]
ALL = [chr(cp) for cp in CPS]
ALL_TEXT = "".join(ALL)
_BREAKS = [i for i in range(1, len(CPS)) if CPS[i] != CPS[i - 1] + 1]  # index where cps jump


def per_char(fn, chars, sep="\n"):
    """fn applied to each char separately, through one call on the chars joined by `sep`."""
    todo = [c for c in chars if c != sep]
    out = fn(sep.join(todo)).split(sep)
    assert len(out) == len(todo)
    res = dict(zip(todo, out))
    return [res[c] if c in res else fn(c) for c in chars]


# Code point sets as sorted range boundaries [s0, e0, s1, e1, ...] (ends exclusive), the form
# subtok.unicode keeps them in.

FULL = [0, 0x110000]


def b_union(*sets: list[int]) -> list[int]:
    ev = sorted((x, -1 if i % 2 else 1) for b in sets for i, x in enumerate(b))
    out: list[int] = []
    depth = 0
    for x, d in ev:
        before, depth = depth, depth + d
        if before == 0 and depth > 0:
            if out and out[-1] == x:
                out.pop()
            else:
                out.append(x)
        elif before > 0 and depth == 0:
            out.append(x)
    return out


def b_not(a: list[int]) -> list[int]:
    return sorted(set(a) ^ set(FULL))


def b_and(a: list[int], b: list[int]) -> list[int]:
    return b_not(b_union(b_not(a), b_not(b)))


def b_valid(a: list[int]) -> list[int]:
    """Restricted to the tested code points."""
    return b_and(a, TESTED)


def index_ranges_to_bounds(ranges) -> list[int]:
    """Index ranges in ALL_TEXT -> code point boundaries."""
    out: list[int] = []
    for s, e in ranges:
        cuts = [s] + _BREAKS[bisect_right(_BREAKS, s):bisect_left(_BREAKS, e)] + [e]
        for a, b in zip(cuts, cuts[1:]):
            lo, hi = CPS[a], CPS[b - 1] + 1
            if out and out[-1] == lo:
                out[-1] = hi
            else:
                out += [lo, hi]
    return out


TESTED = index_ranges_to_bounds([(0, len(CPS))])


def gaps(pieces, n: int) -> list[tuple[int, int]]:
    """The index ranges of [0, n) that no piece covers."""
    out, pos = [], 0
    for _, (s, e) in pieces:
        if s > pos:
            out.append((pos, s))
        pos = max(pos, e)
    if pos < n:
        out.append((pos, n))
    return out


def onig_bounds(pattern: str) -> list[int]:
    """Code points Oniguruma's single-char `pattern` matches, per HF Split(Regex(..), removed)."""
    pieces = pre_tokenizers.Split(Regex(pattern), "removed").pre_tokenize_str(ALL_TEXT)
    return index_ranges_to_bounds(gaps(pieces, len(ALL_TEXT)))


def regex_bounds(pattern: str) -> list[int]:
    """Code points the single-char `regex` pattern matches."""
    return index_ranges_to_bounds(m.span() for m in regex.finditer(f"(?:{pattern})+", ALL_TEXT))


def classes_of(*sets: tuple[list[int], int], default: int = ord(".")) -> bytes:
    """A class byte per char of ALL_TEXT, from (boundaries, byte) pairs; later pairs win."""
    out = bytearray([default]) * len(ALL_TEXT)
    for b, code in sets:
        for s, e in zip(b[::2], b[1::2]):
            i, j = bisect_left(CPS, s), bisect_left(CPS, e)
            out[i:j] = bytes([code]) * (j - i)
    return bytes(out)


def pieces_of(classes: bytes, runs: bytes = b"", alone: bytes = b"") -> list[tuple[int, int]]:
    """Pieces of ALL_TEXT by class: a run of chars of a class in `runs` is one piece, a char of a
    class in `alone` a piece by itself; chars of other classes are dropped."""
    pat = b"|".join([re.escape(bytes([k])) + b"+" for k in runs]
                    + [re.escape(bytes([k])) for k in alone])
    return [m.span() for m in re.finditer(pat, classes)]


def ref_pieces(pretok, text: str = ALL_TEXT) -> list[tuple[int, int]]:
    return [o for _, o in pretok.pre_tokenize_str(text)]


def first_difference(a, b) -> str:
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"at {i}: {a[i:i + 2]!r} != {b[i:i + 2]!r}"


# -- loading --------------------------------------------------------------------------------------


def test_data_loads_lazily_and_fast():
    code = ("import time, subtok.unicode as u\n"
            "assert u._ONIG is None, 'loaded at import'\n"
            "t = time.perf_counter(); u.is_whitespace(' '); print(time.perf_counter() - t)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(out.stdout) < 0.2  # about 0.02 s


def test_examples_without_reference():
    assert [c for c, _ in uni.nfd("é")] == ["e", "\u0301"]
    assert uni.nfc("e\u0301") == [("é", -1)]
    assert uni.nfd("\uac01") == [("\u1100", 0), ("\u1161", 1), ("\u11a8", 1)]
    assert uni.nfc("\u1100\u1161\u11a8") == [("\uac01", -2)]
    assert uni.nfd("a\u0301\u0316") == [("a", 0), ("\u0316", 0), ("\u0301", 0)]
    assert uni.lower("İ") == "i\u0307"
    assert uni.is_whitespace("\u3000") and not uni.is_whitespace("\x1c")
    assert uni.script("a") == "Latin" and uni.script("い") == "Han" and uni.script(" ") == "Any"
    assert uni.unicode_scripts_split_points(" ab") == [1, 3]
    assert uni.unicode_scripts_split_points("  ") == [2]
    assert uni.fix_pattern(r"'s|\h") == r"'s|[0-9A-Fa-f]"
    assert uni.fix_pattern("abc") == "abc"


# -- normalization --------------------------------------------------------------------------------

FORMS = {"NFD": uni.nfd, "NFKD": uni.nfkd, "NFC": uni.nfc, "NFKC": uni.nfkc}


def apply(pairs, n_old: int) -> list[tuple[int, int]]:
    """HF NormalizedString::transform on char alignments: the new chars' alignments."""
    old = [(i, i + 1) for i in range(n_old)]
    out, pos = [], 0
    for _, change in pairs:
        if change > 0:
            out.append(old[pos - 1] if pos else (0, 0))
        else:
            out.append(old[pos])
            pos += 1 - change
    assert pos == n_old
    return out


_TOKENIZERS: dict[str, object] = {}


def hf_alignments(form: str, text: str) -> tuple[str, list[tuple[int, int]]]:
    """HF's normalized text and, per normalized char, the original char range it came from."""
    tok = _TOKENIZERS.get(form)
    if tok is None:
        tok = Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
        tok.normalizer = getattr(normalizers, form)()
        tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"(?m)."), "isolated")
        _TOKENIZERS[form] = tok
    normalized = tok.normalizer.normalize_str(text)
    offsets = tok.encode(text).offsets
    assert len(offsets) == len(normalized)
    return normalized, offsets


def check_alignments(form: str, pieces: list[str]) -> None:
    """Compare subtok and HF on the pieces (normalized independently: joined by a starter)."""
    text = "\n".join(pieces)
    ref_text, ref_align = hf_alignments(form, text)
    pairs = FORMS[form](text)
    got_text = "".join(c for c, _ in pairs)
    got_align = apply(pairs, len(text))
    if got_text != ref_text or got_align != ref_align:
        for piece in pieces:  # find the first piece that differs, for a readable failure
            ref = hf_alignments(form, piece)
            pairs = FORMS[form](piece)
            got = ("".join(c for c, _ in pairs), apply(pairs, len(piece)))
            assert got == ref, (form, piece, [f"U+{ord(c):04X}" for c in piece], pairs)
        raise AssertionError(f"{form}: pieces agree one by one but not joined")


@needs_hf
@pytest.mark.parametrize("form", FORMS)
def test_normalization_of_every_code_point(form):
    ref = per_char(getattr(normalizers, form)().normalize_str, ALL)
    # subtok maps every char outside its "special" runs to itself: HF must agree on those ...
    special = uni._special(form)
    changed = [c for c, r in zip(ALL, ref) if r != c]
    assert not [c for c in changed if not special.fullmatch(c)]
    # ... and on the special ones subtok really computes
    for m in special.finditer(ALL_TEXT):
        for i in range(*m.span()):
            c = ALL[i]
            got = "".join(x for x, _ in FORMS[form](c))
            assert got == ref[i], (f"U+{ord(c):04X}", got, ref[i])


@lru_cache(maxsize=None)
def _interesting() -> list[str]:
    """Characters whose normalization is not the identity or which take part in composition."""
    out = set()
    for c in ALL:
        if (uni._NFKD.get(c) or c in uni._CCC or c in uni._COMPOSE
                or unicodedata.decomposition(c) or unicodedata.combining(c)
                or "\u1100" <= c <= "\u11ff"):
            out.add(c)
    for m in uni._COMPOSE.values():
        out.update(m)
    out.update(chr(cp) for cp in range(0xAC00, 0xD7A4, 7))  # Hangul syllables, a sample
    rnd = random.Random(0)
    out.update(rnd.sample(ALL, 3000))
    return sorted(out)


@needs_hf
@pytest.mark.parametrize("form", FORMS)
def test_alignments_around_every_interesting_code_point(form):
    uni._load()
    chars = _interesting()
    pieces = []
    for c in chars:
        pieces += ["a" + c + "\u0301\u0316", c + "\u0316\u0301", "e" + c + "\u0345\u0300"]
    check_alignments(form, pieces)


MARKS = ["\u0300", "\u0301", "\u0302", "\u0303", "\u0304", "\u0306", "\u0307", "\u0308", "\u030a",
         "\u030c", "\u0313", "\u0314", "\u031b", "\u0323", "\u0327", "\u0328", "\u0316", "\u0334",
         "\u0342", "\u0345", "\u05b0", "\u05bc", "\u0f71", "\u0f72", "\u0f74", "\u0f80", "\u093c",
         "\u094d", "\u0e38", "\u302a", "\u3099", "\u309a", "\u1dce", "\u20d2", "\u0903", "\u0bbe",
         "\u0cc2", "\u0dcf", "\u102e", "\u1b35", "\u0655", "\u0654", "\u0653"]
BASES = ["a", "e", "o", "u", "A", "O", "s", "\u03b1", "\u03c9", "\u0391", "\u0415", "\u0438",
         "\u05d0", "\u0627", "\u0648", "\u0915", "\u0b47", "\u0bc6", "\u0cc6", "\u0dd9", "\u1025",
         "\u1b05", "\u304b", "\u30cf", "\u1100", "\u00e9", "\u1e63", "\u1f00", "\u212b", "\u0344"]


@needs_hf
@pytest.mark.parametrize("form", FORMS)
def test_alignments_of_mark_sequences(form):
    pieces = [b + m1 + m2 for b in BASES for m1 in MARKS for m2 in MARKS]
    rnd = random.Random(1)
    pieces += [rnd.choice(BASES) + "".join(rnd.choices(MARKS, k=rnd.randint(1, 6)))
               + rnd.choice(BASES) + "".join(rnd.choices(MARKS, k=rnd.randint(0, 3)))
               for _ in range(3000)]
    pieces += [m1 + m2 + b for m1 in MARKS for m2 in MARKS for b in BASES[:3]]
    check_alignments(form, pieces)


@needs_hf
@pytest.mark.parametrize("form", FORMS)
def test_alignments_of_hangul(form):
    L = [chr(c) for c in range(0x1100, 0x1115)]
    V = [chr(c) for c in range(0x115f, 0x1178)]
    T = [chr(c) for c in range(0x11a6, 0x11c4)]
    pieces = [l + v for l in L for v in V]
    pieces += [l + v + t for l in L[::3] for v in V[::2] for t in T]
    pieces += ["\uac00" + t for t in T] + ["\uac01" + t for t in T] + ["\ud7a3" + t for t in T]
    pieces += ["\uac00" + v for v in V] + ["\u1100\uac00\u11a8\u1161"]
    pieces += [s + t + m for s in ("\uac00", "\u1100\u1161") for t in T[:4] for m in MARKS[:4]]
    check_alignments(form, pieces)


if tokenizers is not None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    _POOL = sorted(set(MARKS + BASES) | {chr(c) for c in (0x1e0b, 0x1e69, 0x1fb3, 0x1f82, 0x01d6,
                                                             0xfb2c, 0x0f73, 0x0f77, 0x0958, 0x2126,
                                                             0xfdfa, 0x3300, 0xff9e, 0x1161, 0x11a8,
                                                             0x0340, 0x0341, 0x0343, 0x1d15e)})

    @needs_hf
    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.one_of(st.sampled_from(_POOL), st.characters(exclude_categories=["Cs"])),
                    max_size=12).map("".join),
           st.sampled_from(list(FORMS)))
    def test_alignments_random(text, form):
        ref = hf_alignments(form, text)
        pairs = FORMS[form](text)
        assert ("".join(c for c, _ in pairs), apply(pairs, len(text))) == ref


# -- character predicates -------------------------------------------------------------------------


@needs_hf
def test_lower():
    ref = normalizers.Lowercase().normalize_str(ALL_TEXT)
    got = "".join(uni.lower(c) for c in ALL)
    assert got == ref, first_difference(got, ref)


@needs_hf
def test_is_whitespace():
    ws = bounds_of_set(uni._WHITESPACE)
    got = pieces_of(classes_of((ws, ord(" "))), runs=b".")
    ref = ref_pieces(pre_tokenizers.WhitespaceSplit())
    assert got == ref, first_difference(got, ref)
    strip = normalizers.Strip()
    for c in ALL[:0x3100]:
        assert (strip.normalize_str(c) == "") == uni.is_whitespace(c), f"U+{ord(c):04X}"


def bounds_of_set(chars) -> list[int]:
    return b_union(*([ord(c), ord(c) + 1] for c in chars))


@needs_hf
def test_punctuation_and_bert_pre_tokenizer():
    uni._load()
    punct = bounds_of_set(uni._PUNCT)
    ws = bounds_of_set(uni._WHITESPACE)
    got = pieces_of(classes_of((punct, ord("p"))), runs=b".", alone=b"p")
    ref = ref_pieces(pre_tokenizers.Punctuation())
    assert got == ref, first_difference(got, ref)
    got = pieces_of(classes_of((punct, ord("p")), (ws, ord(" "))), runs=b".", alone=b"p")
    ref = ref_pieces(pre_tokenizers.BertPreTokenizer())
    assert got == ref, first_difference(got, ref)


@needs_hf
def test_digits():
    uni._load()
    got = pieces_of(classes_of((bounds_of_set(uni._NUMERIC), ord("1"))), runs=b".", alone=b"1")
    ref = ref_pieces(pre_tokenizers.Digits(individual_digits=True))
    assert got == ref, first_difference(got, ref)


@needs_hf
def test_bert_normalizer_clean_text_and_chinese_chars():
    bert = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                      strip_accents=False, lowercase=False)

    def mine(c):
        if c in "\x00\ufffd" or uni.is_bert_control(c):
            return ""
        if uni.is_bert_whitespace(c):
            return " "
        return f" {c} " if uni.is_chinese_char(c) else c

    ref = bert.normalize_str(ALL_TEXT)
    got = "".join(mine(c) for c in ALL)
    assert got == ref, first_difference(got, ref)


@needs_hf
def test_strip_accents():
    ref = normalizers.StripAccents().normalize_str(ALL_TEXT)
    got = "".join(c for c in ALL if not uni.is_combining_mark(c))
    assert got == ref, first_difference(got, ref)


@needs_hf
def test_bert_strip_accents():
    bert = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False,
                                      strip_accents=True, lowercase=False)
    text = "\n".join(ALL)  # NFD runs first: keep the marks away from each other
    ref = bert.normalize_str(text)
    got = "".join(x for x, _ in uni.nfd(text) if not uni.is_nonspacing_mark(x))
    assert got == ref, first_difference(got, ref)


# -- UnicodeScripts -------------------------------------------------------------------------------


def check_scripts(text: str) -> None:
    ref = ref_pieces(pre_tokenizers.UnicodeScripts(), text)
    points = uni.unicode_scripts_split_points(text)
    got = list(zip(points, points[1:]))
    if got != ref:
        i = next((k for k, (x, y) in enumerate(zip(got, ref)) if x != y), min(len(got), len(ref)))
        s = min((got + [(len(text),)])[i][0], (ref + [(len(text),)])[i][0])
        window = text[max(0, s - 2):s + 3]
        raise AssertionError(f"pieces differ near {s}: {[f'U+{ord(c):04X}' for c in window]}, "
                             f"scripts {[uni.script(c) for c in window]}")


@needs_hf
def test_unicode_scripts_every_code_point():
    check_scripts(ALL_TEXT)  # in code point order
    # grouped by subtok's script, Any first: HF must cut exactly at the group starts, which
    # proves the classes, and that nothing subtok calls Any has a script for HF
    grouped = sorted(ALL, key=lambda c: (uni.script(c) != "Any", uni.script(c), c))
    check_scripts("".join(grouped))
    # each char with a script right after a char of another script: this proves that nothing
    # HF calls Any has a script for subtok
    reps: dict[str, str] = {}
    for c in grouped:
        reps.setdefault(uni.script(c), c)
    names = sorted(set(reps) - {"Any"})
    text = []
    for c in grouped:
        s = uni.script(c)
        if s != "Any":
            text += [reps[names[(names.index(s) + 1) % len(names)]], c]
    check_scripts("".join(text))


@needs_hf
def test_unicode_scripts_random_mixed_strings():
    samples: dict[str, list[str]] = {}
    for c in ALL[::97]:
        samples.setdefault(uni.script(c), []).append(c)
    pool = [c for cs in samples.values() for c in cs[:40]] + list("  \t\n.,1ー")
    rnd = random.Random(2)
    for _ in range(300):
        check_scripts("".join(rnd.choices(pool, k=rnd.randint(0, 30))))
    check_scripts("どこで生れ。Yes Apples are りんご 林檎 ー ﾃｽﾄ 테스트 тест")
    check_scripts("  ab")
    check_scripts("   ")


# -- regular expressions --------------------------------------------------------------------------


@needs_hf
def test_whitespace_pre_tokenizer():
    uni._load()
    classes = classes_of((uni._RUST_WORD, ord("w")), (uni._RUST_SPACE, ord(" ")))
    got = pieces_of(classes, runs=b"w.")
    ref = ref_pieces(pre_tokenizers.Whitespace())
    assert got == ref, first_difference(got, ref)


def onig_gc(names: list[str]) -> list[int]:
    """Stored Oniguruma general categories -> boundaries."""
    return b_union(*(uni._onig_ranges("gc:" + n.lower()) for n in names))


@needs_hf
def test_oniguruma_general_categories():
    # five calls pin down every char's category: bit k of the category's index
    uni._load()
    names = uni._ONIG["gc_names"]
    for bit in range(5):
        members = [n for i, n in enumerate(names) if i >> bit & 1 and n != "Cs"]
        ref = onig_bounds("[" + "".join(rf"\p{{{n}}}" for n in members) + "]")
        assert b_valid(onig_gc(members)) == ref, bit
    for parent in "LMNPSZC":
        assert onig_gc([parent]) == onig_gc([n for n in names if n[0] == parent])


@needs_hf
@pytest.mark.parametrize("pattern", [r"\w", r"[\w]", r"\s", r"\d", r"\h", r"\p{Han}",
                                     r"\p{Hiragana}", r"\p{Katakana}", r"\p{Hangul}",
                                     r"\p{Latin}", r"\p{Cyrillic}", r"\p{Greek}", r"\p{Arabic}",
                                     r"\p{Hebrew}", r"\p{Thai}", r"\p{Devanagari}"])
def test_oniguruma_classes(pattern):
    ref = onig_bounds(pattern)
    assert regex_bounds(uni.fix_pattern(pattern)) == ref
    if pattern in (r"\w", r"[\w]", r"\s"):
        fn = uni.onig_space if pattern == r"\s" else (
            lambda c: uni.onig_word(c, in_class=pattern == r"[\w]"))
        assert [c for c in ALL if fn(c)] == [c for c in ALL if uni._in(ref, c)]


FIX_CASES = [r"\p{L}", r"\P{L}", r"\p{^L}", r"\P{^N}", r"\p{N}", r"\p{Lu}", r"\p{Ll}", r"\p{Lt}",
             r"\p{Lm}", r"\p{Lo}", r"\p{M}", r"\p{Mn}", r"\p{Nd}", r"\p{No}", r"\p{P}", r"\p{Po}",
             r"\p{S}", r"\p{So}", r"\p{Z}", r"\p{Cn}", r"\p{Letter}", r"\p{Other_Letter}",
             r"\W", r"[\W]", r"[^\w]", r"\S", r"\D", r"\H", r"[^\s\p{L}\p{N}]", r"[\p{L}\p{N}]",
             r"[^\r\n\p{L}\p{N}]", r"[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]", r"[^\p{L}a-z]",
             r"[\p{Han}\p{Hiragana}\p{Katakana}ー]", r"[a-f\d]", r"[^\d\s]", r"[\w\-]"]


def onig_set(pattern: str) -> list[int]:
    """What Oniguruma matches for a one-char pattern, from the stored tables alone (regex only
    reads the plain ASCII parts)."""
    neg = pattern.startswith("[^")
    in_class = pattern.startswith("[")
    body = pattern[2 if neg else 1:-1] if in_class else pattern
    parts = []
    for esc in regex.findall(r"\\[pP]\{[^}]*\}|\\[wWdDsShH]", body):
        body = body.replace(esc, "", 1)
        if esc in ("\\h", "\\H"):
            b = [0x30, 0x3A, 0x41, 0x47, 0x61, 0x67]
            parts.append(b_not(b) if esc == "\\H" else b)
            continue
        key, n, _ = uni._prop_key(esc, in_class)
        b = uni._onig_ranges(key)
        parts.append(b_not(b) if n else b)
    if body:
        parts.append(regex_bounds(f"[{body}]"))
    out = b_union(*parts)
    return b_valid(b_not(out) if neg else out)


@pytest.mark.parametrize("pattern", FIX_CASES)
def test_fix_pattern_matches_oniguruma_tables(pattern):
    """fix_pattern(...) under `regex` matches exactly the stored Oniguruma sets (which the tests
    above compare with the reference)."""
    assert regex_bounds(uni.fix_pattern(pattern)) == onig_set(pattern)


@needs_hf
@pytest.mark.parametrize("pattern", [r"\p{L}", r"\P{L}", r"\p{N}", r"\W", r"[^\s\p{L}\p{N}]",
                                     r"[\p{L}\p{N}]", r"\p{Lo}", r"\p{Ll}", r"\p{Letter}"])
def test_fix_pattern_against_reference(pattern):
    assert regex_bounds(uni.fix_pattern(pattern)) == onig_bounds(pattern)


GPT2 = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
          r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
O200K = (r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"
         r"(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+"
         r"[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+"
         r"[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+")


@needs_hf
@pytest.mark.parametrize("pattern", [GPT2, LLAMA3, O200K, r"\w+|[^\w\s]+"])
def test_fix_pattern_whole_patterns(pattern):
    rx = regex.compile(uni.fix_pattern(pattern), regex.V0 | regex.MULTILINE)
    split = pre_tokenizers.Split(Regex(pattern), "isolated")
    rnd = random.Random(3)
    unassigned = [c for c in ALL[:0x32000] if unicodedata.category(c) == "Cn"][::40]
    pool = list(" \n\r\t'sSdtx1²½.,!Ⅻ٣") + [chr(c) for c in (0x295, 0x1c89, 0xa7cb, 0x31350)]
    texts = [ALL_TEXT[:0x3000], ALL_TEXT[0x10000:0x12000]]
    texts += ["".join(rnd.choices(pool + unassigned[:300] + ALL[::5000], k=400)) for _ in range(50)]
    for text in texts:
        ref = ref_pieces(split, text)
        got, pos = [], 0
        for m in rx.finditer(text):
            if m.start() > pos:
                got.append((pos, m.start()))
            got.append(m.span())
            pos = m.end()
        if pos < len(text):
            got.append((pos, len(text)))
        assert got == ref, first_difference(got, ref)


@pytest.mark.parametrize("pattern", FIX_CASES + [GPT2, LLAMA3, O200K])
def test_fix_pattern_trigger(pattern):
    """Away from the trigger chars, the original pattern matches what the fixed one matches."""
    fixed = uni.fix_pattern(pattern)
    trigger = uni.fix_pattern_trigger(pattern)
    if trigger is None:
        assert fixed == pattern
        return
    if trigger == "(?s:.)":  # \\h, \\H: regex reads them differently everywhere
        assert "\\h" in pattern.lower()
    elif pattern in FIX_CASES:
        outside = b_not(regex_bounds(trigger))
        assert b_and(regex_bounds(pattern), outside) == b_and(regex_bounds(fixed), outside)
    else:
        plain, exact, trig = (regex.compile(p) for p in (pattern, fixed, trigger))
        rnd = random.Random(4)
        pool = [c for c in ALL[::7] if not trig.match(c)]
        for _ in range(200):
            text = "".join(rnd.choices(pool, k=60))
            assert plain.findall(text) == exact.findall(text)
    assert uni.fix_pattern_trigger(r"a\h") == "(?s:.)"
    assert uni.fix_pattern_trigger("a|b") is None
