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
    if not unique:
        shown = ", ".join(str(p) for p in paths)
        raise UsageError(f"{shown}: no spreadsheet files (.xlsx, .xlsm, .xls, .ods) found")
    return list(unique.values())


def _skipped(relative: Path) -> bool:
    # ~$form.xlsx is Excel's lock file; .form.xlsx and anything in .folders is hidden
    return any(part.startswith((".", "~$")) for part in relative.parts)


def file_digest(path: Path, limit: int) -> tuple[str | None, int | None]:
    """sha256 and size, streamed; no hash for a file over the size limit (it is not read)."""
    try:
        size = path.stat().st_size
        if size > limit:
            return None, size
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        return digest.hexdigest(), size
    except OSError:
        return None, None


def read_form(
    path: Path | str, config: Config | None = None, spec: FormSpec | None = None
) -> FileResult:
    """Read, extract and validate one submitted form; problems become issues, never exceptions."""
    path = Path(path)
    config = config or Config()
    spec = spec or load_spec()
    result = FileResult(path=str(path))
    try:
        workbook = read_workbook(path, config.limits)
        data = workbook.data
        result.sha256, result.size = hashlib.sha256(data).hexdigest(), len(data)
        result.file_type = workbook.file_type
        form = extract(workbook, spec)
        if form is None:
            result.issues.append(Issue.make("form-not-found"))
            return result
        result.sheet = form.sheet
        result.proposal, result.issues = validate(form, workbook, spec, config)
    except UnreadableFileError as exc:
        result.issues = [Issue.make(exc.code, None, None, detail=exc.detail)]
    except Exception as exc:  # a bug or an exhausted budget must stay this file's problem
        return crashed(path, config, type(exc).__name__)
    if result.sha256 is None:
        result.sha256, result.size = file_digest(path, config.limits.max_file_bytes)
    return result


def crashed(path: Path, config: Config, detail: str, code: str = "file-crashed") -> FileResult:
    """The result for a file whose reading failed unexpectedly (crash, timeout)."""
    sha256, size = file_digest(path, config.limits.max_file_bytes)
    issue = Issue.make(
        code, None, None, detail=detail, seconds=f"{config.limits.seconds_per_file:g}"
    )
    return FileResult(path=str(path), sha256=sha256, size=size, issues=[issue])


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
