"""The command line: help texts, README, JSON equal to the library, exit codes, annotate."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from xlbudget import validate_paths
from xlbudget.cli import app

from .forms import reference_rows, write_form

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ["template", "validate", "consolidate", "export", "catalogue", "compare", "serve"]
runner = CliRunner()


def registered_commands() -> list[str]:
    return sorted(c.name or c.callback.__name__ for c in app.registered_commands)


def test_every_command_is_known_here() -> None:
    assert registered_commands() == sorted(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output and len(result.output.splitlines()) > 4
    assert f"xlbudget {command}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_has_exactly_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setups = re.findall(r"^python3 -m venv .venv && .*$", readme, flags=re.M)
    assert len(setups) == 2
    assert any(s.endswith("pytest") for s in setups)
    assert any("xlbudget consolidate samples" in s for s in setups)


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("xlbudget ")


@pytest.fixture
def forms(tmp_path: Path) -> Path:
    folder = tmp_path / "forms"
    folder.mkdir()
    write_form(folder / "good.xlsx")
    write_form(folder / "no-number.xlsx", reference_rows({"Nr.": [None]}))
    (folder / "~$good.xlsx").write_bytes(b"lock file")
    (folder / "xlbudget.toml").write_text(
        '[budget]\nfirst_year = 2020\n[[committee]]\nname = "Børne- og Familieudvalget"\nprefix = "BF"\n',
        encoding="utf-8",
    )
    return folder


def test_validate_json_equals_library(forms: Path) -> None:
    result = runner.invoke(app, ["validate", str(forms), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    library = validate_paths([forms])
    assert report["files"] == [r.to_json() for r in library]
    assert report["summary"] == {
        "files": 2,
        "forms": 2,
        "ok": 1,
        "warning": 0,
        "error": 1,
        "skipped": 0,
    }
    bad = next(f for f in report["files"] if f["path"].endswith("no-number.xlsx"))
    assert bad["issues"][0] | {"message": ""} == {
        "severity": "error",
        "code": "required-missing",
        "field": "nr",
        "cell": "Ark1!B5",
        "message": "",
    }


def test_validate_exit_0_on_a_clean_form(forms: Path) -> None:
    result = runner.invoke(app, ["validate", str(forms / "good.xlsx")])
    assert result.exit_code == 0
    assert "1 fil kontrolleret, 1 skema fundet: 1 i orden" in result.output


def test_validate_text_in_english(forms: Path) -> None:
    result = runner.invoke(app, ["validate", str(forms / "no-number.xlsx"), "--lang", "en"])
    assert result.exit_code == 1
    assert "required-missing" in result.output and "is empty" in result.output


def test_missing_path_is_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.xlsx"), "--lang", "en"])
    assert result.exit_code == 2
    assert "no such file or folder" in result.output and "Traceback" not in result.output
    danish = runner.invoke(app, ["validate", str(tmp_path / "nope.xlsx")])
    assert danish.exit_code == 2 and "filen eller mappen findes ikke" in danish.output


def test_annotate_marks_problem_cells(forms: Path, tmp_path: Path) -> None:
    source = forms / "no-number.xlsx"
    before = source.read_bytes()
    out = tmp_path / "marked"
    result = runner.invoke(app, ["validate", str(source), "--annotate", str(out)])
    assert result.exit_code == 1
    assert source.read_bytes() == before  # the original is untouched
    sheet = load_workbook(out / "no-number – kontrol.xlsx")["Ark1"]
    cell = sheet["B5"]
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert cell.comment.text.startswith("Fejl: ") and "Nr." in cell.comment.text
    assert sheet["B6"].comment is None


# --- misuse: one clear line, the right exit code, nothing overwritten --------------------------


def one_line_error(result: object) -> str:
    lines = [line for line in result.output.splitlines() if line.startswith("xlbudget:")]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize("command", ["validate", "consolidate", "export"])
def test_empty_folder_is_a_usage_error(tmp_path: Path, command: str) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    extra = ["-o", str(tmp_path / "out.xlsx")] if command == "consolidate" else []
    result = runner.invoke(app, [command, str(empty), *extra, "--lang", "en"])
    assert result.exit_code == 2
    assert "no spreadsheet files" in one_line_error(result)
    assert "ingen regneark" in one_line_error(runner.invoke(app, [command, str(empty), *extra]))
    assert not (tmp_path / "out.xlsx").exists()


def test_output_that_is_a_folder(forms: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["consolidate", str(forms), "-o", str(tmp_path), "--lang", "en"])
    assert result.exit_code == 2
    assert "is a folder" in one_line_error(result)


def test_output_in_a_missing_folder(forms: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["consolidate", str(forms), "-o", str(tmp_path / "nope" / "m.xlsx"), "--lang", "en"]
    )
    assert result.exit_code == 2
    assert "does not exist" in one_line_error(result)


def test_output_that_cannot_be_written(forms: Path) -> None:
    # /proc takes no new files, not even from root: the write fails after the reading
    result = runner.invoke(
        app, ["consolidate", str(forms), "-o", "/proc/xlbudget-master.xlsx", "--lang", "en"]
    )
    assert result.exit_code == 2
    assert "cannot write the master workbook" in one_line_error(result)


def test_failed_write_keeps_the_previous_master(
    forms: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    master = tmp_path / "master.xlsx"
    master.write_bytes(b"previous master")

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("xlbudget.atomic.os.replace", disk_full)
    result = runner.invoke(app, ["consolidate", str(forms), "-o", str(master)])
    assert result.exit_code == 2
    assert "No space left on device" in one_line_error(result)
    assert master.read_bytes() == b"previous master"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "forms",
        "marked",
        "master.xlsx",
    ] or sorted(p.name for p in tmp_path.iterdir()) == ["forms", "master.xlsx"]


def test_debug_shows_the_trace(tmp_path: Path) -> None:
    bad = tmp_path / "xlbudget.toml"
    bad.write_text("[budget\n", encoding="utf-8")
    result = runner.invoke(
        app, ["--debug", "template", "-o", str(tmp_path / "t.xlsx"), "--config", str(bad)]
    )
    assert result.exit_code != 0
    assert isinstance(result.exception, Exception) and "not valid TOML" in str(result.exception)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    """The console script as a user runs it: its own process, output through pipes."""
    return subprocess.run(
        [sys.executable, "-m", "xlbudget", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},
    )


def test_commands_through_pipes_deliver_everything() -> None:
    # a pipe is block-buffered: the whole report arrives, and the exit code with it
    samples = ROOT / "samples"
    good = _run("validate", "--format", "json", str(samples / "reference-BFdr-001.xlsx"))
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["files"][0]["status"] == "ok"
    bad = _run("validate", str(samples / "defect-both-ticked.xlsx"))
    assert bad.returncode == 1
    assert "kind-ambiguous" in bad.stdout and "Ark1!B4" in bad.stdout
    assert bad.stdout.rstrip().endswith("0 i orden, 0 med advarsler, 1 med fejl, 0 sprunget over.")
    export = _run("export", "--format", "json", str(samples))
    expected = validate_paths([samples])
    assert export.returncode == 1  # the defect samples are left out
    assert len(json.loads(export.stdout)) == sum(r.status != "error" for r in expected)


def test_validate_parent_leaves_reading_and_rendering_for_later() -> None:
    # A one-form validate is mostly imports: the parent forks its worker with only the
    # command line, config and models loaded; the worker imports the reading stack, and
    # the parent the renderer while the worker reads. openpyxl and xlsxwriter never.
    code = (
        "import sys, xlbudget.cli, xlbudget.api, xlbudget.workers; "
        "print(' '.join(sorted(m for m in ('rich', 'xlbudget.read', 'xlbudget.extract', "
        "'xlbudget.spec', 'xlbudget.guards', 'python_calamine', 'openpyxl', 'xlsxwriter') "
        "if m in sys.modules)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert loaded == []


def test_validate_json_imports_no_renderer() -> None:
    form = ROOT / "samples" / "reference-BFdr-001.xlsx"
    command = ["-X", "importtime", "-m", "xlbudget", "validate", "--format", "json", str(form)]
    done = subprocess.run(
        [sys.executable, *command],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and json.loads(done.stdout)["summary"]["ok"] == 1
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "xlbudget.api" in imported  # the listing is there to look at
    heavy = ("rich", "openpyxl", "xlsxwriter", "fastapi", "uvicorn", "jinja2", "starlette")
    assert not {name for name in imported if name.split(".")[0] in heavy}


def test_consolidate_refuses_a_master_that_is_not_xlsx(forms: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["consolidate", str(forms), "-o", str(tmp_path / "samleark.csv")])
    assert result.exit_code == 2
    assert ".xlsx" in one_line_error(result) and not (tmp_path / "samleark.csv").exists()


def test_one_language_per_run(forms: Path, tmp_path: Path) -> None:
    """The lines a command prints of its own are in the chosen language."""
    master = tmp_path / "m.xlsx"
    danish = runner.invoke(app, ["consolidate", str(forms), "-o", str(master)])
    english = runner.invoke(app, ["consolidate", str(forms), "-o", str(master), "--lang", "en"])
    assert "Samleark skrevet" in danish.output and "filer læst" in danish.output
    assert "Master workbook written" in english.output and "files read" in english.output
    assert "Samleark" not in english.output and "læst" not in english.output
    out = tmp_path / "f.csv"
    exported = runner.invoke(app, ["export", str(forms), "-o", str(out), "--lang", "en"])
    assert f"Export written: {out}" in exported.output
    assert "1 submission with errors" in exported.output
