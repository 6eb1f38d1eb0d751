"""`BatchEncoding`: what the transformers-style front door returns, a dict with token maps and tensors.

It holds ``input_ids``, ``attention_mask`` and the other requested keys as lists (or numpy arrays /
torch tensors with ``return_tensors``), plus the `subtok.Encoding` of every row, so that
`tokens`, `word_ids`, `char_to_token` and friends answer without re-tokenizing.

>>> from subtok.encoding import Encoding
>>> enc = Encoding([7, 8], tokens=["hi", "!"], offsets=[(0, 2), (2, 3)], word_ids=[0, 1])
>>> batch = BatchEncoding({"input_ids": [[7, 8]], "attention_mask": [[1, 1]]}, [enc])
>>> batch.input_ids, batch.tokens(), batch.char_to_token(2)
([[7, 8]], ['hi', '!'], 1)
>>> batch.convert_to_tensors("np")["input_ids"].shape
(1, 2)
"""

from __future__ import annotations

import copy
import warnings
from collections import UserDict
from dataclasses import dataclass, replace
from typing import Any, Mapping, NamedTuple, Sequence

from .encoding import Encoding

__all__ = ["BatchEncoding", "CharSpan", "TokenSpan", "TENSOR_TYPES", "to_python", "CallSettings", "resolve_strategies",
           "encode_call", "pad_encoded", "check_text_input", "VERY_LARGE_INTEGER", "LARGE_INTEGER"]

#: The values ``return_tensors`` accepts (numpy is always there; torch when installed).
TENSOR_TYPES = ("np", "pt")

_RAGGED = ("Unable to create tensor, you should probably activate truncation and/or padding with 'padding=True' "
           "'truncation=True' to have batched tensors with the same length. Perhaps your features (`{key}` in "
           "this case) have excessive nesting (inputs type `list` where type `int` is expected). The lengths are "
           "{lengths}.")


class CharSpan(NamedTuple):
    """A character span in the original text: ``start`` inclusive, ``end`` exclusive."""

    start: int
    end: int


class TokenSpan(NamedTuple):
    """A token span in an encoding: ``start`` inclusive, ``end`` exclusive."""

    start: int
    end: int


