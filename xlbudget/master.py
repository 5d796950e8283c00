"""Write the master workbook: Oversigt, Udvalg, Beskrivelser, Kilder and Fejl (xlsxwriter).

The layout is the contract of DESIGN.md ("The master workbook"). Every formula carries its
computed value, every text from a form is written as a string (never as a formula or a link),
the same consolidation gives the same bytes, and the file is replaced atomically.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from xlbudget.atomic import check_target, write_atomically
from xlbudget.consolidation import Consolidation
from xlbudget.errors import OutputError
from xlbudget.export import accounts_text
from xlbudget.models import TEXT_FIELDS, Amount

# A fixed creation time: the same inputs give byte-identical files.
CREATED = dt.datetime(2000, 1, 1)
MAX_TEXT = 32_767  # Excel's limit for one cell
AMOUNT_FORMAT = "#,##0;[Red]-#,##0"
FRACTION_FORMAT = "#,##0.0##;[Red]-#,##0.0##"
KINDS = ("Råderum", "Ønske")
STATUS_DA = {"included": "medtaget", "left-out": "udeladt", "duplicate": "dublet"}
SEVERITY_DA = {"error": "fejl", "warning": "advarsel"}
SHORT_LABELS = {"kind": "Type", "years": "Budgetår", "amounts": "Budgetændring"}

# Oversigt columns; the budget years follow the fixed ones, the source columns the years.
OVERSIGT_FIXED = [("Nr.", 12), ("Type", 10), ("Udvalg", 24), ("Afdeling", 24), ("Emne", 38)]
OVERSIGT_FIXED += [("Konti", 30)]
COL_KIND, COL_COMMITTEE, FIRST_YEAR_COL = 1, 2, len(OVERSIGT_FIXED)
YEAR_WIDTH = 11
LINE_HEIGHT = 15.0  # points per line of 11-point Calibri
MAX_ROW_HEIGHT = 409.0  # Excel's largest row height


def write_master(consolidation: Consolidation, path: Path) -> Path:
    """Write the master workbook for `consolidation` to `path`, atomically; return the path."""
    target = Path(path)
    check_target(target, (f.path for f in consolidation.files), "master workbook")
    buffer = io.BytesIO()
    try:
        _build(consolidation, buffer)
    except Exception as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise OutputError(f"{target}: cannot write the master workbook ({detail})") from exc
    return write_atomically(target, buffer.getvalue(), "master workbook")


def _build(consolidation: Consolidation, handle: IO[bytes]) -> None:
    # Imported here so that importing xlbudget (e.g. for validate) stays light.
    import xlsxwriter

    options = {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    }
    wb = xlsxwriter.Workbook(handle, options)
    wb.set_properties(
        {
            "title": "Budgetforslag – samleark",
            "author": "xlbudget",
            "comments": "Skrevet af xlbudget",
            "created": CREATED,
        }
    )
    fmt = _formats(wb)
    layout = _write_oversigt(wb.add_worksheet("Oversigt"), consolidation, fmt)
    _write_udvalg(wb.add_worksheet("Udvalg"), consolidation, layout, fmt)
    _write_beskrivelser(wb.add_worksheet("Beskrivelser"), consolidation, fmt)
    _write_kilder(wb.add_worksheet("Kilder"), consolidation, fmt)
    _write_fejl(wb.add_worksheet("Fejl"), consolidation, fmt)
    wb.close()


def _formats(wb: Any) -> dict[str, Any]:
    base = {"font_name": "Calibri", "font_size": 11}
    header = {**base, "bold": True, "bg_color": "#D9E1F2", "bottom": 1, "text_wrap": True}
    header |= {"valign": "top"}
    sub = {"bold": True, "top": 1}
    total = {"bold": True, "top": 6, "bottom": 1}
    fmt = {
        "header": wb.add_format(header),
        "year": wb.add_format({**header, "align": "right"}),
        "text": wb.add_format({**base, "valign": "top"}),
        "wrap": wb.add_format({**base, "valign": "top", "text_wrap": True}),
        "int": wb.add_format({**base, "valign": "top", "num_format": "#,##0"}),
    }
    for name, extra in (("amount", {}), ("sub", sub), ("total", total)):
        fmt[f"{name}-label"] = wb.add_format({**base, **extra, "valign": "top"})
        for suffix, number in (("", AMOUNT_FORMAT), ("-frac", FRACTION_FORMAT)):
            fmt[f"{name}{suffix}"] = wb.add_format(
                {**base, **extra, "valign": "top", "num_format": number}
            )
    return fmt


def _amount_format(fmt: dict[str, Any], style: str, value: Amount) -> Any:
    return fmt[style if float(value).is_integer() else f"{style}-frac"]


def _text(value: object) -> str:
    """Form text as it goes into a cell: a string, cut to Excel's limit."""
    return "" if value is None else str(value)[:MAX_TEXT]


