"""Legacy .xls as other producers and older Excel versions write it, built byte by byte here.

A compound file writer with a mini stream (versions 3 and 4), Excel 5/95 (BIFF5) workbooks,
XOR-obfuscated and RC4-encrypted workbooks, and the bare BIFF2-4 files of Excel before 1995.
What calamine (python-calamine 0.9.1, calamine 0.37) does with each is checked beside what
xlbudget reports, so a new calamine that behaves differently shows up here.
"""

from __future__ import annotations

import io
import shutil
import struct
from collections.abc import Sequence
from pathlib import Path

import pytest

from xlbudget.pipeline import read_form

from .hostile import _FREE, _form_values, biff8_workbook, compound_file, write_cfb
from .libreoffice import soffice_convert

AMOUNTS = {2020: 800, 2021: 800, 2022: 800, 2023: 800}

# --- BIFF records ---------------------------------------------------------------------------------


def record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def records(stream: bytes) -> list[tuple[int, bytes]]:
    """A BIFF stream's records, (type, data), to its end."""
    found, at = [], 0
    while at + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, at)
        found.append((kind, stream[at + 4 : at + 4 + length]))
        at += 4 + length
    return found


def insert_after_bof(stream: bytes, extra: bytes) -> bytes:
    """`extra` (records) right after the globals' BOF, each sheet's offset moved on."""
    return insert_at(stream, 4 + struct.unpack_from("<H", stream, 2)[0], extra)


def insert_at(stream: bytes, at: int, extra: bytes) -> bytes:
    """`extra` (records) at offset `at`, between records, each later sheet's offset moved on."""
    out, position = b"", 0
    for kind, data in records(stream):
        if position == at:
            out += extra
        if kind == 0x0085 and struct.unpack_from("<I", data)[0] >= at:
            data = struct.pack("<I", struct.unpack_from("<I", data)[0] + len(extra)) + data[4:]
        out += record(kind, data)
        position += 4 + len(data)
    return out


def set_codepage(stream: bytes, codepage: int) -> bytes:
    """The stream with its CODEPAGE record's value replaced."""
    at = stream.index(struct.pack("<HH", 0x0042, 2))
    return stream[: at + 4] + struct.pack("<H", codepage) + stream[at + 6 :]


def biff5_workbook(
    rows: Sequence[Sequence[object]], codepage: int = 1252, encoding: str = "cp1252"
) -> bytes:
    """An Excel 5/95 (BIFF5) Book stream with one sheet 'Ark1' holding `rows`: LABEL records
    of 8-bit text in `codepage` (no shared strings before BIFF8) and NUMBER records."""
    cells = b""
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, int | float) and not isinstance(value, bool):
                cells += record(0x0203, struct.pack("<HHHd", r, c, 15, float(value)))
            else:
                text = str(value).encode(encoding, "replace")  # DOS code pages lack "–"
                cells += record(0x0204, struct.pack("<HHHH", r, c, 15, len(text)) + text)
    width = max((len(row) for row in rows), default=0)
    sheet = (
        record(0x0809, struct.pack("<HHHH", 0x0500, 0x0010, 0x0DBB, 0x07CC))
        + record(0x0200, struct.pack("<HHHHH", 0, len(rows), 0, width, 0))
        + cells
        + record(0x000A)
    )
    xf = struct.pack("<8H", 0, 0, 0x0001, 0x20, 0, 0, 0, 0)
    xf_cell = struct.pack("<8H", 0, 0, 0x0000, 0x20, 0, 0, 0, 0)
    before = (
        record(0x0809, struct.pack("<HHHH", 0x0500, 0x0005, 0x0DBB, 0x07CC))
        + record(0x0042, struct.pack("<H", codepage))
        + b"".join(record(0x00E0, xf) for _ in range(15))
        + record(0x00E0, xf_cell)
    )
    name = "Ark1".encode(encoding)
    offset = len(before) + 4 + 7 + len(name) + 4
    boundsheet = record(0x0085, struct.pack("<IBBB", offset, 0, 0, len(name)) + name)
    return before + boundsheet + record(0x000A) + sheet


