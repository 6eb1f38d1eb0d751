/* WordPiece with BERT's normalizer and pre-tokenizer, on UTF-8 bytes: the compiled twin of
 * subtok's BertNormalizer -> BertPreTokenizer (or WhitespaceSplit) -> WordPiece. Plain C, no
 * Python objects; the model is immutable once built, so any number of threads may encode with it. */
#ifndef SUBTOK_WORDPIECE_H
#define SUBTOK_WORDPIECE_H

#include "bpe.h"

/* The stages' options, as subtok's BertNormalizer has them (strip: strip_accents, with None
 * already resolved to lowercase) and whether the pre-tokenizer isolates punctuation. */
enum {
    WP_CLEAN_TEXT = 1,
    WP_CHINESE = 2,
    WP_STRIP_ACCENTS = 4,
    WP_LOWERCASE = 8,
    WP_PUNCTUATION = 16,
};

#define WP_MAX_PREFIX 32

typedef struct {
    bpe_tables vocab;            /* token bytes -> id (no merges) */
    uint32_t unk_id;
    uint8_t prefix[WP_MAX_PREFIX];  /* continuing_subword_prefix, UTF-8 */
    uint32_t prefix_len;
    uint32_t max_chars;          /* max_input_chars_per_word: longer words are the unk token */
    int options;                 /* WP_* */
    uint8_t ascii_action[128];   /* what the stages make of an ASCII char (see wordpiece.c) */
    uint64_t *bloom;             /* bit (hash >> 8) & WP_BLOOM_MASK set for every token's hash */
} wp_model;

/* 2^19 bits, 64 KB: stays in L2, where the vocab's 2 MB does not; with 30k tokens one bit in 17 is
 * set, so most lookups of a piece that is no token end here. */
#define WP_BLOOM_BITS (1u << 19)
#define WP_BLOOM_MASK (WP_BLOOM_BITS - 1)

/* 0, or -1 with a message in err. The spec's merges and byte ids are not used. */
int wp_init(wp_model *m, const bpe_spec *vocab, uint32_t unk_id, const uint8_t *prefix, size_t prefix_len,
            uint32_t max_chars, int options, char *err, size_t err_size);
void wp_free(wp_model *m);

/* Normalize, split and WordPiece s[0:n] (valid UTF-8), appending the ids to out: 0, or -1 when
 * memory ran out. */
int wp_encode(const wp_model *m, const uint8_t *s, size_t n, bpe_ids *out);

#endif