class BatchEncoding(UserDict):
    """The output of a call: a dict (``input_ids``, ``attention_mask``, ...) with attribute access."""

    def __init__(self, data: dict[str, Any] | None = None, encoding: Encoding | Sequence[Encoding] | None = None,
                 tensor_type: str | None = None, prepend_batch_axis: bool = False,
                 n_sequences: int | None = None) -> None:
        super().__init__(data)
        if isinstance(encoding, Encoding):
            encoding = [encoding]
        self._encodings = list(encoding) if encoding is not None else None
        if n_sequences is None and self._encodings:
            n_sequences = self._encodings[0].n_sequences
        self._n_sequences = n_sequences
        self.convert_to_tensors(tensor_type, prepend_batch_axis)

    # -- dict behaviour -------------------------------------------------------------------------------
    def __getitem__(self, item: Any) -> Any:
        """A key gives its values; an int or slice the `Encoding` of those rows (or, without encodings, the
        slice of every key's rows)."""
        if isinstance(item, str):
            return self.data[item]
        if self._encodings is not None:
            return self._encodings[item]
        if isinstance(item, slice):
            return {key: self.data[key][item] for key in self.data}
        raise KeyError("index a BatchEncoding with a key (str), a row (int, for its Encoding) or a slice")

    def __getattr__(self, item: str) -> Any:
        if item.startswith("__") or item in ("data", "_encodings", "_n_sequences"):
            raise AttributeError(item)
        try:
            return self.data[item]
        except KeyError:
            raise AttributeError(f"BatchEncoding has no key or attribute {item!r}; keys: {list(self.data)}") from None

    def __getstate__(self) -> dict[str, Any]:
        return {"data": self.data, "encodings": self._encodings, "n_sequences": self._n_sequences}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.data = state.get("data", {})
        self._encodings = state.get("encodings")
        self._n_sequences = state.get("n_sequences")

    # -- token maps -----------------------------------------------------------------------------------
    @property
    def n_sequences(self) -> int | None:
        """1 for single texts, 2 for pairs, None when unknown."""
        return self._n_sequences

    @property
    def is_fast(self) -> bool:
        return self._encodings is not None

    @property
    def encodings(self) -> list[Encoding] | None:
        """The `subtok.Encoding` of every row (overflowing windows are rows of their own)."""
        return self._encodings

    def _row(self, batch_index: int) -> Encoding:
        if not self._encodings:
            raise ValueError("this BatchEncoding has no encodings (it was built by pad() or by hand), so token "
                             "maps are not available; call the tokenizer itself to get them")
        return self._encodings[batch_index]

    @staticmethod
    def _row_and_index(first: int, second: int | None) -> tuple[int, int]:
        """transformers' convention: (index) means row 0; (row, index) names the row."""
        return (first, second) if second is not None else (0, first)

    def tokens(self, batch_index: int = 0) -> list[str]:
        return self._row(batch_index).tokens

    def sequence_ids(self, batch_index: int = 0) -> list[int | None]:
        """Per token: 0 or 1 for the sequence it came from, None for special and padding tokens."""
        return self._row(batch_index).sequence_ids

    def word_ids(self, batch_index: int = 0) -> list[int | None]:
        return self._row(batch_index).word_ids

    def token_to_sequence(self, batch_or_token_index: int, token_index: int | None = None) -> int | None:
        b, t = self._row_and_index(batch_or_token_index, token_index)
        return self._row(b).sequence_ids[t]

    def token_to_word(self, batch_or_token_index: int, token_index: int | None = None) -> int | None:
        b, t = self._row_and_index(batch_or_token_index, token_index)
        return self._row(b).word_ids[t]

    def word_to_tokens(self, batch_or_word_index: int, word_index: int | None = None,
                       sequence_index: int = 0) -> TokenSpan | None:
        b, w = self._row_and_index(batch_or_word_index, word_index)
        span = self._row(b).word_to_tokens(w, sequence_index)
        return TokenSpan(*span) if span is not None else None

    def token_to_chars(self, batch_or_token_index: int, token_index: int | None = None) -> CharSpan | None:
        b, t = self._row_and_index(batch_or_token_index, token_index)
        row = self._row(b)
        if row.sequence_ids[t] is None:  # special and padding tokens cover no text
            return None
        return CharSpan(*row.offsets[t])

    def char_to_token(self, batch_or_char_index: int, char_index: int | None = None,
                      sequence_index: int = 0) -> int | None:
        b, c = self._row_and_index(batch_or_char_index, char_index)
        return self._row(b).char_to_token(c, sequence_index)

    def word_to_chars(self, batch_or_word_index: int, word_index: int | None = None,
                      sequence_index: int = 0) -> CharSpan:
        b, w = self._row_and_index(batch_or_word_index, word_index)
        span = self._row(b).word_to_chars(w, sequence_index)
        if span is None:
            raise ValueError(f"word {w} of sequence {sequence_index} has no tokens in row {b}")
        return CharSpan(*span)

    def char_to_word(self, batch_or_char_index: int, char_index: int | None = None,
                     sequence_index: int = 0) -> int | None:
        b, c = self._row_and_index(batch_or_char_index, char_index)
        return self._row(b).char_to_word(c, sequence_index)

    # -- tensors --------------------------------------------------------------------------------------
    def convert_to_tensors(self, tensor_type: str | None = None, prepend_batch_axis: bool = False) -> "BatchEncoding":
        """Turn every value into a numpy array (``"np"``) or torch tensor (``"pt"``), in place."""
        if tensor_type is None:
            return self
        as_tensor, is_tensor = _tensor_functions(tensor_type)
        for key, value in list(self.data.items()):
            if prepend_batch_axis:
                value = [value]
            if is_tensor(value):
                continue
            lengths = _ragged_lengths(value)
            if lengths:
                raise ValueError(_RAGGED.format(key=key, lengths=lengths))
            self.data[key] = as_tensor(value)
        return self

    def to(self, device: Any, *, non_blocking: bool = False) -> "BatchEncoding":
        """Move every torch tensor to ``device`` (torch only)."""
        _import_torch()
        self.data = {k: v.to(device=device, non_blocking=non_blocking) if hasattr(v, "to") else v
                     for k, v in self.data.items()}
        return self


def _ragged_lengths(value: Any) -> list[int] | None:
    """The row lengths when `value` is a list of rows that are not all the same length."""
    if not isinstance(value, (list, tuple)) or not value or not isinstance(value[0], (list, tuple)):
        return None
    lengths = [len(v) if isinstance(v, (list, tuple)) else -1 for v in value]
    if len(set(lengths)) > 1:
        return lengths
    nested = [_ragged_lengths(v) for v in value]
    return next((n for n in nested if n), None)


