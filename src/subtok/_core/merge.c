/* Merging one piece: repeatedly merge the adjacent pair of lowest rank, the leftmost one on ties
 * (Hugging Face's order; subtok/models/bpe.py is the reference).
 *
 * Three tiers, by piece length:
 *   - up to LINEAR_MAX bytes: a linear scan over the pairs, all on the stack: for a few dozen
 *     symbols that beats any heap;
 *   - up to BUCKET_MIN bytes: an indexed binary heap keyed by (rank, position), one entry per live
 *     symbol (the pair it starts), updated in place; a lazy heap, as in the Python reference, is
 *     simpler but holds up to three entries per byte;
 *   - longer: a bucket queue over the ranks (see merge_buckets below). The heap took 2-3 s on
 *     "a" * 1_000_000 (log n levels of arrays far bigger than the caches); the buckets make it
 *     near-linear, where tiktoken's merge loop is O(n^2).
 * The scratch memory for one huge piece is what bounds the input size here (a few uint32 per byte).
 */
#include <stdlib.h>
#include <string.h>

#include "lookup.h"

/* Short pieces: find the lowest-ranked pair by scanning, merge it, fix its two neighbours' ranks.
 * A pair's rank and merged id travel together (rank in the high half), so one array shifts when a
 * symbol goes; the first lookups of all pairs are prefetched together (they are independent
 * misses in a table of several MB, and CJK text has long pieces made only of them). */
void bpe_merge_linear(const bpe_tables *t, const uint8_t *p, size_t n, bpe_ids *out) {
    uint32_t ids[LINEAR_MAX];
    for (size_t i = 0; i < n; i++) ids[i] = t->byte_id[p[i]];
    bpe_merge_linear_ids(t, ids, n, out);
}

void bpe_merge_linear_ids(const bpe_tables *t, const uint32_t *start, size_t n, bpe_ids *out) {
    uint32_t ids[LINEAR_MAX];
    uint64_t pair[LINEAR_MAX]; /* rank << 32 | merged id of (ids[i], ids[i + 1]); UINT64_MAX: none */
    size_t m = n;
    memcpy(ids, start, n * sizeof(uint32_t));
    for (size_t i = 0; i + 1 < m; i++) __builtin_prefetch(&t->pairs[hash_pair(ids[i], ids[i + 1]) & t->pair_mask]);
    for (size_t i = 0; i + 1 < m; i++) pair[i] = pair_lookup(t, ids[i], ids[i + 1]);
    while (m > 1) {
        uint64_t best = UINT64_MAX;
        size_t at = 0;
        for (size_t i = 0; i + 1 < m; i++) /* the lowest rank; the leftmost of equal ones */
            if ((pair[i] >> 32) < (best >> 32)) {
                best = pair[i];
                at = i;
            }
        if (best == UINT64_MAX) break;
        ids[at] = (uint32_t)best;
        /* the two new pairs' slots are likely misses: ask for them before the shifting */
        if (at > 0) __builtin_prefetch(&t->pairs[hash_pair(ids[at - 1], ids[at]) & t->pair_mask]);
        if (at + 2 < m) __builtin_prefetch(&t->pairs[hash_pair(ids[at], ids[at + 2]) & t->pair_mask]);
        for (size_t i = at + 1; i + 1 < m; i++) ids[i] = ids[i + 1];
        for (size_t i = at + 1; i + 2 < m; i++) pair[i] = pair[i + 1];
        m--;
        if (at > 0) pair[at - 1] = pair_lookup(t, ids[at - 1], ids[at]);
        if (at + 1 < m) pair[at] = pair_lookup(t, ids[at], ids[at + 1]);
    }
    memcpy(out->ids + out->len, ids, m * sizeof(uint32_t));
    out->len += m;
}

/* -- long pieces: symbols in a doubly linked list ---------------------------------------------- */

/* Per symbol x: its id, neighbours, and the rank and result of merging it with the next symbol
 * (rank BPE_NONE: no merge, or x was merged away). */
typedef struct {
    uint32_t *ids, *next, *prev, *rank, *merged;
} symbols;

