"""Parity with the reference ``tokenizers`` library on tokenizers trained here, one per component type.

Downloaded tokenizer files cover the popular pipelines; the configurations below are trained with
``tokenizers``' own trainers on botchan.txt (plus the multilingual corpus, so non-English characters
are in the vocabularies) to reach every model, normalizer, pre-tokenizer, post-processor, decoder
and added-token option that ``tokenizer.json`` can hold. Each configuration is saved with the
reference's ``to_str()`` and loaded with ``subtok.Tokenizer.from_str``; everything observable must
then match the reference: encodings (all fields), decoding, vocabularies, serialization (both
ways), pickling, truncation and padding.

Two tiers keep the run short with a pure-Python engine:

* ``full`` configurations (realistic end-to-end pipelines, and the post-processor variants) are
  checked on the whole corpus, on pairs, batches, pre-tokenized input and runtime ``add_tokens``;
* the other configurations vary one component (a normalizer, a pre-tokenizer, a model option) on
  top of a trained base, and are checked on single texts only: the edge cases and a quarter of the
  prose with special tokens, a small sample without.

Truncation and padding are checked on a few configs with different post-processors.
"""

from __future__ import annotations

import functools
import json
import pickle
import random
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

tokenizers = pytest.importorskip("tokenizers")

from tokenizers import AddedToken, Regex, Tokenizer  # noqa: E402
from tokenizers import decoders, models, normalizers, pre_tokenizers, processors, trainers  # noqa: E402

import subtok  # noqa: E402
import subtok.assets  # noqa: E402
from subtok.errors import EncodeError  # noqa: E402

import corpus  # noqa: E402
from helpers import (  # noqa: E402
    assert_same_encoding,
    assert_same_encodings,
    assert_same_outcome,
    assert_same_text,
    assert_same_texts,
    short,
)

# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------

#: Everything but the very long words (which cost most of the time with a pure-Python engine).
SHORT_TEXTS: list[str] = [t for t in corpus.ALL if len(t) <= 500]

#: For the single-component variants: a quarter of the prose and code, all the (short) edge cases.
VARIANT_TEXTS: list[str] = corpus.MULTILINGUAL[::4] + [t for t in corpus.EDGE_CASES if len(t) <= 500]

#: Pairs mixing every kind of text (languages, code, edge cases), plus empty members.
PAIRS: list[tuple[str, str]] = [
    (SHORT_TEXTS[i], SHORT_TEXTS[(i * 7 + 3) % len(SHORT_TEXTS)]) for i in range(0, len(SHORT_TEXTS), 3)
] + [("", ""), ("", "Hello there"), ("Hello there", ""), (" ", "  "), ("[CLS]", "</s>")]

#: A small, varied selection for the checks that only need to see that a path works.
SAMPLE: list[str] = corpus.MULTILINGUAL[::8] + SHORT_TEXTS[len(corpus.MULTILINGUAL)::8]

#: Pre-tokenized input: word lists, including empty words and words with spaces inside.
PRETOKENIZED: list[list[str]] = [t.split(" ") for t in corpus.MULTILINGUAL[::3]] + [
    ["Hello", "world"],
    ["", " ", "a  b", ""],
    ["[CLS]", "<s>", "<|endoftext|>", "don't"],
    ["\t", "\n", "12.0*50=600"],
]

#: Short texts (0 to ~20 tokens) for truncation: tiny limits over long pairs give hundreds of overflows.
TRUNCATION_TEXTS: list[str] = [
    "",
    "Hello",
    "Hello there, world!",
    "12.0*50=600",
    corpus.ENGLISH[0],
    "I'm don't we'll they've",
]
TRUNCATION_PAIRS: list[tuple[str, str]] = [
    ("The quick brown fox", "jumps over the lazy dog."),
    ("Hi", corpus.ENGLISH[0]),
    ("", "Hello there"),
    ("Straße über Köln", "Hi"),
    ("12.0*50=600", "a\tb\t\tc"),
]


def where(config: str, text: Any, **options: Any) -> str:
    """The first line of a failure message: which config, input and options."""
    opts = "".join(f", {k}={v!r}" for k, v in options.items())
    return f"[{config}] input={short(text)}{opts}"


# ---------------------------------------------------------------------------------------------
# Training (each base once per session)
# ---------------------------------------------------------------------------------------------

BERT_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

#: The pre-tokenization regex of Llama 3 (applied with Split + ByteLevel(use_regex=False)).
LLAMA3_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)


@functools.cache
def training_lines() -> tuple[str, ...]:
    text = subtok.assets.fetch("sentencepiece/botchan.txt").read_text(encoding="utf-8")
    return tuple(text.splitlines() + corpus.MULTILINGUAL * 3)


def _train(tokenizer: Tokenizer, trainer: Any) -> str:
    tokenizer.train_from_iterator(training_lines(), trainer=trainer)
    return tokenizer.to_str()


def _train_byte_level_bpe() -> str:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=True)
    return _train(tok, trainers.BpeTrainer(
        vocab_size=1000, special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False,
    ))


