/* WordPiece with BERT's normalizer and pre-tokenizer (see wordpiece.h).
 *
 * The reference runs its stages one after the other over the whole text: BertNormalizer's
 * clean_text (drop controls, whitespace -> ' '), Chinese chars spaced out, NFD with the
 * nonspacing marks dropped, lowercase; then the split on whitespace and punctuation; then
 * WordPiece on each word. Every stage but NFD maps one character at a time, so here each character
 * flows through all of them at once. NFD also reorders each run of characters with a nonzero
 * combining class (a stable sort by class); the nonspacing ones are dropped right after, so only
 * the few other marks (bert_tables.h: BT_MARK) are held back and sorted before they go on.
 *
 * The character facts come from bert_tables.h, generated from the reference's own answers
 * (tools/gen_bert_tables.py). Only ids are made; the reference gives tokens and offsets on demand.
 */
#include "wordpiece.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bert_tables.h"
#include "lookup.h"

static inline uint32_t flags_of(uint32_t cp) {
    return cp < 0x110000 ? bt_stage2[bt_stage1[cp >> 8]][cp & 255] : 0;
}

/* The replacement of cp in one of the generated maps (its length in *len), or NULL. */
static const uint32_t *map_find(const uint32_t *keys, const uint32_t *at, const uint32_t *pool, size_t n,
                                uint32_t cp, size_t *len) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (keys[mid] < cp) lo = mid + 1;
        else hi = mid;
    }
    if (lo == n || keys[lo] != cp) return NULL;
    *len = at[lo] & 15;
    return pool + (at[lo] >> 4);
}

static uint8_t mark_class(uint32_t cp) {
    size_t lo = 0, hi = BT_N_MARKS;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (bt_mark_cp[mid] < cp) lo = mid + 1;
        else hi = mid;
    }
    return lo < BT_N_MARKS && bt_mark_cp[lo] == cp ? bt_mark_ccc[lo] : 0;
}

static inline int maybe_token(const wp_model *m, const piece_key *k) {
    uint32_t bit = (k->hash >> 8) & WP_BLOOM_MASK;
    return (m->bloom[bit >> 6] >> (bit & 63)) & 1;
}

/* -- the encoder's state ------------------------------------------------------------------------ */

/* Words are gathered WORDS_BATCH at a time, then looked up together: the vocab (2 MB for BERT's
 * 30k tokens) does not fit the caches, and looking each word up as soon as it ended left the CPU
 * waiting on one cache miss at a time; with each batch's slots prefetched first, the misses
 * overlap (as in bpe.c). */
#define WORDS_BATCH 32

typedef struct {
    size_t at, len, chars; /* the word's bytes: buf[at:at+len] (prefix_len spare bytes before at) */
} wp_word;

typedef struct {
    const wp_model *m;
    bpe_ids *out;
    uint8_t *buf;        /* the batch's words, each after prefix_len spare bytes */
    size_t len, cap;     /* bytes used, room */
    wp_word words[WORDS_BATCH + 1]; /* the batch's words, and the one being gathered */
    size_t n_words;
    uint32_t *marks;     /* BT_MARK characters waiting for the end of their run */
    size_t n_marks, marks_cap;
    int oom;
} wp_state;

static int push_id(wp_state *st, uint32_t id) {
    bpe_ids *o = st->out;
    if (o->len == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 256;
        uint32_t *ids = realloc(o->ids, cap * sizeof(uint32_t));
        if (!ids) return st->oom = -1;
        o->ids = ids;
        o->cap = cap;
    }
    o->ids[o->len++] = id;
    return 0;
}

/* WordPiece of the word w[0:n]: greedy longest match from the left, later pieces looked up with
 * the prefix written just before them (over bytes already matched, or the spare bytes); the unk
 * token if any position has no match. */
static void wordpiece(wp_state *st, uint8_t *w, size_t n) {
    const wp_model *m = st->m;
    const bpe_tables *v = &m->vocab;
    size_t P = m->prefix_len, start = 0, mark = st->out->len;
    while (start < n) {
        size_t head = start ? P : 0, limit = v->max_token_len > head ? v->max_token_len - head : 0;
        size_t end = n - start < limit ? n - start : limit;
        while (end && start + end < n && (w[start + end] & 0xC0) == 0x80) end--; /* a char boundary */
        uint8_t *p = w + start - head;
        if (head) memcpy(p, m->prefix, P);
        int found = 0;
        while (end) {
            piece_key k = key_of(p, head + end);
            uint32_t id;
            if (maybe_token(m, &k) && vocab_find(v, p, &k, &id)) {
                if (push_id(st, id)) return;
                found = 1;
                break;
            }
            do end--; while (end && (w[start + end] & 0xC0) == 0x80);
        }
        if (!found) {
            st->out->len = mark;
            push_id(st, m->unk_id);
            return;
        }
        start += end;
    }
}

