"""The written proposal form: layout, defined names, validations, protection, determinism."""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlbudget.config import Config
from xlbudget.errors import UsageError
from xlbudget.spec import TEMPLATE_FILENAME, FieldKind, load_spec, templates_dir
from xlbudget.template import (
    BESIDE_LABEL,
    URL_PLACEHOLDER,
    default_first_year,
    instruction_lines,
    write_template,
)

SPEC = load_spec()
COMMITTED = templates_dir() / TEMPLATE_FILENAME
MAKE_TEMPLATE = Path(__file__).resolve().parents[1] / "scripts" / "make_template.py"
LONG_TEXT = (
    (
        "Forslaget omlægger plejen af kommunens rabatter og grønne områder fra intensiv "
        "græsslåning til naturpleje, så biodiversiteten styrkes og udgifterne falder. "
    )
    * 10
).rstrip()  # 1,549 characters


def make_config(**extra: object) -> Config:
    return Config.model_validate({"budget": {"first_year": 2020}, **extra})


def committees(*names: str) -> list[dict[str, str]]:
    return [{"name": name, "prefix": "ABCDEFGHIJ"[i]} for i, name in enumerate(names)]


def written(tmp_path: Path, config: Config | None = None, **kwargs: object):
    path = write_template(tmp_path / "form.xlsx", config, **kwargs)
    return openpyxl.load_workbook(path)


def named(wb, name: str):
    """The cell a workbook-level defined name points at."""
    ((sheet, coord),) = list(wb.defined_names[name].destinations)
    return wb[sheet][coord.replace("$", "")]


def validation_at(ws, coord: str):
    found = [dv for dv in ws.data_validations.dataValidation if coord in dv.sqref]
    assert len(found) <= 1, f"several validations cover {coord}"
    return found[0] if found else None


def label_of(wb, field):
    """The label cell of a field: left of its value, or above its answer."""
    cell = named(wb, field.defined_name(1 if field.is_per_year else None))
    if field.kind in BESIDE_LABEL:
        return cell.parent.cell(cell.row, 2)
    return cell.parent.cell(cell.row - 1, cell.column)


def input_cells(wb) -> list:
    return [
        named(wb, f.defined_name(i))
        for f in SPEC.fields
        if f.kind is not FieldKind.YEARS
        for i in ([*range(1, 5)] if f.is_per_year else [None])
    ]


def test_labels_in_column_b_in_spec_order(tmp_path: Path) -> None:
    config = make_config(municipality="Vesthimmerlands Kommune")
    ws = written(tmp_path, config).active
    assert ws.title == SPEC.form.sheet_name
    assert ws["B1"].value == SPEC.form.title
    assert not any(c.value for c in ws["A"])  # a margin: no label, no value
    labels = [f.label_for("Vesthimmerlands Kommune") for f in SPEC.fields]
    column_b = [c.value for c in ws["B"] if c.value in labels]
    assert column_b == labels
    assert "Betydning for Vesthimmerlands Kommunes fokusområder:" in labels
    # short values right of their label, text answers in the row below it (both as the
    # label reader looks for them in a copied sheet)
    wb = ws.parent
    for f in SPEC.fields:
        cell = named(wb, f.defined_name(1 if f.is_per_year else None))
        assert label_of(wb, f).value == f.label_for("Vesthimmerlands Kommune")
        assert cell.column == (3 if f.kind in BESIDE_LABEL else 2), f.key


