"""Read stage: any supported file to sheets of cell values at their true addresses."""

from __future__ import annotations

import html
import io
import itertools
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine as calamine
from defusedxml import ElementTree

from xlbudget.config import Limits
from xlbudget.errors import UnreadableFileError
from xlbudget.guards import check_bytes, open_zip
from xlbudget.guards.xls import cfb_streams, old_excel, workbook_stream
from xlbudget.guards.zipdir import Directory
from xlbudget.guards.zipfiles import part_name

CellValue = str | int | float | bool | Any
Pos = tuple[int, int]  # 0-based (row, column)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


@dataclass
class Sheet:
    """One worksheet: its name and its non-empty cells by 0-based (row, column)."""

    name: str
    cells: dict[Pos, CellValue]
    visible: bool = True  # False for a hidden or very hidden sheet

    def get(self, row: int, col: int) -> CellValue | None:
        """The value at (row, col), or None when the cell is empty."""
        return self.cells.get((row, col))


@dataclass
class Workbook:
    """A read workbook: its sheets, defined names and a way to look up formulas."""

    path: Path
    file_type: str
    sheets: list[Sheet]
    defined_names: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    # The file's bytes as checked by the guards: every later look reads these, not the path.
    data: bytes = field(default=b"", repr=False)
    # what xlbudget wrote it as ("master", "template", …), from its document property
    made_by_xlbudget: str | None = None
    # xlsx/xlsm: the checked parts as the reader got them, under the names it expects
    package: bytes | None = field(default=None, repr=False)
    # every formula by sheet and cell, read when first asked for (formula_at)
    formulas: dict[str, dict[Pos, str]] | None = field(default=None, repr=False)

    def sheet(self, name: str) -> Sheet | None:
        """The sheet called `name`, or None."""
        return next((s for s in self.sheets if s.name == name), None)

    def formula_at(self, sheet: str, row: int, col: int) -> str | None:
        """The formula in a cell (xlsx/xlsm only), read lazily from the sheet XML."""
        if self.file_type not in ("xlsx", "xlsm"):
            return None
        if self.formulas is None:
            self.formulas = _read_formulas(self.package or self.data)
        return self.formulas.get(sheet, {}).get((row, col))


