"""A seeded hostile-input suite for the Python side (like test/reliability/importFuzz.test.ts for the
page): well over 1,000 mutated exports, plans and command lines of `python -m mup_lab.train` and
`python -m mup_lab.sweep`. Each case must be accepted or refused with exactly one line on stderr
(exit status 2), never a traceback. Mutations: wrong types, missing and extra fields, NaN and
Infinity, 1e999, huge, negative and zero numbers, strings for numbers, deep nesting, non-UTF-8
bytes, truncation. The documents go through both validation paths: with python3-jsonschema and
the generated schemas, and with the hand-written checks alone (a trainer zip without jsonschema).

Most cases run in-process (the entry function with argv; an accepted train command stops where
the model would be allocated); a handful run as real subprocesses.
"""
from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, List, Tuple

import pytest
import torch

from conftest import ROOT, generated
from mup_lab import sweep as sweep_mod
from mup_lab import train as train_mod
from mup_lab import validate
from mup_lab.export import load_export
from mup_lab.plan import load_plan, parse_plan
from mup_lab.validate import DocError

SEED = 20
DOC_CASES = 360  # per document kind, each checked on both validation paths
TRAIN_CASES = 260
SWEEP_CASES = 140

_NUMBER_TOKEN = "\u0000NUMBER:"  # replaced in the JSON text by a literal (1e999, NaN...)
_DEEP = "\u0000DEEP"


class _Accepted(Exception):
    """Raised where train.py would allocate the model: the command line was accepted."""


@pytest.fixture(scope="module")
def small_plan(tmp_path_factory) -> Tuple[dict, Path]:
    """The Tiny preset's plan cut to 4 runs and a short text with the same characters (so that each
    case parses in milliseconds); still a valid plan."""
    doc = json.loads(generated("tiny-plan.json").read_text(encoding="utf-8"))
    text = doc["text"]
    doc["text"] = "".join(sorted(set(text))) + text[:3000]
    doc["runs"] = doc["runs"][:4]
    parse_plan(copy.deepcopy(doc))
    path = tmp_path_factory.mktemp("plan") / "plan.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return doc, path


def _random_path(rng: random.Random, doc: Any) -> List[Any]:
    path: List[Any] = []
    cur = doc
    while isinstance(cur, (dict, list)) and cur and len(path) < 8 and rng.random() < 0.8:
        key = rng.choice(list(cur.keys())) if isinstance(cur, dict) else rng.randrange(len(cur))
        path.append(key)
        cur = cur[key]
    return path


def _hostile_value(rng: random.Random, old: Any) -> Any:
    choices = [
        None,
        True,
        "",
        "x" * 20_000,
        [],
        {},
        [1, 2, 3],
        {"a": 1},
        0,
        -1,
        -5,
        0.5,
        -0.0,
        10**30,
        -(10**30),
        2**63,
        1e308,
        "3",
        "0.01",
        "NaN",
        _NUMBER_TOKEN + "1e999",
        _NUMBER_TOKEN + "-1e999",
        _NUMBER_TOKEN + "NaN",
        _NUMBER_TOKEN + "Infinity",
        _NUMBER_TOKEN + "-Infinity",
        _NUMBER_TOKEN + "1" * 5000,
        _DEEP,
        "\ud800",
        "__proto__",
    ]
    if isinstance(old, (int, float)) and not isinstance(old, bool):
        choices += [old * -1, old + 0.5, str(old), old * 10**12, [old]]
    if isinstance(old, str):
        choices += [old + "x", old.upper(), 1]
    if isinstance(old, bool):
        choices += [int(old), str(old).lower()]
    return rng.choice(choices)


def _mutate(rng: random.Random, doc: Any) -> Any:
    doc = copy.deepcopy(doc)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        path = _random_path(rng, doc)
        if not path:
            continue
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        key = path[-1]
        op = rng.random()
        if op < 0.2 and isinstance(parent, dict):
            del parent[key]
        elif op < 0.3 and isinstance(parent, dict):
            parent[rng.choice(["extra", "__proto__", "constructor", key + "2"])] = 1
        elif op < 0.35 and isinstance(parent, list):
            del parent[key]
        else:
            parent[key] = _hostile_value(rng, parent[key])
    return doc


