"""Unicode character facts, as Hugging Face tokenizers sees them.

Every predicate and normalization here answers what the reference library answers, for every
code point, which is often not what Python's `unicodedata` says: the Rust crates were built
against other Unicode versions (normalization: Unicode 9.0 tables; `char` methods: the Rust
toolchain's; Oniguruma: its own), and some of them have quirks. The answers come from
``data/unicode_hf.json``, measured from the reference library by ``tools/gen_unicode_tables.py``
and loaded on first use; nothing depends on the running Python's or `regex`'s Unicode version.

Normalization functions return ``(char, change)`` pairs for `NormalizedString.transform`, exactly
as the crate ``unicode-normalization-alignments`` yields them.

>>> [c for c, _ in nfd("é")]
['e', '́']
>>> nfc("e\\u0301")
[('é', -1)]
>>> lower("İ")
'i̇'
"""

from __future__ import annotations

import json
import re
from array import array
from bisect import bisect_right
from functools import lru_cache
from importlib import resources
from itertools import repeat

__all__ = [
    "nfd", "nfkd", "nfc", "nfkc", "lower", "is_whitespace", "is_bert_whitespace", "is_bert_control",
    "is_bert_punctuation", "is_chinese_char", "is_combining_mark", "is_nonspacing_mark",
    "is_numeric", "is_alphanumeric", "script", "unicode_scripts_split_points",
    "whitespace_word", "whitespace_space", "onig_word", "onig_space", "fix_pattern",
    "fix_pattern_trigger",
    "combining_class",
]

# -- data, loaded on first use ---------------------------------------------------------------------
# Each public function touches its table inside ``try``: before loading the table is None, which
# raises TypeError/AttributeError once; afterwards the fast path costs nothing extra.

_NFD: dict[str, str] = None  # type: ignore[assignment]  # canonical, full, without Hangul
_NFKD: dict[str, str] = None  # type: ignore[assignment]  # compatibility, full, without Hangul
_CCC: dict[str, int] = None  # type: ignore[assignment]  # nonzero canonical combining classes
_COMPOSE: dict[str, dict[str, str]] = None  # type: ignore[assignment]  # first -> second -> result
_LOWER: dict[str, str] = None  # type: ignore[assignment]
_WHITESPACE: frozenset[str] = None  # type: ignore[assignment]
_BERT_WHITESPACE: frozenset[str] = None  # type: ignore[assignment]
_BERT_CONTROL: list[int] = None  # type: ignore[assignment]  # range boundaries, see _in
_CHINESE: list[int] = None  # type: ignore[assignment]
_COMBINING: frozenset[str] = None  # type: ignore[assignment]
_NONSPACING: frozenset[str] = None  # type: ignore[assignment]
_PUNCT: frozenset[str] = None  # type: ignore[assignment]
_NUMERIC: frozenset[str] = None  # type: ignore[assignment]
_ALNUM: list[int] = None  # type: ignore[assignment]
_SCRIPT_STARTS: list[int] = None  # type: ignore[assignment]
_SCRIPT_VALUES: list[int] = None  # type: ignore[assignment]
_SCRIPT_NAMES: list[str] = []
_SCRIPT_CACHE: dict[str, int] = {}
_RUST_WORD: list[int] = None  # type: ignore[assignment]
_RUST_SPACE: list[int] = None  # type: ignore[assignment]
_ONIG: dict = None  # type: ignore[assignment]


def _chars(bounds: list[int]) -> frozenset[str]:
    return frozenset(chr(cp) for s, e in zip(bounds[::2], bounds[1::2]) for cp in range(s, e))


