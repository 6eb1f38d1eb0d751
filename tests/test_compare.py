"""`subtok compare`: statistics that agree with the reference libraries, tables, JSON and the HTML report.

Counts are checked against `tiktoken` (gpt2) and Hugging Face `tokenizers` (bert-base-uncased) on
real text: the multilingual corpus and botchan.txt.
"""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser

import pytest

import subtok
from conftest import real_tokenizer_path
from corpus import CODE, MULTILINGUAL
from subtok.cli import main
from subtok.compare import Progress, compare, compare_texts, dominant_script, read_sources

tiktoken = pytest.importorskip("tiktoken")
tokenizers = pytest.importorskip("tokenizers")


def botchan(lines: int = 400) -> str:
    text = subtok.assets.fetch("sentencepiece/botchan.txt").read_text(encoding="utf-8")
    return "".join(text.splitlines(keepends=True)[:lines])


def gpt2_reference():
    import tiktoken.load

    ranks = tiktoken.load.load_tiktoken_bpe(str(subtok.assets.fetch("gpt2.tiktoken")))
    pattern = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
    return tiktoken.Encoding("gpt2", pat_str=pattern, mergeable_ranks=ranks, special_tokens={"<|endoftext|>": 50256})


def bert_reference():
    tok = tokenizers.Tokenizer.from_file(str(real_tokenizer_path("bert-base-uncased")))
    tok.no_padding()
    tok.no_truncation()
    return tok


def test_counts_agree_with_the_references():
    text = botchan()
    report = compare_texts({"botchan.txt": text}, ["gpt2", "bert-base-uncased"], samples=False)
    (section,) = report.sections  # one script: no per-script sections
    ids = gpt2_reference().encode_ordinary(text)
    st = section.stats["gpt2"]
    assert (st.tokens, st.bytes, st.chars, st.words) == (len(ids), len(text.encode()), len(text), len(text.split()))
    assert len(st.distinct) == len(set(ids)) and st.vocab_share == len(set(ids)) / 50257
    assert st.bytes_per_token == len(text.encode()) / len(ids) and st.fertility == len(ids) / len(text.split())
    bert = bert_reference().encode(text, add_special_tokens=False).ids
    sb = section.stats["bert-base-uncased"]
    assert sb.tokens == len(bert) and sb.unknown == bert.count(100) and sb.unknown_rate == bert.count(100) / len(bert)


def test_unknown_and_byte_rates_on_scripts_bert_does_not_know():
    text = "🎵🎶 ok 鸟\n" * 3
    st = compare_texts({"t": text}, ["bert-base-uncased", "gpt2"], samples=False).sections[0].stats
    bert = bert_reference().encode(text, add_special_tokens=False).ids
    assert st["bert-base-uncased"].unknown == bert.count(100) > 0
    ids = gpt2_reference().encode_ordinary(text)
    enc = gpt2_reference()
    partial = 0
    for i in ids:
        try:
            enc.decode_single_token_bytes(i).decode("utf-8")
        except UnicodeDecodeError:
            partial += 1
    assert st["gpt2"].byte_tokens == partial > 0 and st["gpt2"].unknown == 0


def test_mixed_scripts_get_their_own_sections():
    russian = [t for t in MULTILINGUAL if dominant_script(t) == "Cyrillic"]
    chinese = [t for t in MULTILINGUAL if dominant_script(t) == "Han"]
    english = [line for line in botchan(60).splitlines() if dominant_script(line) == "Latin"]
    text = "\n".join(russian * 3 + chinese * 3 + english)
    report = compare_texts({"mixed.txt": text}, ["gpt2"], samples=False)
    titles = [s.title for s in report.sections]
    assert titles[0] == "mixed.txt" and set(titles[1:]) == {"mixed.txt: Cyrillic", "mixed.txt: Han", "mixed.txt: Latin"}
    whole = report.sections[0].stats["gpt2"]
    assert whole.tokens == sum(s.stats["gpt2"].tokens for s in report.sections[1:])
    assert whole.bytes == sum(s.stats["gpt2"].bytes for s in report.sections[1:])


def test_dominant_script():
    assert dominant_script("The quick fox") == "Latin"
    assert dominant_script("Съешь же ещё этих мягких булок") == "Cyrillic"
    assert dominant_script("我喜欢吃苹果") == "Han"
    assert dominant_script("私はりんごが好きです") == "Japanese"
    assert dominant_script("   = 42;") == ""


def test_text_table_and_json():
    report = compare_texts({"code": "\n".join(CODE)}, ["gpt2", "cl100k_base"], samples=False)
    table = report.to_text().splitlines()
    assert table[0].startswith("code  (") and table[1].split()[:4] == ["tokenizer", "tokens", "bytes/tok", "chars/tok"]
    assert [line.split()[0] for line in table[2:]] == ["gpt2", "cl100k_base"]
    data = json.loads(report.to_json())
    row = data["sections"][0]["stats"]["cl100k_base"]
    assert row["tokens"] == report.sections[0].stats["cl100k_base"].tokens
    assert set(row) >= {"bytes_per_token", "chars_per_token", "tokens_per_word", "unknown_rate", "byte_rate",
                        "distinct_tokens", "vocab_share", "longest_token", "mb_per_s"}


