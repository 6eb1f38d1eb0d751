/* subtok._core: the compiled core's Python face.
 *
 *   BPE(blob, token_lens, token_ids, left, right, rank, merged, byte_ids, ignore_merges)
 *       .encode(text, pattern, before=b"", after=b"", stop=None) -> list[int] | None
 *       .encode_batch(texts, pattern, threads=1, before=b"", after=b"", make=None, stop=None) -> list
 *           (before/after: uint32 ids put around each text's ids, e.g. [CLS] ... [SEP])
 *       .encode_arrays(texts, pattern, threads=1) -> (bytearray of uint32 ids, bytearray of int64 offsets)
 *       .count_batch(texts, pattern, threads=1) -> list[int]
 *       .encode_piece(data) -> list[int]            (one piece's bytes, no scanning)
 *   WordPiece(blob, token_lens, token_ids, unk_id, prefix, max_chars, options)
 *       the same methods but encode_piece; the pattern argument is ignored (BERT's stages, see
 *       wordpiece.h; options: the WP_* constants)
 *   CharBPE(blob, token_lens, token_ids, left, right, rank, merged, byte_tokens, unk_id, space, options)
 *       the same methods but encode_piece; the pattern argument is ignored (sentencepiece-style BPE,
 *       see charbpe.h; options: the CB_* constants; unk_id 0xFFFFFFFF: none)
 *   Unigram(blob, token_lens, token_ids, scores, byte_tokens, charsmap, symbols, space, unk_score, unk_id,
 *           byte_fallback, float32)
 *       the same methods but encode_piece (see unigram.h; scores: float64 by id)
 *   NotForCore: raised for a text a model leaves to the reference
 *   split(text, pattern) -> list[int]               (piece ends, in code points; for tests)
 *   join_tokens(blob, records, ids, errors=None)    (decode: the tokens' bytes joined; see below)
 *   rank_merges(blob, token_lens, token_ids)        (tiktoken's ranks as merges, at load)
 *   PATTERN_GPT2, PATTERN_CL100K, PATTERN_O200K
 *
 * subtok/fast.py builds a BPE from a subtok BPE model and decides when it may be used; nothing
 * here knows about tokenizer files. The arrays are buffers of native uint32 (array('I')).
 *
 * The GIL is released while a text is scanned and encoded into a C array of ids; Python ints are
 * made only at the end. Those come from a per-tokenizer cache (one int object per id, made the
 * first time the id is returned), which turns building the result list into pointer copies: with
 * the work itself at ~100 MB/s, PyLong_FromLong per id would cost about a third of the time.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "batch.h"
#include "bpe.h"
#include "charbpe.h"
#include "unigram.h"
#include "scan.h"
#include "wordpiece.h"

/* Texts shorter than this keep the GIL: releasing and taking it back costs more than encoding. */
#define GIL_RELEASE_BYTES 256
/* A memo (bpe.h) serves one thread at a time: no lock on every lookup. Each BPE object keeps a pool
 * of them (batch.h); a call that finds all taken works without one, or, with this much text, with a
 * memo of its own for the duration. */
#define MEMO_ENTRIES 16384
/* sentencepiece-style BPE has no whole-piece shortcut (every piece is merged or remembered): its
 * memos are bigger (1 MB of English has 24k distinct pieces). */
#define CHARBPE_MEMO_ENTRIES 65536
#define PRIVATE_MEMO_BYTES (256 * 1024)

/* A BPE or a WordPiece model: the two types share this layout and every method but __init__. */
enum { KIND_NONE = 0, KIND_BPE = 1, KIND_WORDPIECE = 2, KIND_CHARBPE = 3, KIND_UNIGRAM = 4 };

/* Raised for a text an encoder leaves to the reference (subtok.fast catches it). */
static PyObject *NotForCore;

typedef struct {
    PyObject_HEAD
    int ready;       /* KIND_*: which of the models below was built */
    bpe_tables tables;
    wp_model wp;
    cb_model cb;
    ug_model ug;
    encode_fn encode; /* bpe_encode or wp_encode, on `model` */
    const void *model;
    uint32_t max_id;
    uint32_t memo_entries; /* the size of this model's memos */
    PyObject **ints; /* ints[id]: a cached int object, or NULL (made on first use, under the GIL) */
    memo_pool memos; /* BPE: made on first use; each taken (atomically) by one thread at a time */
} CoreObject;

static int encode_with_bpe(const void *t, bpe_memo *memo, int pattern, const uint8_t *s, size_t n, bpe_ids *out) {
    return bpe_encode(t, memo, pattern, s, n, out);
}

static int encode_with_wordpiece(const void *m, bpe_memo *memo, int pattern, const uint8_t *s, size_t n,
                                 bpe_ids *out) {
    (void)memo;
    (void)pattern;
    return wp_encode(m, s, n, out);
}

static int encode_with_charbpe(const void *m, bpe_memo *memo, int pattern, const uint8_t *s, size_t n,
                               bpe_ids *out) {
    (void)pattern;
    return cb_encode(m, memo, s, n, out);
}

static int encode_with_unigram(const void *m, bpe_memo *memo, int pattern, const uint8_t *s, size_t n,
                               bpe_ids *out) {
    (void)memo;
    (void)pattern;
    return ug_encode(m, s, n, out);
}

/* The memos of a model that uses them (the BPEs), else NULL. */
static memo_pool *memos_of(CoreObject *self) {
    return self->ready == KIND_BPE || self->ready == KIND_CHARBPE ? &self->memos : NULL;
}

/* -- text in, ids out --------------------------------------------------------------------------- */

typedef struct {
    const uint8_t *s;
    size_t n;
    uint8_t *buf; /* malloc'd memory holding s, or NULL when s is the str's own ASCII data */
} utf8_text;

/* Raise the UnicodeEncodeError that encoding `text` (a str with a lone surrogate) to UTF-8 raises. */
static void raise_unencodable(PyObject *text) {
    PyObject *b = PyUnicode_AsUTF8String(text);
    if (b) { /* it encoded after all: still an error, as the caller expects */
        Py_DECREF(b);
        PyErr_SetString(PyExc_UnicodeError, "a text could not be encoded to UTF-8");
    }
}

/* The UTF-8 bytes of a str: ASCII strings are used in place; others are encoded into memory of
 * our own, freed with free(t.buf) (not PyUnicode_AsUTF8, which would keep a UTF-8 copy alive
 * inside the str for good). A str with lone surrogates raises UnicodeEncodeError, like the
 * reference. */
static int utf8_of(PyObject *text, utf8_text *out) {
    out->buf = NULL;
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "expected a str, got %.100s", Py_TYPE(text)->tp_name);
        return -1;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0) return -1;
#endif
    if (PyUnicode_IS_ASCII(text)) {
        out->s = (const uint8_t *)PyUnicode_DATA(text);
        out->n = (size_t)PyUnicode_GET_LENGTH(text);
        return 0;
    }
    size_t len = (size_t)PyUnicode_GET_LENGTH(text), cap = 0;
    text_view view = {PyUnicode_DATA(text), len, (int)PyUnicode_KIND(text), 0, 0};
    int surrogate;
    size_t n = utf8_encode(&view, &out->buf, &cap, &surrogate);
    if (n == (size_t)-1) {
        free(out->buf);
        out->buf = NULL;
        if (!surrogate) {
            PyErr_NoMemory();
            return -1;
        }
        raise_unencodable(text);
        return -1;
    }
    out->s = out->buf;
    out->n = n;
    return 0;
}

