"""Many texts on several threads, and the bulk API (subtok.fast), give exactly the reference's ids.

Tokenizer.encode_batch, the tiktoken face's batch methods, `fast.encode_to_arrays` and
`fast.count_tokens` against the pure-Python reference and tiktoken, for 1 to 8 core threads and for
many Python threads sharing one tokenizer; the shapes the core does not take fall back to the
reference with the same results; bad items raise the reference's errors.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import subtok
from corpus import ALL
from helpers import NO_FAST_PATH
from subtok import fast
from subtok.encoding import Encoding
from subtok.errors import InvalidTextError
from subtok.tiktoken_api import get_encoding

np = pytest.importorskip("numpy")
tiktoken = pytest.importorskip("tiktoken")
from test_fast import CORPUS, NAMES, official_tiktoken, trio  # noqa: E402,F401 (trio: a fixture)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
needs_core = pytest.mark.skipif(not fast.enabled(), reason=NO_FAST_PATH)


@pytest.fixture(scope="module")
def paragraphs() -> list[str]:
    """Paragraphs of the shared corpus (en, code, multi: 60 KB of each), or of tests/corpus."""
    if not CORPUS.is_dir():
        return [t for t in ALL for _ in range(3)]
    out = []
    for f in ("en.txt", "code.txt", "multi.txt"):
        out += (CORPUS / f).read_bytes()[:60_000].decode("utf-8", "ignore").split("\n\n")
    return out


def reference_lists(tok: subtok.Tokenizer, texts: list, **kwargs) -> list[list[int]]:
    with fast._reference_only():
        encs = [tok.encode(t, **kwargs) for t in texts]
    assert all(type(e) is Encoding for e in encs)  # really the reference
    return [e.ids for e in encs]


def flat(lists: list[list[int]]) -> tuple[list[int], list[int]]:
    offsets = [0]
    for ids in lists:
        offsets.append(offsets[-1] + len(ids))
    return [i for ids in lists for i in ids], offsets


# -- parity -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("threads", [1, 2, 3, 8])
def test_encode_batch_equals_reference_and_tiktoken(trio, paragraphs, threads):
    name, face, theirs = trio
    tok = face.tokenizer
    texts = paragraphs + ALL + ["", " ", "<|endoftext|>", "a<|endoftext|>b " * 3]
    expected = reference_lists(tok, texts, add_special_tokens=False)
    assert expected == [theirs.encode(t, allowed_special="all") for t in texts]
    fast.set_num_threads(threads)
    try:
        encs = tok.encode_batch(texts, add_special_tokens=False)
    finally:
        fast.set_num_threads(None)
    assert all(type(e) is (fast.LazyEncoding if fast.enabled() else Encoding) for e in encs)
    assert [e.ids for e in encs] == expected
    assert fast.batch_ids(tok, texts, threads) == (expected if fast.enabled() else None)
    assert face.encode_ordinary_batch(texts, num_threads=threads) == theirs.encode_ordinary_batch(texts)
    assert (face.encode_batch(texts, num_threads=threads, allowed_special="all")
            == theirs.encode_batch(texts, allowed_special="all"))


def test_fields_of_batch_encodings_equal_the_reference(trio):
    name, face, _ = trio
    texts = ALL[:12] + ["x<|endoftext|>y", ""]
    ours = face.tokenizer.encode_batch(texts)
    with fast._reference_only():
        ref = face.tokenizer.encode_batch(texts)
    for a, b in zip(ours, ref):
        assert a == b and a.tokens == b.tokens and a.offsets == b.offsets


@pytest.mark.parametrize("threads", [1, 2, 5])
def test_bulk_arrays_and_counts(trio, paragraphs, threads):
    name, face, theirs = trio
    tok = face.tokenizer
    texts = paragraphs[:300] + ["", "<|endoftext|> and text", "", "中文😀" * 40]
    expected = reference_lists(tok, texts, add_special_tokens=False)
    ids, offsets = fast.encode_to_arrays(tok, texts, add_special_tokens=False, num_threads=threads)
    assert ids.dtype == np.uint32 and offsets.dtype == np.int64
    assert (ids.tolist(), offsets.tolist()) == flat(expected)
    assert fast.count_tokens(tok, texts, add_special_tokens=False, num_threads=threads) == [len(x) for x in expected]
    # the tiktoken face: encode_ordinary's ids (special tokens' text as text)
    ids, offsets = fast.encode_to_arrays(face, texts, num_threads=threads)
    assert (ids.tolist(), offsets.tolist()) == flat(theirs.encode_ordinary_batch(texts))
    assert fast.count_tokens(face, texts, num_threads=threads) == [len(theirs.encode_ordinary(t)) for t in texts]


def test_bulk_arrays_are_writable_and_independent():
    face = get_encoding("gpt2")
    ids, offsets = fast.encode_to_arrays(face, ["hello world", "again"])
    ids[0] = 7
    assert fast.encode_to_arrays(face, ["hello world"])[0].tolist() == [31373, 995]
    assert offsets.tolist() == [0, 2, 3]


@given(st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=60), max_size=12),
       st.sampled_from(NAMES), st.integers(1, 4))
@SETTINGS
def test_hypothesis_batches(texts, name, threads):
    face = get_encoding(name)
    tok = face.tokenizer
    expected = reference_lists(tok, texts, add_special_tokens=False)
    assert fast.batch_ids(tok, texts, threads) == (expected if fast.enabled() else None)
    assert [e.ids for e in tok.encode_batch(texts, add_special_tokens=False)] == expected
    ids, offsets = fast.encode_to_arrays(tok, texts, add_special_tokens=False, num_threads=threads)
    assert (ids.tolist(), offsets.tolist()) == flat(expected)
    assert fast.count_tokens(tok, texts, add_special_tokens=False, num_threads=threads) == [len(x) for x in expected]


def test_forced_reference_gives_the_same(paragraphs):
    face = get_encoding("cl100k_base")
    texts = paragraphs[:40]
    fast_result = fast.encode_to_arrays(face.tokenizer, texts), fast.count_tokens(face, texts)
    with fast.use_reference(True):
        assert fast.batch_ids(face.tokenizer, texts) is None
        ids, offsets = fast.encode_to_arrays(face.tokenizer, texts)
        counts = fast.count_tokens(face, texts)
        encs = face.tokenizer.encode_batch(texts)
    assert all(type(e) is Encoding for e in encs)
    assert ids.tolist() == fast_result[0][0].tolist() and offsets.tolist() == fast_result[0][1].tolist()
    assert counts == fast_result[1]


def test_other_shapes_fall_back_to_the_reference():
    """bert (WordPiece) and Llama 3 with its BOS (a post-processor): not the core's, same results."""
    bert = subtok.Tokenizer.from_file(str(subtok.assets.fetch_dir("bert-base-uncased") / "tokenizer.json"))
    texts = ALL[:30] + [""]
    for tok, special in ((bert, True), (bert, False)):
        expected = reference_lists(tok, texts, add_special_tokens=special)
        ids, offsets = fast.encode_to_arrays(tok, texts, add_special_tokens=special)
        assert (ids.tolist(), offsets.tolist()) == flat(expected)
        assert fast.count_tokens(tok, texts, add_special_tokens=special) == [len(x) for x in expected]
        assert [e.ids for e in tok.encode_batch(texts, add_special_tokens=special)] == expected
    cl100k = get_encoding("cl100k_base").tokenizer
    tok = subtok.Tokenizer.from_str(cl100k.to_str())
    tok.enable_padding(length=600)
    padded = tok.encode_batch(texts[:3])
    assert all(type(e) is Encoding and len(e.ids) == 600 for e in padded)


