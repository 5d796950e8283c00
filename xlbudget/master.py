"""Write the master workbook: Oversigt, Udvalg, Beskrivelser, Kilder and Fejl (xlsxwriter).

The layout is the contract of DESIGN.md ("The master workbook"). Every formula carries its
computed value, every text from a form is written as a string (never as a formula or a link),
the same consolidation gives the same bytes, and the file is replaced atomically.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import itertools
import math
import operator
import os
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter
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
    check_target(target, (), "master workbook")
    if resolves_to(target.resolve(), (f.path for f in consolidation.files)):
        raise OutputError(f"{target}: is one of the input files; choose another output path")
    from xlbudget.pipeline import collector_paused

    buffer = io.BytesIO()
    try:
        with collector_paused():
            _build(consolidation, buffer)
    except Exception as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise OutputError(f"{target}: cannot write the master workbook ({detail})") from exc
    return write_atomically(target, buffer.getvalue(), "master workbook")


def resolves_to(resolved: Path, paths: Iterable[str | Path]) -> bool:
    """Whether any of `paths` is the file `resolved` (an already resolved path).

    The same answer as comparing Path(p).resolve() of each, without resolving thousands of
    paths (a system call per folder of each): resolving changes a path's last name only
    where that name is a symbolic link, ".", ".." or empty, so only those paths and the ones
    with the same last name are resolved. Links are found with one listing per folder.
    """
    name = resolved.name
    links: dict[str, frozenset[str] | None] = {}
    for path in paths:
        text = os.fspath(path)
        folder, last = os.path.split(text)
        can_be = last == name or last in ("", ".", "..") or _is_link(folder, last, text, links)
        if can_be and Path(text).resolve() == resolved:
            return True
    return False


def _is_link(folder: str, last: str, text: str, links: dict[str, frozenset[str] | None]) -> bool:
    """os.path.islink(text), for text = folder/last, from one listing of each folder."""
    if folder not in links:
        try:
            with os.scandir(folder or ".") as listing:
                links[folder] = frozenset(e.name for e in listing if e.is_symlink())
        except OSError:
            links[folder] = None  # not listable: ask for each path
    names = links[folder]
    return os.path.islink(text) if names is None else last in names


def _build(consolidation: Consolidation, handle: IO[bytes]) -> None:
    # xlsxwriter is imported in _workbook_class(), so that importing xlbudget stays light.
    options = {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    }
    wb = _workbook_class()(handle, options)
    wb.set_properties(
        {
            "title": "Budgetforslag – samleark",
            "author": "xlbudget",
            "comments": "Skrevet af xlbudget",
            "created": CREATED,
        }
    )
    fmt = _formats(wb)
    sheet = _worksheet_class()
    c = consolidation
    oversigt, udvalg = wb.add_worksheet("Oversigt", sheet), wb.add_worksheet("Udvalg", sheet)
    beskrivelser, kilder, fejl = (wb.add_worksheet(name, sheet) for name in LATER_SHEETS)
    _frame_beskrivelser(beskrivelser, c)
    _frame_kilder(kilder, c)
    _frame_fejl(fejl, c)
    layout = _write_oversigt(oversigt, c, fmt)
    _write_udvalg(udvalg, c, layout, fmt)
    _fill_beskrivelser(beskrivelser, c, fmt)
    _fill_kilder(kilder, c, fmt)
    _fill_fejl(fejl, c, fmt)
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


def _per_line(width: float) -> float:
    """Characters that fit on one line of a column `width` units wide (about 1.15 a unit)."""
    return max(1.0, width * 1.15)


def _height(cells: list[tuple[object, float]]) -> float | None:
    """A row height (points) that shows every wrapped text in full; None for one line.

    Neither LibreOffice nor Excel reliably fits the height of wrapped rows in a written file,
    so it is estimated: about 1.15 characters per unit of column width, 15 points a line.
    """
    return _lines_height([_text(v) for v, _ in cells], [_per_line(w) for _, w in cells])


def _lines_height(texts: list[str], per_lines: list[float]) -> float | None:
    """_height for texts already cut (_text) and characters per line already known."""
    lines = 1
    for text, per_line in zip(texts, per_lines, strict=True):
        if "\n" not in text:
            if len(text) <= per_line:
                continue
            needed = math.ceil(len(text) / per_line)  # one paragraph: the sum below
        else:
            needed = sum(math.ceil(max(len(p), 1) / per_line) for p in text.split("\n"))
        if needed > lines:
            lines = needed
    return None if lines == 1 else min(LINE_HEIGHT * lines, MAX_ROW_HEIGHT)


class _Texts(list[str]):
    """A column's texts as _text makes them, with the length of the longest."""

    longest = 0


def _texts(values: Iterable[object]) -> _Texts:
    """_text of each value; the values themselves when all are already str within the limit."""
    texts = _Texts(values)  # type: ignore[arg-type]
    plain = set(map(type, texts)) <= {str}
    longest = max(map(len, texts), default=0) if plain else MAX_TEXT + 1
    if longest > MAX_TEXT:
        texts = _Texts(map(_text, texts))
        longest = max(map(len, texts), default=0)
    texts.longest = longest
    return texts