static PyObject *int_of(CoreObject *self, uint32_t id) {
    PyObject *v = self->ints[id];
    if (!v) {
        v = PyLong_FromUnsignedLong(id);
        if (!v) return NULL;
        self->ints[id] = v;
    }
    Py_INCREF(v);
    return v;
}

/* Ids to put before and after each text's ids (a post-processor's special tokens): uint32 buffers,
 * possibly empty. Their ints are made each time: they need not be below max_id. */
typedef struct {
    Py_buffer before, after;
} id_wrap;

static int put_ids(PyObject *list, Py_ssize_t at, const Py_buffer *b) {
    const uint32_t *p = b->buf;
    for (Py_ssize_t k = 0; k < b->len / 4; k++) {
        PyObject *v = PyLong_FromUnsignedLong(p[k]);
        if (!v) return -1;
        PyList_SET_ITEM(list, at + k, v);
    }
    return 0;
}

static PyObject *list_of_ids(CoreObject *self, const bpe_ids *ids, const id_wrap *wrap) {
    if (!self->ints) {
        self->ints = PyMem_Calloc((size_t)self->max_id + 1, sizeof(PyObject *));
        if (!self->ints) return PyErr_NoMemory();
    }
    Py_ssize_t nb = wrap ? wrap->before.len / 4 : 0, na = wrap ? wrap->after.len / 4 : 0;
    PyObject *list = PyList_New((Py_ssize_t)ids->len + nb + na);
    if (!list) return NULL;
    if (wrap && (put_ids(list, 0, &wrap->before) || put_ids(list, nb + (Py_ssize_t)ids->len, &wrap->after))) {
        Py_DECREF(list);
        return NULL;
    }
    PyObject **ints = self->ints;
    for (size_t k = 0; k < ids->len; k++) {
        /* the int objects are scattered over the heap: fetch the ones a few ids ahead */
        if (k + 8 < ids->len) {
            PyObject *ahead = ints[ids->ids[k + 8]];
            if (ahead) __builtin_prefetch(ahead, 1);
            if (k + 16 < ids->len) __builtin_prefetch(&ints[ids->ids[k + 16]]);
        }
        PyObject *v = int_of(self, ids->ids[k]);
        if (!v) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, nb + (Py_ssize_t)k, v);
    }
    return list;
}

/* The optional before/after buffers of a call; 0, or -1 with an error set. */
static int check_wrap(id_wrap *w) {
    if (w->before.len % 4 || w->after.len % 4) {
        PyErr_SetString(PyExc_ValueError, "before/after: expected buffers of uint32 (array('I'))");
        return -1;
    }
    return 0;
}

static void release_wrap(id_wrap *w) {
    if (w->before.obj) PyBuffer_Release(&w->before);
    if (w->after.obj) PyBuffer_Release(&w->after);
}

static int check_pattern(int pattern) {
    if (pattern < 0 || pattern >= N_PATTERNS) {
        PyErr_Format(PyExc_ValueError, "unknown pattern %d (expected 0..%d)", pattern, N_PATTERNS - 1);
        return -1;
    }
    return 0;
}

/* -- BPE ---------------------------------------------------------------------------------------- */

static int uint32_buffer(const Py_buffer *view, const char *name, size_t *count) {
    if (view->len % 4) {
        PyErr_Format(PyExc_ValueError, "%s: expected a buffer of uint32 (array('I'))", name);
        return -1;
    }
    *count = (size_t)view->len / 4;
    return 0;
}

/* The eight buffers of a BPE-shaped model (token bytes, their lengths and ids; the merges' left,
 * right, rank and merged ids; 256 byte ids) checked and laid out as a bpe_spec; `model` and `bytes`
 * name them in errors. 0, or -1 with an error set. */
static int spec_of(const Py_buffer v[8], const char *model, const char *bytes, bpe_spec *spec) {
    size_t n_lens, n_ids, n_left, n_right, n_rank, n_merged, n_bytes;
    if (uint32_buffer(&v[1], "token_lens", &n_lens) || uint32_buffer(&v[2], "token_ids", &n_ids) ||
        uint32_buffer(&v[3], "left", &n_left) || uint32_buffer(&v[4], "right", &n_right) ||
        uint32_buffer(&v[5], "rank", &n_rank) || uint32_buffer(&v[6], "merged", &n_merged) ||
        uint32_buffer(&v[7], bytes, &n_bytes))
        return -1;
    if (n_lens != n_ids || n_left != n_right || n_left != n_rank || n_left != n_merged || n_bytes != 256) {
        PyErr_Format(PyExc_ValueError, "%s: the arrays' lengths do not match", model);
        return -1;
    }
    *spec = (bpe_spec){v[0].buf, (size_t)v[0].len, v[1].buf, v[2].buf, n_lens, v[3].buf, v[4].buf,
                       v[5].buf, v[6].buf, n_left, v[7].buf, 0};
    return 0;
}

/* A model's tables are built: the object encodes with `encode` on `model` from now on. The
 * building (a trie grown by doubling, sorted copies of the keys) freed tens of MB; glibc keeps freed
 * heap memory mapped, and whether a block came from the heap or its own mapping depends on what the
 * process freed before (its mmap threshold moves), so j2's core left 12 MB or 40 MB behind from one
 * change in the Python before it to the next. malloc_trim gives the free pages back (a few ms, once
 * per model). */
static void built(CoreObject *self, int kind, encode_fn encode, const void *model, uint32_t max_id,
                  uint32_t memo_entries) {
#ifdef __GLIBC__
    malloc_trim(0);
#endif
    self->ready = kind;
    self->encode = encode;
    self->model = model;
    self->max_id = max_id;
    self->memo_entries = memo_entries;
}

static int BPE_init(CoreObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"blob", "token_lens", "token_ids", "left", "right", "rank", "merged",
                             "byte_ids", "ignore_merges", NULL};
    Py_buffer v[8];
    int ignore_merges;
    if (self->ready) {
        PyErr_SetString(PyExc_RuntimeError, "BPE tables are built once");
        return -1;
    }
    memset(v, 0, sizeof(v));
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*y*y*y*y*y*y*y*p", kwlist, &v[0], &v[1], &v[2], &v[3],
                                     &v[4], &v[5], &v[6], &v[7], &ignore_merges))
        return -1;
    int rc = -1;
    bpe_spec spec;
    if (spec_of(v, "BPE", "byte_ids", &spec)) goto done;
    spec.ignore_merges = ignore_merges;
    char err[200];
    if (bpe_tables_init(&self->tables, &spec, err, sizeof(err))) {
        PyErr_Format(PyExc_ValueError, "BPE: %s", err);
        goto done;
    }
    if (self->tables.max_id >= (1u << 28)) {
        bpe_tables_free(&self->tables);
        PyErr_SetString(PyExc_ValueError, "BPE: token ids must be below 2**28");
        goto done;
    }
    built(self, KIND_BPE, encode_with_bpe, &self->tables, self->tables.max_id, MEMO_ENTRIES);
    rc = 0;