# -- threads ----------------------------------------------------------------------------------------

def test_eight_python_threads_share_one_tokenizer(paragraphs):
    face = get_encoding("o200k_base")
    tok = face.tokenizer
    texts = paragraphs[:400]
    expected = reference_lists(tok, texts, add_special_tokens=False)
    flat_expected = flat(expected)
    failures: list[str] = []

    def work(k: int) -> None:
        for round in range(3):
            part = texts[k::3] if round % 2 else texts
            want = expected[k::3] if round % 2 else expected
            if [e.ids for e in tok.encode_batch(part, add_special_tokens=False)] != want:
                failures.append(f"thread {k} encode_batch")
            if face.encode_ordinary_batch(part, num_threads=1 + k % 3) != want:
                failures.append(f"thread {k} face")
            ids, offsets = fast.encode_to_arrays(tok, texts, add_special_tokens=False, num_threads=2)
            if (ids.tolist(), offsets.tolist()) != flat_expected:
                failures.append(f"thread {k} arrays")
            if [tok.encode(t, add_special_tokens=False).ids for t in part[:20]] != want[:20]:
                failures.append(f"thread {k} encode")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_num_threads_setting():
    fast.set_num_threads(3)
    assert fast.get_num_threads() == 3
    fast.set_num_threads(None)
    assert fast.get_num_threads() >= 1
    for bad in (0, -1, 2.5, True, "2"):
        with pytest.raises(ValueError, match="positive int"):
            fast.set_num_threads(bad)  # type: ignore[arg-type]


