"""The checked parts of an xlsx repacked for the reader: stored, so it inflates nothing again."""

from __future__ import annotations

import html
import re
import struct
import zipfile

from xlbudget.guards.zipdir import _EOCD, Entry

Part = tuple[Entry, bytes | None, int]  # the entry, its checked content if kept, data start

_LOCAL = struct.Struct("<4s5H3L2H")
_LOCAL_SIG = b"PK\x03\x04"
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_CENTRAL_SIG = b"PK\x01\x02"
_END = struct.Struct("<4s4H2LH")


def reader_package(data: bytes, parts: list[Part]) -> tuple[bytes, bytes | None]:
    """The parts handed to the reader as a zip of their own, under the names given: the
    content inflated and checked here, stored as it is (the reader inflates nothing again,
    ~a third of its work on a form), or, for a part too large to keep, its raw bytes as they
    were checked; less a styles part it has read before and that makes no cell a date (see
    learn_styles); one plain layout, no extra fields, no comments.

    Also the styles part the package holds, if learn_styles may learn from it."""
    local = []
    central = []
    offset = 0
    count = 0
    styles = None
    for info, content, start in parts:
        name = info.raw_name
        if name == _STYLES and content is not None:
            if content in _STYLES_READ:
                continue
            styles = content
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
    return b"".join((*local, directory, end)), styles


# --- the styles part ------------------------------------------------------------------------
#
# calamine reads the styles part only to tell which numbers are dates or times; openpyxl
# writes 5 KB of colours there, and parsing them is about a twentieth of the work on a form.
# A styles part that makes no cell a date changes no value the reader gives, so once the
# reader has accepted those very bytes in this process (a damaged one makes calamine refuse
# the whole file: it must go on doing so), later forms with the same part leave it out.

_STYLES = b"xl/styles.xml"  # the name calamine opens it by
_DATE_FORMATS = frozenset((*range(14, 23), 45, 46, 47))  # calamine's built-in date/time ids
_FORMAT_ID = re.compile(rb"""\bnumFmtId\s*=\s*(?:"([0-9]{1,9})"|'([0-9]{1,9})')""")
_STYLES_READ: dict[bytes, None] = {}  # read by calamine without complaint, no dates in them
_STYLES_READ_MAX = 32
_STYLES_READ_BYTES = 1 << 20


# A number format of its own that is surely no date or time: only digit places, separators,
# signs, percent, exponent, fractions and text ("...", \x, _x), colours, conditions and
# currency or locale tags ([Red], [>=100], [$kr-406]). calamine takes a format for a date
# or time by its letters d, m, y, h, s (and a/p), or [h], [m], [s], outside quotes and
# brackets; this admits no such letter anywhere, nor any bracket but those.
_NUMBER_ONLY = re.compile(
    r"""(?:"[^"]*"|\\.|_.|\[(?:\$[^\]]*|[<>=]{1,2}-?[0-9.]+|"""
    r"""(?i:black|blue|cyan|green|magenta|red|white|yellow|color[0-9]{1,2}))\]|[0#?,.;:+\-%()/ Ee@])*"""
    r"""|(?i:general)"""
)
_FORMAT_CODE = re.compile(rb"""\bformatCode\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def without_dates(styles: bytes) -> bool:
    """Whether calamine takes no cell format of this styles part for a date or time: each
    number format of its own (formatCode) surely not one (see _NUMBER_ONLY), and every
    built-in one it names (numFmtId, plain digits) not one of the date and time formats.
    Anything unusual counts as dates."""
    if b"cellXfs" not in styles:  # not ASCII-compatible either
        return False
    codes = _FORMAT_CODE.findall(styles)
    if len(codes) != styles.count(b"formatCode"):
        return False
    for quoted, apostrophed in codes:
        try:
            code = html.unescape((quoted or apostrophed).decode("utf-8"))
        except UnicodeDecodeError:
            return False
        if not _NUMBER_ONLY.fullmatch(code):
            return False
    ids = _FORMAT_ID.findall(styles)
    if len(ids) != styles.count(b"numFmtId"):
        return False
    return not any(int(quoted or apostrophed) in _DATE_FORMATS for quoted, apostrophed in ids)


def learn_styles(styles: bytes | None) -> None:
    """The reader accepted a package holding this styles part: leave it out from now on, if
    it makes no cell a date."""
    if styles is None or styles in _STYLES_READ or len(styles) > _STYLES_READ_BYTES:
        return
    if not without_dates(styles):
        return
    if len(_STYLES_READ) >= _STYLES_READ_MAX:
        _STYLES_READ.clear()
    _STYLES_READ[styles] = None