def biff234_sheet(kind: int, rows: Sequence[Sequence[object]], sheet_type: int = 0x0010) -> bytes:
    """A sheet as Excel 2 (BOF 0x0009), 3 (0x0209) or 4 (0x0409) saved it: bare BIFF records."""
    cells = b""
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if kind == 0x0009:  # BIFF2: 3 attribute bytes, 8-bit lengths
                if number:
                    cells += record(0x0003, struct.pack("<HH3xd", r, c, float(value)))
                else:
                    text = str(value).encode("cp1252")[:255]
                    cells += record(0x0004, struct.pack("<HH3xB", r, c, len(text)) + text)
            elif number:
                cells += record(0x0203, struct.pack("<HHHd", r, c, 15, float(value)))
            else:
                text = str(value).encode("cp1252")
                cells += record(0x0204, struct.pack("<HHHH", r, c, 15, len(text)) + text)
    width = max((len(row) for row in rows), default=0)
    if kind == 0x0009:
        bof = record(kind, struct.pack("<HH", 0x0002, sheet_type))
        dimensions = record(0x0000, struct.pack("<HHHH", 0, len(rows), 0, width))
    else:
        bof = record(kind, struct.pack("<HHH", 0, sheet_type, 0x0DBB))
        dimensions = record(0x0200, struct.pack("<HHHHH", 0, len(rows), 0, width, 0))
    codepage = record(0x0042, struct.pack("<H", 0x8001))  # Excel 2-4's own Windows value
    return bof + codepage + dimensions + cells + record(0x000A)


def biff4_workbook(rows: Sequence[Sequence[object]]) -> bytes:
    """An Excel 4 workbook (BIFF4W): a workspace BOF, then the sheet's own BOF … EOF."""
    bundle = record(0x008F, struct.pack("<IHB", 0, 0, 4) + b"Ark1")
    return (
        record(0x0409, struct.pack("<HHH", 0, 0x0100, 0x0DBB))
        + bundle
        + record(0x000A)
        + biff234_sheet(0x0409, rows)
    )


# --- XOR obfuscation and RC4 encryption (MS-XLS 2.2.10, MS-OFFCRYPTO 2.3.6) ----------------------

PASSWORD = "hemmelig"
# XOR method 1's key and 16-byte array for PASSWORD (as msoffcrypto-tool derives them)
_XOR_KEY = 0xE772
_XOR_ARRAY = bytes.fromhex("0d418f458bc58d40e40cc6aec60ce5b3")
# records that stay plain: BOF, FILEPASS, UsrExcl, FileLock, InterfaceHdr, RRDInfo, RRDHead
_PLAIN = {0x0809, 0x002F, 0x0194, 0x0195, 0x00E1, 0x0196, 0x0138}


def _verifier(password: str) -> int:
    value = 0
    for char in reversed([len(password), *map(ord, password)]):
        value = (((value >> 14) & 1) | ((value << 1) & 0x7FFF)) ^ char
    return value ^ 0xCE4B


def xor_obfuscated(stream: bytes) -> bytes:
    """A BIFF8 workbook stream as Excel saves it XOR-obfuscated ("Adgangskode til at åbne" in
    Excel 97-2003 with the weakest encryption): a FILEPASS of type 0 after the BOF, every later
    record's data obfuscated byte by byte, except a BOUNDSHEET's sheet offset."""
    filepass = record(0x002F, struct.pack("<HHH", 0, _XOR_KEY, _verifier(PASSWORD)))
    stream = insert_after_bof(stream, filepass)
    out = bytearray()
    for kind, data in records(stream):
        out += struct.pack("<HH", kind, len(data))
        start = len(out)
        out += data
        if kind in _PLAIN:
            continue
        skip = 4 if kind == 0x0085 else 0  # lbPlyPos stays plain
        index = (start + len(data) + skip) % 16
        for at in range(start + skip, start + len(data)):
            byte = ((out[at] << 5) | (out[at] >> 3)) & 0xFF
            out[at] = byte ^ _XOR_ARRAY[index]
            index = (index + 1) % 16
    return bytes(out)


