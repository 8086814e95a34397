"""The PyTorch GPT + the run's optimizer (LabAdamW, LabSGD: make_optimizer) replay the lab's GPU
runs (mup-lab dump): the same initial weights and batches give every step's loss within 1e-4
relative (float32 on both sides)."""
import json
import math

import numpy as np
import pytest
import torch

from conftest import GENERATED
from mup_lab import GPT, make_optimizer
from mup_lab.data import lr_factor
from mup_lab.rules import Hyperparams
from mup_lab.shapes import GptShape
from mup_lab.transfer import transfer

REL = 1e-4
EXPECTED_CASES = [
    f"{p}_w{w}_d2_{t}_{b}"
    for p in ("sp", "mup")
    for w in (32, 64)
    for t in ("untied", "tied")
    for b in ("nobias", "bias")
] + [f"{p}_w{w}_d2_untied_bias_sgd" for p in ("sp", "mup") for w in (32, 64)]


def load_dump(case_dir):
    with open(case_dir / "manifest.json", encoding="utf-8") as f:
        m = json.load(f)
    assert m["format"] == "mup-lab/dump" and m["version"] == 1
    flat = np.fromfile(case_dir / m["weights"], dtype="<f4")
    weights = {}
    for t in m["tensors"]:
        n = int(np.prod(t["shape"]))
        weights[t["name"]] = torch.from_numpy(flat[t["offset"] : t["offset"] + n].reshape(t["shape"]).copy())
    b = np.fromfile(case_dir / m["batches"], dtype="<u4").astype(np.int64)
    batches = torch.from_numpy(b.reshape(m["steps"], 2, m["batch"], m["context"]))
    return m, weights, batches


def replay_dump(model, opt, batches, m, clip):
    """The dump's steps replayed in PyTorch: each step's loss (before its update, as the lab
    records it) and how many steps the gradient clip acted on."""
    losses, clipped = [], 0
    for step in range(1, m["steps"] + 1):
        x, y = batches[step - 1, 0], batches[step - 1, 1]
        _, loss = model(x, y)
        losses.append(float(loss))
        opt.zero_grad()
        loss.backward()
        assert opt.step(lr_scale=lr_factor(m["schedule"], step, m["steps"]))
        clipped += opt.last_grad_norm > clip
    return losses, clipped


def lab_run_of(m, weights):
    """The dump's run in PyTorch: its hyperparameters, transfer() and model (the lab's weights)
    with its optimizer."""
    hp = Hyperparams.from_json(m["hyperparameters"])
    base = GptShape.from_export(m["base"], "base")
    target = GptShape.from_export(m["target"], "target")
    r = transfer(hp, m["parametrization"], base, target)
    model = GPT(target, r["multipliers"])
    model.load_lab_weights(weights)
    return hp, r, model, make_optimizer(model, hp, m["parametrization"], base)


def assert_replays_the_lab(case, model, opt, batches, m, clip):
    """replay_dump's losses equal the lab's within REL at each of the 20 steps, and the clip
    acted on some step; the losses."""
    losses, clipped = replay_dump(model, opt, batches, m, clip)
    lab = m["losses"]
    worst = max(abs(a - b) / abs(b) for a, b in zip(losses, lab))
    print(f"{case}: worst relative loss difference {worst:.2e} over {len(lab)} steps")
    assert clipped > 0, "clipping never acted: the case does not test it"
    assert len(losses) == len(lab) == 20
    for step, (a, b) in enumerate(zip(losses, lab), 1):
        assert abs(a - b) <= REL * abs(b), f"step {step}: PyTorch {a} vs lab {b} (worst {worst:.2e})"
    return losses


@pytest.mark.parametrize("case", EXPECTED_CASES)
def test_pytorch_replays_the_lab_run(case, dump_dir):
    case_dir = dump_dir / case
    assert case_dir.exists(), f"{case_dir} missing: mup-lab dump did not write this case"
    torch.manual_seed(0)
    m, weights, batches = load_dump(case_dir)
    hp, r, model, opt = lab_run_of(m, weights)
    for k, v in m["multipliers"].items():
        assert math.isclose(r["multipliers"][k], v, rel_tol=1e-12), k
    if m["parametrization"] == "mup":
        assert r["multipliers"]["residualMult"] == pytest.approx(2**-0.5)  # depth scaling on
    assert type(opt).__name__ == {"adamw": "LabAdamW", "sgd": "LabSGD"}[hp.optimizer]
    assert_replays_the_lab(case, model, opt, batches, m, hp.clip)
