"""Hostile input files for the reader, written by the tests into a temporary folder.

Nothing binary is committed: every case is built here from a valid reference form (written
with openpyxl by tests/forms.py) whose zip parts are then rewritten, or from scratch (zip,
OLE/CFB and BIFF8 writers below). Bombs stay small on disk (a few MB at most) and are
built without ever holding their inflated size in memory.

`CASES` lists every case with the file-level issue codes it may end in; tests/test_hostile.py
runs them and benchmarks/hostile_report.py measures them one by one and as a batch.
"""

from __future__ import annotations

import base64
import io
import math
import random
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .forms import REFERENCE_ROWS, reference_rows, write_form

MiB = 1 << 20

# --- zip writer: full control over every header field, lies included ------------------------


@dataclass
class Part:
    """One zip entry. `data` is compressed by the writer unless `raw` (already deflated) is set.

    `size` and `crc` default to the truth; set them to make the headers lie.
    """

    name: str
    data: bytes = b""
    raw: bytes | None = None
    size: int | None = None
    crc: int | None = None
    method: int = zipfile.ZIP_DEFLATED
    true_size: int | None = None  # the inflated size of `raw`, when that is known
    same_data_as: str | None = None  # point at an earlier entry's data instead of own data

    def payload(self) -> tuple[bytes, int, int]:
        """(bytes as stored, declared uncompressed size, declared crc)."""
        if self.raw is not None:
            stored = self.raw
            size = self.true_size if self.true_size is not None else 0
            crc = 0
        elif self.method == zipfile.ZIP_STORED:
            stored, size, crc = self.data, len(self.data), zlib.crc32(self.data)
        else:
            compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
            stored = compressor.compress(self.data) + compressor.flush()
            size, crc = len(self.data), zlib.crc32(self.data)
        return (
            stored,
            self.size if self.size is not None else size,
            self.crc if self.crc is not None else crc,
        )


def write_zip(path: Path, parts: Sequence[Part]) -> Path:
    """Write parts as a zip file (see zip_bytes)."""
    path.write_bytes(zip_bytes(parts))
    return path


def zip_bytes(parts: Sequence[Part]) -> bytes:
    """Parts as a zip, headers exactly as the parts declare them.

    A part with `same_data_as` gets a central-directory entry pointing at that earlier
    part's local header and data (overlapping entries, as in David Fifield's "better zip bomb").
    """
    out = io.BytesIO()
    central = []
    offsets: dict[str, int] = {}
    for part in parts:
        stored, size, crc = part.payload()
        name = part.name.encode("utf-8")
        offset = out.tell()
        if part.same_data_as is not None:
            offset = offsets[part.same_data_as]
        else:
            offsets[part.name] = offset
            out.write(
                struct.pack(
                    "<IHHHHHIIIHH",
                    0x04034B50,
                    20,
                    0x800,
                    part.method,
                    0,
                    0x21,
                    crc,
                    len(stored),
                    size,
                    len(name),
                    0,
                )
            )
            out.write(name)
            out.write(stored)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0x800,
                part.method,
                0,
                0x21,
                crc,
                len(stored),
                size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name
        )
    start = out.tell()
    for record in central:
        out.write(record)
    end = out.tell()
    out.write(
        struct.pack(
            "<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), end - start, start, 0
        )
    )
    return out.getvalue()


def read_parts(path: Path) -> list[Part]:
    """Every entry of a valid zip, decompressed, in order."""
    return read_parts_bytes(path.read_bytes())


def read_parts_bytes(data: bytes) -> list[Part]:
    """Every entry of a valid zip's bytes, decompressed, in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [Part(info.filename, archive.read(info)) for info in archive.infolist()]


def rewrite(
    src: Path,
    dst: Path,
    replace: dict[str, bytes | Part | None] | None = None,
    add: Sequence[Part] = (),
    edit: Callable[[str, bytes], bytes] | None = None,
) -> Path:
    """Copy a zip, replacing (None: dropping) some parts by name, editing others, adding more."""
    replace = replace or {}
    parts: list[Part] = []
    for part in read_parts(src):
        if part.name in replace:
            new = replace[part.name]
            if new is None:
                continue
            parts.append(new if isinstance(new, Part) else Part(part.name, new))
        else:
            parts.append(Part(part.name, edit(part.name, part.data) if edit else part.data))
    return write_zip(dst, [*parts, *add])


def repeated_deflate(head: bytes, block: bytes, count: int, tail: bytes) -> tuple[bytes, int]:
    """Raw deflate of head + block * count + tail, built from one compressed block.

    After a full flush the compressor starts afresh, so one block's output can be repeated:
    a 1 MiB block of one byte deflates to ~1 KB, and nothing of the inflated size is ever in
    memory. Returns the deflated bytes and the inflated size.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    unit = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    last = compressor.compress(tail) + compressor.flush()
    return first + unit * count + last, len(head) + len(block) * count + len(tail)