done:
    for (int k = 0; k < 8; k++) PyBuffer_Release(&v[k]);
    return rc;
}

static void BPE_dealloc(CoreObject *self) {
    if (self->ints) {
        for (size_t k = 0; k <= self->max_id; k++) Py_XDECREF(self->ints[k]);
        PyMem_Free(self->ints);
    }
    if (self->ready == KIND_BPE) bpe_tables_free(&self->tables);
    if (self->ready == KIND_WORDPIECE) wp_free(&self->wp);
    if (self->ready == KIND_CHARBPE) cb_free(&self->cb);
    if (self->ready == KIND_UNIGRAM) ug_free(&self->ug);
    memo_pool_free(&self->memos);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int check_ready(CoreObject *self) {
    if (!self->ready) {
        PyErr_SetString(PyExc_RuntimeError, "the model was not initialized");
        return -1;
    }
    return 0;
}

/* Encode texts[0:count] into ids[0:count], without the GIL when there is enough work. */
static int encode_texts(CoreObject *self, int pattern, const utf8_text *texts, bpe_ids *ids, size_t count) {
    size_t total = 0;
    for (size_t k = 0; k < count; k++) total += texts[k].n;
    int failed = 0, slot = -1;
    memo_pool *pool = memos_of(self);
    bpe_memo *memo = pool ? memo_take(pool, self->memo_entries, total, PRIVATE_MEMO_BYTES, &slot) : NULL;
    PyThreadState *save = total >= GIL_RELEASE_BYTES ? PyEval_SaveThread() : NULL;
    for (size_t k = 0; k < count && !failed; k++)
        failed = self->encode(self->model, memo, pattern, texts[k].s, texts[k].n, &ids[k]);
    if (save) PyEval_RestoreThread(save);
    if (pool) memo_give_back(pool, memo, slot);
    if (failed == -2) PyErr_SetString(NotForCore, "this text is left to the reference");
    else if (failed) PyErr_NoMemory();
    return failed ? -1 : 0;
}

/* encode's and encode_batch's optional `stop`: a tuple of non-empty bytes; a text holding one of them
 * is not encoded, and None stands for its ids (the caller splits out its added tokens). */
#define STOP_INLINE 16 /* strings held in the set itself: no allocation on one text's encode */
typedef struct {
    const uint8_t **ptr;
    size_t *len, n;
    uint8_t *held_back; /* per text; NULL when there are no texts to mark (one text's encode) */
    const uint8_t *ptr_inline[STOP_INLINE];
    size_t len_inline[STOP_INLINE];
} stop_set;

static void stop_free(stop_set *st) {
    if (st->ptr != st->ptr_inline) PyMem_Free(st->ptr);
    if (st->len != st->len_inline) PyMem_Free(st->len);
    PyMem_Free(st->held_back);
    st->ptr = st->ptr_inline;
    st->len = st->len_inline;
    st->n = 0;
    st->held_back = NULL;
}

/* Parse `stop` (NULL or None: an empty set) for `count` texts to mark (0: none). */
static int parse_stop(PyObject *stop, size_t count, stop_set *st) {
    st->ptr = st->ptr_inline;
    st->len = st->len_inline;
    st->n = 0;
    st->held_back = NULL;
    if (stop == NULL || stop == Py_None) return 0;
    if (!PyTuple_Check(stop)) {
        PyErr_SetString(PyExc_TypeError, "stop: expected a tuple of bytes");
        return -1;
    }
    size_t n = (size_t)PyTuple_GET_SIZE(stop);
    if (n > STOP_INLINE) {
        st->ptr = PyMem_Calloc(n, sizeof(*st->ptr));
        st->len = PyMem_Calloc(n, sizeof(*st->len));
    }
    if (count) st->held_back = PyMem_Calloc(count, 1);
    if (!st->ptr || !st->len || (count && !st->held_back)) {
        if (!st->ptr) st->ptr = st->ptr_inline;
        if (!st->len) st->len = st->len_inline;
        stop_free(st);
        PyErr_NoMemory();
        return -1;
    }
    for (size_t k = 0; k < n; k++) {
        PyObject *b = PyTuple_GET_ITEM(stop, (Py_ssize_t)k);
        if (!PyBytes_Check(b) || PyBytes_GET_SIZE(b) == 0) {
            stop_free(st);
            PyErr_SetString(PyExc_TypeError, "stop: expected a tuple of non-empty bytes");
            return -1;
        }
        st->ptr[k] = (const uint8_t *)PyBytes_AS_STRING(b);
        st->len[k] = (size_t)PyBytes_GET_SIZE(b);
    }
    st->n = n;
    return 0;
}

static PyObject *BPE_encode(CoreObject *self, PyObject *args) {
    PyObject *text, *stop = NULL;
    int pattern;
    id_wrap wrap;
    memset(&wrap, 0, sizeof(wrap));
    if (check_ready(self) ||
        !PyArg_ParseTuple(args, "Ui|y*y*O:encode", &text, &pattern, &wrap.before, &wrap.after, &stop))
        return NULL;
    PyObject *result = NULL;
    utf8_text t = {NULL, 0, NULL};
    if (check_pattern(pattern) || check_wrap(&wrap) || utf8_of(text, &t)) goto out;
    stop_set st;
    if (parse_stop(stop, 0, &st)) goto out;
    int found = any_bytes_occur(t.s, t.n, st.ptr, st.len, st.n);
    stop_free(&st);
    if (found) { /* the caller splits out added tokens itself when one is there */
        result = Py_NewRef(Py_None);
        goto out;
    }
    bpe_ids ids = {NULL, 0, 0};
    if (!encode_texts(self, pattern, &t, &ids, 1)) result = list_of_ids(self, &ids, &wrap);
    free(ids.ids);
out:
    free(t.buf);
    release_wrap(&wrap);
    return result;
}

/* -- many texts, on several threads (batch.h) --------------------------------------------------- */

/* Views of the texts of a sequence, each str held (a list may change while the GIL is released). */
static int views_of(PyObject *seq, size_t count, text_view *views, PyObject **held) {
    for (size_t k = 0; k < count; k++) {
        PyObject *text = PySequence_Fast_GET_ITEM(seq, (Py_ssize_t)k);
        if (!PyUnicode_Check(text)) {
            PyErr_Format(PyExc_TypeError, "expected a str, got %.100s", Py_TYPE(text)->tp_name);
            return -1;
        }
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(text) < 0) return -1;
#endif
        Py_INCREF(text);
        held[k] = text;
        size_t len = (size_t)PyUnicode_GET_LENGTH(text);
        int kind = (int)PyUnicode_KIND(text);
        views[k] = (text_view){PyUnicode_DATA(text), len, kind, PyUnicode_IS_ASCII(text), len * (kind == 1 ? 1 : 3)};
    }
    return 0;
}

/* encode_batch's optional `make`: (cls, ids_slot, pending_slot, text_slot, n_slot, pending). Each
 * text's list then goes into a new cls object (made as cls.__new__(cls) would make it, without
 * __init__) through the data descriptor ids_slot; pending_slot gets `pending` (one object for the
 * batch), text_slot the text and n_slot len(ids): subtok.fast's LazyEncoding, made here because
 * making it in Python was a tenth of a Tokenizer.encode_batch. */