static inline uint32_t rank_after(const bpe_tables *t, symbols *sy, uint32_t x) {
    uint32_t y = sy->next[x];
    return y == BPE_NONE ? BPE_NONE : pair_find(t, sy->ids[x], sy->ids[y], &sy->merged[x]);
}

/* Room in sc->buf for `per_symbol` arrays of n uint32. */
static uint32_t *symbol_arrays(merge_scratch *sc, size_t n, size_t per_symbol) {
    if (n >= BPE_NONE || per_symbol * n > SIZE_MAX / sizeof(uint32_t) / 2) return NULL;
    if (sc->buf_n < per_symbol * n) {
        uint32_t *buf = realloc(sc->buf, per_symbol * n * sizeof(uint32_t));
        if (!buf) return NULL;
        sc->buf = buf;
        sc->buf_n = per_symbol * n;
    }
    return sc->buf;
}

/* The starting symbols: the bytes of p (each its byte's id), or the ids `start` when p is NULL. */
static void symbols_init(const bpe_tables *t, symbols *sy, const uint8_t *p, const uint32_t *start, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        sy->ids[i] = p ? t->byte_id[p[i]] : start[i];
        sy->next[i] = i + 1 < n ? i + 1 : BPE_NONE;
        sy->prev[i] = i ? i - 1 : BPE_NONE;
    }
    for (uint32_t i = 0; i + 1 < n; i++) __builtin_prefetch(&t->pairs[hash_pair(sy->ids[i], sy->ids[i + 1]) & t->pair_mask]);
    for (uint32_t i = 0; i < n; i++) sy->rank[i] = rank_after(t, sy, i);
}

/* Merge x with the next symbol: x and its left neighbour get their new pairs' ranks. */
static inline void merge_at(const bpe_tables *t, symbols *sy, uint32_t x) {
    uint32_t y = sy->next[x], z = sy->next[y];
    sy->ids[x] = sy->merged[x];
    sy->rank[y] = BPE_NONE;
    sy->next[x] = z;
    if (z != BPE_NONE) sy->prev[z] = x;
    sy->rank[x] = rank_after(t, sy, x);
    uint32_t w = sy->prev[x];
    if (w != BPE_NONE) sy->rank[w] = rank_after(t, sy, w);
}

static void symbols_emit(const symbols *sy, bpe_ids *out) {
    for (uint32_t x = 0; x != BPE_NONE; x = sy->next[x]) out->ids[out->len++] = sy->ids[x];
}

/* Pieces of up to BUCKET_MIN bytes: an indexed min-heap of the symbols that start a mergeable
 * pair, ordered by (rank, position) -- leftmost on ties. */
typedef struct {
    symbols *sy;
    uint32_t *heap, *where;
    size_t size;
} heap_state;

static inline int heap_less(const heap_state *h, uint32_t x, uint32_t y) {
    const uint32_t *rank = h->sy->rank;
    return rank[x] < rank[y] || (rank[x] == rank[y] && x < y);
}

static void sift_up(heap_state *h, size_t k) {
    uint32_t x = h->heap[k];
    while (k > 0) {
        size_t parent = (k - 1) / 2;
        uint32_t y = h->heap[parent];
        if (!heap_less(h, x, y)) break;
        h->heap[k] = y;
        h->where[y] = (uint32_t)k;
        k = parent;
    }
    h->heap[k] = x;
    h->where[x] = (uint32_t)k;
}

static void sift_down(heap_state *h, size_t k) {
    uint32_t x = h->heap[k];
    for (;;) {
        size_t c = 2 * k + 1;
        if (c >= h->size) break;
        if (c + 1 < h->size && heap_less(h, h->heap[c + 1], h->heap[c])) c++;
        uint32_t y = h->heap[c];
        if (!heap_less(h, y, x)) break;
        h->heap[k] = y;
        h->where[y] = (uint32_t)k;
        k = c;
    }
    h->heap[k] = x;
    h->where[x] = (uint32_t)k;
}

