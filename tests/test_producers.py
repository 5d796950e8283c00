"""Files from every producer: read when the format allows it (with the same guards), every
file accounted for, the right words when a file cannot be read, and --annotate isolated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from xlbudget.api import validate_paths
from xlbudget.cli import app
from xlbudget.config import Config
from xlbudget.pipeline import read_file, read_form

from . import producers
from .forms import reference_rows, write_form
from .hostile import rewrite

runner = CliRunner()
AMOUNTS = {2020: 800, 2021: 800, 2022: 800, 2023: 800}
READ_AS_FORMS = [
    producers.strict_open_xml,
    producers.sharepoint_custom_xml,
    producers.backslash_names,
    producers.bytes_after_the_end,
    producers.workbook_elsewhere,
    producers.without_suffix,
    producers.ods_broken_meta,
    producers.ods_with_basic_macros,
]


@pytest.mark.parametrize("make", READ_AS_FORMS, ids=lambda make: make.__name__)
def test_forms_as_other_producers_package_them_are_read(tmp_path: Path, make: object) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    result = read_form(path)
    assert not result.errors, [i.message for i in result.errors]
    assert result.proposal is not None
    assert (result.proposal.nr, result.proposal.amounts) == ("BFdr-001", AMOUNTS)


@pytest.mark.parametrize("suffix", ["xltx", "xltm"])
def test_excel_templates_are_read(tmp_path: Path, suffix: str) -> None:
    path = next(p for p in producers.template_suffixes(tmp_path) if p.suffix == f".{suffix}")
    (result,) = read_file(path)
    assert result.proposal is not None and result.proposal.nr == "BFdr-001"


def test_a_handed_part_is_still_checked_after_repacking(tmp_path: Path) -> None:
    """The workbook found through the relationships is checked like xl/workbook.xml."""
    from .hostile import Part, read_parts, write_zip

    parts = read_parts(producers.workbook_elsewhere(tmp_path))
    attack = '<!DOCTYPE a [<!ENTITY e "x">]>'
    bad = [
        Part(p.name, attack.encode() + p.data[p.data.index(b"<workbook") :])
        if p.name == "xl/book.xml"
        else p
        for p in parts
    ]
    result = read_form(write_zip(tmp_path / "attack.xlsx", bad))
    assert [i.code for i in result.issues] == ["file-unsafe"]


def test_xlsb_has_its_own_code_never_not_a_spreadsheet(tmp_path: Path) -> None:
    (result,) = read_file(producers.xlsb(tmp_path))
    assert [i.code for i in result.issues] == ["file-xlsb"]
    assert ".xlsx" in result.issues[0].message


def test_a_password_protected_ods_is_called_encrypted(tmp_path: Path) -> None:
    (result,) = read_file(producers.ods_with_password(tmp_path))
    assert [i.code for i in result.issues] == ["file-encrypted"]


def test_every_spreadsheet_file_in_a_folder_is_accounted_for(tmp_path: Path) -> None:
    folder = tmp_path / "indbakke"
    folder.mkdir()
    producers.xlsb(folder)
    producers.fods(folder)
    producers.template_suffixes(folder)
    producers.without_suffix(folder)
    (folder / "noter.txt").write_text("ikke et regneark", encoding="utf-8")
    (folder / "_base.xlsx").unlink()
    results = validate_paths([folder], Config())
    names = sorted(Path(r.path).name for r in results)
    assert names == [
        "Forslag BFdr-001",
        "binary.xlsb",
        "flad.fods",
        "skabelon.xltm",
        "skabelon.xltx",
    ]


def test_a_folder_of_only_xlsb_files_is_no_usage_error(tmp_path: Path) -> None:
    producers.xlsb(tmp_path)
    result = runner.invoke(app, ["validate", str(tmp_path), "--format", "json"])
    assert result.exit_code == 1
    (entry,) = json.loads(result.stdout)["files"]
    assert entry["issues"][0]["code"] == "file-xlsb"


# --- --annotate ---------------------------------------------------------------------------------


def to_strict(_: str, data: bytes) -> bytes:
    """A part as producers.strict_open_xml writes it."""
    for old, new in producers.TRANSITIONAL.items():
        data = data.replace(old, new)
    return data


def test_a_file_that_cannot_be_annotated_does_not_take_the_run_down(tmp_path: Path) -> None:
    folder = tmp_path / "indbakke"
    folder.mkdir()
    # Strict Open XML with an error, so that a copy is wanted (made, or annotate-failed)
    no_subject = write_form(folder / "_base.xlsx", reference_rows({"Emne": [None]}))
    strict = rewrite(no_subject, folder / "strict.xlsx", edit=to_strict)
    (folder / "_base.xlsx").unlink()
    good = write_form(folder / "god.xlsx")
    bad = write_form(folder / "uden-nr.xlsx", None)
    wb = load_workbook(bad)
    wb["Ark1"]["B5"] = None
    wb.save(bad)
    out = tmp_path / "rettet"
    result = runner.invoke(
        app, ["validate", str(folder), "--format", "json", "--annotate", str(out)]
    )
    assert result.exit_code == 1
    report = json.loads(result.stdout)  # nothing but the report on stdout
    by_name = {Path(f["path"]).name: f for f in report["files"]}
    assert set(by_name) == {strict.name, good.name, bad.name}
    strict_codes = [i["code"] for i in by_name[strict.name]["issues"]]
    assert by_name[strict.name]["proposal"]["nr"] == "BFdr-001"
    copies = sorted(p.name for p in out.iterdir())
    if "annotate-failed" in strict_codes:
        failed = next(i for i in by_name[strict.name]["issues"] if i["code"] == "annotate-failed")
        assert failed["severity"] == "warning"
        assert copies == ["uden-nr – kontrol.xlsx"]  # none of the clean form
    else:
        assert copies == ["strict – kontrol.xlsx", "uden-nr – kontrol.xlsx"]
    marked = load_workbook(out / "uden-nr – kontrol.xlsx")["Ark1"]["B5"]
    assert marked.comment is not None and marked.comment.text.startswith("Fejl: ")


def test_annotated_copies_only_of_forms_and_never_two_with_one_name(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write_form(tmp_path / "a" / "forslag.xlsx", reference_rows({"Emne": [None]}))
    write_form(tmp_path / "b" / "forslag.xlsx", reference_rows({"Emne": [None]}))
    producers.xlsb(tmp_path / "a")
    out = tmp_path / "rettet"
    result = runner.invoke(
        app, ["validate", str(tmp_path / "a"), str(tmp_path / "b"), "--annotate", str(out)]
    )
    assert result.exit_code == 1  # the xlsb
    assert sorted(p.name for p in out.iterdir()) == [
        "forslag – kontrol (2).xlsx",
        "forslag – kontrol.xlsx",
    ]


@pytest.mark.parametrize(
    ("prolog", "code"),
    [
        ('<!DOCTYPE worksheet PUBLIC "-//x//DTD y//EN" "sheet.dtd">', None),
        ("<!DOCTYPE worksheet [<!ATTLIST c t CDATA 's'>]>", "file-unsafe"),
        ("<!DOCTYPE worksheet []>", "file-unsafe"),
        ('<!DOCTYPE worksheet [<!ENTITY e "x">]>', "file-unsafe"),
    ],
)
def test_a_doctype_line_is_no_attack_but_declarations_are(
    tmp_path: Path, prolog: str, code: str | None
) -> None:
    from .hostile import SHEET, rewrite

    def with_prolog(name: str, data: bytes) -> bytes:
        return prolog.encode() + data[data.index(b"<worksheet") :] if name == SHEET else data

    path = rewrite(producers.base(tmp_path), tmp_path / "doctype.xlsx", edit=with_prolog)
    result = read_form(path)
    assert [i.code for i in result.errors] == ([code] if code else [])
    if code is None:
        assert result.proposal is not None and result.proposal.amounts == AMOUNTS


def test_a_flat_xml_spreadsheet_is_named_not_called_xml(tmp_path: Path) -> None:
    (result,) = read_file(producers.fods(tmp_path))
    assert [i.code for i in result.issues] == ["file-old-format"]
    assert ".fods" in result.issues[0].message and "XML" not in result.issues[0].message


def test_shared_strings_without_a_relationship_are_read_by_their_name(tmp_path: Path) -> None:
    """calamine opens xl/sharedStrings.xml by name: a producer that leaves out its
    relationship still gets its texts read."""
    import re

    from .hostile import rewrite

    source = sorted((Path(__file__).parents[1] / "samples").glob("reference-*.xlsx"))[0]

    def unlinked(name: str, data: bytes) -> bytes:
        if name == "xl/_rels/workbook.xml.rels":
            return re.sub(rb"<Relationship [^>]*sharedStrings[^>]*/>", b"", data)
        return data

    path = rewrite(source, tmp_path / "unlinked.xlsx", edit=unlinked)
    result = read_form(path)
    assert result.proposal is not None and result.proposal.nr == "BFdr-001"
    assert result.proposal.subject == read_form(source).proposal.subject
