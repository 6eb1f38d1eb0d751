"""Chat templates render and tokenize exactly as transformers' apply_chat_template does.

The templates are the ones model repositories carry in tokenizer_config.json (ChatML as in
OpenHermes-2.5, Qwen3's ChatML with tools and reasoning, Llama-2-chat, Llama-3-Instruct, a
Llama-3.1-style template with tools, Mistral-7B-Instruct-v0.1, Zephyr-7B-beta, Phi-3-mini), put on real tokenizers
(Claude's byte-level BPE, Mistral v1's sentencepiece BPE) with the templates' control tokens added
the way those repositories add them. transformers (a test-only dependency) renders the same folders.
"""

from __future__ import annotations

import collections
import itertools
import warnings
from pathlib import Path
from typing import Any

import pytest

import subtok.auto
from subtok.auto import AutoTokenizer
from subtok.chat_templates import ChatTemplateError, render_chats, select_template
from test_auto import assert_same_batch, build_claude, build_mistral, compare_calls, run_capturing

transformers = pytest.importorskip("transformers")
pytest.importorskip("jinja2")

COUNTS: collections.Counter = collections.Counter()

# teknium/OpenHermes-2.5-Mistral-7B
CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + "
          "'\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")

# Qwen/Qwen3-4B: ChatML with tools, tool calls, tool responses and reasoning
QWEN3 = (
    "{%- if tools %}\n    {{- '<|im_start|>system\\n' }}\n    {%- if messages[0].role == 'system' %}\n        {{- "
    "messages[0].content + '\\n\\n' }}\n    {%- endif %}\n    {{- \"# Tools\\n\\nYou may call one or more functions to "
    "assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML "
    "tags:\\n<tools>\" }}\n    {%- for tool in tools %}\n        {{- \"\\n\" }}\n        {{- tool | tojson }}\n    "
    "{%- endfor %}\n    {{- \"\\n</tools>\\n\\nFor each function call, return a json object with function name and "
    "arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\\"name\\\": <function-name>, "
    "\\\"arguments\\\": <args-json-object>}\\n</tool_call><|im_end|>\\n\" }}\n{%- else %}\n    {%- if messages[0].role "
    "== 'system' %}\n        {{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}\n    {%- endif "
    "%}\n{%- endif %}\n{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}\n{%- for "
    "message in messages[::-1] %}\n    {%- set index = (messages|length - 1) - loop.index0 %}\n    {%- if "
    "ns.multi_step_tool and message.role == \"user\" and message.content is string and "
    "not(message.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}\n        "
    "{%- set ns.multi_step_tool = false %}\n        {%- set ns.last_query_index = index %}\n    {%- endif %}\n{%- "
    "endfor %}\n{%- for message in messages %}\n    {%- if message.content is string %}\n        {%- set content = "
    "message.content %}\n    {%- else %}\n        {%- set content = '' %}\n    {%- endif %}\n    {%- if (message.role "
    "== \"user\") or (message.role == \"system\" and not loop.first) %}\n        {{- '<|im_start|>' + message.role + "
    "'\\n' + content + '<|im_end|>' + '\\n' }}\n    {%- elif message.role == \"assistant\" %}\n        {%- set "
    "reasoning_content = '' %}\n        {%- if message.reasoning_content is string %}\n            {%- set "
    "reasoning_content = message.reasoning_content %}\n        {%- else %}\n            {%- if '</think>' in content "
    "%}\n                {%- set reasoning_content = "
    "content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') %}\n                {%- set "
    "content = content.split('</think>')[-1].lstrip('\\n') %}\n            {%- endif %}\n        {%- endif %}\n        "
    "{%- if loop.index0 > ns.last_query_index %}\n            {%- if loop.last or (not loop.last and "
    "reasoning_content) %}\n                {{- '<|im_start|>' + message.role + '\\n<think>\\n' + "
    "reasoning_content.strip('\\n') + '\\n</think>\\n\\n' + content.lstrip('\\n') }}\n            {%- else %}\n        "
    "        {{- '<|im_start|>' + message.role + '\\n' + content }}\n            {%- endif %}\n        {%- else %}\n  "
    "          {{- '<|im_start|>' + message.role + '\\n' + content }}\n        {%- endif %}\n        {%- if "
    "message.tool_calls %}\n            {%- for tool_call in message.tool_calls %}\n                {%- if (loop.first "
    "and content) or (not loop.first) %}\n                    {{- '\\n' }}\n                {%- endif %}\n             "
    "   {%- if tool_call.function %}\n                    {%- set tool_call = tool_call.function %}\n                "
    "{%- endif %}\n                {{- '<tool_call>\\n{\"name\": \"' }}\n                {{- tool_call.name }}\n      "
    "          {{- '\", \"arguments\": ' }}\n                {%- if tool_call.arguments is string %}\n                "
    "    {{- tool_call.arguments }}\n                {%- else %}\n                    {{- tool_call.arguments | "
    "tojson }}\n                {%- endif %}\n                {{- '}\\n</tool_call>' }}\n            {%- endfor %}\n  "
    "      {%- endif %}\n        {{- '<|im_end|>\\n' }}\n    {%- elif message.role == \"tool\" %}\n        {%- if "
    "loop.first or (messages[loop.index0 - 1].role != \"tool\") %}\n            {{- '<|im_start|>user' }}\n        "
    "{%- endif %}\n        {{- '\\n<tool_response>\\n' }}\n        {{- content }}\n        {{- '\\n</tool_response>' "
    "}}\n        {%- if loop.last or (messages[loop.index0 + 1].role != \"tool\") %}\n            {{- '<|im_end|>\\n' "
    "}}\n        {%- endif %}\n    {%- endif %}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- "
    "'<|im_start|>assistant\\n<think>\\n' }}\n{%- endif %}")