typedef struct {
    PyTypeObject *cls;
    PyObject *slot[4]; /* ids, pending, text, n */
    PyObject *pending;
} object_maker;

static int check_maker(PyObject *make, object_maker *m) {
    memset(m, 0, sizeof(*m));
    if (make == NULL || make == Py_None) return 0;
    PyObject *cls;
    if (!PyTuple_Check(make)) {
        PyErr_Format(PyExc_TypeError, "make: expected a tuple, got %.100s", Py_TYPE(make)->tp_name);
        return -1;
    }
    if (!PyArg_ParseTuple(make, "OOOOOO:make", &cls, &m->slot[0], &m->slot[1], &m->slot[2], &m->slot[3],
                          &m->pending))
        return -1;
    int ok = PyType_Check(cls) && ((PyTypeObject *)cls)->tp_alloc;
    for (int k = 0; k < 4; k++) ok = ok && Py_TYPE(m->slot[k])->tp_descr_set;
    if (!ok) {
        PyErr_SetString(PyExc_TypeError, "make: expected (class, four data descriptors, object)");
        return -1;
    }
    m->cls = (PyTypeObject *)cls;
    return 0;
}

/* The object that holds one text's list (a new reference; the list's reference is taken over). */
static PyObject *make_object(const object_maker *m, PyObject *list, PyObject *text) {
    PyObject *n = PyLong_FromSsize_t(PyList_GET_SIZE(list));
    PyObject *obj = n ? m->cls->tp_alloc(m->cls, 0) : NULL;
    PyObject *values[4] = {list, m->pending, text, n};
    for (int k = 0; obj && k < 4; k++)
        if (Py_TYPE(m->slot[k])->tp_descr_set(m->slot[k], obj, values[k])) Py_CLEAR(obj);
    Py_XDECREF(n);
    Py_DECREF(list);
    return obj;
}

/* encode_batch's lists, made from ids[built:upto] (each ids array freed once used). */
typedef struct {
    CoreObject *self;
    bpe_ids *ids;
    const id_wrap *wrap;
    PyObject *result; /* NULL after a failure (the error is set) */
    size_t built;
    PyThreadState *save; /* while the GIL is released: the thread state to take it back with */
    const object_maker *make; /* cls NULL: plain lists */
    PyObject *seq;            /* the texts */
    const uint8_t *held_back; /* NULL, or per text: 1 when it holds a stop string (None in the result) */
} list_builder;

/* The result starts as a list of None (a collection while the objects are made may run Python
 * code -- a finalizer, gc.callbacks -- that could find it through gc.get_objects(): it must hold no
 * NULL); each item is put in place of its None. The cyclic GC is left on: the id lists are
 * untracked and an Encoding is one object, so the collections set off while they are made cost
 * little, and with several threads they run while the other threads encode (turned off for the
 * call, the collection came after it, on one thread: 2 threads / 1 thread went 1.59 -> 1.68x). */
static void build_lists(list_builder *b, size_t upto) {
    for (; b->result && b->built < upto; b->built++) {
        if (b->held_back && b->held_back[b->built]) continue; /* None */
        PyObject *one = list_of_ids(b->self, &b->ids[b->built], b->wrap);
        /* A list of ints cannot be part of a reference cycle, so the cyclic GC need not watch it:
         * untracked, it is not walked, item by item, by every collection that follows (that walk
         * was a fifth of Tokenizer.encode_batch of en.txt's paragraphs, bert-base-uncased: 17 ->
         * 14 ms). What this gives up: a cycle that a caller builds through one of these lists
         * (appending the list to itself, or an object that holds it) is not collected. */
        if (one) PyObject_GC_UnTrack(one);
        if (one && b->make->cls) one = make_object(b->make, one, PySequence_Fast_GET_ITEM(b->seq, b->built));
        if (!one) {
            Py_CLEAR(b->result);
        } else {
            PyObject *none = PyList_GET_ITEM(b->result, (Py_ssize_t)b->built);
            PyList_SET_ITEM(b->result, (Py_ssize_t)b->built, one);
            Py_DECREF(none);
        }
    }
}

/* batch.h's progress report, in the calling thread: take the GIL, make the lists, release it. */
static void build_lists_meanwhile(void *ctx, size_t ready) {
    list_builder *b = ctx;
    if (!b->save || !b->result) return;
    PyEval_RestoreThread(b->save);
    build_lists(b, ready);
    b->save = PyEval_SaveThread();
}

/* Run a batch job on the texts of seq with the GIL released; ids (per text) or counts get the
 * results (ids in *blocks, which the caller frees with blocks_free, also on failure), and `lists`
 * (optional) makes encode_batch's lists as texts are done. Raises and returns
 * -1 on failure (UnicodeEncodeError for a lone surrogate, as encode). */
static int run_texts(CoreObject *self, PyObject *seq, int pattern, int threads, bpe_ids *ids, size_t *counts,
                     list_builder *lists, id_block **blocks, const stop_set *stop) {
    size_t count = (size_t)PySequence_Fast_GET_SIZE(seq);
    text_view *views = PyMem_Calloc(count ? count : 1, sizeof(text_view));
    PyObject **held = PyMem_Calloc(count ? count : 1, sizeof(PyObject *));
    uint8_t *done = lists ? PyMem_Calloc(count ? count : 1, 1) : NULL;
    int rc = -1;
    if (!views || !held || (lists && !done)) {
        PyErr_NoMemory();
        goto out;
    }
    if (views_of(seq, count, views, held)) goto out;
    batch_job job = {self->encode, self->model, memos_of(self), self->memo_entries, pattern, views, count, 1, ids,
                     counts, 0, BATCH_OK, 0,
                     NULL, done, lists ? build_lists_meanwhile : NULL, lists,
                     stop ? stop->ptr : NULL, stop ? stop->len : NULL, stop ? stop->n : 0,
                     stop ? stop->held_back : NULL};
    int n = batch_threads(&job, threads);
    size_t bytes = 0;
    for (size_t k = 0; k < count; k++) bytes += views[k].utf8;
    PyThreadState *save = bytes >= GIL_RELEASE_BYTES ? PyEval_SaveThread() : NULL;
    if (lists) lists->save = save;
    int failed = run_batch(&job, n);
    *blocks = job.blocks; /* the ids' memory, for the caller to free once used */
    if (lists) save = lists->save;
    if (save) PyEval_RestoreThread(save);
    if (lists) lists->save = NULL;
    if (failed == BATCH_SURROGATE) {
        raise_unencodable(held[job.bad_text]);
    } else if (failed == BATCH_REFUSED) {
        PyErr_SetString(NotForCore, "a text is left to the reference");
    } else if (failed) {
        PyErr_NoMemory();
    } else {
        rc = 0;
    }
out:
    for (size_t k = 0; held && k < count; k++) Py_XDECREF(held[k]);
    PyMem_Free(views);
    PyMem_Free(held);
    PyMem_Free(done);
    return rc;
}

typedef struct {
    PyObject *seq;
    int pattern, threads;
} batch_args;