def _put(ws: Any, row: int, col: int, value: object, cell_format: Any) -> None:
    """Write text as a string (never a formula, number or link); nothing becomes a blank cell."""
    text = _text(value)
    if text:
        ws.write_string(row, col, text, cell_format)
    else:
        ws.write_blank(row, col, None, cell_format)


def _height(cells: list[tuple[object, float]]) -> float | None:
    """A row height (points) that shows every wrapped text in full; None for one line.

    Neither LibreOffice nor Excel reliably fits the height of wrapped rows in a written file,
    so it is estimated: about 1.15 characters per unit of column width, 15 points a line.
    """
    lines = 1
    for value, width in cells:
        per_line = max(1.0, width * 1.15)
        text = _text(value)
        if len(text) <= per_line and "\n" not in text:
            continue
        lines = max(lines, sum(math.ceil(max(len(p), 1) / per_line) for p in text.split("\n")))
    return None if lines == 1 else min(LINE_HEIGHT * lines, MAX_ROW_HEIGHT)


def _num(value: float) -> Amount:
    return int(value) if float(value).is_integer() else round(value, 6)


@dataclass
class _Layout:
    """Where Oversigt put its data, for the formulas of the Udvalg sheet."""

    first_row: int  # 0-based, first proposal row
    last_row: int  # 0-based, last row of the last committee block (its subtotal)
    has_data: bool


def _write_oversigt(ws: Any, c: Consolidation, fmt: dict[str, Any]) -> _Layout:
    from xlsxwriter.utility import xl_rowcol_to_cell

    years = c.years
    source_col = FIRST_YEAR_COL + len(years)
    columns = [*OVERSIGT_FIXED, *((None, YEAR_WIDTH) for _ in years)]
    columns += [("Kilde fil", 40), ("Kilde celle", 14)]
    for col, (title, width) in enumerate(columns):
        ws.set_column(col, col, width)
        if title is not None:
            ws.write_string(0, col, title, fmt["header"])
    for i, year in enumerate(years):
        ws.write_number(0, FIRST_YEAR_COL + i, year, fmt["year"])

    def column_range(col: int, first: int, last: int) -> str:
        return f"{xl_rowcol_to_cell(first, col)}:{xl_rowcol_to_cell(last, col)}"

    row = 1
    for group in c.groups:
        first = row
        for entry in group.entries:
            p = entry.proposal
            texts = [p.nr, p.kind, group.committee, p.department, p.subject]
            texts.append(accounts_text(p.accounts))
            for col, value in enumerate(texts):
                _put(ws, row, col, value, fmt["wrap" if col >= 2 else "text"])
            height = _height([(v, OVERSIGT_FIXED[col][1]) for col, v in enumerate(texts)])
            for i, year in enumerate(years):
                amount = p.amounts.get(year)
                if amount is None:
                    ws.write_blank(row, FIRST_YEAR_COL + i, None, fmt["amount"])
                else:
                    ws.write_number(
                        row, FIRST_YEAR_COL + i, amount, _amount_format(fmt, "amount", amount)
                    )
            _put(ws, row, source_col, entry.source.path, fmt["text"])
            _put(ws, row, source_col + 1, p.cells.get("nr"), fmt["text"])
            ws.set_row(row, height, None, {"level": 1})
            row += 1
        _total_row(
            ws,
            row,
            f"I alt {group.committee}",
            "sub",
            years,
            fmt,
            group.totals,
            lambda col, first=first, last=row - 1: column_range(col, first, last),
        )
        row += 1
    last = row - 1
    has_data = last >= 1
    _total_row(
        ws,
        row,
        "I alt, alle udvalg",
        "total",
        years,
        fmt,
        c.totals,
        (lambda col: column_range(col, 1, last)) if has_data else None,
    )

    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(last, 0), source_col + 1)
    ws.outline_settings(True, True, False, False)
    _page_setup(ws, "Budgetforslag – oversigt", fit_width=True)
    ws.print_area(0, 0, row, source_col - 1 if years else FIRST_YEAR_COL - 1)
    return _Layout(first_row=1, last_row=last, has_data=has_data)


