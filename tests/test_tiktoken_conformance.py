"""SharpToken's tiktoken conformance cases (../shared/conformance/sharptoken/TestPlans.txt): 435
samples over r50k_base, p50k_base, p50k_edit, cl100k_base, o200k_base and o200k_harmony, with the
ids tiktoken gives. Samples that hold special tokens were encoded with all of them allowed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import regex

from subtok.tiktoken_api import Encoding, get_encoding

CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance"
PLANS = CONFORMANCE / "sharptoken" / "TestPlans.txt"
CASE = regex.compile(r"EncodingName: ([^\n]*)\nSample: (.*?)\nEncoded: \[([^\]]*)\]\n", regex.DOTALL)
NAMES = ["r50k_base", "p50k_base", "p50k_edit", "cl100k_base", "o200k_base", "o200k_harmony"]

pytestmark = pytest.mark.skipif(not PLANS.is_file(), reason=f"../shared/conformance is not beside this clone "
                                                              f"(it is in CI); no {PLANS.name} to run")


def cases() -> list[tuple[str, str, list[int]]]:
    text = PLANS.read_text(encoding="utf-8")
    found = [(m.group(1).strip(), m.group(2), [int(x) for x in m.group(3).split(",") if x.strip()])
             for m in CASE.finditer(text)]
    assert len(found) == text.count("EncodingName:"), "a case in TestPlans.txt did not parse"
    return found


def encoding(name: str) -> Encoding:
    if name in ("r50k_base", "p50k_base"):  # not on PyPI: the official files are beside TestPlans.txt
        return Encoding.from_file(PLANS.parent / f"{name}.tiktoken")
    if name == "p50k_edit":  # p50k_base's ranks, its own special tokens
        return Encoding.from_file(PLANS.parent / "p50k_base.tiktoken", name="p50k_edit")
    return get_encoding(name)


def test_all_cases_are_read():
    found = cases()
    assert len(found) == 435
    assert sorted({name for name, _, _ in found}) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_conformance(name):
    enc = encoding(name)
    assert enc.name == name
    mine = [(sample, ids) for n, sample, ids in cases() if n == name]
    failed = []
    for sample, expected in mine:
        special = any(s in sample for s in enc.special_tokens_set)
        got = enc.encode(sample, allowed_special="all" if special else set())
        if got != expected:
            failed.append(f"{sample[:60]!r}: got {got[:12]}, expected {expected[:12]}")
        assert enc.decode(expected) == sample
    assert not failed, f"{name}: {len(failed)} of {len(mine)} cases differ:\n" + "\n".join(failed[:10])
