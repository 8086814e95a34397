"""Shared fixtures: the files the TypeScript side generates for these tests.

scripts/python-tests.mjs (run by `npm test`) writes them into $MUP_LAB_GENERATED (default
python/.generated): golden.json (`mup-lab golden`), dump/ (`mup-lab dump`), export.json (a tiny
`mup-lab sweep`). They are never committed.
"""
import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GENERATED = Path(os.environ.get("MUP_LAB_GENERATED", ROOT / ".generated"))


def generated(name: str) -> Path:
    path = GENERATED / name
    if not path.exists():
        pytest.fail(
            f"{path} is missing: it is written by the TypeScript side; run `node scripts/python-tests.mjs`",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def golden():
    with open(generated("golden.json"), encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="session")
def export_path():
    return generated("export.json")


@pytest.fixture(scope="session")
def dump_dir():
    return generated("dump")


@pytest.fixture(scope="session")
def corpus_path():
    return generated("dump") / "corpus.txt"
