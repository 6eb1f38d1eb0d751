"""Classic vocabulary files as `Tokenizer`s, configured as transformers builds them from these files.

- BERT's ``vocab.txt``: one token per line, the id is the line number -> WordPiece, with
  BertNormalizer, BertPreTokenizer, ``[CLS] $A [SEP]`` templates and the WordPiece decoder.
- GPT-2 / RoBERTa's ``vocab.json`` (``{token: id}``) + ``merges.txt`` (``left right`` per line,
  an optional ``#version`` line) -> byte-level BPE; RoBERTa style adds ``<s> $A </s>``.
- CLIP's ``bpe_simple_vocab_16e6.txt.gz``: merges only; the vocabulary is built from them as CLIP
  does (the 256 byte characters, the same with ``</w>``, one token per merge, then
  ``<|startoftext|>`` and ``<|endoftext|>``: 49,408 ids from the first 48,894 merges).

An optional ``tokenizer_config.json`` beside the files (as transformers saves it) sets what the
files do not say: ``do_lower_case``, ``add_prefix_space``, the special tokens, ``tokenizer_class``
(GPT-2, RoBERTa or CLIP style), ``added_tokens_decoder``. Files are read as Hugging Face
tokenizers reads them (``vocab.txt`` lines lose trailing whitespace, a repeated token keeps its
last line); anything it would reject, or could only read ambiguously, raises
`TokenizerFormatError` naming the file and the line or JSON path.

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> path = os.path.join(folder, "vocab.txt")
>>> _ = open(path, "w", encoding="utf-8").write("[PAD]\\n[UNK]\\n[CLS]\\n[SEP]\\n[MASK]\\nplay\\n##ing\\n")
>>> tok = load_vocab_txt(path)
>>> tok.encode("Playing").tokens, tok.encode("Playing").ids
(['[CLS]', 'play', '##ing', '[SEP]'], [2, 5, 6, 3])
>>> detect_vocab_files(folder).kind
'wordpiece'
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from .. import decoders, normalizers, pre_tokenizers, processors
from .._json import Reader
from ..added_tokens import AddedToken
from ..bytes_map import BYTES_TO_UNICODE
from ..errors import TokenizerFormatError
from ..models import BPE, WordPiece
from ..models.base import read_vocab
from ..patterns import Regex
from ..tokenizer import Tokenizer

__all__ = [
    "VocabFiles", "detect_vocab_files", "load_vocab_file", "load_vocab_txt", "load_vocab_merges", "load_clip_bpe",
    "read_vocab_txt", "read_vocab_json", "read_merges_txt", "read_clip_bpe", "read_tokenizer_config",
    "CLIP_PATTERN", "CLIP_MERGES",
]

CONFIG_NAME = "tokenizer_config.json"
#: How many merges CLIP uses: ``merges[1:49152 - 256 - 2 + 1]`` in its simple_tokenizer (the header
#: line is skipped), so that 512 byte tokens + merges + 2 specials make 49,408 ids.
CLIP_MERGES = 49152 - 256 - 2
#: CLIP's pre-tokenizer pattern as transformers' CLIPTokenizer (v5) writes it.
CLIP_PATTERN = r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""
_EOW = "</w>"
# transformers' CLIPTokenizer strips its decoded text with Python's str.strip(); this pattern
# (Python's whitespace, anchored at the ends of the text without ^/$, which Oniguruma reads per
# line) does the same as a Replace decoder.
_PY_SPACE = "[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+"
_STRIP_PATTERN = f"(?<![\\s\\S]){_PY_SPACE}|{_PY_SPACE}(?![\\s\\S])"
# Rust's char::is_whitespace (Unicode White_Space): what Hugging Face's trim_end removes.
_RUST_WHITESPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009" \
                   "\u200a\u2028\u2029\u202f\u205f\u3000"

# transformers' SPECIAL_TOKENS_ATTRIBUTES order (the order missing ones get new ids in), and the
# defaults of each tokenizer class.
_SPECIAL_KEYS = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")
_EOT = "<|endoftext|>"
_DEFAULT_SPECIALS: dict[str, dict[str, str]] = {
    "bert": {"unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
             "mask_token": "[MASK]"},
    "gpt2": {"unk_token": _EOT, "bos_token": _EOT, "eos_token": _EOT},
    "roberta": {"bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
                "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>"},
    "clip": {"unk_token": _EOT, "bos_token": "<|startoftext|>", "eos_token": _EOT, "pad_token": _EOT},
}
STYLES = ("gpt2", "roberta", "clip")


# -- reading the files ----------------------------------------------------------------------------

def _decode_utf8(data: bytes, file: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise TokenizerFormatError(f"not UTF-8 text: byte {e.start} (line {line}) is {data[e.start:e.start + 1]!r}",
                                   file=file) from None


def _lines(text: str) -> list[str]:
    """The lines as Rust's ``BufRead::lines`` gives them: split at "\\n", one "\\r" before it
    dropped, no empty last line for a final newline."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def read_vocab_txt(path: str | os.PathLike[str]) -> dict[str, int]:
    """``{token: line number}`` of a BERT vocab.txt, read as Hugging Face does: trailing whitespace
    is not part of a token, an empty line is the token ``""``, a token listed twice keeps its last
    line (the earlier id is left unused).

    >>> import tempfile
    >>> p = tempfile.mkstemp(suffix=".txt")[1]
    >>> _ = open(p, "w").write("[UNK]\\nhello \\nworld\\r\\nhello\\n")
    >>> read_vocab_txt(p)
    {'[UNK]': 0, 'hello': 3, 'world': 2}
    """
    p = os.fspath(path)
    with open(p, "rb") as f:
        text = _decode_utf8(f.read(), p)
    vocab: dict[str, int] = {}
    for i, line in enumerate(_lines(text)):
        vocab[line.rstrip(_RUST_WHITESPACE)] = i
    if not vocab:
        raise TokenizerFormatError("the file is empty; a vocab.txt lists one token per line", file=p)
    return vocab


