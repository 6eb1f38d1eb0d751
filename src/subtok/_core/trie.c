/* The double-array trie's build (see trie.h).
 *
 * Built with 12-byte units that name their parent, then packed into trie.h's 8-byte ones; a base
 * is given to one node only (bases[]), which is what lets a packed unit name its parent by a byte.
 *
 * The keys are sorted, so each node's keys are one range of them and its children's are
 * consecutive sub-ranges. Nodes are taken hottest first (the most weight below them); each
 * gets the lowest base at which all its children's units are free, searched from the first unit that is not yet mostly taken (the
 * heuristic of the original darts: once 95% of the units scanned from there are in use, the
 * search starts further on), which keeps the array dense and the build about linear.
 */
#define _DEFAULT_SOURCE /* posix_memalign, madvise */
#include "trie.h"

#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

typedef struct {
    const uint8_t *p;
    uint32_t len, value, order;
    double weight;
} key;

static int key_cmp(const void *a, const void *b) {
    const key *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->p, y->p, n) : 0;
    if (c) return c;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order; /* the same key: the first given first */
}

typedef struct {
    double heat;                  /* how often a walk is expected to pass here: the keys' weights summed */
    uint32_t node, lo, hi, depth; /* a node and its keys[lo:hi], which share their first depth bytes */
} pending;

/* The nodes waiting for their children to be placed: a binary heap, hottest on top. */
typedef struct {
    pending *at;
    size_t n;
} heap;

static void heap_push(heap *h, pending x) {
    size_t i = h->n++;
    while (i && h->at[(i - 1) / 2].heat < x.heat) {
        h->at[i] = h->at[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->at[i] = x;
}

static pending heap_pop(heap *h) {
    pending top = h->at[0], last = h->at[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && h->at[c + 1].heat > h->at[c].heat) c++;
        if (h->at[c].heat <= last.heat) break;
        h->at[i] = h->at[c];
        i = c;
    }
    if (h->n) h->at[i] = last;
    return top;
}

typedef struct {
    uint32_t base;  /* children at base + byte (0: none) */
    uint32_t check; /* the parent's index (TRIE_NONE: a free unit, or the root) */
    uint32_t value; /* the key ending here, or TRIE_NONE */
} build_unit;

typedef struct {
    build_unit *units;
    uint8_t *based;      /* based[k]: k is some node's base */
    size_t cap, used_to; /* units allocated; one past the highest unit in use */
} builder;

/* Room for units up to `need` (exclusive), new ones free. */
static int reserve(builder *b, size_t need) {
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < need) cap *= 2;
    build_unit *u = realloc(b->units, cap * sizeof(build_unit));
    if (!u) return -1;
    b->units = u;
    uint8_t *based = realloc(b->based, cap);
    if (!based) return -1;
    b->based = based;
    for (size_t k = b->cap; k < cap; k++) u[k] = (build_unit){0, TRIE_NONE, TRIE_NONE};
    memset(based + b->cap, 0, cap - b->cap);
    b->cap = cap;
    return 0;
}

/* The finished array, packed from the builder's (see trie.h), or NULL when memory ran out. On Linux
 * it goes in 2 MB-aligned memory advised for transparent huge pages: a walk touches units all over
 * an array of tens of MB, and with 4 KB pages nearly every step also missed the TLB (j2: ~20% of
 * the time). */
static trie_unit *final_units(const build_unit *units, size_t n) {
    size_t bytes = n * sizeof(trie_unit);
    void *mem = NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    size_t huge = (size_t)1 << 21;
    bytes = (bytes + huge - 1) & ~(huge - 1);
    if (posix_memalign(&mem, huge, bytes)) return NULL;
    madvise(mem, bytes, MADV_HUGEPAGE); /* a hint: without it the pages are small, nothing else */
#else
    mem = malloc(bytes ? bytes : 1);
    if (!mem) return NULL;
#endif
    trie_unit *out = mem;
    for (size_t k = 0; k < n; k++) {
        const build_unit *u = &units[k];
        uint32_t value = u->value == TRIE_NONE ? TRIE_NO_VALUE : u->value;
        uint32_t from = u->check == TRIE_NONE ? 0 : TRIE_USED | (uint32_t)(k - units[u->check].base);
        out[k] = (trie_unit){u->base, value << 9 | from};
    }
    return out;
}

