"""Console rendering of results (rich): tables per file and a summary line."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from xlbudget.issues import Lang
from xlbudget.models import FileResult

_TEXT = {
    "da": {
        "ok": "i orden",
        "warning": "advarsler",
        "error": "fejl",
        "severity": {"error": "FEJL", "warning": "advarsel"},
        "columns": ("Alvor", "Celle", "Felt", "Kode", "Besked"),
        "summary": "{files} filer kontrolleret: {ok} i orden, {warning} med advarsler, {error} med fejl.",
        "proposal": "Forslag {nr} ({kind}, {committee})",
    },
    "en": {
        "ok": "ok",
        "warning": "warnings",
        "error": "errors",
        "severity": {"error": "ERROR", "warning": "warning"},
        "columns": ("Severity", "Cell", "Field", "Code", "Message"),
        "summary": "{files} files checked: {ok} ok, {warning} with warnings, {error} with errors.",
        "proposal": "Proposal {nr} ({kind}, {committee})",
    },
}
_STYLE = {"ok": "green", "warning": "yellow", "error": "bold red"}


def summary_counts(results: Sequence[FileResult]) -> dict[str, int]:
    """Files by status, as the JSON summary writes them."""
    counts = {"files": len(results), "ok": 0, "warning": 0, "error": 0}
    for result in results:
        counts[result.status] += 1
    return counts


def print_results(console: Console, results: Sequence[FileResult], lang: Lang) -> None:
    """One block per file (status line, then a table of its issues), the summary last."""
    text = _TEXT[lang]
    for result in results:
        style = _STYLE[result.status]
        console.print(
            f"[{style}]{text[result.status].upper():>9}[/]  {result.path}", highlight=False
        )
        if result.proposal and result.proposal.nr:
            p = result.proposal
            line = text["proposal"].format(
                nr=p.nr, kind=p.kind or "?", committee=p.committee or "?"
            )
            console.print(f"           {line}", highlight=False)
        if not result.issues:
            continue
        table = Table(show_header=True, header_style="bold", expand=False, pad_edge=False)
        for column in text["columns"]:
            table.add_column(column, overflow="fold")
        for issue in result.issues:
            shown = issue.in_language(lang)
            table.add_row(
                f"[{_STYLE[issue.severity]}]{text['severity'][issue.severity]}[/]",
                issue.cell or "",
                issue.field or "",
                issue.code,
                shown.message,
            )
        console.print(table)
    console.print(text["summary"].format(**summary_counts(results)), highlight=False)
