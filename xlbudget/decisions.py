"""Decisions carried from one budget round to the next: the previous master read back.

The finance office marks proposals in the master's Oversigt (Med, Beslutning, Bemærkning).
`read_previous` reads an earlier master with the same reader and guards as any input, finds
the columns by their headers in row 1, and keeps each proposal's amounts, facts, texts and
decision by number; `changes` says what changed since then, and `withdrawn` lists what is gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from xlbudget.config import Limits
from xlbudget.errors import UnreadableFileError, UsageError
from xlbudget.models import TEXT_FIELDS, Proposal
from xlbudget.parse import format_danish
from xlbudget.read import Sheet, read_workbook
from xlbudget.spec import field_name

if TYPE_CHECKING:
    from xlbudget.consolidation import Consolidation

MED, DECISION, NOTE = "Med", "Beslutning", "Bemærkning"
MED_CHOICES = ("Ja", "Nej")
DECISIONS = ("Tilvalgt", "Fravalgt", "Udskudt", "Ændret")
FACTS = {"Type": "kind", "Udvalg": "committee", "Afdeling": "department", "Emne": "subject"}
FACT_NAMES = {"kind": "type", "committee": "udvalg", "department": "afdeling", "subject": "emne"}


@dataclass
class Decision:
    """What the finance office marked for one proposal."""

    med: str | None = "Ja"
    decision: str | None = None
    note: str | None = None


@dataclass
class PreviousProposal:
    """One proposal as the previous master had it."""

    nr: str
    facts: dict[str, str | None]  # kind, committee, department, subject
    amounts: dict[int, float]
    texts: dict[str, str | None] | None  # by TEXT_FIELDS key; None: not in Beskrivelser
    decision: Decision = field(default_factory=Decision)


@dataclass
class Previous:
    """The previous master: its proposals by number, in its order."""

    path: Path
    years: list[int]
    proposals: dict[str, PreviousProposal]


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _headers(sheet: Sheet) -> dict[object, int]:
    """Row 1 of a sheet: each header (a text, or a year as int) to its 0-based column."""
    found: dict[object, int] = {}
    last = max((col for row, col in sheet.cells if row == 0), default=-1)
    for col in range(last + 1):
        value = sheet.get(0, col)
        if isinstance(value, int | float) and not isinstance(value, bool):
            if float(value).is_integer() and 1900 <= value <= 2300:
                found.setdefault(int(value), col)
        elif (text := _text(value)) is not None:
            found.setdefault(text, col)
    return found


def _not_a_master(path: Path, why: str, why_da: str) -> UsageError:
    return UsageError(
        f"{path}: cannot be read as a previous master ({why})",
        f"{path}: kan ikke læses som forrige samleark ({why_da})",
    )


def read_previous(path: Path | str, limits: Limits | None = None) -> Previous:
    """Read the decisions, amounts and texts of a master xlbudget wrote (and people edited)."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path}: no such file", f"{path}: filen findes ikke")
    try:
        workbook = read_workbook(path, limits or Limits())
    except UnreadableFileError as exc:
        raise _not_a_master(path, exc.detail or exc.code, exc.detail or exc.code) from exc
    oversigt = workbook.sheet("Oversigt")
    headers = _headers(oversigt) if oversigt is not None else {}
    if oversigt is None or "Nr." not in headers or "Type" not in headers:
        raise _not_a_master(path, "no sheet Oversigt with Nr. and Type", "intet ark Oversigt")
    years = sorted(key for key in headers if isinstance(key, int))
    proposals: dict[str, PreviousProposal] = {}
    last_row = max((row for row, _ in oversigt.cells), default=0)
    for row in range(1, last_row + 1):
        nr = _text(oversigt.get(row, headers["Nr."]))
        kind = _text(oversigt.get(row, headers["Type"]))
        if nr is None or kind is None or nr in proposals:  # subtotals have no Type
            continue
        facts = {key: _text(oversigt.get(row, headers[h])) for h, key in FACTS.items()
                 if h in headers}  # fmt: skip
        amounts = {}
        for year in years:
            value = oversigt.get(row, headers[year])
            if isinstance(value, int | float) and not isinstance(value, bool):
                amounts[year] = float(value)
        decision = Decision(
            med=_text(oversigt.get(row, headers[MED])) if MED in headers else "Ja",
            decision=_text(oversigt.get(row, headers[DECISION])) if DECISION in headers else None,
            note=_text(oversigt.get(row, headers[NOTE])) if NOTE in headers else None,
        )
        proposals[nr] = PreviousProposal(nr, facts, amounts, None, decision)
    _read_texts(workbook.sheet("Beskrivelser"), proposals)
    return Previous(path=path, years=years, proposals=proposals)


