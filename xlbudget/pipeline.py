"""Run one file through read → extract → validate, and find the files a command was given."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import stat
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from xlbudget.config import Config
from xlbudget.errors import UnreadableFileError, UsageError
from xlbudget.issues import Issue, Lang
from xlbudget.models import FileResult

if TYPE_CHECKING:
    from xlbudget.read import Workbook
    from xlbudget.spec import FormSpec

# Every suffix a spreadsheet may carry, read or not: each such file gets its line in the
# report. Files with another suffix (or none) are taken when their content is a workbook.
SPREADSHEET_SUFFIXES = frozenset(
    {".xlsx", ".xlsm", ".xls", ".ods", ".xltx", ".xltm", ".xlt", ".xlsb", ".fods", ".ots"}
)
_WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def collect_files(paths: Sequence[Path]) -> list[str]:
    """The spreadsheet files named, or found in folders (recursively, in path order, not
    following links to folders), skipping hidden and lock files and everything below a hidden
    folder; each as str(Path) of it, the way results name their file; each file once."""
    unique: dict[tuple[int, int], str] = {}  # by device and inode: a file reached twice
    for path in paths:
        if path.is_dir():
            top = "" if str(path) == "." else str(path)  # as Path prints a path below "."
            for file in sorted(_files_below(top or ".", top)):
                _add(unique, file)
        elif path.is_file():
            _add(unique, str(path))
        else:
            raise UsageError(
                f"{path}: no such file or folder", f"{path}: filen eller mappen findes ikke"
            )
    if not unique:
        shown = ", ".join(str(p) for p in paths)
        raise UsageError(
            f"{shown}: no spreadsheet files (.xlsx, .xlsm, .xls, .ods, …) found",
            f"{shown}: ingen regneark (.xlsx, .xlsm, .xls, .ods, …) fundet",
        )
    return list(unique.values())


def _files_below(folder: str, shown: str) -> Iterator[tuple[tuple[str, ...], str]]:
    """(parts below the top, path) of every candidate file under `folder`, by os.walk."""
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith((".", "~$"))]  # hidden: not entered
        below = os.path.relpath(root, folder)
        parts = () if below == "." else tuple(below.split(os.sep))
        for name in names:
            if name.startswith((".", "~$")):
                continue
            path = os.path.join(shown, *parts, name)
            if os.path.splitext(name)[1].lower() in SPREADSHEET_SUFFIXES or _holds_workbook(path):
                yield (*parts, name), path


def _add(unique: dict[tuple[int, int], str], file: str | tuple[tuple[str, ...], str]) -> None:
    path = file[1] if isinstance(file, tuple) else file
    try:
        info = os.stat(path)
    except OSError:
        return
    if stat.S_ISREG(info.st_mode):
        unique.setdefault((info.st_dev, info.st_ino), path)


def _holds_workbook(path: str) -> bool:
    """Whether a file without a spreadsheet suffix is one all the same ("Forslag", a mail
    tool's "forslag.xlsx.part"): a zip or OLE file whose directory names a workbook. Documents
    of other kinds (.docx, .pdf, .msg) are left out without a word, as before."""
    from xlbudget.read import sniff_type  # the reading stack only for such files

    try:
        with open(path, "rb") as handle:
            if not handle.read(8).startswith(_WORKBOOK_MAGIC):
                return False
        sniff_type(Path(path))
    except UnreadableFileError as exc:
        return exc.code in ("file-encrypted", "file-xlsb", "file-old-format")
    except OSError:
        return False
    return True


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


OWN_WORKBOOKS = {
    "master": ("et samleark", "a master workbook"),
    "comparison": ("en sammenligning af to runder", "a comparison of two rounds"),
}


def read_form(
    path: Path | str, config: Config | None = None, spec: FormSpec | None = None
) -> FileResult:
    """Read, extract and validate the first form of a file (read_file gives every form)."""
    return read_file(path, config, spec)[0]


def check_file(
    path: Path | str,
    config: Config | None = None,
    spec: FormSpec | None = None,
    annotated: Path | None = None,
    lang: Lang = "da",
) -> list[FileResult]:
    """read_file, then, with `annotated`, a copy of the file with its problem cells marked
    written there when it holds a form with an error or a warning (its path recorded as the
    first result's `annotated`); a copy that cannot be made is an issue of the file, never
    the run's end."""
    results = read_file(path, config, spec)
    if annotated is None:
        return results
    from xlbudget.annotate import annotate

    # openpyxl prints and warns about odd files: nothing but the report may reach stdout
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            written = annotate(results, annotated, lang)
            if written is not None:
                results[0].annotated = str(written)
        except Exception as exc:  # a file openpyxl cannot load or save, a full disk
            detail = " ".join(str(exc).split())[:160] or type(exc).__name__
            results[0].issues.append(Issue.make("annotate-failed", detail=detail))
    return results


def read_file(
    path: Path | str, config: Config | None = None, spec: FormSpec | None = None
) -> list[FileResult]:
    """Read, extract and validate every form of one file: an entry per filled form, or one
    entry without a sheet when none could be read. Problems become issues, never exceptions."""
    # the reading stack is imported here, in the worker that reads, not in a parent that
    # only collects results (~50 ms of a one-form validate, whose parent imports the renderer)
    from xlbudget.extract import extract_forms
    from xlbudget.read import read_workbook
    from xlbudget.spec import load_spec
    from xlbudget.validate import validate

    path = Path(path)
    config = config or Config()
    spec = spec or load_spec()
    file = FileResult(path=str(path), modified=_modified(path))
    try:
        workbook = read_workbook(path, config.limits)
        file.sha256, file.size = hashlib.sha256(workbook.data).hexdigest(), len(workbook.data)
        file.file_type = workbook.file_type
        own = _own_workbook(workbook)
        if own is not None:
            file.issues.append(Issue.make("own-workbook", what=own[0], what_en=own[1]))
            return [file]
        found = extract_forms(workbook, spec)
        hidden = [Issue.make("form-hidden", sheet=name) for name in found.hidden]
        if not found.forms:
            if hidden:
                file.issues = hidden
            elif found.blank:
                file.issues = [Issue.make("form-blank", sheets=", ".join(found.blank))]
            else:
                file.issues = [Issue.make("form-not-found")]
            return [file]
        results = []
        for form in found.forms:
            result = file.model_copy(update={"sheet": form.sheet, "issues": []})
            result.proposal, result.issues = validate(form, workbook, spec, config)
            results.append(result)
        results[0].issues[:0] = hidden  # the file's own warnings go with its first form
        return results
    except UnreadableFileError as exc:
        file.issues = [Issue.make(exc.code, None, None, detail=exc.detail)]
    except Exception as exc:  # a bug or an exhausted budget must stay this file's problem
        return [crashed(path, config, type(exc).__name__)]
    if file.sha256 is None:
        file.sha256, file.size = file_digest(path, config.limits.max_file_bytes)
    return [file]


def _own_workbook(workbook: Workbook) -> tuple[str, str] | None:
    """What xlbudget wrote this workbook as, if it is a master: by the mark it carries, or,
    for masters written before the mark, by the sheets only a master has."""
    mark = (workbook.made_by_xlbudget or "").split()[:1]
    if mark and mark[0] in OWN_WORKBOOKS:
        return OWN_WORKBOOKS[mark[0]]
    names = {sheet.name for sheet in workbook.sheets}
    oversigt = workbook.sheet("Oversigt")
    if {"Oversigt", "Kilder", "Fejl"} <= names and oversigt and oversigt.get(0, 0) == "Nr.":
        return OWN_WORKBOOKS["master"]
    return None


def _modified(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def crashed(path: Path, config: Config, detail: str, code: str = "file-crashed") -> FileResult:
    """The result for a file whose reading failed unexpectedly (crash, timeout)."""
    sha256, size = file_digest(path, config.limits.max_file_bytes)
    issue = Issue.make(
        code, None, None, detail=detail, seconds=f"{config.limits.seconds_per_file:g}"
    )
    return FileResult(
        path=str(path), sha256=sha256, size=size, modified=_modified(path), issues=[issue]
    )


def read_forms(
    paths: Sequence[Path | str],
    config: Config | None = None,
    progress: Callable[[int, int], None] | None = None,
    annotated: Mapping[str, Path] | None = None,
    lang: Lang = "da",
) -> list[FileResult]:
    """check_file for every file, in order, in this process; `progress(done, total)` after
    each; `annotated`: where each file's marked copy goes, if copies are wanted."""
    from xlbudget.spec import load_spec  # once; read_file finds the rest of the stack

    spec = load_spec()
    results = []
    for done, path in enumerate(paths, 1):
        target = annotated.get(str(path)) if annotated else None
        results.extend(check_file(path, config, spec, target, lang))
        if progress:
            progress(done, len(paths))
    return results