def _serialize(rng: random.Random, doc: Any) -> bytes:
    text = json.dumps(doc, ensure_ascii=rng.random() < 0.5)
    while '"' + _DEEP.replace("\u0000", "\\u0000") + '"' in text:
        n = rng.choice([65, 1000, 100_000])
        text = text.replace('"' + _DEEP.replace("\u0000", "\\u0000") + '"', "[" * n + "]" * n, 1)
    marker = '"' + _NUMBER_TOKEN.replace("\u0000", "\\u0000")
    while marker in text:
        start = text.index(marker)
        end = text.index('"', start + 1)
        text = text[:start] + text[start + len(marker) : end] + text[end + 1 :]
    data = text.encode("utf-8", "surrogatepass")
    r = rng.random()
    if r < 0.08:  # truncated
        data = data[: rng.randrange(len(data) + 1)]
    elif r < 0.14:  # a byte that is not UTF-8
        at = rng.randrange(len(data) + 1)
        data = data[:at] + rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80"]) + data[at:]
    elif r < 0.17:
        data = b"\xef\xbb\xbf" + data  # a BOM: fine
    elif r < 0.19:
        data = data.decode("utf-8", "surrogatepass").encode("utf-16", "surrogatepass")
    return data


def _one_line(message: str) -> bool:
    return message.strip() != "" and "\n" not in message.strip() and "Traceback" not in message


@contextlib.contextmanager
def _without_jsonschema(off: bool):
    """The trainer zip's case: python3-jsonschema not installed."""
    saved = validate._jsonschema
    if off:
        validate._jsonschema = None
    try:
        yield
    finally:
        validate._jsonschema = saved


def _check_doc_cases(base: Any, load: Callable[[str], Any], tmp_path: Path, seed: int) -> Tuple[int, int]:
    rng = random.Random(seed)
    accepted = refused = 0
    for case in range(DOC_CASES):
        doc = _mutate(rng, base) if case > 0 else base
        data = _serialize(rng, doc) if case > 0 else json.dumps(base).encode("utf-8")
        path = tmp_path / f"case{case}.json"
        path.write_bytes(data)
        outcomes = []
        for hand_only in (False, True):
            with _without_jsonschema(hand_only):
                try:
                    load(str(path))
                    outcomes.append("ok")
                except DocError as e:
                    assert _one_line(str(e)), f"case {case}: {e!r}"
                    assert str(e).startswith(str(path) + ": "), f"case {case}: {e}"
                    outcomes.append("refused")
                except Exception as e:  # noqa: BLE001 - the point: nothing else may escape
                    pytest.fail(f"case {case} (hand_only={hand_only}): {type(e).__name__}: {e}")
        # The schema adds checks to the hand-written ones, never removes any.
        assert not (outcomes[0] == "ok" and outcomes[1] == "refused"), f"case {case}"
        accepted += outcomes[0] == "ok"
        refused += outcomes[0] == "refused"
    return accepted, refused


def test_hostile_exports(export_path, corpus_path, tmp_path, capsys):
    base = json.loads(export_path.read_text(encoding="utf-8"))
    trainable = []

    def load(path: str):
        exp = load_export(path)
        if exp.base.width <= 64 and exp.base.depth <= 4 and path not in trainable:
            trainable.append(path)
        return exp

    accepted, refused = _check_doc_cases(base, load, tmp_path, SEED)
    print(f"exports: {accepted} accepted, {refused} refused")
    assert accepted >= 1 and refused >= DOC_CASES // 2
    # An accepted export trains: a few of them, one step at width 32 (or a one-line refusal,
    # e.g. a width the export's head count does not divide).
    for path in trainable[:6]:
        argv = ["--export", path, "--text", str(corpus_path), "--width", "32", "--steps", "1",
                "--batch", "2", "--eval-batches", "1"]
        rc = train_mod.main(argv)
        err = capsys.readouterr().err
        assert rc == 0 or (rc == 2 and _one_line(err)), err