def test_defined_names_point_at_the_right_cells(tmp_path: Path) -> None:
    wb = written(tmp_path, make_config())
    expected = {f.defined_name(i) for f in SPEC.fields if f.is_per_year for i in range(1, 5)}
    expected |= {f.defined_name() for f in SPEC.fields if not f.is_per_year}
    assert set(wb.defined_names) == expected
    years = [named(wb, f"xlb_year_{i}") for i in range(1, 5)]
    amounts = [named(wb, f"xlb_amount_{i}") for i in range(1, 5)]
    assert [c.value for c in years] == [2020, 2021, 2022, 2023]
    assert [c.column for c in years] == [3, 4, 5, 6]
    assert [c.column for c in amounts] == [c.column for c in years]
    assert {c.row for c in amounts} == {years[0].row + 1}
    # one row per field, two (label, answer) for a text answer
    rows = [label_of(wb, f).row for f in SPEC.fields]
    steps = [1 if f.kind in BESIDE_LABEL else 2 for f in SPEC.fields]
    assert rows == [rows[0] + sum(steps[:i]) for i in range(len(rows))]


def test_number_of_years_follows_config(tmp_path: Path) -> None:
    config = Config.model_validate({"budget": {"first_year": 2031, "years": 2}})
    wb = written(tmp_path, config)
    assert [named(wb, f"xlb_year_{i}").value for i in (1, 2)] == [2031, 2032]
    assert "xlb_year_3" not in wb.defined_names and "xlb_amount_3" not in wb.defined_names
    # an explicit first_year wins over the configured one
    wb = written(tmp_path, config, first_year=2040)
    assert named(wb, "xlb_year_1").value == 2040


def test_kind_and_amount_validations(tmp_path: Path) -> None:
    wb = written(tmp_path, make_config())
    ws = wb.active
    kind = validation_at(ws, named(wb, "xlb_kind").coordinate)
    assert kind.type == "list" and not kind.showDropDown  # openpyxl: True would hide it
    assert kind.formula1 == '"Råderum,Ønske"'
    assert kind.showErrorMessage and kind.errorTitle and "Råderum" in kind.error
    assert kind.prompt == SPEC.field("kind").hint
    for i in range(1, 5):
        dv = validation_at(ws, named(wb, f"xlb_amount_{i}").coordinate)
        assert dv.type == "decimal" and dv.operator in (None, "between")  # between is the default
        assert (float(dv.formula1), float(dv.formula2)) == (-100_000, 100_000)
        assert dv.showErrorMessage and "1.000 kr." in dv.error and "tal" in dv.error
        assert "mellem -100.000 og 100.000" in dv.error and "kroner" in dv.error
        assert dv.errorStyle in (None, "stop") and len(dv.error) <= 255
        assert dv.prompt == SPEC.field("amounts").hint and dv.promptTitle
    assert named(wb, "xlb_amount_1").number_format == "#,##0;-#,##0"
    for dv in ws.data_validations.dataValidation:
        assert len(dv.promptTitle or "") <= 32 and len(dv.prompt or "") <= 255


def test_committee_list_only_with_configured_committees(tmp_path: Path) -> None:
    wb = written(tmp_path, make_config())
    dv = validation_at(wb.active, named(wb, "xlb_committee").coordinate)
    assert dv is None or dv.type != "list"
    config = make_config(committee=committees("Børne- og Familieudvalget", "Økonomiudvalget"))
    wb = written(tmp_path, config)
    dv = validation_at(wb.active, named(wb, "xlb_committee").coordinate)
    assert dv.type == "list"
    assert dv.formula1 == '"Børne- og Familieudvalget,Økonomiudvalget"'
    assert dv.errorTitle == "Ukendt udvalg" and dv.error
    assert wb.sheetnames == [SPEC.form.sheet_name]


def test_long_committee_list_goes_on_a_hidden_sheet(tmp_path: Path) -> None:
    names = [f"Udvalget for område nummer {i} og tilhørende opgaver" for i in range(8)]
    wb = written(tmp_path, make_config(committee=committees(*names)))
    assert wb.sheetnames[0] == SPEC.form.sheet_name and wb.active.title == SPEC.form.sheet_name
    helper = wb[wb.sheetnames[1]]
    assert helper.sheet_state == "hidden"
    assert [helper.cell(i, 1).value for i in range(1, 9)] == names
    dv = validation_at(wb.active, named(wb, "xlb_committee").coordinate)
    assert dv.type == "list" and dv.formula1 == f"{helper.title}!$A$1:$A$8"


