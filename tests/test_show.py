"""`subtok show`: the tokens shown are exactly the reference libraries' tokens, rendered readably.

The references are the libraries themselves: Hugging Face `tokenizers` for bert-base-uncased and
Claude, `tiktoken` (built offline from the same files, with its own patterns) for gpt2, cl100k_base
and o200k_base. What is shown for each token is computed here from the reference's own bytes
(`decode_single_token_bytes`) or, for byte-level tokenizer.json files, from transformers' GPT-2 byte
table; special tokens in the text count as special tokens (tiktoken's ``allowed_special="all"``),
then compared with the plain, ANSI and HTML renderings.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import subtok
from conftest import real_tokenizer_path
from corpus import EDGE_CASES, MULTILINGUAL
from subtok import assets
from subtok.cli import main
from subtok.models import WordPiece
from subtok.pre_tokenizers import Whitespace
from subtok.show import SAMPLE_TEXT, TokenView, color_mode, is_byte_token, view

TUTORIAL = ("English and CAPITALIZATION\n🎵 鸟\nshow_tokens False None elif == >= else: two tabs:\"\t\t\" "
            "Three tabs: \"\t\t\t\"\n12.0*50=600\n")
TEXTS = [TUTORIAL, "Hello world", "naïve café — ½ ﬁne", *MULTILINGUAL[::7], *EDGE_CASES[::5]]
VISIBLE = str.maketrans({**{chr(c): chr(0x2400 + c) for c in range(0x20)}, "\x7f": "␡",  # control pictures
                         " ": "·", "\t": "→", "\n": "↵", "\r": "␍"})
ANSI = re.compile(r"\x1b\[[0-9;]*m")
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def shown_from_bytes(raw: bytes) -> str:
    """What a token of these bytes must look like: its text, or <0xNN> for the bytes of a cut character."""
    try:
        return raw.decode("utf-8").translate(VISIBLE)
    except UnicodeDecodeError:
        return "".join(f"<0x{b:02X}>" if b >= 0x80 else chr(b).translate(VISIBLE) for b in raw)


# -- references ----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def hf_reference(name: str):
    """(ids, tokens, shown) from Hugging Face tokenizers, padding and truncation off."""
    tokenizers = pytest.importorskip("tokenizers")
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    byte_of = {c: b for b, c in bytes_to_unicode().items()}
    tok = tokenizers.Tokenizer.from_file(str(real_tokenizer_path(name)))
    tok.no_padding()
    tok.no_truncation()
    specials = {t.content for t in tok.get_added_tokens_decoder().values() if t.special}

    def encode(text: str):
        enc = tok.encode(text)
        if name == "claude":  # byte-level: each token is bytes in GPT-2's table
            shown = [t if t in specials else shown_from_bytes(bytes(byte_of[c] for c in t)) for t in enc.tokens]
        else:
            shown = [t.translate(VISIBLE) for t in enc.tokens]
        return enc.ids, enc.tokens, shown
    return encode


@contextlib.contextmanager
def _offline_tiktoken(files: dict[str, Path]):
    from tiktoken import load as tiktoken_load
    from tiktoken_ext import openai_public

    def load_bpe(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        return tiktoken_load.load_tiktoken_bpe(str(files[url.rsplit("/", 1)[1]]), expected_hash)

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TIKTOKEN_CACHE_DIR", "")
        mp.setattr(openai_public, "load_tiktoken_bpe", load_bpe)
        mp.setattr(openai_public, "data_gym_to_mergeable_bpe_ranks", lambda **_: load_bpe("/r50k_base.tiktoken"))
        yield openai_public


def tiktoken_reference(name: str, tmp: Path):
    tiktoken = pytest.importorskip("tiktoken")
    files = {"r50k_base.tiktoken": assets.fetch("gpt2.tiktoken")}
    for official in ("cl100k_base", "o200k_base"):
        path = tmp / f"{official}.tiktoken"
        path.write_bytes(gzip.decompress(assets.fetch(f"{official}.tiktoken.gz").read_bytes()))
        files[path.name] = path
    with _offline_tiktoken(files) as openai_public:
        enc = tiktoken.Encoding(**openai_public.ENCODING_CONSTRUCTORS[name]())

    def encode(text: str):
        ids = enc.encode(text, allowed_special="all")
        return ids, None, [shown_from_bytes(enc.decode_single_token_bytes(i)) for i in ids]
    return encode


REFERENCES = {"bert-base-uncased": "hf", "claude": "hf", "gpt2": "tiktoken", "cl100k_base": "tiktoken",
              "o200k_base": "tiktoken"}


@pytest.fixture(scope="module", params=sorted(REFERENCES))
def reference(request, tmp_path_factory):
    name = request.param
    if REFERENCES[name] == "hf":
        return name, hf_reference(name)
    return name, tiktoken_reference(name, tmp_path_factory.mktemp("tiktoken"))


# -- the tokens shown are the reference's ----------------------------------------------------------

def test_rows_are_the_reference_tokens(reference):
    name, encode = reference
    for text in TEXTS:
        row = view(text, name).rows[0]
        ids, tokens, shown = encode(text)
        assert not row.error, row.error
        assert [p.id for p in row.pieces] == ids, (name, text)
        if tokens is not None:
            assert [p.token for p in row.pieces] == tokens, (name, text)
        assert [p.shown for p in row.pieces] == shown, (name, text)
        assert row.count == len(ids)


def test_tutorial_text_exactly(reference):
    """The tutorial's text in plain text: one [token] per reference token, a line break after each ↵."""
    name, encode = reference
    ids, _, shown = encode(TUTORIAL)
    text = view(TUTORIAL, name).to_text()
    head, *lines = text.split("\n")
    assert head.startswith(f"{name}: {len(ids)} tokens")
    assert "".join(line.strip() for line in lines) == "".join(f"[{s}]" for s in shown)
    for line in lines[:-1]:
        assert line.endswith("↵]") or line.endswith("↵\"]"), line