def _fields(objects: list[Any], *names: str) -> list[tuple[Any, ...]]:
    """The named attributes of the objects, a tuple per name, in one pass over the objects.

    One pass, not one per attribute: reading an attribute of an object that is no longer in
    the CPU's cache costs more than the rest of the work done on it here."""
    if not objects:
        return [() for _ in names]
    if len(names) == 1:
        return [tuple(map(attrgetter(names[0]), objects))]
    return list(zip(*map(attrgetter(*names), objects), strict=True))


def _lines(text: str, per_line: float) -> int:
    """The lines `text` (already cut) wraps to at `per_line` characters a line (_lines_height)."""
    if "\n" not in text:
        return 1 if len(text) <= per_line else math.ceil(len(text) / per_line)
    return sum(math.ceil(max(len(p), 1) / per_line) for p in text.split("\n"))


def _column_lines(columns: list[list[str]], per_lines: list[float]) -> list[int] | None:
    """The lines of each row of text columns (_lines_height, row by row); None if all are 1.

    A text's lines are worked out once per distinct text of its column (the forms repeat
    many texts), and only for texts too long for a line or with a line break."""
    counts = []
    for texts, per_line in zip(columns, per_lines, strict=True):
        longest = texts.longest if isinstance(texts, _Texts) else max(map(len, texts), default=0)
        if longest <= per_line and not any(map(str.__contains__, texts, itertools.repeat("\n"))):
            continue  # every text on one line
        lines = {
            text: 1 if len(text) <= per_line and "\n" not in text else _lines(text, per_line)
            for text in dict.fromkeys(texts)
        }
        counts.append(list(map(lines.__getitem__, texts)))
    if not counts:
        return None
    return counts[0] if len(counts) == 1 else list(map(max, *counts))


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

    cells = _Cells(ws)
    per_lines = [_per_line(width) for _, width in OVERSIGT_FIXED]
    styles = [fmt["wrap" if col >= 2 else "text"] for col in range(len(OVERSIGT_FIXED))]
    whole, fraction, blank = fmt["amount"], fmt["amount-frac"], fmt["amount"]
    source_styles = [fmt["text"], fmt["text"]]
    row = 1
    for group in c.groups:
        first = row
        proposals, paths = _fields(group.entries, "proposal", "source.path")
        count = len(proposals)
        fields = ("nr", "kind", "department", "subject", "accounts", "amounts", "cells")
        nrs, kinds, departments, subjects, accounts, per_year, cells_of = _fields(
            list(proposals), *fields
        )
        texts = [
            _texts(nrs),
            _texts(kinds),
            _texts([group.committee] * count),
            _texts(departments),
            _texts(subjects),
            _texts(map(accounts_text, accounts)),
        ]
        columns: list[list[Any]] = [*texts]
        formats: list[Any] = [*styles]
        for year in years:
            amounts = list(map(operator.methodcaller("get", year), per_year))
            columns.append(amounts)
            if set(map(type, amounts)) <= {int, type(None)}:
                formats.append(whole)  # blank is whole, and a whole number's float is whole
                continue
            year_formats = [
                blank if a is None else whole if float(a).is_integer() else fraction
                for a in amounts
            ]
            # one format for the column where all are the same: fewer row shapes
            formats.append(year_formats[0] if len(set(year_formats)) == 1 else year_formats)
        columns.append(_texts(paths))
        columns.append(_texts(map(operator.methodcaller("get", "nr"), cells_of)))
        cells.block(row, columns, [*formats, *source_styles])
        cells.heights(row, count, _column_lines(texts, per_lines), level=1)
        row += count
        cells.finish()
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
    # Each committee's spelling is folded once; the amounts are added in the order of the
    # entries, in one pass over them (each entry is read once, while it is in the cache).
    sums: dict[tuple[str, str | None], defaultdict[int, float]] = {}
    folded: dict[str, str] = {}
    for entry in c.entries:
        p = entry.proposal
        committee = p.committee or ""
        key = folded.get(committee)
        if key is None:
            key = folded[committee] = committee.casefold()
        per_year = sums.get((key, p.kind))
        if per_year is None:
            per_year = sums[(key, p.kind)] = defaultdict(float)
        for year, amount in p.amounts.items():
            per_year[year] += amount

    def cached(committee: str, kind: str, year: int) -> Amount:
        per_year = sums.get((committee.casefold(), kind))
        return _num(per_year.get(year, 0) if per_year is not None else 0)

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


LATER_SHEETS = ("Beskrivelser", "Kilder", "Fejl")
BESKRIVELSER_WIDTHS = [12, 30, *(50 for _ in TEXT_FIELDS)]  # Nr., Emne, the texts
KILDER = [("Fil", 50), ("SHA-256", 68), ("Størrelse (bytes)", 16), ("Ark", 16)]
KILDER += [("Status", 12), ("Fejl", 8), ("Advarsler", 11)]
FEJL = [("Fil", 40), ("Celle", 14), ("Felt", 22), ("Alvor", 10), ("Kode", 24), ("Besked", 90)]


# The later sheets in two parts: the frame (columns, panes, filter, print setup), on which
# the workbook's defined names depend, and the cells. Neither depends on the other, so the
# cells of these sheets could be filled and written by another process (shared strings and
# xf indices renumbered after), while this one writes Oversigt and Udvalg.


