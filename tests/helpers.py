"""Compare subtok's results with the reference ``tokenizers`` library, failing with a message that says where.

Every assertion takes a ``where`` string (config name, input text, options) that leads the failure
message, followed by the field that differs, the first differing position and both sides around it.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

__all__ = [
    "ENCODING_FIELDS",
    "short",
    "first_difference",
    "assert_same_encoding",
    "assert_same_encodings",
    "assert_same_text",
    "assert_same_texts",
    "assert_same_outcome",
]

#: The ``Encoding`` attributes compared between subtok and the reference.
ENCODING_FIELDS = (
    "ids",
    "tokens",
    "offsets",
    "type_ids",
    "attention_mask",
    "special_tokens_mask",
    "word_ids",
    "sequence_ids",
)


def short(value: Any, limit: int = 100) -> str:
    """``repr(value)``, with the middle cut out when it is longer than ``limit`` characters."""
    text = repr(value)
    if len(text) <= limit:
        return text
    keep = (limit - 20) // 2
    return f"{text[:keep]} ...[{len(text)} chars]... {text[-keep:]}"


def first_difference(ours: Sequence[Any], theirs: Sequence[Any]) -> int | None:
    """The first index where the sequences differ (the shorter length if one is a prefix), or None."""
    if len(ours) == len(theirs) and ours == theirs:
        return None
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if a != b:
            return i
    if len(ours) != len(theirs):
        return min(len(ours), len(theirs))
    return None


def _window(seq: Sequence[Any], index: int, radius: int = 4) -> str:
    lo = max(0, index - radius)
    hi = index + radius + 1
    return f"[{lo}:{min(hi, len(seq))}] {short(list(seq[lo:hi]), 300)}"


def _field(encoding: Any, name: str) -> list[Any]:
    values = list(getattr(encoding, name))
    if name == "offsets":
        values = [tuple(v) for v in values]
    return values


def assert_same_encoding(
    ours: Any,
    expected: Any,
    where: str,
    *,
    fields: Sequence[str] = ENCODING_FIELDS,
    overflowing: bool = True,
) -> None:
    """Every one of ``fields`` (and, recursively, the overflowing encodings) is equal."""
    for name in fields:
        a, b = _field(ours, name), _field(expected, name)
        index = first_difference(a, b)
        if index is None:
            continue
        lines = [
            f"{where}: `{name}` differs at index {index} (ours has {len(a)}, reference has {len(b)})",
            f"  ours:      {_window(a, index)}",
            f"  reference: {_window(b, index)}",
        ]
        if name != "tokens":
            lines += [
                f"  ours tokens:      {_window(_field(ours, 'tokens'), index)}",
                f"  reference tokens: {_window(_field(expected, 'tokens'), index)}",
            ]
        raise AssertionError("\n".join(lines))
    if not overflowing:
        return
    ours_over, expected_over = list(ours.overflowing), list(expected.overflowing)
    assert len(ours_over) == len(expected_over), (
        f"{where}: {len(ours_over)} overflowing encodings, reference has {len(expected_over)}"
    )
    for i, (a, b) in enumerate(zip(ours_over, expected_over)):
        assert_same_encoding(a, b, f"{where} overflowing[{i}]", fields=fields)


def assert_same_encodings(ours: Sequence[Any], expected: Sequence[Any], where: str) -> None:
    """Two batches of encodings are equal, item by item."""
    assert len(ours) == len(expected), f"{where}: batch of {len(ours)} encodings, reference has {len(expected)}"
    for i, (a, b) in enumerate(zip(ours, expected)):
        assert_same_encoding(a, b, f"{where} [batch item {i}]")


def assert_same_text(ours: str, expected: str, where: str) -> None:
    """Two strings (e.g. decoded text) are equal; the message shows where they first differ."""
    if ours == expected:
        return
    index = first_difference(ours, expected)
    assert index is not None
    lo = max(0, index - 20)
    raise AssertionError(
        f"{where}: text differs at character {index} (ours has {len(ours)}, reference has {len(expected)})\n"
        f"  ours:      ...{ours[lo:index + 20]!r}\n"
        f"  reference: ...{expected[lo:index + 20]!r}"
    )


def assert_same_texts(ours: Sequence[str], expected: Sequence[str], where: str) -> None:
    """Two lists of strings (e.g. from decode_batch) are equal."""
    assert len(ours) == len(expected), f"{where}: {len(ours)} texts, reference has {len(expected)}"
    for i, (a, b) in enumerate(zip(ours, expected)):
        assert_same_text(a, b, f"{where} [batch item {i}]")


def assert_same_outcome(
    ours: Callable[[], Any],
    reference: Callable[[], Any],
    where: str,
    *,
    compare: Callable[[Any, Any, str], None],
    error: type[BaseException] | tuple[type[BaseException], ...] = Exception,
) -> None:
    """Run both calls: if the reference fails, ours must raise ``error``; otherwise compare the results.

    The reference can fail with a Rust panic (``pyo3_runtime.PanicException``, a ``BaseException``),
    so anything but KeyboardInterrupt and SystemExit counts as a reference failure.
    """
    try:
        expected = reference()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - PanicException derives from BaseException
        try:
            ours()
        except error:
            return
        raise AssertionError(
            f"{where}: the reference raises {type(exc).__name__}: {str(exc)[:200]}; ours does not raise {error}"
        ) from None
    compare(ours(), expected, where)


def on_reference(call: Callable[[], Any]) -> Any:
    """``call()`` with subtok's compiled core switched off (the pure-Python reference), then on again."""
    from subtok import fast

    with fast.use_reference(True):  # then as it was (SUBTOK_PURE=1 stays on)
        return call()


def assert_generated_header_current(tool: str) -> None:
    """The header that tools/<tool>.py writes is what it would write now (else: run it and rebuild)."""
    import importlib
    import sys
    from pathlib import Path

    tools = Path(__file__).resolve().parents[1] / "tools"
    sys.path.insert(0, str(tools))
    try:
        generator = importlib.import_module(tool)
    finally:
        sys.path.remove(str(tools))
    assert generator.OUT.read_text() == generator.generate(), \
        f"{generator.OUT.name} is stale: run python tools/{tool}.py and rebuild"


def check_fast_ids(ours: Any, expected_of: Callable[[str], Any], text: str, with_reference: bool = True) -> None:
    """``ours.encode(text, add_special_tokens=False).ids`` equals the upstream library's ids for the
    text (``expected_of(text)``) and, unless told not to, the pure-Python reference's."""
    got = ours.encode(text, add_special_tokens=False).ids
    assert got == expected_of(text), text[:60]
    if with_reference:
        assert on_reference(lambda: ours.encode(text, add_special_tokens=False).ids) == got, text[:60]


# Why a test of the fast path itself is skipped (its parity tests run either way: the reference then
# runs on both sides): the extension is not built, or SUBTOK_PURE=1 forces the reference.
NO_FAST_PATH = "the fast path is off: subtok._core is not built, or SUBTOK_PURE=1 forces the reference"
