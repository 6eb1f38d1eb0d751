/* Unigram behind sentencepiece's precompiled charsmap (see unigram.h).
 *
 * Normalizing follows subtok's Precompiled(longest_match=True), i.e. sentencepiece's own
 * normalizer: at each character a user-defined symbol is copied whole (the longest), else the
 * longest run of characters the charsmap's double-array trie has a rule for is replaced, else the
 * character is kept; every ' ' of the result becomes the replacement ('▁').
 *
 * Segmenting is the reference's Viterbi (models/unigram.py, _best_path and _best_path_float32):
 * for each start character, every piece that starts there -- all found in one walk down a trie of
 * the pieces (trie.h) -- offers its end a path score; ties keep the
 * first offer; a character with no one-character piece gets the unknown score. In float32 mode
 * every candidate is rounded to float32 before it is compared, and the scores are re-based when
 * they pass 100000 in magnitude, as sentencepiece does. Then the best path is walked back, runs of
 * unknown pieces fused, and a fused run that is not a piece falls back to its bytes or the unknown
 * id.
 *
 * The replacement, when it is longer than one byte ('▁' is three), stands for itself as the one byte
 * SPACE_BYTE, in the pieces of the trie and in the normalized text alike (UTF-8 never has that
 * byte, so nothing else changes: the pieces that match at a place are the same). A walk down the
 * trie then takes one step over it rather than three: on en.txt, a fifth of the steps, each a
 * load that waits on the one before.
 */
#include "unigram.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define RESCALE_AT 100000.0
#define SPACE_BYTE 0xFF
#define PLAIN 1              /* ug_model.plain: no symbol, no rule starts with this byte */
#define PLAIN_BEFORE_ASCII 2 /* none when an ASCII byte (or the end) follows */

/* The length of the character that starts with byte b (SPACE_BYTE: one). */
static inline size_t char_len(uint8_t b) {
    return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : b < 0xF8 ? 4 : 1;
}

static int fail(char *err, size_t err_size, const char *msg) {
    snprintf(err, err_size, "%s", msg);
    return -1;
}

/* Copy s[0:n] to out with every ' ' (spaced) and every replacement made the replacement, as
 * SPACE_BYTE when m->compact; the length written (at most n * max(1, space_len)). */
static size_t copy_spaced(const ug_model *m, uint8_t *out, const uint8_t *s, size_t n, int spaced) {
    size_t o = 0;
    uint8_t first = m->space[0];
    for (size_t k = 0; k < n;) {
        uint8_t b = s[k];
        int space = spaced && b == ' ';
        size_t len = 1;
        if (!space && b == first && m->space_len > 1 && k + m->space_len <= n &&
            memcmp(s + k, m->space, m->space_len) == 0) {
            space = 1;
            len = m->space_len;
        }
        if (!space) {
            out[o++] = b;
        } else if (m->compact) {
            out[o++] = SPACE_BYTE;
        } else {
            memcpy(out + o, m->space, m->space_len);
            o += m->space_len;
        }
        k += len;
    }
    return o;
}

/* A piece's bytes as the trie holds them: the replacement as SPACE_BYTE. */
static size_t compact_copy(const ug_model *m, uint8_t *out, const uint8_t *s, size_t n) {
    return copy_spaced(m, out, s, n, 0);
}

/* How the charsmap's rules start with the ASCII byte c: 0, none does (rule_at finds nothing at c);
 * 1, none is c alone nor goes on with an ASCII byte (nothing at c when an ASCII byte or the end
 * follows: j2's rules for letters are a letter and a combining mark); else 2. */
static int rules_at_ascii(const ug_model *m, uint8_t c) {
    if (!m->trie_n) return 0;
    const uint32_t *units = m->trie;
    uint32_t unit = units[0];
    size_t node = ((size_t)(unit >> 10) << ((unit & (1u << 9)) >> 6)) ^ c;
    if (node >= m->trie_n || (units[node] & ((1u << 31) | 0xFF)) != c) return 0;
    unit = units[node];
    if ((unit >> 8) & 1) return 2; /* c alone is a rule */
    node ^= (size_t)(unit >> 10) << ((unit & (1u << 9)) >> 6);
    for (uint32_t d = 1; d < 0x80; d++) {
        size_t child = node ^ d;
        if (child < m->trie_n && (units[child] & ((1u << 31) | 0xFF)) == d) return 2;
    }
    return 1;
}

