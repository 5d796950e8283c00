"""Build small form workbooks for tests: the reference layout, changed one case at a time."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook

REFERENCE = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "reference"
    / "budgetalternativ-drift-BFdr-001.tsv"
)

# The reference form's rows as (label, values...), as ../shared/reference shows it.
REFERENCE_ROWS: list[list[Any]] = [
    [],
    [],
    ["Budgetalternativ – drift"],
    ["Sæt kryds i Råderum eller Ønske", None, "Råderum", "Ønske", "X"],
    ["Nr.", "BFdr-001"],
    ["Udvalg", "Børne og Familieudvalget"],
    ["Afdeling/Institution", "Skole- og dagtilbudsområdet"],
    ["I 1.000 kr.", 2020, 2021, 2022, 2023],
    ["Budgetændring + = udgifter, - = indtægter", "+800", "+800", "+800", "+800"],
    ["Emne", "Digitaliseringsstrategi for skole og dagtilbud"],
    ["Profitcenter & F3-niveau", "03.22.01 Folkeskoler og 05.25.14 Daginstitutioner"],
    ["Beskrivelse:", "<p>Planen kræver en permanent forøgelse af driftsbudgettet til IT.</p>"],
    [
        "Nøgletal (Angiv relevante nøgletal for kommunen i forhold til andre kommuner – beskriv evt. udgiftsniveau):",
        "Ingen aktuelle nøgletal.",
    ],
    [
        "Betydning for Vesthimmerlands Kommunes fokusområder (Vores liv, Vores vækst og Vores børn og unge):",
        "Understøtter børn og unge.",
    ],
    ["Betydning for områdets udviklingsmål / politikker:", "Følger 2022-planens mål."],
    ["Eventuel indvirkning på andre områder af den kommunale virksomhed:", "Positiv afsmitning."],
    ["Konsekvenser for service til borgerne:", "Ensartede digitale enheder."],
    ["Personalemæssige konsekvenser:", "Ingen personalemæssige konsekvenser"],
    [
        "Høringsberettigede. Hvem er høringsberettiget (MED, andre – se drejebog for høring):",
        "<ul><li>MED</li></ul>",
    ],
    ["Afledt ændring i taksten for området:", "Ikke aktuelt."],
]
ROW_OF = {row[0]: index for index, row in enumerate(REFERENCE_ROWS) if row}


def reference_rows(changes: Mapping[str, list[Any]] | None = None) -> list[list[Any]]:
    """The reference rows with some rows replaced, by their label (the new row without it)."""
    rows = [list(row) for row in REFERENCE_ROWS]
    for label, values in (changes or {}).items():
        rows[ROW_OF[label]] = [label, *values]
    return rows


def write_form(
    path: Path,
    rows: list[list[Any]] | None = None,
    *,
    top: int = 0,
    left: int = 0,
    sheet: str = "Ark1",
    before: list[str] | None = None,
) -> Path:
    """Write rows as a form starting `top` rows down and `left` columns right, no defined names."""
    workbook = Workbook()
    first = workbook.active
    sheets = [*(before or []), sheet]
    first.title = sheets[0]
    for name in sheets[1:]:
        workbook.create_sheet(name)
    if before:
        workbook[before[0]]["A1"] = (
            "Vejledning: udfyld skemaet på næste ark og send det til Økonomi."
        )
    target = workbook[sheet]
    for r, row in enumerate(rows or REFERENCE_ROWS):
        for c, value in enumerate(row):
            if value is not None:
                target.cell(row=top + r + 1, column=left + c + 1, value=value)
    workbook.save(path)
    return path


def write_workbook(path: Path, sheets: list[dict[str, Any]]) -> Path:
    """Write several sheets in one workbook, each a dict with `name`, and optionally `rows`
    (a form, as write_form takes them; or `text` for a sheet of plain lines), `top`, `left`
    and `state` ("visible", "hidden" or "veryHidden")."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for spec in sheets:
        target = workbook.create_sheet(spec["name"])
        target.sheet_state = spec.get("state", "visible")
        top, left = spec.get("top", 0), spec.get("left", 0)
        for r, row in enumerate(spec.get("rows") or []):
            for c, value in enumerate(row):
                if value is not None:
                    target.cell(row=top + r + 1, column=left + c + 1, value=value)
        for r, line in enumerate(spec.get("text") or [], 1):
            target.cell(row=r, column=1, value=line)
    workbook.save(path)
    return path


def blank_rows() -> list[list[Any]]:
    """The reference form's labels and years with every answer left blank."""
    rows = []
    for row in REFERENCE_ROWS:
        if not row:
            rows.append([])
        elif row[0] == "I 1.000 kr.":
            rows.append(list(row))
        elif row[0] == "Sæt kryds i Råderum eller Ønske":
            rows.append([row[0], None, "Råderum", "Ønske"])
        else:
            rows.append([row[0]])
    return rows
