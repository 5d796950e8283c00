"""The written proposal form: layout, defined names, validations, protection, determinism."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlbudget.config import Config
from xlbudget.spec import TEMPLATE_FILENAME, FieldKind, load_spec, templates_dir
from xlbudget.template import default_first_year, write_template

SPEC = load_spec()
COMMITTED = templates_dir() / TEMPLATE_FILENAME


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


def input_cells(wb) -> list:
    return [
        named(wb, f.defined_name(i))
        for f in SPEC.fields
        if f.kind is not FieldKind.YEARS
        for i in ([*range(1, 5)] if f.is_per_year else [None])
    ]


def test_labels_in_column_a_in_spec_order(tmp_path: Path) -> None:
    config = make_config(municipality="Vesthimmerlands Kommune")
    ws = written(tmp_path, config).active
    assert ws.title == SPEC.form.sheet_name
    assert ws["A1"].value == SPEC.form.title
    column_a = [c.value for c in ws["A"] if c.value is not None]
    labels = [f.label_for("Vesthimmerlands Kommune") for f in SPEC.fields]
    start = column_a.index(labels[0])
    assert column_a[start : start + len(labels)] == labels
    assert "Betydning for Vesthimmerlands Kommunes fokusområder:" in labels
    # each label sits on the row of its own input cell
    wb = ws.parent
    for f in SPEC.fields:
        cell = named(wb, f.defined_name(1 if f.is_per_year else None))
        assert ws.cell(cell.row, 1).value == f.label_for("Vesthimmerlands Kommune")
        assert cell.column == 2


def test_defined_names_point_at_the_right_cells(tmp_path: Path) -> None:
    wb = written(tmp_path, make_config())
    expected = {f.defined_name(i) for f in SPEC.fields if f.is_per_year for i in range(1, 5)}
    expected |= {f.defined_name() for f in SPEC.fields if not f.is_per_year}
    assert set(wb.defined_names) == expected
    years = [named(wb, f"xlb_year_{i}") for i in range(1, 5)]
    amounts = [named(wb, f"xlb_amount_{i}") for i in range(1, 5)]
    assert [c.value for c in years] == [2020, 2021, 2022, 2023]
    assert [c.column for c in years] == [2, 3, 4, 5]
    assert [c.column for c in amounts] == [c.column for c in years]
    assert {c.row for c in amounts} == {years[0].row + 1}
    rows = [named(wb, f.defined_name(1 if f.is_per_year else None)).row for f in SPEC.fields]
    assert rows == list(range(rows[0], rows[0] + len(rows)))


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
        assert (float(dv.formula1), float(dv.formula2)) == (-10_000_000, 10_000_000)
        assert dv.showErrorMessage and "1.000 kr." in dv.error and "tal" in dv.error
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
        label = ws.cell(named(wb, f.defined_name(1 if f.is_per_year else None)).row, 1)
        assert label.protection.locked is True
    assert named(wb, "xlb_year_1").protection.locked is True


def test_text_cells_merged_and_wrapped(tmp_path: Path) -> None:
    wb = written(tmp_path, make_config())
    ws = wb.active
    merged = {str(r) for r in ws.merged_cells.ranges}
    for key in ("description", "consultation", "accounts", "subject"):
        cell = named(wb, SPEC.field(key).name)
        assert f"B{cell.row}:E{cell.row}" in merged
        assert cell.alignment.wrap_text
    assert ws.row_dimensions[named(wb, "xlb_description").row].height >= 100
    kind = named(wb, "xlb_kind")
    assert not any(kind.coordinate in r for r in ws.merged_cells.ranges)


def test_instructions_below_the_form_and_print_setup(tmp_path: Path) -> None:
    ws = written(tmp_path, make_config()).active
    last_form_row = named(ws.parent, "xlb_rate_change").row
    column_a = {c.value: c.row for c in ws["A"] if c.value}
    for text in (*SPEC.form.instructions, SPEC.form.unit_note):
        assert column_a[text] > last_form_row + 1
    assert ws.cell(last_form_row + 1, 1).value is None
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToHeight == 0 and ws.page_setup.fitToWidth in (None, 1)
    assert ws.print_area == f"'{ws.title}'!$A$1:$E${max(column_a.values())}"
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
    assert COMMITTED.is_file(), f"regenerate {COMMITTED} with write_template"
    first_year = named(openpyxl.load_workbook(COMMITTED), "xlb_year_1").value
    fresh = write_template(tmp_path / TEMPLATE_FILENAME, None, first_year=first_year)
    committed, regenerated = normalised_parts(COMMITTED), normalised_parts(fresh)
    assert sorted(committed) == sorted(regenerated)
    stale = [name for name in committed if committed[name] != regenerated[name]]
    assert not stale, (
        f"{COMMITTED.name} is out of date ({', '.join(stale)}); regenerate it with "
        f"write_template(Path('templates/{TEMPLATE_FILENAME}'), None, first_year={first_year})"
    )
