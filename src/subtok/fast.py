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
  ``Tokenizer.encode(text)`` when nothing would change the ids afterwards (no pair, no truncation or
  padding, and ``add_special_tokens=False`` or no post-processor), `Tokenizer.encode_batch`, and
  the tiktoken face. Added and special tokens are still split out in Python; only the text
  between them goes through C. The returned `Encoding` holds the ids; its tokens, offsets and
  the rest are computed by the reference the first time one of them is read.

Switches: ``SUBTOK_PURE=1`` in the environment (read at import) or ``use_reference(True)`` force the
reference; `available` says whether the extension could be imported at all. After editing the C
sources, rebuild with ``pip install -e .``.

>>> use_reference(True); enabled()
False
>>> use_reference(False); enabled() == available()
True
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
import weakref
from array import array
from typing import Any, Iterator

import regex

from .bytes_map import BYTES_TO_UNICODE
from .encoding import Encoding
from .models import BPE
from .patterns import GPT2_PATTERN
from . import pre_tokenizers as _pre

try:
    from . import _core
    _IMPORT_ERROR = ""
    if not hasattr(_core, "BPE"):  # not built: the directory of its C sources, as a namespace package
        raise ImportError("subtok._core was not built (only its C sources are there)")
except ImportError as e:  # no compiler at install time, or a broken build
    _core = None  # type: ignore[assignment]
    _IMPORT_ERROR = str(e)

__all__ = ["available", "enabled", "use_reference", "FastPathWarning"]


class FastPathWarning(RuntimeWarning):
    """subtok's compiled core is missing, so a fast path runs on the pure-Python reference."""


_forced_reference = os.environ.get("SUBTOK_PURE", "").strip() not in ("", "0")
_local = threading.local()  # .reference is True while an Encoding asks the reference for its fields
_warned = False


def available() -> bool:
    """Whether the compiled core (``subtok._core``) is importable."""
    return _core is not None


def enabled() -> bool:
    """Whether fast paths are used now: the core is available and the reference is not forced."""
    return _core is not None and not _forced_reference


def use_reference(on: bool = True) -> None:
    """Force the pure-Python reference for every tokenizer (``on=False`` allows the fast paths again,
    when the core is available). ``SUBTOK_PURE=1`` in the environment does the same at import."""
    global _forced_reference
    _forced_reference = bool(on)


@contextlib.contextmanager
def _reference_only() -> Iterator[None]:
    """The reference, in this thread only, for the duration."""
    before = getattr(_local, "reference", False)
    _local.reference = True
    try:
        yield
    finally:
        _local.reference = before


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


def _model_fits(model: Any) -> bool:
    return (type(model) is BPE and not model.dropout and not model.continuing_subword_prefix
            and not model.end_of_word_suffix and not getattr(model, "rank_by_token", False)
            and not getattr(model, "user_defined_symbols", None) and not getattr(model, "unk_as_text", False))


class _Plan:
    """How one tokenizer's plain text becomes ids in C: the model's tables and the scanner."""

    __slots__ = ("core", "pattern", "key")

    def __init__(self, core: Any, pattern: int, key: tuple) -> None:
        self.core = core
        self.pattern = pattern
        self.key = key


def _plan(tokenizer: Any) -> _Plan | None:
    """The fast plan for the tokenizer's stages now, or None (cached until a stage is replaced)."""
    model, pre, norm = tokenizer.model, tokenizer.pre_tokenizer, tokenizer.normalizer
    cached = tokenizer.__dict__.get("_subtok_fast_plan")
    if cached is not None:  # the common case, on every call: no tuple, no generator
        k = cached.key
        if k[0] is model and k[1] is pre and k[2] is norm:
            return cached if cached.core is not None else None
    key = (model, pre, norm)
    kind = None if key[2] is not None or not _model_fits(key[0]) else _split_kind(key[1])
    core = None if kind is None else _core_for(key[0])
    plan = _Plan(core, -1 if kind is None else kind, key)
    tokenizer.__dict__["_subtok_fast_plan"] = plan
    return plan if core is not None else None


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


def _build_core(model: BPE) -> Any:
    vocab = model.vocab
    byte_ids = array("I")
    for c in BYTES_TO_UNICODE:
        id = vocab.get(c)
        if id is None:  # the reference would drop, replace or fall back on that byte: not this shape
            return None
        byte_ids.append(id)
    blob: list[bytes] = []
    lens, ids = array("I"), array("I")
    for token, id in vocab.items():
        try:
            b = token.translate(_TO_BYTE).encode("latin-1")
        except UnicodeEncodeError:  # not a byte-level token (an added token's text): no piece is it
            continue
        blob.append(b)
        lens.append(len(b))
        ids.append(id)
    ranks = model._ranks
    try:
        return _core.BPE(b"".join(blob), lens, ids, array("I", [k[0] for k in ranks]),
                         array("I", [k[1] for k in ranks]), array("I", [v[0] for v in ranks.values()]),
                         array("I", [v[1] for v in ranks.values()]), byte_ids, model.ignore_merges)
    except (ValueError, OverflowError):  # ids beyond what the core handles: stay on the reference
        return None


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
    return not _forced_reference and not getattr(_local, "reference", False)


