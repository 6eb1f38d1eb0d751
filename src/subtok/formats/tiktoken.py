"""tiktoken files as a byte-level BPE `Tokenizer` that gives exactly tiktoken's ids.

A ``.tiktoken`` file (optionally gzipped) holds one ``base64(token bytes) rank`` line per token; the
rank is the token's id and its merge priority. Mistral's Tekken JSON holds the same ranks plus its
pattern and a block of special tokens that comes first in the id space. Neither lists merges, and
neither gets an encoder of its own here: the ranks become the usual stages,

    Split(pattern, matches kept) -> ByteLevel -> BPE(vocab, merges, ignore_merges=True) -> ByteLevel decoder,

with each special token an added special token with its id. `merges_from_ranks` says why that
gives tiktoken's ids. The Tokenizer saves as a tokenizer.json that Hugging Face tokenizers loads
and encodes identically.

>>> ranks = {bytes([b]): b for b in range(256)} | {b"ab": 256, b"abc": 257}
>>> tok = from_ranks(ranks, pattern=r"\\w+| ", special_tokens={"<|end|>": 300})
>>> tok.encode("abc ab<|end|>").ids
[257, 32, 256, 300]
>>> merges_from_ranks(ranks)
[(b'a', b'b'), (b'ab', b'c')]
"""

from __future__ import annotations

import base64
import binascii
import gzip
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import regex

from .. import decoders, fast, pre_tokenizers
from .._json import Reader
from ..added_tokens import AddedToken
from ..bytes_map import BYTES_TO_UNICODE, UNICODE_TO_BYTES
from ..errors import TokenizerFormatError
from ..models import BPE
from ..models.bpe import ByteVocab, IdMerges
from ..patterns import GPT2_PATTERN, Regex
from ..tokenizer import Tokenizer

__all__ = [
    "ENCODINGS", "EncodingSpec", "R50K_PATTERN", "CL100K_PATTERN", "O200K_PATTERN",
    "read_ranks", "merges_from_ranks", "from_ranks", "load_tiktoken", "load_tekken", "is_tekken",
    "encoding_name", "portable_pattern", "token_bytes", "with_special_tokens",
]

ENDOFTEXT = "<|endoftext|>"
FIM_PREFIX = "<|fim_prefix|>"
FIM_MIDDLE = "<|fim_middle|>"
FIM_SUFFIX = "<|fim_suffix|>"
ENDOFPROMPT = "<|endofprompt|>"

# tiktoken's own r50k and cl100k patterns use possessive quantifiers; `\p{N}{1,3}+` is possessive
# in fancy-regex but means `(\p{N}{1,3})+` in Oniguruma, so a saved tokenizer.json would cut
# digits differently in Hugging Face tokenizers. These are the equivalent forms without them
# (tiktoken's patterns before 0.6, and what Hugging Face conversions of these encodings carry).
R50K_PATTERN = GPT2_PATTERN
CL100K_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                  r"|\s*[\r\n]+|\s+(?!\S)|\s+")
O200K_PATTERN = "|".join([
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"\p{N}{1,3}",
    r" ?[^\s\p{L}\p{N}]+[\r\n/]*",
    r"\s*[\r\n]+",
    r"\s+(?!\S)",
    r"\s+",
])


@dataclass(frozen=True)
class EncodingSpec:
    """What a rank file does not say about an encoding: its pattern and special tokens
    (as in tiktoken_ext/openai_public.py)."""

    name: str
    ranks_file: str  # the base name of the rank file it uses (o200k_harmony uses o200k_base's)
    pattern: str
    special_tokens: Mapping[str, int] = field(default_factory=dict)
    explicit_n_vocab: int | None = None


def _harmony_specials() -> dict[str, int]:
    # As tiktoken builds it: <|reserved_200018|> shares id 200018 with <|endofprompt|>, listed first.
    specials = {ENDOFTEXT: 199999, ENDOFPROMPT: 200018, "<|startoftext|>": 199998}
    named = {200002: "<|return|>", 200003: "<|constrain|>", 200005: "<|channel|>", 200006: "<|start|>",
             200007: "<|end|>", 200008: "<|message|>", 200012: "<|call|>"}
    for i in range(200000, 201088):
        if 200013 <= i or i not in named:
            specials[f"<|reserved_{i}|>"] = i
        else:
            specials[named[i]] = i
    return specials


