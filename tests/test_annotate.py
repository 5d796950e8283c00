"""Annotated copies a department can act on: "<name> – kontrol.xlsx" only of forms with an
error or a warning, red and amber marks with plain comments, and a printable Kontrol sheet."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from xlbudget.annotate import AMBER, RED, annotate, annotation_targets
from xlbudget.api import validate_paths
from xlbudget.config import Config
from xlbudget.errors import OutputError
from xlbudget.issues import Issue
from xlbudget.models import FileResult
from xlbudget.pipeline import check_file

from .conftest import SAMPLES
from .forms import reference_rows, write_form, write_workbook

CONFIG = Config.model_validate(
    {
        "budget": {"first_year": 2020},
        "committee": [{"name": "Børne- og Familieudvalget", "prefix": "BF"}],
    }
)
AMOUNTS = "Budgetændring + = udgifter, - = indtægter"
MONTHS_DA = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august"]
MONTHS_DA += ["september", "oktober", "november", "december"]

NR_DA = "Feltet »Nr.« er ikke udfyldt. Udfyld det, før skemaet sendes."
KRONER_DA = (
    "Beløbet 2.500.000 for 2021 ser ud til at være i kroner; skemaet er i 1.000 kr. "
    "(800 betyder 800.000 kr.)."
)
NR_EN = 'The field "Nr." is empty. Fill it in before sending the form.'
KRONER_EN = (
    "The amount 2,500,000 for 2021 looks like kroner; the form is in 1,000 kr. "
    "(800 means 800,000 kr.)."
)


def two_forms(folder: Path, name: str = "BFdr-001.xlsx") -> Path:
    """A workbook of two forms: one without its number (an error in Ark1!B5), one with an
    amount in kroner (a warning in 'Forslag B'!C9)."""
    folder.mkdir(parents=True, exist_ok=True)
    return write_workbook(
        folder / name,
        [
            {"name": "Ark1", "rows": reference_rows({"Nr.": [None]})},
            {
                "name": "Forslag B",
                "rows": reference_rows({"Nr.": ["BFdr-002"], AMOUNTS: [800, 2_500_000, 800, 800]}),
            },
        ],
    )


def rgb(cell: Any) -> str:
    return str(cell.fill.fgColor.rgb)[-6:] if cell.fill.fill_type == "solid" else ""


def rows(sheet: Any, first: int) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(min_row=first, values_only=True))


def test_copy_marks_errors_red_and_warnings_amber_with_plain_comments(tmp_path: Path) -> None:
    source = two_forms(tmp_path / "ind")
    before = source.read_bytes()
    out = tmp_path / "kontrol"
    results = validate_paths([source], CONFIG, annotate_dir=out, lang="da")
    copy = out / "BFdr-001 – kontrol.xlsx"
    assert [p.name for p in out.iterdir()] == [copy.name]
    assert [r.annotated for r in results] == [str(copy), None]  # on the file's first result
    assert "annotated" not in results[0].to_json() and "annotated" not in results[0].model_dump()
    assert source.read_bytes() == before  # the original is untouched

    workbook = load_workbook(copy)
    assert workbook.sheetnames == ["Kontrol", "Ark1", "Forslag B"]
    error, warning = workbook["Ark1"]["B5"], workbook["Forslag B"]["C9"]
    assert (rgb(error), rgb(warning)) == (RED, AMBER)
    assert error.comment.text == f"Fejl: {NR_DA}"
    assert warning.comment.text == f"Advarsel: {KRONER_DA}"
    for cell in (workbook["Ark1"]["B6"], workbook["Forslag B"]["B9"], workbook["Forslag B"]["B5"]):
        assert cell.comment is None and rgb(cell) == ""


def test_kontrol_sheet_lists_every_issue_with_links_and_prints_well(tmp_path: Path) -> None:
    source = two_forms(tmp_path / "ind")
    validate_paths([source], CONFIG, annotate_dir=tmp_path / "kontrol", lang="da")
    workbook = load_workbook(tmp_path / "kontrol" / "BFdr-001 – kontrol.xlsx")
    kontrol = workbook["Kontrol"]
    assert workbook.active.title == "Kontrol"
    assert [ws.sheet_view.tabSelected for ws in workbook.worksheets] == [True, False, False]

    today = dt.date.today()
    date = f"{today.day}. {MONTHS_DA[today.month - 1]} {today.year}"
    assert kontrol["A1"].value == f"Kontrol af BFdr-001.xlsx den {date}"
    assert kontrol["A2"].value.startswith("1 fejl og 1 advarsel: ")
    assert rows(kontrol, 5) == [
        ("Celle", "Felt", "Alvor", "Besked"),
        ("Ark1!B5", "Nr.", "Fejl", NR_DA),
        ("'Forslag B'!C9", "Beløb", "Advarsel", KRONER_DA),
    ]
    assert kontrol["A6"].hyperlink.location == "'Ark1'!B5"
    assert kontrol["A7"].hyperlink.location == "'Forslag B'!C9"
    assert (rgb(kontrol["C6"]), rgb(kontrol["C7"])) == (RED, AMBER)

    setup = kontrol.page_setup
    assert (setup.orientation, setup.paperSize) == ("landscape", 9)  # A4
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert kontrol.sheet_properties.pageSetUpPr.fitToPage
    assert kontrol.print_title_rows == "$5:$5"
    assert kontrol["D6"].alignment.wrap_text


def test_english_copy(tmp_path: Path) -> None:
    source = two_forms(tmp_path / "ind")
    validate_paths([source], CONFIG, annotate_dir=tmp_path / "out", lang="en")
    workbook = load_workbook(tmp_path / "out" / "BFdr-001 – kontrol.xlsx")
    assert workbook["Ark1"]["B5"].comment.text == f"Error: {NR_EN}"
    assert workbook["Forslag B"]["C9"].comment.text == f"Warning: {KRONER_EN}"
    kontrol = workbook["Kontrol"]
    assert kontrol["A1"].value.startswith("Check of BFdr-001.xlsx on ")
    assert kontrol["A2"].value.startswith("1 error and 1 warning: ")
    assert rows(kontrol, 5) == [
        ("Cell", "Field", "Severity", "Message"),
        ("Ark1!B5", "No.", "Error", NR_EN),
        ("'Forslag B'!C9", "Amounts", "Warning", KRONER_EN),
    ]


def test_a_cell_with_an_error_and_a_warning_is_red_with_both(tmp_path: Path) -> None:
    source = write_form(tmp_path / "f.xlsx")
    issues = [
        Issue.make("amount-in-kroner", "amounts", "Ark1!C9", value="800", year=2021),
        Issue.make("amount-not-number", "amounts", "Ark1!C9", value="x", year=2021),
    ]
    result = FileResult(path=str(source), sheet="Ark1", file_type="xlsx", issues=issues)
    copy = annotate([result], tmp_path / "f – kontrol.xlsx", "da")
    assert copy is not None
    workbook = load_workbook(copy)
    cell = workbook["Ark1"]["C9"]
    assert rgb(cell) == RED
    first, second = cell.comment.text.split("\n\n")
    assert first.startswith("Fejl: Beløbet »x« for 2021 er ikke et tal")  # errors first
    assert second.startswith("Advarsel: Beløbet 800 for 2021 ser ud til")
    assert [r[2] for r in rows(workbook["Kontrol"], 6)] == ["Fejl", "Advarsel"]


def test_a_merged_cell_is_marked_and_framed_as_a_whole(tmp_path: Path) -> None:
    """Forms in the wild merge their answers across columns (the shifted sample: D13:G13)."""
    source = tmp_path / "SSdr-001.xlsx"
    shutil.copyfile(SAMPLES / "shifted-SSdr-001.xlsx", source)
    workbook = load_workbook(source)
    workbook["Ark1"]["D13"] = None  # Beskrivelse, merged over D13:G13
    workbook.save(source)
    config = Config.model_validate({"budget": {"first_year": 2020}})
    (result,) = validate_paths([source], config, annotate_dir=tmp_path / "out")
    assert [(i.code, i.cell) for i in result.errors] == [("required-missing", "Ark1!D13")]
    form = load_workbook(result.annotated)["Ark1"]
    assert rgb(form["D13"]) == RED and form["D13"].comment.text.startswith("Fejl: Feltet")
    assert form["G13"].border.right.style == "medium"  # the frame goes round D13:G13


def test_no_copy_without_an_error_or_a_warning_or_without_a_form(tmp_path: Path) -> None:
    (tmp_path / "ind").mkdir()
    clean = write_form(tmp_path / "ind" / "god.xlsx")
    no_form = write_workbook(tmp_path / "ind" / "noter.xlsx", [{"name": "Ark1", "text": ["Hej"]}])
    out = tmp_path / "out"
    results = validate_paths([clean, no_form], CONFIG, annotate_dir=out)
    assert [(Path(r.path).name, r.status) for r in results] == [
        ("god.xlsx", "ok"),
        ("noter.xlsx", "error"),
    ]
    assert list(out.iterdir()) == []
    assert [r.annotated for r in results] == [None, None]


def test_two_inputs_with_one_name_get_two_copies(tmp_path: Path) -> None:
    first, second = two_forms(tmp_path / "a"), two_forms(tmp_path / "b")
    out = tmp_path / "out"
    results = validate_paths([tmp_path / "a", tmp_path / "b"], CONFIG, annotate_dir=out)
    assert sorted(p.name for p in out.iterdir()) == [
        "BFdr-001 – kontrol (2).xlsx",
        "BFdr-001 – kontrol.xlsx",
    ]
    written = {r.path: r.annotated for r in results if r.annotated}
    assert written == {
        str(first): str(out / "BFdr-001 – kontrol.xlsx"),
        str(second): str(out / "BFdr-001 – kontrol (2).xlsx"),
    }


def test_a_copy_never_takes_the_name_of_an_input(tmp_path: Path) -> None:
    folder = tmp_path / "ind"
    folder.mkdir()
    files = [str(folder / "f.xlsx"), str(folder / "f – kontrol.xlsx")]
    for file in files:
        Path(file).touch()
    targets = annotation_targets(files, folder)
    assert targets[files[0]].name == "f – kontrol (2).xlsx"
    assert targets[files[1]].name == "f – kontrol – kontrol.xlsx"


def test_the_copy_read_again_gives_the_same_issues_and_no_more_forms(tmp_path: Path) -> None:
    source = two_forms(tmp_path / "ind")
    original = validate_paths([source], CONFIG, annotate_dir=tmp_path / "out")
    again = validate_paths([original[0].annotated], CONFIG)
    assert [r.sheet for r in again] == ["Ark1", "Forslag B"]
    assert [[i.code for i in r.issues] for r in again] == [
        [i.code for i in r.issues] for r in original
    ]


@pytest.mark.parametrize("lang", ["da", "en"])
def test_a_copy_that_cannot_be_written_is_a_warning_not_the_end(tmp_path: Path, lang: Any) -> None:
    source = two_forms(tmp_path / "ind")
    target = tmp_path / "gone" / "BFdr-001 – kontrol.xlsx"  # its folder does not exist
    results = check_file(source, CONFIG, annotated=target, lang=lang)
    assert [r.sheet for r in results] == ["Ark1", "Forslag B"]
    assert results[0].issues[-1].code == "annotate-failed"
    assert results[0].issues[-1].severity == "warning"
    assert results[0].annotated is None and not target.exists()


def test_a_workbook_whose_form_openpyxl_cannot_see_gets_no_copy(tmp_path: Path) -> None:
    source = write_form(tmp_path / "f.xlsx")
    issue = Issue.make("required-missing", "subject", "Skema!B10", label="Emne")
    result = FileResult(path=str(source), sheet="Skema", file_type="xlsx", issues=[issue])
    with pytest.raises(OutputError, match="Skema"):  # check_file makes it annotate-failed
        annotate([result], tmp_path / "f – kontrol.xlsx", "da")
    assert not (tmp_path / "f – kontrol.xlsx").exists()
