"""The optimizers' per-tensor rules (a port of src/mup/optimizers.ts), one entry per optimizer:
the learning rate, ε and decoupled weight decay of each tensor under SP and µP, and the checks of
the hyperparameters only that optimizer reads. transfer() asks the run's optimizer (hp.optimizer)
for these values; make_optimizer() in optim.py builds the matching torch optimizer.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, Dict, List, Tuple

from . import rules
from .rules import Hyperparams, TensorContext

Values = Dict[str, float]
Errors = List[Tuple[str, str]]


@dataclass(frozen=True)
class OptimizerRules:
    name: str
    label: str
    tensor: Callable[[str, Hyperparams, TensorContext], Values]
    depth_lr_factor: Callable[[str, Hyperparams, float], float]
    # The hyperparameters only this optimizer reads (JSON names, src/mup/optimizers.ts fields).
    fields: Tuple[str, ...]
    validate: Callable[[Hyperparams], Errors]


def _adamw_tensor(p: str, hp: Hyperparams, t: TensorContext) -> Values:
    lr = rules.adam_lr(p, hp, t)
    return {
        "lr": lr,
        "eps": rules.adam_eps(p, hp, t),
        "weightDecay": rules.decoupled_weight_decay(hp, t, lr),
    }


def _adamw_validate(hp: Hyperparams) -> Errors:
    errors: Errors = []
    for field in ("beta1", "beta2"):
        v = getattr(hp, field)
        if not rules.is_finite_number(v) or v < 0 or v >= 1:
            errors.append((field, f"Adam {field} must be in [0, 1) (got {v})"))
    if not rules.is_finite_number(hp.eps) or hp.eps <= 0:
        errors.append(("eps", f"Adam epsilon must be > 0 (got {hp.eps})"))
    return errors


ADAMW_RULES = OptimizerRules(
    "adamw",
    "AdamW",
    _adamw_tensor,
    rules.depth_lr_factor,
    ("beta1", "beta2", "eps"),
    _adamw_validate,
)


def validate_momentum(hp: Hyperparams) -> Errors:
    """Errors of a momentum μ (SGD's and Muon's): it must be in [0, 1)."""
    v = rules.momentum_of(hp)
    if rules.is_finite_number(v) and 0 <= v < 1:
        return []
    return [("momentum", f"Momentum must be in [0, 1) (got {v})")]


def _sgd_tensor(p: str, hp: Hyperparams, t: TensorContext) -> Values:
    # Decoupled weight decay with lr_t·wd_t = η·λ, as for AdamW (src/mup/optimizers.ts SGD_RULES).
    lr = rules.sgd_lr(p, hp, t)
    return {"lr": lr, "eps": hp.eps, "weightDecay": rules.decoupled_weight_decay(hp, t, lr)}


SGD_RULES = OptimizerRules(
    "sgd",
    "SGD (momentum)",
    _sgd_tensor,
    rules.sgd_depth_lr_factor,
    ("momentum",),
    validate_momentum,
)


# ---- Muon (src/mup/optimizers.ts MUON_RULES; read its comments for the why) -------------------

MUON_DEFAULT_MOMENTUM = 0.95
DEFAULT_NS_STEPS = 5


def muon_momentum_of(hp: Hyperparams) -> float:
    return MUON_DEFAULT_MOMENTUM if hp.momentum is None else hp.momentum


def ns_steps_of(hp: Hyperparams) -> int:
    return DEFAULT_NS_STEPS if hp.ns_steps is None else hp.ns_steps


def is_muon_tensor(role: str, kind: str) -> bool:
    """The hidden matrices (q, k, v, attention output, MLP in and out) go to Muon."""
    return role == "hidden" and kind == "matrix"


def muon_matrices(name: str, shape) -> List[Dict[str, int]]:
    """The matrices of a hidden tensor stored [fan_in, fan_out]: the fused qkv's q, k and v column
    blocks are three, any other is one. Each: {col, rows = fan_in, cols}."""
    rows, cols = shape
    if re.search(r"\.attn\.qkv$", name):
        if cols % 3:
            raise ValueError(f"{name}: qkv columns {cols} are not divisible by 3")
        d = cols // 3
        return [{"col": i * d, "rows": rows, "cols": d} for i in range(3)]
    return [{"col": 0, "rows": rows, "cols": cols}]


#: The factor on the orthogonalized update per rule of the parametrization table (its muonUpdate;
#: src/mup/optimizers.ts MUON_UPDATE_SCALES).
MUON_UPDATE_SCALES: Dict[str, Callable[[int, int], float]] = {
    # SP-Muon: Moonlight's RMS matching.
    "rms-match": lambda fan_in, fan_out: 0.2 * math.sqrt(max(fan_in, fan_out)),
    # µP-Muon: the spectral condition.
    "spectral": lambda fan_in, fan_out: math.sqrt(fan_out / fan_in),
}


def muon_update_scale(p: str, fan_in: int, fan_out: int) -> float:
    """SP-Muon: Moonlight's RMS matching 0.2·√max(fan_in, fan_out); µP-Muon: the spectral
    condition √(fan_out/fan_in) (the parametrization table's muonUpdate)."""
    if not (fan_in > 0 and fan_out > 0):
        raise ValueError(f"Bad Muon fans {fan_in} x {fan_out}")
    return MUON_UPDATE_SCALES[rules.row(p)["muonUpdate"]](fan_in, fan_out)


def _muon_tensor(p: str, hp: Hyperparams, t: TensorContext) -> Values:
    if not is_muon_tensor(t.role, t.kind):
        return _adamw_tensor(p, hp, t)
    lr = hp.lr * (rules.depth_lr_factor(p, hp, t.depth_mult) if t.in_block else 1)
    return {"lr": lr, "eps": hp.eps, "weightDecay": rules.decoupled_weight_decay(hp, t, lr)}


def _muon_validate(hp: Hyperparams) -> Errors:
    errors = _adamw_validate(hp)
    mu = muon_momentum_of(hp)
    if not rules.is_finite_number(mu) or mu < 0 or mu >= 1:
        errors.append(("momentum", f"Momentum must be in [0, 1) (got {mu})"))
    steps = ns_steps_of(hp)
    integer = rules.is_finite_number(steps) and steps == int(steps)
    if not integer or steps < 1:
        errors.append(("nsSteps", f"Newton-Schulz steps must be an integer >= 1 (got {steps})"))
    return errors


MUON_RULES = OptimizerRules(
    "muon",
    "Muon",
    _muon_tensor,
    rules.depth_lr_factor,
    ("momentum", "nsSteps", "beta1", "beta2", "eps"),
    _muon_validate,
)

OPTIMIZER_RULES: Dict[str, OptimizerRules] = {"adamw": ADAMW_RULES, "sgd": SGD_RULES, "muon": MUON_RULES}


def optimizer_rules_of(hp: Hyperparams) -> OptimizerRules:
    rules_ = OPTIMIZER_RULES.get(hp.optimizer)
    if rules_ is None:
        raise ValueError(f"hyperparameters.optimizer: unknown optimizer {hp.optimizer!r}")
    return rules_
