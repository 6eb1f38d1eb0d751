/* The hash lookups shared by bpe.c and merge.c: token bytes -> id, and (left, right) -> merge. */
#ifndef SUBTOK_LOOKUP_H
#define SUBTOK_LOOKUP_H

#include <string.h>

#include "bpe.h"

/* The first min(n, 8) bytes of p as a little-endian number (zero-padded). Two overlapping 4-byte
 * loads cover 4-7 bytes without a loop or a byte-by-byte copy. */
static inline uint64_t load_upto8(const uint8_t *p, size_t n) {
    uint64_t v = 0;
    if (n >= 8) {
        memcpy(&v, p, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + n - 4, 4);
        v = a | ((uint64_t)b << (8 * (n - 4)));
    } else if (n) {
        v = p[0] | ((uint64_t)p[n / 2] << (8 * (n / 2))) | ((uint64_t)p[n - 1] << (8 * (n - 1)));
    }
    return v;
}

/* A key as the slots hold it: its first 16 bytes, zero-padded, its hash and length. */
typedef struct {
    uint64_t head[2];
    uint32_t hash;
    uint32_t len;
} piece_key;

static inline uint64_t mix64(uint64_t x) {
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    return x;
}

/* The hash of a key whose head is filled in: no branch on the length up to 16 bytes (lengths
 * vary from piece to piece, and a branch on them is mispredicted half the time). */
static inline piece_key key_finish(piece_key k, const uint8_t *p, size_t n) {
    uint64_t h = mix64(k.head[0] ^ (0x9E3779B97F4A7C15ULL * (uint64_t)n)) ^ k.head[1];
    for (size_t i = 16; i < n; i += 8) {
        uint64_t v;
        if (i + 8 <= n) memcpy(&v, p + i, 8);
        else memcpy(&v, p + n - 8, 8); /* the last, overlapping, 8 bytes */
        h = mix64(h) ^ v;
    }
    k.hash = (uint32_t)mix64(h);
    k.len = n < UINT32_MAX ? (uint32_t)n : UINT32_MAX;
    return k;
}

static inline piece_key key_of(const uint8_t *p, size_t n) {
    piece_key k;
    k.head[0] = load_upto8(p, n);
    k.head[1] = n > 8 ? load_upto8(p + 8, n - 8) : 0;
    return key_finish(k, p, n);
}

/* key_of(p, n) for 1 <= n, when 16 bytes from p may be read: two loads and two masks, no branch. */
static inline piece_key key_of_padded(const uint8_t *p, size_t n) {
    piece_key k;
    uint64_t a, b;
    memcpy(&a, p, 8);
    memcpy(&b, p + 8, 8);
    unsigned first = n < 8 ? (unsigned)n : 8, second = n < 8 ? 0 : n - 8 < 8 ? (unsigned)(n - 8) : 8;
    k.head[0] = a & (~(uint64_t)0 >> (64 - 8 * first));
    k.head[1] = b & (~(uint64_t)0 >> ((64 - 8 * second) & 63)) & -(uint64_t)(second != 0);
    return key_finish(k, p, n);
}

static inline uint32_t tag_of(const piece_key *k) {
    return (k->hash & 0xFFFFFF00u) | (k->len < 255 ? k->len : 255u);
}

/* Whether slot e holds key k; a key longer than 16 bytes keeps the rest at base + e->off. */
static inline int slot_holds(const bpe_slot *e, const piece_key *k, uint32_t tag, const uint8_t *p,
                             const uint8_t *base) {
    return e->tag == tag && e->head[0] == k->head[0] && e->head[1] == k->head[1] && e->len == k->len &&
           (k->len <= 16 || memcmp(base + e->off, p + 16, k->len - 16) == 0);
}

/* The id of the token p[0:n] (key k) in *id; 0 if it is no token. */
static inline int vocab_find(const bpe_tables *t, const uint8_t *p, const piece_key *k, uint32_t *id) {
    uint32_t tag = tag_of(k);
    for (uint32_t i = k->hash & t->vocab_mask;; i = (i + 1) & t->vocab_mask) {
        const bpe_slot *e = &t->vocab[i];
        if (e->tag == 0) return 0;
        if (slot_holds(e, k, tag, p, t->blob)) {
            *id = e->ref;
            return 1;
        }
    }
}

static inline uint32_t hash_pair(uint32_t left, uint32_t right) {
    return (uint32_t)mix64(((uint64_t)left << 32) | right);
}