# meta-llama/Llama-2-13b-chat-hf
LLAMA2 = (
    "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = "
    "messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}"
    "{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ "
    "raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if "
    "loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + "
    "'\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if "
    "message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] "
    "== 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}")

# meta-llama/Meta-Llama-3-8B-Instruct
LLAMA3 = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + "
    "message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
    "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ "
    "'<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}")

# Llama-3.1-Instruct style: tools (in the system or the first user message), strftime_now, tojson(indent=4)
LLAMA31_TOOLS = (
    "{{- bos_token }}\n{%- if custom_tools is defined %}\n    {%- set tools = custom_tools %}\n{%- endif %}\n{%- if not "
    "tools_in_user_message is defined %}\n    {%- set tools_in_user_message = true %}\n{%- endif %}\n{%- if not "
    "date_string is defined %}\n    {%- if strftime_now is defined %}\n        {%- set date_string = "
    "strftime_now(\"%d %b %Y\") %}\n    {%- else %}\n        {%- set date_string = \"26 Jul 2024\" %}\n    {%- endif "
    "%}\n{%- endif %}\n{%- if not tools is defined %}\n    {%- set tools = none %}\n{%- endif %}\n\n{#- This block "
    "extracts the system message, so we can slot it into the right place. #}\n{%- if messages[0]['role'] == 'system' "
    "%}\n    {%- set system_message = messages[0]['content']|trim %}\n    {%- set messages = messages[1:] %}\n{%- else "
    "%}\n    {%- set system_message = \"\" %}\n{%- endif %}\n\n{#- System message #}\n{{- "
    "\"<|start_header_id|>system<|end_header_id|>\\n\\n\" }}\n{%- if tools is not none %}\n    {{- \"Environment: "
    "ipython\\n\" }}\n{%- endif %}\n{{- \"Cutting Knowledge Date: December 2023\\n\" }}\n{{- \"Today Date: \" + "
    "date_string + \"\\n\\n\" }}\n{%- if tools is not none and not tools_in_user_message %}\n    {{- \"You have access "
    "to the following functions. To call a function, please respond with JSON for a function call.\" }}\n    {{- "
    "'Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.' }}\n"
    "    {{- \"Do not use variables.\\n\\n\" }}\n    {%- for t in tools %}\n        {{- t | tojson(indent=4) }}\n      "
    "  {{- \"\\n\\n\" }}\n    {%- endfor %}\n{%- endif %}\n{{- system_message }}\n{{- \"<|eot_id|>\" }}\n\n{#- Custom "
    "tools are passed in a user message with some extra guidance #}\n{%- if tools_in_user_message and not tools is "
    "none %}\n    {#- Extract the first user message so we can plug it in here #}\n    {%- if messages | length != 0 "
    "%}\n        {%- set first_user_message = messages[0]['content']|trim %}\n        {%- set messages = messages[1:] "
    "%}\n    {%- else %}\n        {{- raise_exception(\"Cannot put tools in the first user message when there's no "
    "first user message!\") }}\n{%- endif %}\n    {{- '<|start_header_id|>user<|end_header_id|>\\n\\n' -}}\n    {{- "
    "\"Given the following functions, please respond with a JSON for a function call \" }}\n    {{- \"with its proper "
    "arguments that best answers the given prompt.\\n\\n\" }}\n    {{- 'Respond in the format {\"name\": function "
    "name, \"parameters\": dictionary of argument name and its value}.' }}\n    {{- \"Do not use variables.\\n\\n\" "
    "}}\n    {%- for t in tools %}\n        {{- t | tojson(indent=4) }}\n        {{- \"\\n\\n\" }}\n    {%- endfor "
    "%}\n    {{- first_user_message + \"<|eot_id|>\"}}\n{%- endif %}\n\n{%- for message in messages %}\n    {%- if not "
    "(message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}\n        {{- "
    "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] + '<|eot_id|>' }}\n    "
    "{%- elif 'tool_calls' in message %}\n        {%- if not message.tool_calls|length == 1 %}\n            {{- "
    "raise_exception(\"This model only supports single tool-calls at once!\") }}\n        {%- endif %}\n        {%- "
    "set tool_call = message.tool_calls[0].function %}\n        {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n'"
    " -}}\n        {{- '{\"name\": \"' + tool_call.name + '\", ' }}\n        {{- '\"parameters\": ' }}\n        {{- "
    "tool_call.arguments | tojson }}\n        {{- \"}\" }}\n        {{- \"<|eot_id|>\" }}\n    {%- elif message.role == "
    "\"tool\" or message.role == \"ipython\" %}\n        {{- \"<|start_header_id|>ipython<|end_header_id|>\\n\\n\" }}\n"
    "        {%- if message.content is mapping or message.content is iterable %}\n            {{- message.content | "
    "tojson }}\n        {%- else %}\n            {{- message.content }}\n        {%- endif %}\n        {{- "
    "\"<|eot_id|>\" }}\n    {%- endif %}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- "
    "'<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n{%- endif %}\n")

