"""load_export(): reads a `mup-lab/transfer` v1 file (src/exchange/export.ts) and checks it as the lab's
import does (src/exchange/exportParse.ts): the JSON's structure, then the whole document against the
export's JSON Schema (generated from its zod schema; see validate.py), then by hand every field
mup_lab uses and the rules that span fields. Anything wrong raises ExportError with one line
naming the field."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict

from .rules import PARAMETRIZATIONS, Hyperparams
from .shapes import GptShape
from .validate import DocError, got, int_in, is_number, load_doc, number_in, one_of, schema_error

EXPORT_FORMAT = "mup-lab/transfer"
# 2: the optimizer named everywhere, with its momentum; v1 files (AdamW only) still read.
EXPORT_VERSION = 2


class ExportError(DocError):
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
    """Checks a parsed export (see the module's header); ExportError names the first problem."""
    if not isinstance(doc, dict):
        raise ExportError("(top level): not a µP Lab export (expected a JSON object)")
    fmt = doc.get("format")
    if fmt != EXPORT_FORMAT:
        raise ExportError(f"format: not a µP Lab transfer file (got {got(fmt)}, expected {got(EXPORT_FORMAT)})")
    version = doc.get("version")
    if not is_number(version) or not float(version).is_integer():
        raise ExportError(f"version: must be an integer (got {got(version)})")
    if version > EXPORT_VERSION:
        raise ExportError(
            f"version: made by a newer version of µP Lab (v{int(version)}); mup_lab reads v1 to v{EXPORT_VERSION}"
        )
    if version not in (1, EXPORT_VERSION):
        raise ExportError(f"version: v{int(version)} is not supported; mup_lab reads v1 to v{EXPORT_VERSION}")
    # The generated schema is the current version's; a v1 file (AdamW only) gets the hand checks.
    problem = schema_error(doc, "export.schema.json") if version == EXPORT_VERSION else None
    if problem is not None:
        raise ExportError(problem)
    try:
        p = one_of(_get(doc, "parametrization"), ["parametrization"], PARAMETRIZATIONS)
        for field in ("hyperparameters", "base", "target.shape", "evidence.config.train.schedule"):
            _finite_numbers(_get(doc, field), field)
        hp = Hyperparams.from_json(_get(doc, "hyperparameters"))
        base = GptShape.from_export(_get(doc, "base"), "base")
        target = GptShape.from_export(_get(doc, "target.shape"), "target.shape")
        where = "evidence.config.train.schedule"
        schedule = _get(doc, where)
        kind = schedule.get("kind") if isinstance(schedule, dict) else None
        if kind == "cosine":
            int_in(_get(doc, f"{where}.warmupSteps"), [where + ".warmupSteps"], 0)
            number_in(_get(doc, f"{where}.minRatio"), [where + ".minRatio"], 0, 1)
        elif kind != "constant":
            raise ExportError(f"{where}.kind: must be one of \"constant\", \"cosine\" (got {got(kind)})")
    except ExportError:
        raise
    except ValueError as e:
        raise ExportError(str(e)) from None
    return LabExport(p, hp, base, target, dict(schedule), doc)


def load_export(path: str) -> LabExport:
    """Reads and checks an export file (raises ExportError naming the field)."""
    return load_doc(path, parse_export, ExportError)
