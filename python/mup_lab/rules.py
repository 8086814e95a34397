"""The µP rules, a line-by-line port of src/mup/rules.ts (read its header for the why).

One function per rule, with the TypeScript names in snake_case, so that a change to a rule there
is ported here function by function. The exponents each rule applies per parametrization are not
restated here: they are read from the same table as the TypeScript side's
(src/mup/parametrizations.ts, as JSON in mup_lab/schemas/parametrizations.json). Golden tables written by the TypeScript side
(`mup-lab golden`) hold this port to src/mup's transfer() to 1e-12 (python/tests/test_golden.py).

    m = fan_in / base_fan_in of the tensor (1 for embeddings); L = depth / base_depth.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, fields
from typing import Any, Dict, Mapping, Optional

from .validate import SCHEMA_DIR

#: The parametrization table (src/mup/parametrizations.ts PARAMETRIZATION_TABLE): the exponents of
#: every rule below, per parametrization. Written beside the JSON Schemas by `npm run build`
#: (scripts/python-schemas.ts) and carried by the trainer zip; every rule reads it.
TABLE_PATH = SCHEMA_DIR / "parametrizations.json"


def _load_table() -> Dict[str, Any]:
    if not TABLE_PATH.is_file():
        raise RuntimeError(f"{TABLE_PATH} is missing: `npm run build` writes it")
    with open(TABLE_PATH, encoding="utf-8") as f:
        doc = json.load(f)
    if doc.get("format") != "mup-lab/parametrizations" or doc.get("version") != 1:
        raise RuntimeError(f"{TABLE_PATH}: not a mup-lab/parametrizations v1 table")
    return doc["parametrizations"]


TABLE: Dict[str, Dict[str, Any]] = _load_table()
#: Every parametrization, in the lab's order (src/mup/parametrizations.ts PARAMETRIZATIONS).
PARAMETRIZATIONS = tuple(TABLE)


def row(p: str) -> Dict[str, Any]:
    """The table's row of a parametrization; an unknown name is an error naming it."""
    r = TABLE.get(p)
    if r is None:
        raise ValueError(f"parametrization: unknown {p!r} (known: {', '.join(PARAMETRIZATIONS)})")
    return r


def scaled(x: float, b: float, e: float) -> float:
    """x · b^e, computed as the TypeScript side does (src/mup/parametrizations.ts scaled): x / b
    (or √b) for negative exponents, x · b (or √b) for positive ones."""
    if e == 0:
        return x

    def power(k: float) -> float:
        return b if k == 1 else math.sqrt(b) if k == 0.5 else math.pow(b, k)

    return x / power(-e) if e < 0 else x * power(e)


def depth_factor(rule: Optional[Mapping[str, float]], alpha: float, depth_mult: float) -> float:
    """L^(perAlpha·α + constant), or 1 when depth scaling is off (α = 0) or the row has none."""
    if rule is None or alpha == 0:
        return 1.0
    return math.pow(depth_mult, rule["perAlpha"] * alpha + rule["constant"])


def _depth_rule(p: str, name: str) -> Optional[Mapping[str, float]]:
    depth = row(p)["depth"]
    return None if depth is None else depth[name]


def _role_of(t: "TensorContext") -> str:
    """The table's row key of a tensor: its role for matrices, 'vector' for gains and biases."""
    return t.role if t.kind == "matrix" else "vector"

#: Depth options this port knows (src/mup/rules.ts DEPTH_ALPHAS). A new option there makes the
#: golden tables carry it, and test_golden.py fails until it is ported here.
DEPTH_ALPHAS = (0, 0.5, 1)

# JSON (camelCase, as in exports and golden tables) -> Python field.
_JSON_FIELDS = {
    "lr": "lr",
    "initStd": "init_std",
    "alphaIn": "alpha_in",
    "alphaOut": "alpha_out",
    "alphaAttn": "alpha_attn",
    "weightDecay": "weight_decay",
    "beta1": "beta1",
    "beta2": "beta2",
    "eps": "eps",
    "clip": "clip",
    "zeroReadout": "zero_readout",
    "zeroQuery": "zero_query",
    "depthAlpha": "depth_alpha",
    "optimizer": "optimizer",
    "momentum": "momentum",
    "nsSteps": "ns_steps",
}
# Fields a file may omit: files written before the optimizer choice trained with AdamW; momentum
# and nsSteps absent mean the optimizer's own defaults (optimizers.py).
_OPTIONAL_FIELDS: Dict[str, Any] = {"optimizer": "adamw", "momentum": None, "nsSteps": None}
# SGD's momentum when the hyperparameters name none (src/mup/rules.ts DEFAULT_MOMENTUM).
DEFAULT_MOMENTUM = 0.9


