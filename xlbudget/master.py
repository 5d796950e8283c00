"""Write the master workbook: Oversigt, Udvalg, Beskrivelser, Kilder and Fejl (xlsxwriter).

The layout is the contract of docs/contracts.md ("The master workbook"). Every formula carries
its computed value, every text from a form is written as a string (never as a formula or a
link), the same consolidation gives the same bytes, and the file is replaced atomically.
Only xlsxwriter's documented API is used.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from xlbudget import __version__
from xlbudget.atomic import check_target, resolves_to, write_atomically
from xlbudget.consolidation import Consolidation
from xlbudget.decisions import DECISIONS, MED_CHOICES, Decision, change_text, decision_for
from xlbudget.decisions import withdrawn as withdrawn_proposals
from xlbudget.errors import OutputError
from xlbudget.export import accounts_text, export_columns, warning_text
from xlbudget.models import TEXT_FIELDS, Amount
from xlbudget.read import MARK_PROPERTY
from xlbudget.spec import field_name

# A fixed creation time: the same inputs give byte-identical files.
CREATED = dt.datetime(2000, 1, 1)
AMOUNT_FORMAT = "#,##0;[Red]-#,##0"
FRACTION_FORMAT = "#,##0.0##;[Red]-#,##0.0##"
KINDS = ("Råderum", "Ønske")
STATUS_DA = {
    "included": "medtaget",
    "left-out": "udeladt",
    "duplicate": "dublet",
    "replaced": "erstattet",
    "skipped": "sprunget over",
}
SEVERITY_DA = {"error": "fejl", "warning": "advarsel", "info": "note"}
RULE_DA = {
    "reject": "Forslag med samme nummer og forskelligt indhold er udeladt, til nummeret er rettet.",
    "newest": "Forslag med samme nummer og forskelligt indhold: det nyeste tælles (--newest); "
    "de andre er markeret erstattet.",
}

# Oversigt columns; the budget years follow the fixed ones, the source columns the years.
OVERSIGT_FIXED = [("Nr.", 12), ("Type", 10), ("Udvalg", 24), ("Afdeling", 24), ("Emne", 38)]
OVERSIGT_FIXED += [("Konti", 30)]
OVERSIGT_SOURCE = [("Kilde fil", 40), ("Kilde ark", 16), ("Kilde celle", 14)]
# the finance office's columns, after the source: include, decision, remark; then what
# changed since the previous master (--previous)
OVERSIGT_DECISIONS = [("Med", 8), ("Beslutning", 13), ("Bemærkning", 40)]
CHANGED = ("Ændret siden forrige", 40)
INPUT = "#FFF2CC"  # the template's input yellow: cells the finance office fills in
CHANGED_FILL = "#FCE4D6"
SHORT_FILL, SHORT_FONT = "#FFC7CE", "#9C0006"  # a target not met: Excel's "bad" red
REMARKS = ("Bemærkninger", 40)  # right after the years: a proposal's warnings, in words
WARNED = "#FFEB9C"  # the amounts of a proposal with warnings: amber, seen where totals are read
COL_KIND, COL_COMMITTEE, FIRST_YEAR_COL = 1, 2, len(OVERSIGT_FIXED)
YEAR_WIDTH = 11
# Nr., Emne, the texts: narrow enough that the sheet prints one A4 page wide (at ~60 %)
BESKRIVELSER_WIDTHS = [10, 20, *(44 if key == "description" else 20 for key in TEXT_FIELDS)]
KILDER = [("Fil", 50), ("Ark", 16), ("Forslag", 12), ("SHA-256", 68), ("Størrelse (bytes)", 16)]
KILDER += [("Status", 14), ("Fejl", 8), ("Advarsler", 11), ("Bemærkning", 70)]
FEJL = [("Fil", 40), ("Ark", 16), ("Celle", 14), ("Felt", 18), ("Alvor", 10), ("Kode", 22)]
FEJL += [("Besked", 90)]
MAX_TEXT = 32_767  # Excel's limit for one cell
TEXT_FORMAT = {"font_name": "Calibri", "font_size": 11, "valign": "top", "text_wrap": True}
TEXT = None  # a text cell takes the workbook's default format, TEXT_FORMAT
LINE_HEIGHT = 15.0  # points per line of 11-point Calibri
MAX_ROW_HEIGHT = 409.0  # Excel's largest row height


def write_master(consolidation: Consolidation, path: Path) -> Path:
    """Write the master workbook for `consolidation` to `path`, atomically; return the path."""
    target = Path(path)
    check_target(target, (), "master workbook")
    resolved = target.resolve()
    # inputs are files that exist: a target that does not exist yet is none of them
    if resolved.exists() and resolves_to(resolved, (f.path for f in consolidation.files)):
        raise OutputError(
            f"{target}: is one of the input files; choose another output path",
            f"{target}: er en af de filer, der læses; vælg et andet navn til samlearket",
        )
    buffer = io.BytesIO()
    try:
        build_master(consolidation, buffer)
    except Exception as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise OutputError(
            f"{target}: cannot write the master workbook ({detail})",
            f"{target}: samlearket kan ikke skrives ({detail})",
        ) from exc
    return write_atomically(target, buffer.getvalue(), "master workbook")


def build_master(consolidation: Consolidation, handle: IO[bytes]) -> None:
    """Write the master workbook for `consolidation` to an open binary handle."""
    options = {
        "in_memory": False,  # sheets go through temporary files: less memory at 10,000 forms
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        # Every text cell of the master wraps and sits at the top: as the workbook's default
        # format it needs no format of its own (one of ~330,000 cells at 10,000 forms, each
        # kept alive and walked by the garbage collector, for about a fifth of the writing).
        "default_format_properties": TEXT_FORMAT,
    }
    wb = xlsxwriter.Workbook(handle, options)
    wb.set_properties(
        {
            "title": _title(consolidation, "samleark"),
            "author": "xlbudget",
            "comments": "Skrevet af xlbudget",
            "created": CREATED,
        }
    )
    # the mark that tells xlbudget never to read this workbook as a form
    wb.set_custom_property(MARK_PROPERTY, f"master {__version__}")
    fmt = _formats(wb)
    layout = _write_oversigt(wb.add_worksheet("Oversigt"), consolidation, fmt)
    _write_udvalg(wb.add_worksheet("Udvalg"), consolidation, layout, fmt)
    _write_scenarie(wb.add_worksheet("Scenarie"), consolidation, layout, fmt)
    _write_udgaaet(wb.add_worksheet("Udgået"), consolidation, fmt)
    _write_beskrivelser(wb.add_worksheet("Beskrivelser"), consolidation, fmt)
    _write_kilder(wb.add_worksheet("Kilder"), consolidation, fmt)
    _write_fejl(wb.add_worksheet("Fejl"), consolidation, fmt)
    _write_data(wb.add_worksheet("Data"), consolidation)
    wb.close()


def _formats(wb: Any) -> dict[str, Any]:
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


def _amount_format(fmt: dict[str, Any], style: str, value: Amount) -> Any:
    return fmt[style if float(value).is_integer() else f"{style}-frac"]


def _text(value: object) -> str:
    """Form text as it goes into a cell: a string, cut to Excel's limit."""
    return "" if value is None else str(value)[:MAX_TEXT]