def _load() -> None:
    global _NFD, _NFKD, _CCC, _COMPOSE, _LOWER, _WHITESPACE, _BERT_WHITESPACE, _BERT_CONTROL
    global _CHINESE, _COMBINING, _NONSPACING, _PUNCT, _NUMERIC, _ALNUM
    global _SCRIPT_STARTS, _SCRIPT_VALUES, _SCRIPT_NAMES, _RUST_WORD, _RUST_SPACE, _ONIG
    if _ONIG is not None:
        return
    path = resources.files(__package__).joinpath("data").joinpath("unicode_hf.json")
    d = json.loads(path.read_text("utf-8"))
    nfkd = dict(d["nfd"])
    nfkd.update(d["nfkd"])
    compose: dict[str, dict[str, str]] = {}
    for pair, res in d["compose"].items():
        compose.setdefault(pair[0], {})[pair[1]] = res
    ws = _chars(d["whitespace"])
    _NFD, _NFKD, _CCC, _COMPOSE, _LOWER = d["nfd"], nfkd, d["ccc"], compose, d["lower"]
    _WHITESPACE, _BERT_WHITESPACE = ws, ws | frozenset("\t\n\r")
    _BERT_CONTROL, _CHINESE, _ALNUM = d["bert_control"], d["chinese"], d["alphanumeric"]
    _COMBINING, _NONSPACING = _chars(d["combining_mark"]), _chars(d["nonspacing_mark"])
    _PUNCT, _NUMERIC = _chars(d["punctuation"]), _chars(d["numeric"])
    sc = d["scripts"]
    _SCRIPT_STARTS, _SCRIPT_VALUES, _SCRIPT_NAMES = sc["starts"], sc["values"], sc["names"]
    _RUST_WORD, _RUST_SPACE = d["rust_regex"]["word"], d["rust_regex"]["space"]
    _ONIG = d["onig"]  # last: marks the load as done


def _in(bounds: list[int], c: str) -> bool:
    """Whether c lies in the ranges [b0, b1), [b2, b3), ... of `bounds`."""
    return bisect_right(bounds, ord(c)) & 1 == 1


# -- normalization -------------------------------------------------------------------------------

_S_BASE, _L_BASE, _V_BASE, _T_BASE = 0xAC00, 0x1100, 0x1161, 0x11A7


def combining_class(c: str) -> int:
    """Canonical combining class (of the characters NFD leaves alone; others report 0)."""
    try:
        return _CCC.get(c, 0)
    except AttributeError:
        _load()
        return _CCC.get(c, 0)


