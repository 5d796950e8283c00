"""docs/contracts.md is what xlbudget does: every example on the page is run here."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from xlbudget.api import consolidate, write_master
from xlbudget.cli import app
from xlbudget.config import (
    BudgetSettings,
    Committee,
    Config,
    ConsolidateSettings,
    Limits,
    load_config,
)
from xlbudget.issues import MESSAGES

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "contracts.md").read_text(encoding="utf-8")
runner = CliRunner()


def example(name: str) -> str:
    """The block (fenced code or table) that follows `<!-- example: name -->`."""
    after = DOC.split(f"<!-- example: {name} -->\n", 1)[1]
    if after.startswith("```"):
        return after.split("\n", 1)[1].split("\n```", 1)[0]
    return after.split("\n\n", 1)[0]


def table(name: str) -> list[list[str]]:
    """The rows of an example table (header and rule left out), cell by cell."""
    lines = example(name).splitlines()[2:]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_validate_json_example_is_what_validate_writes(in_root: None) -> None:
    command, output = example("validate-json").split("\n", 1)
    args = shlex.split(command.removeprefix("$ xlbudget "))
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert json.loads(result.stdout) == json.loads(output)


@pytest.mark.parametrize("row", table("exit-codes"), ids=lambda row: row[0])
def test_exit_code_examples(in_root: None, row: list[str]) -> None:
    command, code = row[0].strip("`"), int(row[1])
    result = runner.invoke(app, shlex.split(command.removeprefix("xlbudget ")))
    assert result.exit_code == code, result.output


def test_configuration_example_loads_and_names_every_key(tmp_path: Path) -> None:
    path = tmp_path / "xlbudget.toml"
    path.write_text(example("config"), encoding="utf-8")
    config = load_config(path)
    assert config.municipality == "Himmerby Kommune"
    assert config.consolidate.duplicates == "reject"
    assert config.limits == Limits()  # the documented values are the defaults
    keys = set(re.findall(r"^(\w+) =", example("config"), re.MULTILINE))
    keys |= set(re.findall(r"^\[+(\w+)\]+", example("config"), re.MULTILINE))
    every = {field.alias or name for name, field in Config.model_fields.items()} - {"source"}
    for model in (BudgetSettings, Committee, ConsolidateSettings, Limits):
        every |= set(model.model_fields)
    assert every <= keys, f"undocumented keys: {sorted(every - keys)}"


def test_master_layout_is_the_masters(tmp_path: Path, in_root: None) -> None:
    master = write_master(consolidate(["samples"]), tmp_path / "samleark.xlsx")
    workbook = load_workbook(master)
    years = {
        "*the budget years, as numbers*": [2020, 2021, 2022, 2023],
        "*the budget years, as text*": ["2020", "2021", "2022", "2023"],
    }
    documented = {sheet: columns.split(" · ") for sheet, columns in table("master-layout")}
    assert list(documented) == workbook.sheetnames
    for sheet, columns in documented.items():
        header = [cell.value for cell in workbook[sheet][1]]
        expanded = []
        for column in columns:
            expanded += years.get(column, [column])
        assert header == expanded, sheet
    assert workbook.custom_doc_props["xlbudget"].value.startswith("master ")


def test_every_issue_code_is_documented_with_its_severity() -> None:
    documented = {row[0].strip("`"): row[1] for row in table("issue-codes")}
    assert documented == {code: severity for code, (severity, _, _) in MESSAGES.items()}


def test_readme_points_users_at_these_docs_not_the_design() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/contracts.md" in readme
    assert "DESIGN.md" not in readme
