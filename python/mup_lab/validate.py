"""Reading the lab's JSON documents (an export, a plan) safely, and checking them field by field.

Every failure is a DocError whose message is one line naming the field, e.g.
`train.steps: must be an integer from 1 to 100000 (got "3")`. In order:

1. read_json(): the file's size (at most 64 MB, the lab's import limit), strict UTF-8, JSON
   without NaN/Infinity or numbers that overflow to them (1e999), then the structure without
   recursion: nesting at most 64 deep and no `__proto__`/`constructor`/`prototype` keys (as
   src/exchange/exportParse.ts). Deep nesting never reaches a RecursionError.
2. schema_error(): the document against the JSON Schema generated from the lab's zod schema
   (src/exchange/jsonSchemas.ts; mup_lab/schemas/*.schema.json, written at build time and shipped
   in the trainer zip), with python3-jsonschema. When jsonschema or the schema file is absent
   (the trainer zip needs only PyTorch), this step is skipped: the hand-written checks of step 3
   still check every field mup_lab reads, so a bad document is still refused in one line; only
   the fields mup_lab ignores go unchecked. SCHEMA_STATUS says which applies.
3. The callers' hand-written checks (export.py, plan.py) with the helpers below: the fields
   mup_lab uses and the rules that span fields (which JSON Schema cannot state).
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Type, TypeVar, Union

#: src/sweep/schemaParts.ts IMPORT_LIMITS.
MAX_DOC_BYTES = 64 * 2**20
MAX_NESTING = 64
_FORBIDDEN_KEYS = {"__proto__", "constructor", "prototype"}

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


T = TypeVar("T")


class DocError(ValueError):
    """A document (or a command-line value) that mup_lab refuses; str() is one line."""


PathLike = Sequence[Union[str, int]]


def format_path(path: Iterable[Union[str, int]]) -> str:
    """["runs", 3, "width"] -> "runs[3].width" (src/exchange/exportParse.ts formatPath)."""
    out = ""
    for k in path:
        if isinstance(k, int):
            out += f"[{k}]"
        else:
            out += str(k) if out == "" else f".{k}"
    return out or "(top level)"


def got(v: Any) -> str:
    """A value as the messages quote it: JSON for scalars (cut at 60 characters), else its kind."""
    if isinstance(v, dict):
        return "an object"
    if isinstance(v, list):
        return f"a list of {len(v)}"
    try:
        s = json.dumps(v, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError):
        s = repr(v)
    return s if len(s) <= 60 else s[:57] + "..."


def one_line(s: str) -> str:
    return " ".join(s.split())


# --- 1. reading -------------------------------------------------------------------------------


def _refuse_constant(name: str) -> Any:
    raise DocError(f"{name} is not a JSON number (non-finite numbers are refused)")


def _finite_float(s: str) -> float:
    x = float(s)
    if not math.isfinite(x):
        raise DocError(f"the number {s[:40]} is too large (non-finite numbers are refused)")
    return x


def _check_structure(doc: Any) -> None:
    """Nesting and forbidden keys, walking without recursion (paths built only for a message)."""
    stack: List[tuple] = [(doc, (), 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_NESTING:
            raise DocError(f"{format_path(path)}: nested too deeply (at most {MAX_NESTING} levels)")
        if isinstance(value, list):
            for i in range(len(value) - 1, -1, -1):
                v = value[i]
                if isinstance(v, (dict, list)):
                    stack.append((v, path + (i,), depth + 1))
        elif isinstance(value, dict):
            for k, v in value.items():
                if k in _FORBIDDEN_KEYS:
                    raise DocError(f'{format_path(path + (k,))}: the key "{k}" is not allowed')
                if isinstance(v, (dict, list)):
                    stack.append((v, path + (k,), depth + 1))


def parse_json_text(data: Union[bytes, str]) -> Any:
    """JSON from bytes (strict UTF-8, a BOM allowed) or text; DocError for anything else."""
    if isinstance(data, (bytes, bytearray)):
        if len(data) > MAX_DOC_BYTES:
            raise DocError(f"too large ({len(data) / 2**20:.0f} MB; at most {MAX_DOC_BYTES // 2**20} MB)")
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as e:
            raise DocError(f"not UTF-8 text (first bad byte at offset {e.start})") from None
        if text.startswith("\ufeff"):
            text = text[1:]
    else:
        text = data
    try:
        doc = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except DocError as e:
        raise DocError(f"not valid JSON: {e}") from None
    except json.JSONDecodeError as e:
        raise DocError(f"not valid JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    except RecursionError:
        raise DocError(f"(top level): nested too deeply (at most {MAX_NESTING} levels)") from None
    except ValueError as e:  # e.g. an integer of more than 4300 digits
        raise DocError(f"not valid JSON ({one_line(str(e))[:120]})") from None
    _check_structure(doc)
    return doc


def read_json(path: str) -> Any:
    """Reads and parses a JSON document; DocError("PATH: ...") on any failure."""
    try:
        size = os.path.getsize(path)
        if size > MAX_DOC_BYTES:
            raise DocError(f"{path}: too large ({size / 2**20:.0f} MB; at most {MAX_DOC_BYTES // 2**20} MB)")
        with open(path, "rb") as f:
            data = f.read(MAX_DOC_BYTES + 1)
    except OSError as e:
        raise DocError(f"{path}: cannot read ({e.strerror or e})") from None
    try:
        return parse_json_text(data)
    except DocError as e:
        raise DocError(f"{path}: {e}") from None


def load_doc(path: str, parse: Callable[[Any], T], error: Type[Exception]) -> T:
    """read_json(path), then `parse` of it; every failure raises `error("PATH: ...")`."""
    try:
        doc = read_json(path)
    except DocError as e:
        raise error(str(e)) from None
    try:
        return parse(doc)
    except error as e:
        raise error(f"{path}: {e}") from None


# --- 2. the JSON Schema -----------------------------------------------------------------------

try:
    import jsonschema as _jsonschema
except ImportError:  # the trainer zip promises "PyTorch, nothing else"
    _jsonschema = None

_validators: Dict[str, Any] = {}


def schema_status(name: str) -> str:
    """'jsonschema' when `name` is checked against its schema, else why only by hand."""
    if _jsonschema is None:
        return "hand-written checks only (python3-jsonschema is not installed)"
    if not (SCHEMA_DIR / name).is_file():
        return f"hand-written checks only ({SCHEMA_DIR / name} is missing: `npm run build` writes it)"
    return "jsonschema"


def _validator(name: str) -> Optional[Any]:
    if _jsonschema is None:
        return None
    if name not in _validators:
        v = None
        try:
            with open(SCHEMA_DIR / name, encoding="utf-8") as f:
                schema = json.load(f)
            v = _jsonschema.validators.validator_for(schema)(schema)
        except (OSError, ValueError):
            v = None  # absent or damaged: the hand-written checks still apply
        _validators[name] = v
    return _validators[name]


_TYPE_WORDS = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "null",
}


def _fmt_num(x: Any) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 2**53:
        x = int(x)
    return str(x)


def describe(schema: Dict[str, Any]) -> str:
    """What a (leaf) schema asks for, in words: 'an integer from 1 to 100000', 'a number > 0'."""
    if "const" in schema:
        return got(schema["const"])
    if "enum" in schema:
        return "one of " + ", ".join(got(v) for v in schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(describe(s) for s in schema[key])
    t = schema.get("type")
    words = _TYPE_WORDS.get(t, "a value") if isinstance(t, str) else "a value"
    lo, hi = schema.get("minimum"), schema.get("maximum")
    xlo, xhi = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    bounds = []
    if lo is not None and hi is not None and xlo is None and xhi is None:
        bounds.append(f"from {_fmt_num(lo)} to {_fmt_num(hi)}")
    else:
        if lo is not None:
            bounds.append(f">= {_fmt_num(lo)}")
        if xlo is not None:
            bounds.append(f"> {_fmt_num(xlo)}")
        if hi is not None:
            bounds.append(f"<= {_fmt_num(hi)}")
        if xhi is not None:
            bounds.append(f"< {_fmt_num(xhi)}")
    if t == "string":
        if schema.get("minLength") == 1:
            words = "a non-empty string"
        if "maxLength" in schema:
            bounds.append(f"of at most {schema['maxLength']} characters")
        if "format" in schema:  # its pattern spells the format out: name it instead
            words = f"a {schema['format']} string"
        elif "pattern" in schema:
            bounds.append(f"matching {schema['pattern']}")
    if t == "array" and "maxItems" in schema:
        bounds.append(f"of at most {schema['maxItems']} entries")
    return f"{words} {' and '.join(bounds)}" if bounds else words


def _discriminated_branch(branches: List[Dict[str, Any]], instance: Any) -> Optional[Dict[str, Any]]:
    """For a union of objects told apart by a const property (e.g. kind), the branch the
    instance names; None when it names none or the union is not of that form."""
    if not isinstance(instance, dict):
        return None
    for key in ("kind",):
        consts = [b.get("properties", {}).get(key, {}).get("const") for b in branches]
        if all(c is not None for c in consts) and key in instance:
            for b, c in zip(branches, consts):
                if instance[key] == c:
                    return b
    return None


def _message(error: Any, root: Dict[str, Any], prefix: PathLike = ()) -> str:
    """One line for a jsonschema ValidationError: the field, what it must be, what it is."""
    path = list(prefix) + list(error.absolute_path)
    inst, schema, kind = error.instance, error.schema, error.validator
    if kind == "required" and isinstance(inst, dict):
        missing = [k for k in error.validator_value if k not in inst]
        return f"{format_path(path + missing[:1])}: missing"
    if kind == "additionalProperties" and isinstance(inst, dict):
        known = set(schema.get("properties", {}))
        extra = [k for k in inst if k not in known]
        return f"{format_path(path + extra[:1])}: unknown field"
    if kind in ("anyOf", "oneOf"):
        branches = schema[kind]
        branch = _discriminated_branch(branches, inst)
        if branch is not None:
            first = next(iter(_sub_validator(branch, root).iter_errors(inst)), None)
            if first is not None:
                return _message(first, root, path)
        if isinstance(inst, dict) and all("properties" in b for b in branches):
            consts = [b["properties"].get("kind", {}).get("const") for b in branches]
            if all(c is not None for c in consts):
                return f"{format_path(path + ['kind'])}: must be one of {', '.join(got(c) for c in consts)} (got {got(inst.get('kind'))})"
        return f"{format_path(path)}: must be {describe(schema)} (got {got(inst)})"
    if kind in ("minItems", "maxItems") and isinstance(inst, list):
        word = "at least" if kind == "minItems" else "at most"
        return f"{format_path(path)}: must have {word} {error.validator_value} entries (got {len(inst)})"
    if kind in ("minLength", "maxLength") and isinstance(inst, str):
        if kind == "minLength" and error.validator_value == 1:
            return f"{format_path(path)}: must not be empty"
        word = "at least" if kind == "minLength" else "at most"
        return f"{format_path(path)}: must have {word} {error.validator_value} characters (got {len(inst)})"
    if kind == "pattern" and "format" not in schema:
        return f"{format_path(path)}: must match {error.validator_value} (got {got(inst)})"
    if kind in ("prefixItems", "items") and isinstance(inst, list):
        return f"{format_path(path)}: must be {describe(schema)} (got {got(inst)})"
    return f"{format_path(path)}: must be {describe(schema)} (got {got(inst)})"


def _sub_validator(schema: Dict[str, Any], root: Dict[str, Any]) -> Any:
    """A validator for a sub-schema of `root` (its $refs point into root's $defs)."""
    cls = _jsonschema.validators.validator_for(root)
    return cls({**schema, "$defs": root.get("$defs", {})})


def schema_error(doc: Any, name: str) -> Optional[str]:
    """The first problem of `doc` under the JSON Schema `name` (one line naming the field), or
    None when it conforms or cannot be checked (see schema_status)."""
    v = _validator(name)
    if v is None:
        return None
    try:
        first = next(iter(v.iter_errors(doc)), None)
    except RecursionError:
        return "(top level): nested too deeply"
    except _jsonschema.exceptions.SchemaError:
        return None  # a damaged schema file: the hand-written checks still apply
    return None if first is None else one_line(_message(first, v.schema))


# --- 3. hand-written checks -------------------------------------------------------------------


def field(obj: Any, key: str, path: PathLike) -> Any:
    """obj[key], or DocError "path.key: missing" (or "path: must be an object")."""
    if not isinstance(obj, dict):
        raise DocError(f"{format_path(path)}: must be an object (got {got(obj)})")
    if key not in obj:
        raise DocError(f"{format_path(list(path) + [key])}: missing")
    return obj[key]


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def int_in(v: Any, path: PathLike, lo: int = 1, hi: Optional[int] = None) -> int:
    """An integer in [lo, hi]; 3.0 counts as 3 (JSON does not tell them apart)."""
    ok = is_number(v) and float(v).is_integer() and v >= lo and (hi is None or v <= hi)
    if not ok:
        bounds = f"from {lo} to {hi}" if hi is not None else f">= {lo}"
        raise DocError(f"{format_path(path)}: must be an integer {bounds} (got {got(v)})")
    return int(v)


def number_in(
    v: Any, path: PathLike, lo: Optional[float] = None, hi: Optional[float] = None, lo_open: bool = False
) -> float:
    """A finite number in [lo, hi] (or (lo, hi] with lo_open)."""
    ok = is_number(v)
    if ok and lo is not None:
        ok = v > lo if lo_open else v >= lo
    if ok and hi is not None:
        ok = v <= hi
    if not ok:
        bounds = []
        if lo is not None:
            bounds.append(f"{'>' if lo_open else '>='} {_fmt_num(lo)}")
        if hi is not None:
            bounds.append(f"<= {_fmt_num(hi)}")
        words = "a number" + (" " + " and ".join(bounds) if bounds else "")
        raise DocError(f"{format_path(path)}: must be {words} (got {got(v)})")
    return float(v)


def one_of(v: Any, path: PathLike, choices: Sequence[Any]) -> Any:
    if isinstance(v, bool) or not isinstance(v, (str, int, float)) or v not in choices:
        raise DocError(f"{format_path(path)}: must be one of {', '.join(got(c) for c in choices)} (got {got(v)})")
    return v


def boolean(v: Any, path: PathLike) -> bool:
    if not isinstance(v, bool):
        raise DocError(f"{format_path(path)}: must be true or false (got {got(v)})")
    return v


def string(v: Any, path: PathLike, max_len: int = 10_000) -> str:
    if not isinstance(v, str) or len(v) > max_len:
        raise DocError(f"{format_path(path)}: must be a string of at most {max_len} characters (got {got(v)})")
    return v


def list_of(v: Any, path: PathLike, min_len: int = 0, max_len: int = 10_000) -> list:
    if not isinstance(v, list) or not (min_len <= len(v) <= max_len):
        raise DocError(
            f"{format_path(path)}: must be a list of {min_len} to {max_len} entries (got {got(v)})"
        )
    return v