def test_hostile_plans(small_plan, tmp_path):
    trainable = []

    def load_and_size(path: str):
        plan = load_plan(path)
        if sweep_mod.plan_fit_problem(plan, "cpu") is None:  # the memory check reads every run too
            trainable.append(plan)
        return plan

    accepted, refused = _check_doc_cases(small_plan[0], load_and_size, tmp_path, SEED + 1)
    print(f"plans: {accepted} accepted, {refused} refused")
    assert accepted >= 1 and refused >= DOC_CASES // 2
    # An accepted plan trains: the first run of a few of them, 2 steps (small widths only).
    trained = 0
    for plan in trainable:
        run = plan["runs"][0]
        if trained >= 6 or run["width"] > 128 or run["depth"] > 4:
            continue
        short = {**plan, "train": {**plan["train"], "steps": min(2, plan["train"]["steps"])}, "runs": [run]}
        (record,) = sweep_mod.run_plan(short, torch.device("cpu"))
        assert record["diverged"] or math.isfinite(record["finalLoss"])
        trained += 1
    assert trained >= 3


_NUMBERS = ["0", "-1", "-5", "1", "2", "3", "16", "64", "abc", "", "1e3", "3.5", "NaN", "inf",
            "99999999999999999999", "10000000", "0x10", " 7", "+4", "1_0", "٣", "4096", "2147483648"]


def _file_values(tmp: Path, export_path: Path, corpus: Path) -> List[str]:
    fixtures = ROOT.parent / "test" / "fixtures" / "text"
    deep = tmp / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="ascii")
    latin = tmp / "latin1.json"
    latin.write_bytes(export_path.read_bytes().replace(b'"sp"', b'"\xe9"').replace(b'"mup"', b'"\xe9"'))
    empty = tmp / "empty"
    empty.write_bytes(b"")
    return [str(export_path), str(corpus), str(deep), str(latin), str(empty), str(tmp), str(tmp / "absent"),
            "", "-rf data.txt", *(str(p) for p in sorted(fixtures.glob("*.*")))]


def _run_entry(main: Callable[[List[str]], int], argv: List[str]) -> Tuple[int, str]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            rc = main(argv)
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else 2
        except _Accepted:
            rc = 0
    return rc, err.getvalue()


def _check_flags(main, cases: List[List[str]]) -> Tuple[int, int]:
    accepted = refused = 0
    for i, argv in enumerate(cases):
        try:
            rc, err = _run_entry(main, argv)
        except Exception as e:  # noqa: BLE001
            pytest.fail(f"{argv}: {type(e).__name__}: {e}")
        if rc == 0:
            accepted += 1
        else:
            assert rc == 2, f"{argv}: exit {rc}: {err}"
            assert _one_line(err), f"case {i} {argv}: {err!r}"
            refused += 1
    return accepted, refused


def _argv_cases(rng, base, flags, count, edit_counts, bogus) -> List[List[str]]:
    """`base` as an argv, then count - 1 variants of it, each with rng.choice(edit_counts) edits:
    a flag dropped (10%), an unknown flag bogus(rng) added (5%), or a flag of `flags` set to one of
    its values; a value starting with "-" is passed as --flag=value."""
    cases = [[x for k, v in base.items() for x in (k, v)]]
    for _ in range(count - 1):
        argv = dict(base)
        for _ in range(rng.choice(edit_counts)):
            r = rng.random()
            if r < 0.1 and argv:
                del argv[rng.choice(list(argv))]
            elif r < 0.15:
                argv[bogus(rng)] = "1"
            else:
                flag = rng.choice(list(flags))
                argv[flag] = rng.choice(flags[flag])
        cases.append([x for k, v in argv.items() for x in ((f"{k}={v}",) if v.startswith("-") else (k, v))])
    return cases


