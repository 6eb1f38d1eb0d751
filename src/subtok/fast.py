"""The compiled core behind the same objects, and the switch back to the pure-Python reference.

subtok's stages are written in Python and stay the reference. ``subtok._core`` (C, built by
``pip install`` when a compiler is there) runs the hot paths of known tokenizer shapes; the
tokenizer objects choose it by themselves when their stages have exactly such a shape, and give
the same results either way (tests/test_fast.py checks fast == reference == upstream library).

Fast paths so far:

- byte-level BPE as tiktoken's encodings (gpt2/r50k, cl100k_base, o200k_base) and tokenizer.json
  files such as Llama 3's have it: no normalizer; ``Split(pattern)`` with one of those three
  patterns, then ``ByteLevel(add_prefix_space=False, use_regex=False)`` (or only
  ``ByteLevel(add_prefix_space=False)``, which splits with GPT-2's pattern); a `BPE` model without
  dropout, prefixes or suffixes whose vocabulary has all 256 bytes. It serves
  ``Tokenizer.encode(text)`` (no pair, no truncation or padding), `Tokenizer.encode_batch`, and the
  tiktoken face. Added and special tokens are still split out in Python; only the text between
  them goes through C. The returned `Encoding` holds the ids; its tokens, offsets and
  the rest are computed by the reference the first time one of them is read.

- WordPiece behind BERT's stages, as bert-base-uncased and its kin have them: a `BertNormalizer`
  (any options) or none, then `BertPreTokenizer` or `WhitespaceSplit`, then a `WordPiece` model
  whose vocabulary has its unk token. Normalizing, splitting and the greedy longest match all run
  in C (``_core/wordpiece.c``), with the character facts generated from the reference's own tables
  (``tools/gen_bert_tables.py``).

- sentencepiece's BPE as Llama 2 / Mistral .model files (without user-defined symbols), llama.cpp's
  SPM vocabularies and Llama-2-shaped tokenizer.json files have it: Prepend(' ' or '▁') then
  Replace(' ', '▁'); no pre-tokenizer, or the Split before each run of '▁' the sentencepiece
  loader adds; a `BPE` over characters (byte fallback, fused unknowns, merges of equal rank) without
  dropout, prefixes, suffixes or ignore_merges (``_core/charbpe.c``).

- sentencepiece's Unigram as AI21's j2 .model has it: Precompiled(longest_match=True) (the charsmap
  walked as sentencepiece walks it, user-defined symbols kept whole) then Replace(' ', '▁'); no
  pre-tokenizer; a `Unigram` with an unknown id, float32 or float64 scores (``_core/unigram.c``).

A post-processor that only puts the same special tokens around every text (BERT's
``[CLS] $A [SEP]``, RoBERTa's, a TemplateProcessing of that shape: asked of the processor itself by
running it on stand-in sequences, `_wrap`) is applied by the fast paths too; truncation, padding
and pairs go to the reference.

Many texts at once (every shape above): `Tokenizer.encode_batch`, the tiktoken face's
``encode_ordinary_batch``/``encode_batch`` and the bulk functions `encode_to_arrays` and
`count_tokens` encode on several threads inside the core, the GIL released. The number of threads is
``set_num_threads(n)``, else ``SUBTOK_NUM_THREADS`` from the environment, else the cores this process
may run on. Shapes the core does not take give the same results on the reference.

Switches: ``SUBTOK_PURE=1`` in the environment (read at import) or ``use_reference(True)`` force the
reference (in a ``with`` block, only for the block); `available` says whether the extension could be
imported at all. After editing the C sources, rebuild with ``pip install -e .``.

>>> with use_reference(True):
...     enabled()
False
"""

from __future__ import annotations

import contextlib
import os
import struct
import sys
import threading
import warnings
import weakref
from array import array
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence

import regex

from ._component import watch
from .bytes_map import BYTES_TO_UNICODE
from .encoding import Encoding
from .models import BPE, Unigram, WordPiece
from .models.bpe import ByteVocab, IdMerges
from . import normalizers as _norm
from .normalizers import BertNormalizer
from .patterns import GPT2_PATTERN
from . import pre_tokenizers as _pre

if TYPE_CHECKING:
    import numpy as np

try:
    from . import _core
    _IMPORT_ERROR = ""
    if not hasattr(_core, "BPE"):  # not built: the directory of its C sources, as a namespace package
        raise ImportError("subtok._core was not built (only its C sources are there)")
    if not all(hasattr(_core, name) for name in ("WordPiece", "CharBPE", "Unigram", "NotForCore")):
        raise ImportError("subtok._core is older than its sources (rebuild it: pip install -e .)")
except ImportError as e:  # no compiler at install time, or a broken build
    _core = None  # type: ignore[assignment]
    _IMPORT_ERROR = str(e)

__all__ = ["available", "enabled", "use_reference", "FastPathWarning", "set_num_threads", "get_num_threads",
           "encode_to_arrays", "count_tokens"]


class FastPathWarning(RuntimeWarning):
    """subtok's compiled core is missing, so a fast path runs on the pure-Python reference."""


_forced_reference = os.environ.get("SUBTOK_PURE", "").strip() not in ("", "0")
class _Local(threading.local):
    reference = False  # True while an Encoding asks the reference for its fields (on this thread)


# (a class default, not getattr(local, name, False): that raised and caught an AttributeError on
# every encode, a sixth of the time of a short text's Tokenizer.encode)
_local = _Local()
_warned = False


def available() -> bool:
    """Whether the compiled core (``subtok._core``) is importable."""
    return _core is not None


def enabled() -> bool:
    """Whether fast paths are used now: the core is available and the reference is not forced."""
    return _core is not None and not _forced_reference


class _Switch:
    """What `use_reference` returns: used in a ``with``, it puts the switch back as it was."""

    def __init__(self, before: bool) -> None:
        self._before = before

    def __enter__(self) -> "_Switch":
        return self

    def __exit__(self, *exc: Any) -> None:
        global _forced_reference
        _forced_reference = self._before


def use_reference(on: bool = True) -> _Switch:
    """Force the pure-Python reference for every tokenizer (``on=False`` allows the fast paths again,
    when the core is available). ``SUBTOK_PURE=1`` in the environment does the same at import.

    Called in a ``with`` statement, the switch is put back as it was at the end of the block (so a
    block that wants the reference leaves a process run with ``SUBTOK_PURE=1`` on it)."""
    global _forced_reference
    before, _forced_reference = _forced_reference, bool(on)
    return _Switch(before)


_ref_threads = 0  # how many threads are in _reference_only now: its thread-local flag is read only
_ref_lock = threading.Lock()  # when some are (a thread-local attribute costs ~30 ns per call)


@contextlib.contextmanager
def _reference_only() -> Iterator[None]:
    """The reference, in this thread only, for the duration."""
    global _ref_threads
    before = _local.reference
    _local.reference = True
    with _ref_lock:
        _ref_threads += 1
    try:
        yield
    finally:
        _local.reference = before
        with _ref_lock:
            _ref_threads -= 1


