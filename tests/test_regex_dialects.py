"""Pre-tokenizer patterns see characters as Hugging Face's regex engines do, not as Python's.

HF runs tokenizer.json patterns with Oniguruma and the Whitespace pre-tokenizer with Rust's regex
crate; both know an older Unicode than the `regex` module (about 17,000 letters differ). Every
code point of planes 0-3 (private use and surrogates aside) goes through the patterns people use, next to letters, digits
and spaces, and must cut exactly where HF cuts.
"""

from __future__ import annotations

import unicodedata

import pytest

import subtok
from subtok import pre_tokenizers
from subtok.patterns import GPT2_PATTERN

tokenizers = pytest.importorskip("tokenizers")

LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
          r"|\s*[\r\n]+|\s+(?!\S)|\s+")
CASES = {
    "gpt2": (lambda m: m.Split(m_regex(m, GPT2_PATTERN), "isolated")),
    "llama3": (lambda m: m.Split(m_regex(m, LLAMA3), "isolated")),
    "digits-class": (lambda m: m.Split(m_regex(m, r"\p{N}+|\d"), "isolated")),
    "whitespace": (lambda m: m.Whitespace()),
}


def m_regex(module, source):
    return subtok.Regex(source) if module is pre_tokenizers else tokenizers.Regex(source)


def chunks():
    # unassigned for Python 3.11 too: the newer Unicode of the `regex` module assigns some of them
    cps = [cp for cp in range(0x40000) if not 0xD800 <= cp < 0xF900
           and unicodedata.category(chr(cp)) != "Co"]
    for i in range(0, len(cps), 64):
        chars = [chr(cp) for cp in cps[i:i + 64]]
        yield "".join(f"a{c}1 {c}{c}x\t{c}" for c in chars)


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_character_cuts_like_hf(name):
    ours = CASES[name](pre_tokenizers)
    hf = CASES[name](tokenizers.pre_tokenizers)
    for text in chunks():
        expected = hf.pre_tokenize_str(text)
        got = ours.pre_tokenize_str(text)
        if got != expected:
            diff = next(i for i, (a, b) in enumerate(zip(got, expected)) if a != b)
            pytest.fail(f"{name}: first difference at piece {diff}: ours {got[diff]!r}, HF {expected[diff]!r}")


def test_the_fix_is_made_when_first_needed():
    """A compiled pattern holds only the plain regex until a text is matched (the compiled core's
    scanners never ask); then the fixed pattern and its trigger are fix_pattern's."""
    from subtok.patterns import _Pattern
    from subtok.unicode import fix_pattern, fix_pattern_trigger

    source = r"\p{L}+|\p{N}|\s+"
    p = _Pattern(source)
    assert p._fixed is None
    assert [m.group() for m in p.finditer("ab 12")] == ["ab", " ", "1", "2"]
    assert p._fixed is not None
    assert p.rx.pattern == fix_pattern(source) and p.trigger.pattern == fix_pattern_trigger(source)