/* Symbol x's pair changed (to h->sy->rank[x]; BPE_NONE: out of the heap). */
static void heap_update(heap_state *h, uint32_t x) {
    uint32_t k = h->where[x];
    if (h->sy->rank[x] == BPE_NONE) {
        if (k == BPE_NONE) return;
        h->where[x] = BPE_NONE;
        h->size--;
        if (k == h->size) return;
        uint32_t last = h->heap[h->size];
        h->heap[k] = last;
        h->where[last] = k;
        sift_up(h, k);
        sift_down(h, h->where[last]);
        return;
    }
    if (k == BPE_NONE) {
        k = (uint32_t)h->size++;
        h->heap[k] = x;
        h->where[x] = k;
    }
    sift_up(h, k);
    sift_down(h, h->where[x]);
}

static int merge_heap(const bpe_tables *t, const uint8_t *p, const uint32_t *start, uint32_t n, bpe_ids *out,
                      merge_scratch *sc) {
    uint32_t *buf = symbol_arrays(sc, n, 7);
    if (!buf) return -1;
    symbols sy = {buf, buf + n, buf + 2 * (size_t)n, buf + 3 * (size_t)n, buf + 4 * (size_t)n};
    heap_state h = {&sy, buf + 5 * (size_t)n, buf + 6 * (size_t)n, 0};
    symbols_init(t, &sy, p, start, n);
    for (uint32_t i = 0; i < n; i++) {
        h.where[i] = BPE_NONE;
        if (sy.rank[i] != BPE_NONE) {
            h.heap[h.size] = i;
            h.where[i] = (uint32_t)h.size++;
        }
    }
    for (size_t k = h.size / 2; k-- > 0;) sift_down(&h, k);
    while (h.size) { /* merge_at's steps, each key change followed at once by its heap update */
        uint32_t x = h.heap[0], y = sy.next[x], z = sy.next[y];
        sy.ids[x] = sy.merged[x];
        sy.rank[y] = BPE_NONE;
        heap_update(&h, y);
        sy.next[x] = z;
        if (z != BPE_NONE) sy.prev[z] = x;
        sy.rank[x] = rank_after(t, &sy, x);
        heap_update(&h, x);
        uint32_t w = sy.prev[x];
        if (w != BPE_NONE) {
            sy.rank[w] = rank_after(t, &sy, w);
            heap_update(&h, w);
        }
    }
    symbols_emit(&sy, out);
    return 0;
}

/* Longer pieces: a bucket queue over the ranks. The heap's every update walks log n levels of
 * arrays far bigger than the caches ("a" * 1_000_000 took 2-3 s with it); here filing a pair is
 * O(1), and the ranks are visited in increasing order with a two-level bitmap of the non-empty
 * buckets. A bucket's positions are merged left to right; a merge never makes a new pair of the
 * same rank (the new pairs hold the new, longer token), so the bucket's content is fixed while it
 * is being merged. Merge tables where a merge can make a pair of *lower* rank than its own (not
 * BPE-trained ones) still come out right: the rest of the bucket goes back and the lower rank is
 * taken first. The bucket heads (one per rank) are allocated once per call and left empty. */
static int bucket_tables(merge_scratch *sc, size_t n_ranks) {
    if (sc->heads) return 0;
    size_t words = (n_ranks + 63) / 64;
    sc->heads = malloc(n_ranks * sizeof(uint32_t));
    sc->bits = calloc(words + (words + 63) / 64, sizeof(uint64_t));
    if (!sc->heads || !sc->bits) return -1;
    memset(sc->heads, 0xFF, n_ranks * sizeof(uint32_t));
    sc->words = words;
    return 0;
}

static inline void bucket_mark(merge_scratch *sc, uint32_t r) {
    sc->bits[r / 64] |= 1ULL << (r % 64);
    sc->bits[sc->words + r / 4096] |= 1ULL << ((r / 64) % 64);
}

static inline void bucket_unmark(merge_scratch *sc, uint32_t r) {
    sc->bits[r / 64] &= ~(1ULL << (r % 64));
    if (!sc->bits[r / 64]) sc->bits[sc->words + r / 4096] &= ~(1ULL << ((r / 64) % 64));
}