def repeated_crc(
    head: bytes, block: bytes, count: int, tail: bytes, limit: int | None = None
) -> int:
    """The crc32 of head + block * count + tail (only its first `limit` bytes, if given)."""
    data_crc = zlib.crc32(head)
    seen = len(head)
    for _ in range(count):
        if limit is not None and seen + len(block) > limit:
            return zlib.crc32(block[: limit - seen], data_crc)
        data_crc = zlib.crc32(block, data_crc)
        seen += len(block)
    return zlib.crc32(tail, data_crc)


# --- pieces of a form ---------------------------------------------------------------------------

SHEET = "xl/worksheets/sheet1.xml"
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def base_form(folder: Path, rows: list[list[object]] | None = None) -> Path:
    """The reference form as openpyxl writes it: the valid starting point of most cases."""
    folder.mkdir(parents=True, exist_ok=True)
    return write_form(folder / "_base.xlsx", rows)


def sheet_xml(body: str, dimension: str | None = None) -> bytes:
    """A worksheet part around `body` (the <row> elements)."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f"<worksheet {_NS}>{dim}<sheetData>{body}</sheetData></worksheet>".encode()


def _with_text(data: bytes, old: str, new: str) -> bytes:
    text = data.decode("utf-8")
    assert old in text, old
    return text.replace(old, new, 1).encode("utf-8")


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n"
)
XXE = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def _prolog(kind: str) -> str:
    return BILLION_LAUGHS if kind == "laughs" else XXE


def _entity(kind: str) -> str:
    return "&lol9;" if kind == "laughs" else "&xxe;"


# --- builders: each writes one case into `folder` and returns the file ---------------------------


def zip_bomb(folder: Path) -> Path:
    """The sheet part inflates to 1.5 GiB from ~1.5 MB, its headers telling the truth."""
    head = f"<worksheet {_NS}><sheetData>".encode()
    tail = b"</sheetData></worksheet>"
    block = b" " * MiB
    raw, size = repeated_deflate(head, block, 1536, tail)
    crc = repeated_crc(head, block, 1536, tail)
    bomb = Part(SHEET, raw=raw, true_size=size, crc=crc)
    return rewrite(base_form(folder), folder / "zip-bomb.xlsx", {SHEET: bomb})


def _lying(folder: Path, name: str, target: str) -> Path:
    """`target` declares its real size in both headers but inflates to 1.5 GiB of blanks.

    The crc is that of the declared prefix, so a reader that stops at the declared size
    finds nothing wrong.
    """
    base = base_form(folder)
    with zipfile.ZipFile(base) as archive:
        real = archive.read(target)
    cut = real.rfind(b"</")  # blanks go before the closing tag
    head, tail = real[:cut], real[cut:]
    block = b" " * MiB
    raw, _ = repeated_deflate(head, block, 1536, tail)
    crc = repeated_crc(head, block, 1536, tail, limit=len(real))
    liar = Part(target, raw=raw, true_size=len(real), crc=crc)
    return rewrite(base, folder / name, {target: liar})


def lying_sheet_size(folder: Path) -> Path:
    """A sheet whose local and central headers declare 4 KB; it inflates to 1.5 GiB."""
    return _lying(folder, "lying-sheet-size.xlsx", SHEET)


def lying_styles_size(folder: Path) -> Path:
    """As lying_sheet_size, on styles.xml: a part that is not a sheet but is read too."""
    return _lying(folder, "lying-styles-size.xlsx", "xl/styles.xml")


def overlapping_entries(folder: Path) -> Path:
    """200 central-directory entries sharing one 16 MiB body ("better zip bomb": 3 GiB)."""
    head, block, tail = b"<a>", b" " * MiB, b"</a>"
    raw, size = repeated_deflate(head, block, 16, tail)
    crc = repeated_crc(head, block, 16, tail)
    first = Part("xl/media/x0.xml", raw=raw, true_size=size, crc=crc)
    copies = [
        Part(f"xl/media/x{i}.xml", raw=raw, true_size=size, crc=crc, same_data_as=first.name)
        for i in range(1, 200)
    ]
    return rewrite(base_form(folder), folder / "overlapping-entries.xlsx", add=[first, *copies])


def _xml_attack(folder: Path, name: str, where: str, kind: str) -> Path:
    base = base_form(folder)
    parts = {p.name: p.data for p in read_parts(base)}
    if where == "sheet":
        data = _prolog(kind) + parts[SHEET].decode().replace(
            "Digitaliseringsstrategi for skole og dagtilbud", _entity(kind)
        )
        return rewrite(base, folder / name, {SHEET: data.encode()})
    if where == "workbook":
        data = _prolog(kind) + parts["xl/workbook.xml"].decode().replace(
            'name="Ark1"', f'name="{_entity(kind)}"'
        )
        return rewrite(base, folder / name, {"xl/workbook.xml": data.encode()})
    # sharedStrings: the subject becomes a shared string whose text is the entity
    sheet = parts[SHEET].decode()
    sheet = re.sub(
        r'<c r="B10" t="inlineStr"><is><t>[^<]*</t></is></c>',
        '<c r="B10" t="s"><v>0</v></c>',
        sheet,
    )
    strings = (
        _prolog(kind)
        + f'<sst {_NS} count="1" uniqueCount="1"><si><t>{_entity(kind)}</t></si></sst>'
    )
    return rewrite(
        base,
        folder / name,
        {SHEET: sheet.encode()},
        add=[Part("xl/sharedStrings.xml", strings.encode())],
        edit=_register_shared_strings,
    )


def _register_shared_strings(name: str, data: bytes) -> bytes:
    if name == "[Content_Types].xml":
        return _with_text(
            data,
            "</Types>",
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
    if name == "xl/_rels/workbook.xml.rels":
        return _with_text(
            data,
            "</Relationships>",
            '<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
    return data


def laughs_in_sheet(folder: Path) -> Path:
    """Billion laughs: a DOCTYPE with nested entities in the sheet part."""
    return _xml_attack(folder, "laughs-sheet.xlsx", "sheet", "laughs")


def laughs_in_shared_strings(folder: Path) -> Path:
    """Billion laughs in sharedStrings.xml, used by the subject cell."""
    return _xml_attack(folder, "laughs-shared-strings.xlsx", "strings", "laughs")


def laughs_in_workbook(folder: Path) -> Path:
    """Billion laughs in workbook.xml, in the sheet name."""
    return _xml_attack(folder, "laughs-workbook.xlsx", "workbook", "laughs")


def xxe_in_sheet(folder: Path) -> Path:
    """External entity (file:///etc/passwd) in the sheet part."""
    return _xml_attack(folder, "xxe-sheet.xlsx", "sheet", "xxe")


def xxe_in_shared_strings(folder: Path) -> Path:
    """External entity in sharedStrings.xml."""
    return _xml_attack(folder, "xxe-shared-strings.xlsx", "strings", "xxe")


def xxe_in_workbook(folder: Path) -> Path:
    """External entity in workbook.xml."""
    return _xml_attack(folder, "xxe-workbook.xlsx", "workbook", "xxe")


def shared_strings_with_laughs_plain(folder: Path) -> Path:
    """Billion laughs in sharedStrings.xml only (for openpyxl: it must refuse, not expand)."""
    return laughs_in_shared_strings(folder)


def truncated(folder: Path) -> Path:
    """The first half of a real xlsx."""
    data = base_form(folder).read_bytes()
    (folder / "truncated.xlsx").write_bytes(data[: len(data) // 2])
    return folder / "truncated.xlsx"


def random_bytes(folder: Path) -> Path:
    """16 KB of random bytes named .xlsx."""
    (folder / "random.xlsx").write_bytes(random.Random(5).randbytes(16384))
    return folder / "random.xlsx"


def empty_file(folder: Path) -> Path:
    """A file of 0 bytes named .xlsx."""
    (folder / "empty.xlsx").write_bytes(b"")
    return folder / "empty.xlsx"


def csv_renamed(folder: Path) -> Path:
    """The form as CSV, named .xlsx."""
    lines = [";".join("" if v is None else str(v) for v in row) for row in REFERENCE_ROWS]
    (folder / "csv.xlsx").write_text("\n".join(lines), encoding="utf-8")
    return folder / "csv.xlsx"


def html_renamed(folder: Path) -> Path:
    """The form as an HTML table, named .xlsx (as some systems 'export to Excel')."""
    rows = "".join(
        "<tr>" + "".join(f"<td>{'' if v is None else v}</td>" for v in row) + "</tr>"
        for row in REFERENCE_ROWS
    )
    (folder / "html.xlsx").write_text(f"<html><body><table>{rows}</table></body></html>")
    return folder / "html.xlsx"


def no_content_types(folder: Path) -> Path:
    """A zip without [Content_Types].xml."""
    return rewrite(
        base_form(folder), folder / "no-content-types.xlsx", {"[Content_Types].xml": None}
    )


def far_cell(folder: Path) -> Path:
    """Cells at A1 and XFD1048576 in a tiny file: 17 billion cells if a reader fills the range."""
    body = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return rewrite(base_form(folder), folder / "far-cell.xlsx", {SHEET: sheet_xml(body)})


def lying_dimension(folder: Path) -> Path:
    """The valid form with <dimension ref="A1:XFD1048576">: must not matter."""
    base = base_form(folder)
    sheet = zipfile.ZipFile(base).read(SHEET)
    sheet = re.sub(rb'<dimension ref="[^"]*" */>', b'<dimension ref="A1:XFD1048576"/>', sheet)
    return rewrite(base, folder / "lying-dimension.xlsx", {SHEET: sheet})


def column_beyond_limit(folder: Path) -> Path:
    """A cell at XFE1, one column past Excel's last."""
    body = '<row r="1"><c r="A1"><v>1</v></c><c r="XFE1"><v>1</v></c></row>'
    return rewrite(base_form(folder), folder / "column-beyond.xlsx", {SHEET: sheet_xml(body)})


def row_beyond_limit(folder: Path) -> Path:
    """A cell at A1048577, one row past Excel's last."""
    body = (
        '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048577"><c r="A1048577"><v>1</v></c></row>'
    )
    return rewrite(base_form(folder), folder / "row-beyond.xlsx", {SHEET: sheet_xml(body)})


def cells_without_refs(folder: Path) -> Path:
    """No r attributes: a reader counts rows and cells itself, out to the last row and column.

    A comment of random text keeps the part's inflate ratio within the zip-bomb rule, so
    that it is the counting that must catch it.
    """
    empty_rows = "<row></row>" * 1_048_574
    wide = "<c></c>" * 16_383 + "<c><v>1</v></c>"
    noise = base64.b64encode(random.Random(7).randbytes(150_000)).decode()
    body = f"<!-- {noise} --><row><c><v>1</v></c></row>{empty_rows}<row>{wide}</row>"
    return rewrite(base_form(folder), folder / "cells-without-refs.xlsx", {SHEET: sheet_xml(body)})


def sheet_outside_worksheets(folder: Path) -> Path:
    """A far-cell sheet stored as xl/elsewhere/data.bin: guards must not go by part names."""
    body = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'

    def move(name: str, data: bytes) -> bytes:
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(b"worksheets/sheet1.xml", b"elsewhere/data.bin")
        if name == "[Content_Types].xml":
            return data.replace(b"/xl/worksheets/sheet1.xml", b"/xl/elsewhere/data.bin")
        return data

    return rewrite(
        base_form(folder),
        folder / "sheet-elsewhere.xlsx",
        {SHEET: None},
        add=[Part("xl/elsewhere/data.bin", sheet_xml(body))],
        edit=move,
    )


def duplicate_part_names(folder: Path) -> Path:
    """Two entries named like the sheet (case differs): a checker and a reader may pick apart."""
    body = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return rewrite(
        base_form(folder),
        folder / "duplicate-names.xlsx",
        add=[Part(SHEET.upper(), sheet_xml(body))],
    )


def utf16_sheet(folder: Path) -> Path:
    """The sheet part in UTF-16: byte-level scanners see no tags in it."""
    base = base_form(folder)
    sheet = zipfile.ZipFile(base).read(SHEET).decode()
    data = '<?xml version="1.0" encoding="UTF-16"?>' + sheet
    return rewrite(base, folder / "utf16-sheet.xlsx", {SHEET: data.encode("utf-16")})


def unsupported_compression(folder: Path) -> Path:
    """The sheet stored with compression method 12 (bzip2), which no Excel writes."""
    base = base_form(folder)
    sheet = zipfile.ZipFile(base).read(SHEET)
    import bz2

    part = Part(SHEET, raw=bz2.compress(sheet), true_size=len(sheet), crc=zlib.crc32(sheet))
    part.method = 12
    return rewrite(base, folder / "bzip2.xlsx", {SHEET: part})


def many_sheets(folder: Path, count: int = 3000) -> Path:
    """3000 tiny sheets."""
    base = base_form(folder)
    parts = {p.name: p.data for p in read_parts(base)}
    sheets = "".join(
        f'<sheet name="Ark{i}" sheetId="{i}" r:id="rId{i + 10}"/>' for i in range(1, count + 1)
    )
    workbook = re.sub(
        rb"<sheets>.*</sheets>", f"<sheets>{sheets}</sheets>".encode(), parts["xl/workbook.xml"]
    )
    rels = "".join(
        f'<Relationship Id="rId{i + 10}" Type="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/relationships/worksheet" Target="worksheets/s{i}.xml"/>'
        for i in range(1, count + 1)
    )
    rel_data = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", rels.encode() + b"</Relationships>"
    )
    tiny = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')
    return rewrite(
        base,
        folder / "many-sheets.xlsx",
        {"xl/workbook.xml": workbook, "xl/_rels/workbook.xml.rels": rel_data},
        add=[Part(f"xl/worksheets/s{i}.xml", tiny) for i in range(1, count + 1)],
    )


def many_sheet_refs(folder: Path, count: int = 3000) -> Path:
    """workbook.xml lists 3000 sheets that all point at the one sheet part."""
    base = base_form(folder)
    parts = {p.name: p.data for p in read_parts(base)}
    sheets = "".join(
        f'<sheet name="Ark{i}" sheetId="{i}" r:id="rId1"/>' for i in range(1, count + 1)
    )
    workbook = re.sub(
        rb"<sheets>.*</sheets>", f"<sheets>{sheets}</sheets>".encode(), parts["xl/workbook.xml"]
    )
    return rewrite(base, folder / "many-sheet-refs.xlsx", {"xl/workbook.xml": workbook})


def long_text(folder: Path) -> Path:
    """A 40,000-character description (Excel's cell limit is 32,767; openpyxl would cut it,
    so it is written into the sheet XML directly)."""
    text = ("Planen kræver en permanent forøgelse af driftsbudgettet til IT. " * 700)[:40_000]
    base = base_form(folder)
    sheet = zipfile.ZipFile(base).read(SHEET).decode()
    sheet = re.sub(
        r'(<c r="B12" t="inlineStr"><is><t>)[^<]*(</t>)', lambda m: m[1] + text + m[2], sheet
    )
    return rewrite(base, folder / "long-text.xlsx", {SHEET: sheet.encode()})


CONTROL_TEXT = "Tekst\x01med\x07kontrol\x0btegn\x1f og\x7f slut"


def control_characters(folder: Path) -> Path:
    """Control characters (\\x01, \\x07, \\x0b, \\x1f, \\x7f) in the description.

    Excel writes them as _xHHHH_ escapes; a sloppy writer puts the raw bytes into the XML.
    The description holds the escaped form, the subject the raw bytes.
    """
    base = base_form(folder)
    sheet = zipfile.ZipFile(base).read(SHEET).decode()
    escaped = "".join(
        f"_x{ord(ch):04X}_" if ord(ch) < 32 or ord(ch) == 127 else ch for ch in CONTROL_TEXT
    )
    sheet = re.sub(r'(<c r="B12" t="inlineStr"><is><t>)[^<]*(</t>)', rf"\g<1>{escaped}\g<2>", sheet)
    sheet = re.sub(
        r'(<c r="B10" t="inlineStr"><is><t>)[^<]*(</t>)',
        lambda m: m.group(1) + CONTROL_TEXT + m.group(2),
        sheet,
    )
    return rewrite(base, folder / "control-chars.xlsx", {SHEET: sheet.encode()})


def huge_shared_string_count(folder: Path) -> Path:
    """sharedStrings.xml claims 4 billion strings: a reader must not reserve room for them."""
    base = base_form(folder)
    strings = f'<sst {_NS} count="4294967295" uniqueCount="4294967295"><si><t>x</t></si></sst>'
    return rewrite(
        base,
        folder / "huge-string-count.xlsx",
        add=[Part("xl/sharedStrings.xml", strings.encode())],
        edit=_register_shared_strings,
    )


def repeated_long_string(folder: Path) -> Path:
    """One 100 KB shared string shown in 1,000 cells: a reader makes 100 MB of copies."""
    base = base_form(folder)
    text = base64.b64encode(random.Random(3).randbytes(75_000)).decode()
    strings = f'<sst {_NS} count="1000" uniqueCount="1"><si><t>{text}</t></si></sst>'
    sheet = zipfile.ZipFile(base).read(SHEET).decode()
    extra = "".join(f'<row r="{r}"><c r="C{r}" t="s"><v>0</v></c></row>' for r in range(30, 1030))
    sheet = sheet.replace("</sheetData>", extra + "</sheetData>")
    return rewrite(
        base,
        folder / "repeated-long-string.xlsx",
        {SHEET: sheet.encode()},
        add=[Part("xl/sharedStrings.xml", strings.encode())],
        edit=_register_shared_strings,
    )


def slow_sheet(folder: Path, rows: int = 60_000) -> Path:
    """The form plus 60,000 rows of numbers below it: valid, but slow to read (for timeouts)."""
    base = base_form(folder)
    sheet = zipfile.ZipFile(base).read(SHEET).decode()
    extra = "".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>{r * 2}</v></c></row>'
        for r in range(100, 100 + rows)
    )
    sheet = sheet.replace("</sheetData>", extra + "</sheetData>")
    sheet = re.sub(r'<dimension ref="[^"]*" */>', "", sheet)
    return rewrite(base, folder / "slow.xlsx", {SHEET: sheet.encode()})


# --- OLE/CFB (compound file) writer, for .xls and encrypted workbooks ---------------------------

_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


# --- a compound file writer: small streams in the mini stream, version 3 or 4 ------------------


@dataclass
class Compound:
    """A compound file's bytes and where its chains are, for tests to break them."""

    data: bytearray
    sector_size: int
    chains: dict[str, list[int]]  # "directory", "minifat", "root" and each large stream's

    def set_fat(self, sector: int, value: int) -> None:
        """Point FAT entry `sector` at `value` (the FAT sectors come first in the file)."""
        per = self.sector_size // 4
        at = self.sector_size * (1 + sector // per) + 4 * (sector % per)
        struct.pack_into("<I", self.data, at, value)

    def write(self, path: Path) -> Path:
        path.write_bytes(bytes(self.data))
        return path


def compound_file(streams: dict[str, bytes], version: int = 3) -> Compound:
    """A compound file holding `streams` in its root storage, as Excel lays one out: streams
    under 4096 bytes in the mini stream (the root storage's chain), the rest in sectors."""
    size = 512 if version == 3 else 4096
    per = size // 4
    mini_starts: dict[str, int] = {}
    mini_fat: list[int] = []
    mini_stream = b""
    for name, data in streams.items():
        if len(data) < 4096:
            count = max(1, math.ceil(len(data) / 64))
            mini_starts[name] = len(mini_fat)
            mini_fat += [*range(len(mini_fat) + 1, len(mini_fat) + count), _END]
            mini_stream += data.ljust(count * 64, b"\0")
    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    mini_fat_bytes += b"\xff" * (-len(mini_fat_bytes) % size)
    large = {name: data for name, data in streams.items() if name not in mini_starts}
    names = list(streams)
    directory_size = math.ceil((1 + len(names)) * 128 / size) * size
    blocks = [
        ("directory", directory_size),
        ("minifat", len(mini_fat_bytes)),
        ("root", len(mini_stream)),
        *((name, len(data)) for name, data in large.items()),
    ]
    body = sum(math.ceil(length / size) for _, length in blocks)
    fat_sectors = 1
    while fat_sectors * per < fat_sectors + body:
        fat_sectors += 1
    fat = [_FAT] * fat_sectors
    chains: dict[str, list[int]] = {}
    for label, length in blocks:
        count = math.ceil(length / size)
        chains[label] = list(range(len(fat), len(fat) + count))
        fat += [*range(len(fat) + 1, len(fat) + count), _END] if count else []
    fat += [_FREE] * (fat_sectors * per - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, length: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\0\0"
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(encoded), kind, 1, _FREE, right, child)
            + b"\0" * 36
            + struct.pack("<IQ", start, length)
        )

    def first(label: str) -> int:
        return chains[label][0] if chains[label] else _END

    # the root's children as a chain of right siblings, in CFB order (length, then name)
    order = sorted(range(len(names)), key=lambda i: (len(names[i]), names[i].upper()))
    rights = {order[k]: order[k + 1] + 1 for k in range(len(order) - 1)}
    entries = [
        entry(
            "Root Entry",
            5,
            order[0] + 1 if order else _FREE,
            _FREE,
            first("root"),
            len(mini_stream),
        )
    ]
    for i, name in enumerate(names):
        start = mini_starts[name] if name in mini_starts else first(name)
        entries.append(entry(name, 2, _FREE, rights.get(i, _FREE), start, len(streams[name])))
    directory = b"".join(entries).ljust(directory_size, b"\0")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, version, 0xFFFE, 9 if version == 3 else 12, 6)
        + b"\0" * 6
        + struct.pack(
            "<9I",
            0 if version == 3 else len(chains["directory"]),
            fat_sectors,
            first("directory"),
            0,
            4096,
            first("minifat"),
            len(chains["minifat"]),
            _END,
            0,
        )
        + struct.pack("<109I", *range(fat_sectors), *[_FREE] * (109 - fat_sectors))
    ).ljust(size, b"\0")

    def padded(data: bytes) -> bytes:
        return data + b"\0" * (-len(data) % size)

    data = (
        header
        + struct.pack(f"<{len(fat)}I", *fat)
        + directory
        + mini_fat_bytes
        + padded(mini_stream)
        + b"".join(padded(data) for data in large.values())
    )
    return Compound(bytearray(data), size, chains)


