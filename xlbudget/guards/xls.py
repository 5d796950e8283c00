"""Legacy .xls (OLE compound file with BIFF8 records): tables, sheets and strings bounded."""

from __future__ import annotations

import struct
from array import array
from collections.abc import Iterator

from xlbudget.config import Limits
from xlbudget.errors import UnreadableFileError
from xlbudget.guards._common import _OLE_MAGIC, _corrupt, _too_large

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
