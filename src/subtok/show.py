"""See the tokens: one text cut by several tokenizers, each token on its own colored background.

`show` prints to a terminal (truecolor ANSI, degrading to 256 or 16 colors, or plain ``[brackets]``
when the output is not a terminal or ``NO_COLOR`` is set) and renders HTML in Jupyter. `view`
returns the `TokenView` behind it, which renders either way (`TokenView.to_ansi`,
`TokenView.to_html`, ``_repr_html_``).

What a person sees: whitespace made visible (``·`` space, ``→`` tab, ``↵`` newline; other control
characters as their control pictures, ``␛`` for ESC, so a token never drives the terminal), byte-level
tokens turned back into text, pieces of a UTF-8 character shown as ``<0xF0>``, unknown tokens
marked, special tokens dimmed, and the token count of each tokenizer.

>>> from subtok import Tokenizer
>>> from subtok.models import WordPiece
>>> from subtok.pre_tokenizers import Whitespace
>>> tok = Tokenizer(WordPiece({"[UNK]": 0, "token": 1, "##izer": 2, "cut": 3}))
>>> tok.pre_tokenizer = Whitespace()
>>> print(view("tokenizer cut €", ("wp", tok)).to_text())
wp: 4 tokens, 1 unknown
  [token][##izer][cut][[UNK]]

The module itself is callable, so ``subtok.show(text, "gpt2")`` works whether the package hands
out the function or this module (importing ``subtok.show`` replaces the package attribute).
"""

from __future__ import annotations

import html
import os
import sys
import types
from dataclasses import dataclass, field
from typing import IO, Iterable, Sequence, Union

from .bytes_map import UNICODE_TO_BYTES
from .errors import SubtokError
from .tokenizer import Tokenizer

__all__ = ["show", "view", "TokenView", "Row", "Piece", "display_token", "TokenDisplay", "is_byte_token", "load_many",
           "color_mode", "html_page", "PALETTE", "DEFAULT_NAMES", "SAMPLE_TEXT"]

#: Tokenizers shown when none are named (those not fetched yet are listed with the command to fetch them).
DEFAULT_NAMES = ("bert-base-uncased", "gpt2", "gpt-4", "gpt-4o", "claude", "mistral", "j2", "llama-3",
                 "starcoder2", "phi-3")

#: The text of the tokenizer-comparison tutorials: case, emoji, CJK, code, tabs, numbers.
SAMPLE_TEXT = ("English and CAPITALIZATION\n🎵 鸟\nshow_tokens False None elif == >= else: two tabs:\"\t\t\" "
               "Three tabs: \"\t\t\t\"\n12.0*50=600\n")

TokenizerSpec = Union[str, os.PathLike, Tokenizer, tuple]

#: Whitespace made visible; every other control character (a raw ESC would drive the terminal) as its
#: Unicode control picture (U+2400 + code, ␡ for DEL).
_VISIBLE = str.maketrans({**{chr(c): chr(0x2400 + c) for c in range(0x20)}, "\x7f": "␡",
                          " ": "·", "\t": "→", "\n": "↵", "\r": "␍"})
_MARKERS = frozenset(_VISIBLE.values())


# -- what one token looks like ------------------------------------------------------------------

@dataclass(frozen=True)
class Piece:
    """One token as shown: its id, the token string, the text a person reads, and its kind."""

    id: int
    token: str
    shown: str
    kind: str  # "normal", "special", "unknown" or "byte" (a byte that is not a whole character)
    offsets: tuple[int, int] = (0, 0)


def _components(stage: object) -> Iterable[object]:
    """A pipeline stage and, for a Sequence, every stage inside it."""
    if stage is None:
        return
    yield stage
    for attr in ("normalizers", "pretokenizers", "decoders", "processors"):
        for inner in getattr(stage, attr, None) or ():
            yield from _components(inner)