# mistralai/Mistral-7B-Instruct-v0.1
MISTRAL = (
    "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ "
    "raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if "
    "message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == "
    "'assistant' %}{{ message['content'] + eos_token + ' ' }}{% else %}{{ raise_exception('Only user and assistant "
    "roles are supported!') }}{% endif %}{% endfor %}")

# microsoft/Phi-3-mini-4k-instruct
PHI3 = (
    "{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\n' + message['content'] + "
    "'<|end|>\n'}}{% elif message['role'] == 'user' %}{{'<|user|>\n' + message['content'] + '<|end|>\n'}}{% elif "
    "message['role'] == 'assistant' %}{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}")

# HuggingFaceH4/zephyr-7b-beta: block tags on lines of their own (relies on trim_blocks)
ZEPHYR = (
    "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + "
    "eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n"
    "{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n"
    "{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}")

# ChatML with {% generation %} blocks (assistant-token masks)
CHATML_GENERATION = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n'}}{% if message['role'] == 'assistant' %}"
    "{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}{% else %}{{ message['content'] + "
    "'<|im_end|>' }}{% endif %}{{ '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}"
    "{% endif %}")

# A retrieval template in the style of Command-R's RAG template (documents with titles)
RAG = (
    "{% if documents %}{% for doc in documents %}<doc id={{ loop.index0 }}>{{ doc.title }}: {{ doc.text }}</doc>\n"
    "{% endfor %}{% endif %}{% for message in messages %}{{ message.role }}: {{ message.content }}\n{% endfor %}")

