"""The Python port of src/mup equals transfer() of the TypeScript side, every number to 1e-12."""
import math

from mup_lab.optimizers import OPTIMIZER_RULES
from mup_lab.rules import DEPTH_ALPHAS, PARAMETRIZATIONS, Hyperparams
from mup_lab.shapes import GptShape
from mup_lab.transfer import transfer

REL = 1e-12


def _compare(expected, actual, path, problems):
    if isinstance(expected, dict):
        if set(expected) != set(actual):
            problems.append(f"{path}: keys {sorted(set(expected) ^ set(actual))} differ")
            return
        for k in expected:
            _compare(expected[k], actual[k], f"{path}.{k}", problems)
    elif isinstance(expected, list):
        if len(expected) != len(actual):
            problems.append(f"{path}: length {len(actual)} != {len(expected)}")
            return
        for i, (e, a) in enumerate(zip(expected, actual)):
            _compare(e, a, f"{path}[{i}]", problems)
    elif isinstance(expected, bool) or expected is None or isinstance(expected, str):
        if expected != actual:
            problems.append(f"{path}: {actual!r} != {expected!r}")
    else:
        if not math.isclose(actual, expected, rel_tol=REL, abs_tol=0.0):
            problems.append(f"{path}: {actual!r} != {expected!r}")


def test_every_depth_option_of_src_mup_is_ported(golden):
    missing = [a for a in golden["depthAlphas"] if a not in DEPTH_ALPHAS]
    assert not missing, f"depth options {missing} of src/mup/rules.ts are not ported to mup_lab/rules.py"


def test_every_optimizer_of_src_mup_is_ported(golden):
    names = {case["hp"].get("optimizer", "adamw") for case in golden["cases"]}
    missing = sorted(names - set(OPTIMIZER_RULES))
    assert not missing, f"optimizers {missing} of src/mup/optimizers.ts are not ported to mup_lab"
    assert {"adamw", "sgd"} <= names


def test_transfer_equals_typescript(golden):
    cases = golden["cases"]
    assert len(cases) >= 500
    seen = set()
    problems = []
    for i, case in enumerate(cases):
        hp = Hyperparams.from_json(case["hp"], where=f"cases[{i}].hp")
        base = GptShape.from_export(case["base"], f"cases[{i}].base")
        target = GptShape.from_export(case["target"], f"cases[{i}].target")
        r = transfer(hp, case["parametrization"], base, target)
        for key in ("tensors", "multipliers", "optimizer"):
            _compare(case[key], r[key], f"cases[{i}].{key}", problems)
        seen.add((case["parametrization"], hp.depth_alpha, target.width != base.width, target.depth != base.depth))
        if len(problems) > 20:
            break
    assert not problems, "\n".join(problems[:20])
    # Every parametrization, every depth option, width and depth both changed.
    assert {(p, a, True, True) for p in PARAMETRIZATIONS for a in golden["depthAlphas"]} <= seen