def _import_torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError("Unable to convert output to PyTorch tensors format, PyTorch is not installed "
                          "(pip install torch), or use return_tensors='np'") from None
    return torch


def _tensor_functions(tensor_type: str) -> tuple[Any, Any]:
    kind = getattr(tensor_type, "value", tensor_type)
    if kind == "np":
        import numpy as np

        def as_array(value: Any) -> Any:
            return np.asarray(value, dtype=np.int64 if _is_empty(value) else None)

        return as_array, lambda v: isinstance(v, np.ndarray)
    if kind == "pt":
        torch = _import_torch()

        def as_torch(value: Any) -> Any:
            return torch.tensor(value, dtype=torch.int64 if _is_empty(value) else None)

        return as_torch, torch.is_tensor
    raise ValueError(f"return_tensors={tensor_type!r} is not supported; use one of {', '.join(map(repr, TENSOR_TYPES))} "
                     "or None for Python lists")


def _is_empty(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_is_empty(v) for v in value)
    return False


def to_python(value: Any) -> Any:
    """numpy arrays, torch tensors and their scalars as Python ints and lists (for decode and pad).

    >>> import numpy as np
    >>> to_python(np.array([[1, 2], [3, 4]]))
    [[1, 2], [3, 4]]
    """
    if hasattr(value, "tolist") and callable(value.tolist) and not isinstance(value, (list, tuple)):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [to_python(v) for v in value]
    if isinstance(value, dict):
        return {k: to_python(v) for k, v in value.items()}
    return value


# -- from a call's arguments to a BatchEncoding ---------------------------------------------------------
#: ``model_max_length`` of a tokenizer without a limit (transformers' VERY_LARGE_INTEGER), and the
#: threshold above which it counts as "no limit".
VERY_LARGE_INTEGER = int(1e30)
LARGE_INTEGER = int(1e20)
PADDING_STRATEGIES = ("longest", "max_length", "do_not_pad")
TRUNCATION_STRATEGIES = ("longest_first", "only_first", "only_second", "do_not_truncate")
_NO_PAD_TOKEN = ("Asking to pad but the tokenizer does not have a padding token. Please select a token to use as "
                 "`pad_token` `(tokenizer.pad_token = tokenizer.eos_token e.g.)` or add a new pad token via "
                 "`tokenizer.add_special_tokens({'pad_token': '[PAD]'})`.")
_INVALID_TEXT = ("text input must be of type `str` (single example), `list[str]` (batch or single pretokenized "
                 "example) or `list[list[str]]` (batch of pretokenized examples) or `list[tuple[list[str], "
                 "list[str]]]` (batch of pretokenized sequence pairs).")


@dataclass(frozen=True)
class CallSettings:
    """The padding and truncation a call asked for, resolved as transformers resolves them."""

    padding: str  # one of PADDING_STRATEGIES
    truncation: str  # one of TRUNCATION_STRATEGIES
    max_length: int | None

    def with_max_length(self, max_length: int) -> "CallSettings":
        return replace(self, max_length=max_length)


def _strategy(value: Any, allowed: tuple[str, ...], when_true: str, when_false: str, name: str) -> str:
    value = getattr(value, "value", value)  # transformers' PaddingStrategy / TruncationStrategy enums
    if value is True:
        return when_true
    if value is False or value is None:
        return when_false
    if isinstance(value, str) and value in allowed:
        return value
    raise ValueError(f"{name}={value!r} is not a valid {name} strategy; use True, False or one of "
                     f"{', '.join(map(repr, allowed))}")