def test_protection_and_locking(tmp_path: Path) -> None:
    wb = written(tmp_path, make_config())
    ws = wb.active
    assert ws.protection.sheet is True and not ws.protection.password
    # openpyxl reads these as "is protected": False means users may resize
    assert ws.protection.formatRows is False and ws.protection.formatColumns is False
    for cell in input_cells(wb):
        assert cell.protection.locked is False, cell.coordinate
        assert cell.fill.fgColor.rgb not in (None, "00000000")
    for f in SPEC.fields:
        assert label_of(wb, f).protection.locked is True
    assert named(wb, "xlb_year_1").protection.locked is True


def test_no_merged_cells_and_text_answers_wrap(tmp_path: Path) -> None:
    wb = written(tmp_path, make_config())
    ws = wb.active
    assert not ws.merged_cells.ranges  # Excel never fits a row to a merged cell
    for f in SPEC.fields:
        if f.kind not in BESIDE_LABEL:
            assert named(wb, f.name).alignment.wrap_text, f.key
    assert named(wb, "xlb_description").column_letter == "B"


def test_answer_rows_of_a_blank_form_grow_with_the_text(tmp_path: Path) -> None:
    """No set height (xlsxwriter would mark it custom, and Excel keep it): Excel fits the row
    to what is typed. Line breaks beside an empty answer hold its row a few lines open."""
    path = write_template(tmp_path / "form.xlsx", make_config())
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    rows = {f.key: named(wb, f.name).row for f in SPEC.fields if f.kind not in BESIDE_LABEL}
    for key, row in rows.items():
        assert ws.row_dimensions[row].height is None, key
        assert not ws.row_dimensions[row].customHeight, key
    spacer = ws.cell(rows["description"], 3)
    assert spacer.value == "\n" * 7 and spacer.alignment.wrap_text
    assert ws.cell(rows["consultation"], 3).value == "\n" * 2
    assert ws.cell(rows["subject"], 3).value is None
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    for row in rows.values():  # openpyxl's rows count from 1, as the XML's do
        row_tag = sheet.split(f'<row r="{row}" ', 1)[1].split(">", 1)[0]
        assert "ht=" not in row_tag and "customHeight" not in row_tag


def test_a_long_prefilled_description_gets_room_to_print_whole(tmp_path: Path) -> None:
    """A pre-filled form has no fitted heights yet (LibreOffice does not fit an xlsx's rows
    on opening it): its answer rows are sized to the text. Column B holds ~78 characters of
    Calibri 11 prose a line (measured in Carlito, which has Calibri's metrics)."""
    values = {"description": LONG_TEXT, "nr": "TMdr-001", "subject": "Naturpleje"}
    wb = written(tmp_path, make_config(), values=values)
    ws = wb.active
    description = named(wb, "xlb_description")
    assert description.value == LONG_TEXT and len(LONG_TEXT) >= 1500
    height = ws.row_dimensions[description.row].height
    assert 15 * math.ceil(len(LONG_TEXT) / 75) <= height <= 409  # Excel's tallest row
    assert not ws.merged_cells.ranges
    # a one-line answer keeps its row as it is
    assert ws.row_dimensions[named(wb, "xlb_subject").row].height is None


def test_amount_limit_follows_the_configuration(tmp_path: Path) -> None:
    config = make_config(budget={"first_year": 2020, "max_amount": 25_000})
    wb = written(tmp_path, config)
    dv = validation_at(wb.active, named(wb, "xlb_amount_3").coordinate)
    assert (float(dv.formula1), float(dv.formula2)) == (-25_000, 25_000)
    assert "mellem -25.000 og 25.000" in dv.error
    assert Config().budget.max_amount == 100_000


