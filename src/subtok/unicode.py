"""Unicode character facts, as Hugging Face tokenizers sees them.

Every predicate and normalization here answers what the reference library answers, which is not
always what Python's `unicodedata` says (the libraries were built against different Unicode
versions). Normalization functions return ``(char, change)`` pairs for
`NormalizedString.transform`.

>>> [c for c, _ in nfd("é")]
['e', '́']
"""

from __future__ import annotations

import unicodedata

__all__ = [
    "nfd", "nfkd", "nfc", "nfkc", "lower", "is_whitespace", "is_bert_whitespace", "is_bert_control",
    "is_bert_punctuation", "is_chinese_char", "is_combining_mark", "is_numeric", "is_alphanumeric",
]


def _decompose(text: str, form: str) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for c in text:
        d = unicodedata.normalize(form, c)
        out.append((d[0], 0))
        out.extend((x, 1) for x in d[1:])
    # canonical ordering: stable sort runs of non-starters by combining class
    i, n = 0, len(out)
    while i < n:
        if unicodedata.combining(out[i][0]) == 0:
            i += 1
            continue
        j = i
        while j < n and unicodedata.combining(out[j][0]) != 0:
            j += 1
        run = out[i:j]
        run.sort(key=lambda p: unicodedata.combining(p[0]))
        out[i:j] = run
        i = j
    return out


def nfd(text: str) -> list[tuple[str, int]]:
    return _decompose(text, "NFD")


def nfkd(text: str) -> list[tuple[str, int]]:
    return _decompose(text, "NFKD")


def _compose(pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    out: list[list] = []
    starter = -1
    last_ccc = -1
    for ch, change in pairs:
        ccc = unicodedata.combining(ch)
        if starter >= 0:
            s_ch = out[starter][0]
            cand = unicodedata.normalize("NFC", s_ch + ch)
            blocked = last_ccc != -1 and (last_ccc >= ccc or last_ccc == 0) and len(out) - 1 > starter
            if not blocked and len(cand) == 1 and cand != s_ch + ch:
                out[starter][0] = cand
                out[starter][1] = out[starter][1] - 1 if change <= 0 else out[starter][1]
                continue
        if ccc == 0:
            starter = len(out)
            last_ccc = -1
        else:
            last_ccc = ccc
        out.append([ch, change])
    return [(c, ch) for c, ch in out]


def nfc(text: str) -> list[tuple[str, int]]:
    return _compose(nfd(text))


def nfkc(text: str) -> list[tuple[str, int]]:
    return _compose(nfkd(text))


def lower(c: str) -> str:
    return c.lower()


def is_whitespace(c: str) -> bool:
    """Rust's `char::is_whitespace` (the Unicode White_Space property)."""
    return c.isspace() and c not in "\x1c\x1d\x1e\x1f" or c == "\x85"


def is_bert_whitespace(c: str) -> bool:
    return c in "\t\n\r" or is_whitespace(c)


def is_bert_control(c: str) -> bool:
    if c in "\t\n\r":
        return False
    return unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn")


def is_bert_punctuation(c: str) -> bool:
    return (c.isascii() and not c.isalnum() and 33 <= ord(c) <= 126) or unicodedata.category(c).startswith("P")


def is_chinese_char(c: str) -> bool:
    cp = ord(c)
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B920 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def is_combining_mark(c: str) -> bool:
    """General category Mn (what StripAccents removes)."""
    return unicodedata.category(c) == "Mn"


def is_numeric(c: str) -> bool:
    """Rust's `char::is_numeric`: general categories Nd, Nl, No."""
    return unicodedata.category(c) in ("Nd", "Nl", "No")


def is_alphanumeric(c: str) -> bool:
    return c.isalpha() or is_numeric(c)
