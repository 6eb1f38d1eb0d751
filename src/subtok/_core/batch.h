/* Encoding many texts on several threads (included by module.c; plain C, no Python calls).
 *
 * The caller (holding the GIL) fills a batch_job with views of the texts' str data; then, the GIL
 * released, run_batch encodes them on up to `threads` threads: the calling thread and pthreads it
 * starts. Each worker takes the next few texts from an atomic counter (texts vary in length, so a
 * fixed split would leave one thread idle at the end), converts each to UTF-8 itself and encodes it
 * with a memo of its own from the pool. Converting in the workers matters: done beforehand under
 * the GIL (PyUnicode_AsUTF8String) it was ~9% of the work, run on one thread whatever N is.
 *
 * Python threads each calling a GIL-releasing encode were the other way considered: they scale
 * too, but every call pays for taking the GIL back and building lists under it; pthreads inside one
 * call keep all of that in one place and let the bulk functions (ids into one array, counts) do no
 * Python work per text at all.
 *
 * The tables are read-only; a memo serves one thread at a time (taken from the pool with an atomic
 * flag, kept between calls so that it stays warm). */
#ifndef SUBTOK_BATCH_H
#define SUBTOK_BATCH_H

#include <pthread.h>
#include <stdlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <string.h>

#include "bpe.h"

#define MEMO_POOL 32
#define MAX_THREADS 256
/* Fewer bytes than this per thread: starting a thread (~30 us) costs more than it gains. */
#define MIN_BYTES_PER_THREAD (16 * 1024)

typedef struct {
    bpe_memo *memo[MEMO_POOL];
    int busy[MEMO_POOL];
} memo_pool;

/* A free memo of the pool (made on first use), its slot in *slot; or a private one (*slot = -1) when
 * all are taken and there is enough text to fill it, else NULL (works without a memo). */
static bpe_memo *memo_take(memo_pool *pool, uint32_t entries, size_t text_bytes, size_t private_min, int *slot) {
    for (int k = 0; k < MEMO_POOL; k++) {
        if (__atomic_exchange_n(&pool->busy[k], 1, __ATOMIC_ACQUIRE) != 0) continue;
        if (!pool->memo[k]) pool->memo[k] = bpe_memo_new(entries); /* NULL (no memory): no memo */
        *slot = k;
        return pool->memo[k];
    }
    *slot = -1;
    return text_bytes >= private_min ? bpe_memo_new(entries) : NULL;
}

static void memo_give_back(memo_pool *pool, bpe_memo *memo, int slot) {
    if (slot >= 0) __atomic_store_n(&pool->busy[slot], 0, __ATOMIC_RELEASE);
    else bpe_memo_free(memo);
}

static void memo_pool_free(memo_pool *pool) {
    for (int k = 0; k < MEMO_POOL; k++) bpe_memo_free(pool->memo[k]);
    memset(pool, 0, sizeof(*pool));
}

/* One text: its str's code points as CPython stores them (1, 2 or 4 bytes each). */
typedef struct {
    const void *data;
    size_t len;  /* code points */
    int kind;    /* 1, 2, 4 */
    int ascii;   /* then data is already UTF-8 */
    size_t utf8; /* an upper bound of its UTF-8 length (for the thread count only) */
} text_view;

/* BATCH_REFUSED: an encoder returned -2, a text it leaves to the reference (module.c raises NotForCore). */
enum { BATCH_OK = 0, BATCH_NO_MEMORY = 1, BATCH_SURROGATE = 2, BATCH_REFUSED = 3 };

/* Where a worker keeps the ids of its texts: blocks that never move (the calling thread reads a
 * text's ids while the worker goes on), freed together after the call. One malloc per block rather
 * than per text: with a buffer per text, malloc and the calling thread's free (locking the worker's
 * malloc arena) took ~10% of a batch of paragraphs. */
typedef struct id_block {
    struct id_block *next;
    size_t used, cap;
    uint32_t ids[];
} id_block;