int ug_init(ug_model *m, const ug_spec *spec, char *err, size_t err_size) {
    memset(m, 0, sizeof(*m));
    if (spec->space_len < 1 || spec->space_len > 4) return fail(err, err_size, "the replacement must be one character");
    if (spec->charsmap_len && spec->charsmap_len < 4) return fail(err, err_size, "the charsmap is shorter than its header");
    size_t total = 0;
    uint32_t max_id = 0;
    for (size_t k = 0; k < spec->n; k++) {
        total += spec->lens[k];
        if (spec->ids[k] > max_id) max_id = spec->ids[k];
        if (spec->ids[k] == TRIE_NONE) return fail(err, err_size, "a piece id is 0xFFFFFFFF");
    }
    if (total != spec->blob_len) return fail(err, err_size, "the pieces' lengths do not add up to their bytes");
    if (spec->unk_id >= spec->n_scores || (spec->n && max_id >= spec->n_scores))
        return fail(err, err_size, "a piece id (or the unknown id) has no score");
    /* the replacement as SPACE_BYTE (see above), unless a piece has that byte already (it is not
     * UTF-8, so no text makes it; kept apart from the replacement all the same) */
    m->compact = spec->space_len > 1 && !memchr(spec->blob, SPACE_BYTE, spec->blob_len);
    memcpy(m->space, spec->space, spec->space_len);
    m->space_len = (uint32_t)spec->space_len;
    /* how often a walk passes a piece: its probability (the score is its log), clamped */
    double *weights = malloc((spec->n ? spec->n : 1) * sizeof(double));
    uint8_t *blob = m->compact ? malloc(spec->blob_len + 1) : NULL;
    uint32_t *lens = m->compact ? malloc((spec->n ? spec->n : 1) * sizeof(uint32_t)) : NULL;
    if (!weights || (m->compact && (!blob || !lens))) {
        free(weights);
        free(blob);
        free(lens);
        return fail(err, err_size, "out of memory");
    }
    for (size_t k = 0; k < spec->n; k++) {
        double s = spec->score[spec->ids[k]];
        weights[k] = s == s ? exp(s < -700.0 ? -700.0 : s > 50.0 ? 50.0 : s) : 0.0;
    }
    if (m->compact) {
        size_t from = 0, to = 0;
        for (size_t k = 0; k < spec->n; k++) {
            size_t start = to;
            to += compact_copy(m, blob + to, spec->blob + from, spec->lens[k]);
            from += spec->lens[k];
            lens[k] = (uint32_t)(to - start);
        }
    }
    int built = trie_build(&m->pieces, m->compact ? blob : spec->blob, m->compact ? lens : spec->lens, spec->ids,
                           weights, spec->n);
    free(weights);
    free(blob);
    free(lens);
    if (built == -2) return fail(err, err_size, "a piece id is 2**23 - 1 or more");
    if (built) return fail(err, err_size, "out of memory");
    m->score = malloc((spec->n_scores ? spec->n_scores : 1) * sizeof(double));
    if (!m->score) {
        ug_free(m);
        return fail(err, err_size, "out of memory");
    }
    memcpy(m->score, spec->score, spec->n_scores * sizeof(double));
    m->n_scores = (uint32_t)spec->n_scores;
    if (spec->charsmap_len) {
        uint32_t trie_bytes;
        memcpy(&trie_bytes, spec->charsmap, 4); /* little-endian, as the reference reads it */
        if (trie_bytes % 4 || (size_t)trie_bytes + 4 > spec->charsmap_len) {
            ug_free(m);
            return fail(err, err_size, "the charsmap's trie does not fit it");
        }
        m->trie_n = trie_bytes / 4;
        m->replacements_n = spec->charsmap_len - 4 - trie_bytes;
        m->trie = malloc((m->trie_n ? m->trie_n : 1) * sizeof(uint32_t));
        m->replacements = malloc(m->replacements_n + 1);
        if (!m->trie || !m->replacements) {
            ug_free(m);
            return fail(err, err_size, "out of memory");
        }
        memcpy(m->trie, spec->charsmap + 4, trie_bytes);
        memcpy(m->replacements, spec->charsmap + 4 + trie_bytes, m->replacements_n);
        m->replacements[m->replacements_n] = 0;
    }
    m->symbols = malloc(spec->symbols_len + 1);
    if (!m->symbols) {
        ug_free(m);
        return fail(err, err_size, "out of memory");
    }
    memcpy(m->symbols, spec->symbols, spec->symbols_len);
    m->symbols[spec->symbols_len] = 0;
    m->symbols_n = spec->symbols_len;
    for (size_t at = 0; at < m->symbols_n;) {
        size_t len = strlen((const char *)m->symbols + at);
        if (len) m->symbol_starts[m->symbols[at]] = 1;
        at += len + 1;
    }
    for (int c = 1; c < 0x80; c++) {
        int rules = rules_at_ascii(m, (uint8_t)c);
        m->plain[c] = m->symbol_starts[c] || rules == 2 ? 0 : rules == 0 ? PLAIN : PLAIN_BEFORE_ASCII;
    }
    memcpy(m->byte_token, spec->byte_token, sizeof(m->byte_token));
    m->unk_score = spec->unk_score;
    m->unk_id = spec->unk_id;
    m->byte_fallback = spec->byte_fallback;
    m->float32 = spec->float32;
    return 0;
}

