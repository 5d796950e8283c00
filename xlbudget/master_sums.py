"""Udvalg and Scenarie: committee × year sums as live SUMIFS formulas on Oversigt, each with
its computed value, and each committee's råderum target against what was found."""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from xlbudget import master_cells as cells
from xlbudget.consolidation import Consolidation
from xlbudget.decisions import Decision
from xlbudget.models import Amount


def _is_med(decision: Decision) -> bool:
    """Counted in the scenario: Med is Ja (SUMIFS compares without regard to case)."""
    return (decision.med or "").casefold() == "ja"


def _criterion(text: str) -> str:
    """A SUMIFS criterion that matches exactly `text`: = prefix, wildcards escaped, quoted."""
    escaped = text.replace("~", "~~").replace("*", "~*").replace("?", "~?")
    return '"=' + escaped.replace('"', '""') + '"'


def _over(layout: cells.Layout, col: int) -> str:
    """A column of Oversigt's proposal rows (subtotals too: they have no Type), absolute."""
    name = xl_col_to_name(col)
    return f"Oversigt!${name}${layout.first_row + 1}:${name}${layout.last_row + 1}"


def _who(committee: str, row: int) -> str:
    """The committee criterion: the name itself, or for a very long one its cell in column A."""
    return _criterion(committee) if len(committee) < 250 else f"$A{row + 1}"


def write_udvalg(ws: Any, c: Consolidation, layout: cells.Layout, fmt: dict[str, Any]) -> None:
    """Three blocks (Råderum, Ønske, Netto): committee × year, live formulas on Oversigt."""
    _write_blocks(ws, c, layout, fmt, scenario=False)
    cells.page_setup(ws, cells.title(c, "udvalg"), fit_width=True)


def write_scenarie(ws: Any, c: Consolidation, layout: cells.Layout, fmt: dict[str, Any]) -> None:
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
    cells.page_setup(ws, cells.title(c, "scenarie"), fit_width=True, repeat=False)


def _write_blocks(
    ws: Any, c: Consolidation, layout: cells.Layout, fmt: dict[str, Any], scenario: bool
) -> tuple[dict[str, int], int]:
    """Råderum, Ønske and Netto: committee × year as SUMIFS on Oversigt, each with a total
    row; in the scenario only the proposals with Med = Ja. Returns each block's first
    committee row and the next free row (0-based)."""
    years = c.years
    committees = [g.committee for g in c.groups]
    ws.set_column(0, 0, 36)
    ws.set_column(1, max(len(years), 1), cells.YEAR_WIDTH + 1)
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
    for block in (*cells.KINDS, "Netto"):
        label = f"{block}, Med = Ja" if scenario else block
        first = row = block_rows[block] = _block_title(ws, row, label, years, fmt)
        for k, committee in enumerate(committees):
            cells.put(ws, row, 0, committee, cells.TEXT)
            for i, year in enumerate(years):
                if block == "Netto":
                    value = cells.rounded(sum(values[(kind, year)][k] for kind in cells.KINDS))
                    refs = [xl_rowcol_to_cell(block_rows[kind] + k, 1 + i) for kind in cells.KINDS]
                    formula = "=" + "+".join(refs)
                else:
                    value = cells.rounded(sums[(committee.casefold(), block)][year])
                    formula = (
                        f"=SUMIFS({over(cells.FIRST_YEAR_COL + i)},{over(cells.COL_COMMITTEE)},"
                        f'{_who(committee, row)},{over(cells.COL_KIND)},"{block}"{med})'
                    )
                values[(block, year)].append(value)
                _amount(ws, row, 1 + i, value, formula if layout.has_data else None, fmt)
            row += 1
        _total(ws, row, first, [sum(values[(block, year)]) for year in years], fmt)
        row += 2
    return block_rows, row


def _write_targets(
    ws: Any,
    c: Consolidation,
    layout: cells.Layout,
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
        first = row = first_rows[block] = _block_title(ws, row, block, years, fmt)
        sums: defaultdict[int, float] = defaultdict(float)
        for k, committee in enumerate(targeted):
            cells.put(ws, row, 0, committee, cells.TEXT)
            target = c.targets[committee]
            for i, year in enumerate(years):
                col = 1 + i
                formula: str | None = None
                if block != "Fundet råderum" and year not in target:
                    ws.write_blank(row, col, None, fmt["amount"])
                    continue
                if block == "Måltal for råderum":
                    value = cells.rounded(target[year])
                elif block == "Fundet råderum":
                    value = cells.rounded(found[(committee.casefold(), year)] + 0.0)
                    if layout.has_data:
                        formula = (
                            f"=-SUMIFS({over(cells.FIRST_YEAR_COL + i)},{over(cells.COL_COMMITTEE)},"
                            f'{_who(committee, row)},{over(cells.COL_KIND)},"Råderum",'
                            f'{over(layout.med_col)},"Ja")'
                        )
                else:
                    value = cells.rounded(found[(committee.casefold(), year)] - target[year])
                    found_cell = xl_rowcol_to_cell(first_rows["Fundet råderum"] + k, col)
                    target_cell = xl_rowcol_to_cell(first_rows["Måltal for råderum"] + k, col)
                    formula = f"={found_cell}-{target_cell}"
                _amount(ws, row, col, value, formula, fmt)
                sums[year] += value
            row += 1
        _total(ws, row, first, [sums[year] for year in years], fmt)
        if block == "Forskel" and years:
            # short of the target: the gap below zero (a little slack for decimal sums)
            ws.conditional_format(
                first,
                1,
                row,
                len(years),
                {"type": "cell", "criteria": "<", "value": -0.0005, "format": fmt["short"]},
            )
        row += 2
    return row


def _block_title(ws: Any, row: int, label: str, years: list[int], fmt: dict[str, Any]) -> int:
    """A block's header row, its name and the years; returns the row below it."""
    ws.write_string(row, 0, label, fmt["header"])
    for i, year in enumerate(years):
        ws.write_number(row, 1 + i, year, fmt["year"])
    return row + 1


def _amount(
    ws: Any,
    row: int,
    col: int,
    value: Amount,
    formula: str | None,
    fmt: dict[str, Any],
    style: str = "amount",
) -> None:
    """An amount: a live formula with its computed value, or the number where there is none."""
    cell_format = cells.amount_format(fmt, style, value)
    if formula is None:
        ws.write_number(row, col, value, cell_format)
    else:
        ws.write_formula(row, col, formula, cell_format, value)


def _total(ws: Any, row: int, first: int, totals: list[float], fmt: dict[str, Any]) -> None:
    """A block's "I alt" row: the SUM of its committee rows from `first`, per year."""
    for col in range(1, 1 + len(totals)):
        ws.write_blank(row, col, None, fmt["total-label"])
    ws.write_string(row, 0, "I alt", fmt["total-label"])
    for col, total in enumerate(totals, 1):
        top, bottom = xl_rowcol_to_cell(first, col), xl_rowcol_to_cell(row - 1, col)
        formula = f"=SUM({top}:{bottom})" if row > first else None  # no committee: no range
        _amount(ws, row, col, cells.rounded(total), formula, fmt, "total")
