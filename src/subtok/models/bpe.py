"""BPE: start from characters (or bytes), apply the ranked merges, lowest rank first.

The merge order is Hugging Face's: repeatedly merge the adjacent pair with the lowest rank, the
leftmost one on ties. Short pieces use a linear scan; long ones a heap, so "a" * 1_000_000 stays
close to linear. Pieces seen before come from a bounded memo.

Three options (subtok's own; Hugging Face tokenizers ignores them in tokenizer.json) give
sentencepiece's BPE: ``merge_ranks`` (each merge's rank instead of its position; merges of equal
rank go leftmost first: sentencepiece merges by the merged piece's score, so every merge making a
piece of the same score ties), ``user_defined_symbols`` (kept whole where they start, longest
first, and never merged) and ``unk_as_text`` (an unknown run's token is its text, under the
unknown id).

>>> bpe = BPE({"h": 0, "i": 1, "hi": 2}, [("h", "i")])
>>> bpe.tokenize("hi")
[(2, 'hi', (0, 2))]
"""

from __future__ import annotations

import heapq
import random
from array import array
from functools import cached_property
from typing import Any, Iterable, Iterator, Mapping, Sequence

import regex

from ..bytes_map import BYTES_TO_UNICODE
from ..errors import EncodeError, TokenizerFormatError
from .._json import Reader
from .base import Model, Token, read_vocab

_MEMO_LIMIT = 200_000
_LINEAR_LIMIT = 48  # symbols; above this the heap wins


class IdMerges:
    """Merges given as ids, ``(left, right, merged)`` per merge, lowest rank first, no pair twice:
    what a loader that has ids (tiktoken's ranks) passes to `BPE` instead of string pairs. The ids
    are kept in one flat array (three per merge); the model makes ``BPE.merges`` (string pairs) and
    its pair table only when they are first needed (for o200k_base the string pairs were 36 MB, the
    pair table 38 MB). A BPE given string merges keeps them this way too, once checked (there a pair
    may be listed twice, and its later rank counts, as in Hugging Face tokenizers).

    >>> bpe = BPE({"h": 0, "i": 1, "hi": 2}, IdMerges([(0, 1, 2)]))
    >>> bpe.tokenize("hi"), bpe.merges
    ([(2, 'hi', (0, 2))], [('h', 'i')])
    """

    __slots__ = ("flat",)

    flat: Any  # array("I"); a list where a loader's ids do not fit in 32 bits

    def __init__(self, triples: Iterable[tuple[int, int, int]]) -> None:
        flat = array("I")
        try:
            for i, (a, b, new) in enumerate(triples):
                flat.append(a)
                flat.append(b)
                flat.append(new)
        except (OverflowError, TypeError, ValueError):
            raise TokenizerFormatError(f"merge {len(flat) // 3} is not three token ids (non-negative ints "
                                       "below 2**32)", path=f"model.merges[{len(flat) // 3}]") from None
        self.flat = flat

    def __len__(self) -> int:
        return len(self.flat) // 3

    def triples(self) -> Iterator[tuple[int, int, int]]:
        it = iter(self.flat)
        return zip(it, it, it)