void ug_free(ug_model *m) {
    trie_free(&m->pieces);
    free(m->score);
    free(m->trie);
    free(m->replacements);
    free(m->symbols);
    memset(m, 0, sizeof(*m));
}

/* -- normalizing ------------------------------------------------------------------------------- */

typedef struct {
    uint8_t *p;
    size_t len, cap;
} buffer;

/* Room for n more bytes in b. */
static int reserve_bytes(buffer *b, size_t n) {
    if (b->len + n <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + n) cap *= 2;
    uint8_t *q = realloc(b->p, cap);
    if (!q) return -1;
    b->p = q;
    b->cap = cap;
    return 0;
}

/* Append s[0:n] with every ' ' made the replacement (and the replacement SPACE_BYTE: see above). */
static int put_spaced(const ug_model *m, buffer *b, const uint8_t *s, size_t n) {
    if (n > SIZE_MAX / 4 || reserve_bytes(b, n * (m->space_len > 1 ? m->space_len : 1))) return -1;
    if (n == 1 && s[0] != ' ' && s[0] != m->space[0]) { /* most characters */
        b->p[b->len++] = s[0];
        return 0;
    }
    b->len += copy_spaced(m, b->p + b->len, s, n, 1);
    return 0;
}

/* Whether s[0:n] is valid UTF-8 (a replacement the reference would decode with U+FFFD is not). */
static int valid_utf8(const uint8_t *s, size_t n) {
    for (size_t i = 0; i < n;) {
        uint8_t b = s[i];
        size_t len = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
        if (!len || i + len > n || (len == 2 && b < 0xC2)) return 0;
        uint32_t c = len == 1 ? b : b & (0xFF >> (len + 1));
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return 0;
            c = (c << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)))
            return 0;
        i += len;
    }
    return 1;
}

/* The longest user-defined symbol at s[i:n], its length, or 0. */
static size_t symbol_at(const ug_model *m, const uint8_t *s, size_t i, size_t n) {
    if (!m->symbol_starts[s[i]]) return 0;
    for (size_t at = 0; at < m->symbols_n;) {
        size_t len = strlen((const char *)m->symbols + at);
        if (len && i + len <= n && memcmp(s + i, m->symbols + at, len) == 0) return len;
        at += len + 1;
    }
    return 0;
}

/* The longest run of characters at s[i:n] the charsmap has a rule for: its length in bytes and
 * the replacement's start in *value, or 0 (sentencepiece's NormalizePrefix, as the reference's
 * _longest_rule). */