def test_a_tokenizer_that_fails_is_reported_not_fatal(tmp_path):
    bad = tmp_path / "tokenizer.json"
    bad.write_text("[]", encoding="utf-8")
    report = compare_texts({"t": "Hello there"}, ["gpt2", str(bad)], samples=False)
    assert report.names == ["gpt2"] and str(bad) in report.errors
    assert f"{bad}: not compared: TokenizerFormatError" in report.to_text()


def test_read_sources(tmp_path):
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "a.txt").write_text("first line\nsecond line\n", encoding="utf-8")
    (tmp_path / "d" / "sub" / "b.md").write_text("# b\n", encoding="utf-8")
    (tmp_path / "d" / "c.txt").write_bytes(b"\xff\xfe not utf-8")
    (tmp_path / "d" / ".hidden.txt").write_text("no", encoding="utf-8")
    assert read_sources([tmp_path / "d"]) == {"d/a.txt": "first line\nsecond line\n", "d/sub/b.md": "# b\n"}
    assert read_sources([tmp_path / "d" / "a.txt"], max_bytes=15) == {"a.txt": "first line\n"}
    with pytest.raises(subtok.errors.SubtokError, match=r"c.txt: not UTF-8 text \(byte 0\)"):
        read_sources([tmp_path / "d" / "c.txt"])
    with pytest.raises(FileNotFoundError, match="no file or directory"):
        read_sources([tmp_path / "nothing"])


def test_progress_bar_only_on_a_terminal():
    quiet = io.StringIO()
    bar = Progress(100, stream=quiet)
    bar.advance(50, "gpt2: x")
    bar.close()
    assert quiet.getvalue() == ""
    loud = io.StringIO()
    bar = Progress(100, stream=loud, enabled=True)
    bar.advance(100, "gpt2: x")
    assert "100%" in loud.getvalue() and "█" * 30 in loud.getvalue() and loud.getvalue().startswith("\r")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, int] = {}
        self.urls: list[str] = []
        self.cells: list[str] = []
        self._in_td = False

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]
        self._in_td = tag == "td"

    def handle_data(self, data):
        if self._in_td:
            self.cells.append(data)


def test_html_report_is_self_contained(tmp_path):
    src = tmp_path / "mixed.txt"
    src.write_text("\n".join(MULTILINGUAL), encoding="utf-8")
    report = compare([src], ["gpt2", "bert-base-uncased"])
    page = report.to_html()
    parsed = _Page()
    parsed.feed(page)
    assert page.startswith("<!DOCTYPE html>") and parsed.urls == [] and "http" not in page.split("<body>")[1]
    assert parsed.tags["svg"] == 3 * len(report.sections) and parsed.tags["table"] >= len(report.sections)
    assert f"{report.sections[0].stats['gpt2'].tokens:,}" in parsed.cells
    assert 'class="subtok-token' in page  # the colored samples


def test_cli_compare(tmp_path, capsys):
    src = tmp_path / "en.txt"
    src.write_text(botchan(100), encoding="utf-8")
    page = tmp_path / "report.html"
    assert main(["compare", str(src), "-t", "gpt2", "-t", "bert-base-uncased", "--html", str(page)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("en.txt  (") and "bert-base-uncased" in out
    assert page.read_text(encoding="utf-8").count("<svg") == 3
    assert main(["compare", str(src), "-t", "gpt2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sections"][0]["stats"]["gpt2"]["tokens"] == len(gpt2_reference().encode_ordinary(botchan(100)))
    assert main(["compare", str(tmp_path / "none.txt"), "-t", "gpt2"]) == 2
    assert "no file or directory" in capsys.readouterr().err


def test_byte_fallback_rate_agrees_with_sentencepiece():
    """mistral's byte-fallback pieces (<0xNN>: cut characters, and newlines it has no piece for), counted
    against the sentencepiece library on the same text."""
    spm = pytest.importorskip("sentencepiece")
    sp = spm.SentencePieceProcessor(model_file=str(subtok.assets.fetch(
        "mistral/mistral_instruct_tokenizer_240323.model.v3")))
    text = "🎵 music 鸟\nsecond line ☃\n"
    st = compare_texts({"t": text}, ["mistral"], samples=False).sections[0].stats["mistral"]
    ids = sp.encode(text)
    fallback = [i for i in ids if sp.is_byte(i)]
    assert st.tokens == len(ids) and st.byte_tokens == len(fallback) > 4
    assert st.byte_rate == len(fallback) / len(ids) and st.unknown == 0
