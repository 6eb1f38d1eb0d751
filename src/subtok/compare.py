"""Compare tokenizers on real text: how many tokens, how much text per token, how much is lost.

`compare` reads files (or every text file under a directory), encodes them with each tokenizer and
measures, per file and, where a file mixes writing systems, per script:

- tokens; bytes and characters per token (higher: fewer tokens for the same text);
- tokens per word (fertility; words are runs of non-space characters);
- unknown-token rate (the model's unknown token) and byte rate (tokens that stand for bytes rather
  than text: byte-fallback ``<0xNN>`` pieces, or byte-level tokens that are not whole characters);
- distinct tokens used, and that as a share of the vocabulary; the longest token seen;
- encode speed in MB/s: 10^6 bytes of UTF-8 per CPU second of this process (so other load on the
  machine does not count), after a warm-up encode of each section's sample line.

Text is encoded in chunks of consecutive lines of one script (at most 64 KiB), without special tokens.
`Report.to_text`, `Report.to_json` and `Report.to_html` (one self-contained page: tables, inline SVG
bar charts, colored samples) present the result.

>>> from subtok import Tokenizer
>>> from subtok.models import WordLevel
>>> from subtok.pre_tokenizers import WhitespaceSplit
>>> tok = Tokenizer(WordLevel({"a": 0, "b": 1, "<unk>": 2}))
>>> tok.pre_tokenizer = WhitespaceSplit()
>>> report = compare_texts({"t.txt": "a b c\\n"}, [("words", tok)])
>>> s = report.sections[0].stats["words"]
>>> s.tokens, s.words, s.unknown
(3, 3, 1)
"""

from __future__ import annotations

import html
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator, Sequence

from .errors import SubtokError
from .show import TokenDisplay, TokenizerSpec, is_byte_token, html_page, load_many, unknown_id, view
from .tokenizer import Tokenizer
from .unicode import script

__all__ = ["compare", "compare_texts", "Report", "Section", "Stats", "Progress", "read_sources", "dominant_script"]

_CHUNK = 1 << 16
_TEXT_SUFFIXES = (".txt", ".md", ".rst", ".py", ".c", ".h", ".cc", ".cpp", ".js", ".ts", ".java", ".go", ".rs",
                  ".json", ".html", ".xml", ".csv", ".tsv", ".yaml", ".yml", ".toml", ".tex", ".sh", "")


# -- numbers ------------------------------------------------------------------------------------

@dataclass
class Stats:
    """What one tokenizer did to one body of text."""

    vocab_size: int
    tokens: int = 0
    bytes: int = 0
    chars: int = 0
    words: int = 0
    unknown: int = 0
    byte_tokens: int = 0
    seconds: float = 0.0
    distinct: set[int] = field(default_factory=set)
    longest: str = ""

    def ratio(self, a: float, b: float) -> float:
        return a / b if b else 0.0

    @property
    def bytes_per_token(self) -> float:
        return self.ratio(self.bytes, self.tokens)

    @property
    def chars_per_token(self) -> float:
        return self.ratio(self.chars, self.tokens)

    @property
    def fertility(self) -> float:
        """Tokens per word."""
        return self.ratio(self.tokens, self.words)

    @property
    def unknown_rate(self) -> float:
        return self.ratio(self.unknown, self.tokens)

    @property
    def byte_rate(self) -> float:
        return self.ratio(self.byte_tokens, self.tokens)

    @property
    def vocab_share(self) -> float:
        return self.ratio(len(self.distinct), self.vocab_size)

    @property
    def mb_per_s(self) -> float:
        return self.ratio(self.bytes / 1e6, self.seconds)

    def add(self, text: str, ids: list[int], seconds: float, counter: "_Counter") -> None:
        """Count one encoded chunk."""
        self.bytes += len(text.encode("utf-8"))
        self.chars += len(text)
        self.words += len(text.split())
        self.tokens += len(ids)
        self.seconds += seconds
        if counter.unknown_id is not None:
            self.unknown += ids.count(counter.unknown_id)
        byte_ids = counter.byte_ids
        self.byte_tokens += sum(1 for i in ids if i in byte_ids)
        self.distinct.update(ids)

    def to_dict(self) -> dict[str, object]:
        return {"tokens": self.tokens, "bytes": self.bytes, "chars": self.chars, "words": self.words,
                "bytes_per_token": round(self.bytes_per_token, 4), "chars_per_token": round(self.chars_per_token, 4),
                "tokens_per_word": round(self.fertility, 4), "unknown": self.unknown,
                "unknown_rate": round(self.unknown_rate, 6), "byte_tokens": self.byte_tokens,
                "byte_rate": round(self.byte_rate, 6), "distinct_tokens": len(self.distinct),
                "vocab_size": self.vocab_size, "vocab_share": round(self.vocab_share, 6), "longest_token": self.longest,
                "seconds": round(self.seconds, 4), "mb_per_s": round(self.mb_per_s, 4)}


