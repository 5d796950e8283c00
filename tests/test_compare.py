"""xlbudget compare: two rounds, each a folder of forms or a master, and what changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from xlbudget.cli import app

from .forms import reference_rows, write_form

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


def second_round(tmp_path: Path) -> Path:
    """The samples with one form withdrawn, one new, and one with a new amount and subject."""
    folder = tmp_path / "runde2"
    shutil.copytree(SAMPLES, folder)
    (folder / "plain-TMdr-001.xlsx").unlink()
    rows = reference_rows(
        {"Nr.": ["BFdr-099"], "Budgetændring + = udgifter, - = indtægter": [10, 20, 30, 40]}
    )
    write_form(folder / "ny-BFdr-099.xlsx", rows)
    workbook = load_workbook(folder / "reference-BFdr-001.xlsx")
    sheet = workbook["Ark1"]
    sheet["C9"] = 900  # 2021: +800 → 900
    sheet["B10"] = "Digitaliseringsstrategi, rettet"
    workbook.save(folder / "reference-BFdr-001.xlsx")
    return folder


def test_compare_a_master_with_a_later_folder(tmp_path: Path) -> None:
    master = tmp_path / "runde1.xlsx"
    assert runner.invoke(app, ["consolidate", str(SAMPLES), "-o", str(master)]).exit_code == 1
    later = second_round(tmp_path)
    result = runner.invoke(app, ["compare", str(master), str(later), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [p["nr"] for p in report["new_proposals"]] == ["BFdr-099"]
    assert [p["nr"] for p in report["withdrawn"]] == ["TMdr-001"]
    (changed,) = report["changed"]
    assert changed["nr"] == "BFdr-001"
    assert {f["field"] for f in changed["fields"]} == {"subject"}
    assert changed["amounts"] == {"2021": {"old": 800, "new": 900, "difference": 100}}
    totals = {c["committee"]: c["totals"] for c in report["committees"]}
    assert totals["Teknik- og Miljøudvalget"]["2020"]["difference"] == 250  # -250 withdrawn
    assert totals["Børne- og Familieudvalget"]["2021"]["difference"] == 120  # +100, +20
    assert report["summary"] == {"new": 1, "withdrawn": 1, "changed": 1, "unchanged": 14}


def test_compare_text_in_either_language_and_the_workbook(tmp_path: Path) -> None:
    later = second_round(tmp_path)
    out = tmp_path / "aendringer.xlsx"
    danish = runner.invoke(app, ["compare", str(SAMPLES), str(later), "-o", str(out)])
    assert danish.exit_code == 0
    assert "Udgåede forslag" in danish.stdout and "800 → 900" in danish.stdout
    assert "1 nye, 1 udgået, 1 ændret" in danish.stdout
    english = runner.invoke(app, ["compare", str(SAMPLES), str(later), "--lang", "en"])
    assert "Withdrawn proposals" in english.stdout and "Udgåede" not in english.stdout
    rows = list(load_workbook(out)["Ændringer"].iter_rows(values_only=True))
    assert ("BFdr-099", "ny") in [r[:2] for r in rows]
    assert next(r for r in rows if r[0] == "BFdr-001")[5] == 100  # 2021's difference


def test_the_changes_workbook_is_never_read_as_a_form(tmp_path: Path) -> None:
    from xlbudget.api import validate_paths

    out = tmp_path / "aendringer.xlsx"
    runner.invoke(app, ["compare", str(SAMPLES), str(second_round(tmp_path)), "-o", str(out)])
    (result,) = validate_paths([out])
    assert (result.status, [i.code for i in result.issues]) == ("skipped", ["own-workbook"])