static int parse_batch(CoreObject *self, PyObject *args, const char *format, batch_args *a) {
    PyObject *texts;
    a->threads = 1;
    if (check_ready(self) || !PyArg_ParseTuple(args, format, &texts, &a->pattern, &a->threads) ||
        check_pattern(a->pattern))
        return -1;
    a->seq = PySequence_Fast(texts, "expected a sequence of str");
    return a->seq ? 0 : -1;
}

static PyObject *BPE_encode_batch(CoreObject *self, PyObject *args) {
    batch_args a;
    PyObject *texts, *make = NULL, *stop = NULL;
    id_wrap wrap;
    object_maker maker;
    stop_set held;
    memset(&wrap, 0, sizeof(wrap));
    memset(&held, 0, sizeof(held));
    a.threads = 1;
    if (check_ready(self) || !PyArg_ParseTuple(args, "Oi|iy*y*OO:encode_batch", &texts, &a.pattern, &a.threads,
                                               &wrap.before, &wrap.after, &make, &stop))
        return NULL;
    if (check_pattern(a.pattern) || check_wrap(&wrap) || check_maker(make, &maker) ||
        !(a.seq = PySequence_Fast(texts, "expected a sequence of str"))) {
        release_wrap(&wrap);
        return NULL;
    }
    size_t count = (size_t)PySequence_Fast_GET_SIZE(a.seq);
    bpe_ids *ids = PyMem_Calloc(count ? count : 1, sizeof(bpe_ids));
    list_builder lists = {self, ids, &wrap, NULL, 0, NULL, &maker, a.seq, NULL};
    id_block *blocks = NULL;
    if (!ids) PyErr_NoMemory();
    else if (!self->ints && !(self->ints = PyMem_Calloc((size_t)self->max_id + 1, sizeof(PyObject *))))
        PyErr_NoMemory();
    else if (parse_stop(stop, count, &held) == 0 && (lists.result = PyList_New((Py_ssize_t)count))) {
        lists.held_back = held.held_back;
        for (size_t k = 0; k < count; k++) PyList_SET_ITEM(lists.result, (Py_ssize_t)k, Py_NewRef(Py_None));
        if (run_texts(self, a.seq, a.pattern, a.threads, ids, NULL, &lists, &blocks, held.n ? &held : NULL))
            Py_CLEAR(lists.result);
        build_lists(&lists, count);
    }
    PyObject *result = lists.result;
    if (result && stop && stop != Py_None) { /* (the items, the indices of the texts left out) */
        PyObject *left = PyList_New(0);
        for (size_t k = 0; left && k < count; k++) {
            if (!held.held_back[k]) continue;
            PyObject *v = PyLong_FromSize_t(k);
            if (!v || PyList_Append(left, v)) Py_CLEAR(left);
            Py_XDECREF(v);
        }
        result = left ? Py_BuildValue("(NN)", result, left) : NULL;
        if (!left) Py_CLEAR(lists.result);
    }
    stop_free(&held);
    blocks_free(blocks);
    PyMem_Free(ids);
    Py_DECREF(a.seq);
    release_wrap(&wrap);
    return result;
}

/* All ids in one bytearray of native uint32, and count + 1 offsets (int64) into it. */
static PyObject *arrays_of(const bpe_ids *ids, size_t count) {
    size_t total = 0;
    for (size_t k = 0; k < count; k++) total += ids[k].len;
    if (total > (size_t)PY_SSIZE_T_MAX / 4 || count >= (size_t)PY_SSIZE_T_MAX / 8) return PyErr_NoMemory();
    PyObject *flat = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)(total * 4));
    PyObject *offsets = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)((count + 1) * 8));
    if (!flat || !offsets) {
        Py_XDECREF(flat);
        Py_XDECREF(offsets);
        return NULL;
    }
    uint32_t *out = (uint32_t *)PyByteArray_AS_STRING(flat);
    int64_t *off = (int64_t *)PyByteArray_AS_STRING(offsets);
    size_t at = 0;
    off[0] = 0;
    for (size_t k = 0; k < count; k++) {
        if (ids[k].len) memcpy(out + at, ids[k].ids, ids[k].len * 4);
        at += ids[k].len;
        off[k + 1] = (int64_t)at;
    }
    return Py_BuildValue("(NN)", flat, offsets);
}

static PyObject *BPE_encode_arrays(CoreObject *self, PyObject *args) {
    batch_args a;
    if (parse_batch(self, args, "Oi|i:encode_arrays", &a)) return NULL;
    size_t count = (size_t)PySequence_Fast_GET_SIZE(a.seq);
    bpe_ids *ids = PyMem_Calloc(count ? count : 1, sizeof(bpe_ids));
    PyObject *result = NULL;
    id_block *blocks = NULL;
    if (!ids) PyErr_NoMemory();
    else if (!run_texts(self, a.seq, a.pattern, a.threads, ids, NULL, NULL, &blocks, NULL)) result = arrays_of(ids, count);
    blocks_free(blocks);
    PyMem_Free(ids);
    Py_DECREF(a.seq);
    return result;
}

static PyObject *BPE_count_batch(CoreObject *self, PyObject *args) {
    batch_args a;
    if (parse_batch(self, args, "Oi|i:count_batch", &a)) return NULL;
    size_t count = (size_t)PySequence_Fast_GET_SIZE(a.seq);
    size_t *counts = PyMem_Calloc(count ? count : 1, sizeof(size_t));
    PyObject *result = NULL;
    id_block *blocks = NULL; /* stays NULL: counting keeps no ids */
    if (!counts) PyErr_NoMemory();
    else if (!run_texts(self, a.seq, a.pattern, a.threads, NULL, counts, NULL, &blocks, NULL)) result = PyList_New((Py_ssize_t)count);
    for (size_t k = 0; result && k < count; k++) {
        PyObject *v = PyLong_FromSize_t(counts[k]);
        if (!v) Py_CLEAR(result);
        else PyList_SET_ITEM(result, (Py_ssize_t)k, v);
    }
    blocks_free(blocks);
    PyMem_Free(counts);
    Py_DECREF(a.seq);
    return result;
}

static PyObject *BPE_encode_piece(CoreObject *self, PyObject *arg) {
    Py_buffer data;
    if (check_ready(self)) return NULL;
    if (self->ready != KIND_BPE) {
        PyErr_SetString(PyExc_TypeError, "encode_piece: only a BPE model has pieces to merge");
        return NULL;
    }
    if (PyObject_GetBuffer(arg, &data, PyBUF_SIMPLE)) return NULL;
    bpe_ids ids = {NULL, 0, 0};
    PyObject *result = NULL;
    if (bpe_encode_piece(&self->tables, data.buf, (size_t)data.len, &ids)) PyErr_NoMemory();
    else result = list_of_ids(self, &ids, NULL);
    free(ids.ids);
    PyBuffer_Release(&data);
    return result;
}