def _put(ws: Any, row: int, col: int, value: object, cell_format: Any = TEXT) -> None:
    """Text as a string (never a formula, number or link); nothing becomes a blank cell."""
    text = _text(value)
    if text:
        ws.write_string(row, col, text, cell_format)
    elif cell_format is not None:  # a blank cell without a format is no cell at all
        ws.write_blank(row, col, None, cell_format)


def _put_row(ws: Any, row: int, texts: list[object], first: int = 0) -> None:
    """Texts side by side from column `first`, in the default format, each by write_string:
    a string stays a string, whatever it looks like (write_row would look at every text to
    choose how to write it, a third of the cost of a cell)."""
    for col, value in enumerate(texts, first):
        text = _text(value)
        if text:
            ws.write_string(row, col, text)


def _row_height(texts: Iterable[str], widths: Iterable[float]) -> float | None:
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


def _set_height(ws: Any, row: int, height: float | None) -> None:
    """A row's height, where it needs one (a row of one line keeps the default)."""
    if height is not None:
        ws.set_row(row, height)


def _num(value: float) -> Amount:
    return int(value) if float(value).is_integer() else round(value, 6)


def _headers(ws: Any, columns: list[tuple[str, float]], fmt: dict[str, Any]) -> None:
    for col, (title, width) in enumerate(columns):
        ws.set_column(col, col, width)
        ws.write_string(0, col, title, fmt["header"])


