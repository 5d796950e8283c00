"""Write the blank (or a pre-filled sample) proposal form as an xlsx workbook.

The layout, column by column: A is a narrow margin; B holds every label and, in the row
below its label, every text answer; the kind, the number, the budget years and the amounts
sit right of their labels in the narrow columns from C on, one per budget year (elsewhere
those columns carry on a label's grey band, or stand white beside an answer). Values never
sit in column A: a reader of a copied sheet finds them right of or below their labels.

No input cell is merged, and a text answer's row has no set height, so it grows as the
answer is typed and prints whole: Excel fits a row without a set height to its wrapped text
(when it shows the sheet, and again after every edit) but never fits merged cells, and
xlsxwriter marks every height given to set_row as custom (customHeight="1"), a height Excel
then keeps whatever is typed. An empty answer row is held open a few lines by line breaks in
the (locked, blank-looking) cell beside it. Rows of fixed text (labels, instructions) get a set height, since
LibreOffice does not fit an xlsx's rows when it opens one (only when a cell is edited); so do
the answer rows of a pre-filled form, which no spreadsheet program has fitted yet.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from xlbudget.atomic import write_atomically
from xlbudget.config import Config
from xlbudget.errors import UsageError
from xlbudget.spec import FieldKind, FieldSpec, FormSpec, load_spec

FIRST_YEAR_MIN = 2000
FIRST_YEAR_MAX = 2100
AMOUNT_FORMAT = "#,##0;-#,##0"
MARGIN_WIDTH = 2.0  # column A
FORM_WIDTH = 66.0  # column B: labels and text answers (1,500 characters are ~20 lines)
YEARS_WIDTH = 36.0  # the year columns together, each at least YEAR_MIN_WIDTH
YEAR_MIN_WIDTH = 9.0  # "-100.000" and a little air
FORM_COL = 1  # B
FIRST_VALUE_COL = 2  # C: the first budget year, the kind and the number
HELPER_SHEET = "Lister"
# A fixed creation time makes the same inputs give byte-identical files.
CREATED = dt.datetime(2020, 1, 1)
TITLE_ROW = 0
TITLE_HEIGHT = 24.0
FIRST_FIELD_ROW = 2  # one blank row between the title and the form, as in the reference
# Fields whose value sits right of the label; every other field's answer is below it.
BESIDE_LABEL = (FieldKind.CHOICE, FieldKind.PROPOSAL_NUMBER, FieldKind.YEARS, FieldKind.AMOUNTS)
# Lines an empty answer row is held open (it grows past them as text is typed).
OPEN_LINES = {FieldKind.RICH_TEXT: 3, FieldKind.ACCOUNT_CODES: 2}
DESCRIPTION_LINES = 8
LINE_HEIGHT = 15.0  # points, Calibri 11
MAX_ROW_HEIGHT = 409.0  # Excel's largest
# Characters a line of column B holds per unit of its width: Danish prose in Calibri 11 fits
# ~1.18 (measured in Carlito, Calibri's metric twin); these err towards a line too many.
PROSE_PER_WIDTH = 1.1
BOLD_PER_WIDTH = 1.0
# In an instruction line, replaced by " (address)" when serve.public_url is set, else removed.
URL_PLACEHOLDER = "{url}"

ERROR_TITLE = {
    FieldKind.CHOICE: "Ugyldig type",
    FieldKind.COMMITTEE: "Ukendt udvalg",
    FieldKind.AMOUNTS: "Ugyldigt beløb",
}
ERROR_MESSAGE = {
    FieldKind.CHOICE: "Vælg {options} på listen.",
    FieldKind.COMMITTEE: "Vælg udvalget på listen.",
    FieldKind.AMOUNTS: (
        "Beløb skrives som tal i 1.000 kr., fx 800 eller -250 (800 betyder 800.000 kr.). "
        "Beløbet skal ligge mellem {low} og {high}: et større tal er sikkert skrevet i kroner."
    ),
}


def default_first_year(config: Config | None) -> int:
    """config.budget.first_year if set, else the year after the current calendar year."""
    if config is not None and config.budget.first_year is not None:
        return config.budget.first_year
    return dt.date.today().year + 1


def instruction_lines(spec: FormSpec, config: Config) -> list[str]:
    """The spec's instructions, the web page's address (serve.public_url) filled in."""
    url = (config.serve.public_url or "").strip()
    address = f" ({url})" if url else ""
    return [line.replace(URL_PLACEHOLDER, address) for line in spec.form.instructions]


def danish_number(value: int) -> str:
    """An integer as Danish writes it: 100000 -> '100.000', -100000 -> '-100.000'."""
    return f"{value:,}".replace(",", ".")


def write_template(
    path: Path,
    config: Config | None = None,
    *,
    first_year: int | None = None,
    spec: FormSpec | None = None,
    values: Mapping[str, Any] | None = None,
) -> Path:
    """Write the blank proposal form (or, with `values`, a pre-filled one) to `path`."""
    config = config or Config()
    spec = spec or load_spec()
    values = dict(values or {})
    unknown = sorted(set(values) - set(spec.keys))
    if unknown:
        raise ValueError(f"unknown form fields in values: {', '.join(unknown)}")
    year = first_year if first_year is not None else default_first_year(config)
    if not FIRST_YEAR_MIN <= year <= FIRST_YEAR_MAX:
        source = "--first-year" if first_year is not None else "budget.first_year"
        raise UsageError(
            f"{source} must be between {FIRST_YEAR_MIN} and {FIRST_YEAR_MAX}",
            f"{source} skal ligge mellem {FIRST_YEAR_MIN} og {FIRST_YEAR_MAX}",
        )
    years = list(range(year, year + config.budget.years))
    buffer = io.BytesIO()
    _build(buffer, config, spec, years, values)
    return write_atomically(Path(path), buffer.getvalue(), "template")


def _build(
    target: io.BytesIO, config: Config, spec: FormSpec, years: list[int], values: dict[str, Any]
) -> None:
    # Imported here so that importing xlbudget (e.g. for validate) stays light.
    import xlsxwriter
    from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

    wb = xlsxwriter.Workbook(target, {"in_memory": True})
    wb.set_properties(
        {"title": spec.form.title, "comments": "Skabelon skrevet af xlbudget", "created": CREATED}
    )
    # xlbudget's mark (read.MARK_PROPERTY): a blank copy is passed over, a filled one is read
    wb.set_custom_property("xlbudget", "template")
    ws = wb.add_worksheet(spec.form.sheet_name)
    n = len(years)
    last_col = FIRST_VALUE_COL + n - 1
    fmt = _formats(wb)
    sheet_ref = quote_sheetname(spec.form.sheet_name)

    def name_cell(name: str, row: int, col: int) -> None:
        cell = xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)
        wb.define_name(name, f"={sheet_ref}!{cell}")

    committee_source = _committee_source(wb, config, quote_sheetname)
    ws.set_column(0, 0, MARGIN_WIDTH)
    ws.set_column(FORM_COL, FORM_COL, FORM_WIDTH)
    ws.set_column(FIRST_VALUE_COL, last_col, max(YEAR_MIN_WIDTH, YEARS_WIDTH / n))
    ws.set_row(TITLE_ROW, TITLE_HEIGHT)
    ws.write_string(TITLE_ROW, FORM_COL, spec.form.title, fmt["title"])

    row = FIRST_FIELD_ROW
    for field in spec.fields:
        label = field.label_for(config.municipality)
        ws.write_string(row, FORM_COL, label, fmt["label"])
        _set_height(ws, row, label, BOLD_PER_WIDTH)
        value = values.get(field.key)
        if field.kind is FieldKind.YEARS:
            for i, budget_year in enumerate(years, start=1):
                col = FIRST_VALUE_COL + i - 1
                ws.write_number(row, col, budget_year, fmt["year"])
                name_cell(field.defined_name(i), row, col)
                _validate(ws, row, col, field, label, config, None)
        elif field.kind is FieldKind.AMOUNTS:
            if isinstance(value, str | int | float):
                raise TypeError("values['amounts'] must be a list, one amount per year")
            amounts = list(value or [])
            for i in range(1, n + 1):
                col = FIRST_VALUE_COL + i - 1
                amount = amounts[i - 1] if i <= len(amounts) else None
                _write_value(ws, row, col, amount, fmt["amount"])
                name_cell(field.defined_name(i), row, col)
                _validate(ws, row, col, field, label, config, None)
        elif field.kind in BESIDE_LABEL:  # the kind and the number: short, beside the label
            _write_value(ws, row, FIRST_VALUE_COL, value, fmt["short"])
            _frame(ws, row, FIRST_VALUE_COL + 1, last_col, "band", fmt)
            name_cell(field.defined_name(), row, FIRST_VALUE_COL)
            source = list(spec.choice.options) if field.kind is FieldKind.CHOICE else None
            _validate(ws, row, FIRST_VALUE_COL, field, label, config, source)
        else:
            _frame(ws, row, FIRST_VALUE_COL, last_col, "band", fmt)
            row += 1  # the answer's own row, below the label
            _write_value(ws, row, FORM_COL, value, fmt["answer"])
            open_lines = _open_lines(field)
            # line breaks in the frame beside the answer hold its empty row open
            _frame(ws, row, FIRST_VALUE_COL, last_col, "open", fmt, "\n" * (open_lines - 1))
            if isinstance(value, str) and value:
                _set_height(ws, row, value, PROSE_PER_WIDTH, open_lines)
            name_cell(field.defined_name(), row, FORM_COL)
            source = committee_source if field.kind is FieldKind.COMMITTEE else None
            _validate(ws, row, FORM_COL, field, label, config, source)
        row += 1

    last_row = _write_instructions(ws, row + 1, instruction_lines(spec, config), spec, fmt)
    _page_setup(ws, last_row, last_col)
    ws.protect("", {"format_columns": True, "format_rows": True})
    wb.close()


def _formats(wb: Any) -> dict[str, Any]:
    font = {"font_name": "Calibri", "font_size": 11}
    base = {**font, "valign": "top", "border": 1}
    entry = {**base, "bg_color": "#FFF2CC", "locked": False}
    prose = {**font, "text_wrap": True, "valign": "top"}
    return {
        "title": wb.add_format({**font, "bold": True, "font_size": 16}),
        "label": wb.add_format({**base, "bold": True, "text_wrap": True, "bg_color": "#F2F2F2"}),
        "year": wb.add_format(
            {**base, "bold": True, "align": "right", "num_format": "0", "bg_color": "#F2F2F2"}
        ),
        "answer": wb.add_format({**entry, "text_wrap": True}),
        "short": wb.add_format(entry),  # a longer number shows over the empty cells beside it
        "amount": wb.add_format({**entry, "num_format": AMOUNT_FORMAT}),
        # beside a label: its grey band goes on to the form's right edge
        "band": wb.add_format({**font, "bg_color": "#F2F2F2", "top": 1, "bottom": 1}),
        "band_end": wb.add_format(
            {**font, "bg_color": "#F2F2F2", "top": 1, "bottom": 1, "right": 1}
        ),
        # beside an answer: white; wraps, so that the spacer's line breaks count
        "open": wb.add_format({**prose, "bottom": 1}),
        "open_end": wb.add_format({**prose, "bottom": 1, "right": 1}),
        "heading": wb.add_format({**font, "bold": True, "font_size": 12, "valign": "top"}),
        "note": wb.add_format(prose),
        "unit": wb.add_format({**prose, "italic": True}),
    }


def _open_lines(field: FieldSpec) -> int:
    """The lines an empty answer of `field` shows."""
    return DESCRIPTION_LINES if field.key == "description" else OPEN_LINES.get(field.kind, 1)


def _lines(text: str, per_width: float) -> int:
    """The lines `text` takes in column B, each paragraph starting a line."""
    per_line = FORM_WIDTH * per_width
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def _set_height(ws: Any, row: int, text: str, per_width: float, at_least: int = 1) -> None:
    """Give a row of fixed text the height its lines take (one line: left to Excel)."""
    lines = max(_lines(text, per_width), at_least)
    if lines > 1:
        ws.set_row(row, min(LINE_HEIGHT * lines + 3, MAX_ROW_HEIGHT))


def _frame(
    ws: Any, row: int, first: int, last: int, style: str, fmt: dict, spacer: str = ""
) -> None:
    """Fill the columns first..last of a row that holds no value there (`style`: "band"
    beside a label, "open" beside an answer), the `spacer` in the first."""
    for col in range(first, last + 1):
        cell_format = fmt[f"{style}_end" if col == last else style]
        if col == first and spacer:
            ws.write_string(row, col, spacer, cell_format)
        else:
            ws.write_blank(row, col, None, cell_format)


def _write_value(ws: Any, row: int, col: int, value: Any, style: Any) -> None:
    # Strings go in as text on purpose: sample forms carry "+800" or "=1+1" as typed text.
    if value is None or value == "":
        ws.write_blank(row, col, None, style)
    elif isinstance(value, bool) or not isinstance(value, int | float):
        ws.write_string(row, col, str(value), style)
    else:
        ws.write_number(row, col, value, style)


def _committee_source(wb: Any, config: Config, quote_sheetname: Any) -> list[str] | str | None:
    names = [c.name for c in config.committees]
    if not names:
        return None
    # Excel caps a literal list at 255 characters and cannot escape commas or quotes in it.
    if len(",".join(names)) <= 255 and not any("," in n or '"' in n for n in names):
        return names
    helper = wb.add_worksheet(HELPER_SHEET)
    for i, name in enumerate(names):
        helper.write_string(i, 0, name)
    helper.hide()
    helper.protect()
    return f"={quote_sheetname(HELPER_SHEET)}!$A$1:$A${len(names)}"


def _validate(
    ws: Any, row: int, col: int, field: FieldSpec, label: str, config: Config, source: Any
) -> None:
    options: dict[str, Any] = {"validate": "any"}
    message = ERROR_MESSAGE.get(field.kind, "")
    if field.kind is FieldKind.AMOUNTS:
        # an amount past the limit can only be kroner: Excel refuses it as it is typed
        limit = config.budget.max_amount
        options = {"validate": "decimal", "criteria": "between", "minimum": -limit}
        options["maximum"] = limit
        message = message.format(low=danish_number(-limit), high=danish_number(limit))
    elif source is not None:
        options = {"validate": "list", "source": source}
        choices = " eller ".join(source) if isinstance(source, list) else ""
        message = message.format(options=choices)
    if options["validate"] != "any":
        options["error_title"] = ERROR_TITLE[field.kind]
        options["error_message"] = message
    if field.hint:
        options["input_title"] = _short(label)
        options["input_message"] = field.hint[:255]
    if options["validate"] != "any" or field.hint:
        ws.data_validation(row, col, row, col, options)


def _short(label: str, limit: int = 32) -> str:
    # Excel rejects input titles longer than 32 characters.
    text = label.split("(")[0].strip(" :.")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _write_instructions(
    ws: Any, row: int, lines: list[str], spec: FormSpec, fmt: dict[str, Any]
) -> int:
    """Write the instruction block from `row` down in column B; its last row.

    The cells wrap and the rows have no set height: each row fits its text."""
    heading, *rest = lines or ("",)
    items = [
        (heading, fmt["heading"]),
        *((text, fmt["note"]) for text in rest),
        (spec.form.unit_note, fmt["unit"]),
    ]
    for text, style in items:
        if not text:
            continue
        ws.write_string(row, FORM_COL, text, style)
        _set_height(ws, row, text, PROSE_PER_WIDTH)
        row += 1
    return row - 1


def _page_setup(ws: Any, last_row: int, last_col: int) -> None:
    ws.set_paper(9)  # A4
    ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.6, right=0.6, top=0.75, bottom=0.75)
    ws.center_horizontally()
    ws.print_area(0, 0, last_row, last_col)
    ws.set_footer("&L&A&RSide &P af &N")
