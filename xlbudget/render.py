"""Console rendering of results (rich): tables per file and a summary line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from xlbudget.issues import Lang, number_text, render
from xlbudget.models import FileResult, summary_counts

if TYPE_CHECKING:
    from xlbudget.consolidation import Consolidation

_TEXT = {
    "da": {
        "ok": "i orden",
        "warning": "advarsler",
        "error": "fejl",
        "skipped": "sprunget over",
        "severity": {"error": "FEJL", "warning": "advarsel", "info": "note"},
        "columns": ("Alvor", "Celle", "Felt", "Kode", "Besked"),
        "summary": "{files} kontrolleret, {forms} fundet: {ok} i orden, {warning} med advarsler, {error} med fejl, {skipped} sprunget over.",
        "nouns": {"files": ("fil", "filer"), "forms": ("skema", "skemaer")},
        "proposal": "Forslag {nr} ({kind}, {committee})",
        "sheet": "ark",
    },
    "en": {
        "ok": "ok",
        "warning": "warnings",
        "error": "errors",
        "skipped": "skipped",
        "severity": {"error": "ERROR", "warning": "warning", "info": "note"},
        "columns": ("Severity", "Cell", "Field", "Code", "Message"),
        "summary": "{files} checked, {forms} found: {ok} ok, {warning} with warnings, {error} with errors, {skipped} skipped.",
        "nouns": {"files": ("file", "files"), "forms": ("form", "forms")},
        "proposal": "Proposal {nr} ({kind}, {committee})",
        "sheet": "sheet",
    },
}
_STYLE = {"ok": "green", "warning": "yellow", "error": "bold red", "skipped": "dim", "info": "dim"}


def print_results(console: Console, results: Sequence[FileResult], lang: Lang) -> None:
    """One block per form found (status line, then a table of its issues), the summary last."""
    from xlbudget.spec import field_name

    text = _TEXT[lang]
    for result in results:
        style = _STYLE[result.status]
        where = result.path + (f"  ({text['sheet']} {result.sheet})" if result.sheet else "")
        console.print(
            f"[{style}]{text[result.status].upper():>9}[/]  {escape(where)}",
            highlight=False,
            soft_wrap=True,  # a path stays whole for copying; the terminal wraps it
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
            table.add_row(
                f"[{_STYLE[issue.severity]}]{text['severity'][issue.severity]}[/]",
                issue.cell or "",
                field_name(issue.field, lang),
                issue.code,
                render(issue.code, None, lang, issue.params),  # the cell has its own column
            )
        console.print(table)
    counts: dict[str, object] = dict(summary_counts(results))
    for key, (one, many) in text["nouns"].items():
        counts[key] = f"{counts[key]} {one if counts[key] == 1 else many}"
    console.print(text["summary"].format(**counts), highlight=False, soft_wrap=True)


_CONSOLIDATION_TEXT = {
    "da": {
        "left_out": "Udeladt fra samlearket (fejl):",
        "summary": "{files} læst: {included} medtaget, {left_out} udeladt, {duplicates}, {replaced} erstattet, {skipped} sprunget over, {warnings}.",
        "nouns": {
            "files": ("fil", "filer"),
            "included": ("forslag", "forslag"),
            "duplicates": ("dublet", "dubletter"),
            "warnings": ("advarsel", "advarsler"),
        },
        "rule": {"reject": "", "newest": "Genindsendte forslag: det nyeste tælles (--newest)."},
        "totals": "I alt, alle udvalg",
    },
    "en": {
        "left_out": "Left out of the master (errors):",
        "summary": "{files} read: {included} included, {left_out} left out, {duplicates}, {replaced} replaced, {skipped} skipped, {warnings}.",
        "nouns": {
            "files": ("file", "files"),
            "included": ("proposal", "proposals"),
            "duplicates": ("duplicate", "duplicates"),
            "warnings": ("warning", "warnings"),
        },
        "rule": {"reject": "", "newest": "Resubmitted proposals: the newest counts (--newest)."},
        "totals": "Total, all committees",
    },
}


def print_consolidation(console: Console, consolidation: Consolidation, lang: Lang) -> None:
    """Committee subtotals per year, the files left out with their errors, the summary."""
    text = _CONSOLIDATION_TEXT[lang]
    table = Table(show_header=True, header_style="bold")
    table.add_column("Udvalg" if lang == "da" else "Committee")
    table.add_column("#", justify="right")
    for year in consolidation.years:
        table.add_column(str(year), justify="right")
    for group in consolidation.groups:
        table.add_row(
            group.committee,
            str(len(group.entries)),
            *(number_text(group.totals[y], lang) for y in consolidation.years),
        )
    table.add_row(
        f"[bold]{text['totals']}[/]",
        str(len(consolidation.entries)),
        *(f"[bold]{number_text(consolidation.totals[y], lang)}[/]" for y in consolidation.years),
    )
    console.print(table)
    left_out = consolidation.left_out
    if left_out:
        console.print(f"[bold red]{text['left_out']}[/]")
        # one print for all of them (rich costs ~0.3 ms a call; thousands of forms can be
        # left out), as plain text (a path or a message is never markup) and not broken
        # into lines by rich: a path stays whole for copying, the terminal wraps it
        lines = []
        for result in left_out:
            sheet = f"  ({_TEXT[lang]['sheet']} {result.sheet})" if result.sheet else ""
            lines.append(f"  {result.path}{sheet}")
            lines.extend(f"    {issue.in_language(lang).message}" for issue in result.errors)
        console.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)
    if text["rule"][consolidation.duplicates]:
        console.print(text["rule"][consolidation.duplicates], highlight=False)
    counts: dict[str, object] = dict(consolidation.counts())
    for key, (one, many) in text["nouns"].items():
        counts[key] = f"{counts[key]} {one if counts[key] == 1 else many}"
    console.print(text["summary"].format(**counts), highlight=False, soft_wrap=True)


_COMPARE_TEXT = {
    "da": {
        "titles": ("Nye forslag", "Udgåede forslag", "Ændrede forslag", "Udvalgenes totaler"),
        "columns": ("Nr.", "Udvalg", "Hvad"),
        "committee": "Udvalg",
        "summary": "{new} nye, {withdrawn} udgået, {changed} ændret, {unchanged} uændret.",
        "none": "ingen",
    },
    "en": {
        "titles": ("New proposals", "Withdrawn proposals", "Changed proposals", "Committee totals"),
        "columns": ("No.", "Committee", "What"),
        "committee": "Committee",
        "summary": "{new} new, {withdrawn} withdrawn, {changed} changed, {unchanged} unchanged.",
        "none": "none",
    },
}


def print_comparison(console: Console, comparison: dict, lang: Lang) -> None:
    """Two rounds compared: new, withdrawn and changed proposals, then committee totals."""
    from xlbudget.spec import field_name

    text = _COMPARE_TEXT[lang]
    years = comparison["years"]
    new_title, gone_title, changed_title, totals_title = text["titles"]

    def number(value: object) -> str:
        return "" if value is None else number_text(value, lang)  # type: ignore[arg-type]

    for title, key in ((new_title, "new_proposals"), (gone_title, "withdrawn")):
        table = Table(title=title, title_justify="left", show_header=True, header_style="bold")
        table.add_column(text["columns"][0])
        table.add_column(text["columns"][1])
        for year in years:
            table.add_column(str(year), justify="right")
        for item in comparison[key]:
            amounts = [number(item["amounts"].get(str(year))) for year in years]
            table.add_row(item["nr"], item.get("committee") or "", *amounts)
        console.print(table if comparison[key] else f"{title}: {text['none']}")
    table = Table(title=changed_title, title_justify="left", show_header=True, header_style="bold")
    table.add_column(text["columns"][0])
    table.add_column(text["columns"][2], overflow="fold")
    for year in years:
        table.add_column(str(year), justify="right")
    for item in comparison["changed"]:
        names = ", ".join(field_name(f["field"], lang) for f in item["fields"])
        cells = []
        for year in years:
            change = item["amounts"].get(str(year))
            cells.append(f"{number(change['old'])} → {number(change['new'])}" if change else "")
        table.add_row(item["nr"], names, *cells)
    console.print(table if comparison["changed"] else f"{changed_title}: {text['none']}")
    table = Table(title=totals_title, title_justify="left", show_header=True, header_style="bold")
    table.add_column(text["committee"])
    for year in years:
        table.add_column(str(year), justify="right")
    for item in comparison["committees"]:
        cells = []
        for year in years:
            cell = item["totals"][str(year)]
            difference = cell["difference"] or 0
            sign = "+" if difference > 0 else ""
            shown = f" ({sign}{number(difference)})" if difference else ""
            cells.append(f"{number(cell['new'])}{shown}")
        table.add_row(item["committee"], *cells)
    console.print(table)
    console.print(text["summary"].format(**comparison["summary"]), highlight=False)