def _check_int(value: Any, name: str, minimum: int) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < minimum):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def resolve_strategies(tok: Any, padding: Any, truncation: Any, max_length: int | None,
                       pad_to_multiple_of: int | None, verbose: bool = True) -> CallSettings:
    """transformers' rules: ``max_length`` alone turns truncation on; a missing one means model_max_length."""
    _check_int(max_length, "max_length", 0)
    _check_int(pad_to_multiple_of, "pad_to_multiple_of", 1)
    if max_length is not None and padding is False and truncation is None:
        truncation = "longest_first"
    pad = _strategy(padding, PADDING_STRATEGIES, "longest", "do_not_pad", "padding")
    trunc = _strategy(truncation, TRUNCATION_STRATEGIES, "longest_first", "do_not_truncate", "truncation")
    if padding is True and verbose and max_length is not None and trunc == "do_not_truncate":
        warnings.warn("`max_length` is ignored when `padding`=`True` and there is no truncation strategy. "
                      "To pad to max length, use `padding='max_length'`.", stacklevel=4)
    if max_length is None:
        unlimited = tok.model_max_length > LARGE_INTEGER
        if pad == "max_length":
            pad, max_length = ("do_not_pad", None) if unlimited else (pad, tok.model_max_length)
        if trunc != "do_not_truncate":
            trunc, max_length = ("do_not_truncate", max_length) if unlimited else (trunc, tok.model_max_length)
    if pad != "do_not_pad" and (tok.pad_token is None or tok.pad_token_id is None or tok.pad_token_id < 0):
        raise ValueError(_NO_PAD_TOKEN)
    if (trunc != "do_not_truncate" and pad != "do_not_pad" and pad_to_multiple_of is not None
            and max_length is not None and max_length % pad_to_multiple_of):
        raise ValueError("Truncation and padding are both activated but truncation length "
                         f"({max_length}) is not a multiple of pad_to_multiple_of ({pad_to_multiple_of}).")
    return CallSettings(pad, trunc, max_length)


def _valid_text(t: Any) -> bool:
    """str, list[str], list[list[str]] or list[tuple[list[str], list[str]]] (what transformers accepts)."""
    for _ in range(3):
        if isinstance(t, str):
            return True
        if not isinstance(t, (list, tuple)):
            return False
        if len(t) == 0:
            return True
        t = t[0]
    return isinstance(t, str)


def check_text_input(text: Any) -> None:
    if not _valid_text(text):
        raise ValueError(_INVALID_TEXT)


def _batch_items(text: Any, text_pair: Any, is_split_into_words: bool) -> tuple[list[Any], bool]:
    """The engine's inputs (texts or (text, pair) tuples) and whether the call was batched."""
    if is_split_into_words:
        batched = isinstance(text, (list, tuple)) and bool(text) and isinstance(text[0], (list, tuple))
    else:
        batched = isinstance(text, (list, tuple))
    if not batched:
        return ([(text, text_pair)] if text_pair else [text]), False
    if isinstance(text_pair, str):
        raise TypeError("when tokenizing batches of text, `text_pair` must be a list or tuple with the same length "
                        "as `text`.")
    if text_pair is not None and len(text) != len(text_pair):
        raise ValueError(f"batch length of `text`: {len(text)} does not match batch length of `text_pair`: "
                         f"{len(text_pair)}.")
    if not text:
        raise ValueError("text is an empty batch: there is nothing to tokenize")
    return (list(zip(text, text_pair)) if text_pair is not None else list(text)), True


def _check_room_for_special_tokens(tok: Any, settings: CallSettings, pairs: bool, singles: bool) -> None:
    if settings.truncation == "do_not_truncate" or settings.max_length is None:
        return
    for is_pair, present in ((False, singles), (True, pairs)):
        n = tok.num_special_tokens_to_add(is_pair)
        if present and settings.max_length < n:
            what = "a pair of sequences" if is_pair else "one sequence"
            raise ValueError(f"max_length={settings.max_length} is smaller than the {n} special tokens this tokenizer "
                             f"adds around {what}, so nothing could be kept of the text; use max_length >= {n}, or "
                             "add_special_tokens=False")


def _engine_for_call(tok: Any, settings: CallSettings, stride: int, pad_to_multiple_of: int | None,
                     padding_side: str | None, split_special_tokens: bool) -> Any:
    """A shallow copy of the engine with this call's truncation and padding (the tokenizer itself is unchanged)."""
    base = tok.backend_tokenizer
    engine = type(base).__new__(type(base))
    engine.__dict__.update(base.__dict__)
    engine.no_truncation()
    engine.no_padding()
    if split_special_tokens != base.encode_special_tokens:
        vocab = copy.copy(base.added_vocabulary)
        vocab.encode_special_tokens = split_special_tokens
        engine.added_vocabulary = vocab
    if settings.truncation != "do_not_truncate":
        engine.enable_truncation(settings.max_length, stride=stride, strategy=settings.truncation,
                                 direction=tok.truncation_side)
    if settings.padding != "do_not_pad":
        side = padding_side if padding_side is not None else tok.padding_side
        if side not in ("left", "right"):
            raise ValueError(f"padding_side={side!r} is not a side; use 'left' or 'right'")
        engine.enable_padding(direction=side, pad_id=tok.pad_token_id, pad_type_id=tok.pad_token_type_id,
                              pad_token=tok.pad_token, pad_to_multiple_of=pad_to_multiple_of,
                              length=settings.max_length if settings.padding == "max_length" else None)
    return engine