def rc4_filepass(crypto_api: bool) -> bytes:
    """A FILEPASS record of type 1: RC4 (version 1.1) or RC4 CryptoAPI (version 2.2)."""
    if not crypto_api:
        return record(0x002F, struct.pack("<HHH", 1, 1, 1) + bytes(range(48)))
    header = struct.pack("<IIIIIIII", 0x04, 0, 0x6801, 0x8004, 128, 1, 0, 0)
    header += "Microsoft Base Cryptographic Provider v1.0\0".encode("utf-16-le")
    verifier = struct.pack("<I", 16) + bytes(range(16)) + bytes(16) + struct.pack("<I", 20)
    verifier += bytes(20)
    info = struct.pack("<HHI", 2, 2, 0x04) + struct.pack("<I", len(header)) + header + verifier
    return record(0x002F, struct.pack("<H", 1) + info)


# --- helpers ----------------------------------------------------------------------------------------


def outcome(path: Path) -> tuple[str, str | None]:
    """The file-level issue code and detail, or ("read", None) with the form read."""
    result = read_form(path)
    file_issues = [i for i in result.issues if i.code.startswith("file-")]
    if file_issues:
        return file_issues[0].code, file_issues[0].params.get("detail") or None
    assert result.file_type == "xls"
    assert result.proposal.nr == "BFdr-001", result.issues
    assert result.proposal.amounts == AMOUNTS
    return "read", None


def calamine_reads(data: bytes) -> bool:
    """Whether python-calamine reads these bytes itself (no guard in front)."""
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.CalamineError:
        return False
    book.close()
    return True


def form_stream() -> bytes:
    return biff8_workbook(_form_values())


def form_streams(version: int = 3) -> dict[str, bytes]:
    """The form's Workbook stream and a summary stream, for a compound file of `version`.

    In a version-4 file the Workbook stream is made large (zeros after its EOF), out of the
    mini stream: calamine 0.37 does not find a stream in a version-4 mini stream longer than
    about one 64-byte mini sector per 512 bytes of file ("Cannot find Workbook stream").
    """
    stream = form_stream()
    if version == 4:
        stream += bytes(5000 - len(stream))
    return {"Workbook": stream, "\x05SummaryInformation": bytes(200)}


# --- 1. the workbook stream's name ------------------------------------------------------------


@pytest.mark.parametrize("name", ["Workbook", "Book", "WORKBOOK", "BOOK"])
def test_workbook_stream_under_each_name_calamine_knows_is_read(tmp_path: Path, name: str) -> None:
    path = compound_file({name: form_stream()}).write(tmp_path / "forslag.xls")
    assert calamine_reads(path.read_bytes())
    assert outcome(path) == ("read", None)


@pytest.mark.parametrize("name", ["workbook", "WorkBook", "book", "bOOK"])
def test_workbook_stream_in_a_case_calamine_misses_is_refused_as_damaged(
    tmp_path: Path, name: str
) -> None:
    """calamine looks for Workbook, Book, WORKBOOK and BOOK only: any other case it misses."""
    path = compound_file({name: form_stream()}).write(tmp_path / "forslag.xls")
    assert not calamine_reads(path.read_bytes())
    code, detail = outcome(path)
    assert code == "file-corrupt" and name in (detail or "")


@pytest.mark.parametrize(
    ("read", "other"), [("Workbook", "WORKBOOK"), ("Book", "WORKBOOK"), ("WORKBOOK", "BOOK")]
)
def test_guard_checks_the_stream_calamine_reads(tmp_path: Path, read: str, other: str) -> None:
    """With two workbook streams calamine takes Workbook, Book, WORKBOOK, BOOK in that order."""
    huge = biff8_workbook(_form_values(), dimensions=(65536, 256))
    fine = compound_file({other: huge, read: form_stream()}).write(tmp_path / "a.xls")
    assert outcome(fine) == ("read", None)
    bad = compound_file({other: form_stream(), read: huge}).write(tmp_path / "b.xls")
    assert outcome(bad)[0] == "file-too-large"


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_xls_with_its_workbook_stream_in_capitals_is_read(tmp_path: Path) -> None:
    from .forms import write_form

    saved = soffice_convert(write_form(tmp_path / "forslag.xlsx"), "xls", tmp_path)
    data = saved.read_bytes()
    old = "Workbook".encode("utf-16-le")
    assert data.count(old) == 1
    renamed = tmp_path / "capitals.xls"
    renamed.write_bytes(data.replace(old, "WORKBOOK".encode("utf-16-le")))
    assert calamine_reads(renamed.read_bytes())
    result = read_form(renamed)
    assert result.issues == [] and result.proposal.nr == "BFdr-001"


