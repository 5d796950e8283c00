"""Legacy .xls (OLE compound file with BIFF8 records): tables, sheets and strings bounded."""

from __future__ import annotations

import struct
from array import array
from collections.abc import Iterable, Iterator

from xlbudget.config import Limits
from xlbudget.errors import UnreadableFileError
from xlbudget.guards._common import _OLE_MAGIC, _corrupt, _too_large

# --- xls: OLE compound file, then BIFF records ---------------------------------------------------

_FREE, _END = 0xFFFFFFFF, 0xFFFFFFFE
_CELL_RECORDS = {0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x0006, 0x00D6}
_MULRK = 0x00BD


# The names calamine finds a workbook stream under, in the order it tries them (it reads the
# first one there is). No other spelling: a "workbook" or "WorkBook" stream it does not find.
WORKBOOK_STREAMS = ("Workbook", "Book", "WORKBOOK", "BOOK")


def cfb_streams(data: bytes) -> dict[str, tuple[int, int]]:
    """The root-level entries of an OLE compound file: name -> (type, size). Raises file-corrupt."""
    return _Cfb(data).entries


def workbook_stream(names: Iterable[str]) -> str | None:
    """The stream calamine reads the workbook from, or None when there is no workbook.

    Raises file-corrupt for a workbook stream spelled in a way calamine does not look for
    (it would fail with "Cannot detect file format").
    """
    present = set(names)
    for name in WORKBOOK_STREAMS:
        if name in present:
            return name
    for name in present:
        if name.casefold() in ("workbook", "book"):
            raise _corrupt(f'regnearket ligger under et navn, som ikke kan læses ("{name}")')
    return None


def _check_xls(data: bytes, limits: Limits) -> None:
    cfb = _Cfb(data)
    name = workbook_stream(cfb.entries)
    if name is None:
        raise UnreadableFileError("file-not-spreadsheet", "et andet Office-dokument")
    _check_biff(cfb.read(name), limits)


# --- Excel before 1995: a bare BIFF stream, no OLE container ------------------------------------

# BOF record ids: BIFF2, BIFF3, BIFF4 (also an Excel 4 workbook), BIFF5 and later
_RAW_BOFS = (0x0009, 0x0209, 0x0409, 0x0809)
# BOF substream types: workbook globals, VB module, sheet, chart, Excel 4 macro sheet, Excel 4
# workbook (BIFF4W)
_BOF_TYPES = (0x0005, 0x0006, 0x0010, 0x0020, 0x0040, 0x0100)
_MACRO_SHEET = 0x0040


