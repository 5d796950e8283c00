"""Write the master workbook (xlsxwriter): Oversigt, Udvalg, Scenarie, Udgået, Beskrivelser,
Kilder, Fejl and Data.

The layout is the contract of docs/contracts.md ("The master workbook"). Every formula carries
its computed value, every text from a form is written as a string (never as a formula or a
link), the same consolidation gives the same bytes, and the file is replaced atomically.
Only xlsxwriter's documented API is used. Udvalg and Scenarie are in master_sums, what the
sheets share in master_cells.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from xlbudget import __version__
from xlbudget import master_cells as cells
from xlbudget.atomic import check_target, resolves_to, write_atomically
from xlbudget.consolidation import Consolidation
from xlbudget.decisions import DECISIONS, MED_CHOICES, Decision, change_text, decision_for
from xlbudget.decisions import withdrawn as withdrawn_proposals
from xlbudget.errors import OutputError
from xlbudget.export import accounts_text, export_columns, warning_text
from xlbudget.master_sums import write_scenarie, write_udvalg
from xlbudget.models import TEXT_FIELDS, Amount
from xlbudget.read import MARK_PROPERTY
from xlbudget.spec import field_name

# A fixed creation time: the same inputs give byte-identical files.
CREATED = dt.datetime(2000, 1, 1)
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
OVERSIGT_SOURCE = [("Kilde fil", 40), ("Kilde ark", 16), ("Kilde celle", 14)]
# the finance office's columns, after the source: include, decision, remark; then what
# changed since the previous master (--previous)
OVERSIGT_DECISIONS = [("Med", 8), ("Beslutning", 13), ("Bemærkning", 40)]
CHANGED = ("Ændret siden forrige", 40)
REMARKS = ("Bemærkninger", 40)  # right after the years: a proposal's warnings, in words
# Nr., Emne, the texts: narrow enough that the sheet prints one A4 page wide (at ~60 %)
BESKRIVELSER_WIDTHS = [10, 20, *(44 if key == "description" else 20 for key in TEXT_FIELDS)]
KILDER = [("Fil", 50), ("Ark", 16), ("Forslag", 12), ("SHA-256", 68), ("Størrelse (bytes)", 16)]
KILDER += [("Status", 14), ("Fejl", 8), ("Advarsler", 11), ("Bemærkning", 70)]
FEJL = [("Fil", 40), ("Ark", 16), ("Celle", 14), ("Felt", 18), ("Alvor", 10), ("Kode", 22)]
FEJL += [("Besked", 90)]


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
        "default_format_properties": cells.TEXT_FORMAT,
    }
    wb = xlsxwriter.Workbook(handle, options)
    wb.set_properties(
        {
            "title": cells.title(consolidation, "samleark"),
            "author": "xlbudget",
            "comments": "Skrevet af xlbudget",
            "created": CREATED,
        }
    )
    # the mark that tells xlbudget never to read this workbook as a form
    wb.set_custom_property(MARK_PROPERTY, f"master {__version__}")
    fmt = cells.formats(wb)
    layout = _write_oversigt(wb.add_worksheet("Oversigt"), consolidation, fmt)
    write_udvalg(wb.add_worksheet("Udvalg"), consolidation, layout, fmt)
    write_scenarie(wb.add_worksheet("Scenarie"), consolidation, layout, fmt)
    _write_udgaaet(wb.add_worksheet("Udgået"), consolidation, fmt)
    _write_beskrivelser(wb.add_worksheet("Beskrivelser"), consolidation, fmt)
    _write_kilder(wb.add_worksheet("Kilder"), consolidation, fmt)
    _write_fejl(wb.add_worksheet("Fejl"), consolidation, fmt)
    _write_data(wb.add_worksheet("Data"), consolidation)
    wb.close()


def _med(value: str | None) -> str | None:
    """A Med value as written: Ja or Nej in their spelling, anything else as it was."""
    for choice in MED_CHOICES:
        if value is not None and value.casefold() == choice.casefold():
            return choice
    return value


def _write_oversigt(ws: Any, c: Consolidation, fmt: dict[str, Any]) -> cells.Layout:
    def xl_range(first: int, col: int, last: int, _: int) -> str:
        return f"{xl_rowcol_to_cell(first, col)}:{xl_rowcol_to_cell(last, col)}"

    years = c.years
    remarks_col = cells.FIRST_YEAR_COL + len(years)
    source_col = remarks_col + 1
    med_col = source_col + len(OVERSIGT_SOURCE)
    changed_col = med_col + len(OVERSIGT_DECISIONS)
    year_columns = [(str(year), cells.YEAR_WIDTH) for year in years]
    columns = [*cells.OVERSIGT_FIXED, *year_columns, REMARKS, *OVERSIGT_SOURCE, *OVERSIGT_DECISIONS]
    cells.headers(ws, [*columns, CHANGED], fmt)
    decisions: list[Decision] = []
    for i, year in enumerate(years):
        ws.write_number(0, cells.FIRST_YEAR_COL + i, year, fmt["year"])
    widths = [width for _, width in cells.OVERSIGT_FIXED]
    row = 1
    for group in c.groups:
        first = row
        for entry in group.entries:
            p = entry.proposal
            texts = [p.nr, p.kind, group.committee, p.department, p.subject]
            texts.append(accounts_text(p.accounts))
            cells.put_row(ws, row, texts)
            remarks = warning_text(entry.source)
            style = "warned" if remarks else "amount"
            for i, year in enumerate(years):
                amount = p.amounts.get(year)
                if amount is None:
                    ws.write_blank(row, cells.FIRST_YEAR_COL + i, None, fmt[style])
                else:
                    ws.write_number(
                        row,
                        cells.FIRST_YEAR_COL + i,
                        amount,
                        cells.amount_format(fmt, style, amount),
                    )
            source = [remarks, entry.source.path, entry.source.sheet, p.cells.get("nr")]
            cells.put_row(ws, row, source, remarks_col)
            decision = decision_for(c.previous, p.nr)
            decision = Decision(_med(decision.med), decision.decision, decision.note)
            decisions.append(decision)
            cells.put(ws, row, med_col, decision.med, fmt["input-med"])
            cells.put(ws, row, med_col + 1, decision.decision, fmt["input"])
            cells.put(ws, row, med_col + 2, decision.note, fmt["input"])
            changed = change_text(c.previous, p, group.committee, years)
            cells.put(ws, row, changed_col, changed, fmt["changed"] if changed else cells.TEXT)
            height = cells.row_height(
                [*map(cells.cell_text, texts), remarks, cells.cell_text(decision.note), changed],
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
    cells.page_setup(ws, cells.title(c, "oversigt"), fit_width=True)
    ws.print_area(0, 0, row, remarks_col)  # on paper: the proposals, amounts and remarks
    return cells.Layout(1, last, has_data, med_col, decisions)


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
    for col in range(1, cells.FIRST_YEAR_COL):
        ws.write_blank(row, col, None, fmt[f"{style}-label"])
    cells.put(ws, row, 0, label, fmt[f"{style}-label"])
    for i, year in enumerate(years):
        col = cells.FIRST_YEAR_COL + i
        value = totals.get(year, 0)
        cell_fmt = cells.amount_format(fmt, style, value)
        if rng is None:
            ws.write_number(row, col, value, cell_fmt)
        else:
            ws.write_formula(row, col, f"=SUBTOTAL(9,{rng(col)})", cell_fmt, value)


UDGAAET_FIXED = [("Nr.", 12), ("Type", 10), ("Udvalg", 24), ("Emne", 38)]
UDGAAET_DECISIONS = [("Med", 8), ("Beslutning", 13), ("Bemærkning", 40)]


def _write_udgaaet(ws: Any, c: Consolidation, fmt: dict[str, Any]) -> None:
    """The previous master's proposals that are not in this one: number, facts, the amounts
    they had and the decision they carried."""
    years = c.years
    columns = [*UDGAAET_FIXED, *((str(y), cells.YEAR_WIDTH) for y in years), *UDGAAET_DECISIONS]
    cells.headers(ws, columns, fmt)
    for i, year in enumerate(years):
        ws.write_number(0, len(UDGAAET_FIXED) + i, year, fmt["year"])
    gone = withdrawn_proposals(c.previous, c)
    for row, old in enumerate(gone, 1):
        facts = [old.nr, old.facts.get("kind"), old.facts.get("committee")]
        facts.append(old.facts.get("subject"))
        cells.put_row(ws, row, facts)
        for i, year in enumerate(years):
            amount = old.amounts.get(year)
            if amount is not None:
                value = cells.rounded(amount)
                ws.write_number(
                    row, len(UDGAAET_FIXED) + i, value, cells.amount_format(fmt, "amount", value)
                )
        decision = [old.decision.med, old.decision.decision, old.decision.note]
        cells.put_row(ws, row, decision, len(UDGAAET_FIXED) + len(years))
        widths = [w for _, w in UDGAAET_FIXED] + [UDGAAET_DECISIONS[2][1]]
        cells.set_height(
            ws,
            row,
            cells.row_height(
                [*map(cells.cell_text, facts), cells.cell_text(old.decision.note)], widths
            ),
        )
    if c.previous is None:
        note = "Intet forrige samleark (consolidate --previous): ingen forslag at sammenligne med."
    elif not gone:
        note = f"Alle forslag i {c.previous.path.name} er med i dette samleark."
    else:
        note = f"Forslag i {c.previous.path.name}, som ikke er med i dette samleark."
    ws.write_string(len(gone) + 2, 0, note, fmt["note"])
    cells.table_finish(ws, len(gone), len(columns), freeze_cols=1)
    cells.page_setup(ws, cells.title(c, "udgåede forslag"), fit_width=True)


def _write_beskrivelser(ws: Any, c: Consolidation, fmt: dict[str, Any]) -> None:
    """Number, subject and every text field of each included proposal, wrapped."""
    titles = ["Nr.", "Emne", *(field_name(key) for key in TEXT_FIELDS)]
    columns = list(zip(titles, BESKRIVELSER_WIDTHS, strict=True))
    cells.headers(ws, columns, fmt)
    entries = c.entries
    for row, entry in enumerate(entries, 1):
        p = entry.proposal
        texts = [
            cells.cell_text(p.nr),
            cells.cell_text(p.subject),
            *(cells.cell_text(getattr(p, k)) for k in TEXT_FIELDS),
        ]
        cells.put_row(ws, row, texts)
        cells.set_height(ws, row, cells.row_height(texts, BESKRIVELSER_WIDTHS))
    cells.table_finish(ws, len(entries), len(columns), freeze_cols=2)
    cells.page_setup(ws, cells.title(c, "beskrivelser"), fit_width=True, amounts=False)
    ws.repeat_columns(0, 1)  # every printed page shows Nr. and Emne


def _write_kilder(ws: Any, c: Consolidation, fmt: dict[str, Any]) -> None:
    """One row per form found (and per file where none could be read), with its fate."""
    cells.headers(ws, KILDER, fmt)
    widths = [KILDER[0][1], KILDER[8][1]]  # the columns whose texts may wrap: file, remark
    for row, f in enumerate(c.files, 1):
        status = c.status_of(f)
        nr = f.proposal.nr if f.proposal else None
        remark = _remark(f, status)
        cells.put_row(ws, row, [f.path, f.sheet, nr, f.sha256])
        if f.size is not None:
            ws.write_number(row, 4, f.size)
        cells.put(ws, row, 5, STATUS_DA[status], cells.TEXT)
        ws.write_number(row, 6, len(f.errors))
        ws.write_number(row, 7, len(f.warnings))
        cells.put(ws, row, 8, remark, cells.TEXT)
        cells.set_height(ws, row, cells.row_height([cells.cell_text(f.path), remark], widths))
    cells.table_finish(ws, len(c.files), len(KILDER), freeze_cols=1)
    rule = "Regel for genindsendelser: " + RULE_DA[c.duplicates]
    ws.write_string(len(c.files) + 2, 0, rule, fmt["note"])
    cells.page_setup(ws, cells.title(c, "kilder"), fit_width=True, amounts=False)


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
    cells.headers(ws, FEJL, fmt)
    row = 0
    for f in c.files:
        for issue in f.issues:
            row += 1
            texts = [f.path, f.sheet, issue.cell, field_name(issue.field)]
            texts += [SEVERITY_DA[issue.severity], issue.code, cells.cell_text(issue.message)]
            cells.put_row(ws, row, texts)
            cells.set_height(ws, row, cells.row_height([texts[-1]], [FEJL[-1][1]]))
    cells.table_finish(ws, row, len(FEJL), freeze_cols=0)
    cells.page_setup(ws, cells.title(c, "fejl og advarsler"), fit_width=True, amounts=False)


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
    titles = [{"header": DATA_HEADERS.get(column, column)} for column in columns]
    for col, column in enumerate(columns):
        ws.set_column(col, col, 11 if column.isdigit() else 24)
    entries = c.entries
    # a table holds at least one row: an empty consolidation gets one blank row
    table = {"name": "Forslag", "columns": titles, "style": "Table Style Medium 2"}
    ws.add_table(0, 0, max(len(entries), 1), len(columns) - 1, table)
    for row, entry in enumerate(entries, 1):  # row by row: no copy of the whole table
        p = entry.proposal
        texts = [p.nr, p.kind, p.committee, p.department, p.subject, accounts_text(p.accounts)]
        cells.put_row(ws, row, texts)
        first_year = len(texts)  # the years follow the texts, as export_columns has them
        for i, year in enumerate(c.years):
            amount = p.amounts.get(year)
            if amount is not None:
                ws.write_number(row, first_year + i, amount)
        cells.put_row(ws, row, [entry.source.path, entry.source.sheet], first_year + len(c.years))
    ws.freeze_panes(1, 0)
    cells.page_setup(ws, cells.title(c, "data"), fit_width=True)
