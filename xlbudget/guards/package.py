"""The checked parts of an xlsx repacked for the reader: stored, so it inflates nothing again."""

from __future__ import annotations

import struct
import zipfile

from xlbudget.guards.zipdir import _EOCD, Entry

Part = tuple[Entry, bytes | None, int]  # the entry, its checked content if kept, data start

_LOCAL = struct.Struct("<4s5H3L2H")
_LOCAL_SIG = b"PK\x03\x04"
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_CENTRAL_SIG = b"PK\x01\x02"
_END = struct.Struct("<4s4H2LH")


def reader_package(data: bytes, parts: list[Part]) -> bytes:
    """The parts handed to the reader as a zip of their own, under the names given: the
    content inflated and checked here, stored as it is (the reader inflates nothing again,
    ~a third of its work on a form), or, for a part too large to keep, its raw bytes as they
    were checked; one plain layout, no extra fields, no comments."""
    local = []
    central = []
    offset = 0
    count = 0
    for info, content, start in parts:
        name = info.raw_name
        count += 1
        flags = info.flag_bits & 0x800  # the name's encoding, nothing else
        if content is not None:
            method, body, size = zipfile.ZIP_STORED, content, len(content)
        else:
            method, size = info.compress_type, info.file_size
            body = data[start : start + info.compress_size]
        local += (
            _LOCAL.pack(
                _LOCAL_SIG, 20, flags, method, 0, 0x21, info.CRC, len(body), size, len(name), 0
            ),
            name,
            body,
        )
        central += (
            _CENTRAL.pack(
                _CENTRAL_SIG,
                20,
                20,
                flags,
                method,
                0,
                0x21,
                info.CRC,
                len(body),
                size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            ),
            name,
        )
        offset += _LOCAL.size + len(name) + len(body)
    directory = b"".join(central)
    end = _END.pack(_EOCD, 0, 0, count, count, len(directory), offset, 0)
    return b"".join((*local, directory, end))