CHATML_TOKENS = ["<|im_start|>", "<|im_end|>"]
LLAMA3_TOKENS = ["<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
PHI3_TOKENS = ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>", "<|endoftext|>"]

# name -> (builder, config)
FOLDERS = {
    "chatml": (build_claude, {"chat_template": {"default": CHATML, "tool_use": QWEN3},
                              "extra_special_tokens": CHATML_TOKENS, "eos_token": "<|im_end|>",
                              "pad_token": "<EOT>", "padding_side": "left", "model_max_length": 4096}),
    "llama3": (build_claude, {"chat_template": {"default": LLAMA3, "tool_use": LLAMA31_TOOLS},
                              "extra_special_tokens": LLAMA3_TOKENS, "bos_token": "<|begin_of_text|>",
                              "eos_token": "<|eot_id|>", "pad_token": "<EOT>", "padding_side": "left",
                              "model_max_length": 4096}),
    "llama2": (build_mistral, {"chat_template": LLAMA2, "model_max_length": 4096}),
    "mistral": (build_mistral, {"chat_template": MISTRAL, "model_max_length": 4096}),
    "zephyr": (build_mistral, {"chat_template": ZEPHYR, "model_max_length": 4096}),
    "phi3": (build_mistral, {"chat_template": PHI3, "extra_special_tokens": PHI3_TOKENS, "eos_token": "<|endoftext|>",
                             "pad_token": "<|endoftext|>", "model_max_length": 4096}),
}


@pytest.fixture(scope="module")
def chat_folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("chat")
    return {name: builder(root / name, **config) for name, (builder, config) in FOLDERS.items()}


def load_both(folder: Path) -> tuple[Any, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, ref = AutoTokenizer.from_pretrained(folder), transformers.AutoTokenizer.from_pretrained(str(folder))
    if ref.pad_token is None:
        ours.pad_token, ref.pad_token = ours.eos_token, ref.eos_token
    return ours, ref


@pytest.fixture(scope="module", params=list(FOLDERS))
def chat_pair(request, chat_folders):
    return (request.param, *load_both(chat_folders[request.param]))


SYSTEM = {"role": "system", "content": "You are a helpful assistant."}
CONVERSATIONS = {
    "user": [{"role": "user", "content": "Hello! What's 2 + 2?"}],
    "system+user": [SYSTEM, {"role": "user", "content": "Héllo, wörld — 東京?"}],
    "multi-turn": [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi there"},
                   {"role": "user", "content": "Who are you"}, {"role": "assistant", "content": "   I am an assistant   "},
                   {"role": "user", "content": "Another question"}],
    "system+multi-turn": [SYSTEM, {"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi there"},
                          {"role": "user", "content": "Tell me a joke"}],
    "ends with assistant": [{"role": "user", "content": "Write a haiku"},
                            {"role": "assistant", "content": "Autumn moonlight —\na worm digs silently"}],
    "none values": [{"role": "user", "content": "Hi", "name": None},
                    {"role": "assistant", "content": "Hello!", "tool_calls": None}],
}
WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "The city"},
                                                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                   "required": ["city"]}}}
