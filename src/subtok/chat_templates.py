"""Chat templates: a conversation -> the model's prompt text, rendered as transformers renders it.

Templates are Jinja2 (the optional extra ``subtok[chat]``; jinja2 is imported on first use) in a
sandboxed environment with ``trim_blocks`` and ``lstrip_blocks``, loop controls, and the helpers
model repositories rely on: ``raise_exception(msg)``, ``strftime_now(fmt)``, a ``tojson`` filter
that does not escape HTML and takes ``indent``/``separators``/``sort_keys``/``ensure_ascii``, a
restricted ``namespace`` and ``dict``, and the ``{% generation %}`` block (assistant-token masks).

>>> template = "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}<|end|>\\n{% endfor %}"
>>> render_chats([[{"role": "user", "content": "Hi"}]], template)[0]
['<|user|>Hi<|end|>\\n']
"""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime
from functools import lru_cache
from typing import Any, Callable, Mapping, Sequence

from .errors import SubtokError

__all__ = ["ChatTemplateError", "render_chats", "select_template", "compile_template", "apply_chat_template"]

_CONTINUE_TAG = "CONTINUE_FINAL_MESSAGE_TAG "
# The names a message's reasoning travels under; templates read the first (gpt-oss reads "thinking").
_REASONING_FIELDS = ("reasoning_content", "thinking", "reasoning")


class ChatTemplateError(SubtokError, ValueError):
    """A chat template that does not parse or fails while rendering; names the template and its line."""


def _jinja() -> Any:
    try:
        import jinja2
    except ImportError:
        raise ImportError("chat templates need jinja2: pip install 'subtok[chat]' (or pip install jinja2)") from None
    return jinja2


# -- selecting the template ---------------------------------------------------------------------------
def select_template(templates: str | Mapping[str, str] | None, chat_template: str | None = None,
                    tools: Sequence[Any] | None = None) -> tuple[str, str]:
    """(name, template text) to render: an explicit template or template name, else the tokenizer's own.

    >>> select_template({"default": "A", "tool_use": "B"}, tools=[{}])
    ('tool_use', 'B')
    >>> select_template("T", chat_template="{{ x }}")
    ('chat_template argument', '{{ x }}')
    """
    if isinstance(templates, Mapping):
        if chat_template is not None:
            if chat_template in templates:
                return chat_template, templates[chat_template]
            return "chat_template argument", chat_template
        if tools is not None and "tool_use" in templates:
            return "tool_use", templates["tool_use"]
        if "default" in templates:
            return "default", templates["default"]
        raise ValueError("This model has multiple chat templates with no default specified! Please either pass a "
                         "chat template or the name of the template you wish to use to the `chat_template` argument. "
                         f"Available template names are {sorted(templates)}.")
    if chat_template is not None:
        return "chat_template argument", chat_template
    if templates is None:
        raise ValueError("Cannot use chat template functions because tokenizer.chat_template is not set and no "
                         "template argument was passed! Set tokenizer.chat_template to a Jinja template (or put a "
                         "chat_template.jinja beside tokenizer.json), or pass chat_template=...")
    return "default", templates


# -- the sandboxed environment ------------------------------------------------------------------------
class _GenerationTracker(threading.local):
    """Where `{% generation %}` blocks record their character spans while a render is tracked."""

    blocks: list[str] | None = None
    spans: list[tuple[int, int]] | None = None


_TRACKER = _GenerationTracker()


def _raise_exception(message: str) -> None:
    raise _jinja().exceptions.TemplateError(message)


def _tojson(value: Any, ensure_ascii: bool = False, indent: int | None = None,
            separators: tuple[str, str] | None = None, sort_keys: bool = False) -> str:
    # Jinja's own tojson escapes <, >, & and ' for HTML, which would corrupt prompts.
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def _strftime_now(format: str) -> str:
    return datetime.now().strftime(format)


class _TemplateDict:
    """``dict(...)`` inside templates, without exposing the dict type itself."""

    def __call__(self, *args: Any, **kwargs: Any) -> dict:
        return dict(*args, **kwargs)

    def fromkeys(self, *args: Any, **kwargs: Any) -> dict:
        return dict.fromkeys(*args, **kwargs)


