"""python -m mup_lab.sweep trains the lab's runs: `mup-lab plan` spells them out, init_(lab_seed)
draws the lab's initial weights, and the Tiny presets (AdamW, SGD, Muon) trained in PyTorch end
where the lab's own sweeps of them (the GPU engine) ended, run by run. On those runs the presets' grids bracket every
optimum, Tiny's and Quick's (Quick's 108 runs would take an hour on a CPU adapter, and take
minutes here)."""
import json
import os

import pytest
import torch

from conftest import generated
from mup_lab import GPT, init_
from mup_lab.rules import Hyperparams
from mup_lab.shapes import GptShape
from mup_lab.sweep import PlanError, best_points, load_plan, run_plan
from mup_lab.transfer import transfer
from test_parity import load_dump

# Final losses of PyTorch and the lab: per-step losses agree to ~1e-5 (test_parity); over a
# 12-step run the difference measured 1.8e-4 relative at most (a diverging LR amplifies it).
FINAL_LOSS_REL = 2e-3


def test_lab_seed_draws_the_labs_initial_weights(dump_dir):
    m, weights, _ = load_dump(dump_dir / "mup_w64_d2_untied_bias")
    hp = Hyperparams.from_json(m["hyperparameters"])
    base = GptShape.from_export(m["base"], "base")
    target = GptShape.from_export(m["target"], "target")
    model = GPT(target, transfer(hp, m["parametrization"], base, target)["multipliers"])
    init_(model, hp, m["parametrization"], base, lab_seed=m["seed"])
    params = model.lab_parameters()
    for name, lab in weights.items():
        param, transposed = params[name]
        mine = param.detach().t() if transposed else param.detach()
        # float32 of the same float64 draws; libm's log/cos may differ in the last ulp of a double.
        assert torch.allclose(mine, lab, rtol=1e-6, atol=1e-7), name


@pytest.mark.parametrize(
    "preset, optimizer", [("tiny", "adamw"), ("tiny-sgd", "sgd"), ("tiny-muon", "muon")]
)
def test_tiny_preset_in_pytorch_reproduces_the_labs_sweep(preset, optimizer):
    """Tiny with AdamW, SGD and Muon (the plan carries the optimizer: make_optimizer picks it)."""
    plan = load_plan(str(generated(f"{preset}-plan.json")))
    assert {r["hyperparameters"]["optimizer"] for r in plan["runs"]} == {optimizer}
    with open(generated(f"{preset}-lab.json"), encoding="utf-8") as f:
        lab = {r["id"]: r for r in json.load(f)["evidence"]["runs"]}
    records = run_plan(plan, torch.device("cpu"))
    assert len(records) == len(lab) == len(plan["runs"]) == 84
    for r in records:
        theirs = lab[r["id"]]
        assert r["diverged"] == theirs["diverged"], r["id"]
        if not r["diverged"]:
            rel = abs(r["finalLoss"] - theirs["finalLoss"]) / theirs["finalLoss"]
            assert rel <= FINAL_LOSS_REL, f"{r['id']}: PyTorch {r['finalLoss']} vs lab {theirs['finalLoss']}"
    for metric in ("val", "train"):
        points = best_points(records, metric=metric)
        assert {(b["parametrization"], b["width"]) for b in points} == {
            (p, w) for p in ("sp", "mup") for w in (16, 32, 64)
        }
        for b in points:
            assert not b["atEdge"], (metric, b)


def test_quick_preset_brackets_every_optimum():
    # 108 runs, widths 32-128, 60 steps: about 3 minutes on 2 cores in 2 processes.
    jobs = max(1, min(4, os.cpu_count() or 1))
    records = run_plan(load_plan(str(generated("quick-plan.json"))), torch.device("cpu"), jobs=jobs)
    assert len(records) == 108
    for metric in ("val", "train"):
        points = best_points(records, metric=metric)
        for b in points:
            print(f"{metric}: {b['parametrization']} width {b['width']}: best log2 lr {b['log2Hp']}")
        assert len(points) == 6
        for b in points:
            assert not b["atEdge"], (metric, b)


def test_load_plan_names_what_is_wrong(tmp_path):
    bad = tmp_path / "plan.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(PlanError, match="not valid JSON"):
        load_plan(str(bad))
    bad.write_text(json.dumps({"format": "mup-lab/transfer", "version": 1}), encoding="utf-8")
    with pytest.raises(PlanError, match="not a mup-lab plan"):
        load_plan(str(bad))
    bad.write_text(json.dumps({"format": "mup-lab/plan", "version": 1, "train": {}, "runs": []}), encoding="utf-8")
    with pytest.raises(PlanError, match=r"plan.json: (config|sweptHp|text|train\.\w+): missing"):
        load_plan(str(bad))
    with pytest.raises(PlanError, match="cannot read"):
        load_plan(str(tmp_path / "absent.json"))