def write_cfb(path: Path, streams: dict[str, bytes]) -> Path:
    """A version-3 compound file holding `streams` in the root storage."""
    return compound_file(streams).write(path)


def _record(kind: int, data: bytes) -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def biff8_workbook(
    rows: Sequence[Sequence[object]],
    dimensions: tuple[int, int] | None = None,
    extra_cells: Sequence[tuple[int, int, float]] = (),
    sst_count: int | None = None,
    extra_labels: Sequence[tuple[int, int, int]] = (),
) -> bytes:
    """A BIFF8 Workbook stream with one sheet 'Ark1' holding `rows` (strings and numbers)."""
    strings: list[str] = []
    index: dict[str, int] = {}
    cells = b""
    max_row = max_col = 0
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            max_row, max_col = max(max_row, r + 1), max(max_col, c + 1)
            if isinstance(value, int | float) and not isinstance(value, bool):
                cells += _record(0x0203, struct.pack("<HHHd", r, c, 15, float(value)))
            else:
                text = str(value)
                if text not in index:
                    index[text] = len(strings)
                    strings.append(text)
                cells += _record(0x00FD, struct.pack("<HHHI", r, c, 15, index[text]))
    for r, c, number in extra_cells:
        cells += _record(0x0203, struct.pack("<HHHd", r, c, 15, number))
    for r, c, string in extra_labels:
        cells += _record(0x00FD, struct.pack("<HHHI", r, c, 15, string))
    rows_total, cols_total = dimensions or (max_row, max_col)
    sheet = (
        _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 6))
        + _record(0x0200, struct.pack("<IIHHH", 0, rows_total, 0, cols_total, 0))
        + cells
        + _record(0x000A, b"")
    )
    sst = struct.pack("<II", len(strings), sst_count if sst_count is not None else len(strings))
    for text in strings:
        wide = any(ord(ch) > 255 for ch in text)
        chars = text.encode("utf-16-le" if wide else "latin-1")
        sst += struct.pack("<HB", len(text), int(wide)) + chars
    assert len(sst) <= 8224, "keep the strings short: no CONTINUE records here"
    font = (
        struct.pack("<HHHHHBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0, 0)
        + struct.pack("<BB", 5, 1)
        + "Arial".encode("utf-16-le")
    )
    xf = struct.pack("<HHHBBBBIIH", 0, 0, 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0)
    xf_cell = struct.pack("<HHHBBBBIIH", 0, 0, 0x0000, 0x20, 0, 0, 0, 0, 0, 0x20C0)
    before_sheet = (
        _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 6))
        + _record(0x0042, struct.pack("<H", 1200))
        + _record(0x0022, struct.pack("<H", 0))
        + b"".join(_record(0x0031, font) for _ in range(5))
        + b"".join(_record(0x00E0, xf) for _ in range(15))
        + _record(0x00E0, xf_cell)
    )
    name = "Ark1"
    boundsheet_len = 4 + 6 + 2 + len(name) * 2
    after = _record(0x00FC, sst) + _record(0x000A, b"")
    offset = len(before_sheet) + boundsheet_len + len(after)
    boundsheet = _record(
        0x0085, struct.pack("<IBBBB", offset, 0, 0, len(name), 1) + name.encode("utf-16-le")
    )
    assert len(boundsheet) == boundsheet_len
    return before_sheet + boundsheet + after + sheet


