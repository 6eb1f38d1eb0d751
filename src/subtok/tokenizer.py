"""`Tokenizer`: the pipeline object, with the Hugging Face `tokenizers` API.

text -> added tokens -> normalizer -> pre-tokenizer -> model -> post-processor (-> truncation,
padding) -> `Encoding`; and ids -> tokens -> decoder -> text.

>>> from subtok import Tokenizer
>>> from subtok.models import WordLevel
>>> from subtok.pre_tokenizers import Whitespace
>>> tok = Tokenizer(WordLevel({"hello": 0, "world": 1, "[UNK]": 2}, unk_token="[UNK]"))
>>> tok.pre_tokenizer = Whitespace()
>>> tok.encode("hello big world").ids
[0, 2, 1]
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable, Sequence, Union

from . import decoders as _decoders
from . import fast as _fast
from . import models as _models
from . import normalizers as _normalizers
from . import pre_tokenizers as _pre_tokenizers
from . import processors as _processors
from ._json import Reader
from .added_tokens import AddedToken, AddedVocabulary
from .encoding import Encoding
from .errors import EncodeError, InvalidTextError, TokenizerFormatError
from .normalized import NormalizedString, PreTokenizedString

__all__ = ["Tokenizer"]

InputSequence = Union[str, Sequence[str]]
_STRATEGIES = ("longest_first", "only_first", "only_second")
_MAX_PADDING = 1 << 24  # a padding length read from a file above this is taken for damage


def _check_text(x: object, what: str = "sequence") -> str:
    if not isinstance(x, str):
        raise TypeError(f"encode expects a str for the {what}, got {type(x).__name__}"
                        + (" (pass is_pretokenized=True for a list of words)" if isinstance(x, (list, tuple)) else ""))
    if not x.isascii():
        try:
            x.encode("utf-8")
        except UnicodeEncodeError as e:
            raise InvalidTextError(
                f"the {what} has a lone surrogate {x[e.start]!r} at index {e.start}, which is not valid Unicode "
                "text (Hugging Face tokenizers rejects it too); decode the bytes with errors='replace' "
                "or remove it") from None
    return x


class Tokenizer:
    """A complete tokenizer: normalizer, pre-tokenizer, model, post-processor, decoder, added tokens."""

    def __init__(self, model: _models.Model) -> None:
        self.model = model
        self._normalizer: _normalizers.Normalizer | None = None
        self.pre_tokenizer: _pre_tokenizers.PreTokenizer | None = None
        self.post_processor: _processors.PostProcessor | None = None
        self.decoder: _decoders.Decoder | None = None
        self.added_vocabulary = AddedVocabulary()
        self._truncation: dict[str, Any] | None = None
        self._padding: dict[str, Any] | None = None

    # -- construction -----------------------------------------------------------------------------
    @property
    def normalizer(self) -> _normalizers.Normalizer | None:
        return self._normalizer

    @normalizer.setter
    def normalizer(self, value: _normalizers.Normalizer | None) -> None:
        self._normalizer = value
        self.added_vocabulary.refresh(self._normalize_fn(), self.model.token_to_id)

    def _normalize_fn(self):
        n = self._normalizer
        return None if n is None else n.normalize

    @classmethod
    def from_str(cls, json_str: str, *, file: str | None = None) -> "Tokenizer":
        """Load a tokenizer from the text of a tokenizer.json file."""
        try:
            data = json.loads(json_str)
        except json.JSONDecodeError as e:
            raise TokenizerFormatError(f"not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}",
                                       file=file) from None
        return cls.from_dict(data, file=file)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> "Tokenizer":
        """Load a tokenizer.json file."""
        p = os.fspath(path)
        try:
            with open(p, encoding="utf-8") as f:
                text = f.read()
        except UnicodeDecodeError as e:
            raise TokenizerFormatError(f"not UTF-8 text (byte {e.start}); is this really a tokenizer.json?",
                                       file=p) from None
        return cls.from_str(text, file=p)

    @classmethod
    def from_dict(cls, data: Any, *, file: str | None = None) -> "Tokenizer":
        r = Reader(data, "", file)
        r.dict()
        tok = cls(_models.from_dict(r.at("model")))
        tok._normalizer = _normalizers.from_dict(r.get("normalizer"))
        tok.pre_tokenizer = _pre_tokenizers.from_dict(r.get("pre_tokenizer"))
        tok.post_processor = _processors.from_dict(r.get("post_processor"))
        tok.decoder = _decoders.from_dict(r.get("decoder"))
        added = r.get("added_tokens", []).items(AddedToken.from_reader)
        if added:
            tok.added_vocabulary.add(added, tok._normalize_fn(), tok.model.get_vocab_size(), tok.model.token_to_id)
        else:
            tok.added_vocabulary.refresh(tok._normalize_fn(), tok.model.token_to_id)
        tr = r.get("truncation")
        if tr.value is not None:
            strategy = tr.get("strategy", "LongestFirst").str()
            strategies = {"LongestFirst": "longest_first", "OnlyFirst": "only_first", "OnlySecond": "only_second"}
            if strategy not in strategies:
                tr.fail(f"unknown strategy {strategy!r}; expected one of {', '.join(strategies)}", at="strategy")
            direction = tr.get("direction", "Right").str()
            if direction not in ("Left", "Right"):
                tr.fail(f"unknown direction {direction!r}; expected 'Left' or 'Right'", at="direction")
            tok._truncation = {"max_length": tr.at("max_length").int(), "stride": tr.get("stride", 0).int(),
                               "strategy": strategies[strategy], "direction": direction.lower()}
        pd = r.get("padding")
        if pd.value is not None:
            st = pd.get("strategy", "BatchLongest")
            length = None
            if isinstance(st.value, dict):
                length = st.at("Fixed").int()
            elif st.str() != "BatchLongest":
                st.fail(f"expected 'BatchLongest' or {{'Fixed': n}}, got {st.value!r}")
            direction = pd.get("direction", "Right").str()
            if direction not in ("Left", "Right"):
                pd.fail(f"unknown direction {direction!r}; expected 'Left' or 'Right'", at="direction")
            multiple = pd.get("pad_to_multiple_of", None).opt_int()
            for where, n in (("strategy.Fixed", length), ("pad_to_multiple_of", multiple)):
                if n is not None and n > _MAX_PADDING:  # every encode would allocate that many ids
                    pd.fail(f"{n} is far beyond any model's context (at most {_MAX_PADDING}); "
                            "is the file damaged?", at=where)
            tok._padding = {"length": length, "direction": direction.lower(),
                            "pad_to_multiple_of": multiple,
                            "pad_id": pd.get("pad_id", 0).int(), "pad_type_id": pd.get("pad_type_id", 0).int(),
                            "pad_token": pd.get("pad_token", "[PAD]").str()}
        return tok

    def to_dict(self) -> dict[str, Any]:
        tr = None
        if self._truncation:
            t = self._truncation
            tr = {"direction": t["direction"].capitalize(), "max_length": t["max_length"],
                  "strategy": "".join(w.capitalize() for w in t["strategy"].split("_")), "stride": t["stride"]}
        pd = None
        if self._padding:
            p = self._padding
            pd = {"strategy": {"Fixed": p["length"]} if p["length"] is not None else "BatchLongest",
                  "direction": p["direction"].capitalize(), "pad_to_multiple_of": p["pad_to_multiple_of"],
                  "pad_id": p["pad_id"], "pad_type_id": p["pad_type_id"], "pad_token": p["pad_token"]}
        added = sorted(self.added_vocabulary.tokens_by_id.items())
        return {
            "version": "1.0", "truncation": tr, "padding": pd,
            "added_tokens": [t.to_dict(i) for i, t in added],
            "normalizer": self._normalizer.to_dict() if self._normalizer else None,
            "pre_tokenizer": self.pre_tokenizer.to_dict() if self.pre_tokenizer else None,
            "post_processor": self.post_processor.to_dict() if self.post_processor else None,
            "decoder": self.decoder.to_dict() if self.decoder else None,
            "model": self.model.to_dict(),
        }

    def to_str(self, pretty: bool = False) -> str:
        """The tokenizer.json text (loads in Hugging Face tokenizers and encodes identically)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2 if pretty else None)

    def save(self, path: str | os.PathLike[str], pretty: bool = True) -> None:
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_str(pretty))

    def __getstate__(self) -> dict[str, Any]:
        # encode_special_tokens is not part of tokenizer.json; a pickled copy keeps it
        return {"json": self.to_str(), "encode_special_tokens": self.encode_special_tokens}

    def __setstate__(self, state: dict[str, Any]) -> None:
        other = Tokenizer.from_str(state["json"])
        other.encode_special_tokens = state.get("encode_special_tokens", False)
        self.__dict__.update(other.__dict__)

    def __repr__(self) -> str:
        return (f"Tokenizer(model={type(self.model).__name__}, vocab_size={self.get_vocab_size()}, "
                f"normalizer={self._normalizer!r}, pre_tokenizer={self.pre_tokenizer!r})")

    # -- vocabulary -------------------------------------------------------------------------------
    def token_to_id(self, token: str) -> int | None:
        id = self.added_vocabulary.ids_by_content.get(token)
        return id if id is not None else self.model.token_to_id(token)

    def id_to_token(self, id: int) -> str | None:
        t = self.added_vocabulary.display.get(id)
        return t if t is not None else self.model.id_to_token(id)

    def get_vocab(self, with_added_tokens: bool = True) -> dict[str, int]:
        vocab = self.model.get_vocab()
        if with_added_tokens:
            vocab.update(self.added_vocabulary.ids_by_content)
        return vocab

    def get_vocab_size(self, with_added_tokens: bool = True) -> int:
        # as tokenizers: the model's size and the added tokens it does not have (not len(get_vocab(True)):
        # a Unigram piece listed twice counts twice here, once there)
        size = self.model.get_vocab_size()
        if with_added_tokens:
            size += sum(1 for c in self.added_vocabulary.ids_by_content if self.model.token_to_id(c) is None)
        return size

    def get_added_tokens_decoder(self) -> dict[int, AddedToken]:
        return dict(sorted(self.added_vocabulary.tokens_by_id.items()))

    def add_tokens(self, tokens: Iterable[str | AddedToken]) -> int:
        """Add tokens matched whole in the text; returns how many were new."""
        toks = [t if isinstance(t, AddedToken) else AddedToken(_check_text(t, "token")) for t in tokens]
        return self.added_vocabulary.add(toks, self._normalize_fn(), self.model.get_vocab_size(),
                                         self.model.token_to_id)

    def add_special_tokens(self, tokens: Iterable[str | AddedToken]) -> int:
        toks = []
        for t in tokens:
            if isinstance(t, AddedToken):
                toks.append(AddedToken(t.content, t.single_word, t.lstrip, t.rstrip, t.normalized, True))
            else:
                toks.append(AddedToken(_check_text(t, "token"), special=True, normalized=False))
        return self.added_vocabulary.add(toks, self._normalize_fn(), self.model.get_vocab_size(),
                                         self.model.token_to_id)

    @property
    def encode_special_tokens(self) -> bool:
        return self.added_vocabulary.encode_special_tokens

    @encode_special_tokens.setter
    def encode_special_tokens(self, value: bool) -> None:
        self.added_vocabulary.encode_special_tokens = bool(value)

    # -- truncation and padding ---------------------------------------------------------------------
    def enable_truncation(self, max_length: int, stride: int = 0, strategy: str = "longest_first",
                          direction: str = "right") -> None:
        if strategy not in _STRATEGIES:
            raise ValueError(f"unknown truncation strategy {strategy!r}; expected one of {', '.join(_STRATEGIES)}")
        if direction not in ("left", "right"):
            raise ValueError(f"unknown truncation direction {direction!r}; expected 'left' or 'right'")
        n_added = self.num_special_tokens_to_add(False)
        effective = int(max_length) - n_added
        if effective >= 0 and stride > effective:
            raise ValueError(f"truncation stride={stride} is larger than the effective max length {effective} "
                             f"(max_length={max_length} minus {n_added} special tokens); use a smaller stride")
        self._truncation = {"max_length": int(max_length), "stride": int(stride), "strategy": strategy,
                            "direction": direction}

    def no_truncation(self) -> None:
        self._truncation = None

    @property
    def truncation(self) -> dict[str, Any] | None:
        return dict(self._truncation) if self._truncation else None

    def enable_padding(self, direction: str = "right", pad_id: int = 0, pad_type_id: int = 0,
                       pad_token: str = "[PAD]", length: int | None = None,
                       pad_to_multiple_of: int | None = None) -> None:
        if direction not in ("left", "right"):
            raise ValueError(f"unknown padding direction {direction!r}; expected 'left' or 'right'")
        self._padding = {"length": length, "direction": direction, "pad_to_multiple_of": pad_to_multiple_of,
                         "pad_id": pad_id, "pad_type_id": pad_type_id, "pad_token": pad_token}

    def no_padding(self) -> None:
        self._padding = None

    @property
    def padding(self) -> dict[str, Any] | None:
        return dict(self._padding) if self._padding else None

    # -- encoding ---------------------------------------------------------------------------------
    def pre_tokenize_str(self, text: str) -> list[tuple[str, tuple[int, int]]]:
        pts = self.added_vocabulary.extract_and_normalize(_check_text(text), self._normalize_fn())
        if self.pre_tokenizer is not None:
            self.pre_tokenizer.pre_tokenize(pts)
        return pts.get_splits()

    def _encode_text(self, text: str, type_id: int, word_idx: int | None) -> Encoding:
        pts = self.added_vocabulary.extract_and_normalize(text, self._normalize_fn())
        if self.pre_tokenizer is not None:
            self.pre_tokenizer.pre_tokenize(pts)
        return self._to_encoding(pts, type_id, word_idx)

    def _to_encoding(self, pts: PreTokenizedString, type_id: int, word_idx: int | None) -> Encoding:
        tokenize = self.model.tokenize
        ids: list[int] = []
        tokens: list[str] = []
        offsets: list[tuple[int, int]] = []
        words: list[int | None] = []
        n_orig = len(pts.original)
        for idx, sp in enumerate(pts.splits):
            ns: NormalizedString = sp.normalized
            toks = sp.tokens if sp.tokens is not None else tokenize(ns.normalized)
            shift = ns.shift
            align = ns._align
            w = idx if word_idx is None else word_idx
            if align is None:  # untouched text: offsets are the piece's own
                n = len(ns.normalized)
                for id, value, (a, b) in toks:
                    ids.append(id)
                    tokens.append(value)
                    offsets.append((shift + a, shift + b) if b <= n else (shift + a, shift + n))
                    words.append(w)
                continue
            for id, value, (a, b) in toks:
                ids.append(id)
                tokens.append(value)
                if a < b <= len(align):
                    o = (align[a][0], align[b - 1][1])
                elif a == b:  # HF: an empty range stays in normalized coordinates, plus the piece start
                    o = (shift + a, shift + b)
                else:
                    o = ns.convert_normalized_to_original(a, b) or (a, b)
                if o[0] >= n_orig and not pts.original.isascii():
                    # HF keeps byte offsets when the start is past the end of the text
                    extra = len(pts.original.encode("utf-8", "surrogatepass"))
                    o = (extra + o[0] - n_orig, extra + o[1] - n_orig)
                offsets.append(o)
                words.append(w)
        n = len(ids)
        return Encoding(ids, [type_id] * n, tokens, words, offsets, [0] * n, [1] * n)

    def _encode_sequence(self, seq: InputSequence, type_id: int, is_pretokenized: bool) -> Encoding:
        if not is_pretokenized:
            return self._encode_text(_check_text(seq), type_id, None)
        if isinstance(seq, str) or not isinstance(seq, (list, tuple)):
            raise TypeError(f"with is_pretokenized=True the sequence must be a list of str, got {type(seq).__name__}")
        parts = [self._encode_text(_check_text(w, "word"), type_id, i) for i, w in enumerate(seq)]
        return Encoding.merge(parts, False)

    def encode(self, sequence: InputSequence, pair: InputSequence | None = None, *, is_pretokenized: bool = False,
               add_special_tokens: bool = True) -> Encoding:
        """Encode a text (and optionally its pair).

        >>> from subtok.models import WordPiece
        >>> tok = Tokenizer(WordPiece({"[UNK]": 0, "play": 1, "##ing": 2}))
        >>> tok.encode("playing").tokens
        ['play', '##ing']
        """
        fast = _fast.encode(self, sequence, pair, is_pretokenized, add_special_tokens)  # None: not its shape
        if fast is not None:
            return fast
        enc = self._encode_sequence(sequence, 0, is_pretokenized)
        pair_enc = None if pair is None else self._encode_sequence(pair, 1, is_pretokenized)
        return self._post_process(enc, pair_enc, add_special_tokens)

    def _post_process(self, enc: Encoding, pair: Encoding | None, add_special_tokens: bool) -> Encoding:
        if self._truncation:
            t = dict(self._truncation)
            n_added = self.post_processor.added_tokens(pair is not None) if self.post_processor else 0
            if add_special_tokens and n_added > 0:
                # HF: a max_length below the special-token count leaves the text untruncated
                t["max_length"] = t["max_length"] - n_added if n_added <= t["max_length"] else None
            if t["max_length"] is not None:
                _truncate(enc, pair, t)
        if self.post_processor is not None:
            encs = [enc] if pair is None else [enc, pair]
            final = Encoding.merge(self.post_processor.process(encs, add_special_tokens), False)
        else:
            final = _processors.default_process([enc] if pair is None else [enc, pair])
        if self._padding:
            _pad([final], self._padding)
        return final

    def encode_batch(self, inputs: Sequence[Any], *, is_pretokenized: bool = False,
                     add_special_tokens: bool = True) -> list[Encoding]:
        """Encode many inputs: each a text, or a (text, pair) tuple/list."""
        if isinstance(inputs, str):
            raise TypeError("encode_batch expects a list of inputs, got a str; use encode for one text")
        inputs = list(inputs)
        fast = _fast.encode_batch(self, inputs, is_pretokenized, add_special_tokens)  # None: not its shape
        if fast is not None:  # on several threads (subtok.fast.set_num_threads)
            return fast
        out = []
        for x in inputs:
            if isinstance(x, tuple) or (not is_pretokenized and isinstance(x, list)):
                if len(x) != 2:
                    raise TypeError(f"a batch item must be a text or a (text, pair) tuple, got {len(x)} items")
                out.append(self.encode(x[0], x[1], is_pretokenized=is_pretokenized,
                                       add_special_tokens=add_special_tokens))
            else:
                out.append(self.encode(x, is_pretokenized=is_pretokenized, add_special_tokens=add_special_tokens))
        if self._padding:
            _pad(out, self._padding)
        return out

    def post_process(self, encoding: Encoding, pair: Encoding | None = None,
                     add_special_tokens: bool = True) -> Encoding:
        return self._post_process(encoding.copy(), pair.copy() if pair else None, add_special_tokens)

    def num_special_tokens_to_add(self, is_pair: bool) -> int:
        return self.post_processor.added_tokens(is_pair) if self.post_processor else 0

    # -- decoding ---------------------------------------------------------------------------------
    def decode(self, ids: Sequence[int], skip_special_tokens: bool = True) -> str:
        """Turn ids back into text. Ids outside the vocabulary are skipped, as in Hugging Face tokenizers."""
        if isinstance(ids, (str, bytes)) or not hasattr(ids, "__iter__"):
            raise TypeError(f"decode expects a list of ids, got {type(ids).__name__}")
        tokens = []
        special = self.added_vocabulary.special_set
        for id in ids:
            if isinstance(id, bool) or not isinstance(id, int):
                if hasattr(id, "__index__"):
                    id = id.__index__()
                else:
                    raise TypeError(f"decode expects integer ids, got {type(id).__name__} {id!r}")
            if id < 0:
                raise OverflowError(f"token ids are non-negative, got {id}")
            t = self.id_to_token(id)
            if t is None or (skip_special_tokens and t in special):
                continue
            tokens.append(t)
        if self.decoder is not None:
            return self.decoder.decode(tokens)
        return " ".join(tokens)

    def decode_batch(self, sequences: Sequence[Sequence[int]], skip_special_tokens: bool = True) -> list[str]:
        return [self.decode(s, skip_special_tokens) for s in sequences]