def column_letter(col: int) -> str:
    """0-based column index to Excel letters: 0 -> A, 27 -> AB."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """Excel column letters to a 0-based index: A -> 0."""
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index - 1


def cell_name(row: int, col: int) -> str:
    """0-based (row, col) to an A1 reference."""
    return f"{column_letter(col)}{row + 1}"


def cell_ref(sheet: str, row: int, col: int) -> str:
    """A sheet-qualified reference as Excel writes it: Ark1!C9, 'Forslag B'!C9, '2021'!C9."""
    return f"{quote_sheet(sheet)}!{cell_name(row, col)}"


# names read as a cell (A1, AB12) or in R1C1 style; "Ark1", Excel's own Danish default
# name, is kept plain as the forms' users write it (Ark1!C9)
_LOOKS_LIKE_REF = re.compile(r"[A-Za-z]{1,2}\d+|[Rr]\d*[Cc]?\d*|[Cc]\d*", re.ASCII)


def quote_sheet(sheet: str) -> str:
    """A sheet name as a reference needs it: quoted (' doubled) unless it is a plain word
    (letters, digits, _; not starting with a digit) that cannot be read as a cell."""
    # an identifier is what Excel leaves plain: a letter or _, then letters, digits or _
    if sheet.isidentifier() and not _LOOKS_LIKE_REF.fullmatch(sheet):
        return sheet
    return "'" + sheet.replace("'", "''") + "'"


def parse_ref(ref: str) -> Pos | None:
    """An A1 reference (with or without $) to 0-based (row, col), or None."""
    match = _REF.match(ref.strip())
    if not match:
        return None
    return int(match.group(2)) - 1, column_index(match.group(1))


def sniff_type(path: Path, limits: Limits | None = None) -> str:
    """The file's real type from its content: xlsx, xlsm, xls or ods (else raise)."""
    return sniff_bytes(read_bytes(path, limits or Limits()), limits)


def read_bytes(path: Path, limits: Limits) -> bytes:
    """The file's content, refused before reading if it is larger than the limit."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            size = os.fstat(fd).st_size
            if size > limits.max_file_bytes:
                raise UnreadableFileError("file-too-large", f"{size / 1e6:.0f} MB")
            # read(n) sets n bytes aside first: the size found, not the limit (20 MB)
            data = _read_fully(fd, size + 1)
            if len(data) > size:  # grown since: up to one byte past the limit, as before
                data += _read_fully(fd, limits.max_file_bytes + 1 - len(data))
        finally:
            os.close(fd)
    except FileNotFoundError:
        raise UnreadableFileError("file-not-found") from None
    except OSError as exc:
        raise UnreadableFileError("file-corrupt", exc.strerror or str(exc)) from None
    if len(data) > limits.max_file_bytes:
        raise UnreadableFileError("file-too-large", f"{len(data) / 1e6:.0f} MB")
    return data


def _read_fully(fd: int, count: int) -> bytes:
    """Up to `count` bytes, fewer only at the end of the file (a read may return less)."""
    data = os.read(fd, count)
    if len(data) == count or not data:
        return data
    chunks = [data]
    while count > (got := sum(map(len, chunks))) and (chunk := os.read(fd, count - got)):
        chunks.append(chunk)
    return b"".join(chunks)


def sniff_bytes(data: bytes, limits: Limits | None = None) -> str:
    """The real type of a file's content: xlsx, xlsm, xls or ods (else raise)."""
    return _sniff(data, limits or Limits())[0]


def _sniff(data: bytes, limits: Limits) -> tuple[str, Directory | None]:
    """sniff_bytes, and for a zip its directory (open_zip's), for the guards to go on with."""
    head = data[:8]
    if head.startswith(_OLE_MAGIC):
        return _sniff_ole(data), None
    if head.startswith(_EMPTY_ZIP_MAGIC):
        raise UnreadableFileError("file-corrupt", "tomt zip-arkiv")
    if not head.startswith(_ZIP_MAGIC):
        old = old_excel(data) or _flat_xml_spreadsheet(data[:4096])  # never "text" or "XML"
        if old is not None:
            raise UnreadableFileError("file-old-format", old)
        raise UnreadableFileError("file-not-spreadsheet", _describe_non_spreadsheet(data[:4096]))
    archive = open_zip(data, limits)
    return _zip_type(data, archive), archive


def _zip_type(data: bytes, archive: Directory) -> str:
    """xlsx, xlsm or ods, by the parts a zip holds (named with / or \\); else raise."""
    names = {part_name(entry.filename).casefold(): entry for entry in archive.infolist()}
    mimetype = names.get("mimetype")
    if mimetype is not None and mimetype.file_size < 200:
        if _small_entry(data, mimetype).strip() == _ODS_MIME:
            return "ods"
        raise UnreadableFileError("file-not-spreadsheet", "et andet OpenDocument-format")
    if "word/document.xml" in names:
        raise UnreadableFileError("file-not-spreadsheet", "et Word-dokument")
    if "ppt/presentation.xml" in names:
        raise UnreadableFileError("file-not-spreadsheet", "en PowerPoint-præsentation")
    if "xl/workbook.bin" in names:
        raise UnreadableFileError("file-xlsb")
    if "[content_types].xml" in names or "xl/workbook.xml" in names:
        # where the workbook part is, the guards find from the package's relationships
        macros = any(name.endswith("vbaproject.bin") for name in names)
        return "xlsm" if macros else "xlsx"
    raise UnreadableFileError("file-not-spreadsheet", "et zip-arkiv uden regneark")


def _small_entry(data: bytes, entry: Any) -> bytes:
    """The first 200 bytes of a small zip entry, read from its local header on."""
    at = entry.header_offset
    if not data.startswith(b"PK\x03\x04", at) or len(data) < at + 30:
        raise UnreadableFileError("file-corrupt", "ødelagt lokal header")
    name_length, extra_length = struct.unpack_from("<HH", data, at + 26)
    start = at + 30 + name_length + extra_length
    raw = data[start : start + entry.compress_size]
    if entry.compress_type == zipfile.ZIP_STORED:
        return raw[:200]
    try:
        return zlib.decompressobj(-15).decompress(raw, 200)
    except zlib.error as exc:
        raise UnreadableFileError("file-corrupt", f"mimetype: {exc}") from None


def _sniff_ole(data: bytes) -> str:
    """xls for an OLE file holding a workbook stream calamine finds (Excel 5 to 2003); else
    raise: encrypted (an xlsx with a password), or another kind of document."""
    names = cfb_streams(data)
    # An encrypted xlsx is an OLE container holding EncryptionInfo + EncryptedPackage.
    if "EncryptionInfo" in names or "EncryptedPackage" in names:
        raise UnreadableFileError("file-encrypted")
    if workbook_stream(names) is not None:  # Workbook, Book, WORKBOOK or BOOK
        return "xls"
    if "WordDocument" in names:
        raise UnreadableFileError("file-not-spreadsheet", "et Word-dokument")
    if "PowerPoint Document" in names:
        raise UnreadableFileError("file-not-spreadsheet", "en PowerPoint-præsentation")
    raise UnreadableFileError("file-not-spreadsheet", "et andet Office-dokument")


# Bytes of text: C0 controls other than tab, line feed, form feed, carriage return and the
# DOS end-of-file mark, and DEL, are not.
_NOT_TEXT = re.compile(rb"[\x00-\x08\x0b\x0e-\x19\x1b-\x1f\x7f]")


_FLAT_XML = {
    b"opendocument.spreadsheet": "flad OpenDocument-regneark, .fods",
    b"urn:schemas-microsoft-com:office:spreadsheet": "Excel 2003 XML-regneark",
}


def _flat_xml_spreadsheet(head: bytes) -> str | None:
    """A spreadsheet saved as one XML file (LibreOffice's .fods, Excel 2003's XML), by name."""
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return None
    return next((kind for marker, kind in _FLAT_XML.items() if marker in head), None)


def _describe_non_spreadsheet(head: bytes) -> str:
    """What a file that is neither zip nor OLE seems to be, from its first few KB."""
    if not head:
        return "en tom fil"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 ("Unicode-tekst" from Excel)
        codec = "utf-16-le" if head[0] == 0xFF else "utf-16-be"
        head = head[2 : len(head) & ~1].decode(codec, "replace").encode("utf-8", "replace")
    head = head.removeprefix(b"\xef\xbb\xbf")
    lowered = head[:100].lower().lstrip()
    if lowered.startswith((b"<html", b"<!doc", b"<?xml", b"<table")):
        return "HTML eller XML"
    if head.startswith(b"%PDF"):
        return "PDF"
    # UTF-8 or a one-byte code page (a CSV saved by Excel is in Windows-1252): either is text
    # unless it holds control characters, which a binary file has within its first bytes
    if _NOT_TEXT.search(head):
        return "ukendt binært indhold"
    return "tekst eller CSV"


def read_workbook(path: Path, limits: Limits | None = None) -> Workbook:
    """Read every worksheet of a file into a Workbook; raise UnreadableFileError if it can't.

    The file is read once; the guards check those bytes and the reader gets the same bytes,
    so nothing unchecked reaches a parser (not even a file changed in between). For xlsx
    and xlsm the reader gets the parts exactly as the guards inflated and checked them,
    stored in a zip of their own, so it does not inflate them again.
    """
    limits = limits or Limits()
    data = read_bytes(path, limits)
    file_type, archive = _sniff(data, limits)
    report = check_bytes(data, file_type, limits, archive=archive)
    # the parts as the guards inflated and checked them (xlsx, xlsm), else the file's bytes
    sheets = _read_sheets(report.package if report.package is not None else data, limits)
    names = _read_defined_names(report.workbook_xml) if file_type in ("xlsx", "xlsm") else {}
    workbook = Workbook(
        path=path,
        file_type=file_type,
        sheets=sheets,
        defined_names=names,
        data=data,
        made_by_xlbudget=xlbudget_mark(report.custom_properties),
        package=report.package,
    )
    if report.unsaved_formulas:
        # from the checked parts, stored: nothing to inflate again
        _compute_unsaved_formulas(workbook, report.package or data)
    return workbook


# xlbudget's mark on the workbooks it writes: a custom document property (Excel and
# LibreOffice keep those when the file is saved again).
MARK_PROPERTY = "xlbudget"
_MARK = re.compile(
    rb"""<(?:\w+:)?property\b[^>]*\bname\s*=\s*["']xlbudget["'][^>]*>\s*"""
    rb"""<(?:\w+:)?lpwstr>([^<]{1,100})</"""
)


def xlbudget_mark(custom_properties: bytes | None) -> str | None:
    """What xlbudget wrote a workbook as ("master", "template"), from docProps/custom.xml."""
    if not custom_properties:
        return None
    # the guards have refused any DTD in this part, so a pattern reads it safely
    match = _MARK.search(custom_properties)
    return html.unescape(match.group(1).decode("utf-8", "replace")).strip() if match else None


def _compute_unsaved_formulas(workbook: Workbook, source: bytes) -> None:
    """Give formulas saved without a result (files written by scripts) their computed value;
    `source`: the file's parts, as a zip."""
    from xlbudget.formulas import evaluate_formula  # formulas reads cells with read's helpers

    workbook.formulas = _read_formulas(source)
    sheets = {sheet.name: sheet for sheet in workbook.sheets}
    busy: set[tuple[str, Pos]] = set()

    def resolve(sheet_name: str | None, row: int, col: int, home: str = "") -> float | None:
        name = sheet_name or home
        sheet = sheets.get(name)
        if sheet is None:
            return None
        value = sheet.cells.get((row, col))
        if value is None:
            formula = workbook.formulas.get(name, {}).get((row, col)) if workbook.formulas else None
            if formula is None or (name, (row, col)) in busy or len(busy) > 50:
                return None
            busy.add((name, (row, col)))
            computed = evaluate_formula(formula, lambda s, r, c: resolve(s, r, c, name))
            busy.discard((name, (row, col)))
            if computed is not None:
                sheet.cells[(row, col)] = computed
            return computed
        return (
            float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
        )

    for name, formulas in workbook.formulas.items():
        for row, col in formulas:
            if name in sheets and (row, col) not in sheets[name].cells:
                resolve(name, row, col)


def _read_sheets(data: bytes, limits: Limits) -> list[Sheet]:
    try:
        # From the bytes, so calamine picks the reader by content, not by the file's name.
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError:
        raise UnreadableFileError("file-encrypted") from None
    except _CATCHABLE as exc:  # several unrelated types for damaged files, and Rust panics
        if isinstance(exc, _NOT_OURS):
            raise
        raise UnreadableFileError("file-corrupt", _short(exc)) from None
    sheets: list[Sheet] = []
    try:
        worksheets = [
            (m.name, m.visible == calamine.SheetVisibleEnum.Visible)
            for m in book.sheets_metadata
            if m.typ == calamine.SheetTypeEnum.WorkSheet
        ]
        if len(worksheets) > limits.max_sheets:
            raise UnreadableFileError("file-too-large", f"{len(worksheets)} ark")
        for name, visible in worksheets:
            sheet = book.get_sheet_by_name(name)
            start = sheet.start
            if start is None:
                sheets.append(Sheet(name, {}, visible))
                continue
            top, left = start
            if sheet.height > limits.max_rows or sheet.width > limits.max_columns:
                # A form is a few dozen rows; read only its top-left corner of a huge sheet.
                rows = sheet.iter_rows()
            else:
                rows = sheet.to_python(skip_empty_area=True)
            sheets.append(Sheet(name, _cells(rows, top, left, limits), visible))
    except UnreadableFileError:
        raise
    except _CATCHABLE as exc:
        if isinstance(exc, _NOT_OURS):
            raise
        raise UnreadableFileError("file-corrupt", _short(exc)) from None
    finally:
        book.close()
    return sheets


def _cells(rows: Iterable[list[Any]], top: int, left: int, limits: Limits) -> dict[Pos, CellValue]:
    """The non-empty cells of the rows calamine gives from (top, left), within the limits."""
    cells: dict[Pos, CellValue] = {}
    width = limits.max_columns
    for row_number, row in enumerate(itertools.islice(rows, limits.max_rows), top):
        col = left
        for value in row if len(row) <= width else row[:width]:
            if value != "" and value is not None:
                cells[(row_number, col)] = value
            col += 1
    return cells


# A Rust panic inside calamine reaches Python as pyo3's PanicException, which derives from
# BaseException (not Exception). It means "this file broke the reader": a file error.
_CATCHABLE = BaseException
_NOT_OURS = (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError)


def _short(exc: Exception) -> str:
    """The reader's complaint in a few words; its bare "Cannot detect file format" (all it
    says of any workbook it cannot open) with what it means."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if text.strip().lower().startswith("cannot detect file format"):
        return "regnearkets indhold kunne ikke tolkes (Cannot detect file format)"
    return text[:160]


_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _zip(source: bytes | Path) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)


_DEFINED_NAME = re.compile(rb"<(?:\w+:)?definedName\b([^>]*)>([^<]*)</(?:\w+:)?definedName\s*>")
_NAME_ATTR = re.compile(rb"""\bname\s*=\s*["']([^"']*)["']""")


def _read_defined_names(workbook_xml: bytes | None) -> dict[str, tuple[str, int, int]]:
    """Single-cell, workbook-level defined names of an xlsx: name -> (sheet, row, col)."""
    return _parse_defined_names(workbook_xml)


def _parse_defined_names(workbook_xml: bytes | None) -> dict[str, tuple[str, int, int]]:
    names: dict[str, tuple[str, int, int]] = {}
    # The guards have refused any DTD in this part, so a pattern reads it safely.
    for attrs, text in _DEFINED_NAME.findall(workbook_xml or b""):
        name = _NAME_ATTR.search(attrs)
        if name is None or b"localSheetId" in attrs:
            continue
        target = _split_sheet_ref(html.unescape(text.decode("utf-8", "replace")))
        if target:
            names[html.unescape(name.group(1).decode("utf-8", "replace"))] = target
    return names


def _split_sheet_ref(text: str) -> tuple[str, int, int] | None:
    sheet, sep, ref = text.rpartition("!")
    if not sep or ":" in ref:
        return None
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    pos = parse_ref(ref)
    return (sheet, *pos) if pos else None


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
MAX_FORMULAS = 100_000  # per sheet; a form has a handful


def _read_formulas(source: bytes | Path) -> dict[str, dict[Pos, str]]:
    """Every formula of every sheet of an xlsx, by sheet name and position."""
    formulas: dict[str, dict[Pos, str]] = {}
    try:
        with _zip(source) as archive:
            sheets = _sheet_parts(
                archive.read("xl/workbook.xml"), archive.read("xl/_rels/workbook.xml.rels")
            )
            for name, part in sheets:
                formulas[name] = _parsed_sheet_formulas(archive.read(part))
    except Exception:
        return formulas
    return formulas


# Forms from one template share their workbook and relationship parts: which sheet is in
# which part is found once (two XML parses, a third of reading a form's formulas).


def _sheet_parts(workbook_xml: bytes, rels_xml: bytes) -> list[tuple[str, str]]:
    """Each sheet's name and the part that holds it, in workbook order."""
    workbook, rels = ElementTree.fromstring(workbook_xml), ElementTree.fromstring(rels_xml)
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    sheets = []
    for node in workbook.iterfind("m:sheets/m:sheet", _NS):
        target = targets.get(node.get(f"{{{_REL_NS}}}id"), "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        sheets.append((node.get("name", ""), part))
    return sheets


def _parsed_sheet_formulas(data: bytes) -> dict[Pos, str]:
    """The formulas of one sheet part by an XML parser (any namespace prefix, CDATA, ...)."""
    found: dict[Pos, str] = {}
    for _, element in ElementTree.iterparse(io.BytesIO(data), events=("end",)):
        if element.tag == f"{_MAIN}c":
            formula = element.find(f"{_MAIN}f")
            pos = parse_ref(element.get("r", ""))
            if formula is not None and formula.text and pos:
                found[pos] = formula.text
                if len(found) >= MAX_FORMULAS:
                    break
            element.clear()
        elif element.tag == f"{_MAIN}row":
            element.clear()
    return found
