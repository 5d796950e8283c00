"""A zip's central directory, read as Python's zipfile reads it, for less work per entry.

zipfile.ZipFile builds a ZipInfo per entry through several file-like reads, a date
conversion and an extra-field decoder; for a form of ten small parts that was the largest
single cost of sniffing. read_directory() takes the same steps on the bytes directly and
gives the same entries (name as zipfile normalises it and as stored, flags, method, CRC,
sizes, local header offset, zip64 extra fields applied, offset shift for data in front),
the same start of the directory, and raises the same exceptions with the same messages
(zipfile.BadZipFile, NotImplementedError, UnicodeDecodeError) where zipfile would.
Reading a part's content is not done here: the guards inflate every part themselves.
"""

from __future__ import annotations

import struct
import zipfile
from types import TracebackType

_EOCD = b"PK\x05\x06"
_EOCD64 = b"PK\x06\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_CENTRAL = b"PK\x01\x02"
_EOCD_SIZE = 22
_LOCATOR_SIZE = 20
_EOCD64_SIZE = 56
_CENTRAL_SIZE = 46
_CENTRAL_STRUCT = struct.Struct("<4s4B4HL2L5H2L")
_MAX_EXTRACT_VERSION = 63  # zipfile.MAX_EXTRACT_VERSION
_UTF8_NAME = 1 << 11


class Entry:
    """One central-directory entry: the ZipInfo fields the guards and the sniffer use."""

    __slots__ = (
        "CRC",
        "compress_size",
        "compress_type",
        "extract_version",
        "file_size",
        "filename",
        "flag_bits",
        "header_offset",
        "orig_filename",
        "raw_name",
    )

    def __init__(self, orig_filename: str, raw_name: bytes) -> None:
        self.orig_filename = orig_filename
        self.raw_name = raw_name  # as stored, for comparing with the local header's
        null = orig_filename.find("\0")  # zipfile ends a name at its first NUL
        self.filename = orig_filename if null < 0 else orig_filename[:null]


class Directory:
    """The entries of a zip in directory order, and where the directory starts."""

    def __init__(self, entries: list[Entry], start_dir: int) -> None:
        self.entries = entries
        self.start_dir = start_dir
        self.by_name = {entry.filename: entry for entry in entries}  # the last one wins

    def infolist(self) -> list[Entry]:
        return self.entries

    def namelist(self) -> list[str]:
        return [entry.filename for entry in self.entries]

    def close(self) -> None:
        """Nothing to close: kept so that a Directory is used where a ZipFile was."""

    def __enter__(self) -> Directory:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def read_directory(data: bytes) -> Directory:
    """The directory of the zip in `data`, as zipfile.ZipFile(io.BytesIO(data)) reads it."""
    record = _end_record(data)
    if record is None:
        raise zipfile.BadZipFile("File is not a zip file")
    zip64, size_cd, offset_cd, location = record
    concat = location - size_cd - offset_cd
    if zip64:
        concat -= _EOCD64_SIZE + _LOCATOR_SIZE
    start_dir = offset_cd + concat
    if start_dir < 0:
        raise zipfile.BadZipFile("Bad offset for central directory")
    directory = data[start_dir : start_dir + size_cd]
    end = len(directory)  # zipfile reads what is there, up to size_cd bytes
    entries: list[Entry] = []
    total = 0
    at = 0
    unpack = _CENTRAL_STRUCT.unpack_from
    while total < size_cd:
        if at + _CENTRAL_SIZE > end:
            raise zipfile.BadZipFile("Truncated central directory")
        fields = unpack(directory, at)
        if fields[0] != _CENTRAL:
            raise zipfile.BadZipFile("Bad magic number for central directory")
        at += _CENTRAL_SIZE
        name_length, extra_length, comment_length = fields[12], fields[13], fields[14]
        raw_name = directory[at : at + name_length]
        at += name_length  # past the end, reads are empty, and the next one is "truncated"
        flags = fields[5]
        if flags & _UTF8_NAME:
            name = raw_name.decode("utf-8")
        else:  # cp437 is ASCII for ASCII bytes, and the ASCII decoder is much quicker
            name = raw_name.decode("ascii" if raw_name.isascii() else "cp437")
        entry = Entry(name, raw_name)
        extra = directory[at : at + extra_length]
        at += extra_length + comment_length  # the comment is not kept
        entry.extract_version = fields[3]
        entry.flag_bits = flags
        entry.compress_type = fields[6]
        entry.CRC, entry.compress_size, entry.file_size = fields[9], fields[10], fields[11]
        entry.header_offset = fields[18]
        if entry.extract_version > _MAX_EXTRACT_VERSION:
            raise NotImplementedError(f"zip file version {entry.extract_version / 10:.1f}")
        if extra:
            _decode_extra(entry, extra)
        entry.header_offset += concat
        entries.append(entry)
        total += _CENTRAL_SIZE + name_length + extra_length + comment_length
    return Directory(entries, start_dir)