def _read_json(path: str) -> Any:
    with open(path, "rb") as f:
        text = _decode_utf8(f.read(), path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise TokenizerFormatError(f"not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}",
                                   file=path) from None


def read_vocab_json(path: str | os.PathLike[str]) -> dict[str, int]:
    """``{token: id}`` of a vocab.json, checked: an object of non-negative integer ids, each used once."""
    p = os.fspath(path)
    vocab = read_vocab(Reader(_read_json(p), "", p))
    owner: dict[int, str] = {}
    for token, id in vocab.items():
        if id in owner:
            raise TokenizerFormatError(f"tokens {owner[id]!r} and {token!r} both have id {id}; each id must "
                                       "belong to one token", path=f"[{token!r}]", file=p)
        owner[id] = token
    return vocab


def _numbered_merges(path: str) -> list[tuple[int, str, str]]:
    """(line number, left, right) of each merge; ``#version`` lines are skipped, as HF does."""
    with open(path, "rb") as f:
        text = _decode_utf8(f.read(), path)
    out = []
    for n, line in enumerate(_lines(text), 1):
        if line.startswith("#version"):
            continue
        parts = line.split(" ")
        if len(parts) != 2:
            raise TokenizerFormatError(f"expected two tokens separated by one space, got {_show(line)}",
                                       path=f"line {n}", file=path)
        out.append((n, parts[0], parts[1]))
    return out


def _show(s: str) -> str:
    return repr(s if len(s) <= 60 else s[:57] + "...")


def read_merges_txt(path: str | os.PathLike[str]) -> list[tuple[str, str]]:
    """The merges of a merges.txt, in rank order."""
    return [(a, b) for _, a, b in _numbered_merges(os.fspath(path))]


def _check_merges(vocab: Mapping[str, int], merges: list[tuple[int, str, str]], merges_file: str,
                  vocab_file: str) -> None:
    """Every merge's two parts and their concatenation must be tokens (Hugging Face's BPE rule)."""
    for n, a, b in merges:
        for token in (a, b, a + b):
            if token not in vocab:
                raise TokenizerFormatError(
                    f"merge {a!r} {b!r} uses token {token!r}, which is not in {Path(vocab_file).name}; "
                    "the merges and the vocabulary do not belong together", path=f"line {n}", file=merges_file)


def read_clip_bpe(path: str | os.PathLike[str]) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """CLIP's vocabulary and merges from ``bpe_simple_vocab_16e6.txt.gz`` (gzipped or plain).

    The first line is a header; the next `CLIP_MERGES` lines are the merges CLIP uses.
    """
    p = os.fspath(path)
    with open(p, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise TokenizerFormatError(f"not valid gzip data ({e})", file=p) from None
    lines = _decode_utf8(data, p).split("\n")
    if len(lines) < CLIP_MERGES + 1:
        raise TokenizerFormatError(f"{len(lines)} lines; CLIP's merges file has a header line and at least "
                                   f"{CLIP_MERGES} merges (is it cut short?)", file=p)
    vocab = _clip_base_vocab()
    merges: list[tuple[str, str]] = []
    for n in range(2, CLIP_MERGES + 2):
        a, b = _clip_merge(lines[n - 1], vocab, n, p)
        vocab[a + b] = len(vocab)
        merges.append((a, b))
    for special in ("<|startoftext|>", _EOT):
        vocab[special] = len(vocab)
    return vocab, merges


def _clip_base_vocab() -> dict[str, int]:
    # CLIP lists the byte characters in the order of its byte table, which is code point order.
    chars = sorted(BYTES_TO_UNICODE)
    return {t: i for i, t in enumerate(chars + [c + _EOW for c in chars])}


def _clip_merge(line: str, vocab: Mapping[str, int], n: int, file: str) -> tuple[str, str]:
    parts = line.split()
    if len(parts) != 2:
        raise TokenizerFormatError(f"expected a merge 'left right', got {_show(line)}", path=f"line {n}", file=file)
    a, b = parts
    for token in (a, b):
        if token not in vocab:
            raise TokenizerFormatError(f"merge {a!r} {b!r} uses {token!r}, which no earlier line makes",
                                       path=f"line {n}", file=file)
    if a + b in vocab:
        raise TokenizerFormatError(f"merge {a!r} {b!r} makes {a + b!r}, which is already a token",
                                   path=f"line {n}", file=file)
    return a, b


# -- tokenizer_config.json ------------------------------------------------------------------------

def read_tokenizer_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The object in a tokenizer_config.json."""
    p = os.fspath(path)
    data = _read_json(p)
    if not isinstance(data, dict):
        raise TokenizerFormatError(f"expected a JSON object, got {type(data).__name__}", file=p)
    return data


def _config_for(file: str, given: str | os.PathLike[str] | None) -> Reader:
    """The tokenizer_config.json to use (`given`, else the one beside `file`, else none) as a Reader."""
    if given is None:
        beside = Path(file).parent / CONFIG_NAME
        if not beside.is_file():
            return Reader({}, "", None)
        given = beside
    p = os.fspath(given)
    return Reader(read_tokenizer_config(p), "", p)


def _flag(config: Reader, key: str, given: bool | None, default: bool | None) -> bool | None:
    """An option: the argument if given, else the config's value (null: the default), else the default."""
    if given is not None:
        return given
    r = config.get(key, None)
    return default if r.value is None else r.bool()


def _special(r: Reader) -> AddedToken | None:
    """A special token as transformers stores it: a string, {"content": ..., "lstrip": ...} or null."""
    if r.value is None:
        return None
    if isinstance(r.value, str):
        if not r.value:
            r.fail("a special token cannot be the empty string (use null for none)")
        return AddedToken(r.value, special=True, normalized=False)
    if not isinstance(r.value, dict):
        r.fail(f'expected a token (a string or {{"content": ...}}) or null, got {r.value!r}')
    return _added_token(r, special=True)


def _added_token(r: Reader, special: bool | None) -> AddedToken:
    """An AddedToken from {"content": ..., "lstrip": ..., ...}; `special` None: as the object says."""
    content = r.at("content").str()
    if not content:
        r.fail("a token cannot be the empty string", at="content")
    is_special = r.get("special", False).bool() if special is None else special
    return AddedToken(content, r.get("single_word", False).bool(), r.get("lstrip", False).bool(),
                      r.get("rstrip", False).bool(), r.get("normalized", not is_special).bool(), is_special)


def _named_specials(style: str, config: Reader) -> dict[str, AddedToken]:
    """bos/eos/unk/sep/pad/cls/mask token (those that are set), the config's over the style's defaults."""
    out = {}
    for key in _SPECIAL_KEYS:
        if config.has(key):
            token = _special(config.at(key))
        else:
            default = _DEFAULT_SPECIALS[style].get(key)
            token = None if default is None else AddedToken(default, special=True, normalized=False)
        if token is not None:
            out[key] = token
    return out


def _declared_tokens(config: Reader) -> list[tuple[int, AddedToken, Reader]]:
    """The config's ``added_tokens_decoder`` ({"id": {"content": ...}}) as (id, token, where), by id."""
    r = config.get("added_tokens_decoder", {})
    out = []
    for key in r.dict():
        entry = r.at(key)
        if not (key.isascii() and key.isdigit()):
            entry.fail(f"expected a token id as the key, got {key!r}")
        out.append((int(key), _added_token(entry, None), entry))
    return sorted(out, key=lambda x: x[0])


def _extra_specials(config: Reader) -> list[AddedToken]:
    """The config's additional_special_tokens / extra_special_tokens (a list, or named in an object)."""
    out = []
    for key in ("additional_special_tokens", "extra_special_tokens"):
        r = config.get(key, None)
        if r.value is None:
            continue
        if isinstance(r.value, dict):  # named extras: {"image_token": "<image>"}
            out += [_special(r.at(k)) for k in r.value]
        else:
            out += r.items(_special)
    return [t for t in out if t is not None]


def _add_tokens(tok: Tokenizer, config: Reader, named: Mapping[str, AddedToken]) -> None:
    """Add the config's added tokens, then the special tokens not yet among them (transformers' order:
    a token in the vocabulary keeps its id, a new one gets the next free id)."""
    declared = _declared_tokens(config)
    tokens = [t for _, t, _ in declared]
    seen = {t.content for t in tokens}
    for t in [*named.values(), *_extra_specials(config)]:
        if t.content not in seen:
            tokens.append(t)
            seen.add(t.content)
    tok.add_tokens(tokens)
    for id, t, where in declared:
        got = tok.token_to_id(t.content)
        if got != id:
            where.fail(f"{t.content!r} is declared with id {id}, but the vocabulary gives it id {got}")


def _id_of(tok: Tokenizer, named: Mapping[str, AddedToken], key: str, style: str, config: Reader) -> tuple[str, int]:
    token = named.get(key)
    if token is None:
        raise TokenizerFormatError(f"a {style} tokenizer needs a {key}, but it is null", path=key, file=config.file)
    id = tok.token_to_id(token.content)
    assert id is not None  # every named special token was just added
    return token.content, id


def _template(parts: list[tuple[str, int]], specials: list[tuple[str, int]]) -> processors.TemplateProcessing:
    """TemplateProcessing from (name, type id) pieces for the single and pair templates, "$A"/"$B"
    standing for the sequences."""
    def pieces(names: list[tuple[str, int]]) -> list[dict]:
        return [{"Sequence": {"id": n[1], "type_id": t}} if n in ("$A", "$B")
                else {"SpecialToken": {"id": n, "type_id": t}} for n, t in names]

    single = [p for p in parts if p[0] != "$B" and p[1] == 0]
    tokens = {t: {"id": t, "ids": [i], "tokens": [t]} for t, i in specials}
    return processors.TemplateProcessing(pieces(single), pieces(parts), tokens)


# -- the pipelines --------------------------------------------------------------------------------

def _bert(vocab: dict[str, int], config: Reader, lowercase: bool, strip_accents: bool | None,
          chinese: bool) -> Tokenizer:
    """What transformers' BertTokenizer builds from a vocabulary."""
    named = _named_specials("bert", config)
    unk = named.get("unk_token")
    if unk is None:
        raise TokenizerFormatError("a WordPiece tokenizer needs an unk_token, but it is null", path="unk_token",
                                   file=config.file)
    tok = Tokenizer(WordPiece(vocab, unk_token=unk.content, continuing_subword_prefix="##",
                              max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=chinese,
                                                strip_accents=strip_accents, lowercase=lowercase)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece(prefix="##", cleanup=True)
    _add_tokens(tok, config, named)
    cls, sep = _id_of(tok, named, "cls_token", "BERT", config), _id_of(tok, named, "sep_token", "BERT", config)
    tok.post_processor = _template([(cls[0], 0), ("$A", 0), (sep[0], 0), ("$B", 1), (sep[0], 1)], [cls, sep])
    return tok


def _byte_level(vocab: dict[str, int], merges: list[tuple[str, str]], style: str, config: Reader,
                add_prefix_space: bool | None) -> Tokenizer:
    """What transformers' GPT2Tokenizer / RobertaTokenizer build from vocab.json and merges.txt."""
    prefix_space = bool(_flag(config, "add_prefix_space", add_prefix_space, False))
    tok = Tokenizer(BPE(vocab, merges, continuing_subword_prefix="", end_of_word_suffix=""))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=prefix_space)
    tok.decoder = decoders.ByteLevel()
    named = _named_specials(style, config)
    _add_tokens(tok, config, named)
    if style == "gpt2":
        tok.post_processor = _gpt2_template(tok, named, config)
        return tok
    sep, cls = _id_of(tok, named, "sep_token", "RoBERTa", config), _id_of(tok, named, "cls_token", "RoBERTa", config)
    trim_offsets = bool(_flag(config, "trim_offsets", None, True))
    tok.post_processor = processors.RobertaProcessing(sep, cls, trim_offsets, prefix_space)
    return tok


def _gpt2_template(tok: Tokenizer, named: Mapping[str, AddedToken], config: Reader) -> processors.TemplateProcessing:
    """transformers' template for GPT-2: "$A:0" and "$A:0 $B:1", with the bos (eos) token before
    (after) each sequence when add_bos_token (add_eos_token) is set."""
    bos, eos = [], []
    if _flag(config, "add_bos_token", None, False) and "bos_token" in named:
        bos = [_id_of(tok, named, "bos_token", "GPT-2", config)]
    if _flag(config, "add_eos_token", None, False) and "eos_token" in named:
        eos = [_id_of(tok, named, "eos_token", "GPT-2", config)]
    parts = [(t, 0) for t, _ in bos] + [("$A", 0)] + [(t, 0) for t, _ in eos] \
        + [(t, 1) for t, _ in bos] + [("$B", 1)] + [(t, 1) for t, _ in eos]
    return _template(parts, bos + eos)


def _clip(vocab: dict[str, int], merges: list[tuple[str, str]], config: Reader) -> Tokenizer:
    """What transformers' CLIPTokenizer builds, its decode included (``</w>`` becomes a space, and
    the text is stripped)."""
    named = _named_specials("clip", config)
    unk = named.get("unk_token")
    tok = Tokenizer(BPE(vocab, merges, unk_token=None if unk is None else unk.content,
                        continuing_subword_prefix="", end_of_word_suffix=_EOW))
    tok.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Replace(Regex(r"\s+"), " "),
                                           normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(CLIP_PATTERN), "removed", invert=True),
                                                 pre_tokenizers.ByteLevel(add_prefix_space=False)])
    tok.decoder = decoders.Sequence([decoders.ByteLevel(), decoders.Replace(_EOW, " "),
                                     decoders.Replace(Regex(_STRIP_PATTERN), "")])
    _add_tokens(tok, config, named)
    eos, bos = _id_of(tok, named, "eos_token", "CLIP", config), _id_of(tok, named, "bos_token", "CLIP", config)
    tok.post_processor = processors.RobertaProcessing(eos, bos, trim_offsets=False, add_prefix_space=False)
    return tok