def _rows(encodings: list[Encoding], flags: dict[str, bool], overflow: bool) -> tuple[dict[str, list], list, list]:
    """The output columns, the flat list of encodings, and overflow_to_sample_mapping."""
    data: dict[str, list] = {"input_ids": []}
    for key, wanted in flags.items():
        if wanted:
            data[key] = []
    flat: list[Encoding] = []
    mapping: list[int] = []
    for i, enc in enumerate(encodings):
        for e in ([enc, *enc.overflowing] if overflow else [enc]):
            flat.append(e)
            mapping.append(i)
            data["input_ids"].append(e.ids)
            for key, column in data.items():
                if key != "input_ids":
                    column.append(_COLUMNS[key](e))
    return data, flat, mapping


_COLUMNS = {"token_type_ids": lambda e: e.type_ids, "attention_mask": lambda e: e.attention_mask,
            "special_tokens_mask": lambda e: e.special_tokens_mask, "offset_mapping": lambda e: e.offsets,
            "length": lambda e: len(e.ids)}


def encode_call(tok: Any, text: Any, text_pair: Any, settings: CallSettings, *, add_special_tokens: bool = True,
                stride: int = 0, is_split_into_words: bool = False, pad_to_multiple_of: int | None = None,
                padding_side: str | None = None, return_tensors: str | None = None,
                return_token_type_ids: bool | None = None, return_attention_mask: bool | None = None,
                return_overflowing_tokens: bool = False, return_special_tokens_mask: bool = False,
                return_offsets_mapping: bool = False, return_length: bool = False, verbose: bool = True,
                split_special_tokens: bool | None = None) -> "BatchEncoding":
    """One ``tokenizer(...)`` call: the engine's `encode_batch` with per-call settings, as a `BatchEncoding`."""
    _check_int(stride, "stride", 0)
    items, batched = _batch_items(text, text_pair, is_split_into_words)
    has_pairs = any(isinstance(x, tuple) or (isinstance(x, list) and not is_split_into_words) for x in items)
    if add_special_tokens:
        _check_room_for_special_tokens(tok, settings, has_pairs, not has_pairs)
    split = tok.split_special_tokens if split_special_tokens is None else bool(split_special_tokens)
    engine = _engine_for_call(tok, settings, stride, pad_to_multiple_of, padding_side, split)
    encodings = engine.encode_batch(items, is_pretokenized=is_split_into_words, add_special_tokens=add_special_tokens)
    names = tok.model_input_names
    flags = {"token_type_ids": return_token_type_ids if return_token_type_ids is not None
             else "token_type_ids" in names,
             "attention_mask": return_attention_mask if return_attention_mask is not None
             else "attention_mask" in names,
             "special_tokens_mask": return_special_tokens_mask, "offset_mapping": return_offsets_mapping,
             "length": return_length}
    data, flat, mapping = _rows(encodings, flags, return_overflowing_tokens)
    if return_overflowing_tokens:
        data["overflow_to_sample_mapping"] = mapping
    for ids in data["input_ids"]:
        _warn_if_too_long(tok, ids, settings.max_length, verbose)
    if not batched and return_tensors is None and not return_overflowing_tokens:
        data = {k: (v[0] if v and isinstance(v[0], list) else v) for k, v in data.items()}
    return BatchEncoding(data, flat, tensor_type=return_tensors)


def _warn_if_too_long(tok: Any, ids: list[int], max_length: int | None, verbose: bool) -> None:
    if max_length is None and verbose and tok.model_max_length != 0 and len(ids) > tok.model_max_length:
        tok._warn_once("too-long", "Token indices sequence length is longer than the specified maximum sequence "
                       f"length for this model ({len(ids)} > {tok.model_max_length}). Running this sequence through "
                       "the model will result in indexing errors")