class TokenDisplay:
    """How the tokens of one tokenizer are turned into readable text (see `display_token`)."""

    def __init__(self, tok: Tokenizer) -> None:
        stages = [c for s in (tok.normalizer, tok.pre_tokenizer, tok.decoder) for c in _components(s)]
        self.byte_level = any(type(c).__name__ == "ByteLevel" for c in stages)
        self.space_marker = _space_marker(stages)
        model = tok.model
        self.byte_fallback = bool(getattr(model, "byte_fallback", False))
        self.unknown_id = unknown_id(model)
        self.special = tok.added_vocabulary.special_set

    def kind(self, id: int, token: str, added_special: bool = False) -> str:
        """"special" (added by the post-processor, or a special added token), "unknown" (the model's
        unknown token), "byte" (a byte that is not a whole character) or "normal"."""
        if added_special:
            return "special"
        if id == self.unknown_id:
            return "unknown"
        if token in self.special:
            return "special"
        if self.byte_fallback and is_byte_token(token):
            return "normal" if int(token[3:5], 16) < 0x80 else "byte"  # <0x0A> is a whole character
        if self.byte_level and not _whole_utf8(token):
            return "byte"
        return "normal"

    def shown(self, token: str, kind: str) -> str:
        if kind in ("special", "unknown"):
            return token
        if self.byte_fallback and is_byte_token(token) and int(token[3:5], 16) < 0x80:
            return chr(int(token[3:5], 16)).translate(_VISIBLE)
        if self.byte_level and all(c in UNICODE_TO_BYTES for c in token):
            raw = bytes(UNICODE_TO_BYTES[c] for c in token)
            try:
                token = raw.decode("utf-8")
            except UnicodeDecodeError:
                return "".join(f"<0x{b:02X}>" if b >= 0x80 else chr(b).translate(_VISIBLE) for b in raw)
        elif self.space_marker:
            token = token.replace(self.space_marker, " ")
        return token.translate(_VISIBLE)

    def piece(self, id: int, token: str, offsets: tuple[int, int] = (0, 0), added_special: bool = False) -> Piece:
        kind = self.kind(id, token, added_special)
        return Piece(id, token, self.shown(token, kind), kind, offsets)


def display_token(tok: Tokenizer, id: int, token: str | None = None) -> Piece:
    """How token ``id`` of ``tok`` is shown (byte-level stand-ins turned back into text, ...).

    >>> from subtok.models import BPE
    >>> from subtok.decoders import ByteLevel
    >>> t = Tokenizer(BPE({"Ġ": 0, "a": 1}, []))
    >>> t.decoder = ByteLevel()
    >>> display_token(t, 0).shown
    '·'
    """
    if token is None:
        token = tok.id_to_token(id) or ""
    return TokenDisplay(tok).piece(id, token)


def unknown_id(model: object) -> int | None:
    """The id of the model's unknown token, or None when it has none."""
    unk_id = getattr(model, "unk_id", None)
    if unk_id is not None:
        return unk_id
    unk = getattr(model, "unk_token", None)
    return model.token_to_id(unk) if unk else None  # type: ignore[attr-defined]


def _space_marker(stages: list[object]) -> str | None:
    """The character that stands for a space in the vocabulary ("▁" for sentencepiece), if any."""
    for c in stages:
        if type(c).__name__ == "Metaspace":
            return getattr(c, "replacement", "▁")
    for c in stages:
        if type(c).__name__ == "Replace" and "▁" in repr(c.to_dict()):  # type: ignore[attr-defined]
            return "▁"
    return None


def is_byte_token(token: str) -> bool:
    """Whether a token is a byte-fallback piece such as ``<0xE9>``.

    >>> is_byte_token("<0xE9>"), is_byte_token("<0xZZ>")
    (True, False)
    """
    return len(token) == 6 and token.startswith("<0x") and token.endswith(">") and \
        all(c in "0123456789abcdefABCDEF" for c in token[3:5])


def _whole_utf8(token: str) -> bool:
    if not all(c in UNICODE_TO_BYTES for c in token):
        return True
    try:
        bytes(UNICODE_TO_BYTES[c] for c in token).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# -- rows: one per tokenizer --------------------------------------------------------------------

@dataclass
class Row:
    """One tokenizer's cut of the text, or the one-line reason it could not be shown."""

    name: str
    pieces: list[Piece] = field(default_factory=list)
    about: str = ""
    error: str = ""

    @property
    def count(self) -> int:
        return len(self.pieces)

    def counted(self, kind: str) -> int:
        return sum(1 for p in self.pieces if p.kind == kind)

    def summary(self) -> str:
        """"28 tokens, 2 special, 1 unknown, 3 byte pieces"."""
        parts = [f"{self.count} token{'s' if self.count != 1 else ''}"]
        for kind, label in (("special", "special"), ("unknown", "unknown"), ("byte", "byte pieces")):
            n = self.counted(kind)
            if n:
                parts.append(f"{n} {label if n != 1 or kind != 'byte' else 'byte piece'}")
        return ", ".join(parts)