# -- recognising the shape -------------------------------------------------------------------------

def _pattern_kinds() -> dict[str, int]:
    from .formats.tiktoken import CL100K_PATTERN, O200K_PATTERN, R50K_PATTERN

    assert R50K_PATTERN == GPT2_PATTERN
    return {R50K_PATTERN: 0, CL100K_PATTERN: 1, O200K_PATTERN: 2}


_KINDS: dict[str, int] | None = None


def _split_kind(pre: Any) -> int | None:
    """The scanner for a pre-tokenizer of the byte-level shape, or None."""
    global _KINDS
    if type(pre) is _pre.ByteLevel:
        return 0 if pre.use_regex and not pre.add_prefix_space else None
    if type(pre) is not _pre.Sequence or len(pre.pretokenizers) != 2:
        return None
    split, byte_level = pre.pretokenizers
    if type(split) is not _pre.Split or type(byte_level) is not _pre.ByteLevel:
        return None
    if byte_level.use_regex or byte_level.add_prefix_space:
        return None
    # the known patterns match every character, so keeping the matches is all there is
    if (split.behavior, split.invert) not in (("removed", True), ("isolated", False)):
        return None
    if _KINDS is None:
        _KINDS = _pattern_kinds()
    return _KINDS.get(getattr(split.pattern, "subtok_source", None))  # type: ignore[arg-type]


def _wordpiece_options(model: Any, pre: Any, norm: Any) -> int | None:
    """The core's WP_* options for BERT's stages (BertNormalizer or none, then BertPreTokenizer or
    WhitespaceSplit, then WordPiece), or None when the stages have another shape."""
    if type(model) is not WordPiece or _core is None:
        return None
    if type(pre) is _pre.BertPreTokenizer:
        options = _core.WP_PUNCTUATION
    elif type(pre) is _pre.WhitespaceSplit:
        options = 0
    else:
        return None
    if norm is None:
        return options
    if type(norm) is not BertNormalizer:
        return None
    strip = norm.lowercase if norm.strip_accents is None else norm.strip_accents
    for on, flag in ((norm.clean_text, _core.WP_CLEAN_TEXT), (norm.handle_chinese_chars, _core.WP_CHINESE),
                     (strip, _core.WP_STRIP_ACCENTS), (norm.lowercase, _core.WP_LOWERCASE)):
        if on:
            options |= flag
    return options


def _charbpe_options(model: Any, pre: Any, norm: Any) -> tuple[int, str] | None:
    """The core's CB_* options and the space replacement for sentencepiece's BPE shape (Prepend(' '
    or '▁') then Replace(' ', '▁'); no pre-tokenizer or a Split before each run of '▁'; a BPE over
    characters), or None when the stages have another shape."""
    if _core is None or type(model) is not BPE or model.dropout or model.continuing_subword_prefix \
            or model.end_of_word_suffix or model.ignore_merges or model.user_defined_symbols:
        return None
    if type(norm) is not _norm.Sequence or len(norm.normalizers) != 2:
        return None
    prepend, replace = norm.normalizers
    if type(prepend) is not _norm.Prepend or type(replace) is not _norm.Replace:
        return None
    space = replace.content
    if replace.pattern != " " or type(replace.pattern) is not str or len(space) != 1 or prepend.prepend not in (" ", space):
        return None
    options = _core.CB_PREPEND
    if pre is not None:
        if type(pre) is not _pre.Split or pre.behavior != "isolated" or pre.invert:
            return None
        x = regex.escape(space)
        if getattr(pre.pattern, "subtok_source", None) not in (f"{space}*[^{space}]+|{space}+", f"{x}*[^{x}]+|{x}+"):
            return None
        options |= _core.CB_SPLIT
    if model.byte_fallback:
        options |= _core.CB_BYTE_FALLBACK
    if model.fuse_unk:
        options |= _core.CB_FUSE_UNK
    return options, space


def _unigram_options(model: Any, pre: Any, norm: Any) -> Any:
    """The (Precompiled, space) of sentencepiece's Unigram shape (Precompiled(longest_match=True)
    then Replace(' ', '▁'), no pre-tokenizer, a Unigram with an unknown id), or None."""
    if _core is None or type(model) is not Unigram or model.unk_id is None or pre is not None or sys.byteorder != "little":
        return None
    if type(norm) is not _norm.Sequence or len(norm.normalizers) != 2:
        return None
    charsmap, replace = norm.normalizers
    if type(charsmap) is not _norm.Precompiled or not charsmap.longest_match or type(replace) is not _norm.Replace:
        return None
    if type(replace.pattern) is not str or replace.pattern != " " or len(replace.content) != 1:
        return None
    return charsmap, replace.content


def _model_fits(model: Any) -> bool:
    return (type(model) is BPE and not model.dropout and not model.continuing_subword_prefix
            and not model.end_of_word_suffix and not getattr(model, "rank_by_token", False)
            and not getattr(model, "user_defined_symbols", None) and not getattr(model, "unk_as_text", False))


class _Plan:
    """How text becomes ids in C for the stages in `key` (model, pre-tokenizer, normalizer): the
    model's tables and the scanner. One plan serves every tokenizer with those stages (the
    AutoTokenizer front door makes a shallow copy of its tokenizer per call)."""

    __slots__ = ("core", "pattern", "key", "__weakref__")

    def __init__(self, core: Any, pattern: int, key: tuple) -> None:
        self.core = core
        self.pattern = pattern
        self.key = key


_PLANS: dict[tuple[int, int, int], Any] = {}  # ids of the stages -> weak reference to their plan
_STALE = (object(), object(), object())  # the key of a plan whose stages' settings were changed


def _plan(tokenizer: Any) -> _Plan | None:
    """The fast plan for the tokenizer's stages now, or None (cached until a stage is replaced, or
    one of its settings assigned: `_watch_plan`)."""
    model, pre, norm = tokenizer.model, tokenizer.pre_tokenizer, tokenizer.normalizer
    cached = tokenizer.__dict__.get("_subtok_fast_plan")
    if cached is not None:  # the common case, on every call: no tuple, no generator
        k = cached.key
        if k[0] is model and k[1] is pre and k[2] is norm:
            return cached if cached.core is not None else None
    ids = (id(model), id(pre), id(norm))
    ref = _PLANS.get(ids)
    plan = ref() if ref is not None else None
    if plan is None or plan.key[0] is not model or plan.key[1] is not pre or plan.key[2] is not norm:
        plan = _make_plan(model, pre, norm)
        if len(_PLANS) >= 256:
            for dead in [k for k, r in list(_PLANS.items()) if r() is None]:  # (a copy: other threads add)
                _PLANS.pop(dead, None)
        _PLANS[ids] = weakref.ref(plan)
        _watch_plan(plan)
    tokenizer.__dict__["_subtok_fast_plan"] = plan
    return plan if plan.core is not None else None


