"""Write annotated copies a department can act on: every problem cell filled (red for an
error, amber for a warning) with its message as a comment, and a first sheet "Kontrol"
listing every issue, each cell a link to it, set up to print."""

from __future__ import annotations

import copy
import datetime as dt
import io
import math
import string
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xlbudget.atomic import write_atomically
from xlbudget.errors import OutputError
from xlbudget.issues import MESSAGES, Issue, Lang, render
from xlbudget.models import FileResult
from xlbudget.read import parse_ref

RED = "FFC7CE"  # Excel's "Bad" fill: errors
# warnings: a light amber that still stands out on the template's pale yellow input cells
# (FFF2CC), which Excel's "Neutral" FFEB9C does not
AMBER = "FFD966"
EDGE = {RED: "C00000", AMBER: "BF8F00"}  # the frame round a marked cell, darker than its fill
COPY_MARK = "kontrol"  # "BFdr-001 – kontrol.xlsx": never mistaken for the original
SHEET = "Kontrol"
LINK_COLOR = "0563C1"
HEADER_FILL = "D9D9D9"
PROBLEMS = ("error", "warning")  # what makes a copy worth writing; notes (info) do not

SEVERITY_WORD = {
    "da": {"error": "Fejl", "warning": "Advarsel", "info": "Note"},
    "en": {"error": "Error", "warning": "Warning", "info": "Note"},
}
HEADERS = {
    "da": ("Celle", "Felt", "Alvor", "Besked"),
    "en": ("Cell", "Field", "Severity", "Message"),
}
WIDTHS = (20, 20, 11, 100)
MONTHS_DA = "januar februar marts april maj juni juli august september oktober november december"
MONTHS_EN = "January February March April May June July August September October November December"
TITLE_ROW, HEADER_ROW = 1, 5
LINE_HEIGHT = 15.0  # points per line of 11-point text


def annotation_targets(files: Sequence[str], out_dir: Path) -> dict[str, Path]:
    """Where each file's annotated copy goes: out_dir/"<stem> – kontrol<suffix>", numbered
    where two inputs share a name ("forslag – kontrol (2).xlsx"), and never the name of an
    input file in out_dir; refuses an out_dir that cannot be made. The names are decided
    here, before any file is read, so that workers never race for one."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create the folder ({exc.strerror})") from None
    inputs_by_name: dict[str, list[str]] = {}
    for file in files:
        inputs_by_name.setdefault(Path(file).name.casefold(), []).append(file)
    folder = out_dir.resolve()
    targets: dict[str, Path] = {}
    taken: set[str] = set()
    for file in files:
        source = Path(file)
        stem = f"{source.stem} – {COPY_MARK}"
        name, number = f"{stem}{source.suffix}", 1
        while name.casefold() in taken or _is_input(name, inputs_by_name, folder):
            number += 1
            name = f"{stem} ({number}){source.suffix}"
        taken.add(name.casefold())
        targets[file] = out_dir / name
    return targets


def _is_input(name: str, inputs_by_name: dict[str, list[str]], folder: Path) -> bool:
    """Whether an input file in `folder` has this name (only those of the name are resolved)."""
    return any(
        Path(file).resolve().parent == folder for file in inputs_by_name.get(name.casefold(), ())
    )


def needs_copy(results: Sequence[FileResult]) -> bool:
    """Whether a file gets an annotated copy: it holds a form, and an error or a warning."""
    return any(r.sheet for r in results) and any(
        issue.severity in PROBLEMS for r in results for issue in r.issues
    )


def annotate(results: Sequence[FileResult], target: Path, lang: Lang = "da") -> Path | None:
    """Copy one file to `target` with the problem cells of all its forms marked (on every
    sheet) and a first sheet "Kontrol" listing every issue; None when the file holds no form,
    has no error or warning, or is not an xlsx/xlsm. Raises on failure."""
    from openpyxl import load_workbook

    if not results or not needs_copy(results):
        return None  # copies only of forms with something to act on
    result = results[0]
    source = Path(result.path)
    if result.file_type not in ("xlsx", "xlsm"):
        return None
    if target.resolve() == source.resolve():
        raise OutputError("the copy would overwrite the input")
    workbook = load_workbook(source, keep_vba=result.file_type == "xlsm", rich_text=False)
    missing = [r.sheet for r in results if r.sheet and r.sheet not in workbook.sheetnames]
    if missing:  # a copy without its form (openpyxl reads no sheet of a Strict Open XML file)
        raise OutputError(f"the sheet {missing[0]} cannot be copied")
    issues = [issue for _, issue in sorted(_ordered(results), key=lambda pair: pair[0])]
    _mark_cells(workbook, issues, lang)
    _add_kontrol(workbook, issues, source.name, lang)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return write_atomically(target, buffer.getvalue(), "annotated copy")


def _ordered(results: Sequence[FileResult]) -> list[tuple[tuple[int, ...], Issue]]:
    """Each issue with its place in the list: errors first, then warnings, then notes; each
    kind form by form, top to bottom (an issue without a cell first)."""
    severity = {"error": 0, "warning": 1, "info": 2}
    keyed = []
    for form, result in enumerate(results):
        for number, issue in enumerate(result.issues):
            row, col = parse_ref((issue.cell or "").rpartition("!")[2]) or (-1, -1)
            keyed.append(((severity[issue.severity], form, row, col, number), issue))
    return keyed


def message(issue: Issue, lang: Lang) -> str:
    """The issue's message in `lang`, without " i celle Ark1!B5" (the copy shows the cell);
    as the issue carries it where its parameters are not at hand."""
    template = MESSAGES.get(issue.code, ("", "", ""))[1 if lang == "da" else 2]
    needed = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    if not template or not needed <= {*issue.params, "where"}:
        return issue.in_language(lang).message
    return render(issue.code, None, lang, issue.params)


def _mark_cells(workbook: Any, issues: Sequence[Issue], lang: Lang) -> None:
    """Fill each problem cell (red if any of its issues is an error, else amber) and put its
    messages, each after its severity word, in a comment."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    by_cell: dict[tuple[str, str], list[Issue]] = {}
    for issue in issues:
        place = _place(workbook, issue.cell)
        if place is not None and issue.severity in PROBLEMS:
            by_cell.setdefault(place, []).append(issue)
    words = SEVERITY_WORD[lang]
    for (sheet_name, address), cell_issues in by_cell.items():
        sheet = workbook[sheet_name]
        cell = sheet[address]
        color = RED if any(i.is_error for i in cell_issues) else AMBER
        cell.fill = PatternFill("solid", start_color=color, end_color=color)
        _frame(sheet, cell, EDGE[color])
        lines = [f"{words[i.severity]}: {message(i, lang)}" for i in cell_issues]
        if cell.comment is not None and cell.comment.text.strip():  # the sender's own note
            lines.append(cell.comment.text.strip())
        text = "\n\n".join(lines)
        comment = Comment(text, "xlbudget")
        wrapped = sum(max(1, math.ceil(len(part) / 48)) for part in text.split("\n"))
        comment.width, comment.height = 340, 14 + 16 * wrapped
        cell.comment = comment


