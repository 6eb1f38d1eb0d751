"""Explain how a tokenizer reached its tokens: a replay of the model, step by step.

The text goes through the tokenizer's own added-token matching, normalizer and pre-tokenizer; each
piece is then replayed by an algorithm that records its decisions:

- BPE: the starting symbols (characters, bytes, or byte-fallback ``<0xNN>``), then every merge,
  lowest rank first (leftmost on ties), with its rank;
- WordPiece: the greedy longest-match-first steps, with the longer candidates that were not in the
  vocabulary;
- Unigram: the best segmentation of the lattice with every piece's score, and the next-best
  segmentations with their total scores;
- WordLevel: the lookup.

The replayed tokens are the tokenizer's tokens (the tests check it on thousands of words for every
model type); `Explanation.agrees_with` checks one.

>>> from subtok import Tokenizer
>>> from subtok.models import BPE
>>> tok = Tokenizer(BPE({"l": 0, "o": 1, "w": 2, "lo": 3, "low": 4}, [("l", "o"), ("lo", "w")]))
>>> ex = explain(tok, "low")
>>> [s.text for s in ex.pieces[0].steps]
['start: l o w', 'merge rank 0: l + o -> lo', 'merge rank 1: lo + w -> low']
>>> ex.tokens
['low']
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import BPE, Unigram, WordLevel, WordPiece
from .show import TokenDisplay, unknown_id
from .tokenizer import Tokenizer

__all__ = ["explain", "Explanation", "PieceExplanation", "Step", "Segmentation", "explain_bpe",
           "explain_wordpiece", "explain_unigram", "explain_wordlevel"]


@dataclass(frozen=True)
class Step:
    """One decision: what happened (`template` with the tokens it names as `args`), and the symbols after it."""

    template: str
    args: tuple[str, ...] = ()
    symbols: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return self.template.format(*self.args)

    def render(self, readable) -> str:
        """The text with each named token passed through `readable` (e.g. Ġ shown as ·)."""
        return self.template.format(*(readable(a) for a in self.args))


@dataclass(frozen=True)
class Segmentation:
    """A path through the Unigram lattice: its pieces, their scores and the total."""

    pieces: tuple[str, ...]
    scores: tuple[float, ...]
    total: float


@dataclass
class PieceExplanation:
    """How one pre-tokenized piece became tokens."""

    piece: str
    model: str
    steps: list[Step] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    nbest: list[Segmentation] = field(default_factory=list)  # Unigram only; nbest[0] is the path taken


# -- BPE ----------------------------------------------------------------------------------------

def explain_bpe(model: BPE, piece: str) -> PieceExplanation:
    """Replay BPE on one piece: start symbols, then each merge (lowest rank, leftmost) with its rank.

    User-defined symbols (sentencepiece) are kept whole and the text between them is replayed.
    """
    out = PieceExplanation(piece, "BPE")
    if model.ignore_merges and piece in model.vocab:
        out.steps.append(Step("whole piece is in the vocabulary (ignore_merges): {}", (piece,), (piece,)))
        out.ids, out.tokens = [model.vocab[piece]], [piece]
        return out
    if model.dropout:
        out.steps.append(Step(f"dropout={model.dropout} is left out of this replay: encode skips merges at random"))
    for segment, is_symbol in _around_symbols(model, piece):
        if is_symbol:
            out.steps.append(Step("user-defined symbol, kept whole: {}", (segment,), (segment,)))
            out.ids.append(model.vocab[segment])
            out.tokens.append(segment)
            continue
        tokens = _replay_merges(model, segment, out.steps)
        out.ids += [t[0] for t in tokens]
        out.tokens += [t[1] for t in tokens]
    return out


def _around_symbols(model: BPE, piece: str) -> list[tuple[str, bool]]:
    """The piece cut around the model's user-defined symbols: (text, is a symbol)."""
    rx = getattr(model, "_symbols_rx", None)
    if rx is None:
        return [(piece, False)]
    out, pos = [], 0
    for m in rx.finditer(piece):
        if pos < m.start():
            out.append((piece[pos:m.start()], False))
        out.append((m.group(), True))
        pos = m.end()
    if pos < len(piece):
        out.append((piece[pos:], False))
    return out


