"""XML parts: no DTDs or entities, and the cells a reader would fill bounded before it reads."""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.parsers import expat

from xlbudget.config import Limits
from xlbudget.errors import UnreadableFileError
from xlbudget.guards._common import EXCEL_COLUMNS, EXCEL_ROWS, _corrupt, _too_large, _unsafe
from xlbudget.guards.zipdir import Entry

# --- XML parts ----------------------------------------------------------------------------------

_UTF16 = (b"\xff\xfe<\x00", b"\xfe\xff\x00<", b"<\x00?\x00", b"\x00<\x00?")
_DECLARATION = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml\b([^>]*)\?>")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
# Declarations that change what a parser makes of the text: entities (billion laughs, XXE),
# attribute defaults, or a DOCTYPE with an internal subset to hold them. A bare DOCTYPE line
# (LibreOffice's Basic parts, some exporters) declares nothing and is let through.
_DTD = re.compile(rb"<!(?:entity|attlist|element|notation)\b|<!doctype[^>\[]*\[", re.IGNORECASE)
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


# The fast path: regular expressions over a whole part, for the common case of a well-formed
# form whose every cell carries its r attribute. Anything it cannot settle goes to the exact
# (expat) path; it only ever bounds more than calamine fills, never less.
FAST_PART_BYTES = 4 << 20
# every cell start tag, with its r attribute's letters and digits when it has a valid one
_C_ANY = re.compile(
    rb"""<(?:\w+:)?c(?=[\s/>])(?:[^>]*?\sr\s*=\s*["']([A-Za-z]{1,3})([0-9]{1,7})["'])?"""
)
_F_TAG = re.compile(rb"<(?:\w+:)?f[\s/>]")
# A formula followed at once by its saved result, as Excel and xlsxwriter write them (openpyxl
# saves none): a <v> holding more than blanks. Each match starts at an <f that _F_TAG counts.
_F_SAVED = re.compile(
    rb"<(?:\w+:)?f(?:\s[^>]*)?(?:/>|>[^<]*</(?:\w+:)?f\s*>)"
    rb"\s*<(?:\w+:)?v(?:\s[^>]*)?>\s*[^<\s][^<]*</(?:\w+:)?v\s*>"
)
_S_TYPE = re.compile(rb"""\bt\s*=\s*["']s["']""")
_SHARED_V = re.compile(
    rb"""<(?:\w+:)?c\s[^>]*?\bt\s*=\s*["']s["'][^>]*>\s*<(?:\w+:)?v>\s*([0-9]{1,9})\s*</"""
)
_SST = re.compile(rb"<(?:\w+:)?sst[\s>]")
_UNIQUE = re.compile(rb"""\buniqueCount\s*=\s*["']([^"']*)["']""")
_SI_OPEN = re.compile(rb"<(?:\w+:)?si[\s/>]")
# <si/>, or <si ...> up to the first </si> (written without a lazy .*?, which is slower)
_SI = re.compile(
    rb"<(?:\w+:)?si(?:\s*/>|[\s>][^<]*(?:<(?!/(?:\w+:)?si\s*>)[^<]*)*</(?:\w+:)?si\s*>)"
)
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet[\s/>]")
# The same patterns for a part without any prefixed element of that name (no ":c", ":si"
# in it at all): with a literal start, the regular expression engine skips ahead faster.
_C_PLAIN = re.compile(rb"""<c(?=[\s/>])(?:[^>]*?\sr\s*=\s*["']([A-Za-z]{1,3})([0-9]{1,7})["'])?""")
_SHARED_V_PLAIN = re.compile(
    rb"""<c\s[^>]*?\bt\s*=\s*["']s["'][^>]*>\s*<(?:\w+:)?v>\s*([0-9]{1,9})\s*</"""
)
_SI_OPEN_PLAIN = re.compile(rb"<si[\s/>]")
_SI_PLAIN = re.compile(rb"<si(?:\s*/>|[\s>][^<]*(?:<(?!/si\s*>)[^<]*)*</si\s*>)")


