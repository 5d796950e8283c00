"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from xlbudget.config import Config, load_config

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


@pytest.fixture
def samples_config() -> Config:
    """The fictional municipality's configuration from samples/."""
    return load_config(SAMPLES / "xlbudget.toml")


# --- master workbook and export: consolidations built by hand, independent of the extractor

MASTER_YEARS = [2020, 2021, 2022, 2023]


def _master_proposal(
    nr: str, kind: str, committee: str, amounts: list[float], **fields: Any
) -> Any:
    from xlbudget.models import Account, Proposal

    accounts = fields.pop("accounts", [Account(code="03.22.01", name="Folkeskoler")])
    cells = {"nr": "Ark1!B5", "amounts.2020": "Ark1!B9"}
    return Proposal(
        nr=nr,
        kind=kind,
        committee=committee,
        department=fields.pop("department", "Skole- og dagtilbudsområdet"),
        subject=fields.pop("subject", f"Forslag {nr}"),
        accounts=accounts,
        amounts=dict(zip(MASTER_YEARS, amounts, strict=False)),
        description=fields.pop("description", f"Beskrivelse af {nr}."),
        cells=cells,
        **fields,
    )


def _build_consolidation(files: list[Any], status: dict[str, str], years: list[int]) -> Any:
    """Group the included files by committee (first appearance order) and sum per year."""
    from xlbudget.consolidation import Consolidation, Entry, Group

    groups: dict[str, list[Any]] = {}
    for f in files:
        if status[f.key] == "included":
            groups.setdefault(f.proposal.committee, []).append(Entry(proposal=f.proposal, source=f))

    def total(values: Any) -> Any:
        s = sum(values)
        return int(s) if float(s).is_integer() else s

    built = [
        Group(
            committee=name,
            entries=entries,
            totals={y: total(e.proposal.amounts.get(y, 0) for e in entries) for y in years},
        )
        for name, entries in groups.items()
    ]
    totals = {y: total(g.totals[y] for g in built) for y in years}
    return Consolidation(years=years, groups=built, totals=totals, files=files, status=status)


@pytest.fixture
def make_proposal() -> Any:
    """Build a Proposal: make_proposal(nr, kind, committee, [amounts per year], **fields)."""
    return _master_proposal


@pytest.fixture
def build_consolidation() -> Any:
    """Build a Consolidation from FileResults and their status, without the consolidate stage."""
    return _build_consolidation


@pytest.fixture
def master_consolidation() -> Any:
    """Three committees (one with wildcard characters), formula-looking texts, a decimal
    amount, a blank amount, a left-out file and a duplicate."""
    from xlbudget.issues import Issue
    from xlbudget.models import Account, FileResult

    p = _master_proposal
    bf, tm, sund = "Børne- og Familieudvalget", "Teknik- og Miljøudvalget", "Social * Sundhed?"
    proposals = [
        p("BFdr-001", "Ønske", bf, [800, 800, 800, 800]),
        p("BFdr-002", "Råderum", bf, [-250, -300, -300, -300], department="-2"),
        p("BFdr-010", "Ønske", bf, [12.5, 0, 100, 1000], subject="@SUM(1)"),
        p("TMdr-001", "Råderum", tm, [-1200, -1200, -1200, -1200], subject="+1"),
        p(
            "TMdr-002",
            "Ønske",
            tm,
            [50, 60, 70],  # no amount for 2023
            subject='=HYPERLINK("http://x")',
            accounts=[Account(code="05.25.14", name="Daginstitutioner"), Account(code="00.25.10")],
            description="http://example.com/plan",
        ),
        p("SSdr-001", "Råderum", sund, [-5, -5, -5, -5]),
    ]
    files = [
        FileResult(
            path=f"indsendt/{x.nr}.xlsx",
            proposal=x,
            sheet="Ark1",
            file_type="xlsx",
            sha256=f"{i:064x}",
            size=1000 + i,
        )
        for i, x in enumerate(proposals)
    ]
    files[2].issues.append(
        Issue.make("amount-fraction", "amounts", "Ark1!B9", value="12,5", year=2020)
    )
    left_out = FileResult(
        path="indsendt/ødelagt.xlsx",
        proposal=p("BFdr-003", "Ønske", bf, [1, 1, 1, 1]),
        sheet="Ark2",
        file_type="xlsx",
        sha256="f" * 64,
        size=77,
        issues=[
            Issue.make("required-missing", "subject", "Ark2!B9", label="Emne"),
            Issue.make("expected-missing", "key_figures", "Ark2!B12", label="Nøgletal"),
        ],
    )
    duplicate = FileResult(
        path="indsendt/kopi/BFdr-001.xlsx",
        proposal=proposals[0],
        sheet="Ark1",
        file_type="xlsx",
        sha256="0" * 64,
        size=1000,
        issues=[Issue.make("duplicate-proposal", "nr", "Ark1!B5", nr="BFdr-001", other="x")],
    )
    unreadable = FileResult(
        path="indsendt/noter.txt",
        issues=[Issue.make("file-not-spreadsheet", None, None, detail="tekst")],
        size=5,
    )
    files = [*files, left_out, duplicate, unreadable]
    status = {f.key: "included" for f in files}
    status[left_out.key] = "left-out"
    status[duplicate.key] = "duplicate"
    status[unreadable.key] = "left-out"
    return _build_consolidation(files, status, MASTER_YEARS)