def momentum_of(hp: "Hyperparams") -> float:
    """The run's momentum for SGD: hp.momentum, or DEFAULT_MOMENTUM in files written without one."""
    return DEFAULT_MOMENTUM if hp.momentum is None else hp.momentum


@dataclass(frozen=True)
class Hyperparams:
    """The hyperparameters tuned at the base model (src/mup/rules.ts MupHyperparams)."""

    lr: float = 3e-3
    init_std: float = 0.02
    alpha_in: float = 1.0
    alpha_out: float = 1.0
    alpha_attn: float = 1.0
    weight_decay: float = 0.0
    beta1: float = 0.9
    beta2: float = 0.95
    eps: float = 1e-8
    clip: float = 1.0
    zero_readout: bool = False
    zero_query: bool = False
    depth_alpha: float = 0
    optimizer: str = "adamw"
    #: None: the optimizer's default (Muon: 0.95).
    momentum: Optional[float] = None
    #: Muon's Newton-Schulz steps; None: 5.
    ns_steps: Optional[int] = None

    @staticmethod
    def from_json(obj: Mapping[str, Any], where: str = "hyperparameters") -> "Hyperparams":
        """From the camelCase JSON of an export; every field required, unknown ones refused."""
        if not isinstance(obj, Mapping):
            raise ValueError(f"{where}: must be an object")
        for key in obj:
            if key not in _JSON_FIELDS:
                raise ValueError(
                    f"{where}.{key}: unknown field (newer µP Lab? port it from src/mup/rules.ts)"
                )
        values: Dict[str, Any] = {}
        for key, name in _JSON_FIELDS.items():
            if key not in obj and key not in _OPTIONAL_FIELDS:
                raise ValueError(f"{where}.{key}: missing")
            v = obj.get(key, _OPTIONAL_FIELDS.get(key))
            if key not in obj and _OPTIONAL_FIELDS.get(key, False) is None:
                values[name] = None  # absent: the optimizer's own default
                continue
            # The JSON type first, so that "0.01" is "must be a number", not "must be > 0".
            if isinstance(_DEFAULTS[name], bool):
                if not isinstance(v, bool):
                    raise ValueError(f"{where}.{key}: must be true or false (got {_json_value(v)})")
            elif isinstance(_DEFAULTS[name], str):
                if not isinstance(v, str):
                    raise ValueError(f"{where}.{key}: must be a string (got {_json_value(v)})")
            elif isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ValueError(f"{where}.{key}: must be a number (got {_json_value(v)})")
            values[name] = v
        hp = Hyperparams(**values)
        errors = validate_hyperparams(hp)
        if errors:
            field, message = errors[0]
            raise ValueError(f"{where}.{field}: {message}")
        return hp

    def to_json(self) -> Dict[str, Any]:
        inverse = {v: k for k, v in _JSON_FIELDS.items()}
        values = {inverse[f.name]: getattr(self, f.name) for f in fields(self)}
        # An optional field left at None is left out, as the TypeScript side writes it.
        return {k: v for k, v in values.items() if not (k in _OPTIONAL_FIELDS and v is None)}


_DEFAULTS = {f.name: f.default for f in fields(Hyperparams)}


def _json_value(v: Any) -> str:
    """A value as JSON shows it (cut short): "0.01" for a string, 0.01 for a number."""
    if isinstance(v, (dict, list)):
        return "an object" if isinstance(v, dict) else "a list"
    try:
        text = json.dumps(v)
    except (TypeError, ValueError):
        text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def is_finite_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def validate_hyperparams(hp: Hyperparams):
    """(json field, message) for every invalid field, empty when valid: the shared fields, the
    optimizer's name and the fields that optimizer reads (src/mup/optimizers.ts)."""
    from .optimizers import OPTIMIZER_RULES

    errors = validate_shared_hyperparams(hp)
    rules = OPTIMIZER_RULES.get(hp.optimizer) if isinstance(hp.optimizer, str) else None
    if rules is None:
        names = ", ".join(OPTIMIZER_RULES)
        errors.append(("optimizer", f"Optimizer must be one of {names} (got {hp.optimizer!r})"))
        return errors
    return errors + rules.validate(hp)


