"""transfer(): base hyperparameters -> per-tensor values and multipliers of a target model.

A port of src/mup/transfer.ts transfer(): the rules come from rules.py; this applies them tensor
by tensor. The result uses the TypeScript field names (camelCase) so that test_golden.py compares
it key by key with the tables the TypeScript side writes.
"""
from __future__ import annotations

from typing import Any, Dict, List

from . import rules
from .optimizers import ns_steps_of, optimizer_rules_of
from .rules import Hyperparams, TensorContext
from .shapes import GptShape, gpt_tensors


def _width_like(shape: GptShape, width: int, mlp_ratio: float) -> GptShape:
    """`shape` with another width and MLP ratio (one head: heads change no tensor's shape)."""
    return shape.with_(width=width, heads=1, head_size=None, mlp_ratio=mlp_ratio)


def _paired_tensors(base: GptShape, target: GptShape):
    base_tensors = gpt_tensors(_width_like(target, base.width, base.mlp_ratio))
    out = []
    for t, b in zip(gpt_tensors(target), base_tensors):
        if t.name != b.name:
            raise ValueError(f"Tensor lists differ at {t.name} / {b.name}")
        out.append((t, b.fan_in, b.fan_out))
    return out


def transfer(hp: Hyperparams, parametrization: str, base: GptShape, target: GptShape) -> Dict[str, Any]:
    if parametrization not in rules.PARAMETRIZATIONS:
        known = " or ".join(repr(p) for p in rules.PARAMETRIZATIONS)
        raise ValueError(f"parametrization: must be {known} (got {parametrization!r})")
    errors = rules.validate_hyperparams(hp)
    if errors:
        raise ValueError(f"hyperparameters.{errors[0][0]}: {errors[0][1]}")
    base.check("base")
    target.check("target")
    p = parametrization
    depth_mult = rules.depth_multiplier(target.depth, base.depth)
    optimizer = optimizer_rules_of(hp)
    tensors: List[Dict[str, Any]] = []
    for spec, base_fan_in, base_fan_out in _paired_tensors(base, target):
        m = rules.width_multiplier(spec.fan_in, base_fan_in)
        m_out = rules.width_multiplier(spec.fan_out, base_fan_out)
        ctx = TensorContext(spec.role, spec.kind, m, spec.block is not None, depth_mult, m_out)
        init_mean, init_std = rules.init_rule(p, hp, ctx)
        update = optimizer.tensor(p, hp, ctx)
        lr = update["lr"]
        values: Dict[str, Any] = {
            "name": spec.name,
            "role": spec.role,
            "kind": spec.kind,
            "shape": list(spec.shape),
            "block": spec.block,
            "fanIn": spec.fan_in,
            "baseFanIn": base_fan_in,
            "widthMult": m,
            "initMean": init_mean,
            "initStd": init_std,
            "lr": lr,
            "lrMult": lr / hp.lr,
            "eps": update["eps"],
            "weightDecay": update["weightDecay"],
        }
        if spec.query_columns is not None:
            values["queryColumns"] = list(spec.query_columns)
            values["queryInitStd"] = rules.query_init_std(p, hp, m)
        if spec.tied_readout:
            values["tiedReadout"] = True
        tensors.append(values)

    head_size = target.head_size_of
    base_head_size = base.head_size_of
    width_mult = rules.width_multiplier(target.width, base.width)
    multipliers = {
        "inputMult": rules.input_multiplier(p, hp),
        "readoutMult": rules.readout_multiplier(p, hp, width_mult),
        "attnScale": rules.attention_scale(p, hp, head_size, base_head_size),
        "residualMult": rules.residual_multiplier(p, hp, depth_mult),
        "widthMult": width_mult,
        "depthMult": depth_mult,
        "depthLrFactor": optimizer.depth_lr_factor(p, hp, depth_mult),
        "headSize": head_size,
        "baseHeadSize": base_head_size,
    }
    return {
        "parametrization": p,
        "tensors": tensors,
        "multipliers": multipliers,
        "optimizer": {
            "name": optimizer.name,
            "beta1": hp.beta1,
            "beta2": hp.beta2,
            "clip": hp.clip,
            "momentum": rules.momentum_of(hp),
            "nsSteps": ns_steps_of(hp),
        },
    }