/* The lowest non-empty bucket at or above `from`, or BPE_NONE. */
static uint32_t bucket_next(const merge_scratch *sc, uint32_t from) {
    size_t w = from / 64, words = sc->words, summary = (words + 63) / 64;
    if (w >= words) return BPE_NONE;
    uint64_t bits = sc->bits[w] & (~0ULL << (from % 64));
    if (bits) return (uint32_t)(w * 64 + (size_t)__builtin_ctzll(bits));
    size_t s = (w + 1) / 64;
    uint64_t top = s < summary ? sc->bits[words + s] & (((w + 1) % 64) ? ~0ULL << ((w + 1) % 64) : ~0ULL) : 0;
    while (!top) {
        if (++s >= summary) return BPE_NONE;
        top = sc->bits[words + s];
    }
    w = s * 64 + (size_t)__builtin_ctzll(top);
    return (uint32_t)(w * 64 + (size_t)__builtin_ctzll(sc->bits[w]));
}

/* A bucket is a chain of blocks of BLOCK uint32 (one cache line): the next, older block, how many
 * positions this one holds, and up to BLOCK - 2 positions. One entry per list node made taking a
 * bucket a chase of one cache miss per position through a pool of tens of MB (half the time of a
 * 1 MB piece); blocks make it one miss per 14 positions. */
#define BLOCK 16