TOOL_CONVERSATION = [
    SYSTEM, {"role": "user", "content": "What's the weather in Paris?"},
    {"role": "assistant", "content": None, "tool_calls": [
        {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}}]},
    {"role": "tool", "content": "22 °C, sunny", "name": "get_weather"},
    {"role": "user", "content": "And in Tokyo?"}]


def apply_options() -> list[tuple[str, dict[str, Any]]]:
    """add_generation_prompt x continue_final_message x tokenize x return_dict (invalid pairs included: both raise)."""
    out = []
    for gen, cont, tokenize, return_dict in itertools.product((False, True), (False, True), (False, True),
                                                              (False, True)):
        out.append((f"gen={gen} continue={cont} tokenize={tokenize} dict={return_dict}",
                    dict(add_generation_prompt=gen, continue_final_message=cont, tokenize=tokenize,
                         return_dict=return_dict)))
    return out


def compare_chat(ours: Any, ref: Any, where: str, conversation: Any, **kwargs: Any) -> str:
    def compare(a: Any, b: Any, w: str) -> None:
        if isinstance(b, str) or (isinstance(b, list) and b and isinstance(b[0], str)):
            assert a == b, f"{w}: rendered text differs\n  ours: {a!r}\n  ref:  {b!r}"
        elif isinstance(b, list):
            assert a == b, f"{w}: ids differ\n  ours: {a}\n  ref:  {b}"
        else:
            assert_same_batch(a, b, w)

    return compare_calls(lambda: ours.apply_chat_template(conversation, **kwargs),
                         lambda: ref.apply_chat_template(conversation, **kwargs), where, compare=compare)


def test_templates_match_transformers(chat_pair):
    """Each template x conversation x option combination: the same text, ids, BatchEncoding or error."""
    name, ours, ref = chat_pair
    outcomes = collections.Counter()
    for (conv_name, conversation), (opt_name, kwargs) in itertools.product(CONVERSATIONS.items(), apply_options()):
        where = f"{name} {conv_name} {opt_name}"
        outcomes[compare_chat(ours, ref, where, conversation, **kwargs)] += 1
    batch = [CONVERSATIONS["user"], CONVERSATIONS["multi-turn"]]
    for tensors, padding in (("np", True), (None, False), (None, "longest")):
        outcomes[compare_chat(ours, ref, f"{name} batch {tensors} {padding}", batch, add_generation_prompt=True,
                              padding=padding, return_tensors=tensors)] += 1
    outcomes[compare_chat(ours, ref, f"{name} truncated", CONVERSATIONS["multi-turn"], truncation=True,
                          max_length=12)] += 1
    for outcome, n in outcomes.items():
        COUNTS[f"{name}: {outcome}"] += n
    assert outcomes["equal"] >= 40


@pytest.mark.parametrize("name", ["chatml", "llama3"])
def test_tools(chat_folders, name):
    """Qwen3's and a Llama-3.1-style template with tools (picked as the "tool_use" template), tool calls and results."""
    ours, ref = load_both(chat_folders[name])
    for tools, kwargs in itertools.product((None, [WEATHER_TOOL]), ({}, {"tools_in_user_message": False})):
        for tokenize in (False, True):
            outcome = compare_chat(ours, ref, f"{name} tools={bool(tools)} {kwargs}", TOOL_CONVERSATION, tools=tools,
                                   add_generation_prompt=True, tokenize=tokenize, **kwargs)
            COUNTS[f"{name} with tools: {outcome}"] += 1
    assert ours.get_chat_template(tools=[WEATHER_TOOL]) == ref.get_chat_template(tools=[WEATHER_TOOL])
    with pytest.raises(ValueError, match="JSON schema"):
        ours.apply_chat_template(TOOL_CONVERSATION, tools=[len])


