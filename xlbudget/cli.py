"""The command line: parse options, call one library function, render, pick the exit code.

Each command imports what it needs when it runs: `--help` and a one-form `validate` (0.23 s
in a fresh venv, benchmarks/bench.py --validate-one) do without the rest."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from xlbudget import __version__
from xlbudget.errors import XlbudgetError

if TYPE_CHECKING:  # rich is imported when there is something to show (~50 ms)
    from rich.console import Console

app = typer.Typer(
    name="xlbudget",
    help="Check and consolidate budget proposal forms (Budgetalternativ – drift).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_state: dict[str, Any] = {"debug": False, "lang": "da"}
# Every line a command prints, in the user's language (--lang); counts singular and plural.
SAY = {
    "da": {
        "template": "Skabelon skrevet: {path}",
        "master": "Samleark skrevet: {path}",
        "export": "Eksport skrevet: {path}",
        "catalogue": "Katalog skrevet: {path}",
        "not_docx": "{path}: kataloget skrives som .docx eller .pdf; giv et filnavn, der ender på en af dem",
        "copies": "Kopier med markeringer skrevet i {folder}: {count}",
        "strict": "--strict: {count} ville blive udeladt; {path} er ikke skrevet.",
        "left_out": "{count} med fejl udeladt; kør xlbudget validate for detaljer.",
        "not_xlsx": "{path}: samlearket skrives som .xlsx; giv et filnavn, der ender på .xlsx",
        "internal": "intern fejl: {detail} (kør med --debug for at se sporet)",
        "submission": ("indsendelse", "indsendelser"),
        "reading": "Læser skemaer",
        "compare": "Ændringer skrevet: {path}",
        "previous": "Fra {path}: beslutninger overført for {carried} forslag; {changed} ændret, "
        "{new} nye, {gone} udgået.",
    },
    "en": {
        "template": "Template written: {path}",
        "master": "Master workbook written: {path}",
        "export": "Export written: {path}",
        "catalogue": "Catalogue written: {path}",
        "not_docx": "{path}: the catalogue is written as .docx or .pdf; give a file name ending in one",
        "copies": "Copies with problems marked written in {folder}: {count}",
        "strict": "--strict: {count} would be left out; {path} was not written.",
        "left_out": "{count} with errors left out; run xlbudget validate for details.",
        "not_xlsx": "{path}: the master is written as .xlsx; give a file name ending in .xlsx",
        "internal": "internal error: {detail} (run with --debug for the trace)",
        "submission": ("submission", "submissions"),
        "reading": "Reading forms",
        "compare": "Changes written: {path}",
        "previous": "From {path}: decisions carried over for {carried} proposals; {changed} "
        "changed, {new} new, {gone} withdrawn.",
    },
}


def _say(key: str, **values: Any) -> str:
    return SAY[_state["lang"]][key].format(**values)


def _count(number: int, key: str) -> str:
    one, many = SAY[_state["lang"]][key]
    return f"{number} {one if number == 1 else many}"


T = TypeVar("T")


class Lang(StrEnum):
    """Message language."""

    da = "da"
    en = "en"


class OutputFormat(StrEnum):
    """Report format of validate."""

    text = "text"
    json = "json"


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"xlbudget: {message}", err=True)  # one line, never wrapped
    raise typer.Exit(code)


def _guarded(action: Callable[[], T]) -> T:
    """Run a library call; known errors become one line and exit 2, anything else exit 3."""
    try:
        return action()
    except XlbudgetError as exc:
        if _state["debug"]:
            raise
        _fail(exc.message(_state["lang"]))
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as exc:
        if _state["debug"]:
            raise
        _fail(_say("internal", detail=f"{type(exc).__name__}: {exc}"), 3)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"xlbudget {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the full trace on errors.")] = False,
) -> None:
    """Check and consolidate budget proposal forms (Budgetalternativ – drift)."""
    _state["debug"] = debug


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", help="xlbudget.toml to use (default: ./xlbudget.toml, then the input folder's)."
    ),
]
LangOption = Annotated[Lang, typer.Option("--lang", help="Language of the messages.")]


@app.command()
def template(
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the blank form.")],
    first_year: Annotated[
        int | None,
        typer.Option(
            "--first-year", help="The budget year (default: from the config, else next year)."
        ),
    ] = None,
    config: ConfigOption = None,
    lang: LangOption = Lang.da,
) -> None:
    """Write the blank proposal form a department fills in."""
    _state["lang"] = lang.value
    from xlbudget.config import load_config
    from xlbudget.template import write_template  # xlsxwriter: only for this command

    def run() -> Path:
        settings = load_config(config)
        return write_template(output, settings, first_year=first_year)

    written = _guarded(run)
    typer.echo(_say("template", path=written))


@app.command("validate")
def validate_command(
    paths: Annotated[list[Path], typer.Argument(help="Forms to check: files or folders.")],
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="text or json.")
    ] = OutputFormat.text,
    config: ConfigOption = None,
    lang: LangOption = Lang.da,
    annotate_dir: Annotated[
        Path | None,
        typer.Option(
            "--annotate",
            help="Write here a copy of each form with issues: problem cells marked (errors "
            "red, warnings amber) and commented, and a Kontrol sheet listing them.",
        ),
    ] = None,
) -> None:
    """Check filled forms and point at every problem's cell; exit 1 if any has an error."""
    _state["lang"] = lang.value
    from xlbudget.api import validate_paths  # the commands' imports: see the module's note

    def prepare_output(done: int, total: int) -> None:
        # called first when the workers have started reading: the renderer (rich) is
        # imported meanwhile, on this core, not after them
        if done == 0 and output_format == OutputFormat.text:
            import xlbudget.render  # noqa: F401

    results = _guarded(
        lambda: validate_paths(
            paths, config, prepare_output, annotate_dir=annotate_dir, lang=lang.value
        )
    )
    if output_format == OutputFormat.json:
        from xlbudget.models import summary_counts  # rich is not needed for JSON

        report = {
            "files": [r.to_json(lang.value) for r in results],
            "summary": summary_counts(results),
        }
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    else:
        from rich.console import Console

        from xlbudget.render import print_results

        print_results(Console(), results, lang.value)
    copies = [r.annotated for r in results if r.annotated]
    if annotate_dir is not None:  # on stderr: stdout may be the JSON report
        typer.echo(_say("copies", folder=annotate_dir, count=len(copies)), err=True)
        for copy in copies:
            typer.echo(f"  {copy}", err=True)
    raise typer.Exit(1 if any(r.status == "error" for r in results) else 0)