def _bpe_style(vocab: Mapping[str, int], config: Reader) -> str:
    """"clip", "roberta" or "gpt2": the config's tokenizer_class says, else the vocabulary."""
    name = config.get("tokenizer_class", None).opt_str() or ""
    name = name.lower()
    for style in ("clip", "roberta", "gpt2"):
        if name.startswith(style):
            return style
    if "<|startoftext|>" in vocab and any(t.endswith(_EOW) for t in vocab):
        return "clip"
    return "roberta" if "<s>" in vocab and "</s>" in vocab else "gpt2"


# -- loaders --------------------------------------------------------------------------------------

def load_vocab_txt(path: str | os.PathLike[str], *, do_lower_case: bool | None = None,
                   strip_accents: bool | None = None, tokenize_chinese_chars: bool | None = None,
                   tokenizer_config: str | os.PathLike[str] | None = None) -> Tokenizer:
    """A BERT vocab.txt as transformers' BertTokenizer(Fast) builds it.

    Options left as None come from `tokenizer_config` (default: the tokenizer_config.json beside
    the file, if any), else BERT's defaults: lowercase, accents stripped when lowercasing, Chinese
    characters split. [UNK] [SEP] [PAD] [CLS] [MASK] (or the config's) are special tokens; one the
    vocabulary lacks gets the next free id, as in transformers.
    """
    p = os.fspath(path)
    config = _config_for(p, tokenizer_config)
    vocab = read_vocab_txt(p)
    return _bert(vocab, config, bool(_flag(config, "do_lower_case", do_lower_case, True)),
                 _flag(config, "strip_accents", strip_accents, None),
                 bool(_flag(config, "tokenize_chinese_chars", tokenize_chinese_chars, True)))


