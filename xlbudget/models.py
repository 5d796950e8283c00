"""The data that flows through the pipeline: proposals and per-file results."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from xlbudget.issues import Issue, Lang

Kind = Literal["Råderum", "Ønske"]
Amount = int | float
Status = Literal["ok", "warning", "error", "skipped"]

TEXT_FIELDS = (
    "description",
    "key_figures",
    "focus_areas",
    "development_goals",
    "other_areas",
    "service_consequences",
    "staff_consequences",
    "consultation",
    "rate_change",
)


class Account(BaseModel):
    """An account code of the municipal chart of accounts, with its name if one was given."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str | None = None


class Proposal(BaseModel):
    """One budget proposal as read from a form; fields that could not be read are None."""

    nr: str | None = None
    kind: Kind | None = None
    committee: str | None = None
    department: str | None = None
    subject: str | None = None
    accounts: list[Account] = Field(default_factory=list)
    amounts: dict[int, Amount] = Field(default_factory=dict)
    description: str | None = None
    key_figures: str | None = None
    focus_areas: str | None = None
    development_goals: str | None = None
    other_areas: str | None = None
    service_consequences: str | None = None
    staff_consequences: str | None = None
    consultation: str | None = None
    rate_change: str | None = None
    cells: dict[str, str] = Field(default_factory=dict, exclude=True)

    @property
    def total(self) -> Amount:
        """The sum of the amounts over the budget years."""
        return sum(self.amounts.values())

    def content_key(self) -> str:
        """What makes two submissions the same proposal (used to spot duplicates)."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)

    def to_json(self) -> dict[str, Any]:
        """The proposal as the JSON contract writes it (years as string keys)."""
        return self.model_dump(mode="json")


class FileResult(BaseModel):
    """One form found in an input file (its sheet, proposal and issues), or, with no sheet,
    a file where no form could be read."""

    path: str
    proposal: Proposal | None = None
    issues: list[Issue] = Field(default_factory=list)
    sheet: str | None = None
    file_type: str | None = None
    sha256: str | None = None
    size: int | None = None
    modified: float | None = None  # the file's modification time (seconds since the epoch)
    annotated: str | None = Field(default=None, exclude=True)  # the marked copy written, if one

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> Status:
        """error if any issue is an error, else warning if any; skipped when no form was
        read and nothing is wrong (a blank form, xlbudget's own workbook); else ok."""
        severities = {i.severity for i in self.issues}
        if "error" in severities:
            return "error"
        if "warning" in severities:
            return "warning"
        return "ok" if self.proposal is not None else "skipped"

    @property
    def key(self) -> str:
        """What tells this entry from the others of a run: its file and sheet."""
        return f"{self.path}\x00{self.sheet or ''}"

    @property
    def where(self) -> str:
        """The file and sheet as people read them: "a.xlsx", or "a.xlsx, ark Forslag B"."""
        return f"{self.path} [{self.sheet}]" if self.sheet is not None else self.path

    @property
    def errors(self) -> list[Issue]:
        """The error issues."""
        return [i for i in self.issues if i.is_error]

    @property
    def warnings(self) -> list[Issue]:
        """The warning issues."""
        return [i for i in self.issues if i.severity == "warning"]

    def to_json(self, lang: Lang = "da") -> dict[str, Any]:
        """The entry of the validate JSON contract."""
        return {
            "path": self.path,
            "sheet": self.sheet,
            "status": self.status,
            "proposal": self.proposal.to_json() if self.proposal else None,
            "issues": [issue.in_language(lang).model_dump(mode="json") for issue in self.issues],
        }


def summary_counts(results: Sequence[FileResult]) -> dict[str, int]:
    """Files read, forms found, and entries by status, as the JSON summary writes them."""
    counts = {
        "files": len({r.path for r in results}),
        "forms": sum(1 for r in results if r.proposal is not None),
        "ok": 0,
        "warning": 0,
        "error": 0,
        "skipped": 0,
    }
    for result in results:
        counts[result.status] += 1
    return counts
