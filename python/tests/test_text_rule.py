"""The one text rule (src/data/text.ts checkUserText) in Python: every shared fixture of
test/fixtures/text gives the problem cases.json names, as on the page and in the CLI; the 10 MB + 1
byte case is generated here. Also the exact wording of a few messages (the TypeScript tests'
expectations), the normalisation, and the trainer refusing such a text in one line."""
import json

import pytest

from conftest import ROOT
from mup_lab import train
from mup_lab.text_rule import MAX_TEXT_BYTES, check_user_text, min_tokens_for, read_user_text

FIXTURES = ROOT.parent / "test" / "fixtures" / "text"
CASES = json.loads((FIXTURES / "cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["file"] for c in CASES["cases"]])
def test_every_shared_fixture(case):
    path = FIXTURES / case["file"]
    result = read_user_text(str(path), CASES["context"])
    assert result.problem == case["problem"], result.message
    assert result.ok == (case["problem"] is None)
    if result.ok:
        assert "\r" not in result.text and not result.text.startswith("\ufeff")
        assert result.bytes == path.stat().st_size
    else:
        assert result.message and "\n" not in result.message


def test_too_large_comes_first(tmp_path):
    big = bytearray(b"a" * (MAX_TEXT_BYTES + 1))
    big[5] = 0  # would be binary, but the size comes first
    path = tmp_path / "big.txt"
    path.write_bytes(bytes(big))
    for result in (check_user_text(bytes(big), 8), read_user_text(str(path), 8)):
        assert (result.problem, result.message) == ("too-large", "The file is 10.0 MB; the limit is 10 MB.")
    assert check_user_text(b"a" * MAX_TEXT_BYTES, 8).ok
    assert check_user_text("é" * (MAX_TEXT_BYTES // 2 + 1), 8).problem == "too-large"


def test_the_labs_wording_and_normalisation():
    assert check_user_text(b"", 8).message == "The text is empty."
    assert check_user_text(b" \n\t\r\n", 8).message == "The text contains only whitespace."
    # JavaScript's trim(): U+FEFF is whitespace, U+001C is not (Python's strip() differs on both).
    assert check_user_text("\ufeff\ufeff", 8).problem == "empty"
    assert check_user_text("\x1c" * 300, 8).problem == "binary"
    assert check_user_text("ab\0", 8).message == "The text contains NUL characters: it looks like binary data."
    assert check_user_text("ab\ud800" + "x" * 300, 8).message == (
        "The text is not valid Unicode (a lone surrogate at position 2)."
    )
    assert check_user_text(b"abc\xe9def", 8).message == (
        "The file is not valid UTF-8 (first bad byte at offset 3). Save it as UTF-8 text and try again."
    )
    short = check_user_text("abc", 16)
    assert short.message == (
        "The text has 3 characters; with context 16 it needs at least 170, so that the last 10% "
        "kept for validation holds one window of 17 characters."
    )
    assert min_tokens_for(16) == 170
    ok = check_user_text(b"\xef\xbb\xbfa\r\nb\rc" + b"x" * 300, 8)
    assert ok.ok and ok.text == "a\nb\nc" + "x" * 300 and ok.bytes == 309 and ok.distinct == 5


@pytest.mark.parametrize("name", ["nul-bytes.bin", "latin1.txt", "empty.txt", "too-short.txt"])
def test_the_trainer_refuses_a_bad_text_in_one_line(name, export_path, capsys):
    argv = ["--export", str(export_path), "--text", str(FIXTURES / name), "--width", "32"]
    assert train.main(argv + ["--steps", "1", "--batch", "2"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"mup_lab.train: --text {FIXTURES / name}: The ") and "\n" not in err