def _make_plan(model: Any, pre: Any, norm: Any) -> _Plan:
    options = _wordpiece_options(model, pre, norm)
    charbpe = None if options is not None else _charbpe_options(model, pre, norm)
    unigram = None if options is not None or charbpe is not None else _unigram_options(model, pre, norm)
    if options is not None:
        kind: int | None = 0
        core = _shaped_core(_build_wordpiece, model, options)
    elif charbpe is not None:
        kind = 0
        core = _shaped_core(_build_charbpe, model, *charbpe)
    elif unigram is not None:
        kind = 0
        core = _shaped_core(_build_unigram, model, *unigram)
    else:
        kind = None if norm is not None or not _model_fits(model) else _split_kind(pre)
        core = None if kind is None else _core_for(model)
    return _Plan(core, -1 if kind is None else kind, (model, pre, norm))


def _watch_plan(plan: _Plan) -> None:
    """When a setting of one of the plan's stages is assigned in place (the stage itself stays the
    same object: ``tok.model.dropout = 0.1``), the plan goes stale (no tokenizer's stages match its
    key, so each makes a plan again) and the tables built from that stage are dropped, to be made
    again from the settings as they are now."""
    ref = weakref.ref(plan)
    stages = [stage for stage in plan.key if stage is not None]
    ids = {id(stage) for stage in stages}

    def changed() -> None:
        stale = ref()
        if stale is not None:
            stale.key = _STALE
        with _CORES_LOCK:
            for key in ids:
                _CORES.pop(key, None)
            for key in [k for k in list(_SHAPED_CORES) if not ids.isdisjoint(k[1:])]:
                _SHAPED_CORES.pop(key, None)

    for stage in stages:  # (keyed by the stages: a plan made again for them replaces the callback)
        watch(stage, ("plan", *(id(stage) for stage in plan.key)), changed)


# -- the model's tables, built once per model -------------------------------------------------------

_CORES: dict[int, tuple[Any, Any]] = {}  # id(model) -> (weakref to it, core or False)
_CORES_LOCK = threading.Lock()
# a stand-in character -> its byte; every other character up to U+00FF -> one latin-1 rejects
_TO_BYTE = {ord(c): chr(b) for b, c in enumerate(BYTES_TO_UNICODE)}
_TO_BYTE.update({cp: "\uffff" for cp in range(256) if cp not in _TO_BYTE and chr(cp) not in BYTES_TO_UNICODE})


def _core_for(model: BPE) -> Any:
    """The C tables of a BPE model (None when its vocabulary lacks a byte, or there is no core)."""
    if _core is None:
        _warn_missing()
        return None
    with _CORES_LOCK:
        entry = _CORES.get(id(model))
        if entry is not None and entry[0]() is model:
            return entry[1] or None
    core = _build_core(model)
    with _CORES_LOCK:
        key = id(model)
        _CORES[key] = (weakref.ref(model, lambda _, key=key: _CORES.pop(key, None)), core or False)
    return core


def _none_if_out_of_range(build: Any) -> Any:
    """A table builder that returns None (the reference then runs) for a model the core cannot hold:
    an id that is no uint32 (negative, too large), a token that is no text, more than the core takes."""
    def wrapper(*args: Any) -> Any:
        try:
            return build(*args)
        except (ValueError, OverflowError, UnicodeEncodeError, TypeError):
            return None

    wrapper.__doc__ = build.__doc__
    wrapper.__name__ = build.__name__
    return wrapper


@_none_if_out_of_range
def _build_core(model: BPE) -> Any:
    if model._source is not None:
        return _build_core_from_arrays(model, model._source)
    vocab = model.vocab
    byte_ids = array("I")
    for c in BYTES_TO_UNICODE:
        id = vocab.get(c)
        if id is None:  # the reference would drop, replace or fall back on that byte: not this shape
            return None
        byte_ids.append(id)
    blob, lens, ids = _byte_tokens(vocab.items())
    return _core.BPE(blob, lens, ids, *model._merge_arrays(), byte_ids, model.ignore_merges)


def _byte_tokens(tokens: Any) -> tuple[bytearray, array, array]:
    """The bytes, lengths and ids of the (byte-level string, id) pairs that are byte-level strings
    (an added token's text with other characters is left out: no piece is it); one buffer, as in
    `_utf8_table`."""
    blob = bytearray()
    lens, ids = array("I"), array("I")
    for token, id in tokens:
        try:
            b = token.translate(_TO_BYTE).encode("latin-1")
        except UnicodeEncodeError:
            continue
        blob += b
        lens.append(len(b))
        ids.append(id)
    return blob, lens, ids


def _build_core_from_arrays(model: BPE, source: ByteVocab) -> Any:
    """The C tables straight from a ByteVocab's arrays and the merge ids: the model's dicts are not made.
    Its text tokens go first (the core keeps the first of equal tokens, the vocab dict the text)."""
    byte_ids = array("I", [0xFFFFFFFF]) * 256
    at = 0
    for n, id in zip(source.lens, source.ids):
        if n == 1 and byte_ids[source.blob[at]] == 0xFFFFFFFF:
            byte_ids[source.blob[at]] = id
        at += n
    text_blob, text_lens, text_ids = _byte_tokens(source.text.items())
    for b, c in enumerate(BYTES_TO_UNICODE):  # a text token may be a single byte's stand-in too
        id = source.text.get(c)
        if id is not None:
            byte_ids[b] = id
    if 0xFFFFFFFF in byte_ids:  # a byte no token is: not this shape (as in _build_core)
        return None
    return _core.BPE(text_blob + source.blob, text_lens + source.lens, text_ids + source.ids,
                     *model._merge_arrays(), byte_ids, model.ignore_merges)


def rank_merges(vocab: ByteVocab) -> IdMerges | None:
    """tiktoken's ranks as merges, made by the compiled core: what
    ``formats.tiktoken.merges_from_ranks`` gives (the reference), as ids (a ByteVocab's regular
    tokens; its text tokens take no part). None when there is no core (or it is switched off).

    >>> from subtok.models.bpe import ByteVocab
    >>> merges = rank_merges(ByteVocab({b"a": 0, b"b": 1, b"ab": 2, b"ba": 3, b"aba": 4}))
    >>> merges is None or list(merges.triples()) == [(0, 1, 2), (1, 0, 3), (2, 0, 4)]
    True
    """
    if _core is None or not _active():
        return None
    merges = IdMerges(())
    merges.flat.frombytes(_core.rank_merges(vocab.blob, vocab.lens, vocab.ids))
    return merges


# (builder, id(model), its other arguments' ids) -> (weakref to the model, core or False, the arguments):
# the WordPiece, CharBPE and Unigram cores
_SHAPED_CORES: dict[tuple, tuple[Any, Any, tuple]] = {}


