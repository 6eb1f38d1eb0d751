/* Hand-written scanners for the three pre-tokenizer patterns of tiktoken's encodings.
 *
 * Each next_piece_* function returns where the piece that starts at byte i of the UTF-8 text s
 * (i < n) ends: the end of the match the reference (the `regex` module running the pattern, see
 * subtok/formats/tiktoken.py) finds at i. Every character is covered by some alternative of these
 * patterns, so the pieces tile the text and the next piece starts where this one ends.
 *
 * The alternatives are tried in the pattern's order and each one is reduced, by working out its
 * backtracking by hand, to a few runs over character classes; the comment above each function
 * gives the pattern and the reasoning. The classes come from unicode_classes.h, measured from the
 * reference's own compiled classes (tools/gen_fast_tables.py); tests/test_fast.py checks the cuts
 * against the reference for every code point in several contexts.
 *
 * Why not a regex engine: a backtracking engine spends most of its time trying alternatives that
 * cannot match; here one class lookup of the first character picks the alternative. ASCII bytes
 * take one table load; other characters are decoded and looked up in a two-level table.
 */
#ifndef SUBTOK_SCAN_H
#define SUBTOK_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "unicode_classes.h"

#define SUBTOK_INLINE static inline __attribute__((always_inline))

enum { PATTERN_GPT2 = 0, PATTERN_CL100K = 1, PATTERN_O200K = 2, N_PATTERNS = 3 };

/* flags of any character but \s, \p{L}, \p{N}: [^\s\p{L}\p{N}] */
#define CL_LNS (CL_L | CL_N | CL_S)
/* the prefix class [^\r\n\p{L}\p{N}] is "none of CL_Q" */
#define CL_Q (CL_L | CL_N | CL_CRLF)

/* The code point of the character at s[i] and its length in *len. Input comes from Python str
 * objects, so it is valid UTF-8; a malformed or truncated sequence still reads no byte past n and
 * counts as one character with no class (U+FFFD's flags: none). */