def _replay_merges(model: BPE, text: str, steps: list[Step]) -> list:
    """Start symbols, then the merges one by one; the tokens as the model names them."""
    vocab_r = model._vocab_r
    ids, lens = model._initial_symbols(text)
    start = tuple(vocab_r[i] for i in ids)
    steps.append(Step("start: " + " ".join("{}" for _ in start), start, start))
    while len(ids) > 1:
        best = _lowest_merge(model, ids)
        if best is None:
            break
        rank, i, new = best
        left, right = vocab_r[ids[i]], vocab_r[ids[i + 1]]
        ids[i:i + 2] = [new]
        lens[i:i + 2] = [lens[i] + lens[i + 1]]
        steps.append(Step(f"merge rank {rank}: {{}} + {{}} -> {{}}", (left, right, vocab_r[new]),
                          tuple(vocab_r[j] for j in ids)))
    return model._to_tokens(text, ids, lens)  # ids -> (id, token, offsets), an unknown run named by its text if so


def _lowest_merge(model: BPE, ids: list[int]) -> tuple[int, int, int] | None:
    """(rank, position, merged id) of the lowest-ranked adjacent pair, leftmost on ties."""
    best: tuple[int, int, int] | None = None
    for i in range(len(ids) - 1):
        m = model._ranks.get((ids[i], ids[i + 1]))
        if m is not None and (best is None or m[0] < best[0]):
            best = (m[0], i, m[1])
    return best


# -- WordPiece ----------------------------------------------------------------------------------

def explain_wordpiece(model: WordPiece, piece: str) -> PieceExplanation:
    """Replay WordPiece: at each position the longest vocabulary entry, or the whole word unknown."""
    out = PieceExplanation(piece, "WordPiece")
    if len(piece) > model.max_input_chars_per_word:
        return _wordpiece_unknown(out, model, f"{len(piece)} characters, more than max_input_chars_per_word="
                                  f"{model.max_input_chars_per_word}: the whole word is {{}}", piece)
    if piece in model.vocab:
        out.steps.append(Step("whole word is in the vocabulary: {}", (piece,), (piece,)))
        out.ids, out.tokens = [model.vocab[piece]], [piece]
        return out
    start, found = 0, []
    while start < len(piece):
        match, missed = _longest_match(model, piece, start)
        if match is None:
            return _wordpiece_unknown(out, model, f"at character {start} nothing matches, down to {{}}: "
                                      "the whole word is {}", piece, missed[-1])
        found.append(match)
        shown = missed[:3]
        tried = f" (not in the vocabulary: {', '.join('{}' for _ in shown)}{' ...' if len(missed) > 3 else ''})" \
            if missed else ""
        out.steps.append(Step(f"at character {start}: longest match {{}}{tried}", (match, *shown), tuple(found)))
        start += len(match) - (len(model.continuing_subword_prefix) if start else 0)
    out.tokens = found
    out.ids = [model.vocab[t] for t in found]
    return out


def _longest_match(model: WordPiece, piece: str, start: int) -> tuple[str | None, list[str]]:
    """The longest vocabulary entry at `start` (prefixed after the first), and the longer misses."""
    prefix = model.continuing_subword_prefix if start else ""
    missed = []
    for end in range(len(piece), start, -1):
        candidate = prefix + piece[start:end]
        if candidate in model.vocab:
            return candidate, missed
        missed.append(candidate)
    return None, missed


def _wordpiece_unknown(out: PieceExplanation, model: WordPiece, why: str, piece: str, *args: str
                       ) -> PieceExplanation:
    """The whole word becomes the unknown token (the model raises when it has none)."""
    ((id, unk, _),) = model._unk(piece)
    out.steps.append(Step(why, (*args, unk), (unk,)))
    out.ids, out.tokens = [id], [unk]
    return out


# -- Unigram ------------------------------------------------------------------------------------