def load_vocab_merges(vocab_json: str | os.PathLike[str], merges_txt: str | os.PathLike[str], *,
                      style: str | None = None, add_prefix_space: bool | None = None,
                      tokenizer_config: str | os.PathLike[str] | None = None) -> Tokenizer:
    """vocab.json + merges.txt as transformers' GPT2Tokenizer, RobertaTokenizer or CLIPTokenizer builds them.

    `style` ("gpt2", "roberta", "clip") defaults to what the config's tokenizer_class says, else
    "clip" for a vocabulary with <|startoftext|> and ``</w>`` tokens, "roberta" for one with <s>
    and </s>, else "gpt2". `add_prefix_space` defaults to the config's, else False.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> vocab, merges = os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt")
    >>> _ = open(vocab, "w", encoding="utf-8").write('{"h": 0, "i": 1, "hi": 2, "Ġ": 3, "Ġhi": 4}')
    >>> _ = open(merges, "w", encoding="utf-8").write("#version: 0.2\\nh i\\nĠ hi\\n")
    >>> tok = load_vocab_merges(vocab, merges)
    >>> tok.encode("hi hi").tokens, tok.token_to_id("<|endoftext|>")
    (['hi', 'Ġhi'], 5)
    """
    vf, mf = os.fspath(vocab_json), os.fspath(merges_txt)
    if style is not None and style not in STYLES:
        raise ValueError(f"unknown style {style!r}; expected one of {', '.join(STYLES)}")
    config = _config_for(vf, tokenizer_config)
    vocab = read_vocab_json(vf)
    numbered = _numbered_merges(mf)
    _check_merges(vocab, numbered, mf, vf)
    merges = [(a, b) for _, a, b in numbered]
    style = style or _bpe_style(vocab, config)
    if style == "clip":
        return _clip(vocab, merges, config)
    return _byte_level(vocab, merges, style, config, add_prefix_space)