def _shaped_core(build: Any, model: Any, *args: Any) -> Any:
    """``build(model, *args)``, made once per model and arguments (None: the core does not take it).
    Arguments are told apart by value (ints, strs) or by identity (a normalizer)."""
    key = (build.__name__, id(model), *(a if isinstance(a, (int, str)) else id(a) for a in args))
    with _CORES_LOCK:
        entry = _SHAPED_CORES.get(key)
        if entry is not None and entry[0]() is model and all(a is b or (isinstance(a, (int, str)) and a == b)
                                                             for a, b in zip(entry[2], args)):
            return entry[1] or None
    core = build(model, *args)
    with _CORES_LOCK:
        _SHAPED_CORES[key] = (weakref.ref(model, lambda _, key=key: _SHAPED_CORES.pop(key, None)),
                              core or False, args)
    return core


def _utf8_table(strings: Any) -> tuple[bytearray, array, array]:
    """(str, int) pairs as the core's tables take them: the UTF-8 bytes one after the other, each
    one's length and its number. Empty strings and strings no text can hold (lone surrogates) are
    left out. (One growing buffer: a list of a quarter million bytes objects left that much memory
    behind, in pieces the process could not give back.)"""
    blob = bytearray()
    lens, values = array("I"), array("I")
    for string, value in strings:
        try:
            b = string.encode("utf-8")
        except UnicodeEncodeError:
            continue
        if b:
            blob += b
            lens.append(len(b))
            values.append(value)
    return blob, lens, values


@_none_if_out_of_range
def _build_wordpiece(model: WordPiece, options: int) -> Any:
    """The C tables of a WordPiece model with the stages' options (None when its unk token is not
    in the vocabulary: the reference raises its error)."""
    unk = model.vocab.get(model.unk_token)
    if unk is None:
        return None
    return _core.WordPiece(*_utf8_table(model.vocab.items()), unk, model.continuing_subword_prefix.encode("utf-8"),
                           model.max_input_chars_per_word, options)


@_none_if_out_of_range
def _build_charbpe(model: BPE, options: int, space: str) -> Any:
    """The C tables of a sentencepiece-style BPE with the stages' options (None when its unk token
    is missing from the vocabulary: the reference raises its error)."""
    unk = 0xFFFFFFFF
    if model.unk_token is not None:
        found = model.vocab.get(model.unk_token)
        if found is None:
            return None
        unk = found
    bytes_ = array("I", [0xFFFFFFFF if i is None else i for i in model._byte_ids])
    return _core.CharBPE(*_utf8_table(model.vocab.items()), *model._merge_arrays(), bytes_, unk,
                         space.encode("utf-8"), options)


@_none_if_out_of_range
def _build_unigram(model: Unigram, charsmap: Any, space: str) -> Any:
    """The C tables of a sentencepiece Unigram behind its charsmap."""
    from .models.unigram import _UNK_PENALTY, to_float32

    byte_tokens = array("I", [model.vocab.get(f"<0x{b:02X}>", 0xFFFFFFFF) for b in range(256)])
    unk_score = model.min_score - _UNK_PENALTY
    if model.float32:
        unk_score = to_float32(unk_score)
    symbols = b"\x00".join(s.encode("utf-8") for s in sorted(charsmap.user_defined_symbols, key=len, reverse=True))
    return _core.Unigram(*_utf8_table(model._matched_items()), array("d", model._scores),
                         byte_tokens, charsmap.charsmap, symbols,
                         space.encode("utf-8"), unk_score, model.unk_id, model.byte_fallback, model.float32)


def _warn_missing() -> None:
    global _warned
    if _warned or _forced_reference:
        return
    _warned = True
    warnings.warn(
        f"subtok's compiled core could not be imported ({_IMPORT_ERROR}), so subtok runs on its "
        "pure-Python reference: same results, much slower. Reinstall subtok where a C compiler is "
        "available (pip install --force-reinstall --no-binary subtok subtok, or pip install -e . in a "
        "checkout); set SUBTOK_PURE=1 to use the reference on purpose and silence this warning.",
        FastPathWarning, stacklevel=4)


# -- encoding ---------------------------------------------------------------------------------------

def _active() -> bool:
    return not _forced_reference and not (_ref_threads and _local.reference)


def _text_ids(tokenizer: Any, plan: _Plan, text: str) -> list[int] | None:
    """The ids of text (added tokens split out as the reference does); None when the core cannot
    take the text (a lone surrogate: the reference raises the error). Called for every text: a few
    attribute reads before the core when there are no added tokens (the tiktoken face's ordinary
    text, most of a short text's time)."""
    added = tokenizer.added_vocabulary
    f = _FINDERS.get(id(added))
    if f is None or f.raw is not added.raw_matcher or f.norm is not added.normalized_matcher:
        f = _finder(added)
    core, pattern = plan.core, plan.pattern
    try:
        if f.empty:  # no added tokens
            return core.encode(text, pattern)
        if tokenizer._normalizer is not None and f.norm.rx is not None:  # _raw_split_fits, inlined
            return None
        if f.stop is not None:  # a few added tokens (or their first characters): the core looks for them
            ids = core.encode(text, pattern, b"", b"", f.stop)
            if ids is not None:
                return ids
        if not f.stop_tokens and not _may_hold_added_tokens(added, text):  # (only a first character of one)
            return core.encode(text, pattern)
        ids = []
        for split in added.extract_and_normalize(text, None).splits:
            if split.tokens is not None:
                ids.extend(t[0] for t in split.tokens)
            else:
                ids.extend(core.encode(split.normalized.normalized, pattern))
        return ids
    except _NOT_FOR_CORE:  # a lone surrogate (the reference raises the error), or a text the core leaves
        return None


def _raw_split_fits(tokenizer: Any) -> bool:
    """Whether the added tokens can be found in the raw text: the core normalizes the text between
    them itself, so with a normalizer, a token matched on normalized text (which may differ from
    anything in the raw text: "Straße" in the text, "straße" the token) leaves the text to the
    reference."""
    return tokenizer.normalizer is None or tokenizer.added_vocabulary.normalized_matcher.rx is None


class _Finder:
    """How to find an added vocabulary's tokens in a text (`_finder`): made for its matchers (`raw`,
    `norm`; a new state of the vocabulary has new ones); `search`: the tokens (a tuple, for ``in``),
    a regex of them, or None (the matchers' own search); `stop`: what the core's encode looks for
    (the tokens' UTF-8, `stop_tokens`, or their first characters'; None: the Python search);
    `empty`: there are no added tokens."""

    __slots__ = ("raw", "norm", "search", "stop", "stop_tokens", "empty")

    def __init__(self, raw: Any, norm: Any, search: Any, stop: tuple[bytes, ...] | None, stop_tokens: bool,
                 empty: bool) -> None:
        self.raw, self.norm, self.search, self.stop = raw, norm, search, stop
        self.stop_tokens, self.empty = stop_tokens, empty


