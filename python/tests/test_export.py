"""load_export() reads a real export of the lab and refuses broken ones with one line naming the field."""
import copy
import json

import pytest

from mup_lab import ExportError, load_export, parse_export


def test_reads_a_lab_export(export_path):
    exp = load_export(str(export_path))
    assert exp.parametrization in ("sp", "mup")
    assert exp.base.width == 16 and exp.target.width == 32
    assert exp.hp.lr > 0 and exp.schedule["kind"] == "constant"


def _broken(doc, path, value):
    doc = copy.deepcopy(doc)
    *parents, last = path.split(".")
    cur = doc
    for key in parents:
        cur = cur[key]
    if value is KeyError:
        del cur[last]
    else:
        cur[last] = value
    return doc


@pytest.mark.parametrize(
    "path,value,field",
    [
        ("format", "something/else", "format"),
        ("version", 3, "version"),
        ("version", "1", "version"),
        ("parametrization", "ntk", "parametrization"),
        ("hyperparameters.lr", KeyError, "hyperparameters.lr"),
        ("hyperparameters.lr", -1, "hyperparameters.lr"),
        ("hyperparameters.eps", "tiny", "hyperparameters.eps"),
        ("hyperparameters.depthAlpha", 0.75, "hyperparameters.depthAlpha"),
        ("hyperparameters.optimizer", "lion", "hyperparameters.optimizer"),
        ("hyperparameters.newRule", 1, "hyperparameters.newRule"),
        ("base.width", 0, "base.width"),
        ("base.heads", 5, "base.heads"),
        ("base.fixed", "both", "base.fixed"),
        ("target.shape.vocab", KeyError, "target.shape.vocab"),
        ("evidence.config.train.schedule.kind", "linear", "evidence.config.train.schedule.kind"),
    ],
)
def test_refuses_a_broken_field_naming_it(export_path, path, value, field):
    doc = json.loads(export_path.read_text(encoding="utf-8"))
    with pytest.raises(ExportError) as e:
        parse_export(_broken(doc, path, value))
    message = str(e.value)
    assert message.startswith(field + ":"), message
    assert "\n" not in message


def test_unreadable_files(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("{nope", encoding="utf-8")
    with pytest.raises(ExportError, match=r"x.json: not valid JSON"):
        load_export(str(bad))
    with pytest.raises(ExportError, match="cannot read"):
        load_export(str(tmp_path / "missing.json"))