def explain_unigram(model: Unigram, piece: str, nbest: int = 5) -> PieceExplanation:
    """The best path through the lattice (the model's tie rules) and the next-best ones, with scores."""
    out = PieceExplanation(piece, "Unigram")
    paths = _kbest(model, piece, max(1, nbest))
    out.nbest = [_segmentation(model, piece, p, s) for s, p in paths]
    best = out.nbest[0]
    detail = " | ".join(f"{{}} ({s:.3f})" for s in best.scores)
    out.steps.append(Step(f"best path, score {best.total:.3f}: {detail}", best.pieces, best.pieces))
    strings = _fuse_unknown(model, piece, paths[0][1])
    if len(strings) < len(best.pieces):
        out.steps.append(Step("adjacent unknown pieces fuse: " + " | ".join("{}" for _ in strings), tuple(strings),
                              tuple(strings)))
    out.ids, out.tokens = _unigram_tokens(model, strings, out)
    return out


Path = tuple[tuple[int, int, int], ...]  # (start, end, id) edges


def _matched(model: Unigram) -> dict[str, int]:
    """The pieces text can produce (sentencepiece's control, unused and byte pieces cannot)."""
    return getattr(model, "_matched", model.vocab)


def _rounding(model: Unigram):
    """How the model keeps a best score: as a float32 (sentencepiece) or as it is."""
    if getattr(model, "float32", False):
        from .models.unigram import to_float32

        return to_float32
    return lambda x: x


def _unknown_score(model: Unigram) -> float:
    from .models.unigram import _UNK_PENALTY

    return _rounding(model)(model.min_score - _UNK_PENALTY)


def _edges_from(model: Unigram, text: str, start: int) -> list[tuple[int, int]]:
    """(end, id) of every lattice edge leaving `start`, ends ascending, then the unknown edge (id -1)
    when no single-character piece starts there, in the order the model's Viterbi visits them."""
    matched = _matched(model)
    edges = []
    for end in range(start + 1, min(len(text), start + model._max_len) + 1):
        id = matched.get(text[start:end])
        if id is not None:
            edges.append((end, id))
    if not edges or edges[0][0] != start + 1:
        if model.unk_id is None:
            from .errors import EncodeError

            raise EncodeError(f"Unigram: {text[start]!r} is not in the vocabulary and the model has no unk_id")
        edges.append((start + 1, -1))
    return edges


def _kbest(model: Unigram, text: str, k: int) -> list[tuple[float, Path]]:
    """The path the model's Viterbi takes, then the next best paths (k in all), with their scores.

    Each position keeps the Viterbi's choice, updated as the model updates it (a candidate that
    extends the best path at its start replaces the kept one when its score is higher, in the
    model's order and arithmetic), and the k-1 best other candidates, so the k best full paths are
    exact. Scores are the model's: float32 with sentencepiece's re-basing when it keeps float32.
    """
    rounded, unk_score = _rounding(model), _unknown_score(model)
    lattice = _Positions(len(text), model)
    for start in range(len(text)):
        node = lattice.node(start, k)
        for end, id in _edges_from(model, text, start):
            lattice.reach(end)
            edge = (start, end, model.unk_id if id < 0 else id)
            piece_score = unk_score if id < 0 else model.pieces[id][1]
            for rank, (base, path) in enumerate(node):
                lattice.arrive(end, rounded(piece_score + base), path + (edge,), rank == 0)
    return [(score + lattice.offset, path) for score, path in lattice.node(len(text), k, rebase=False)]


