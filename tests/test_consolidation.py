"""Consolidation end to end: the right proposals, each once, and totals equal to the inputs."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from xlbudget import consolidate, write_master
from xlbudget.cli import app
from xlbudget.config import Config

from .conftest import SAMPLES
from .forms import reference_rows, write_form

EXPECTED: dict[str, dict] = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
YEARS = ["2020", "2021", "2022", "2023"]
AMOUNTS = "Budgetændring + = udgifter, - = indtægter"
runner = CliRunner()


@pytest.fixture(scope="module")
def sample_master(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    from xlbudget.config import load_config

    config = load_config(SAMPLES / "xlbudget.toml")
    result = consolidate([SAMPLES], config)
    path = tmp_path_factory.mktemp("master") / "master.xlsx"
    write_master(result, path)
    return path, result


def independent_totals() -> dict[str, dict[str, float]]:
    """Committee totals per year summed straight from samples/expected.json."""
    totals: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(YEARS, 0))
    for expected in EXPECTED.values():
        if expected["valid"]:
            for year, amount in expected["amounts"].items():
                totals[expected["committee"]][year] += amount
    return totals


def test_the_valid_samples_are_included_each_once(sample_master: tuple[Path, object]) -> None:
    _, result = sample_master
    included = sorted(Path(e.source.path).name for e in result.entries)
    assert included == sorted(name for name, e in EXPECTED.items() if e["valid"])
    left_out = sorted(Path(f.path).name for f in result.left_out)
    assert left_out == sorted(name for name, e in EXPECTED.items() if not e["valid"])


def test_subtotals_equal_independent_sums_as_formulas_and_cached_values(
    sample_master: tuple[Path, object],
) -> None:
    path, _ = sample_master
    formulas = load_workbook(path)["Oversigt"]
    values = load_workbook(path, data_only=True)["Oversigt"]
    header = [c.value for c in values[1]]
    year_cols = {str(y): header.index(y) + 1 for y in map(int, YEARS)}
    expected = independent_totals()
    found: dict[str, dict[str, float]] = {}
    grand: dict[str, float] = {}
    group_start = 2
    for row in range(2, values.max_row + 1):
        label = values.cell(row, 1).value
        if isinstance(label, str) and label.startswith("I alt"):
            name = label.removeprefix("I alt ")
            for year, col in year_cols.items():
                formula = formulas.cell(row, col).value
                if label == "I alt, alle udvalg":
                    grand[year] = values.cell(row, col).value
                    assert formula.startswith("=SUBTOTAL(9,")
                else:
                    letter = formulas.cell(row, col).column_letter
                    assert formula == f"=SUBTOTAL(9,{letter}{group_start}:{letter}{row - 1})"
                    found.setdefault(name, {})[year] = values.cell(row, col).value
            group_start = row + 1
    assert found == {k: dict(v) for k, v in expected.items()}
    assert grand == {y: sum(t[y] for t in expected.values()) for y in YEARS}
    assert len(found) == len(expected) >= 4


def test_every_input_in_kilder_and_every_rejection_in_fejl(
    sample_master: tuple[Path, object],
) -> None:
    path, _ = sample_master
    workbook = load_workbook(path, data_only=True)
    rows = list(workbook["Kilder"].iter_rows(min_row=2, values_only=True))
    kilder = {Path(r[0]).name: r for r in rows if r[0] and r[5]}
    assert set(kilder) == set(EXPECTED)
    fejl_files = {
        Path(r[0]).name
        for r in workbook["Fejl"].iter_rows(min_row=2, values_only=True)
        if r[4] == "fejl"
    }
    assert fejl_files == {name for name, e in EXPECTED.items() if not e["valid"]}
    for name, row in kilder.items():
        assert row[5] == ("medtaget" if EXPECTED[name]["valid"] else "udeladt"), name


def test_same_inputs_same_bytes(tmp_path: Path, samples_config: Config) -> None:
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_master(consolidate([SAMPLES], samples_config), first)
    write_master(consolidate([SAMPLES], samples_config), second)
    assert first.read_bytes() == second.read_bytes()


# --- cross-file rules ----------------------------------------------------------------------


def no_config(**budget: int) -> Config:
    return Config.model_validate({"budget": budget})


def test_same_proposal_twice_counts_once_with_a_warning(tmp_path: Path) -> None:
    write_form(tmp_path / "a.xlsx")
    shutil.copy(tmp_path / "a.xlsx", tmp_path / "b-copy.xlsx")
    result = consolidate([tmp_path], no_config(first_year=2020))
    assert len(result.entries) == 1
    assert result.status == {
        str(tmp_path / "a.xlsx") + "\x00Ark1": "included",
        str(tmp_path / "b-copy.xlsx") + "\x00Ark1": "duplicate",
    }
    copy = next(f for f in result.files if f.path.endswith("b-copy.xlsx"))
    assert [(i.code, i.severity, i.cell) for i in copy.issues] == [
        ("duplicate-proposal", "warning", "Ark1!B5")
    ]
    assert result.totals == {2020: 800, 2021: 800, 2022: 800, 2023: 800}


def test_two_different_proposals_under_one_number_are_both_left_out(tmp_path: Path) -> None:
    write_form(tmp_path / "a.xlsx")
    write_form(tmp_path / "b.xlsx", reference_rows({AMOUNTS: [900, 900, 900, 900]}))
    result = consolidate([tmp_path], no_config(first_year=2020))
    assert result.entries == []
    assert {f.status for f in result.files} == {"error"}
    for file in result.files:
        assert [(i.code, i.field, i.cell) for i in file.issues] == [
            ("duplicate-number", "nr", "Ark1!B5")
        ]
    assert result.totals == dict.fromkeys([2020, 2021, 2022, 2023], 0)


def test_form_with_other_years_is_left_out_without_configured_years(tmp_path: Path) -> None:
    write_form(tmp_path / "a.xlsx")
    write_form(tmp_path / "b.xlsx", reference_rows({"Nr.": ["BFdr-002"]}))
    write_form(
        tmp_path / "c.xlsx",
        reference_rows({"Nr.": ["BFdr-003"], "I 1.000 kr.": [2021, 2022, 2023, 2024]}),
    )
    result = consolidate([tmp_path], no_config())
    assert result.years == [2020, 2021, 2022, 2023]
    odd = next(f for f in result.files if f.path.endswith("c.xlsx"))
    assert result.status_of(odd) == "left-out"
    assert [(i.code, i.cell) for i in odd.errors] == [("years-mismatch", "Ark1!B8")]


def test_committee_spellings_make_one_subtotal_without_a_config(tmp_path: Path) -> None:
    write_form(tmp_path / "a.xlsx", reference_rows({"Udvalg": ["Børne og Familieudvalget"]}))
    write_form(
        tmp_path / "b.xlsx",
        reference_rows({"Nr.": ["BFdr-002"], "Udvalg": ["Børne- og familieudvalget"]}),
    )
    write_form(
        tmp_path / "c.xlsx",
        reference_rows({"Nr.": ["BFdr-003"], "Udvalg": ["Børne- og Familieudvalget"]}),
    )
    result = consolidate([tmp_path], no_config(first_year=2020))
    assert len(result.groups) == 1
    assert result.groups[0].totals[2020] == 2400


# --- the command --------------------------------------------------------------------------


def test_consolidate_cli_exit_codes_and_strict(tmp_path: Path) -> None:
    out = tmp_path / "master.xlsx"
    result = runner.invoke(app, ["consolidate", str(SAMPLES), "-o", str(out)])
    assert result.exit_code == 1  # the defective samples are left out
    assert out.exists() and "udeladt" in result.output
    strict_out = tmp_path / "strict.xlsx"
    result = runner.invoke(app, ["consolidate", str(SAMPLES), "-o", str(strict_out), "--strict"])
    assert result.exit_code == 1 and not strict_out.exists()
    valid = [str(SAMPLES / n) for n, e in EXPECTED.items() if e["valid"]]
    result = runner.invoke(
        app, ["consolidate", *valid, "-o", str(out), "--config", str(SAMPLES / "xlbudget.toml")]
    )
    assert result.exit_code == 0, result.output


def test_output_that_is_an_input_is_refused(tmp_path: Path) -> None:
    form = write_form(tmp_path / "a.xlsx")
    before = form.read_bytes()
    result = runner.invoke(app, ["consolidate", str(tmp_path), "-o", str(form), "--lang", "en"])
    assert result.exit_code == 2
    assert "one of the input files" in result.output
    assert form.read_bytes() == before


def test_export_csv_of_the_samples(tmp_path: Path) -> None:
    out = tmp_path / "forslag.csv"
    result = runner.invoke(
        app, ["export", str(SAMPLES), "--format", "csv", "--csv-style", "plain", "-o", str(out)]
    )
    assert result.exit_code == 1
    import csv

    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert sorted(r["nr"] for r in rows) == sorted(e["nr"] for e in EXPECTED.values() if e["valid"])
    assert sum(float(r["2020"]) for r in rows) == sum(
        t["2020"] for t in independent_totals().values()
    )


def test_a_killed_run_leaves_the_previous_master_or_the_whole_new_one(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    out.mkdir()
    master = out / "master.xlsx"
    command = [sys.executable, "-m", "xlbudget", "consolidate", str(SAMPLES), "-o", str(master)]
    subprocess.run(command, capture_output=True, check=False)
    complete = master.read_bytes()
    master.write_bytes(b"previous master")
    for delay in (0.05, 0.15, 0.3, 0.45, 0.6, 0.8, 1.0, 1.5):
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        assert master.read_bytes() in (b"previous master", complete)
        assert os.listdir(out) == ["master.xlsx"]
        master.write_bytes(b"previous master")


def test_left_out_files_are_listed_whole_and_literally(master_consolidation: Any) -> None:
    """A left-out file's path is printed as it is (never read as markup) and on one line,
    however narrow the console, so it can be copied; its errors follow, and the counts."""
    import io

    from rich.console import Console

    from xlbudget.render import print_consolidation

    odd = master_consolidation.left_out[0]
    odd.path = "indsendt/[bold]budget[/] " + "meget-lang-mappe/" * 8 + "forslag.xlsx"
    master_consolidation.status[odd.key] = "left-out"
    out = io.StringIO()
    print_consolidation(Console(file=out, width=40), master_consolidation, "da")
    lines = out.getvalue().splitlines()
    assert f"  {odd.path}  (ark Ark2)" in lines
    at = lines.index(f"  {odd.path}  (ark Ark2)")
    assert lines[at + 1] == "    " + odd.errors[0].message
    counts = master_consolidation.counts()
    files = master_consolidation.files
    assert counts["errors"] == sum(len(f.errors) for f in files) > 0
    assert counts["warnings"] == sum(len(f.warnings) for f in files) > 0