#define BLOCK_IDS (16 * 1024) /* 64 KB: under malloc's mmap threshold, so reused between calls without page faults */

/* Room for n ids at the end of *head's block (a new block in front if needed); NULL: no memory. */
static uint32_t *block_room(id_block **head, size_t n) {
    id_block *b = *head;
    if (b && b->cap - b->used >= n) return b->ids + b->used;
    size_t cap = n > BLOCK_IDS ? n : BLOCK_IDS;
    if (cap > (SIZE_MAX - sizeof(id_block)) / 4) return NULL;
    b = malloc(sizeof(id_block) + cap * 4);
    if (!b) return NULL;
    *b = (id_block){*head, 0, cap};
    *head = b;
    return b->ids;
}

static void blocks_free(id_block *b) {
    while (b) {
        id_block *next = b->next;
        free(b);
        b = next;
    }
}

/* How a job encodes one text: bpe_encode, or another model's encoder (memo and pattern may be
 * unused); 0, -1 when memory ran out, or -2 for a text the encoder leaves to the reference. */
typedef int (*encode_fn)(const void *model, bpe_memo *memo, int pattern, const uint8_t *s, size_t n, bpe_ids *out);

typedef struct {
    encode_fn encode;
    const void *model;
    memo_pool *pool;  /* NULL: the encoder uses no memo */
    uint32_t memo_entries; /* the size of a memo made for the pool */
    int pattern;
    const text_view *texts;
    size_t count, chunk;
    bpe_ids *ids;     /* per text (pointing into blocks, not owned), or NULL: only count */
    size_t *counts;   /* per text, when ids is NULL */
    size_t next;      /* the next text to take (atomic) */
    int failed;       /* BATCH_* (atomic; the first failure stops every worker) */
    size_t bad_text;  /* the text with a lone surrogate */
    id_block *blocks; /* every worker's blocks, chained when it is done (atomic); blocks_free them */
    /* Optional, for the calling thread: done[k] is set once text k is encoded, and after each of its
     * chunks the calling thread calls progress(ctx, n) when texts 0..n-1 are done (n grown by at least
     * PROGRESS_STEP since the last call), so that it turns results into Python objects while the
     * other threads still encode (that work needs the GIL, so it cannot be spread over threads). */
    uint8_t *done;
    void (*progress)(void *ctx, size_t ready);
    void *ctx;
    /* Optional: strings (added tokens, or their first characters) that leave a text to the caller:
     * a text holding one is not encoded, and held_back[k] says so. */
    const uint8_t *const *stop;
    const size_t *stop_len;
    size_t n_stop;
    uint8_t *held_back;
} batch_job;

/* Whether t[0:m] (m > 0) occurs in s[0:n]: memchr for its first byte, then a compare. */
static inline int bytes_occur(const uint8_t *s, size_t n, const uint8_t *t, size_t m) {
    for (size_t i = 0; m <= n && i <= n - m;) {
        const uint8_t *p = memchr(s + i, t[0], n - m + 1 - i);
        if (!p) return 0;
        if (memcmp(p, t, m) == 0) return 1;
        i = (size_t)(p - s) + 1;
    }
    return 0;
}

/* Whether any of the `count` strings ptr[q][0:len[q]] occurs in s[0:n]. */
static inline int any_bytes_occur(const uint8_t *s, size_t n, const uint8_t *const *ptr, const size_t *len,
                                  size_t count) {
    for (size_t q = 0; q < count; q++)
        if (bytes_occur(s, n, ptr[q], len[q])) return 1;
    return 0;
}

#define PROGRESS_STEP 32