class ByteVocab:
    """A byte-level vocabulary kept as bytes: the regular tokens' bytes one after the other in one
    blob, with each one's length and id, and the tokens that are text (special tokens) as
    ``{text: id}``. What a loader that has token bytes (tiktoken's ranks) passes to `BPE` instead of
    a dict of byte-level strings: the model makes ``BPE.vocab`` only when something asks for it, and
    the compiled core reads these arrays as they are (for o200k_base the dicts were ~40 MB).

    >>> bpe = BPE(ByteVocab({b"h": 0, b"i": 1, b"hi": 2}, {"<|end|>": 3}), IdMerges([(0, 1, 2)]))
    >>> bpe.get_vocab_size(), bpe.token_to_id("<|end|>"), "vocab" in bpe.__dict__
    (4, 3, False)
    >>> bpe.tokenize("hi"), bpe.vocab
    ([(2, 'hi', (0, 2))], {'h': 0, 'i': 1, 'hi': 2, '<|end|>': 3})
    """

    __slots__ = ("blob", "lens", "ids", "text")

    def __init__(self, tokens: Mapping[bytes, int], text: Mapping[str, int] | None = None) -> None:
        self.lens, self.ids = array("I"), array("I")
        for i, (token, id) in enumerate(tokens.items()):
            if not isinstance(token, bytes) or not token:
                raise TokenizerFormatError(f"token {i} is {token!r}; a regular token must be non-empty bytes")
            try:
                self.ids.append(id)
            except (OverflowError, TypeError):
                raise TokenizerFormatError(f"token {token!r} has id {id!r}; an id must be a non-negative int "
                                           "below 2**32") from None
            self.lens.append(len(token))
        self.blob = b"".join(tokens)
        self.text = dict(text or {})

    def __len__(self) -> int:
        return len(self.ids) + len(self.text)

    def token_bytes(self) -> Iterator[tuple[bytes, int]]:
        """(bytes, id) of each regular token, in the order given."""
        blob, at = self.blob, 0
        for n, id in zip(self.lens, self.ids):
            yield blob[at:at + n], id
            at += n

    def as_dict(self) -> dict[str, int]:
        """``{byte-level string: id}`` of the regular tokens, then the text tokens."""
        standin = _TO_STANDIN
        out = {b.decode("latin-1").translate(standin): id for b, id in self.token_bytes()}
        out.update(self.text)
        return out

    def max_id(self) -> int:
        return max(max(self.ids, default=-1), max(self.text.values(), default=-1))


_TO_STANDIN = dict(enumerate(BYTES_TO_UNICODE))


def _symbols_pattern(symbols: list[str]) -> Any:
    """A pattern that finds the user-defined symbols, the longest first (None: there are none)."""
    return regex.compile("|".join(regex.escape(t) for t in sorted(symbols, key=len, reverse=True))) if symbols else None


