"""The transformers-compatible front door: ``AutoTokenizer.from_pretrained(name)`` and ``tok(texts, ...)``.

A thin translation layer over `subtok.Tokenizer`: transformers' arguments (padding and truncation
strategies, ``max_length``, ``stride``, ``return_*`` flags, pairs, pre-split words, tensors) become
per-call truncation/padding settings on the engine, and its `Encoding` objects become a
`BatchEncoding`. Special tokens, ``model_max_length``, padding side and chat templates come from
``tokenizer_config.json`` / ``special_tokens_map.json`` / ``chat_template.jinja`` beside the
tokenizer file, as transformers (5.x) reads them.

>>> from subtok import Tokenizer
>>> from subtok.models import WordLevel
>>> from subtok.pre_tokenizers import Whitespace
>>> engine = Tokenizer(WordLevel({"[PAD]": 0, "[UNK]": 1, "hello": 2, "world": 3}, unk_token="[UNK]"))
>>> engine.pre_tokenizer = Whitespace()
>>> tok = PreTrainedTokenizerFast(tokenizer_object=engine, pad_token="[PAD]", unk_token="[UNK]")
>>> tok(["hello world", "hello"], padding=True)
{'input_ids': [[2, 3], [2, 0]], 'attention_mask': [[1, 1], [1, 0]]}
>>> tok.decode([2, 3, 0], skip_special_tokens=True)
'hello world'
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from . import processors as _processors
from .added_tokens import AddedToken
from .batch_encoding import (LARGE_INTEGER, VERY_LARGE_INTEGER, BatchEncoding, CallSettings, check_text_input,
                             encode_call, pad_encoded, resolve_strategies, to_python)
from .errors import TokenizerFormatError
from .tokenizer import Tokenizer

__all__ = ["AutoTokenizer", "PreTrainedTokenizerFast", "BatchEncoding", "VERY_LARGE_INTEGER", "LARGE_INTEGER"]

logger = logging.getLogger(__name__)
#: Messages already logged by warnings that transformers gives once per process (``logger.warning_once``).
WARNED_MESSAGES: set[str] = set()

SPECIAL_TOKENS_ATTRIBUTES = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token",
                             "mask_token")
CONFIG_FILE, SPECIAL_TOKENS_MAP_FILE, TOKENIZER_FILE = "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json"
CHAT_TEMPLATE_FILE, CHAT_TEMPLATE_DIR = "chat_template.jinja", "additional_chat_templates"

# What transformers' tokenizer classes change from the defaults (model inputs, padding side). Only the
# defaults: the tokenization itself always comes from the tokenizer file.
_WITH_TOKEN_TYPES = ("input_ids", "token_type_ids", "attention_mask")
_MODEL_INPUTS = {
    **dict.fromkeys(("BertTokenizer", "ElectraTokenizer", "MarkupLMTokenizer", "LayoutLMTokenizer"), _WITH_TOKEN_TYPES),
    **dict.fromkeys(("DebertaTokenizer", "DebertaV2Tokenizer", "CanineTokenizer", "TapasTokenizer",
                     "LayoutLMv2Tokenizer"), ("input_ids", "attention_mask", "token_type_ids")),
    "FNetTokenizer": ("input_ids", "token_type_ids"),
}
_LEFT_PADDED = ("LlamaTokenizer", "CodeLlamaTokenizer", "CohereTokenizer", "GemmaTokenizer", "Siglip2Tokenizer",
                "XLNetTokenizer")
# Keys of tokenizer_config.json that are consumed here rather than kept as plain settings.
_FILE_KEYS = ("tokenizer_file", "vocab_file", "merges_file", "name_or_path", "special_tokens_map_file",
              "added_tokens_decoder", "tokenizer_class", "auto_map", "files_loaded", "backend", "is_local",
              "local_files_only")


def _added_token(value: Any, where: str) -> str | AddedToken:
    """A special token from a config: a string, or a serialized AddedToken dict."""
    if isinstance(value, (str, AddedToken)):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("content"), str):
        special = bool(value.get("special", False))
        normalized = value.get("normalized")
        return AddedToken(value["content"], bool(value.get("single_word", False)), bool(value.get("lstrip", False)),
                          bool(value.get("rstrip", False)), None if normalized is None else bool(normalized), special)
    raise TokenizerFormatError(f"expected a token (a string or an AddedToken object with 'content'), got {value!r}",
                               path=where)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise TokenizerFormatError(f"not UTF-8 text (byte {e.start})", file=str(path)) from None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as e:
        raise TokenizerFormatError(f"not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}",
                                   file=str(path)) from None
    if not isinstance(data, dict):
        raise TokenizerFormatError(f"expected a JSON object, got {type(data).__name__}", file=str(path))
    return data


def read_folder_config(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """tokenizer_config.json, special_tokens_map.json and chat templates of a folder, merged as transformers does.

    >>> read_folder_config(".")
    {}
    """
    d = Path(folder)
    config = _read_json(d / CONFIG_FILE) if (d / CONFIG_FILE).is_file() else {}
    if "added_tokens_decoder" not in config and (d / SPECIAL_TOKENS_MAP_FILE).is_file():
        for key, value in _read_json(d / SPECIAL_TOKENS_MAP_FILE).items():
            if key in ("additional_special_tokens", "extra_special_tokens") and isinstance(value, list):
                old = list(config.get("extra_special_tokens") or config.get("additional_special_tokens") or [])
                config["extra_special_tokens"] = old + [v for v in value if v not in old]
            else:
                config[key] = value
    templates = {}
    if (d / CHAT_TEMPLATE_FILE).is_file():
        templates["default"] = _read_text(d / CHAT_TEMPLATE_FILE)
    if (d / CHAT_TEMPLATE_DIR).is_dir():
        for f in sorted((d / CHAT_TEMPLATE_DIR).glob("*.jinja")):
            templates[f.name[: -len(".jinja")]] = _read_text(f)
    if templates:
        config["chat_template"] = templates["default"] if list(templates) == ["default"] else templates
    return config


def _chat_templates(value: Any) -> str | dict[str, str] | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (list, tuple)):
        try:
            return {t["name"]: t["template"] for t in value}
        except (TypeError, KeyError):
            pass
    raise TokenizerFormatError("chat_template must be a string, or a list of {'name': ..., 'template': ...}, "
                               f"got {type(value).__name__}", path="chat_template")


class PreTrainedTokenizerFast:
    """A subtok `Tokenizer` with the interface of transformers' fast tokenizers.

    Build one with `AutoTokenizer.from_pretrained`, or from a `subtok.Tokenizer`
    (``tokenizer_object=``) or a tokenizer.json path (``tokenizer_file=``) plus the settings a
    tokenizer_config.json would hold (``pad_token="[PAD]"``, ``model_max_length=512``, ...).
    """

    padding_side: str
    truncation_side: str

    def __init__(self, tokenizer_object: Tokenizer | None = None, *, tokenizer_file: str | os.PathLike[str] | None = None,
                 name_or_path: str = "", **config: Any) -> None:
        if tokenizer_object is None:
            if tokenizer_file is None:
                raise TypeError("PreTrainedTokenizerFast needs tokenizer_object= (a subtok.Tokenizer) or "
                                "tokenizer_file= (a tokenizer.json); or use AutoTokenizer.from_pretrained(name)")
            from .loading import load_path

            tokenizer_object = load_path(tokenizer_file)
        object.__setattr__(self, "_special", dict.fromkeys(SPECIAL_TOKENS_ATTRIBUTES))
        object.__setattr__(self, "_special_names", list(SPECIAL_TOKENS_ATTRIBUTES))
        self._tokenizer = tokenizer_object
        self.name_or_path = str(name_or_path)
        self._configure(dict(config))

    # -- construction ---------------------------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path: str | os.PathLike[str], *args: Any,
                        **overrides: Any) -> "PreTrainedTokenizerFast":
        """Load a tokenizer folder, file or name, with its tokenizer_config.json; `overrides` win over it."""
        for ignored in ("cache_dir", "revision", "token", "local_files_only", "force_download", "trust_remote_code",
                        "use_fast", "subfolder", "proxies"):
            overrides.pop(ignored, None)
        if args:
            raise TypeError("from_pretrained takes the name or path, then keyword arguments only")
        tokenizer, folder, has_json = _load_backend(pretrained_model_name_or_path)
        config = read_folder_config(folder) if folder is not None else {}
        if has_json:  # transformers takes bos/eos from the tokenizer.json post-processor
            config.pop("add_bos_token", None)
            config.pop("add_eos_token", None)
        config.update(overrides)
        config.pop("name_or_path", None)
        try:
            return cls(tokenizer_object=tokenizer, name_or_path=str(pretrained_model_name_or_path), **config)
        except TokenizerFormatError as e:  # a bad setting: name the config file it came from
            if folder is None or not (folder / CONFIG_FILE).is_file():
                raise
            raise e.located(str(folder / CONFIG_FILE)) from None

    def _configure(self, config: dict[str, Any]) -> None:
        """Settings from a tokenizer_config.json (plus overrides), with transformers' defaults."""
        padding, truncation = self._tokenizer.padding, self._tokenizer.truncation
        if padding is not None:  # a tokenizer.json with padding baked in supplies these defaults
            config.setdefault("pad_token", padding["pad_token"])
            config.setdefault("padding_side", padding["direction"])
        if truncation is not None:
            config.setdefault("truncation_side", truncation["direction"])
        self._pad_token_type_id = int(padding["pad_type_id"]) if padding else 0
        self.tokenizer_class = str(config.get("tokenizer_class") or "PreTrainedTokenizerFast")
        self.init_kwargs = {k: v for k, v in config.items() if k != "tokenizer_class"}
        object.__setattr__(self, "_warned", set())
        self._configure_settings(config)
        self._configure_special_tokens(config)
        add_bos, add_eos = config.pop("add_bos_token", None), config.pop("add_eos_token", None)
        self._add_bos_token, self._add_eos_token = bool(add_bos), bool(add_eos)
        if add_bos is not None or add_eos is not None or self._tokenizer.post_processor is None:
            self._update_post_processor()

    def _configure_settings(self, config: dict[str, Any]) -> None:
        base_class = self.tokenizer_class[:-4] if self.tokenizer_class.endswith("Fast") else self.tokenizer_class
        max_length = config.pop("model_max_length", config.pop("max_len", None))
        self.model_max_length = _config_int(max_length, "model_max_length", VERY_LARGE_INTEGER)
        default_side = "left" if base_class in _LEFT_PADDED else "right"
        self.padding_side = _side(config.pop("padding_side", default_side), "padding_side")
        self.truncation_side = _side(config.pop("truncation_side", "right"), "truncation_side")
        self.model_input_names = list(config.pop("model_input_names", None)
                                      or _MODEL_INPUTS.get(base_class, ("input_ids", "attention_mask")))
        self.clean_up_tokenization_spaces = bool(config.pop("clean_up_tokenization_spaces", False))
        self.clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output = bool(
            config.pop("clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output", False))
        # The class transformers would instantiate (named in its warnings): the generic one is TokenizersBackend.
        self._transformers_class = "TokenizersBackend" if base_class == "PreTrainedTokenizer" else base_class
        self.split_special_tokens = bool(config.pop("split_special_tokens", False))
        self.chat_template = _chat_templates(config.pop("chat_template", None))
        self.verbose = bool(config.pop("verbose", False))

    def _configure_special_tokens(self, config: dict[str, Any]) -> None:
        extra = config.pop("extra_special_tokens", None)
        legacy_extra = config.pop("additional_special_tokens", None)
        if extra is None:
            extra = legacy_extra
        named: dict[str, Any] = {}
        if isinstance(extra, Mapping):  # {"image_token": "<image>"}: named, model-specific tokens
            named.update(extra)
            extra = None
        for key in list(config):
            if key in SPECIAL_TOKENS_ATTRIBUTES or (key.endswith("_token") and isinstance(config[key], (str, Mapping))):
                named[key] = config.pop(key)
        for key, value in named.items():
            if value is None:
                continue
            if key not in self._special_names:
                self._special_names.append(key)
            self._special[key] = _added_token(value, key)
        self._extra_special_tokens = [_added_token(v, "extra_special_tokens") for v in (extra or [])]
        decoder = config.pop("added_tokens_decoder", None) or {}
        from_config = [_added_token(decoder[k], f"added_tokens_decoder.{k}") for k in sorted(decoder, key=int)]
        self._ensure_special_tokens_in_vocab(from_config)

    def _ensure_special_tokens_in_vocab(self, from_config: list[str | AddedToken]) -> None:
        """Add the config's added tokens and any special token the tokenizer file lacks, as transformers does."""
        present = {t.content for t in self._tokenizer.get_added_tokens_decoder().values()}
        named = {str(v) for v in self._special.values() if v is not None}
        wanted: list[str | AddedToken] = list(from_config)
        for value in [*self._special.values(), *self._extra_special_tokens]:
            if value is not None and str(value) not in present and value not in wanted:
                wanted.append(value)
        tokens = []
        for t in wanted:
            if isinstance(t, str):
                t = AddedToken(t, special=True)
            elif not t.special and t.content in named:
                t = AddedToken(t.content, t.single_word, t.lstrip, t.rstrip, t.normalized, True)
            tokens.append(t)
        if tokens:
            self._tokenizer.add_tokens(tokens)

    def _update_post_processor(self) -> None:
        """``[bos] $A [eos]`` / ``[bos] $A [eos] [bos] $B [eos]`` from add_bos_token / add_eos_token."""
        bos, eos = self.bos_token, self.eos_token
        add_bos = self._add_bos_token and bos is not None
        add_eos = self._add_eos_token and eos is not None
        single = f"{bos + ':0 ' if add_bos else ''}$A:0{' ' + eos + ':0' if add_eos else ''}"
        pair = f"{single}{' ' + bos + ':1' if add_bos else ''} $B:1{' ' + eos + ':1' if add_eos else ''}"
        specials = ([(bos, self.bos_token_id)] if add_bos else []) + ([(eos, self.eos_token_id)] if add_eos else [])
        self._tokenizer.post_processor = _processors.TemplateProcessing.from_strings(single, pair, specials)

    @property
    def add_bos_token(self) -> bool:
        return self._add_bos_token

    @add_bos_token.setter
    def add_bos_token(self, value: bool) -> None:
        self._add_bos_token = bool(value)
        self._update_post_processor()

    @property
    def add_eos_token(self) -> bool:
        return self._add_eos_token

    @add_eos_token.setter
    def add_eos_token(self, value: bool) -> None:
        self._add_eos_token = bool(value)
        self._update_post_processor()

    # -- special tokens -------------------------------------------------------------------------------
    def __getattr__(self, key: str) -> Any:
        special = self.__dict__.get("_special")
        if special is None:
            raise AttributeError(key)
        base = key[:-4] if key.endswith("_ids") else key[:-3] if key.endswith("_id") else key
        if base in special:
            value = special[base]
            if value is None:
                return None
            return self.convert_tokens_to_ids(str(value)) if base != key else str(value)
        if base in ("extra_special_tokens", "additional_special_tokens"):
            tokens = [str(t) for t in self._extra_special_tokens]
            return self.convert_tokens_to_ids(tokens) if base != key else tokens
        raise AttributeError(f"{type(self).__name__} has no attribute {key!r}")

    def __setattr__(self, key: str, value: Any) -> None:
        base = key[:-4] if key.endswith("_ids") else key[:-3] if key.endswith("_id") else key
        special = self.__dict__.get("_special")
        if special is not None and base in special:
            if base != key and value is not None:
                value = self.convert_ids_to_tokens(value)
            if value is not None and not isinstance(value, (str, AddedToken)):
                raise ValueError(f"{base} must be a str or AddedToken, got {type(value).__name__}")
            special[base] = value
            return
        if special is not None and base in ("extra_special_tokens", "additional_special_tokens"):
            if base != key and value is not None:
                value = [self.convert_ids_to_tokens(v) for v in value]
            self._extra_special_tokens = list(value or [])
            return
        object.__setattr__(self, key, value)

    @property
    def special_tokens_map(self) -> dict[str, str]:
        """The named special tokens that are set, as strings ({"pad_token": "[PAD]", ...})."""
        return {k: str(self._special[k]) for k in self._special_names if self._special.get(k) is not None}

    @property
    def all_special_tokens(self) -> list[str]:
        out: list[str] = []
        for value in [*(self._special.get(k) for k in self._special_names), *self._extra_special_tokens]:
            if value is not None and str(value) not in out:
                out.append(str(value))
        return out

    @property
    def all_special_ids(self) -> list[int]:
        return self.convert_tokens_to_ids(self.all_special_tokens)

    @property
    def pad_token_type_id(self) -> int:
        return self._pad_token_type_id

    def add_special_tokens(self, special_tokens_dict: Mapping[str, Any], replace_extra_special_tokens: bool = True) -> int:
        """Set named special tokens (``{"pad_token": "[PAD]"}``), adding them to the vocabulary if new.

        Returns how many tokens were new to the vocabulary.
        """
        tokens: list[str | AddedToken] = []
        allowed = (*SPECIAL_TOKENS_ATTRIBUTES, "extra_special_tokens", "additional_special_tokens")
        for key, value in dict(special_tokens_dict).items():
            if key not in allowed:
                raise ValueError(f"{key!r} is not a special token name; use one of {', '.join(allowed)}")
            if key in ("extra_special_tokens", "additional_special_tokens"):
                if not isinstance(value, (list, tuple)) or not all(isinstance(t, (str, AddedToken)) for t in value):
                    raise ValueError(f"{key} must be a list of str or AddedToken, got {value!r}")
                new = [AddedToken(t, special=True) if isinstance(t, str) else t for t in value
                       if replace_extra_special_tokens or str(t) not in self.extra_special_tokens]
                self._extra_special_tokens = new if (replace_extra_special_tokens and new) else \
                    self._extra_special_tokens + new
                tokens += new
                continue
            if not isinstance(value, (str, AddedToken)):
                raise ValueError(f"{key} must be a str or AddedToken, got {value!r}")
            value = AddedToken(value, special=True) if isinstance(value, str) else value
            setattr(self, key, value)
            tokens.append(value)
        return self.add_tokens(tokens, special_tokens=True)

    def add_tokens(self, new_tokens: str | AddedToken | Sequence[str | AddedToken], special_tokens: bool = False) -> int:
        """Add tokens matched whole in the text; returns how many were new."""
        if not new_tokens:
            return 0
        if isinstance(new_tokens, (str, AddedToken)):
            new_tokens = [new_tokens]
        if special_tokens:
            return self._tokenizer.add_special_tokens(new_tokens)
        return self._tokenizer.add_tokens(new_tokens)

    # -- vocabulary -----------------------------------------------------------------------------------
    @property
    def backend_tokenizer(self) -> Tokenizer:
        """The subtok `Tokenizer` doing the work (with the padding/truncation its file had)."""
        return self._tokenizer

    @property
    def is_fast(self) -> bool:
        return True

    @property
    def vocab_size(self) -> int:
        """The size of the base vocabulary, without added tokens."""
        return self._tokenizer.get_vocab_size(with_added_tokens=False)

    def __len__(self) -> int:
        return self._tokenizer.get_vocab_size(with_added_tokens=True)

    def __bool__(self) -> bool:
        return True

    def get_vocab(self) -> dict[str, int]:
        return self._tokenizer.get_vocab(with_added_tokens=True)

    @property
    def vocab(self) -> dict[str, int]:
        return self.get_vocab()

    @property
    def added_tokens_decoder(self) -> dict[int, AddedToken]:
        return self._tokenizer.get_added_tokens_decoder()

    @property
    def added_tokens_encoder(self) -> dict[str, int]:
        return {t.content: i for i, t in self.added_tokens_decoder.items()}

    def get_added_vocab(self) -> dict[str, int]:
        return self.added_tokens_encoder

    def convert_tokens_to_ids(self, tokens: str | Iterable[str]) -> Any:
        """Token(s) to id(s); unknown tokens give the unk token's id (None without one)."""
        if isinstance(tokens, str):
            found = self._tokenizer.token_to_id(tokens)
            return found if found is not None else self.unk_token_id
        return [self.convert_tokens_to_ids(t) for t in tokens]

    def convert_ids_to_tokens(self, ids: int | Iterable[int], skip_special_tokens: bool = False) -> Any:
        if isinstance(ids, int):
            return self._tokenizer.id_to_token(ids)
        skip = set(self.all_special_ids) if skip_special_tokens else set()
        return [self._tokenizer.id_to_token(int(i)) for i in to_python(ids) if int(i) not in skip]

    def convert_tokens_to_string(self, tokens: list[str]) -> str:
        decoder = self._tokenizer.decoder
        return decoder.decode(list(tokens)) if decoder is not None else " ".join(tokens)

    def num_special_tokens_to_add(self, pair: bool = False) -> int:
        return self._tokenizer.num_special_tokens_to_add(pair)

    @property
    def max_len_single_sentence(self) -> int:
        return self.model_max_length - self.num_special_tokens_to_add(pair=False)

    @property
    def max_len_sentences_pair(self) -> int:
        return self.model_max_length - self.num_special_tokens_to_add(pair=True)

    def get_special_tokens_mask(self, token_ids_0: list[int], token_ids_1: list[int] | None = None,
                                already_has_special_tokens: bool = False) -> list[int]:
        """1 for special-token ids in an already built sequence, 0 for the rest."""
        if not already_has_special_tokens or token_ids_1 is not None:
            raise ValueError("get_special_tokens_mask works on sequences that already have their special tokens "
                             "(already_has_special_tokens=True, one sequence); call the tokenizer with "
                             "return_special_tokens_mask=True for raw text")
        special = set(self.all_special_ids)
        return [1 if int(i) in special else 0 for i in token_ids_0]

    # -- encoding -------------------------------------------------------------------------------------
    def __call__(self, text: Any = None, text_pair: Any = None, text_target: Any = None, text_pair_target: Any = None,
                 *, add_special_tokens: bool = True, padding: Any = False, truncation: Any = None,
                 max_length: int | None = None, stride: int = 0, is_split_into_words: bool = False,
                 pad_to_multiple_of: int | None = None, padding_side: str | None = None,
                 return_tensors: str | None = None, return_token_type_ids: bool | None = None,
                 return_attention_mask: bool | None = None, return_overflowing_tokens: bool = False,
                 return_special_tokens_mask: bool = False, return_offsets_mapping: bool = False,
                 return_length: bool = False, verbose: bool = True, split_special_tokens: bool | None = None,
                 tokenizer_kwargs: Mapping[str, Any] | None = None, **kwargs: Any) -> BatchEncoding:
        """Tokenize a text, a batch, pairs or pre-split words, as transformers' ``tokenizer(...)``.

        Returns a `BatchEncoding` with ``input_ids``, ``attention_mask`` (and ``token_type_ids`` for
        BERT-like tokenizers), plus what the ``return_*`` flags ask for.
        """
        args = dict(add_special_tokens=add_special_tokens, padding=padding, truncation=truncation,
                    max_length=max_length, stride=stride, is_split_into_words=is_split_into_words,
                    pad_to_multiple_of=pad_to_multiple_of, padding_side=padding_side, return_tensors=return_tensors,
                    return_token_type_ids=return_token_type_ids, return_attention_mask=return_attention_mask,
                    return_overflowing_tokens=return_overflowing_tokens,
                    return_special_tokens_mask=return_special_tokens_mask,
                    return_offsets_mapping=return_offsets_mapping, return_length=return_length, verbose=verbose,
                    split_special_tokens=split_special_tokens)
        args.update(tokenizer_kwargs or {})
        max_target_length = kwargs.pop("max_target_length", None)
        _no_unknown(kwargs, "__call__")
        if text is None and text_target is None:
            raise ValueError("You need to specify either `text` or `text_target`.")
        settings = resolve_strategies(self, args.pop("padding"), args.pop("truncation"), args.pop("max_length"),
                                      args["pad_to_multiple_of"], args["verbose"])
        out = self._encode_plus(text, text_pair, settings, **args) if text is not None else None
        if text_target is None:
            return out
        if max_target_length is not None:
            settings = settings.with_max_length(max_target_length)
        target = self._encode_plus(text_target, text_pair_target, settings, **args)
        if out is None:
            return target
        out["labels"] = target["input_ids"]
        return out

    def _encode_plus(self, text: Any, text_pair: Any, settings: CallSettings, **args: Any) -> BatchEncoding:
        check_text_input(text)
        if text_pair is not None:
            check_text_input(text_pair)
        return encode_call(self, text, text_pair, settings, **args)

    def _warn_once(self, key: str, message: str, per_process: bool = False) -> None:
        """Log `message` once per tokenizer (keyed by `key`), or once per process as transformers' warning_once."""
        seen = WARNED_MESSAGES if per_process else self._warned
        mark = message if per_process else key
        if mark not in seen:
            seen.add(mark)
            logger.warning(message)

    def encode(self, text: Any, text_pair: Any = None, add_special_tokens: bool = True, padding: Any = False,
               truncation: Any = None, max_length: int | None = None, stride: int = 0,
               padding_side: str | None = None, return_tensors: str | None = None, **kwargs: Any) -> Any:
        """The ids of a text (or pair): ``tokenizer(text)["input_ids"]``."""
        return self(text, text_pair, add_special_tokens=add_special_tokens, padding=padding, truncation=truncation,
                    max_length=max_length, stride=stride, padding_side=padding_side, return_tensors=return_tensors,
                    **kwargs)["input_ids"]

    def tokenize(self, text: str, pair: str | None = None, add_special_tokens: bool = False, **kwargs: Any) -> list[str]:
        """The tokens (strings) of a text, without special tokens unless asked."""
        return self(text, pair, add_special_tokens=add_special_tokens, **kwargs).tokens()

    def pad(self, encoded_inputs: Any, padding: Any = True, max_length: int | None = None,
            pad_to_multiple_of: int | None = None, padding_side: str | None = None,
            return_attention_mask: bool | None = None, return_tensors: str | None = None,
            verbose: bool = True) -> BatchEncoding:
        """Pad already-encoded inputs (a dict of lists, a list of dicts, BatchEncodings; e.g. in a collate_fn)."""
        return pad_encoded(self, encoded_inputs, padding, max_length, pad_to_multiple_of, padding_side,
                           return_attention_mask, return_tensors, verbose)

    # -- decoding -------------------------------------------------------------------------------------
    def decode(self, token_ids: Any, skip_special_tokens: bool = False, clean_up_tokenization_spaces: bool | None = None,
               **kwargs: Any) -> Any:
        """Ids back to text; a batch (list of lists, 2-d array) gives a list of texts."""
        _no_unknown(kwargs, "decode")
        ids = to_python(token_ids)
        if isinstance(ids, (list, tuple)) and ids and isinstance(ids[0], (list, tuple)):
            return [self._decode(seq, skip_special_tokens, clean_up_tokenization_spaces) for seq in ids]
        return self._decode(ids, skip_special_tokens, clean_up_tokenization_spaces)

    def batch_decode(self, sequences: Any, skip_special_tokens: bool = False,
                     clean_up_tokenization_spaces: bool | None = None, **kwargs: Any) -> list[str]:
        out = self.decode(sequences, skip_special_tokens, clean_up_tokenization_spaces, **kwargs)
        return [out] if isinstance(out, str) else out

    def _decode(self, ids: Any, skip_special_tokens: bool, clean_up: bool | None) -> str:
        if isinstance(ids, int):
            ids = [ids]
        if isinstance(ids, Mapping):
            ids = to_python(ids["input_ids"])
        text = self._tokenizer.decode(ids, skip_special_tokens=skip_special_tokens)
        if not (clean_up if clean_up is not None else self.clean_up_tokenization_spaces):
            return text
        if (type(self._tokenizer.model).__name__ == "BPE"
                and not self.clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output):
            self._warn_once("cleanup-bpe", f"Ignoring clean_up_tokenization_spaces=True for BPE tokenizer "
                            f"{self._transformers_class}. The clean_up_tokenization post-processing step is designed "
                            "for WordPiece tokenizers and is destructive for BPE (it strips spaces before punctuation)."
                            " Set clean_up_tokenization_spaces=False to suppress this warning, or set "
                            "clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output=True to force "
                            "cleanup anyway.", per_process=True)
            return text
        return self.clean_up_tokenization(text)

    @staticmethod
    def clean_up_tokenization(text: str) -> str:
        """Remove the spaces WordPiece decoding leaves before punctuation and English contractions.

        >>> PreTrainedTokenizerFast.clean_up_tokenization("do n't stop , it 's fine .")
        "don't stop, it's fine."
        """
        for old, new in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                         (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
            text = text.replace(old, new)
        return text

    # -- chat templates -------------------------------------------------------------------------------
    def get_chat_template(self, chat_template: str | None = None, tools: Sequence[Any] | None = None) -> str:
        from .chat_templates import select_template

        return select_template(self.chat_template, chat_template, tools)[1]

    def apply_chat_template(self, conversation: Any, tools: Sequence[Any] | None = None,
                            documents: Sequence[Any] | None = None, chat_template: str | None = None,
                            add_generation_prompt: bool = False, continue_final_message: bool | str = False,
                            tokenize: bool = True, padding: Any = False, truncation: bool = False,
                            max_length: int | None = None, return_tensors: str | None = None,
                            return_dict: bool = True, return_assistant_tokens_mask: bool = False,
                            tokenizer_kwargs: Mapping[str, Any] | None = None, **template_kwargs: Any) -> Any:
        """Render a conversation (or a batch of them) with the chat template, and tokenize it unless told not to.

        As in transformers 5: returns the text when ``tokenize=False``, a `BatchEncoding` when
        ``return_dict=True`` (the default), else the ids.
        """
        from .chat_templates import apply_chat_template

        return apply_chat_template(self, conversation, tools=tools, documents=documents, chat_template=chat_template,
                                   add_generation_prompt=add_generation_prompt,
                                   continue_final_message=continue_final_message, tokenize=tokenize, padding=padding,
                                   truncation=truncation, max_length=max_length, return_tensors=return_tensors,
                                   return_dict=return_dict, return_assistant_tokens_mask=return_assistant_tokens_mask,
                                   tokenizer_kwargs=tokenizer_kwargs, template_kwargs=template_kwargs)

    # -- saving ---------------------------------------------------------------------------------------
    def save_pretrained(self, save_directory: str | os.PathLike[str], filename_prefix: str | None = None,
                        **kwargs: Any) -> tuple[str, ...]:
        """Write tokenizer_config.json, tokenizer.json and chat templates; transformers loads them back identically."""
        return _save_folder(self, Path(save_directory), filename_prefix or "")

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(name_or_path='{self.name_or_path}', vocab_size={self.vocab_size}, "
                f"model_max_length={self.model_max_length}, padding_side='{self.padding_side}', "
                f"truncation_side='{self.truncation_side}', special_tokens={self.special_tokens_map})")


def _side(value: Any, name: str) -> str:
    if value not in ("left", "right"):
        raise TokenizerFormatError(f"{name}={value!r} is not a side; use 'left' or 'right'", path=name)
    return value


def _config_int(value: Any, name: str, default: int) -> int:
    """A non-negative integer setting (JSON may write large ones as floats, e.g. 1e30)."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value < 0:
        raise TokenizerFormatError(f"expected a non-negative integer, got {value!r}", path=name)
    return int(value)


def _no_unknown(kwargs: Mapping[str, Any], method: str) -> None:
    if kwargs:
        raise TypeError(f"{method}() got unexpected keyword argument(s) {', '.join(map(repr, kwargs))}")


def _load_backend(name_or_path: str | os.PathLike[str]) -> tuple[Tokenizer, Path | None, bool]:
    """The tokenizer, the folder its config files are in (None for a single file), and whether it is tokenizer.json."""
    from .loading import load, load_path, tokenizer_file_in

    path = Path(name_or_path).expanduser()
    if path.exists():
        tokenizer = load_path(path)
        folder = path if path.is_dir() else None
    else:
        from . import names

        found = names.find(os.fspath(name_or_path))
        tokenizer = load(name_or_path)
        folder = found.path if found.path.is_dir() else None
        path = found.path
    file = tokenizer_file_in(path) if path.is_dir() else path
    return tokenizer, folder, file is not None and file.name.endswith(".json")


def _config_to_save(tok: PreTrainedTokenizerFast) -> dict[str, Any]:
    config = {k: v for k, v in tok.init_kwargs.items()
              if k not in (*_FILE_KEYS, "add_bos_token", "add_eos_token", "chat_template", "extra_special_tokens",
                           "additional_special_tokens")
              and not (k.endswith("_token") and isinstance(v, (str, Mapping, AddedToken)))}
    config.update(model_max_length=tok.model_max_length, padding_side=tok.padding_side,
                  truncation_side=tok.truncation_side, clean_up_tokenization_spaces=tok.clean_up_tokenization_spaces,
                  split_special_tokens=tok.split_special_tokens)
    if "model_input_names" in tok.init_kwargs:
        config["model_input_names"] = list(tok.model_input_names)
    config.update(tok.special_tokens_map)
    if tok.extra_special_tokens:
        config["extra_special_tokens"] = tok.extra_special_tokens
    config["tokenizer_class"] = tok.tokenizer_class
    return config


def _save_chat_templates(templates: str | dict[str, str] | None, folder: Path, prefix: str) -> list[str]:
    if templates is None:
        return []
    named = {"default": templates} if isinstance(templates, str) else dict(templates)
    written = []
    for name, text in named.items():
        if name == "default":
            path = folder / f"{prefix}{CHAT_TEMPLATE_FILE}"
        else:
            path = folder / f"{prefix}{CHAT_TEMPLATE_DIR}" / f"{name}.jinja"
            if path.resolve().parent != path.parent.resolve() or "/" in name or "\\" in name:
                raise ValueError(f"chat template name {name!r} is not a plain file name")
            path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(str(path))
    return written


def _save_folder(tok: PreTrainedTokenizerFast, folder: Path, prefix: str) -> tuple[str, ...]:
    """tokenizer_config.json (sorted keys, as transformers writes it), chat templates, tokenizer.json."""
    if folder.is_file():
        raise NotADirectoryError(f"save_pretrained needs a directory, and {str(folder)!r} is a file")
    folder.mkdir(parents=True, exist_ok=True)
    prefix = f"{prefix}-" if prefix else ""
    config_path = folder / f"{prefix}{CONFIG_FILE}"
    config_path.write_text(json.dumps(_config_to_save(tok), indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                           encoding="utf-8")
    templates = _save_chat_templates(tok.chat_template, folder, prefix)
    tokenizer_path = folder / f"{prefix}{TOKENIZER_FILE}"
    tok.backend_tokenizer.save(tokenizer_path)
    return (str(config_path), *templates, str(tokenizer_path))


class AutoTokenizer:
    """``AutoTokenizer.from_pretrained(name_or_path)``: a `PreTrainedTokenizerFast` for any tokenizer subtok loads.

    >>> tok = AutoTokenizer.from_pretrained("bert-base-uncased")  # doctest: +SKIP
    >>> tok("Hello world!")["input_ids"]  # doctest: +SKIP
    [101, 7592, 2088, 999, 102]
    """

    def __init__(self) -> None:
        raise TypeError("AutoTokenizer is not instantiated; use AutoTokenizer.from_pretrained(name_or_path)")

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path: str | os.PathLike[str], *args: Any,
                        **kwargs: Any) -> PreTrainedTokenizerFast:
        """Load a folder (tokenizer.json + tokenizer_config.json + ...), a tokenizer file, or a name subtok knows."""
        return PreTrainedTokenizerFast.from_pretrained(pretrained_model_name_or_path, *args, **kwargs)
