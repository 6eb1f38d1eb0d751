/* Byte-level BPE on UTF-8 bytes (see bpe.h): building the tables, the memo, the encode loop.
 *
 * A piece (one match of the pre-tokenizer pattern) becomes ids in one of four ways, cheapest
 * first:
 *   1. one byte: its starting symbol;
 *   2. with ignore_merges (tiktoken's rule, and Llama 3's), the whole piece looked up in the vocab:
 *      80-90% of the pieces of ordinary text are a single token, and one probe settles them;
 *   3. the memo of pieces merged before;
 *   4. the merges (merge.c), and the result goes into the memo.
 * Without the memo, merging was half of the time on en.txt (17% of its pieces, 30% of its bytes,
 * are not single tokens: markup runs, rare words) and 80% on multi.txt; pieces repeat, so most of
 * that work was done before.
 */
#define _DEFAULT_SOURCE 1 /* posix_memalign, madvise */
#define _POSIX_C_SOURCE 200809L
#include "bpe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lookup.h"
#include "scan.h"

/* Pieces longer than this are merged every time (rare; the tag holds lengths up to 254). */
#define MEMO_MAX_PIECE 254

/* -- building the tables ---------------------------------------------------------------------- */

/* Zeroed memory for a hash table. Lookups land anywhere in tables of 2-8 MB, so with 4 KB pages
 * nearly every probe also missed the TLB; tables of 1 MB or more are therefore 2 MB-aligned and
 * asked for transparent huge pages (where the kernel has them on madvise; elsewhere this is plain
 * memory). Freed with free(). */
static void *table_alloc(size_t bytes) {
    const size_t huge = (size_t)2 << 20;
    if (bytes < huge / 2) return calloc(1, bytes ? bytes : 1);
    size_t rounded = (bytes + huge - 1) & ~(huge - 1);
    void *p = NULL;
    if (posix_memalign(&p, huge, rounded)) return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, rounded, MADV_HUGEPAGE);
#endif
    memset(p, 0, rounded);
    return p;
}

static uint32_t table_size(size_t n) {
    uint32_t size = 16;
    while (size < 2 * n) size <<= 1;
    return size;
}

static int fail(char *err, size_t err_size, const char *msg) {
    snprintf(err, err_size, "%s", msg);
    return -1;
}

static int init_vocab(bpe_tables *t, const bpe_spec *spec, char *err, size_t err_size) {
    size_t total = 0;
    for (size_t k = 0; k < spec->n_tokens; k++) {
        if (spec->token_lens[k] == 0) return fail(err, err_size, "a token has no bytes");
        total += spec->token_lens[k];
        if (spec->token_lens[k] > t->max_token_len) t->max_token_len = spec->token_lens[k];
        if (spec->token_ids[k] > t->max_id) t->max_id = spec->token_ids[k];
    }
    if (total != spec->blob_len || total >= UINT32_MAX)
        return fail(err, err_size, "the token lengths do not add up to the token bytes");
    uint32_t size = table_size(spec->n_tokens);
    t->blob = malloc(total ? total : 1);
    t->vocab = table_alloc((size_t)size * sizeof(bpe_slot));
    if (!t->blob || !t->vocab) return fail(err, err_size, "out of memory");
    memcpy(t->blob, spec->blob, total);
    t->vocab_mask = size - 1;
    uint32_t off = 0;
    for (size_t k = 0; k < spec->n_tokens; off += spec->token_lens[k], k++) {
        const uint8_t *p = t->blob + off;
        uint32_t len = spec->token_lens[k], id;
        piece_key key = key_of(p, len);
        if (vocab_find(t, p, &key, &id)) continue; /* the first of equal tokens wins */
        uint32_t i = key.hash & t->vocab_mask;
        while (t->vocab[i].tag) i = (i + 1) & t->vocab_mask;
        t->vocab[i] = (bpe_slot){{key.head[0], key.head[1]}, tag_of(&key), spec->token_ids[k], off + 16, len};
    }
    return 0;
}