static size_t rule_at(const ug_model *m, const uint8_t *s, size_t i, size_t n, size_t *value) {
    const uint32_t *units = m->trie;
    size_t count = m->trie_n, best = 0;
    if (!count) return 0;
    uint32_t unit = units[0];
    size_t node = (size_t)(unit >> 10) << ((unit & (1u << 9)) >> 6);
    for (size_t j = i; j < n;) {
        size_t len = char_len(s[j]), leaf = 0;
        if (j + len > n) break;
        for (size_t k = 0; k < len; k++) {
            uint8_t c = s[j + k];
            if (c == 0) return best;
            node ^= c;
            if (node >= count) return best;
            unit = units[node];
            if ((unit & ((1u << 31) | 0xFF)) != c) return best;
            node ^= (size_t)(unit >> 10) << ((unit & (1u << 9)) >> 6);
            leaf = (unit >> 8) & 1;
        }
        j += len;
        if (leaf && node < count) {
            best = j - i;
            *value = units[node] & ((1u << 31) - 1);
        }
    }
    return best;
}

/* Whether the character at s[i] is kept as it is, neither a symbol nor the start of a rule. */
static inline int plain_at(const ug_model *m, const uint8_t *s, size_t i, size_t n) {
    uint8_t p = m->plain[s[i]];
    return p == PLAIN || (p == PLAIN_BEFORE_ASCII && (i + 1 == n || s[i + 1] < 0x80));
}

/* The normalized text into *out; 0, -1 (no memory) or -2 (a replacement that is not valid UTF-8:
 * the reference decodes it with U+FFFD; left to it). */
static int normalize(const ug_model *m, const uint8_t *s, size_t n, buffer *out) {
    for (size_t i = 0; i < n;) {
        if (plain_at(m, s, i, n)) { /* a run of characters that the loop below would copy one by one */
            size_t j = i + 1;
            while (j < n && plain_at(m, s, j, n)) j++;
            if (put_spaced(m, out, s + i, j - i)) return -1;
            i = j;
            continue;
        }
        size_t len = symbol_at(m, s, i, n);
        if (len) {
            if (put_spaced(m, out, s + i, len)) return -1;
            i += len;
            continue;
        }
        size_t value = 0;
        len = rule_at(m, s, i, n, &value);
        if (len && value < m->replacements_n) {
            const uint8_t *r = m->replacements + value;
            size_t rlen = strlen((const char *)r);
            if (!valid_utf8(r, rlen)) return -2;
            if (put_spaced(m, out, r, rlen)) return -1;
            i += len;
            continue;
        }
        len = char_len(s[i]);
        if (i + len > n) len = n - i;
        if (put_spaced(m, out, s + i, len)) return -1;
        i += len;
    }
    return 0;
}

/* -- segmenting --------------------------------------------------------------------------------- */

static inline double f32(double x) {
    return (double)(float)x;
}

static int push(bpe_ids *out, uint32_t id) {
    if (out->len == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 256;
        uint32_t *ids = realloc(out->ids, cap * sizeof(uint32_t));
        if (!ids) return -1;
        out->ids = ids;
        out->cap = cap;
    }
    out->ids[out->len++] = id;
    return 0;
}

/* The id of a fused run of unknown characters t[a:b]: the piece it happens to be, its bytes
 * (byte fallback), or the unknown id. */
static int emit_unknown(const ug_model *m, const uint8_t *t, size_t a, size_t b, bpe_ids *out) {
    uint32_t id = trie_find(&m->pieces, t + a, b - a);
    if (id != TRIE_NONE) return push(out, id);
    if (m->byte_fallback) { /* (SPACE_BYTE: the replacement's bytes) */
        int all = 1;
        for (size_t k = a; k < b; k++) {
            if (m->compact && t[k] == SPACE_BYTE)
                for (uint32_t q = 0; q < m->space_len; q++) all &= m->byte_token[m->space[q]] != BPE_NONE;
            else all &= m->byte_token[t[k]] != BPE_NONE;
        }
        if (all) {
            for (size_t k = a; k < b; k++) {
                if (m->compact && t[k] == SPACE_BYTE) {
                    for (uint32_t q = 0; q < m->space_len; q++)
                        if (push(out, m->byte_token[m->space[q]])) return -1;
                } else if (push(out, m->byte_token[t[k]])) {
                    return -1;
                }
            }
            return 0;
        }
    }
    return push(out, m->unk_id);
}