def test_other_ole_documents_are_named(tmp_path: Path) -> None:
    word = write_cfb(tmp_path / "forslag.xls", {"WordDocument": b"\xec\xa5" + bytes(100)})
    assert outcome(word) == ("file-not-spreadsheet", "et Word-dokument")
    slides = write_cfb(tmp_path / "slides.xls", {"PowerPoint Document": bytes(100)})
    assert outcome(slides) == ("file-not-spreadsheet", "en PowerPoint-præsentation")
    other = write_cfb(tmp_path / "other.xls", {"Contents": bytes(100)})
    assert outcome(other) == ("file-not-spreadsheet", "et andet Office-dokument")


# --- 2. chains that end in a free sector --------------------------------------------------------


def test_compound_file_writer_makes_files_calamine_and_xlbudget_read(tmp_path: Path) -> None:
    for version in (3, 4):
        built = compound_file(form_streams(version), version)
        assert built.chains["root"] and built.chains["minifat"]
        path = built.write(tmp_path / f"v{version}.xls")
        assert calamine_reads(path.read_bytes())
        assert outcome(path) == ("read", None)


@pytest.mark.parametrize("version", [3, 4])
@pytest.mark.parametrize("chain", ["root", "minifat"])
def test_chain_ending_in_a_free_sector_is_read(tmp_path: Path, version: int, chain: str) -> None:
    """The root storage's (mini stream's) chain ends in FREESECT, not ENDOFCHAIN: calamine
    stops at the stream's length and reads the file, so it passes."""
    built = compound_file(form_streams(version), version)
    built.set_fat(built.chains[chain][-1], _FREE)
    path = built.write(tmp_path / "free.xls")
    assert calamine_reads(path.read_bytes())
    assert outcome(path) == ("read", None)


def test_large_stream_chain_ending_in_a_free_sector_is_read(tmp_path: Path) -> None:
    stream = form_stream()
    stream += b"\0" * (5000 - len(stream))  # past the mini stream cutoff: in sectors
    built = compound_file({"Workbook": stream})
    built.set_fat(built.chains["Workbook"][-1], _FREE)
    path = built.write(tmp_path / "free.xls")
    assert calamine_reads(path.read_bytes())
    assert outcome(path) == ("read", None)


@pytest.mark.parametrize("version", [3, 4])
def test_directory_chain_ending_in_a_free_sector_is_refused(tmp_path: Path, version: int) -> None:
    """calamine follows the directory's chain to ENDOFCHAIN, whatever the header counts (a
    version-4 header counts its directory sectors), and fails at the free sector ("Sector
    4294967295 points past end of file"): refused before it."""
    built = compound_file(form_streams(version), version)
    built.set_fat(built.chains["directory"][-1], _FREE)
    path = built.write(tmp_path / "free.xls")
    assert not calamine_reads(path.read_bytes())
    assert outcome(path)[0] == "file-corrupt"


@pytest.mark.parametrize("chain", ["root", "minifat", "directory"])
@pytest.mark.parametrize("where", ["cycle", "outside"])
def test_chains_that_loop_or_leave_the_file_are_still_refused(
    tmp_path: Path, chain: str, where: str
) -> None:
    built = compound_file({"Workbook": form_stream()})
    sectors = built.chains[chain]
    built.set_fat(sectors[-1], sectors[0] if where == "cycle" else 100_000)
    assert outcome(built.write(tmp_path / "bad.xls"))[0] == "file-corrupt"


# --- 3. encrypted and obfuscated workbooks ---------------------------------------------------------


def test_xor_obfuscated_workbook_is_encrypted_not_too_large(tmp_path: Path) -> None:
    """calamine refuses only RC4 (a FILEPASS of type 1); an XOR-obfuscated workbook it reads
    as if plain, its DIMENSIONS noise: the guard must say "encrypted" before it bounds any."""
    path = write_cfb(tmp_path / "xor.xls", {"Workbook": xor_obfuscated(form_stream())})
    assert outcome(path) == ("file-encrypted", None)


