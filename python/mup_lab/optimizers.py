"""The optimizers' per-tensor rules (a port of src/mup/optimizers.ts), one entry per optimizer:
the learning rate, ε and decoupled weight decay of each tensor under SP and µP, and the checks of
the hyperparameters only that optimizer reads. transfer() asks the run's optimizer (hp.optimizer)
for these values; make_optimizer() in optim.py builds the matching torch optimizer.
"""
from __future__ import annotations

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
    v = hp.momentum
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

OPTIMIZER_RULES: Dict[str, OptimizerRules] = {"adamw": ADAMW_RULES, "sgd": SGD_RULES}


def optimizer_rules_of(hp: Hyperparams) -> OptimizerRules:
    rules_ = OPTIMIZER_RULES.get(hp.optimizer)
    if rules_ is None:
        raise ValueError(f"hyperparameters.optimizer: unknown optimizer {hp.optimizer!r}")
    return rules_
