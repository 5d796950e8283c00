"""Other spreadsheet formats (xls, ods, xlsm) and the real type found from content, not name."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from xlbudget.pipeline import read_form

from .conftest import SAMPLES
from .libreoffice import needs_soffice, soffice_convert


@pytest.fixture(scope="module")
def reference_result() -> object:
    return read_form(SAMPLES / "reference-BFdr-001.xlsx")


@pytest.mark.libreoffice
@needs_soffice
@pytest.mark.parametrize("target_format", ["ods", "xls"])
def test_other_formats_read_like_the_xlsx(
    target_format: str, tmp_path: Path, reference_result: object
) -> None:
    converted = soffice_convert(SAMPLES / "reference-BFdr-001.xlsx", target_format, tmp_path)
    result = read_form(converted)
    assert result.file_type == target_format
    assert result.issues == []
    assert result.proposal.to_json() == reference_result.proposal.to_json()
    assert result.proposal.cells["nr"] == "Ark1!B5"


def test_type_from_content_not_name(tmp_path: Path, reference_result: object) -> None:
    renamed = tmp_path / "forslag.ods"
    shutil.copy(SAMPLES / "reference-BFdr-001.xlsx", renamed)
    result = read_form(renamed)
    assert result.file_type == "xlsx"
    assert result.proposal.to_json() == reference_result.proposal.to_json()


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"Nr.;Udvalg\nBFdr-001;BFU\n", "file-not-spreadsheet"),
        (b"<html><body><table><tr><td>Nr.</td></tr></table></body></html>", "file-not-spreadsheet"),
        (b"", "file-not-spreadsheet"),
    ],
)
def test_not_a_spreadsheet_is_one_issue(tmp_path: Path, content: bytes, code: str) -> None:
    path = tmp_path / "forslag.xlsx"
    path.write_bytes(content)
    result = read_form(path)
    assert [(i.code, i.severity, i.field, i.cell) for i in result.issues] == [
        (code, "error", None, None)
    ]
    assert result.proposal is None