def _total_row(
    ws: Any,
    row: int,
    label: str,
    style: str,
    years: list[int],
    fmt: dict[str, Any],
    totals: dict[int, Amount],
    rng: Any,
) -> None:
    """A subtotal or grand-total row: label in column A, SUBTOTAL(9, …) per year."""
    for col in range(FIRST_YEAR_COL):
        ws.write_blank(row, col, None, fmt[f"{style}-label"])
    ws.write_string(row, 0, _text(label), fmt[f"{style}-label"])
    for i, year in enumerate(years):
        col = FIRST_YEAR_COL + i
        value = totals.get(year, 0)
        cell_fmt = _amount_format(fmt, style, value)
        if rng is None:
            ws.write_number(row, col, value, cell_fmt)
        else:
            ws.write_formula(row, col, f"=SUBTOTAL(9,{rng(col)})", cell_fmt, value)


def _criterion(text: str) -> str:
    """A SUMIFS criterion that matches exactly `text`: = prefix, wildcards escaped, quoted."""
    escaped = text.replace("~", "~~").replace("*", "~*").replace("?", "~?")
    return '"=' + escaped.replace('"', '""') + '"'


def _write_udvalg(ws: Any, c: Consolidation, layout: _Layout, fmt: dict[str, Any]) -> None:
    """Three blocks (Råderum, Ønske, Netto): committee × year, live formulas on Oversigt."""
    from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

    years = c.years
    committees = [g.committee for g in c.groups]
    ws.set_column(0, 0, 36)
    ws.set_column(1, max(len(years), 1), YEAR_WIDTH + 1)
    first, last = layout.first_row + 1, layout.last_row + 1  # 1-based for A1 references

    def over(col: int) -> str:
        name = xl_col_to_name(col)
        return f"Oversigt!${name}${first}:${name}${last}"

    # SUMIFS compares text without regard to case; the cached values do the same.
    sums: dict[tuple[str, str | None, int], float] = defaultdict(float)
    for entry in c.entries:
        key = (entry.proposal.committee or "").casefold()
        for year, amount in entry.proposal.amounts.items():
            sums[(key, entry.proposal.kind, year)] += amount

    def cached(committee: str, kind: str, year: int) -> Amount:
        return _num(sums.get((committee.casefold(), kind, year), 0))

    values: dict[tuple[str, int], list[Amount]] = {}
    block_rows: dict[str, int] = {}  # first committee row (0-based) of each block
    row = 0
    for block in (*KINDS, "Netto"):
        ws.write_string(row, 0, block, fmt["header"])
        for i, year in enumerate(years):
            ws.write_number(row, 1 + i, year, fmt["year"])
        row += 1
        block_rows[block] = row
        for k, committee in enumerate(committees):
            _put(ws, row, 0, committee, fmt["wrap"])
            for i, year in enumerate(years):
                if block == "Netto":
                    parts = [values[(kind, year)][k] for kind in KINDS]
                    value = _num(sum(parts))
                    refs = [xl_rowcol_to_cell(block_rows[kind] + k, 1 + i) for kind in KINDS]
                    formula = "=" + "+".join(refs)
                else:
                    value = cached(committee, block, year)
                    who = _criterion(committee) if len(committee) < 250 else f"$A{row + 1}"
                    type_col, committee_col = over(COL_KIND), over(COL_COMMITTEE)
                    formula = (
                        f"=SUMIFS({over(FIRST_YEAR_COL + i)},{committee_col},{who},"
                        f'{type_col},"{block}")'
                    )
                values.setdefault((block, year), []).append(value)
                cell_fmt = _amount_format(fmt, "amount", value)
                if layout.has_data:
                    ws.write_formula(row, 1 + i, formula, cell_fmt, value)
                else:
                    ws.write_number(row, 1 + i, value, cell_fmt)
            row += 1
        for col in range(1 + len(years)):
            ws.write_blank(row, col, None, fmt["total-label"])
        ws.write_string(row, 0, "I alt", fmt["total-label"])
        for i, year in enumerate(years):
            value = _num(sum(values.get((block, year), [])))
            cell_fmt = _amount_format(fmt, "total", value)
            if committees:
                top = xl_rowcol_to_cell(block_rows[block], 1 + i)
                bottom = xl_rowcol_to_cell(row - 1, 1 + i)
                ws.write_formula(row, 1 + i, f"=SUM({top}:{bottom})", cell_fmt, value)
            else:
                ws.write_number(row, 1 + i, value, cell_fmt)
        row += 2
    _page_setup(ws, "Budgetforslag – udvalg", fit_width=True)


