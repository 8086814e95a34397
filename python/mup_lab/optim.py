"""The lab's AdamW (kernels/adamw.wgsl + kernels/reduce.wgsl), step for step.

Per group of tensors (one training run): the global gradient norm over every tensor, clipping
c = min(1, clip / (norm + 1e-6)) as torch.nn.utils.clip_grad_norm_, and when any gradient (or the
sum of squares) is not finite the whole update is skipped. The step count t advances even for a
skipped update (the bias corrections use it), unlike torch.optim.AdamW's per-parameter count.
Each tensor has its own lr, ε and decoupled weight decay (param_groups()):

    m = β1 m + (1-β1) g;  v = β2 v + (1-β2) g²
    p = p (1 - lr·wd) - lr/(1-β1^t) · m / (√v / √(1-β2^t) + ε)

which is torch.optim.AdamW's update; only the skip, the shared t and the clipping inside differ.
"""
from __future__ import annotations

import math
from typing import Iterable

import torch


class LabAdamW(torch.optim.Optimizer):
    def __init__(self, param_groups: Iterable[dict], betas=(0.9, 0.95), clip: float = 0.0):
        defaults = dict(lr=1e-3, eps=1e-8, weight_decay=0.0)
        super().__init__(list(param_groups), defaults)
        self.betas = (float(betas[0]), float(betas[1]))
        self.clip = float(clip)
        self.t = 0
        self.skipped = 0
        self.last_grad_norm = float("nan")

    @torch.no_grad()
    def step(self, closure=None, lr_scale: float = 1.0) -> bool:
        """One update; False when it was skipped for non-finite gradients."""
        params = [p for g in self.param_groups for p in g["params"] if p.grad is not None]
        self.t += 1
        if not params:
            return True
        sumsq = torch.stack([p.grad.float().pow(2).sum() for p in params]).sum()
        finite = all(bool(torch.isfinite(p.grad).all()) for p in params) and bool(
            torch.isfinite(sumsq)
        )
        self.last_grad_norm = math.sqrt(float(sumsq)) if finite else float("nan")
        if not finite:
            self.skipped += 1
            return False
        scale = 1.0
        if self.clip > 0:
            scale = min(1.0, self.clip / (math.sqrt(float(sumsq)) + 1e-6))
        b1, b2 = self.betas
        inv_bc1 = 1.0 / (1.0 - b1**self.t)
        inv_sqrt_bc2 = 1.0 / math.sqrt(1.0 - b2**self.t)
        for group in self.param_groups:
            lr = group["lr"] * lr_scale
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["m"] = torch.zeros_like(p)
                    state["v"] = torch.zeros_like(p)
                g = p.grad * scale
                m, v = state["m"], state["v"]
                m.mul_(b1).add_(g, alpha=1 - b1)
                v.mul_(b2).addcmul_(g, g, value=1 - b2)
                denom = v.sqrt().mul_(inv_sqrt_bc2).add_(group["eps"])
                p.mul_(1 - lr * group["weight_decay"]).addcdiv_(m, denom, value=-lr * inv_bc1)
        return True


def make_optimizer(model, hp, parametrization: str, base) -> torch.optim.Optimizer:
    """The run's optimizer (hp.optimizer) over param_groups(): each tensor's lr, ε and weight decay
    from that optimizer's rules (optimizers.py), as the lab's training step sets them up."""
    from .optimizers import optimizer_rules_of
    from .per_tensor import param_groups

    name = optimizer_rules_of(hp).name
    groups = param_groups(model, hp, parametrization, base)
    if name == "adamw":
        return LabAdamW(groups, betas=(hp.beta1, hp.beta2), clip=hp.clip)
    raise ValueError(f"hyperparameters.optimizer: {name!r} has no PyTorch optimizer in mup_lab")