_FINDERS: dict[int, _Finder] = {}  # id(added vocabulary) -> its finder
_FEW_TOKENS = 2  # up to this many added tokens, one str search each beats one regex search for all
_CORE_FINDS = 16  # up to this many, the core's encode looks for them itself (memchr, then a compare)
# beyond this many, compiling one regex of them all takes seconds (j2's 26,089: 3.4 s), so the
# added vocabulary's own matchers are asked instead
_MANY_TOKENS = 1000


def _finder(added: Any) -> _Finder:
    """How to find the added vocabulary's tokens in a text, made once per vocabulary state."""
    raw, norm = added.raw_matcher, added.normalized_matcher
    f = _FINDERS.get(id(added))
    if f is None or f.raw is not raw or f.norm is not norm:
        contents = sorted({*raw.ids, *norm.ids}, key=len, reverse=True) if raw.rx or norm.rx else []
        search: Any = tuple(contents)
        if len(contents) > _MANY_TOKENS:
            search = None
        elif len(contents) > _FEW_TOKENS or "" in search:
            search = regex.compile("|".join(regex.escape(c) for c in contents))
        stop = None
        firsts = sorted({c[0] for c in contents if c})
        # the tokens themselves, or (many tokens: j2's 26,089 all start with "<") their first characters:
        # a text with none of those holds none of them; one that has one is searched (exact either way)
        look_for = contents if len(contents) <= _CORE_FINDS else firsts if len(firsts) <= _CORE_FINDS else None
        if look_for is not None and "" not in contents:
            try:
                stop = tuple(c.encode("utf-8") for c in look_for)
            except UnicodeEncodeError:  # a token with a lone surrogate: left to the Python search
                stop = None
        f = _Finder(raw, norm, search, stop, stop is not None and look_for is contents, not contents)
        if len(_FINDERS) > 256:
            _FINDERS.clear()
        _FINDERS[id(added)] = f
    return f


def _may_hold_added_tokens(added: Any, text: str) -> bool:
    """Whether any added token's text occurs in `text` (if none does, the reference's split leaves
    the text whole). Measured on 1 MB: ``token in text`` takes 0.3 ms per token, one `regex`
    search for 5 tokens 0.7 ms (and a tenth of the reference's matcher time for many): ``in``
    for one or two tokens (gpt2, o200k_base), `regex` for more (cl100k_base 5, Llama 3 256), the
    matchers themselves for thousands (j2). (One text's encode leaves up to `_CORE_FINDS` tokens
    to the core, which finds them in the UTF-8 in a few hundredths of a ms per MB.)"""
    raw, norm = added.raw_matcher, added.normalized_matcher
    if raw.rx is None and norm.rx is None:
        return False
    finder = _finder(added).search
    if finder is None:  # the matchers' own search: a first character, then a dict
        return _matches(raw, text) or _matches(norm, text)
    if type(finder) is tuple:
        return any(c in text for c in finder)
    return finder.search(text) is not None


def _matches(matcher: Any, text: str) -> bool:
    rx = matcher.rx
    return rx is not None and rx.search(text) is not None and next(matcher.finditer(text), None) is not None


_RECORD = 16
_NO_TOKEN = b"\xfe" + bytes(_RECORD - 1)


def token_table(bytes_by_id: Mapping[int, bytes] | Iterable[tuple[int, bytes]],
                size: int | None = None) -> tuple[bytes, bytearray]:
    """The tokens' bytes laid out for `join_tokens`: 16 bytes per id, a length up to 15 and the
    bytes themselves, or 0xFF and (at 4) a uint32 length and (at 8) a uint64 offset into one blob
    of the longer tokens, or 0xFE: no such id. `bytes_by_id` is ``{id: bytes}``, or (id, bytes)
    pairs (a later pair wins) with `size` above the largest id.

    >>> blob, records = token_table({0: b"hi", 2: b"!" * 20})
    >>> blob, bytes(records[:4]), records[16], records[32], records[36]
    (b'!!!!!!!!!!!!!!!!!!!!', b'\\x02hi\\x00', 254, 255, 20)
    """
    if isinstance(bytes_by_id, Mapping):
        size = max(bytes_by_id, default=-1) + 1
        pairs: Iterable[tuple[int, bytes]] = bytes_by_id.items()
    elif size is None:
        raise TypeError("token_table: give the size (above the largest id) with (id, bytes) pairs")
    else:
        pairs = bytes_by_id
    records = bytearray(_NO_TOKEN * size)
    parts, at = [], 0
    pad = bytes(_RECORD)
    for id, b in pairs:
        k = _RECORD * id
        if len(b) < _RECORD:
            records[k:k + _RECORD] = bytes((len(b),)) + b + pad[:_RECORD - 1 - len(b)]
        else:
            records[k:k + _RECORD] = struct.pack("<BxxxIQ", 0xFF, len(b), at)
            parts.append(b)
            at += len(b)
    return b"".join(parts), records


def join_tokens(table: tuple[bytes, bytearray], ids: Any, errors: str | None = None) -> bytes | str | None:
    """``b"".join(bytes of each id)`` by the compiled core (and, given `errors`, ``.decode("utf-8",
    errors)`` of it); None when there is no core, `ids` is not a list, or an id is not in the table
    (the caller's reference path then raises its own error).

    >>> join_tokens(token_table({0: b"hi", 1: b" there"}), [0, 1, 0]) in (b"hi therehi", None)
    True
    """
    if _core is None or _forced_reference or type(ids) is not list:
        return None
    return _core.join_tokens(table[0], table[1], ids, errors)


def encode_ids(tokenizer: Any, text: Any) -> list[int] | None:
    """``tokenizer.encode(text).ids`` for a tokenizer with a fast shape and a plain str, else None.

    The caller must have checked that nothing after the model changes the ids (see `encode`).
    """
    if type(text) is not str or _forced_reference or (_ref_threads and _local.reference):  # _active(), inlined
        return None
    plan = tokenizer.__dict__.get("_subtok_fast_plan")  # _plan's cached case, inlined (encode has it too)
    if plan is None or plan.key[0] is not tokenizer.model or plan.key[1] is not tokenizer.pre_tokenizer \
            or plan.key[2] is not tokenizer._normalizer:
        plan = _plan(tokenizer)
        if plan is None:
            return None
    elif plan.core is None:
        return None
    return _text_ids(tokenizer, plan, text)


