"""An inbox as a finance office gets it: several forms per workbook, blank and hidden copies,
xlbudget's own workbooks, resubmissions. Every proposal counted once, nothing else counted."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from xlbudget.api import consolidate, validate_paths, write_master
from xlbudget.cli import app
from xlbudget.config import Config
from xlbudget.template import write_template

from .forms import blank_rows, reference_rows, write_form, write_workbook

runner = CliRunner()
CONFIG = Config.model_validate(
    {
        "budget": {"first_year": 2020},
        "committee": [
            {"name": "Børne- og Familieudvalget", "prefix": "BF"},
            {"name": "Teknik- og Miljøudvalget", "prefix": "TM"},
        ],
    }
)
INSTRUCTIONS = [
    "Vejledning",
    "Udfyld ét ark pr. forslag. Nr., Udvalg og Emne skal altid udfyldes.",
    "Beløb i 1.000 kr.",
]


def form(nr: str, amount: int = 100, subject: str | None = None, **more: list[Any]) -> list[Any]:
    """The reference form with its number, one amount for every year and maybe its subject."""
    changes: dict[str, list[Any]] = {"Nr.": [nr], "Budgetændring + = udgifter, - = indtægter": []}
    changes["Budgetændring + = udgifter, - = indtægter"] = [amount] * 4
    if nr.startswith("TM"):
        changes["Udvalg"] = ["Teknik- og Miljøudvalget"]
    if subject:
        changes["Emne"] = [subject]
    changes.update(more)
    return reference_rows(changes)


def entries(report: dict[str, Any], path: Path) -> list[dict[str, Any]]:
    return [f for f in report["files"] if f["path"] == str(path)]


def validate_json(*args: Path | str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["validate", *map(str, args), "--format", "json"])
    return result.exit_code, json.loads(result.stdout)


# A proposal as a department would fill it in the template.
FILLED_TEMPLATE_VALUES = {
    "kind": "Ønske",
    "nr": "BFdr-007",
    "committee": "Børne- og Familieudvalget",
    "department": "Dagtilbud",
    "amounts": [10, 20, 30, 40],
    "subject": "Flere pædagoger",
    "accounts": "05.25.14 Daginstitutioner",
    "description": "Tekst.",
}


def oversigt_rows(master: Path) -> list[tuple[Any, ...]]:
    sheet = load_workbook(master, data_only=True)["Oversigt"]  # formulas as their cached values
    return list(sheet.iter_rows(min_row=2, values_only=True))


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "xlbudget.toml"
    path.write_text(
        "[budget]\nfirst_year = 2020\n"
        '[[committee]]\nname = "Børne- og Familieudvalget"\nprefix = "BF"\n'
        '[[committee]]\nname = "Teknik- og Miljøudvalget"\nprefix = "TM"\n',
        encoding="utf-8",
    )
    return path


# --- several forms in one workbook ---------------------------------------------------------


def three_forms(path: Path) -> Path:
    return write_workbook(
        path,
        [
            {"name": "Vejledning", "text": INSTRUCTIONS},
            {"name": "Ark1", "rows": form("BFdr-001", 100)},
            {"name": "Forslag B", "rows": form("BFdr-002", 200), "top": 2, "left": 1},
            {"name": "Lister", "text": ["Råderum", "Ønske", "Børne- og Familieudvalget"]},
            {"name": "TM", "rows": form("TMdr-001", 300)},
        ],
    )


def test_every_filled_sheet_is_its_own_proposal(tmp_path: Path, config_file: Path) -> None:
    book = three_forms(tmp_path / "tre-forslag.xlsx")
    code, report = validate_json(book, "--config", config_file)
    assert code == 0
    found = entries(report, book)
    assert [(f["sheet"], f["status"], f["proposal"]["nr"]) for f in found] == [
        ("Ark1", "ok", "BFdr-001"),
        ("Forslag B", "ok", "BFdr-002"),
        ("TM", "ok", "TMdr-001"),
    ]
    assert found[1]["proposal"]["amounts"] == {
        "2020": 200,
        "2021": 200,
        "2022": 200,
        "2023": 200,
    }
    assert report["summary"] == {
        "files": 1,
        "forms": 3,
        "ok": 3,
        "warning": 0,
        "error": 0,
        "skipped": 0,
    }

    master = tmp_path / "samleark.xlsx"
    write_master(consolidate([book], CONFIG), master)
    rows = oversigt_rows(master)
    by_nr = {r[0]: r for r in rows}
    assert by_nr["BFdr-002"][6:10] == (200, 200, 200, 200)
    assert by_nr["BFdr-002"][11:14] == (str(book), "Forslag B", "'Forslag B'!C7")
    assert by_nr["I alt Børne- og Familieudvalget"][6] == 300
    assert by_nr["I alt, alle udvalg"][6] == 600


def test_a_bad_second_sheet_keeps_the_first_in_the_master(tmp_path: Path) -> None:
    book = write_workbook(
        tmp_path / "to-forslag.xlsx",
        [
            {"name": "Ark1", "rows": form("BFdr-001", 100)},
            {"name": "Forslag B", "rows": form("BFdr-002", 50, Emne=[None])},
        ],
    )
    first, second = validate_paths([book], CONFIG)
    assert (first.sheet, first.status) == ("Ark1", "ok")
    issue = next(i for i in second.issues if i.code == "required-missing")
    assert (second.sheet, issue.field, issue.cell) == ("Forslag B", "subject", "'Forslag B'!B10")

    result = consolidate([book], CONFIG)
    assert [e.proposal.nr for e in result.entries] == ["BFdr-001"]
    assert [result.status_of(f) for f in result.files] == ["included", "left-out"]
    master = write_master(result, tmp_path / "samleark.xlsx")
    workbook = load_workbook(master)
    kilder = list(workbook["Kilder"].iter_rows(min_row=2, max_row=3, values_only=True))
    assert [(r[1], r[2], r[5]) for r in kilder] == [
        ("Ark1", "BFdr-001", "medtaget"),
        ("Forslag B", "BFdr-002", "udeladt"),
    ]
    fejl = [r for r in workbook["Fejl"].iter_rows(min_row=2, values_only=True)]
    assert ("Forslag B", "'Forslag B'!B10", "Emne", "fejl") in [r[1:5] for r in fejl]


def test_text_report_and_annotated_copy_name_the_sheet(tmp_path: Path) -> None:
    book = write_workbook(
        tmp_path / "to-forslag.xlsx",
        [
            {"name": "Ark1", "rows": form("BFdr-001", 100, **{"Nr.": [None]})},
            {"name": "Forslag B", "rows": form("BFdr-002", 50, Emne=[None])},
        ],
    )
    out = tmp_path / "rettet"
    result = runner.invoke(app, ["validate", str(book), "--annotate", str(out)])
    assert result.exit_code == 1
    assert f"{book}  (ark Ark1)" in result.stdout
    assert f"{book}  (ark Forslag B)" in result.stdout
    assert "'Forslag B'!B10" in result.stdout
    copy = load_workbook(out / "to-forslag – kontrol.xlsx")
    assert copy["Ark1"]["B5"].comment is not None
    assert copy["Forslag B"]["B10"].comment is not None
    assert copy["Forslag B"]["B10"].comment.text.startswith("Fejl: Feltet »Emne«")


# --- blank and hidden copies ---------------------------------------------------------------


def test_blank_copies_are_passed_over_without_an_error(tmp_path: Path) -> None:
    with_blank = write_workbook(
        tmp_path / "med-tom-kopi.xlsx",
        [
            {"name": "Ark1", "rows": form("BFdr-001", 100)},
            {"name": "Ark2", "rows": blank_rows()},
        ],
    )
    only_blank = write_workbook(tmp_path / "tom.xlsx", [{"name": "Ark1", "rows": blank_rows()}])
    template = write_template(tmp_path / "skabelon.xlsx", CONFIG)
    results = validate_paths([with_blank, only_blank, template], CONFIG)
    assert [(Path(r.path).name, r.sheet, r.status) for r in results] == [
        ("med-tom-kopi.xlsx", "Ark1", "ok"),
        ("tom.xlsx", None, "skipped"),
        ("skabelon.xlsx", None, "skipped"),
    ]
    assert [i.code for i in results[1].issues] == ["form-blank"]
    assert results[1].issues[0].severity == "info"

    consolidation = consolidate([tmp_path], CONFIG)
    assert [e.proposal.nr for e in consolidation.entries] == ["BFdr-001"]
    assert not consolidation.left_out
    statuses = {Path(f.path).name: consolidation.status_of(f) for f in consolidation.files}
    assert statuses == {
        "med-tom-kopi.xlsx": "included",
        "skabelon.xlsx": "skipped",
        "tom.xlsx": "skipped",
    }


def test_a_filled_template_is_read(tmp_path: Path) -> None:
    """The template's mark stays in a form made from it: that form is read as any other."""
    filled = write_template(
        tmp_path / "udfyldt.xlsx",
        CONFIG,
        values=FILLED_TEMPLATE_VALUES,
    )
    (result,) = validate_paths([filled], CONFIG)
    assert result.proposal is not None and result.proposal.nr == "BFdr-007"
    assert result.proposal.amounts == {2020: 10, 2021: 20, 2022: 30, 2023: 40}


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_filled_form_is_not_read_but_warned_about(tmp_path: Path, state: str) -> None:
    book = write_workbook(
        tmp_path / "med-gammel.xlsx",
        [
            {"name": "Gammel", "rows": form("BFdr-001", 999), "state": state},
            {"name": "Ny", "rows": form("BFdr-001", 100)},
        ],
    )
    (result,) = validate_paths([book], CONFIG)
    assert (result.sheet, result.status) == ("Ny", "warning")
    assert result.proposal is not None and result.proposal.amounts[2020] == 100
    hidden = result.issues[0]
    assert (hidden.code, hidden.severity, hidden.cell) == ("form-hidden", "warning", None)
    assert "»Gammel«" in hidden.message

    only_hidden = write_workbook(
        tmp_path / "kun-skjult.xlsx",
        [
            {"name": "Vejledning", "text": INSTRUCTIONS},
            {"name": "Gammel", "rows": form("BFdr-002", 5), "state": state},
        ],
    )
    (alone,) = validate_paths([only_hidden], CONFIG)
    assert (alone.sheet, alone.status, alone.proposal) == (None, "warning", None)
    assert [i.code for i in alone.issues] == ["form-hidden"]

    consolidation = consolidate([tmp_path], CONFIG)
    assert [(e.proposal.nr, e.proposal.amounts[2020]) for e in consolidation.entries] == [
        ("BFdr-001", 100)
    ]
    assert consolidation.status_of(alone) == "skipped"