def _frame_beskrivelser(ws: Any, c: Consolidation) -> None:
    for col, width in enumerate(BESKRIVELSER_WIDTHS):
        ws.set_column(col, col, width)
    _table_finish(ws, len(c.entries), len(BESKRIVELSER_WIDTHS), freeze_cols=2)
    _page_setup(ws, "Budgetforslag – beskrivelser", fit_width=False, amounts=False)
    ws.repeat_columns(0, 1)  # every printed page shows Nr. and Emne


def _fill_beskrivelser(ws: Any, c: Consolidation, fmt: dict[str, Any]) -> None:
    titles = ["Nr.", "Emne", *map(_short_label, TEXT_FIELDS)]
    headers = list(zip(titles, BESKRIVELSER_WIDTHS, strict=True))
    for col, (title, _) in enumerate(headers):
        ws.write_string(0, col, title, fmt["header"])
    ws.set_row(0, _height(headers))
    per_lines = [_per_line(width) for _, width in headers]
    cells = _Cells(ws)
    proposals = [entry.proposal for entry in c.entries]
    keys = ("nr", "subject", *TEXT_FIELDS)
    texts = list(map(_texts, _fields(proposals, *keys)))
    cells.block(1, texts, [fmt["wrap"]] * len(headers))
    cells.heights(1, len(proposals), _column_lines(texts, per_lines))
    cells.finish()


def _frame_kilder(ws: Any, c: Consolidation) -> None:
    for col, (_, width) in enumerate(KILDER):
        ws.set_column(col, col, width)
    _table_finish(ws, len(c.files), len(KILDER), freeze_cols=1)
    _page_setup(ws, "Budgetforslag – kilder", fit_width=True, amounts=False)


def _fill_kilder(ws: Any, c: Consolidation, fmt: dict[str, Any]) -> None:
    for col, (title, _) in enumerate(KILDER):
        ws.write_string(0, col, title, fmt["header"])
    cells = _Cells(ws)
    text, number = fmt["text"], fmt["int"]
    files = c.files
    paths, sha256s, sizes, sheets, issues = _fields(
        files, "path", "sha256", "size", "sheet", "issues"
    )
    none = itertools.repeat("")
    statuses = map(STATUS_DA.get, map(c.status.get, paths, none), none)
    errors = [0] * len(files)
    for k in itertools.compress(range(len(files)), issues):  # the few files with issues
        errors[k] = sum(1 for issue in issues[k] if issue.is_error)
    columns = [
        _texts(paths),
        _texts(sha256s),
        list(sizes),
        _texts(sheets),
        _texts(statuses),
        errors,
        list(map(operator.sub, map(len, issues), errors)),
    ]
    cells.block(1, columns, [text, text, number, text, text, number, number])
    cells.finish()


def _frame_fejl(ws: Any, c: Consolidation) -> None:
    for col, (_, width) in enumerate(FEJL):
        ws.set_column(col, col, width)
    _table_finish(ws, sum(len(f.issues) for f in c.files), len(FEJL), freeze_cols=0)
    _page_setup(ws, "Budgetforslag – fejl og advarsler", fit_width=True, amounts=False)


def _fill_fejl(ws: Any, c: Consolidation, fmt: dict[str, Any]) -> None:
    for col, (title, _) in enumerate(FEJL):
        ws.write_string(0, col, title, fmt["header"])
    cells = _Cells(ws)
    styles = [fmt["wrap" if col == 5 else "text"] for col in range(len(FEJL))]
    per_line = [_per_line(FEJL[5][1])]
    row = 0
    for f in c.files:
        path = _text(f.path)
        for issue in f.issues:
            row += 1
            texts = [path, _text(issue.cell), _text(_short_label(issue.field))]
            texts.append(_text(SEVERITY_DA.get(issue.severity, issue.severity)))
            texts += [_text(issue.code), _text(issue.message)]
            cells.row(row, texts, styles)
            cells.row_height(row, _lines_height(texts[5:], per_line))
    cells.finish()


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


# --- the cell table, filled and written faster than xlsxwriter's public methods do it --------
#
# xlsxwriter's write_string / write_number / write_blank / set_row check and convert their
# arguments for every cell (~5 µs each), and its XML writer goes through generic attribute
# and escaping helpers for every cell (~5 µs more): for a master of 10,000 proposals that is
# most of the time spent writing it. _Cells puts cells into the worksheet's cell table exactly
# as those methods would, and _worksheet_class() writes the table out exactly as xlsxwriter
# does, byte for byte, only with less work per cell; any cell kind or option it does not
# know it leaves to xlsxwriter's own code.


# Control characters that XML does not allow (its text never holds them): a style number's
# stand-in of one character is replaced three times faster than one of several.
_TOKENS = [chr(code) for code in range(1, 32) if chr(code) not in "\t\n\r"]


def _token(number: int) -> str:
    """The stand-in, in a sheet's XML, for the style number of the sheet's `number`th format."""
    return _TOKENS[number] if number < len(_TOKENS) else f"\0{number}\0"


