"""Exports and plans are checked against the JSON Schemas generated from the lab's zod schemas
(with python3-jsonschema), and by hand when jsonschema is absent; the issue's cases each give one
line naming the field. Also the memory check (resources.py)."""
import copy
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, generated
from mup_lab import validate
from mup_lab.export import ExportError, load_export, parse_export
from mup_lab.plan import PlanError, parse_plan
from mup_lab.resources import fit_problem, largest_fitting_width, parameter_count, run_memory
from mup_lab.shapes import GptShape, gpt_tensors


@pytest.fixture(params=["jsonschema", "hand-written"])
def mode(request, monkeypatch):
    if request.param == "hand-written":
        monkeypatch.setattr(validate, "_jsonschema", None)
    return request.param


def test_the_generated_schemas_are_used():
    """scripts/python-tests.mjs generates them; npm run build too (never committed)."""
    for name in ("export.schema.json", "plan.schema.json"):
        assert validate.schema_status(name) == "jsonschema", validate.schema_status(name)


def test_the_labs_own_documents_pass(mode):
    load_export(str(generated("export.json")))
    for name in ("tiny-plan.json", "quick-plan.json"):
        plan = parse_plan(json.loads(generated(name).read_text(encoding="utf-8")))
        assert plan["runs"] and plan["train"]["steps"] >= 1


def _plan():
    return json.loads(generated("tiny-plan.json").read_text(encoding="utf-8"))


PLAN_CASES = [
    # (mutation, the message's start) - the malformed plans first
    (lambda p: p["runs"][3].pop("seed"), "runs[3].seed: missing"),
    (lambda p: p["train"].update(steps="3"), 'train.steps: must be an integer from 1 to 100000 (got "3")'),
    (lambda p: p["train"].update(steps=0), "train.steps: must be an integer from 1 to 100000 (got 0)"),
    (lambda p: p["train"].update(batch=0), "train.batch: must be an integer from 1 to 1024 (got 0)"),
    (lambda p: p["runs"][0]["hyperparameters"].update(lr="0.01"), 'runs[0].hyperparameters.lr: must be a number (got "0.01")'),
    (lambda p: p["runs"][2]["target"].update(width=48), "runs[2].target.heads: heads × headSize (4 × 4) must equal the width 48"),
    (lambda p: p["runs"][2]["target"].update(width=64, heads=16), "runs[2].target.width: must equal the run's width"),
    (lambda p: p["runs"][1]["hyperparameters"].update(lr=0.5), "runs[1].hyperparameters.lr: must be 2^log2Hp"),
    (lambda p: p["runs"][1].update(id=p["runs"][0]["id"]), "runs[1].id:"),
    (lambda p: p.update(text="\0" * 400), "text: The text contains NUL characters"),
    (lambda p: p.update(text=p["text"][:100]), "text: The text has 100 characters; with context 16"),
    (lambda p: p.update(text=p["text"] + "€"), "text: 41 distinct characters, but the plan's vocab is 40"),
    (lambda p: p["train"].update(schedule={"kind": "cosine", "warmupSteps": 1}), "train.schedule.minRatio: missing"),
]


@pytest.mark.parametrize("mutate,message", PLAN_CASES)
def test_a_malformed_plan_is_one_line_naming_the_field(mode, mutate, message):
    doc = _plan()
    mutate(doc)
    with pytest.raises(PlanError) as e:
        parse_plan(doc)
    assert str(e.value).startswith(message) and "\n" not in str(e.value), str(e.value)


def test_the_schema_checks_what_mup_lab_does_not_read(monkeypatch):
    """A field mup_lab never reads (an evidence run's time) is refused by the schema; without
    jsonschema the hand-written checks let it through (the documented fallback)."""
    doc = json.loads(generated("export.json").read_text(encoding="utf-8"))
    doc["evidence"]["runs"][0]["millis"] = -1
    with pytest.raises(ExportError, match=r"^evidence\.runs\[0\]\.millis: must be a number >= 0 \(got -1\)$"):
        parse_export(copy.deepcopy(doc))
    monkeypatch.setattr(validate, "_jsonschema", None)
    parse_export(doc)


@pytest.mark.parametrize(
    "data,message",
    [
        (b'{"format": "caf\xe9"}', "not UTF-8 text (first bad byte at offset 15)"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"a": ' * 100 + b"1" + b"}" * 100, "nested too deeply"),
        (b'{"version": NaN}', "not valid JSON: NaN is not a JSON number"),
        (b'{"version": 1e999}', "not valid JSON: the number 1e999 is too large"),
        (b'{"version": ' + b"1" * 5000 + b"}", "not valid JSON"),
        (b'{"format": "mup-lab/transfer", "version": 1, "__proto__": {}}', '__proto__: the key "__proto__" is not allowed'),
        (b'{"format": "mup-lab/transfer", "ver', "not valid JSON"),
    ],
)
def test_unreadable_documents(tmp_path, data, message):
    path = tmp_path / "x.json"
    path.write_bytes(data)
    with pytest.raises(ExportError) as e:
        load_export(str(path))
    assert str(e.value).startswith(f"{path}: ") and message in str(e.value) and "\n" not in str(e.value)


def test_the_parameter_count_is_the_models():
    for tied in (True, False):
        for biases in (True, False):
            s = GptShape(width=48, depth=3, context=16, vocab=70, tied_readout=tied, biases=biases, heads=4, mlp_ratio=1.5)
            numels = [t.shape[0] * (t.shape[1] if len(t.shape) > 1 else 1) for t in gpt_tensors(s)]
            assert parameter_count(s) == (sum(numels), max(numels))


def test_the_largest_width_that_fits_is_the_edge():
    s = GptShape(width=64, depth=2, context=32, vocab=96, tied_readout=False, biases=False, heads=4)
    limit = 2**30
    w = largest_fitting_width(s, 8, limit)
    assert w % 4 == 0
    assert run_memory(s.with_(width=w), 8).total <= limit < run_memory(s.with_(width=w + 4), 8).total
    problem = fit_problem(s.with_(width=10_000_000), 8, "cpu", available=2**31)
    assert problem.endswith(f"the largest width that fits is {largest_fitting_width(s, 8, int(0.9 * 2**31))}")
    assert fit_problem(s, 8, "cpu", available=2**31) is None
    assert "no width fits; lower the batch" in fit_problem(s, 10**9, "cpu", available=2**31)
    # MLP ratio 1.5 needs even widths: the answer is a valid width.
    odd = s.with_(heads=1, mlp_ratio=1.5)
    assert largest_fitting_width(odd, 8, limit) % 2 == 0


def test_a_too_wide_run_is_refused_before_allocating(tmp_path):
    """The issue's `--width 10000000`: one line naming the largest width that fits, nothing big
    allocated (the process's peak memory stays that of an idle PyTorch)."""
    script = (
        "import resource, sys; from mup_lab import train; rc = train.main(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stdout); sys.exit(rc)"
    )
    argv = ["--export", str(generated("export.json")), "--text", str(generated("dump") / "corpus.txt"),
            "--width", "10000000", "--steps", "1", "--batch", "4"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2, r.stderr
    err = r.stderr.strip()
    assert "\n" not in err and err.startswith("mup_lab.train: --width 10000000: width 10000000 depth 1 needs about")
    assert "the largest width that fits is" in err
    peak_kib = int(r.stdout.strip())
    assert peak_kib < 1_500_000, f"peak RSS {peak_kib} KiB"