# --- xlbudget's own workbooks ----------------------------------------------------------------


def test_our_own_master_in_the_inbox_is_skipped_with_a_note(tmp_path: Path) -> None:
    inbox = tmp_path / "indbakke"
    inbox.mkdir()
    write_form(inbox / "a.xlsx", form("BFdr-001", 100))
    write_form(inbox / "b.xlsx", form("TMdr-001", 200))
    # last year's master, under a name that says nothing, and a copy saved again by openpyxl
    write_master(consolidate([inbox], CONFIG), inbox / "forslag-2019.xlsx")
    resaved = load_workbook(inbox / "forslag-2019.xlsx")
    resaved.save(inbox / "gemt-igen.xlsx")

    results = validate_paths([inbox], CONFIG)
    own = [r for r in results if Path(r.path).name in ("forslag-2019.xlsx", "gemt-igen.xlsx")]
    assert [(r.sheet, r.status, r.proposal) for r in own] == [(None, "skipped", None)] * 2
    assert all([i.code for i in r.issues] == ["own-workbook"] for r in own)
    assert all(i.severity == "info" for r in own for i in r.issues)

    master = write_master(consolidate([inbox], CONFIG), tmp_path / "samleark.xlsx")
    nrs = [r[0] for r in oversigt_rows(master)]
    assert nrs.count("BFdr-001") == 1 and nrs.count("TMdr-001") == 1
    assert next(r for r in oversigt_rows(master) if r[0] == "I alt, alle udvalg")[6] == 300