def encode_row(name: str, tok: Tokenizer, text: str, add_special_tokens: bool = True) -> Row:
    """The row of one tokenizer: its tokens for `text`, padding left out."""
    enc = tok.encode(text, add_special_tokens=add_special_tokens)
    shown = TokenDisplay(tok)
    pieces = [shown.piece(i, t, o, bool(s)) for i, t, o, s, m
              in zip(enc.ids, enc.tokens, enc.offsets, enc.special_tokens_mask, enc.attention_mask) if m]
    about = f"{type(tok.model).__name__}, {tok.get_vocab_size():,} tokens"
    return Row(name, pieces, about)


_LOADED: dict[str, Tokenizer] = {}


def load_one(name: str) -> Tokenizer:
    """A tokenizer by name or path, loaded once per process, with padding and truncation off."""
    tok = _LOADED.get(name)
    if tok is None:
        from .loading import load

        tok = load(name)
        tok.no_padding()
        tok.no_truncation()
        _LOADED[name] = tok
    return tok


def load_many(specs: Sequence[TokenizerSpec]) -> list[tuple[str, Tokenizer | None, str]]:
    """(label, tokenizer or None, why not) per spec: a name, a path, a Tokenizer or (label, Tokenizer).

    A tokenizer that fails to load gets a one-line reason instead of stopping the others.
    """
    out: list[tuple[str, Tokenizer | None, str]] = []
    for i, spec in enumerate(specs):
        if isinstance(spec, tuple):
            out.append((str(spec[0]), spec[1], ""))
        elif isinstance(spec, Tokenizer):
            out.append((f"{type(spec.model).__name__} #{i + 1}", spec, ""))
        else:
            label = os.fspath(spec)
            try:
                out.append((label, load_one(label), ""))
            except Exception as e:  # noqa: BLE001 - one broken tokenizer must not hide the others; named in the note
                out.append((label, None, _one_line(e)))
    return out


def _one_line(e: BaseException) -> str:
    """An error as one line: its first line, and its last (the fix) when it has several."""
    lines = [line.strip() for line in str(e).strip().splitlines() if line.strip()] or [""]
    text = lines[0] if len(lines) == 1 else f"{lines[0]} … {lines[-1]}"
    return f"{type(e).__name__}: {text}"


def available_defaults() -> tuple[list[str], list[str]]:
    """The default names that are fetched, and those that are not (``subtok download`` fetches them)."""
    from .names import describe, known

    fetched = {name for name, _, _, ok in describe() if ok}
    have, missing = [], []
    for name in DEFAULT_NAMES:
        entry = known(name)
        (have if entry is not None and entry.name in fetched else missing).append(name)
    return have, missing


# -- the view -----------------------------------------------------------------------------------

@dataclass
class TokenView:
    """A text and its rows; renders as plain text, ANSI colors or HTML."""

    text: str
    rows: list[Row]
    ids: bool = False
    notes: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        """Plain text: every token in ``[brackets]``."""
        return self.to_ansi("plain")

    def to_ansi(self, mode: str = "truecolor") -> str:
        """Colored for a terminal: mode is "truecolor", "256", "16" or "plain"."""
        if mode not in _MODES:
            raise ValueError(f"unknown color mode {mode!r}; expected one of {', '.join(_MODES)}")
        blocks = [_ansi_row(row, mode, self.ids) for row in self.rows]
        blocks += [_paint("note: " + n, mode, _NOTE) for n in self.notes]
        return "\n\n".join(blocks)

    def to_html(self, full_page: bool = False, layout: str = "rows") -> str:
        """An HTML fragment (inline styles only, so it survives notebooks and e-mail), or a whole page.

        `layout` "rows" puts each tokenizer's name above its tokens; "table" puts it on the left.
        """
        if layout not in ("rows", "table"):
            raise ValueError(f"unknown layout {layout!r}; expected 'rows' or 'table'")
        if layout == "table":
            rows = "".join(_html_table_row(r, self.ids) for r in self.rows)
            body = f'<table style="border-collapse: collapse">{rows}</table>'
        else:
            body = "".join(_html_row(row, self.ids) for row in self.rows)
        body += "".join(f'<div style="{_NOTE_CSS}">note: {html.escape(n)}</div>' for n in self.notes)
        body = f'<div class="subtok-show" style="{_BOX_CSS}">{body}</div>'
        return html_page("subtok show", body) if full_page else body

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_text()