@dataclass
class _Layout:
    """Where Oversigt put its data, for the formulas of the Udvalg sheet."""

    first_row: int  # 0-based, first proposal row
    last_row: int  # 0-based, last row of the last committee block (its subtotal)
    has_data: bool
    med_col: int = 0  # the Med column
    decisions: list[Decision] | None = None  # each entry's, in master order


def _med(value: str | None) -> str | None:
    """A Med value as written: Ja or Nej in their spelling, anything else as it was."""
    for choice in MED_CHOICES:
        if value is not None and value.casefold() == choice.casefold():
            return choice
    return value


def _is_med(decision: Decision) -> bool:
    """Counted in the scenario: Med is Ja (SUMIFS compares without regard to case)."""
    return (decision.med or "").casefold() == "ja"


def _write_oversigt(ws: Any, c: Consolidation, fmt: dict[str, Any]) -> _Layout:
    def xl_range(first: int, col: int, last: int, _: int) -> str:
        return f"{xl_rowcol_to_cell(first, col)}:{xl_rowcol_to_cell(last, col)}"

    years = c.years
    remarks_col = FIRST_YEAR_COL + len(years)
    source_col = remarks_col + 1
    med_col = source_col + len(OVERSIGT_SOURCE)
    changed_col = med_col + len(OVERSIGT_DECISIONS)
    year_columns = [(str(year), YEAR_WIDTH) for year in years]
    columns = [*OVERSIGT_FIXED, *year_columns, REMARKS, *OVERSIGT_SOURCE, *OVERSIGT_DECISIONS]
    _headers(ws, [*columns, CHANGED], fmt)
    decisions: list[Decision] = []
    for i, year in enumerate(years):
        ws.write_number(0, FIRST_YEAR_COL + i, year, fmt["year"])
    widths = [width for _, width in OVERSIGT_FIXED]
    row = 1
    for group in c.groups:
        first = row
        for entry in group.entries:
            p = entry.proposal
            texts = [p.nr, p.kind, group.committee, p.department, p.subject]
            texts.append(accounts_text(p.accounts))
            _put_row(ws, row, texts)
            remarks = warning_text(entry.source)
            style = "warned" if remarks else "amount"
            for i, year in enumerate(years):
                amount = p.amounts.get(year)
                if amount is None:
                    ws.write_blank(row, FIRST_YEAR_COL + i, None, fmt[style])
                else:
                    ws.write_number(
                        row, FIRST_YEAR_COL + i, amount, _amount_format(fmt, style, amount)
                    )
            source = [remarks, entry.source.path, entry.source.sheet, p.cells.get("nr")]
            _put_row(ws, row, source, remarks_col)
            decision = decision_for(c.previous, p.nr)
            decision = Decision(_med(decision.med), decision.decision, decision.note)
            decisions.append(decision)
            _put(ws, row, med_col, decision.med, fmt["input-med"])
            _put(ws, row, med_col + 1, decision.decision, fmt["input"])
            _put(ws, row, med_col + 2, decision.note, fmt["input"])
            changed = change_text(c.previous, p, group.committee, years)
            _put(ws, row, changed_col, changed, fmt["changed"] if changed else TEXT)
            height = _row_height(
                [*map(_text, texts), remarks, _text(decision.note), changed],
                [*widths, REMARKS[1], OVERSIGT_DECISIONS[2][1], CHANGED[1]],
            )
            ws.set_row(row, height, None, {"level": 1})
            row += 1
        if group.entries:
            _decision_lists(ws, first, row - 1, med_col)
        _total_row(
            ws,
            row,
            f"I alt {group.committee}",
            "sub",
            years,
            fmt,
            group.totals,
            lambda col, first=first, last=row - 1: xl_range(first, col, last, col),
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
        (lambda col: xl_range(1, col, last, col)) if has_data else None,
    )
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(last, 0), changed_col)
    ws.outline_settings(True, True, False, False)
    _page_setup(ws, _title(c, "oversigt"), fit_width=True)
    ws.print_area(0, 0, row, remarks_col)  # on paper: the proposals, amounts and remarks
    return _Layout(1, last, has_data, med_col, decisions)