def encode(tokenizer: Any, sequence: Any, pair: Any, is_pretokenized: bool,
           add_special_tokens: bool) -> Encoding | None:
    """`Tokenizer.encode` on the fast path, or None when it does not apply.

    `_wrap`'s common cases, `encode_ids` and `LazyEncoding.__init__` are inlined: on a short text
    the three calls were a sixth of the time (gpt2, 11 bytes: 0.99 -> 0.81 us)."""
    if pair is not None or is_pretokenized or type(sequence) is not str or _forced_reference \
            or (_ref_threads and _local.reference):
        return None
    if tokenizer._truncation or tokenizer._padding:
        return None
    processor = tokenizer.post_processor
    wrap = _NO_WRAP if processor is None or not add_special_tokens else _wrap(tokenizer, add_special_tokens)
    if wrap is None:
        return None
    plan = tokenizer.__dict__.get("_subtok_fast_plan")  # as in encode_ids
    if plan is None or plan.key[0] is not tokenizer.model or plan.key[1] is not tokenizer.pre_tokenizer \
            or plan.key[2] is not tokenizer._normalizer:
        plan = _plan(tokenizer)
        if plan is None:
            return None
    elif plan.core is None:
        return None
    ids = _text_ids(tokenizer, plan, sequence)
    if ids is None:
        return None
    if wrap is not _NO_WRAP:
        ids = wrap[0] + ids + wrap[1]
    enc = _new_lazy(LazyEncoding)
    _set_ids(enc, ids)
    enc._pending, enc._text, enc._n = (tokenizer, add_special_tokens, processor is None), sequence, len(ids)
    return enc


# -- special tokens around one sequence -------------------------------------------------------------

_NO_WRAP: tuple[list[int], list[int]] = ([], [])
_WRAPS: dict[int, tuple[Any, tuple[list[int], list[int]] | None]] = {}  # id(processor) -> (it, wrap)


def _wrap(tokenizer: Any, add_special_tokens: bool) -> tuple[list[int], list[int]] | None:
    """The ids the tokenizer puts before and after one text's ids (`_NO_WRAP`: none), or None when
    something after the model does more than that (truncation, padding, a processor of another kind)."""
    if tokenizer._truncation or tokenizer._padding:
        return None
    processor = tokenizer.post_processor
    if processor is None or not add_special_tokens:
        return _NO_WRAP
    entry = _WRAPS.get(id(processor))
    if entry is None or entry[0] is not processor:
        if len(_WRAPS) > 64:
            _WRAPS.clear()
        entry = (processor, _probe_wrap(processor))
        _WRAPS[id(processor)] = entry
        watch(processor, "wrap", lambda key=id(processor): _WRAPS.pop(key, None))  # probed again once changed
    return entry[1]


def _probe_wrap(processor: Any) -> tuple[list[int], list[int]] | None:
    """What the post-processor does to one sequence, asked of it: run it on stand-in sequences of
    0 to 3 tokens (negative ids, which no special token has); when every result is the same ids
    before and after them, those are the wrap. Anything else (a processor that drops, reorders or
    depends on the sequence) gives None: the reference is used."""
    results = []
    for n in range(4):
        body = [-1 - k for k in range(n)]
        enc = Encoding(list(body), tokens=["\x00"] * n, word_ids=list(range(n)),
                       offsets=[(k, k + 1) for k in range(n)])
        try:
            out = Encoding.merge(processor.process([enc], True), False).ids
        except Exception:  # a processor that cannot take this stand-in: leave it to the reference
            return None
        if [i for i in out if not (type(i) is int and i >= 0)] != body:
            return None
        results.append(out)
    at = results[1].index(-1)
    wrap = (results[1][:at], results[1][at + 1:])
    for n, out in enumerate(results):
        if out != wrap[0] + [-1 - k for k in range(n)] + wrap[1]:
            return None
    return wrap if wrap[0] or wrap[1] else _NO_WRAP


# -- an Encoding whose other fields come from the reference on demand -----------------------------

_SLOTS = {name: Encoding.__dict__[name] for name in Encoding.__slots__}
_FROM_REFERENCE = ("tokens", "offsets", "word_ids")
_SIMPLE = ("type_ids", "special_tokens_mask", "attention_mask", "overflowing", "sequence_ranges")


class LazyEncoding(Encoding):
    """An `Encoding` made by a fast path: ``ids`` at once, every other field computed the first
    time one is read (by the reference, except the constant ones when there is no post-processor)."""

    # Slots of its own only (no instance dict: a batch makes one of these per text, and an object
    # with a dict cost twice the time to make). Encoding's methods iterate over
    # ``Encoding.__slots__``, not ``self.__slots__``. `_pending` is (tokenizer, add_special_tokens,
    # no post-processor), one tuple for a whole batch, None once filled; `_text` and `_n` (the
    # number of ids when made) are per object: a tuple per object was a tenth of a batch's time,
    # made, collected and freed on the calling thread.
    __slots__ = ("_pending", "_text", "_n")

    def __init__(self, ids: list[int], tokenizer: Any, text: str, add_special_tokens: bool) -> None:
        _SLOTS["ids"].__set__(self, ids)
        self._pending = (tokenizer, add_special_tokens, tokenizer.post_processor is None)
        self._text = text
        self._n = len(ids)

    def _fill(self, name: str) -> None:
        pending = self._pending
        if pending is None:
            return
        tokenizer, add_special_tokens, plain = pending
        if plain and name in _SIMPLE:  # what the reference gives without a post-processor
            n = self._n
            simple = {"type_ids": [0] * n, "special_tokens_mask": [0] * n, "attention_mask": [1] * n,
                      "overflowing": [], "sequence_ranges": {}}
            for field, value in simple.items():
                if not _is_set(self, field):
                    _SLOTS[field].__set__(self, value)
            return
        with _reference_only():
            ref = tokenizer.encode(self._text, add_special_tokens=add_special_tokens)
        for field in _FROM_REFERENCE + _SIMPLE:
            if not _is_set(self, field):  # a field set in the meantime keeps its value
                _SLOTS[field].__set__(self, getattr(ref, field))
        self._pending = self._text = None

    def __reduce__(self):
        return (_plain_encoding, ({name: getattr(self, name) for name in Encoding.__slots__},))


_new_lazy, _set_ids = LazyEncoding.__new__, _SLOTS["ids"].__set__


def _lazy_encodings(ids: list[list[int]], tokenizer: Any, texts: list[str],
                    add_special_tokens: bool) -> list[LazyEncoding]:
    """``[LazyEncoding(i, tokenizer, t, add_special_tokens) for i, t in zip(ids, texts)]``, without
    calling __init__ each time (the core's encode_batch makes the same objects itself, see `_maker`)."""
    pending = (tokenizer, add_special_tokens, tokenizer.post_processor is None)
    out = []
    for one, text in zip(ids, texts):
        enc = _new_lazy(LazyEncoding)
        _set_ids(enc, one)
        enc._pending, enc._text, enc._n = pending, text, len(one)
        out.append(enc)
    return out


def _maker(tokenizer: Any, add_special_tokens: bool) -> tuple:
    """The core's encode_batch `make` argument: it then returns the objects `_lazy_encodings` would
    (making them in Python was a tenth of the time of a Tokenizer.encode_batch of paragraphs)."""
    slots = LazyEncoding.__dict__
    return (LazyEncoding, _SLOTS["ids"], slots["_pending"], slots["_text"], slots["_n"],
            (tokenizer, add_special_tokens, tokenizer.post_processor is None))


def _plain_encoding(fields: dict[str, Any]) -> Encoding:
    return Encoding(**fields)