def test_reasoning_and_continue_field(chat_folders):
    """Qwen3 reads reasoning_content; continue_final_message can continue that field."""
    ours, ref = load_both(chat_folders["chatml"])
    conversation = [{"role": "user", "content": "Think first."},
                    {"role": "assistant", "reasoning": "Let me see", "content": "The answer"}]
    for cont in (False, "content", "reasoning_content"):
        outcome = compare_chat(ours, ref, f"reasoning continue={cont}", conversation, chat_template="tool_use",
                               continue_final_message=cont, tokenize=False)
        COUNTS[f"chatml reasoning: {outcome}"] += 1


def test_documents_and_extra_variables(chat_folders):
    ours, ref = load_both(chat_folders["chatml"])
    docs = [{"title": "Paris", "text": "The capital of France."}, {"title": "Tokyo", "text": "東京, Japan."}]
    indented = "{% for m in messages %}\n    {% if m.role == 'user' %}\n    U: {{ m.content }}\n    {% endif %}\n{% endfor %}"
    for template in (RAG, indented, "{{ bos_token }}|{{ eos_token }}|{{ greeting | default('none') }}|"
                          "{{ strftime_now('%Y-%m') }}|{{ {'a': '<b>', 'c': [1, 2]} | tojson(indent=2, sort_keys=true) }}"):
        for extra in ({}, {"greeting": "hey", "eos_token": "<override>"}):
            outcome = compare_chat(ours, ref, f"documents {extra}", CONVERSATIONS["user"], documents=docs,
                                   chat_template=template, tokenize=False, **extra)
            COUNTS[f"documents and variables: {outcome}"] += 1
    with pytest.raises(TypeError, match="Documents should be a list of dicts"):
        ours.apply_chat_template(CONVERSATIONS["user"], documents=["just text"], chat_template=RAG)


def test_assistant_tokens_mask(chat_folders):
    ours, ref = load_both(chat_folders["chatml"])
    conversations = [CONVERSATIONS["multi-turn"], CONVERSATIONS["ends with assistant"]]
    for batch, tensors in ((False, None), (True, None), (True, "np")):
        convs = conversations if batch else conversations[0]
        outcome = compare_chat(ours, ref, f"assistant masks batch={batch} {tensors}", convs,
                               chat_template=CHATML_GENERATION, return_assistant_tokens_mask=True,
                               padding=bool(tensors), return_tensors=tensors)
        COUNTS[f"assistant masks: {outcome}"] += 1
    masks = ours.apply_chat_template(conversations[0], chat_template=CHATML_GENERATION,
                                     return_assistant_tokens_mask=True)["assistant_masks"]
    assert 0 < sum(masks) < len(masks)
    transformers.utils.logging.warning_once.cache_clear()  # both warn once per process: start both afresh
    subtok.auto.WARNED_MESSAGES.clear()
    for attempt in ("first", "second"):  # no {% generation %} block: all-zero masks, a warning the first time only
        outcome = compare_chat(ours, ref, f"assistant masks without generation blocks, {attempt}", conversations[0],
                               return_assistant_tokens_mask=True)
        COUNTS[f"assistant masks: {outcome}"] += 1


def test_sandbox(chat_folders):
    """The sandbox refuses Python internals, as transformers' does; namespace() refuses underscore names."""
    ours, ref = load_both(chat_folders["chatml"])
    for template in ("{{ ''.__class__.__mro__ }}", "{{ messages.__class__ }}", "{% set ns = namespace(_x=1) %}",
                     "{% set ns = namespace() %}{% set ns._y = 2 %}", "{{ dict.__init__ }}",
                     "{% set d = dict(a=1) %}{{ d.update({'b': 2}) }}"):
        compare_chat(ours, ref, f"sandbox {template}", CONVERSATIONS["user"], chat_template=template, tokenize=False)
    with pytest.raises(ChatTemplateError):
        ours.apply_chat_template(CONVERSATIONS["user"], chat_template="{{ ''.__class__.__mro__ }}")