#: The encodings tiktoken knows, by name (a rank file's base name picks one).
ENCODINGS: dict[str, EncodingSpec] = {spec.name: spec for spec in [
    EncodingSpec("gpt2", "gpt2", R50K_PATTERN, {ENDOFTEXT: 50256}, 50257),
    EncodingSpec("r50k_base", "r50k_base", R50K_PATTERN, {ENDOFTEXT: 50256}, 50257),
    EncodingSpec("p50k_base", "p50k_base", R50K_PATTERN, {ENDOFTEXT: 50256}, 50281),
    EncodingSpec("p50k_edit", "p50k_base", R50K_PATTERN,
                 {ENDOFTEXT: 50256, FIM_PREFIX: 50281, FIM_MIDDLE: 50282, FIM_SUFFIX: 50283}),
    EncodingSpec("cl100k_base", "cl100k_base", CL100K_PATTERN,
                 {ENDOFTEXT: 100257, FIM_PREFIX: 100258, FIM_MIDDLE: 100259, FIM_SUFFIX: 100260,
                  ENDOFPROMPT: 100276}),
    EncodingSpec("o200k_base", "o200k_base", O200K_PATTERN, {ENDOFTEXT: 199999, ENDOFPROMPT: 200018}),
    EncodingSpec("o200k_harmony", "o200k_base", O200K_PATTERN, _harmony_specials()),
]}

_SUFFIXES = (".tiktoken.gz", ".tiktoken")


def encoding_name(path: str | os.PathLike[str]) -> str | None:
    """The base name of a rank file ("cl100k_base" for ".../cl100k_base.tiktoken.gz"), None if the
    name does not end in .tiktoken or .tiktoken.gz."""
    name = Path(path).name
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return None


# -- reading rank files ---------------------------------------------------------------------------

def _b64(text: bytes) -> bytes:
    try:
        return binascii.a2b_base64(text, strict_mode=True)  # type: ignore[call-arg]
    except TypeError:  # Python 3.10: no strict_mode
        return base64.b64decode(text, validate=True)


def read_ranks(path: str | os.PathLike[str]) -> dict[bytes, int]:
    """The ``{token bytes: rank}`` of a .tiktoken or .tiktoken.gz file (what tiktoken's
    ``load_tiktoken_bpe`` returns), checking every line.

    Raises TokenizerFormatError naming the file and line for a line that is not
    ``base64token rank``, bad base64, a rank or token given twice, an empty file or bad gzip data.
    """
    p = os.fspath(path)
    with open(p, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b" or p.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise TokenizerFormatError(f"not valid gzip data ({e}); is this really a .tiktoken.gz file?",
                                       file=p) from None
    ranks: dict[bytes, int] = {}
    lines_of_rank: dict[int, int] = {}
    for n, line in enumerate(data.splitlines(), 1):
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2:
            raise TokenizerFormatError(f"expected 'base64token rank', got {_show(line)}", path=f"line {n}", file=p)
        token_b64, rank_text = parts
        try:
            token = _b64(token_b64)
        except (binascii.Error, ValueError):
            raise TokenizerFormatError(f"{_show(token_b64)} is not valid base64", path=f"line {n}", file=p) from None
        if not rank_text.isdigit():
            raise TokenizerFormatError(f"the rank {_show(rank_text)} is not a non-negative integer",
                                       path=f"line {n}", file=p)
        rank = int(rank_text)
        if not token:
            raise TokenizerFormatError("the token is empty", path=f"line {n}", file=p)
        if rank in lines_of_rank:
            raise TokenizerFormatError(f"rank {rank} is already used on line {lines_of_rank[rank]}",
                                       path=f"line {n}", file=p)
        if token in ranks:
            raise TokenizerFormatError(f"token {token!r} is already listed with rank {ranks[token]}",
                                       path=f"line {n}", file=p)
        ranks[token] = rank
        lines_of_rank[rank] = n
    if not ranks:
        raise TokenizerFormatError("no 'base64token rank' lines: the file is empty", file=p)
    return ranks


def _show(b: bytes) -> str:
    s = b.decode("utf-8", "replace")
    return repr(s if len(s) <= 60 else s[:57] + "...")