def validate_shared_hyperparams(hp: Hyperparams):
    """(json field, message) for every invalid field that every optimizer reads."""
    errors = []

    def positive(field: str, name: str, label: str) -> None:
        v = getattr(hp, name)
        if not is_finite_number(v) or v <= 0:
            errors.append((field, f"{label} must be > 0 (got {v})"))

    positive("lr", "lr", "Learning rate")
    positive("initStd", "init_std", "Init std")
    positive("alphaIn", "alpha_in", "Input multiplier")
    positive("alphaOut", "alpha_out", "Output multiplier")
    positive("alphaAttn", "alpha_attn", "Attention multiplier")
    if not is_finite_number(hp.weight_decay) or hp.weight_decay < 0:
        errors.append(("weightDecay", f"Weight decay must be ≥ 0 (got {hp.weight_decay})"))
    if not is_finite_number(hp.clip) or hp.clip < 0:
        errors.append(("clip", f"Gradient clip must be ≥ 0, 0 = off (got {hp.clip})"))
    if not isinstance(hp.zero_readout, bool):
        errors.append(("zeroReadout", "zeroReadout must be a boolean"))
    if not isinstance(hp.zero_query, bool):
        errors.append(("zeroQuery", "zeroQuery must be a boolean"))
    if isinstance(hp.depth_alpha, bool) or hp.depth_alpha not in DEPTH_ALPHAS:
        errors.append(
            (
                "depthAlpha",
                f"Depth option {hp.depth_alpha!r} is not ported to mup_lab "
                f"(known: {', '.join(str(a) for a in DEPTH_ALPHAS)})",
            )
        )
    return errors


def width_multiplier(fan_in: float, base_fan_in: float) -> float:
    """Width multiplier of one tensor: m = fan_in / base_fan_in."""
    if not (fan_in > 0 and base_fan_in > 0):
        raise ValueError(f"Bad fan-in {fan_in} / base {base_fan_in}")
    return fan_in / base_fan_in


def depth_multiplier(depth: float, base_depth: float) -> float:
    """Depth multiplier L = depth / base_depth."""
    if not (depth > 0 and base_depth > 0):
        raise ValueError(f"Bad depth {depth} / base {base_depth}")
    return depth / base_depth


@dataclass(frozen=True)
class TensorContext:
    """What a rule needs to know about one tensor (src/mup/rules.ts TensorContext)."""

    role: str  # 'embedding' | 'position' | 'hidden' | 'readout' | 'vector'
    kind: str  # 'matrix' | 'gain' | 'bias'
    m: float
    in_block: bool
    depth_mult: float
    m_out: float  # fan_out / base_fan_out (1 for the readout, whose fan-out is the vocabulary)


# ---- Table columns "init std" ----------------------------------------------------------------


def init_rule(p: str, hp: Hyperparams, t: TensorContext):
    """(mean, std) of one tensor's init: σ·m^e per role. Query columns: query_init_std()."""
    if t.kind == "gain":
        return (1.0, 0.0)
    if t.kind == "bias":
        return (0.0, 0.0)
    if t.role == "vector":
        raise ValueError("A vector tensor must be a gain or a bias")
    if t.role == "readout" and hp.zero_readout:
        return (0.0, 0.0)
    return (0.0, scaled(hp.init_std, t.m, row(p)["initStd"][t.role]))


def query_init_std(p: str, hp: Hyperparams, m: float) -> float:
    """Std of the query columns of a qkv matrix: 0 when zero_query, else the hidden rule."""
    if hp.zero_query:
        return 0.0
    return init_rule(p, hp, TensorContext("hidden", "matrix", m, True, 1, m))[1]


# ---- Depth rules -----------------------------------------------------------------------------


def residual_multiplier(p: str, hp: Hyperparams, depth_mult: float) -> float:
    """Residual branch multiplier: L^-α under µP with depth scaling on, else 1."""
    return depth_factor(_depth_rule(p, "residual"), hp.depth_alpha, depth_mult)


def depth_lr_factor(p: str, hp: Hyperparams, depth_mult: float) -> float:
    """Learning-rate factor for tensors inside residual blocks: L^(α-1) under µP, else 1."""
    return depth_factor(_depth_rule(p, "adamLr"), hp.depth_alpha, depth_mult)