class _WorkbookScan:
    """Checks every XML part of a zip workbook as it streams by."""

    def __init__(self, file_type: str, limits: Limits, exact: bool = False) -> None:
        self.file_type = file_type
        self.limits = limits
        self.exact = exact or file_type == "ods"
        self.workbook_xml: bytes | None = None
        self.formulas = False  # a formula that may lack its saved result
        self.string_lengths: array | None = None  # UTF-8 bytes of each shared string
        self.sheets: list[tuple[str, array]] = []
        self.extents: dict[str, tuple[int, int, int, int]] = {}

    def part_alone(self, info: Entry, chunks: Iterator[bytes]) -> tuple[bytes | None] | None:
        """part(), and if the part left nothing behind but perhaps the workbook part's content,
        that: (the content it set, or None), which replayed gives the same outcome; else None."""
        workbook, formulas = self.workbook_xml, self.formulas
        extents, sheets, strings = len(self.extents), len(self.sheets), self.string_lengths
        self.formulas = False  # what this part finds, whatever the others found
        try:
            self.part(info, chunks)
        finally:
            found, self.formulas = self.formulas, formulas or self.formulas
        if found or len(self.extents) != extents or len(self.sheets) != sheets:
            return None
        if self.string_lengths is not strings:
            return None
        return (self.workbook_xml if self.workbook_xml is not workbook else None,)

    def replay(self, effect: tuple[bytes | None]) -> None:
        """What part_alone() returned for a part of the same bytes, in place of checking it."""
        if effect[0] is not None:
            self.workbook_xml = effect[0]

    def part(self, info: Entry, chunks: Iterator[bytes]) -> None:
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
        if not self.exact and info.file_size <= FAST_PART_BYTES:
            first += b"".join(chunks)  # inflated to the end: its size and CRC are checked
            if self._fast(name, first):
                return
            chunks = iter(())
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

    def _fast(self, name: str, data: bytes) -> bool:
        """Settle a whole part by pattern; False when only the exact parse can."""
        # every DTD or entity declaration holds a "!": one byte is found far quicker (memchr)
        if b"!" in data and _DTD.search(data):
            raise _unsafe(f"{name} indeholder en DOCTYPE- eller ENTITY-erklæring")
        if b"sheetData" in data:
            return self._fast_sheet(name, data)
        head = data[:4096]
        if _SST.search(head):
            unique = _UNIQUE.search(head)
            value = unique.group(1).strip() if unique else b"0"
            if not value.isdigit() or int(value) > len(data) // 8 + 1024:
                raise _corrupt(
                    f"{name} angiver {value[:20].decode('ascii', 'replace')} delte tekster"
                )
            plain = b":si" not in data
            strings = (_SI_PLAIN if plain else _SI).findall(data)
            # Each string found starts at its own <si start tag, and each of those at its own
            # "<si": as many of those as strings, and no start tag was passed over (counted
            # far quicker than the pattern finds them, one match object at a time).
            if len(strings) != data.count(b"<si" if plain else b"si") and len(strings) != len(
                (_SI_OPEN_PLAIN if plain else _SI_OPEN).findall(data)
            ):
                return False
            lengths = list(map(len, strings))
            if lengths and max(lengths) > 0xFFFFFFFF:
                lengths = [min(length, 0xFFFFFFFF) for length in lengths]
            self.string_lengths = array("I", lengths)
            return True
        if name.lower().endswith("workbook.xml"):  # the part that lists the sheets
            self.workbook_xml = data
            sheets = len(_SHEET_TAG.findall(data))
            if sheets > self.limits.max_sheets:
                raise _too_large(f"{sheets} ark eller flere")
        return True

    def _fast_sheet(self, name: str, data: bytes) -> bool:
        plain = b":c" not in data
        cells = (_C_PLAIN if plain else _C_ANY).findall(data)
        if cells:
            letters, digits = zip(*cells, strict=True)
            if b"" in digits:
                return False  # cells without r: only the exact parse knows their positions
            rows = list(map(int, digits))
            columns = [_column_number(name.decode("ascii")) - 1 for name in set(letters)]
            top, bottom = min(rows) - 1, max(rows) - 1
            left, right = min(columns), max(columns)
            if top < 0 or bottom >= EXCEL_ROWS or right >= EXCEL_COLUMNS:
                raise _corrupt(f"{name} har celler uden for Excels grænser")
            if (bottom - top + 1) * (right - left + 1) > self.limits.max_sheet_cells:
                return False  # maybe only empty styled cells out there: let the exact parse judge
        # Every t="s" (any spacing, any quotes) holds its own "s", 's', "s' or 's" and each
        # found below holds one: when there are no more of those than found, none was missed
        # (and with none at all, as in openpyxl's sheets, there is nothing to look for).
        quoted = data.count(b'"s"')
        if b"'" in data:
            quoted += data.count(b"'s'") + data.count(b"\"s'") + data.count(b"'s\"")
        shared = (_SHARED_V_PLAIN if plain else _SHARED_V).findall(data) if quoted else []
        if quoted != len(shared) and len(shared) != len(_S_TYPE.findall(data)):
            return False
        if cells:
            self.extents[name] = (top, left, bottom, right)
        if shared:
            self.sheets.append((name, array("I", map(int, shared))))
        if not self.formulas and (b"<f" in data or b":f" in data):  # else no <f> nor <x:f>
            # every formula with its result saved: nothing for the reader to compute
            self.formulas = len(_F_TAG.findall(data)) != len(_F_SAVED.findall(data))
        return True

    def finish(self) -> None:
        if self.string_lengths is None:
            return
        lengths = self.string_lengths
        count = len(lengths)
        for name, indexes in self.sheets:
            # every index that names a string (count > index), the lengths summed
            total = sum(map(lengths.__getitem__, filter(count.__gt__, indexes)))
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
    def _doctype(self, name: str, system: str | None, public: str | None, subset: int) -> None:
        if subset:  # declarations inside: entities or attribute defaults
            raise _Stop(_unsafe(f"{self.name} indeholder en DOCTYPE-erklæring med indhold"))

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