static PyMethodDef BPE_methods[] = {
    {"encode", (PyCFunction)BPE_encode, METH_VARARGS,
     "encode(text, pattern, before=b'', after=b'', stop=None) -> list[int] | None: cut text with the\n"
     "pattern's scanner, BPE each piece (WordPiece: BERT's stages); `before`/`after` (uint32 buffers) go\n"
     "around the ids; None when one of the bytes in the tuple `stop` occurs in the text's UTF-8."},
    {"encode_batch", (PyCFunction)BPE_encode_batch, METH_VARARGS,
     "encode_batch(texts, pattern, threads=1, before=b'', after=b'', make=None, stop=None) -> list: encode\n"
     "each text, on up to `threads` threads, the GIL released once; with `make`, each list goes into an\n"
     "object (see object_maker in module.c); with `stop` (a tuple of bytes), a text holding one of them\n"
     "is not encoded, its item is None, and the result is (items, indices of those texts)."},
    {"encode_arrays", (PyCFunction)BPE_encode_arrays, METH_VARARGS,
     "encode_arrays(texts, pattern, threads=1) -> (ids, offsets): every text's ids in one bytearray\n"
     "of native uint32, and len(texts) + 1 int64 offsets (text k: ids[offsets[k]:offsets[k+1]])."},
    {"count_batch", (PyCFunction)BPE_count_batch, METH_VARARGS,
     "count_batch(texts, pattern, threads=1) -> list[int]: the number of ids of each text."},
    {"encode_piece", (PyCFunction)BPE_encode_piece, METH_O,
     "encode_piece(data: bytes) -> list[int]: the ids of one piece (no scanning)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject BPEType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "subtok._core.BPE",
    .tp_doc = "Byte-level BPE tables and encoder (see subtok.fast).",
    .tp_basicsize = sizeof(CoreObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)BPE_init,
    .tp_dealloc = (destructor)BPE_dealloc,
    .tp_methods = BPE_methods,
};

/* -- WordPiece ---------------------------------------------------------------------------------- */

static int WordPiece_init(CoreObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"blob", "token_lens", "token_ids", "unk_id", "prefix", "max_chars", "options", NULL};
    Py_buffer v[3], prefix;
    unsigned long unk_id, max_chars;
    int options;
    if (self->ready) {
        PyErr_SetString(PyExc_RuntimeError, "WordPiece tables are built once");
        return -1;
    }
    memset(v, 0, sizeof(v));
    memset(&prefix, 0, sizeof(prefix));
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*y*y*ky*ki", kwlist, &v[0], &v[1], &v[2], &unk_id, &prefix,
                                     &max_chars, &options))
        return -1;
    int rc = -1;
    size_t n_lens, n_ids;
    uint32_t no_bytes[256] = {0};
    if (uint32_buffer(&v[1], "token_lens", &n_lens) || uint32_buffer(&v[2], "token_ids", &n_ids)) goto done;
    if (n_lens != n_ids) {
        PyErr_SetString(PyExc_ValueError, "WordPiece: the arrays' lengths do not match");
        goto done;
    }
    if (unk_id >= (1u << 28) || max_chars > UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "WordPiece: unk_id must be below 2**28 and max_chars below 2**32");
        goto done;
    }
    bpe_spec spec = {v[0].buf, (size_t)v[0].len, v[1].buf, v[2].buf, n_lens, NULL, NULL, NULL, NULL, 0, no_bytes, 0};
    char err[200];
    if (wp_init(&self->wp, &spec, (uint32_t)unk_id, prefix.buf, (size_t)prefix.len, (uint32_t)max_chars, options,
                err, sizeof(err))) {
        PyErr_Format(PyExc_ValueError, "WordPiece: %s", err);
        goto done;
    }
    if (self->wp.vocab.max_id >= (1u << 28)) {
        wp_free(&self->wp);
        PyErr_SetString(PyExc_ValueError, "WordPiece: token ids must be below 2**28");
        goto done;
    }
    built(self, KIND_WORDPIECE, encode_with_wordpiece, &self->wp, self->wp.vocab.max_id, 0);
    rc = 0;
done:
    for (int k = 0; k < 3; k++) PyBuffer_Release(&v[k]);
    PyBuffer_Release(&prefix);
    return rc;
}

static PyTypeObject WordPieceType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "subtok._core.WordPiece",
    .tp_doc = "WordPiece behind BERT's normalizer and pre-tokenizer (see subtok.fast); the pattern\n"
              "argument of its methods is ignored.",
    .tp_basicsize = sizeof(CoreObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)WordPiece_init,
    .tp_dealloc = (destructor)BPE_dealloc,
    .tp_methods = BPE_methods,
};

/* -- CharBPE ------------------------------------------------------------------------------------ */

static int CharBPE_init(CoreObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"blob", "token_lens", "token_ids", "left", "right", "rank", "merged",
                             "byte_tokens", "unk_id", "space", "options", NULL};
    Py_buffer v[8], space;
    unsigned long unk_id;
    int options;
    if (self->ready) {
        PyErr_SetString(PyExc_RuntimeError, "CharBPE tables are built once");
        return -1;
    }
    memset(v, 0, sizeof(v));
    memset(&space, 0, sizeof(space));
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*y*y*y*y*y*y*y*ky*i", kwlist, &v[0], &v[1], &v[2], &v[3],
                                     &v[4], &v[5], &v[6], &v[7], &unk_id, &space, &options))
        return -1;
    int rc = -1;
    bpe_spec spec;
    if (spec_of(v, "CharBPE", "byte_tokens", &spec)) goto done;
    if (unk_id != BPE_NONE && unk_id >= (1u << 28)) {
        PyErr_SetString(PyExc_ValueError, "CharBPE: unk_id must be below 2**28 (0xFFFFFFFF: none)");
        goto done;
    }
    char err[200];
    if (cb_init(&self->cb, &spec, (uint32_t)unk_id, space.buf, (size_t)space.len, options, err, sizeof(err))) {
        PyErr_Format(PyExc_ValueError, "CharBPE: %s", err);
        goto done;
    }
    if (self->cb.t.max_id >= (1u << 28)) {
        cb_free(&self->cb);
        PyErr_SetString(PyExc_ValueError, "CharBPE: token ids must be below 2**28");
        goto done;
    }
    built(self, KIND_CHARBPE, encode_with_charbpe, &self->cb, self->cb.t.max_id, CHARBPE_MEMO_ENTRIES);
    rc = 0;
done:
    for (int k = 0; k < 8; k++) PyBuffer_Release(&v[k]);
    PyBuffer_Release(&space);
    return rc;
}

static PyTypeObject CharBPEType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "subtok._core.CharBPE",
    .tp_doc = "BPE over characters with byte fallback behind sentencepiece's space handling (see\n"
              "subtok.fast); the pattern argument of its methods is ignored.",
    .tp_basicsize = sizeof(CoreObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)CharBPE_init,
    .tp_dealloc = (destructor)BPE_dealloc,
    .tp_methods = BPE_methods,
};

/* -- Unigram ------------------------------------------------------------------------------------ */