def test_a_master_written_before_the_mark_is_still_skipped(tmp_path: Path) -> None:
    """Masters of earlier versions carry no mark: their sheets tell them."""
    old = write_workbook(
        tmp_path / "samleark-gammel.xlsx",
        [
            {"name": "Oversigt", "rows": [["Nr.", "Type", "Udvalg", "Afdeling", "Emne", "Konti"]]},
            {"name": "Udvalg", "text": ["Råderum"]},
            {"name": "Beskrivelser", "rows": [["Nr.", "Emne", "Beskrivelse"]]},
            {"name": "Kilder", "text": ["Fil"]},
            {"name": "Fejl", "text": ["Fil"]},
        ],
    )
    (result,) = validate_paths([old], CONFIG)
    assert (result.status, [i.code for i in result.issues]) == ("skipped", ["own-workbook"])


def test_the_master_and_the_template_carry_the_mark(tmp_path: Path) -> None:
    master = write_master(
        consolidate([write_form(tmp_path / "a.xlsx")], CONFIG), tmp_path / "m.xlsx"
    )
    template = write_template(tmp_path / "t.xlsx", CONFIG)
    assert load_workbook(master).custom_doc_props["xlbudget"].value.startswith("master ")
    assert load_workbook(template).custom_doc_props["xlbudget"].value == "template"