@dataclass
class Section:
    """One file, or the lines of one script in a file: the stats of each tokenizer, and a sample line."""

    title: str
    kind: str  # "file" or "script"
    stats: dict[str, Stats] = field(default_factory=dict)
    sample: str = ""


class _Counter:
    """Counts for one tokenizer: which ids are unknown or bytes, and how each id reads."""

    def __init__(self, tok: Tokenizer) -> None:
        self.tok = tok
        self.display = TokenDisplay(tok)
        self.unknown_id = unknown_id(tok.model)
        vocab = tok.get_vocab()
        self.byte_ids = {i for t, i in vocab.items() if self.display.kind(i, t) == "byte"
                         or (self.display.byte_fallback and is_byte_token(t))}
        self.vocab_size = len(vocab)

    def encode(self, text: str) -> tuple[list[int], float]:
        """The ids of `text` (no special tokens) and the CPU seconds encoding took."""
        start = time.process_time()
        ids = self.tok.encode(text, add_special_tokens=False).ids
        return ids, time.process_time() - start

    def longest(self, ids: set[int]) -> str:
        """The longest token (in characters of text) among `ids`; byte pieces and special tokens aside."""
        best = ""
        for i in ids:
            token = self.tok.id_to_token(i) or ""
            if self.display.kind(i, token) != "normal":
                continue
            shown = self.display.shown(token, "normal")
            if len(shown) > len(best) or (len(shown) == len(best) and shown < best):
                best = shown
        return best


# -- text ---------------------------------------------------------------------------------------

def dominant_script(line: str) -> str:
    """The writing system most letters of a line are in ("Latin", "Cyrillic", "Han", "Japanese", ...),
    or "" when it has no letters.

    >>> dominant_script("Привет, мир"), dominant_script("日本語のテキスト"), dominant_script("= 42")
    ('Cyrillic', 'Japanese', '')
    """
    if line.isascii():
        return "Latin" if any(c.isalpha() for c in line) else ""
    if any(_is_kana(c) for c in line):  # subtok.unicode.script calls kana Han, as Hugging Face does
        return "Japanese"
    counts: dict[str, int] = {}
    for c in line:
        if c.isalpha():
            s = script(c)
            counts[s] = counts.get(s, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else ""


def _is_kana(c: str) -> bool:
    return "\u3040" <= c <= "\u30ff" or "\u31f0" <= c <= "\u31ff" or "\uff66" <= c <= "\uff9f"


def _chunks(text: str) -> Iterator[tuple[str, str]]:
    """(script, chunk) for runs of consecutive lines of one script, each at most _CHUNK characters."""
    current, size, parts = None, 0, []
    for line in text.splitlines(keepends=True):
        s = dominant_script(line) if line.strip() else current or ""
        if parts and (s != current or size + len(line) > _CHUNK):
            yield current or "", "".join(parts)
            parts, size = [], 0
        current = s
        parts.append(line)
        size += len(line)
    if parts:
        yield current or "", "".join(parts)


def read_sources(paths: Sequence[str | os.PathLike[str]], max_bytes: int | None = None) -> dict[str, str]:
    """{label: text} for files, and for every UTF-8 text file under directories (sorted).

    `max_bytes` keeps the first that many bytes of each file, cut at a line end.
    """
    out: dict[str, str] = {}
    for p in map(Path, paths):
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and not any(x.startswith(".") for x in f.parts)
                           and f.suffix.lower() in _TEXT_SUFFIXES)
            for f in files:
                text = _read(f, max_bytes, quiet=True)
                if text is not None:
                    out[str(f.relative_to(p.parent))] = text
        elif p.is_file():
            out[p.name if p.name not in out else str(p)] = _read(p, max_bytes, quiet=False) or ""
        else:
            raise FileNotFoundError(f"subtok compare: no file or directory at {str(p)!r}")
    return out


