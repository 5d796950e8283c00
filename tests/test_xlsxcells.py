"""The fast xlsx cell reader gives exactly what calamine gives, or hands the file to calamine."""

from __future__ import annotations

import datetime as dt
import io
import random
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlbudget.config import Limits
from xlbudget.errors import UnreadableFileError
from xlbudget.guards import check_bytes
from xlbudget.read import _read_sheets, read_workbook, sniff_bytes
from xlbudget.template import write_template
from xlbudget.xlsxcells import read_plain_sheets

from . import hostile
from .forms import reference_rows, write_form
from .test_fuzz import _mutate

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
LIMITS = Limits()


def both_readers(data: bytes) -> tuple[list[tuple[str, dict]] | None, list[tuple[str, dict]]]:
    """(the fast reader's sheets or None, calamine's sheets) for the same checked parts."""
    report = check_bytes(data, sniff_bytes(data), LIMITS)
    assert report.contents is not None
    fast = read_plain_sheets(report.contents, LIMITS)
    slow = [(sheet.name, sheet.cells) for sheet in _read_sheets(report.package, LIMITS)]
    return fast, slow


def typed(sheets: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """Sheets with each value paired with its type: 1.0 and True must not pass for equal."""
    return [(name, {pos: (type(v), v) for pos, v in cells.items()}) for name, cells in sheets]


def assert_same_or_handed_over(data: bytes) -> bool:
    """True when the fast reader read the workbook (and agreed with calamine)."""
    fast, slow = both_readers(data)
    if fast is None:
        return False
    assert typed(fast) == typed(slow)
    return True


def test_samples_are_read_fast_and_as_calamine_reads_them() -> None:
    paths = sorted(SAMPLES.glob("*.xlsx"))
    assert len(paths) > 20
    assert all(assert_same_or_handed_over(path.read_bytes()) for path in paths)


def test_template_and_openpyxl_forms_are_read_fast(tmp_path: Path) -> None:
    template = write_template(tmp_path / "template.xlsx")
    form = write_form(tmp_path / "form.xlsx", reference_rows())
    assert assert_same_or_handed_over(template.read_bytes())
    assert assert_same_or_handed_over(form.read_bytes())


def test_read_workbook_takes_the_fast_path_without_calamine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    form = write_form(tmp_path / "form.xlsx", reference_rows())

    def no_calamine(*args: object) -> None:
        raise AssertionError("calamine was asked")

    monkeypatch.setattr("xlbudget.read._read_sheets", no_calamine)
    workbook = read_workbook(form)
    assert workbook.sheets[0].cells[(4, 1)] == "BFdr-001"


def _openpyxl_bytes(values: dict[str, Any], number_format: str | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for ref, value in values.items():
        sheet[ref] = value
        if number_format:
            sheet[ref].number_format = number_format
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("value", "number_format"),
    [
        (dt.date(2021, 3, 4), None),  # a date style on a number: calamine makes it a date
        (44000, "d/m/yyyy"),
        (0.5, "hh:mm"),
        ("Linje 1_x000D_Linje 2", None),  # calamine decodes the _x000D_ escape
        ("=1/0", None),  # a formula without its result: fine, but with an error value below
    ],
)
def test_what_the_fast_reader_leaves_to_calamine(value: Any, number_format: str | None) -> None:
    data = _openpyxl_bytes({"A1": "Nr.", "B1": value}, number_format)
    fast, slow = both_readers(data)
    if isinstance(value, str) and value.startswith("="):
        assert fast is not None and typed(fast) == typed(slow)
    else:
        assert fast is None
    assert read_workbook_cells(data) == dict(slow[0][1])


def read_workbook_cells(data: bytes, tmp: Path | None = None) -> dict:
    path = Path(f"/tmp/xlsxcells-{random.randrange(1 << 30)}.xlsx") if tmp is None else tmp
    path.write_bytes(data)
    try:
        return read_workbook(path).sheets[0].cells
    finally:
        path.unlink()


def test_error_values_are_left_to_calamine(tmp_path: Path) -> None:
    base = hostile.base_form(tmp_path)
    body = '<row r="1"><c r="A1" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="B1"><v>3</v></c></row>'
    path = hostile.rewrite(base, tmp_path / "e.xlsx", {hostile.SHEET: hostile.sheet_xml(body)})
    fast, _ = both_readers(path.read_bytes())
    assert fast is None


@pytest.mark.parametrize("index", ["-1", " 0", "0x1", "99"])
def test_shared_string_index_that_is_no_plain_index_is_left_to_calamine(index: str) -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Ark1")
    sheet.write_string(0, 0, "Nr.")
    sheet.write_string(0, 1, "BFdr-001")  # shared string 1: its <v>1</v> becomes `index`
    book.close()
    parts = hostile.read_parts_bytes(buffer.getvalue())
    for part in parts:
        if part.name == "xl/worksheets/sheet1.xml":
            assert part.data.count(b"<v>1</v>") == 1
            part.data = part.data.replace(b"<v>1</v>", f"<v>{index}</v>".encode())
    report = check_bytes(hostile.zip_bytes(parts), "xlsx", LIMITS)
    assert report.contents is not None
    assert read_plain_sheets(report.contents, LIMITS) is None


def test_unknown_entity_carriage_return_cdata_and_comments_are_left_to_calamine(
    tmp_path: Path,
) -> None:
    base = hostile.base_form(tmp_path)
    for text in (
        "&#13;x",
        "a\rb",
        "<![CDATA[x]]>",
        'x</t></is></c><!-- <c r="B1"><v>1</v></c> --><c r="C1" t="inlineStr"><is><t>y',
    ):
        body = f'<row r="1"><c r="A1" t="inlineStr"><is><t>{text}</t></is></c></row>'
        path = hostile.rewrite(base, tmp_path / "t.xlsx", {hostile.SHEET: hostile.sheet_xml(body)})
        assert assert_same_or_handed_over(path.read_bytes()) is (text == "&#13;x"), text


_PIECES = ["&", "<", ">", '"', "'", "_x000D_", "\n", "\r", "\t", " ", "\xa0", "ø", "&amp;", "<p>"]
_TEXT = st.lists(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=3)
    | st.sampled_from(_PIECES),
    max_size=6,
).map("".join)
_VALUES = st.one_of(
    _TEXT,
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(dt.date(1901, 1, 1), dt.date(2099, 12, 31)),
)
_GRID = st.dictionaries(
    st.tuples(st.integers(0, 30), st.integers(0, 8)), _VALUES, min_size=1, max_size=25
)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _ref(pos: tuple[int, int]) -> str:
    return f"{chr(65 + pos[1])}{pos[0] + 1}"