def _decision_lists(ws: Any, first: int, last: int, med_col: int) -> None:
    """The drop-downs of one committee's proposal rows: Med (Ja/Nej) and Beslutning."""
    ws.data_validation(
        first,
        med_col,
        last,
        med_col,
        {
            "validate": "list",
            "source": list(MED_CHOICES),
            "error_title": "Med",
            "error_message": "Skriv Ja (med i scenariet) eller Nej.",
            "input_title": "Med i scenariet?",
            "input_message": "Ja: forslaget tælles med på arket Scenarie. Nej: det gør det ikke.",
        },
    )
    ws.data_validation(
        first,
        med_col + 1,
        last,
        med_col + 1,
        {
            "validate": "list",
            "source": list(DECISIONS),
            "ignore_blank": True,
            "error_title": "Beslutning",
            "error_message": "Vælg " + ", ".join(DECISIONS) + " eller lad cellen stå tom.",
        },
    )


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
    for col in range(1, FIRST_YEAR_COL):
        ws.write_blank(row, col, None, fmt[f"{style}-label"])
    _put(ws, row, 0, label, fmt[f"{style}-label"])
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
    _write_blocks(ws, c, layout, fmt, scenario=False)
    _page_setup(ws, _title(c, "udvalg"), fit_width=True)


def _over(layout: _Layout, col: int) -> str:
    """A column of Oversigt's proposal rows (subtotals too: they have no Type), absolute."""
    name = xl_col_to_name(col)
    return f"Oversigt!${name}${layout.first_row + 1}:${name}${layout.last_row + 1}"


def _who(committee: str, row: int) -> str:
    """The committee criterion: the name itself, or for a very long one its cell in column A."""
    return _criterion(committee) if len(committee) < 250 else f"$A{row + 1}"


