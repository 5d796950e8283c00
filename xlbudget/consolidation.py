"""Consolidate stage: many checked forms to committee groups with subtotals per year."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from xlbudget.config import Config, committee_key
from xlbudget.issues import Issue
from xlbudget.models import Amount, FileResult, Proposal

SourceStatus = Literal["included", "left-out", "duplicate"]


class Entry(BaseModel):
    """An included proposal with the file and sheet it came from."""

    proposal: Proposal
    source: FileResult


class Group(BaseModel):
    """One committee's proposals, ordered by number, and their subtotal per year."""

    committee: str
    entries: list[Entry]
    totals: dict[int, Amount]


class Consolidation(BaseModel):
    """The result of a consolidation: groups, totals and every file with its fate."""

    years: list[int]
    groups: list[Group]
    totals: dict[int, Amount]
    files: list[FileResult]
    status: dict[str, SourceStatus] = Field(default_factory=dict)

    @property
    def entries(self) -> list[Entry]:
        """Every included proposal, in master order."""
        return [entry for group in self.groups for entry in group.entries]

    @property
    def left_out(self) -> list[FileResult]:
        """Files whose proposal is not in the totals because of errors."""
        return [f for f in self.files if self.status[f.path] == "left-out"]

    def counts(self) -> dict[str, int]:
        """Summary figures: files read, proposals included, files left out, duplicates, warnings."""
        statuses = Counter(self.status.values())
        issues = Counter(i.severity for f in self.files if f.issues for i in f.issues)
        return {
            "files": len(self.files),
            "included": statuses["included"],
            "left_out": statuses["left-out"],
            "duplicates": statuses["duplicate"],
            "errors": issues["error"],
            "warnings": issues["warning"],
        }


def consolidate_results(results: Sequence[FileResult], config: Config) -> Consolidation:
    """Apply the cross-file rules (years, duplicates) and group what is left by committee."""
    status: dict[str, SourceStatus] = {}
    candidates = [r for r in results if r.proposal is not None and r.status != "error"]
    years = config.budget.budget_years or _common_years(candidates)
    expected_years = set(years)
    for result in candidates:
        assert result.proposal is not None
        if not result.proposal.amounts.keys() <= expected_years:  # a year not budgeted
            found = ", ".join(map(str, sorted(result.proposal.amounts)))
            cell = result.proposal.cells.get("years")
            result.issues.append(
                Issue.make(
                    "years-mismatch",
                    "years",
                    cell,
                    found=found,
                    expected=", ".join(map(str, years)),
                )
            )
    candidates = [r for r in candidates if r.status != "error"]
    kept = _resolve_duplicates(candidates, status)
    kept_ids = {id(r) for r in kept}
    for result in results:
        status.setdefault(result.path, "included" if id(result) in kept_ids else "left-out")
    groups = _group(kept, config, years)
    totals = {year: _sum(group.totals.get(year, 0) for group in groups) for year in years}
    return Consolidation(
        years=years, groups=groups, totals=totals, files=list(results), status=status
    )


def _common_years(results: Sequence[FileResult]) -> list[int]:
    """Without configured years: the years most forms cover."""
    counted = Counter(
        tuple(sorted(r.proposal.amounts)) for r in results if r.proposal and r.proposal.amounts
    )
    return list(counted.most_common(1)[0][0]) if counted else []


def _resolve_duplicates(
    results: list[FileResult], status: dict[str, SourceStatus]
) -> list[FileResult]:
    by_number: dict[str, list[FileResult]] = defaultdict(list)
    for result in sorted(results, key=lambda r: r.path):
        assert result.proposal is not None
        by_number[(result.proposal.nr or "").casefold()].append(result)
    kept: list[FileResult] = []
    for number, same in by_number.items():
        if len(same) == 1:
            kept.append(same[0])
            continue
        contents = {r.proposal.content_key() for r in same if r.proposal}
        nr = same[0].proposal.nr if same[0].proposal else number
        if len(contents) == 1:
            kept.append(same[0])
            for duplicate in same[1:]:
                duplicate.issues.append(
                    Issue.make(
                        "duplicate-proposal",
                        "nr",
                        duplicate.proposal.cells.get("nr"),
                        nr=nr,
                        other=same[0].path,
                    )
                )
                status[duplicate.path] = "duplicate"
            continue
        for result in same:
            others = ", ".join(r.path for r in same if r is not result)
            result.issues.append(
                Issue.make(
                    "duplicate-number", "nr", result.proposal.cells.get("nr"), nr=nr, other=others
                )
            )
            status[result.path] = "left-out"
    return kept


def _group(results: list[FileResult], config: Config, years: list[int]) -> list[Group]:
    """Proposals by committee; spellings of one name (without a config to say so) form one group."""
    by_key: dict[str, list[Entry]] = defaultdict(list)
    keys: dict[str, str] = {}  # spelling -> key: a few spellings among thousands of forms
    for result in results:
        assert result.proposal is not None
        spelling = result.proposal.committee or ""
        key = keys.get(spelling)
        if key is None:
            key = keys[spelling] = committee_key(spelling)
        by_key[key].append(Entry(proposal=result.proposal, source=result))
    order = {committee_key(c.name): i for i, c in enumerate(config.committees)}
    groups = []
    for entries in by_key.values():
        spellings = Counter(e.proposal.committee or "" for e in entries)
        name = min(spellings, key=lambda s: (-spellings[s], s))  # the most common spelling
        for entry in entries:
            if entry.proposal.committee != name:  # the master's formulas match on this text
                entry.proposal.committee = name
        entries.sort(key=lambda e: _number_key(e.proposal.nr or ""))
        rows = [[e.proposal.amounts.get(year, 0) for year in years] for e in entries]
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in years]
        totals = {year: _sum(column) for year, column in zip(years, columns, strict=True)}
        groups.append(Group(committee=name, entries=entries, totals=totals))
    groups.sort(
        key=lambda g: (order.get(committee_key(g.committee), len(order)), g.committee.casefold())
    )
    return groups


_DIGITS = re.compile(r"(\d+)")


def _number_key(nr: str) -> tuple[object, ...]:
    """Natural order: BFdr-2 before BFdr-10."""
    return tuple(int(part) if part.isdigit() else part.casefold() for part in _DIGITS.split(nr))


def _sum(values: object) -> Amount:
    total = sum(values)  # type: ignore[call-overload]
    return int(total) if float(total).is_integer() else round(total, 6)
