/* Byte-level BPE on UTF-8 bytes: the tables (token bytes -> id, (left id, right id) -> merge) and
 * the encoder of a text cut by one of the scanners in scan.h. Plain C, no Python objects: the
 * whole encode runs without the GIL. The tables are immutable once built, so any number of
 * threads may encode with them at once; a memo (bpe_memo) belongs to one thread at a time. */
#ifndef SUBTOK_BPE_H
#define SUBTOK_BPE_H

#include <stddef.h>
#include <stdint.h>

#define BPE_NONE UINT32_MAX

/* Hash slots of the vocab and the memo: 32 bytes, one probe one cache line. The key's first 16
 * bytes are kept in the slot, so a piece of up to 16 bytes (nearly all of them) is compared
 * without touching any other memory. */
typedef struct {
    uint64_t head[2]; /* bytes 0-7 and 8-15 of the key, zero-padded */
    uint32_t tag;     /* high 24 bits of the hash | min(length, 255); 0: an empty slot */
    uint32_t ref;     /* vocab: the token id; memo: where the entry starts in the arena */
    uint32_t off;     /* vocab: where the token's bytes start in blob */
    uint32_t len;     /* the key's length */
} bpe_slot;

typedef struct {
    uint32_t left, right;
    uint32_t rank;  /* BPE_NONE: an empty slot */
    uint32_t id;    /* the merged token */
} bpe_pair_slot;

typedef struct {
    uint8_t *blob;               /* every token's bytes, one after the other */
    bpe_slot *vocab;             /* open addressing, linear probing, load <= 1/2 */
    uint32_t vocab_mask;
    uint32_t max_token_len;
    bpe_pair_slot *pairs;        /* the same, keyed by (left, right) */
    uint32_t pair_mask;
    uint32_t byte_id[256];       /* the starting symbol of each byte */
    uint32_t max_id;
    uint32_t max_rank;
    int ignore_merges;           /* a piece that is a token is that token, whatever the merges say */
} bpe_tables;

/* A bounded memo of pieces that are not one token -> their ids (merging is the slow part; text
 * repeats its words). Cleared whole when full. */
typedef struct {
    bpe_slot *slots;
    uint32_t mask, used;
    uint32_t *arena;             /* per entry: number of ids, the ids, the piece's bytes past 16 */
    size_t arena_used, arena_cap;
} bpe_memo;

typedef struct {
    const uint8_t *blob;
    size_t blob_len;
    const uint32_t *token_lens, *token_ids;
    size_t n_tokens;
    const uint32_t *left, *right, *rank, *merged;
    size_t n_pairs;
    const uint32_t *byte_id;     /* 256 entries */
    int ignore_merges;
} bpe_spec;

typedef struct {
    uint32_t *ids;
    size_t len, cap;
} bpe_ids;

/* 0, or -1 with a message in err (bad spec or out of memory). */
int bpe_tables_init(bpe_tables *t, const bpe_spec *spec, char *err, size_t err_size);
void bpe_tables_free(bpe_tables *t);

/* A memo with room for about `entries` pieces; NULL when out of memory. */
bpe_memo *bpe_memo_new(uint32_t entries);
void bpe_memo_free(bpe_memo *m);

/* Cut s[0:n] with the scanner of `pattern` (scan.h) and append each piece's ids to out, using and
 * filling memo (may be NULL). 0, or -1 when memory ran out (the caller frees out->ids). */
int bpe_encode(const bpe_tables *t, bpe_memo *memo, int pattern, const uint8_t *s, size_t n, bpe_ids *out);

/* tiktoken's ranks as merges: for each token of 2+ bytes (spec's tokens; no merges, byte ids
 * unused), the two parts tiktoken's merging of its bytes alone ends with, when both are tokens
 * (formats/tiktoken.py's merges_from_ranks is the reference: same merges, same order). *out gets
 * (left id, right id, token id) triples sorted by token id, *n_out their number; free() it.
 * 0, or -1 with a message in err. */
int bpe_rank_merges(const bpe_spec *spec, uint32_t **out, size_t *n_out, char *err, size_t err_size);

/* Only the ids of the piece s[0:n] (no scanning, no memo), appended to out; 0 or -1. */
int bpe_encode_piece(const bpe_tables *t, const uint8_t *s, size_t n, bpe_ids *out);

#endif
