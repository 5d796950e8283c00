"""Write the blank (or a pre-filled sample) proposal form as an xlsx workbook."""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from xlbudget.atomic import write_atomically
from xlbudget.config import Config
from xlbudget.spec import FieldKind, FieldSpec, FormSpec, load_spec

AMOUNT_MIN = -10_000_000
AMOUNT_MAX = 10_000_000
AMOUNT_FORMAT = "#,##0;-#,##0"
LABEL_WIDTH = 46
VALUE_WIDTH = 60  # total width of the value columns, whatever the number of years
HELPER_SHEET = "Lister"
# A fixed creation time makes the same inputs give byte-identical files.
CREATED = dt.datetime(2020, 1, 1)

TITLE_ROW = 0
FIRST_FIELD_ROW = 2  # one blank row between the title and the form, as in the reference
# Heights (points) of the value rows: text rows are tall enough to type a paragraph in.
ROW_HEIGHTS = {FieldKind.RICH_TEXT: 75.0, FieldKind.ACCOUNT_CODES: 30.0}
DESCRIPTION_HEIGHT = 150.0
LINE_HEIGHT = 15.0

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
        "Beløbet skal ligge mellem -10.000.000 og 10.000.000."
    ),
}


def default_first_year(config: Config | None) -> int:
    """config.budget.first_year if set, else the year after the current calendar year."""
    if config is not None and config.budget.first_year is not None:
        return config.budget.first_year
    return dt.date.today().year + 1


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
    last_col = n  # value columns are B .. B+n-1
    fmt = _formats(wb)
    sheet_ref = quote_sheetname(spec.form.sheet_name)

    def name_cell(name: str, row: int, col: int) -> None:
        cell = xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)
        wb.define_name(name, f"={sheet_ref}!{cell}")

    committee_source = _committee_source(wb, config, quote_sheetname)
    ws.set_column(0, 0, LABEL_WIDTH)
    ws.set_column(1, last_col, max(12.0, VALUE_WIDTH / n))
    ws.set_row(TITLE_ROW, 24)
    ws.write_string(TITLE_ROW, 0, spec.form.title, fmt["title"])

    row = FIRST_FIELD_ROW
    for field in spec.fields:
        label = field.label_for(config.municipality)
        ws.write_string(row, 0, label, fmt["label"])
        value = values.get(field.key)
        if field.kind is FieldKind.YEARS:
            for i, budget_year in enumerate(years, start=1):
                ws.write_number(row, i, budget_year, fmt["year"])
                name_cell(field.defined_name(i), row, i)
                _validate(ws, row, i, field, label, None)
        elif field.kind is FieldKind.AMOUNTS:
            if isinstance(value, str | int | float):
                raise TypeError("values['amounts'] must be a list, one amount per year")
            amounts = list(value or [])
            for i in range(1, n + 1):
                _write_value(
                    ws, row, i, amounts[i - 1] if i <= len(amounts) else None, fmt["amount"]
                )
                name_cell(field.defined_name(i), row, i)
                _validate(ws, row, i, field, label, None)
        else:
            style = fmt["input"]
            # The kind dropdown is one cell, as in the reference; the rest span the years.
            if field.kind is not FieldKind.CHOICE and last_col > 1:
                ws.merge_range(row, 1, row, last_col, "", style)
            _write_value(ws, row, 1, value, style)
            name_cell(field.defined_name(), row, 1)
            source = list(spec.choice.options) if field.kind is FieldKind.CHOICE else None
            if field.kind is FieldKind.COMMITTEE:
                source = committee_source
            _validate(ws, row, 1, field, label, source)
        ws.set_row(row, _row_height(field, label, value))
        row += 1

    last_row = _write_instructions(ws, row + 1, spec, last_col, fmt)
    _page_setup(ws, last_row, last_col)
    ws.protect("", {"format_columns": True, "format_rows": True})
    wb.close()


def _formats(wb: Any) -> dict[str, Any]:
    base = {"font_name": "Calibri", "font_size": 11, "valign": "top", "border": 1}
    entry = {**base, "bg_color": "#FFF2CC", "locked": False}
    return {
        "title": wb.add_format({"font_name": "Calibri", "bold": True, "font_size": 16}),
        "label": wb.add_format({**base, "bold": True, "text_wrap": True, "bg_color": "#F2F2F2"}),
        "year": wb.add_format(
            {**base, "bold": True, "align": "right", "num_format": "0", "bg_color": "#F2F2F2"}
        ),
        "input": wb.add_format({**entry, "text_wrap": True}),
        "amount": wb.add_format({**entry, "num_format": AMOUNT_FORMAT}),
        "heading": wb.add_format({"bold": True, "font_size": 12, "valign": "top"}),
        "note": wb.add_format({"text_wrap": True, "valign": "top"}),
        "unit": wb.add_format({"text_wrap": True, "valign": "top", "italic": True}),
    }


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


def _validate(ws: Any, row: int, col: int, field: FieldSpec, label: str, source: Any) -> None:
    options: dict[str, Any] = {"validate": "any"}
    if field.kind is FieldKind.AMOUNTS:
        options = {
            "validate": "decimal",
            "criteria": "between",
            "minimum": AMOUNT_MIN,
            "maximum": AMOUNT_MAX,
        }
    elif source is not None:
        options = {"validate": "list", "source": source}
    if options["validate"] != "any":
        options["error_title"] = ERROR_TITLE[field.kind]
        choices = " eller ".join(source) if isinstance(source, list) else ""
        options["error_message"] = ERROR_MESSAGE[field.kind].format(options=choices)
    if field.hint:
        options["input_title"] = _short(label)
        options["input_message"] = field.hint[:255]
    if options["validate"] != "any" or field.hint:
        ws.data_validation(row, col, row, col, options)


def _short(label: str, limit: int = 32) -> str:
    # Excel rejects input titles longer than 32 characters.
    text = label.split("(")[0].strip(" :.")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _row_height(field: FieldSpec, label: str, value: Any) -> float:
    label_lines = math.ceil(len(label) / (LABEL_WIDTH * 0.95))
    # Sample forms carry long texts: grow the row so the printout shows them whole.
    text = value if isinstance(value, str) and not field.is_per_year else ""
    lines = max(label_lines, math.ceil(len(text) / (VALUE_WIDTH * 1.15)))
    height = max(LINE_HEIGHT * lines + 5, 20.0)
    if field.key == "description":
        height = max(height, DESCRIPTION_HEIGHT)
    return min(max(height, ROW_HEIGHTS.get(field.kind, 0.0)), 409.0)  # Excel's maximum


def _write_instructions(ws: Any, row: int, spec: FormSpec, last_col: int, fmt: dict) -> int:
    """Write the instruction block from `row` down, merged across the form; its last row."""
    chars_per_line = (LABEL_WIDTH + VALUE_WIDTH) * 1.15  # prose is narrower than "0"
    heading, *lines = spec.form.instructions or ("",)
    items = [
        (heading, fmt["heading"]),
        *((t, fmt["note"]) for t in lines),
        (spec.form.unit_note, fmt["unit"]),
    ]
    for text, style in items:
        if not text:
            continue
        ws.merge_range(row, 0, row, last_col, "", style)
        ws.write_string(row, 0, text, style)
        ws.set_row(row, LINE_HEIGHT * math.ceil(len(text) / chars_per_line) + 3)
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