/* A path to `end` through the piece `id` from `start`: kept if it is the first or scores higher
 * (in float32, rounded first; the frontier is how far any path reaches, for re-basing). */
static inline void offer(const ug_model *m, double *best, int32_t *from, uint32_t *id_of, size_t end, size_t start,
                         double score, uint32_t id, size_t *frontier) {
    if (m->float32) {
        score = f32(score);
        if (end > *frontier) *frontier = end;
    }
    if (from[end] < 0 || score > best[end]) {
        best[end] = score;
        from[end] = (int32_t)start;
        id_of[end] = id;
    }
}

/* The lattice is indexed by byte (a position inside a character is never reached). */
static int segment(const ug_model *m, const uint8_t *t, size_t len, bpe_ids *out) {
    double *best = malloc((len + 1) * sizeof(double));
    int32_t *from = malloc((len + 1) * sizeof(int32_t)); /* the best path's last piece's start */
    uint32_t *id_of = malloc((len + 1) * sizeof(uint32_t));
    uint32_t *path = NULL;
    int rc = -1;
    if (!best || !from || !id_of || len >= INT32_MAX) goto done;
    for (size_t k = 0; k <= len; k++) {
        best[k] = 0.0;
        from[k] = -1;
    }
    const trie_unit *units = m->pieces.units;
    size_t frontier = 0;
    for (size_t start = 0, next; start < len; start = next) {
        next = start + char_len(t[start]);
        if (next > len) next = len;
        double base = best[start];
        if (m->float32 && (base < -RESCALE_AT || base > RESCALE_AT)) {
            for (size_t k = start; k <= frontier; k++)
                if (k == start || from[k] >= 0) best[k] = f32(best[k] - base);
            base = 0.0;
        }
        /* every piece that starts here, shortest first: one walk down the trie */
        int single = 0;
        uint32_t node = 0;
        for (size_t j = start; j < len; j++) {
            uint32_t child = units[node].base + t[j], lv = units[child].lv;
            if ((lv & 0x1FF) != (TRIE_USED | t[j])) break;
            node = child;
            uint32_t id = lv >> 9;
            if (id == TRIE_NO_VALUE) continue;
            offer(m, best, from, id_of, j + 1, start, m->score[id] + base, id, &frontier);
            single |= j + 1 == next;
        }
        if (!single) offer(m, best, from, id_of, next, start, m->unk_score + base, m->unk_id, &frontier);
    }
    /* the best path's pieces: walked back from the end, then read in order */
    size_t k = 0;
    for (size_t end = len; end > 0; end = (size_t)from[end]) k++;
    path = malloc((k + 1) * sizeof(uint32_t));
    if (!path) goto done;
    size_t q = k;
    for (size_t end = len; end > 0; end = (size_t)from[end]) path[--q] = (uint32_t)end; /* piece ends, in order */
    for (q = 0; q < k; q++) {
        size_t e = path[q], s = (size_t)from[e];
        if (id_of[e] != m->unk_id) {
            if (push(out, id_of[e])) goto done;
            continue;
        }
        while (q + 1 < k && id_of[path[q + 1]] == m->unk_id) e = path[++q]; /* fuse the run */
        if (emit_unknown(m, t, s, e, out)) goto done;
    }
    rc = 0;
done:
    free(best);
    free(from);
    free(id_of);
    free(path);
    return rc;
}

int ug_encode(const ug_model *m, const uint8_t *s, size_t n, bpe_ids *out) {
    buffer t = {NULL, 0, 0};
    int rc = normalize(m, s, n, &t);
    if (!rc && t.len) rc = segment(m, t.p, t.len, out);
    free(t.p);
    return rc;
}