# -- padding already-encoded inputs ---------------------------------------------------------------------
def _pad_row(tok: Any, row: dict[str, Any], length: int | None, strategy: str, multiple: int | None,
             side: str | None, attention: bool | None) -> dict[str, Any]:
    main = tok.model_input_names[0]
    ids = row[main]
    if attention is None:
        attention = "attention_mask" in tok.model_input_names
    if strategy == "longest":
        length = len(ids)
    if length is not None and multiple is not None and length % multiple:
        length = (length // multiple + 1) * multiple
    if attention and "attention_mask" not in row:
        row["attention_mask"] = [1] * len(ids)
    if strategy == "do_not_pad" or length is None or len(ids) == length:
        return row
    k = length - len(ids)
    side = side if side is not None else tok.padding_side
    fills = {main: tok.pad_token_id, "token_type_ids": tok.pad_token_type_id, "special_tokens_mask": 1,
             "attention_mask": 0}
    for key, fill in fills.items():
        if key in row and (key != "attention_mask" or attention):
            row[key] = [fill] * k + list(row[key]) if side == "left" else list(row[key]) + [fill] * k
    return row


def _tensor_kind(rows: Any) -> str | None:
    """"np" or "pt" when the rows are arrays / tensors (pad then returns the same kind), else None."""
    first = rows[0]
    if isinstance(first, (list, tuple)):
        first = next((row[0] for row in rows if len(row)), first)
    if isinstance(first, (int, list, tuple)):
        return None
    module = type(first).__module__
    if module.startswith("torch"):
        return "pt"
    if module.startswith("numpy"):
        return "np"
    raise ValueError(f"type of {first} unknown: {type(first)}. Should be one of a python, numpy, or pytorch object.")


def pad_encoded(tok: Any, encoded: Any, padding: Any = True, max_length: int | None = None,
                pad_to_multiple_of: int | None = None, padding_side: str | None = None,
                return_attention_mask: bool | None = None, return_tensors: str | None = None,
                verbose: bool = True) -> "BatchEncoding":
    """transformers' ``tokenizer.pad``: pad a dict of rows, a list of dicts or BatchEncodings to one length."""
    if isinstance(encoded, (list, tuple)) and encoded and isinstance(encoded[0], Mapping):
        encoded = {key: [example[key] for example in encoded] for key in encoded[0].keys()}
    main = tok.model_input_names[0]
    if not isinstance(encoded, Mapping) or main not in encoded:
        keys = list(encoded.keys()) if isinstance(encoded, Mapping) else type(encoded).__name__
        raise ValueError(f"You should supply an encoding or a list of encodings to this method that includes {main}, "
                         f"but you provided {keys}")
    if encoded[main] is None or len(encoded[main]) == 0:
        return BatchEncoding({**encoded, **({"attention_mask": []} if return_attention_mask else {})})
    kind = _tensor_kind(encoded[main])
    if return_tensors is None and kind is not None:
        return_tensors = kind
    data = {k: to_python(v) for k, v in encoded.items()}
    settings = resolve_strategies(tok, padding, None, max_length, None, verbose)
    if data[main] and not isinstance(data[main][0], (list, tuple)):
        row = _pad_row(tok, data, settings.max_length, settings.padding, pad_to_multiple_of, padding_side,
                       return_attention_mask)
        return BatchEncoding(row, tensor_type=return_tensors)
    out = _pad_rows(tok, data, settings, pad_to_multiple_of, padding_side, return_attention_mask)
    return BatchEncoding(out, tensor_type=return_tensors)


def _pad_rows(tok: Any, data: dict[str, list], settings: CallSettings, multiple: int | None, side: str | None,
              attention: bool | None) -> dict[str, list]:
    """Every row of a dict of rows padded to the batch's longest row (or to max_length)."""
    main = tok.model_input_names[0]
    n = len(data[main])
    if any(len(v) != n for v in data.values()):
        raise ValueError("Some items in the output dictionary have a different batch size than others.")
    strategy, length = settings.padding, settings.max_length
    if strategy == "longest":
        strategy, length = "max_length", max(len(r) for r in data[main])
    out: dict[str, list] = {}
    for i in range(n):
        row = _pad_row(tok, {k: v[i] for k, v in data.items()}, length, strategy, multiple, side, attention)
        for key, value in row.items():
            out.setdefault(key, []).append(value)
    return out