def test_errors_name_template_and_line(chat_folders):
    ours = AutoTokenizer.from_pretrained(chat_folders["llama2"])
    with pytest.raises(ChatTemplateError, match=r"chat template 'default' failed at line 1: Conversation roles "
                                                r"must alternate"):
        ours.apply_chat_template([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}])
    broken = "line one\n{% for m in messages %}\n{{ m.content }\n{% endfor %}"
    with pytest.raises(ChatTemplateError, match=r"chat template 'chat_template argument' does not parse: line 3"):
        ours.apply_chat_template(CONVERSATIONS["user"], chat_template=broken)
    failing = "ok\n\n{{ raise_exception('no system messages here') }}"
    with pytest.raises(ChatTemplateError, match=r"'chat_template argument' failed at line 3: no system messages here"):
        ours.apply_chat_template(CONVERSATIONS["user"], chat_template=failing)
    with pytest.raises(ValueError, match="empty conversation"):
        ours.apply_chat_template([])
    with pytest.raises(ValueError, match="not compatible"):
        ours.apply_chat_template(CONVERSATIONS["user"], add_generation_prompt=True, continue_final_message=True)
    with pytest.raises(TypeError, match="Chat messages should be dicts"):
        ours.apply_chat_template([["not a dict"]], chat_template="{{ messages }}")


def test_template_selection(chat_folders, tmp_path):
    """chat_template.jinja beside the tokenizer wins over the config; named templates; none at all."""
    ours = AutoTokenizer.from_pretrained(chat_folders["mistral"])
    assert ours.get_chat_template() == MISTRAL
    folder = build_mistral(tmp_path / "with-jinja", chat_template=MISTRAL)
    (folder / "chat_template.jinja").write_text(PHI3, encoding="utf-8")
    (folder / "additional_chat_templates").mkdir()
    (folder / "additional_chat_templates" / "rag.jinja").write_text(RAG, encoding="utf-8")
    ours, ref = load_both(folder)
    assert ours.chat_template == ref.chat_template == {"default": PHI3, "rag": RAG}
    compare_chat(ours, ref, "named template", CONVERSATIONS["user"], chat_template="rag", tokenize=False)
    assert select_template({"a": "A", "b": "B"}, "b") == ("b", "B")
    with pytest.raises(ValueError, match=r"no default specified.*\['a', 'b'\]"):
        select_template({"a": "A", "b": "B"})
    plain = AutoTokenizer.from_pretrained(build_mistral(tmp_path / "none"))
    with pytest.raises(ValueError, match="tokenizer.chat_template is not set"):
        plain.apply_chat_template(CONVERSATIONS["user"])


def test_right_padding_warning(chat_folders):
    """Batched generation prompts padded on the right get a warning that explains padding_side='left'."""
    ours = AutoTokenizer.from_pretrained(chat_folders["phi3"])
    ours.padding_side = "right"
    batch = [CONVERSATIONS["user"], CONVERSATIONS["multi-turn"]]
    _, _, messages = run_capturing(lambda: ours.apply_chat_template(batch, add_generation_prompt=True, padding=True))
    assert len(messages) == 1 and "padding_side = 'left'" in messages[0] and "right-padded" in messages[0]
    left = AutoTokenizer.from_pretrained(chat_folders["phi3"])
    left.padding_side = "left"
    _, _, messages = run_capturing(lambda: left.apply_chat_template(batch, add_generation_prompt=True, padding=True))
    assert messages == []


def test_render_chats_directly():
    text, spans = render_chats([[{"role": "user", "content": "Hi"}]], CHATML, add_generation_prompt=True)
    assert text == ["<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"] and spans == [[]]


def test_chat_counts(capsys):
    if not COUNTS:
        pytest.skip("the chat template comparisons did not run in this session")
    with capsys.disabled():
        print("\nsubtok chat templates vs transformers:")
        for key, n in sorted(COUNTS.items()):
            print(f"  {key}: {n}")
    assert sum(n for k, n in COUNTS.items() if k.endswith(": equal")) >= 200
