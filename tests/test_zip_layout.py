"""Local headers that disagree with the directory, and the memo of parts checked before.

The guards remember parts they have checked and found sound (forms copied from one template
share theme, styles and relationships byte for byte) under the part's name, compression,
sizes and CRC. A CRC is no seal: anyone can make other bytes with the same CRC and size.
These tests make such a part and check that it is judged on its own bytes.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from tests import hostile
from xlbudget.config import Limits
from xlbudget.errors import UnreadableFileError
from xlbudget.guards import check_bytes

THEME = "xl/styles.xml"  # a part the reader opens, shared byte for byte by copied forms
_THEME_NS = 'xmlns:a="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _forge_crc(data: bytes, at: int, target: int) -> bytes:
    """`data` with the 4 bytes from `at` changed so that its CRC-32 is `target`.

    For messages of one length CRC-32 is affine: flipping a set of bits changes the CRC by the
    XOR of what flipping each bit alone does, so the bits to flip solve a 32-bit linear system.
    """
    base = zlib.crc32(data)
    basis: dict[int, tuple[int, int]] = {}  # top bit -> (change of the CRC, bits flipped)
    for bit in range(32):
        flipped = bytearray(data)
        flipped[at + bit // 8] ^= 1 << (bit % 8)
        change, bits = zlib.crc32(bytes(flipped)) ^ base, 1 << bit
        while change:
            top = change.bit_length() - 1
            if top not in basis:
                basis[top] = (change, bits)
                break
            change, bits = change ^ basis[top][0], bits ^ basis[top][1]
    wanted, mask = base ^ target, 0
    while wanted:
        change, bits = basis[wanted.bit_length() - 1]
        wanted, mask = wanted ^ change, mask ^ bits
    forged = bytearray(data)
    for bit in range(32):
        if mask >> bit & 1:
            forged[at + bit // 8] ^= 1 << (bit % 8)
    return bytes(forged)


def _theme(head: str, length: int) -> bytes:
    """A styles part of exactly `length` bytes, ending in a comment with 4 free bytes."""
    body = f"{head}<a:styleSheet {_THEME_NS}><a:cellXfs/><!--".encode()
    tail = b"--></a:styleSheet>"
    return body + b"x" * (length - len(body) - len(tail)) + tail


def _with_theme(base: Path, theme: bytes, target: Path) -> bytes:
    part = hostile.Part(THEME, theme, method=zipfile.ZIP_STORED)
    return hostile.rewrite(base, target, replace={THEME: part}).read_bytes()


def test_forged_crc_helper_forges() -> None:
    data = _theme("", 200)
    assert zlib.crc32(_forge_crc(data, 150, 0x12345678)) == 0x12345678


def test_a_part_with_the_crc_and_size_of_a_sound_one_is_checked_on_its_own_bytes(
    tmp_path: Path,
) -> None:
    base = hostile.base_form(tmp_path)
    sound = _theme("", 300)
    attack = _theme('<!DOCTYPE a:theme [<!ENTITY e "x">]>', 300)
    attack = _forge_crc(attack, len(attack) - 20, zlib.crc32(sound))
    assert (len(attack), zlib.crc32(attack)) == (len(sound), zlib.crc32(sound))
    first = _with_theme(base, sound, tmp_path / "sound.xlsx")
    second = _with_theme(base, attack, tmp_path / "attack.xlsx")

    check_bytes(first, "xlsx", Limits())  # checked and remembered
    with pytest.raises(UnreadableFileError) as refused:
        check_bytes(second, "xlsx", Limits())
    assert refused.value.code == "file-unsafe"
    assert THEME in refused.value.detail


def _local_header_at(data: bytes, name: str) -> int:
    with zipfile.ZipFile(hostile.io.BytesIO(data)) as archive:
        return archive.getinfo(name).header_offset


def test_a_local_header_naming_another_part_is_refused(tmp_path: Path) -> None:
    data = bytearray(hostile.base_form(tmp_path).read_bytes())
    at = _local_header_at(bytes(data), hostile.SHEET)
    name_at = at + 30 + len("xl/worksheets/")
    data[name_at : name_at + 5] = b"SHEET"  # same length, other name
    with pytest.raises(UnreadableFileError) as refused:
        check_bytes(bytes(data), "xlsx", Limits())
    assert refused.value.code == "file-corrupt"
    assert "navnene i zip-arkivet er uens" in refused.value.detail


def test_a_broken_local_header_signature_is_refused(tmp_path: Path) -> None:
    data = bytearray(hostile.base_form(tmp_path).read_bytes())
    at = _local_header_at(bytes(data), hostile.SHEET)
    data[at : at + 4] = b"PK\x09\x09"
    with pytest.raises(UnreadableFileError) as refused:
        check_bytes(bytes(data), "xlsx", Limits())
    assert refused.value.code == "file-corrupt"
    assert refused.value.detail == f"{hostile.SHEET}: ødelagt lokal header"


def test_a_local_name_flagged_utf8_that_reads_the_same_is_accepted(tmp_path: Path) -> None:
    data = bytearray(hostile.base_form(tmp_path).read_bytes())
    at = _local_header_at(bytes(data), hostile.SHEET)
    (flags,) = struct.unpack_from("<H", data, at + 6)
    struct.pack_into("<H", data, at + 6, flags | 0x800)  # an ASCII name reads the same in UTF-8
    check_bytes(bytes(data), "xlsx", Limits())


# --- the reader's package: the parts calamine opens, under the names it opens them by ----------

READER_PARTS = {
    "_rels/.rels",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    "xl/sharedStrings.xml",
}


def _calamine_cells(data: bytes) -> object:
    import io

    import python_calamine as calamine

    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        return [book.get_sheet_by_name(name).to_python() for name in book.sheet_names]
    except BaseException as exc:
        return type(exc).__name__


def _package_names(data: bytes) -> list[str]:
    report = check_bytes(data, "xlsx", Limits())
    assert report.package is not None
    with zipfile.ZipFile(hostile.io.BytesIO(report.package)) as archive:
        return archive.namelist()


@pytest.mark.parametrize("sample", ["xlsxwriter", "openpyxl"])
def test_the_package_holds_what_the_reader_opens_and_reads_the_same(
    tmp_path: Path, sample: str
) -> None:
    source = (
        hostile.base_form(tmp_path)
        if sample == "openpyxl"
        else sorted(Path(__file__).parents[1].glob("samples/*.xlsx"))[0]
    )
    data = source.read_bytes()
    names = set(_package_names(data))
    assert names - READER_PARTS == {"xl/worksheets/sheet1.xml"}
    report = check_bytes(data, "xlsx", Limits())
    assert report.package is not None
    assert _calamine_cells(report.package) == _calamine_cells(data)


@pytest.mark.parametrize("garbled", ["docProps/app.xml", "xl/theme/theme1.xml"])
def test_a_part_nobody_reads_is_not_checked(tmp_path: Path, garbled: str) -> None:
    """A part the reader never opens may be anything: not XML, UTF-16, a DOCTYPE."""
    base = hostile.base_form(tmp_path)
    for junk in (b"\x00<<not xml", "<?xml version='1.0' encoding='utf-16'?><a/>".encode("utf-16")):
        data = hostile.zip_bytes(
            [
                hostile.Part(p.name, junk if p.name == garbled else p.data)
                for p in hostile.read_parts(base)
            ]
        )
        report = check_bytes(data, "xlsx", Limits())
        assert report.package is not None
        assert _calamine_cells(report.package) == _calamine_cells(base.read_bytes())


def test_a_sheet_stored_under_docprops_is_handed_over_and_read(tmp_path: Path) -> None:
    base = hostile.base_form(tmp_path)
    moved = "docProps/sheet1.xml"

    def edit(name: str, data: bytes) -> bytes:
        if name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
            return data.replace(b"/xl/worksheets/sheet1.xml", b"/docProps/sheet1.xml").replace(
                b"worksheets/sheet1.xml", b"../docProps/sheet1.xml"
            )
        return data

    parts = [
        hostile.Part(moved if p.name == hostile.SHEET else p.name, edit(p.name, p.data))
        for p in hostile.read_parts(base)
    ]
    data = hostile.zip_bytes(parts)
    assert "xl/worksheets/sheet1.xml" in _package_names(data)
    report = check_bytes(data, "xlsx", Limits())
    assert report.package is not None
    assert _calamine_cells(report.package) == _calamine_cells(base.read_bytes())