def run_python(code: str, **env: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, **env})
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_environment_sets_the_threads():
    code = "from subtok import fast; print(fast.get_num_threads())"
    assert run_python(code, SUBTOK_NUM_THREADS="5") == "5"
    assert run_python(code, SUBTOK_NUM_THREADS="") == str(len(os.sched_getaffinity(0)))
    assert run_python("import warnings; warnings.simplefilter('error')\n" + code,
                      SUBTOK_NUM_THREADS="") == str(len(os.sched_getaffinity(0)))
    out = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True,
                         env={**os.environ, "SUBTOK_NUM_THREADS": "many"})
    assert out.returncode != 0 and "SUBTOK_NUM_THREADS" in out.stderr


def test_numpy_is_imported_only_by_the_bulk_functions():
    code = ("import sys; from subtok.tiktoken_api import get_encoding; from subtok import fast\n"
            "e = get_encoding('gpt2'); e.encode_ordinary_batch(['a b', 'c']); fast.count_tokens(e, ['x'])\n"
            "print('numpy' in sys.modules)")
    assert run_python(code) == "False"


# -- errors and edges -------------------------------------------------------------------------------

def test_empty_batches_and_empty_texts(trio):
    name, face, theirs = trio
    tok = face.tokenizer
    assert tok.encode_batch([]) == [] and face.encode_ordinary_batch([]) == theirs.encode_ordinary_batch([])
    assert face.encode_batch([]) == []
    ids, offsets = fast.encode_to_arrays(tok, [])
    assert ids.tolist() == [] and offsets.tolist() == [0]
    assert fast.count_tokens(tok, []) == []
    assert [e.ids for e in tok.encode_batch(["", "", ""])] == [[], [], []]
    ids, offsets = fast.encode_to_arrays(tok, ["", "", ""], num_threads=4)
    assert ids.tolist() == [] and offsets.tolist() == [0, 0, 0, 0]
    assert fast.count_tokens(face, [""] * 3) == [0, 0, 0]
    assert face.encode_ordinary_batch(["", ""]) == theirs.encode_ordinary_batch(["", ""])


@pytest.mark.parametrize("bad", ["a\ud800b", "\udfff", "x" * 5000 + "\ud83d"])
def test_lone_surrogates_give_the_references_error(bad):
    face = get_encoding("cl100k_base")
    tok = face.tokenizer
    texts = ["fine text " * 100, bad, "more"]
    with pytest.raises(InvalidTextError) as ref_error, fast._reference_only():
        tok.encode(bad)
    for call in (lambda: tok.encode_batch(texts), lambda: fast.encode_to_arrays(tok, texts, num_threads=2),
                 lambda: fast.count_tokens(tok, texts, num_threads=2)):
        with pytest.raises(InvalidTextError) as got:
            call()
        assert str(got.value) == str(ref_error.value)
    # the tiktoken face replaces them, as tiktoken does
    theirs = official_tiktoken("cl100k_base", face)
    assert face.encode_ordinary_batch(texts, num_threads=2) == theirs.encode_ordinary_batch(texts)
    assert face.encode_batch(texts, num_threads=2) == theirs.encode_batch(texts)
    assert fast.count_tokens(face, texts) == [len(x) for x in theirs.encode_ordinary_batch(texts)]