def _read(path: Path, max_bytes: int | None, quiet: bool) -> str | None:
    with open(path, "rb") as f:
        data = f.read(max_bytes if max_bytes is not None else -1)
    if max_bytes is not None and len(data) == max_bytes and b"\n" in data:
        data = data[:data.rindex(b"\n") + 1]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        if quiet:
            return None
        raise SubtokError(f"{path}: not UTF-8 text (byte {e.start}); compare reads UTF-8 files") from None


# -- progress -----------------------------------------------------------------------------------

class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, total: int, stream: IO[str] | None = None, enabled: bool | None = None) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.stream = sys.stderr if stream is None else stream
        self.enabled = getattr(self.stream, "isatty", lambda: False)() if enabled is None else enabled
        self._last = 0.0
        self.started = time.perf_counter()

    def advance(self, amount: int, label: str) -> None:
        self.done += amount
        now = time.perf_counter()
        if self.enabled and (now - self._last > 0.1 or self.done >= self.total):
            self._last = now
            self.stream.write("\r" + self.line(label))
            self.stream.flush()

    def line(self, label: str, width: int = 30) -> str:
        share = min(1.0, self.done / self.total)
        filled = int(share * width)
        elapsed = time.perf_counter() - self.started
        eta = f"{elapsed / share - elapsed:4.0f}s left" if share > 0.01 else "        "
        return f"[{'█' * filled}{'·' * (width - filled)}] {share:4.0%} {eta}  {label[:40]:<40}"

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()


# -- comparing ----------------------------------------------------------------------------------

@dataclass
class Report:
    """The sections (a file, or a script within a file) and the tokenizers that could not be used."""

    names: list[str]
    sections: list[Section]
    errors: dict[str, str] = field(default_factory=dict)
    samples: dict[str, object] = field(default_factory=dict)  # section title -> show.TokenView

    def to_json(self) -> str:
        return json.dumps({"tokenizers": self.names, "errors": self.errors,
                           "sections": [{"title": s.title, "kind": s.kind,
                                         "stats": {n: st.to_dict() for n, st in s.stats.items()}}
                                        for s in self.sections]}, ensure_ascii=False, indent=2)

    def to_text(self) -> str:
        """Aligned tables, one per section."""
        return "\n\n".join(_text_table(s) for s in self.sections) + "".join(
            f"\n\n{name}: not compared: {why}" for name, why in self.errors.items())

    def to_html(self) -> str:
        """One self-contained page: tables, bar charts (inline SVG) and colored samples."""
        return _html_report(self)


def compare_texts(texts: dict[str, str], tokenizers: Sequence[TokenizerSpec], *, samples: bool = True,
                  progress: Progress | None = None) -> Report:
    """Compare tokenizers on {label: text}; see the module docstring for what is measured."""
    loaded = load_many(tokenizers)
    errors = {label: why for label, tok, why in loaded if tok is None}
    usable = [(label, tok) for label, tok, _ in loaded if tok is not None]
    if progress is not None:  # only what will be encoded
        progress.total = max(1, sum(len(t.encode("utf-8")) for t in texts.values()) * len(usable))
    counters = {label: _Counter(tok) for label, tok in usable}
    chunked = {label: list(_chunks(text)) for label, text in texts.items()}
    sections = []
    for label, text in texts.items():
        sections += _file_sections(label, chunked[label], counters, progress)
    report = Report([label for label, _ in usable], sections, errors)
    if samples and usable:
        for s in sections:
            if s.sample:
                report.samples[s.title] = view(s.sample, *usable, add_special_tokens=False)
    return report