@PROPERTY
@given(_GRID)
def test_openpyxl_workbooks_read_as_calamine_reads_them(grid: dict) -> None:
    values = {_ref(pos): value for pos, value in grid.items()}
    try:
        data = _openpyxl_bytes(values)
    except (ValueError, openpyxl.utils.exceptions.IllegalCharacterError):
        return  # openpyxl refuses the text (control characters); nothing to read
    assert_same_or_handed_over(data)


@PROPERTY
@given(_GRID, st.booleans())
def test_xlsxwriter_workbooks_read_as_calamine_reads_them(grid: dict, inline: bool) -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("Mit ark & co")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    amounts = book.add_format({"num_format": "#,##0;[Red]-#,##0"})
    for (row, col), value in grid.items():
        if isinstance(value, dt.date):
            sheet.write_datetime(row, col, value, dates)
        elif isinstance(value, str):
            sheet.write_string(row, col, value)
        elif isinstance(value, bool):
            sheet.write_boolean(row, col, value)
        else:
            sheet.write_number(row, col, value, amounts if inline else None)
    book.close()
    assert_same_or_handed_over(buffer.getvalue())


def test_mutated_samples_read_as_calamine_reads_them_or_are_handed_over() -> None:
    taken = 0
    samples = sorted(SAMPLES.glob("*.xlsx"))
    for seed in range(400):
        rng = random.Random(seed)
        data = _mutate(samples[seed % len(samples)].read_bytes(), rng)
        try:
            report = check_bytes(data, sniff_bytes(data), LIMITS)
        except UnreadableFileError:
            continue
        if report.contents is None:
            continue
        fast = read_plain_sheets(report.contents, LIMITS)
        try:
            slow = [(s.name, s.cells) for s in _read_sheets(report.package, LIMITS)]
        except UnreadableFileError:
            assert fast is None, seed  # what calamine refuses, the fast path does not read
            continue
        if fast is not None:
            taken += 1
            assert typed(fast) == typed(slow), seed
    assert taken > 50  # most mutants still read: the comparison is not empty


def test_a_conditional_format_does_not_hide_a_date_style() -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Ark1")
    sheet.write_datetime(0, 0, dt.datetime(2021, 3, 4), book.add_format({"num_format": "d/m/yyyy"}))
    book.close()
    parts = hostile.read_parts_bytes(buffer.getvalue())
    for part in parts:
        if part.name == "xl/styles.xml":  # a <dxfs> format under the date format's number
            dxf = b'<dxfs count="1"><dxf><numFmt numFmtId="164" formatCode="0.00"/></dxf></dxfs>'
            assert b'numFmtId="164" formatCode="d/m/yyyy"' in part.data
            part.data = part.data.replace(b'<dxfs count="0"/>', dxf)
            assert dxf in part.data
    data = hostile.zip_bytes(parts)
    fast, slow = both_readers(data)
    assert fast is None
    assert isinstance(slow[0][1][(0, 0)], dt.date)