@pytest.mark.parametrize("bad", [3, None, b"bytes", ["a", "b", "c"]])
def test_items_that_are_not_text_give_the_references_error(bad):
    """encode_batch raises what the reference's encode_batch raises; the bulk functions, which mean
    encode for each text, what the reference's encode raises."""
    tok = get_encoding("gpt2").tokenizer
    texts = ["hello", bad]
    with fast._reference_only():
        with pytest.raises(Exception) as batch_error:
            tok.encode_batch(texts)
        with pytest.raises(Exception) as one_error:
            tok.encode(bad)
    for call, ref_error in ((lambda: tok.encode_batch(texts), batch_error),
                            (lambda: fast.encode_to_arrays(tok, texts), one_error),
                            (lambda: fast.count_tokens(tok, texts), one_error)):
        with pytest.raises(type(ref_error.value)) as got:
            call()
        assert str(got.value) == str(ref_error.value)
    with pytest.raises(TypeError, match="got a str"):
        fast.encode_to_arrays(tok, "not a list")


@needs_core
def test_core_batch_errors():
    core = fast._plan(get_encoding("gpt2")._ordinary).core
    with pytest.raises(TypeError, match="expected a str, got int"):
        core.encode_batch(["a", 1], 0, 2)
    with pytest.raises(TypeError):
        core.count_batch(5, 0, 2)
    with pytest.raises(ValueError, match="unknown pattern"):
        core.encode_arrays(["a"], 7, 2)
    with pytest.raises(UnicodeEncodeError):
        core.encode_arrays(["ok" * 20_000, "b\ud800" * 20_000, "c" * 20_000], 0, 3)
    # a generator, a tuple, threads beyond the texts
    assert core.encode_batch(iter(["hello"]), 0, 64) == core.encode_batch(("hello",), 0, 0) == [[31373]]


@needs_core
def test_core_makes_the_lazy_encodings():
    """encode_batch's `make`: the core puts each text's ids into a LazyEncoding itself; the objects
    are those `_lazy_encodings` makes in Python, and a `make` that is not (class, data descriptor,
    data descriptor, ...) is refused with a TypeError, not a crash."""
    from array import array

    face = get_encoding("gpt2")
    tok = face.tokenizer
    core = fast._plan(tok).core
    texts = ["hello world", "", "x" * 3000, "a\u00e9b"]
    made = core.encode_batch(texts, 0, 2, array("I", [7]), array("I", [8, 9]), fast._maker(tok, True))
    plain = core.encode_batch(texts, 0, 2, array("I", [7]), array("I", [8, 9]))
    expected = fast._lazy_encodings(plain, tok, texts, True)
    assert [type(e) for e in made] == [fast.LazyEncoding] * len(texts)
    assert [e.ids for e in made] == [e.ids for e in expected] == plain
    state = [(e._pending, e._text, e._n) for e in made]
    assert state == [(e._pending, e._text, e._n) for e in expected]
    assert state[0] == ((tok, True, tok.post_processor is None), "hello world", 5)  # 7, 2 ids, 8, 9
    assert all(e._pending is made[0]._pending for e in made)  # one tuple for the batch
    for bad in [(1, 2, 3, 4, 5, 6), (fast.LazyEncoding, 1, 2, 3, 4, 5), (fast.LazyEncoding,), 5,
                fast._maker(tok, True)[:5] + (fast.LazyEncoding, 1)]:
        with pytest.raises(TypeError):
            core.encode_batch(texts, 0, 1, b"", b"", bad)