static int init_pairs(bpe_tables *t, const bpe_spec *spec, char *err, size_t err_size) {
    uint32_t size = table_size(spec->n_pairs);
    t->pairs = table_alloc((size_t)size * sizeof(bpe_pair_slot));
    if (!t->pairs) return fail(err, err_size, "out of memory");
    for (uint32_t i = 0; i < size; i++) t->pairs[i].rank = BPE_NONE;
    t->pair_mask = size - 1;
    for (size_t k = 0; k < spec->n_pairs; k++) {
        uint32_t left = spec->left[k], right = spec->right[k];
        if (spec->rank[k] == BPE_NONE) return fail(err, err_size, "a merge rank is too large");
        if (spec->merged[k] > t->max_id) t->max_id = spec->merged[k];
        if (spec->rank[k] > t->max_rank) t->max_rank = spec->rank[k];
        uint32_t i = hash_pair(left, right) & t->pair_mask;
        while (t->pairs[i].rank != BPE_NONE && !(t->pairs[i].left == left && t->pairs[i].right == right))
            i = (i + 1) & t->pair_mask;
        t->pairs[i] = (bpe_pair_slot){left, right, spec->rank[k], spec->merged[k]};  /* the last wins */
    }
    return 0;
}

int bpe_tables_init(bpe_tables *t, const bpe_spec *spec, char *err, size_t err_size) {
    memset(t, 0, sizeof(*t));
    if (spec->n_tokens >= (1u << 30) || spec->n_pairs >= (1u << 30))
        return fail(err, err_size, "too many tokens or merges");
    for (int b = 0; b < 256; b++) {
        t->byte_id[b] = spec->byte_id[b];
        if (t->byte_id[b] > t->max_id) t->max_id = t->byte_id[b];
    }
    t->ignore_merges = spec->ignore_merges;
    if (init_vocab(t, spec, err, err_size) || init_pairs(t, spec, err, err_size)) {
        bpe_tables_free(t);
        return -1;
    }
    return 0;
}

void bpe_tables_free(bpe_tables *t) {
    free(t->blob);
    free(t->vocab);
    free(t->pairs);
    memset(t, 0, sizeof(*t));
}

/* -- the memo --------------------------------------------------------------------------------- */

bpe_memo *bpe_memo_new(uint32_t entries) {
    bpe_memo *m = calloc(1, sizeof(bpe_memo));
    if (!m) return NULL;
    uint32_t size = table_size(entries);
    m->slots = calloc(size, sizeof(bpe_slot));
    m->mask = size - 1;
    m->arena_cap = (size_t)entries * 8;  /* ~8 uint32 per entry: pieces of 2-3 ids, tails */
    m->arena = malloc(m->arena_cap * sizeof(uint32_t));
    if (!m->slots || !m->arena) {
        bpe_memo_free(m);
        return NULL;
    }
    return m;
}

void bpe_memo_free(bpe_memo *m) {
    if (!m) return;
    free(m->slots);
    free(m->arena);
    free(m);
}

/* -- encoding --------------------------------------------------------------------------------- */

/* Room for `more` ids at the end of out. */
static inline int reserve(bpe_ids *out, size_t more) {
    if (out->cap - out->len >= more) return 0;
    size_t cap = out->cap ? out->cap : 256;
    while (cap - out->len < more) {
        if (cap > SIZE_MAX / 8) return -1;
        cap *= 2;
    }
    uint32_t *ids = realloc(out->ids, cap * sizeof(uint32_t));
    if (!ids) return -1;
    out->ids = ids;
    out->cap = cap;
    return 0;
}

typedef struct {
    const bpe_tables *t;
    bpe_memo *memo;
    merge_scratch scratch;
} encoder;

/* The single id of piece p[0:n] (key k) if it is one byte or, with ignore_merges, one token;
 * else BPE_NONE. */
