"""load_plan(): reads a `mup-lab plan` file (src/cli/plan.ts buildPlan) for python -m mup_lab.sweep
and checks it before any run starts: the JSON's structure (validate.py), the whole document
against the plan's JSON Schema (generated from src/exchange/planSchema.ts), then by hand every field
the sweep reads and the rules that span fields: each run's target has the run's width and depth,
base and target agree on the vocabulary and context, all runs share them, the swept
hyperparameter equals 2^log2Hp, ids are distinct, and the text passes the lab's text rule with
exactly the plan's vocabulary. Anything wrong raises PlanError with one line naming the field.
"""
from __future__ import annotations

import math
from typing import Any, Dict, List

from .rules import PARAMETRIZATIONS, Hyperparams
from .shapes import GptShape
from .text_rule import check_user_text
from .validate import (
    DocError,
    field,
    got,
    int_in,
    is_number,
    list_of,
    load_doc,
    number_in,
    one_of,
    schema_error,
    string,
)

PLAN_FORMAT = "mup-lab/plan"
PLAN_VERSION = 1
#: src/sweep/config.ts SWEEP_LIMITS.
MAX_STEPS = 100_000
MAX_BATCH = 1024
MAX_RUNS = 10_000
MAX_SEED = 2**53 - 1
SWEPT_HPS = ("lr", "initStd", "alphaOut", "alphaAttn", "alphaIn")


class PlanError(DocError):
    pass


def _train(train: Any) -> Dict[str, Any]:
    t = "train"
    schedule = field(train, "schedule", [t])
    kind = one_of(field(schedule, "kind", [t, "schedule"]), [t, "schedule", "kind"], ("constant", "cosine"))
    if kind == "cosine":
        schedule = {
            "kind": kind,
            "warmupSteps": int_in(field(schedule, "warmupSteps", [t, "schedule"]), [t, "schedule", "warmupSteps"], 0, MAX_SEED),
            "minRatio": number_in(field(schedule, "minRatio", [t, "schedule"]), [t, "schedule", "minRatio"], 0, 1),
        }
    else:
        schedule = {"kind": kind}
    return {
        "steps": int_in(field(train, "steps", [t]), [t, "steps"], 1, MAX_STEPS),
        "batch": int_in(field(train, "batch", [t]), [t, "batch"], 1, MAX_BATCH),
        "schedule": schedule,
        "evalBatches": int_in(field(train, "evalBatches", [t]), [t, "evalBatches"], 0, 1000),
        "finalLossWindow": int_in(field(train, "finalLossWindow", [t]), [t, "finalLossWindow"], 1, MAX_STEPS),
        "divergenceBound": number_in(field(train, "divergenceBound", [t]), [t, "divergenceBound"], 0, lo_open=True),
    }


def _pow2(x: float) -> float:
    try:
        return 2.0**x
    except OverflowError:
        return math.inf


def _run(run: Any, i: int, swept: str) -> Dict[str, Any]:
    w = ["runs", i]
    out: Dict[str, Any] = {
        "id": string(field(run, "id", w), w + ["id"]),
        "parametrization": one_of(field(run, "parametrization", w), w + ["parametrization"], PARAMETRIZATIONS),
        "width": int_in(field(run, "width", w), w + ["width"], 1, 1 << 20),
        "depth": int_in(field(run, "depth", w), w + ["depth"], 1, 4096),
        "seed": int_in(field(run, "seed", w), w + ["seed"], 0, MAX_SEED),
        "log2Hp": number_in(field(run, "log2Hp", w), w + ["log2Hp"]),
    }
    where = f"runs[{i}]"
    try:
        hp = Hyperparams.from_json(field(run, "hyperparameters", w), f"{where}.hyperparameters")
        base = GptShape.from_export(field(run, "base", w), f"{where}.base")
        target = GptShape.from_export(field(run, "target", w), f"{where}.target")
    except DocError:
        raise
    except ValueError as e:
        raise PlanError(str(e)) from None
    for key in ("width", "depth"):
        if getattr(target, key) != out[key]:
            raise PlanError(f"{where}.target.{key}: must equal the run's {key} {out[key]} (got {getattr(target, key)})")
    for key in ("vocab", "context"):
        if getattr(base, key) != getattr(target, key):
            raise PlanError(
                f"{where}.target.{key}: must equal the base's {key} {getattr(base, key)} (got {getattr(target, key)})"
            )
    value = run["hyperparameters"][swept]
    expected = _pow2(out["log2Hp"])
    if not (is_number(value) and math.isfinite(expected) and abs(value - expected) <= 1e-9 * expected):
        raise PlanError(
            f"{where}.hyperparameters.{swept}: must be 2^log2Hp = {expected:g} (the swept value; got {got(value)})"
        )
    out.update(hyperparameters=run["hyperparameters"], base=run["base"], target=run["target"])
    out["_shapes"] = (hp, base, target)
    return out


def parse_plan(doc: Any) -> Dict[str, Any]:
    """A checked copy of a parsed plan (integers as int, the text as the text rule returns it);
    PlanError names the first problem."""
    if not isinstance(doc, dict):
        raise PlanError("(top level): not a mup-lab plan (expected a JSON object)")
    if doc.get("format") != PLAN_FORMAT:
        raise PlanError(f"format: not a mup-lab plan (got {got(doc.get('format'))}, expected {got(PLAN_FORMAT)})")
    version = doc.get("version")
    if not is_number(version) or version != PLAN_VERSION:
        raise PlanError(f"version: {got(version)} is not supported (mup_lab reads {PLAN_VERSION})")
    problem = schema_error(doc, "plan.schema.json")
    if problem is not None:
        raise PlanError(problem)
    try:
        config = field(doc, "config", [])
        axis = one_of(field(config, "axis", ["config"]), ["config", "axis"], ("width", "depth"))
        swept = one_of(field(doc, "sweptHp", []), ["sweptHp"], SWEPT_HPS)
        train = _train(field(doc, "train", []))
        text = field(doc, "text", [])
        if not isinstance(text, str):
            raise PlanError(f"text: must be a string (got {got(text)})")
        raw_runs = list_of(field(doc, "runs", []), ["runs"], 1, MAX_RUNS)
        runs: List[Dict[str, Any]] = [_run(r, i, swept) for i, r in enumerate(raw_runs)]
    except PlanError:
        raise
    except DocError as e:
        raise PlanError(str(e)) from None
    first = runs[0]["_shapes"][2]
    seen: Dict[str, int] = {}
    for i, r in enumerate(runs):
        t = r["_shapes"][2]
        for key in ("vocab", "context"):
            if getattr(t, key) != getattr(first, key):
                raise PlanError(
                    f"runs[{i}].target.{key}: every run must share runs[0]'s {key} {getattr(first, key)} "
                    f"(got {getattr(t, key)})"
                )
        if r["id"] in seen:
            raise PlanError(f"runs[{i}].id: {got(r['id'])} is also runs[{seen[r['id']]}]'s id")
        seen[r["id"]] = i
    check = check_user_text(text, first.context)
    if not check.ok:
        raise PlanError(f"text: {check.message}")
    if check.distinct != first.vocab:
        raise PlanError(f"text: {check.distinct} distinct characters, but the plan's vocab is {first.vocab}")
    for r in runs:
        del r["_shapes"]
    del axis  # checked: the sweep's summary reads it from config
    return {**doc, "config": config, "sweptHp": swept, "train": train, "text": check.text, "runs": runs}


def load_plan(path: str) -> Dict[str, Any]:
    """Reads and checks a `mup-lab plan` file; raises PlanError("PATH: field: ...")."""
    return load_doc(path, parse_plan, PlanError)
