"""The `subtok` command line."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import real_tokenizer_path
from subtok.cli import main


def test_encode_json(capsys):
    path = real_tokenizer_path("bert-base-uncased")
    assert main(["encode", "--tokenizer", str(path), "--json", "--no-padding", "Hello world"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ids"] == [101, 7592, 2088, 102]
    assert out["tokens"] == ["[CLS]", "hello", "world", "[SEP]"]


def test_encode_side_by_side(capsys):
    assert main(["encode", "--no-padding", "-t", "bert-base-uncased", "-t", "claude", "tabs\there"]) == 0
    out = capsys.readouterr().out
    assert "bert-base-uncased (" in out and "claude (" in out
    assert "→" in out  # the tab is shown


def test_decode(capsys):
    path = real_tokenizer_path("bert-base-uncased")
    assert main(["decode", "-t", str(path), "101", "7592", "2088", "102"]) == 0
    assert capsys.readouterr().out.strip() == "hello world"
    assert main(["decode", "-t", str(path), "--keep-special", "101", "7592", "102"]) == 0
    assert capsys.readouterr().out.strip() == "[CLS] hello [SEP]"


def test_errors_are_clean(capsys):
    assert main(["encode", "-t", "no-such-tokenizer", "x"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("subtok: error: no tokenizer named 'no-such-tokenizer'") and "Traceback" not in err
    assert main(["decode", "-t", str(real_tokenizer_path("claude")), "12", "x"]) == 2
    assert "ids must be integers" in capsys.readouterr().err


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "subtok.cli", "encode", "--json", "-t",
                          str(real_tokenizer_path("claude")), "Hi"], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["tokens"]


def test_import_is_light():
    code = "import subtok, sys; print(sorted(m for m in ('numpy', 'torch', 'tokenizers', 'transformers') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
