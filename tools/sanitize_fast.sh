#!/usr/bin/env bash
# Run the compiled core's tests under AddressSanitizer + UndefinedBehaviorSanitizer, then check it
# for leaks under valgrind (memcheck). Builds a separate, instrumented copy of subtok._core in a
# temporary directory and puts it first on the import path; the checkout's build is left alone.
#
#   tools/sanitize_fast.sh [pytest args]    (default: tests/test_fast.py tests/test_fast_batch.py
#                                            tests/test_fast_decode.py tests/test_fast_wordpiece.py
#                                            tests/test_fast_charbpe.py tests/test_fast_unigram.py
#                                            tests/test_tiktoken.py)
#
# Needs gcc with libasan/libubsan, and valgrind for the second part (apt-get install valgrind;
# skipped with a note when missing). Exit status: non-zero if either tool reports an error.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT; echo "work dir: $tmp"
inc=$("$PY" -c "import sysconfig; print(sysconfig.get_paths()['include'])")
suffix=$("$PY" -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))")
src=src/subtok/_core
mkdir -p "$tmp/asan/subtok" "$tmp/plain/subtok"
# A copy of the package with the instrumented extension in it (the package's own .so stays out).
for dir in asan plain; do
  cp -r src/subtok/. "$tmp/$dir/subtok/"
  rm -f "$tmp/$dir"/subtok/_core.*.so
done
gcc -shared -fPIC -O1 -g -std=c99 -fno-omit-frame-pointer -fsanitize=address,undefined \
  -fno-sanitize-recover=undefined -I"$inc" "$src"/*.c -lm \
  -o "$tmp/asan/subtok/_core$suffix"
gcc -shared -fPIC -O1 -g -std=c99 -I"$inc" "$src"/*.c -lm \
  -o "$tmp/plain/subtok/_core$suffix"
tests=("$@")
[ ${#tests[@]} -eq 0 ] && tests=(tests/test_fast.py tests/test_fast_batch.py tests/test_fast_decode.py
                                 tests/test_fast_wordpiece.py tests/test_fast_charbpe.py tests/test_fast_unigram.py
                                 tests/test_tiktoken.py)

echo "== AddressSanitizer + UBSan: pytest ${tests[*]}"
# Python's own allocations are not instrumented; leaks are left to valgrind below (CPython keeps
# objects alive at exit by design, which LeakSanitizer would report). --capture=sys: the sanitizers
# write to file descriptor 2, which pytest must not swallow when they abort the process.
LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" \
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
PYTHONPATH="$tmp/asan" "$PY" -m pytest -q -x -p no:cacheprovider --capture=sys "${tests[@]}"

if ! command -v valgrind >/dev/null; then
  echo "== valgrind not installed: leak check skipped (apt-get install valgrind)"
  exit 0
fi
echo "== valgrind memcheck: every fast path, then definite leaks in subtok._core's frames"
cat > "$tmp/leaks.py" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[1])
from subtok import _core, fast, normalizers, pre_tokenizers, processors, Regex, Tokenizer
from subtok import models as _core_models
assert sys.argv[1] in _core.__file__, _core.__file__
from subtok.formats.tiktoken import CL100K_PATTERN, O200K_PATTERN
from subtok.tiktoken_api import get_encoding
texts = ["hello world", "a" * 3000, "😀" * 700, "中文" * 40, "x" * 600, "Don't", "\x00\u0301'S 12345", ""]
gpt2 = get_encoding("gpt2")
for pattern in (None, CL100K_PATTERN, O200K_PATTERN):
    tok = gpt2.tokenizer
    if pattern:  # gpt2's model behind the other scanners
        tok = Tokenizer(gpt2.tokenizer.model)
        tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(pattern), "isolated"),
                                                     pre_tokenizers.ByteLevel(False, False, False)])
    for _ in range(3):
        for t in texts:
            tok.encode(t + "<|endoftext|>" + t).ids
        tok.encode_batch(texts)
plan = fast._plan(gpt2._ordinary)
plan.core.encode_batch(texts, 1)
plan.core.encode_piece(b"hello world")
_core.split(texts[-2], 2)
for bad in ("\ud800", ["ok", "\udfff"]):
    try:
        plan.core.encode_batch(bad, 0) if isinstance(bad, list) else plan.core.encode(bad, 0)
    except UnicodeEncodeError:
        pass
bert = Tokenizer(_core_models.WordPiece({"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "hello": 3, "##lo": 4, "hel": 5}))
bert.normalizer = normalizers.BertNormalizer()
bert.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
bert.post_processor = processors.BertProcessing(("[SEP]", 2), ("[CLS]", 1))
marks = "a\u302e\U0001d165\u0301\u302f" * 50
for _ in range(3):
    for t in texts + [marks, "HELLO hello, hello\u0301 中文 가"]:
        bert.encode(t).ids
    bert.encode_batch(texts + [marks])
    fast.encode_to_arrays(bert, texts)
    fast.count_tokens(bert, texts)
from subtok.models import BPE
spbpe = Tokenizer(BPE({"<unk>": 0, "▁": 1, "a": 2, "b": 3, "ab": 4, "▁ab": 5, "<0x41>": 6}, [("a", "b"), ("▁", "ab")],
                      unk_token="<unk>", fuse_unk=True, byte_fallback=True))
spbpe.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
for _ in range(3):
    for t in texts + ["ab ab abAx", "ab" * 3000, "▁▁ b"]:
        spbpe.encode(t).ids
    spbpe.encode_batch(texts)
    fast.count_tokens(spbpe, texts)
from subtok.models import Unigram
uni = Tokenizer(Unigram([("<unk>", 0.0), ("▁", -1.0), ("a", -2.0), ("ab", -3.0)] + [(f"<0x{b:02X}>", 0.0) for b in range(256)],
                        unk_id=0, byte_fallback=True, unmatched_ids=[0] + list(range(4, 260)), float32=True))
uni.normalizer = normalizers.Sequence([normalizers.Precompiled(b"", longest_match=True), normalizers.Replace(" ", "▁")])
for _ in range(3):
    for t in texts + ["ab ab abAx", "ab" * 30000, "▁▁ b"]:
        uni.encode(t).ids
    uni.encode_batch(texts)
    fast.count_tokens(uni, texts)
del plan, gpt2, tok, bert, spbpe, uni
fast._CORES.clear()
fast._SHAPED_CORES.clear()
print("done")
PYEOF
PYTHONMALLOC=malloc valgrind --quiet --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
  --error-exitcode=3 --suppressions=/dev/null --log-file="$tmp/valgrind.log" \
  "$PY" "$tmp/leaks.py" "$tmp/plain" || true
# Report only what concerns the extension: CPython itself has deliberate "leaks" and values
# valgrind cannot follow (without its suppression file), in frames of its own.
"$PY" - "$tmp/valgrind.log" <<'PYEOF'
import re, sys
log = open(sys.argv[1]).read()
records = [r for r in re.split(r"\n==\d+== \n", log) if r.strip()]
ours = re.compile(r"\((bpe\.c|merge\.c|module\.c|scan\.h|lookup\.h):\d+\)|subtok/_core\.cpython")
mine = [r for r in records if ours.search(r)]
leaks = sum("definitely lost" in r for r in records)
for r in mine[:10]:
    print(r, end="\n\n")
print(f"== valgrind: {len(records)} records in all (errors and definite leaks: {leaks} leak records), "
      f"{len(mine)} with a frame in subtok._core")
sys.exit(1 if mine else 0)
PYEOF
