"""Consolidate stage: many checked forms to committee groups with subtotals per year."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from xlbudget.config import Config, committee_key
from xlbudget.issues import Issue
from xlbudget.models import Amount, FileResult, Proposal
from xlbudget.parse import format_danish
from xlbudget.spec import field_name

if TYPE_CHECKING:
    from xlbudget.decisions import Previous

SourceStatus = Literal["included", "left-out", "duplicate", "replaced", "skipped"]
DuplicateRule = Literal["reject", "newest"]


@dataclass
class Entry:
    """An included proposal with the file and sheet it came from."""

    proposal: Proposal
    source: FileResult


@dataclass
class Group:
    """One committee's proposals, ordered by number, and their subtotal per year."""

    committee: str
    entries: list[Entry]
    totals: dict[int, Amount]


@dataclass
class Consolidation:
    """The result of a consolidation: groups, totals and every file with its fate."""

    years: list[int]
    groups: list[Group]
    totals: dict[int, Amount]
    files: list[FileResult]
    # the fate of each entry of `files`, by FileResult.key
    status: dict[str, SourceStatus] = field(default_factory=dict)
    duplicates: DuplicateRule = "reject"  # the rule applied to resubmissions
    municipality: str | None = None  # from the configuration, for titles
    # each committee's råderum target by year (1.000 kr., positive: savings), where configured
    targets: dict[str, dict[int, float]] = field(default_factory=dict)
    # the previous round's master (--previous): its decisions carry over, changes are marked
    previous: Previous | None = None

    @property
    def entries(self) -> list[Entry]:
        """Every included proposal, in master order."""
        return [entry for group in self.groups for entry in group.entries]

    def status_of(self, result: FileResult) -> SourceStatus:
        """What became of one entry of `files`."""
        return self.status[result.key]

    @property
    def left_out(self) -> list[FileResult]:
        """Forms (and files) not in the totals because of errors."""
        return [f for f in self.files if self.status[f.key] == "left-out"]

    def counts(self) -> dict[str, int]:
        """Summary figures: files read, proposals included, left out, duplicates, warnings."""
        statuses = Counter(self.status.values())
        issues = Counter(i.severity for f in self.files if f.issues for i in f.issues)
        return {
            "files": len({f.path for f in self.files}),
            "included": statuses["included"],
            "left_out": statuses["left-out"],
            "duplicates": statuses["duplicate"],
            "replaced": statuses["replaced"],
            "skipped": statuses["skipped"],
            "errors": issues["error"],
            "warnings": issues["warning"],
        }


def consolidate_results(
    results: Sequence[FileResult], config: Config, duplicates: DuplicateRule | None = None
) -> Consolidation:
    """Apply the cross-file rules (years, resubmissions) and group what is left by committee.

    `duplicates` overrides the configuration's rule for two forms with one number and
    different content: "reject" leaves both out, "newest" counts the newest file's."""
    rule = duplicates or config.consolidate.duplicates
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
    # every form with a number takes part: a resubmission may correct one with an error
    numbered = [r for r in results if r.proposal is not None and r.proposal.nr]
    kept = _resolve_duplicates(numbered, status, rule, years)
    kept_ids = {id(r) for r in kept}
    for result in results:
        fate: SourceStatus = "included" if id(result) in kept_ids else "left-out"
        if result.status == "skipped" or (result.proposal is None and not result.errors):
            fate = "skipped"  # a blank form, a hidden old version, xlbudget's own workbook
        status.setdefault(result.key, fate)
    groups = _group(kept, config, years)
    totals = {year: _sum(group.totals.get(year, 0) for group in groups) for year in years}
    return Consolidation(
        years=years,
        groups=groups,
        totals=totals,
        files=list(results),
        status=status,
        duplicates=rule,
        municipality=config.municipality,
        targets={c.name: c.targets(years) for c in config.committees if c.target is not None},
    )


def _common_years(results: Sequence[FileResult]) -> list[int]:
    """Without configured years: the years most forms cover."""
    counted = Counter(
        tuple(sorted(r.proposal.amounts)) for r in results if r.proposal and r.proposal.amounts
    )
    return list(counted.most_common(1)[0][0]) if counted else []