def _write_blocks(
    ws: Any, c: Consolidation, layout: _Layout, fmt: dict[str, Any], scenario: bool
) -> tuple[dict[str, int], int]:
    """Råderum, Ønske and Netto: committee × year as SUMIFS on Oversigt, each with a total
    row; in the scenario only the proposals with Med = Ja. Returns each block's first
    committee row and the next free row (0-based)."""
    years = c.years
    committees = [g.committee for g in c.groups]
    ws.set_column(0, 0, 36)
    ws.set_column(1, max(len(years), 1), YEAR_WIDTH + 1)
    over = functools.partial(_over, layout)
    med = f',{over(layout.med_col)},"Ja"' if scenario else ""
    counted = layout.decisions or [Decision()] * len(c.entries)

    # SUMIFS compares text without regard to case; the cached values do the same.
    sums: dict[tuple[str, str | None], defaultdict[int, float]] = defaultdict(
        lambda: defaultdict(float)
    )
    for entry, decision in zip(c.entries, counted, strict=True):
        if scenario and not _is_med(decision):
            continue
        p = entry.proposal
        for year, amount in p.amounts.items():
            sums[((p.committee or "").casefold(), p.kind)][year] += amount

    values: dict[tuple[str, int], list[Amount]] = defaultdict(list)
    block_rows: dict[str, int] = {}  # first committee row (0-based) of each block
    row = 0
    for block in (*KINDS, "Netto"):
        ws.write_string(row, 0, f"{block}, Med = Ja" if scenario else block, fmt["header"])
        for i, year in enumerate(years):
            ws.write_number(row, 1 + i, year, fmt["year"])
        row += 1
        block_rows[block] = row
        for k, committee in enumerate(committees):
            _put(ws, row, 0, committee, TEXT)
            for i, year in enumerate(years):
                if block == "Netto":
                    value = _num(sum(values[(kind, year)][k] for kind in KINDS))
                    refs = [xl_rowcol_to_cell(block_rows[kind] + k, 1 + i) for kind in KINDS]
                    formula = "=" + "+".join(refs)
                else:
                    value = _num(sums[(committee.casefold(), block)][year])
                    formula = (
                        f"=SUMIFS({over(FIRST_YEAR_COL + i)},{over(COL_COMMITTEE)},"
                        f'{_who(committee, row)},{over(COL_KIND)},"{block}"{med})'
                    )
                values[(block, year)].append(value)
                cell_fmt = _amount_format(fmt, "amount", value)
                if layout.has_data:
                    ws.write_formula(row, 1 + i, formula, cell_fmt, value)
                else:
                    ws.write_number(row, 1 + i, value, cell_fmt)
            row += 1
        for col in range(1, 1 + len(years)):
            ws.write_blank(row, col, None, fmt["total-label"])
        ws.write_string(row, 0, "I alt", fmt["total-label"])
        for i, year in enumerate(years):
            value = _num(sum(values[(block, year)]))
            cell_fmt = _amount_format(fmt, "total", value)
            if committees:
                top = xl_rowcol_to_cell(block_rows[block], 1 + i)
                bottom = xl_rowcol_to_cell(row - 1, 1 + i)
                ws.write_formula(row, 1 + i, f"=SUM({top}:{bottom})", cell_fmt, value)
            else:
                ws.write_number(row, 1 + i, value, cell_fmt)
        row += 2
    return block_rows, row


def _write_scenarie(ws: Any, c: Consolidation, layout: _Layout, fmt: dict[str, Any]) -> None:
    """Udvalg's blocks for the proposals with Med = Ja, and each committee's råderum target
    against the råderum found (a saving, positive), shaded where it falls short."""
    _, row = _write_blocks(ws, c, layout, fmt, scenario=True)
    committees = [g.committee for g in c.groups]
    targeted = [name for name in committees if c.targets.get(name)]
    targeted += [name for name in c.targets if name not in committees and c.targets[name]]
    if targeted:
        ws.set_h_pagebreaks([row])  # the targets on a page of their own
        row = _write_targets(ws, c, layout, fmt, targeted, row)
    notes = [
        "Kun forslag med Med = Ja på arket Oversigt tælles med; skift Med til Nej, "
        "og scenariet regnes om med det samme.",
        "Beløb i 1.000 kr.; råderum (besparelser) med minus, som i skemaerne.",
    ]
    if targeted:
        notes.append(
            "Fundet råderum er besparelsen som positivt tal; forskel = fundet råderum − måltal, "
            "rød hvor råderummet ikke når måltallet."
        )
    for note in notes:
        ws.write_string(row, 0, note, fmt["note"])
        row += 1
    ws.freeze_panes(0, 1)
    # no repeated first row: a page of targets begins with a header of its own
    _page_setup(ws, _title(c, "scenarie"), fit_width=True, repeat=False)