int trie_build(trie *t, const uint8_t *blob, const uint32_t *lens, const uint32_t *values, const double *weights,
               size_t n) {
    memset(t, 0, sizeof(*t));
    if (n >= UINT32_MAX) return -1;
    key *keys = malloc((n ? n : 1) * sizeof(key));
    double *below = malloc((n + 1) * sizeof(double)); /* below[k]: the weights of keys[0:k] summed */
    /* the waiting nodes' keys are disjoint ranges (none is another's ancestor), each of at least
     * one key: never more than max(n, 1) of them */
    heap waiting = {malloc((n + 1) * sizeof(pending)), 0};
    builder b = {NULL, NULL, 0, 1};
    int rc = -1;
    if (!keys || !below || !waiting.at || reserve(&b, 1 << 12)) goto done;
    for (size_t k = 0, off = 0; k < n; off += lens[k], k++) {
        if (values[k] >= TRIE_NO_VALUE) {
            rc = -2;
            goto done;
        }
        keys[k] = (key){blob + off, lens[k], values[k], (uint32_t)k, weights ? weights[k] : 1.0};
    }
    qsort(keys, n, sizeof(key), key_cmp);
    below[0] = 0.0;
    for (size_t k = 0; k < n; k++) below[k + 1] = below[k] + keys[k].weight;

    size_t next_check = 1;
    heap_push(&waiting, (pending){below[n], 0, 0, (uint32_t)n, 0});
    while (waiting.n) {
        pending at = heap_pop(&waiting);
        uint32_t lo = at.lo;
        if (lo < at.hi && keys[lo].len == at.depth) { /* a key ends here; repeats of it are dropped */
            b.units[at.node].value = keys[lo].value;
            while (lo < at.hi && keys[lo].len == at.depth) lo++;
        }
        if (lo == at.hi) continue;
        uint8_t labels[256];
        uint32_t starts[257], count = 0;
        for (uint32_t k = lo; k < at.hi; k++) {
            uint8_t c = keys[k].p[at.depth];
            if (count == 0 || c != labels[count - 1]) {
                labels[count] = c;
                starts[count++] = k;
            }
        }
        starts[count] = at.hi;
        /* the lowest base >= 1 where every child's unit is free */
        size_t pos = next_check > labels[0] ? next_check : (size_t)labels[0] + 1, taken = 0, base;
        int first_free = 1;
        for (;; pos++) {
            if (reserve(&b, pos + 257)) goto done;
            if (b.units[pos].check != TRIE_NONE) {
                taken++;
                continue;
            }
            if (first_free) {
                next_check = pos;
                first_free = 0;
            }
            base = pos - labels[0];
            if (b.based[base]) continue; /* another node's */
            uint32_t c = 1;
            while (c < count && b.units[base + labels[c]].check == TRIE_NONE) c++;
            if (c == count) break;
        }
        if (taken * 20 >= (pos - next_check + 1) * 19) next_check = pos; /* 95% taken: search further on */
        if (base >= UINT32_MAX - 512) goto done;
        b.units[at.node].base = (uint32_t)base;
        b.based[base] = 1;
        for (uint32_t c = 0; c < count; c++) {
            size_t child = base + labels[c];
            b.units[child].check = at.node;
            if (child + 1 > b.used_to) b.used_to = child + 1;
            heap_push(&waiting, (pending){below[starts[c + 1]] - below[starts[c]], (uint32_t)child, starts[c],
                                          starts[c + 1], at.depth + 1});
        }
    }
    /* 256 free units past the last one in use: any base + byte stays inside */
    if (reserve(&b, b.used_to + 256)) goto done;
    t->n = b.used_to + 256;
    t->units = final_units(b.units, t->n);
    if (!t->units) goto done;
    rc = 0;
done:
    free(b.units);
    free(b.based);
    free(keys);
    free(below);
    free(waiting.at);
    return rc;
}

void trie_free(trie *t) {
    free(t->units);
    memset(t, 0, sizeof(*t));
}