def test_xor_obfuscation_here_is_what_msoffcrypto_decrypts(tmp_path: Path) -> None:
    """The obfuscated stream built above is the real thing: decrypted with the password it
    reads as the form again."""
    pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.xls97 import Xls97File
    from msoffcrypto.method.xor_obfuscation import DocumentXOR

    assert bytes(DocumentXOR.create_xor_array_method1(PASSWORD)) == _XOR_ARRAY
    assert DocumentXOR.create_xor_key_method1(PASSWORD) == _XOR_KEY
    path = compound_file({"Workbook": xor_obfuscated(form_stream())}).write(tmp_path / "xor.xls")
    plain = io.BytesIO()
    with path.open("rb") as handle:
        document = Xls97File(handle)
        document.load_key(password=PASSWORD)
        document.decrypt(plain)
    decrypted = tmp_path / "plain.xls"
    decrypted.write_bytes(plain.getvalue())
    result = read_form(decrypted)
    assert result.proposal.nr == "BFdr-001" and result.proposal.amounts == AMOUNTS


def test_calamine_reads_a_type_0_filepass_as_plain() -> None:
    """Why the guard does not leave FILEPASS to calamine: type 0 (XOR) passes it."""
    stream = insert_after_bof(form_stream(), record(0x002F, struct.pack("<HHH", 0, 1, 1)))
    built = compound_file({"Workbook": stream})
    assert calamine_reads(bytes(built.data))


@pytest.mark.parametrize("crypto_api", [False, True], ids=["rc4", "rc4-cryptoapi"])
def test_rc4_encrypted_workbook_is_encrypted(tmp_path: Path, crypto_api: bool) -> None:
    stream = insert_after_bof(form_stream(), rc4_filepass(crypto_api))
    path = compound_file({"Workbook": stream}).write(tmp_path / "rc4.xls")
    assert outcome(path) == ("file-encrypted", None)


@pytest.mark.parametrize("key", [0, 0x1234])
def test_excel_95_obfuscated_workbook_is_encrypted(tmp_path: Path, key: int) -> None:
    """BIFF5's FILEPASS holds only a key and a hash (no type): calamine takes a key of 0 for
    type 0 and reads on."""
    stream = biff5_workbook(_form_values())
    stream = insert_after_bof(stream, record(0x002F, struct.pack("<HH", key, 0xBEEF)))
    path = compound_file({"Book": stream}).write(tmp_path / "excel95.xls")
    assert outcome(path) == ("file-encrypted", None)


def test_filepass_between_the_globals_and_the_first_sheet_is_encrypted(tmp_path: Path) -> None:
    stream = form_stream()
    first_sheet = next(
        struct.unpack_from("<I", data)[0] for kind, data in records(stream) if kind == 0x0085
    )
    stream = insert_at(stream, first_sheet, rc4_filepass(False))
    path = compound_file({"Workbook": stream}).write(tmp_path / "late.xls")
    assert outcome(path) == ("file-encrypted", None)


# --- 4. Excel 5/95 (BIFF5 in OLE), code pages, and Excel 2-4 (bare BIFF) ----------------------


@pytest.mark.parametrize(("codepage", "encoding"), [(1252, "cp1252"), (10000, "mac_roman")])
def test_excel_95_workbook_is_read(tmp_path: Path, codepage: int, encoding: str) -> None:
    stream = biff5_workbook(_form_values(), codepage, encoding)
    path = compound_file({"Book": stream}).write(tmp_path / "excel95.xls")
    assert calamine_reads(path.read_bytes())
    assert outcome(path) == ("read", None)
    proposal = read_form(path).proposal
    assert proposal.committee == "Børne og Familieudvalget"


@pytest.mark.parametrize(
    ("codepage", "encoding", "detail"),
    [
        (32768, "mac_roman", "tegnsæt 32768 (Mac)"),
        (850, "cp850", "tegnsæt 850 (DOS)"),
        (865, "cp865", "tegnsæt 865 (DOS)"),
        (32769, "cp1252", "tegnsæt 32769 (Windows, Excel 2–4)"),
    ],
)
def test_excel_95_workbook_in_a_code_page_calamine_lacks_is_an_old_format(
    tmp_path: Path, codepage: int, encoding: str, detail: str
) -> None:
    stream = biff5_workbook(_form_values(), codepage, encoding)
    path = compound_file({"Book": stream}).write(tmp_path / "excel95.xls")
    assert not calamine_reads(path.read_bytes())  # "Cannot detect file format"
    assert outcome(path) == ("file-old-format", detail)


