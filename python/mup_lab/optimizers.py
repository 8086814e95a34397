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


ADAMW_RULES = OptimizerRules("adamw", "AdamW", _adamw_tensor, _adamw_validate)

OPTIMIZER_RULES: Dict[str, OptimizerRules] = {"adamw": ADAMW_RULES}


def optimizer_rules_of(hp: Hyperparams) -> OptimizerRules:
    rules_ = OPTIMIZER_RULES.get(hp.optimizer)
    if rules_ is None:
        raise ValueError(f"hyperparameters.optimizer: unknown optimizer {hp.optimizer!r}")
    return rules_