def _form_values() -> list[list[object]]:
    """The reference rows with the amounts as numbers, as a legacy .xls would hold them."""
    rows = reference_rows({"Budgetændring + = udgifter, - = indtægter": [800, 800, 800, 800]})
    return rows


def xls_renamed(folder: Path) -> Path:
    """A real (legacy BIFF8) .xls holding the form, named .xlsx: read by its content."""
    stream = biff8_workbook(_form_values())
    return write_cfb(folder / "legacy-xls.xlsx", {"Workbook": stream})


def xls_huge_dimensions(folder: Path) -> Path:
    """An .xls whose DIMENSIONS record claims 65,536 × 256 cells; it holds the form only."""
    stream = biff8_workbook(_form_values(), dimensions=(65536, 256))
    return write_cfb(folder / "xls-huge-dimensions.xls", {"Workbook": stream})


def xls_far_cell(folder: Path) -> Path:
    """An .xls with the form and a number at the last cell BIFF8 can address (IV65536)."""
    stream = biff8_workbook(_form_values(), extra_cells=[(65535, 255, 1.0)])
    return write_cfb(folder / "xls-far-cell.xls", {"Workbook": stream})


def xls_wide_cell(folder: Path) -> Path:
    """An .xls with a number in column 65,535: past BIFF8's 256 columns, but the field allows it."""
    stream = biff8_workbook(_form_values(), extra_cells=[(65535, 65535, 1.0)])
    return write_cfb(folder / "xls-wide-cell.xls", {"Workbook": stream})