def test_hostile_train_flags(export_path, corpus_path, tmp_path, monkeypatch):
    def accept(*_a, **_k):
        raise _Accepted()

    monkeypatch.setattr(train_mod, "GPT", accept)
    rng = random.Random(SEED + 2)
    files = _file_values(tmp_path, export_path, corpus_path)
    flags = {"--export": files, "--text": files, "--width": _NUMBERS, "--depth": _NUMBERS,
             "--steps": _NUMBERS, "--batch": _NUMBERS, "--seed": _NUMBERS, "--eval-batches": _NUMBERS,
             "--log-every": _NUMBERS, "--device": ["cpu", "cuda", "tpu", ""]}
    base = {"--export": str(export_path), "--text": str(corpus_path), "--width": "32",
            "--steps": "2", "--batch": "4"}
    unknown = ["--bogus", "-x", "--widht"]
    cases = _argv_cases(rng, base, flags, TRAIN_CASES, [1, 1, 2, 3], lambda r: r.choice(unknown))
    accepted, refused = _check_flags(train_mod.main, cases)
    print(f"train flags: {accepted} accepted, {refused} refused")
    assert accepted >= 1 and refused >= TRAIN_CASES // 2


def test_hostile_sweep_flags(small_plan, export_path, corpus_path, tmp_path, monkeypatch):
    monkeypatch.setattr(sweep_mod, "run_plan", lambda *a, **k: [])
    rng = random.Random(SEED + 3)
    files = _file_values(tmp_path, export_path, corpus_path) + [str(small_plan[1])] * 4
    flags = {"--plan": files, "--jobs": _NUMBERS, "--device": ["cpu", "cuda", "gpu"],
             "--out": [str(tmp_path / "runs.json")]}
    base = {"--plan": str(small_plan[1]), "--device": "cpu"}
    cases = _argv_cases(rng, base, flags, SWEEP_CASES, [1, 2], lambda _rng: "--bogus")
    accepted, refused = _check_flags(sweep_mod.main, cases)
    print(f"sweep flags: {accepted} accepted, {refused} refused")
    assert accepted >= 1 and refused >= SWEEP_CASES // 4


def _subprocess(module: str, args: List[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-m", module, *args], capture_output=True, text=True, env=env, timeout=120, cwd=ROOT
    )


def test_real_processes_refuse_in_one_line(export_path, corpus_path, small_plan, tmp_path):
    """The issue's cases, each through a real interpreter: one line, exit status 2 (`--width
    10000000` is test_validate.py's)."""
    deep = tmp_path / "deep.json"
    deep.write_text("{\"a\":" * 100_000 + "1" + "}" * 100_000, encoding="ascii")
    latin = tmp_path / "latin1.json"
    latin.write_bytes(b'{"format": "mup-lab/transfer", "note": "caf\xe9"}')
    nul = ROOT.parent / "test" / "fixtures" / "text" / "nul-bytes.bin"
    bad_plan = tmp_path / "plan.json"
    doc = copy.deepcopy(small_plan[0])
    doc["train"]["batch"] = 0
    bad_plan.write_text(json.dumps(doc), encoding="utf-8")
    train = ["--export", str(export_path), "--text", str(corpus_path), "--steps", "2", "--batch", "4"]
    cases = [
        ("mup_lab.train", [*train, "--width", "32", "--log-every", "0"], "--log-every: must be an integer >= 1"),
        ("mup_lab.train", [*train, "--width", "32", "--text", str(nul)], "looks like a binary file"),
        ("mup_lab.train", ["--export", str(deep), *train[2:], "--width", "32"], "nested too deeply"),
        ("mup_lab.train", ["--export", str(latin), *train[2:], "--width", "32"], "not UTF-8"),
        ("mup_lab.sweep", ["--plan", str(bad_plan), "--device", "cpu"], "train.batch: must be an integer from 1 to 1024 (got 0)"),
    ]
    for module, args, expected in cases:
        r = _subprocess(module, args)
        assert r.returncode == 2, (args, r.stderr)
        assert _one_line(r.stderr) and expected in r.stderr, (args, r.stderr)