def _resolve_duplicates(
    results: list[FileResult], status: dict[str, SourceStatus], rule: str, years: list[int]
) -> list[FileResult]:
    """One form per proposal number: the same content sent twice counts once; different
    content under one number leaves all out ("reject") or counts the newest ("newest")."""
    by_number: dict[str, list[FileResult]] = defaultdict(list)
    for result in sorted(results, key=_age):
        assert result.proposal is not None
        by_number[(result.proposal.nr or "").casefold()].append(result)
    kept: list[FileResult] = []
    for same in by_number.values():
        if len(same) == 1:
            kept += [r for r in same if not r.errors]
            continue
        contents = {r.proposal.content_key() for r in same if r.proposal}
        if len(contents) == 1 or rule == "newest":
            # of identical copies the oldest readable one is the original; of different
            # versions the newest counts, and if it has errors, none does until it is fixed
            valid = [r for r in same if not r.errors]
            if len(contents) > 1:
                chosen = same[-1]
            elif valid:
                chosen = valid[0]
            else:
                continue  # the same form with the same errors: each left out for them
            if not chosen.errors:
                kept.append(chosen)
            for other in same:
                if other is not chosen:
                    _mark_not_counted(other, chosen, status, years)
            continue
        for result in same:
            others = [r for r in same if r is not result]
            da, en = _differences(result, others[-1], years)
            result.issues.append(
                Issue.make(
                    "duplicate-number",
                    "nr",
                    _nr_cell(result),
                    nr=_nr(result),
                    other=", ".join(r.where for r in others),
                    differences=da,
                    differences_en=en,
                )
            )
            status[result.key] = "left-out"
    return kept


def _mark_not_counted(
    other: FileResult, chosen: FileResult, status: dict[str, SourceStatus], years: list[int]
) -> None:
    """An identical copy is a duplicate; a different, older version has been replaced."""
    assert other.proposal is not None and chosen.proposal is not None
    if other.proposal.content_key() == chosen.proposal.content_key():
        code, fate = "duplicate-proposal", "duplicate"
        params = {}
    else:
        code, fate = "replaced", "replaced"
        da, en = _differences(other, chosen, years)
        params = {"differences": da, "differences_en": en}
    other.issues.append(
        Issue.make(code, "nr", _nr_cell(other), nr=_nr(other), other=chosen.where, **params)
    )
    status[other.key] = fate  # type: ignore[assignment]


def _age(result: FileResult) -> tuple[float, str]:
    """Oldest first: by the file's modification time, then its name (then sheet order)."""
    return (result.modified or 0.0, result.path)


def _nr(result: FileResult) -> str:
    return (result.proposal.nr if result.proposal else None) or ""


def _nr_cell(result: FileResult) -> str | None:
    return result.proposal.cells.get("nr") if result.proposal else None


def _differences(result: FileResult, other: FileResult, years: list[int]) -> tuple[str, str]:
    """What differs between two proposals, in Danish and English: amounts per year (this →
    other), then the other fields by name."""
    a, b = result.proposal, other.proposal
    assert a is not None and b is not None
    da: list[str] = []
    en: list[str] = []
    for year in sorted(set(years) | a.amounts.keys() | b.amounts.keys()):
        old, new = a.amounts.get(year), b.amounts.get(year)
        if old != new:
            here, there = (format_danish(v, 1) if v is not None else "tom" for v in (old, new))
            da.append(f"beløb {year}: {here} her, {there} i den anden")
            here, there = (f"{v:,}" if v is not None else "blank" for v in (old, new))
            en.append(f"amount {year}: {here} here, {there} in the other")
    first, second = a.model_dump(exclude={"amounts", "nr"}), b.model_dump(exclude={"amounts", "nr"})
    changed = [key for key in first if first[key] != second.get(key)]
    da += [field_name(key, "da") for key in changed]
    en += [field_name(key, "en") for key in changed]
    return ", ".join(da) or "ingen", ", ".join(en) or "none"


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