/* The ids of the batch's words: each whole word's slot prefetched, then looked up (most words
 * are one token), the others through `wordpiece`. */
static void flush_words(wp_state *st) {
    const wp_model *m = st->m;
    const bpe_tables *v = &m->vocab;
    piece_key key[WORDS_BATCH];
    size_t n = st->n_words;
    for (size_t q = 0; q < n; q++) {
        const wp_word *w = &st->words[q];
        if (w->chars > m->max_chars || w->len > v->max_token_len) continue;
        key[q] = key_of(st->buf + w->at, w->len);
        if (maybe_token(m, &key[q])) __builtin_prefetch(&v->vocab[key[q].hash & v->vocab_mask]);
    }
    for (size_t q = 0; q < n && !st->oom; q++) {
        const wp_word *w = &st->words[q];
        uint32_t id;
        if (w->chars > m->max_chars) push_id(st, m->unk_id);
        else if (w->len <= v->max_token_len && maybe_token(m, &key[q]) &&
                 vocab_find(v, st->buf + w->at, &key[q], &id))
            push_id(st, id);
        else wordpiece(st, st->buf + w->at, w->len);
    }
    st->n_words = 0;
    st->len = 0;
}

/* Room for `more` bytes at the end of the buffer. */
static int room(wp_state *st, size_t more) {
    if (st->len + more <= st->cap) return 0;
    size_t cap = st->cap ? st->cap : 1024;
    while (cap < st->len + more) cap *= 2;
    uint8_t *b = realloc(st->buf, cap);
    if (!b) return st->oom = -1;
    st->buf = b;
    st->cap = cap;
    return 0;
}

/* The word being gathered is done: keep it for the batch (nothing if it is empty). */
static void end_word(wp_state *st) {
    wp_word *w = &st->words[st->n_words];
    if (!w->chars) return;
    if (++st->n_words == WORDS_BATCH) flush_words(st);
    if (room(st, st->m->prefix_len)) return;
    st->len += st->m->prefix_len;
    st->words[st->n_words] = (wp_word){st->len, 0, 0};
}

