"""Tiny Shakespeare in python/mup_lab: the same file, train/validation split and first batches as
the lab (the fixture is `mup-lab batches --corpus shakespeare`, written by scripts/python-tests.mjs)."""
import json

import pytest

from conftest import ROOT, generated
from mup_lab import train
from mup_lab.data import (
    TINY_SHAKESPEARE_SHA256,
    BatchSampler,
    CharTokenizer,
    check_tiny_shakespeare,
    eval_batches,
    split_tokens,
)

CORPUS = ROOT.parent / "src" / "data" / "corpora" / "tinyshakespeare.txt"


@pytest.fixture(scope="module")
def lab():
    with open(generated("shakespeare-batches.json"), encoding="utf-8") as f:
        return json.load(f)


def test_the_file_is_the_recorded_one():
    text = check_tiny_shakespeare(CORPUS.read_bytes())
    assert len(text) == 1_115_394
    with pytest.raises(ValueError, match="not the lab's Tiny Shakespeare"):
        check_tiny_shakespeare(CORPUS.read_bytes()[:-1])
    assert TINY_SHAKESPEARE_SHA256 in (CORPUS.parent / "README.md").read_text(encoding="utf-8")


def test_split_and_batches_match_the_lab(lab):
    assert lab["data"] == {"kind": "shakespeare"}
    text = check_tiny_shakespeare(CORPUS.read_bytes())
    tok = CharTokenizer.from_text(text)
    assert "".join(tok.vocab) == lab["vocab"]
    T, B = lab["context"], lab["batch"]
    train, val = split_tokens(tok.encode(text), T, lab["valFraction"])
    assert (len(train), len(val)) == (lab["trainTokens"], lab["valTokens"])
    assert train[-T:].tolist() == lab["trainTail"]
    assert val[:T].tolist() == lab["valHead"]
    sampler = BatchSampler(train, B, T, lab["seed"])
    for expected in lab["train"]:
        x, y = sampler.next()
        assert x.flatten().tolist() == expected["inputs"]
        assert y.flatten().tolist() == expected["targets"]
    for (x, y), expected in zip(eval_batches(val, B, T, len(lab["eval"])), lab["eval"]):
        assert x.flatten().tolist() == expected["inputs"]
        assert y.flatten().tolist() == expected["targets"]


def test_train_refuses_another_text_for_a_shakespeare_export(tmp_path, export_path, capsys):
    doc = json.loads(export_path.read_text(encoding="utf-8"))
    doc["evidence"]["config"]["data"] = {"kind": "shakespeare"}
    exp = tmp_path / "export.json"
    exp.write_text(json.dumps(doc), encoding="utf-8")
    other = tmp_path / "tinyshakespeare.txt"
    other.write_bytes(CORPUS.read_bytes().replace(b"First Citizen", b"Third Citizen", 1))
    argv = ["--export", str(exp), "--width", "16", "--steps", "1", "--batch", "2", "--device", "cpu"]
    assert train.main(argv + ["--text", str(other)]) == 2
    err = capsys.readouterr().err
    assert "not the lab's Tiny Shakespeare" in err and err.strip().count("\n") == 0, err
    # The recorded file trains.
    assert train.main(argv + ["--text", str(CORPUS), "--out", str(tmp_path / "run.json")]) == 0