# -- ranks -> merges ------------------------------------------------------------------------------

def merges_from_ranks(ranks: Mapping[bytes, int]) -> list[tuple[bytes, bytes]]:
    """The merges under which Hugging Face-style BPE gives tiktoken's tokens, lowest rank first.

    tiktoken merges the adjacent pair whose *concatenation* has the lowest rank; HF-style BPE the
    adjacent pair whose *merge* has the lowest rank; both take the leftmost pair on ties. Each
    token t gets one merge (a, b), ranked by t: the last merge tiktoken makes when it encodes t's
    bytes alone (none if that never yields t: an "unreachable" token). Why that is exact:

    - Whenever tiktoken has two adjacent parts x, y with x + y a token t, then (x, y) is t's
      listed split. A pair's rank depends only on its two parts, so the bytes of x + y were
      merged exactly as when t is encoded alone, which therefore passes through the state
      [x, y]; and it passes through only one two-part state.
    - So HF sees the same candidate pairs with the same ranks, and equal ranks mean equal merges
      (leftmost wins in both): both make the same merge, step after step.

    Listing every split t = a + b (as converters usually do) is exact too, in any order: the other
    splits are never adjacent. One split per token only makes the list shorter. An unreachable
    token is never built by merging, but tiktoken takes a whole piece that is a token as is,
    built or not: that is ``BPE(ignore_merges=True)`` (OpenAI's and Mistral's files have none).

    >>> merges_from_ranks({b"a": 0, b"b": 1, b"ab": 2, b"ba": 3, b"aba": 4})
    [(b'a', b'b'), (b'b', b'a'), (b'ab', b'a')]
    """
    out: list[tuple[int, bytes, int]] = []
    for token, rank in ranks.items():
        cut = _last_merge(token, ranks)
        if cut:
            out.append((rank, token, cut))
    out.sort(key=lambda x: x[0])
    return [(t[:cut], t[cut:]) for _, t, cut in out]


_NONE = 1 << 62


def _last_merge(token: bytes, ranks: Mapping[bytes, int]) -> int:
    """Where tiktoken's merging of `token`'s bytes alone makes its last cut (0: it never builds it).

    Every merge before the last joins proper parts of the token, so the whole token is left out
    until two parts remain.
    """
    n = len(token)
    if n < 2:
        return 0
    get = ranks.get
    cuts = list(range(n + 1))  # part i is token[cuts[i]:cuts[i + 1]]
    pair = [get(token[i:i + 2], _NONE) for i in range(n - 1)] if n > 2 else [_NONE]
    while len(cuts) > 3:
        best = min(pair)
        if best == _NONE:
            return 0
        i = pair.index(best)
        del cuts[i + 1]
        del pair[i]
        if i > 0:
            a, b = cuts[i - 1], cuts[i + 1]
            pair[i - 1] = _NONE if b - a == n else get(token[a:b], _NONE)
        if i < len(pair):
            a, b = cuts[i], cuts[i + 2]
            pair[i] = _NONE if b - a == n else get(token[a:b], _NONE)
    cut = cuts[1]
    return cut if token[:cut] in ranks and token[cut:] in ranks else 0  # single bytes need not be tokens


# -- building the Tokenizer -----------------------------------------------------------------------

_TO_STANDIN = {b: c for b, c in enumerate(BYTES_TO_UNICODE)}


def _standin(token: bytes) -> str:
    """The byte-level string of `token` (each byte as its GPT-2 stand-in character)."""
    return token.decode("latin-1").translate(_TO_STANDIN)


def from_ranks(ranks: Mapping[bytes, int], *, pattern: str, special_tokens: Mapping[str, int],
               id_offset: int = 0, file: str | None = None) -> Tokenizer:
    """A Tokenizer that encodes like ``tiktoken.Encoding(pat_str=pattern, mergeable_ranks=ranks,
    special_tokens=special_tokens)``; token ids are ``rank + id_offset`` (Tekken's layout).

    `pattern` is read as fancy-regex (tiktoken's dialect) and stored in a form Oniguruma reads the
    same way (see `portable_pattern`). The model keeps the tokens as bytes and the merges as ids
    (`ByteVocab`, `IdMerges`); its string tables are made only if something asks for them.
    """
    if not ranks:
        raise TokenizerFormatError("no tokens: a tiktoken encoding needs mergeable ranks", file=file)
    if len(set(ranks.values())) != len(ranks):
        raise TokenizerFormatError("two tokens have the same rank; each rank must be used once", file=file)
    ids = ranks if not id_offset else {t: r + id_offset for t, r in ranks.items()}
    try:
        vocab = ByteVocab(ids)
    except TokenizerFormatError as e:
        raise TokenizerFormatError(e.message, file=file) from None
    merges = fast.rank_merges(vocab)  # the core's (None: no core), else the reference's
    if merges is None:
        merges = IdMerges((ids[a], ids[b], ids[a + b]) for a, b in merges_from_ranks(ranks))
    return _assemble(vocab, merges, pattern, special_tokens, file, regular=ids.get)


