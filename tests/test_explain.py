"""`subtok explain`: the replayed steps reach exactly the tokenizer's tokens, for every model type.

Real files (gpt2 and cl100k_base byte-level BPE, Claude's byte-level BPE, CLIP's BPE with an
end-of-word suffix, bert-base-uncased WordPiece, Jurassic-2's 262k Unigram with byte fallback,
botchan's 1000-piece Unigram that fuses unknown pieces, Llama 2's byte-fallback BPE from GGUF) and
tokenizers trained here with `tokenizers`' own trainers on botchan.txt (a byte-fallback BPE, a BPE
with ``##`` prefixes and ``</w>`` suffixes and an unknown token, a WordLevel). Each is replayed on
every distinct word of the multilingual corpus, thousands of botchan words and whole sentences;
the replay must equal ``tok.encode``.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import subtok
from corpus import ALL
from subtok.cli import main
from subtok.explain import explain, explain_bpe, explain_unigram, explain_wordpiece
from subtok.models import BPE, Unigram, WordPiece
from subtok.show import load_one

tokenizers = pytest.importorskip("tokenizers")

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def botchan_lines() -> list[str]:
    return subtok.assets.fetch("sentencepiece/botchan.txt").read_text(encoding="utf-8").splitlines()


def words() -> list[str]:
    """Every distinct word of the corpus, and 1200 of botchan's (a fixed sample)."""
    corpus_words = sorted({w for text in ALL for w in text.split()})
    botchan = sorted({w for line in botchan_lines() for w in line.split()})
    return corpus_words + random.Random(6).sample(botchan, 1200)


# -- the tokenizers ------------------------------------------------------------------------------

def _train(model, pre_tokenizer, trainer) -> str:
    tok = tokenizers.Tokenizer(model)
    tok.pre_tokenizer = pre_tokenizer
    tok.train_from_iterator(botchan_lines(), trainer=trainer)
    return tok.to_str()


def trained_byte_fallback_bpe() -> subtok.Tokenizer:
    """A sentencepiece-style BPE (Metaspace) with <0x00>..<0xFF>: characters botchan lacks fall back to bytes."""
    from tokenizers import models, pre_tokenizers, trainers

    data = json.loads(_train(models.BPE(), pre_tokenizers.Metaspace(),
                             trainers.BpeTrainer(vocab_size=2000, show_progress=False)))
    ordered = sorted(data["model"]["vocab"], key=data["model"]["vocab"].get)
    data["model"]["vocab"] = {p: i for i, p in enumerate([f"<0x{b:02X}>" for b in range(256)] + ordered)}
    data["model"]["byte_fallback"] = True
    return subtok.Tokenizer.from_str(json.dumps(data))


def trained_prefix_suffix_bpe() -> subtok.Tokenizer:
    from tokenizers import models, pre_tokenizers, trainers

    model = models.BPE(unk_token="[UNK]", continuing_subword_prefix="##", end_of_word_suffix="</w>", fuse_unk=True)
    trainer = trainers.BpeTrainer(vocab_size=2000, special_tokens=["[UNK]"], continuing_subword_prefix="##",
                                  end_of_word_suffix="</w>", show_progress=False)
    return subtok.Tokenizer.from_str(_train(model, pre_tokenizers.Whitespace(), trainer))


def trained_wordlevel() -> subtok.Tokenizer:
    from tokenizers import models, pre_tokenizers, trainers

    trainer = trainers.WordLevelTrainer(vocab_size=3000, special_tokens=["[UNK]"], show_progress=False)
    return subtok.Tokenizer.from_str(_train(models.WordLevel(unk_token="[UNK]"), pre_tokenizers.Whitespace(), trainer))


def converted_unigram(asset: str, byte_fallback: bool) -> subtok.Tokenizer:
    """A real sentencepiece Unigram model, as transformers converts it to tokenizer.json."""
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("sentencepiece")
    from transformers.convert_slow_tokenizer import convert_slow_tokenizer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        slow = transformers.T5Tokenizer(vocab_file=str(subtok.assets.fetch(asset)), extra_ids=0, legacy=True)
        data = json.loads(convert_slow_tokenizer(slow).to_str())
    data["model"]["byte_fallback"] = byte_fallback  # j2.model has byte_fallback on; the converter drops it
    return subtok.Tokenizer.from_str(json.dumps(data))


def loaded(name: str, module: str) -> subtok.Tokenizer:
    """A real file through subtok's own loader (sentencepiece .model, GGUF)."""
    pytest.importorskip(module)
    return load_one(name)