def test_tutorial_text_html(reference):
    name, encode = reference
    ids, _, shown = encode(TUTORIAL)
    parsed = parse_html(view(TUTORIAL, name, ids=True).to_html())
    assert parsed.names == [name]
    assert parsed.ids == ids
    assert parsed.texts == [s + str(i) for s, i in zip(shown, ids)]  # the id is written under each token
    assert parsed.counts[0].startswith(f"{len(ids)} tokens")


def test_tutorial_text_ansi(reference):
    name, encode = reference
    _, _, shown = encode(TUTORIAL)
    for mode in ("truecolor", "256", "16"):
        out = view(TUTORIAL, name).to_ansi(mode)
        plain = ANSI.sub("", out).split("\n")
        assert "".join(line.strip() for line in plain[1:]) == "".join(shown)
        assert {"truecolor": "48;2;", "256": "48;5;", "16": ";4"}[mode] in out


def test_what_the_tutorial_is_about():
    """[UNK] where bert loses information, emoji in byte pieces, CAPITALIZATION cut, tabs."""
    rows = {r.name: r for r in view(TUTORIAL, "bert-base-uncased", "gpt2", "cl100k_base").rows}
    assert rows["bert-base-uncased"].counted("unknown") == 2  # 🎵 and 鸟
    assert rows["bert-base-uncased"].counted("special") == 2  # [CLS] [SEP]
    assert [p.shown for p in rows["gpt2"].pieces[7:10]] == ["<0xF0><0x9F>", "<0x8E>", "<0xB5>"]
    assert [p.shown for p in rows["gpt2"].pieces[2:6]] == ["·CAP", "ITAL", "IZ", "ATION"]
    assert "→→" in [p.shown for p in rows["cl100k_base"].pieces]  # two tabs in one token


def sentencepiece_shown(piece: str) -> str:
    """A sentencepiece piece as a person reads it: ▁ is a space, <0x0A> a newline, <0xF0> stays."""
    if is_byte_token(piece):
        b = int(piece[3:5], 16)
        return chr(b).translate(VISIBLE) if b < 0x80 else piece
    return piece.replace("▁", " ").translate(VISIBLE)


@pytest.mark.parametrize("name, asset", [("mistral", "mistral/mistral_instruct_tokenizer_240323.model.v3"),
                                         ("j2", "j2-tokenizer.model")])
def test_sentencepiece_rows_are_the_reference_tokens(name, asset):
    """A sentencepiece BPE with byte fallback and a Unigram, against the sentencepiece library."""
    spm = pytest.importorskip("sentencepiece")
    sp = spm.SentencePieceProcessor(model_file=str(assets.fetch(asset)))
    for text in TEXTS:
        row = view(text, name, add_special_tokens=False).rows[0]
        assert not row.error, row.error
        ids = sp.encode(text)
        assert [p.id for p in row.pieces] == ids, (name, text)
        assert [p.shown for p in row.pieces] == [sentencepiece_shown(sp.id_to_piece(i)) for i in ids], (name, text)
    kinds = [p.kind for p in view("🎵", name, add_special_tokens=False).rows[0].pieces]
    assert kinds.count("byte") == (4 if name == "mistral" else 0)  # j2 has 🎵 as a piece


@SETTINGS
@given(text=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40))
def test_any_text_claude(text):
    encode = hf_reference("claude")
    row = view(text, "claude").rows[0]
    ids, tokens, shown = encode(text)
    assert [p.id for p in row.pieces] == ids
    assert [p.shown for p in row.pieces] == shown


# -- rendering ------------------------------------------------------------------------------------