def _read_texts(sheet: Sheet | None, proposals: dict[str, PreviousProposal]) -> None:
    if sheet is None:
        return
    headers = _headers(sheet)
    if "Nr." not in headers:
        return
    columns = {key: headers.get(field_name(key)) for key in TEXT_FIELDS}
    last_row = max((row for row, _ in sheet.cells), default=0)
    for row in range(1, last_row + 1):
        nr = _text(sheet.get(row, headers["Nr."]))
        if nr in proposals and proposals[nr].texts is None:
            proposals[nr].texts = {
                key: None if col is None else _text(sheet.get(row, col))
                for key, col in columns.items()
            }


def _new(value: object) -> str | None:
    """A text of this round as the master writes it (cut at Excel's limit) and reads back."""
    return None if value is None else _text(str(value)[:32_767])


def _amount(value: float | None) -> str:
    return "–" if value is None else format_danish(value)


def changes(proposal: Proposal, committee: str, old: PreviousProposal, years: list[int]) -> str:
    """What changed in a proposal since the previous master, in Danish; "" for nothing."""
    said: list[str] = []
    new_facts = {"kind": proposal.kind, "committee": committee}
    new_facts |= {"department": proposal.department, "subject": proposal.subject}
    for key, name in FACT_NAMES.items():
        if key in old.facts and _new(new_facts[key]) != old.facts[key]:
            said.append(f"{name}: {old.facts[key] or '–'} → {_new(new_facts[key]) or '–'}")
    for year in sorted(set(years) | set(old.amounts)):
        before, now = old.amounts.get(year), proposal.amounts.get(year)
        if (before or 0) != (float(now) if now is not None else 0):
            said.append(f"{year}: {_amount(before)} → {_amount(now)}")
    if old.texts is not None:
        texts = [field_name(k) for k in TEXT_FIELDS
                 if old.texts.get(k) != _new(getattr(proposal, k))]  # fmt: skip
        if texts:
            said.append("tekst ændret: " + ", ".join(texts).lower())
    return "; ".join(said)


def decision_for(previous: Previous | None, nr: str | None) -> Decision:
    """The decision to write for a proposal: the previous master's, else the default."""
    if previous is not None and nr is not None and nr in previous.proposals:
        return previous.proposals[nr].decision
    return Decision()


def change_text(previous: Previous | None, proposal: Proposal, committee: str,
                years: list[int]) -> str:  # fmt: skip
    """The "Ændret siden forrige" text of a proposal: what changed, "ny" when new, or ""."""
    if previous is None or proposal.nr is None:
        return ""
    old = previous.proposals.get(proposal.nr)
    if old is None:
        return "ny"
    return changes(proposal, committee, old, years)


def withdrawn(previous: Previous | None, consolidation: Consolidation) -> list[PreviousProposal]:
    """The previous master's proposals that are not in this consolidation, in its order."""
    if previous is None:
        return []
    now = {entry.proposal.nr for entry in consolidation.entries}
    return [p for nr, p in previous.proposals.items() if nr not in now]