def _file_sections(label: str, chunks: list[tuple[str, str]], counters: dict[str, _Counter],
                   progress: Progress | None) -> list[Section]:
    """The section of the whole file, then one per script when the file mixes scripts."""
    whole = Section(label, "file", sample=_sample(chunks, None))
    by_script: dict[str, Section] = {}
    for sc, _ in chunks:
        by_script.setdefault(sc, Section(f"{label}: {sc or 'no letters'}", "script", sample=_sample(chunks, sc)))
    for name, counter in counters.items():
        for section in (whole, *by_script.values()):  # first use loads lazy tables: not part of the speed
            counter.encode(section.sample)
        for sc, chunk in chunks:
            ids, seconds = counter.encode(chunk)
            for section in (whole, by_script[sc]):
                section.stats.setdefault(name, Stats(counter.vocab_size)).add(chunk, ids, seconds, counter)
            if progress is not None:
                progress.advance(len(chunk.encode("utf-8")), f"{name}: {label}")
        for section in (whole, *by_script.values()):
            if name in section.stats:
                section.stats[name].longest = counter.longest(section.stats[name].distinct)
    scripts = [s for s in by_script.values() if s.title != f"{label}: no letters" and _share(s, whole) >= 0.02]
    return [whole] + (scripts if len(scripts) > 1 else [])


def _share(section: Section, whole: Section) -> float:
    """The share of the file's bytes that a section holds."""
    a = next(iter(section.stats.values()), None)
    b = next(iter(whole.stats.values()), None)
    return a.bytes / b.bytes if a is not None and b is not None and b.bytes else 0.0


def _sample(chunks: list[tuple[str, str]], sc: str | None, limit: int = 160) -> str:
    """A line to show colored: the first line of `sc` (any script when None) that is mostly words."""
    for chunk_sc, chunk in chunks:
        if sc is not None and chunk_sc != sc:
            continue
        for line in chunk.splitlines():
            text = line.strip()
            wordy = sum(c.isalpha() or c == " " for c in text) >= 0.7 * len(text)
            if len(text) >= 30 and wordy and (sc is None or dominant_script(line) == sc):
                return text[:limit]
    return ""


def compare(paths: Sequence[str | os.PathLike[str]], tokenizers: Sequence[TokenizerSpec] = (), *,
            max_bytes: int | None = None, samples: bool = True, progress: bool | None = None) -> Report:
    """Compare tokenizers on files and directories (see `read_sources`); with no tokenizers, the
    fetched ones of `subtok.show.DEFAULT_NAMES`.

    A progress bar is drawn on stderr when it is a terminal (`progress=None`), always (True) or never.

    >>> compare(["shared/bench/corpus"], ["gpt2", "bert-base-uncased"]).to_text()  # doctest: +SKIP
    """
    texts = read_sources(paths, max_bytes)
    if not tokenizers:
        from .show import available_defaults

        tokenizers = available_defaults()[0]
    bar = Progress(1, enabled=progress)
    try:
        return compare_texts(texts, tokenizers, samples=samples, progress=bar)
    finally:
        bar.close()


# -- text tables --------------------------------------------------------------------------------

_COLUMNS = ("tokens", "bytes/tok", "chars/tok", "tok/word", "unk %", "byte %", "distinct", "vocab %", "MB/s",
            "longest token")