/* The UTF-8 of code point c (no surrogate) at o; its length. */
static inline size_t put_utf8(uint8_t *o, uint32_t c) {
    if (c < 0x80) {
        o[0] = (uint8_t)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (uint8_t)(0xC0 | (c >> 6));
        o[1] = (uint8_t)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (uint8_t)(0xE0 | (c >> 12));
        o[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (uint8_t)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | (c >> 18));
    o[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (uint8_t)(0x80 | (c & 0x3F));
    return 4;
}

/* UTF-8 of a text into *buf (grown as needed); its length, or (size_t)-1 on a lone surrogate or no
 * memory (*surrogate says which). Runs of ASCII go 16 (1-byte kind) or 8 (2-byte kind) code
 * points at a time: most of a str that is not all ASCII still is, and one code point at a time
 * this took a tenth of a byte-level BPE encode of en.txt. */
static size_t utf8_encode(const text_view *t, uint8_t **buf, size_t *cap, int *surrogate) {
    size_t len = t->len, need = len * (t->kind == 1 ? 2 : t->kind == 2 ? 3 : 4), n = 0, i = 0;
    *surrogate = 0;
    if (need > *cap || !*buf) {
        uint8_t *grown = realloc(*buf, need ? need : 1);
        if (!grown) return (size_t)-1;
        *buf = grown;
        *cap = need;
    }
    uint8_t *o = *buf;
    if (t->kind == 1) {
        const uint8_t *d = t->data;
        while (i < len) {
#ifdef __SSE2__
            if (i + 16 <= len) { /* room: n <= 2 * i, so n + 16 <= 2 * len */
                __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(d + i));
                if (!_mm_movemask_epi8(v)) {
                    _mm_storeu_si128((__m128i *)(void *)(o + n), v);
                    i += 16;
                    n += 16;
                    continue;
                }
            }
#endif
            n += put_utf8(o + n, d[i++]);
        }
    } else if (t->kind == 2) {
        const uint16_t *d = t->data;
        while (i < len) {
#ifdef __SSE2__
            if (i + 8 <= len) { /* room: n <= 3 * i, so n + 8 <= 3 * len */
                __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(d + i));
                __m128i high = _mm_and_si128(v, _mm_set1_epi16((short)0xFF80));
                if (_mm_movemask_epi8(_mm_cmpeq_epi16(high, _mm_setzero_si128())) == 0xFFFF) {
                    _mm_storel_epi64((__m128i *)(void *)(o + n), _mm_packus_epi16(v, v));
                    i += 8;
                    n += 8;
                    continue;
                }
            }
#endif
            uint32_t c = d[i++];
            if (c >= 0xD800 && c <= 0xDFFF) {
                *surrogate = 1;
                return (size_t)-1;
            }
            n += put_utf8(o + n, c);
        }
    } else {
        const uint32_t *d = t->data;
        while (i < len) {
            uint32_t c = d[i++];
            if (c >= 0xD800 && c <= 0xDFFF) {
                *surrogate = 1;
                return (size_t)-1;
            }
            n += put_utf8(o + n, c);
        }
    }
    return n;
}

