"""Formulas saved without results are read and computed; saved results are taken as saved."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from xlbudget.read import _parsed_sheet_formulas, read_workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _sheet_parts(path: Path) -> list[bytes]:
    with zipfile.ZipFile(path) as archive:
        return [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]


def test_openpyxl_and_xlsxwriter_formulas_are_read(tmp_path: Path) -> None:
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
        assert _parsed_sheet_formulas(part) == expected
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