def load_clip_bpe(path: str | os.PathLike[str], *,
                  tokenizer_config: str | os.PathLike[str] | None = None) -> Tokenizer:
    """CLIP's ``bpe_simple_vocab_16e6.txt.gz`` as transformers' CLIPTokenizer builds it from the
    vocab.json and merges.txt CLIP's vocabulary makes (see `read_clip_bpe`)."""
    p = os.fspath(path)
    config = _config_for(p, tokenizer_config)
    vocab, merges = read_clip_bpe(p)
    return _clip(vocab, merges, config)


# -- which files ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class VocabFiles:
    """Which loader applies: `kind` "wordpiece" (vocab.txt), "bpe" (vocab.json, merges.txt) or
    "clip" (bpe_simple_vocab_16e6.txt.gz); `paths` in the loader's argument order; `config` the
    tokenizer_config.json beside them, if any."""

    kind: str
    paths: tuple[Path, ...]
    config: Path | None

    def load(self) -> Tokenizer:
        """The Tokenizer these files make."""
        if self.kind == "wordpiece":
            return load_vocab_txt(self.paths[0], tokenizer_config=self.config)
        if self.kind == "bpe":
            return load_vocab_merges(self.paths[0], self.paths[1], tokenizer_config=self.config)
        return load_clip_bpe(self.paths[0], tokenizer_config=self.config)


