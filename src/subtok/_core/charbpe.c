/* BPE over characters with byte fallback, behind sentencepiece's space handling (see charbpe.h).
 *
 * The reference normalizes the whole text (a space in front, every ' ' -> '▁'), cuts it before each
 * run of '▁' and BPEs each piece: one starting symbol per character (its token), or the <0xNN>
 * tokens of its bytes (byte fallback), or the unknown token (runs fused); then the merges, lowest
 * rank first, leftmost on ties (merge.c, from these starting ids). Here the pieces are cut from
 * the original text directly (only ' ' changes, so a piece is a run of ' '/'▁' and the run of other
 * characters after it) and normalized one at a time into a small buffer, and pieces seen before
 * come from the memo, as in bpe.c.
 */
#include "charbpe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookup.h"

#define MEMO_MAX_PIECE 254 /* as bpe.c: the memo's tags hold lengths up to 254 */

int cb_init(cb_model *m, const bpe_spec *spec, uint32_t unk_id, const uint8_t *space, size_t space_len,
            int options, char *err, size_t err_size) {
    memset(m, 0, sizeof(*m));
    if (space_len < 1 || space_len > 4) {
        snprintf(err, err_size, "the replacement must be one character");
        return -1;
    }
    bpe_spec plain = *spec;
    uint32_t zeros[256] = {0};
    plain.byte_id = zeros; /* the byte tokens are not starting symbols here: kept apart */
    if (bpe_tables_init(&m->t, &plain, err, err_size)) return -1;
    for (int b = 0; b < 256; b++) {
        m->byte_token[b] = spec->byte_id[b];
        if (m->byte_token[b] != BPE_NONE && m->byte_token[b] > m->t.max_id) m->t.max_id = m->byte_token[b];
    }
    for (uint8_t c = 0; c < 128; c++) {
        piece_key key = key_of(&c, 1);
        if (!vocab_find(&m->t, &c, &key, &m->ascii_token[c])) m->ascii_token[c] = BPE_NONE;
    }
    m->unk_id = unk_id;
    if (unk_id != BPE_NONE && unk_id > m->t.max_id) m->t.max_id = unk_id;
    memcpy(m->space, space, space_len);
    m->space_len = (uint32_t)space_len;
    m->options = options;
    return 0;
}

void cb_free(cb_model *m) {
    bpe_tables_free(&m->t);
}

typedef struct {
    const cb_model *m;
    bpe_memo *memo;
    merge_scratch scratch;
    uint8_t *piece;           /* the piece being normalized */
    size_t piece_len, piece_cap;
    uint32_t *syms;           /* its starting symbols */
    size_t syms_cap;
} cb_state;

static int grow(void **p, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) return 0;
    size_t cap2 = *cap ? *cap : 256;
    while (cap2 < need) {
        if (cap2 > SIZE_MAX / 4 / size) return -1;
        cap2 *= 2;
    }
    void *q = realloc(*p, cap2 * size);
    if (!q) return -1;
    *p = q;
    *cap = cap2;
    return 0;
}

static int reserve_ids(bpe_ids *out, size_t more) {
    void *ids = out->ids;
    size_t cap = out->cap;
    if (grow(&ids, &cap, out->len + more, sizeof(uint32_t))) return -1;
    out->ids = ids;
    out->cap = cap;
    return 0;
}

static inline size_t char_len(uint8_t b) {
    return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
}

/* The starting symbols of p[0:n] into st->syms (as the reference's _initial_symbols, quirks and
 * all: a char that falls back to bytes does not end a pending unknown run); their number, or
 * (size_t)-1 when memory ran out. */