# --- resubmissions -----------------------------------------------------------------------------


def resubmitted(folder: Path) -> tuple[Path, Path]:
    """BFdr-001 sent twice: the later one with another amount for 2021 and another subject."""
    folder.mkdir(exist_ok=True)
    old = write_form(folder / "BFdr-001.xlsx", form("BFdr-001", 100))
    rows = form("BFdr-001", 100, subject="Digitalisering, rettet")
    rows[8][2] = 150  # 2021
    new = write_form(folder / "BFdr-001 rettet.xlsx", rows)
    os.utime(old, (1_700_000_000, 1_700_000_000))
    os.utime(new, (1_700_000_100, 1_700_000_100))
    return old, new


def test_resubmission_left_out_by_default_saying_what_differs(tmp_path: Path) -> None:
    old, new = resubmitted(tmp_path / "inbox")
    write_form(tmp_path / "inbox" / "andet.xlsx", form("TMdr-001", 7))
    result = consolidate([tmp_path / "inbox"], CONFIG)
    assert [e.proposal.nr for e in result.entries] == ["TMdr-001"]
    left = {Path(f.path).name: f for f in result.left_out}
    assert set(left) == {old.name, new.name}
    issue = left[old.name].issues[-1]
    assert (issue.code, issue.field, issue.cell) == ("duplicate-number", "nr", "Ark1!B5")
    assert str(new) in issue.message
    assert "beløb 2021: 100 her, 150 i den anden" in issue.message
    assert "Emne" in issue.message and "2020" not in issue.message.split("forskelle")[1]
    assert result.duplicates == "reject"


