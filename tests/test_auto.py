"""The transformers-compatible front door (`subtok.auto`) gives what transformers' fast tokenizers give.

The reference is transformers itself (a test-only dependency, used without torch), loading the
same tokenizer folders: bert-base-uncased (the real all-MiniLM-L6-v2 folder, whose tokenizer.json
has padding and truncation baked in), Claude's byte-level BPE, a sentencepiece BPE with add_bos
(Mistral v1, as transformers converts it) and a sentencepiece Unigram (botchan, converted by
transformers). Hundreds of call combinations are generated systematically and compared key by key,
value by value, with the warnings each side emits.
"""

from __future__ import annotations

import collections
import itertools
import json
import logging
import pickle
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import subtok
from corpus import MULTILINGUAL
from helpers import assert_same_encoding
from subtok import assets
from subtok.added_tokens import AddedToken
from subtok.auto import AutoTokenizer, PreTrainedTokenizerFast
from subtok.batch_encoding import BatchEncoding, CharSpan, TokenSpan

transformers = pytest.importorskip("transformers")
np = pytest.importorskip("numpy")

NAMES = ("bert", "claude", "mistral", "unigram")
COUNTS: collections.Counter = collections.Counter()  # parity counts, printed by test_parity_counts


# -- the tokenizer folders --------------------------------------------------------------------------
def build_claude(folder: Path, **config: Any) -> Path:
    """Claude's tokenizer.json (byte-level BPE + NFKC, no post-processor) with a tokenizer_config.json."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(assets.fetch("claude/tokenizer.json"), folder / "tokenizer.json")
    settings = {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<SOS>", "eos_token": "<EOT>",
                "model_max_length": 48, **config}
    (folder / "tokenizer_config.json").write_text(json.dumps(settings), encoding="utf-8")
    return folder


_MISTRAL_JSON: dict[str, str] = {}


def _mistral_tokenizer_json(scratch: Path) -> str:
    """Mistral v1's sentencepiece model as transformers converts it (LlamaTokenizer), with Llama's <s> template."""
    if "json" not in _MISTRAL_JSON:
        scratch.mkdir(parents=True, exist_ok=True)
        shutil.copy(assets.fetch("mistral/tokenizer.model.v1"), scratch / "tokenizer.model")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            converted = transformers.LlamaTokenizer.from_pretrained(str(scratch))
        data = json.loads(converted.backend_tokenizer.to_str())
        bos = {"SpecialToken": {"id": "<s>", "type_id": 0}}
        data["post_processor"] = {
            "type": "TemplateProcessing", "single": [bos, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [bos, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "<s>", "type_id": 1}},
                     {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}}
        _MISTRAL_JSON["json"] = json.dumps(data, ensure_ascii=False)
    return _MISTRAL_JSON["json"]


def build_mistral(folder: Path, **config: Any) -> Path:
    """A Llama-2 / Mistral-style folder: sentencepiece BPE with byte fallback, add_bos, no pad token."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tokenizer.json").write_text(_mistral_tokenizer_json(folder.parent / "mistral-src"), encoding="utf-8")
    settings = {"tokenizer_class": "LlamaTokenizer", "add_bos_token": True, "add_eos_token": False, "legacy": False,
                "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "model_max_length": 40,
                "clean_up_tokenization_spaces": False, **config}
    (folder / "tokenizer_config.json").write_text(json.dumps(settings), encoding="utf-8")
    return folder