def with_special_tokens(tokenizer: Tokenizer, special_tokens: Mapping[str, int]) -> Tokenizer:
    """A copy of a tokenizer built here with other special tokens (its regular tokens, merges and
    pattern kept), like ``tiktoken.Encoding(..., special_tokens={**enc._special_tokens, ...})``."""
    model = tokenizer.model
    pre = tokenizer.pre_tokenizer
    if not isinstance(model, BPE) or not isinstance(pre, pre_tokenizers.Sequence) \
            or not isinstance(pre.pretokenizers[0], pre_tokenizers.Split):
        raise TypeError("with_special_tokens expects a tokenizer built by subtok.formats.tiktoken")
    pattern = pre.pretokenizers[0].pattern.subtok_source
    old = tokenizer.added_vocabulary.special_set
    source = model._source
    if source is not None and model._id_merges is not None:  # as built here: the arrays are shared
        vocab = ByteVocab.__new__(ByteVocab)
        vocab.blob, vocab.lens, vocab.ids = source.blob, source.lens, source.ids
        vocab.text = {s: id for s, id in source.text.items() if s not in old}
        return _assemble(vocab, model._id_merges, pattern, special_tokens, None, regular=None)
    regular = {s: id for s, id in model.vocab.items() if s not in old}
    by_rank = sorted(model._ranks.items(), key=lambda item: item[1][0])
    merges = IdMerges([(a, b, new) for (a, b), (_, new) in by_rank]) if model.merge_ranks is None else model.merges
    return _assemble(regular, merges, pattern, special_tokens, None, regular=None)


