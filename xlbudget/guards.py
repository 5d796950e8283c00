"""Guards run before any parser sees a file: everything a reader would allocate is bounded first.

The reader (python-calamine, Rust) trusts what a file says: it reserves room for the cell
rectangle a sheet spans, for the shared strings a workbook declares, for the cells an .xls
DIMENSIONS record announces, and for every repeat of a repeated ods cell. Some of those
allocations abort the whole process when they fail: no exception reaches Python. So every
part a reader may look at is checked here first, on the bytes that will be handed to it:

- zip (xlsx, xlsm, ods): entry count, names (no duplicates, also case-insensitively),
  compression method, an unambiguous layout (entries back to back, no overlaps, one end
  record), declared sizes and inflate ratio, and then every entry is inflated here (streamed,
  never past its declared size, which is within the limits) and its CRC checked: a header
  that lies cannot get a larger part through to the reader.
- XML parts: no DOCTYPE or entity declarations (Excel and LibreOffice never write them; they
  are the billion-laughs and external-entity attacks), no UTF-16 or non-UTF-8 declarations;
  sheets are parsed (expat, streamed) and positions computed as calamine does, including
  cells and rows without an `r` attribute, so the filled rectangle and the text that
  shared strings repeat are bounded; sharedStrings' uniqueCount is bounded by the part size.
- ods content: number-columns-repeated / number-rows-repeated / text:s counts are multiplied
  out as calamine does and bounded the same way.
- xls (OLE compound file): the sector tables and directory are walked with cycle and bound
  checks, then the BIFF records of every sheet: DIMENSIONS and cell positions bounded.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.parsers import expat

from xlbudget.config import Limits
from xlbudget.errors import UnreadableFileError

EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384
_CHUNK = 1 << 16
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _too_large(detail: str) -> UnreadableFileError:
    return UnreadableFileError("file-too-large", detail)


def _corrupt(detail: str) -> UnreadableFileError:
    return UnreadableFileError("file-corrupt", detail)


def _unsafe(detail: str) -> UnreadableFileError:
    return UnreadableFileError("file-unsafe", detail)


@dataclass
class GuardReport:
    """What the guards learned on the way: whether any sheet holds formulas, and the
    rectangle (top, left, bottom, right; 0-based) of the cells with a value in each
    xlsx sheet part, as calamine will fill it."""

    has_formulas: bool = False
    extents: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)


def check_file(path: object, file_type: str, limits: Limits) -> bool:
    """Raise UnreadableFileError if the file at `path` breaks a limit; else tell if it has formulas."""
    from pathlib import Path

    path = Path(str(path))
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise _too_large(f"{size / 1e6:.0f} MB")
    return check_bytes(path.read_bytes(), file_type, limits).has_formulas


def check_bytes(data: bytes, file_type: str, limits: Limits) -> GuardReport:
    """Raise UnreadableFileError if the file's content breaks a limit or is unsafe to parse."""
    if len(data) > limits.max_file_bytes:
        raise _too_large(f"{len(data) / 1e6:.0f} MB")
    if file_type in ("xlsx", "xlsm", "ods"):
        return _check_zip(data, file_type, limits)
    if file_type == "xls":
        _check_xls(data, limits)
    return GuardReport()


# --- zip ----------------------------------------------------------------------------------------

_EOCD = b"PK\x05\x06"
_EOCD64 = b"PK\x06\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"


def _check_zip(data: bytes, file_type: str, limits: Limits) -> GuardReport:
    _check_end_record(data, limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise _corrupt(f"ødelagt zip: {exc}") from None
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError, ValueError) as exc:
        raise _corrupt(str(exc)[:160]) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.max_zip_entries:
            raise _too_large(f"{len(entries)} dele i zip-arkivet")
        _check_names(entries)
        _check_layout(data, archive, entries)
        total = 0
        for info in entries:
            _check_declared(info, limits)
            total += info.file_size
        if total > limits.max_total_bytes:
            raise _too_large(f"pakker ud til {total / 1e6:.0f} MB")
        if file_type in ("xlsx", "xlsm"):
            names = {info.filename for info in entries}
            if "[Content_Types].xml" not in names:
                raise _corrupt("[Content_Types].xml mangler")
        scan = _WorkbookScan(file_type, limits)
        for info in entries:
            scan.part(info, _inflate(data, info))
        scan.finish()
        return GuardReport(has_formulas=scan.formulas, extents=scan.extents)


def check_zip_directory(data: bytes, limits: Limits) -> None:
    """Cheap checks of a zip's end record, before anything parses its central directory."""
    _check_end_record(data, limits)


