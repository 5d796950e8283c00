"""What the guard modules share: Excel's limits and the three verdicts."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    """What the guards learned: whether any sheet may hold a formula saved without its result
    (openpyxl saves none; Excel and xlsxwriter save them all), the rectangle (top, left,
    bottom, right; 0-based) each xlsx sheet part fills (exact, or a bounding superset on the
    fast path), the workbook part's bytes, so nothing has to inflate it again, and for
    xlsx/xlsm the checked parts repacked for the reader."""

    unsaved_formulas: bool = False
    extents: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    workbook_xml: bytes | None = None
    # xlsx/xlsm: the checked parts as a zip of their own, for the reader (see reader_package)
    package: bytes | None = None
    # docProps/custom.xml as checked (where xlbudget marks the workbooks it writes)
    custom_properties: bytes | None = None