class BPE(Model):
    """Byte-pair encoding over `vocab` (``{token: id}``, or a `ByteVocab`) and `merges` (string
    pairs, or `IdMerges`).

    Given a `ByteVocab` and `IdMerges`, the model keeps only those arrays: ``vocab``, the id ->
    token table and the pair table are made when first used (the compiled core needs none of
    them; o200k_base's model takes ~17 MiB instead of ~170). String merges are kept as ids once
    checked, and the id -> token and pair tables are made on first use.
    """

    def __init__(self, vocab: dict[str, int] | ByteVocab, merges: list[tuple[str, str]] | IdMerges, *,
                 dropout: float | None = None,
                 unk_token: str | None = None, continuing_subword_prefix: str | None = None,
                 end_of_word_suffix: str | None = None, fuse_unk: bool = False, byte_fallback: bool = False,
                 ignore_merges: bool = False, merge_ranks: Sequence[int] | None = None,
                 user_defined_symbols: Sequence[str] = (), unk_as_text: bool = False) -> None:
        if dropout is not None and not 0.0 <= dropout <= 1.0:
            raise ValueError(f"BPE dropout must be between 0 and 1, got {dropout}")
        self._source = vocab if isinstance(vocab, ByteVocab) else None
        if self._source is None:
            self.vocab = dict(vocab)  # type: ignore[arg-type]
        given_ids = isinstance(merges, IdMerges)
        self._merges: list[tuple[str, str]] | None = None if given_ids else [tuple(m) for m in merges]  # type: ignore
        self._id_merges: IdMerges | None = merges if given_ids else None  # type: ignore[assignment]
        self._from_strings = not given_ids  # then a pair listed twice takes its later rank (as HF)
        self.dropout = dropout
        self.unk_token = unk_token
        self.continuing_subword_prefix = continuing_subword_prefix
        self.end_of_word_suffix = end_of_word_suffix
        self.fuse_unk = fuse_unk
        self.byte_fallback = byte_fallback
        self.ignore_merges = ignore_merges
        self.merge_ranks = None if merge_ranks is None else [int(r) for r in merge_ranks]
        if self.merge_ranks is not None and (given_ids or len(self.merge_ranks) != len(self.merges)):
            raise TokenizerFormatError(f"merge_ranks has {len(self.merge_ranks)} ranks for {len(self.merges)} merges; "
                                       "give one rank per merge", path="model.merge_ranks")
        self.unk_as_text = unk_as_text
        self.user_defined_symbols = list(dict.fromkeys(s for s in user_defined_symbols if s))
        missing = [t for t in self.user_defined_symbols if t not in self.vocab]
        if missing:
            raise TokenizerFormatError(f"user-defined symbol {missing[0]!r} is not in model.vocab",
                                       path="model.user_defined_symbols")
        self._symbols_rx = _symbols_pattern(self.user_defined_symbols)
        # checked now: a bad merge fails the load
        if not given_ids:  # as ids; the strings are dropped when the ids give them back exactly
            self._id_merges = self._merge_ids()
            if len(set(self.vocab.values())) == len(self.vocab):
                self._merges = None
        elif self._source is None:
            self._ranks = self._ranks_of_ids(self._id_merges)  # type: ignore[arg-type]
        self._memo: dict[str, list[Token]] = {}

    def _setting_changed(self, name: str) -> None:
        if "_memo" in self.__dict__:  # the pieces merged so far, with the settings they had
            self._memo = {}
        if name == "user_defined_symbols" and "_symbols_rx" in self.__dict__:
            self._symbols_rx = _symbols_pattern(self.user_defined_symbols)

    # -- the tables, made when first used from a ByteVocab and IdMerges ------------------------------
    # (each is a cached_property: two threads asking at once both build it, and one result stays)
    @cached_property
    def vocab(self) -> dict[str, int]:  # type: ignore[override]
        return self._source.as_dict()  # type: ignore[union-attr]

    @cached_property
    def _vocab_r(self) -> dict[int, str]:  # type: ignore[override]
        return {v: k for k, v in self.vocab.items()}

    @cached_property
    def _ranks(self) -> dict[tuple[int, int], tuple[int, int]]:
        """(left id, right id) -> (rank, merged id): the reference's pair table."""
        if self._from_strings:  # as the merges were listed: a pair listed again takes the later rank
            given = self.merge_ranks
            ranks: dict[tuple[int, int], tuple[int, int]] = {}
            for i, (a, b, new) in enumerate(self._id_merges.triples()):  # type: ignore[union-attr]
                ranks[(a, b)] = (i if given is None else given[i], new)
            return ranks
        return self._ranks_of_ids(self._id_merges)  # type: ignore[arg-type]

    @cached_property
    def _byte_ids(self) -> list[int | None]:
        return [self.vocab.get(f"<0x{b:02X}>") for b in range(256)]

    def token_to_id(self, token: str) -> int | None:
        if self._source is not None and "vocab" not in self.__dict__:
            id = self._source.text.get(token)  # an added token's text: no need to make the vocab
            if id is not None:
                return id
        return self.vocab.get(token)

    def get_vocab_size(self) -> int:
        if self._source is not None and "vocab" not in self.__dict__:
            return len(self._source)
        return len(self.vocab)

    @property
    def merges(self) -> list[tuple[str, str]]:
        """The merges as (left, right) token strings, in the order given (given as ids: by rank)."""
        if self._merges is None:  # made from the ids (every id names one token: see __init__)
            r = self._vocab_r
            self._merges = [(r[a], r[b]) for a, b, _ in self._id_merges.triples()]  # type: ignore[union-attr]
        return self._merges

    def _merge_arrays(self) -> tuple[array, array, array, array]:
        """The merges as the compiled core takes them: left ids, right ids, ranks, merged ids (a pair
        listed twice appears twice; the core keeps the later, as `_ranks` does)."""
        flat = self._id_merges.flat  # type: ignore[union-attr]
        count = len(flat) // 3
        rank = array("I", range(count)) if self.merge_ranks is None else array("I", self.merge_ranks)
        return flat[0::3], flat[1::3], rank, flat[2::3]

    def _merge_ids(self) -> IdMerges:
        """The string merges as ids, each checked against the vocab (the merged token: left + right,
        less right's continuing-subword prefix). An id no uint32 holds: a list (the core declines it)."""
        merges = IdMerges(())
        try:
            self._fill_merge_ids(merges.flat)
        except (OverflowError, TypeError):
            merges.flat = []
            self._fill_merge_ids(merges.flat)
        return merges

    def _fill_merge_ids(self, flat: Any) -> None:
        plen = len(self.continuing_subword_prefix or "")
        get = self.vocab.get
        append = flat.append
        for i, (a, b) in enumerate(self._merges):  # type: ignore[arg-type]
            new = a + b[plen:] if plen else a + b
            x, y, z = get(a), get(b), get(new)
            if x is None or y is None or z is None:
                tok = a if x is None else b if y is None else new
                raise TokenizerFormatError(
                    f"merge {a!r} {b!r} uses token {tok!r}, which is not in model.vocab; "
                    "the merges and the vocab do not belong together", path=f"model.merges[{i}]")
            append(x)
            append(y)
            append(z)

    def _ranks_of_ids(self, merges: IdMerges) -> dict[tuple[int, int], tuple[int, int]]:
        ranks: dict[tuple[int, int], tuple[int, int]] = {}
        known = self._vocab_r
        for i, (a, b, new) in enumerate(merges.triples()):
            if a not in known or b not in known or new not in known:
                raise TokenizerFormatError(f"merge {i} ({a}, {b}) -> {new} uses an id that is not in model.vocab",
                                           path=f"model.merges[{i}]")
            if (a, b) in ranks:
                raise TokenizerFormatError(f"merge {i} ({a}, {b}) is listed twice", path=f"model.merges[{i}]")
            ranks[(a, b)] = (i, new)
        return ranks

    # -- encoding ---------------------------------------------------------------------------------
    def tokenize(self, piece: str) -> list[Token]:
        if not piece:
            return []
        if self.dropout:
            return self._tokenize(piece, self.dropout)
        memo = self._memo.get(piece)
        if memo is not None:
            return memo
        if self.ignore_merges:
            id = self.vocab.get(piece)
            if id is not None:
                return [(id, piece, (0, len(piece)))]
        tokens = self._tokenize_around_symbols(piece) if self._symbols_rx else self._tokenize(piece, None)
        if len(self._memo) < _MEMO_LIMIT:
            self._memo[piece] = tokens
        return tokens

    def _tokenize_around_symbols(self, piece: str) -> list[Token]:
        """User-defined symbols as they are; the text between them merged as usual."""
        out: list[Token] = []
        pos = 0
        for m in self._symbols_rx.finditer(piece):  # type: ignore[union-attr]
            a, b = m.span()
            if pos < a:
                out.extend((id, v, (s + pos, e + pos)) for id, v, (s, e) in self._tokenize(piece[pos:a], None))
            out.append((self.vocab[m.group()], m.group(), (a, b)))
            pos = b
        if pos < len(piece):
            out.extend((id, v, (s + pos, e + pos)) for id, v, (s, e) in self._tokenize(piece[pos:], None))
        return out

    def _initial_symbols(self, piece: str) -> tuple[list[int], list[int]]:
        """Ids and byte lengths of the starting symbols (one per char, or bytes, or fused unknowns)."""
        vocab = self.vocab
        prefix = self.continuing_subword_prefix
        suffix = self.end_of_word_suffix
        ids: list[int] = []
        lens: list[int] = []
        unk: list[int] | None = None  # [id, byte_len]
        last = len(piece) - 1
        for i, ch in enumerate(piece):
            s = ch
            if i and prefix:
                s = prefix + s
            if i == last and suffix:
                s = s + suffix
            blen = len(ch.encode("utf-8", "surrogatepass")) if ch >= "\x80" else 1
            id = vocab.get(s)
            if id is not None:
                if unk is not None:
                    ids.append(unk[0])
                    lens.append(unk[1])
                    unk = None
                ids.append(id)
                lens.append(blen)
                continue
            if self.byte_fallback:
                bids = [self._byte_ids[b] for b in s.encode("utf-8", "surrogatepass")]
                if all(b is not None for b in bids):
                    ids.extend(bids)  # type: ignore[arg-type]
                    lens.extend([1] * len(bids))
                    continue
            if self.unk_token is not None:
                unk_id = vocab.get(self.unk_token)
                if unk_id is None:
                    raise EncodeError(f"BPE: the unk_token {self.unk_token!r} is not in the vocabulary; "
                                      "add it to model.vocab")
                if unk is not None and self.fuse_unk:
                    unk[1] += blen
                else:
                    if unk is not None:
                        ids.append(unk[0])
                        lens.append(unk[1])
                    unk = [unk_id, blen]
        if unk is not None:
            ids.append(unk[0])
            lens.append(unk[1])
        return ids, lens

    def _tokenize(self, piece: str, dropout: float | None) -> list[Token]:
        ids, lens = self._initial_symbols(piece)
        if len(ids) > 1:
            if dropout is None and len(ids) <= _LINEAR_LIMIT:
                ids, lens = self._merge_linear(ids, lens)
            else:
                ids, lens = self._merge_heap(ids, lens, dropout)
        return self._to_tokens(piece, ids, lens)

    def _merge_linear(self, ids: list[int], lens: list[int]) -> tuple[list[int], list[int]]:
        ranks = self._ranks
        while len(ids) > 1:
            best_rank = None
            best_i = -1
            best_new = 0
            for i in range(len(ids) - 1):
                m = ranks.get((ids[i], ids[i + 1]))
                if m is not None and (best_rank is None or m[0] < best_rank):
                    best_rank, best_new = m
                    best_i = i
            if best_rank is None:
                break
            ids[best_i:best_i + 2] = [best_new]
            lens[best_i:best_i + 2] = [lens[best_i] + lens[best_i + 1]]
        return ids, lens

    def _merge_heap(self, ids: list[int], lens: list[int], dropout: float | None) -> tuple[list[int], list[int]]:
        ranks = self._ranks
        n = len(ids)
        nxt = list(range(1, n + 1))
        nxt[-1] = -1
        prv = list(range(-1, n - 1))
        heap: list[tuple[int, int, int]] = []
        for i in range(n - 1):
            m = ranks.get((ids[i], ids[i + 1]))
            if m is not None:
                heap.append((m[0], i, m[1]))
        heapq.heapify(heap)
        skipped: list[tuple[int, int, int]] = []
        rand = random.random
        while heap:
            top = heapq.heappop(heap)
            if dropout is not None and rand() < dropout:
                skipped.append(top)
                continue
            for s in skipped:
                heapq.heappush(heap, s)
            skipped.clear()
            rank, pos, new_id = top
            if lens[pos] == 0 or nxt[pos] == -1:
                continue
            right = nxt[pos]
            m = ranks.get((ids[pos], ids[right]))
            if m is None or m[1] != new_id:
                continue
            ids[pos] = new_id
            lens[pos] += lens[right]
            lens[right] = 0
            nxt[pos] = nxt[right]
            if nxt[right] != -1:
                prv[nxt[right]] = pos
            if prv[pos] >= 0:
                m = ranks.get((ids[prv[pos]], new_id))
                if m is not None:
                    heapq.heappush(heap, (m[0], prv[pos], m[1]))
            if nxt[pos] != -1:
                m = ranks.get((new_id, ids[nxt[pos]]))
                if m is not None:
                    heapq.heappush(heap, (m[0], pos, m[1]))
        keep = [i for i in range(n) if lens[i] != 0]
        return [ids[i] for i in keep], [lens[i] for i in keep]

    def _to_tokens(self, piece: str, ids: list[int], lens: list[int]) -> list[Token]:
        vocab_r = self._vocab_r
        out: list[Token] = []
        if piece.isascii():
            pos = 0
            for id, ln in zip(ids, lens):
                out.append((id, vocab_r[id], (pos, pos + ln)))
                pos += ln
            return self._unk_text(piece, out)
        # byte offsets -> char offsets inside the piece
        char_of_byte: list[int] = []
        for ci, ch in enumerate(piece):
            char_of_byte.extend([ci] * len(ch.encode("utf-8", "surrogatepass")))
        total = len(char_of_byte)
        pos = 0
        for id, ln in zip(ids, lens):
            end = pos + ln
            s = char_of_byte[pos] if pos < total else len(piece)
            e = char_of_byte[end - 1] + 1 if 0 < end <= total else len(piece)
            out.append((id, vocab_r[id], (s, e)))
            pos = end
        return self._unk_text(piece, out)

    def _unk_text(self, piece: str, tokens: list[Token]) -> list[Token]:
        if not self.unk_as_text or self.unk_token is None:
            return tokens
        unk = self.unk_token
        return [(id, piece[s:e] if v == unk else v, (s, e)) for id, v, (s, e) in tokens]

    # -- serialization ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"type": "BPE", "dropout": self.dropout, "unk_token": self.unk_token,
                "continuing_subword_prefix": self.continuing_subword_prefix,
                "end_of_word_suffix": self.end_of_word_suffix, "fuse_unk": self.fuse_unk,
                "byte_fallback": self.byte_fallback, "ignore_merges": self.ignore_merges,
                "vocab": self.vocab, "merges": [list(m) for m in self.merges], **self._own_fields()}

    def _own_fields(self) -> dict[str, Any]:
        """subtok's options, written only when set (Hugging Face tokenizers ignores them)."""
        d: dict[str, Any] = {}
        if self.merge_ranks is not None:
            d["merge_ranks"] = list(self.merge_ranks)
        if self.user_defined_symbols:
            d["user_defined_symbols"] = list(self.user_defined_symbols)
        if self.unk_as_text:
            d["unk_as_text"] = True
        return d

    @classmethod
    def from_reader(cls, r: Reader) -> "BPE":
        vocab = read_vocab(r.at("vocab"))
        merges = _read_merges(r.get("merges", []))
        dropout = r.get("dropout", None)
        kwargs = dict(
            dropout=None if dropout.value is None else dropout.float(),
            unk_token=r.get("unk_token", None).opt_str(),
            continuing_subword_prefix=r.get("continuing_subword_prefix", None).opt_str(),
            end_of_word_suffix=r.get("end_of_word_suffix", None).opt_str(),
            fuse_unk=r.get("fuse_unk", False).bool(), byte_fallback=r.get("byte_fallback", False).bool(),
            ignore_merges=r.get("ignore_merges", False).bool(),
            merge_ranks=_merge_ranks(r.get("merge_ranks", None)),
            user_defined_symbols=r.get("user_defined_symbols", []).items(lambda e: e.str()),
            unk_as_text=r.get("unk_as_text", False).bool(),
        )
        if kwargs["dropout"] is not None and not 0.0 <= kwargs["dropout"] <= 1.0:
            dropout.fail(f"dropout must be between 0 and 1, got {kwargs['dropout']}")
        try:
            return cls(vocab, merges, **kwargs)  # type: ignore[arg-type]
        except TokenizerFormatError as e:
            raise TokenizerFormatError(e.message, path=e.path, file=r.file) from None


