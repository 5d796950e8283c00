"""Compare two budget rounds: each a folder of forms or a master xlbudget wrote. New,
withdrawn and changed proposals (which fields; amounts per year old → new and the
difference) and the change of each committee's totals per year."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlbudget import __version__
from xlbudget.api import consolidate
from xlbudget.atomic import write_atomically
from xlbudget.config import Config
from xlbudget.decisions import FACTS, PreviousProposal, read_previous
from xlbudget.errors import UsageError
from xlbudget.models import TEXT_FIELDS, Amount
from xlbudget.read import MARK_PROPERTY
from xlbudget.spec import field_name

FACT_KEYS = tuple(FACTS.values())  # kind, committee, department, subject


@dataclass
class Round:
    """One round's included proposals by number, whatever it was read from."""

    source: str
    years: list[int]
    proposals: dict[str, PreviousProposal]


def load_round(path: Path | str, config: Config) -> Round:
    """A round from a master xlbudget wrote, or else from a folder (or file) of forms."""
    path = Path(path)
    if path.is_file():
        try:
            previous = read_previous(path, config.limits)
        except UsageError:
            pass  # not a master: a form
        else:
            return Round(str(path), previous.years, previous.proposals)
    consolidation = consolidate([path], config)
    proposals = {}
    for entry in consolidation.entries:
        p = entry.proposal
        facts = {key: getattr(p, key) for key in FACT_KEYS}
        amounts = {year: float(value) for year, value in p.amounts.items()}
        texts = {key: getattr(p, key) for key in TEXT_FIELDS}
        proposals[p.nr or ""] = PreviousProposal(p.nr or "", facts, amounts, texts)
    return Round(str(path), consolidation.years, proposals)


def _number(value: float | None) -> Amount | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 6)


def _summary(p: PreviousProposal) -> dict[str, Any]:
    return {
        "nr": p.nr,
        **{key: p.facts.get(key) for key in FACT_KEYS},
        "amounts": {str(year): _number(value) for year, value in sorted(p.amounts.items())},
    }


def compare_rounds(old: Round, new: Round) -> dict[str, Any]:
    """The differences between two rounds, as the JSON of `xlbudget compare` gives them."""
    years = sorted(set(old.years) | set(new.years))
    added = [_summary(new.proposals[nr]) for nr in sorted(new.proposals.keys() - old.proposals)]
    gone = [_summary(old.proposals[nr]) for nr in sorted(old.proposals.keys() - new.proposals)]
    changed = []
    unchanged = 0
    for nr in sorted(old.proposals.keys() & new.proposals.keys()):
        before, after = old.proposals[nr], new.proposals[nr]
        fields = [
            {"field": key, "old": before.facts.get(key), "new": after.facts.get(key)}
            for key in FACT_KEYS
            if (before.facts.get(key) or None) != (after.facts.get(key) or None)
        ]
        if before.texts is not None and after.texts is not None:
            fields += [
                {"field": key, "old": before.texts.get(key), "new": after.texts.get(key)}
                for key in TEXT_FIELDS
                if (before.texts.get(key) or None) != (after.texts.get(key) or None)
            ]
        amounts = {}
        for year in years:
            was, now = before.amounts.get(year), after.amounts.get(year)
            if (was or 0) != (now or 0):
                amounts[str(year)] = {
                    "old": _number(was),
                    "new": _number(now),
                    "difference": _number((now or 0) - (was or 0)),
                }
        if fields or amounts:
            changed.append({"nr": nr, "committee": after.facts.get("committee"),
                            "fields": fields, "amounts": amounts})  # fmt: skip
        else:
            unchanged += 1
    return {
        "old": old.source,
        "new": new.source,
        "years": years,
        "new_proposals": added,
        "withdrawn": gone,
        "changed": changed,
        "committees": _committee_totals(old, new, years),
        "summary": {
            "new": len(added),
            "withdrawn": len(gone),
            "changed": len(changed),
            "unchanged": unchanged,
        },
    }


def _committee_totals(old: Round, new: Round, years: list[int]) -> list[dict[str, Any]]:
    def totals(round_: Round) -> dict[str, dict[int, float]]:
        sums: dict[str, dict[int, float]] = {}
        for p in round_.proposals.values():
            per_year = sums.setdefault(p.facts.get("committee") or "", {})
            for year, value in p.amounts.items():
                per_year[year] = per_year.get(year, 0.0) + value
        return sums

    before, after = totals(old), totals(new)
    rows = []
    for committee in sorted(before.keys() | after.keys()):
        was, now = before.get(committee, {}), after.get(committee, {})
        rows.append(
            {
                "committee": committee,
                "totals": {
                    str(year): {
                        "old": _number(was.get(year, 0.0)),
                        "new": _number(now.get(year, 0.0)),
                        "difference": _number(now.get(year, 0.0) - was.get(year, 0.0)),
                    }
                    for year in years
                },
            }
        )
    return rows


def write_changes(comparison: dict[str, Any], path: Path) -> Path:
    """The comparison as a workbook: one row per new, withdrawn or changed proposal, and the
    committees' totals old → new."""
    import xlsxwriter  # only for -o: the text and JSON reports do without it

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    workbook.set_custom_property(MARK_PROPERTY, f"comparison {__version__}")  # never a form
    bold = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "text_wrap": True})
    sheet = workbook.add_worksheet("Ændringer")
    years = comparison["years"]
    sheet.write_row(0, 0, ["Nr.", "Hvad", "Udvalg", "Felter", *map(str, years)], bold)
    row = 1
    for what, key in (("ny", "new_proposals"), ("udgået", "withdrawn")):
        for item in comparison[key]:
            amounts = [item["amounts"].get(str(year)) for year in years]
            sheet.write_row(row, 0, [item["nr"], what, item.get("committee"), "", *amounts])
            row += 1
    for item in comparison["changed"]:
        names = ", ".join(field_name(f["field"]) for f in item["fields"])
        differences = [item["amounts"].get(str(year), {}).get("difference") for year in years]
        sheet.write_row(row, 0, [item["nr"], "ændret", item["committee"], names, *differences])
        row += 1
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, 3, 30)
    totals = workbook.add_worksheet("Udvalg")
    header = ["Udvalg"]
    for year in years:
        header += [f"{year} før", f"{year} nu", f"{year} forskel"]
    totals.write_row(0, 0, header, bold)
    for row, item in enumerate(comparison["committees"], 1):
        values: list[Any] = [item["committee"]]
        for year in years:
            cell = item["totals"][str(year)]
            values += [cell["old"], cell["new"], cell["difference"]]
        totals.write_row(row, 0, values)
    totals.set_column(0, 0, 30)
    workbook.close()
    return write_atomically(Path(path), buffer.getvalue(), "comparison")