SUBTOK_INLINE uint32_t decode_utf8(const uint8_t *s, size_t i, size_t n, size_t *len) {
    uint32_t c = s[i];
    if (c < 0x80) { *len = 1; return c; }
    if (c >= 0xC2 && c < 0xE0 && i + 1 < n) {
        *len = 2;
        return ((c & 0x1F) << 6) | (s[i + 1] & 0x3F);
    }
    if (c >= 0xE0 && c < 0xF0 && i + 2 < n) {
        *len = 3;
        return ((c & 0x0F) << 12) | ((uint32_t)(s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
    }
    if (c >= 0xF0 && c < 0xF5 && i + 3 < n) {
        *len = 4;
        uint32_t cp = ((c & 0x07) << 18) | ((uint32_t)(s[i + 1] & 0x3F) << 12) |
                      ((uint32_t)(s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
        return cp < 0x110000 ? cp : 0xFFFD;
    }
    *len = 1;
    return 0xFFFD;
}

SUBTOK_INLINE uint8_t class_of(uint32_t cp) {
    return cl_stage2[cl_stage1[cp >> 8]][cp & 0xFF];
}

/* Flags of the character at i; *next gets the index after it. */
SUBTOK_INLINE uint8_t class_at(const uint8_t *s, size_t i, size_t n, size_t *next) {
    if (s[i] < 0x80) { *next = i + 1; return cl_stage2[0][s[i]]; }
    size_t len;
    uint32_t cp = decode_utf8(s, i, n, &len);
    *next = i + len;
    return class_of(cp);
}

/* End of the run of characters from i whose flags have any of `mask` (want_any) or none of it. */
SUBTOK_INLINE size_t run_of(const uint8_t *s, size_t i, size_t n, uint8_t mask, int want_any) {
    while (i < n) {
        uint8_t b = s[i];
        if (b < 0x80) {  /* the common case: one load per byte, no decoding */
            if (((cl_stage2[0][b] & mask) != 0) != want_any) return i;
            i++;
            continue;
        }
        size_t next;
        uint8_t f = class_at(s, i, n, &next);
        if (((f & mask) != 0) != want_any) return i;
        i = next;
    }
    return n;
}

/* The contraction letter a character case-folds to under (?i:...), or 0. */
SUBTOK_INLINE char fold_letter(const uint8_t *s, size_t i, size_t n, size_t *next) {
    uint8_t b = s[i];
    if (b < 0x80) {
        *next = i + 1;
        return (b >= 'A' && b <= 'Z') ? (char)(b + 32) : (char)b;
    }
    size_t len;
    uint32_t cp = decode_utf8(s, i, n, &len);
    *next = i + len;
    for (int k = 0; k < CL_N_FOLDS; k++)
        if (cl_fold_cp[k] == cp) return cl_fold_letter[k];
    return 0;
}

/* End of '(?:s|t|re|ve|m|ll|d) at i (s[i] is the apostrophe), or 0; case-insensitive or not. */
SUBTOK_INLINE size_t contraction_at(const uint8_t *s, size_t i, size_t n, int ignore_case) {
    if (i + 1 >= n || s[i] != '\'') return 0;
    size_t j, k;
    char a = ignore_case ? fold_letter(s, i + 1, n, &j) : (char)s[i + 1];
    if (!ignore_case) j = i + 2;
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return j;
    if ((a != 'r' && a != 'v' && a != 'l') || j >= n) return 0;
    char b = ignore_case ? fold_letter(s, j, n, &k) : (char)s[j];
    if (!ignore_case) k = j + 1;
    return (b == (a == 'l' ? 'l' : 'e')) ? k : 0;
}

/* The whitespace alternatives at i (s[i] is \s), in order:
 *   \s*[\r\n]+   (cl100k, o200k: with_newline) -- the greedy \s* backs off to the last \r or \n
 *                of the run of whitespace, and [\r\n]+ then ends right after it;
 *   \s+(?!\S)    -- the whole run when it ends the text, else the run less its last character,
 *                when that leaves at least one;
 *   \s+          -- the one character left. */
SUBTOK_INLINE size_t whitespace_piece(const uint8_t *s, size_t i, size_t n, int with_newline) {
    size_t last_start = i, last_newline_end = 0, j = i;
    while (j < n) {
        size_t next;
        uint8_t f = class_at(s, j, n, &next);
        if (!(f & CL_S)) break;
        if (f & CL_CRLF) last_newline_end = next;
        last_start = j;
        j = next;
    }
    if (with_newline && last_newline_end) return last_newline_end;
    if (j == i) {  /* not whitespace after all (cannot happen): still make progress */
        class_at(s, i, n, &j);
        return j;
    }
    if (j == n || last_start == i) return j;
    return last_start;
}

/* GPT-2, r50k, p50k:  's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * L, N, \s and "none of them" are disjoint, so the first character (or the one after a leading
 * space) names the only alternative that can match; a space followed by \s falls through to the
 * whitespace alternatives. */
SUBTOK_INLINE size_t next_piece_gpt2(const uint8_t *s, size_t i, size_t n) {
    size_t j, k;
    if (s[i] == '\'') {
        size_t e = contraction_at(s, i, n, 0);
        if (e) return e;
    }
    uint8_t f = class_at(s, i, n, &j);
    if (s[i] == ' ' && j < n) {
        uint8_t g = class_at(s, j, n, &k);
        if (g & CL_L) return run_of(s, k, n, CL_L, 1);
        if (g & CL_N) return run_of(s, k, n, CL_N, 1);
        if (!(g & CL_LNS)) return run_of(s, k, n, CL_LNS, 0);
    }
    if (f & CL_L) return run_of(s, j, n, CL_L, 1);
    if (f & CL_N) return run_of(s, j, n, CL_N, 1);
    if (!(f & CL_LNS)) return run_of(s, j, n, CL_LNS, 0);
    return whitespace_piece(s, i, n, 0);
}

/* \p{N}{1,3} at i (s[i] is a number) */
SUBTOK_INLINE size_t numbers_upto3(const uint8_t *s, size_t i, size_t n) {
    size_t j = i;
    for (int count = 0; count < 3 && j < n; count++) {
        size_t next;
        if (!(class_at(s, j, n, &next) & CL_N)) break;
        j = next;
    }
    return j;
}

/* End of the run of \r, \n (and '/' when `slash`) from i. */
SUBTOK_INLINE size_t newlines_from(const uint8_t *s, size_t i, size_t n, int slash) {
    while (i < n && (s[i] == '\r' || s[i] == '\n' || (slash && s[i] == '/'))) i++;
    return i;
}

/* cl100k, Llama 3:
 *   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*
 *   |\s*[\r\n]+|\s+(?!\S)|\s+
 * [^\r\n\p{L}\p{N}]?\p{L}+ : a letter run, or one prefix character (anything but \r, \n, L, N;
 * spaces included) followed by a letter run; otherwise no match (the prefix is not a letter). */
SUBTOK_INLINE size_t next_piece_cl100k(const uint8_t *s, size_t i, size_t n) {
    size_t j, k;
    if (s[i] == '\'') {
        size_t e = contraction_at(s, i, n, 1);
        if (e) return e;
    }
    uint8_t f = class_at(s, i, n, &j);
    if (f & CL_L) return run_of(s, j, n, CL_L, 1);
    uint8_t g = j < n ? class_at(s, j, n, &k) : 0;
    if (!(f & CL_Q) && j < n && (g & CL_L)) return run_of(s, k, n, CL_L, 1);
    if (f & CL_N) return numbers_upto3(s, i, n);
    if (s[i] == ' ' && j < n && !(g & CL_LNS)) return newlines_from(s, run_of(s, k, n, CL_LNS, 0), n, 0);
    if (!(f & CL_LNS)) return newlines_from(s, run_of(s, j, n, CL_LNS, 0), n, 0);
    return whitespace_piece(s, i, n, 1);
}

/* o200k's letter alternatives after the optional prefix, from i:
 *   with_lower: [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|...)?
 *   else:       [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|...)?
 * Call the classes U and W; they overlap (Lm, Lo, M). For the first form the greedy U* takes the
 * whole U run; if the character after it is W, W+ takes the W run from there; otherwise U* backs
 * off until W+ can take one character, i.e. the match ends after the last W character of the U
 * run (none: no match). The second form needs a non-empty U run and then takes the W run after
 * it. A contraction may follow either. Returns the end, or 0 for no match. */
SUBTOK_INLINE size_t o200k_letters(const uint8_t *s, size_t i, size_t n, int with_lower) {
    size_t j = i, next, last_w_end = 0;
    uint8_t f = 0;
    while (j < n) {
        f = class_at(s, j, n, &next);
        if (!(f & CL_UPPERISH)) break;
        if (f & CL_LOWERISH) last_w_end = next;
        j = next;
    }
    size_t end;
    if (with_lower) {
        if (j < n && (f & CL_LOWERISH)) end = run_of(s, j, n, CL_LOWERISH, 1);
        else if (last_w_end) end = last_w_end;
        else return 0;
    } else {
        if (j == i) return 0;
        end = run_of(s, j, n, CL_LOWERISH, 1);
    }
    size_t c = contraction_at(s, end, n, 1);
    return c ? c : end;
}

/* o200k:
 *   [^\r\n\p{L}\p{N}]?(U*W+ | U+W*)(?i:'s|'t|'re|'ve|'m|'ll|'d)?  (two alternatives, see above)
 *   |\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
 * Each letter alternative is tried with the optional prefix character first, then without it
 * (a mark is both a prefix character and U/W, so "without" can succeed where "with" failed). */
SUBTOK_INLINE size_t next_piece_o200k(const uint8_t *s, size_t i, size_t n) {
    size_t j, k, e;
    uint8_t f = class_at(s, i, n, &j);
    int prefix = !(f & CL_Q) && j < n;
    for (int with_lower = 1; with_lower >= 0; with_lower--) {
        if (prefix && (e = o200k_letters(s, j, n, with_lower))) return e;
        if ((e = o200k_letters(s, i, n, with_lower))) return e;
    }
    if (f & CL_N) return numbers_upto3(s, i, n);
    if (s[i] == ' ' && j < n && !(class_at(s, j, n, &k) & CL_LNS))
        return newlines_from(s, run_of(s, k, n, CL_LNS, 0), n, 1);
    if (!(f & CL_LNS)) return newlines_from(s, run_of(s, j, n, CL_LNS, 0), n, 1);
    return whitespace_piece(s, i, n, 1);
}

/* -- the ASCII window ---------------------------------------------------------------------------
 *
 * The scanners above look at one character at a time, and each run ends on a mispredicted branch.
 * Most text is ASCII, where every class is a byte range: the window holds, for the 64 bytes from
 * `base`, one bit per byte for each class (built 16 bytes at a time with SSE2 compares), and a run
 * ends where the bits stop: one count-trailing-zeros. The ascii_* functions below cut a piece
 * from the window and say which bytes they looked at (`hi`, exclusive); the piece stands only when
 * those bytes are all in the window and all ASCII. Otherwise the per-character scanner cuts it, so
 * the window never changes a cut: on ASCII bytes it computes the same decisions from the same
 * classes (tests/test_fast.py compares both against the pattern, on every pair of ASCII bytes). */
#if defined(__SSE2__)
#include <emmintrin.h>
#define SUBTOK_ASCII_WINDOW 1
#endif

typedef struct {
    const uint8_t *s;
    size_t n;
    size_t base;    /* the window: bit k of each mask is the byte s[base + k] */
    int filled;
    uint64_t upper, lower, digit, space, newline, slash, high;
} scan_cursor;

#define WINDOW 64
#define WINDOW_SHORT SIZE_MAX /* an ascii_* result: the piece may reach past the window */

SUBTOK_INLINE void cursor_init(scan_cursor *c, const uint8_t *s, size_t n) {
    c->s = s;
    c->n = n;
    c->base = 0;
    c->filled = 0;
}

#ifdef SUBTOK_ASCII_WINDOW
/* The classes of s[at:at+64] (at + 64 <= n). Bytes >= 0x80 are negative as signed, so they fall
 * in no range; `high` marks them. */
SUBTOK_INLINE void window_fill(scan_cursor *c, size_t at) {
    uint64_t up = 0, lo = 0, dg = 0, sp = 0, nl = 0, sl = 0, hb = 0;
    for (int k = 0; k < WINDOW / 16; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(c->s + at + 16 * k));
#define IN_RANGE(a, b) _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8((a) - 1)), _mm_cmplt_epi8(v, _mm_set1_epi8((b) + 1)))
#define BITS(x) ((uint64_t)(uint16_t)_mm_movemask_epi8(x) << (16 * k))
        __m128i ws = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')), IN_RANGE('\t', '\r'));
        __m128i crlf = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\r')));
        up |= BITS(IN_RANGE('A', 'Z'));
        lo |= BITS(IN_RANGE('a', 'z'));
        dg |= BITS(IN_RANGE('0', '9'));
        sp |= BITS(ws);
        nl |= BITS(crlf);
        sl |= BITS(_mm_cmpeq_epi8(v, _mm_set1_epi8('/')));
        hb |= BITS(v);
#undef BITS
#undef IN_RANGE
    }
    c->base = at;
    c->filled = 1;
    c->upper = up;
    c->lower = lo;
    c->digit = dg;
    c->space = sp;
    c->newline = nl;
    c->slash = sl;
    c->high = hb;
}
#endif

#define BIT(m, k) ((int)(((m) >> (k)) & 1))

/* The end (an offset in the window) of the run of m's bits from offset k; 64 when it reaches the
 * window's end (or k does). */
SUBTOK_INLINE unsigned run_end64(uint64_t m, unsigned k) {
    if (k >= WINDOW) return WINDOW;
    uint64_t x = ~(m >> k);
    return x ? k + (unsigned)__builtin_ctzll(x) : WINDOW;
}

/* Bits a .. b-1 (a < b <= 64). */
SUBTOK_INLINE uint64_t bit_range(unsigned a, unsigned b) {
    uint64_t upto = b >= WINDOW ? ~(uint64_t)0 : ((uint64_t)1 << b) - 1;
    return upto & (~(uint64_t)0 << a);
}

/* Whether the bytes at offsets off .. hi-1 are in the window and ASCII: WINDOW_SHORT if not in the
 * window, 0 if one is not ASCII, else 1. */
SUBTOK_INLINE size_t window_check(const scan_cursor *c, unsigned off, unsigned hi) {
    if (hi < off + 2) hi = off + 2; /* every scanner looks at the character after the first */
    if (hi > WINDOW) return WINDOW_SHORT;
    return (c->high & bit_range(off, hi)) ? 0 : 1;
}

/* The whitespace alternatives (whitespace_piece) at offset off, whose byte is ASCII \s. */
SUBTOK_INLINE size_t ascii_whitespace(const scan_cursor *c, unsigned off, int with_newline) {
    unsigned j = run_end64(c->space, off), end;
    size_t ok = window_check(c, off, j + 1);
    if (ok != 1) return ok;
    uint64_t nl = with_newline ? c->newline & bit_range(off, j) : 0;
    if (nl) end = WINDOW - (unsigned)__builtin_clzll(nl);
    else end = j - off == 1 ? j : j - 1;
    return c->base + end;
}

/* A run of the class m from offset from, then (with tail) a run of tail: its end if every byte
 * looked at is in the window and ASCII, else WINDOW_SHORT or 0. */
SUBTOK_INLINE size_t ascii_run(const scan_cursor *c, unsigned off, uint64_t m, unsigned from, uint64_t tail) {
    unsigned end = run_end64(m, from);
    if (tail) end = run_end64(tail, end);
    size_t ok = window_check(c, off, end + 1);
    return ok == 1 ? c->base + end : ok;
}

/* A contraction at offset at (the byte there is an apostrophe), case-insensitive or not: 1 with its
 * end in *end, or at itself when there is none; WINDOW_SHORT or 0 when its bytes are not in the
 * window or not ASCII. */
SUBTOK_INLINE size_t ascii_contraction(const scan_cursor *c, unsigned off, unsigned at, int ignore_case, size_t *end) {
    size_t ok = window_check(c, off, at + 3);
    if (ok != 1) return ok;
    size_t e = contraction_at(c->s, c->base + at, c->n, ignore_case);
    *end = e ? e : c->base + at;
    return 1;
}

/* The ascii_* scanners: the end of the piece at i, or WINDOW_SHORT / 0 (see window_check). */
SUBTOK_INLINE size_t ascii_gpt2(const scan_cursor *c, size_t i) {
    unsigned off = (unsigned)(i - c->base);
    uint64_t letter = c->upper | c->lower, punct = ~(letter | c->digit | c->space | c->high);
    if (BIT(c->high, off)) return 0;
    uint8_t b = c->s[i];
    if (b == '\'') {
        size_t e, ok = ascii_contraction(c, off, off, 0, &e);
        if (ok != 1) return ok;
        if (e != i) return e;
    }
    unsigned at = b == ' ' && !BIT(c->space | c->high, off + 1) ? off + 1 : off;
    if (BIT(letter, at)) return ascii_run(c, off, letter, at, 0);
    if (BIT(c->digit, at)) return ascii_run(c, off, c->digit, at, 0);
    if (BIT(punct, at)) return ascii_run(c, off, punct, at, 0);
    return ascii_whitespace(c, off, 0);
}

SUBTOK_INLINE size_t ascii_cl100k(const scan_cursor *c, size_t i) {
    unsigned off = (unsigned)(i - c->base);
    uint64_t letter = c->upper | c->lower, punct = ~(letter | c->digit | c->space | c->high);
    if (BIT(c->high, off)) return 0;
    uint8_t b = c->s[i];
    if (b == '\'') {
        size_t e, ok = ascii_contraction(c, off, off, 1, &e);
        if (ok != 1) return ok;
        if (e != i) return e;
    }
    if (BIT(letter, off)) return ascii_run(c, off, letter, off, 0);
    if (!BIT(letter | c->digit | c->newline, off) && BIT(letter, off + 1)) return ascii_run(c, off, letter, off + 1, 0);
    if (BIT(c->digit, off)) {
        unsigned end = run_end64(c->digit, off);
        if (end > off + 3) end = off + 3;
        size_t ok = window_check(c, off, end + 1);
        return ok == 1 ? c->base + end : ok;
    }
    if (b == ' ' && BIT(punct, off + 1)) return ascii_run(c, off, punct, off + 1, c->newline);
    if (BIT(punct, off)) return ascii_run(c, off, punct, off, c->newline);
    return ascii_whitespace(c, off, 1);
}

SUBTOK_INLINE size_t ascii_o200k(const scan_cursor *c, size_t i) {
    unsigned off = (unsigned)(i - c->base);
    uint64_t letter = c->upper | c->lower, punct = ~(letter | c->digit | c->space | c->high);
    if (BIT(c->high, off)) return 0;
    uint8_t b = c->s[i];
    unsigned from = BIT(letter, off) ? off
                    : !BIT(letter | c->digit | c->newline, off) && BIT(letter, off + 1) ? off + 1 : WINDOW;
    if (from < WINDOW) { /* upper case run, then lower case run (see o200k_letters), then a contraction */
        unsigned end = run_end64(c->lower, run_end64(c->upper, from));
        size_t ok = window_check(c, off, end + 1);
        if (ok != 1) return ok;
        if (c->s[c->base + end] != '\'') return c->base + end;
        size_t e;
        ok = ascii_contraction(c, off, end, 1, &e);
        return ok == 1 ? e : ok;
    }
    if (BIT(c->digit, off)) {
        unsigned end = run_end64(c->digit, off);
        if (end > off + 3) end = off + 3;
        size_t ok = window_check(c, off, end + 1);
        return ok == 1 ? c->base + end : ok;
    }
    if (b == ' ' && BIT(punct, off + 1)) return ascii_run(c, off, punct, off + 1, c->newline | c->slash);
    if (BIT(punct, off)) return ascii_run(c, off, punct, off, c->newline | c->slash);
    return ascii_whitespace(c, off, 1);
}

/* The end of the piece at byte i of the cursor's text, by the scanner of `pattern` (a constant
 * where this is inlined): from the window where it can, else by the per-character scanner. */
SUBTOK_INLINE size_t cursor_next(scan_cursor *c, int pattern, size_t i) {
#ifdef SUBTOK_ASCII_WINDOW
    if (i + WINDOW <= c->n) {
        for (int tries = 0; tries < 2; tries++) {
            if (!c->filled || i - c->base >= WINDOW / 2 || tries) window_fill(c, i);
            size_t e = pattern == PATTERN_GPT2     ? ascii_gpt2(c, i)
                       : pattern == PATTERN_CL100K ? ascii_cl100k(c, i)
                                                   : ascii_o200k(c, i);
            if (e != WINDOW_SHORT) {
                if (e) return e;
                break;
            }
            if (i == c->base) break;
        }
    }
#endif
    switch (pattern) {
    case PATTERN_GPT2: return next_piece_gpt2(c->s, i, c->n);
    case PATTERN_CL100K: return next_piece_cl100k(c->s, i, c->n);
    default: return next_piece_o200k(c->s, i, c->n);
    }
}

#endif
