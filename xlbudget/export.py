"""Export the included proposals as a flat table (CSV) or as JSON, for other systems."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TextIO

from xlbudget.atomic import check_target, write_atomically

if TYPE_CHECKING:
    from xlbudget.consolidation import Consolidation
    from xlbudget.models import Account

ExportFormat = Literal["csv", "json"]
CsvStyle = Literal["excel", "plain"]
# Danish Excel opens a CSV by a double click when it is UTF-8 with a byte-order mark, ";"
# between the fields and a decimal comma; the headers are the master's.
EXCEL_HEADERS = {
    "nr": "Nr.",
    "kind": "Type",
    "committee": "Udvalg",
    "department": "Afdeling",
    "subject": "Emne",
    "accounts": "Konti",
    "source": "Kilde fil",
    "sheet": "Kilde ark",
    "warnings": "Bemærkninger",
}
FIXED_COLUMNS = ("nr", "kind", "committee", "department", "subject", "accounts")
SOURCE_COLUMNS = ("source", "sheet")
# OWASP CSV injection: a cell starting with one of these is a formula to a spreadsheet.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def accounts_text(accounts: Iterable[Account]) -> str:
    """Account codes with their names, "; "-joined: "03.22.01 Folkeskoler; 05.25.14 …"."""
    return "; ".join(f"{a.code} {a.name}" if a.name else a.code for a in accounts)


def export_columns(consolidation: Consolidation) -> list[str]:
    """The columns of the flat export, the budget years (as text) in the middle."""
    return [*FIXED_COLUMNS, *(str(year) for year in consolidation.years), *SOURCE_COLUMNS]


def export_rows(consolidation: Consolidation) -> list[dict[str, Any]]:
    """One flat row per included proposal, in master order; amounts are numbers (None if blank)."""
    rows = []
    for entry in consolidation.entries:
        p = entry.proposal
        row: dict[str, Any] = {
            "nr": p.nr,
            "kind": p.kind,
            "committee": p.committee,
            "department": p.department,
            "subject": p.subject,
            "accounts": accounts_text(p.accounts),
        }
        for year in consolidation.years:
            row[str(year)] = p.amounts.get(year)
        row["source"] = entry.source.path
        row["sheet"] = entry.source.sheet
        row["warnings"] = warning_text(entry.source)
        rows.append(row)
    return rows


def warning_text(result: Any, lang: str = "da") -> str:
    """A proposal's warnings in a few words each (the cell is in the Fejl sheet), "; "-joined."""
    from xlbudget.issues import render

    return "; ".join(
        render(issue.code, None, lang, issue.params)  # type: ignore[arg-type]
        for issue in result.issues
        if issue.severity == "warning"
    )


def export_json(consolidation: Consolidation) -> list[dict[str, Any]]:
    """The included proposals as the validate JSON contract's `proposal` plus `source`."""
    return [
        {**entry.proposal.to_json(), "source": entry.source.path, "sheet": entry.source.sheet}
        for entry in consolidation.entries
    ]


def csv_safe(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading quote; numbers stay."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def render_export(
    consolidation: Consolidation, fmt: ExportFormat, style: CsvStyle = "excel"
) -> str:
    """The export as text: JSON, or CSV as Danish Excel opens it ("excel": a byte-order mark,
    ";", decimal commas, the master's headers, a column of warnings) or for scripts
    ("plain": ",", decimal points, the keys as headers)."""
    if fmt == "json":
        return json.dumps(export_json(consolidation), ensure_ascii=False, indent=2) + "\n"
    if fmt != "csv":
        raise ValueError(f"unknown export format: {fmt!r} (use csv or json)")
    buffer = io.StringIO()
    columns = export_columns(consolidation)
    if style == "plain":
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(columns)
        for row in export_rows(consolidation):
            writer.writerow([csv_safe(row[column]) for column in columns])
        return buffer.getvalue()
    columns = [*columns, "warnings"]
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([EXCEL_HEADERS.get(column, column) for column in columns])
    for row in export_rows(consolidation):
        writer.writerow([_excel_cell(row[column]) for column in columns])
    return "\ufeff" + buffer.getvalue()


def _excel_cell(value: Any) -> Any:
    """A value as Danish Excel reads it: a decimal comma, no thousands separator."""
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",") if value == value else ""
    return csv_safe(value)


def write_export(
    consolidation: Consolidation,
    target: Path | str | TextIO,
    fmt: ExportFormat = "csv",
    style: CsvStyle = "excel",
) -> Path | None:
    """Write the export (UTF-8) to a stream, or atomically to a file; return the file's path."""
    text = render_export(consolidation, fmt, style)
    if not isinstance(target, str | os.PathLike):
        target.write(text)
        target.flush()
        return None
    path = Path(target)
    check_target(path, (f.path for f in consolidation.files), "export")
    return write_atomically(path, text.encode("utf-8"), "export")