static int Unigram_init(CoreObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"blob", "token_lens", "token_ids", "scores", "byte_tokens", "charsmap", "symbols",
                             "space", "unk_score", "unk_id", "byte_fallback", "float32", NULL};
    Py_buffer v[8];
    double unk_score;
    unsigned long unk_id;
    int byte_fallback, float32;
    if (self->ready) {
        PyErr_SetString(PyExc_RuntimeError, "Unigram tables are built once");
        return -1;
    }
    memset(v, 0, sizeof(v));
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*y*y*y*y*y*y*y*dkpp", kwlist, &v[0], &v[1], &v[2], &v[3], &v[4],
                                     &v[5], &v[6], &v[7], &unk_score, &unk_id, &byte_fallback, &float32))
        return -1;
    int rc = -1;
    size_t n_lens, n_ids, n_bytes;
    if (uint32_buffer(&v[1], "token_lens", &n_lens) || uint32_buffer(&v[2], "token_ids", &n_ids) ||
        uint32_buffer(&v[4], "byte_tokens", &n_bytes))
        goto done;
    if (n_lens != n_ids || n_bytes != 256 || v[3].len % sizeof(double)) {
        PyErr_SetString(PyExc_ValueError, "Unigram: the arrays' lengths do not match");
        goto done;
    }
    if (unk_id >= (1u << 28)) {
        PyErr_SetString(PyExc_ValueError, "Unigram: unk_id must be below 2**28");
        goto done;
    }
    ug_spec spec = {v[0].buf, (size_t)v[0].len, v[1].buf, v[2].buf, n_lens, v[3].buf,
                    (size_t)v[3].len / sizeof(double), v[4].buf, v[5].buf, (size_t)v[5].len, v[6].buf,
                    (size_t)v[6].len, v[7].buf, (size_t)v[7].len, unk_score, (uint32_t)unk_id, byte_fallback, float32};
    char err[200];
    if (ug_init(&self->ug, &spec, err, sizeof(err))) {
        PyErr_Format(PyExc_ValueError, "Unigram: %s", err);
        goto done;
    }
    uint32_t max_id = self->ug.n_scores ? self->ug.n_scores - 1 : 0;
    for (int b = 0; b < 256; b++)
        if (self->ug.byte_token[b] != BPE_NONE && self->ug.byte_token[b] > max_id) max_id = self->ug.byte_token[b];
    if (max_id >= (1u << 28)) {
        ug_free(&self->ug);
        PyErr_SetString(PyExc_ValueError, "Unigram: token ids must be below 2**28");
        goto done;
    }
    built(self, KIND_UNIGRAM, encode_with_unigram, &self->ug, max_id, 0);
    rc = 0;
done:
    for (int k = 0; k < 8; k++) PyBuffer_Release(&v[k]);
    return rc;
}

static PyTypeObject UnigramType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "subtok._core.Unigram",
    .tp_doc = "Unigram behind sentencepiece's precompiled charsmap (see subtok.fast); the pattern\n"
              "argument of its methods is ignored.",
    .tp_basicsize = sizeof(CoreObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Unigram_init,
    .tp_dealloc = (destructor)BPE_dealloc,
    .tp_methods = BPE_methods,
};

/* -- split -------------------------------------------------------------------------------------- */

static PyObject *split(PyObject *module, PyObject *args) {
    PyObject *text, *ends;
    int pattern;
    (void)module;
    if (!PyArg_ParseTuple(args, "Ui:split", &text, &pattern) || check_pattern(pattern)) return NULL;
    utf8_text t;
    if (utf8_of(text, &t)) return NULL;
    ends = PyList_New(0);
    size_t i = 0, chars = 0;
    scan_cursor cursor;
    cursor_init(&cursor, t.s, t.n);
    while (ends && i < t.n) {
        size_t j = cursor_next(&cursor, pattern, i); /* as the encoders cut it */
        for (; i < j; i++) chars += (t.s[i] & 0xC0) != 0x80;
        PyObject *v = PyLong_FromSize_t(chars);
        if (!v || PyList_Append(ends, v)) Py_CLEAR(ends);
        Py_XDECREF(v);
    }
    free(t.buf);
    return ends;
}

/* -- ids out, bytes in ------------------------------------------------------------------------ */

/* join_tokens(blob, records, ids, errors=None) -> bytes | str | None: the bytes of each id joined
 * (decoded from UTF-8 with the `errors` handler when it is given, as bytes.decode does); None when
 * an id is not an int, out of range or marked missing, so that the caller's reference path raises
 * its own error. records: 16 bytes per id (subtok.fast.token_table): a length up to 15 and the bytes
 * inline, or 0xFF, then at 4 a uint32 length and at 8 a uint64 offset into blob, or 0xFE: no token.
 *
 * One pass into a buffer with room to spare (a short token is copied as 15 bytes: two moves, no
 * call), then the result made from it: two passes (lengths, then copies into the result) took
 * twice the time. The ids are read JOIN_CHUNK at a time ahead of the copies and their records
 * prefetched: with cold caches (the table is 1.6 MB for cl100k) each record was a miss waited on
 * alone; cl100k, en.txt's 248,157 ids: 1.7 -> 1.25 ms. The int objects are asked for 64 items
 * ahead too (a list from tiktoken or a decoder holds a fresh int per id, 8-11 MB for 1 MB of text):
 * gpt2, en.txt's 345,588 ids after gc.collect() in a process holding five tokenizers, 1.35 -> 1.07 ms. */
#define RECORD 16
#define RECORD_LONG 0xFF
#define JOIN_CHUNK 512 /* ids read ahead of the join, so that their records' cache misses overlap */

/* The id in item, and where its bytes are (*src, *n); 0 when it is not a token of the table. */
static inline int id_of(PyObject *item, size_t n_tokens, uint32_t *out) {
    if (!PyLong_CheckExact(item)) return 0;
    long id;
#if PY_VERSION_HEX >= 0x030C0000
    if (PyUnstable_Long_IsCompact((PyLongObject *)item)) id = (long)PyUnstable_Long_CompactValue((PyLongObject *)item);
#else
    if (Py_SIZE(item) == 1) id = (long)((PyLongObject *)item)->ob_digit[0]; /* 0 < id < 2**30: one digit */
#endif
    else if ((id = PyLong_AsLong(item)) == -1 && PyErr_Occurred()) PyErr_Clear();
    if (id < 0 || (unsigned long)id >= n_tokens) return 0;
    *out = (uint32_t)id;
    return 1;
}

/* Where the bytes of token id are (*src, *n); 0 when the table has no token there. */
static inline int token_at(uint32_t id, const uint8_t *rec, const Py_buffer *blob, const uint8_t **src, size_t *n) {
    const uint8_t *r = rec + (size_t)id * RECORD;
    if (r[0] < RECORD) {
        *n = r[0];
        *src = r + 1;
        return 1;
    }
    if (r[0] != RECORD_LONG) return 0;
    uint32_t len;
    uint64_t off;
    memcpy(&len, r + 4, 4);
    memcpy(&off, r + 8, 8);
    if (off > (uint64_t)blob->len || len > (uint64_t)blob->len - off) return 0;
    *n = len;
    *src = (const uint8_t *)blob->buf + off;
    return 1;
}