@pytest.mark.parametrize("year", [1999, 2101, 0, 20270])
def test_first_year_outside_2000_2100_is_a_usage_error(tmp_path: Path, year: int) -> None:
    with pytest.raises(UsageError, match="--first-year must be between 2000 and 2100") as exc:
        write_template(tmp_path / "form.xlsx", None, first_year=year)
    assert "\n" not in exc.value.message("da") and "2000" in exc.value.message("da")
    assert not (tmp_path / "form.xlsx").exists()
    for year in (2000, 2100):
        assert write_template(tmp_path / f"{year}.xlsx", None, first_year=year).is_file()
    configured = Config.model_validate({"budget": {"first_year": 2150}})
    with pytest.raises(UsageError, match=r"budget\.first_year must be between 2000 and 2100"):
        write_template(tmp_path / "form.xlsx", configured)


def test_instructions_send_departments_to_the_web_page(tmp_path: Path) -> None:
    assert any(URL_PLACEHOLDER in line for line in SPEC.form.instructions)

    def instructions(config: Config) -> str:
        ws = written(tmp_path, config).active
        return "\n".join(str(c.value) for c in ws["B"] if c.value)

    generic = instructions(make_config())
    assert "xlbudget validate" not in generic and URL_PLACEHOLDER not in generic
    assert "aflever det på Økonomis hjemmeside for budgetforslag." in generic
    url = "https://budget.himmerby.dk/"
    with_url = instructions(make_config(serve={"public_url": url}))
    assert f"på Økonomis hjemmeside for budgetforslag ({url})." in with_url
    assert "xlbudget validate" not in with_url
    lines = instruction_lines(SPEC, make_config(serve={"public_url": url}))
    assert sum(url in line for line in lines) == 1
    assert instruction_lines(SPEC, make_config(serve={"public_url": "  "})) == instruction_lines(
        SPEC, make_config()
    )


def test_instructions_below_the_form_and_print_setup(tmp_path: Path) -> None:
    config = make_config()
    ws = written(tmp_path, config).active
    last_form_row = named(ws.parent, "xlb_rate_change").row
    column_b = {c.value: c.row for c in ws["B"] if c.value}
    for text in (*instruction_lines(SPEC, config), SPEC.form.unit_note):
        assert column_b[text] > last_form_row + 1
    assert ws.cell(last_form_row + 1, 2).value is None
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToHeight == 0 and ws.page_setup.fitToWidth in (None, 1)
    assert ws.print_area == f"'{ws.title}'!$A$1:$F${max(column_b.values())}"
    assert ws.freeze_panes is None


def test_values_fill_the_named_cells(tmp_path: Path) -> None:
    values = {
        "kind": "Ønske",
        "nr": "BFdr-001",
        "years": [1999, 2000],  # ignored: years come from the configuration
        "amounts": [800, -250.5, "+800"],
        "accounts": "03.22.01 Folkeskoler",
        "description": "=not a formula",
    }
    wb = written(tmp_path, make_config(), values=values)
    assert named(wb, "xlb_kind").value == "Ønske"
    assert named(wb, "xlb_nr").value == "BFdr-001"
    assert named(wb, "xlb_year_1").value == 2020
    amounts = [named(wb, f"xlb_amount_{i}").value for i in range(1, 5)]
    assert amounts == [800, -250.5, "+800", None]
    assert named(wb, "xlb_accounts").value == "03.22.01 Folkeskoler"
    assert named(wb, "xlb_description").data_type == "s"
    assert named(wb, "xlb_committee").value is None
    with pytest.raises(ValueError, match="nonsense"):
        write_template(tmp_path / "x.xlsx", None, values={"nonsense": 1})


def test_same_inputs_same_bytes(tmp_path: Path) -> None:
    config = make_config(committee=committees("Økonomiudvalget"))
    a = write_template(tmp_path / "a.xlsx", config, values={"nr": "ØKdr-001"})
    b = write_template(tmp_path / "b.xlsx", config, values={"nr": "ØKdr-001"})
    assert a.read_bytes() == b.read_bytes()
    c = write_template(tmp_path / "c.xlsx", config, values={"nr": "ØKdr-002"})
    assert c.read_bytes() != a.read_bytes()
    assert not list(tmp_path.glob(".*.tmp"))


