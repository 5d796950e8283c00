"""The styles part left out of the reader's package once calamine has read it and it makes
no cell a date: the same cells, and a damaged or date-bearing part is never left out."""

from __future__ import annotations

import datetime
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from tests import hostile
from xlbudget.config import Limits
from xlbudget.errors import UnreadableFileError
from xlbudget.guards import check_bytes, package
from xlbudget.read import read_workbook

STYLES = "xl/styles.xml"


@pytest.fixture(autouse=True)
def _nothing_learnt() -> Iterator[None]:
    """Each test starts with a reader that has read no styles part (and leaves it so)."""
    package._STYLES_READ.clear()
    yield
    package._STYLES_READ.clear()


def _package_names(data: bytes) -> list[str]:
    report = check_bytes(data, "xlsx", Limits())
    assert report.package is not None
    with zipfile.ZipFile(hostile.io.BytesIO(report.package)) as archive:
        return archive.namelist()


def _with_styles(tmp_path: Path, name: str, styles: bytes) -> Path:
    parts = hostile.read_parts(hostile.base_form(tmp_path))
    edited = [hostile.Part(p.name, styles if p.name == STYLES else p.data) for p in parts]
    return hostile.write_zip(tmp_path / name, edited)


def test_a_styles_part_read_before_without_dates_is_left_out_with_the_same_cells(
    tmp_path: Path,
) -> None:
    form = hostile.base_form(tmp_path)
    data = form.read_bytes()
    assert STYLES in _package_names(data)  # never read yet: the reader gets it
    first = read_workbook(form)
    assert STYLES not in _package_names(data)  # read and accepted: left out from now on
    second = read_workbook(form)
    assert [s.cells for s in second.sheets] == [s.cells for s in first.sheets]
    assert first.sheets[0].cells  # a form, not an empty sheet


def test_a_styles_part_the_reader_refused_is_never_left_out(tmp_path: Path) -> None:
    styles = hostile.read_parts(hostile.base_form(tmp_path))
    cut = next(p.data for p in styles if p.name == STYLES)[:-40]
    assert package.without_dates(cut)  # no date formats: only the refusal keeps it in
    form = _with_styles(tmp_path, "cut-styles.xlsx", cut)
    for _ in range(2):
        with pytest.raises(UnreadableFileError) as refused:
            read_workbook(form)
        assert refused.value.code == "file-corrupt"
    assert STYLES in _package_names(form.read_bytes())


def test_a_styles_part_with_a_date_format_stays_and_dates_stay_dates(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "Budgetændring"
    sheet["B1"] = 45000
    sheet["B1"].number_format = "mm-dd-yy"  # Excel's built-in format 14, a date
    form = tmp_path / "date.xlsx"
    book.save(form)
    for _ in range(2):
        cells = read_workbook(form).sheets[0].cells
        assert isinstance(cells[(0, 1)], datetime.date)
    assert STYLES in _package_names(form.read_bytes())


@pytest.mark.parametrize(
    ("styles", "expected"),
    [
        (b'<styleSheet><cellXfs><xf numFmtId="0"/><xf numFmtId="3"/></cellXfs></styleSheet>', True),
        (b"<styleSheet><cellXfs><xf numFmtId='49'/></cellXfs></styleSheet>", True),
        (b'<styleSheet><cellXfs><xf numFmtId="14"/></cellXfs></styleSheet>', False),
        (b'<styleSheet><cellXfs><xf numFmtId="46"/></cellXfs></styleSheet>', False),
        # a format of its own may be a date whatever its number
        (
            b'<styleSheet><numFmts><numFmt numFmtId="3" formatCode="yyyy"/></numFmts>'
            b'<cellXfs><xf numFmtId="3"/></cellXfs></styleSheet>',
            False,
        ),
        # a number calamine would read otherwise than the pattern: counted as a date
        (b'<styleSheet><cellXfs><xf numFmtId=" 14"/></cellXfs></styleSheet>', False),
        (b'<styleSheet><cellXfs><xf numFmtId="&#49;4"/></cellXfs></styleSheet>', False),
        # not ASCII-compatible: nothing to be sure of
        ('<styleSheet><cellXfs><xf numFmtId="14"/></cellXfs></styleSheet>'.encode("utf-16"), False),
    ],
)
def test_without_dates(styles: bytes, expected: bool) -> None:
    assert package.without_dates(styles) is expected
