/* A double-array trie over byte strings (each with a value below 2**23), for walks that follow a
 * text one byte at a time and want every key that is a prefix of it: the Unigram lattice offers
 * each piece that starts at a position, and one walk finds them all, in order of length, with one
 * memory access per byte instead of one hash probe per candidate length.
 *
 * A node's children live at base + byte. A unit is 8 bytes: its base, then `lv`: bits 0-7 the byte
 * that leads to it from its parent, bit 8 set when it is in use, bits 9-31 the value of the key that
 * ends there (TRIE_NO_VALUE: none). No two nodes share a base, so the byte alone says whose child a
 * unit is: a unit at base(P) + c with byte c belongs to P, as any other parent Q would reach it with
 * base(Q) + c' where c' = c + base(P) - base(Q) != c. (With the parent's index in each unit, units
 * were 12 bytes; j2's walks, which wait on a cache miss at most steps, took ~10% longer.)
 * Plain C; immutable once built. */
#ifndef SUBTOK_TRIE_H
#define SUBTOK_TRIE_H

#include <stddef.h>
#include <stdint.h>

#define TRIE_NONE 0xFFFFFFFFu
#define TRIE_NO_VALUE ((1u << 23) - 1) /* the largest value a key may have is one less */
#define TRIE_USED 0x100u

typedef struct {
    uint32_t base; /* children at base + byte (0: none) */
    uint32_t lv;   /* the byte from the parent | TRIE_USED | value << 9 (see above) */
} trie_unit;

typedef struct {
    trie_unit *units; /* 256 free units past the last base, so base + byte never needs a bounds check */
    size_t n;
} trie;

/* Build from n keys (key k: blob[offset_k : offset_k + lens[k]], the keys back to back) with
 * values[k] (each below TRIE_NO_VALUE). A key given twice keeps its first value. weights (or NULL:
 * all alike) says how often walks are expected to reach each key: the nodes of the heaviest keys
 * are placed first, together at the front of the array, where they share cache lines and pages.
 * 0, -1 when memory ran out, or -2 for a value too large. */
int trie_build(trie *t, const uint8_t *blob, const uint32_t *lens, const uint32_t *values, const double *weights,
               size_t n);
void trie_free(trie *t);

/* The child of `node` by byte c, or 0 (the root is nobody's child). */
static inline uint32_t trie_child(const trie *t, uint32_t node, uint8_t c) {
    uint32_t next = t->units[node].base + c;
    return (t->units[next].lv & 0x1FF) == (TRIE_USED | c) ? next : 0;
}

/* The value of the key that ends at unit u, or TRIE_NONE. */
static inline uint32_t trie_value(const trie_unit *u) {
    uint32_t v = u->lv >> 9;
    return v == TRIE_NO_VALUE ? TRIE_NONE : v;
}

/* The value of the key s[0:n], or TRIE_NONE. */
static inline uint32_t trie_find(const trie *t, const uint8_t *s, size_t n) {
    uint32_t node = 0;
    for (size_t i = 0; i < n; i++)
        if (!(node = trie_child(t, node, s[i]))) return TRIE_NONE;
    return trie_value(&t->units[node]);
}

#endif