def xls_repeated_long_string(folder: Path) -> Path:
    """An .xls whose one 8,000-character shared string is shown in 10,000 cells (240 MB)."""
    stream = biff8_workbook([["x" * 8000]], extra_labels=[(r, 2, 0) for r in range(10, 10_010)])
    return write_cfb(folder / "xls-repeated-string.xls", {"Workbook": stream})


def xls_huge_string_count(folder: Path) -> Path:
    """An .xls whose shared string table claims 4 billion strings."""
    stream = biff8_workbook(_form_values(), sst_count=0xFFFFFFFF)
    return write_cfb(folder / "xls-huge-sst.xls", {"Workbook": stream})


def encrypted_minimal(folder: Path) -> Path:
    """An OLE file holding EncryptionInfo and EncryptedPackage streams: a password-protected xlsx."""
    info = struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0"?><encryption/>'
    package = struct.pack("<Q", 4096) + bytes(range(256)) * 16
    return write_cfb(
        folder / "encrypted-minimal.xlsx", {"EncryptionInfo": info, "EncryptedPackage": package}
    )


def encrypted_real(folder: Path) -> Path:
    """The reference form encrypted with a password by msoffcrypto-tool (as Excel does)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    base = base_form(folder)
    out = io.BytesIO()
    with base.open("rb") as handle:
        OOXMLFile(handle).encrypt("hemmelig", out)
    (folder / "encrypted.xlsx").write_bytes(out.getvalue())
    return folder / "encrypted.xlsx"


# --- ods ----------------------------------------------------------------------------------------

_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"'
)


def _ods_cell(value: object) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'
    )


def write_ods(path: Path, table: str) -> Path:
    """An ods whose one sheet 'Ark1' holds `table` (the table:table-row elements)."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS}>'
        f'<office:body><office:spreadsheet><table:table table:name="Ark1">{table}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    return write_zip(
        path,
        [
            Part("mimetype", b"application/vnd.oasis.opendocument.spreadsheet", method=0),
            Part("content.xml", content.encode()),
            Part("META-INF/manifest.xml", manifest.encode()),
        ],
    )