class _Positions:
    """Per text position: the Viterbi's kept path and the other candidates that reach it."""

    def __init__(self, n: int, model: Unigram) -> None:
        self.chosen: list[tuple[float, Path] | None] = [(0.0, ())] + [None] * n
        self.others: list[list[tuple[float, Path]]] = [[] for _ in range(n + 1)]
        self.frontier = 0
        self.offset = 0.0  # what re-basing took off the scores (added back for display)
        self.float32 = bool(getattr(model, "float32", False))
        self.rounded = _rounding(model)

    def reach(self, end: int) -> None:
        self.frontier = max(self.frontier, end)

    def arrive(self, end: int, score: float, path: Path, extends_best: bool) -> None:
        kept = self.chosen[end]
        if extends_best and (kept is None or score > kept[0]):
            if kept is not None:
                self.others[end].append(kept)
            self.chosen[end] = (score, path)
        else:
            self.others[end].append((score, path))

    def node(self, pos: int, k: int, rebase: bool = True) -> list[tuple[float, Path]]:
        """The kept path first, then the best others; re-based first where the model re-bases."""
        from .models import unigram

        base = self.chosen[pos][0]  # type: ignore[index]
        limit = getattr(unigram, "_RESCALE_AT", None)
        if rebase and self.float32 and limit is not None and abs(base) > limit:
            self._rebase(pos, base)
        kept = self.chosen[pos]
        others = sorted(self.others[pos], key=lambda sp: -sp[0])[:k - 1]
        return [kept] + others  # type: ignore[list-item]

    def _rebase(self, pos: int, base: float) -> None:
        """sentencepiece's re-basing: the scores from `pos` to the frontier less `base`, in float32."""
        for i in range(pos, self.frontier + 1):
            if self.chosen[i] is not None:
                score, path = self.chosen[i]  # type: ignore[misc]
                self.chosen[i] = (self.rounded(score - base), path)
            self.others[i] = [(self.rounded(s - base), p) for s, p in self.others[i]]
        self.offset += base


def _segmentation(model: Unigram, text: str, path: Path, total: float) -> Segmentation:
    matched, unk_score = _matched(model), _unknown_score(model)
    scores = tuple(unk_score if (id == model.unk_id and matched.get(text[s:e]) != id) else model.pieces[id][1]
                   for s, e, id in path)
    return Segmentation(tuple(text[s:e] for s, e, _ in path), scores, total)


def _fuse_unknown(model: Unigram, text: str, path: Path) -> list[str]:
    """The path's strings, runs of unknown pieces joined (as the model does)."""
    out: list[str] = []
    in_unknown = False
    for s, e, id in path:
        unknown = model.unk_id is not None and id == model.unk_id
        if unknown and in_unknown:
            out[-1] += text[s:e]
        else:
            out.append(text[s:e])
        in_unknown = unknown
    return out


def _unigram_tokens(model: Unigram, strings: list[str], out: PieceExplanation) -> tuple[list[int], list[str]]:
    ids: list[int] = []
    tokens: list[str] = []
    matched = _matched(model)
    for s in strings:
        id = matched.get(s)
        if id is not None:
            ids.append(id)
            tokens.append(s)
            continue
        names = [f"<0x{b:02X}>" for b in s.encode("utf-8", "surrogatepass")]
        if model.byte_fallback and all(n in model.vocab for n in names):
            out.steps.append(Step("{} is not a piece: byte fallback " + " ".join(names), (s,), tuple(names)))
            ids += [model.vocab[n] for n in names]
            tokens += names
            continue
        out.steps.append(Step("{} is not a piece: the unknown token {}", (s, model.pieces[model.unk_id][0]), (s,)))
        ids.append(model.unk_id)  # type: ignore[arg-type]
        tokens.append(s)  # the model keeps the text as the token of an unknown piece
    return ids, tokens


# -- WordLevel ----------------------------------------------------------------------------------

def explain_wordlevel(model: WordLevel, piece: str) -> PieceExplanation:
    """WordLevel: the piece is one token, or the unknown token."""
    out = PieceExplanation(piece, "WordLevel")
    if piece in model.vocab:
        out.steps.append(Step("in the vocabulary: {}", (piece,), (piece,)))
        out.ids, out.tokens = [model.vocab[piece]], [piece]
    else:
        out.steps.append(Step("{} is not in the vocabulary: {}", (piece, model.unk_token), (model.unk_token,)))
        out.ids, out.tokens = [model.vocab[model.unk_token]], [model.unk_token]
    return out


# -- the whole pipeline -------------------------------------------------------------------------

