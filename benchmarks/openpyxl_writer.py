"""Forms written by openpyxl, the way a department's or an outside party's script writes them.

openpyxl writes a different package from xlsxwriter's: inline strings in every text cell,
its own styles and theme, a cell per value with its type. The benchmark's second corpus
(`bench.py --writer openpyxl`) is the same proposals in the reference layout written this
way, through make_samples' own form writer, which only needs a worksheet with xlsxwriter's
write_* methods: `SheetShim` gives it those, backed by an openpyxl worksheet.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter


class SheetShim:
    """The part of xlsxwriter's Worksheet that make_samples.write_form uses, on openpyxl."""

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet
        self.name = sheet.title

    def write_string(self, row: int, col: int, text: str, *_: Any) -> None:
        self.sheet.cell(row + 1, col + 1, text)

    def write_number(self, row: int, col: int, number: float, *_: Any) -> None:
        self.sheet.cell(row + 1, col + 1, number)

    def write_formula(
        self, row: int, col: int, formula: str, fmt: Any = None, value: Any = None
    ) -> None:
        self.sheet.cell(row + 1, col + 1, formula)  # openpyxl saves no result for it

    def write_blank(self, *_: Any) -> None:
        """openpyxl writes no cell for a blank without a style."""

    def merge_range(
        self, row: int, col: int, last_row: int, last_col: int, text: str, *_: Any
    ) -> None:
        self.sheet.cell(row + 1, col + 1, text)
        self.sheet.merge_cells(
            start_row=row + 1, start_column=col + 1, end_row=last_row + 1, end_column=last_col + 1
        )

    def set_column(self, first: int, last: int, width: float, *_: Any) -> None:
        for col in range(first, last + 1):
            self.sheet.column_dimensions[get_column_letter(col + 1)].width = width


class _NoFormats:
    """Stands in for make_samples' Formats: every format is None."""

    def __getattr__(self, name: str) -> None:
        return None


def write_openpyxl_form(ms: ModuleType, path: Path, sample: Any) -> None:
    """`sample` in the reference layout on sheet Ark1, written by openpyxl."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Ark1"
    ms.write_form(SheetShim(sheet), sample, _NoFormats())
    book.save(path)