MAKERS = {
    "gpt2 (byte-level BPE, tiktoken)": lambda: load_one("gpt2"),
    "cl100k_base (byte-level BPE, tiktoken)": lambda: load_one("cl100k_base"),
    "claude (byte-level BPE, NFKC)": lambda: load_one("claude"),
    "clip (BPE, </w> suffix)": lambda: load_one("clip"),
    "bert-base-uncased (WordPiece)": lambda: load_one("bert-base-uncased"),
    "j2 (Unigram, byte fallback)": lambda: converted_unigram("j2-tokenizer.model", True),
    "botchan unigram (Unigram, fused unknowns)": lambda: converted_unigram(
        "sentencepiece/botchan_en_unigram_1000.model", False),
    "llama-2 (BPE, byte fallback, GGUF)": lambda: loaded("llama-2", "subtok.formats.gguf"),
    "mistral (sentencepiece BPE, byte fallback, user-defined symbols)": lambda: loaded(
        "mistral", "subtok.formats.sentencepiece"),
    "j2 .model (sentencepiece Unigram, float32 scores)": lambda: loaded("j2", "subtok.formats.sentencepiece"),
    "trained BPE, byte fallback": trained_byte_fallback_bpe,
    "trained BPE, ## prefix, </w> suffix, [UNK]": trained_prefix_suffix_bpe,
    "trained WordLevel": trained_wordlevel,
}


_MADE: dict[str, subtok.Tokenizer] = {}


def made(name: str) -> subtok.Tokenizer:
    if name not in _MADE:
        _MADE[name] = MAKERS[name]()
    return _MADE[name]


@pytest.fixture(scope="module", params=sorted(MAKERS))
def named(request):
    return request.param, made(request.param)


def replay_mismatches(tok: subtok.Tokenizer, texts: list[str]) -> list[str]:
    bad = []
    for text in texts:
        ex = explain(tok, text)
        enc = tok.encode(text, add_special_tokens=False)
        if (ex.ids, ex.tokens) != (enc.ids, enc.tokens):
            bad.append(f"{text!r}: replay {ex.tokens} != encode {enc.tokens}")
    return bad


# -- the replay equals encode --------------------------------------------------------------------

def test_replay_equals_encode_on_words(named):
    name, tok = named
    texts = words()
    bad = replay_mismatches(tok, texts)
    assert not bad, f"{name}: {len(bad)} of {len(texts)} words differ:\n" + "\n".join(bad[:10])


def test_replay_equals_encode_on_sentences(named):
    name, tok = named
    bad = replay_mismatches(tok, list(ALL) + botchan_lines()[:100])
    assert not bad, f"{name}: {len(bad)} texts differ:\n" + "\n".join(bad[:10])


@SETTINGS
@given(text=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30))
def test_replay_equals_encode_on_any_text(text):
    for name in ("gpt2", "bert-base-uncased", "clip"):
        tok = load_one(name)
        assert not replay_mismatches(tok, [text]), name


def test_every_model_type_is_covered():
    kinds = {type(made(n).model).__name__ for n in MAKERS if "GGUF" not in n and "sentencepiece" not in n}
    assert kinds == {"BPE", "WordPiece", "Unigram", "WordLevel"}


# -- the steps say what happened ---------------------------------------------------------------

def test_bpe_steps_are_the_merges_at_their_ranks():
    tok = load_one("gpt2")
    ex = explain(tok, " subtokenizations")
    piece = ex.pieces[0]
    assert piece.steps[0].symbols == tuple("Ġsubtokenizations")
    merges = [s for s in piece.steps if s.template.startswith("merge")]
    assert merges, piece.steps
    for step in merges:
        rank = int(step.template.split()[2].rstrip(":"))
        left, right, new = step.args
        assert tok.model.merges[rank] == (left, right) and new == left + right
    assert [len(s.symbols) for s in merges] == list(range(len(piece.steps[0].symbols) - 1,
                                                          len(piece.steps[0].symbols) - 1 - len(merges), -1))
    assert piece.tokens == tok.encode(" subtokenizations").tokens
    assert explain(tok, " unbelievable").pieces[0].steps[0].text.startswith("whole piece is in the vocabulary")


def test_bpe_lowest_rank_first_leftmost_on_ties():
    bpe = BPE({"a": 0, "b": 1, "aa": 2, "ab": 3, "aab": 4}, [("a", "a"), ("a", "b"), ("aa", "b")])
    ex = explain_bpe(bpe, "aaab")
    assert [s.text for s in ex.steps] == ["start: a a a b", "merge rank 0: a + a -> aa",
                                          "merge rank 1: a + b -> ab"]
    assert ex.tokens == [t[1] for t in bpe.tokenize("aaab")] == ["aa", "ab"]


def test_bpe_byte_fallback_and_unknown_start_symbols():
    bpe = BPE({"<unk>": 0, "<0xC3>": 1, "<0xA9>": 2, "a": 3}, [], unk_token="<unk>", byte_fallback=True)
    assert explain_bpe(bpe, "aé").steps[0].symbols == ("a", "<0xC3>", "<0xA9>")
    fused = BPE({"<unk>": 0, "a": 1}, [], unk_token="<unk>", fuse_unk=True)
    assert explain_bpe(fused, "xya").tokens == ["<unk>", "a"]


