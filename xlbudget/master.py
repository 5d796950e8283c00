"""Write the master workbook: Oversigt, Udvalg, Beskrivelser, Kilder and Fejl (xlsxwriter).

The layout is the contract of DESIGN.md ("The master workbook"). Every formula carries its
computed value, every text from a form is written as a string (never as a formula or a link),
the same consolidation gives the same bytes, and the file is replaced atomically.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import operator
import os
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
from xlbudget.forked import Forked
from xlbudget.master_xlsx import (
    _Cells,
    _column_lines,
    _lines_height,
    _put,
    _si_elements,
    _text,
    _texts,
    _workbook_class,
    _worksheet_class,
)
from xlbudget.models import TEXT_FIELDS, Amount

# A fixed creation time: the same inputs give byte-identical files.
CREATED = dt.datetime(2000, 1, 1)
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


def write_master(consolidation: Consolidation, path: Path) -> Path:
    """Write the master workbook for `consolidation` to `path`, atomically; return the path."""
    target = Path(path)
    check_target(target, (), "master workbook")
    resolved = target.resolve()
    # inputs are files that exist: a target that does not exist yet is none of them
    if resolved.exists() and resolves_to(resolved, (f.path for f in consolidation.files)):
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
    for cell_format in fmt.values():  # style numbers fixed now: a forked child's are the same
        cell_format._get_xf_index()
    sheet = _worksheet_class()
    c = consolidation
    oversigt, udvalg = wb.add_worksheet("Oversigt", sheet), wb.add_worksheet("Udvalg", sheet)
    beskrivelser, kilder, fejl = (wb.add_worksheet(name, sheet) for name in LATER_SHEETS)
    _frame_beskrivelser(beskrivelser, c)
    _frame_kilder(kilder, c)
    _frame_fejl(fejl, c)
    texts = _Beskrivelser(wb, c)
    child = Forked.start(lambda: texts.made(beskrivelser, fmt)) if texts.fork else None
    try:
        layout = _write_oversigt(oversigt, c, fmt)
        _write_udvalg(udvalg, c, layout, fmt)
        _fill_fejl(fejl, c, fmt)
        _fill_kilder(kilder, _kilder_columns(c), fmt)
        made = child.result() if child is not None else None
        child = None
    finally:
        if child is not None:  # this process failed first
            child.cancel()
    if made is None:  # no child, or it failed: the same cells, filled here
        _fill_beskrivelser(beskrivelser, texts.columns, fmt)
    else:
        texts.use(made, beskrivelser)
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


def _per_line(width: float) -> float:
    """Characters that fit on one line of a column `width` units wide (about 1.15 a unit)."""
    return max(1.0, width * 1.15)


def _height(cells: list[tuple[object, float]]) -> float | None:
    """A row height (points) that shows every wrapped text in full; None for one line.

    Neither LibreOffice nor Excel reliably fits the height of wrapped rows in a written file,
    so it is estimated: about 1.15 characters per unit of column width, 15 points a line.
    """
    return _lines_height([_text(v) for v, _ in cells], [_per_line(w) for _, w in cells])


def _fields(objects: list[Any], *names: str) -> list[tuple[Any, ...]]:
    """The named attributes of the objects, a tuple per name, in one pass over the objects.

    One pass, not one per attribute: reading an attribute of an object that is no longer in
    the CPU's cache costs more than the rest of the work done on it here."""
    if not objects:
        return [() for _ in names]
    if len(names) == 1:
        return [tuple(map(attrgetter(names[0]), objects))]
    return list(zip(*map(attrgetter(*names), objects), strict=True))


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
# Proposals from which Beskrivelser is made by a forked child (see _Beskrivelser): a fork and
# the copies it leads to cost more than they save on a small master.
FORK_FROM = 2_000
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


def _beskrivelser_headers() -> list[tuple[str, float]]:
    titles = ["Nr.", "Emne", *map(_short_label, TEXT_FIELDS)]
    return list(zip(titles, BESKRIVELSER_WIDTHS, strict=True))


def _beskrivelser_columns(c: Consolidation) -> list[list[str]]:
    proposals = [entry.proposal for entry in c.entries]
    return list(map(_texts, _fields(proposals, "nr", "subject", *TEXT_FIELDS)))


