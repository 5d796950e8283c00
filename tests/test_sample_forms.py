"""Every bundled sample read as expected: layouts pass with the right values, defects fail right."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xlbudget.config import Config
from xlbudget.pipeline import read_form

from .conftest import SAMPLES

EXPECTED: dict[str, dict] = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample(name: str, samples_config: Config) -> None:
    expected = EXPECTED[name]
    result = read_form(SAMPLES / name, samples_config)
    errors = sorted((i.code, i.field, i.cell) for i in result.issues if i.is_error)
    wanted_errors = sorted(
        (i["code"], i["field"], i["cell"]) for i in expected["issues"] if i["severity"] == "error"
    )
    assert errors == wanted_errors, [i.message for i in result.issues]
    warnings = {(i.code, i.field, i.cell) for i in result.issues if not i.is_error}
    wanted_warnings = {
        (i["code"], i["field"], i["cell"]) for i in expected["issues"] if i["severity"] == "warning"
    }
    assert wanted_warnings <= warnings
    assert (result.status != "error") == expected["valid"]
    proposal = result.proposal
    for key in ("nr", "kind", "committee"):
        if expected.get(key) is not None and not any(i.field == key for i in result.errors):
            assert getattr(proposal, key) == expected[key], key
    if expected.get("amounts") and not any(i.field in ("amounts", "years") for i in result.errors):
        assert {str(y): v for y, v in proposal.amounts.items()} == expected["amounts"]


def test_valid_samples_have_no_warnings_except_deliberate(samples_config: Config) -> None:
    for name, expected in EXPECTED.items():
        if expected["valid"] and not expected["issues"]:
            result = read_form(Path(SAMPLES / name), samples_config)
            assert result.issues == [], (name, [i.message for i in result.issues])