def build_unigram(folder: Path, **config: Any) -> Path:
    """botchan's sentencepiece Unigram as transformers converts it (T5-style: ... </s>), pad token not in vocab."""
    from transformers.convert_slow_tokenizer import convert_slow_tokenizer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        slow = transformers.T5Tokenizer(vocab_file=str(assets.fetch("sentencepiece/botchan_en_unigram_1000.model")),
                                        extra_ids=0, legacy=True)
        data = json.loads(convert_slow_tokenizer(slow).to_str())
    for part in (data["pre_tokenizer"], data["decoder"]):
        part["prepend_scheme"] = "always"  # as T5's own tokenizer.json
    data["post_processor"]["special_tokens"]["</s>"]["ids"] = [2]  # the id </s> has in this vocabulary
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tokenizer.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    settings = {"tokenizer_class": "PreTrainedTokenizerFast", "eos_token": "</s>", "unk_token": "<unk>",
                "pad_token": "<pad>", "model_max_length": 32, "clean_up_tokenization_spaces": True, **config}
    (folder / "tokenizer_config.json").write_text(json.dumps(settings), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("auto")
    return {"bert": assets.fetch_dir("all-MiniLM-L6-v2"), "claude": build_claude(root / "claude"),
            "mistral": build_mistral(root / "mistral"), "unigram": build_unigram(root / "unigram")}


def load_both(folder: Path, **kwargs: Any) -> tuple[PreTrainedTokenizerFast, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return AutoTokenizer.from_pretrained(folder, **kwargs), transformers.AutoTokenizer.from_pretrained(
            str(folder), **kwargs)


@pytest.fixture(scope="module", params=NAMES)
def pair(request, folders):
    ours, ref = load_both(folders[request.param])
    if ref.pad_token is None:  # what people do for Llama-style tokenizers
        ours.pad_token = ours.eos_token
        ref.pad_token = ref.eos_token
    return request.param, ours, ref


# -- comparing ------------------------------------------------------------------------------------
class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.messages.append(record.getMessage())


def run_capturing(fn: Callable[[], Any]) -> tuple[Any, BaseException | None, list[str]]:
    """fn's result (or the exception it raised) and the warnings it emitted (warnings module and logging)."""
    handler = _Records()
    loggers = [logging.getLogger("transformers"), logging.getLogger("subtok")]
    for lg in loggers:
        lg.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                return fn(), None, _messages(caught, handler)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # noqa: BLE001 - the Rust side panics with a BaseException
                return None, exc, _messages(caught, handler)
    finally:
        for lg in loggers:
            lg.removeHandler(handler)


def _messages(caught: list, handler: _Records) -> list[str]:
    return [str(w.message) for w in caught if not issubclass(w.category, DeprecationWarning)] + handler.messages


def assert_same_value(ours: Any, ref: Any, where: str) -> None:
    if isinstance(ref, np.ndarray):
        assert isinstance(ours, np.ndarray), f"{where}: ours is {type(ours).__name__}, reference is an ndarray"
        assert ours.dtype == ref.dtype and ours.shape == ref.shape, \
            f"{where}: ours {ours.dtype}{ours.shape}, reference {ref.dtype}{ref.shape}"
        assert (ours == ref).all(), f"{where}: values differ\n  ours: {ours.tolist()}\n  ref:  {ref.tolist()}"
        return
    assert ours == ref, f"{where}: values differ\n  ours: {ours}\n  ref:  {ref}"
    assert type(ours) is type(ref), f"{where}: ours is {type(ours).__name__}, reference {type(ref).__name__}"


def assert_same_batch(ours: Any, ref: Any, where: str) -> None:
    """Keys (in order), values, the encodings behind each row, and the token maps."""
    assert isinstance(ours, BatchEncoding), f"{where}: ours returned {type(ours).__name__}"
    assert list(ours.keys()) == list(ref.keys()), f"{where}: keys {list(ours.keys())} != {list(ref.keys())}"
    for key in ref.keys():
        assert_same_value(ours[key], ref[key], f"{where} [{key}]")
    assert ours.n_sequences == ref.n_sequences, f"{where}: n_sequences {ours.n_sequences} != {ref.n_sequences}"
    if ref.encodings is None:
        assert ours.encodings is None
        return
    assert len(ours.encodings) == len(ref.encodings), f"{where}: number of encodings"
    for i, (a, b) in enumerate(zip(ours.encodings, ref.encodings)):
        assert_same_encoding(a, b, f"{where} encoding {i}")
        assert ours.tokens(i) == ref.tokens(i) and ours.word_ids(i) == ref.word_ids(i)
        assert ours.sequence_ids(i) == ref.sequence_ids(i), f"{where}: sequence_ids({i})"
        for t in range(len(b.ids)):
            assert ours.token_to_chars(i, t) == ref.token_to_chars(i, t), f"{where}: token_to_chars({i}, {t})"
            assert ours.token_to_word(i, t) == ref.token_to_word(i, t), f"{where}: token_to_word({i}, {t})"
        for c in range(0, max((o[1] for o in b.offsets), default=0) + 1, 3):
            for seq in (0, 1) if ref.n_sequences == 2 else (0,):
                assert ours.char_to_token(i, c, seq) == ref.char_to_token(i, c, seq), \
                    f"{where}: char_to_token({i}, {c}, {seq})"


def compare_calls(ours_call: Callable[[], Any], ref_call: Callable[[], Any], where: str,
                  compare: Callable[[Any, Any, str], None] = assert_same_batch,
                  deviation: Callable[[Any], str | None] = lambda result: None) -> str:
    """Run both; both raise, or both return equal results with the same warnings. Returns the outcome.

    `deviation(reference result)` names a documented case where subtok raises on purpose instead.
    """
    expected, ref_exc, ref_warnings = run_capturing(ref_call)
    got, our_exc, our_warnings = run_capturing(ours_call)
    if ref_exc is not None:
        assert isinstance(our_exc, (ValueError, TypeError)), (
            f"{where}: the reference raises {type(ref_exc).__name__}: {str(ref_exc)[:200]}; ours "
            + (f"raises {type(our_exc).__name__}: {our_exc}" if our_exc else f"returns {str(got)[:200]}"))
        return "both raise"
    expected_error = deviation(expected)
    if expected_error is not None:
        assert isinstance(our_exc, ValueError) and expected_error in str(our_exc), \
            f"{where}: expected subtok to raise ValueError({expected_error!r}...), got {our_exc!r}"
        return "deviation: ragged np tensors (subtok raises; transformers makes object arrays)"
    assert our_exc is None, f"{where}: ours raises {type(our_exc).__name__}: {our_exc}; the reference returns"
    compare(got, expected, where)
    assert our_warnings == ref_warnings, f"{where}: warnings differ\n  ours: {our_warnings}\n  ref:  {ref_warnings}"
    return "equal"


# -- the call matrix --------------------------------------------------------------------------------
LONG_A = "The quick brown fox jumps over the lazy dog, then naps under the old oak tree until sunset."
LONG_B = "Dr. Smith's lecture on quantum computing starts at 9:30 a.m. in Room 204 — bring a laptop!"
SHORT_A, SHORT_B = "Hello world!", "Fine, thanks."
MIXED = "Straße naïve café — 東京 2024 😀 don't stop"
WORDS_A = ["Hello", "there,", "General", "Kenobi", "of", "the", "Jedi", "Order"]
WORDS_B = ["Straße", "naïve", "café", "東京"]
INPUTS: dict[str, dict[str, Any]] = {
    "text": {"text": LONG_A},
    "short-text": {"text": SHORT_A},
    "batch": {"text": [SHORT_A, LONG_A, MIXED]},
    "pair": {"text": LONG_A, "text_pair": LONG_B},
    "batch-pairs": {"text": [SHORT_A, LONG_B], "text_pair": [LONG_A, SHORT_B]},
    "words": {"text": WORDS_A, "is_split_into_words": True},
    "batch-words": {"text": [WORDS_A, WORDS_B], "is_split_into_words": True},
    "words-pairs": {"text": [WORDS_A], "text_pair": [WORDS_B], "is_split_into_words": True},
}
PADDING = (False, True, "longest", "max_length", "do_not_pad")
TRUNCATION = (None, False, True, "longest_first", "only_first", "only_second", "do_not_truncate")
MAX_LENGTH = (None, 2, 6, 17)  # 2: at or below the number of special tokens
RETURNS = (
    {},
    {"return_token_type_ids": True, "return_attention_mask": True, "return_overflowing_tokens": True,
     "return_special_tokens_mask": True, "return_offsets_mapping": True, "return_length": True},
    {"return_token_type_ids": False, "return_attention_mask": False, "return_special_tokens_mask": True},
    {"return_overflowing_tokens": True, "return_offsets_mapping": True, "return_token_type_ids": True},
)
SECONDARY = list(itertools.product((0, 2, 4), range(len(RETURNS)), (None, "left", "right"), (None, 8), (None, "np")))


def call_matrix() -> list[tuple[str, dict[str, Any]]]:
    """Every input kind x padding x truncation x max_length; the other options cycled through all their values."""
    cases = []
    primary = itertools.product(INPUTS, PADDING, TRUNCATION, MAX_LENGTH)
    for i, (kind, padding, truncation, max_length) in enumerate(primary):
        stride, returns, side, multiple, tensors = SECONDARY[(i * 37) % len(SECONDARY)]
        kwargs = dict(INPUTS[kind], padding=padding, truncation=truncation, max_length=max_length, stride=stride,
                      padding_side=side, pad_to_multiple_of=multiple, return_tensors=tensors, **RETURNS[returns])
        cases.append((f"{kind} padding={padding!r} truncation={truncation!r} max_length={max_length} "
                      f"stride={stride} returns={returns} side={side} multiple={multiple} tensors={tensors}", kwargs))
    return cases


def _below_special_tokens(ours: PreTrainedTokenizerFast, kwargs: dict[str, Any]) -> bool:
    """subtok raises when truncation could keep nothing of the text; transformers then does not truncate
    (WordPiece/BPE templates) or keeps only the special tokens (sentencepiece), without a word."""
    has_pair = kwargs.get("text_pair") is not None
    truncation, max_length = kwargs.get("truncation"), kwargs.get("max_length")
    truncating = truncation not in (None, False, "do_not_truncate") or (
        truncation is None and kwargs.get("padding") is False and max_length is not None)
    if not (truncating and max_length is not None and max_length < ours.num_special_tokens_to_add(has_pair)):
        return False
    with pytest.raises(ValueError, match="max_length=.* is smaller than the .* special tokens"):
        ours(**kwargs)
    return True


def ragged_arrays(result: Any) -> str | None:
    """transformers returns numpy object arrays for rows of different lengths; subtok raises instead."""
    if any(isinstance(v, np.ndarray) and v.dtype == object for v in result.values()):
        return "padding=True"
    return None


def test_call_matrix(pair):
    name, ours, ref = pair
    outcomes = collections.Counter()
    for where, kwargs in call_matrix():
        if _below_special_tokens(ours, kwargs):
            outcomes["deviation: max_length below the special tokens (subtok raises; transformers returns untruncated ids)"] += 1
            continue
        outcomes[compare_calls(lambda: ours(**kwargs), lambda: ref(**kwargs), f"{name} {where}",
                               deviation=ragged_arrays)] += 1
    for outcome, n in outcomes.items():
        COUNTS[f"call matrix, {name}: {outcome}"] += n
    assert outcomes["equal"] > 500


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
_CALLS = st.fixed_dictionaries({
    "text": st.lists(_TEXT, min_size=1, max_size=3), "padding": st.sampled_from(PADDING),
    "truncation": st.sampled_from(TRUNCATION), "max_length": st.one_of(st.none(), st.integers(1, 24)),
    "stride": st.integers(0, 3), "return_overflowing_tokens": st.booleans(),
    "return_offsets_mapping": st.booleans(), "return_special_tokens_mask": st.booleans(),
    "padding_side": st.sampled_from((None, "left")), "add_special_tokens": st.booleans()})


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(call=_CALLS, with_pairs=st.booleans(), data=st.data())
def test_random_calls(pair, call, with_pairs, data):
    """Arbitrary Unicode batches (and pairs) under random options: the same outputs and warnings, or both raise."""
    name, ours, ref = pair
    kwargs = dict(call)
    if with_pairs:
        kwargs["text_pair"] = data.draw(st.lists(_TEXT, min_size=len(call["text"]), max_size=len(call["text"])))
    if kwargs["add_special_tokens"] and _below_special_tokens(ours, kwargs):
        return
    outcome = compare_calls(lambda: ours(**kwargs), lambda: ref(**kwargs), f"{name} {kwargs}")
    COUNTS[f"random calls, {name}: {outcome}"] += 1


TUTORIAL = ["What is the capital of France?", "Paris is the capital."]


def test_tutorial_call_verbatim(pair):
    """The call most tutorials show works as written, with transformers' output."""
    name, ours, ref = pair
    compare_calls(lambda: ours(TUTORIAL, padding="max_length", max_length=15, truncation=True),
                  lambda: ref(TUTORIAL, padding="max_length", max_length=15, truncation=True), f"{name} tutorial")
    compare_calls(lambda: ours(TUTORIAL, padding=True, truncation=True, max_length=512, return_tensors="np"),
                  lambda: ref(TUTORIAL, padding=True, truncation=True, max_length=512, return_tensors="np"),
                  f"{name} tutorial np")


def test_bert_by_name(folders):
    """"bert-base-uncased" resolves through subtok.names to the real files; same outputs as the folder in transformers."""
    ours = AutoTokenizer.from_pretrained("bert-base-uncased")
    ref = transformers.AutoTokenizer.from_pretrained(str(folders["bert"]))
    assert ours.name_or_path == "bert-base-uncased"
    assert ours.backend_tokenizer.padding is None  # bert-base-uncased itself has no padding baked in
    assert ours("Hello world!")["input_ids"] == [101, 7592, 2088, 999, 102]
    for text in MULTILINGUAL[:20]:
        compare_calls(lambda: ours(text, return_offsets_mapping=True), lambda: ref(text, return_offsets_mapping=True),
                      f"by name {text[:30]!r}")


def test_attributes(pair):
    name, ours, ref = pair
    for attr in ("model_max_length", "padding_side", "truncation_side", "special_tokens_map", "all_special_tokens",
                 "all_special_ids", "vocab_size", "model_input_names", "clean_up_tokenization_spaces",
                 "pad_token_type_id", "max_len_single_sentence", "max_len_sentences_pair", "extra_special_tokens",
                 "is_fast", "name_or_path"):
        assert getattr(ours, attr) == getattr(ref, attr), f"{name}: {attr}"
    for token in ("bos", "eos", "unk", "sep", "pad", "cls", "mask"):
        for attr in (f"{token}_token", f"{token}_token_id"):
            assert getattr(ours, attr) == getattr(ref, attr), f"{name}: {attr}"
    assert len(ours) == len(ref)
    assert ours.get_vocab() == ref.get_vocab()
    assert ours.get_added_vocab() == ref.get_added_vocab()
    assert ours.num_special_tokens_to_add(True) == ref.num_special_tokens_to_add(True)
    assert {i: t.content for i, t in ours.added_tokens_decoder.items()} == \
        {i: t.content for i, t in ref.added_tokens_decoder.items()}


def test_tokenize_encode_and_conversions(pair):
    name, ours, ref = pair
    for text in MULTILINGUAL[:12] + [MIXED, "a </s> b <s> [SEP] <EOT> <pad>"]:
        assert ours.tokenize(text) == ref.tokenize(text), (name, text)
        assert ours.tokenize(text, "and a pair", add_special_tokens=True) == \
            ref.tokenize(text, "and a pair", add_special_tokens=True), (name, text)
        assert ours.encode(text) == ref.encode(text), (name, text)
        assert ours.encode(text, SHORT_B, max_length=9, truncation="longest_first") == \
            ref.encode(text, SHORT_B, max_length=9, truncation="longest_first"), (name, text)
        tokens = ref.tokenize(text)
        assert ours.convert_tokens_to_ids(tokens) == ref.convert_tokens_to_ids(tokens)
        assert ours.convert_tokens_to_string(tokens) == ref.convert_tokens_to_string(tokens), (name, text)
        ids = ref.encode(text)
        assert ours.convert_ids_to_tokens(ids) == ref.convert_ids_to_tokens(ids)
        assert ours.convert_ids_to_tokens(ids, skip_special_tokens=True) == \
            ref.convert_ids_to_tokens(ids, skip_special_tokens=True)
        assert ours.convert_ids_to_tokens(ids[0]) == ref.convert_ids_to_tokens(ids[0])
    assert ours.convert_tokens_to_ids("no-such-token-here") == ref.convert_tokens_to_ids("no-such-token-here")
    assert ours.get_special_tokens_mask(ids, already_has_special_tokens=True) == \
        ref.get_special_tokens_mask(ids, already_has_special_tokens=True)


def test_decode(pair):
    """decode and batch_decode, skipping special tokens or not, with and without cleanup, lists and arrays."""
    name, ours, ref = pair
    batches = [ref(MULTILINGUAL[i:i + 4], ["x y", "don't , stop .", "It 's ok !", "a"])["input_ids"]
               for i in range(0, 40, 4)]
    batches.append([[5, 6, 7, 100000], [ref.unk_token_id or 0]])  # an id outside the vocabulary is skipped
    n = 0
    for ids in batches:
        for skip, cleanup in itertools.product((False, True), (None, False, True)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                expected = ref.batch_decode(ids, skip_special_tokens=skip, clean_up_tokenization_spaces=cleanup)
                got = ours.batch_decode(ids, skip_special_tokens=skip, clean_up_tokenization_spaces=cleanup)
                assert got == expected, (name, skip, cleanup)
                assert ours.decode(ids[0], skip_special_tokens=skip, clean_up_tokenization_spaces=cleanup) == \
                    ref.decode(ids[0], skip_special_tokens=skip, clean_up_tokenization_spaces=cleanup)
                assert ours.decode(np.array(ids[0]), skip_special_tokens=skip) == \
                    ref.decode(np.array(ids[0]), skip_special_tokens=skip)
                n += len(ids) + 2
    assert ours.decode(ids[0][0]) == ref.decode(ids[0][0])
    assert ours.decode({"input_ids": ids[0]}) == ref.decode({"input_ids": ids[0]})
    padded = ref(["a", "b c d"], padding=True, return_tensors="np")["input_ids"]
    assert ours.decode(padded, skip_special_tokens=True) == ref.decode(padded, skip_special_tokens=True)
    COUNTS[f"decode, {name}: equal"] += n


def test_bpe_cleanup_warning(folders):
    """transformers ignores clean_up_tokenization_spaces for BPE models, with a warning (once); so do we."""
    ids = [1, 2, 3, 5, 6]
    transformers.utils.logging.warning_once.cache_clear()  # both warn once per process: start both afresh
    subtok.auto.WARNED_MESSAGES.clear()
    for name in ("claude", "mistral"):
        ours, ref = load_both(folders[name])
        for _ in range(2):  # the second call is silent on both sides
            compare_calls(lambda: ours.decode(ids, clean_up_tokenization_spaces=True),
                          lambda: ref.decode(ids, clean_up_tokenization_spaces=True), f"{name} BPE cleanup",
                          compare=assert_same_value)
    forced, ref = load_both(folders["claude"], clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output=True)
    text_ids = ref.encode("Hello , world . It 's")
    compare_calls(lambda: forced.decode(text_ids, clean_up_tokenization_spaces=True),
                  lambda: ref.decode(text_ids, clean_up_tokenization_spaces=True), "forced BPE cleanup",
                  compare=assert_same_value)
    assert forced.decode(text_ids, clean_up_tokenization_spaces=True) == "Hello, world. It's"


def test_special_token_editing(folders):
    """Setting pad_token, adding special and plain tokens: same vocabulary and outputs as transformers."""
    ours, ref = load_both(folders["mistral"])
    with pytest.raises(ValueError, match=r"tokenizer.pad_token = tokenizer.eos_token"):
        ours(TUTORIAL, padding=True)
    ours.pad_token, ref.pad_token = ours.eos_token, ref.eos_token
    assert ours.pad_token_id == ref.pad_token_id == 2
    ours.pad_token_id, ref.pad_token_id = 0, 0
    assert ours.pad_token == ref.pad_token == "<unk>"
    assert ours.add_special_tokens({"pad_token": "[PAD]", "extra_special_tokens": ["<tool>", "<ctx>"]}) == \
        ref.add_special_tokens({"pad_token": "[PAD]", "extra_special_tokens": ["<tool>", "<ctx>"]}) == 3
    assert ours.add_tokens(["brandnew", AddedToken("wörd", single_word=True)]) == \
        ref.add_tokens(["brandnew", transformers.AddedToken("wörd", single_word=True)]) == 2
    assert ours.add_tokens("<ctx>", special_tokens=True) == ref.add_tokens("<ctx>", special_tokens=True) == 0
    assert len(ours) == len(ref) and ours.get_vocab() == ref.get_vocab()
    assert ours.all_special_tokens == ref.all_special_tokens and ours.all_special_ids == ref.all_special_ids
    assert ours.extra_special_tokens_ids == ref.extra_special_tokens_ids
    texts = ["a brandnew<tool>wörd and awörd [PAD]", "<ctx> x <ctx>y"]
    compare_calls(lambda: ours(texts, padding=True, return_special_tokens_mask=True),
                  lambda: ref(texts, padding=True, return_special_tokens_mask=True), "after adding tokens")
    ids = ref(texts)["input_ids"]
    assert ours.batch_decode(ids, skip_special_tokens=True) == ref.batch_decode(ids, skip_special_tokens=True)
    compare_calls(lambda: ours(texts, split_special_tokens=True), lambda: ref(texts, split_special_tokens=True),
                  "split_special_tokens")


def test_add_eos_token_override(folders):
    """add_bos_token / add_eos_token passed to from_pretrained rebuild the post-processor, as in transformers."""
    ours, ref = load_both(folders["mistral"], add_eos_token=True)
    for args in (("Hello world",), ("Hello", "world")):
        compare_calls(lambda: ours(*args), lambda: ref(*args), f"add_eos_token {args}")
    ours.add_bos_token, ref.add_bos_token = False, False
    compare_calls(lambda: ours("Hello", "world"), lambda: ref("Hello", "world"), "add_bos_token=False")


def test_truncation_side_and_pickle(pair):
    """truncation_side='left' keeps the end of the text; a pickled tokenizer gives the same outputs."""
    name, ours, ref = pair
    ours.truncation_side = ref.truncation_side = "left"
    try:
        for kwargs in (dict(text=[LONG_A, SHORT_A], truncation=True, max_length=9, return_overflowing_tokens=True,
                            stride=2),
                       dict(text=LONG_A, text_pair=LONG_B, truncation="only_second", max_length=14, padding=True)):
            compare_calls(lambda: ours(**kwargs), lambda: ref(**kwargs), f"{name} truncation_side=left {kwargs}")
        again = pickle.loads(pickle.dumps(ours))
        assert again.truncation_side == "left"
        assert again(LONG_A, max_length=9)["input_ids"] == ours(LONG_A, max_length=9)["input_ids"]
    finally:
        ours.truncation_side = ref.truncation_side = "right"


def test_text_target(pair):
    name, ours, ref = pair
    kwargs = dict(text=[SHORT_A, LONG_A], text_target=[LONG_B, SHORT_B], truncation=True, max_length=12)
    compare_calls(lambda: ours(**kwargs), lambda: ref(**kwargs), f"{name} text_target")
    compare_calls(lambda: ours(text_target=SHORT_B), lambda: ref(text_target=SHORT_B), f"{name} only text_target")


PAD_INPUTS = {  # built with verbose=False: the inputs' own "too long" warnings are not what is compared
    "list of dicts": lambda tok: [dict(tok(t, verbose=False)) for t in (SHORT_A, LONG_A, MIXED)],
    "dict of lists": lambda tok: dict(tok([SHORT_A, LONG_B], return_special_tokens_mask=True, verbose=False)),
    "one example": lambda tok: dict(tok(SHORT_A)),
    "numpy rows": lambda tok: [{"input_ids": np.array(tok(t, verbose=False)["input_ids"])} for t in (SHORT_A, LONG_A)],
    "BatchEncodings": lambda tok: [tok(t, verbose=False) for t in (SHORT_B, MIXED)],
}


def test_pad(pair):
    """tokenizer.pad (a collate_fn's job) on lists of dicts, dicts of lists, arrays; every strategy."""
    name, ours, ref = pair
    options = itertools.product(PAD_INPUTS, (True, "longest", "max_length", False), (None, 40), (None, 8),
                                (None, "left"), (None, "np"), (None, False))
    n = 0
    for kind, padding, max_length, multiple, side, tensors, mask in options:
        kwargs = dict(padding=padding, max_length=max_length, pad_to_multiple_of=multiple, padding_side=side,
                      return_tensors=tensors, return_attention_mask=mask)
        where = f"{name} pad {kind} {kwargs}"
        our_input, ref_input = PAD_INPUTS[kind](ours), PAD_INPUTS[kind](ref)
        n += compare_calls(lambda: ours.pad(our_input, **kwargs), lambda: ref.pad(ref_input, **kwargs), where,
                           deviation=ragged_arrays) == "equal"
    COUNTS[f"pad, {name}: equal"] += n
    assert n > 100


def outcome(fn: Callable[[], Any]) -> Any:
    """fn's result, or "raises" (for comparing calls that may fail on both sides)."""
    try:
        return fn()
    except (ValueError, TypeError):
        return "raises"


def test_batch_encoding_api(folders):
    ours, ref = load_both(folders["bert"])
    texts, pairs = [LONG_A, SHORT_A], [SHORT_B, LONG_B]
    a, b = ours(texts, pairs, padding=True), ref(texts, pairs, padding=True)
    assert a.input_ids == b.input_ids and a["attention_mask"] == b["attention_mask"]
    assert a[1].ids == b[1].ids and [e.ids for e in a[0:2]] == [e.ids for e in b[0:2]]
    with pytest.raises(AttributeError, match="no key or attribute 'nothing'"):
        _ = a.nothing
    for row in (0, 1):
        for word in range(5):
            for seq in (0, 1):
                assert a.word_to_tokens(row, word, seq) == b.word_to_tokens(row, word, seq)
                assert outcome(lambda: a.word_to_chars(row, word, seq)) == \
                    outcome(lambda: b.word_to_chars(row, word, seq))
        for char in range(0, 40, 3):
            assert a.char_to_word(row, char) == b.char_to_word(row, char)
            assert a.char_to_token(row, char, 1) == b.char_to_token(row, char, 1)
    assert isinstance(a.word_to_tokens(0, 1), TokenSpan) and isinstance(a.token_to_chars(0, 1), CharSpan)
    single = ours(SHORT_A)
    assert single.token_to_chars(1) == ref(SHORT_A).token_to_chars(1) and single.token_to_chars(0) is None
    again = pickle.loads(pickle.dumps(a))
    assert again == a and again.encodings == a.encodings and again.tokens(1) == a.tokens(1)
    assert a.convert_to_tensors("np")["input_ids"].dtype == np.int64
    with pytest.raises(ValueError, match="return_tensors='tf' is not supported"):
        ours(texts, return_tensors="tf")


def test_torch_tensors(folders):
    torch = pytest.importorskip("torch", reason="torch is not installed; 'pt' tensors are tested where it is")
    ours, ref = load_both(folders["bert"])
    for kwargs in ({"padding": True}, {"padding": "max_length", "max_length": 20, "truncation": True}):
        a = ours(TUTORIAL, return_tensors="pt", **kwargs)
        b = ref(TUTORIAL, return_tensors="pt", **kwargs)
        assert list(a) == list(b)
        for key in b:
            assert torch.equal(a[key], b[key]) and a[key].dtype == b[key].dtype
        assert a.to("cpu")["input_ids"].device.type == "cpu"
    with pytest.raises(ValueError, match="padding=True"):
        ours(TUTORIAL, return_tensors="pt")


def test_no_torch_error(folders):
    import importlib.util

    if importlib.util.find_spec("torch") is not None:
        pytest.skip("torch is installed")
    ours = AutoTokenizer.from_pretrained(folders["bert"])
    with pytest.raises(ImportError, match="PyTorch is not installed"):
        ours(TUTORIAL, padding=True, return_tensors="pt")


# -- pitfalls made clear ----------------------------------------------------------------------------
def test_pitfall_errors(folders):
    ours = AutoTokenizer.from_pretrained(folders["bert"])
    with pytest.raises(ValueError, match=r"activate truncation and/or padding with 'padding=True'"):
        ours(TUTORIAL, return_tensors="np")
    with pytest.raises(ValueError, match=r"max_length=1 is smaller than the 2 special tokens"):
        ours(LONG_A, truncation=True, max_length=1)
    with pytest.raises(ValueError, match=r"max_length=2 is smaller than the 3 special tokens .* a pair"):
        ours(LONG_A, LONG_B, truncation=True, max_length=2)
    assert ours(LONG_A, truncation=True, max_length=1, add_special_tokens=False)["input_ids"] == [1996]
    with pytest.raises(ValueError, match=r"stride"):
        ours(LONG_A, truncation=True, max_length=6, stride=5, return_overflowing_tokens=True)
    with pytest.raises(ValueError, match=r"stride"):
        ours(LONG_A, truncation=True, max_length=6, stride=4, return_overflowing_tokens=True)
    with pytest.raises(ValueError, match=r"stride must be an integer >= 0, got -1"):
        ours(LONG_A, truncation=True, max_length=6, stride=-1)
    with pytest.raises(ValueError, match=r"padding='maximum' is not a valid padding strategy; use True, False or "
                                         r"one of 'longest', 'max_length', 'do_not_pad'"):
        ours(LONG_A, padding="maximum")
    with pytest.raises(ValueError, match=r"truncation='longest' is not a valid truncation strategy; .*'only_second'"):
        ours(LONG_A, truncation="longest")
    with pytest.raises(ValueError, match=r"padding_side='middle' is not a side; use 'left' or 'right'"):
        ours(TUTORIAL, padding=True, padding_side="middle")
    with pytest.raises(ValueError, match=r"max_length must be an integer >= 0"):
        ours(LONG_A, max_length=-3)
    with pytest.raises(ValueError, match=r"text input must be of type `str`"):
        ours(5)
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) 'paddding'"):
        ours(LONG_A, paddding=True)
    with pytest.raises(ValueError, match=r"empty batch"):
        ours([])


def test_too_long_warning_once(folders):
    """transformers' wording, once per tokenizer."""
    ours, ref = load_both(folders["bert"])
    long_text = "word " * 600
    compare_calls(lambda: ours(long_text), lambda: ref(long_text), "too long")
    _, _, messages = run_capturing(lambda: ours(long_text))
    assert messages == []
    first = AutoTokenizer.from_pretrained(folders["bert"])
    _, _, messages = run_capturing(lambda: first(long_text))
    assert messages == ["Token indices sequence length is longer than the specified maximum sequence length for this "
                        "model (602 > 512). Running this sequence through the model will result in indexing errors"]
    _, _, messages = run_capturing(lambda: first(long_text, truncation=True))
    assert messages == []


# -- loading and saving -----------------------------------------------------------------------------
SAVE_CHECKS = [dict(text=TUTORIAL, padding=True), dict(text=LONG_A, text_pair=SHORT_B, truncation=True, max_length=11,
                                                      return_overflowing_tokens=True, stride=1),
               dict(text=[MIXED, "a <s> b </s> [SEP]"], return_offsets_mapping=True)]


def test_save_pretrained_round_trip(pair, tmp_path):
    """Our saved folder loads in transformers (and in subtok) with the outputs of the original."""
    name, ours, ref = pair
    ours.chat_template = {"default": "{{ messages[0]['content'] }}", "tool_use": "T {{ tools | length }}"}
    written = ours.save_pretrained(tmp_path / "ours")
    assert {Path(p).name for p in written} == {"tokenizer_config.json", "tokenizer.json", "chat_template.jinja",
                                               "tool_use.jinja"}
    again_ref = transformers.AutoTokenizer.from_pretrained(str(tmp_path / "ours"))
    again_ours = AutoTokenizer.from_pretrained(tmp_path / "ours")
    for i, kwargs in enumerate(SAVE_CHECKS):
        compare_calls(lambda: again_ours(**kwargs), lambda: ref(**kwargs), f"{name} saved by subtok, subtok {i}")
        compare_calls(lambda: again_ref(**kwargs), lambda: ref(**kwargs), f"{name} saved by subtok, transformers {i}",
                      compare=lambda a, b, w: (list(a.keys()) == list(b.keys())
                                               and all(a[k] == b[k] for k in b)) or pytest.fail(w))
    for attr in ("model_max_length", "padding_side", "special_tokens_map", "all_special_tokens", "chat_template"):
        assert getattr(again_ref, attr) == getattr(ref, attr) if attr != "chat_template" else \
            again_ref.chat_template == ours.chat_template, (name, attr)
    ref.save_pretrained(str(tmp_path / "ref"))
    from_ref = AutoTokenizer.from_pretrained(tmp_path / "ref")
    for i, kwargs in enumerate(SAVE_CHECKS):
        compare_calls(lambda: from_ref(**kwargs), lambda: ref(**kwargs), f"{name} saved by transformers {i}")


def test_config_variants(tmp_path):
    """special_tokens_map.json, added_tokens_decoder with new flags, a list of named chat templates, a pad token
    the vocabulary lacks: read as transformers reads them."""
    folder = build_claude(tmp_path / "claude", pad_token={"content": "<pad>", "lstrip": True, "special": True,
                                                          "__type": "AddedToken"},
                          chat_template=[{"name": "default", "template": "A"}, {"name": "rag", "template": "B"}],
                          added_tokens_decoder={"2": {"content": "<META_START>", "lstrip": True, "rstrip": True,
                                                      "normalized": False, "special": True}},
                          image_token="<image>")
    (folder / "special_tokens_map.json").write_text(json.dumps({"sep_token": "<META>"}), encoding="utf-8")
    ours, ref = load_both(folder)
    assert ours.chat_template == ref.chat_template == {"default": "A", "rag": "B"}
    assert ours.special_tokens_map == ref.special_tokens_map
    assert ours.image_token == ref.image_token == "<image>" and ours.image_token_id == ref.image_token_id
    assert len(ours) == len(ref) and ours.get_vocab() == ref.get_vocab()
    texts = ["x <META_START> y <pad> z<image>", "<META> plain"]
    compare_calls(lambda: ours(texts, padding=True), lambda: ref(texts, padding=True), "config variants")
    (folder / "tokenizer_config.json").unlink()
    ours, ref = load_both(folder)
    assert ours.special_tokens_map == ref.special_tokens_map == {"sep_token": "<META>"}
    assert ours.model_max_length == ref.model_max_length == int(1e30)


def test_loading_errors(tmp_path):
    with pytest.raises(subtok.errors.TokenizerNotFoundError):
        AutoTokenizer.from_pretrained(tmp_path / "nothing-here")
    folder = build_claude(tmp_path / "bad")
    (folder / "tokenizer_config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(subtok.errors.TokenizerFormatError, match=r"tokenizer_config.json: not valid JSON"):
        AutoTokenizer.from_pretrained(folder)
    (folder / "tokenizer_config.json").write_text(json.dumps({"pad_token": 5}), encoding="utf-8")
    with pytest.raises(subtok.errors.TokenizerFormatError, match=r"pad_token: expected a token"):
        AutoTokenizer.from_pretrained(folder)
    (folder / "tokenizer_config.json").write_text(json.dumps({"padding_side": "top"}), encoding="utf-8")
    with pytest.raises(subtok.errors.TokenizerFormatError,
                       match=r"tokenizer_config.json: padding_side: padding_side='top' is not a side"):
        AutoTokenizer.from_pretrained(folder)
    for bad in ("512", -1, True, [512]):
        (folder / "tokenizer_config.json").write_text(json.dumps({"model_max_length": bad}), encoding="utf-8")
        with pytest.raises(subtok.errors.TokenizerFormatError,
                           match=r"tokenizer_config.json: model_max_length: expected a non-negative integer"):
            AutoTokenizer.from_pretrained(folder)
    (folder / "tokenizer_config.json").write_text(json.dumps({"chat_template": 7}), encoding="utf-8")
    with pytest.raises(subtok.errors.TokenizerFormatError, match=r"tokenizer_config.json: chat_template: "):
        AutoTokenizer.from_pretrained(folder)
    (folder / "chat_template.jinja").write_bytes(b"{{ messages }}\xff")
    with pytest.raises(subtok.errors.TokenizerFormatError, match=r"chat_template.jinja: not UTF-8 text \(byte 14\)"):
        AutoTokenizer.from_pretrained(folder)
    (folder / "chat_template.jinja").unlink()
    (folder / "tokenizer_config.json").write_text(json.dumps({"model_max_length": 1e30}), encoding="utf-8")
    assert AutoTokenizer.from_pretrained(folder).model_max_length == int(1e30)


def test_other_formats_load(tmp_path):
    """Any format subtok.load reads works behind the front door (here a tiktoken file, by name)."""
    single = AutoTokenizer.from_pretrained(assets.fetch("claude/tokenizer.json"))  # one file: no config
    assert single.model_max_length == int(1e30) and single.special_tokens_map == {}
    tok = AutoTokenizer.from_pretrained("gpt2")
    assert tok("hello world")["input_ids"] == [31373, 995]
    assert tok.decode([31373, 995]) == "hello world"


def test_imports_stay_light():
    """numpy, jinja2 and torch are imported only when tensors or chat templates are asked for."""
    code = ("import sys, subtok.auto as a; import subtok.chat_templates; "
            "print(sorted(m for m in ('numpy', 'jinja2', 'torch', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_parity_counts(capsys):
    """Prints how many call combinations were compared (run with -s to see it); runs after the matrix."""
    if not any(k.startswith("call matrix") for k in COUNTS):
        pytest.skip("the call matrix did not run in this session")
    with capsys.disabled():
        print("\nsubtok.auto parity with transformers:")
        for key, n in sorted(COUNTS.items()):
            print(f"  {key}: {n}")
    assert sum(n for k, n in COUNTS.items() if k.endswith(": equal")) >= 1000