def small() -> subtok.Tokenizer:
    tok = subtok.Tokenizer(WordPiece({"[UNK]": 0, "token": 1, "##izer": 2, "cut": 3, "[CLS]": 4}))
    tok.pre_tokenizer = Whitespace()
    tok.add_special_tokens(["[CLS]"])
    return tok


def test_plain_rendering_fixed():
    v = view("[CLS] tokenizer cut €", ("wp", small()), ids=True)
    assert v.to_text() == "wp: 5 tokens, 1 special, 1 unknown\n  [[CLS]][token][##izer][cut][[UNK]]\n  ids: 4 1 2 3 0"


def test_ansi_rendering_fixed():
    out = view("tokenizer €", ("wp", small())).to_ansi("truecolor")
    first, second = out.split("\n")
    assert first == "\x1b[1mwp\x1b[0m  \x1b[38;2;150;150;150m3 tokens, 1 unknown  ·  WordPiece, 5 tokens\x1b[0m"
    assert second == ("  \x1b[38;2;17;17;17;48;2;187;222;251mtoken\x1b[0m"
                      "\x1b[38;2;17;17;17;48;2;200;230;201m##izer\x1b[0m"
                      "\x1b[1;38;2;255;255;255;48;2;214;39;40m[UNK]\x1b[0m")
    assert "48;5;" in view("tokenizer", ("wp", small())).to_ansi("256")
    with pytest.raises(ValueError, match="unknown color mode"):
        view("x", ("wp", small())).to_ansi("rainbow")


def test_whitespace_is_visible_and_lines_break_after_newlines():
    v = view("a b\tc\nd", "gpt2")
    assert v.to_text() == "gpt2: 6 tokens\n  [a][·b][→][c][↵]\n  [d]"


def test_control_characters_never_reach_the_terminal():
    """ESC, BEL, NUL in the text or in a byte token are shown as control pictures, not written raw."""
    v = view("a\x1b[31mb\x07\x00\x7f", "gpt2", "claude")
    for mode in ("plain", "16", "truecolor"):
        out = ANSI.sub("", v.to_ansi(mode))
        assert not any(c in out for c in "\x1b\x07\x00\x7f"), (mode, out)
    assert "␛" in v.to_text() and "␇" in v.to_text() and "␀" in v.to_text() and "␡" in v.to_text()
    from subtok.show import display_token, load_one

    assert view("\x01", "mistral", add_special_tokens=False).rows[0].pieces[-1].shown == "␁"
    assert display_token(load_one("phi-3"), 4).token == "<0x01>" and display_token(load_one("phi-3"), 4).shown == "␁"


def test_color_mode():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True
    assert color_mode(io.StringIO(), {}) == "plain"  # not a terminal
    assert color_mode(Tty(), {"NO_COLOR": "1", "COLORTERM": "truecolor"}) == "plain"
    assert color_mode(Tty(), {"COLORTERM": "truecolor"}) == "truecolor"
    assert color_mode(Tty(), {"TERM": "xterm-256color"}) == "256"
    assert color_mode(Tty(), {"TERM": "xterm"}) == "16"
    assert color_mode(Tty(), {"TERM": "dumb"}) == "plain"