# ---- Table columns "Adam LR", ε, weight decay ------------------------------------------------


def adam_lr(p: str, hp: Hyperparams, t: TensorContext) -> float:
    """Adam learning rate of one tensor (η·m^e per role, and the depth rule)."""
    width = scaled(1, t.m, row(p)["adamLr"][_role_of(t)])
    depth = depth_lr_factor(p, hp, t.depth_mult) if t.in_block else 1
    return hp.lr * width * depth


def sgd_depth_lr_factor(p: str, hp: Hyperparams, depth_mult: float) -> float:
    """SGD's learning-rate factor inside residual blocks: L^(2α-1) under µP, else 1 (sgd_lr)."""
    return depth_factor(_depth_rule(p, "sgdLr"), hp.depth_alpha, depth_mult)


def sgd_lr(p: str, hp: Hyperparams, t: TensorContext) -> float:
    """SGD learning rate of one tensor (src/mup/rules.ts sgdLr): η · m^a · m_out^b per role,
    microsoft/mup's MuSGD under µP (vector-like tensors η·width_mult: the output dimension's for
    embeddings and vectors, the fan-in's for the readout; hidden matrices η·m_out/m), η under SP;
    in-block × L^(2α-1)."""
    e = row(p)["sgdLr"][_role_of(t)]
    width = scaled(scaled(1, t.m_out, e["mOut"]), t.m, e["m"])
    depth = sgd_depth_lr_factor(p, hp, t.depth_mult) if t.in_block else 1
    return hp.lr * width * depth


def depth_eps_factor(p: str, hp: Hyperparams, depth_mult: float) -> float:
    """Adam ε factor for tensors inside residual blocks: L^-α under µP with depth scaling, else 1."""
    return depth_factor(_depth_rule(p, "adamEps"), hp.depth_alpha, depth_mult)


def adam_eps(p: str, hp: Hyperparams, t: TensorContext) -> float:
    """Adam ε of one tensor: ε·m^e per role (ε/m on hidden matrices under µP); with depth scaling
    (depth-µP, CompleteP) every tensor inside a block also × L^-α (src/mup/rules.ts adamEps)."""
    eps = scaled(hp.eps, t.m, row(p)["adamEps"][_role_of(t)])
    return eps * depth_eps_factor(p, hp, t.depth_mult) if t.in_block else eps


def is_decayed(t: TensorContext) -> bool:
    """Matrices are weight-decayed, gains and biases are not."""
    return t.kind == "matrix"


def decoupled_weight_decay(hp: Hyperparams, t: TensorContext, lr: float) -> float:
    """wd_t for p -= lr_t · wd_t · p of a tensor with LR lr_t: λ·η/lr_t (lr_t·wd_t = η·λ), 0 if
    not decayed, whatever the optimizer's LR rule."""
    if not is_decayed(t) or hp.weight_decay == 0:
        return 0.0
    return (hp.weight_decay * hp.lr) / lr


def weight_decay(p: str, hp: Hyperparams, t: TensorContext) -> float:
    """AdamW's per-tensor wd_t: decoupled_weight_decay at the Adam learning rate."""
    return decoupled_weight_decay(hp, t, adam_lr(p, hp, t))


# ---- Table column "forward" ------------------------------------------------------------------


def input_multiplier(_p: str, hp: Hyperparams) -> float:
    """Multiplier on tok_emb + pos_emb: α_in under both."""
    return hp.alpha_in


def readout_multiplier(p: str, hp: Hyperparams, m: float) -> float:
    """Logit multiplier α_out·m^e: α_out / m under µP (m = d / d_base), α_out under SP."""
    return scaled(hp.alpha_out, m, row(p)["readoutMult"])


def attention_scale(p: str, hp: Hyperparams, head_size: float, base_head_size: float) -> float:
    """SP α_attn/√d_head; µP α_attn·√d_base/d_head: α_attn/√d_base · (d_head/d_base)^e, written as
    SP's value × (d_base/d_head)^(-e-1/2) (bit-identical to SP at d_head = d_base)."""
    sp = hp.alpha_attn / math.sqrt(head_size)
    return scaled(sp, base_head_size / head_size, -row(p)["attentionHeadSize"] - 0.5)