static int bucket_push(merge_scratch *sc, uint32_t r, uint32_t pos) {
    uint32_t b = sc->heads[r];
    if (b == BPE_NONE || sc->pool[b + 1] == BLOCK - 2) {
        if (sc->pool_len + BLOCK > sc->pool_cap) {
            size_t cap = sc->pool_cap ? 2 * sc->pool_cap : 4096 * BLOCK;
            uint32_t *pool = cap < BPE_NONE ? realloc(sc->pool, cap * sizeof(uint32_t)) : NULL;
            if (!pool) return -1;
            sc->pool = pool;
            sc->pool_cap = cap;
        }
        uint32_t fresh = (uint32_t)sc->pool_len;
        sc->pool_len += BLOCK;
        sc->pool[fresh] = b;
        sc->pool[fresh + 1] = 0;
        if (b == BPE_NONE) bucket_mark(sc, r);
        sc->heads[r] = b = fresh;
    }
    sc->pool[b + 2 + sc->pool[b + 1]++] = pos;
    return 0;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Empty bucket r into sc->pos in increasing order; returns how many, or SIZE_MAX when out of
 * memory. The newest positions come first (a bucket filled left to right is reversed, not sorted). */
static size_t bucket_take(merge_scratch *sc, uint32_t r) {
    size_t k = 0;
    for (uint32_t b = sc->heads[r]; b != BPE_NONE; b = sc->pool[b]) {
        uint32_t count = sc->pool[b + 1];
        if (sc->pool[b] != BPE_NONE) __builtin_prefetch(&sc->pool[sc->pool[b]]);
        if (k + count > sc->pos_cap) {
            size_t cap = sc->pos_cap ? 2 * sc->pos_cap : 4096;
            while (cap < k + count) cap *= 2;
            uint32_t *more = realloc(sc->pos, cap * sizeof(uint32_t));
            if (!more) return SIZE_MAX;
            sc->pos = more;
            sc->pos_cap = cap;
        }
        while (count) sc->pos[k++] = sc->pool[b + 2 + --count];
    }
    uint32_t *pos = sc->pos;
    sc->heads[r] = BPE_NONE;
    bucket_unmark(sc, r);
    int ascending = 1, descending = 1;
    for (size_t i = 1; i < k; i++) {
        ascending &= pos[i - 1] < pos[i];
        descending &= pos[i - 1] > pos[i];
    }
    if (descending) {
        for (size_t i = 0, j = k - 1; i < j; i++, j--) {
            uint32_t tmp = pos[i];
            pos[i] = pos[j];
            pos[j] = tmp;
        }
    } else if (!ascending) {
        qsort(pos, k, sizeof(uint32_t), cmp_u32);
    }
    return k;
}

/* Merge the valid entries of bucket r (positions pos[0:k], increasing). Returns the lowest rank a
 * merge made below r (the rest of the bucket is filed again), or r when there was none; BPE_NONE-1
 * on running out of memory. */
static uint32_t merge_bucket(const bpe_tables *t, symbols *sy, merge_scratch *sc, uint32_t r,
                             const uint32_t *pos, size_t k) {
    for (size_t i = 0; i < k; i++) {
        if (i + 8 < k) { /* the positions are scattered over arrays of several MB: fetch ahead */
            __builtin_prefetch(&sy->rank[pos[i + 8]]);
            __builtin_prefetch(&sy->next[pos[i + 8]]);
            __builtin_prefetch(&sy->ids[pos[i + 8]]);
        }
        uint32_t x = pos[i], w = sy->prev[x];
        if (sy->rank[x] != r) continue; /* merged away, or its pair changed since it was filed */
        merge_at(t, sy, x);
        uint32_t lowest = r;
        if (sy->rank[x] != BPE_NONE) {
            if (bucket_push(sc, sy->rank[x], x)) return BPE_NONE - 1;
            if (sy->rank[x] < lowest) lowest = sy->rank[x];
        }
        if (w != BPE_NONE && sy->rank[w] != BPE_NONE) {
            if (bucket_push(sc, sy->rank[w], w)) return BPE_NONE - 1;
            if (sy->rank[w] < lowest) lowest = sy->rank[w];
        }
        /* A new pair of lower rank goes first; so does one of the same rank (possible only where
         * several merges share a rank, as sentencepiece's do): it lies left of the rest of the
         * bucket, and equal ranks merge leftmost first. The rest is filed again either way. */
        if (lowest < r || (sy->rank[x] == r) || (w != BPE_NONE && sy->rank[w] == r)) {
            for (size_t j = i + 1; j < k; j++)
                if (bucket_push(sc, r, pos[j])) return BPE_NONE - 1;
            return lowest;
        }
    }
    return r;
}

static int merge_buckets(const bpe_tables *t, const uint8_t *p, const uint32_t *start, uint32_t n, bpe_ids *out,
                         merge_scratch *sc) {
    uint32_t *buf = symbol_arrays(sc, n, 5);
    if (!buf || bucket_tables(sc, (size_t)t->max_rank + 1)) return -1;
    symbols sy = {buf, buf + n, buf + 2 * (size_t)n, buf + 3 * (size_t)n, buf + 4 * (size_t)n};
    symbols_init(t, &sy, p, start, n);
    sc->pool_len = 0;
    int rc = 0;
    for (uint32_t i = 0; i < n && !rc; i++)
        if (sy.rank[i] != BPE_NONE) rc = bucket_push(sc, sy.rank[i], i);
    for (uint32_t r = rc ? BPE_NONE : bucket_next(sc, 0); r != BPE_NONE;) {
        size_t k = bucket_take(sc, r);
        uint32_t from = k == SIZE_MAX ? BPE_NONE - 1 : merge_bucket(t, &sy, sc, r, sc->pos, k);
        if (from == BPE_NONE - 1) {
            rc = -1;
            break;
        }
        r = bucket_next(sc, from);
    }
    if (rc) { /* leave the buckets empty for the next piece */
        for (uint32_t r = bucket_next(sc, 0); r != BPE_NONE; r = bucket_next(sc, r)) {
            sc->heads[r] = BPE_NONE;
            bucket_unmark(sc, r);
        }
        return -1;
    }
    symbols_emit(&sy, out);
    return 0;
}

int bpe_merge_long(const bpe_tables *t, const uint8_t *p, size_t n, bpe_ids *out, merge_scratch *sc) {
    if (n >= BPE_NONE - 1) return -1;
    if (n < BUCKET_MIN) return merge_heap(t, p, NULL, (uint32_t)n, out, sc);
    return merge_buckets(t, p, NULL, (uint32_t)n, out, sc);
}

int bpe_merge_long_ids(const bpe_tables *t, const uint32_t *start, size_t n, bpe_ids *out, merge_scratch *sc) {
    if (n >= BPE_NONE - 1) return -1;
    if (n < BUCKET_MIN) return merge_heap(t, NULL, start, (uint32_t)n, out, sc);
    return merge_buckets(t, NULL, start, (uint32_t)n, out, sc);
}

void bpe_merge_scratch_free(merge_scratch *sc) {
    free(sc->buf);
    free(sc->heads);
    free(sc->bits);
    free(sc->pool);
    free(sc->pos);
    memset(sc, 0, sizeof(*sc));
}