static size_t starting_symbols(cb_state *st, const uint8_t *p, size_t n) {
    const cb_model *m = st->m;
    if (grow((void **)&st->syms, &st->syms_cap, n + 1, sizeof(uint32_t))) return (size_t)-1;
    uint32_t *syms = st->syms;
    size_t k = 0;
    int unk = 0; /* an unknown run is pending (its token goes in when it ends) */
    for (size_t i = 0; i < n;) {
        size_t len = char_len(p[i]);
        if (i + len > n) len = n - i;
        uint32_t id = p[i] < 0x80 ? m->ascii_token[p[i]] : BPE_NONE;
        if (id == BPE_NONE && p[i] >= 0x80) {
            piece_key key = key_of(p + i, len);
            if (!vocab_find(&m->t, p + i, &key, &id)) id = BPE_NONE;
        }
        if (id != BPE_NONE) {
            if (unk) syms[k++] = m->unk_id;
            unk = 0;
            syms[k++] = id;
            i += len;
            continue;
        }
        if (m->options & CB_BYTE_FALLBACK) {
            int all = 1;
            for (size_t b = 0; b < len; b++) all &= m->byte_token[p[i + b]] != BPE_NONE;
            if (all) {
                for (size_t b = 0; b < len; b++) syms[k++] = m->byte_token[p[i + b]];
                i += len;
                continue;
            }
        }
        if (m->unk_id != BPE_NONE) {
            if (unk && !(m->options & CB_FUSE_UNK)) syms[k++] = m->unk_id;
            unk = 1;
        }
        i += len;
    }
    if (unk) syms[k++] = m->unk_id;
    return k;
}

static int encode_piece(cb_state *st, const uint8_t *p, size_t n, bpe_ids *out) {
    piece_key key;
    int memo = st->memo && n <= MEMO_MAX_PIECE;
    if (memo) {
        key = key_of(p, n);
        const uint32_t *hit = memo_find(st->memo, p, &key);
        if (hit) {
            if (reserve_ids(out, hit[0])) return -1;
            memcpy(out->ids + out->len, hit + 1, hit[0] * sizeof(uint32_t));
            out->len += hit[0];
            return 0;
        }
    }
    size_t k = starting_symbols(st, p, n);
    if (k == (size_t)-1 || reserve_ids(out, k)) return -1;
    size_t start = out->len;
    if (k <= LINEAR_MAX) bpe_merge_linear_ids(&st->m->t, st->syms, k, out);
    else if (bpe_merge_long_ids(&st->m->t, st->syms, k, out, &st->scratch)) return -1;
    if (memo) memo_add(st->memo, p, &key, out->ids + start, out->len - start);
    return 0;
}

/* Whether s[i] starts a space of the normalized text: ' ' or the replacement itself. */
static inline size_t space_at(const cb_model *m, const uint8_t *s, size_t i, size_t n) {
    if (s[i] == ' ') return 1;
    return i + m->space_len <= n && memcmp(s + i, m->space, m->space_len) == 0 ? m->space_len : 0;
}

int cb_encode(const cb_model *m, bpe_memo *memo, const uint8_t *s, size_t n, bpe_ids *out) {
    cb_state st;
    memset(&st, 0, sizeof(st));
    st.m = m;
    st.memo = memo;
    int rc = 0;
    int first = (m->options & CB_PREPEND) != 0;
    for (size_t i = 0; i < n && !rc;) {
        /* one piece: its run of spaces, then the run of other chars (to the end without CB_SPLIT) */
        size_t j = i, sp;
        st.piece_len = 0;
        if (grow((void **)&st.piece, &st.piece_cap, m->space_len, 1)) {
            rc = -1;
            break;
        }
        if (first) {
            memcpy(st.piece, m->space, m->space_len);
            st.piece_len = m->space_len;
            first = 0;
        }
        int in_word = 0;
        while (j < n) {
            sp = space_at(m, s, j, n);
            if (sp && in_word && (m->options & CB_SPLIT)) break;
            size_t len = sp ? sp : char_len(s[j]);
            if (j + len > n) len = n - j;
            if (grow((void **)&st.piece, &st.piece_cap, st.piece_len + 4, 1)) {
                rc = -1;
                break;
            }
            if (sp) {
                memcpy(st.piece + st.piece_len, m->space, m->space_len);
                st.piece_len += m->space_len;
            } else {
                memcpy(st.piece + st.piece_len, s + j, len);
                st.piece_len += len;
                in_word = 1;
            }
            j += len;
        }
        if (!rc) rc = encode_piece(&st, st.piece, st.piece_len, out);
        i = j;
    }
    bpe_merge_scratch_free(&st.scratch);
    free(st.piece);
    free(st.syms);
    return rc;
}