def _write_targets(
    ws: Any,
    c: Consolidation,
    layout: _Layout,
    fmt: dict[str, Any],
    targeted: list[str],
    row: int,
) -> int:
    """Måltal, fundet råderum and forskel: committee × year, with total rows."""
    years = c.years
    over = functools.partial(_over, layout)
    counted = layout.decisions or [Decision()] * len(c.entries)
    found: defaultdict[tuple[str, int], float] = defaultdict(float)
    for entry, decision in zip(c.entries, counted, strict=True):
        p = entry.proposal
        if _is_med(decision) and p.kind == "Råderum":
            for year, amount in p.amounts.items():
                found[((p.committee or "").casefold(), year)] -= amount
    first_rows: dict[str, int] = {}
    for block in ("Måltal for råderum", "Fundet råderum", "Forskel"):
        ws.write_string(row, 0, block, fmt["header"])
        for i, year in enumerate(years):
            ws.write_number(row, 1 + i, year, fmt["year"])
        row += 1
        first_rows[block] = row
        sums: defaultdict[int, float] = defaultdict(float)
        for k, committee in enumerate(targeted):
            _put(ws, row, 0, committee, TEXT)
            target = c.targets[committee]
            for i, year in enumerate(years):
                col = 1 + i
                if block == "Måltal for råderum":
                    if year not in target:
                        ws.write_blank(row, col, None, fmt["amount"])
                        continue
                    value = _num(target[year])
                    ws.write_number(row, col, value, _amount_format(fmt, "amount", value))
                elif block == "Fundet råderum":
                    value = _num(found[(committee.casefold(), year)] + 0.0)
                    formula = (
                        f"=-SUMIFS({over(FIRST_YEAR_COL + i)},{over(COL_COMMITTEE)},"
                        f'{_who(committee, row)},{over(COL_KIND)},"Råderum",'
                        f'{over(layout.med_col)},"Ja")'
                    )
                    cell_fmt = _amount_format(fmt, "amount", value)
                    if layout.has_data:
                        ws.write_formula(row, col, formula, cell_fmt, value)
                    else:
                        ws.write_number(row, col, value, cell_fmt)
                else:
                    if year not in target:
                        ws.write_blank(row, col, None, fmt["amount"])
                        continue
                    value = _num(found[(committee.casefold(), year)] - target[year])
                    found_cell = xl_rowcol_to_cell(first_rows["Fundet råderum"] + k, col)
                    target_cell = xl_rowcol_to_cell(first_rows["Måltal for råderum"] + k, col)
                    cell_fmt = _amount_format(fmt, "amount", value)
                    ws.write_formula(row, col, f"={found_cell}-{target_cell}", cell_fmt, value)
                sums[year] += value
            row += 1
        for col in range(1, 1 + len(years)):
            ws.write_blank(row, col, None, fmt["total-label"])
        ws.write_string(row, 0, "I alt", fmt["total-label"])
        for i, year in enumerate(years):
            value = _num(sums[year])
            top = xl_rowcol_to_cell(first_rows[block], 1 + i)
            bottom = xl_rowcol_to_cell(row - 1, 1 + i)
            cell_fmt = _amount_format(fmt, "total", value)
            ws.write_formula(row, 1 + i, f"=SUM({top}:{bottom})", cell_fmt, value)
        if block == "Forskel" and years:
            # short of the target: the gap below zero (a little slack for decimal sums)
            ws.conditional_format(
                first_rows[block],
                1,
                row,
                len(years),
                {"type": "cell", "criteria": "<", "value": -0.0005, "format": fmt["short"]},
            )
        row += 2
    return row


UDGAAET_FIXED = [("Nr.", 12), ("Type", 10), ("Udvalg", 24), ("Emne", 38)]
UDGAAET_DECISIONS = [("Med", 8), ("Beslutning", 13), ("Bemærkning", 40)]