static inline uint32_t single_id(const bpe_tables *t, const uint8_t *p, const piece_key *k) {
    uint32_t id;
    if (k->len == 1) return t->byte_id[p[0]];
    if (t->ignore_merges && k->len <= t->max_token_len && vocab_find(t, p, k, &id)) return id;
    return BPE_NONE;
}

/* Append the ids of a piece that is not a single id: from the memo, or merged (and memoized). */
static inline int encode_merged(encoder *e, const uint8_t *p, const piece_key *k, bpe_ids *out) {
    size_t n = k->len;
    int memo = e->memo && n <= MEMO_MAX_PIECE;
    const uint32_t *hit = memo ? memo_find(e->memo, p, k) : NULL;
    if (hit) {
        memcpy(out->ids + out->len, hit + 1, hit[0] * sizeof(uint32_t));
        out->len += hit[0];
        return 0;
    }
    size_t start = out->len;
    if (n <= LINEAR_MAX) bpe_merge_linear(e->t, p, n, out);
    else if (bpe_merge_long(e->t, p, n, out, &e->scratch)) return -1;
    if (memo) memo_add(e->memo, p, k, out->ids + start, out->len - start);
    return 0;
}

static inline int encode_piece(encoder *e, const uint8_t *p, size_t n, bpe_ids *out) {
    piece_key k = key_of(p, n);
    if (reserve(out, n)) return -1; /* a piece never gives more ids than it has bytes */
    uint32_t id = single_id(e->t, p, &k);
    if (id == BPE_NONE) return encode_merged(e, p, &k, out);
    out->ids[out->len++] = id;
    return 0;
}

int bpe_encode_piece(const bpe_tables *t, const uint8_t *s, size_t n, bpe_ids *out) {
    encoder e = {t, NULL, {0}};
    int rc = n ? encode_piece(&e, s, n, out) : 0;
    bpe_merge_scratch_free(&e.scratch);
    return rc;
}

/* The encode loop, inlined once per pattern (pattern is a constant there, so each scanner is
 * inlined into its own copy).
 *
 * It works in batches of BATCH pieces, in three passes: cut them and prefetch each one's vocab
 * slot; look them up, prefetching the memo slot of those that are no token; then write the ids.
 * The vocab (2-16 MB) and the memo do not fit the caches, and a lookup right after the cut left
 * the CPU waiting on one cache miss at a time (half the time of the whole encode was these
 * loads); issued a batch ahead, the misses overlap. */
#define BATCH 16
SUBTOK_INLINE int encode_loop(encoder *e, int pattern, const uint8_t *s, size_t n, bpe_ids *out) {
    const bpe_tables *t = e->t;
    bpe_memo *memo = e->memo;
    scan_cursor cursor;
    cursor_init(&cursor, s, n);
    size_t start[BATCH];
    piece_key key[BATCH];
    uint32_t single[BATCH];
    for (size_t i = 0; i < n;) {
        size_t k = 0, total = 0;
        for (; k < BATCH && i < n; k++) {
            size_t j = cursor_next(&cursor, pattern, i);
            start[k] = i;
            key[k] = i + 16 <= n ? key_of_padded(s + i, j - i) : key_of(s + i, j - i);
            __builtin_prefetch(&t->vocab[key[k].hash & t->vocab_mask]);
            total += j - i;
            i = j;
        }
        for (size_t q = 0; q < k; q++) {
            single[q] = single_id(t, s + start[q], &key[q]);
            if (single[q] == BPE_NONE && memo) __builtin_prefetch(&memo->slots[key[q].hash & memo->mask]);
        }
        if (reserve(out, total)) return -1;
        for (size_t q = 0; q < k; q++) {
            if (single[q] != BPE_NONE) out->ids[out->len++] = single[q];
            else if (encode_merged(e, s + start[q], &key[q], out)) return -1;
        }
    }
    return 0;
}