def ods_rows(rows: Sequence[Sequence[object]]) -> str:
    """Form rows as ods table rows, each closed LibreOffice-style with a run of empty cells."""
    return (
        "".join(
            "<table:table-row>"
            + "".join(_ods_cell(v) for v in row)
            + '<table:table-cell table:number-columns-repeated="1000"/></table:table-row>'
            for row in rows
        )
        + '<table:table-row table:number-rows-repeated="1048000"><table:table-cell/></table:table-row>'
    )


def ods_form(folder: Path) -> Path:
    """A valid ods form, with LibreOffice's trailing runs of empty cells and rows."""
    return write_ods(folder / "form.ods", ods_rows(_form_values()))


def ods_repeated_columns(folder: Path) -> Path:
    """An ods cell holding a value, repeated across 1 billion columns."""
    table = (
        ods_rows(_form_values()[:6])
        + '<table:table-row><table:table-cell table:number-columns-repeated="1000000000" '
        'office:value-type="float" office:value="1"/></table:table-row>'
    )
    return write_ods(folder / "ods-repeated-columns.ods", table)


def ods_repeated_rows(folder: Path) -> Path:
    """An ods row of 1,000 values repeated 1 million times, then a value below it."""
    wide = '<table:table-cell table:number-columns-repeated="1000" office:value-type="float" office:value="1"/>'
    table = (
        f'<table:table-row table:number-rows-repeated="1000000">{wide}</table:table-row>'
        + "<table:table-row>"
        + _ods_cell(1)
        + "</table:table-row>"
    )
    return write_ods(folder / "ods-repeated-rows.ods", table)


