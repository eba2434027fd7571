"""Every case of the real-world corpus (tests/fixtures/realworld/), with its right result."""

import importlib
import json
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "fixtures" / "realworld"


def _expected(source: Path) -> Path:
    return source.with_name(source.name.split(".")[0] + ".expected.json")


def _cases() -> list[Path]:
    """Every input file that has an expected result beside it, kind by kind."""
    return sorted(
        p for p in CORPUS.glob("*/*")
        if p.is_file() and not p.name.endswith(".expected.json")
        and _expected(p).exists()
    )


@pytest.mark.parametrize("source", _cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_realworld_case(source: Path, tmp_path):
    """The input gives its expected result through the app's own code."""
    expected = json.loads(_expected(source).read_text())
    checker = importlib.import_module(f"tests.realworld.{source.parent.name}")
    checker.check(source, expected, tmp_path)
