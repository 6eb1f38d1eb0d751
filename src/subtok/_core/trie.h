/* A double-array trie over byte strings (each with a uint32 value), for walks that follow a text
 * one byte at a time and want every key that is a prefix of it: the Unigram lattice offers each
 * piece that starts at a position, and one walk finds them all, in order of length, with one
 * memory access per byte instead of one hash probe per candidate length.
 *
 * A node's children live at base + byte; a unit belongs to the node named in its `check`. Plain
 * C; immutable once built. */
#ifndef SUBTOK_TRIE_H
#define SUBTOK_TRIE_H

#include <stddef.h>
#include <stdint.h>

#define TRIE_NONE 0xFFFFFFFFu

typedef struct {
    uint32_t base;  /* children at base + byte (0: none) */
    uint32_t check; /* the parent's index (TRIE_NONE: a free unit, or the root) */
    uint32_t value; /* the key ending here, or TRIE_NONE */
} trie_unit;

typedef struct {
    trie_unit *units; /* 256 free units past the last base, so base + byte never needs a bounds check */
    size_t n;
} trie;

/* Build from n keys (key k: blob[offset_k : offset_k + lens[k]], the keys back to back) with
 * values[k]. A key given twice keeps its first value. weights (or NULL: all alike) says how often
 * walks are expected to reach each key: the nodes of the heaviest keys are placed first, together
 * at the front of the array, where they share cache lines and pages. 0, or -1 when memory ran
 * out. */
int trie_build(trie *t, const uint8_t *blob, const uint32_t *lens, const uint32_t *values, const double *weights,
               size_t n);
void trie_free(trie *t);

/* The child of `node` by byte c, or 0 (the root is nobody's child). */
static inline uint32_t trie_child(const trie *t, uint32_t node, uint8_t c) {
    uint32_t next = t->units[node].base + c;
    return t->units[next].check == node ? next : 0;
}

/* The value of the key s[0:n], or TRIE_NONE. */
static inline uint32_t trie_find(const trie *t, const uint8_t *s, size_t n) {
    uint32_t node = 0;
    for (size_t i = 0; i < n; i++)
        if (!(node = trie_child(t, node, s[i]))) return TRIE_NONE;
    return t->units[node].value;
}

#endif
