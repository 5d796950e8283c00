"""The master's column-wise cell writing gives the bytes of the row-by-row writing."""

from __future__ import annotations

import contextlib
import io
from typing import Any

import pytest

from xlbudget.master_xlsx import (
    MAX_TEXT,
    _Cells,
    _column_lines,
    _lines_height,
    _si_elements,
)

from .forms import master_sheet_parts

ROWS = {
    "one shape": [["a", "b", 1, 2.5, "c"], ["b", "d", 3, 4.0, "a"], ["e", "a", 5, 6.25, "b"]],
    "empty texts and blanks": [
        ["a", "", None, 1, "b"],
        ["", "c", 2, None, "a"],
        ["a", "", 3, 4.5, ""],
    ],
    "long text: row by row": [["a", "x" * (MAX_TEXT // 2 + 1), 1, 2, "b"], ["c", "d", 3, 4, "e"]],
    "not finite: row by row": [["a", "b", 1, float("nan"), "c"], ["d", "e", 2, 3, "f"]],
    "a bool: row by row": [["a", "b", True, 1, "c"], ["d", "e", 2, 3, "f"]],
    "mixed column: row by row": [["a", 1, 2, 3, "b"], ["c", "d", 4, 5, "e"]],
}


@pytest.mark.parametrize("name", ROWS)
@pytest.mark.parametrize("varying", [False, True])
def test_block_writes_what_row_writes(name: str, varying: bool) -> None:
    rows = ROWS[name]

    def formats_of(formats: list[Any], row: int) -> list[Any]:
        # with `varying`, column 3's format differs from row to row
        return [formats[(col + (row if varying and col == 3 else 0)) % 2] for col in range(5)]

    def before(ws: Any, formats: list[Any]) -> None:
        ws.write_string(0, 0, "b", formats[0])  # a string numbered before the rows
        cells = _Cells(ws)
        with contextlib.suppress(TypeError):  # nan: xlsxwriter refuses it, the rest is not written
            for row, values in enumerate(rows, start=2):
                cells.row(row, list(values), formats_of(formats, row - 2))
        cells.finish()

    def at_once(ws: Any, formats: list[Any]) -> None:
        ws.write_string(0, 0, "b", formats[0])
        cells = _Cells(ws)
        columns = [list(column) for column in zip(*rows, strict=True)]
        per_row = [formats_of(formats, row) for row in range(len(rows))]
        column_formats: list[Any] = [formats[col % 2] for col in range(5)]
        if varying:
            column_formats[3] = [f[3] for f in per_row]
        with contextlib.suppress(TypeError):
            cells.block(2, columns, column_formats)
        cells.finish()

    assert master_sheet_parts(at_once) == master_sheet_parts(before)


TEXTS = ["", "kort", "x" * 40, "y" * 130, "a\nb", "\n\n", "l" * 70 + "\n" + "m" * 5, "z" * 20_000]


def test_column_lines_and_heights_match_lines_height() -> None:
    widths = [12.0, 50.0]
    per_lines = [max(1.0, w * 1.15) for w in widths]
    rows = [(a, b) for a in TEXTS for b in TEXTS]
    columns = [[a for a, _ in rows], [b for _, b in rows]]
    lines = _column_lines(columns, per_lines)
    assert lines is not None
    heights = [_lines_height(list(row), per_lines) for row in rows]
    for n, height in zip(lines, heights, strict=True):
        assert height == (None if n == 1 else min(15.0 * n, 409.0))
    assert _column_lines([["a", "bc"], ["", "d"]], per_lines) is None

    def before(ws: Any, formats: list[Any]) -> None:
        cells = _Cells(ws)
        for row, height in enumerate(heights, start=1):
            cells.row(row, ["a"], [formats[0]])
            cells.row_height(row, height, level=1)
        cells.finish()

    def at_once(ws: Any, formats: list[Any]) -> None:
        cells = _Cells(ws)
        cells.block(1, [["a"] * len(rows)], [formats[0]])
        cells.heights(1, len(rows), lines, level=1)
        cells.finish()

    assert master_sheet_parts(at_once) == master_sheet_parts(before)


def test_shared_strings_are_xlsxwriters_as_plain_text() -> None:
    from xlsxwriter.sharedstrings import SharedStrings, SharedStringTable

    strings = ["plain", " lead", "trail ", "\ttab", "a & b < c > d", "_x0041_ kept", "ctl\x01\x1f"]
    strings += ["\x0b edge", "nl\n", "\ufffe\uffff", "ﬁ ü ø", "", "\u00a0nbsp", "\u2028"]
    for chosen in (strings, [*strings, "with \ue000 separator"]):
        table = SharedStringTable()
        for string in chosen:
            table._get_shared_string_index(string)
        table._sort_string_data()
        sst = SharedStrings()
        sst.string_table = table
        sst.fh = io.StringIO()
        sst._write_sst_strings()
        assert _si_elements(chosen) == sst.fh.getvalue()
