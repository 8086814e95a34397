"""LabSGD is torch.optim.SGD (momentum, dampening 0) plus the lab's clip, skip and decoupled
decay; SGD's hyperparameters are checked with one line naming the field."""
import pytest
import torch

from mup_lab import LabSGD
from mup_lab.rules import Hyperparams, momentum_of


def _params(seed):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(5, 3, generator=g, dtype=torch.float64, requires_grad=True) for _ in range(2)]


def test_lab_sgd_equals_torch_sgd_without_clip_and_decay():
    ours, theirs = _params(0), _params(0)
    lab = LabSGD([{"params": [p], "lr": lr} for p, lr in zip(ours, (0.1, 0.03))], momentum=0.9)
    ref = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(theirs, (0.1, 0.03))], momentum=0.9)
    g = torch.Generator().manual_seed(1)
    for _ in range(5):
        grads = [torch.randn(5, 3, generator=g, dtype=torch.float64) for _ in ours]
        for ps in (ours, theirs):
            for p, gr in zip(ps, grads):
                p.grad = gr.clone()
        assert lab.step()
        ref.step()
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b, rtol=1e-14, atol=0)


def test_lab_sgd_clips_decays_and_skips():
    (p,) = _params(2)[:1]
    p0 = p.detach().clone()
    opt = LabSGD([{"params": [p], "lr": 0.1, "weight_decay": 0.5}], momentum=0.5, clip=1.0)
    p.grad = torch.full_like(p, 10.0)
    assert opt.step()
    c = 1.0 / (opt.last_grad_norm + 1e-6)
    torch.testing.assert_close(p.detach(), p0 * (1 - 0.05) - 0.1 * c * 10.0, rtol=1e-14, atol=1e-15)
    before = p.detach().clone()
    p.grad[0, 0] = float("nan")
    assert not opt.step()
    assert opt.skipped == 1 and torch.equal(p.detach(), before)


def test_momentum_errors_name_the_field():
    with pytest.raises(ValueError, match=r"^momentum: must be in \[0, 1\)"):
        LabSGD([{"params": _params(3)[:1], "lr": 0.1}], momentum=1.0)
    good = Hyperparams(optimizer="sgd").to_json()
    for bad in (1.0, -0.1):
        with pytest.raises(ValueError, match=r"^hyperparameters\.momentum: Momentum must be in \[0, 1\)"):
            Hyperparams.from_json({**good, "momentum": bad})
    with pytest.raises(ValueError, match=r'^hyperparameters\.momentum: must be a number \(got "x"\)'):
        Hyperparams.from_json({**good, "momentum": "x"})
    with pytest.raises(ValueError, match=r"^hyperparameters\.optimizer: Optimizer must be one of adamw, sgd"):
        Hyperparams.from_json({**good, "optimizer": "lion"})
    legacy = {k: v for k, v in good.items() if k not in ("optimizer", "momentum")}
    hp = Hyperparams.from_json(legacy)
    # Absent: each optimizer's own default (SGD's 0.9 through momentum_of).
    assert (hp.optimizer, hp.momentum, momentum_of(hp)) == ("adamw", None, 0.9)
