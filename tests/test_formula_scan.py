"""Formulas read by pattern from a plain sheet part agree with the XML parser's reading."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlbudget.read import _parsed_sheet_formulas, _plain_sheet_formulas, read_workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MANY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

formula_text = st.text(alphabet="=+-*/()A1$:,. SUM\"'<>&\r\næ", max_size=30)
escaped = formula_text.map(
    lambda t: t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
) | st.sampled_from(["1&#43;1", "&#x41;1*2", "&quot;a&quot;&amp;B2", "A1&#13;+1"])
cell = st.tuples(
    st.sampled_from(["A1", "C9", "$D$10", "XFD1048576", "", "ZZZZ1", "B0"]),
    st.sampled_from(["", ' s="1"', " t='str'", ' t="e" s="2"']),
    st.sampled_from(
        ["f", "f_shared_head", "f_shared_dep", "f_array", "f_empty", "v", "is", "closed"]
    ),
    escaped,
)


def _cell_xml(ref: str, attrs: str, kind: str, text: str) -> str:
    r = f' r="{ref}"' if ref else ""
    if kind == "closed":
        return f"<c{r}{attrs}/>"
    inner = {
        "f": f"<f>{text}</f><v>1</v>",
        "f_shared_head": f'<f t="shared" ref="A1:A3" si="0">{text}</f><v/>',
        "f_shared_dep": '<f t="shared" si="0"/><v>2</v>',
        "f_array": f'<f t="array" ref="B1:B2">{text}</f>',
        "f_empty": "<f></f>",
        "v": "<v>3</v>",
        "is": f"<is><t>{text}</t></is>",
    }[kind]
    return f"<c{r}{attrs}>{inner}</c>"


def _sheet(cells: list[tuple[str, str, str, str]], declaration: str) -> bytes:
    rows = "".join(f'<row r="{i + 1}">{_cell_xml(*c)}</row>' for i, c in enumerate(cells))
    return (
        f'{declaration}<worksheet xmlns="{MAIN}"><cols><col min="1" max="2"/></cols>'
        f"<sheetData>{rows}</sheetData><dataValidations><dataValidation><formula1>1</formula1>"
        "</dataValidation></dataValidations></worksheet>"
    ).encode()


@MANY
@given(
    st.lists(cell, max_size=8),
    st.sampled_from(["", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n']),
)
def test_pattern_reads_what_the_parser_reads(cells: list, declaration: str) -> None:
    data = _sheet(cells, declaration)
    plain = _plain_sheet_formulas(data)
    assert plain is not None  # these are all plain parts
    assert plain == _parsed_sheet_formulas(data)


def test_parts_that_are_not_plain_go_to_the_parser() -> None:
    body = '<sheetData><row r="1"><c r="A1"><f>1+1</f></c></row></sheetData></worksheet>'
    prefixed = f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row r="1"><x:c r="A1"><x:f>1+1</x:f></x:c></x:row></x:sheetData></x:worksheet>'
    for data in [
        prefixed.encode(),
        f'<worksheet xmlns="{MAIN}"><!-- note -->{body}'.encode(),
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><f><![CDATA[1+1]]></f></c></row></sheetData></worksheet>'.encode(),
        f'<?xml version="1.0" encoding="UTF-16"?><worksheet xmlns="{MAIN}">{body}'.encode(),
        f'<worksheet xmlns="http://purl.oclc.org/ooxml/spreadsheetml/main">{body}'.encode(),
        f'<worksheet xmlns="{MAIN}"><f>1+1</f>{body}'.encode(),  # an <f> outside any cell
    ]:
        assert _plain_sheet_formulas(data) is None, data[:60]
    assert _parsed_sheet_formulas(prefixed.encode()) == {(0, 0): "1+1"}


def _sheet_parts(path: Path) -> list[bytes]:
    with zipfile.ZipFile(path) as archive:
        return [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]


def test_openpyxl_and_xlsxwriter_sheets_are_plain_and_read_alike(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["C9"], sheet["D9"], sheet["E9"] = "=400+400", '=SUM(C9:D9)&"<kr>"', "=C9*2"
    sheet["F9"] = 800
    book.save(tmp_path / "openpyxl.xlsx")
    writer = xlsxwriter.Workbook(tmp_path / "xlsxwriter.xlsx")
    page = writer.add_worksheet("Ark1")
    page.write_formula("C9", "=400+400", None, 800)
    page.write_formula("D9", '=IF(C9>1,"a&b",0)')
    page.write_number("E9", 3)
    writer.close()
    for name, expected in [
        ("openpyxl.xlsx", {(8, 2): "400+400", (8, 3): 'SUM(C9:D9)&"<kr>"', (8, 4): "C9*2"}),
        ("xlsxwriter.xlsx", {(8, 2): "400+400", (8, 3): 'IF(C9>1,"a&b",0)'}),
    ]:
        (part,) = _sheet_parts(tmp_path / name)
        assert _plain_sheet_formulas(part) == expected == _parsed_sheet_formulas(part)
    # and the values computed from them reach the cells (openpyxl saves no results)
    cells = read_workbook(tmp_path / "openpyxl.xlsx").sheets[0].cells
    assert cells[(8, 2)] == 800 and cells[(8, 4)] == 1600


def _guard_says(tmp_path: Path, sheet_xml: str) -> bool:
    """unsaved_formulas for a workbook whose one sheet holds `sheet_xml`'s cells."""
    from tests import hostile
    from xlbudget.config import Limits
    from xlbudget.guards import check_bytes

    parts = hostile.read_parts(hostile.base_form(tmp_path))
    sheet = next(p for p in parts if p.name.startswith("xl/worksheets/"))
    data = f'<worksheet xmlns="{MAIN}"><sheetData>{sheet_xml}</sheetData></worksheet>'.encode()
    edited = [hostile.Part(p.name, data if p is sheet else p.data) for p in parts]
    form = hostile.write_zip(tmp_path / "form.xlsx", edited)
    return check_bytes(form.read_bytes(), "xlsx", Limits()).unsaved_formulas


def test_formulas_with_their_results_saved_leave_nothing_to_compute(tmp_path: Path) -> None:
    saved = '<row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1" t="str"><f>"a"</f><v>a</v></c>'
    shared = '<c r="C1"><f t="shared" ref="C1:C2" si="0">A1*2</f><v>4</v></c></row>'
    dependent = '<row r="2"><c r="C2"><f t="shared" si="0"/><v>4</v></c></row>'
    assert _guard_says(tmp_path, saved + shared + dependent) is False
    for unsaved in [
        '<row r="1"><c r="A1"><f>1+1</f><v></v></c></row>',  # openpyxl
        '<row r="1"><c r="A1"><f>1+1</f></c></row>',
        '<row r="1"><c r="A1"><f>1+1</f><v> </v></c></row>',
        '<row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1"><f>2+2</f></c></row>',
        '<row r="1"><c r="A1" t="inlineStr"><f>"a"</f><is><t>a</t></is></c></row>',
    ]:
        assert _guard_says(tmp_path, unsaved) is True, unsaved


def test_saved_results_are_taken_as_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xlbudget import read

    writer = xlsxwriter.Workbook(tmp_path / "saved.xlsx")
    page = writer.add_worksheet("Ark1")
    page.write_formula("C9", "=400+400", None, 800)
    writer.close()

    def no_formula_reading(*_: object) -> None:
        raise AssertionError("formulas read although every result was saved")

    monkeypatch.setattr(read, "_read_formulas", no_formula_reading)
    assert read_workbook(tmp_path / "saved.xlsx").sheets[0].cells[(8, 2)] == 800