def _assemble(vocab: dict[str, int] | ByteVocab, merges: list[tuple[str, str]] | IdMerges, pattern: str,
              special_tokens: Mapping[str, int], file: str | None,
              regular: Callable[[bytes], int | None] | None) -> Tokenizer:
    """The Tokenizer from regular tokens (byte-level strings -> ids, or a ByteVocab), merges, pattern
    and specials. `regular` finds a regular token's id by its bytes (made here when not given)."""
    try:
        rx = Regex(portable_pattern(pattern))
    except regex.error as e:
        raise TokenizerFormatError(f"invalid pattern {pattern!r}: {e}", path="pattern", file=file) from None
    # Two special tokens may share an id (o200k_harmony's <|endofprompt|> and <|reserved_200018|>):
    # both encode to it, and it decodes to the one listed first, which is therefore added last.
    listed = list(special_tokens.items())
    specials = [listed[i] for i in sorted(range(len(listed)), key=lambda i: (listed[i][1], -i))]
    if specials:
        bytes_of, find = _regular_tokens(vocab, regular)
    text: dict[str, int] = {}
    for content, id in specials:
        if not isinstance(content, str) or not content:
            raise TokenizerFormatError(f"a special token must be a non-empty str, got {content!r}",
                                       path="special_tokens", file=file)
        if isinstance(id, bool) or not isinstance(id, int) or id < 0:
            raise TokenizerFormatError(f"special token {content!r} needs a non-negative int id, got {id!r}",
                                       path="special_tokens", file=file)
        clash = id if bytes_of(id) is not None else find(content)
        if clash is not None:
            raise TokenizerFormatError(
                f"special token {content!r} (id {id}) clashes with regular token id {clash} "
                f"({bytes_of(clash)!r}); give the special token an id and text no regular token has",
                path="special_tokens", file=file)
        text[content] = id
    if isinstance(vocab, ByteVocab):
        vocab.text.update(text)
    else:
        vocab = {**vocab, **text}
    tok = Tokenizer(BPE(vocab, merges, ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        # the pieces are the pattern's matches; like tiktoken, text no match covers is dropped
        # (the same as "isolated" for the known patterns, which match every character)
        pre_tokenizers.Split(rx, "removed", invert=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    if specials:
        tok.add_special_tokens([AddedToken(c, special=True, normalized=False) for c, _ in specials])
    return tok


def _regular_tokens(vocab: dict[str, int] | ByteVocab, regular: Callable[[bytes], int | None] | None
                    ) -> tuple[Callable[[int], bytes | None], Callable[[str], int | None]]:
    """Two lookups over the regular tokens: the bytes of an id (None: no regular token has it), and
    the id of a byte-level string (None: no regular token is that text). `regular` finds an id by
    bytes; without it a dict is made here."""
    if isinstance(vocab, ByteVocab):
        # a byte per id up to the largest, or (ids far apart: a damaged file's rank of 4e9 would ask
        # for 4 GB) a set
        top = max(vocab.ids, default=0)
        present: Any = set(vocab.ids) if top > 8 * len(vocab.ids) + 4096 else bytearray(top + 1)
        if type(present) is bytearray:
            for id in vocab.ids:
                present[id] = 1

        def bytes_of(id: int) -> bytes | None:
            if id not in present if type(present) is set else id >= len(present) or not present[id]:
                return None
            i = vocab.ids.index(id)
            at = sum(vocab.lens[:i])
            return vocab.blob[at:at + vocab.lens[i]]
        pairs = vocab.token_bytes
    else:
        by_id = {id: _bytes_of(s) for s, id in vocab.items()}
        bytes_of = by_id.get
        pairs = lambda: ((b, id) for id, b in by_id.items())  # noqa: E731
    if regular is None:
        regular = {b: id for b, id in pairs()}.get

    def find(content: str) -> int | None:
        if any(c not in UNICODE_TO_BYTES for c in content):
            return None
        return regular(_bytes_of(content))

    return bytes_of, find


def _bytes_of(standin: str) -> bytes:
    return bytes(UNICODE_TO_BYTES[c] for c in standin)


def token_bytes(tokenizer: Tokenizer) -> dict[int, bytes]:
    """``{id: bytes}`` of a tokenizer built here: regular tokens through the byte-level map,
    special tokens as their UTF-8 text (what tiktoken's ``decode_single_token_bytes`` gives)."""
    return dict(iter_token_bytes(tokenizer))


def iter_token_bytes(tokenizer: Tokenizer) -> Iterator[tuple[int, bytes]]:
    """(id, bytes) of each token of a tokenizer built here, as `token_bytes` (where two tokens share
    an id, the last one is what the id decodes to). Read from the model's `ByteVocab` when it has
    one, so its vocab dict is not made."""
    special = tokenizer.added_vocabulary.special_set
    table = {ord(c): chr(b) for b, c in enumerate(BYTES_TO_UNICODE)}
    source = getattr(tokenizer.model, "_source", None)
    if source is not None:
        for b, id in source.token_bytes():
            yield id, b
        items = source.text.items()
    else:
        items = tokenizer.model.get_vocab().items()
    for s, id in items:
        yield id, s.encode() if s in special else s.translate(table).encode("latin-1")


def max_token_id(tokenizer: Tokenizer) -> int:
    """The largest id of the model's vocabulary (without making its vocab dict)."""
    source = getattr(tokenizer.model, "_source", None)
    return source.max_id() if source is not None else max(tokenizer.model.get_vocab().values())


# -- patterns -------------------------------------------------------------------------------------

_COUNT = regex.compile(r"\{(\d+)(?:,(\d*))?\}")


def portable_pattern(pattern: str) -> str:
    r"""A fancy-regex (tiktoken) pattern rewritten to mean the same in Oniguruma and `regex`.

    Two things differ: ``X{m,n}+`` is possessive in fancy-regex but ``(X{m,n})+`` in Oniguruma
    (it becomes ``(?>X{m,n})``), and ``^``/``$`` match only at the ends of the text in
    fancy-regex but at every line in Oniguruma (they become lookarounds). Anything else is kept.

    >>> print(portable_pattern(r"\p{N}{1,3}+|\s++$|[$^]"))
    (?>\p{N}{1,3})|\s++(?![\s\S])|[$^]
    """
    if "{" not in pattern and "$" not in pattern and "^" not in pattern:
        return pattern
    out: list[str] = []
    groups: list[int] = []  # where each open group starts in `out`
    atom = -1  # where the last atom starts in `out`
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            j = _escape_end(pattern, i)
            atom = len(out)
            out.append(pattern[i:j])
        elif ch == "[":
            j = _class_end(pattern, i)
            atom = len(out)
            out.append(pattern[i:j])
        elif ch == "(":
            j = i + 1
            groups.append(len(out))
            out.append(ch)
            atom = -1
        elif ch == ")":
            j = i + 1
            out.append(ch)
            atom = groups.pop() if groups else -1
        elif ch == "{" and (m := _COUNT.match(pattern, i)) and atom >= 0:
            j = m.end()
            if j < n and pattern[j] == "+":
                body = "".join(out[atom:]) + m.group()
                del out[atom:]
                out.append(f"(?>{body})")
                j += 1
            else:
                out.append(m.group())
        elif ch == "$":
            j = i + 1
            atom = len(out)
            out.append(r"(?![\s\S])")
        elif ch == "^":
            j = i + 1
            atom = len(out)
            out.append(r"(?<![\s\S])")
        else:
            j = i + 1
            if ch in "*+?{|":
                if ch == "|":
                    atom = -1
            else:
                atom = len(out)
            out.append(ch)
        i = j
    return "".join(out)


def _escape_end(p: str, i: int) -> int:
    """The end of the escape sequence starting at p[i] == "\\"."""
    if i + 1 >= len(p):
        return len(p)
    j = i + 2
    if p[i + 1] in "pPxu" and j < len(p) and p[j] == "{":
        k = p.find("}", j)
        return len(p) if k < 0 else k + 1
    if p[i + 1] in "pP" and j < len(p):  # \pL
        return j + 1
    return j


def _class_end(p: str, i: int) -> int:
    """The end of the bracket class starting at p[i] == "[" (nested classes allowed)."""
    depth = 0
    j = i
    n = len(p)
    while j < n:
        c = p[j]
        if c == "\\":
            j = _escape_end(p, j)
            continue
        if c == "[":
            depth += 1
            j += 1
            if p.startswith("^", j):
                j += 1
            if p.startswith("]", j):  # a leading ] is literal
                j += 1
            continue
        if c == "]":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return n


# -- loaders --------------------------------------------------------------------------------------

def load_tiktoken(path: str | os.PathLike[str], *, pattern: str | None = None,
                  special_tokens: Mapping[str, int] | None = None, name: str | None = None) -> Tokenizer:
    """Load a .tiktoken or .tiktoken.gz file.

    The file holds ranks only; the pattern and special tokens come from the encoding its base name
    (or `name`) says (gpt2, r50k_base, p50k_base, p50k_edit, cl100k_base, o200k_base,
    o200k_harmony), and `pattern` / `special_tokens` override them. For any other name both are
    required (pass ``special_tokens={}`` for none).
    """
    p = os.fspath(path)
    spec = ENCODINGS.get(name or encoding_name(p) or "")
    if spec is None and (pattern is None or special_tokens is None):
        missing = " and ".join(w for w, v in (("pattern", pattern), ("special_tokens", special_tokens)) if v is None)
        raise TokenizerFormatError(
            f"{Path(p).name!r} is not a known tiktoken encoding ({', '.join(ENCODINGS)}), so it says nothing "
            f"about its pattern and special tokens: pass {missing} (e.g. subtok.load(path, "
            "pattern=enc._pat_str, special_tokens=enc._special_tokens) for a tiktoken Encoding enc; "
            "special_tokens={} for none)", file=p)
    ranks = read_ranks(p)
    if spec is None:
        return from_ranks(ranks, pattern=pattern, special_tokens=special_tokens, file=p)  # type: ignore[arg-type]
    if special_tokens is None and spec.explicit_n_vocab is not None:
        n = len(ranks) + len(spec.special_tokens)
        top = max(max(ranks.values()), *spec.special_tokens.values())
        if n != spec.explicit_n_vocab or top != n - 1:
            raise TokenizerFormatError(
                f"{len(ranks)} tokens (largest rank {max(ranks.values())}) do not make {spec.name}, which has "
                f"{spec.explicit_n_vocab - len(spec.special_tokens)} with ranks below {spec.explicit_n_vocab}; "
                f"is this really the {spec.name} file? (pass pattern= and special_tokens= to load it anyway)",
                file=p)
    return from_ranks(ranks, pattern=spec.pattern if pattern is None else pattern,
                      special_tokens=spec.special_tokens if special_tokens is None else special_tokens, file=p)


def is_tekken(path: str | os.PathLike[str]) -> bool:
    """Whether the name says Mistral Tekken JSON (as mistral-common decides: "tekken" in a .json name)."""
    name = Path(path).name
    return "tekken" in name and name.endswith(".json")


def load_tekken(path: str | os.PathLike[str], data: Any = None) -> Tokenizer:
    """Load a Mistral Tekken JSON file (`data`: its parsed JSON, if already read).

    Ids as in mistral-common: the first ``config.default_num_special_tokens`` ids are special
    tokens (the file's ``special_tokens``, or the 20 early ones for files from before v7 that list
    none, then ``<SPECIAL_n>`` fillers); regular token of rank r has id ``r + num_special``, and
    only the first ``default_vocab_size - num_special`` ranks are used.
    """
    p = os.fspath(path)
    if data is None:
        import json

        try:
            with open(p, encoding="utf-8") as f:
                data = json.load(f)
        except (UnicodeDecodeError, ValueError) as e:
            raise TokenizerFormatError(f"not valid JSON: {e}", file=p) from None
    r = Reader(data, "", p)
    config = r.at("config")
    pattern = config.at("pattern").str()
    vocab_size = config.at("default_vocab_size").int()
    num_special = config.at("default_num_special_tokens").int()
    version = config.get("version", None).opt_str()
    entries = r.at("vocab").list()
    n_regular = vocab_size - num_special
    if not 0 <= n_regular <= len(entries):
        config.fail(f"default_vocab_size {vocab_size} minus default_num_special_tokens {num_special} must be "
                    f"between 0 and the {len(entries)} vocab entries")
    ranks: dict[bytes, int] = {}
    for i in range(n_regular):  # mistral-common uses only these
        e = Reader(entries[i], f"vocab[{i}]", p)
        rank = e.at("rank").int()
        if rank != i:
            e.fail(f"expected rank {i} (vocab entries are in rank order), got {rank}", at="rank")
        b64 = e.at("token_bytes")
        try:
            token = _b64(b64.str().encode("ascii"))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            b64.fail(f"{b64.value!r} is not valid base64")
            raise AssertionError from None  # unreachable
        if token in ranks:
            b64.fail(f"token {token!r} is already listed with rank {ranks[token]}")
        ranks[token] = rank
    specials = _tekken_specials(r, num_special, version)
    return from_ranks(ranks, pattern=pattern, special_tokens=specials, id_offset=num_special, file=p)


_TEKKEN_EARLY_SPECIALS = ("<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]",
                          "[TOOL_RESULTS]", "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[IMG]", "<pad>", "[IMG_BREAK]",
                          "[IMG_END]", "[PREFIX]", "[MIDDLE]", "[SUFFIX]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]",
                          "[TOOL_CONTENT]")


def _tekken_specials(r: Reader, num_special: int, version: str | None) -> dict[str, int]:
    listed = r.get("special_tokens", None)
    if listed.value is None:
        if version and version[1:].isdigit() and int(version[1:]) > 7:
            listed.fail(f"a Tekken file of version {version} must list its special_tokens")
        names = list(_TEKKEN_EARLY_SPECIALS)
    else:
        names = []
        for i, e in enumerate(listed.items(lambda x: x)):
            rank = e.at("rank").int()
            if rank != i:
                e.fail(f"expected rank {i} (special tokens are in id order), got {rank}", at="rank")
            names.append(e.at("token_str").str())
    if len(names) > num_special:
        r.fail(f"{len(names)} special tokens, more than config.default_num_special_tokens ({num_special})",
               at="special_tokens")
    names += [f"<SPECIAL_{i}>" for i in range(len(names), num_special)]
    specials = {s: i for i, s in enumerate(names)}
    if len(specials) != len(names):
        r.fail("special tokens must be unique", at="special_tokens")
    return specials
