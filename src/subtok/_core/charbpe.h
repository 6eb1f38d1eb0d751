/* BPE over characters with byte fallback, behind sentencepiece's space handling: the compiled twin
 * of subtok's Prepend(' ' or '▁') -> Replace(' ', '▁') -> [Split('▁*[^▁]+|▁+')] -> BPE(byte_fallback)
 * that sentencepiece BPE models (Llama 2, Mistral) load as, from a .model file or a tokenizer.json.
 * Plain C, no Python objects; the tables are immutable once built. */
#ifndef SUBTOK_CHARBPE_H
#define SUBTOK_CHARBPE_H

#include "bpe.h"

enum {
    CB_PREPEND = 1,      /* the normalizer puts a space (or the replacement) before a non-empty text */
    CB_SPLIT = 2,        /* the pre-tokenizer cuts before each run of the replacement */
    CB_BYTE_FALLBACK = 4,
    CB_FUSE_UNK = 8,
};

typedef struct {
    bpe_tables t;                /* every token's UTF-8 -> id; (left, right) -> merge */
    uint32_t byte_token[256];    /* the id of <0xNN>, or BPE_NONE */
    uint32_t ascii_token[128];   /* the id of each ASCII char's token, or BPE_NONE (no hashing) */
    uint32_t unk_id;             /* BPE_NONE: unknown chars are dropped */
    uint8_t space[4];            /* the replacement of ' ' (UTF-8) */
    uint32_t space_len;
    int options;                 /* CB_* */
} cb_model;

/* 0, or -1 with a message in err. spec->byte_id holds the <0xNN> ids (BPE_NONE where missing). */
int cb_init(cb_model *m, const bpe_spec *spec, uint32_t unk_id, const uint8_t *space, size_t space_len,
            int options, char *err, size_t err_size);
void cb_free(cb_model *m);

/* Normalize, split and BPE s[0:n] (valid UTF-8), appending the ids to out; memo may be NULL.
 * 0, or -1 when memory ran out. */
int cb_encode(const cb_model *m, bpe_memo *memo, const uint8_t *s, size_t n, bpe_ids *out);

#endif
