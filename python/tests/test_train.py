"""python -m mup_lab.train: the lab's data pipeline, a width-256 model that learns on this CPU,
and DistributedDataParallel under torchrun giving the 1-process losses."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from mup_lab import train
from mup_lab.data import BatchSampler, CharTokenizer, split_tokens

PYTHON_ROOT = Path(__file__).resolve().parents[1]
# torch 1.13's torchrun under Python 3.11 cannot parse its default --redirects/--tee "0" (Std.from_str
# returns None): give values it parses. Newer torch needs nothing.
TORCHRUN_WORKAROUND = ["--redirects", "2", "--tee", "2"] if torch.__version__.startswith("1.") else []


def run_train(args, tmp_path, name, capsys, nproc=1):
    """One process: mup_lab.train.main() in this process; more: under torchrun."""
    out = tmp_path / f"{name}.json"
    if nproc == 1:
        assert train.main(args + ["--out", str(out)]) == 0
        log = capsys.readouterr().err
    else:
        env = dict(os.environ, PYTHONPATH=str(PYTHON_ROOT), OMP_NUM_THREADS="1")
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}", *TORCHRUN_WORKAROUND, "-m", "mup_lab.train"]
        p = subprocess.run(cmd + args + ["--out", str(out)], env=env, capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stderr[-3000:]
        log = p.stderr
    return json.loads(out.read_text(encoding="utf-8")), log


def test_batches_are_the_labs(dump_dir, corpus_path):
    """The Python sampler draws the windows the lab drew (same seed, same split, same tokens)."""
    m = json.loads((dump_dir / "mup_w32_d2_untied_bias" / "manifest.json").read_text(encoding="utf-8"))
    lab = np.fromfile(dump_dir / "mup_w32_d2_untied_bias" / "batches.bin", dtype="<u4").reshape(m["steps"], 2, m["batch"], m["context"])
    text = corpus_path.read_text(encoding="utf-8")
    tok = CharTokenizer.from_text(text)
    assert len(tok.vocab) == m["target"]["vocab"]
    train, _ = split_tokens(tok.encode(text), m["context"])
    sampler = BatchSampler(train, m["batch"], m["context"], m["seed"])
    for step in range(m["steps"]):
        x, y = sampler.next()
        assert np.array_equal(x.numpy(), lab[step, 0]) and np.array_equal(y.numpy(), lab[step, 1]), step


def test_width_256_from_a_lab_export_learns(export_path, corpus_path, tmp_path, capsys):
    args = ["--export", str(export_path), "--text", str(corpus_path), "--width", "256", "--steps", "30", "--batch", "8", "--log-every", "10"]
    run, log = run_train(args, tmp_path, "w256", capsys)
    losses = run["losses"]
    with capsys.disabled():
        print(f"\nwidth 256: loss {losses[0]:.4f} -> {losses[-1]:.4f}, validation {run['valLoss']}")
    assert run["width"] == 256 and len(losses) == 30 and run["skippedSteps"] == 0
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.5
    assert "step 30/30" in log


def test_two_processes_equal_one(export_path, corpus_path, tmp_path, capsys):
    args = ["--export", str(export_path), "--text", str(corpus_path), "--width", "64", "--depth", "2", "--steps", "8", "--batch", "4", "--seed", "3"]
    one, _ = run_train(args, tmp_path, "one", capsys)
    two, log = run_train(args, tmp_path, "two", capsys, nproc=2)
    assert two["processes"] == 2 and one["processes"] == 1
    worst = max(abs(a - b) / b for a, b in zip(one["losses"], two["losses"]))
    with capsys.disabled():
        print(f"\n2 processes vs 1: worst relative loss difference {worst:.2e}")
    assert len(two["losses"]) == 8
    np.testing.assert_allclose(two["losses"], one["losses"], rtol=1e-5)
    np.testing.assert_allclose(two["valLoss"], one["valLoss"], rtol=1e-5)


def test_bad_input_is_one_line(export_path, corpus_path, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    doc = json.loads(export_path.read_text(encoding="utf-8"))
    doc["hyperparameters"]["lr"] = 0
    bad.write_text(json.dumps(doc), encoding="utf-8")
    common = ["--text", str(corpus_path), "--steps", "1", "--batch", "2"]
    for argv, field in [
        (["--export", str(bad), "--width", "64"], "hyperparameters.lr"),
        (["--export", str(export_path), "--width", "30"], "heads"),
        (["--export", str(export_path), "--width", "64", "--text", str(tmp_path / "none.txt")], "--text"),
    ]:
        assert train.main(common + argv) == 2
        err = capsys.readouterr().err
        assert err.strip().count("\n") == 0 and field in err, err