def _truncate(enc: Encoding, pair: Encoding | None, t: dict[str, Any]) -> None:
    max_length, stride, strategy, direction = t["max_length"], t["stride"], t["strategy"], t["direction"]
    if max_length == 0:
        enc.truncate(0, stride, direction)
        if pair is not None:
            pair.truncate(0, stride, direction)
        return
    total = len(enc) + (len(pair) if pair is not None else 0)
    if total <= max_length:
        return
    to_remove = total - max_length
    if strategy == "longest_first":
        if pair is None:
            enc.truncate(total - to_remove, stride, direction)
            return
        n1, n2 = len(enc), len(pair)
        swap = n1 > n2
        if swap:
            n1, n2 = n2, n1
        n2 = n1 if n1 > max_length else max(n1, max_length - n1)
        if n1 + n2 > max_length:
            n1 = max_length // 2
            n2 = n1 + max_length % 2
        if swap:
            n1, n2 = n2, n1
        enc.truncate(n1, stride, direction)
        pair.truncate(n2, stride, direction)
        return
    if strategy == "only_second" and pair is None:
        raise EncodeError("truncation strategy 'only_second' needs a pair of sequences; "
                          "use 'longest_first' or 'only_first' for single texts")
    target = enc if strategy == "only_first" else pair
    assert target is not None
    if len(target) > to_remove:
        target.truncate(len(target) - to_remove, stride, direction)
    else:
        raise EncodeError(f"truncation strategy {strategy!r} cannot remove {to_remove} tokens from a sequence of "
                          f"{len(target)}; use 'longest_first' or a larger max_length")


def _pad(encodings: list[Encoding], p: dict[str, Any]) -> None:
    if not encodings:
        return
    length = p["length"] if p["length"] is not None else max(len(e) for e in encodings)
    m = p["pad_to_multiple_of"]
    if m and length % m:
        length += m - length % m
    for e in encodings:
        e.pad(length, p["pad_id"], p["pad_type_id"], p["pad_token"], p["direction"])