class ExportFormat(StrEnum):
    """Format of export."""

    csv = "csv"
    json = "json"


def _progress_reader(console: Console) -> tuple[Any, Callable[[int, int], None]]:
    """A rich progress bar that shows itself only for runs of many files."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TimeRemainingColumn,
    )  # rich: ~45 ms

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    task = bar.add_task(_say("reading"), total=None)
    shown = [0.0]  # when the bar was last updated

    def advance(done: int, total: int) -> None:
        if total >= PROGRESS_FROM and not bar.live.is_started:
            bar.start()
        now = time.monotonic()
        # at most 20 updates a second: each costs the reading processes some of their CPU
        if done == total or now - shown[0] >= 0.05:
            shown[0] = now
            bar.update(task, completed=done, total=total)

    return bar, advance


PROGRESS_FROM = 20


@app.command("consolidate")
def consolidate_command(
    paths: Annotated[
        list[Path], typer.Argument(help="Submitted forms: files or folders (searched recursively).")
    ],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="The master workbook to write (.xlsx).")
    ],
    config: ConfigOption = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Write nothing if any submission would be left out.")
    ] = False,
    newest: Annotated[
        bool,
        typer.Option(
            "--newest",
            help="Of forms with one number and different content, count the newest file's "
            "(default: leave all out; or [consolidate] duplicates in xlbudget.toml).",
        ),
    ] = False,
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous",
            help="The previous round's master: its Med, Beslutning and Bemærkning carry over "
            "by proposal number; changed proposals are marked, withdrawn ones listed (Udgået).",
        ),
    ] = None,
    lang: LangOption = Lang.da,
) -> None:
    """Consolidate every submission into one master workbook with committee subtotals per year."""
    from rich.console import Console

    from xlbudget.api import consolidate, write_master
    from xlbudget.render import print_consolidation

    _state["lang"] = lang.value
    if not output.is_dir() and output.suffix.lower() != ".xlsx":
        _fail(_say("not_xlsx", path=output))

    console = Console(stderr=True)
    bar, advance = _progress_reader(console)
    try:
        rule = "newest" if newest else None
        result = _guarded(
            lambda: consolidate(paths, config, advance, output, duplicates=rule, previous=previous)
        )
    finally:
        if bar.live.is_started:
            bar.stop()
    print_consolidation(Console(), result, lang.value)
    if strict and result.left_out:
        _fail(_say("strict", count=_count(len(result.left_out), "submission"), path=output), 1)
    written = _guarded(lambda: write_master(result, output))
    Console().print(_say("master", path=written), highlight=False)
    if result.previous is not None:
        Console().print(_say("previous", **_carried(result)), highlight=False)
    raise typer.Exit(1 if result.left_out else 0)


def _carried(result: Any) -> dict[str, Any]:
    """What --previous did: decisions carried over, proposals changed, new and withdrawn."""
    from xlbudget.decisions import change_text, withdrawn

    previous = result.previous
    carried = changed = new = 0
    for group in result.groups:
        for entry in group.entries:
            text = change_text(previous, entry.proposal, group.committee, result.years)
            new += text == "ny"
            changed += text not in ("", "ny")
            carried += text != "ny"
    gone = len(withdrawn(previous, result))
    return {"path": previous.path, "carried": carried, "changed": changed, "new": new, "gone": gone}


def _say_left_out(result: Any) -> None:
    """On stderr, how many submissions the output leaves out for their errors (if any)."""
    if result.left_out:
        count = _count(len(result.left_out), "submission")
        typer.echo(_say("left_out", count=count), err=True)


class CsvStyleOption(StrEnum):
    """How export writes CSV."""

    excel = "excel"
    plain = "plain"


@app.command("export")
def export_command(
    paths: Annotated[list[Path], typer.Argument(help="Submitted forms: files or folders.")],
    output_format: Annotated[
        ExportFormat, typer.Option("--format", help="csv or json.")
    ] = ExportFormat.csv,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="File to write (default: standard output)."),
    ] = None,
    config: ConfigOption = None,
    csv_style: Annotated[
        CsvStyleOption,
        typer.Option(
            "--csv-style",
            help="excel: as Danish Excel opens it by a double click (';', decimal comma, "
            "byte-order mark); plain: comma-separated for scripts.",
        ),
    ] = CsvStyleOption.excel,
    lang: LangOption = Lang.da,
) -> None:
    """Export the included proposals as one flat table (CSV) or JSON, for other systems."""
    from xlbudget.api import consolidate
    from xlbudget.export import write_export

    _state["lang"] = lang.value
    result = _guarded(lambda: consolidate(paths, config, None, output))
    style = csv_style.value
    if output is None:
        _guarded(lambda: write_export(result, sys.stdout, output_format.value, style))
    else:
        written = _guarded(lambda: write_export(result, output, output_format.value, style))
        typer.echo(_say("export", path=written), err=True)
    _say_left_out(result)
    raise typer.Exit(1 if result.left_out else 0)


class CatalogueKind(StrEnum):
    """Which proposals the catalogue holds."""

    raaderum = "raaderum"
    oenske = "oenske"


@app.command("catalogue")
def catalogue_command(
    paths: Annotated[list[Path], typer.Argument(help="Submitted forms: files or folders.")],
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="The catalogue to write: .docx, or .pdf (LibreOffice)."
        ),
    ],
    config: ConfigOption = None,
    title: Annotated[
        str | None,
        typer.Option("--title", help='Title page (default: "Budgetforslag <first>–<last year>").'),
    ] = None,
    kind: Annotated[
        CatalogueKind | None,
        typer.Option("--kind", help="Only råderum (raaderum) or only ønsker (oenske)."),
    ] = None,
    committee: Annotated[
        list[str] | None,
        typer.Option("--committee", help="Only this committee's proposals (repeat for more)."),
    ] = None,
    lang: LangOption = Lang.da,
) -> None:
    """Write the proposal catalogue (råderums-/ønskekatalog) the committees and the council read."""
    from xlbudget.api import consolidate
    from xlbudget.catalogue import write_catalogue  # python-docx: only for this command

    _state["lang"] = lang.value
    if not output.is_dir() and output.suffix.lower() not in (".docx", ".pdf"):
        _fail(_say("not_docx", path=output))
    result = _guarded(lambda: consolidate(paths, config, None, output))
    written = _guarded(
        lambda: write_catalogue(
            result,
            output,
            title=title,
            kind=kind.value if kind else None,
            committees=committee or None,
        )
    )
    typer.echo(_say("catalogue", path=written))
    _say_left_out(result)
    raise typer.Exit(0)


@app.command("compare")
def compare_command(
    old: Annotated[Path, typer.Argument(help="The earlier round: a folder of forms or a master.")],
    new: Annotated[Path, typer.Argument(help="The later round: a folder of forms or a master.")],
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="text or json.")
    ] = OutputFormat.text,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Also write the changes as .xlsx.")
    ] = None,
    config: ConfigOption = None,
    lang: LangOption = Lang.da,
) -> None:
    """Compare two budget rounds: new, withdrawn and changed proposals, committee totals."""
    from xlbudget.compare import compare_rounds, load_round, write_changes
    from xlbudget.config import load_config

    _state["lang"] = lang.value

    def run() -> dict[str, Any]:
        settings = load_config(config, [new])
        return compare_rounds(load_round(old, settings), load_round(new, settings))

    comparison = _guarded(run)
    if output_format == OutputFormat.json:
        sys.stdout.write(json.dumps(comparison, ensure_ascii=False, indent=2) + "\n")
    else:
        from rich.console import Console

        from xlbudget.render import print_comparison

        print_comparison(Console(), comparison, lang.value)
    if output is not None:
        written = _guarded(lambda: write_changes(comparison, output))
        typer.echo(_say("compare", path=written), err=True)


@app.command("serve")
def serve_command(
    inbox: Annotated[
        Path, typer.Option("--inbox", help="The inbox folder (consolidate reads it as it is).")
    ] = Path("indbakke"),
    config: ConfigOption = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
) -> None:
    """Run the web page where departments check and hand in forms and the office follows the inbox."""
    from xlbudget.config import load_config
    from xlbudget.web import serve  # the web stack: only for this command

    settings = _guarded(lambda: load_config(config, [inbox] if inbox.is_dir() else []))
    _guarded(lambda: serve(inbox, settings, host, port))


def main() -> None:
    """Entry point of the `xlbudget` console script."""
    app()