def _fill_beskrivelser(ws: Any, texts: list[list[str]], fmt: dict[str, Any]) -> None:
    headers = _beskrivelser_headers()
    for col, (title, _) in enumerate(headers):
        ws.write_string(0, col, title, fmt["header"])
    ws.set_row(0, _height(headers))
    per_lines = [_per_line(width) for _, width in headers]
    cells = _Cells(ws)
    cells.block(1, texts, [fmt["wrap"]] * len(headers))
    cells.heights(1, len(texts[0]), _column_lines(texts, per_lines))
    cells.finish()


def _frame_kilder(ws: Any, c: Consolidation) -> None:
    for col, (_, width) in enumerate(KILDER):
        ws.set_column(col, col, width)
    _table_finish(ws, len(c.files), len(KILDER), freeze_cols=1)
    _page_setup(ws, "Budgetforslag – kilder", fit_width=True, amounts=False)


def _kilder_columns(c: Consolidation) -> list[list[Any]]:
    files = c.files
    paths, sha256s, sizes, sheets, issues = _fields(
        files, "path", "sha256", "size", "sheet", "issues"
    )
    none = itertools.repeat("")
    statuses = map(STATUS_DA.get, map(c.status.get, paths, none), none)
    errors = [0] * len(files)
    for k in itertools.compress(range(len(files)), issues):  # the few files with issues
        errors[k] = sum(1 for issue in issues[k] if issue.is_error)
    return [
        _texts(paths),
        _texts(sha256s),
        list(sizes),
        _texts(sheets),
        _texts(statuses),
        errors,
        list(map(operator.sub, map(len, issues), errors)),
    ]


def _fill_kilder(ws: Any, columns: list[list[Any]], fmt: dict[str, Any]) -> None:
    for col, (title, _) in enumerate(KILDER):
        ws.write_string(0, col, title, fmt["header"])
    cells = _Cells(ws)
    text, number = fmt["text"], fmt["int"]
    cells.block(1, columns, [text, text, number, text, text, number, number])
    cells.finish()


class _Beskrivelser:
    """Beskrivelser's cells (most of the master's text), their strings numbered in the shared
    string table at once, so that the cells can be put together and written by a forked
    child, on the other core, while this process writes the other sheets.

    The child adds no string and changes no style number (all fixed before it starts), so
    the sheet's XML, the strings' part of the shared strings and the count of references it
    sends back are what filling the sheet here would give: the same bytes either way."""

    def __init__(self, wb: Any, c: Consolidation) -> None:
        self.strings_table = wb.str_table
        self.columns = _beskrivelser_columns(c)
        self.fork = len(c.entries) >= FORK_FROM
        table = self.strings_table.string_table
        self.first = len(table)
        # in the order the cells first use them, as filling the sheet would; empty texts are
        # blank cells, not strings
        texts = [title for title, _ in _beskrivelser_headers()]
        texts += itertools.chain.from_iterable(zip(*self.columns, strict=True))
        self.strings = list(itertools.filterfalse(table.__contains__, dict.fromkeys(texts)))
        if "" in self.strings:
            self.strings.remove("")
        table.update(zip(self.strings, itertools.count(self.first)))
        self.strings_table.unique_count = len(table)

    def made(self, ws: Any, fmt: dict[str, Any]) -> dict[str, Any]:
        """In the child: the sheet filled and written as XML, with what the shared strings
        need from it (raises if its cells needed a string not numbered before)."""
        table = self.strings_table
        count, unique = table.count, len(table.string_table)
        _fill_beskrivelser(ws, self.columns, fmt)
        if len(table.string_table) != unique:
            raise RuntimeError("the child's cells needed new strings")
        return {
            "sheet": _sheet_xml(ws),
            "count": table.count - count,
            "strings": _si_elements(self.strings),
        }

    def use(self, made: dict[str, Any], ws: Any) -> None:
        """In this process: what the child made, in place of filling the sheet here."""
        ws.made_xml = made["sheet"]
        self.strings_table.count += made["count"]
        self.strings_table.made = (self.first, self.strings, made["strings"])


def _sheet_xml(ws: Any) -> bytes:
    """The worksheet's part, as the packager writes it when the workbook is closed."""
    xml = io.StringIO()
    ws._set_xml_writer(xml)
    ws._assemble_xml_file()
    return xml.getvalue().encode("utf-8")


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