def _row(st: Stats) -> list[str]:
    return [f"{st.tokens:,}", f"{st.bytes_per_token:.2f}", f"{st.chars_per_token:.2f}", f"{st.fertility:.2f}",
            f"{100 * st.unknown_rate:.2f}", f"{100 * st.byte_rate:.2f}", f"{len(st.distinct):,}",
            f"{100 * st.vocab_share:.1f}", f"{st.mb_per_s:.2f}", f"{_cut(st.longest, 20)!r} ({len(st.longest)})"]


def _cut(s: str, n: int) -> str:
    return s if len(s) <= n else s[:n - 1] + "…"


def _describe(section: Section) -> str:
    st = next(iter(section.stats.values()), None)
    if st is None:
        return section.title
    return f"{section.title}  ({st.bytes:,} bytes, {st.chars:,} characters, {st.words:,} words)"


def _text_table(section: Section) -> str:
    rows = [["tokenizer", *_COLUMNS]] + [[name, *_row(st)] for name, st in section.stats.items()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [_describe(section)]
    for r in rows:
        cells = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:-1], widths[1:-1])] + [r[-1]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


# -- HTML report --------------------------------------------------------------------------------

#: One color per tokenizer, the same in every chart (Tableau 10).
SERIES = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
          "#bab0ac")

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f; max-width: 1180px; }
h1 { font-size: 24px; margin-bottom: 4px; } h2 { font-size: 19px; margin: 34px 0 2px; border-top: 1px solid #ddd;
padding-top: 18px; } .sub { color: #666; font-size: 13.5px; margin: 0 0 12px; }
table.stats { border-collapse: collapse; font-size: 13.5px; font-variant-numeric: tabular-nums; margin: 10px 0; }
.stats th { text-align: right; font-weight: 600; color: #444; padding: 5px 9px; border-bottom: 2px solid #ccc;
white-space: nowrap; } .stats th:first-child, .stats td:first-child, .stats th:last-child { text-align: left; }
.stats td { text-align: right; padding: 4px 9px; border-bottom: 1px solid #eee; white-space: nowrap; }
.stats tr:nth-child(even) td { background: #fafafa; } .stats td.best { font-weight: 700; }
.stats td.longest { font-family: ui-monospace, Menlo, Consolas, monospace; text-align: left; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 7px; }
.charts { display: flex; flex-wrap: wrap; gap: 18px 28px; margin: 8px 0 4px; }
.note { color: #a06000; } .legend { font-size: 12.5px; color: #555; margin: 2px 0 10px; }
h3 { font-size: 14px; margin: 16px 0 0; color: #444; }
"""

_LEGEND = ('<p class="legend"><b>tok/word</b>: tokens per word (fertility; a word is a run of non-space '
           "characters). <b>unk %</b>: tokens that are the model's unknown token. <b>byte %</b>: tokens that "
           "stand for bytes: byte-fallback &lt;0xNN&gt; pieces (in sentencepiece models a newline or tab is "
           "one) and byte-level tokens that are not whole characters. <b>distinct</b>: different tokens used; "
           "<b>vocab %</b>: that share of the vocabulary. <b>longest token</b>: in characters, as text. "
           "The best value of a column is in bold when one tokenizer alone has it.</p>")

#: The columns whose best value is marked in bold: is higher better?
_BEST = {"tokens": False, "bytes/tok": True, "chars/tok": True, "tok/word": False, "unk %": False, "byte %": False,
         "MB/s": True}


def _html_report(report: Report) -> str:
    colors = {name: SERIES[i % len(SERIES)] for i, name in enumerate(report.names)}
    files = [s for s in report.sections if s.kind == "file"]
    total = sum(next(iter(s.stats.values())).bytes for s in files if s.stats)
    parts = [f"<h1>Tokenizer comparison</h1><p class=\"sub\">{len(report.names)} tokenizers on {len(files)} "
             f"file{'s' if len(files) != 1 else ''} ({_size(total)} of UTF-8), made by "
             "<code>subtok compare</code>. Tokens are counted without special tokens; MB/s is subtok's "
             "pure-Python encoder, per CPU second.</p>", _LEGEND]
    parts += [f'<p class="note">{html.escape(n)}: not compared: {html.escape(w)}</p>' for n, w in report.errors.items()]
    for section in report.sections:
        parts.append(_html_section(section, colors, report.samples.get(section.title)))
    return html_page("subtok compare", "\n".join(parts), _CSS)


def _html_section(section: Section, colors: dict[str, str], sample: object | None) -> str:
    size = _describe(section)[len(section.title):].strip(" ()")
    out = [f"<h2>{html.escape(section.title)}</h2><p class=\"sub\">{html.escape(size)}</p>",
           _html_table(section, colors), '<div class="charts">']
    stats = section.stats
    out.append(_bar_chart("Bytes per token (more text per token is better)", colors,
                          [(n, st.bytes_per_token, f"{st.bytes_per_token:.2f}") for n, st in stats.items()]))
    out.append(_bar_chart("Tokens per word (fewer is better)", colors,
                          [(n, st.fertility, f"{st.fertility:.2f}") for n, st in stats.items()]))
    out.append(_bar_chart("Share of the vocabulary used", colors,
                          [(n, st.vocab_share, f"{100 * st.vocab_share:.1f}%") for n, st in stats.items()]))
    out.append("</div>")
    if sample is not None:
        out.append(f"<h3>Sample</h3>{sample.to_html(layout='table')}")  # type: ignore[attr-defined]
    return "\n".join(out)


def _html_table(section: Section, colors: dict[str, str]) -> str:
    rows = {name: _row(st) for name, st in section.stats.items()}
    best = {c: _best([_number(r[_COLUMNS.index(c)]) for r in rows.values()], high) for c, high in _BEST.items()}
    head = "".join(f"<th>{html.escape(c)}</th>" for c in ("tokenizer", *_COLUMNS))
    body = []
    for name, cells in rows.items():
        tds = [f'<td><span class="swatch" style="background:{colors[name]}"></span>{html.escape(name)}</td>']
        for column, cell in zip(_COLUMNS, cells):
            cls = "longest" if column == "longest token" else "best" if best.get(column) == _number(cell) else ""
            tds.append(f'<td class="{cls}">{html.escape(cell)}</td>' if cls else f"<td>{html.escape(cell)}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    return f"<table class=\"stats\"><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _size(n: int) -> str:
    """10^6-based: "8.4 MB", "16.1 kB", "512 bytes"."""
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.1f} kB" if n >= 1e3 else f"{n} bytes"


def _number(cell: str) -> float:
    return float(cell.replace(",", ""))


def _best(values: list[float], high: bool) -> float | None:
    """The best value of a column, when one row alone has it."""
    best = max(values) if high else min(values)
    return best if len(values) > 1 and values.count(best) == 1 else None


def _bar_chart(title: str, colors: dict[str, str], values: list[tuple[str, float, str]]) -> str:
    """A horizontal bar chart as inline SVG: one bar per tokenizer, its value written after the bar."""
    label_w, bar_w, row_h, top = 128, 160, 22, 26
    width, height = label_w + bar_w + 60, top + row_h * len(values) + 6
    top_value = max((v for _, v, _ in values), default=0.0) or 1.0
    out = [f'<svg width="{width}" height="{height}" role="img" '
           f'aria-label="{html.escape(title, quote=True)}" style="font: 12px system-ui, sans-serif">',
           f'<text x="0" y="14" font-weight="600" fill="#333">{html.escape(title)}</text>']
    for i, (name, value, label) in enumerate(values):
        y = top + i * row_h
        w = max(1.0, bar_w * value / top_value) if value > 0 else 0.0
        out.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" fill="#333">'
                   f'{html.escape(_cut(name, 22))}</text><rect x="{label_w}" y="{y + 3}" width="{w:.1f}" '
                   f'height="{row_h - 7}" rx="2" fill="{colors[name]}"/>'
                   f'<text x="{label_w + w + 5:.1f}" y="{y + 15}" fill="#444">{html.escape(label)}</text>')
    out.append("</svg>")
    return "".join(out)
