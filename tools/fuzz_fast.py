"""Fuzz the compiled core against the pure-Python reference (and tiktoken / HF tokenizers): random
short texts, and (a quarter of them) long, mostly ASCII ones.

    python tools/fuzz_fast.py [-n 1000000] [--encodings gpt2,cl100k_base,o200k_base,bert-base-uncased,
                              mistral-v1,j2] [--seed 0] [--max-len 24] [--jobs 2] [--no-tiktoken]

bert-base-uncased (the WordPiece path: BERT's normalizer and pre-tokenizer in C) is compared with
the reference and with Hugging Face tokenizers on the same tokenizer.json (truncation and padding
off), with and without its special tokens; mistral-v1 (sentencepiece BPE) and j2 (sentencepiece
Unigram) with the reference and the sentencepiece library. --no-tiktoken leaves out every upstream
library.

Each input goes through ``Tokenizer.encode(text).ids`` with the fast path on and with it forced off
(``subtok.fast.use_reference``), and through tiktoken's ``encode`` (official pattern, same ranks,
special tokens allowed); and through the tiktoken face's ``encode_ordinary`` and tiktoken's (both
replace lone surrogates). Inputs mix ASCII, every kind of whitespace, contraction letters and their
case folds, digits of several scripts, marks, title-case and modifier letters, CJK, emoji, NUL,
lone surrogates (both sides must then raise the same error) and code points drawn from all of
Unicode. Any difference or crash is printed with the input and counted; the exit status is 1 if
there was one. -n is the number of inputs per encoding.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

POOLS = [
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "0123456789",
    " \t\n\r\x0b\x0c\x1c\x1d\x85\u00a0\u1680\u2000\u2007\u200a\u2028\u2029\u202f\u205f\u3000",
    "'sStTdDmMlLvVrReE\u017f\u212a",
    "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~",
    "\u0660\u0967\u00b2\u00bd\u2163\u3007\U0001d7d8",  # other numbers
    "\u0301\u0308\u0903\u093f\u20dd\u0e31",  # marks
    "\u01c5\u1f88\u02b0\u3005\u00aa\u05d0\u0627",  # Lt, Lm, Lo
    "中文字あいうカタ한국어",
    "😀👍🏻👨‍👩‍👧🇺🇸\u200d\ufe0f",
    "éüßøåñçĳ\ufb00\u0130\u0131",
    "\x00\x01\x7f",
    "<|endoftext|>",
    "\u2581\u2581 \u2581",  # sentencepiece's space mark, as text (the Unigram core holds it as one byte)
    "\u302e\u302f\U0001d165\U0001d16d\u08d4\u0f71\u034f\u0345\u0316",  # marks NFD reorders (BERT)
    "가힣\u1100\u1161\u11a8ÅÉİ\u00adΣς[CLS][MASK]##",
]


# Long, mostly ASCII texts (a quarter of the inputs): the byte-level scanners cut ASCII pieces from a
# 64-byte window of class bit masks when at least 64 bytes follow, so short texts never reach it.
ASCII_PARTS = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \t\n\r\x0b\x0c'!\"#$%&()*+,-./:;<=>?@[]^_`{|}~") + [
    "  ", "    ", "\r\n", "\n\n", "'s", "'S", "'re", "'LL", "'ve", "'d", " the", " The", "HTTP", "Server", " 2024", "//",
]
LONG_SHARE = 0.25


def random_part(rnd: random.Random) -> str:
    """One character (or a whole special token) of the short texts."""
    r = rnd.random()
    if r < 0.85:
        pool = rnd.choice(POOLS)
        return pool if pool == "<|endoftext|>" else rnd.choice(pool)
    if r < 0.995:
        cp = rnd.randrange(0x110000)
        return chr(cp) if not 0xD800 <= cp < 0xE000 else "\ufffd"
    return chr(rnd.randrange(0xD800, 0xE000))  # a lone surrogate


def random_text(rnd: random.Random, max_len: int) -> str:
    if rnd.random() < LONG_SHARE:
        n = rnd.randrange(64, 320)
        return "".join(rnd.choice(ASCII_PARTS) if rnd.random() < 0.92 else random_part(rnd) for _ in range(n))
    return "".join(random_part(rnd) for _ in range(rnd.randrange(max_len + 1)))


def outcome(call, text):
    try:
        return call(text)
    except Exception as e:  # noqa: BLE001 - compared, not hidden
        return f"error {type(e).__name__}"


def bert_worker(name: str, seed: int, count: int, max_len: int, with_upstream: bool) -> tuple[str, int, list[str]]:
    from subtok import Tokenizer, assets, fast

    path = str(assets.fetch_dir("all-MiniLM-L6-v2") / "tokenizer.json")
    tok = Tokenizer.from_file(path)
    theirs = None
    if with_upstream:
        import tokenizers

        theirs = tokenizers.Tokenizer.from_file(path)
        theirs.no_truncation()
        theirs.no_padding()
    tok.no_truncation()
    tok.no_padding()
    rnd = random.Random(seed)
    problems: list[str] = []

    def reference(text: str, special: bool):
        with fast.use_reference(True):
            return tok.encode(text, add_special_tokens=special).ids

    for k in range(count):
        text = random_text(rnd, max_len)
        special = bool(k & 1)
        a = outcome(lambda t: tok.encode(t, add_special_tokens=special).ids, text)
        b = outcome(lambda t: reference(t, special), text)
        if a != b:
            problems.append(f"{name}: fast {a!r} != reference {b!r} for {text!r}")
        elif theirs is not None and not isinstance(a, str):
            c = theirs.encode(text, add_special_tokens=special).ids
            if a != c:
                problems.append(f"{name}: subtok {a!r} != tokenizers {c!r} for {text!r}")
    return name, count, problems


SENTENCEPIECE = {"mistral-v1": "mistral/tokenizer.model.v1", "j2": "j2-tokenizer.model"}


def sentencepiece_worker(name: str, seed: int, count: int, max_len: int,
                         with_upstream: bool) -> tuple[str, int, list[str]]:
    from subtok import assets, fast
    from subtok.formats.sentencepiece import load_sentencepiece

    path = assets.fetch(SENTENCEPIECE[name])
    tok = load_sentencepiece(path)
    theirs = None
    if with_upstream:
        import sentencepiece

        theirs = sentencepiece.SentencePieceProcessor(model_file=str(path))
    rnd = random.Random(seed)
    problems: list[str] = []

    def reference(text: str):
        with fast.use_reference(True):
            return tok.encode(text, add_special_tokens=False).ids

    for _ in range(count):
        text = random_text(rnd, max_len)
        a = outcome(lambda t: tok.encode(t, add_special_tokens=False).ids, text)
        b = outcome(reference, text)
        if a != b:
            problems.append(f"{name}: fast {a!r} != reference {b!r} for {text!r}")
        elif theirs is not None and not isinstance(a, str):
            c = theirs.encode(text)
            if a != c:
                problems.append(f"{name}: subtok {a!r} != sentencepiece {c!r} for {text!r}")
    return name, count, problems


def worker(args: tuple[str, int, int, int, bool]) -> tuple[str, int, list[str]]:
    name, seed, count, max_len, with_tiktoken = args
    if name.startswith("bert"):
        return bert_worker(name, seed, count, max_len, with_tiktoken)
    if name in SENTENCEPIECE:
        return sentencepiece_worker(name, seed, count, max_len, with_tiktoken)
    from subtok import fast
    from subtok.tiktoken_api import get_encoding

    face = get_encoding(name)
    tok = face.tokenizer
    theirs = None
    if with_tiktoken:
        theirs = official_tiktoken(name, face)
    rnd = random.Random(seed)
    problems: list[str] = []

    def fast_ids(text: str):
        return tok.encode(text).ids

    def reference_ids(text: str):
        with fast.use_reference(True):
            return tok.encode(text).ids

    for _ in range(count):
        text = random_text(rnd, max_len)
        a = outcome(fast_ids, text)
        b = outcome(reference_ids, text)
        if a != b:
            problems.append(f"{name}: fast {a!r} != reference {b!r} for {text!r}")
        elif theirs is not None and not isinstance(a, str):
            c = theirs.encode(text, allowed_special="all")
            if a != c:
                problems.append(f"{name}: subtok {a!r} != tiktoken {c!r} for {text!r}")
        if theirs is not None:  # the face: special tokens' text as text, lone surrogates replaced
            d, e = outcome(face.encode_ordinary, text), outcome(theirs.encode_ordinary, text)
            if d != e:
                problems.append(f"{name}: face encode_ordinary {d!r} != tiktoken {e!r} for {text!r}")
    return name, count, problems


def official_tiktoken(name: str, face):
    import tiktoken
    from tiktoken_ext import openai_public

    ranks = face._mergeable_ranks
    openai_public.load_tiktoken_bpe = lambda *a, **k: ranks
    openai_public.data_gym_to_mergeable_bpe_ranks = lambda *a, **k: ranks
    return tiktoken.Encoding(**openai_public.ENCODING_CONSTRUCTORS[name]())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=1_000_000, help="inputs per encoding")
    ap.add_argument("--encodings", default="gpt2,cl100k_base,o200k_base")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-len", type=int, default=24)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--chunk", type=int, default=50_000)
    ap.add_argument("--no-tiktoken", action="store_true")
    args = ap.parse_args()
    from subtok import fast

    if not fast.available():
        sys.exit("subtok._core is not built: nothing to fuzz")
    tasks = []
    for name in args.encodings.split(","):
        for k, start in enumerate(range(0, args.n, args.chunk)):
            tasks.append((name, args.seed * 1_000_003 + k * 7919 + sum(map(ord, name)), min(args.chunk, args.n - start),
                          args.max_len, not args.no_tiktoken))
    started = time.time()
    totals: dict[str, int] = {}
    problems: list[str] = []
    with multiprocessing.Pool(args.jobs) as pool:
        for name, count, found in pool.imap_unordered(worker, tasks):
            totals[name] = totals.get(name, 0) + count
            problems += found
            for p in found[:5]:
                print(p, flush=True)
            print(f"{name}: {totals[name]:,} inputs, {len(problems)} differences so far "
                  f"({time.time() - started:.0f} s)", file=sys.stderr, flush=True)
    for name, count in totals.items():
        print(f"{name}: {count:,} inputs through fast vs reference"
              + ("" if args.no_tiktoken else " vs tokenizers" if name.startswith("bert")
                 else " vs sentencepiece" if name in SENTENCEPIECE else " vs tiktoken"))
    print(f"differences: {len(problems)}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