def view(text: str, *tokenizers: TokenizerSpec, ids: bool = False, add_special_tokens: bool = True) -> TokenView:
    """The `TokenView` of `text` under each tokenizer (names, paths, Tokenizers or (label, Tokenizer)).

    With no tokenizers: the fetched ones of `DEFAULT_NAMES`.
    """
    notes: list[str] = []
    specs: Sequence[TokenizerSpec] = tokenizers
    if not specs:
        have, missing = available_defaults()
        specs = have
        if missing:
            notes.append(f"not fetched: {', '.join(missing)} (subtok download {' '.join(missing)})")
    rows = []
    for label, tok, why in load_many(specs):
        if tok is None:
            rows.append(Row(label, error=why))
            continue
        try:
            rows.append(encode_row(label, tok, text, add_special_tokens))
        except SubtokError as e:
            rows.append(Row(label, error=_one_line(e)))
    return TokenView(text, rows, ids, notes)


# -- ANSI ---------------------------------------------------------------------------------------

_MODES = ("truecolor", "256", "16", "plain")
#: Token backgrounds, cycled; pastel so black text reads on them in light and dark terminals.
PALETTE = ((187, 222, 251), (200, 230, 201), (255, 224, 178), (225, 190, 231), (255, 245, 157), (178, 235, 242))
_PALETTE_16 = ("43", "46", "42", "45")  # yellow, cyan, green, magenta backgrounds
_INK = (17, 17, 17)
_MARKER = (120, 120, 120)  # the ·→↵ standing for whitespace
_BYTE_INK = (150, 30, 110)
_UNKNOWN_BG = (214, 39, 40)
_SPECIAL = (150, 150, 150)
_NOTE = (170, 110, 0)
_RESET = "\x1b[0m"


def _xterm256(rgb: tuple[int, int, int]) -> int:
    """The nearest color of xterm's 6x6x6 cube."""
    levels = (0, 95, 135, 175, 215, 255)
    idx = [min(range(6), key=lambda i: abs(levels[i] - c)) for c in rgb]
    return 16 + 36 * idx[0] + 6 * idx[1] + idx[2]


def _color(rgb: tuple[int, int, int], mode: str, ground: int) -> str:
    """SGR parameters for a foreground (ground=38) or background (ground=48) color."""
    if mode == "truecolor":
        return f"{ground};2;{rgb[0]};{rgb[1]};{rgb[2]}"
    if mode == "256":
        return f"{ground};5;{_xterm256(rgb)}"
    code = _SIXTEEN.get(rgb, 9)  # 9: the terminal's default color
    return str(ground - 8 + code)


#: The 16-color stand-ins (offsets from 30/40; 60 and up are the bright colors).
_SIXTEEN = {_INK: 0, _MARKER: 60, _BYTE_INK: 5, _UNKNOWN_BG: 1, _SPECIAL: 60, _NOTE: 3, (255, 255, 255): 67}


def _paint(text: str, mode: str, fg: tuple[int, int, int] | None = None, bg: str | None = None,
           extra: str = "") -> str:
    if mode == "plain":
        return text
    params = [p for p in (extra, _color(fg, mode, 38) if fg else "", bg or "") if p]
    return f"\x1b[{';'.join(params)}m{text}{_RESET}"


def _token_bg(index: int, mode: str) -> str:
    if mode == "16":
        return _PALETTE_16[index % len(_PALETTE_16)]
    return _color(PALETTE[index % len(PALETTE)], mode, 48)


def _ansi_token(p: Piece, index: int, mode: str) -> str:
    if mode == "plain":
        return f"[{p.shown}]"
    if p.kind == "special":
        return _paint(p.shown, mode, _SPECIAL, extra="2")
    if p.kind == "unknown":
        return _paint(p.shown, mode, (255, 255, 255), _color(_UNKNOWN_BG, mode, 48), extra="1")
    bg = _token_bg(index, mode)
    ink = _color(_BYTE_INK if p.kind == "byte" else _INK, mode, 38)
    out = [f"\x1b[{ink};{bg}m"]
    for ch in p.shown:  # the whitespace markers in grey, the rest in ink
        out.append(f"\x1b[{_color(_MARKER, mode, 38)}m{ch}\x1b[{ink}m" if ch in _MARKERS else ch)
    return "".join(out) + _RESET


