"""Run one file through read → extract → validate, and find the files a command was given."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

from xlbudget.config import Config
from xlbudget.errors import UnreadableFileError, UsageError
from xlbudget.extract import extract
from xlbudget.issues import Issue
from xlbudget.models import FileResult
from xlbudget.read import read_workbook
from xlbudget.spec import FormSpec, load_spec
from xlbudget.validate import validate

SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})


def collect_files(paths: Sequence[Path]) -> list[Path]:
    """The spreadsheet files named or found (recursively) in folders, skipping lock and hidden files."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in SPREADSHEET_SUFFIXES
                and p.is_file()
                and not _skipped(p.relative_to(path))
            )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"{path}: no such file or folder")
    unique: dict[Path, Path] = {}
    for file in files:
        unique.setdefault(file.resolve(), file)
    return list(unique.values())


def _skipped(relative: Path) -> bool:
    # ~$form.xlsx is Excel's lock file; .form.xlsx and anything in .folders is hidden
    return any(part.startswith((".", "~$")) for part in relative.parts)


def file_digest(path: Path) -> tuple[str | None, int | None]:
    """The sha256 and size of a file, or (None, None) if it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError:
        return None, None
    return hashlib.sha256(data).hexdigest(), len(data)


def read_form(
    path: Path | str, config: Config | None = None, spec: FormSpec | None = None
) -> FileResult:
    """Read, extract and validate one submitted form; problems become issues, never exceptions."""
    path = Path(path)
    config = config or Config()
    spec = spec or load_spec()
    sha256, size = file_digest(path)
    result = FileResult(path=str(path), sha256=sha256, size=size)
    try:
        workbook = read_workbook(path, config.limits)
    except UnreadableFileError as exc:
        result.issues.append(Issue.make(exc.code, None, None, detail=exc.detail))
        return result
    result.file_type = workbook.file_type
    form = extract(workbook, spec)
    if form is None:
        result.issues.append(Issue.make("form-not-found"))
        return result
    result.sheet = form.sheet
    result.proposal, result.issues = validate(form, workbook, spec, config)
    return result


def read_forms(
    paths: Sequence[Path],
    config: Config | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[FileResult]:
    """read_form for every file, in order; `progress(done, total)` after each."""
    spec = load_spec()
    results = []
    for done, path in enumerate(paths, 1):
        results.append(read_form(path, config, spec))
        if progress:
            progress(done, len(paths))
    return results