def _text_ids(tokenizer: Any, plan: _Plan, text: str) -> list[int] | None:
    """The ids of text (added tokens split out as the reference does); None when the core cannot
    take the text (a lone surrogate: the reference raises the error)."""
    added = tokenizer.added_vocabulary
    core, pattern = plan.core, plan.pattern
    try:
        if not _may_hold_added_tokens(added, text):
            return core.encode(text, pattern)
        ids: list[int] = []
        for split in added.extract_and_normalize(text, None).splits:
            if split.tokens is not None:
                ids.extend(t[0] for t in split.tokens)
            else:
                ids.extend(core.encode(split.normalized.normalized, pattern))
        return ids
    except UnicodeEncodeError:
        return None


_FINDERS: dict[int, tuple[Any, Any, Any]] = {}  # id(added vocabulary) -> (raw, normalized matcher, finder)
_FEW_TOKENS = 2  # up to this many added tokens, one str search each beats one regex search for all


def _may_hold_added_tokens(added: Any, text: str) -> bool:
    """Whether any added token's text occurs in `text` (if none does, the reference's split leaves
    the text whole). Measured on 1 MB: ``token in text`` takes 0.3 ms per token, one `regex`
    search for 5 tokens 0.7 ms (and a tenth of the reference's matcher time for many): ``in``
    for one or two tokens (gpt2, o200k_base), `regex` for more (cl100k_base 5, Llama 3 256)."""
    raw, norm = added.raw_matcher, added.normalized_matcher
    if raw.rx is None and norm.rx is None:
        return False
    entry = _FINDERS.get(id(added))
    if entry is None or entry[0] is not raw or entry[1] is not norm:
        contents = sorted({*raw.ids, *norm.ids}, key=len, reverse=True)
        finder: Any = tuple(contents)
        if len(contents) > _FEW_TOKENS or "" in finder:
            finder = regex.compile("|".join(regex.escape(c) for c in contents))
        entry = (raw, norm, finder)
        if len(_FINDERS) > 256:
            _FINDERS.clear()
        _FINDERS[id(added)] = entry
    finder = entry[2]
    if type(finder) is tuple:
        return any(c in text for c in finder)
    return finder.search(text) is not None


def encode_ids(tokenizer: Any, text: Any) -> list[int] | None:
    """``tokenizer.encode(text).ids`` for a tokenizer with a fast shape and a plain str, else None.

    The caller must have checked that nothing after the model changes the ids (see `encode`).
    """
    if type(text) is not str or not _active():
        return None
    plan = _plan(tokenizer)
    return None if plan is None else _text_ids(tokenizer, plan, text)


def encode(tokenizer: Any, sequence: Any, pair: Any, is_pretokenized: bool,
           add_special_tokens: bool) -> Encoding | None:
    """`Tokenizer.encode` on the fast path, or None when it does not apply."""
    if pair is not None or is_pretokenized or tokenizer._truncation or tokenizer._padding:
        return None
    if add_special_tokens and tokenizer.post_processor is not None:
        return None
    ids = encode_ids(tokenizer, sequence)
    if ids is None:
        return None
    return LazyEncoding(ids, tokenizer, sequence, add_special_tokens)


# -- an Encoding whose other fields come from the reference on demand -----------------------------

_SLOTS = {name: Encoding.__dict__[name] for name in Encoding.__slots__}
_FROM_REFERENCE = ("tokens", "offsets", "word_ids")
_SIMPLE = ("type_ids", "special_tokens_mask", "attention_mask", "overflowing", "sequence_ranges")


class LazyEncoding(Encoding):
    """An `Encoding` made by a fast path: ``ids`` at once, every other field computed the first
    time one is read (by the reference, except the constant ones when there is no post-processor)."""

    # No __slots__ of its own: Encoding's methods iterate over ``self.__slots__``, which must stay
    # Encoding's. `_pending` lives in the instance dict.

    def __init__(self, ids: list[int], tokenizer: Any, text: str, add_special_tokens: bool) -> None:
        _SLOTS["ids"].__set__(self, ids)
        self._pending = (tokenizer, text, add_special_tokens, tokenizer.post_processor is None, len(ids))

    def _fill(self, name: str) -> None:
        pending = self._pending
        if pending is None:
            return
        tokenizer, text, add_special_tokens, plain, n = pending
        if plain and name in _SIMPLE:  # what the reference gives without a post-processor
            simple = {"type_ids": [0] * n, "special_tokens_mask": [0] * n, "attention_mask": [1] * n,
                      "overflowing": [], "sequence_ranges": {}}
            for field, value in simple.items():
                if not _is_set(self, field):
                    _SLOTS[field].__set__(self, value)
            return
        with _reference_only():
            ref = tokenizer.encode(text, add_special_tokens=add_special_tokens)
        for field in _FROM_REFERENCE + _SIMPLE:
            if not _is_set(self, field):  # a field set in the meantime keeps its value
                _SLOTS[field].__set__(self, getattr(ref, field))
        self._pending = None

    def __reduce__(self):
        return (_plain_encoding, ({name: getattr(self, name) for name in Encoding.__slots__},))


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