def _visual_lines(pieces: list[Piece]) -> list[list[tuple[int, Piece]]]:
    """The pieces cut into lines after each token that holds a newline (↵)."""
    lines: list[list[tuple[int, Piece]]] = [[]]
    for i, p in enumerate(pieces):
        lines[-1].append((i, p))
        if "↵" in p.shown and p.kind not in ("special", "unknown"):
            lines.append([])
    return [line for line in lines if line]


def _ansi_row(row: Row, mode: str, ids: bool) -> str:
    if row.error:
        return _paint(row.name, mode, extra="1") + ": not shown: " + _paint(row.error, mode, _NOTE)
    if mode == "plain":
        head = f"{row.name}: {row.summary()}"
    else:
        head = _paint(row.name, mode, extra="1") + "  " + _paint(f"{row.summary()}  ·  {row.about}", mode, _SPECIAL)
    lines = ["  " + "".join(_ansi_token(p, i, mode) for i, p in line) for line in _visual_lines(row.pieces)]
    if ids:
        lines.append("  ids: " + " ".join(_ansi_id(p, i, mode) for i, p in enumerate(row.pieces)))
    return "\n".join([head, *lines])


def _ansi_id(p: Piece, index: int, mode: str) -> str:
    if mode == "plain" or p.kind in ("special", "unknown"):
        return _paint(str(p.id), mode, _SPECIAL if p.kind == "special" else None)
    return f"\x1b[{_color(_INK, mode, 38)};{_token_bg(index, mode)}m{p.id}{_RESET}"


# -- HTML ---------------------------------------------------------------------------------------

_BOX_CSS = ("font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 14px; "
            "line-height: 1.9; color: #111; background: #fff; padding: 6px 0")
_NAME_CSS = "font-weight: 600; font-family: system-ui, sans-serif"
_COUNT_CSS = "color: #666; font-family: system-ui, sans-serif; font-size: 12.5px; margin-left: 10px"
_TOKENS_CSS = "margin: 2px 0 12px 0"  # tokens never break inside; lines wrap between them (<wbr>)
_NOTE_CSS = "color: #a06000; font-family: system-ui, sans-serif; font-size: 13px; margin: 4px 0"
_MARK_CSS = "color: #8a8a8a"
_ID_BOX_CSS = ("display: inline-flex; flex-direction: column; align-items: center; vertical-align: top; "
               "line-height: 1.5; padding: 1px 3px; margin: 0 3px 4px 0")
_ID_CSS = "font-size: 10px; line-height: 1.1; opacity: 0.7; font-family: system-ui, sans-serif"  # in the token's own ink


def _html_rgb(rgb: tuple[int, int, int]) -> str:
    return "#%02x%02x%02x" % rgb


def _html_token_css(p: Piece, index: int) -> str:
    base = "white-space: pre; border-radius: 3px; padding: 1px 0; margin-right: 1px"
    if p.kind == "special":
        return f"{base}; color: #999; border: 1px dashed #ccc"
    if p.kind == "unknown":
        return f"{base}; background: {_html_rgb(_UNKNOWN_BG)}; color: #fff; font-weight: 600"
    ink = _html_rgb(_BYTE_INK) if p.kind == "byte" else "#111"
    return f"{base}; background: {_html_rgb(PALETTE[index % len(PALETTE)])}; color: {ink}"


def _html_shown(shown: str) -> str:
    parts = []
    for ch in shown:
        esc = html.escape(ch)
        parts.append(f'<span style="{_MARK_CSS}">{esc}</span>' if ch in _MARKERS else esc)
    return "".join(parts)


def _html_token(p: Piece, index: int, ids: bool) -> str:
    title = html.escape(f"id {p.id} · {p.token!r}" + ("" if p.kind == "normal" else f" · {p.kind}"), quote=True)
    inner = _html_shown(p.shown)
    css = _html_token_css(p, index)
    if ids:  # a box per token, as wide as the longer of token and id, the id written under the token
        css += "; " + _ID_BOX_CSS
        inner = f'<span>{inner}</span><span style="{_ID_CSS}">{p.id}</span>'
    return (f'<span class="subtok-token subtok-{p.kind}" data-id="{p.id}" title="{title}" '
            f'style="{css}">{inner}</span>')