int bpe_encode(const bpe_tables *t, bpe_memo *memo, int pattern, const uint8_t *s, size_t n, bpe_ids *out) {
    encoder e = {t, memo, {0}};
    int rc = -1;
    switch (pattern) {
    case PATTERN_GPT2: rc = encode_loop(&e, PATTERN_GPT2, s, n, out); break;
    case PATTERN_CL100K: rc = encode_loop(&e, PATTERN_CL100K, s, n, out); break;
    case PATTERN_O200K: rc = encode_loop(&e, PATTERN_O200K, s, n, out); break;
    }
    bpe_merge_scratch_free(&e.scratch);
    return rc;
}

/* -- tiktoken's ranks -> merges ----------------------------------------------------------------- */

typedef struct {
    uint32_t left, right, merged;
} rank_merge;

static int by_merged(const void *a, const void *b) {
    uint32_t x = ((const rank_merge *)a)->merged, y = ((const rank_merge *)b)->merged;
    return (x > y) - (x < y);
}

/* The id of p[0:n] if it is a token and not the whole token being cut (whole_len), else BPE_NONE. */
static inline uint32_t part_rank(const bpe_tables *t, const uint8_t *p, size_t n, size_t whole_len) {
    uint32_t id;
    if (n == whole_len) return BPE_NONE;
    piece_key key = key_of(p, n);
    return vocab_find(t, p, &key, &id) ? id : BPE_NONE;
}

int bpe_rank_merges(const bpe_spec *spec, uint32_t **out, size_t *n_out, char *err, size_t err_size) {
    bpe_tables t;
    *out = NULL;
    *n_out = 0;
    if (bpe_tables_init(&t, spec, err, err_size)) return -1;
    size_t cap = t.max_token_len + 1;
    uint32_t *cut = malloc(cap * sizeof(uint32_t)), *rank = malloc(cap * sizeof(uint32_t));
    rank_merge *merges = malloc((spec->n_tokens ? spec->n_tokens : 1) * sizeof(rank_merge));
    int rc = -1;
    if (!cut || !rank || !merges) {
        fail(err, err_size, "out of memory");
        goto done;
    }
    size_t count = 0, off = 0;
    for (size_t k = 0; k < spec->n_tokens; off += spec->token_lens[k], k++) {
        const uint8_t *p = spec->blob + off;
        size_t n = spec->token_lens[k], parts = n;
        if (n < 2) continue;
        for (size_t i = 0; i <= n; i++) cut[i] = (uint32_t)i;
        for (size_t i = 0; i + 1 < n; i++) rank[i] = part_rank(&t, p + i, 2, n);
        while (parts > 2) { /* merge the lowest-ranked pair (the leftmost of equals), as tiktoken */
            size_t i = 0;
            for (size_t j = 1; j + 1 < parts; j++)
                if (rank[j] < rank[i]) i = j;
            if (rank[i] == BPE_NONE) break;
            memmove(cut + i + 1, cut + i + 2, (parts - i - 1) * sizeof(uint32_t));
            memmove(rank + i, rank + i + 1, (parts - i - 2) * sizeof(uint32_t));
            parts--;
            if (i > 0) rank[i - 1] = part_rank(&t, p + cut[i - 1], cut[i + 1] - cut[i - 1], n);
            if (i + 1 < parts) rank[i] = part_rank(&t, p + cut[i], cut[i + 2] - cut[i], n);
        }
        if (parts != 2) continue; /* tiktoken never builds this token */
        uint32_t left, right;
        piece_key a = key_of(p, cut[1]), b = key_of(p + cut[1], n - cut[1]);
        if (vocab_find(&t, p, &a, &left) && vocab_find(&t, p + cut[1], &b, &right))
            merges[count++] = (rank_merge){left, right, spec->token_ids[k]};
    }
    qsort(merges, count, sizeof(rank_merge), by_merged);
    *out = (uint32_t *)merges;
    *n_out = count;
    merges = NULL;
    rc = 0;
done:
    free(cut);
    free(rank);
    free(merges);
    bpe_tables_free(&t);
    return rc;
}