def _partner(p: Path, suffix: str, other: str) -> Path:
    """gpt2-vocab.json -> gpt2-merges.txt, vocab.json -> merges.txt (and back)."""
    return p.with_name(p.name[: -len(suffix)] + other)


def _in_folder(d: Path) -> tuple[str, tuple[Path, ...]] | None:
    if (d / "vocab.json").is_file() and (d / "merges.txt").is_file():
        return "bpe", (d / "vocab.json", d / "merges.txt")
    if (d / "vocab.txt").is_file():
        return "wordpiece", (d / "vocab.txt",)
    clip = sorted(p for p in d.glob("bpe_simple_vocab*.txt*") if p.is_file())
    return ("clip", (clip[0],)) if clip else None


def _for_file(p: Path) -> tuple[str, tuple[Path, ...]] | None:
    name = p.name
    if name.startswith("bpe_simple_vocab"):
        return "clip", (p,)
    if name.endswith("vocab.txt"):
        return "wordpiece", (p,)
    if name.endswith("vocab.json") and _partner(p, "vocab.json", "merges.txt").is_file():
        return "bpe", (p, _partner(p, "vocab.json", "merges.txt"))
    if name.endswith("merges.txt") and _partner(p, "merges.txt", "vocab.json").is_file():
        return "bpe", (_partner(p, "merges.txt", "vocab.json"), p)
    return None