def _check_end_record(data: bytes, limits: Limits) -> None:
    """One end-of-central-directory record, at the very end, announcing a bounded directory.

    Checked before Python's zipfile parses the directory (which builds an object per entry),
    and so that a reader that searches for the end record differently finds the same one.
    """
    at = data.rfind(_EOCD, max(0, len(data) - 65_557))
    if at < 0 or len(data) - at < 22:
        raise _corrupt("zip-arkivets slutning mangler")
    (_, _, _, _, count, cd_size, _, comment) = struct.unpack_from("<IHHHHIIH", data, at)
    if at + 22 + comment != len(data):
        raise _corrupt("data efter zip-arkivets slutning")
    if _EOCD in data[at + 22 :] or _EOCD64 in data[at + 22 :]:
        raise _corrupt("flere zip-slutninger")
    if (count == 0xFFFF or cd_size == 0xFFFFFFFF) and data[at - 20 : at - 16] == _EOCD64_LOCATOR:
        record = struct.unpack_from("<Q", data, at - 12)[0]
        if record + 56 > at or data[record : record + 4] != _EOCD64:
            raise _corrupt("ødelagt zip64-slutning")
        count, cd_size = struct.unpack_from("<QQ", data, record + 32)
    if count > limits.max_zip_entries:
        raise _too_large(f"{count} dele i zip-arkivet")
    if cd_size > limits.max_zip_entries * 1024:
        raise _too_large("zip-arkivets indholdsfortegnelse er for stor")


def _check_names(entries: list[zipfile.ZipInfo]) -> None:
    seen: set[str] = set()
    for info in entries:
        key = info.filename.casefold()
        if key in seen:  # a checker and a reader could each pick another one
            raise _corrupt(f"to dele hedder {info.filename}")
        seen.add(key)
        if info.flag_bits & 0x1:
            raise _corrupt(f"{info.filename} er krypteret")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _corrupt(f"{info.filename} bruger en ukendt komprimering ({info.compress_type})")