/* The rank of merging (left, right) and the merged id in *merged; BPE_NONE if no merge. */
static inline uint32_t pair_find(const bpe_tables *t, uint32_t left, uint32_t right, uint32_t *merged) {
    for (uint32_t i = hash_pair(left, right) & t->pair_mask;; i = (i + 1) & t->pair_mask) {
        const bpe_pair_slot *e = &t->pairs[i];
        if (e->rank == BPE_NONE) return BPE_NONE;
        if (e->left == left && e->right == right) {
            *merged = e->id;
            return e->rank;
        }
    }
}

/* pair_find packed for comparing: rank << 32 | merged id, or UINT64_MAX when no merge. Ranks
 * are unique per pair, so comparing packed values compares ranks. */
static inline uint64_t pair_lookup(const bpe_tables *t, uint32_t left, uint32_t right) {
    uint32_t merged, rank = pair_find(t, left, right, &merged);
    return rank == BPE_NONE ? UINT64_MAX : ((uint64_t)rank << 32) | merged;
}

/* -- the memo (bpe.h): pieces -> their ids --------------------------------------------------- */

/* The memo's entry for p[0:n] (key k), or NULL. */
static inline const uint32_t *memo_find(const bpe_memo *m, const uint8_t *p, const piece_key *k) {
    uint32_t tag = tag_of(k);
    for (uint32_t i = k->hash & m->mask;; i = (i + 1) & m->mask) {
        const bpe_slot *e = &m->slots[i];
        if (e->tag == 0) return NULL;
        if (slot_holds(e, k, tag, p, (const uint8_t *)m->arena)) return m->arena + e->ref;
    }
}

static inline void memo_add(bpe_memo *m, const uint8_t *p, const piece_key *k, const uint32_t *ids, size_t n_ids) {
    size_t n = k->len, tail = n > 16 ? n - 16 : 0, need = 1 + n_ids + (tail + 3) / 4;
    if (m->used >= (m->mask + 1) / 2 || m->arena_used + need > m->arena_cap) { /* full: start over */
        memset(m->slots, 0, ((size_t)m->mask + 1) * sizeof(bpe_slot));
        m->used = 0;
        m->arena_used = 0;
    }
    uint32_t *entry = m->arena + m->arena_used;
    entry[0] = (uint32_t)n_ids;
    memcpy(entry + 1, ids, n_ids * sizeof(uint32_t));
    if (tail) memcpy(entry + 1 + n_ids, p + 16, tail);
    uint32_t i = k->hash & m->mask;
    while (m->slots[i].tag) i = (i + 1) & m->mask;
    uint32_t at = (uint32_t)m->arena_used, tail_at = (uint32_t)((at + 1 + n_ids) * sizeof(uint32_t));
    m->slots[i] = (bpe_slot){{k->head[0], k->head[1]}, tag_of(k), at, tail_at, k->len};
    m->arena_used += need;
    m->used++;
}

/* Merging (merge.c): append the ids of piece p[0:n] to out, which has room for n more. Pieces of
 * up to LINEAR_MAX bytes merge on the stack; longer ones use scratch memory kept for the call. */
#define LINEAR_MAX 48
#define BUCKET_MIN 512
typedef struct {
    uint32_t *buf;          /* per-symbol arrays */
    size_t buf_n;
    uint32_t *heads;        /* bucket queue: each rank's newest block in pool, all empty between pieces */
    uint64_t *bits;         /* its non-empty buckets: `words` words, then a summary bit per word */
    size_t words;
    uint32_t *pool;         /* blocks of BLOCK uint32: the next (older) block, a count, positions */
    size_t pool_len, pool_cap;
    uint32_t *pos;          /* a bucket's positions, taken out of it */
    size_t pos_cap;
} merge_scratch;

void bpe_merge_linear(const bpe_tables *t, const uint8_t *p, size_t n, bpe_ids *out);
int bpe_merge_long(const bpe_tables *t, const uint8_t *p, size_t n, bpe_ids *out, merge_scratch *sc);
/* The same from starting symbols given as ids (n <= LINEAR_MAX for the linear one). */
void bpe_merge_linear_ids(const bpe_tables *t, const uint32_t *start, size_t n, bpe_ids *out);
int bpe_merge_long_ids(const bpe_tables *t, const uint32_t *start, size_t n, bpe_ids *out, merge_scratch *sc);
void bpe_merge_scratch_free(merge_scratch *sc);

#endif