def _frame(sheet: Any, cell: Any, color: str) -> None:
    """A medium frame round the cell, or round the whole merged range it starts."""
    from openpyxl.styles import Border, Side

    side = Side(style="medium", color=color)
    cell.border = Border(left=side, right=side, top=side, bottom=side)
    for merged in sheet.merged_cells.ranges:
        if cell.coordinate in merged:
            merged.format()  # the range's edge cells take the first cell's frame
            break


def _place(workbook: Any, ref: str | None) -> tuple[str, str] | None:
    """The sheet and the cell to mark for an issue's cell: the merged range's first cell
    where the cell lies in one; None for no cell or one the workbook does not have."""
    if not ref:
        return None
    sheet_name, _, address = ref.rpartition("!")
    sheet_name = sheet_name.strip("'").replace("''", "'")
    if sheet_name not in workbook.sheetnames or parse_ref(address) is None:
        return None
    sheet = workbook[sheet_name]
    address = address.replace("$", "").upper()
    for merged in sheet.merged_cells.ranges:
        if address in merged:
            return sheet_name, merged.start_cell.coordinate
    return sheet_name, address


def _add_kontrol(workbook: Any, issues: Sequence[Issue], file_name: str, lang: Lang) -> None:
    """The first sheet, "Kontrol": a title naming the file and the day, what to do, and a
    table of every issue (cell as a link, field, severity, message), A4 landscape."""
    from openpyxl.styles import Alignment, Border, PatternFill, Side
    from openpyxl.worksheet.hyperlink import Hyperlink

    from xlbudget.spec import field_name

    name, number = SHEET, 1
    while name in workbook.sheetnames:
        number += 1
        name = f"{SHEET} ({number})"
    ws = workbook.create_sheet(name, 0)
    for sheet in workbook.worksheets:  # only the new sheet selected, or Excel groups them
        sheet.sheet_view.tabSelected = sheet is ws
    for chart in workbook.chartsheets:
        for view in chart.sheetViews.sheetView:
            view.tabSelected = False
    workbook.active = 0

    base = ws.cell(TITLE_ROW, 1).font  # the workbook's own font (Font() alone has no name)
    title = _title(file_name, dt.date.today(), lang)
    ws.cell(TITLE_ROW, 1, title).font = _font(base, bold=True, size=14)
    for row, line in enumerate(_guidance(issues, lang), TITLE_ROW + 1):
        ws.cell(row, 1, line)
    thin = Side(style="thin", color="808080")
    for col, header in enumerate(HEADERS[lang], 1):
        cell = ws.cell(HEADER_ROW, col, header)
        cell.font = _font(base, bold=True)
        cell.fill = PatternFill("solid", start_color=HEADER_FILL, end_color=HEADER_FILL)
        cell.border = Border(bottom=thin)
        cell.alignment = Alignment(vertical="top")
    words = SEVERITY_WORD[lang]
    top = Alignment(vertical="top")
    wrap = Alignment(vertical="top", wrap_text=True)
    line = Border(bottom=Side(style="hair", color="BFBFBF"))
    row = HEADER_ROW
    for issue in issues:
        row += 1
        cells = [ws.cell(row, col) for col in range(1, 5)]
        place = _place(workbook, issue.cell)
        if issue.cell:
            cells[0].value = issue.cell
        if place is not None:
            sheet_name, address = place
            quoted = "'" + sheet_name.replace("'", "''") + "'"
            cells[0].hyperlink = Hyperlink(ref="", location=f"{quoted}!{address}")
            cells[0].font = _font(base, color=LINK_COLOR, underline="single")
        cells[1].value = field_name(issue.field, lang) or None
        cells[2].value = words[issue.severity]
        if issue.severity in PROBLEMS:
            color = RED if issue.is_error else AMBER
            cells[2].fill = PatternFill("solid", start_color=color, end_color=color)
        cells[3].value = message(issue, lang)
        for cell in cells:
            cell.alignment = wrap if cell is cells[3] else top
            cell.border = line
        lines = _lines(cells[3].value, WIDTHS[3])
        if lines > 1:  # neither LibreOffice nor Excel reliably fits a written wrapped row
            ws.row_dimensions[row].height = LINE_HEIGHT * lines
    for col, width in enumerate(WIDTHS, 1):
        ws.column_dimensions[chr(64 + col)].width = width
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
    ws.auto_filter.ref = f"A{HEADER_ROW}:D{row}"
    _page_setup(ws, title, lang)