def test_default_first_year() -> None:
    assert default_first_year(None) == dt.date.today().year + 1
    assert default_first_year(Config()) == dt.date.today().year + 1
    assert default_first_year(make_config()) == 2020


def test_importing_the_module_stays_light() -> None:
    code = "import sys, xlbudget.template; print('xlsxwriter' in sys.modules, 'openpyxl' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def normalised_parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {
            name: ET.canonicalize(archive.read(name).decode("utf-8"), strip_text=True)
            for name in sorted(archive.namelist())
        }


def test_committed_template_is_in_step_with_the_writer(tmp_path: Path) -> None:
    """templates/budgetalternativ-drift.xlsx is scripts/make_template.py's output, byte for
    byte: the built-in defaults and a fixed first year, so the calendar never stales it."""
    assert COMMITTED.is_file(), "run python scripts/make_template.py"
    fresh = tmp_path / TEMPLATE_FILENAME
    subprocess.run(
        [sys.executable, str(MAKE_TEMPLATE), "--out", str(fresh)], check=True, capture_output=True
    )
    if COMMITTED.read_bytes() != fresh.read_bytes():
        committed, regenerated = normalised_parts(COMMITTED), normalised_parts(fresh)
        stale = sorted(set(committed) ^ set(regenerated))
        stale += [name for name in committed if committed[name] != regenerated.get(name)]
        pytest.fail(
            f"{COMMITTED.name} is out of date ({', '.join(stale) or 'zip bytes'}); "
            "regenerate it with python scripts/make_template.py"
        )
    wb = openpyxl.load_workbook(COMMITTED)
    assert [named(wb, f"xlb_year_{i}").value for i in range(1, 5)] == [2027, 2028, 2029, 2030]
    instructions = "\n".join(str(c.value) for c in wb.active["B"] if c.value)
    assert "hjemmeside for budgetforslag." in instructions  # no address configured


FILLED = {
    "kind": "Råderum",
    "nr": "TMdr-001",
    "committee": "Teknik- og Miljøudvalget",
    "department": "Vej og Park",
    "amounts": [-250, -500, -500, -500],
    "subject": "Naturpleje i stedet for græsslåning",
    "accounts": "00.28.20 Grønne områder og naturpladser",
    "description": LONG_TEXT,
    "key_figures": "412 kr. pr. indbygger mod 356 kr. på landsplan.",
    "focus_areas": "Vores natur.",
    "development_goals": "Natur- og biodiversitetspolitikken.",
    "other_areas": "Ingen.",
    "service_consequences": "Højere græs i rabatterne.",
    "staff_consequences": "0,8 årsværk ved naturlig afgang.",
    "consultation": "MED-udvalget for Vej og Park.",
    "rate_change": "Ingen.",
}


@pytest.mark.parametrize("names", [True, False], ids=["by-names", "by-labels"])
def test_every_field_of_a_filled_template_is_read(tmp_path: Path, names: bool) -> None:
    """By the defined names, and by the labels alone (a sheet copied without its names)."""
    from xlbudget.pipeline import read_form

    config = make_config(committee=[{"name": "Teknik- og Miljøudvalget", "prefix": "TM"}])
    path = write_template(tmp_path / "form.xlsx", config, values=FILLED)
    if not names:
        wb = openpyxl.load_workbook(path)
        for name in list(wb.defined_names):
            del wb.defined_names[name]
        wb.save(path)
    result = read_form(path, config)
    assert not result.issues, result.issues
    proposal = result.proposal.model_dump()
    assert proposal["amounts"] == dict(zip(range(2020, 2024), FILLED["amounts"], strict=True))
    assert proposal["accounts"][0]["code"] == "00.28.20"
    assert proposal["kind"] == "Råderum"
    for key in SPEC.keys:
        if key not in ("kind", "amounts", "accounts", "years"):
            assert proposal[key] == FILLED[key], key
