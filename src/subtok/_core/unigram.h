/* Unigram (Viterbi over the pieces' scores) behind sentencepiece's precompiled charsmap: the
 * compiled twin of subtok's Precompiled(longest_match=True) -> Replace(' ', '▁') -> Unigram(float32)
 * that sentencepiece Unigram models such as AI21's j2 load as. Plain C, no Python objects; the
 * tables are immutable once built. */
#ifndef SUBTOK_UNIGRAM_H
#define SUBTOK_UNIGRAM_H

#include "bpe.h"
#include "trie.h"

typedef struct {
    trie pieces;                 /* the pieces text can produce (UTF-8) -> id */
    double *score;               /* by id */
    uint32_t n_scores;
    double unk_score;            /* already rounded to float32 when float32 is set */
    uint32_t unk_id;
    uint32_t byte_token[256];    /* the id of <0xNN>, or BPE_NONE: byte fallback when all are there */
    int byte_fallback, float32;
    uint32_t *trie;              /* the charsmap's double-array trie (none: no rules) */
    size_t trie_n;
    uint8_t *replacements;       /* its NUL-separated replacement strings */
    size_t replacements_n;
    uint8_t *symbols;            /* user-defined symbols, kept whole: NUL-separated, longest first */
    size_t symbols_n;
    uint8_t symbol_starts[256];  /* whether some symbol starts with this byte */
    uint8_t plain[256];          /* ASCII that no symbol and no charsmap rule starts with (unigram.c) */
    uint8_t space[4];            /* what ' ' becomes */
    uint32_t space_len;
    int compact;                 /* the replacement is SPACE_BYTE in the trie and the text (unigram.c) */
} ug_model;

typedef struct {
    const uint8_t *blob;             /* the pieces' bytes */
    size_t blob_len;
    const uint32_t *lens, *ids;
    size_t n;
    const double *score;             /* n_scores entries, by id */
    size_t n_scores;
    const uint32_t *byte_token;      /* 256 */
    const uint8_t *charsmap;         /* sentencepiece's precompiled_charsmap (may be empty) */
    size_t charsmap_len;
    const uint8_t *symbols;          /* NUL-separated, longest first */
    size_t symbols_len;
    const uint8_t *space;
    size_t space_len;
    double unk_score;
    uint32_t unk_id;
    int byte_fallback, float32;
} ug_spec;

/* 0, or -1 with a message in err. */
int ug_init(ug_model *m, const ug_spec *spec, char *err, size_t err_size);
void ug_free(ug_model *m);

/* Normalize and segment s[0:n] (valid UTF-8), appending the ids to out: 0, or -1 when memory ran
 * out. */
int ug_encode(const ug_model *m, const uint8_t *s, size_t n, bpe_ids *out);

#endif
