"""The lab's Muon (src/train/optimizers/muon.ts, kernels/muon.wgsl, src/ops/newtonSchulz.ts), step
for step, in float32.

Muon (Keller Jordan, github.com/KellerJordan/Muon) on the hidden matrices (q, k, v, attention
output, MLP in and out; q, k and v of the fused qkv are three matrices), AdamW (optim.py) on every
other tensor, one gradient norm over all of them for the clip and one non-finite skip, as LabAdamW:

    g = c·grad;  buf = lerp(buf, g, 1 - μ);  U = lerp(g, buf, μ)           (Nesterov)
    O = zeropower_via_newtonschulz5(U, steps)
    p = p (1 - lr·wd) - lr·scale·O

scale (optimizers.muon_update_scale): SP-Muon 0.2·√max(fan_in, fan_out) (Moonlight's RMS
matching), µP-Muon √(fan_out/fan_in) (the spectral condition). Each matrix is orthogonalized in
torch's [fan_out, fan_in] layout; Newton-Schulz commutes with transposition, and both sides
iterate on the wide orientation, so the arithmetic is the lab's up to summation order.
"""
from __future__ import annotations

from typing import Iterable, List

import torch

from .optim import LabAdamW, adamw_update_
from .optimizers import muon_matrices, muon_update_scale

NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)


def zeropower_via_newtonschulz5(g: torch.Tensor, steps: int) -> torch.Tensor:
    """Keller Jordan's iteration (KellerJordan/Muon muon.py), in float32 instead of bfloat16."""
    a, b, c = NS_COEFFICIENTS
    x = g.float()
    tall = x.size(-2) > x.size(-1)
    if tall:
        x = x.mT
    x = x / (x.norm(dim=(-2, -1), keepdim=True) + 1e-7)
    for _ in range(steps):
        gram = x @ x.mT
        poly = b * gram + c * gram @ gram
        x = a * x + poly @ x
    return x.mT if tall else x


def muon_param_groups(groups: List[dict], tensors: List[dict], parametrization: str) -> List[dict]:
    """param_groups() (per_tensor.py) with each hidden matrix's Newton-Schulz blocks: 'muon' is a
    list of (row slice of torch's [fan_out, fan_in] weight, update scale), empty for AdamW tensors."""
    by_name = {t["name"]: t for t in tensors}
    out = []
    for group in groups:
        t = by_name[group["name"]]
        blocks = []
        if t["role"] == "hidden" and t["kind"] == "matrix":
            for m in muon_matrices(t["name"], t["shape"]):
                rows = slice(m["col"], m["col"] + m["cols"])  # lab columns = torch rows
                blocks.append((rows, muon_update_scale(parametrization, m["rows"], m["cols"])))
        out.append({**group, "muon": blocks})
    return out


class LabMuon(LabAdamW):
    """LabAdamW's step count, betas and update for the tensors without Muon matrices."""

    def __init__(
        self,
        param_groups: Iterable[dict],
        betas=(0.9, 0.95),
        clip: float = 0.0,
        momentum: float = 0.95,
        ns_steps: int = 5,
    ):
        super().__init__(param_groups, betas, clip)
        self.momentum = float(momentum)
        self.ns_steps = int(ns_steps)

    @staticmethod
    def group_defaults() -> dict:
        return dict(LabAdamW.group_defaults(), muon=[])

    def update(self, scale: float, lr_scale: float) -> None:
        inv_bc1, inv_sqrt_bc2 = self.bias_corrections()
        mu = self.momentum
        for group, lr, p in self.tensors_to_update(lr_scale):
            state = self.state[p]
            g = p.grad * scale
            if not group["muon"]:
                adamw_update_(
                    p, g, state, lr, group["eps"], group["weight_decay"],
                    self.betas, inv_bc1, inv_sqrt_bc2,
                )
                continue
            if not state:
                state["momentum_buffer"] = torch.zeros_like(p)
            buf = state["momentum_buffer"]
            buf.add_(g - buf, alpha=1 - mu)
            u = g + mu * (buf - g)
            update = torch.empty_like(p)
            for rows, s in group["muon"]:
                update[rows] = s * zeropower_via_newtonschulz5(u[rows], self.ns_steps)
            p.mul_(1 - lr * group["weight_decay"]).add_(update, alpha=-lr)