def old_excel(data: bytes) -> str | None:
    """The file-old-format detail for a file that is a bare BIFF stream, else None.

    Excel 2, 3 and 4 saved a sheet (or an Excel 4 workbook) as BIFF records straight into
    the file; from Excel 5 on they sit inside an OLE compound file. calamine reads only the
    latter ("Cannot detect file format" for the former).
    """
    if len(data) < 8:
        return None
    kind, length, _, sheet_type = struct.unpack_from("<HHHH", data)
    if kind not in _RAW_BOFS or not 4 <= length <= 20 or sheet_type not in _BOF_TYPES:
        return None
    if sheet_type == _MACRO_SHEET:
        return "Excel 4-makroark"
    if kind == 0x0809:  # BIFF5 or BIFF8 records without the container Excel puts them in
        return "Excel-data uden .xls-filstruktur"
    return "Excel 2–4 (før 1995)"


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
        # calamine follows the directory's chain to ENDOFCHAIN (whatever the header counts)
        directory = self._chain(first_dir, fat, self._sector, None)
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
            self.mini_fat.frombytes(
                self._chain(first_mini, fat, self._sector, None, mini_count * size)
            )

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

    def _chain(
        self, start: int, table: array, read: object, length: int | None, enough: int | None = None
    ) -> bytes:
        """A sector chain followed to its end (not just `length` bytes), bounded, no cycles.

        calamine stops reading a chain once it holds the bytes it wants: `enough` (default
        `length`; for the mini FAT the sectors the header counts). There a chain may end in
        FREESECT instead of ENDOFCHAIN (some writers end the root storage's chain so;
        calamine reads such files). A chain with nothing to stop at (the directory) calamine
        follows to ENDOFCHAIN, and fails at a FREESECT: refused here too.
        """
        want = length if enough is None else enough
        parts: list[bytes] = []
        seen: set[int] = set()
        got = 0
        sector = start
        while sector != _END:
            if sector == _FREE and want and got >= want:
                break
            if sector in seen or sector >= len(table):
                raise _corrupt("ødelagt OLE-fil (sektorkæde)")
            seen.add(sector)
            block = read(sector)  # type: ignore[operator]
            parts.append(block)
            got += len(block)
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
    """Bound every sheet's DIMENSIONS and cell rectangle, as calamine's xls reader reads them.

    First refuses an encrypted or obfuscated workbook and one in a code page calamine cannot
    decode: their records would otherwise be read (and bounded) as noise.
    """
    sheets: list[int] = []
    strings: list[int] = []
    codepages: list[int] = []
    sst: list[bytes] | None = None
    globals_end = 0
    for kind, at, length in _records(stream, 0):
        globals_end = at + length
        if sst is not None:  # the shared strings and the CONTINUE records after them
            if kind == 0x003C:
                sst.append(stream[at : at + length])
                continue
            strings = _sst_lengths(sst)
            sst = None
        if kind == 0x0085 and length >= 4:
            sheets.append(struct.unpack_from("<I", stream, at)[0])
        elif kind == 0x0042 and length >= 2:
            codepages.append(struct.unpack_from("<H", stream, at)[0])
        elif kind == 0x00FC:
            sst = [stream[at + 8 : at + length]]
    if _file_pass(stream, max(globals_end, min(sheets, default=0))):
        raise UnreadableFileError("file-encrypted")
    for codepage in codepages:  # calamine decodes with each in turn: one it lacks fails
        if codepage not in _READABLE_CODEPAGES:
            raise UnreadableFileError("file-old-format", _codepage_detail(codepage))
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


def _file_pass(stream: bytes, end: int) -> bool:
    """Whether a FILEPASS record starts before `end` (the first sheet's BOF, at the earliest
    the end of the workbook globals): the workbook is encrypted (RC4) or obfuscated (XOR).

    calamine refuses only the RC4 kinds (PasswordError); an XOR-obfuscated workbook (type 0,
    and every BIFF5 one) it reads as if plain, its record contents noise: a DIMENSIONS
    record of 4 billion rows, strings of garbage. Record headers stay plain in both.
    """
    at, end = 0, min(end, len(stream))
    while at + 4 <= end:
        kind, length = struct.unpack_from("<HH", stream, at)
        if kind == 0x002F:
            return True
        at += 4 + length
    return False


# The CODEPAGE values calamine 0.37 (python-calamine 0.9.1) decodes, found by reading a small
# workbook with each of the 65,536: for any other the whole file fails ("Cannot detect file
# format"): the DOS code pages (437, 850, 865, ...), Excel's own Mac (32768) and Windows
# (32769) values of old files, US-ASCII (367, 20127).
_READABLE_CODEPAGES = frozenset(
    {
        *(866, 874, 932, 936, 949, 950, 951, 1200, 1201),
        *range(1250, 1259),
        *(10000, 10007, 10017, 20866, 20932, 20936, 20949, 21010, 21866),
        *range(28591, 28602),
        *range(28603, 28607),
        *(38598, 50220, 50221, 50222, 50225, 50227, 51936, 51949, 52936, 54936, 65001),
    }
)


def _codepage_detail(codepage: int) -> str:
    """The file-old-format detail for a code page calamine cannot decode."""
    if codepage == 32768 or 10000 <= codepage < 11000:
        kind = "Mac"
    elif codepage == 32769:
        kind = "Windows, Excel 2–4"
    elif codepage == 437 or 708 <= codepage <= 869:  # DOS (OEM) code pages
        kind = "DOS"
    elif codepage in (367, 20127):
        kind = "ASCII"
    else:
        return f"tegnsæt {codepage}"
    return f"tegnsæt {codepage} ({kind})"


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