class _Tokens(HTMLParser):
    """Collects the token spans (data-id and text), the names and the counts of a rendering."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[int] = []
        self.texts: list[str] = []
        self.names: list[str] = []
        self.counts: list[str] = []
        self._stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        kind = "token" if "subtok-token" in cls else "name" if "subtok-name" in cls else \
            "count" if "subtok-count" in cls else ""
        if kind == "token":
            self.ids.append(int(a["data-id"]))
            self.texts.append("")
        elif kind == "name":
            self.names.append("")
        elif kind == "count":
            self.counts.append("")
        if tag != "br" and tag != "wbr":
            self._stack.append(kind or (self._stack[-1] if self._stack else ""))

    def handle_endtag(self, tag):
        if self._stack:
            self._stack.pop()

    def handle_data(self, data):
        kind = self._stack[-1] if self._stack else ""
        where = {"token": self.texts, "name": self.names, "count": self.counts}.get(kind)
        if where is not None:
            where[-1] += data


def parse_html(fragment: str) -> _Tokens:
    p = _Tokens()
    p.feed(fragment)
    return p


def test_html_fixed_and_escaped():
    tok = small()
    tok.add_tokens(["<b>&"])
    v = view("<b>& tokenizer", ("wp", tok))
    frag = v.to_html()
    assert "<b>&amp;" not in frag and "&lt;b&gt;&amp;" in frag
    parsed = parse_html(frag)
    assert parsed.texts == ["<b>&", "token", "##izer"] and parsed.ids == [5, 1, 2]
    assert v._repr_html_() == frag
    page = v.to_html(full_page=True)
    assert page.startswith("<!DOCTYPE html>") and "http" not in page
    table = parse_html(v.to_html(layout="table"))
    assert table.texts == parsed.texts and table.names == ["wp"]


def test_failing_tokenizer_is_one_line_note(tmp_path):
    bad = tmp_path / "tokenizer.json"
    bad.write_text("{not json", encoding="utf-8")
    v = view("Hello", "gpt2", str(bad))
    assert [r.name for r in v.rows] == ["gpt2", str(bad)]
    assert v.rows[1].error.startswith("TokenizerFormatError: ") and "\n" not in v.rows[1].error
    assert f"{bad}: not shown: TokenizerFormatError" in v.to_text()
    assert v.rows[0].count == 1


def test_default_set_is_what_is_fetched(monkeypatch):
    from subtok import show

    assert {"bert-base-uncased", "gpt2", "gpt-4", "gpt-4o", "claude"} <= set(show.available_defaults()[0])
    monkeypatch.setattr(show, "DEFAULT_NAMES", ("gpt2", "p50k_base", "bert-base-uncased"))  # no package has p50k
    v = view("Hello")
    assert [r.name for r in v.rows] == ["gpt2", "bert-base-uncased"]
    assert v.notes == ["not fetched: p50k_base (subtok download p50k_base)"]
    assert v.to_text().endswith("\n\nnote: not fetched: p50k_base (subtok download p50k_base)")


# -- the Python entry point -------------------------------------------------------------------------

def test_subtok_show_is_callable_even_as_the_module():
    import subtok.show as module

    out = io.StringIO()
    module("Hello world", "gpt2", file=out)  # the module itself calls show()
    assert out.getvalue() == "gpt2: 2 tokens\n  [Hello][·world]\n"
    out = io.StringIO()
    module.show("Hello world", "gpt2", file=out, color="16")
    assert "\x1b[" in out.getvalue()
    assert isinstance(module.view("x", "gpt2"), TokenView)


# -- the command ------------------------------------------------------------------------------------

def test_cli_show(capsys, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["show", "-t", "gpt2", "-t", "bert-base-uncased", "--ids", "Hello world"]) == 0
    out = capsys.readouterr().out
    assert "gpt2: 2 tokens\n  [Hello][·world]\n  ids: 15496 995" in out
    assert "bert-base-uncased: 4 tokens, 2 special\n  [[CLS]][hello][world][[SEP]]\n  ids: 101 7592 2088 102" in out


def test_cli_show_sample_text_file_and_html(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    assert main(["show", "-t", "cl100k_base", "--color", "plain"]) == 0
    assert "[·CAPITAL][IZATION][↵]" in capsys.readouterr().out  # the sample text
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # piped but empty (stdin is /dev/null): the sample
    assert main(["show", "-t", "cl100k_base", "--color", "plain"]) == 0
    assert "[·CAPITAL][IZATION][↵]" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("piped text"))
    assert main(["show", "-t", "cl100k_base", "--color", "plain"]) == 0
    assert capsys.readouterr().out == "cl100k_base: 3 tokens\n  [p][iped][·text]\n"
    src = tmp_path / "t.txt"
    src.write_text("tabs\there", encoding="utf-8")
    page = tmp_path / "out.html"
    assert main(["show", "-t", "gpt2", "--file", str(src), "--html", str(page)]) == 0
    assert parse_html(page.read_text(encoding="utf-8")).texts == ["tab", "s", "→", "here"]


def test_cli_show_names_a_missing_tokenizer(capsys):
    assert main(["show", "-t", "gpt2", "-t", "no-such-tokenizer", "--color", "plain", "Hi"]) == 2
    out = capsys.readouterr().out
    assert "gpt2: 1 token" in out and "no-such-tokenizer: not shown: TokenizerNotFoundError" in out


def test_cli_vocab(capsys):
    assert main(["vocab", "gpt2", "--grep", "^Ġtokens?$"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == ["   11241  'Ġtoken'                 ·token               decodes to ' token'",
                                "   16326  'Ġtokens'                ·tokens              decodes to ' tokens'"]
    assert main(["vocab", "bert-base-uncased"]) == 0
    out = capsys.readouterr().out
    assert "WordPiece, 30,522 tokens" in out and "'[CLS]'=101" in out and "unknown token: '[UNK]' = 100" in out
    assert main(["vocab", "cl100k_base", "--id", "100257", "--token", "hello"]) == 0
    out = capsys.readouterr().out
    assert "100257  '<|endoftext|>'" in out and "15339  'hello'" in out
    assert main(["vocab", "gpt2", "--grep", "(unclosed"]) == 2
    assert "not a regular expression" in capsys.readouterr().err


def test_sample_text_is_the_tutorial():
    assert SAMPLE_TEXT == TUTORIAL
