"""The flat export: rows, CSV (with formula-injection quoting) and JSON, read back."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from xlbudget.consolidation import Consolidation
from xlbudget.errors import OutputError
from xlbudget.export import csv_safe, export_rows, write_export

YEARS = ["2020", "2021", "2022", "2023"]
COLUMNS = ["nr", "kind", "committee", "department", "subject", "accounts", *YEARS]
COLUMNS += ["source", "sheet"]


def test_export_rows_one_flat_row_per_included_proposal(
    master_consolidation: Consolidation,
) -> None:
    rows = export_rows(master_consolidation)
    assert [r["nr"] for r in rows] == [e.proposal.nr for e in master_consolidation.entries]
    assert all(list(r) == [*COLUMNS, "warnings"] for r in rows)
    first = rows[0]
    assert first == {
        "nr": "BFdr-001",
        "kind": "Ønske",
        "committee": "Børne- og Familieudvalget",
        "department": "Skole- og dagtilbudsområdet",
        "subject": "Forslag BFdr-001",
        "accounts": "03.22.01 Folkeskoler",
        "2020": 800,
        "2021": 800,
        "2022": 800,
        "2023": 800,
        "source": "indsendt/BFdr-001.xlsx",
        "sheet": "Ark1",
        "warnings": "",
    }
    tm2 = next(r for r in rows if r["nr"] == "TMdr-002")
    assert tm2["accounts"] == "05.25.14 Daginstitutioner; 00.25.10"
    assert tm2["2023"] is None
    assert "BFdr-003" not in {r["nr"] for r in rows}  # left out


def test_csv_round_trip_with_injection_quoting(
    tmp_path: Path, master_consolidation: Consolidation
) -> None:
    path = write_export(master_consolidation, tmp_path / "forslag.csv", "csv", "plain")
    assert path == tmp_path / "forslag.csv"
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # plain UTF-8
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == COLUMNS
    expected = export_rows(master_consolidation)
    assert len(rows) == len(expected)
    by_nr = {r["nr"]: r for r in rows}
    assert by_nr["BFdr-001"]["committee"] == "Børne- og Familieudvalget"
    # numbers stay numbers, negative ones too (no quote)
    assert [by_nr["BFdr-002"][y] for y in YEARS] == ["-250", "-300", "-300", "-300"]
    assert float(by_nr["BFdr-010"]["2020"]) == 12.5
    assert by_nr["TMdr-002"]["2023"] == ""
    # text that a spreadsheet would run as a formula is quoted
    assert by_nr["TMdr-002"]["subject"] == '\'=HYPERLINK("http://x")'
    assert by_nr["TMdr-001"]["subject"] == "'+1"
    assert by_nr["BFdr-002"]["department"] == "'-2"
    assert by_nr["BFdr-010"]["subject"] == "'@SUM(1)"
    for row, original in zip(rows, expected, strict=True):
        for year in YEARS:
            value = original[year]
            assert row[year] == ("" if value is None else str(value))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+45 12 34", "'+45 12 34"),
        ("-x", "'-x"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Emne", "Emne"),
        ("", ""),
        (None, ""),
        (-250, -250),
        (12.5, 12.5),
    ],
)
def test_csv_safe(value: Any, expected: Any) -> None:
    assert csv_safe(value) == expected


def test_json_round_trip(tmp_path: Path, master_consolidation: Consolidation) -> None:
    path = write_export(master_consolidation, tmp_path / "forslag.json", "json")
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = master_consolidation.entries
    assert len(data) == len(entries)
    for item, entry in zip(data, entries, strict=True):
        assert item == {
            **entry.proposal.to_json(),
            "source": entry.source.path,
            "sheet": entry.source.sheet,
        }
    first = data[0]
    assert first["nr"] == "BFdr-001"
    assert first["accounts"] == [{"code": "03.22.01", "name": "Folkeskoler"}]
    assert first["amounts"] == {"2020": 800, "2021": 800, "2022": 800, "2023": 800}
    assert isinstance(first["amounts"]["2020"], int)
    tm2 = next(i for i in data if i["nr"] == "TMdr-002")
    assert tm2["subject"] == '=HYPERLINK("http://x")'  # JSON is data: no quoting
    assert "Ønske" in path.read_text(encoding="utf-8")  # not \u00d8-escaped


def test_write_to_stream(master_consolidation: Consolidation) -> None:
    stream = io.StringIO()
    assert write_export(master_consolidation, stream, "csv", "plain") is None
    assert stream.getvalue().startswith(",".join(COLUMNS) + "\r\n")
    stream = io.StringIO()
    write_export(master_consolidation, stream, "json")
    assert json.loads(stream.getvalue())[0]["nr"] == "BFdr-001"


def test_unknown_format_is_refused(master_consolidation: Consolidation) -> None:
    with pytest.raises(ValueError, match="xml"):
        write_export(master_consolidation, io.StringIO(), "xml")  # type: ignore[arg-type]


def test_output_equal_to_input_or_folder_is_refused(
    tmp_path: Path, master_consolidation: Consolidation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "indsendt").mkdir()
    with pytest.raises(OutputError, match="input"):
        write_export(master_consolidation, Path("indsendt/BFdr-001.xlsx"), "csv")
    with pytest.raises(OutputError, match="folder"):
        write_export(master_consolidation, tmp_path, "csv")


def test_failed_write_leaves_previous_file(
    tmp_path: Path, master_consolidation: Consolidation, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "forslag.csv"
    target.write_text("previous", encoding="utf-8")

    def no_space(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("xlbudget.export.os.replace", no_space)
    with pytest.raises(OutputError, match="No space left"):
        write_export(master_consolidation, target, "csv")
    assert target.read_text(encoding="utf-8") == "previous"
    assert os.listdir(tmp_path) == ["forslag.csv"]


def test_csv_as_danish_excel_opens_it(tmp_path: Path, master_consolidation: Consolidation) -> None:
    """UTF-8 with a byte-order mark, ";" between fields, decimal commas, the master's
    headers and each proposal's warnings: a double click in Danish Excel reads it right."""
    path = write_export(master_consolidation, tmp_path / "forslag.csv", "csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == [
        "Nr.", "Type", "Udvalg", "Afdeling", "Emne", "Konti", *map(str, YEARS),
        "Kilde fil", "Kilde ark", "Bemærkninger",
    ]  # fmt: skip
    by_nr = {r[0]: r for r in rows[1:]}
    assert by_nr["BFdr-010"][6] == "12,5"  # a decimal comma
    assert by_nr["BFdr-002"][6:10] == ["-250", "-300", "-300", "-300"]
    assert by_nr["TMdr-002"][4] == '\'=HYPERLINK("http://x")'  # never a formula
    assert "decimaler" in by_nr["BFdr-010"][-1]  # its warning, in words
    assert by_nr["BFdr-001"][-1] == ""