_PLAIN_KINDS = frozenset((str, int, float, type(None)))
_NUMBER_KINDS = frozenset((int, float, type(None)))
_UNPLANNED = object()
_VARIES = object()  # in _Cells._shapes: differs from row to row
_LETTERS = [
    "".join(chr(65 + d) for d in digits)
    for digits in ([col] if col < 26 else [col // 26 - 1, col % 26] for col in range(26 * 27))
]


class _Cells:
    """Cells put straight into an xlsxwriter worksheet's table, as its write_* methods would."""

    def __init__(self, ws: Any) -> None:
        from xlsxwriter import worksheet

        self.ws = ws
        self.table = ws.table
        self.index = ws.str_table._get_shared_string_index
        self.string = worksheet.CellStringTuple
        self.number_cell = worksheet.CellNumberTuple
        self.blank_cell = worksheet.CellBlankTuple
        self.row_info = worksheet.RowInfo
        self.max_rows = ws.xls_rowmax
        self.letters = _LETTERS
        self.tokens: dict[Any, str] = ws.tokens
        self.strings = ws.str_table
        self.plans: dict[tuple[tuple[Any, ...], ...], tuple[Any, ...]] = {}
        self.rows: tuple[int, int] | None = None  # the first and last row written
        self.cols: tuple[int, int] | None = None  # the first and last column written

    def _used(self, row: int, col: int) -> None:
        rows, cols = self.rows, self.cols
        if rows is None or cols is None:
            self.rows, self.cols = (row, row), (col, col)
            return
        if row < rows[0] or row > rows[1]:
            self.rows = (min(rows[0], row), max(rows[1], row))
        if col < cols[0] or col > cols[1]:
            self.cols = (min(cols[0], col), max(cols[1], col))

    def text(self, row: int, col: int, text: str, cell_format: Any) -> None:
        """_put for text already cut (_text): a string, or a blank cell when empty."""
        if cell_format is None or row >= self.max_rows or len(text) > MAX_TEXT // 2:
            # no format / beyond Excel's rows: xlsxwriter drops it; long: its UTF-16 check
            _put(self.ws, row, col, text, cell_format)
            return
        if text:
            self.table[row][col] = self.string(self.index(text), cell_format)
        else:
            self.table[row][col] = self.blank_cell(cell_format)
        self._used(row, col)

    def row(self, row: int, values: list[Any], formats: list[Any]) -> None:
        """A row of cells from column 0 on: a str is text (text()), an int or float a number,
        None a blank; each with the format at its place. Written as XML here, once (see
        _worksheet_class), unless a value needs xlsxwriter's own handling."""
        if row >= self.max_rows or None in formats:
            self._cell_by_cell(row, values, formats)
            return
        # rows of the same formats, value types and empty texts share one plan
        key = (tuple(formats), tuple(map(type, values)), tuple(map(bool, values)))
        plan = self.plans.get(key, _UNPLANNED)
        if plan is _UNPLANNED:
            plan = self.plans[key] = self._plan(key)
        if plan is None:  # bools, dates, too many columns...: xlsxwriter's own way
            self._cell_by_cell(row, values, formats)
            return
        pieces, places, first_uses, last = plan
        strings = [values[col] for kind, col in places if kind is str]
        if (strings and max(map(len, strings)) > MAX_TEXT // 2) or not all(
            math.isfinite(values[col]) for kind, col in places if kind is float
        ):
            self._cell_by_cell(row, values, formats)
            return
        # the shared string table's numbering, as _get_shared_string_index gives it
        table = self.strings.string_table
        add, size = table.setdefault, table.__len__
        number = str(row + 1)
        xml = [pieces[0]]
        for piece, (kind, col) in zip(pieces[1:], places, strict=True):
            if kind is None:
                xml.append(number)
            elif kind is str:
                xml.append(str(add(values[col], size())))
            else:
                xml.append(format(values[col], ".16G"))
            xml.append(piece)
        self.strings.count += len(strings)
        self.strings.unique_count = len(table)
        self.ws.bulk[row] = ("".join(xml), first_uses, 0, last)
        self._used_rows(row, row, last)

    def block(self, first: int, columns: list[list[Any]], formats: list[Any]) -> None:
        """row() for the rows from `first` on, given column by column: each column's values,
        and its format or a list of formats, one a row.

        The strings of all the rows are numbered at once and the rows of each shape are
        put together from their plan's pieces, without Python code for each cell; rows
        that row() may write cell by cell (a long text, a number that is not finite, …)
        make it go row by row."""
        count = len(columns[0]) if columns else 0
        shapes = self._shapes(first, columns, formats) if count else None
        if shapes is None:
            for i, values in enumerate(zip(*columns, strict=True)):
                row_formats = [f[i] if isinstance(f, list) else f for f in formats]
                self.row(first + i, list(values), row_formats)
            return
        keys, plans, text_cols, empties = shapes
        # number the strings in the order of the rows and their cells (empty texts are
        # blank cells), as _get_shared_string_index would one by one; each string's
        # number as text, made once
        table = self.strings.string_table
        texts = [columns[col] for col in text_cols]
        labels: dict[str, str] = {}
        if texts:
            strings = dict.fromkeys(
                filter(None, itertools.chain.from_iterable(zip(*texts, strict=True)))
            )
            fresh = itertools.filterfalse(table.__contains__, strings)
            table.update(zip(fresh, itertools.count(len(table))))
            self.strings.count += count * len(texts) - empties
            self.strings.unique_count = len(table)
            labels = dict(zip(strings, map(str, map(table.__getitem__, strings)), strict=True))
        numbers = list(map(str, range(first + 1, first + count + 1)))
        if keys is None:  # one shape
            groups: dict[Any, list[int] | None] = {None: None}
        else:
            groups = {}
            for i, key in enumerate(keys):
                groups.setdefault(key, []).append(i)  # type: ignore[union-attr]
        last = len(columns) - 1
        bulk = self.ws.bulk
        for key, places in groups.items():
            pieces, sources, first_uses, _ = plans[key]

            def pick(values: list[Any], places: list[int] | None = places) -> list[Any]:
                return values if places is None else list(map(values.__getitem__, places))

            streams: list[Iterable[str]] = [itertools.repeat(pieces[0])]
            for piece, (kind, col) in zip(pieces[1:], sources, strict=True):
                if kind is None:
                    streams.append(pick(numbers))
                elif kind is str:
                    streams.append(map(labels.__getitem__, pick(columns[col])))
                else:
                    streams.append(map(format, pick(columns[col]), itertools.repeat(".16G")))
                streams.append(itertools.repeat(piece))
            rows = range(first, first + count) if places is None else (first + i for i in places)
            xml = map("".join, zip(*streams, strict=False))  # pieces repeat without end
            repeat = itertools.repeat
            written = zip(xml, repeat(first_uses), repeat(0), repeat(last), strict=False)
            bulk.update(zip(rows, written, strict=False))
        self._used_rows(first, first + count - 1, last)

    def _shapes(
        self, first: int, columns: list[list[Any]], formats: list[Any]
    ) -> tuple[list[tuple[Any, ...]] | None, dict[Any, tuple[Any, ...]], list[int], int] | None:
        """For block(): each row's shape (None if all have one), the plan of each shape, the
        text columns and their number of empty texts; None to go row by row."""
        if first + len(columns[0]) > self.max_rows:
            return None
        # per column its value kind, truth and format; _VARIES where rows differ, the
        # varying parts (per row) in `varying`, in that order
        fixed: list[tuple[Any, Any, Any]] = []
        varying: list[Iterable[Any]] = []
        text_cols: list[int] = []
        empties = 0
        for col, (values, cell_format) in enumerate(zip(columns, formats, strict=True)):
            # _texts has looked at each text already
            texts = isinstance(values, _Texts)
            kinds = {str} if texts else set(map(type, values))
            truth: Any = True
            if kinds == {str}:
                longest = values.longest if texts else max(map(len, values))  # type: ignore[attr-defined]
                if longest > MAX_TEXT // 2:
                    return None
                kind: Any = str
                text_cols.append(col)
                empty = values.count("")
                if empty:
                    empties += empty
                    truth = _VARIES
                    varying.append(map(bool, values))
            elif kinds <= _NUMBER_KINDS:
                if float in kinds and not all(math.isfinite(v) for v in values if type(v) is float):
                    return None
                kind = kinds.pop() if len(kinds) == 1 else _VARIES
                if kind is _VARIES:
                    varying.append(map(type, values))
            else:
                return None
            if isinstance(cell_format, list):
                if None in cell_format:
                    return None
                varying.append(cell_format)
                cell_format = _VARIES
            elif cell_format is None:
                return None
            fixed.append((kind, truth, cell_format))
        keys = list(zip(*varying, strict=True)) if varying else None
        plans: dict[Any, tuple[Any, ...]] = {}
        for key in [None] if keys is None else dict.fromkeys(keys):
            parts = iter(key or ())
            shape: list[list[Any]] = [[], [], []]  # formats, kinds, truths
            for kind, truth, cell_format in fixed:
                shape[1].append(next(parts) if kind is _VARIES else kind)
                shape[2].append(next(parts) if truth is _VARIES else truth)
                shape[0].append(next(parts) if cell_format is _VARIES else cell_format)
            whole = (tuple(shape[0]), tuple(shape[1]), tuple(shape[2]))
            plan = self.plans.get(whole, _UNPLANNED)
            if plan is _UNPLANNED:
                plan = self.plans[whole] = self._plan(whole)
            if plan is None:
                return None
            plans[key] = plan
        return keys, plans, text_cols, empties

    def _used_rows(self, first: int, last: int, last_col: int) -> None:
        """_used for cells in columns 0 to `last_col` of rows `first` to `last`."""
        rows = self.rows
        if rows is None:
            self.rows, self.cols = (first, last), (0, last_col)
            return
        if first < rows[0] or last > rows[1]:
            self.rows = (min(rows[0], first), max(rows[1], last))
        cols = self.cols
        if cols is not None and (cols[0] > 0 or cols[1] < last_col):
            self.cols = (0, max(cols[1], last_col))

    def _plan(self, key: tuple[tuple[Any, ...], ...]) -> tuple[Any, ...] | None:
        """How row() and block() write a row of these formats, value types and truth values:
        the XML in pieces, between which the values go, and for each value what it is and
        its column (None: the row number; str: a text, as its string's number; int, float:
        a number), the formats in the order the row first uses them, the last column;
        None for values it leaves to xlsxwriter."""
        formats, kinds, truths = key
        if not set(kinds) <= _PLAIN_KINDS or len(kinds) > len(_LETTERS):
            return None
        tokens, letters = self.tokens, self.letters
        pieces: list[str] = []
        places: list[tuple[type | None, int]] = []
        piece = ""  # the XML since the last value
        for col, (cell_format, kind, truth) in enumerate(zip(formats, kinds, truths, strict=True)):
            token = tokens.get(cell_format)
            if token is None:
                token = tokens[cell_format] = _token(len(tokens))
            pieces.append(f'{piece}<c r="{letters[col]}')
            places.append((None, col))
            if kind is type(None) or (kind is str and not truth):
                piece = f'" s="{token}"/>'
                continue
            pieces.append(f'" s="{token}" t="s"><v>' if kind is str else f'" s="{token}"><v>')
            places.append((kind, col))
            piece = "</v></c>"
        pieces.append(piece)
        return tuple(pieces), tuple(places), tuple(dict.fromkeys(formats)), len(formats) - 1

    def _cell_by_cell(self, row: int, values: list[Any], formats: list[Any]) -> None:
        for col, (value, cell_format) in enumerate(zip(values, formats, strict=True)):
            if isinstance(value, str):
                self.text(row, col, value, cell_format)
            elif value is None:
                self.blank(row, col, cell_format)
            else:
                self.number(row, col, value, cell_format)

    def number(self, row: int, col: int, value: Amount, cell_format: Any) -> None:
        """write_number."""
        kind = type(value)
        if row >= self.max_rows or not (kind is int or (kind is float and math.isfinite(value))):
            self.ws.write_number(row, col, value, cell_format)
            return
        self.table[row][col] = self.number_cell(value, cell_format)
        self._used(row, col)

    def blank(self, row: int, col: int, cell_format: Any) -> None:
        """write_blank."""
        if cell_format is None or row >= self.max_rows:
            self.ws.write_blank(row, col, None, cell_format)
            return
        self.table[row][col] = self.blank_cell(cell_format)
        self._used(row, col)

    def row_height(self, row: int, height: float | None, level: int = 0) -> None:
        """set_row(row, height, None, {"level": level}) for a row of cells put here."""
        ws = self.ws
        pixels = int(height * 4.0 / 3.0 + 0.5) if height is not None else None
        if row >= self.max_rows or pixels == 0 or not 0 <= level <= 7:
            ws.set_row_pixels(row, pixels, None, {"level": level} if level else None)
            return
        if pixels is None:
            pixels = ws.default_row_height
        if level > ws.outline_row_level:
            ws.outline_row_level = level
        ws.row_info[row] = self.row_info(
            height=pixels, row_format=None, hidden=False, level=level, collapsed=False
        )
        ws.row_sizes[row] = [pixels, False]
        # set_row widens the dimensions by the row, at the first column used so far
        first = ws.dim_colmin
        if self.cols is not None:
            first = self.cols[0] if first is None else min(first, self.cols[0])
        self._used(row, 0 if first is None else first)

    def heights(self, first: int, count: int, lines: list[int] | None, level: int = 0) -> None:
        """row_height() for `count` rows from `first` on, of `lines` lines of text each
        (_column_lines; None: one each), as _lines_height gives the height of that many."""
        ws = self.ws
        heights = {
            n: None if n == 1 else min(LINE_HEIGHT * n, MAX_ROW_HEIGHT)
            for n in ({1} if lines is None else set(lines))
        }
        pixels = {
            n: ws.default_row_height if h is None else int(h * 4.0 / 3.0 + 0.5)
            for n, h in heights.items()
        }
        if first + count > self.max_rows or 0 in pixels.values() or not 0 <= level <= 7:
            for i in range(count):
                self.row_height(first + i, heights[1 if lines is None else lines[i]], level)
            return
        if not count:
            return
        if level > ws.outline_row_level:
            ws.outline_row_level = level
        # equal RowInfo tuples can be one and the same; row_sizes holds a list for each row
        infos = {
            n: self.row_info(height=px, row_format=None, hidden=False, level=level, collapsed=False)
            for n, px in pixels.items()
        }
        rows = range(first, first + count)
        each = [1] * count if lines is None else lines
        ws.row_info.update(zip(rows, map(infos.__getitem__, each), strict=True))
        sizes = map(list, zip(map(pixels.__getitem__, each), itertools.repeat(False)))
        ws.row_sizes.update(zip(rows, sizes, strict=True))
        # set_row widens the dimensions by the row, at the first column used so far
        col = ws.dim_colmin
        if self.cols is not None:
            col = self.cols[0] if col is None else min(col, self.cols[0])
        self._used(first, 0 if col is None else col)
        self._used(first + count - 1, 0 if col is None else col)

    def finish(self) -> None:
        """Widen the sheet's dimensions by every cell put here (write_* does it cell by cell)."""
        if self.rows is not None and self.cols is not None:
            self.ws._check_dimensions(self.rows[0], self.cols[0])
            self.ws._check_dimensions(self.rows[1], self.cols[1])


@functools.cache
def _workbook_class() -> type:
    """xlsxwriter's Workbook, writing its shared strings faster, and every one as plain text.

    xlsxwriter writes a string that starts with <r> and ends with </r> into the shared
    strings as it is, taking it for rich text markup: a form's text of that shape would go
    into the master as XML, not as text, and could break the file. Here every string is
    written as text; otherwise the part is the same, byte for byte, as xlsxwriter writes it
    (control characters as _xHHHH_, "preserve" for leading or trailing white space, & < >
    escaped), built with one pass of each substitution over all strings at once.
    """
    import zipfile

    import xlsxwriter
    import xlsxwriter.workbook
    from xlsxwriter.packager import Packager
    from xlsxwriter.sharedstrings import SharedStrings

    class PlainSharedStrings(SharedStrings):  # type: ignore[misc]
        def _write_sst_strings(self) -> None:
            self.fh.write(_si_elements(self.string_table.string_array))

    class PlainPackager(Packager):  # type: ignore[misc]
        def _write_shared_strings_file(self) -> None:
            sst = PlainSharedStrings()
            sst.string_table = self.workbook.str_table
            if not self.workbook.str_table.count:
                return
            sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
            sst._assemble_xml_file()

    class QuickZip(zipfile.ZipFile):
        """Deflate at level 1: a third of the time of level 6, for a file a fifth larger."""

        def writestr(self, *args: Any, **kwargs: Any) -> None:
            kwargs["compresslevel"] = 1  # a ZipInfo's own level wins over the ZipFile's
            super().writestr(*args, **kwargs)

    class Workbook(xlsxwriter.Workbook):  # type: ignore[misc]
        def _get_packager(self) -> Packager:
            return PlainPackager()

        def _store_workbook(self) -> None:
            # xlsxwriter makes its ZipFile in here, at the default level (6)
            original, xlsxwriter.workbook.ZipFile = xlsxwriter.workbook.ZipFile, QuickZip
            try:
                super()._store_workbook()
            finally:
                xlsxwriter.workbook.ZipFile = original

    return Workbook


_SEPARATOR = "\ue000"  # a private-use character: no substitution touches or makes it
# what XMLwriter._escape_control_characters replaces, but for U+FFFE and U+FFFF
_ESCAPE_LIKE = re.compile("_x[0-9a-fA-F]{4}_")
_CONTROLS = tuple(map(chr, (*range(0x00, 0x09), *range(0x0B, 0x20))))
_SI_OPEN = ("<si><t>", '<si><t xml:space="preserve">')  # by white space at an end


def _escape_controls(text: str) -> str:
    """XMLwriter._escape_control_characters(text), without its slow search for control
    characters (a regular expression's character class) where a plain search finds none."""
    from xlsxwriter.xmlwriter import XMLwriter

    if _ESCAPE_LIKE.search(text) or any(map(text.__contains__, _CONTROLS)):
        return str(XMLwriter._escape_control_characters(text))
    return text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")


def _si_elements(strings: list[str]) -> str:
    """The <si> elements of the shared strings, as xlsxwriter writes them, but as plain text.

    Each substitution is one pass over all strings at once; the elements are put together
    without Python code for each string."""
    joined = _SEPARATOR.join(strings)
    if joined.count(_SEPARATOR) != len(strings) - 1:  # none, or one holds it
        return "".join(_si(_escape_controls(string)) for string in strings)
    escaped = _escape_controls(joined)
    escaped = escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    texts = escaped.split(_SEPARATOR)
    # & < > escaped do not change what starts or ends a string, so white space there is
    # judged as xlsxwriter judges it, before escaping (re's \s is str.isspace())
    starts = map(str.isspace, map(operator.itemgetter(slice(0, 1)), texts))
    ends = map(str.isspace, map(operator.itemgetter(slice(-1, None)), texts))
    opens = map(_SI_OPEN.__getitem__, map(operator.or_, starts, ends))
    closes = itertools.repeat("</t></si>")
    return "".join(itertools.chain.from_iterable(zip(opens, texts, closes, strict=False)))


def _si(string: str) -> str:
    """A shared string (control characters already escaped) as its <si> element."""
    text = string.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SI_OPEN[text[:1].isspace() or text[-1:].isspace()] + text + "</t></si>"


@functools.cache
def _worksheet_class() -> type:
    """xlsxwriter's Worksheet, writing its cell table the same, byte for byte, but faster."""
    from xlsxwriter import worksheet
    from xlsxwriter.utility import xl_col_to_name

    string, number = worksheet.CellStringTuple, worksheet.CellNumberTuple
    datetime, blank = worksheet.CellDatetimeTuple, worksheet.CellBlankTuple
    formula = worksheet.CellFormulaTuple
    errors = frozenset(("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"))
    letters: dict[int, str] = {}

    class Worksheet(worksheet.Worksheet):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            # rows _Cells.row and .block wrote as XML: row -> (cells, formats in first use,
            # first and last column); their style numbers stand as tokens until written
            self.bulk: dict[int, tuple[str, tuple[Any, ...], int, int]] = {}
            self.tokens: dict[Any, str] = {}

        def _calculate_spans(self) -> None:
            spans: dict[int, str] = {}
            low: int | None = None
            high = 0
            colmin, colmax, last = self.dim_colmin, self.dim_colmax, self.dim_rowmax
            table, comments, bulk = self.table, self.comments, self.bulk
            others = table.keys() | comments.keys()  # rows with cells not in bulk
            texts: dict[str, str] = {}
            for row in range(self.dim_rowmin, last + 1):
                written = bulk.get(row)
                if written is not None:
                    lo = written[2] if written[2] > colmin else colmin
                    hi = written[3] if written[3] < colmax else colmax
                    if lo <= hi:
                        if low is None:
                            low, high = lo, hi
                        else:
                            if lo < low:
                                low = lo
                            if hi > high:
                                high = hi
                for used in (table.get(row), comments.get(row)) if row in others else ():
                    if not used:
                        continue
                    cols = [col for col in used if colmin <= col <= colmax]
                    if cols:
                        lo, hi = min(cols), max(cols)
                        if low is None:
                            low, high = lo, hi
                        else:
                            low, high = min(low, lo), max(high, hi)
                if ((row + 1) % 16 == 0 or row == last) and low is not None:
                    span = f"{low + 1}:{high + 1}"
                    spans[row // 16] = texts.setdefault(span, span)  # one object: see _write_rows
                    low = None
            self.row_spans = spans

        def _row_tag(self, row: int, spans: str | None, info: Any, empty: bool) -> str:
            # _write_row's attributes, in its order
            if info:
                height, row_format = info.height, info.row_format
                hidden, level, collapsed = info.hidden, info.level, info.collapsed
            else:
                height, row_format, hidden, level, collapsed = None, None, 0, 0, 0
            if height is None:
                height = self.default_row_height
            tag = f'<row r="{row + 1}"'
            xf_index = row_format._get_xf_index() if row_format else 0
            if spans:
                tag += f' spans="{spans}"'
            if xf_index:
                tag += f' s="{xf_index}"'
            if row_format:
                tag += ' customFormat="1"'
            original = self.original_row_height
            custom = height != original or (
                height == original and height != self.default_row_height
            )
            if custom:
                tag += f' ht="{height * 0.75:.16g}"'
            if hidden:
                tag += ' hidden="1"'
            if custom:
                tag += ' customHeight="1"'
            if level:
                tag += f' outlineLevel="{level}"'
            if collapsed:
                tag += ' collapsed="1"'
            if self.excel_version == 2010:
                tag += ' x14ac:dyDescent="0.25"'
            return tag + ("/>" if empty else ">")

        def _write_rows(self) -> None:
            if self.constant_memory:
                super()._write_rows()
                return
            self._calculate_spans()
            out: list[str] = []
            write = out.append
            escape = self._escape_data
            table, row_info, comments, spans = (
                self.table,
                self.row_info,
                self.comments,
                self.row_spans,
            )
            bulk = self.bulk
            tags: dict[tuple[Any, ...], str] = {}
            colmin, colmax = self.dim_colmin, self.dim_colmax
            # rows of one block share their formats' tuple, and their RowInfo where their
            # height is the same: what the previous row did need not be done again
            uses_before: tuple[Any, ...] | None = None
            span_before, info_before, rest = None, None, ""
            for row in range(self.dim_rowmin, self.dim_rowmax + 1):
                written = bulk.get(row)
                if written is not None:
                    if written[1] is not uses_before:
                        for cell_format in written[1]:  # style numbers in order of first use
                            cell_format._get_xf_index()
                        uses_before = written[1]
                    span, info = spans.get(row // 16), row_info.get(row)
                    if info is not None and info.row_format:
                        write(self._row_tag(row, span, info, False))
                    else:  # the same attributes after r for the same span, height and level
                        if span is not span_before or info is not info_before:
                            key = (span, None)
                            if info is not None:
                                key = (span, info.height, info.hidden, info.level, info.collapsed)
                            cached = tags.get(key)
                            if cached is None:
                                tag = self._row_tag(row, span, info, False)
                                cached = tags[key] = tag[len(f'<row r="{row + 1}"') :]
                            span_before, info_before, rest = span, info, cached
                        write(f'<row r="{row + 1}"{rest}')
                    write(written[0])
                    write("</row>")
                    continue
                cells = table.get(row)
                info = row_info.get(row)
                if not cells:
                    if info is not None or row in comments:
                        write(self._row_tag(row, spans.get(row // 16), info, True))
                    continue
                write(self._row_tag(row, spans.get(row // 16), info, False))
                number_text = str(row + 1)
                for col in sorted(cells):
                    if col < colmin or col > colmax:
                        continue
                    cell = cells[col]
                    kind = type(cell)
                    cell_format = cell.format
                    if not cell_format or kind not in (string, number, datetime, blank, formula):
                        # row or column formats, rich strings, booleans...: xlsxwriter's own code
                        own, self.fh = self.fh, io.StringIO()
                        try:
                            self._write_cell(row, col, cell)
                            write(self.fh.getvalue())
                        finally:
                            self.fh = own
                        continue
                    name = letters.get(col)
                    if name is None:
                        name = letters[col] = xl_col_to_name(col)
                    head = f'<c r="{name}{number_text}" s="{cell_format._get_xf_index()}"'
                    if kind is string:
                        write(f'{head} t="s"><v>{cell.string}</v></c>')
                    elif kind is blank:
                        write(f"{head}/>")
                    elif kind is formula:
                        value = cell.value
                        if isinstance(value, bool):
                            head += ' t="b"'
                            value = 1 if value else 0
                        elif isinstance(value, str) and value:
                            head += ' t="e"' if value in errors else ' t="str"'
                        write(f"{head}><f>{escape(cell.formula)}</f><v>{escape(value)}</v></c>")
                    else:
                        write(f"{head}><v>{cell.number:.16G}</v></c>")
                write("</row>")
            xml = "".join(out)
            for cell_format, token in self.tokens.items():
                xml = xml.replace(token, str(cell_format._get_xf_index()))
            self.fh.write(xml)

    return Worksheet