def _read_merges(r: Reader) -> list[tuple[str, str]]:
    """The merges of a tokenizer.json: "left right" strings or [left, right] pairs (a "#version"
    line skipped). Read in one loop; anything else is read again, item by item, for its error."""
    out: list[tuple[str, str]] = []
    seq = r.value
    if type(seq) is list:
        for v in seq:
            if type(v) is str:
                if v.startswith("#version"):
                    continue
                parts = v.split(" ")
                if len(parts) != 2:
                    break
                out.append((parts[0], parts[1]))
                continue
            if type(v) is list and len(v) == 2 and type(v[0]) is str and type(v[1]) is str:
                out.append((v[0], v[1]))
                continue
            break
        else:
            return out
    return [m for m in r.items(_read_merge) if m is not None]


def _read_merge(r: Reader) -> tuple[str, str] | None:
    v = r.value
    if isinstance(v, str):
        if v.startswith("#version"):
            return None
        parts = v.split(" ")
        if len(parts) != 2:
            r.fail(f"expected a merge 'left right' with one space, got {v!r}")
        return parts[0], parts[1]
    if isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v):
        return v[0], v[1]
    r.fail(f"expected a merge as 'left right' or [left, right], got {v!r}")
    raise AssertionError  # unreachable


def _merge_ranks(r: Reader) -> list[int] | None:
    if r.value is None:
        return None
    return r.items(lambda e: e.int())
