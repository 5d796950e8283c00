"""Forms as other makers send them: a folder of forms restyled, a share each way.

    python benchmarks/other_makers.py benchmarks/out/forms-openpyxl-10000 /tmp/mixed
    python benchmarks/bench.py --folder /tmp/mixed --repeat 2

Of every ten forms: two as they are; three with borders, bold labels, fills, wrapped text
and amounts formatted `#,##0` (a built-in format); one with amounts in a format of its own
(`#,##0;[Red]-#,##0`); two with the even amounts typed as formulas (`=400+400`), saved
without results as openpyxl saves them; one with a logo (only with Pillow installed, which
openpyxl needs for images; else as it is); one with a data validation list and a comment.
"""

from __future__ import annotations

import io
import sys
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

KINDS = ("plain", "styled", "styled", "own-format", "formulas")
KINDS += ("logo", "validation", "plain", "styled", "formulas")
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FILL = PatternFill("solid", fgColor="DDEBF7")


def _logo() -> bytes | None:
    try:
        from PIL import Image
    except ImportError:
        return None
    buffer = io.BytesIO()
    Image.new("RGB", (240, 80), (0, 70, 140)).save(buffer, "PNG")
    return buffer.getvalue()


def _restyle(sheet: Any, kind: str) -> None:
    for row in sheet.iter_rows():
        for cell in row:
            value = cell.value
            if value is None:
                continue
            cell.border = _BORDER
            if isinstance(value, int | float) and not isinstance(value, bool):
                if 1990 < value < 2200:  # a year
                    continue
                cell.number_format = "#,##0;[Red]-#,##0" if kind == "own-format" else "#,##0"
                if kind == "formulas" and value and value == int(value) and int(value) % 2 == 0:
                    cell.value = f"={int(value) // 2}+{int(value) // 2}"
            elif isinstance(value, str) and len(value) < 60:
                cell.font, cell.fill = Font(bold=True), _FILL
            else:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def remake(job: tuple[int, Path, Path, bytes | None]) -> None:
    """Write the form at `source` into `target` the way maker number `index % 10` does."""
    index, source, target, logo = job
    kind = KINDS[index % len(KINDS)]
    if kind == "plain" or (kind == "logo" and logo is None):
        target.write_bytes(source.read_bytes())
        return
    book = openpyxl.load_workbook(source)
    sheet = book.active
    if kind in ("styled", "own-format", "formulas"):
        _restyle(sheet, kind)
    elif kind == "logo":
        from openpyxl.drawing.image import Image

        sheet.add_image(Image(io.BytesIO(logo)), "H1")
    else:
        from openpyxl.comments import Comment
        from openpyxl.worksheet.datavalidation import DataValidation

        ticks = DataValidation(type="list", formula1='"x,X"', allow_blank=True)
        sheet.add_data_validation(ticks)
        ticks.add("B4")
        sheet["A1"].comment = Comment("Udfyld alle felter", "Økonomi")
    book.save(target)


def main(argv: list[str]) -> int:
    """Remake every form of the source folder into the target folder; exit 0."""
    source, target = Path(argv[0]), Path(argv[1])
    target.mkdir(parents=True, exist_ok=True)
    for config in source.glob("xlbudget.toml"):
        (target / config.name).write_bytes(config.read_bytes())
    logo = _logo()
    forms = sorted(source.glob("*.xlsx"))
    with Pool() as pool:
        pool.map(remake, [(i, f, target / f.name, logo) for i, f in enumerate(forms)], 200)
    print(f"{len(forms)} forms in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