def _is_set(enc: Encoding, name: str) -> bool:
    try:
        _SLOTS[name].__get__(enc, None)
    except AttributeError:
        return False
    return True


def _lazy_field(name: str) -> property:
    slot = _SLOTS[name]

    def get(self: LazyEncoding) -> Any:
        try:
            return slot.__get__(self, None)
        except AttributeError:
            self._fill(name)
            return slot.__get__(self, None)

    def set(self: LazyEncoding, value: Any) -> None:
        slot.__set__(self, value)

    return property(get, set, doc=f"Encoding.{name}, computed when first read")


for _name in _FROM_REFERENCE + _SIMPLE:
    setattr(LazyEncoding, _name, _lazy_field(_name))
del _name


# -- threads ----------------------------------------------------------------------------------------

def _available_cores() -> int:
    """The CPUs this process may run on (its affinity mask, where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _threads_from_env() -> int | None:
    value = os.environ.get("SUBTOK_NUM_THREADS", "").strip()
    if not value:
        return None
    if value.isdigit() and int(value) > 0:
        return int(value)
    warnings.warn(f"SUBTOK_NUM_THREADS={value!r} is not a positive integer; using the available cores",
                  RuntimeWarning, stacklevel=2)
    return None


_num_threads: int | None = _threads_from_env()


def set_num_threads(n: int | None) -> None:
    """Set how many threads batch encodes use (``None``: ``SUBTOK_NUM_THREADS``, else every core
    this process may use).

    >>> set_num_threads(2); get_num_threads()
    2
    >>> set_num_threads(None)
    """
    global _num_threads
    if n is None:
        _num_threads = _threads_from_env()
        return
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads expects a positive int or None, got {n!r}")
    _num_threads = n


def get_num_threads() -> int:
    """How many threads batch encodes use now (see `set_num_threads`)."""
    return _num_threads if _num_threads is not None else _available_cores()


# -- many texts -------------------------------------------------------------------------------------

# What the core raises for a text or batch it does not take: an item that is not a str, a lone
# surrogate, a text an encoder leaves to the reference (NotForCore).
_NOT_FOR_CORE: tuple[type[BaseException], ...] = (TypeError, UnicodeEncodeError) + (
    (_core.NotForCore,) if _core is not None else ())


def _parts(tokenizer: Any, texts: list[Any]) -> tuple[_Plan, list[int], dict[int, list[int]]] | None:
    """For a batch on the fast path: the plan, the indices of the texts the core takes whole, and
    the ids of those holding added tokens (done text by text). None when the batch is not for the
    core (no plan, the reference forced, an item that is not a str, a lone surrogate). Items are
    not checked one by one here (0.4 ms per 7,000 texts, all of it on one thread): the core raises
    TypeError for one that is not a str (`_NOT_FOR_CORE`), and the caller falls back."""
    if not _active():
        return None
    plan = _plan(tokenizer)
    if plan is None or not _raw_split_fits(tokenizer):
        return None
    added = tokenizer.added_vocabulary
    if added.raw_matcher.rx is None and added.normalized_matcher.rx is None:
        return plan, list(range(len(texts))), {}
    # One search of all the texts joined: a token in a text is in the join (a hit there may be
    # false, across a seam; the texts are then checked one by one). Per text, this was a third of
    # a 1 MB batch's time on two threads.
    try:
        if not _may_hold_added_tokens(added, "\x00".join(texts)):
            return plan, list(range(len(texts))), {}
    except TypeError:  # an item that is not a str
        return None
    plain: list[int] = []
    special: dict[int, list[int]] = {}
    for k, text in enumerate(texts):
        if not _may_hold_added_tokens(added, text):
            plain.append(k)
            continue
        ids = _text_ids(tokenizer, plan, text)
        if ids is None:
            return None
        special[k] = ids
    return plan, plain, special


def _core_stop(tokenizer: Any) -> tuple[bytes, ...] | None:
    """The strings a batch on the fast path hands the core to leave texts to `_text_ids` (the added
    tokens, or their first characters: see `_finder`), or None when the batch goes through `_parts`
    (no fast path, the reference forced, too many different tokens). The core looks in each text on
    its own thread, where `_parts` searched all the texts joined, on the calling thread."""
    if not _active() or _plan(tokenizer) is None or not _raw_split_fits(tokenizer):
        return None
    return _finder(tokenizer.added_vocabulary).stop


def batch_ids(tokenizer: Any, texts: Sequence[Any], num_threads: int | None = None,
              wrap: tuple[list[int], list[int]] = _NO_WRAP, make: tuple | None = None) -> list[Any] | None:
    """``[wrap[0] + encode_ids(tokenizer, t) + wrap[1] for t in texts]`` on `num_threads` threads
    (default `get_num_threads`), or None when the batch is not for the core (as `encode_ids`).
    With `make` (`_maker`), each text's list comes in a LazyEncoding."""
    texts = list(texts)
    threads = num_threads or get_num_threads()
    around = (array("I", wrap[0]), array("I", wrap[1]))
    stop = _core_stop(tokenizer)
    if stop is not None:  # the core leaves the texts that may hold an added token (None items)
        plan = _plan(tokenizer)
        try:
            out, left = plan.core.encode_batch(texts, plan.pattern, threads, *around, make, stop)
        except _NOT_FOR_CORE:  # the reference raises its own error
            return None
        for k in left:
            ids = _text_ids(tokenizer, plan, texts[k])
            if ids is None:
                return None
            ids = wrap[0] + ids + wrap[1]
            out[k] = ids if make is None else _lazy_encodings([ids], make[5][0], [texts[k]], make[5][1])[0]
        return out
    parts = _parts(tokenizer, texts)
    if parts is None:
        return None
    plan, plain, special = parts
    try:
        if not special:
            return plan.core.encode_batch(texts, plan.pattern, threads, *around, make)
        done = plan.core.encode_batch([texts[k] for k in plain], plan.pattern, threads, *around, make)
    except _NOT_FOR_CORE:  # the reference raises its own error
        return None
    out: list[Any] = [[]] * len(texts)
    for k, ids in zip(plain, done):
        out[k] = ids
    for k, ids in special.items():
        one = wrap[0] + ids + wrap[1]
        out[k] = one if make is None else _lazy_encodings([one], make[5][0], [texts[k]], make[5][1])[0]
    return out


def encode_batch(tokenizer: Any, inputs: Any, is_pretokenized: bool, add_special_tokens: bool) -> list[Encoding] | None:
    """`Tokenizer.encode_batch` on the fast path (threads), or None when it does not apply."""
    wrap = None if is_pretokenized else _wrap(tokenizer, add_special_tokens)
    if wrap is None:
        return None
    texts = list(inputs)
    return batch_ids(tokenizer, texts, wrap=wrap, make=_maker(tokenizer, add_special_tokens))


