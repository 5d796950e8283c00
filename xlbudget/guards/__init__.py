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

from xlbudget.config import Limits
from xlbudget.guards._common import GuardReport, _too_large
from xlbudget.guards.xls import _check_xls, _sst_lengths, cfb_streams
from xlbudget.guards.zipdir import Directory
from xlbudget.guards.zipfiles import _check_zip, check_zip_directory, open_zip

__all__ = [
    "GuardReport",
    "cfb_streams",
    "check_bytes",
    "check_zip_directory",
    "open_zip",
]
_ = _sst_lengths  # re-exported for the tests of the xls string bound


def check_bytes(
    data: bytes,
    file_type: str,
    limits: Limits,
    exact: bool = False,
    archive: Directory | None = None,
) -> GuardReport:
    """Raise UnreadableFileError if the file's content breaks a limit or is unsafe to parse.

    `exact` parses every XML part instead of taking the pattern fast path where it can.
    `archive`: for a zip, its directory as open_zip read it from these same bytes (the
    sniffer does), so it is not read twice.
    """
    if len(data) > limits.max_file_bytes:
        raise _too_large(f"{len(data) / 1e6:.0f} MB")
    if file_type in ("xlsx", "xlsm", "ods"):
        return _check_zip(data, file_type, limits, exact, archive)
    if file_type == "xls":
        _check_xls(data, limits)
    return GuardReport()