def _html_row(row: Row, ids: bool) -> str:
    name = f'<span class="subtok-name" style="{_NAME_CSS}">{html.escape(row.name)}</span>'
    if row.error:
        return f'<div class="subtok-row">{name}<div style="{_NOTE_CSS}">not shown: {html.escape(row.error)}</div></div>'
    count = (f'<span class="subtok-count" style="{_COUNT_CSS}">'
             f'{html.escape(row.summary())} · {html.escape(row.about)}</span>')
    lines = ["<wbr>".join(_html_token(p, i, ids) for i, p in line) for line in _visual_lines(row.pieces)]
    tokens = f'<div class="subtok-tokens" style="{_TOKENS_CSS}">{"<br>".join(lines)}</div>'
    return f'<div class="subtok-row" data-name="{html.escape(row.name, quote=True)}">{name}{count}{tokens}</div>'


def _html_table_row(row: Row, ids: bool) -> str:
    """The row as a table row: name and count on the left, tokens on the right."""
    cell = "padding: 5px 14px 5px 0; vertical-align: top; border-bottom: 1px solid #eee"
    name = (f'<td style="{cell}; white-space: nowrap"><span class="subtok-name" style="{_NAME_CSS}">'
            f'{html.escape(row.name)}</span><span class="subtok-count" style="{_COUNT_CSS}">'
            f'{html.escape(row.summary() if not row.error else "not shown")}</span></td>')
    if row.error:
        return f'<tr class="subtok-row">{name}<td style="{cell}; {_NOTE_CSS}">{html.escape(row.error)}</td></tr>'
    lines = ["<wbr>".join(_html_token(p, i, ids) for i, p in line) for line in _visual_lines(row.pieces)]
    return (f'<tr class="subtok-row" data-name="{html.escape(row.name, quote=True)}">{name}'
            f'<td class="subtok-tokens" style="{cell}">{"<br>".join(lines)}</td></tr>')


def html_page(title: str, body: str, style: str = "") -> str:
    """A whole, self-contained HTML page around `body`."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>body {{ margin: 24px 32px; }} {style}</style>"
            f"</head><body>\n{body}\n</body></html>\n")


def color_mode(stream: IO[str] | None = None, environ: dict[str, str] | None = None) -> str:
    """"truecolor", "256", "16" or "plain" for output to `stream`, from NO_COLOR, COLORTERM and TERM.

    >>> color_mode(None, {"NO_COLOR": "1"})
    'plain'
    """
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return "plain"
    if stream is None or not getattr(stream, "isatty", lambda: False)():
        return "plain"
    term = env.get("TERM", "")
    if term == "dumb":
        return "plain"
    if env.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
        return "truecolor"
    return "256" if "256" in term else "16"


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None or "ipykernel" not in sys.modules:
        return False
    ip = shell.get_ipython()  # type: ignore[attr-defined]
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def show(text: str = SAMPLE_TEXT, *tokenizers: TokenizerSpec, ids: bool = False,
         add_special_tokens: bool = True, file: IO[str] | None = None, color: str = "auto") -> None:
    """Show `text` cut by each tokenizer: HTML in Jupyter, colors in a terminal, brackets elsewhere.

    ``subtok.show("Hello world", "gpt2", "bert-base-uncased")``; `view` gives the object instead.

    >>> show("Hello world", "gpt2", file=sys.stdout)  # doctest: +SKIP
    gpt2: 2 tokens
      [Hello][·world]
    """
    v = view(text, *tokenizers, ids=ids, add_special_tokens=add_special_tokens)
    if file is None and color == "auto" and _in_notebook():
        from IPython.display import display  # type: ignore[import-not-found]

        display(v)
        return
    out = sys.stdout if file is None else file
    out.write(v.to_ansi(color_mode(out) if color == "auto" else color) + "\n")


class _CallableModule(types.ModuleType):
    """``subtok.show(...)`` calls `show` even where the attribute is this module."""

    def __call__(self, *args, **kwargs) -> None:
        return show(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