def _end_record(data: bytes) -> tuple[bool, int, int, int] | None:
    """zipfile's _EndRecData and _EndRecData64: (zip64, directory size, directory offset,
    where the end record is), or None where zipfile finds no end record."""
    size = len(data)
    if size < _EOCD_SIZE:
        return None
    tail = data[-_EOCD_SIZE:]
    if tail[:4] == _EOCD and tail[-2:] == b"\0\0":
        location = size - _EOCD_SIZE
    else:
        window = max(size - (1 << 16) - _EOCD_SIZE, 0)
        found = data.rfind(_EOCD, window)
        if found < 0 or found + _EOCD_SIZE > size:
            return None
        location = found
    (_, _, _, _, _, size_cd, offset_cd, _) = struct.unpack_from("<4s4H2LH", data, location)
    # The zip64 records right before it, if there: BytesIO clamps a seek before the start
    # to the start, and so reads from there.
    at = max(location - _LOCATOR_SIZE, 0)
    locator = data[at : at + _LOCATOR_SIZE]
    if len(locator) != _LOCATOR_SIZE:
        return False, size_cd, offset_cd, location
    signature, disk, _, disks = struct.unpack("<4sLQL", locator)
    if signature != _EOCD64_LOCATOR:
        return False, size_cd, offset_cd, location
    if disk != 0 or disks > 1:
        raise zipfile.BadZipFile("zipfiles that span multiple disks are not supported")
    at = max(location - _LOCATOR_SIZE - _EOCD64_SIZE, 0)
    record = data[at : at + _EOCD64_SIZE]
    if len(record) != _EOCD64_SIZE:
        return False, size_cd, offset_cd, location
    fields = struct.unpack("<4sQ2H2L4Q", record)
    if fields[0] != _EOCD64:
        return False, size_cd, offset_cd, location
    return True, fields[8], fields[9], location


def _decode_extra(entry: Entry, extra: bytes) -> None:
    """ZipInfo._decodeExtra: zip64 sizes and offset from the extra field, same errors."""
    while len(extra) >= 4:
        kind, length = struct.unpack("<HH", extra[:4])
        if length + 4 > len(extra):
            raise zipfile.BadZipFile(f"Corrupt extra field {kind:04x} (size={length})")
        if kind == 0x0001:
            data = extra[4 : length + 4]
            field = ""
            try:
                if entry.file_size in (0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF):
                    field = "File size"
                    (entry.file_size,) = struct.unpack("<Q", data[:8])
                    data = data[8:]
                if entry.compress_size == 0xFFFF_FFFF:
                    field = "Compress size"
                    (entry.compress_size,) = struct.unpack("<Q", data[:8])
                    data = data[8:]
                if entry.header_offset == 0xFFFF_FFFF:
                    field = "Header offset"
                    (entry.header_offset,) = struct.unpack("<Q", data[:8])
            except struct.error:
                raise zipfile.BadZipFile(f"Corrupt zip64 extra field. {field} not found.") from None
        extra = extra[length + 4 :]