def _subject(tokenizer: Any, add_special_tokens: bool) -> tuple[Any, bool, Any]:
    """The subtok Tokenizer behind `tokenizer` (a Tokenizer, or the tiktoken face's Encoding, whose
    ``encode_ordinary`` is meant), the add_special_tokens to use, and the one-text reference call."""
    ordinary = getattr(tokenizer, "_ordinary", None)
    if ordinary is not None and hasattr(tokenizer, "encode_ordinary"):
        return ordinary, False, tokenizer.encode_ordinary
    return tokenizer, add_special_tokens, lambda t: tokenizer.encode(t, add_special_tokens=add_special_tokens).ids


def _bulk_parts(tokenizer: Any, texts: Any, add_special_tokens: bool) -> tuple[list[Any], Any, Any, Any]:
    """The texts, `_parts` of them (None: not for the core), the one-text reference call, and the
    wrap of special tokens around each text's ids (see `_wrap`)."""
    if isinstance(texts, str):
        raise TypeError("expected a list of texts, got a str")
    texts = list(texts)
    tok, add_special_tokens, one = _subject(tokenizer, add_special_tokens)
    wrap = _wrap(tok, add_special_tokens)
    parts = _parts(tok, texts) if wrap is not None else None
    return texts, parts, one, wrap


def encode_to_arrays(tokenizer: Any, texts: Sequence[str], *, add_special_tokens: bool = True,
                     num_threads: int | None = None) -> "tuple[np.ndarray, np.ndarray]":
    """Every text's ids in one flat numpy uint32 array, and ``len(texts) + 1`` int64 offsets: text k
    has ``ids[offsets[k]:offsets[k + 1]]`` (the lengths are ``numpy.diff(offsets)``).

    The same ids as ``tokenizer.encode(t, add_special_tokens=...).ids`` for each text (for the
    tiktoken face's `Encoding`: ``encode_ordinary(t)``). On the fast path the core fills one buffer
    on `num_threads` threads (default `get_num_threads`), with no Python int per token; elsewhere
    the reference's lists are packed. numpy is imported on the first call.

    >>> from subtok import Tokenizer
    >>> from subtok.models import WordLevel
    >>> from subtok.pre_tokenizers import Whitespace
    >>> tok = Tokenizer(WordLevel({"a": 0, "b": 1, "[UNK]": 2}, unk_token="[UNK]"))
    >>> tok.pre_tokenizer = Whitespace()
    >>> ids, offsets = encode_to_arrays(tok, ["a b", "", "b c a"])
    >>> ids.tolist(), offsets.tolist()
    ([0, 1, 1, 2, 0], [0, 2, 2, 5])
    """
    import numpy as np

    texts, parts, one, wrap = _bulk_parts(tokenizer, texts, add_special_tokens)
    if parts is not None:
        plan, plain, special = parts
        subset = texts if not special else [texts[k] for k in plain]
        try:
            flat_b, offsets_b = plan.core.encode_arrays(subset, plan.pattern, num_threads or get_num_threads())
        except _NOT_FOR_CORE:  # the reference below raises its own error
            parts = None
    if parts is None:
        lists = [one(t) for t in texts]
        offsets = np.zeros(len(lists) + 1, dtype=np.int64)
        np.cumsum([len(x) for x in lists], out=offsets[1:])
        return np.fromiter((i for x in lists for i in x), dtype=np.uint32, count=int(offsets[-1])), offsets
    flat, offsets = np.frombuffer(flat_b, dtype=np.uint32), np.frombuffer(offsets_b, dtype=np.int64)
    if special:
        flat, offsets = _merge_arrays(len(texts), plain, flat, offsets, special)
    return (flat, offsets) if wrap is _NO_WRAP else _wrap_arrays(flat, offsets, wrap)


def _wrap_arrays(flat: "np.ndarray", offsets: "np.ndarray",
                 wrap: tuple[list[int], list[int]]) -> "tuple[np.ndarray, np.ndarray]":
    """The arrays with wrap[0] before and wrap[1] after each text's ids."""
    import numpy as np

    before, after = wrap
    n, lengths = len(offsets) - 1, np.diff(offsets)
    extra = len(before) + len(after)
    out_offsets = offsets + np.arange(n + 1, dtype=np.int64) * extra
    out = np.empty(int(out_offsets[-1]), dtype=np.uint32)
    starts = out_offsets[:-1]
    for k, id in enumerate(before):
        out[starts + k] = id
    for k, id in enumerate(after):
        out[starts + len(before) + lengths + k] = id
    body = np.arange(len(flat), dtype=np.int64) + np.repeat(starts + len(before) - offsets[:-1], lengths)
    out[body] = flat
    return out, out_offsets


def _merge_arrays(n: int, plain: list[int], flat: "np.ndarray", offsets: "np.ndarray",
                  special: dict[int, list[int]]) -> "tuple[np.ndarray, np.ndarray]":
    """The arrays of all n texts from the core's arrays of `plain` and the lists of the others."""
    import numpy as np

    lengths = np.empty(n, dtype=np.int64)
    lengths[plain] = np.diff(offsets)
    for k, ids in special.items():
        lengths[k] = len(ids)
    out_offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=out_offsets[1:])
    out = np.empty(int(out_offsets[-1]), dtype=np.uint32)
    for j, k in enumerate(plain):
        out[out_offsets[k]:out_offsets[k + 1]] = flat[offsets[j]:offsets[j + 1]]
    for k, ids in special.items():
        out[out_offsets[k]:out_offsets[k + 1]] = ids
    return out, out_offsets


def count_tokens(tokenizer: Any, texts: Sequence[str], *, add_special_tokens: bool = True,
                 num_threads: int | None = None) -> list[int]:
    """``len(tokenizer.encode(t, add_special_tokens=...).ids)`` for each text (for the tiktoken
    face's `Encoding`: ``len(encode_ordinary(t))``); on the fast path no id leaves the core.

    >>> from subtok import Tokenizer
    >>> from subtok.models import WordLevel
    >>> from subtok.pre_tokenizers import Whitespace
    >>> tok = Tokenizer(WordLevel({"a": 0, "b": 1, "[UNK]": 2}, unk_token="[UNK]"))
    >>> tok.pre_tokenizer = Whitespace()
    >>> count_tokens(tok, ["a b", "", "b c a"])
    [2, 0, 3]
    """
    texts, parts, one, wrap = _bulk_parts(tokenizer, texts, add_special_tokens)
    if parts is not None:
        plan, plain, special = parts
        subset = texts if not special else [texts[k] for k in plain]
        try:
            counts = plan.core.count_batch(subset, plan.pattern, num_threads or get_num_threads())
        except _NOT_FOR_CORE:
            parts = None
    if parts is None:
        return [len(one(t)) for t in texts]
    if special:
        out = [0] * len(texts)
        for k, c in zip(plain, counts):
            out[k] = c
        for k, ids in special.items():
            out[k] = len(ids)
        counts = out
    extra = len(wrap[0]) + len(wrap[1])
    return [c + extra for c in counts] if extra else counts