@dataclass
class Explanation:
    """The stages before the model, then one `PieceExplanation` per piece."""

    text: str
    normalized: str
    pre_tokens: list[tuple[str, tuple[int, int]]]
    pieces: list[PieceExplanation]

    @property
    def ids(self) -> list[int]:
        return [i for p in self.pieces for i in p.ids]

    @property
    def tokens(self) -> list[str]:
        return [t for p in self.pieces for t in p.tokens]

    def agrees_with(self, tok: Tokenizer) -> bool:
        """Whether the replay gives ``tok.encode(text, add_special_tokens=False)``'s ids and tokens."""
        enc = tok.encode(self.text, add_special_tokens=False)
        keep = [i for i, m in enumerate(enc.attention_mask) if m]
        return [enc.ids[i] for i in keep] == self.ids and [enc.tokens[i] for i in keep] == self.tokens

    def to_text(self, tok: Tokenizer | None = None) -> str:
        """The explanation as lines for a terminal (tokens shown readable when `tok` is given)."""
        return "\n".join(_lines(self, TokenDisplay(tok) if tok is not None else None))


def explain(tok: Tokenizer, text: str, *, nbest: int = 5) -> Explanation:
    """Replay `tok` on `text`: added tokens, normalizer, pre-tokenizer, then the model step by step."""
    pts = tok.added_vocabulary.extract_and_normalize(text, tok._normalize_fn())
    if tok.pre_tokenizer is not None:
        tok.pre_tokenizer.pre_tokenize(pts)
    normalized = tok.normalizer.normalize_str(text) if tok.normalizer is not None else text
    pieces = []
    pre_tokens = []
    for split in pts.splits:
        ns = split.normalized
        pre_tokens.append((ns.normalized, ns.offsets_original()))
        if split.tokens is not None:
            pieces.append(_added(tok, ns.normalized, split.tokens))
        elif ns.normalized:
            pieces.append(_explain_piece(tok, ns.normalized, nbest))
    return Explanation(text, normalized, pre_tokens, pieces)


def _added(tok: Tokenizer, piece: str, tokens: list) -> PieceExplanation:
    out = PieceExplanation(piece, "added token")
    out.ids = [t[0] for t in tokens]
    out.tokens = [t[1] for t in tokens]
    kind = "a special token" if piece in tok.added_vocabulary.special_set else "an added token"
    out.steps.append(Step(f"matched whole as {kind}, before the model: {{}}", (piece,), tuple(out.tokens)))
    return out


def _explain_piece(tok: Tokenizer, piece: str, nbest: int) -> PieceExplanation:
    model = tok.model
    if isinstance(model, BPE):
        return explain_bpe(model, piece)
    if isinstance(model, WordPiece):
        return explain_wordpiece(model, piece)
    if isinstance(model, Unigram):
        return explain_unigram(model, piece, nbest)
    if isinstance(model, WordLevel):
        return explain_wordlevel(model, piece)
    raise TypeError(f"explain knows BPE, WordPiece, Unigram and WordLevel, not {type(model).__name__}")


def _lines(ex: Explanation, shown: TokenDisplay | None) -> list[str]:
    def readable(s: str) -> str:
        return shown.shown(s, "normal") if shown is not None else s

    lines = [f"text:          {ex.text!r}", f"normalized:    {ex.normalized!r}",
             "pre-tokenized: " + "  ".join(f"{readable(p)}" for p, _ in ex.pre_tokens)]
    for p in ex.pieces:
        lines += ["", f"{readable(p.piece)}  ({p.model})"]
        texts = [step.render(readable) for step in p.steps]
        width = min(56, max(len(t) for t in texts)) if texts else 0
        for n, (step, text) in enumerate(zip(p.steps, texts)):
            state = " ".join(readable(s) for s in step.symbols)
            lines.append(f"  {n:>3}  {text:<{width}}   {state}".rstrip())
        for rank, seg in enumerate(p.nbest[1:], 2):
            path = " | ".join(readable(s) for s in seg.pieces)
            lines.append(f"       next best #{rank}, score {seg.total:.3f}: {path}")
    lines += ["", "tokens: " + " ".join(readable(t) for t in ex.tokens), "ids:    " + " ".join(map(str, ex.ids))]
    return lines
