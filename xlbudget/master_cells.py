"""What the master's sheets share: formats, text cells, row heights, page set-up (xlsxwriter).

Text from a form is always written with `write_string`, never as a formula, number or link.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from xlbudget.consolidation import Consolidation
from xlbudget.decisions import Decision
from xlbudget.models import Amount

AMOUNT_FORMAT = "#,##0;[Red]-#,##0"
FRACTION_FORMAT = "#,##0.0##;[Red]-#,##0.0##"
KINDS = ("Råderum", "Ønske")
# Oversigt columns; the budget years follow the fixed ones, the source columns the years.
OVERSIGT_FIXED = [("Nr.", 12), ("Type", 10), ("Udvalg", 24), ("Afdeling", 24), ("Emne", 38)]
OVERSIGT_FIXED += [("Konti", 30)]
INPUT = "#FFF2CC"  # the template's input yellow: cells the finance office fills in
CHANGED_FILL = "#FCE4D6"
SHORT_FILL, SHORT_FONT = "#FFC7CE", "#9C0006"  # a target not met: Excel's "bad" red
WARNED = "#FFEB9C"  # the amounts of a proposal with warnings: amber, seen where totals are read
COL_KIND, COL_COMMITTEE, FIRST_YEAR_COL = 1, 2, len(OVERSIGT_FIXED)
YEAR_WIDTH = 11
MAX_TEXT = 32_767  # Excel's limit for one cell
TEXT_FORMAT = {"font_name": "Calibri", "font_size": 11, "valign": "top", "text_wrap": True}
TEXT = None  # a text cell takes the workbook's default format, TEXT_FORMAT
LINE_HEIGHT = 15.0  # points per line of 11-point Calibri
MAX_ROW_HEIGHT = 409.0  # Excel's largest row height


@dataclass
class Layout:
    """Where Oversigt put its data, for the formulas of the Udvalg sheet."""

    first_row: int  # 0-based, first proposal row
    last_row: int  # 0-based, last row of the last committee block (its subtotal)
    has_data: bool
    med_col: int = 0  # the Med column
    decisions: list[Decision] | None = None  # each entry's, in master order


def formats(wb: Any) -> dict[str, Any]:
    """The formats of what is not plain text (TEXT, the default): headers, amounts, totals."""
    base = TEXT_FORMAT
    header = {**base, "bold": True, "bg_color": "#D9E1F2", "bottom": 1, "text_wrap": True}
    header |= {"valign": "top"}
    sub = {"bold": True, "top": 1}
    total = {"bold": True, "top": 6, "bottom": 1}
    fmt = {
        "header": wb.add_format(header),
        "year": wb.add_format({**header, "align": "right"}),
        "note": wb.add_format({**base, "italic": True, "text_wrap": False}),
        "input": wb.add_format({**base, "bg_color": INPUT, "border": 1, "border_color": "#BFBFBF"}),
        "input-med": wb.add_format(
            {**base, "bg_color": INPUT, "border": 1, "border_color": "#BFBFBF", "align": "center"}
        ),
        "changed": wb.add_format({**base, "bg_color": CHANGED_FILL}),
        "short": wb.add_format({"bg_color": SHORT_FILL, "font_color": SHORT_FONT}),
    }
    for name, extra in (
        ("amount", {}),
        ("warned", {"bg_color": WARNED}),
        ("sub", sub),
        ("total", total),
    ):
        # a subtotal's label runs on over the blank cells to its right, never wrapped
        fmt[f"{name}-label"] = wb.add_format({**base, **extra, "text_wrap": False})
        for suffix, number in (("", AMOUNT_FORMAT), ("-frac", FRACTION_FORMAT)):
            fmt[f"{name}{suffix}"] = wb.add_format(
                {**base, **extra, "valign": "top", "num_format": number}
            )
    return fmt


def amount_format(fmt: dict[str, Any], style: str, value: Amount) -> Any:
    """The style's format for an amount: whole thousands, or with the decimals it has."""
    return fmt[style if float(value).is_integer() else f"{style}-frac"]


def cell_text(value: object) -> str:
    """Form text as it goes into a cell: a string, cut to Excel's limit."""
    return "" if value is None else str(value)[:MAX_TEXT]


def put(ws: Any, row: int, col: int, value: object, cell_format: Any = TEXT) -> None:
    """Text as a string (never a formula, number or link); nothing becomes a blank cell."""
    text = cell_text(value)
    if text:
        ws.write_string(row, col, text, cell_format)
    elif cell_format is not None:  # a blank cell without a format is no cell at all
        ws.write_blank(row, col, None, cell_format)


def put_row(ws: Any, row: int, texts: list[object], first: int = 0) -> None:
    """Texts side by side from column `first`, in the default format, each by write_string:
    a string stays a string, whatever it looks like (write_row would look at every text to
    choose how to write it, a third of the cost of a cell)."""
    for col, value in enumerate(texts, first):
        text = cell_text(value)
        if text:
            ws.write_string(row, col, text)


def row_height(texts: Iterable[str], widths: Iterable[float]) -> float | None:
    """A row height (points) that shows every wrapped text in full; None for one line.

    Neither LibreOffice nor Excel reliably fits the height of wrapped rows in a written file,
    so it is estimated: about 1.15 characters per unit of column width, 15 points a line.
    """
    lines = 1
    for text, width in zip(texts, widths, strict=True):
        per_line = max(1.0, width * 1.15)
        if "\n" not in text:
            needed = math.ceil(len(text) / per_line)
        else:
            needed = sum(math.ceil(max(len(part), 1) / per_line) for part in text.split("\n"))
        if needed > lines:
            lines = needed
    return None if lines == 1 else min(LINE_HEIGHT * lines, MAX_ROW_HEIGHT)


def set_height(ws: Any, row: int, height: float | None) -> None:
    """A row's height, where it needs one (a row of one line keeps the default)."""
    if height is not None:
        ws.set_row(row, height)


def rounded(value: float) -> Amount:
    """A sum as written: an int when whole, else rounded to six decimals."""
    return int(value) if float(value).is_integer() else round(value, 6)


def headers(ws: Any, columns: list[tuple[str, float]], fmt: dict[str, Any]) -> None:
    """Row 1: each column's title in the header format, and its width."""
    for col, (heading, width) in enumerate(columns):
        ws.set_column(col, col, width)
        ws.write_string(0, col, heading, fmt["header"])


def title(c: Consolidation, what: str) -> str:
    """A sheet's title: "Budgetforslag 2020–2023, Himmerby Kommune – oversigt"."""
    years = f" {c.years[0]}–{c.years[-1]}" if c.years else ""
    where = f", {c.municipality}" if c.municipality else ""
    return f"Budgetforslag{years}{where} – {what}"


def table_finish(ws: Any, rows: int, cols: int, freeze_cols: int) -> None:
    """A list sheet's header row (and first columns) frozen, and a filter on its rows."""
    ws.freeze_panes(1, freeze_cols)
    ws.autofilter(0, 0, rows, cols - 1)


def page_setup(
    ws: Any, heading: str, fit_width: bool, amounts: bool = True, repeat: bool = True
) -> None:
    """A4 landscape, the title (and the unit) in the header, file and page in the footer."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    if repeat:
        ws.repeat_rows(0)
    ws.set_header(f"&L&B{heading}" + ("&R&8Beløb i 1.000 kr." if amounts else ""))
    ws.set_footer("&L&8&F&RSide &P af &N")
    if fit_width:
        ws.fit_to_pages(1, 0)
