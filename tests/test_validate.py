"""One test per validation rule: the issue's code, field and cell on a small form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from xlbudget.config import BudgetSettings, Committee, Config
from xlbudget.issues import Issue
from xlbudget.models import FileResult
from xlbudget.pipeline import read_form

from .forms import reference_rows, write_form

KIND = "Sæt kryds i Råderum eller Ønske"
AMOUNTS = "Budgetændring + = udgifter, - = indtægter"
YEARS = "I 1.000 kr."
CONFIG = Config(
    budget=BudgetSettings(first_year=2020, years=4),
    committee=[
        Committee(name="Børne- og Familieudvalget", prefix="BF", aliases=["BFU"]),
        Committee(name="Teknik- og Miljøudvalget", prefix="TM"),
    ],
)


def check(
    tmp_path: Path, name: str, changes: dict[str, list[Any]] | None = None, **layout: Any
) -> FileResult:
    path = write_form(tmp_path / f"{name}.xlsx", reference_rows(changes), **layout)
    return read_form(path, CONFIG)


def only(result: FileResult, code: str) -> Issue:
    found = [i for i in result.issues if i.code == code]
    assert len(found) == 1, result.issues
    return found[0]


def test_reference_form_is_clean(tmp_path: Path) -> None:
    result = check(tmp_path, "reference")
    assert result.issues == []
    proposal = result.proposal
    assert proposal.nr == "BFdr-001" and proposal.kind == "Ønske"
    assert proposal.committee == "Børne- og Familieudvalget"  # canonical name from the config
    assert proposal.amounts == {2020: 800, 2021: 800, 2022: 800, 2023: 800}
    assert proposal.cells["nr"] == "Ark1!B5"
    assert proposal.cells["amounts.2022"] == "Ark1!D9"


def test_required_field_blank(tmp_path: Path) -> None:
    result = check(tmp_path, "no-number", {"Nr.": [None]})
    issue = only(result, "required-missing")
    assert (issue.severity, issue.field, issue.cell) == ("error", "nr", "Ark1!B5")
    assert "Nr." in issue.message


def test_expected_field_blank_is_warning(tmp_path: Path) -> None:
    result = check(tmp_path, "no-staff", {"Personalemæssige konsekvenser:": [None]})
    issue = only(result, "expected-missing")
    assert (issue.severity, issue.field, issue.cell) == (
        "warning",
        "staff_consequences",
        "Ark1!B18",
    )
    assert result.status == "warning"


def test_no_tick(tmp_path: Path) -> None:
    issue = only(
        check(tmp_path, "no-tick", {KIND: [None, "Råderum", "Ønske", None]}), "kind-missing"
    )
    assert (issue.field, issue.cell) == ("kind", "Ark1!B4")


def test_both_ticked(tmp_path: Path) -> None:
    result = check(tmp_path, "both-ticked", {KIND: [None, "Råderum", "X", "Ønske", "X"]})
    issue = only(result, "kind-ambiguous")
    assert (issue.field, issue.cell) == (
        "kind",
        "Ark1!B4",
    )  # the kind field's cell, right of its label


@pytest.mark.parametrize(
    ("row", "kind"),
    [
        ([None, "Råderum", "X", "Ønske", None], "Råderum"),
        ([None, "Råderum", "Ønske", "x"], "Ønske"),
        (["Ønske"], "Ønske"),
        ([None, "X Råderum", "Ønske"], "Råderum"),
    ],
)
def test_tick_variants(tmp_path: Path, row: list[Any], kind: str) -> None:
    result = check(
        tmp_path, "tick", {KIND: row, AMOUNTS: ["-800"] * 4} if kind == "Råderum" else {KIND: row}
    )
    assert result.proposal.kind == kind
    assert not result.errors


def test_tick_below_the_option(tmp_path: Path) -> None:
    rows = reference_rows({KIND: [None, "Råderum", "Ønske", None], AMOUNTS: [-100] * 4})
    rows[4] = [*rows[4], None, None]
    rows[4][2] = "X"  # below Råderum
    result = read_form(write_form(tmp_path / "tick-below.xlsx", rows), CONFIG)
    assert result.proposal.kind == "Råderum"


def test_malformed_number(tmp_path: Path) -> None:
    issue = only(check(tmp_path, "bad-number", {"Nr.": ["Forslag 7"]}), "nr-invalid")
    assert (issue.field, issue.cell) == ("nr", "Ark1!B5")


def test_number_prefix_against_committee(tmp_path: Path) -> None:
    issue = only(check(tmp_path, "prefix", {"Nr.": ["TMdr-004"]}), "nr-prefix-mismatch")
    assert (issue.severity, issue.field, issue.cell) == ("error", "nr", "Ark1!B5")
    assert "BF" in issue.message and "TM" in issue.message


def test_unknown_committee(tmp_path: Path) -> None:
    issue = only(
        check(tmp_path, "committee", {"Udvalg": ["Udvalget for Rumfart"]}), "committee-unknown"
    )
    assert (issue.field, issue.cell) == ("committee", "Ark1!B6")


def test_committee_alias_reported_canonically(tmp_path: Path) -> None:
    result = check(tmp_path, "alias", {"Udvalg": ["BFU"]})
    assert result.proposal.committee == "Børne- og Familieudvalget"
    assert not result.issues


def test_wrong_years(tmp_path: Path) -> None:
    issue = only(check(tmp_path, "years", {YEARS: [2019, 2020, 2021, 2022]}), "years-mismatch")
    assert (issue.field, issue.cell) == ("years", "Ark1!B8")


def test_years_not_consecutive(tmp_path: Path) -> None:
    issue = only(check(tmp_path, "gap", {YEARS: [2020, 2021, 2023, 2024]}), "years-not-consecutive")
    assert (issue.field, issue.cell) == ("years", "Ark1!B8")


def test_amount_not_a_number(tmp_path: Path) -> None:
    issue = only(
        check(tmp_path, "ca", {AMOUNTS: ["+800", "ca. 200", 800, 800]}), "amount-not-number"
    )
    assert (issue.severity, issue.field, issue.cell) == ("error", "amounts", "Ark1!C9")
    assert "ca. 200" in issue.message and "2021" in issue.message


def test_blank_amount_is_warning_counted_as_zero(tmp_path: Path) -> None:
    result = check(tmp_path, "blank-year", {AMOUNTS: [800, 800, None, 800]})
    issue = only(result, "amount-blank")
    assert (issue.severity, issue.cell) == ("warning", "Ark1!D9")
    assert result.proposal.total == 2400


def test_all_amounts_blank(tmp_path: Path) -> None:
    result = check(tmp_path, "no-amounts", {AMOUNTS: []})
    issue = only(result, "amounts-all-blank")
    assert (issue.severity, issue.field, issue.cell) == ("error", "amounts", "Ark1!B9")
    assert not [i for i in result.issues if i.code == "amount-blank"]


def test_amount_in_kroner(tmp_path: Path) -> None:
    issue = only(check(tmp_path, "kroner", {AMOUNTS: [800000, 800, 800, 800]}), "amount-in-kroner")
    assert (issue.severity, issue.cell) == ("warning", "Ark1!B9")


def test_fraction_of_thousand(tmp_path: Path) -> None:
    issue = only(
        check(tmp_path, "fraction", {AMOUNTS: ["800,5", 800, 800, 800]}), "amount-fraction"
    )
    assert (issue.severity, issue.cell) == ("warning", "Ark1!B9")


def test_sign_against_kind(tmp_path: Path) -> None:
    issue = only(check(tmp_path, "sign", {AMOUNTS: [-800, -800, -800, -800]}), "amounts-sign")
    assert (issue.severity, issue.field, issue.cell) == ("warning", "amounts", "Ark1!B9")


def test_account_missing(tmp_path: Path) -> None:
    issue = only(
        check(tmp_path, "no-account", {"Profitcenter & F3-niveau": [None]}), "accounts-missing"
    )
    assert (issue.severity, issue.field, issue.cell) == ("error", "accounts", "Ark1!B11")


def test_account_hovedkonto_out_of_range(tmp_path: Path) -> None:
    issue = only(
        check(tmp_path, "bad-account", {"Profitcenter & F3-niveau": ["12.22.01 Noget"]}),
        "account-invalid",
    )
    assert (issue.field, issue.cell) == ("accounts", "Ark1!B11")


def test_account_text_without_code(tmp_path: Path) -> None:
    issue = only(
        check(tmp_path, "no-code", {"Profitcenter & F3-niveau": ["Folkeskoler"]}), "account-invalid"
    )
    assert issue.cell == "Ark1!B11"


def test_missing_label_is_reported(tmp_path: Path) -> None:
    rows = reference_rows()
    rows[9] = []  # no "Emne" row at all
    result = read_form(write_form(tmp_path / "no-subject-row.xlsx", rows), CONFIG)
    issue = only(result, "field-not-found")
    assert (issue.field, issue.cell) == ("subject", None)


def test_not_a_form(tmp_path: Path) -> None:
    path = write_form(tmp_path / "budget-notes.xlsx", [["Noter"], ["Intet skema her"]])
    result = read_form(path, CONFIG)
    assert [(i.code, i.field, i.cell) for i in result.issues] == [("form-not-found", None, None)]
    assert result.proposal is None


def test_messages_in_english(tmp_path: Path) -> None:
    issue = only(check(tmp_path, "no-number-en", {"Nr.": [None]}), "required-missing").in_language(
        "en"
    )
    assert issue.message.startswith('The field "Nr." is empty in cell Ark1!B5')


# --- layouts departments send -----------------------------------------------------------------


def test_shifted_form_reports_true_cells(tmp_path: Path) -> None:
    result = check(tmp_path, "shifted", top=3, left=2)
    assert not result.issues
    assert result.proposal.cells["nr"] == "Ark1!D8"
    assert result.proposal.cells["amounts.2020"] == "Ark1!D12"


def test_form_behind_an_instructions_sheet(tmp_path: Path) -> None:
    result = check(tmp_path, "second-sheet", sheet="Skema", before=["Vejledning"])
    assert result.sheet == "Skema"
    assert result.proposal.nr == "BFdr-001" and not result.issues


def test_blank_column_between_labels_and_values(tmp_path: Path) -> None:
    rows = [[row[0], None, *row[1:]] if row else row for row in reference_rows()]
    result = read_form(write_form(tmp_path / "gap-column.xlsx", rows), CONFIG)
    assert not result.issues, result.issues
    assert result.proposal.cells["nr"] == "Ark1!C5"


def test_blank_field_in_gap_layout_points_at_value_column(tmp_path: Path) -> None:
    rows = [[row[0], None, *row[1:]] if row else row for row in reference_rows({"Nr.": [None]})]
    issue = only(
        read_form(write_form(tmp_path / "gap-no-number.xlsx", rows), CONFIG), "required-missing"
    )
    assert issue.cell == "Ark1!C5"


def test_amounts_in_danish_text(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        "danish-text",
        {AMOUNTS: ["-1.200", "−350", "1 200", "-250,0"], KIND: [None, "Råderum", "X", "Ønske"]},
    )
    assert result.proposal.amounts == {2020: -1200, 2021: -350, 2022: 1200, 2023: -250}


# --- formulas saved without a result (files written by scripts) -------------------------------


def test_formulas_without_saved_results_are_computed(tmp_path: Path) -> None:
    rows = reference_rows(
        {
            YEARS: [2020, "=B8+1", "=C8+1", "=D8+1"],
            AMOUNTS: ["=400+400", "=B9", "=SUM(B9:C9)/2", 800],
        }
    )
    result = read_form(write_form(tmp_path / "formulas-no-cache.xlsx", rows), CONFIG)
    assert not result.issues, result.issues
    assert result.proposal.amounts == {2020: 800, 2021: 800, 2022: 800, 2023: 800}


def test_formula_that_cannot_be_computed_is_reported(tmp_path: Path) -> None:
    rows = reference_rows({AMOUNTS: [800, "=VLOOKUP(1,A1:B2,2)", 800, 800]})
    result = read_form(write_form(tmp_path / "formula-unknown.xlsx", rows), CONFIG)
    issue = only(result, "amount-formula-no-value")
    assert (issue.severity, issue.field, issue.cell) == ("error", "amounts", "Ark1!C9")
    assert 2021 not in result.proposal.amounts  # never read as 0


def test_label_and_value_typed_in_one_cell(tmp_path: Path) -> None:
    rows = reference_rows()
    rows[4] = ["Nr.: BFdr-001"]
    rows[5] = ["Udvalg: Børne- og Familieudvalget"]
    result = read_form(write_form(tmp_path / "inline-values.xlsx", rows), CONFIG)
    assert not result.issues, result.issues
    assert result.proposal.nr == "BFdr-001"
    assert result.proposal.cells["nr"] == "Ark1!A5"


def test_options_listed_under_the_kind_label(tmp_path: Path) -> None:
    rows = reference_rows()
    rows[3] = [KIND]
    rows.insert(4, ["Råderum", "X"])
    rows.insert(5, ["Ønske"])
    rows[10] = [AMOUNTS, -100, -100, -100, -100]  # the amounts row, two rows further down
    result = read_form(write_form(tmp_path / "vertical-options.xlsx", rows), CONFIG)
    assert result.proposal.kind == "Råderum"
    assert not result.errors, result.issues


@pytest.mark.parametrize("typed", ["Oenske", "onske", "ØNSKE"])
def test_kind_typed_without_danish_letters(tmp_path: Path, typed: str) -> None:
    result = check(tmp_path, "ascii-kind", {KIND: [typed]})
    assert result.proposal.kind == "Ønske"


def test_committee_with_its_abbreviation_in_parentheses(tmp_path: Path) -> None:
    result = check(tmp_path, "committee-parens", {"Udvalg": ["Børne- og familieudvalget (BFU)"]})
    assert result.proposal.committee == "Børne- og Familieudvalget"
    assert not result.issues


def test_number_inside_a_sentence(tmp_path: Path) -> None:
    result = check(tmp_path, "nr-in-sentence", {"Nr.": ["Forslag nr. BFdr-001"]})
    assert result.proposal.nr == "BFdr-001"
    assert not result.issues


def test_blank_copy_of_the_form_before_the_filled_one(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = write_form(tmp_path / "blank-copy-first.xlsx", sheet="Udfyldt", before=["Tom kopi"])
    workbook = load_workbook(path)
    for r, row in enumerate(reference_rows()):
        if row:
            workbook["Tom kopi"].cell(row=r + 1, column=1, value=row[0])  # labels only
    workbook.save(path)
    result = read_form(path, CONFIG)
    assert result.sheet == "Udfyldt"
    assert not result.issues


def test_description_going_on_in_the_rows_below(tmp_path: Path) -> None:
    rows = reference_rows()
    at = next(i for i, row in enumerate(rows) if row and row[0] == "Beskrivelse:")
    rows[at] = ["Beskrivelse:", "Første afsnit."]
    rows.insert(at + 1, [None, "Andet afsnit."])
    rows.insert(at + 2, [None, "Tredje afsnit."])
    result = read_form(write_form(tmp_path / "description-rows.xlsx", rows), CONFIG)
    assert result.proposal.description == "Første afsnit.\n\nAndet afsnit.\n\nTredje afsnit."
    assert result.proposal.key_figures == "Ingen aktuelle nøgletal."
    assert not result.issues


def test_filled_copy_of_the_template_sheet_wins_over_the_blank_named_one(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from xlbudget.template import write_template

    path = write_template(tmp_path / "copied-template.xlsx", CONFIG)
    workbook = load_workbook(path)
    workbook.create_sheet("Udfyldt")
    for r, row in enumerate(reference_rows()):  # the department filled a copy, not the original
        for c, value in enumerate(row):
            if value is not None:
                workbook["Udfyldt"].cell(row=r + 1, column=c + 1, value=value)
    workbook.save(path)
    result = read_form(path, CONFIG)
    assert result.sheet == "Udfyldt"
    assert result.proposal.nr == "BFdr-001" and not result.errors