def _environment() -> Any:
    jinja2 = _jinja()
    from jinja2 import nodes
    from jinja2.ext import Extension, loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Generation(Extension):
        """``{% generation %}...{% endgeneration %}``: marks assistant text for assistant-token masks."""

        tags = {"generation"}

        def parse(self, parser: Any) -> Any:
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
            return nodes.CallBlock(self.call_method("_track"), [], [], body).set_lineno(lineno)

        def _track(self, caller: Callable[[], str]) -> str:
            text = caller()
            if _TRACKER.blocks is not None and _TRACKER.spans is not None:
                start = sum(len(b) for b in _TRACKER.blocks)
                _TRACKER.spans.append((start, start + len(text)))
            return text

    class Namespace(jinja2.utils.Namespace):
        """``namespace(...)`` that refuses underscore names (no reaching into Python internals)."""

        def __init__(*args: Any, **kwargs: Any) -> None:
            self, rest = args[0], args[1:]
            attrs = dict(*rest, **kwargs)
            for name in attrs:
                Namespace._check(name)
            jinja2.utils.Namespace.__init__(self, attrs)

        def __setitem__(self, name: str, value: Any) -> None:
            Namespace._check(name)
            jinja2.utils.Namespace.__setitem__(self, name, value)

        @staticmethod
        def _check(name: Any) -> None:
            if isinstance(name, str) and name.startswith("_"):
                raise jinja2.exceptions.SecurityError(
                    f"chat templates cannot store underscore-prefixed attributes on a namespace, got {name!r}")

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[Generation, loopcontrols])
    env.filters["tojson"] = _tojson
    env.globals.update(raise_exception=_raise_exception, strftime_now=_strftime_now, dict=_TemplateDict(),
                       namespace=Namespace)
    return env


@lru_cache(maxsize=1)
def _shared_environment() -> Any:
    return _environment()


@lru_cache(maxsize=64)
def _compile(template: str) -> Any:
    return _shared_environment().from_string(template)


def compile_template(template: str, name: str = "chat_template") -> Any:
    """The compiled Jinja template (cached); a syntax error names the template and line."""
    jinja2 = _jinja()
    try:
        return _compile(template)
    except jinja2.exceptions.TemplateSyntaxError as e:
        raise ChatTemplateError(f"chat template {name!r} does not parse: line {e.lineno}: {e.message}") from None


# -- rendering ----------------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    """Plain JSON-like data for the template: rich objects become "<TypeName>" placeholders."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    for base in (bool, str, int, float):
        if isinstance(value, base):
            return base(value)
    if isinstance(value, Mapping):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if hasattr(value, "item") and getattr(value, "shape", None) == ():  # numpy scalars
        return _plain(value.item())
    if callable(getattr(value, "model_dump", None)):  # pydantic models
        return _plain(value.model_dump())
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return f"<{type(value).__name__}>"


def _with_reasoning_aliases(chat: list[Any]) -> list[Any]:
    out = []
    for message in chat:
        if isinstance(message, dict):
            reasoning = next((message[k] for k in _REASONING_FIELDS if message.get(k) is not None), None)
            if reasoning is not None:
                message = {"thinking": reasoning, **message, "reasoning_content": reasoning}
        out.append(message)
    return out


def _tool_schemas(tools: Sequence[Any] | None) -> list[Any] | None:
    if tools is None:
        return None
    for tool in tools:
        if not isinstance(tool, dict):
            raise ValueError("tools must be JSON schema dicts ({'type': 'function', 'function': {...}}); "
                             "subtok does not convert Python functions to schemas")
    return _plain(list(tools))


def _mark_final_message(chat: list[dict], field: str, template: str) -> tuple[list[dict], str]:
    """Append the continue tag to the final message's `field`; returns the chat and the text continued."""
    if not chat:
        raise ValueError("continue_final_message is set but the conversation is empty!")
    final = chat[-1].get(field)
    if final is None:
        raise ValueError(f'continue_final_message is set but the final message has no "{field}" to continue!')
    fields = [f for f in _REASONING_FIELDS if chat[-1].get(f) == final] if field in _REASONING_FIELDS else [field]
    if not any(f in template for f in fields):
        raise ValueError(f'continue_final_message is set to "{field}" but this is not an accepted field in the '
                         "chat_template")
    if isinstance(final, (list, tuple)):
        for block in reversed(final):
            if "text" in block:
                text = block["text"]
                block["text"] = text + _CONTINUE_TAG
                return chat, text
        raise ValueError("continue_final_message is set but we could not find any text to continue in the final "
                         "message!")
    for f in fields:
        chat[-1][f] = chat[-1][f] + _CONTINUE_TAG
    return chat, final