def _write_udgaaet(ws: Any, c: Consolidation, fmt: dict[str, Any]) -> None:
    """The previous master's proposals that are not in this one: number, facts, the amounts
    they had and the decision they carried."""
    years = c.years
    columns = [*UDGAAET_FIXED, *((str(y), YEAR_WIDTH) for y in years), *UDGAAET_DECISIONS]
    _headers(ws, columns, fmt)
    for i, year in enumerate(years):
        ws.write_number(0, len(UDGAAET_FIXED) + i, year, fmt["year"])
    gone = withdrawn_proposals(c.previous, c)
    for row, old in enumerate(gone, 1):
        facts = [old.nr, old.facts.get("kind"), old.facts.get("committee")]
        facts.append(old.facts.get("subject"))
        _put_row(ws, row, facts)
        for i, year in enumerate(years):
            amount = old.amounts.get(year)
            if amount is not None:
                value = _num(amount)
                ws.write_number(
                    row, len(UDGAAET_FIXED) + i, value, _amount_format(fmt, "amount", value)
                )
        decision = [old.decision.med, old.decision.decision, old.decision.note]
        _put_row(ws, row, decision, len(UDGAAET_FIXED) + len(years))
        widths = [w for _, w in UDGAAET_FIXED] + [UDGAAET_DECISIONS[2][1]]
        _set_height(ws, row, _row_height([*map(_text, facts), _text(old.decision.note)], widths))
    if c.previous is None:
        note = "Intet forrige samleark (consolidate --previous): ingen forslag at sammenligne med."
    elif not gone:
        note = f"Alle forslag i {c.previous.path.name} er med i dette samleark."
    else:
        note = f"Forslag i {c.previous.path.name}, som ikke er med i dette samleark."
    ws.write_string(len(gone) + 2, 0, note, fmt["note"])
    _table_finish(ws, len(gone), len(columns), freeze_cols=1)
    _page_setup(ws, _title(c, "udgåede forslag"), fit_width=True)


def _write_beskrivelser(ws: Any, c: Consolidation, fmt: dict[str, Any]) -> None:
    """Number, subject and every text field of each included proposal, wrapped."""
    titles = ["Nr.", "Emne", *(field_name(key) for key in TEXT_FIELDS)]
    columns = list(zip(titles, BESKRIVELSER_WIDTHS, strict=True))
    _headers(ws, columns, fmt)
    entries = c.entries
    for row, entry in enumerate(entries, 1):
        p = entry.proposal
        texts = [_text(p.nr), _text(p.subject), *(_text(getattr(p, k)) for k in TEXT_FIELDS)]
        _put_row(ws, row, texts)
        _set_height(ws, row, _row_height(texts, BESKRIVELSER_WIDTHS))
    _table_finish(ws, len(entries), len(columns), freeze_cols=2)
    _page_setup(ws, _title(c, "beskrivelser"), fit_width=True, amounts=False)
    ws.repeat_columns(0, 1)  # every printed page shows Nr. and Emne


def _write_kilder(ws: Any, c: Consolidation, fmt: dict[str, Any]) -> None:
    """One row per form found (and per file where none could be read), with its fate."""
    _headers(ws, KILDER, fmt)
    widths = [KILDER[0][1], KILDER[8][1]]  # the columns whose texts may wrap: file, remark
    for row, f in enumerate(c.files, 1):
        status = c.status_of(f)
        nr = f.proposal.nr if f.proposal else None
        remark = _remark(f, status)
        _put_row(ws, row, [f.path, f.sheet, nr, f.sha256])
        if f.size is not None:
            ws.write_number(row, 4, f.size)
        _put(ws, row, 5, STATUS_DA[status], TEXT)
        ws.write_number(row, 6, len(f.errors))
        ws.write_number(row, 7, len(f.warnings))
        _put(ws, row, 8, remark, TEXT)
        _set_height(ws, row, _row_height([_text(f.path), remark], widths))
    _table_finish(ws, len(c.files), len(KILDER), freeze_cols=1)
    rule = "Regel for genindsendelser: " + RULE_DA[c.duplicates]
    ws.write_string(len(c.files) + 2, 0, rule, fmt["note"])
    _page_setup(ws, _title(c, "kilder"), fit_width=True, amounts=False)