def ods_empty_run_then_value(folder: Path) -> Path:
    """An empty cell repeated 1 billion times, then a value: the run must be filled in."""
    table = (
        '<table:table-row><table:table-cell table:number-columns-repeated="1000000000"/>'
        + _ods_cell(1)
        + "</table:table-row>"
    )
    return write_ods(folder / "ods-empty-run.ods", table)


def ods_spaces(folder: Path) -> Path:
    """An ods text cell with <text:s text:c="1000000000"/>: a billion spaces."""
    table = (
        '<table:table-row><table:table-cell office:value-type="string">'
        '<text:p>a<text:s text:c="1000000000"/>b</text:p></table:table-cell></table:table-row>'
    )
    return write_ods(folder / "ods-spaces.ods", table)


# --- the catalogue ------------------------------------------------------------------------------

READ = "read"  # the outcome of a file read without a file-level error


@dataclass(frozen=True)
class Case:
    """A hostile case: how to build it and the file-level issue codes it may end in."""

    name: str
    make: Callable[[Path], Path]
    expect: frozenset[str]
    needs: str | None = None  # an optional module the builder imports


def _codes(*codes: str) -> frozenset[str]:
    return frozenset(codes)


TOO_LARGE = _codes("file-too-large")
CORRUPT = _codes("file-corrupt")
UNSAFE = _codes("file-unsafe")
READS = _codes(READ)

