"""init_() and param_groups(): transfer()'s per-tensor values applied to a GPT.

Both take the base hyperparameters and the base shape, and compute the values for the model's own
shape (any width and depth) with transfer(), exactly as the lab does (src/train/init.ts for the
init, src/train/trainer.ts for the optimizer table).
"""
from __future__ import annotations

from typing import Dict, List, Optional

import torch

from .data import Rng
from .model import GPT
from .rules import Hyperparams
from .shapes import GptShape
from .transfer import transfer


def _values(model: GPT, hp: Hyperparams, parametrization: str, base: GptShape) -> List[Dict]:
    return transfer(hp, parametrization, base, model.shape)["tensors"]


@torch.no_grad()
def init_(
    model: GPT,
    hp: Hyperparams,
    parametrization: str,
    base: GptShape,
    generator: Optional[torch.Generator] = None,
    lab_seed: Optional[int] = None,
) -> None:
    """Gains 1, biases 0, matrices N(mean, std²) with transfer()'s std (query columns of qkv with
    their own std, 0 under zeroQuery). Draws in the lab's [in, out] layout, then transposes.

    With `lab_seed` the draws come from the lab's own stream for that run seed (src/train/init.ts:
    mulberry32 seeded with seed·1000003 + 17, Box-Muller, tensors in the lab's order), so the
    model starts from the lab run's weights; else from torch.randn with `generator`."""
    params = model.lab_parameters()
    lab_rng = None if lab_seed is None else Rng(lab_seed * 1_000_003 + 17)
    for t in _values(model, hp, parametrization, base):
        param, transposed = params[t["name"]]
        if t["kind"] == "gain":
            param.fill_(1.0)
            continue
        if t["kind"] == "bias":
            param.zero_()
            continue
        rows, cols = t["shape"]
        if lab_rng is None:
            z = torch.randn(rows, cols, generator=generator, dtype=torch.float64)
        else:
            z = lab_rng.normals(rows * cols).reshape(rows, cols)
        std = torch.full((cols,), float(t["initStd"]), dtype=torch.float64)
        if "queryColumns" in t:
            q0, q1 = t["queryColumns"]
            std[q0:q1] = float(t["queryInitStd"])
        w = (t["initMean"] + z * std).to(param.dtype)
        param.copy_(w.t() if transposed else w)


def param_groups(
    model: GPT, hp: Hyperparams, parametrization: str, base: GptShape
) -> List[Dict]:
    """One optimizer group per tensor: {'params': [p], 'lr', 'eps', 'weight_decay', 'name'} with
    'name' the lab's tensor name. For LabAdamW, or torch.optim.AdamW (which lacks the skip on
    non-finite gradients and counts steps per parameter)."""
    params = model.lab_parameters()
    groups = []
    for t in _values(model, hp, parametrization, base):
        param, _ = params[t["name"]]
        groups.append(
            {
                "params": [param],
                "lr": t["lr"],
                "eps": t["eps"],
                "weight_decay": t["weightDecay"],
                "name": t["name"],
            }
        )
    return groups