def _cut_at_tag(rendered: str, final: str) -> str:
    tag = _CONTINUE_TAG.strip()
    if final.strip() not in rendered or tag not in rendered:
        raise ValueError("continue_final_message is set but the final message does not appear in the chat after "
                         "applying the chat template! The template deletes part of the final message; check that "
                         f"the template and the final message are compatible. Final message: {final.strip()!r}")
    at = rendered.rindex(tag)
    if rendered[at:at + len(_CONTINUE_TAG)] == _CONTINUE_TAG:
        return rendered[:at]
    return rendered[:at].rstrip()


def _template_line(tb: Any) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _render_one(compiled: Any, name: str, track: bool, variables: dict[str, Any]) -> tuple[str, list]:
    jinja2 = _jinja()
    spans: list[tuple[int, int]] = []
    try:
        if not track:
            return compiled.render(**variables), spans
        blocks: list[str] = []
        _TRACKER.blocks, _TRACKER.spans = blocks, spans
        try:
            for block in compiled.generate(**variables):
                blocks.append(block)
        finally:
            _TRACKER.blocks, _TRACKER.spans = None, None
        return "".join(blocks), spans
    except jinja2.exceptions.TemplateError as e:
        line = _template_line(e.__traceback__)
        where = f" at line {line}" if line is not None else ""
        raise ChatTemplateError(f"chat template {name!r} failed{where}: {e}") from e


def render_chats(conversations: Sequence[Sequence[Any]], template: str, *, name: str = "chat_template",
                 tools: Sequence[Any] | None = None, documents: Sequence[Any] | None = None,
                 add_generation_prompt: bool = False, continue_final_message: bool | str = False,
                 track_generation: bool = False, **variables: Any) -> tuple[list[str], list[list[tuple[int, int]]]]:
    """Render each conversation; also the character spans of ``{% generation %}`` blocks when tracked.

    `variables` (the tokenizer's special tokens, ``enable_thinking=...``, ...) are visible to the template.

    >>> render_chats([[{"role": "user", "content": "Hi"}]], "{{ messages[0].content }}!")
    (['Hi!'], [[]])
    """
    compiled = compile_template(template, name)
    if documents is not None and not all(isinstance(d, dict) for d in documents):
        raise TypeError("Documents should be a list of dicts with 'title' and 'text' keys!")
    shared = {"tools": _tool_schemas(tools), "documents": _plain(documents),
              "add_generation_prompt": add_generation_prompt, **_plain(variables)}
    rendered, all_spans = [], []
    for chat in conversations:
        chat = _plain(list(getattr(chat, "messages", chat)))
        if not all(isinstance(m, dict) for m in chat):
            bad = next(m for m in chat if not isinstance(m, dict))
            raise TypeError(f"Chat messages should be dicts, dataclasses or pydantic models, but got {bad!r}.")
        chat = _with_reasoning_aliases(chat)
        final = None
        if continue_final_message:
            field = continue_final_message if isinstance(continue_final_message, str) else "content"
            chat, final = _mark_final_message(chat, field, template)
        text, spans = _render_one(compiled, name, track_generation, {"messages": chat, **shared})
        if final is not None:
            text = _cut_at_tag(text, final)
        rendered.append(text)
        all_spans.append(spans)
    return rendered, all_spans


# -- the tokenizer method ---------------------------------------------------------------------------
_GENERATION_TAG = re.compile(r"\{\%-?\s*generation\s*-?\%\}")
_RIGHT_PADDED_PROMPT = ("A decoder-only model is being given right-padded prompts for generation (the chat template "
                        "ends each prompt with the assistant's turn, then padding follows it), which gives wrong "
                        "generations. Set `tokenizer.padding_side = 'left'` (or pass padding_side='left' in "
                        "tokenizer_kwargs) so that every prompt ends right where generation starts.")