CASES: list[Case] = [
    Case("zip-bomb", zip_bomb, TOO_LARGE),
    Case("lying-sheet-size", lying_sheet_size, CORRUPT),
    Case("lying-styles-size", lying_styles_size, CORRUPT),
    Case("overlapping-entries", overlapping_entries, CORRUPT | TOO_LARGE),
    Case("laughs-sheet", laughs_in_sheet, UNSAFE),
    Case("laughs-shared-strings", laughs_in_shared_strings, UNSAFE),
    Case("laughs-workbook", laughs_in_workbook, UNSAFE),
    Case("xxe-sheet", xxe_in_sheet, UNSAFE),
    Case("xxe-shared-strings", xxe_in_shared_strings, UNSAFE),
    Case("xxe-workbook", xxe_in_workbook, UNSAFE),
    Case("truncated", truncated, CORRUPT),
    Case("random-bytes", random_bytes, _codes("file-not-spreadsheet")),
    Case("empty-file", empty_file, _codes("file-not-spreadsheet")),
    Case("csv-renamed", csv_renamed, _codes("file-not-spreadsheet")),
    Case("html-renamed", html_renamed, _codes("file-not-spreadsheet")),
    Case("no-content-types", no_content_types, CORRUPT),
    Case("encrypted", encrypted_real, _codes("file-encrypted"), needs="msoffcrypto"),
    Case("encrypted-minimal", encrypted_minimal, _codes("file-encrypted")),
    Case("xls-renamed", xls_renamed, READS),
    Case("xls-huge-dimensions", xls_huge_dimensions, TOO_LARGE),
    Case("xls-far-cell", xls_far_cell, TOO_LARGE),
    Case("xls-wide-cell", xls_wide_cell, TOO_LARGE | CORRUPT),
    Case("xls-huge-string-count", xls_huge_string_count, CORRUPT | READS),
    Case("xls-repeated-string", xls_repeated_long_string, TOO_LARGE),
    Case("far-cell", far_cell, TOO_LARGE),
    Case("lying-dimension", lying_dimension, READS),
    Case("column-beyond-limit", column_beyond_limit, CORRUPT),
    Case("row-beyond-limit", row_beyond_limit, CORRUPT),
    Case("cells-without-refs", cells_without_refs, TOO_LARGE | CORRUPT),
    Case("sheet-elsewhere", sheet_outside_worksheets, TOO_LARGE),
    Case("duplicate-names", duplicate_part_names, CORRUPT),
    Case("utf16-sheet", utf16_sheet, CORRUPT),
    Case("bzip2-entry", unsupported_compression, CORRUPT),
    Case("many-sheets", many_sheets, TOO_LARGE),
    Case("many-sheet-refs", many_sheet_refs, TOO_LARGE),
    Case("huge-string-count", huge_shared_string_count, CORRUPT),
    Case("repeated-long-string", repeated_long_string, TOO_LARGE),
    Case("long-text", long_text, READS),
    Case("control-chars", control_characters, READS),
    Case("ods-form", ods_form, READS),
    Case("ods-repeated-columns", ods_repeated_columns, TOO_LARGE),
    Case("ods-repeated-rows", ods_repeated_rows, TOO_LARGE),
    Case("ods-empty-run", ods_empty_run_then_value, TOO_LARGE),
    Case("ods-spaces", ods_spaces, TOO_LARGE),
]
CASE = {case.name: case for case in CASES}


def build(case: Case, folder: Path) -> Path:
    """Write `case` into its own subfolder of `folder`; return the file."""
    target = folder / case.name
    target.mkdir(parents=True, exist_ok=True)
    return case.make(target)