def test_lazy_fields_are_those_of_the_encoding_as_made():
    """A LazyEncoding's other fields are computed when first read, as they were when it was made:
    the masks have the number of ids it was made with (ids changed in place since do not change
    them), a field set before it is read keeps its value, and once filled it lets go of its text."""
    face = get_encoding("gpt2")
    tok = face.tokenizer
    for enc in (tok.encode("hello world"), tok.encode_batch(["hello world"])[0]):
        assert type(enc) is (fast.LazyEncoding if fast.enabled() else Encoding)
        enc.ids.append(7)
        enc.special_tokens_mask = [5]
        assert enc.attention_mask == [1, 1] and enc.type_ids == [0, 0] and enc.special_tokens_mask == [5]
        assert enc.tokens == ["hello", "Ġworld"] and enc.offsets == [(0, 5), (5, 11)]
        if type(enc) is fast.LazyEncoding:
            assert enc._pending is None and enc._text is None


@needs_core
def test_a_collection_while_a_batch_is_made_finds_no_half_made_list():
    """The cyclic GC stays on while a batch's Encodings are made, so a collection may run Python code
    then (here a gc callback that walks every object); the result list it can find holds None where
    an item is not made yet, never a NULL that would crash whoever reads it."""
    import gc

    tok = get_encoding("gpt2").tokenizer
    texts = [f"text {k}" for k in range(5000)]
    sizes = []

    def walk(phase: str, info: dict) -> None:
        if phase == "start":
            sizes.extend(sum(1 for _ in o) for o in gc.get_objects() if type(o) is list and len(o) == len(texts))

    gc.collect()
    gc.callbacks.append(walk)
    try:
        encs = tok.encode_batch(texts)
    finally:
        gc.callbacks.remove(walk)
    assert sizes and set(sizes) == {len(texts)}  # collections ran, and read every item of the lists
    assert encs[1234].ids == tok.encode("text 1234").ids


@needs_core
def test_batch_lists_leave_the_cyclic_gc_alone():
    """encode_batch's id lists are untracked by the cyclic GC (lists of ints make no cycles; walking
    them was a fifth of a batch's time); the GC's state before the call is its state after, on or off."""
    import gc

    face = get_encoding("gpt2")
    texts = ["hello world"] * 3 + [""]
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            lists = face.encode_ordinary_batch(texts)
            encs = face.tokenizer.encode_batch(texts)
            assert gc.isenabled() is enabled
        finally:
            gc.enable()
        assert lists == [[31373, 995]] * 3 + [[]] and [e.ids for e in encs] == lists
        assert not any(gc.is_tracked(x) for x in lists) and not any(gc.is_tracked(e.ids) for e in encs)
        assert all(gc.is_tracked(e) for e in encs)  # the Encodings (they hold the tokenizer) are watched


@needs_core
def test_core_leaves_texts_with_added_tokens_to_the_caller():
    """A batch hands the core the added tokens (`stop`): each text holding one comes back as None,
    with its index, and `batch_ids` encodes it as one text is encoded; the result is the reference's
    whatever the texts hold, on one thread or several."""
    face = get_encoding("cl100k_base")
    tok = face.tokenizer
    core = fast._plan(tok).core
    stop = fast._core_stop(tok)
    assert stop is not None and b"<|endoftext|>" in stop
    texts = ["plain text", "a<|endoftext|>b", "", "<|fim_prefix|>", "\u00e9<|endofprompt|>\u4e2d", "no tokens <| here"]
    items, left = core.encode_batch(texts, 1, 2, b"", b"", None, stop)
    assert left == [1, 3, 4] and [items[k] for k in left] == [None] * 3
    assert items[0] == core.encode(texts[0], 1) and items[5] == core.encode(texts[5], 1)
    with fast._reference_only():
        expected = [e.ids for e in tok.encode_batch(texts * 40, add_special_tokens=False)]
    for threads in (1, 3):
        fast.set_num_threads(threads)
        try:
            assert [e.ids for e in tok.encode_batch(texts * 40, add_special_tokens=False)] == expected
            assert fast.batch_ids(tok, texts * 40, threads) == expected
        finally:
            fast.set_num_threads(None)
    for bad in [[b"<|"], (b"",), ("x",)]:
        with pytest.raises(TypeError):
            core.encode_batch(texts, 1, 1, b"", b"", None, bad)
