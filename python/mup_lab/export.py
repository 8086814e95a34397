"""load_export(): reads a `mup-lab/transfer` v1 file (src/sweep/export.ts) and checks every field
mup_lab uses; anything wrong raises ExportError with one line naming the field."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Dict

from .rules import Hyperparams
from .shapes import GptShape

EXPORT_FORMAT = "mup-lab/transfer"
# 2: the optimizer named everywhere, with its momentum; v1 files (AdamW only) still read.
EXPORT_VERSION = 2


class ExportError(ValueError):
    pass


@dataclass(frozen=True)
class LabExport:
    parametrization: str
    hp: Hyperparams
    base: GptShape
    target: GptShape
    #: The sweep's learning-rate schedule ({'kind': 'constant'} or cosine with warmup/minRatio).
    schedule: Dict[str, Any]
    raw: Dict[str, Any]


def _get(obj: Any, path: str) -> Any:
    cur = obj
    walked = []
    for key in path.split("."):
        if not isinstance(cur, dict) or key not in cur:
            where = ".".join(walked + [key])
            raise ExportError(f"{where}: missing")
        cur = cur[key]
        walked.append(key)
    return cur


def _finite_numbers(x: Any, path: str) -> None:
    if isinstance(x, float) and not math.isfinite(x):
        raise ExportError(f"{path}: not a finite number")
    if isinstance(x, dict):
        for k, v in x.items():
            _finite_numbers(v, f"{path}.{k}")
    elif isinstance(x, list):
        for i, v in enumerate(x):
            _finite_numbers(v, f"{path}[{i}]")


def parse_export(doc: Any) -> LabExport:
    if not isinstance(doc, dict):
        raise ExportError("(top level): not a µP Lab export (expected a JSON object)")
    fmt = doc.get("format")
    if fmt != EXPORT_FORMAT:
        raise ExportError(f"format: not a µP Lab transfer file (got {fmt!r}, expected {EXPORT_FORMAT!r})")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ExportError(f"version: must be an integer (got {version!r})")
    if version not in (1, EXPORT_VERSION):
        raise ExportError(f"version: v{version} is not supported; mup_lab reads v1 to v{EXPORT_VERSION}")
    p = _get(doc, "parametrization")
    if p not in ("sp", "mup"):
        raise ExportError(f"parametrization: must be 'sp' or 'mup' (got {p!r})")
    for field in ("hyperparameters", "base", "target.shape", "evidence.config.train.schedule"):
        _finite_numbers(_get(doc, field), field)
    try:
        hp = Hyperparams.from_json(_get(doc, "hyperparameters"))
        base = GptShape.from_export(_get(doc, "base"), "base")
        target = GptShape.from_export(_get(doc, "target.shape"), "target.shape")
    except ExportError:
        raise
    except ValueError as e:
        raise ExportError(str(e)) from None
    schedule = _get(doc, "evidence.config.train.schedule")
    kind = schedule.get("kind") if isinstance(schedule, dict) else None
    if kind == "cosine":
        for key in ("warmupSteps", "minRatio"):
            _get(doc, f"evidence.config.train.schedule.{key}")
    elif kind != "constant":
        raise ExportError(f"evidence.config.train.schedule.kind: must be constant or cosine (got {kind!r})")
    return LabExport(p, hp, base, target, dict(schedule), doc)


def load_export(path: str) -> LabExport:
    """Reads and checks an export file (raises ExportError naming the field)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise ExportError(f"{path}: cannot read ({e.strerror})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ExportError(f"{path}: not valid JSON ({e.msg} at line {e.lineno})") from None
    try:
        return parse_export(doc)
    except ExportError as e:
        raise ExportError(f"{path}: {e}") from None
