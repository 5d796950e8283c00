"""The master workbook: layout, live formulas with right cached values, text safety,
determinism and atomic writing. Consolidations are built by hand (conftest.py)."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from xlbudget.consolidation import Consolidation
from xlbudget.errors import OutputError
from xlbudget.master import write_master
from xlbudget.models import TEXT_FIELDS
from xlbudget.spec import load_spec

YEARS = [2020, 2021, 2022, 2023]
FIRST_YEAR_COL = 7  # G
INJECTION = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(1)", "http://example.com/plan"]
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


@pytest.fixture
def master(tmp_path: Path, master_consolidation: Consolidation) -> Path:
    return write_master(master_consolidation, tmp_path / "samleark.xlsx")


def included(c: Consolidation) -> list[Any]:
    """The included proposals, straight from the input files (not from the groups)."""
    return [f.proposal for f in c.files if c.status_of(f) == "included"]


def expected_sum(
    c: Consolidation, year: int, committee: str | None = None, kind: str | None = None
):
    return sum(
        p.amounts.get(year, 0)
        for p in included(c)
        if committee in (None, p.committee) and kind in (None, p.kind)
    )


def rows_of(ws: Any) -> list[list[Any]]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


# --- Oversigt


def test_oversigt_header_holds_nr_and_years_as_numbers(master: Path) -> None:
    ws = load_workbook(master)["Oversigt"]
    header = rows_of(ws)[0]
    assert header[:6] == ["Nr.", "Type", "Udvalg", "Afdeling", "Emne", "Konti"]
    assert header[6:10] == YEARS
    assert all(isinstance(y, int) for y in header[6:10])
    assert header[10:14] == ["Bemærkninger", "Kilde fil", "Kilde ark", "Kilde celle"]
    assert header[14:] == ["Med", "Beslutning", "Bemærkning", "Ændret siden forrige"]
    assert load_workbook(master).sheetnames == [
        "Oversigt",
        "Udvalg",
        "Scenarie",
        "Udgået",
        "Beskrivelser",
        "Kilder",
        "Fejl",
        "Data",
    ]


def test_oversigt_rows_grouped_by_committee_with_subtotals(
    master: Path, master_consolidation: Consolidation
) -> None:
    rows = rows_of(load_workbook(master)["Oversigt"])[1:]
    expected = []
    for group in master_consolidation.groups:
        expected += [e.proposal.nr for e in group.entries] + [f"I alt {group.committee}"]
    expected.append("I alt, alle udvalg")
    assert [r[0] for r in rows] == expected
    first = rows[0]
    assert first[:6] == [
        "BFdr-001",
        "Ønske",
        "Børne- og Familieudvalget",
        "Skole- og dagtilbudsområdet",
        "Forslag BFdr-001",
        "03.22.01 Folkeskoler",
    ]
    assert first[10:14] == [None, "indsendt/BFdr-001.xlsx", "Ark1", "Ark1!B5"]
    assert first[14:] == ["Ja", None, None, None]  # Med: Ja by default
    tm2 = next(r for r in rows if r[0] == "TMdr-002")
    assert tm2[5] == "05.25.14 Daginstitutioner; 00.25.10"
    assert tm2[9] is None  # no amount for 2023: a blank cell, not 0
    # subtotal rows have no Type, so SUMIFS on Type never counts them
    assert all(r[1] is None for r in rows if str(r[0]).startswith("I alt"))


def test_subtotal_formulas_cover_exactly_their_group(
    master: Path, master_consolidation: Consolidation
) -> None:
    ws = load_workbook(master)["Oversigt"]
    row = 2
    for group in master_consolidation.groups:
        first, last = row, row + len(group.entries) - 1
        row = last + 1
        assert ws.cell(row, 1).value == f"I alt {group.committee}"
        for i in range(len(YEARS)):
            col = get_column_letter(FIRST_YEAR_COL + i)
            assert (
                ws.cell(row, FIRST_YEAR_COL + i).value == f"=SUBTOTAL(9,{col}{first}:{col}{last})"
            )
        row += 1
    assert ws.cell(row, 1).value == "I alt, alle udvalg"
    for i in range(len(YEARS)):
        col = get_column_letter(FIRST_YEAR_COL + i)
        assert ws.cell(row, FIRST_YEAR_COL + i).value == f"=SUBTOTAL(9,{col}2:{col}{row - 1})"
    assert ws.max_row == row


def test_cached_values_equal_independent_sums(
    master: Path, master_consolidation: Consolidation
) -> None:
    c = master_consolidation
    rows = rows_of(load_workbook(master, data_only=True)["Oversigt"])
    by_label = {r[0]: r for r in rows}
    for committee in {p.committee for p in included(c)}:
        cached = by_label[f"I alt {committee}"][6:10]
        assert cached == [pytest.approx(expected_sum(c, y, committee)) for y in YEARS]
    grand = by_label["I alt, alle udvalg"][6:10]
    assert grand == [pytest.approx(expected_sum(c, y)) for y in YEARS]
    assert grand[0] == pytest.approx(800 - 250 + 12.5 - 1200 + 50 - 5)
    # the left-out and duplicate files are not counted
    assert sum(1 for r in rows if r[0] == "BFdr-001") == 1
    assert "BFdr-003" not in by_label


def test_oversigt_outline_freeze_filter_print_and_formats(master: Path) -> None:
    ws = load_workbook(master)["Oversigt"]
    labels = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    for r, label in enumerate(labels, start=1):
        level = ws.row_dimensions[r].outlineLevel or 0
        assert level == (1 if r > 1 and not label.startswith("I alt") else 0), (r, label)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:R{ws.max_row - 1}"  # to Ændret siden forrige
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9
    assert (ws.page_setup.fitToWidth or 1) == 1  # 1 is the default, left out of the XML
    assert ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$1"
    assert ws["G2"].number_format == "#,##0;[Red]-#,##0"
    assert ws.cell(5, 1).font.b  # subtotal row is bold
    assert ws.cell(5, FIRST_YEAR_COL).font.b
    assert ws.column_dimensions["E"].width > ws.column_dimensions["A"].width


# --- Udvalg


def test_udvalg_blocks_formulas_and_cached_values(
    master: Path, master_consolidation: Consolidation
) -> None:
    c = master_consolidation
    committees = [g.committee for g in c.groups]
    formulas = rows_of(load_workbook(master)["Udvalg"])
    values = rows_of(load_workbook(master, data_only=True)["Udvalg"])
    n = len(committees)
    starts = {"Råderum": 0, "Ønske": n + 3, "Netto": 2 * (n + 3)}
    for block, start in starts.items():
        assert values[start] == [block, *YEARS]
        for k, committee in enumerate(committees):
            row = start + 1 + k
            assert values[row][0] == committee
            for i, year in enumerate(YEARS):
                if block == "Netto":
                    expected = expected_sum(c, year, committee, "Råderum") + expected_sum(
                        c, year, committee, "Ønske"
                    )
                    assert re.fullmatch(r"=[A-E]\d+\+[A-E]\d+", formulas[row][1 + i])
                else:
                    expected = expected_sum(c, year, committee, block)
                    formula = formulas[row][1 + i]
                    col = get_column_letter(FIRST_YEAR_COL + i)
                    assert formula.startswith(f"=SUMIFS(Oversigt!${col}$2:${col}$10,")
                    assert "Oversigt!$C$2:$C$10" in formula and "Oversigt!$B$2:$B$10" in formula
                    assert f'"{block}"' in formula
                assert values[row][1 + i] == pytest.approx(expected), (block, committee, year)
        total = start + 1 + n
        assert values[total][0] == "I alt"
        kinds = ("Råderum", "Ønske") if block == "Netto" else (block,)
        for i, year in enumerate(YEARS):
            expected = sum(expected_sum(c, year, None, kind) for kind in kinds)
            assert values[total][1 + i] == pytest.approx(expected)
            assert formulas[total][1 + i].startswith("=SUM(")
    # Netto over all committees is the Oversigt grand total
    netto_total = values[starts["Netto"] + 1 + n][1:]
    assert netto_total == [pytest.approx(expected_sum(c, y)) for y in YEARS]


def test_udvalg_criteria_escape_wildcards(master: Path) -> None:
    formulas = rows_of(load_workbook(master)["Udvalg"])
    row = next(r for r in formulas if r[0] == "Social * Sundhed?")
    assert '"=Social ~* Sundhed~?"' in row[1]


# --- Beskrivelser, Kilder, Fejl


def test_beskrivelser_holds_every_text_field(
    master: Path, master_consolidation: Consolidation
) -> None:
    ws = load_workbook(master)["Beskrivelser"]
    rows = rows_of(ws)
    spec = load_spec()
    assert rows[0][:2] == ["Nr.", "Emne"]
    assert len(rows[0]) == 2 + len(TEXT_FIELDS)
    for header, key in zip(rows[0][2:], TEXT_FIELDS, strict=True):
        assert header == spec.field(key).short
    assert [r[0] for r in rows[1:]] == [e.proposal.nr for e in master_consolidation.entries]
    assert rows[1][2] == "Beskrivelse af BFdr-001."
    assert ws["C2"].alignment.wrap_text and ws["C2"].alignment.vertical == "top"
    assert ws.column_dimensions["C"].width >= 40


def test_kilder_one_row_per_file_with_danish_status(
    master: Path, master_consolidation: Consolidation
) -> None:
    rows = rows_of(load_workbook(master)["Kilder"])
    assert rows[0] == [
        "Fil",
        "Ark",
        "Forslag",
        "SHA-256",
        "Størrelse (bytes)",
        "Status",
        "Fejl",
        "Advarsler",
        "Bemærkning",
    ]
    files = master_consolidation.files
    assert [r[0] for r in rows[1 : len(files) + 1]] == [f.path for f in files]
    danish = {"included": "medtaget", "left-out": "udeladt", "duplicate": "dublet"}
    for row, f in zip(rows[1 : len(files) + 1], files, strict=True):
        assert row[1] == f.sheet
        assert row[2] == (f.proposal.nr if f.proposal else None)
        assert row[3] == f.sha256
        assert row[4] == f.size
        assert row[5] == danish[master_consolidation.status_of(f)]
        assert row[6:8] == [len(f.errors), len(f.warnings)]
    by_path = {r[0]: r for r in rows[1:]}
    assert by_path["indsendt/ødelagt.xlsx"][5:8] == ["udeladt", 1, 1]
    assert by_path["indsendt/ødelagt.xlsx"][8].startswith("Feltet »Emne« er ikke udfyldt")
    assert by_path["indsendt/kopi/BFdr-001.xlsx"][5] == "dublet"
    assert rows[-1][0].startswith("Regel for genindsendelser: ")


def test_fejl_lists_every_issue(master: Path, master_consolidation: Consolidation) -> None:
    rows = rows_of(load_workbook(master)["Fejl"])
    assert rows[0] == ["Fil", "Ark", "Celle", "Felt", "Alvor", "Kode", "Besked"]
    expected = [(f, i) for f in master_consolidation.files for i in f.issues]
    assert len(rows) - 1 == len(expected) == 5
    for row, (f, issue) in zip(rows[1:], expected, strict=True):
        assert row[:3] == [f.path, f.sheet, issue.cell]
        assert row[4] == {"error": "fejl", "warning": "advarsel"}[issue.severity]
        assert row[5] == issue.code
        assert row[6] == issue.message
    required = next(r for r in rows if r[5] == "required-missing")
    assert required[:5] == ["indsendt/ødelagt.xlsx", "Ark2", "Ark2!B9", "Emne", "fejl"]
    assert next(r for r in rows if r[5] == "file-not-spreadsheet")[1:4] == [None, None, None]


# --- text safety


def _sheet_cells(path: Path, sheet: int) -> tuple[dict[str, ElementTree.Element], list[str]]:
    with zipfile.ZipFile(path) as zf:
        shared = ElementTree.fromstring(zf.read("xl/sharedStrings.xml"))
        sheet_xml = ElementTree.fromstring(zf.read(f"xl/worksheets/sheet{sheet}.xml"))
    strings = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in shared]
    cells = {c.get("r"): c for c in sheet_xml.iter(f"{{{NS['m']}}}c")}
    return cells, strings


def test_form_text_is_never_a_formula_or_link(master: Path) -> None:
    for sheet in (1, 5):  # Oversigt, Beskrivelser
        cells, strings = _sheet_cells(master, sheet)
        found = set()
        for ref, cell in cells.items():
            formula = cell.find("m:f", NS)
            if formula is not None:
                assert sheet == 1 and formula.text.startswith("SUBTOTAL(9,"), ref
                continue
            if cell.get("t") == "s":
                text = strings[int(cell.find("m:v", NS).text)]
                if text in INJECTION:
                    found.add(text)
        # Oversigt holds subject and department; Beskrivelser subject and description
        left_out = {1: "http://example.com/plan", 5: "-2"}[sheet]
        assert found == set(INJECTION) - {left_out}
    with zipfile.ZipFile(master) as zf:
        names = zf.namelist()
        assert not any("hyperlink" in zf.read(n).decode("utf-8", "replace") for n in names)


def test_long_text_is_cut_to_excel_limit(
    tmp_path: Path, make_proposal: Any, build_consolidation: Any
) -> None:
    from xlbudget.models import FileResult

    long = "x" * 40_000
    p = make_proposal("BFdr-001", "Ønske", "BFU", [1, 2, 3, 4], subject=long, description=long)
    f = FileResult(path="a.xlsx", proposal=p, sheet="Ark1")
    out = write_master(build_consolidation([f], {f.key: "included"}, YEARS), tmp_path / "m.xlsx")
    wb = load_workbook(out)
    assert wb["Oversigt"]["E2"].value == "x" * 32_767
    assert wb["Beskrivelser"]["C2"].value == "x" * 32_767
    assert wb["Oversigt"].row_dimensions[2].height > 400  # wrapped: about the tallest row possible


def test_rows_with_wrapped_text_are_tall_enough(master: Path) -> None:
    ws = load_workbook(master)["Oversigt"]
    heights = {ws.cell(r, 1).value: ws.row_dimensions[r].height for r in range(2, ws.max_row + 1)}
    assert heights["BFdr-001"] is None  # one line: the default height
    assert heights["TMdr-002"] == 30  # "05.25.14 Daginstitutioner; 00.25.10" takes two lines


def test_empty_consolidation_writes_zero_totals(tmp_path: Path, build_consolidation: Any) -> None:
    out = write_master(build_consolidation([], {}, YEARS), tmp_path / "m.xlsx")
    wb = load_workbook(out)
    rows = rows_of(wb["Oversigt"])
    assert rows[1][:1] == ["I alt, alle udvalg"] and rows[1][6:10] == [0, 0, 0, 0]
    assert rows_of(wb["Udvalg"])[1] == ["I alt", 0, 0, 0, 0]


# --- determinism and atomic writing


def test_same_consolidation_gives_identical_bytes(
    tmp_path: Path, master_consolidation: Consolidation
) -> None:
    a = write_master(master_consolidation, tmp_path / "a.xlsx").read_bytes()
    b = write_master(master_consolidation, tmp_path / "b.xlsx").read_bytes()
    c = write_master(master_consolidation, tmp_path / "a.xlsx").read_bytes()
    assert a == b == c


def test_failure_midway_leaves_previous_master(
    tmp_path: Path, master_consolidation: Consolidation, monkeypatch: pytest.MonkeyPatch
) -> None:
    import xlbudget.master as master_module

    target = tmp_path / "samleark.xlsx"
    target.write_bytes(b"the previous master")

    def boom(*args: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(master_module, "_write_beskrivelser", boom)
    with pytest.raises(OutputError, match="disk on fire"):
        write_master(master_consolidation, target)
    assert target.read_bytes() == b"the previous master"
    assert os.listdir(tmp_path) == ["samleark.xlsx"]


def test_failed_replace_leaves_previous_master_and_no_temp_file(
    tmp_path: Path, master_consolidation: Consolidation, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "samleark.xlsx"
    target.write_bytes(b"the previous master")

    def no_space(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("xlbudget.atomic.os.replace", no_space)
    with pytest.raises(OutputError, match="No space left"):
        write_master(master_consolidation, target)
    assert target.read_bytes() == b"the previous master"
    assert os.listdir(tmp_path) == ["samleark.xlsx"]


def test_output_path_equal_to_an_input_is_refused(
    tmp_path: Path, master_consolidation: Consolidation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "indsendt" / "BFdr-001.xlsx"
    source.parent.mkdir()
    source.write_bytes(b"a form")
    with pytest.raises(OutputError, match="input"):
        write_master(master_consolidation, source)
    with pytest.raises(OutputError, match="input"):
        write_master(master_consolidation, Path("indsendt/../indsendt/BFdr-001.xlsx"))
    assert source.read_bytes() == b"a form"


def test_folder_or_missing_folder_is_refused(
    tmp_path: Path, master_consolidation: Consolidation
) -> None:
    with pytest.raises(OutputError, match="folder"):
        write_master(master_consolidation, tmp_path)
    with pytest.raises(OutputError) as info:
        write_master(master_consolidation, tmp_path / "missing" / "m.xlsx")
    assert "\n" not in str(info.value)


def test_warnings_are_seen_where_totals_are_read(
    master: Path, master_consolidation: Consolidation
) -> None:
    ws = load_workbook(master)["Oversigt"]
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    warned, plain = rows["BFdr-010"], rows["BFdr-001"]
    assert ws.cell(warned, 11).value.startswith("Beløbet 12,5 for 2020 har decimaler")
    assert ws.cell(plain, 11).value is None
    assert ws.cell(warned, FIRST_YEAR_COL).fill.fgColor.rgb.endswith("FFEB9C")
    assert ws.cell(plain, FIRST_YEAR_COL).fill.fgColor.rgb in (None, "00000000")
    assert "K11" in ws.print_area or "$K$" in ws.print_area  # the remarks print


def test_the_title_names_the_years_and_the_municipality(
    tmp_path: Path, master_consolidation: Consolidation
) -> None:
    master_consolidation.municipality = "Himmerby Kommune"
    path = write_master(master_consolidation, tmp_path / "m.xlsx")
    workbook = load_workbook(path)
    header = workbook["Oversigt"].oddHeader.left.text
    assert "Budgetforslag 2020–2023, Himmerby Kommune – oversigt" in header
    assert workbook.properties.title == "Budgetforslag 2020–2023, Himmerby Kommune – samleark"


def test_data_is_an_excel_table_of_the_included_proposals(
    master: Path, master_consolidation: Consolidation
) -> None:
    ws = load_workbook(master, data_only=True)["Data"]
    (table,) = ws.tables.values()
    assert table.name == "Forslag"
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert table.ref == f"A1:L{len(rows)}"
    assert rows[0] == [
        "Nr.", "Type", "Udvalg", "Afdeling", "Emne", "Konti",
        "2020", "2021", "2022", "2023", "Kilde fil", "Kilde ark",
    ]  # fmt: skip
    assert [r[0] for r in rows[1:]] == [e.proposal.nr for e in master_consolidation.entries]
    assert not any(str(r[0]).startswith("I alt") for r in rows[1:])
    bf2 = next(r for r in rows if r[0] == "BFdr-002")
    assert bf2[6:10] == [-250, -300, -300, -300]
