"""The compiled decode (`subtok.fast.join_tokens`) behind the tiktoken face: the same bytes and text as
tiktoken and as the Python join it replaces, and the same errors for ids that are no token."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus import ALL
from subtok import fast
from subtok.tiktoken_api import get_encoding
from test_fast import CORPUS, needs_core, trio  # noqa: F401 (trio: a fixture)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                              HealthCheck.function_scoped_fixture])


def python_join(face, ids) -> bytes:
    with fast.use_reference(True):
        return face.decode_bytes(ids)


def corpus_ids(face) -> list[list[int]]:
    texts = list(ALL)
    if CORPUS.is_dir():
        texts += [(CORPUS / f).read_text(encoding="utf-8")[:100_000] for f in ("en.txt", "code.txt", "multi.txt")]
    return [face.encode(t, allowed_special="all") for t in texts] + [[face.eot_token, 0, face.eot_token]]


@pytest.mark.skipif(not fast.enabled(), reason="the compiled core is off (not built, or SUBTOK_PURE=1)")
def test_table_is_used_and_equal(trio):
    name, face, ref = trio
    for ids in corpus_ids(face):
        joined = fast.join_tokens(face._token_table, ids)
        assert joined is not None, name
        assert joined == ref.decode_bytes(ids) == python_join(face, ids)
        assert face.decode(ids) == ref.decode(ids)
        assert face.decode(ids, errors="strict") == ref.decode(ids, errors="strict")
        assert fast.join_tokens(face._token_table, ids, "surrogateescape") == joined.decode("utf-8", "surrogateescape")


@SETTINGS
@given(data=st.data())
def test_any_ids(trio, data):
    name, face, ref = trio
    ids = data.draw(st.lists(st.one_of(st.integers(0, face.n_vocab - 1), st.sampled_from(sorted(face._special_ids))),
                             max_size=60))
    valid = [i for i in ids if i in face._bytes]  # o200k has holes in its id range
    assert face.decode_bytes(valid) == ref.decode_bytes(valid) == python_join(face, valid)
    assert face.decode(valid) == ref.decode(valid)


@pytest.mark.parametrize("bad", [-1, 10**30, "1", None])
def test_ids_that_are_no_token_fail_as_before(bad):
    face = get_encoding("gpt2")
    ids = [31373, bad, 995]
    with pytest.raises((KeyError, TypeError)) as fast_error:
        face.decode_bytes(ids)
    with fast.use_reference(True), pytest.raises(type(fast_error.value)) as python_error:
        face.decode_bytes(ids)
    assert str(fast_error.value) == str(python_error.value)
    with pytest.raises(KeyError, match="Invalid token for decoding: 50257"):  # a hole after the last token
        face.decode_bytes([50257])


@needs_core
@pytest.mark.parametrize("at", [0, 511, 512, 513, 1500])
def test_an_id_that_is_no_token_in_any_chunk(at):
    """The core reads the ids 512 at a time ahead of the join: one that is no token (or no int) is
    found wherever it sits, and the join of lists around the chunk size is whole."""
    face = get_encoding("gpt2")
    for n in [511, 512, 513, 1024, 1025, 2000]:
        ids = [(k * 7919) % 50000 for k in range(n)]
        assert fast.join_tokens(face._token_table, ids) == python_join(face, ids)
    for bad in [50257, -1, "1", 10**30]:
        ids = [31373] * 2000
        ids[at] = bad
        assert fast.join_tokens(face._token_table, ids) is None
        with pytest.raises((KeyError, TypeError)):
            face.decode_bytes(ids)


def test_other_sequences_and_empty():
    face = get_encoding("gpt2")
    with pytest.raises(TypeError):  # as bytes.decode("utf-8", None)
        face.decode([31373], errors=None)
    assert face.decode_bytes([]) == b""
    assert face.decode((31373, 995)) == face.decode([31373, 995]) == "hello world"
    assert face.decode_bytes(range(3)) == b"!\"#"
    assert face.decode([True]) == face.decode([1])  # bool is an int to the Python join too


@needs_core
def test_bad_tables_are_refused():
    blob, records = fast.token_table({0: b"a", 1: b"x" * 16})
    with pytest.raises(ValueError, match="16 bytes each"):
        fast._core.join_tokens(blob, records[:-1], [0])
    assert fast._core.join_tokens(blob, records, [0, 1, 0]) == b"a" + b"x" * 16 + b"a"
    # a long entry that points past its blob: not read, the caller falls back
    assert fast._core.join_tokens(b"", records, [1]) is None
    assert fast._core.join_tokens(blob, records, [2]) is None


@needs_core
def test_every_token_length():
    """Each length from 0 to 40 (inline up to 15 bytes, in the blob beyond), in many orders."""
    import random

    tokens = {n: bytes((n * 7 + k) % 255 + 1 for k in range(n)) for n in range(41)}
    table = fast.token_table(tokens)
    rng = random.Random(0)
    for _ in range(200):
        ids = [rng.randrange(41) for _ in range(rng.randrange(12))]
        assert fast.join_tokens(table, ids) == b"".join(tokens[i] for i in ids), ids


@needs_core
@SETTINGS
@given(st.dictionaries(st.integers(0, 40), st.binary(max_size=40)), st.data())
def test_any_table(tokens, data):
    """Tokens of every length around the 15-byte inline limit, holes in the ids, and the text form."""
    table = fast.token_table(tokens)
    ids = data.draw(st.lists(st.integers(0, 45), max_size=30))
    expected = b"".join(tokens[i] for i in ids) if all(i in tokens for i in ids) else None
    assert fast.join_tokens(table, ids) == expected
    text = fast.join_tokens(table, ids, "replace")
    assert text == (None if expected is None else expected.decode("utf-8", "replace"))