def test_biff8_workbook_with_an_ascii_code_page_is_an_old_format(tmp_path: Path) -> None:
    path = compound_file({"Workbook": set_codepage(form_stream(), 367)}).write(tmp_path / "a.xls")
    assert not calamine_reads(path.read_bytes())
    assert outcome(path) == ("file-old-format", "tegnsæt 367 (ASCII)")


def test_readable_code_pages_are_the_ones_calamine_decodes() -> None:
    """Every CODEPAGE value tried on calamine: the guard's list must be exactly its own."""
    from xlbudget.guards.xls import _READABLE_CODEPAGES

    stream = biff8_workbook([["abc", 1.0]])
    base = bytearray(compound_file({"Workbook": stream}).data)
    at = base.index(struct.pack("<HHH", 0x0042, 2, 1200)) + 4
    readable = set()
    for codepage in range(1 << 16):
        struct.pack_into("<H", base, at, codepage)
        if calamine_reads(bytes(base)):
            readable.add(codepage)
    assert readable == _READABLE_CODEPAGES


@pytest.mark.parametrize(
    ("name", "kind", "sheet_type", "detail"),
    [
        ("excel2", 0x0009, 0x0010, "Excel 2–4 (før 1995)"),
        ("excel3", 0x0209, 0x0010, "Excel 2–4 (før 1995)"),
        ("excel4", 0x0409, 0x0010, "Excel 2–4 (før 1995)"),
        ("excel3-chart", 0x0209, 0x0020, "Excel 2–4 (før 1995)"),
        ("excel2-macro", 0x0009, 0x0040, "Excel 4-makroark"),
        ("excel4-macro", 0x0409, 0x0040, "Excel 4-makroark"),
    ],
)
@pytest.mark.parametrize("suffix", [".xls", ".xlsx", ".csv"])
def test_excel_2_to_4_sheet_is_an_old_format(
    tmp_path: Path, name: str, kind: int, sheet_type: int, detail: str, suffix: str
) -> None:
    path = tmp_path / f"{name}{suffix}"
    path.write_bytes(biff234_sheet(kind, _form_values(), sheet_type))
    assert not calamine_reads(path.read_bytes())
    assert outcome(path) == ("file-old-format", detail)


def test_excel_4_workbook_is_an_old_format(tmp_path: Path) -> None:
    path = tmp_path / "excel4.xlw"
    path.write_bytes(biff4_workbook(_form_values()))
    assert not calamine_reads(path.read_bytes())
    assert outcome(path) == ("file-old-format", "Excel 2–4 (før 1995)")


@pytest.mark.parametrize("stream", [form_stream, lambda: biff5_workbook(_form_values())])
def test_workbook_stream_without_its_ole_container_is_an_old_format(
    tmp_path: Path, stream: object
) -> None:
    path = tmp_path / "bare.xls"
    path.write_bytes(stream())  # type: ignore[operator]
    assert not calamine_reads(path.read_bytes())
    assert outcome(path) == ("file-old-format", "Excel-data uden .xls-filstruktur")


# --- 5. what a file that is no spreadsheet is called -----------------------------------------


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        ("Beløb;æøå\r\n1;2\r\n".encode(), "tekst eller CSV"),  # 'æ' split at byte 8
        ("Nr.;Beløb\r\nBFdr-001;800\r\n".encode("cp1252"), "tekst eller CSV"),  # Excel's CSV
        ("\ufeffNr.\tBeløb\r\n".encode("utf-16-le"), "tekst eller CSV"),  # "Unicode-tekst"
        ("\ufeff<html><body><table>".encode(), "HTML eller XML"),
        (b"  <?xml version='1.0'?><Workbook/>", "HTML eller XML"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x01", "PDF"),
        (b"\x00\x00\x02\x00\x06\x04\x06\x00\x00\x00", "ukendt binært indhold"),  # Lotus 1-2-3
        (b"ab\x01cd", "ukendt binært indhold"),
        (b"", "en tom fil"),
    ],
)
def test_files_that_are_no_spreadsheet_are_described(
    tmp_path: Path, content: bytes, detail: str
) -> None:
    path = tmp_path / "forslag.xlsx"
    path.write_bytes(content)
    assert outcome(path) == ("file-not-spreadsheet", detail)
