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
from typing import Iterable, Iterator, Optional, Tuple

import torch


class LabOptimizer(torch.optim.Optimizer):
    """What the lab's optimizers share (reduce.wgsl's statistics): one gradient norm over every
    tensor for the clip, and the whole update skipped, and counted, on a non-finite gradient."""

    def __init__(self, param_groups: Iterable[dict], defaults: dict, clip: float):
        super().__init__(list(param_groups), defaults)
        self.clip = float(clip)
        self.skipped = 0
        self.last_grad_norm = float("nan")

    def clip_scale(self, params) -> Optional[float]:
        """The clip factor of this step over `params`, or None when the step is skipped."""
        norm, scale = grad_norm_and_scale(params, self.clip)
        self.last_grad_norm = norm
        if math.isnan(norm):
            self.skipped += 1
            return None
        return scale

    def count_step(self) -> None:
        """Called once per step, skipped or not (Adam's bias corrections count every step)."""

    def update(self, scale: float, lr_scale: float) -> None:
        """The optimizer's own update, with the gradients multiplied by the clip factor `scale`."""
        raise NotImplementedError

    def tensors_to_update(self, lr_scale: float) -> Iterator[Tuple[dict, float, torch.Tensor]]:
        """(group, its lr times `lr_scale`, tensor) for every tensor that has a gradient."""
        for group in self.param_groups:
            lr = group["lr"] * lr_scale
            for p in group["params"]:
                if p.grad is not None:
                    yield group, lr, p

    @torch.no_grad()
    def step(self, closure=None, lr_scale: float = 1.0) -> bool:
        """One update; False when it was skipped for non-finite gradients."""
        params = [p for g in self.param_groups for p in g["params"] if p.grad is not None]
        self.count_step()
        if not params:
            return True
        scale = self.clip_scale(params)
        if scale is None:
            return False
        self.update(scale, lr_scale)
        return True


class LabAdamW(LabOptimizer):
    def __init__(self, param_groups: Iterable[dict], betas=(0.9, 0.95), clip: float = 0.0):
        super().__init__(param_groups, self.group_defaults(), clip)
        self.betas = (float(betas[0]), float(betas[1]))
        self.t = 0

    @staticmethod
    def group_defaults() -> dict:
        """A param group's values where it does not give them."""
        return dict(lr=1e-3, eps=1e-8, weight_decay=0.0)

    def count_step(self) -> None:
        self.t += 1

    def bias_corrections(self) -> Tuple[float, float]:
        """1/(1-β1^t) and 1/√(1-β2^t) at this step t."""
        b1, b2 = self.betas
        return 1.0 / (1.0 - b1**self.t), 1.0 / math.sqrt(1.0 - b2**self.t)

    def update(self, scale: float, lr_scale: float) -> None:
        inv_bc1, inv_sqrt_bc2 = self.bias_corrections()
        for group, lr, p in self.tensors_to_update(lr_scale):
            adamw_update_(
                p, p.grad * scale, self.state[p], lr, group["eps"], group["weight_decay"],
                self.betas, inv_bc1, inv_sqrt_bc2,
            )


def grad_norm_and_scale(params, clip: float):
    """(global gradient norm, clip factor) over `params`, as reduce.wgsl and adamw.wgsl: the norm
    is NaN when any gradient (or the sum of squares) is not finite, and then the step is skipped;
    c = min(1, clip / (norm + 1e-6)) when clip > 0, else 1 (torch.nn.utils.clip_grad_norm_)."""
    sumsq = torch.stack([p.grad.float().pow(2).sum() for p in params]).sum()
    finite = all(bool(torch.isfinite(p.grad).all()) for p in params) and bool(torch.isfinite(sumsq))
    if not finite:
        return float("nan"), 0.0
    norm = math.sqrt(float(sumsq))
    return norm, (min(1.0, clip / (norm + 1e-6)) if clip > 0 else 1.0)


def adamw_update_(p, g, state, lr, eps, weight_decay, betas, inv_bc1, inv_sqrt_bc2) -> None:
    """One AdamW update of one tensor from its (clipped) gradient g, in place (adamw.wgsl)."""
    b1, b2 = betas
    if not state:
        state["m"] = torch.zeros_like(p)
        state["v"] = torch.zeros_like(p)
    m, v = state["m"], state["v"]
    m.mul_(b1).add_(g, alpha=1 - b1)
    v.mul_(b2).addcmul_(g, g, value=1 - b2)
    denom = v.sqrt().mul_(inv_sqrt_bc2).add_(eps)
    p.mul_(1 - lr * weight_decay).addcdiv_(m, denom, value=-lr * inv_bc1)


class LabSGD(LabOptimizer):
    """The lab's SGD with momentum (kernels/sgd.wgsl + kernels/reduce.wgsl), step for step.

    The clip and the skip are LabOptimizer's (one gradient norm per optimizer, the whole update skipped
    on a non-finite gradient). Each tensor has its own lr and decoupled weight decay
    (param_groups(), the MuSGD rules of optimizers.py); per element, with c the clip factor:

        buf = μ buf + c g;   p = p (1 - lr·wd) - lr buf

    which is torch.optim.SGD(momentum=μ, dampening=0, nesterov=False) with its weight decay
    decoupled (torch couples it: g += wd·p; MuSGD divides it by the lr's factor, so lr·wd is η·λ
    either way; here it does not pass through the momentum buffer).
    """

    def __init__(self, param_groups: Iterable[dict], momentum: float = 0.9, clip: float = 0.0):
        super().__init__(param_groups, dict(lr=1e-3, weight_decay=0.0), clip)
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum: must be in [0, 1) (got {momentum})")
        self.momentum = float(momentum)

    def update(self, scale: float, lr_scale: float) -> None:
        mu = self.momentum
        for group, lr, p in self.tensors_to_update(lr_scale):
            state = self.state[p]
            if not state:
                state["buf"] = torch.zeros_like(p)
            buf = state["buf"]
            buf.mul_(mu).add_(p.grad, alpha=scale)
            p.mul_(1 - lr * group["weight_decay"]).add_(buf, alpha=-lr)



def make_optimizer(model, hp, parametrization: str, base) -> torch.optim.Optimizer:
    """The run's optimizer (hp.optimizer) over param_groups(): each tensor's lr, ε and weight decay
    from that optimizer's rules (optimizers.py), as the lab's training step sets them up."""
    from .optimizers import optimizer_rules_of
    from .per_tensor import param_groups

    name = optimizer_rules_of(hp).name
    groups = param_groups(model, hp, parametrization, base)
    if name == "adamw":
        return LabAdamW(groups, betas=(hp.beta1, hp.beta2), clip=hp.clip)
    if name == "sgd":
        from .rules import momentum_of

        return LabSGD(groups, momentum=momentum_of(hp), clip=hp.clip)
    if name == "muon":
        from .muon import LabMuon, muon_param_groups
        from .optimizers import muon_momentum_of, ns_steps_of
        from .transfer import transfer

        tensors = transfer(hp, parametrization, base, model.shape)["tensors"]
        return LabMuon(
            muon_param_groups(groups, tensors, parametrization),
            betas=(hp.beta1, hp.beta2),
            clip=hp.clip,
            momentum=muon_momentum_of(hp),
            ns_steps=ns_steps_of(hp),
        )
    raise ValueError(f"hyperparameters.optimizer: {name!r} has no PyTorch optimizer in mup_lab")