static void add_char(wp_state *st, uint32_t c) {
    wp_word *w = &st->words[st->n_words];
    if (++w->chars > st->m->max_chars) return; /* the word is the unk token: its bytes do not matter */
    if (room(st, 4)) return;
    uint8_t *o = st->buf + st->len;
    if (c < 0x80) {
        o[0] = (uint8_t)c;
        st->len += 1;
    } else if (c < 0x800) {
        o[0] = (uint8_t)(0xC0 | (c >> 6));
        o[1] = (uint8_t)(0x80 | (c & 0x3F));
        st->len += 2;
    } else if (c < 0x10000) {
        o[0] = (uint8_t)(0xE0 | (c >> 12));
        o[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (uint8_t)(0x80 | (c & 0x3F));
        st->len += 3;
    } else {
        o[0] = (uint8_t)(0xF0 | (c >> 18));
        o[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
        o[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        o[3] = (uint8_t)(0x80 | (c & 0x3F));
        st->len += 4;
    }
    w->len = st->len - w->at;
}

/* The pre-tokenizer: whitespace ends a word, punctuation is a word of its own. */
static void to_words(wp_state *st, uint32_t c) {
    uint32_t f = flags_of(c);
    if (f & BT_WS) {
        end_word(st);
    } else if ((f & BT_PUNCT) && (st->m->options & WP_PUNCTUATION)) {
        end_word(st);
        add_char(st, c);
        end_word(st);
    } else {
        add_char(st, c);
    }
}

static void to_lower(wp_state *st, uint32_t c) {
    size_t len;
    const uint32_t *low;
    if ((st->m->options & WP_LOWERCASE) && (flags_of(c) & BT_LOWER) &&
        (low = map_find(bt_lower_cp, bt_lower_at, bt_lower_pool, BT_N_LOWER, c, &len))) {
        for (size_t k = 0; k < len; k++) to_words(st, low[k]);
    } else {
        to_words(st, c);
    }
}

/* The held-back marks in canonical order (stable by class), on to lowercase. */
static void flush_marks(wp_state *st) {
    size_t n = st->n_marks;
    uint32_t *a = st->marks;
    if (n > 1) {
        uint8_t cls[256] = {0};
        int sorted = 1;
        uint8_t last = 0;
        for (size_t k = 0; k < n; k++) {
            uint8_t c = mark_class(a[k]);
            if (c < last) sorted = 0;
            last = c;
            cls[c] = 1;
        }
        if (!sorted) { /* stable: one pass per class present, in class order (at most 255 passes) */
            uint32_t *tmp = malloc(n * sizeof(uint32_t));
            if (!tmp) {
                st->oom = -1;
                return;
            }
            size_t at = 0;
            for (int c = 1; c < 256; c++) {
                if (!cls[c]) continue;
                for (size_t k = 0; k < n; k++)
                    if (mark_class(a[k]) == c) tmp[at++] = a[k];
            }
            memcpy(a, tmp, n * sizeof(uint32_t));
            free(tmp);
        }
    }
    st->n_marks = 0;
    for (size_t k = 0; k < n; k++) to_lower(st, a[k]);
}

/* One character of NFD's output: a nonspacing mark is dropped, a mark of another kind waits for
 * the end of its run, anything else ends the run and goes on. */
static void after_nfd(wp_state *st, uint32_t c) {
    uint32_t f = flags_of(c);
    if (f & BT_CCC) {
        if (f & BT_MN) return;
        if (st->n_marks == st->marks_cap) {
            size_t cap = st->marks_cap ? st->marks_cap * 2 : 16;
            uint32_t *grown = realloc(st->marks, cap * sizeof(uint32_t));
            if (!grown) {
                st->oom = -1;
                return;
            }
            st->marks = grown;
            st->marks_cap = cap;
        }
        st->marks[st->n_marks++] = c;
        return;
    }
    if (st->n_marks) flush_marks(st);
    if (f & BT_MN) return;
    to_lower(st, c);
}

static void nfd(wp_state *st, uint32_t c) {
    if (!(st->m->options & WP_STRIP_ACCENTS)) {
        to_lower(st, c);
        return;
    }
    if (c >= 0xAC00 && c <= 0xD7A3) { /* a Hangul syllable: L V (T) */
        uint32_t s = c - 0xAC00;
        after_nfd(st, 0x1100 + s / 588);
        after_nfd(st, 0x1161 + s % 588 / 28);
        if (s % 28) after_nfd(st, 0x11A7 + s % 28);
        return;
    }
    size_t len;
    const uint32_t *d;
    if ((flags_of(c) & BT_NFD) && (d = map_find(bt_nfd_cp, bt_nfd_at, bt_nfd_pool, BT_N_NFD, c, &len))) {
        for (size_t k = 0; k < len; k++) after_nfd(st, d[k]);
    } else {
        after_nfd(st, c);
    }
}

/* clean_text and the Chinese chars, then on. */
static void one_char(wp_state *st, uint32_t c) {
    uint32_t f = flags_of(c);
    int opt = st->m->options;
    if (opt & WP_CLEAN_TEXT) {
        if (f & BT_CONTROL) return;
        if (f & BT_BERT_WS) c = ' ';
    }
    if ((opt & WP_CHINESE) && (f & BT_CHINESE)) {
        nfd(st, ' ');
        nfd(st, c);
        nfd(st, ' ');
        return;
    }
    nfd(st, c);
}

/* -- the model ---------------------------------------------------------------------------------- */

/* What the stages make of each ASCII char: below 0x80 the char that goes into the word (after
 * lowercase; NUL too, without clean_text), else dropped, a word boundary or punctuation (a word of
 * its own). ASCII has no decompositions, marks or Chinese chars, so only clean_text, lowercase and
 * the split matter. */
enum { ACT_DROP = 0x80, ACT_SPACE = 0x81, ACT_PUNCT = 0x82 };

static void ascii_actions(wp_model *m) {
    for (uint32_t c = 0; c < 128; c++) {
        uint32_t f = flags_of(c), x = c;
        if (m->options & WP_CLEAN_TEXT) {
            if (f & BT_CONTROL) {
                m->ascii_action[c] = ACT_DROP;
                continue;
            }
            if (f & BT_BERT_WS) x = ' ';
        }
        if ((m->options & WP_LOWERCASE) && x >= 'A' && x <= 'Z') x += 32;
        f = flags_of(x);
        m->ascii_action[c] = (f & BT_WS) ? ACT_SPACE
                           : ((f & BT_PUNCT) && (m->options & WP_PUNCTUATION)) ? ACT_PUNCT : (uint8_t)x;
    }
}

int wp_init(wp_model *m, const bpe_spec *vocab, uint32_t unk_id, const uint8_t *prefix, size_t prefix_len,
            uint32_t max_chars, int options, char *err, size_t err_size) {
    memset(m, 0, sizeof(*m));
    if (prefix_len > WP_MAX_PREFIX) {
        snprintf(err, err_size, "the continuing_subword_prefix is longer than %d bytes", WP_MAX_PREFIX);
        return -1;
    }
    if (bpe_tables_init(&m->vocab, vocab, err, err_size)) return -1;
    m->bloom = calloc(WP_BLOOM_BITS / 64, sizeof(uint64_t));
    if (!m->bloom) {
        bpe_tables_free(&m->vocab);
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    for (uint32_t i = 0; i <= m->vocab.vocab_mask; i++) {
        uint32_t tag = m->vocab.vocab[i].tag;
        if (!tag) continue;
        uint32_t bit = (tag >> 8) & WP_BLOOM_MASK; /* the tag keeps the hash's high 24 bits */
        m->bloom[bit >> 6] |= (uint64_t)1 << (bit & 63);
    }
    memcpy(m->prefix, prefix, prefix_len);
    m->prefix_len = (uint32_t)prefix_len;
    m->unk_id = unk_id;
    if (unk_id > m->vocab.max_id) m->vocab.max_id = unk_id;
    m->max_chars = max_chars;
    m->options = options;
    ascii_actions(m);
    return 0;
}

void wp_free(wp_model *m) {
    bpe_tables_free(&m->vocab);
    free(m->bloom);
    m->bloom = NULL;
}

int wp_encode(const wp_model *m, const uint8_t *s, size_t n, bpe_ids *out) {
    wp_state st;
    memset(&st, 0, sizeof(st));
    st.m = m;
    st.out = out;
    if (room(&st, m->prefix_len)) return -1;
    st.len = m->prefix_len;
    st.words[0].at = st.len;
    const uint8_t *act = m->ascii_action;
    size_t i = 0;
    while (i < n && !st.oom) {
        uint8_t b = s[i];
        if (b < 0x80) {
            i++;
            uint8_t a = act[b];
            if (a == ACT_DROP) continue; /* removed before NFD: it does not end a run of marks */
            if (st.n_marks) flush_marks(&st);
            if (a == ACT_SPACE) {
                end_word(&st);
            } else if (a == ACT_PUNCT) {
                end_word(&st);
                add_char(&st, b);
                end_word(&st);
            } else { /* a < 0x80: a run of ASCII chars that go into the word, copied in one go */
                size_t j = i;
                while (j < n && s[j] < 0x80 && act[s[j]] < 0x80) j++;
                wp_word *w = &st.words[st.n_words];
                size_t run = j - i + 1;
                if (w->chars + run > m->max_chars) { /* the word is the unk token: count, keep no bytes */
                    w->chars += run;
                    i = j;
                    continue;
                }
                if (room(&st, run)) break; /* no memory (st.oom is set) */
                uint8_t *o = st.buf + st.len;
                o[0] = a;
                for (size_t k = 1; k < run; k++) o[k] = act[s[i + k - 1]];
                st.len += run;
                w->chars += run;
                w->len = st.len - w->at;
                i = j;
            }
            continue;
        }
        uint32_t c;
        if (b < 0xE0) {
            c = ((uint32_t)(b & 0x1F) << 6) | (s[i + 1] & 0x3F);
            i += 2;
        } else if (b < 0xF0) {
            c = ((uint32_t)(b & 0x0F) << 12) | ((uint32_t)(s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
            i += 3;
        } else {
            c = ((uint32_t)(b & 0x07) << 18) | ((uint32_t)(s[i + 1] & 0x3F) << 12) |
                ((uint32_t)(s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
            i += 4;
        }
        one_char(&st, c);
    }
    if (!st.oom && st.n_marks) flush_marks(&st);
    if (!st.oom) end_word(&st);
    if (!st.oom && st.n_words) flush_words(&st);
    free(st.buf);
    free(st.marks);
    return st.oom;
}
