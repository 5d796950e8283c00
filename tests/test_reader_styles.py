"""The styles part left out of the reader's package once calamine has read it and it makes
no cell a date: the same cells, and a damaged or date-bearing part is never left out."""

from __future__ import annotations

import datetime
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def calamine_takes_for_date(code: str) -> bool:
    """calamine's is_custom_date_format (src/formats.rs), line for line: the reference."""
    escaped = is_quote = hms = ap = False
    brackets, prev = 0, " "
    for s in code:
        if escaped:
            escaped = False
        elif s in "_\\":
            escaped = True
        elif is_quote:
            if s == '"':
                is_quote = False
        elif s == '"':
            is_quote = True
        elif s == ";":
            return False
        elif s == "[":
            brackets += 1
        elif s == "]" and brackets == 1 and hms:
            return True
        elif s == "]":
            brackets = max(0, brackets - 1)
        elif s in "aA" and not ap and brackets == 0:
            ap = True
        elif (s in "pm/PM" and ap and brackets == 0) or (
            s in "dmhysDMHYS" and not ap and brackets == 0
        ):
            return True
        elif not (hms and s.lower() == prev.lower()):
            hms = prev == "[" and s in "mhsMHS"
        prev = s
    return False


NUMBER_FORMATS = [
    "0", "0.0", "#,##0", "#,##0.00", "#,##0;[Red]-#,##0", '#,##0\\ "kr."', '#,##0 "kr."',
    "[$kr-406] #,##0", "0%", "0.00E+00", "# ?/?", "@", "#,##0_);(#,##0)", '"Beløb: "#,##0',
    "[Blue]0", "[>=100]0;0", "000000", "General", '0 "dage"',
]  # fmt: skip
DATE_FORMATS = ["yyyy", "d/m", "[h]:mm", "mm", "[mm]", "*d0", 'd"x"', "dd-mm-yyyy", "h:mm AM/PM"]


@pytest.mark.parametrize("code", NUMBER_FORMATS + DATE_FORMATS)
def test_a_format_of_its_own_left_out_only_if_calamine_reads_it_alike(
    tmp_path: Path, code: str
) -> None:
    styles_of = openpyxl.Workbook()
    for col, value in enumerate([800, 800.5, -1200, 45000, 2021], 1):
        styles_of.active.cell(1, col, value).number_format = code
    styles_of.save(tmp_path / "with.xlsx")
    with zipfile.ZipFile(tmp_path / "with.xlsx") as archive:
        styles = archive.read(STYLES)
        names = [n for n in archive.namelist() if n != STYLES]
        with zipfile.ZipFile(tmp_path / "without.xlsx", "w") as cut:
            for name in names:
                cut.writestr(name, archive.read(name))
    learnable = package.without_dates(styles)
    assert learnable is (code in NUMBER_FORMATS)
    assert learnable is not calamine_takes_for_date(code)
    same = [read_workbook(tmp_path / n).sheets[0].cells for n in ("with.xlsx", "without.xlsx")]
    if learnable:
        assert same[0] == same[1] and all(type(v) is not datetime.date for v in same[0].values())


@given(st.text(alphabet='0#?,.;:+-%()/ Ee@"\\_[]$<>=kr.dmyhsaApRedBlue', max_size=16))
@settings(max_examples=2000, deadline=None)
def test_a_format_admitted_as_no_date_is_none_to_calamine(code: str) -> None:
    styles = (
        '<styleSheet><numFmts><numFmt numFmtId="164" formatCode="'
        + code.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        + '"/></numFmts><cellXfs><xf numFmtId="164"/></cellXfs></styleSheet>'
    ).encode()
    if package.without_dates(styles):
        assert not calamine_takes_for_date(code)