def _short_label(key: str | None) -> str:
    """The field's label from the spec, without notes in parentheses and the colon."""
    if key is None:
        return ""
    if key in SHORT_LABELS:
        return SHORT_LABELS[key]
    from xlbudget.spec import load_spec

    try:
        label = load_spec().field(key).label_for(None)
    except KeyError:
        return key
    return label.split(" (")[0].rstrip(": ")


def _write_beskrivelser(ws: Any, c: Consolidation, fmt: dict[str, Any]) -> None:
    headers = [("Nr.", 12), ("Emne", 30), *((_short_label(k), 50) for k in TEXT_FIELDS)]
    widths = [width for _, width in headers]
    for col, (title, width) in enumerate(headers):
        ws.set_column(col, col, width)
        ws.write_string(0, col, title, fmt["header"])
    ws.set_row(0, _height([(title, width) for title, width in headers]))
    for row, entry in enumerate(c.entries, start=1):
        p = entry.proposal
        values = [p.nr, p.subject, *(getattr(p, key) for key in TEXT_FIELDS)]
        for col, value in enumerate(values):
            _put(ws, row, col, value, fmt["wrap"])
        ws.set_row(row, _height(list(zip(values, widths, strict=True))))
    _table_finish(ws, len(c.entries), len(headers), freeze_cols=2)
    _page_setup(ws, "Budgetforslag – beskrivelser", fit_width=False, amounts=False)
    ws.repeat_columns(0, 1)  # every printed page shows Nr. and Emne


def _write_kilder(ws: Any, c: Consolidation, fmt: dict[str, Any]) -> None:
    headers = [("Fil", 50), ("SHA-256", 68), ("Størrelse (bytes)", 16), ("Ark", 16)]
    headers += [("Status", 12), ("Fejl", 8), ("Advarsler", 11)]
    for col, (title, width) in enumerate(headers):
        ws.set_column(col, col, width)
        ws.write_string(0, col, title, fmt["header"])
    for row, f in enumerate(c.files, start=1):
        _put(ws, row, 0, f.path, fmt["text"])
        _put(ws, row, 1, f.sha256, fmt["text"])
        if f.size is None:
            ws.write_blank(row, 2, None, fmt["int"])
        else:
            ws.write_number(row, 2, f.size, fmt["int"])
        _put(ws, row, 3, f.sheet, fmt["text"])
        _put(ws, row, 4, STATUS_DA.get(c.status.get(f.path, ""), ""), fmt["text"])
        ws.write_number(row, 5, len(f.errors), fmt["int"])
        ws.write_number(row, 6, len(f.warnings), fmt["int"])
    _table_finish(ws, len(c.files), len(headers), freeze_cols=1)
    _page_setup(ws, "Budgetforslag – kilder", fit_width=True, amounts=False)


def _write_fejl(ws: Any, c: Consolidation, fmt: dict[str, Any]) -> None:
    headers = [("Fil", 40), ("Celle", 14), ("Felt", 22), ("Alvor", 10), ("Kode", 24)]
    headers += [("Besked", 90)]
    for col, (title, width) in enumerate(headers):
        ws.set_column(col, col, width)
        ws.write_string(0, col, title, fmt["header"])
    row = 0
    for f in c.files:
        for issue in f.issues:
            row += 1
            values = [f.path, issue.cell, _short_label(issue.field)]
            values += [SEVERITY_DA.get(issue.severity, issue.severity), issue.code, issue.message]
            for col, value in enumerate(values):
                _put(ws, row, col, value, fmt["wrap" if col == 5 else "text"])
            ws.set_row(row, _height([(issue.message, headers[5][1])]))
    _table_finish(ws, row, len(headers), freeze_cols=0)
    _page_setup(ws, "Budgetforslag – fejl og advarsler", fit_width=True, amounts=False)


def _table_finish(ws: Any, rows: int, cols: int, freeze_cols: int) -> None:
    ws.freeze_panes(1, freeze_cols)
    ws.autofilter(0, 0, rows, cols - 1)


def _page_setup(ws: Any, title: str, fit_width: bool, amounts: bool = True) -> None:
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.repeat_rows(0)
    ws.set_header(f"&L&B{title}" + ("&R&8Beløb i 1.000 kr." if amounts else ""))
    ws.set_footer("&L&8&F&RSide &P af &N")
    if fit_width:
        ws.fit_to_pages(1, 0)
