"""LibreOffice recalculates the master: every formula's result equals the cached value.

LibreOffice does not recalculate xlsx files on load by default, so each run uses a fresh
profile whose registry sets Calc's OOXMLRecalcMode to 0 (always recalculate).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from xlbudget.consolidation import Consolidation
from xlbudget.master import write_master

from .libreoffice import needs_soffice, soffice_convert

pytestmark = [pytest.mark.libreoffice, needs_soffice]


def recalculated(source: Path, work: Path) -> Path:
    """`source` opened, recalculated and saved again as xlsx by headless LibreOffice."""
    return soffice_convert(source, "xlsx", work, recalculate=True)


def formula_cells(path: Path) -> list[tuple[str, str, str]]:
    wb = load_workbook(path)
    return [
        (ws.title, cell.coordinate, cell.value)
        for ws in wb
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def test_libreoffice_really_recalculates(tmp_path: Path) -> None:
    import xlsxwriter

    source = tmp_path / "wrong.xlsx"
    wb = xlsxwriter.Workbook(source)
    ws = wb.add_worksheet()
    ws.write_formula(0, 0, "=1+1", None, 5)  # a deliberately wrong cached value
    wb.close()
    assert load_workbook(source, data_only=True).active["A1"].value == 5
    out = recalculated(source, tmp_path)
    assert load_workbook(out, data_only=True).active["A1"].value == 2


def test_every_formula_recalculates_to_its_cached_value(
    tmp_path: Path, master_consolidation: Consolidation
) -> None:
    master = write_master(master_consolidation, tmp_path / "samleark.xlsx")
    cells = formula_cells(master)
    assert len(cells) > 50
    assert {sheet for sheet, _, _ in cells} == {"Oversigt", "Udvalg", "Scenarie"}
    cached = load_workbook(master, data_only=True)
    out = recalculated(master, tmp_path)
    computed = load_workbook(out, data_only=True)
    mismatches: list[Any] = []
    for sheet, ref, formula in cells:
        mine, theirs = cached[sheet][ref].value, computed[sheet][ref].value
        assert isinstance(mine, int | float), (sheet, ref, mine)
        if theirs is None or theirs != pytest.approx(mine, abs=1e-9):
            mismatches.append((sheet, ref, formula, mine, theirs))
    assert not mismatches
    # the form texts that look like formulas survive the round trip as text
    assert computed["Oversigt"]["E7"].value == '=HYPERLINK("http://x")'


def test_the_samples_master_prints_in_few_pages(tmp_path: Path) -> None:
    """Every sheet fits one A4 landscape page wide: the samples' master prints in at most 12
    pages (it was 49 with Beskrivelser spread over pages of its own)."""
    import re

    from xlbudget.api import consolidate

    samples = Path(__file__).resolve().parents[1] / "samples"
    master = write_master(consolidate([samples]), tmp_path / "samleark.xlsx")
    pdf = soffice_convert(master, "pdf", tmp_path).read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 5 <= pages <= 12