def _decompose(text: str, table: dict[str, str]) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    append = out.append
    ccc = _CCC
    marks = False
    for c in text:
        d = table.get(c)
        if d is None:
            if "\uac00" <= c <= "\ud7a3":
                s = ord(c) - _S_BASE
                append((chr(_L_BASE + s // 588), 0))
                append((chr(_V_BASE + s % 588 // 28), 1))
                if s % 28:
                    append((chr(_T_BASE + s % 28), 1))
            else:
                append((c, 0))
                if c in ccc:
                    marks = True
            continue
        append((d[0], 0))
        for x in d[1:]:
            append((x, 1))
        if not marks:
            for x in d:
                if x in ccc:
                    marks = True
    if marks:  # canonical ordering: stable sort of each run of non-starters, changes move along
        i, n = 0, len(out)
        while i < n:
            if out[i][0] not in ccc:
                i += 1
                continue
            j = i + 1
            while j < n and out[j][0] in ccc:
                j += 1
            if j - i > 1:
                out[i:j] = sorted(out[i:j], key=lambda p: ccc[p[0]])
            i = j
    return out


def _compose_pair(a: str, b: str) -> str | None:
    m = _COMPOSE.get(a)
    if m is not None:
        return m.get(b)
    if "\u1100" <= a <= "\u1112" and "\u1161" <= b <= "\u1175":
        return chr(_S_BASE + ((ord(a) - _L_BASE) * 21 + ord(b) - _V_BASE) * 28)
    if "\uac00" <= a <= "\ud7a3" and "\u11a8" <= b <= "\u11c2" and (ord(a) - _S_BASE) % 28 == 0:
        return chr(ord(a) + ord(b) - _T_BASE)
    return None


def _recompose(pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The crate's `Recompositions` state machine, change arithmetic included."""
    ccc = _CCC
    out: list[tuple[str, int]] = []
    buffer: list[tuple[str, int]] = []
    composee: tuple[str, int] | None = None
    last_ccc: int | None = None
    for ch, change in pairs:
        ch_class = ccc.get(ch, 0)
        if composee is None:
            if ch_class != 0:
                out.append((ch, change))
            else:
                composee = (ch, change)
            continue
        if last_ccc is None:
            r = _compose_pair(composee[0], ch)
            if r is not None:
                composee = (r, composee[1] + change - 1)
                continue
            if ch_class == 0:
                out.append(composee)
                composee = (ch, change)
                continue
            buffer.append((ch, change))
            last_ccc = ch_class
            continue
        if last_ccc >= ch_class:  # blocked
            if ch_class == 0:
                out.append(composee)
                out.extend(buffer)
                buffer.clear()
                composee = (ch, change)
                last_ccc = None
                continue
            buffer.append((ch, change))
            last_ccc = ch_class
            continue
        r = _compose_pair(composee[0], ch)
        if r is not None:
            composee = (r, composee[1] + change - 1)
            continue
        buffer.append((ch, change))
        last_ccc = ch_class
    if composee is not None:
        out.append(composee)
    out.extend(buffer)
    return out


_SPECIAL: dict[str, "re.Pattern[str]"] = {}


def _special(form: str) -> "re.Pattern[str]":
    """Runs of the chars a form must look at; every other char maps to itself with change 0.

    For the decompositions: chars with a decomposition and non-starters. The compositions add the
    chars that can be the second of a composed pair (the first one stays an ordinary char: each
    run is processed with the char before it).
    """
    rx = _SPECIAL.get(form)
    if rx is None:
        if _CCC is None:
            _load()
        chars = set(_NFKD if "K" in form else _NFD) | set(_CCC)
        if form.endswith("C"):
            for seconds in _COMPOSE.values():
                chars.update(seconds)
        cps = sorted(ord(c) for c in chars)
        body = _cls(cps) + "\\uac00-\\ud7a3"
        if form.endswith("C"):
            body += "\\u1161-\\u1175\\u11a8-\\u11c2"
        rx = _SPECIAL[form] = re.compile(f"[{body}]+")
    return rx


def _normalize(text: str, form: str) -> list[tuple[str, int]]:
    if text.isascii():
        return list(zip(text, repeat(0)))
    special = _special(form)
    compose = form.endswith("C")
    table = _NFKD if "K" in form else _NFD
    out: list[tuple[str, int]] = []
    pos = 0
    for m in special.finditer(text):
        s, e = m.span()
        if compose and s > pos:
            s -= 1  # the char before a run may be the first of a composed pair
        if s > pos:
            out += zip(text[pos:s], repeat(0))
        pairs = _decompose(text[s:e], table)
        out += _recompose(pairs) if compose else pairs
        pos = e
    if pos < len(text):
        out += zip(text[pos:], repeat(0))
    return out


def nfd(text: str) -> list[tuple[str, int]]:
    """Canonical decomposition: first char of each decomposition 0, the rest +1, then reordered."""
    return _normalize(text, "NFD")


def nfkd(text: str) -> list[tuple[str, int]]:
    """Compatibility decomposition, changes as in `nfd`."""
    return _normalize(text, "NFKD")


def nfc(text: str) -> list[tuple[str, int]]:
    """Canonical composition: a composed char's change is ``first + second - 1``."""
    return _normalize(text, "NFC")


def nfkc(text: str) -> list[tuple[str, int]]:
    """Compatibility decomposition, then canonical composition."""
    return _normalize(text, "NFKC")


# -- character predicates --------------------------------------------------------------------------


def lower(c: str) -> str:
    """Rust's `char::to_lowercase` (context free, possibly several chars: 'İ' -> 'i̇')."""
    try:
        return _LOWER.get(c, c)
    except AttributeError:
        _load()
        return _LOWER.get(c, c)


def is_whitespace(c: str) -> bool:
    """Rust's `char::is_whitespace` (White_Space): Strip, WhitespaceSplit, BertPreTokenizer."""
    try:
        return c in _WHITESPACE
    except TypeError:
        _load()
        return c in _WHITESPACE


def is_bert_whitespace(c: str) -> bool:
    """BertNormalizer's whitespace: tab, newline, carriage return or `is_whitespace`."""
    try:
        return c in _BERT_WHITESPACE
    except TypeError:
        _load()
        return c in _BERT_WHITESPACE


def is_bert_control(c: str) -> bool:
    """BertNormalizer's control chars (removed by clean_text, as are NUL and U+FFFD)."""
    try:
        return bisect_right(_BERT_CONTROL, ord(c)) & 1 == 1
    except TypeError:
        _load()
        return _in(_BERT_CONTROL, c)


def is_bert_punctuation(c: str) -> bool:
    """ASCII punctuation or Unicode P* (BertPreTokenizer, Punctuation)."""
    try:
        return c in _PUNCT
    except TypeError:
        _load()
        return c in _PUNCT


def is_chinese_char(c: str) -> bool:
    """BertNormalizer's handle_chinese_chars ranges (CJK ideographs)."""
    try:
        return bisect_right(_CHINESE, ord(c)) & 1 == 1
    except TypeError:
        _load()
        return _in(_CHINESE, c)


def is_combining_mark(c: str) -> bool:
    """What the StripAccents normalizer removes (general category M, Unicode 9.0)."""
    try:
        return c in _COMBINING
    except TypeError:
        _load()
        return c in _COMBINING


def is_nonspacing_mark(c: str) -> bool:
    """What BertNormalizer's strip_accents removes after NFD (general category Mn).

    Only observable on characters NFD leaves alone; for the others this is `unicodedata`'s Mn.
    """
    try:
        return c in _NONSPACING
    except TypeError:
        _load()
        return c in _NONSPACING


def is_numeric(c: str) -> bool:
    """Rust's `char::is_numeric` (Digits pre-tokenizer)."""
    try:
        return c in _NUMERIC
    except TypeError:
        _load()
        return c in _NUMERIC


def is_alphanumeric(c: str) -> bool:
    """Rust's `char::is_alphanumeric`: Alphabetic or `is_numeric`.

    The reference library never exposes this on its own; Alphabetic is `regex`'s at generation
    time, `is_numeric` is measured.
    """
    try:
        return bisect_right(_ALNUM, ord(c)) & 1 == 1
    except TypeError:
        _load()
        return _in(_ALNUM, c)


# -- UnicodeScripts --------------------------------------------------------------------------------


def _script_id(c: str) -> int:
    sid = _SCRIPT_CACHE.get(c)
    if sid is None:
        if _SCRIPT_STARTS is None:
            _load()
        sid = _SCRIPT_VALUES[bisect_right(_SCRIPT_STARTS, ord(c)) - 1]
        _SCRIPT_CACHE[c] = sid
    return sid


def script(c: str) -> str:
    """The UnicodeScripts pre-tokenizer's script of c (its `fixed_script`, Unicode 9.0).

    Hiragana, Katakana and U+30FC count as "Han"; " " and every character unassigned in Unicode
    9.0 are "Any" (they never cause a split and join whatever surrounds them).
    """
    sid = _script_id(c)
    return _SCRIPT_NAMES[sid]


def unicode_scripts_split_points(text: str) -> list[int]:
    """The UnicodeScripts pre-tokenizer's piece boundaries: its pieces are
    ``zip(points, points[1:])``.

    HF's rule: a char whose script is not Any starts a piece when its script differs from the last
    non-Any script seen; Any chars join the piece they are in. The first piece starts at the first
    non-Any char, so *leading Any chars are dropped* (" ab" gives the one piece "ab"; a text of
    Any chars only gives no piece at all). The list always ends with ``len(text)``.

    >>> unicode_scripts_split_points(" ab")
    [1, 3]
    """
    points = []
    last = -1
    cache = _SCRIPT_CACHE
    for i, c in enumerate(text):
        sid = cache.get(c)
        if sid is None:
            sid = _script_id(c)
        if sid and sid != last:
            points.append(i)
            last = sid
    points.append(len(text))
    return points


# -- regular expressions ---------------------------------------------------------------------------


def whitespace_word(c: str) -> bool:
    """\\w of the Whitespace pre-tokenizer (``\\w+|[^\\w\\s]+``, run by Rust's regex crate)."""
    try:
        return bisect_right(_RUST_WORD, ord(c)) & 1 == 1
    except TypeError:
        _load()
        return _in(_RUST_WORD, c)


def whitespace_space(c: str) -> bool:
    """\\s of the Whitespace pre-tokenizer (Rust's regex crate)."""
    try:
        return bisect_right(_RUST_SPACE, ord(c)) & 1 == 1
    except TypeError:
        _load()
        return _in(_RUST_SPACE, c)


def onig_word(c: str, in_class: bool = False) -> bool:
    """Oniguruma's \\w in a Split(Regex) pattern.

    A bare ``\\w`` also matches ² ³ ¹ ¼ ½ ¾ (and a bare ``\\W`` does not), which ``\\w`` inside a
    bracket class does not (pass ``in_class=True`` for that one).
    """
    return _in(_onig_ranges("word_in_class" if in_class else "word"), c)


def onig_space(c: str) -> bool:
    """Oniguruma's \\s in a Split(Regex) pattern."""
    return _in(_onig_ranges("space"), c)


_GC_LONG = {
    "letter": "l", "casedletter": None, "uppercaseletter": "lu", "lowercaseletter": "ll",
    "titlecaseletter": "lt", "modifierletter": "lm", "otherletter": "lo", "mark": "m",
    "combiningmark": "m", "nonspacingmark": "mn", "spacingmark": "mc", "enclosingmark": "me",
    "number": "n", "decimalnumber": "nd", "letternumber": "nl", "othernumber": "no",
    "punctuation": "p", "connectorpunctuation": "pc", "dashpunctuation": "pd",
    "openpunctuation": "ps", "closepunctuation": "pe", "initialpunctuation": "pi",
    "finalpunctuation": "pf", "otherpunctuation": "po", "symbol": "s", "mathsymbol": "sm",
    "currencysymbol": "sc", "modifiersymbol": "sk", "othersymbol": "so", "separator": "z",
    "spaceseparator": "zs", "lineseparator": "zl", "paragraphseparator": "zp", "other": "c",
    "control": "cc", "format": "cf", "surrogate": "cs", "privateuse": "co", "unassigned": "cn",
}


@lru_cache(maxsize=None)
def _onig_ranges(key: str) -> list[int]:
    """Range boundaries of an Oniguruma class: word, word_in_class, digit, space, a script
    name as stored, or ``gc:<lowercase general category>`` (one or two letters)."""
    if _ONIG is None:
        _load()
    if not key.startswith("gc:"):
        return _ONIG[key]
    want = key[3:]
    names = [n.lower() for n in _ONIG["gc_names"]]
    hit = {i for i, n in enumerate(names) if n == want or (len(want) == 1 and n[0] == want)}
    out: list[int] = []
    starts, values = _ONIG["gc_starts"], _ONIG["gc_values"]
    for k, (s, v) in enumerate(zip(starts, values)):
        if v in hit:
            e = starts[k + 1] if k + 1 < len(starts) else 0x110000
            if out and out[-1] == s:
                out[-1] = e
            else:
                out += [s, e]
    return out


_CLASS_ESCAPES = "wWdDsS"
_GC_SHORT = frozenset("l lu ll lt lm lo m mn mc me n nd nl no p pc pd ps pe pi pf po s sm sc sk so "
                      "z zs zl zp c cc cf cs co cn".split())


def _is_class_escape(esc: str) -> bool:
    return len(esc) >= 2 and (esc[1] in _CLASS_ESCAPES or esc[1] in "pP" and esc.endswith("}"))


def _prop_key(esc: str, in_class: bool) -> tuple[str, bool, str] | None:
    """(Oniguruma table key, negated, positive `regex` spelling) for a class escape, or None when
    it is not one this module knows."""
    kind = esc[1]
    if kind in _CLASS_ESCAPES:
        low = kind.lower()
        key = {"w": "word_in_class" if in_class else "word", "d": "digit", "s": "space"}[low]
        return key, kind.isupper(), "\\" + low
    neg = kind == "P"
    name = esc[3:-1]
    if name.startswith("^"):
        neg, name = not neg, name[1:]
    norm = name.replace(" ", "").replace("_", "").replace("-", "").lower()
    norm = _GC_LONG.get(norm, norm) or ""
    if norm in _GC_SHORT:
        return "gc:" + norm, neg, f"\\p{{{name}}}"
    if _ONIG is None:
        _load()
    for key in _ONIG:
        if key[0].isupper() and key.lower() == norm:
            return key, neg, f"\\p{{{name}}}"
    return None


def _all_text() -> str:
    """Every code point, surrogates included, so that index == code point."""
    return array("I", range(0x110000)).tobytes().decode("utf-32-le", "surrogatepass")


@lru_cache(maxsize=None)
def _regex_disagreement(key: str, positive: str) -> tuple[int, ...]:
    """Range boundaries of the code points where `regex`'s `positive` escape and Oniguruma's
    `key` class disagree (computed once per process and escape: about 0.1 s)."""
    import regex

    mine: list[int] = []
    for m in regex.finditer(f"[{positive}]+", _all_text()):
        mine += m.span()
    return tuple(sorted(set(mine) ^ set(_onig_ranges(key))))


def _esc(cp: int) -> str:
    return f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"


def _cls(cps: list[int]) -> str:
    """A class body for sorted code points."""
    out = []
    i = 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        a, b = cps[i], cps[j]
        out.append(_esc(a) if a == b else f"{_esc(a)}-{_esc(b)}")
        i = j + 1
    return "".join(out)


def _fix_set(text: str, escapes: list[str], rest: str, negated: bool, in_class: bool,
             touched: set[int]) -> str:
    """`text` (a bracket class, or a bare escape) rewritten so that `regex` matches what
    Oniguruma matches. `escapes` are its class escapes, `rest` the rest of its body; the code
    points the rewrite changes go to `touched`."""
    import regex

    known = []
    for esc in escapes:
        pk = _prop_key(esc, in_class)
        if pk is None:
            rest += esc
        else:
            known.append(pk)
    candidates: set[int] = set()
    for key, _, positive in known:
        b = _regex_disagreement(key, positive)
        for s, e in zip(b[::2], b[1::2]):
            candidates.update(range(s, e))
    if not candidates:
        return text
    try:
        ours = regex.compile(text if in_class else f"[{text}]", regex.V0).fullmatch
        other = regex.compile(f"[{rest}]", regex.V0).fullmatch if rest else None
    except regex.error:
        return text
    tables = [(_onig_ranges(key), neg) for key, neg, _ in known]
    extra, wrong = [], []  # matched by Oniguruma only / by regex only
    for cp in sorted(candidates):
        c = chr(cp)
        theirs = any((bisect_right(t, cp) & 1 == 1) != neg for t, neg in tables)
        theirs = (theirs or (other is not None and other(c) is not None)) != negated
        if theirs != (ours(c) is not None):
            (extra if theirs else wrong).append(cp)
    touched.update(extra)
    touched.update(wrong)
    if not extra and not wrong:
        return text
    if not wrong:
        if not in_class:
            return f"[{text}{_cls(extra)}]"
        if not negated:
            return f"{text[:-1]}{_cls(extra)}]"
        return f"(?:{text}|[{_cls(extra)}])"
    core = f"(?![{_cls(wrong)}]){text}"
    return f"(?:{core}|[{_cls(extra)}])" if extra else f"(?:{core})"


def fix_pattern(pattern: str) -> str:
    """Rewrite an Oniguruma (tokenizer.json) pattern so that `regex` matches the same characters.

    ``\\p{...}`` (general categories, short or long names, and the scripts Han, Hiragana,
    Katakana, Hangul, Latin, Cyrillic, Greek, Arabic, Hebrew, Thai, Devanagari), ``\\w \\d \\s``
    and their negations, bare or in a bracket class, get Oniguruma's Unicode tables and quirks
    (a bare ``\\w`` also matches ²³¹¼½¾; ZWJ/ZWNJ are not ``\\w``); ``\\h``/``\\H`` (hex digit
    in Oniguruma, horizontal space in `regex`) are spelled out. Bracket classes with nested
    brackets or ``&&``, and unknown properties, are left alone; so are word boundaries and
    case-insensitive matching. Patterns without backslashes come back unchanged.

    Only the code points where the installed `regex` and Oniguruma disagree are touched
    (characters assigned after Oniguruma's Unicode version, mostly); the rewritten pattern is
    about 2-3 times slower, see `fix_pattern_trigger` to avoid it on text that does not need it.
    The first call for a property costs about 0.1 s (a scan of every code point).

    >>> fix_pattern(r"\\h+")
    '[0-9A-Fa-f]+'
    """
    if "\\" not in pattern:
        return pattern
    return _fix_pattern(pattern)[0]


def fix_pattern_trigger(pattern: str) -> str | None:
    """A `regex` class matching every char on which `pattern` and `fix_pattern(pattern)` may
    behave differently, or None when they are the same pattern.

    On a text without such a char (``regex.search(trigger, text) is None``) the original
    pattern, which `regex` runs faster, finds exactly what the fixed one finds.
    """
    if "\\" not in pattern:
        return None
    fixed, touched = _fix_pattern(pattern)
    if fixed == pattern:
        return None
    return "(?s:.)" if touched is None else f"[{_cls(sorted(touched))}]"


@lru_cache(maxsize=256)
def _fix_pattern(p: str) -> tuple[str, frozenset[int] | None]:
    """(fixed pattern, code points whose treatment changed; None when it could be any)."""
    out = []
    touched: set[int] = set()
    anything = False
    i, n = 0, len(p)
    while i < n:
        ch = p[i]
        if ch == "\\":
            j = _read_escape(p, i)
            esc = p[i:j]
            if esc in ("\\h", "\\H"):
                out.append("[0-9A-Fa-f]" if esc == "\\h" else "[^0-9A-Fa-f]")
                anything = True
            elif _is_class_escape(esc):
                out.append(_fix_set(esc, [esc], "", False, False, touched))
            else:
                out.append(esc)
            i = j
        elif ch == "(" and p.startswith("(?#", i):
            j = p.find(")", i)
            j = n if j < 0 else j + 1
            out.append(p[i:j])
            i = j
        elif ch == "[":
            j, text, escapes, rest, negated = _read_class(p, i)
            if text != p[i:j]:  # \h spelled out
                anything = True
            out.append(_fix_set(text, escapes, rest, negated, True, touched) if escapes else text)
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out), None if anything else frozenset(touched)


def _read_escape(p: str, i: int) -> int:
    """End of the escape starting at p[i] (a backslash)."""
    if p[i + 1:i + 2] in ("p", "P") and p[i + 2:i + 3] == "{":
        j = p.find("}", i + 3)
        return len(p) if j < 0 else j + 1
    return min(i + 2, len(p))


def _read_class(p: str, i: int) -> tuple[int, str, list[str], str, bool]:
    """The bracket class at p[i]: (end, text for `regex`, class escapes, rest of body, negated).

    Classes this module cannot handle come back as they are, with no escapes.
    """
    j = i + 1
    n = len(p)
    negated = p[j:j + 1] == "^"
    if negated:
        j += 1
    body: list[str] = []
    escapes: list[str] = []
    rest: list[str] = []
    ok = True
    first = True
    while j < n:
        ch = p[j]
        if ch == "]" and not first:
            if not ok:
                return j + 1, p[i:j + 1], [], "", negated
            text = "[" + "^" * negated + "".join(body) + "]"
            return j + 1, text, escapes, "".join(rest), negated
        first = False
        if ch == "\\":
            k = _read_escape(p, j)
            esc = p[j:k]
            if esc == "\\h":
                esc = "0-9A-Fa-f"
            elif esc == "\\H":
                ok = False
            if _is_class_escape(esc):
                escapes.append(esc)
            else:
                rest.append(esc)
            body.append(esc)
            j = k
            continue
        if ch == "[":
            if p.startswith("[:", j) and p.find(":]", j + 2) > 0:
                k = p.find(":]", j + 2) + 2
            else:  # a nested class (Oniguruma syntax that regex does not share): skip it whole
                ok = False
                depth, k = 1, j + 1
                while k < n and depth:
                    if p[k] == "\\":
                        k = _read_escape(p, k)
                        continue
                    depth += {"[": 1, "]": -1}.get(p[k], 0)
                    k += 1
            rest.append(p[j:k])
            body.append(p[j:k])
            j = k
            continue
        if p.startswith("&&", j):
            ok = False
        rest.append(ch)
        body.append(ch)
        j += 1
    return n, p[i:], [], "", negated