static PyObject *join_tokens(PyObject *module, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"blob", "records", "ids", "errors", NULL};
    Py_buffer blob, records;
    PyObject *ids, *out = NULL;
    const char *errors = NULL;
    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*y*O!|z:join_tokens", kwlist, &blob, &records, &PyList_Type, &ids,
                                     &errors))
        return NULL;
    PyObject *joined = NULL; /* the bytes are joined right into a bytes object, shrunk at the end */
    char *buf;
    if (records.len % RECORD) {
        PyErr_SetString(PyExc_ValueError, "join_tokens: the records are not 16 bytes each");
        goto done;
    }
    size_t n_tokens = (size_t)records.len / RECORD, count = (size_t)PyList_GET_SIZE(ids);
    size_t cap = 4 * count + 64, at = 0;
    if (!(joined = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)cap))) goto done;
    buf = PyBytes_AS_STRING(joined);
    uint32_t chunk[JOIN_CHUNK];
    for (size_t k = 0; k < count; k++) {
        const uint8_t *src = NULL;
        size_t n = 0;
        if (k % JOIN_CHUNK == 0) { /* the next ids, their records asked for at once */
            for (size_t j = 0; j < JOIN_CHUNK && k + j < count; j++) {
                if (k + j + 64 < count) __builtin_prefetch(PyList_GET_ITEM(ids, k + j + 64)); /* its int */
                if (!id_of(PyList_GET_ITEM(ids, k + j), n_tokens, &chunk[j])) {
                    out = Py_NewRef(Py_None);
                    goto done;
                }
                __builtin_prefetch((const uint8_t *)records.buf + (size_t)chunk[j] * RECORD);
            }
        }
        if (!token_at(chunk[k % JOIN_CHUNK], records.buf, &blob, &src, &n)) {
            out = Py_NewRef(Py_None);
            goto done;
        }
        size_t need = n < RECORD ? RECORD - 1 : n;
        if (at + need > cap) {
            while (at + need > cap) cap *= 2;
            if (cap > (size_t)PY_SSIZE_T_MAX || _PyBytes_Resize(&joined, (Py_ssize_t)cap) < 0) {
                if (!PyErr_Occurred()) PyErr_NoMemory();
                goto done;
            }
            buf = PyBytes_AS_STRING(joined);
        }
        if (n < RECORD) memcpy(buf + at, src, RECORD - 1); /* a fixed size: two moves */
        else memcpy(buf + at, src, n);
        at += n;
    }
    if (errors) {
        out = PyUnicode_DecodeUTF8(buf, (Py_ssize_t)at, errors);
    } else if (_PyBytes_Resize(&joined, (Py_ssize_t)at) == 0) {
        out = joined;
        joined = NULL;
    }
done:
    Py_XDECREF(joined);
    PyBuffer_Release(&blob);
    PyBuffer_Release(&records);
    return out;
}

/* rank_merges(blob, token_lens, token_ids) -> bytes: tiktoken's ranks as merges (bpe_rank_merges),
 * uint32 (left, right, merged) triples sorted by merged id, for array('I').frombytes. */
static PyObject *rank_merges(PyObject *module, PyObject *args) {
    Py_buffer v[3];
    memset(v, 0, sizeof(v));
    if (!PyArg_ParseTuple(args, "y*y*y*:rank_merges", &v[0], &v[1], &v[2])) return NULL;
    PyObject *result = NULL;
    size_t n_lens, n_ids;
    if (uint32_buffer(&v[1], "token_lens", &n_lens) || uint32_buffer(&v[2], "token_ids", &n_ids)) goto done;
    if (n_lens != n_ids) {
        PyErr_SetString(PyExc_ValueError, "rank_merges: the arrays' lengths do not match");
        goto done;
    }
    uint32_t no_bytes[256] = {0};
    bpe_spec spec = {v[0].buf, (size_t)v[0].len, v[1].buf, v[2].buf, n_lens, NULL, NULL, NULL, NULL, 0, no_bytes, 0};
    uint32_t *merges = NULL;
    size_t count = 0;
    char err[200];
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = bpe_rank_merges(&spec, &merges, &count, err, sizeof(err));
    Py_END_ALLOW_THREADS
    if (rc) {
        PyErr_Format(PyExc_ValueError, "rank_merges: %s", err);
        goto done;
    }
    result = PyBytes_FromStringAndSize((const char *)merges, (Py_ssize_t)(count * 3 * sizeof(uint32_t)));
    free(merges);
done:
    for (int k = 0; k < 3; k++) PyBuffer_Release(&v[k]);
    return result;
}

static PyMethodDef module_methods[] = {
    {"split", split, METH_VARARGS,
     "split(text, pattern) -> list[int]: where the pattern's pieces end, in code points."},
    {"rank_merges", rank_merges, METH_VARARGS,
     "rank_merges(blob, token_lens, token_ids) -> bytes: tiktoken's ranks as merges, uint32 (left, right,\n"
     "merged) triples sorted by merged id (subtok.formats.tiktoken.merges_from_ranks is the reference)."},
    {"join_tokens", (PyCFunction)(void (*)(void))join_tokens, METH_VARARGS | METH_KEYWORDS,
     "join_tokens(blob, records, ids, errors=None) -> bytes | str | None: the tokens' bytes joined, decoded\n"
     "when errors is given (None: an id is missing)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT, "subtok._core", "subtok's compiled core (see subtok.fast).", -1, module_methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__core(void) {
    if (PyType_Ready(&BPEType) < 0 || PyType_Ready(&WordPieceType) < 0 || PyType_Ready(&CharBPEType) < 0 ||
        PyType_Ready(&UnigramType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&core_module);
    if (!m) return NULL;
    Py_INCREF(&BPEType);
    if (PyModule_AddObject(m, "BPE", (PyObject *)&BPEType) < 0) {
        Py_DECREF(&BPEType);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&WordPieceType);
    if (PyModule_AddObject(m, "WordPiece", (PyObject *)&WordPieceType) < 0) {
        Py_DECREF(&WordPieceType);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&CharBPEType);
    if (PyModule_AddObject(m, "CharBPE", (PyObject *)&CharBPEType) < 0) {
        Py_DECREF(&CharBPEType);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&UnigramType);
    if (PyModule_AddObject(m, "Unigram", (PyObject *)&UnigramType) < 0) {
        Py_DECREF(&UnigramType);
        Py_DECREF(m);
        return NULL;
    }
    NotForCore = PyErr_NewException("subtok._core.NotForCore", PyExc_ValueError, NULL);
    if (!NotForCore || PyModule_AddObject(m, "NotForCore", Py_NewRef(NotForCore)) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddIntConstant(m, "CB_PREPEND", CB_PREPEND) < 0 ||
        PyModule_AddIntConstant(m, "CB_SPLIT", CB_SPLIT) < 0 ||
        PyModule_AddIntConstant(m, "CB_BYTE_FALLBACK", CB_BYTE_FALLBACK) < 0 ||
        PyModule_AddIntConstant(m, "CB_FUSE_UNK", CB_FUSE_UNK) < 0 ||
        PyModule_AddIntConstant(m, "PATTERN_GPT2", PATTERN_GPT2) < 0 ||
        PyModule_AddIntConstant(m, "PATTERN_CL100K", PATTERN_CL100K) < 0 ||
        PyModule_AddIntConstant(m, "PATTERN_O200K", PATTERN_O200K) < 0 ||
        PyModule_AddIntConstant(m, "WP_CLEAN_TEXT", WP_CLEAN_TEXT) < 0 ||
        PyModule_AddIntConstant(m, "WP_CHINESE", WP_CHINESE) < 0 ||
        PyModule_AddIntConstant(m, "WP_STRIP_ACCENTS", WP_STRIP_ACCENTS) < 0 ||
        PyModule_AddIntConstant(m, "WP_LOWERCASE", WP_LOWERCASE) < 0 ||
        PyModule_AddIntConstant(m, "WP_PUNCTUATION", WP_PUNCTUATION) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