def _remark(f: Any, status: str) -> str:
    """Why an entry is not counted, in one message: the first error, note or replacement."""
    wanted = {"replaced": ("replaced",), "duplicate": ("duplicate-proposal",)}.get(status)
    for issue in f.issues:
        if wanted is not None and issue.code in wanted:
            return issue.message
        if wanted is None and status != "included" and issue.severity != "warning":
            return issue.message
    return ""


def _write_fejl(ws: Any, c: Consolidation, fmt: dict[str, Any]) -> None:
    """Every issue of every entry: file, sheet, cell, field, severity, code and message."""
    _headers(ws, FEJL, fmt)
    row = 0
    for f in c.files:
        for issue in f.issues:
            row += 1
            texts = [f.path, f.sheet, issue.cell, field_name(issue.field)]
            texts += [SEVERITY_DA[issue.severity], issue.code, _text(issue.message)]
            _put_row(ws, row, texts)
            _set_height(ws, row, _row_height([texts[-1]], [FEJL[-1][1]]))
    _table_finish(ws, row, len(FEJL), freeze_cols=0)
    _page_setup(ws, _title(c, "fejl og advarsler"), fit_width=True, amounts=False)


def _title(c: Consolidation, what: str) -> str:
    """A sheet's title: "Budgetforslag 2020–2023, Himmerby Kommune – oversigt"."""
    years = f" {c.years[0]}–{c.years[-1]}" if c.years else ""
    where = f", {c.municipality}" if c.municipality else ""
    return f"Budgetforslag{years}{where} – {what}"


DATA_HEADERS = {"nr": "Nr.", "kind": "Type", "committee": "Udvalg", "department": "Afdeling"}
DATA_HEADERS |= {
    "subject": "Emne",
    "accounts": "Konti",
    "source": "Kilde fil",
    "sheet": "Kilde ark",
}


def _write_data(ws: Any, c: Consolidation) -> None:
    """One row per included proposal, the years as columns, no subtotals: an Excel table
    ("Forslag") for pivot tables, Power Query and pandas."""
    columns = export_columns(c)
    headers = [{"header": DATA_HEADERS.get(column, column)} for column in columns]
    for col, column in enumerate(columns):
        ws.set_column(col, col, 11 if column.isdigit() else 24)
    entries = c.entries
    # a table holds at least one row: an empty consolidation gets one blank row
    table = {"name": "Forslag", "columns": headers, "style": "Table Style Medium 2"}
    ws.add_table(0, 0, max(len(entries), 1), len(columns) - 1, table)
    for row, entry in enumerate(entries, 1):  # row by row: no copy of the whole table
        p = entry.proposal
        texts = [p.nr, p.kind, p.committee, p.department, p.subject, accounts_text(p.accounts)]
        _put_row(ws, row, texts)
        first_year = len(texts)  # the years follow the texts, as export_columns has them
        for i, year in enumerate(c.years):
            amount = p.amounts.get(year)
            if amount is not None:
                ws.write_number(row, first_year + i, amount)
        _put_row(ws, row, [entry.source.path, entry.source.sheet], first_year + len(c.years))
    ws.freeze_panes(1, 0)
    _page_setup(ws, _title(c, "data"), fit_width=True)


def _table_finish(ws: Any, rows: int, cols: int, freeze_cols: int) -> None:
    ws.freeze_panes(1, freeze_cols)
    ws.autofilter(0, 0, rows, cols - 1)


def _page_setup(
    ws: Any, title: str, fit_width: bool, amounts: bool = True, repeat: bool = True
) -> None:
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    if repeat:
        ws.repeat_rows(0)
    ws.set_header(f"&L&B{title}" + ("&R&8Beløb i 1.000 kr." if amounts else ""))
    ws.set_footer("&L&8&F&RSide &P af &N")
    if fit_width:
        ws.fit_to_pages(1, 0)