def _check_layout(data: bytes, archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> None:
    """Entries back to back from the start, then the central directory: no gaps, no overlaps.

    Excel, LibreOffice and every library write zips this way. It rules out overlapping
    entries (the "better zip bomb"), hidden data and a second archive inside the first.
    """
    position = 0
    for info in sorted(entries, key=lambda i: i.header_offset):
        if info.header_offset != position:
            raise _corrupt(f"{info.filename} ligger ikke hvor den skal i zip-arkivet")
        start = _data_start(data, info)
        end = start + info.compress_size
        if end > len(data):
            raise _corrupt(f"{info.filename} er afkortet")
        position = end
        if info.flag_bits & 0x8:  # a data descriptor follows the data: 12 to 24 bytes
            position = _skip_descriptor(data, end, info)
    start_dir = archive.start_dir  # type: ignore[attr-defined]
    if position != start_dir:
        raise _corrupt("uforklarede data i zip-arkivet")


def _data_start(data: bytes, info: zipfile.ZipInfo) -> int:
    offset = info.header_offset
    if data[offset : offset + 4] != b"PK\x03\x04" or offset + 30 > len(data):
        raise _corrupt(f"{info.filename}: ødelagt lokal header")
    name_length, extra_length = struct.unpack_from("<HH", data, offset + 26)
    name = data[offset + 30 : offset + 30 + name_length]
    flags = struct.unpack_from("<H", data, offset + 6)[0]
    decoded = name.decode("utf-8" if flags & 0x800 else "cp437", errors="replace")
    if decoded != info.orig_filename:
        raise _corrupt(f"{info.filename}: navnene i zip-arkivet er uens")
    return offset + 30 + name_length + extra_length


def _skip_descriptor(data: bytes, end: int, info: zipfile.ZipInfo) -> int:
    for length in (16, 24, 12, 20):  # with signature (zip32, zip64), then without
        if end + length > len(data):
            continue
        signed = data[end : end + 4] == b"PK\x07\x08"
        if signed != (length in (16, 24)):
            continue
        body = data[end + 4 : end + length] if signed else data[end : end + length]
        crc = struct.unpack_from("<I", body)[0]
        if crc == info.CRC:
            return end + length
    raise _corrupt(f"{info.filename}: ødelagt databeskrivelse")


def _check_declared(info: zipfile.ZipInfo, limits: Limits) -> None:
    if info.file_size > limits.max_entry_bytes:
        raise _too_large(f"{info.filename} pakker ud til {info.file_size / 1e6:.0f} MB")
    if (
        info.file_size > limits.inflate_grace_bytes
        and info.compress_size < info.file_size * limits.min_inflate_ratio
    ):
        raise _too_large(f"{info.filename} er mistænkeligt stærkt komprimeret (zip-bombe)")
    if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        raise _corrupt(f"{info.filename} har forkert størrelse")


def _inflate(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The entry's content in chunks, inflated here from its raw bytes, never past its
    declared size (already within the limits); then size and CRC checked."""
    start = _data_start(data, info)
    raw = memoryview(data)[start : start + info.compress_size]
    declared = info.file_size
    crc = 0
    seen = 0
    if info.compress_type == zipfile.ZIP_STORED:
        for at in range(0, len(raw), _CHUNK):
            chunk = bytes(raw[at : at + _CHUNK])
            crc = zlib.crc32(chunk, crc)
            seen += len(chunk)
            yield chunk
    else:
        inflater = zlib.decompressobj(-15)
        try:
            for at in range(0, len(raw), _CHUNK):
                pending = bytes(raw[at : at + _CHUNK])
                while pending and not inflater.eof:
                    chunk = inflater.decompress(pending, _CHUNK)
                    pending = inflater.unconsumed_tail
                    seen += len(chunk)
                    if seen > declared:
                        raise _corrupt(f"{info.filename} fylder mere end zip-arkivet angiver")
                    crc = zlib.crc32(chunk, crc)
                    if chunk:
                        yield chunk
                if inflater.eof:
                    break
            while not inflater.eof:  # output still held back by the inflater
                chunk = inflater.decompress(b"", _CHUNK)
                if not chunk:
                    break
                seen += len(chunk)
                if seen > declared:
                    raise _corrupt(f"{info.filename} fylder mere end zip-arkivet angiver")
                crc = zlib.crc32(chunk, crc)
                yield chunk
        except zlib.error as exc:
            raise _corrupt(f"{info.filename}: {exc}") from None
        if not inflater.eof:
            raise _corrupt(f"{info.filename} er afkortet")
    if seen != declared:
        raise _corrupt(f"{info.filename} har en anden størrelse end zip-arkivet angiver")
    if crc != info.CRC:
        raise _corrupt(f"{info.filename}: forkert kontrolsum")


# --- XML parts ----------------------------------------------------------------------------------

_UTF16 = (b"\xff\xfe<\x00", b"\xfe\xff\x00<", b"<\x00?\x00", b"\x00<\x00?")
_DECLARATION = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml\b([^>]*)\?>")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
_DTD = re.compile(rb"<!(?:doctype|entity)", re.IGNORECASE)
_REF = re.compile(r"^([A-Za-z]{1,3})([0-9]{1,7})$")
_CONTROL_TO_BLANK = bytes.maketrans(bytes([*range(0, 9), 11, 12, *range(14, 32)]), b" " * 29)
_ROW = re.compile(r"^[A-Za-z]{0,3}([0-9]{1,7})$")


class _Stop(Exception):
    """Raised inside expat handlers to stop parsing with a guard's verdict."""

    def __init__(self, error: UnreadableFileError) -> None:
        self.error = error


@dataclass
class _SheetState:
    """Where calamine's xlsx cell reader would be, replayed from the parse events."""

    active: bool = False
    done: bool = False
    row: int = 0
    col: int = 0
    cell_depth: int = 0
    cell: tuple[int, int] = (0, 0)
    cell_shared: bool = False
    cell_has_value: bool = False
    value_text: list[str] | None = None
    top: int = EXCEL_ROWS
    left: int = EXCEL_COLUMNS
    bottom: int = -1
    right: int = -1
    shared: array = field(default_factory=lambda: array("I"))


@dataclass
class _OdsState:
    """Where calamine's ods reader would be: cells and rows with their repeats multiplied out."""

    width: int = 0
    pending_cells: int = 0
    row_repeats: int = 1
    row_has_value: bool = False
    row_text: int = 0
    cell_repeats: int = 0
    cell_has_value: bool = False
    cell_text: int = 0
    in_cell: int = 0
    rows: int = 0
    pending_rows: int = 0
    started: bool = False
    max_width: int = 0
    pushed: int = 0
    text: int = 0


_ODS_VALUE_ATTRS = (
    "office:value",
    "office:string-value",
    "office:date-value",
    "office:time-value",
    "office:boolean-value",
    "office:value-type",
    "table:formula",
)


class _WorkbookScan:
    """Checks every XML part of a zip workbook as it streams by."""

    def __init__(self, file_type: str, limits: Limits) -> None:
        self.file_type = file_type
        self.limits = limits
        self.formulas = False
        self.string_lengths: array | None = None  # UTF-8 bytes of each shared string
        self.sheets: list[tuple[str, array]] = []
        self.extents: dict[str, tuple[int, int, int, int]] = {}

    def part(self, info: zipfile.ZipInfo, chunks: Iterator[bytes]) -> None:
        name = info.filename
        lowered = name.lower()
        xml_named = lowered.endswith((".xml", ".rels"))
        first = next(chunks, b"")
        if first.startswith(_UTF16):
            raise _corrupt(f"{name} er XML i UTF-16")
        stripped = first.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not stripped.startswith(b"<") or lowered.endswith(".vml"):
            # Not XML (images, printer settings, VBA) or VML, which Excel writes malformed;
            # readers never take either for a sheet. Stream the rest for its size and CRC.
            for _ in chunks:
                pass
            return
        declaration = _DECLARATION.match(first)
        if declaration:
            encoding = _ENCODING.search(declaration.group(1))
            if encoding and encoding.group(1).lower().replace(b"-", b"") != b"utf8":
                raise _corrupt(
                    f"{name} bruger tegnsættet {encoding.group(1).decode('ascii', 'replace')}"
                )
        parser = _PartParser(self, name, info.file_size)
        tail = b""
        malformed: str | None = None
        mentions_cells = False
        chunk = first
        while True:
            window = tail + chunk
            if _DTD.search(window):
                raise _unsafe(f"{name} indeholder en DOCTYPE- eller ENTITY-erklæring")
            if b"sheetData" in window or b"table:table" in window:
                mentions_cells = True
            if malformed is None:
                try:
                    parser.feed(chunk, final=False)
                except _Stop as stop:
                    raise stop.error from None
                except expat.ExpatError as exc:
                    malformed = str(exc)
            tail = window[-16:]
            chunk = next(chunks, None)
            if chunk is None:
                break
        if malformed is None:
            try:
                parser.feed(b"", final=True)
            except _Stop as stop:
                raise stop.error from None
            except expat.ExpatError as exc:
                malformed = str(exc)
        if malformed is not None and (xml_named or mentions_cells):
            # A reader's lenient parser could see cells where ours saw broken markup.
            raise _corrupt(f"{name}: ugyldig XML ({malformed[:80]})")
        try:
            parser.close()
        except _Stop as stop:
            raise stop.error from None

    def finish(self) -> None:
        if self.string_lengths is None:
            return
        lengths = self.string_lengths
        for name, indexes in self.sheets:
            total = 0
            for index in indexes:
                if index < len(lengths):
                    total += lengths[index]
            if total > self.limits.max_sheet_text_bytes:
                raise _too_large(f"{name} gentager delte tekster til {total / 1e6:.0f} MB")


class _PartParser:
    """An expat parser over one XML part, replaying what calamine would do with it."""

    def __init__(self, scan: _WorkbookScan, name: str, size: int) -> None:
        self.scan = scan
        self.limits = scan.limits
        self.name = name
        self.size = size
        self.ods = scan.file_type == "ods"
        self.sheet = _SheetState()
        self.table = _OdsState()
        self.in_si = 0
        self.si_length = 0
        self.lengths: array | None = None
        self.sheet_count = 0
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._entity
        parser.ExternalEntityRefHandler = self._external
        parser.StartElementHandler = self._start_ods if self.ods else self._start
        parser.EndElementHandler = self._end_ods if self.ods else self._end
        if self.ods:  # xlsx text is only looked at where needed (handler set on the way)
            parser.CharacterDataHandler = self._text_ods
        self.parser = parser

    def feed(self, chunk: bytes, final: bool) -> None:
        # Control characters are not allowed in XML, but sloppy writers put them in text and
        # calamine reads past them: as blanks they change no markup, and expat accepts them.
        self.parser.Parse(chunk.translate(_CONTROL_TO_BLANK), final)

    def close(self) -> None:
        if self.ods:
            return
        if self.lengths is not None:
            self.scan.string_lengths = self.lengths
        sheet = self.sheet
        if sheet.bottom >= 0:
            self._check_area(sheet.bottom - sheet.top + 1, sheet.right - sheet.left + 1)
            self.scan.extents[self.name] = (sheet.top, sheet.left, sheet.bottom, sheet.right)
        if len(sheet.shared):
            self.scan.sheets.append((self.name, sheet.shared))

    # -- refusals
    def _doctype(self, *args: object) -> None:
        raise _Stop(_unsafe(f"{self.name} indeholder en DOCTYPE-erklæring"))

    def _entity(self, *args: object) -> None:
        raise _Stop(_unsafe(f"{self.name} indeholder en ENTITY-erklæring"))

    def _external(self, *args: object) -> int:
        raise _Stop(_unsafe(f"{self.name} henviser til en ekstern entitet"))

    def _check_area(self, rows: int, columns: int) -> None:
        if rows * columns > self.limits.max_sheet_cells:
            raise _Stop(_too_large(f"{self.name} spænder over {rows} rækker og {columns} kolonner"))

    # -- xlsx: calamine's cell reader, event by event (it expands <x/> into start + end)
    def _start(self, name: str, attrs: dict[str, str]) -> None:
        local = _LOCAL.get(name) or _local(name)
        sheet = self.sheet
        if sheet.cell_depth:
            if local == "c" or local == "row" or local == "sheetData":
                raise _Stop(_corrupt(f"{self.name}: <{local}> inde i en celle"))
            sheet.cell_depth += 1
            if local == "v" or local == "is":
                sheet.cell_has_value = True
                if local == "v" and sheet.cell_shared:
                    sheet.value_text = []
                    self.parser.CharacterDataHandler = self._text
            elif local == "f":
                self.scan.formulas = True
            return
        if sheet.active:
            if local == "c":
                ref = attrs.get("r")
                if ref is not None:
                    row, col = _cell_position(ref)
                    if row < 0:
                        raise _Stop(
                            _corrupt(f"{self.name}: cellen {ref[:20]!r} findes ikke i Excel")
                        )
                    sheet.col = col
                else:
                    row, col = sheet.row, sheet.col
                if row >= EXCEL_ROWS or col >= EXCEL_COLUMNS:
                    raise _Stop(_corrupt(f"{self.name} har celler uden for Excels grænser"))
                sheet.cell = (row, col)
                sheet.cell_depth = 1
                sheet.cell_shared = attrs.get("t") == "s"
                sheet.cell_has_value = False
            elif local == "row":
                ref = attrs.get("r")
                if ref is not None:
                    match = _ROW.match(ref)
                    if not match or not 1 <= int(match.group(1)) <= EXCEL_ROWS:
                        raise _Stop(
                            _corrupt(f"{self.name}: rækken {ref[:20]!r} findes ikke i Excel")
                        )
                    sheet.row = int(match.group(1)) - 1
            return
        if local == "sheetData":
            if not sheet.done:
                sheet.active = True
        elif local == "sheet":  # workbook.xml lists the sheets; each is read on its own
            self.sheet_count += 1
            if self.sheet_count > self.limits.max_sheets:
                raise _Stop(_too_large(f"{self.sheet_count} ark eller flere"))
        elif local == "sst":
            self._check_string_count(attrs)
            self.lengths = array("I")
        elif local == "si" and self.lengths is not None:
            self.in_si += 1
            if self.in_si == 1:
                self.si_length = 0
                self.parser.CharacterDataHandler = self._text

    def _end(self, name: str) -> None:
        sheet = self.sheet
        if sheet.cell_depth:
            sheet.cell_depth -= 1
            if sheet.cell_depth == 0:
                sheet.col += 1
                if sheet.cell_has_value:
                    row, col = sheet.cell
                    if row < sheet.top:
                        sheet.top = row
                    if row > sheet.bottom:
                        sheet.bottom = row
                    if col < sheet.left:
                        sheet.left = col
                    if col > sheet.right:
                        sheet.right = col
            elif sheet.cell_depth == 1 and sheet.cell_shared and sheet.value_text is not None:
                self.parser.CharacterDataHandler = None
                text = "".join(sheet.value_text).strip()
                sheet.value_text = None
                if text.isdigit() and len(text) < 10:
                    sheet.shared.append(int(text))
                    if len(sheet.shared) > 4 * self.limits.max_sheet_cells:
                        raise _Stop(_too_large(f"{self.name} har for mange celler"))
            return
        local = _LOCAL.get(name) or _local(name)
        if sheet.active:
            if local == "row":
                sheet.row += 1
                sheet.col = 0
                if sheet.row > EXCEL_ROWS:
                    raise _Stop(_corrupt(f"{self.name} har rækker uden for Excels grænser"))
            elif local == "sheetData":
                sheet.active = False
                sheet.done = True
        elif local == "si" and self.in_si:
            self.in_si -= 1
            if self.lengths is not None and not self.in_si:
                self.parser.CharacterDataHandler = None
                self.lengths.append(min(self.si_length, 0xFFFFFFFF))

    def _text(self, data: str) -> None:
        if self.in_si:
            self.si_length += len(data.encode("utf-8"))
        elif self.sheet.value_text is not None:
            self.sheet.value_text.append(data)

    def _check_string_count(self, attrs: dict[str, str]) -> None:
        # calamine reserves room for uniqueCount strings up front (24 bytes each): a
        # declared 4 billion aborts the process. A shared string takes >= 8 bytes of XML.
        for key in ("uniqueCount",):
            value = attrs.get(key, "0").strip()
            if not value.isdigit() or int(value) > self.size // 8 + 1024:
                raise _Stop(_corrupt(f"{self.name} angiver {value[:20]} delte tekster"))

    # -- ods: calamine's ods reader, with every repeat multiplied out
    def _start_ods(self, name: str, attrs: dict[str, str]) -> None:
        local = name.partition(":")[2] or name
        table = self.table
        if table.in_cell:
            table.in_cell += 1
            if local == "s":
                table.cell_text += self._count(attrs, "text:c", 1)
                table.cell_has_value = True
            return
        if local == "table":
            self.table = _OdsState()
            self.sheet_count += 1
            if self.sheet_count > self.limits.max_sheets:
                raise _Stop(_too_large(f"{self.sheet_count} ark eller flere"))
        elif local == "table-row":
            table.width = table.pending_cells = table.row_text = 0
            table.row_repeats = self._count(attrs, "table:number-rows-repeated", 1)
            table.row_has_value = False
        elif local in ("table-cell", "covered-table-cell"):
            table.in_cell = 1
            table.cell_repeats = self._count(attrs, "table:number-columns-repeated", 1)
            table.cell_has_value = any(key in attrs for key in _ODS_VALUE_ATTRS)
            table.cell_text = sum(len(attrs.get(k, "")) for k in _ODS_VALUE_ATTRS)
            # calamine fills in the previous empty run as soon as another cell follows
            table.width += table.pending_cells
            table.pushed += table.pending_cells
            table.pending_cells = 0

    def _end_ods(self, name: str) -> None:
        local = name.partition(":")[2] or name
        table = self.table
        limits = self.limits
        if table.in_cell:
            table.in_cell -= 1
            if table.in_cell:
                return
            if table.cell_has_value or table.cell_text:
                table.width += table.cell_repeats
                table.pushed += table.cell_repeats
                table.row_text += table.cell_text * table.cell_repeats
                table.row_has_value = True
            else:
                table.pending_cells = table.cell_repeats
            if table.width > EXCEL_COLUMNS * 64 or table.pushed > limits.max_sheet_cells:
                raise _Stop(_too_large(f"{self.name}: en række fylder {table.width} celler"))
            if table.row_text > limits.max_sheet_text_bytes:
                raise _Stop(_too_large(f"{self.name} gentager tekst til for meget"))
            return
        if local == "table-row":
            if table.row_has_value:
                if table.started:
                    table.rows += table.pending_rows
                table.started = True
                table.pending_rows = 0
                table.rows += table.row_repeats
                table.max_width = max(table.max_width, table.width)
                table.text += table.row_text * table.row_repeats
                self._check_area(table.rows, table.max_width)
                if table.text > limits.max_sheet_text_bytes:
                    raise _Stop(_too_large(f"{self.name} gentager tekst til for meget"))
            else:
                table.pending_rows += table.row_repeats

    def _text_ods(self, data: str) -> None:
        if self.table.in_cell:
            self.table.cell_text += len(data)
            if data.strip():
                self.table.cell_has_value = True

    def _count(self, attrs: dict[str, str], key: str, default: int) -> int:
        value = attrs.get(key)
        if value is None:
            return default
        value = value.strip()
        if not value.isdigit() or len(value) > 12:
            raise _Stop(_corrupt(f"{self.name}: {key}={value[:20]!r}"))
        return int(value)


def _column_number(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number


_LOCAL: dict[str, str] = {}


def _local(name: str) -> str:
    """An element's local name as quick-xml takes it: after the first colon."""
    local = name.partition(":")[2] or name
    if len(_LOCAL) < 10_000:
        _LOCAL[name] = local
    return local


_COLUMNS: dict[str, int] = {}


def _cell_position(ref: str) -> tuple[int, int]:
    """0-based (row, col) of an A1 reference as calamine reads it; (-1, -1) if it reads none."""
    match = _REF.match(ref)
    if not match:
        return -1, -1
    letters = match.group(1)
    col = _COLUMNS.get(letters)
    if col is None:
        col = _column_number(letters) - 1
        if len(_COLUMNS) < 100_000:
            _COLUMNS[letters] = col
    return int(match.group(2)) - 1, col


# --- xls: OLE compound file, then BIFF records ---------------------------------------------------

_FREE, _END = 0xFFFFFFFF, 0xFFFFFFFE
_CELL_RECORDS = {0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x0006, 0x00D6}
_MULRK = 0x00BD


def cfb_streams(data: bytes) -> dict[str, tuple[int, int]]:
    """The root-level entries of an OLE compound file: name -> (type, size). Raises file-corrupt."""
    return _Cfb(data).entries


def _check_xls(data: bytes, limits: Limits) -> None:
    cfb = _Cfb(data)
    for name in ("Workbook", "Book"):
        if name in cfb.entries:
            _check_biff(cfb.read(name), limits)
            return
    raise UnreadableFileError("file-not-spreadsheet", "et andet Office-dokument")


class _Cfb:
    """A compound file's sector tables and directory, walked with bound and cycle checks."""

    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or not data.startswith(_OLE_MAGIC):
            raise _corrupt("ødelagt OLE-fil")
        shift, mini_shift = struct.unpack_from("<HH", data, 30)
        if shift not in (9, 12) or mini_shift != 6:
            raise _corrupt("ødelagt OLE-fil (sektorstørrelse)")
        self.data = data
        self.size = size = 1 << shift
        self.count = count = max(0, (len(data) - size + size - 1) // size)
        (
            dir_count,
            fat_count,
            first_dir,
            _,
            cutoff,
            first_mini,
            mini_count,
            first_difat,
            difat_count,
        ) = struct.unpack_from("<9I", data, 40)
        for value in (dir_count, fat_count, mini_count, difat_count):
            if value > count:  # calamine reserves room for these counts
                raise _corrupt("ødelagt OLE-fil (tabeller)")
        self.cutoff = cutoff
        difat = list(struct.unpack_from("<109I", data, 76))
        sector, steps = first_difat, 0
        while sector not in (_FREE, _END):
            steps += 1
            if steps > count:
                raise _corrupt("ødelagt OLE-fil (DIFAT-løkke)")
            ids = struct.unpack(f"<{size // 4}I", self._sector(sector))
            difat.extend(ids[:-1])
            sector = ids[-1]
        fat = array("I")
        for sector in difat:
            if sector != _FREE:
                fat.frombytes(self._sector(sector))
        if len(fat) > count * 2 + 1024:
            raise _corrupt("ødelagt OLE-fil (FAT)")
        self.fat = fat
        directory = self._chain(first_dir, self.fat, self._sector, None)
        self.entries: dict[str, tuple[int, int]] = {}
        self.starts: dict[str, int] = {}
        for at in range(0, len(directory) - 127, 128):
            raw = directory[at : at + 128]
            name_length = min(struct.unpack_from("<H", raw, 64)[0], 64)
            name = raw[: max(0, name_length - 2)].decode("utf-16-le", "replace")
            start = struct.unpack_from("<I", raw, 116)[0]
            length = struct.unpack_from("<Q" if size == 4096 else "<I", raw, 120)[0]
            # calamine finds a stream by name, first match, whatever the entry's type
            self.entries.setdefault(name, (raw[66], length))
            self.starts.setdefault(name, start)
            if at == 0:
                root_start, root_size = start, length
        if not self.entries:
            raise _corrupt("ødelagt OLE-fil (tom mappe)")
        if root_size > len(data):
            raise _corrupt("ødelagt OLE-fil (ministrøm)")
        self.mini_stream = self._chain(root_start, fat, self._sector, root_size)
        self.mini_fat = array("I")
        if first_mini != _END:
            self.mini_fat.frombytes(self._chain(first_mini, fat, self._sector, None))

    def _sector(self, sector: int) -> bytes:
        if sector >= self.count:
            raise _corrupt("ødelagt OLE-fil (sektor uden for filen)")
        start = self.size * (sector + 1)
        return self.data[start : start + self.size].ljust(self.size, b"\0")

    def _mini_sector(self, sector: int) -> bytes:
        start = sector * 64
        if start + 64 > len(self.mini_stream):
            raise _corrupt("ødelagt OLE-fil (ministrøm)")
        return self.mini_stream[start : start + 64]

    def _chain(self, start: int, table: array, read: object, length: int | None) -> bytes:
        """A sector chain followed to its end, as calamine does (not just `length` bytes)."""
        parts: list[bytes] = []
        seen: set[int] = set()
        sector = start
        while sector != _END:
            if sector in seen or sector >= len(table):
                raise _corrupt("ødelagt OLE-fil (sektorkæde)")
            seen.add(sector)
            parts.append(read(sector))  # type: ignore[operator]
            sector = table[sector]
        blob = b"".join(parts)
        if length is not None:
            if len(blob) < length:
                raise _corrupt("ødelagt OLE-fil (afkortet strøm)")
            blob = blob[:length]
        return blob

    def read(self, name: str) -> bytes:
        """A stream's content (its whole sector chain checked, as calamine reads it)."""
        _, length = self.entries[name]
        if length > len(self.data):  # a stream lives inside the file
            raise _corrupt(f"ødelagt OLE-fil ({name} er for stor)")
        start = self.starts[name]
        if length == 0:
            return b""
        if length < self.cutoff:
            return self._chain(start, self.mini_fat, self._mini_sector, length)
        return self._chain(start, self.fat, self._sector, length)


def _records(stream: bytes, start: int) -> Iterator[tuple[int, int, int]]:
    """(type, data offset, data length) of the BIFF records from `start` to EOF or the end."""
    at = start
    while at + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, at)
        if at + 4 + length > len(stream):
            return
        yield kind, at + 4, length
        if kind == 0x000A:
            return
        at += 4 + length


def _check_biff(stream: bytes, limits: Limits) -> None:
    """Bound every sheet's DIMENSIONS and cell rectangle, as calamine's xls reader reads them."""
    sheets: list[int] = []
    strings: list[int] = []
    sst: list[bytes] | None = None
    for kind, at, length in _records(stream, 0):
        if sst is not None:  # the shared strings and the CONTINUE records after them
            if kind == 0x003C:
                sst.append(stream[at : at + length])
                continue
            strings = _sst_lengths(sst)
            sst = None
        if kind == 0x0085 and length >= 4:
            sheets.append(struct.unpack_from("<I", stream, at)[0])
        elif kind == 0x002F and length >= 2 and struct.unpack_from("<H", stream, at)[0] != 0:
            raise UnreadableFileError("file-encrypted")
        elif kind == 0x00FC:
            sst = [stream[at + 8 : at + length]]
    if len(sheets) > limits.max_sheets:
        raise _too_large(f"{len(sheets)} ark")
    for number, position in enumerate(sheets, 1):
        if position >= len(stream):
            raise _corrupt(f"ark {number} ligger uden for filen")
        top = left = 1 << 32
        bottom = right = -1
        text = 0  # every LABELSST cell gets its own copy of the shared string
        for kind, at, length in _records(stream, position):
            if kind == 0x00FD and length >= 10:
                index = struct.unpack_from("<I", stream, at + 6)[0]
                text += strings[index] if index < len(strings) else 0
                if text > limits.max_sheet_text_bytes:
                    raise _too_large(f"ark {number} gentager delte tekster til for meget")
            if kind == 0x0200:
                rows, cols = _dimensions(stream[at : at + length])
                if rows * cols > limits.max_sheet_cells:
                    raise _too_large(f"ark {number} angiver {rows} rækker og {cols} kolonner")
                continue
            if kind in _CELL_RECORDS and length >= 4:
                row, col = struct.unpack_from("<HH", stream, at)
                last = col
            elif kind == _MULRK and length >= 6:
                row, col = struct.unpack_from("<HH", stream, at)
                last = col + max(0, (length - 6) // 6 - 1)
            else:
                continue
            top, bottom = min(top, row), max(bottom, row)
            left, right = min(left, col), max(right, last)
        if bottom >= 0:
            rows, cols = bottom - top + 1, right - left + 1
            if rows * cols > limits.max_sheet_cells:
                raise _too_large(f"ark {number} spænder over {rows} rækker og {cols} kolonner")


def _sst_lengths(segments: list[bytes]) -> list[int]:
    """The size (UTF-8 bytes, at most) of each string of an SST record and its CONTINUEs.

    Follows calamine's reading: a string's characters may run on into the next CONTINUE
    record, which then starts with a new flags byte; formatting runs and extended data are
    skipped. Stops quietly where the data ends or makes no sense (calamine errs there too).
    """
    lengths: list[int] = []
    index, at = 0, 0
    data = segments[0]

    def advance() -> bool:
        nonlocal index, at, data
        if index + 1 >= len(segments):
            return False
        index, at, data = index + 1, 0, segments[index + 1]
        return True

    def skip(count: int) -> bool:
        nonlocal at
        while count > 0:
            step = min(count, len(data) - at)
            at += step
            count -= step
            if count and not advance():
                return False
        return True

    while len(lengths) < 1 << 20:
        if at >= len(data) and not advance():
            break
        if at + 3 > len(data):
            break
        cch, flags = struct.unpack_from("<HB", data, at)
        at += 3
        runs = extended = 0
        if flags & 0x8:
            if at + 2 > len(data):
                break
            runs = struct.unpack_from("<H", data, at)[0]
            at += 2
        if flags & 0x4:
            if at + 4 > len(data):
                break
            extended = struct.unpack_from("<i", data, at)[0]
            at += 4
        wide = flags & 0x1
        left = cch
        while left > 0:
            fits = (len(data) - at) // (2 if wide else 1)
            take = min(left, fits)
            at += take * (2 if wide else 1)
            left -= take
            if left:
                if not advance() or at >= len(data):
                    break
                wide = data[at] & 0x1
                at += 1
        lengths.append(cch * 3)
        if left or not skip(runs * 4) or not skip(max(0, extended)):
            break
    return lengths


def _dimensions(data: bytes) -> tuple[int, int]:
    """Rows and columns a DIMENSIONS record makes calamine reserve (u32 arithmetic, as in Rust)."""
    if len(data) == 10:
        first_row, last_row, first_col, last_col = struct.unpack_from("<HHHH", data)
    elif len(data) == 14:
        first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", data)
    else:
        return 1, 1
    if last_row < 1 or last_col < 1:
        return 1, 1
    rows = (last_row - 1 - first_row + 1) % (1 << 32)
    cols = (last_col - 1 - first_col + 1) % (1 << 32)
    return rows, cols