@pytest.mark.parametrize("how", ["option", "config"])
def test_newest_resubmission_counts_and_the_old_is_marked_replaced(
    tmp_path: Path, how: str
) -> None:
    old, new = resubmitted(tmp_path / "inbox")
    toml = tmp_path / "xlbudget.toml"
    toml.write_text(
        "[budget]\nfirst_year = 2020\n"
        + ('[consolidate]\nduplicates = "newest"\n' if how == "config" else ""),
        encoding="utf-8",
    )
    master = tmp_path / "samleark.xlsx"
    args = ["consolidate", str(tmp_path / "inbox"), "-o", str(master), "--config", str(toml)]
    result = runner.invoke(app, [*args, *(["--newest"] if how == "option" else [])])
    assert result.exit_code == 0, result.output
    assert "det nyeste tælles" in result.stdout
    rows = oversigt_rows(master)
    assert [r[:1] + r[6:10] + r[11:12] for r in rows if r[0] == "BFdr-001"] == [
        ("BFdr-001", 100, 150, 100, 100, str(new))
    ]
    workbook = load_workbook(master)
    kilder = {r[0]: r for r in workbook["Kilder"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert kilder[str(new)][5] == "medtaget"
    assert kilder[str(old)][5] == "erstattet"
    assert str(new) in kilder[str(old)][8]
    assert any("det nyeste tælles" in str(r[0]) for r in kilder.values())
    fejl = [r for r in workbook["Fejl"].iter_rows(min_row=2, values_only=True)]
    replaced = next(r for r in fejl if r[5] == "replaced")
    assert replaced[0] == str(old) and replaced[4] == "advarsel"
    assert "beløb 2021: 100 her, 150 i den anden" in replaced[6]


def test_the_same_form_twice_is_still_one_duplicate_with_newest(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    first = write_form(inbox / "a.xlsx", form("BFdr-001", 100))
    shutil.copy(first, inbox / "b.xlsx")
    result = consolidate([inbox], CONFIG, duplicates="newest")
    assert len(result.entries) == 1
    assert sorted(result.status.values()) == ["duplicate", "included"]


def test_an_instructions_table_naming_the_fields_is_not_a_form(tmp_path: Path) -> None:
    """Instructions that list the labels with an explanation beside each look like a filled
    form without years: next to a real form, they are passed over."""
    guide = [
        ["Felt", "Sådan udfylder du det"],
        ["Nr.", "Udvalgets forkortelse, dr og et løbenummer, fx BFdr-001"],
        ["Udvalg", "Vælg udvalget på listen"],
        ["Emne", "En kort titel"],
        ["Profitcenter & F3-niveau", "Kontoen, fx 03.22.01 Folkeskoler"],
    ]
    book = write_workbook(
        tmp_path / "med-vejledning.xlsx",
        [{"name": "Vejledning", "rows": guide}, {"name": "Forslag", "rows": form("BFdr-001")}],
    )
    results = validate_paths([book], CONFIG)
    assert [(r.sheet, r.status) for r in results] == [("Forslag", "ok")]


def two_versions(folder: Path, old_rows: list[Any], new_rows: list[Any]) -> tuple[Path, Path]:
    folder.mkdir(exist_ok=True)
    old = write_form(folder / "v1.xlsx", old_rows)
    new = write_form(folder / "v2.xlsx", new_rows)
    os.utime(old, (1_700_000_000, 1_700_000_000))
    os.utime(new, (1_700_000_100, 1_700_000_100))
    return old, new


def test_a_corrected_version_replaces_one_with_an_error_under_newest(tmp_path: Path) -> None:
    old, new = two_versions(
        tmp_path / "inbox", form("BFdr-001", 100, Emne=[None]), form("BFdr-001")
    )
    result = consolidate([tmp_path / "inbox"], CONFIG, duplicates="newest")
    assert [e.source.path for e in result.entries] == [str(new)]
    assert not result.left_out  # the old version with its error is replaced, not left out
    replaced = next(f for f in result.files if f.path == str(old))
    assert result.status_of(replaced) == "replaced"
    assert replaced.issues[-1].code == "replaced" and str(new) in replaced.issues[-1].message

    default = consolidate([tmp_path / "inbox"], CONFIG)
    assert default.entries == [] and len(default.left_out) == 2
    assert all(f.issues[-1].code == "duplicate-number" for f in default.left_out)


def test_a_newest_version_with_an_error_counts_no_version(tmp_path: Path) -> None:
    old, new = two_versions(
        tmp_path / "inbox", form("BFdr-001"), form("BFdr-001", 100, Emne=[None])
    )
    result = consolidate([tmp_path / "inbox"], CONFIG, duplicates="newest")
    assert result.entries == []
    assert [f.path for f in result.left_out] == [str(new)]
    assert result.status_of(next(f for f in result.files if f.path == str(old))) == "replaced"


def test_copies_of_the_template_sheet_are_read_by_their_labels(tmp_path: Path) -> None:
    """The template's defined names point at its first sheet; a copy of that sheet in the
    same workbook (Excel's "Move or Copy") is found by its labels, and a blank copy passed over."""
    values = FILLED_TEMPLATE_VALUES
    path = write_template(tmp_path / "skabelon-to.xlsx", CONFIG, values=values)
    workbook = load_workbook(path)
    original = workbook.worksheets[0]
    copy = workbook.copy_worksheet(original)
    copy.title = "Forslag 2"
    blank = workbook.copy_worksheet(original)
    blank.title = "Tom kopi"
    for row in copy.iter_rows():
        for cell in row:
            cell.value = {"BFdr-007": "BFdr-008", 10: 99}.get(cell.value, cell.value)
    for row in blank.iter_rows(min_col=2):
        for cell in row:
            if cell.value in ("Ønske", *values.values(), *values["amounts"]):
                cell.value = None
    workbook.save(path)
    results = validate_paths([path], CONFIG)
    assert [(r.sheet, r.proposal.nr if r.proposal else None) for r in results] == [
        (original.title, "BFdr-007"),
        ("Forslag 2", "BFdr-008"),
    ]
    assert results[1].proposal is not None and results[1].proposal.amounts[2020] == 99