def detect_vocab_files(path: str | os.PathLike[str]) -> VocabFiles | None:
    """Which classic vocabulary files `path` is (a file) or holds (a directory), None if none.

    A directory with vocab.json and merges.txt is "bpe", else one with vocab.txt "wordpiece", else
    one with bpe_simple_vocab*.txt[.gz] "clip". A vocab.json (or merges.txt) file needs its
    partner beside it, same prefix (``gpt2-vocab.json`` pairs with ``gpt2-merges.txt``).
    """
    p = Path(path)
    found = _in_folder(p) if p.is_dir() else _for_file(p) if p.is_file() else None
    if found is None:
        return None
    config = found[1][0].parent / CONFIG_NAME
    return VocabFiles(found[0], found[1], config if config.is_file() else None)


def load_vocab_file(path: str | os.PathLike[str]) -> Tokenizer:
    """Load the classic vocabulary files `path` is or holds (see `detect_vocab_files`)."""
    found = detect_vocab_files(path)
    if found is not None:
        return found.load()
    p = Path(path)
    if p.name.endswith("vocab.json"):
        why = f"a vocab.json needs its merges file beside it ({_partner(p, 'vocab.json', 'merges.txt')})"
    elif p.name.endswith("merges.txt"):
        why = f"a merges.txt needs its vocab.json beside it ({_partner(p, 'merges.txt', 'vocab.json')})"
    else:
        why = "not a vocab.txt, vocab.json + merges.txt or bpe_simple_vocab*.txt.gz (or a folder holding them)"
    raise TokenizerFormatError(why, file=os.fspath(p))