static void job_fail(batch_job *job, int why, size_t text) {
    int expected = BATCH_OK;
    if (__atomic_compare_exchange_n(&job->failed, &expected, why, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        job->bad_text = text;
}

/* Encode text k of the job, with the worker's memo and buffers. */
static int job_encode_one(batch_job *job, size_t k, bpe_memo *memo, uint8_t **buf, size_t *cap, bpe_ids *spare,
                          id_block **blocks) {
    const text_view *t = &job->texts[k];
    const uint8_t *s = t->data;
    size_t n = t->len;
    int surrogate;
    if (!t->ascii) {
        n = utf8_encode(t, buf, cap, &surrogate);
        if (n == (size_t)-1) {
            job_fail(job, surrogate ? BATCH_SURROGATE : BATCH_NO_MEMORY, k);
            return -1;
        }
        s = *buf;
    }
    spare->len = 0;
    int held = any_bytes_occur(s, n, job->stop, job->stop_len, job->n_stop);
    if (held) job->held_back[k] = 1; /* no ids: the caller encodes it */
    int rc = held ? 0 : job->encode(job->model, memo, job->pattern, s, n, spare);
    if (rc) {
        job_fail(job, rc == -2 ? BATCH_REFUSED : BATCH_NO_MEMORY, k);
        return -1;
    }
    if (!job->ids) {
        job->counts[k] = spare->len;
    } else {
        uint32_t *room = block_room(blocks, spare->len);
        if (!room) {
            job_fail(job, BATCH_NO_MEMORY, k);
            return -1;
        }
        if (spare->len) memcpy(room, spare->ids, spare->len * 4); /* no ids: spare->ids may be NULL */
        (*blocks)->used += spare->len;
        job->ids[k] = (bpe_ids){room, spare->len, 0};
    }
    if (job->done) __atomic_store_n(&job->done[k], 1, __ATOMIC_RELEASE);
    return 0;
}

/* The calling thread's report: how many texts from the first on are done, if enough are new. */
static void job_report(batch_job *job, size_t *ready, size_t *reported) {
    while (*ready < job->count && __atomic_load_n(&job->done[*ready], __ATOMIC_ACQUIRE)) ++*ready;
    if (*ready - *reported >= PROGRESS_STEP) {
        job->progress(job->ctx, *ready);
        *reported = *ready;
    }
}

/* Take chunks of texts and encode them until none are left; `caller`: the thread that called
 * run_batch, which also reports progress. */
static void batch_work(batch_job *job, int caller) {
    int slot = -1;
    size_t ready = 0, reported = 0;
    bpe_memo *memo = job->pool ? memo_take(job->pool, job->memo_entries, 1, 1, &slot) /* a private one if needed */
                               : NULL;
    uint8_t *buf = NULL;
    size_t cap = 0;
    bpe_ids spare = {NULL, 0, 0};
    id_block *blocks = NULL;
    while (!__atomic_load_n(&job->failed, __ATOMIC_ACQUIRE)) {
        size_t first = __atomic_fetch_add(&job->next, job->chunk, __ATOMIC_RELAXED);
        if (first >= job->count) break;
        size_t last = first + job->chunk < job->count ? first + job->chunk : job->count;
        for (size_t k = first; k < last; k++)
            if (job_encode_one(job, k, memo, &buf, &cap, &spare, &blocks)) break;
        if (caller && job->progress) job_report(job, &ready, &reported);
    }
    if (job->pool) memo_give_back(job->pool, memo, slot);
    free(buf);
    free(spare.ids);
    if (blocks) { /* put this worker's chain in front of the job's */
        id_block *last = blocks;
        while (last->next) last = last->next;
        last->next = __atomic_load_n(&job->blocks, __ATOMIC_ACQUIRE);
        while (!__atomic_compare_exchange_n(&job->blocks, &last->next, blocks, 1, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            ;
    }
}

static void *batch_worker(void *job) {
    batch_work(job, 0);
    return NULL;
}

/* How many threads the job is worth: at most `wanted`, one per text, one per MIN_BYTES_PER_THREAD. */
static int batch_threads(const batch_job *job, int wanted) {
    size_t bytes = 0;
    for (size_t k = 0; k < job->count; k++) bytes += job->texts[k].utf8;
    size_t by_size = 1 + bytes / MIN_BYTES_PER_THREAD, n = (size_t)(wanted < 1 ? 1 : wanted);
    if (n > MAX_THREADS) n = MAX_THREADS;
    if (n > job->count) n = job->count ? job->count : 1;
    if (n > by_size) n = by_size;
    return (int)n;
}

/* Run the job on `threads` threads (the caller's included); a thread that cannot be started leaves
 * its share to the others. Returns job->failed. Call without the GIL. */
static int run_batch(batch_job *job, int threads) {
    pthread_t tid[MAX_THREADS];
    int started = 0;
    size_t chunk = job->count / ((size_t)threads * 64);
    job->chunk = chunk < 1 ? 1 : chunk > 64 ? 64 : chunk;
    for (int k = 1; k < threads; k++)
        if (pthread_create(&tid[started], NULL, batch_worker, job) == 0) started++;
    if (!started) job->progress = NULL; /* alone: nothing to overlap with */
    batch_work(job, 1);
    for (int k = 0; k < started; k++) pthread_join(tid[k], NULL);
    return job->failed;
}

#endif