def test_wordpiece_steps_are_greedy_longest_matches():
    wp = WordPiece({"[UNK]": 0, "un": 1, "##aff": 2, "##able": 3, "##a": 4, "u": 5})
    ex = explain_wordpiece(wp, "unaffable")
    assert [s.args[0] for s in ex.steps] == ["un", "##aff", "##able"]
    assert ex.steps[0].args[1:] == ("unaffable", "unaffabl", "unaffab")  # longer candidates, not in the vocabulary
    unknown = explain_wordpiece(wp, "unx")
    assert unknown.tokens == ["[UNK]"] and "nothing matches" in unknown.steps[-1].text
    assert explain_wordpiece(wp, "u" * 101).tokens == ["[UNK]"]


def test_wordpiece_real_word():
    tok = load_one("bert-base-uncased")
    ex = explain(tok, "Tokenization")
    assert ex.normalized == "tokenization"
    assert [s.args[0] for s in ex.pieces[0].steps] == ["token", "##ization"]


def brute_force(model: Unigram, text: str) -> list[tuple[float, list[str]]]:
    """Every segmentation into vocabulary pieces (single characters may be unknown), best first."""
    from subtok.models.unigram import _UNK_PENALTY

    out = []
    for cuts in itertools.product((0, 1), repeat=len(text) - 1):
        pieces, start = [], 0
        for i, cut in enumerate(cuts, 1):
            if cut:
                pieces.append(text[start:i])
                start = i
        pieces.append(text[start:])
        scores = []
        for p in pieces:
            if p in model.vocab:
                scores.append(model.pieces[model.vocab[p]][1])
            elif len(p) == 1:
                scores.append(model.min_score - _UNK_PENALTY)
            else:
                break
        else:
            out.append((math.fsum(scores), pieces))
    return sorted(out, key=lambda sp: -sp[0])


def test_unigram_nbest_are_the_best_segmentations():
    tok = converted_unigram("sentencepiece/botchan_en_unigram_1000.model", False)
    model = tok.model
    for word in ("▁unbelievable", "▁tokens", "▁Botchan", "▁schoolmaster"):
        ex = explain_unigram(model, word, nbest=5)
        expected = brute_force(model, word)[:5]
        assert [round(s.total, 6) for s in ex.nbest] == [round(t, 6) for t, _ in expected], word
        assert all("".join(s.pieces) == word for s in ex.nbest)
        assert all(math.isclose(s.total, math.fsum(s.scores), abs_tol=1e-9) for s in ex.nbest)
        assert list(ex.nbest[0].pieces) == model.encode_pieces(word)


def test_unigram_float32_and_rebasing_are_replayed():
    """Scores large enough that sentencepiece's float32 rounding and re-basing decide the path."""
    rng = random.Random(3)
    pieces = [("<unk>", 0.0)] + [(p, -rng.uniform(20000.0, 40000.0)) for p in
                                 ("a", "b", "ab", "ba", "aa", "bb", "aba", "bab", "abab", "c")]
    model = Unigram(pieces, unk_id=0, float32=True)
    for _ in range(300):
        text = "".join(rng.choice("abcd") for _ in range(rng.randint(1, 40)))
        assert explain_unigram(model, text).tokens == [t[1] for t in model.tokenize(text)], text


def test_unigram_text_output_lists_next_best():
    tok = converted_unigram("sentencepiece/botchan_en_unigram_1000.model", False)
    text = explain(tok, "unbelievable", nbest=3).to_text(tok)
    assert "best path, score" in text and "next best #2" in text and "next best #3" in text


def test_braces_in_tokens_are_text():
    for name in ("gpt2", "bert-base-uncased"):
        tok = load_one(name)
        ex = explain(tok, "{0} {{x}} {}")
        assert ex.agrees_with(tok) and "{0}" in ex.to_text(tok).replace("·", " ")


def test_added_tokens_are_matched_before_the_model():
    tok = load_one("cl100k_base")
    ex = explain(tok, "hi<|endoftext|>")
    assert ex.pieces[-1].model == "added token" and ex.pieces[-1].ids == [100257]
    assert ex.agrees_with(tok)


# -- the command ---------------------------------------------------------------------------------

def test_cli_explain(capsys):
    assert main(["explain", "unbelievable", "-t", "gpt2", "-t", "bert-base-uncased"]) == 0
    out = capsys.readouterr().out
    assert "== gpt2 (BPE) ==" in out and "merge rank" in out
    assert "== bert-base-uncased (WordPiece) ==" in out and "whole word is in the vocabulary" in out
    assert "with special tokens: [CLS] unbelievable [SEP]" in out


def test_cli_explain_needs_a_tokenizer(capsys):
    with pytest.raises(SystemExit):
        main(["explain", "word"])
    assert main(["explain", "word", "-t", "no-such-tokenizer"]) == 2
    assert "no tokenizer named 'no-such-tokenizer'" in capsys.readouterr().err