def _lines(text: str, width: float) -> int:
    """The lines a wrapped text takes in a column of `width`, wrapped at words: Calibri 11
    holds about 1.2 characters per unit of width."""
    per_line = max(1, int(width * 1.2))
    return sum(max(1, len(textwrap.wrap(part, per_line))) for part in text.split("\n"))


def _font(base: Any, **changes: Any) -> Any:
    """The workbook's font with some attributes changed."""
    font = copy.copy(base)
    for name, value in changes.items():
        setattr(font, name, value)
    return font


def _title(file_name: str, day: dt.date, lang: Lang) -> str:
    """The title row: Kontrol af BFdr-001.xlsx den 3. marts 2025 (Check of … on 3 March 2025)."""
    if lang == "da":
        return (
            f"Kontrol af {file_name} den {day.day}. {MONTHS_DA.split()[day.month - 1]} {day.year}"
        )
    return f"Check of {file_name} on {day.day} {MONTHS_EN.split()[day.month - 1]} {day.year}"


_GUIDANCE: dict[str, dict[str, Any]] = {
    "da": {
        "nouns": {"error": ("fejl", "fejl"), "warning": ("advarsel", "advarsler")},
        "meaning": {
            "error": "fejl (røde) skal rettes, før forslaget kan tælles med",
            "warning": "advarsler (gule) bør ses efter",
        },
        "and": " og ",
        "todo": "Ret skemaet i den oprindelige fil, og send det igen. "
        "Klik på en celle i første kolonne for at gå til den i skemaet.",
    },
    "en": {
        "nouns": {"error": ("error", "errors"), "warning": ("warning", "warnings")},
        "meaning": {
            "error": "errors (red) must be corrected before the proposal can count",
            "warning": "warnings (yellow) should be looked at",
        },
        "and": " and ",
        "todo": "Correct the form in the original file and send it again. "
        "Click a cell in the first column to go to it in the form.",
    },
}


def _guidance(issues: Sequence[Issue], lang: Lang) -> list[str]:
    """The two lines under the title: how many errors and warnings and what they mean; what
    to do."""
    text = _GUIDANCE[lang]
    counts: list[str] = []
    meaning: list[str] = []
    for severity in ("error", "warning"):
        number = sum(1 for i in issues if i.severity == severity)
        if number:
            singular, plural = text["nouns"][severity]
            counts.append(f"{number} {singular if number == 1 else plural}")
            meaning.append(text["meaning"][severity])
    first = f"{text['and'].join(counts)}: {'; '.join(meaning)}."
    return [first[0].upper() + first[1:], text["todo"]]


def _page_setup(ws: Any, title: str, lang: Lang) -> None:
    """A4 landscape, one page wide, the table's header row on every page, page numbers."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.left.text = title.replace("&", "&&")
    ws.oddFooter.left.size = 8
    ws.oddFooter.right.text = "Side &P af &N" if lang == "da" else "Page &P of &N"
    ws.oddFooter.right.size = 8
