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


def annotate(results: Sequence[FileResult], out_dir: Path, lang: Lang = "da") -> Path | None:
    """Copy one file into out_dir with the problem cells of all its forms marked (every sheet);
    None when it cannot be opened or holds no form."""
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    if not results or not any(r.sheet for r in results):
        return None
    result = results[0]
    source = Path(result.path)
    if result.file_type not in ("xlsx", "xlsm"):
        return None
    target = out_dir / source.name
    if target.resolve() == source.resolve():
        raise OutputError(f"{target}: the annotated copy would overwrite the input")
    try:
        workbook = load_workbook(source, keep_vba=result.file_type == "xlsm", rich_text=False)
    except Exception:
        return None
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
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create the folder ({exc.strerror})") from None
    buffer = io.BytesIO()
    workbook.save(buffer)
    return write_atomically(target, buffer.getvalue(), "annotated copy")
