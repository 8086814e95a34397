"""LabMuon (python/mup_lab/muon.py) against the lab: the Muon rules and update scales of the golden
tables to 1e-12, and per-step parity (<= 1e-4 relative, float32 on both sides) with the lab's GPU
runs (mup-lab dump --optimizer muon) for SP- and µP-Muon."""
import math

import pytest
import torch

from conftest import generated
from mup_lab import GPT, LabMuon, make_optimizer
from mup_lab.muon import zeropower_via_newtonschulz5
from mup_lab.optimizers import is_muon_tensor, muon_matrices, muon_update_scale
from mup_lab.rules import Hyperparams
from mup_lab.shapes import GptShape
from mup_lab.transfer import transfer
from test_parity import assert_replays_the_lab, lab_run_of, load_dump

CASES = [f"{p}_w{w}_d2_untied_bias_muon" for p in ("sp", "mup") for w in (32, 64)]


def test_golden_muon_matrices_and_scales(golden):
    cases = [c for c in golden["cases"] if c["optimizer"]["name"] == "muon"]
    assert len(cases) >= 200
    for i, case in enumerate(cases):
        hp = Hyperparams.from_json(case["hp"])
        base = GptShape.from_export(case["base"], "base")
        target = GptShape.from_export(case["target"], "target")
        r = transfer(hp, case["parametrization"], base, target)
        p = case["parametrization"]
        mine = [
            {"name": t["name"], **m, "scale": muon_update_scale(p, m["rows"], m["cols"])}
            for t in r["tensors"]
            if is_muon_tensor(t["role"], t["kind"])
            for m in muon_matrices(t["name"], t["shape"])
        ]
        assert len(mine) == len(case["muon"]), i
        for a, e in zip(mine, case["muon"]):
            keys = ("name", "col", "rows", "cols")
            assert {k: a[k] for k in keys} == {k: e[k] for k in keys}, i
            assert math.isclose(a["scale"], e["scale"], rel_tol=1e-12, abs_tol=0.0), (i, a["name"])


def test_newton_schulz_orthogonalizes_and_commutes_with_transpose():
    g = torch.randn(24, 40, generator=torch.Generator().manual_seed(1))
    x = zeropower_via_newtonschulz5(g, 5)
    xt = zeropower_via_newtonschulz5(g.t(), 5)
    assert torch.allclose(x, xt.t(), atol=1e-5)
    s = torch.linalg.svdvals(x.double())
    assert float(s.min()) > 0.6 and float(s.max()) < 1.25


def test_make_optimizer_picks_lab_muon():
    shape = GptShape(width=32, depth=1, heads=4, context=8, vocab=11, tied_readout=False, biases=True)
    hp = Hyperparams(optimizer="muon", momentum=0.9, ns_steps=3)
    model = GPT(shape, transfer(hp, "mup", shape, shape)["multipliers"])
    opt = make_optimizer(model, hp, "mup", shape)
    assert isinstance(opt, LabMuon)
    assert (opt.momentum, opt.ns_steps) == (0.9, 3)
    muon = {g["name"]: len(g["muon"]) for g in opt.param_groups}
    assert muon["blocks.0.attn.qkv"] == 3 and muon["blocks.0.mlp.in"] == 1
    assert muon["tok_emb"] == 0 and muon["blocks.0.ln1.gain"] == 0 and muon["readout"] == 0


@pytest.mark.parametrize("case", CASES)
def test_pytorch_muon_replays_the_lab_run(case):
    case_dir = generated("dump-muon") / case
    assert case_dir.exists(), f"{case_dir} missing: mup-lab dump --optimizer muon did not write it"
    m, weights, batches = load_dump(case_dir)
    hp, _, model, opt = lab_run_of(m, weights)
    assert hp.optimizer == "muon"
    assert isinstance(opt, LabMuon)
    losses = assert_replays_the_lab(case, model, opt, batches, m, hp.clip)
    assert losses[-1] < losses[0] - 0.5, "Muon did not train: the case does not test the update"


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("momentum", 1.0, "momentum: Momentum must be in [0, 1) (got 1.0)"),
        ("momentum", -0.5, "momentum: Momentum must be in [0, 1) (got -0.5)"),
        ("nsSteps", 0, "nsSteps: Newton-Schulz steps must be an integer >= 1 (got 0)"),
        ("nsSteps", 2.5, "nsSteps: Newton-Schulz steps must be an integer >= 1 (got 2.5)"),
        ("optimizer", "lion", "optimizer: Optimizer must be one of adamw, sgd, muon (got 'lion')"),
    ],
)
def test_bad_muon_hyperparameters_are_one_line_naming_the_field(field, value, message):
    obj = {**Hyperparams(optimizer="muon").to_json(), field: value}
    with pytest.raises(ValueError) as e:
        Hyperparams.from_json(obj)
    assert str(e.value) == f"hyperparameters.{message}"