def _normalized_conversations(conversation: Any) -> tuple[list[list[Any]], bool]:
    if isinstance(conversation, (list, tuple)) and len(conversation) == 0:
        raise ValueError("Cannot apply chat template to an empty conversation. Provide at least one message.")
    batched = isinstance(conversation, (list, tuple)) and (
        isinstance(conversation[0], (list, tuple)) or hasattr(conversation[0], "messages"))
    chats = conversation if batched else [conversation]
    # Drop None values: APIs return content=None / tool_calls=None, which templates would print as "None".
    out = [[{k: v for k, v in m.items() if v is not None} if isinstance(m, Mapping) else m
            for m in getattr(chat, "messages", chat)] for chat in chats]
    return out, batched


def _assistant_masks(out: Any, spans: list[list[tuple[int, int]]], batched: bool, tensors: bool) -> list:
    rows = out["input_ids"] if (batched or tensors) else [out["input_ids"]]
    masks = []
    for i, row in enumerate(rows):
        mask = [0] * len(row)
        for start_char, end_char in spans[i]:
            start, end = out.char_to_token(i, start_char), out.char_to_token(i, end_char - 1)
            if start is None:  # cut off by truncation
                break
            for t in range(start, end + 1 if end else len(row)):
                mask[t] = 1
        masks.append(mask)
    return masks if (batched or tensors) else masks[0]


def _check_continue_options(continue_final_message: bool | str, add_generation_prompt: bool,
                            return_assistant_tokens_mask: bool) -> None:
    if continue_final_message and add_generation_prompt:
        raise ValueError("continue_final_message and add_generation_prompt are not compatible. Use "
                         "continue_final_message when you want the model to continue the final message, and "
                         "add_generation_prompt when you want to add a header that will prompt it to start a new "
                         "assistant message instead.")
    if continue_final_message and return_assistant_tokens_mask:
        raise ValueError("continue_final_message is not compatible with return_assistant_tokens_mask.")


def apply_chat_template(tok: Any, conversation: Any, *, tools: Sequence[Any] | None = None,
                        documents: Sequence[Any] | None = None, chat_template: str | None = None,
                        add_generation_prompt: bool = False, continue_final_message: bool | str = False,
                        tokenize: bool = True, padding: Any = False, truncation: bool = False,
                        max_length: int | None = None, return_tensors: str | None = None, return_dict: bool = True,
                        return_assistant_tokens_mask: bool = False, tokenizer_kwargs: Mapping[str, Any] | None = None,
                        template_kwargs: Mapping[str, Any] | None = None) -> Any:
    """`PreTrainedTokenizerFast.apply_chat_template`: render with the tokenizer's template, then tokenize."""
    if not tokenize:
        return_dict = False
    if return_assistant_tokens_mask and not (return_dict and tokenize):
        raise ValueError("`return_assistant_tokens_mask=True` requires `return_dict=True` and `tokenize=True`")
    name, template = select_template(tok.chat_template, chat_template, tools)
    if return_assistant_tokens_mask and not _GENERATION_TAG.search(template):
        tok._warn_once("no-generation-tag", "return_assistant_tokens_mask==True but chat template does not contain "
                       "`{% generation %}` keyword.", per_process=True)
    chats, batched = _normalized_conversations(conversation)
    _check_continue_options(continue_final_message, add_generation_prompt, return_assistant_tokens_mask)
    variables = {**tok.special_tokens_map, **(template_kwargs or {})}
    rendered, spans = render_chats(chats, template, name=name, tools=tools, documents=documents,
                                   add_generation_prompt=add_generation_prompt,
                                   continue_final_message=continue_final_message,
                                   track_generation=return_assistant_tokens_mask, **variables)
    text: Any = rendered if batched else rendered[0]
    if not tokenize:
        return text
    out = tok(text, padding=padding, truncation=truncation, max_length=max_length, add_special_tokens=False,
              return_tensors=return_tensors, **(tokenizer_kwargs or {}))
    if (add_generation_prompt or continue_final_message) and any(
            e.attention_mask and e.attention_mask[-1] == 0 for e in out.encodings or []):
        tok._warn_once("right-padded-prompt", _RIGHT_PADDED_PROMPT)
    if not return_dict:
        return out["input_ids"]
    if return_assistant_tokens_mask:
        out["assistant_masks"] = _assistant_masks(out, spans, batched, return_tensors is not None)
        if return_tensors:
            out.convert_to_tensors(return_tensors)
    return out