def _train_llama3_bpe() -> str:
    tok = Tokenizer(models.BPE(ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    return _train(tok, trainers.BpeTrainer(
        vocab_size=1500, special_tokens=["<|begin_of_text|>", "<|end_of_text|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False,
    ))


def _train_wordpiece(lowercase: bool) -> str:
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=lowercase, strip_accents=None if lowercase else False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece(cleanup=lowercase)
    return _train(tok, trainers.WordPieceTrainer(
        vocab_size=1000, special_tokens=BERT_SPECIALS, limit_alphabet=300, show_progress=False,
    ))


def _train_unigram() -> str:
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    return _train(tok, trainers.UnigramTrainer(
        vocab_size=1000, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>", show_progress=False,
    ))


def _train_sentencepiece_bpe() -> str:
    """Llama-2 style: no pre-tokenizer, spaces become '▁' in the normalizer."""
    tok = Tokenizer(models.BPE(unk_token="<unk>", fuse_unk=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    return _train(tok, trainers.BpeTrainer(
        vocab_size=1000, special_tokens=["<unk>", "<s>", "</s>"], limit_alphabet=120, show_progress=False,
    ))


def _train_char_bpe() -> str:
    """A BPE whose alphabet has spaces and punctuation: a base for the pre-tokenizer/normalizer variants."""
    tok = Tokenizer(models.BPE(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Split(" ", behavior="merged_with_next")
    return _train(tok, trainers.BpeTrainer(
        vocab_size=800, special_tokens=["[UNK]", "[CLS]", "[SEP]", "[PAD]"], limit_alphabet=150,
        show_progress=False,
    ))


def _train_prefix_bpe() -> str:
    tok = Tokenizer(models.BPE(unk_token="[UNK]", continuing_subword_prefix="##"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=False, strip_accents=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece(prefix="##")
    return _train(tok, trainers.BpeTrainer(
        vocab_size=1000, special_tokens=BERT_SPECIALS, continuing_subword_prefix="##", limit_alphabet=200,
        show_progress=False,
    ))


def _train_suffix_bpe() -> str:
    tok = Tokenizer(models.BPE(unk_token="<unk>", end_of_word_suffix="</w>"))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.decoder = decoders.BPEDecoder(suffix="</w>")
    return _train(tok, trainers.BpeTrainer(
        vocab_size=1000, special_tokens=["<unk>"], end_of_word_suffix="</w>", limit_alphabet=200,
        show_progress=False,
    ))


def _train_wordlevel() -> str:
    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    return _train(tok, trainers.WordLevelTrainer(vocab_size=2000, special_tokens=BERT_SPECIALS, show_progress=False))


def _build_ctc_chars() -> str:
    """A character-level WordLevel vocabulary decoded with CTC (wav2vec2 style); no trainer needed."""
    counts = Counter(ch for line in training_lines() for ch in line.lower() if ch != " ")
    vocab = {tok: i for i, tok in enumerate(["<pad>", "<s>", "</s>", "<unk>", "|"])}
    for ch, _ in counts.most_common(80):
        vocab.setdefault(ch, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.normalizer = normalizers.Sequence([normalizers.Lowercase(), normalizers.Replace(" ", "|")])
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    tok.decoder = decoders.CTC(pad_token="<pad>", word_delimiter_token="|", cleanup=True)
    tok.add_special_tokens(["<pad>", "<s>", "</s>", "<unk>"])
    return tok.to_str()


BASES: dict[str, Callable[[], str]] = {
    "byte-level-bpe": _train_byte_level_bpe,
    "llama3-bpe": _train_llama3_bpe,
    "wordpiece-uncased": functools.partial(_train_wordpiece, lowercase=True),
    "wordpiece-cased": functools.partial(_train_wordpiece, lowercase=False),
    "unigram": _train_unigram,
    "sentencepiece-bpe": _train_sentencepiece_bpe,
    "char-bpe": _train_char_bpe,
    "prefix-bpe": _train_prefix_bpe,
    "suffix-bpe": _train_suffix_bpe,
    "wordlevel": _train_wordlevel,
    "ctc-chars": _build_ctc_chars,
}


@functools.cache
def base_json(name: str) -> str:
    return BASES[name]()


# ---------------------------------------------------------------------------------------------
# Deriving configurations from the bases
# ---------------------------------------------------------------------------------------------


def derive(base: str, **components: Any) -> Tokenizer:
    """The trained base with some of normalizer / pre_tokenizer / post_processor / decoder replaced."""
    tok = Tokenizer.from_str(base_json(base))
    for attribute, component in components.items():
        setattr(tok, attribute, component)
    return tok


def edit_json(tok: Tokenizer, edit: Callable[[dict], None]) -> Tokenizer:
    """Apply ``edit`` to the tokenizer.json dict: for the options the Python API cannot set after training."""
    data = json.loads(tok.to_str())
    edit(data)
    return Tokenizer.from_str(json.dumps(data, ensure_ascii=False))


BYTE_TOKENS = [f"<0x{b:02X}>" for b in range(256)]


def insert_byte_tokens(data: dict) -> None:
    """Put <0x00>..<0xFF> into the model's vocabulary right after the special tokens (as SentencePiece does)."""
    model = data["model"]
    n_special = len(data["added_tokens"])
    assert all(t["id"] < n_special for t in data["added_tokens"])
    if model["type"] == "BPE":
        ordered = sorted(model["vocab"].items(), key=lambda kv: kv[1])
        pieces = [p for p, _ in ordered[:n_special]] + BYTE_TOKENS + [p for p, _ in ordered[n_special:]]
        model["vocab"] = {p: i for i, p in enumerate(pieces)}
    else:  # Unigram: a list of [piece, score]
        model["vocab"][n_special:n_special] = [[b, 0.0] for b in BYTE_TOKENS]
    model["byte_fallback"] = True


def with_tokens(tok: Tokenizer, normal: Sequence[Any] = (), special: Sequence[Any] = ()) -> Tokenizer:
    """``tok`` after ``add_tokens(normal)`` and ``add_special_tokens(special)``."""
    if normal:
        tok.add_tokens(list(normal))
    if special:
        tok.add_special_tokens(list(special))
    return tok


def bert_processing(tok: Tokenizer) -> processors.BertProcessing:
    return processors.BertProcessing(("[SEP]", tok.token_to_id("[SEP]")), ("[CLS]", tok.token_to_id("[CLS]")))


def template(single: str, pair: str, tok: Tokenizer, specials: list[str]) -> processors.TemplateProcessing:
    return processors.TemplateProcessing(
        single=single, pair=pair, special_tokens=[(s, tok.token_to_id(s)) for s in specials]
    )


# -- full pipelines ---------------------------------------------------------------------------


def gpt2() -> Tokenizer:
    return derive("byte-level-bpe")


def gpt2_added_tokens() -> Tokenizer:
    return with_tokens(
        gpt2(),
        normal=[
            AddedToken("the", single_word=True),  # already in the vocabulary
            AddedToken("ing"),  # inside words
            AddedToken("Pneumonoultra"),  # overlapping: leftmost-longest wins
            AddedToken("ultramicro"),
            AddedToken("micro"),
            AddedToken(" world"),  # leading space in the content
            AddedToken("don't", lstrip=True),
            AddedToken("!!!", rstrip=True),
            AddedToken("鸟"),
            AddedToken("👍", single_word=True),
        ],
        special=[
            AddedToken("<|im_start|>", special=True),
            AddedToken("<|im_end|>", special=True, rstrip=True),
            AddedToken("<mask>", special=True, lstrip=True),
        ],
    )


def roberta() -> Tokenizer:
    tok = derive("byte-level-bpe", pre_tokenizer=pre_tokenizers.ByteLevel(add_prefix_space=True))
    tok.add_special_tokens(["<s>", "<pad>", "</s>", "<unk>", AddedToken("<mask>", lstrip=True, special=True)])
    tok.post_processor = processors.RobertaProcessing(
        ("</s>", tok.token_to_id("</s>")), ("<s>", tok.token_to_id("<s>")), trim_offsets=True, add_prefix_space=True
    )
    return tok


def roberta_processing(trim_offsets: bool, add_prefix_space: bool) -> Tokenizer:
    tok = roberta()
    tok.post_processor = processors.RobertaProcessing(
        ("</s>", tok.token_to_id("</s>")), ("<s>", tok.token_to_id("<s>")),
        trim_offsets=trim_offsets, add_prefix_space=add_prefix_space,
    )
    return tok


def byte_level_processing(trim_offsets: bool) -> Tokenizer:
    return derive(
        "byte-level-bpe",
        pre_tokenizer=pre_tokenizers.ByteLevel(add_prefix_space=True, trim_offsets=trim_offsets),
        post_processor=processors.ByteLevel(trim_offsets=trim_offsets),
    )


def sequence_processing() -> Tokenizer:
    tok = derive("byte-level-bpe", pre_tokenizer=pre_tokenizers.ByteLevel(add_prefix_space=True))
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=True),
        template(
            "<|endoftext|> $A <|endoftext|>", "<|endoftext|> $A <|endoftext|> $B:1 <|endoftext|>:1",
            tok, ["<|endoftext|>"],
        ),
    ])
    return tok


def llama3() -> Tokenizer:
    tok = derive("llama3-bpe")
    tok.post_processor = template(
        "<|begin_of_text|> $A", "<|begin_of_text|> $A:0 <|begin_of_text|>:1 $B:1", tok, ["<|begin_of_text|>"]
    )
    return with_tokens(tok, special=[AddedToken("<|eot_id|>", special=True, normalized=False)])


def bert_uncased() -> Tokenizer:
    tok = derive("wordpiece-uncased")
    tok.post_processor = bert_processing(tok)
    return tok


def bert_uncased_added_tokens() -> Tokenizer:
    return with_tokens(
        bert_uncased(),
        normal=[
            AddedToken("hello", single_word=True),
            AddedToken("hell"),  # overlaps "hello"
            AddedToken("ell"),  # inside "hello"
            AddedToken("Straße", normalized=True),  # matched on the lowercased text
            AddedToken("CAPS", normalized=False),  # matched on the original text only
            AddedToken("fox jumps"),  # contains a space
            AddedToken("🎵"),
            AddedToken("tion", lstrip=True, rstrip=True),
        ],
        special=[
            AddedToken("<mask>", special=True, lstrip=True, rstrip=True),
            AddedToken("[NEW]", special=True, normalized=False),
            AddedToken("[Sep]", special=True, normalized=True),  # lowercased "[sep]" ≠ "[SEP]"
        ],
    )


def bert_cased() -> Tokenizer:
    tok = derive("wordpiece-cased")
    tok.post_processor = template(
        "[CLS] $A [SEP]", "[CLS] $A [SEP] $B:1 [SEP]:1", tok, ["[CLS]", "[SEP]"]
    )
    return tok


def t5_unigram() -> Tokenizer:
    tok = derive("unigram")
    tok.post_processor = template("$A </s>", "$A </s> $B:1 </s>:1", tok, ["</s>"])
    return with_tokens(tok, special=[f"<extra_id_{i}>" for i in range(3)])


def unigram_byte_fallback() -> Tokenizer:
    tok = edit_json(derive("unigram"), insert_byte_tokens)
    tok.decoder = decoders.Sequence([decoders.ByteFallback(), decoders.Metaspace()])
    tok.post_processor = template("$A </s>", "$A </s> $B:1 </s>:1", tok, ["</s>"])
    return tok


def llama2() -> Tokenizer:
    tok = edit_json(derive("sentencepiece-bpe"), insert_byte_tokens)
    tok.decoder = decoders.Sequence([
        decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0),
    ])
    tok.post_processor = template("<s> $A", "<s> $A <s>:1 $B:1", tok, ["<s>"])
    return tok


def llama2_metaspace_first() -> Tokenizer:
    """The newer Llama-2 conversion: Metaspace(prepend_scheme="first", split=False), no normalizer."""
    tok = llama2()
    tok.normalizer = None
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    return with_tokens(
        tok,
        normal=[AddedToken("<think>", normalized=False), AddedToken("</think>", normalized=False)],
        special=[AddedToken("[INST]", special=True, normalized=False), AddedToken("[/INST]", special=True)],
    )


def bpe_without_byte_fallback(fuse_unk: bool) -> Tokenizer:
    tok = derive("char-bpe")
    tok = edit_json(tok, lambda d: d["model"].update(fuse_unk=fuse_unk))
    tok.post_processor = template("[CLS] $A [SEP]", "[CLS] $A [SEP] $B:1 [SEP]:1", tok, ["[CLS]", "[SEP]"])
    return tok


def bpe_continuing_subword_prefix() -> Tokenizer:
    tok = derive("prefix-bpe")
    tok.post_processor = bert_processing(tok)
    return tok


def bpe_end_of_word_suffix() -> Tokenizer:
    return derive("suffix-bpe")


def wordlevel() -> Tokenizer:
    tok = derive("wordlevel")
    tok.post_processor = template("[CLS] $A [SEP]", "[CLS] $A [SEP] $B:1 [SEP]:1", tok, ["[CLS]", "[SEP]"])
    return tok


def ctc_chars(cleanup: bool) -> Tokenizer:
    return derive("ctc-chars", decoder=decoders.CTC(pad_token="<pad>", word_delimiter_token="|", cleanup=cleanup))


# -- single-component variants ----------------------------------------------------------------


def model_variant(base: str, **fields: Any) -> Callable[[], Tokenizer]:
    return lambda: edit_json(derive(base), lambda d: d["model"].update(fields))


def normalizer_variant(make: Callable[[], Any], base: str = "char-bpe") -> Callable[[], Tokenizer]:
    return lambda: derive(base, normalizer=make())


def pre_tokenizer_variant(make: Callable[[], Any], base: str = "char-bpe") -> Callable[[], Tokenizer]:
    return lambda: derive(base, pre_tokenizer=make())


def byte_level_variant(add_prefix_space: bool, trim_offsets: bool, use_regex: bool) -> Tokenizer:
    return derive(
        "byte-level-bpe",
        pre_tokenizer=pre_tokenizers.ByteLevel(
            add_prefix_space=add_prefix_space, trim_offsets=trim_offsets, use_regex=use_regex
        ),
        post_processor=processors.ByteLevel(trim_offsets=trim_offsets),
    )


def metaspace_variant(prepend_scheme: str, split: bool) -> Tokenizer:
    return derive(
        "unigram",
        pre_tokenizer=pre_tokenizers.Metaspace(replacement="▁", prepend_scheme=prepend_scheme, split=split),
        decoder=decoders.Metaspace(replacement="▁", prepend_scheme=prepend_scheme, split=split),
    )


def byte_level_normalizer() -> Tokenizer:
    """The ByteLevel normalizer (instead of the pre-tokenizer), splitting words on the mapped space 'Ġ'."""
    return derive(
        "byte-level-bpe",
        normalizer=normalizers.ByteLevel(),
        pre_tokenizer=pre_tokenizers.Split("Ġ", behavior="merged_with_next"),
        post_processor=None,
    )


@dataclass(frozen=True)
class Config:
    name: str
    build: Callable[[], Tokenizer]
    full: bool = False  # also checked on pairs, batches, pre-tokenized input, without special tokens

    def __str__(self) -> str:
        return self.name


BEHAVIORS = ["removed", "isolated", "merged_with_previous", "merged_with_next", "contiguous"]
SPLIT_REGEX = r"\s+|\p{P}"

CONFIGS: list[Config] = [
    # Full pipelines (models, processors, decoders, added tokens).
    Config("bpe-byte-level-gpt2", gpt2, full=True),
    Config("bpe-byte-level-added-tokens", gpt2_added_tokens, full=True),
    Config("bpe-byte-level-roberta", roberta, full=True),
    Config("bpe-byte-level-ignore-merges-llama3", llama3, full=True),
    Config("bpe-byte-fallback-llama2", llama2, full=True),
    Config("bpe-byte-fallback-metaspace-first", llama2_metaspace_first, full=True),
    Config("bpe-unk", functools.partial(bpe_without_byte_fallback, fuse_unk=False), full=True),
    Config("bpe-unk-fuse-unk", functools.partial(bpe_without_byte_fallback, fuse_unk=True), full=True),
    Config("bpe-continuing-subword-prefix", bpe_continuing_subword_prefix, full=True),
    Config("bpe-end-of-word-suffix", bpe_end_of_word_suffix, full=True),
    Config("wordpiece-bert-uncased", bert_uncased, full=True),
    Config("wordpiece-bert-uncased-added-tokens", bert_uncased_added_tokens, full=True),
    Config("wordpiece-bert-cased", bert_cased, full=True),
    Config("unigram-t5", t5_unigram, full=True),
    Config("unigram-byte-fallback", unigram_byte_fallback, full=True),
    Config("wordlevel", wordlevel, full=True),
    Config("wordlevel-ctc-cleanup", functools.partial(ctc_chars, cleanup=True), full=True),
    Config("wordlevel-ctc-no-cleanup", functools.partial(ctc_chars, cleanup=False), full=True),
    *[
        Config(f"processor-roberta-trim_offsets={t}-add_prefix_space={a}",
               functools.partial(roberta_processing, t, a), full=True)
        for t in (True, False) for a in (True, False)
    ],
    *[
        Config(f"processor-byte-level-trim_offsets={t}", functools.partial(byte_level_processing, t), full=True)
        for t in (True, False)
    ],
    Config("processor-sequence", sequence_processing, full=True),
    # Models: options not covered above.
    Config("wordpiece-max-input-chars-12", model_variant("wordpiece-uncased", max_input_chars_per_word=12)),
    # Normalizers.
    *[
        Config(f"normalizer-{n.__name__}", normalizer_variant(n))
        for n in (normalizers.NFC, normalizers.NFD, normalizers.NFKC, normalizers.NFKD, normalizers.Lowercase,
                  normalizers.Nmt, normalizers.StripAccents)
    ],
    *[
        Config(f"normalizer-Strip-left={left}-right={right}",
               normalizer_variant(functools.partial(normalizers.Strip, left=left, right=right)))
        for left, right in ((True, True), (True, False), (False, True))
    ],
    Config("normalizer-NFD-StripAccents",
           normalizer_variant(lambda: normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents()]))),
    Config("normalizer-Replace-string", normalizer_variant(lambda: normalizers.Replace("''", '"'))),
    Config("normalizer-Replace-regex-spaces",
           normalizer_variant(lambda: normalizers.Replace(Regex(r"\s+"), " "))),
    Config("normalizer-Replace-regex-delete",
           normalizer_variant(lambda: normalizers.Replace(Regex(r"(?i)the|[aeiou]\p{Mn}"), ""))),
    Config("normalizer-Replace-grow",
           normalizer_variant(lambda: normalizers.Replace("e", "ée"))),
    Config("normalizer-Prepend", normalizer_variant(lambda: normalizers.Prepend("▁"))),
    Config("normalizer-Sequence",
           normalizer_variant(lambda: normalizers.Sequence([
               normalizers.NFKD(), normalizers.StripAccents(), normalizers.Lowercase(),
               normalizers.Strip(), normalizers.Replace(Regex(r" {2,}"), " "),
           ]))),
    Config("normalizer-ByteLevel", byte_level_normalizer),
    *[
        Config(
            f"normalizer-Bert-clean_text={c}-chinese={h}-strip_accents={s}-lowercase={low}",
            normalizer_variant(
                functools.partial(normalizers.BertNormalizer, clean_text=c, handle_chinese_chars=h,
                                  strip_accents=s, lowercase=low),
                base="wordpiece-uncased",
            ),
        )
        for c in (True, False) for h in (True, False) for s in (None, True, False) for low in (True, False)
    ],
    # Pre-tokenizers.
    *[
        Config(f"pre-ByteLevel-add_prefix_space={a}-trim_offsets={t}-use_regex={r}",
               functools.partial(byte_level_variant, a, t, r))
        for a in (True, False) for t in (True, False) for r in (True, False)
    ],
    *[
        Config(f"pre-Metaspace-prepend_scheme={p}-split={s}", functools.partial(metaspace_variant, p, s))
        for p in ("always", "first", "never") for s in (True, False)
    ],
    *[
        Config(f"pre-{p.__name__}", pre_tokenizer_variant(p))
        for p in (pre_tokenizers.Whitespace, pre_tokenizers.WhitespaceSplit, pre_tokenizers.BertPreTokenizer,
                  pre_tokenizers.UnicodeScripts)
    ],
    Config("pre-CharDelimiterSplit", pre_tokenizer_variant(lambda: pre_tokenizers.CharDelimiterSplit(" "))),
    Config("pre-CharDelimiterSplit-comma", pre_tokenizer_variant(lambda: pre_tokenizers.CharDelimiterSplit(","))),
    Config("pre-FixedLength-5", pre_tokenizer_variant(lambda: pre_tokenizers.FixedLength(5))),
    *[
        Config(f"pre-Digits-individual_digits={d}",
               pre_tokenizer_variant(functools.partial(pre_tokenizers.Digits, individual_digits=d)))
        for d in (True, False)
    ],
    *[
        Config(f"pre-Punctuation-{b}", pre_tokenizer_variant(functools.partial(pre_tokenizers.Punctuation, b)))
        for b in BEHAVIORS
    ],
    *[
        Config(f"pre-Split-{kind}-{b}-invert={inv}",
               pre_tokenizer_variant(functools.partial(pre_tokenizers.Split, pattern, behavior=b, invert=inv)))
        for kind, pattern in (("string", " "), ("regex", Regex(SPLIT_REGEX)))
        for b in BEHAVIORS
        for inv in (False, True)
    ],
    Config("pre-Sequence", pre_tokenizer_variant(lambda: pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.Punctuation("contiguous"), pre_tokenizers.UnicodeScripts(),
    ]))),
]

CONFIG_BY_NAME = {c.name: c for c in CONFIGS}
assert len(CONFIG_BY_NAME) == len(CONFIGS), "config names must be unique"
FULL_CONFIGS = [c for c in CONFIGS if c.full]


@functools.cache
def reference_json(name: str) -> str:
    return CONFIG_BY_NAME[name].build().to_str()


@functools.cache
def load(name: str) -> tuple[Tokenizer, Any]:
    """(reference, ours) for a config, built once per session; tests must not change their settings."""
    text = reference_json(name)
    return Tokenizer.from_str(text), subtok.Tokenizer.from_str(text)


def fresh(name: str) -> tuple[Tokenizer, Any]:
    """A new (reference, ours) pair for tests that change truncation / padding / added tokens."""
    text = reference_json(name)
    return Tokenizer.from_str(text), subtok.Tokenizer.from_str(text)


@pytest.fixture(scope="module", params=CONFIGS, ids=str)
def config(request: pytest.FixtureRequest) -> Config:
    load(request.param.name)
    return request.param


@pytest.fixture(scope="module", params=FULL_CONFIGS, ids=str)
def full_config(request: pytest.FixtureRequest) -> Config:
    load(request.param.name)
    return request.param


# ---------------------------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------------------------


def test_encode(config: Config) -> None:
    hf, ours = load(config.name)
    if config.full:
        runs = [(True, corpus.ALL), (False, SHORT_TEXTS[::3])]
    else:
        runs = [(True, VARIANT_TEXTS), (False, SAMPLE)]
    for add_special_tokens, texts in runs:
        for text in texts:
            assert_same_encoding(
                ours.encode(text, add_special_tokens=add_special_tokens),
                hf.encode(text, add_special_tokens=add_special_tokens),
                where(config.name, text, add_special_tokens=add_special_tokens),
            )


def test_encode_pair(full_config: Config) -> None:
    hf, ours = load(full_config.name)
    for add_special_tokens, pairs in ((True, PAIRS), (False, PAIRS[::3])):
        for first, second in pairs:
            assert_same_encoding(
                ours.encode(first, second, add_special_tokens=add_special_tokens),
                hf.encode(first, second, add_special_tokens=add_special_tokens),
                where(full_config.name, (first, second), add_special_tokens=add_special_tokens),
            )


def test_encode_batch(full_config: Config) -> None:
    hf, ours = load(full_config.name)
    singles = SAMPLE
    pairs = PAIRS[::4]
    assert_same_encodings(ours.encode_batch(singles), hf.encode_batch(singles), where(full_config.name, "SAMPLE"))
    assert_same_encodings(ours.encode_batch(pairs), hf.encode_batch(pairs), where(full_config.name, "PAIRS[::4]"))
    assert_same_encodings(
        ours.encode_batch(singles, add_special_tokens=False),
        hf.encode_batch(singles, add_special_tokens=False),
        where(full_config.name, "SAMPLE", add_special_tokens=False),
    )


def test_encode_pretokenized(full_config: Config) -> None:
    # tokenizers 0.23 panics on is_pretokenized=True input unless numpy is importable.
    pytest.importorskip("numpy", reason="the reference needs numpy for is_pretokenized=True")
    hf, ours = load(full_config.name)
    for words in PRETOKENIZED:
        assert_same_encoding(
            ours.encode(words, is_pretokenized=True),
            hf.encode(words, is_pretokenized=True),
            where(full_config.name, words, is_pretokenized=True),
        )
    for first, second in zip(PRETOKENIZED, PRETOKENIZED[1:]):
        assert_same_encoding(
            ours.encode(first, second, is_pretokenized=True),
            hf.encode(first, second, is_pretokenized=True),
            where(full_config.name, (first, second), is_pretokenized=True),
        )
    batch = PRETOKENIZED[:4]
    assert_same_encodings(
        ours.encode_batch(batch, is_pretokenized=True),
        hf.encode_batch(batch, is_pretokenized=True),
        where(full_config.name, batch, is_pretokenized=True),
    )


# ---------------------------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------------------------


def random_id_sequences(hf: Tokenizer, count: int = 20, seed: int = 0) -> list[list[int]]:
    """Arbitrary id sequences (invalid UTF-8 byte runs, stray specials, repeats) over the whole vocabulary."""
    rng = random.Random(seed)
    size = hf.get_vocab_size(with_added_tokens=True)
    return [[rng.randrange(size) for _ in range(rng.randrange(1, 30))] for _ in range(count)]


def test_decode(config: Config) -> None:
    hf, ours = load(config.name)
    texts = corpus.ALL if config.full else VARIANT_TEXTS
    id_lists = [hf.encode(text).ids for text in texts] + random_id_sequences(hf) + [[]]
    for skip_special_tokens in (True, False):
        for ids in id_lists:
            assert_same_text(
                ours.decode(ids, skip_special_tokens=skip_special_tokens),
                hf.decode(ids, skip_special_tokens=skip_special_tokens),
                where(config.name, ids, skip_special_tokens=skip_special_tokens),
            )
    for skip_special_tokens in (True, False):
        assert_same_texts(
            ours.decode_batch(id_lists[::7], skip_special_tokens=skip_special_tokens),
            hf.decode_batch(id_lists[::7], skip_special_tokens=skip_special_tokens),
            where(config.name, "decode_batch", skip_special_tokens=skip_special_tokens),
        )


# ---------------------------------------------------------------------------------------------
# Vocabulary, serialization, pickling
# ---------------------------------------------------------------------------------------------


def test_vocabulary(config: Config) -> None:
    hf, ours = load(config.name)
    for with_added_tokens in (True, False):
        assert ours.get_vocab(with_added_tokens=with_added_tokens) == hf.get_vocab(
            with_added_tokens=with_added_tokens
        ), where(config.name, "get_vocab", with_added_tokens=with_added_tokens)
        assert ours.get_vocab_size(with_added_tokens=with_added_tokens) == hf.get_vocab_size(
            with_added_tokens=with_added_tokens
        ), where(config.name, "get_vocab_size", with_added_tokens=with_added_tokens)
    size = hf.get_vocab_size()
    for i in range(size + 3):
        assert ours.id_to_token(i) == hf.id_to_token(i), where(config.name, f"id_to_token({i})")
    for token in list(hf.get_vocab()) + ["definitely-not-a-token", "", " "]:
        assert ours.token_to_id(token) == hf.token_to_id(token), where(config.name, f"token_to_id({token!r})")


def test_serialization_round_trip(config: Config) -> None:
    """subtok's own to_str() loads back into subtok, and into the reference, with the same behaviour."""
    hf, ours = load(config.name)
    saved = ours.to_str()
    json.loads(saved)
    ours_again = subtok.Tokenizer.from_str(saved)
    hf_again = Tokenizer.from_str(saved)
    for text in SAMPLE:
        expected = hf.encode(text)
        assert_same_encoding(ours_again.encode(text), expected, where(config.name, text, loaded="subtok to_str"))
        assert_same_encoding(hf_again.encode(text), expected, where(config.name, text, loaded="HF from our to_str"))
        assert_same_text(ours_again.decode(expected.ids), hf.decode(expected.ids),
                         where(config.name, text, loaded="subtok to_str", decode=True))
        assert_same_text(hf_again.decode(expected.ids), hf.decode(expected.ids),
                         where(config.name, text, loaded="HF from our to_str", decode=True))
    assert hf_again.get_vocab() == hf.get_vocab(), where(config.name, "get_vocab", loaded="HF from our to_str")


def test_from_file(config: Config, tmp_path: Any) -> None:
    hf, _ = load(config.name)
    path = tmp_path / "tokenizer.json"
    path.write_text(reference_json(config.name), encoding="utf-8")
    ours = subtok.Tokenizer.from_file(str(path))
    for text in SAMPLE[:5]:
        assert_same_encoding(ours.encode(text), hf.encode(text), where(config.name, text, loaded="from_file"))


def test_pickle(config: Config) -> None:
    hf, ours = load(config.name)
    restored = pickle.loads(pickle.dumps(ours))
    for text in SAMPLE[:5]:
        expected = hf.encode(text)
        assert_same_encoding(restored.encode(text), expected, where(config.name, text, pickled=True))
        assert_same_text(restored.decode(expected.ids), hf.decode(expected.ids), where(config.name, text, pickled=True))


def test_add_tokens_at_runtime(full_config: Config) -> None:
    hf, ours = fresh(full_config.name)
    normal = ["hello", "brown fox", "the", "ﬁ", "[NEWTOKEN]"]
    special = ["<|custom|>", "[CLS]", "<s>"]
    assert ours.add_tokens(normal) == hf.add_tokens(normal), where(full_config.name, normal, call="add_tokens")
    assert ours.add_special_tokens(special) == hf.add_special_tokens(special), where(
        full_config.name, special, call="add_special_tokens"
    )
    assert ours.get_vocab() == hf.get_vocab(), where(full_config.name, "get_vocab after add_tokens")
    texts = SAMPLE + ["hello brown fox <|custom|> [NEWTOKEN]the ﬁnance", "<|custom|><|custom|>hello"]
    for text in texts:
        expected = hf.encode(text)
        assert_same_encoding(ours.encode(text), expected, where(full_config.name, text, after="add_tokens"))
        for skip in (True, False):
            assert_same_text(ours.decode(expected.ids, skip_special_tokens=skip),
                             hf.decode(expected.ids, skip_special_tokens=skip),
                             where(full_config.name, text, after="add_tokens", skip_special_tokens=skip))
    saved = ours.to_str()
    assert_same_encoding(Tokenizer.from_str(saved).encode(texts[-2]), hf.encode(texts[-2]),
                         where(full_config.name, texts[-2], loaded="HF from our to_str after add_tokens"))


# ---------------------------------------------------------------------------------------------
# Random input
# ---------------------------------------------------------------------------------------------

HYPOTHESIS_CONFIGS = [
    "bpe-byte-level-gpt2",
    "bpe-byte-level-added-tokens",
    "bpe-byte-fallback-llama2",
    "wordpiece-bert-uncased",
    "unigram-t5",
    "normalizer-Sequence",
]


@pytest.mark.parametrize("name", HYPOTHESIS_CONFIGS)
@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_random_text(name: str, text: str) -> None:
    hf, ours = load(name)
    assert_same_encoding(ours.encode(text), hf.encode(text), where(name, text), fields=("ids", "offsets"))


@pytest.mark.parametrize("name", HYPOTHESIS_CONFIGS + ["wordlevel-ctc-cleanup", "unigram-byte-fallback"])
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_random_ids_decode(name: str, data: st.DataObject) -> None:
    hf, ours = load(name)
    size = hf.get_vocab_size()
    ids = data.draw(st.lists(st.integers(0, size - 1), max_size=40))
    for skip in (True, False):
        assert_same_text(ours.decode(ids, skip_special_tokens=skip), hf.decode(ids, skip_special_tokens=skip),
                         where(name, ids, skip_special_tokens=skip))


# ---------------------------------------------------------------------------------------------
# Truncation and padding
# ---------------------------------------------------------------------------------------------

#: Configs with different post-processors (number of added special tokens) and their pad token.
PADDED_CONFIGS = {
    "wordpiece-bert-uncased": "[PAD]",  # BertProcessing: 2 / 3 special tokens (single / pair)
    "bpe-byte-level-roberta": "<pad>",  # RobertaProcessing: 2 / 4, and offset trimming
    "bpe-byte-level-ignore-merges-llama3": "<|end_of_text|>",  # TemplateProcessing: 1 / 2
    "bpe-end-of-word-suffix": "<unk>",  # no post-processor
}
#: Around the number of special tokens (where the reference skips or refuses truncation) and beyond.
MAX_LENGTHS = (1, 2, 3, 4, 6, 12)


@pytest.mark.parametrize("name", PADDED_CONFIGS)
@pytest.mark.parametrize("strategy", ["longest_first", "only_first", "only_second"])
@pytest.mark.parametrize("direction", ["right", "left"])
@pytest.mark.parametrize("stride", [0, 2])
def test_truncation(name: str, strategy: str, direction: str, stride: int) -> None:
    """Every outcome matches, errors included: where the reference raises (a stride too large for the
    room left by the special tokens, a sequence too short to cut, only_second without a pair), ours
    raises too (ValueError from enable_truncation, EncodeError from encode)."""
    hf, ours = fresh(name)
    for max_length in MAX_LENGTHS:
        hf.no_truncation()
        ours.no_truncation()
        options = dict(max_length=max_length, stride=stride, strategy=strategy, direction=direction)
        try:
            hf.enable_truncation(**options)
        except ValueError as exc:
            refusal = str(exc)
        else:
            refusal = None
        if refusal is not None:
            try:
                ours.enable_truncation(**options)
            except ValueError:
                continue
            pytest.fail(f"{where(name, 'enable_truncation', **options)}: the reference raises "
                        f"ValueError({refusal[:120]!r}); ours does not")
        ours.enable_truncation(**options)
        for add_special_tokens in (True, False) if stride == 0 else (True,):
            inputs = [(text,) for text in TRUNCATION_TEXTS] + TRUNCATION_PAIRS
            for args in inputs:
                assert_same_outcome(
                    functools.partial(ours.encode, *args, add_special_tokens=add_special_tokens),
                    functools.partial(hf.encode, *args, add_special_tokens=add_special_tokens),
                    where(name, args, add_special_tokens=add_special_tokens, **options),
                    compare=assert_same_encoding,
                    error=EncodeError,
                )
    hf.no_truncation()
    ours.no_truncation()
    assert_same_encoding(ours.encode(corpus.ENGLISH[1]), hf.encode(corpus.ENGLISH[1]),
                         where(name, corpus.ENGLISH[1], after="no_truncation"))


PADDINGS = [
    {},
    {"direction": "left"},
    {"length": 48},
    {"length": 4},  # shorter than most inputs: no padding, no truncation
    {"pad_to_multiple_of": 8},
    {"direction": "left", "length": 40, "pad_to_multiple_of": 16, "pad_type_id": 1},
]


@pytest.mark.parametrize("name", PADDED_CONFIGS)
@pytest.mark.parametrize("padding", PADDINGS, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()) or "longest")
@pytest.mark.parametrize("truncation", [None, {"max_length": 16, "stride": 3, "direction": "left"}],
                         ids=["no-truncation", "truncation-16-stride-3-left"])
def test_padding(name: str, padding: dict, truncation: dict | None) -> None:
    hf, ours = fresh(name)
    pad_token = PADDED_CONFIGS[name]
    options = dict(padding, pad_token=pad_token, pad_id=hf.token_to_id(pad_token))
    hf.enable_padding(**options)
    ours.enable_padding(**options)
    if truncation:
        hf.enable_truncation(**truncation)
        ours.enable_truncation(**truncation)
    label = where(name, "batch", **options, truncation=truncation)
    assert_same_encodings(ours.encode_batch(TRUNCATION_TEXTS), hf.encode_batch(TRUNCATION_TEXTS), label)
    assert_same_encodings(ours.encode_batch(TRUNCATION_PAIRS), hf.encode_batch(TRUNCATION_PAIRS), label)
    for text in TRUNCATION_TEXTS[:4]:
        assert_same_encoding(ours.encode(text), hf.encode(text), where(name, text, **options, truncation=truncation))
    hf.no_padding()
    ours.no_padding()
    assert_same_encodings(ours.encode_batch(TRUNCATION_TEXTS), hf.encode_batch(TRUNCATION_TEXTS),
                          where(name, "batch", after="no_padding"))


@pytest.mark.parametrize("name", PADDED_CONFIGS)
def test_truncation_and_padding_in_json(name: str) -> None:
    """Settings stored in tokenizer.json apply on load, survive to_str and pickling, and can be switched off."""
    hf, _ = fresh(name)
    pad_token = PADDED_CONFIGS[name]
    hf.enable_truncation(20, stride=4, strategy="longest_first", direction="left")
    hf.enable_padding(direction="left", pad_id=hf.token_to_id(pad_token), pad_token=pad_token,
                      pad_type_id=2, pad_to_multiple_of=8)
    ours = subtok.Tokenizer.from_str(hf.to_str())
    for label, tok in (("from_str", ours), ("pickled", pickle.loads(pickle.dumps(ours))),
                       ("subtok to_str", subtok.Tokenizer.from_str(ours.to_str()))):
        assert_same_encodings(tok.encode_batch(TRUNCATION_TEXTS), hf.encode_batch(TRUNCATION_TEXTS),
                              where(name, "batch", settings="tokenizer.json", loaded=label))
        assert_same_encodings(tok.encode_batch(TRUNCATION_PAIRS), hf.encode_batch(TRUNCATION_PAIRS),
                              where(name, "pairs", settings="tokenizer.json", loaded=label))
    hf_again = Tokenizer.from_str(ours.to_str())
    assert hf_again.truncation == hf.truncation, where(name, "truncation", loaded="HF from our to_str")
    assert hf_again.padding == hf.padding, where(name, "padding", loaded="HF from our to_str")
    hf.no_truncation()
    hf.no_padding()
    ours.no_truncation()
    ours.no_padding()
    assert_same_encodings(ours.encode_batch(TRUNCATION_TEXTS), hf.encode_batch(TRUNCATION_TEXTS),
                          where(name, "batch", after="no_truncation, no_padding"))
    hf_again = Tokenizer.from_str(ours.to_str())
    assert hf_again.truncation is None and hf_again.padding is None, where(name, "to_str after no_*")


def test_vocab_size_with_added_tokens() -> None:
    """get_vocab_size(with_added_tokens=True) is, as in tokenizers, the model's size and the added
    tokens the model does not have: a Unigram piece listed twice counts twice (get_vocab has it
    once), an added token that is a model token does not count again."""
    from subtok.models import Unigram

    pieces = [("a", -1.0), ("b", -2.0), ("a", -3.0), ("<unk>", 0.0)]
    theirs = tokenizers.Tokenizer(tokenizers.models.Unigram(pieces, unk_id=3))
    ours = subtok.Tokenizer(Unigram(pieces, unk_id=3))
    for tok in (theirs, ours):
        tok.add_tokens(["a", "zz"])
        tok.add_special_tokens(["<s>"])
    for with_added in (True, False):
        assert ours.get_vocab_size(with_added) == theirs.get_vocab_size(with_added)
    assert ours.get_vocab_size(True) == 6 and len(ours.get_vocab(True)) == len(theirs.get_vocab(True)) == 5
