"""Write annotated copies: every problem cell filled red and carrying its message as a comment."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from xlbudget.atomic import write_atomically
from xlbudget.errors import OutputError
from xlbudget.issues import Issue, Lang
from xlbudget.models import FileResult
from xlbudget.read import parse_ref

RED = "FFC7CE"


def annotation_targets(files: Sequence[str], out_dir: Path) -> dict[str, Path]:
    """Where each file's annotated copy goes: out_dir/<its name>, numbered where two inputs
    share a name ("forslag (2).xlsx"); refuses an out_dir that cannot be made."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"{out_dir}: cannot create the folder ({exc.strerror})",
            f"{out_dir}: mappen kan ikke oprettes ({exc.strerror})",
        ) from None
    targets: dict[str, Path] = {}
    taken: set[str] = set()
    for file in files:
        source = Path(file)
        name, number = source.name, 1
        while name.casefold() in taken:
            number += 1
            name = f"{source.stem} ({number}){source.suffix}"
        taken.add(name.casefold())
        targets[file] = out_dir / name
    return targets


def annotate(results: Sequence[FileResult], target: Path, lang: Lang = "da") -> Path | None:
    """Copy one file to `target` with the problem cells of all its forms marked (on every
    sheet); None when the file holds no form or is not an xlsx/xlsm. Raises on failure."""
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    if not results or not any(r.sheet for r in results):
        return None  # copies only of forms
    result = results[0]
    source = Path(result.path)
    if result.file_type not in ("xlsx", "xlsm"):
        return None
    if target.resolve() == source.resolve():
        raise OutputError("the copy would overwrite the input")
    workbook = load_workbook(source, keep_vba=result.file_type == "xlsm", rich_text=False)
    fill = PatternFill("solid", start_color=RED, end_color=RED)
    by_cell: dict[str, list[Issue]] = {}
    for issue in (issue for r in results for issue in r.issues):
        if issue.cell:
            by_cell.setdefault(issue.cell, []).append(issue.in_language(lang))
    for ref, issues in by_cell.items():
        sheet_name, _, address = ref.rpartition("!")
        sheet_name = sheet_name.strip("'").replace("''", "'")
        if sheet_name not in workbook.sheetnames or parse_ref(address) is None:
            continue
        cell = workbook[sheet_name][address]
        cell.fill = fill
        text = "\n".join(f"{i.severity.upper()} {i.code}: {i.message}" for i in issues)
        comment = Comment(text, "xlbudget")
        comment.width, comment.height = 320, 40 + 18 * (len(text) // 45 + len(issues))
        cell.comment = comment
    buffer = io.BytesIO()
    workbook.save(buffer)
    return write_atomically(target, buffer.getvalue(), "annotated copy")
