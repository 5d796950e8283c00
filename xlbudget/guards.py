"""Guards run before any parser sees a file: size, zip structure, inflate ratio, sheet extent."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from xlbudget.config import Limits
from xlbudget.errors import UnreadableFileError

# A sheet whose used range covers more cells than this is refused: a reader would allocate
# the whole rectangle (calamine aborts the process on A1 + XFD1048576 in a 2 KB file).
MAX_SHEET_AREA = 2_000_000
_CHUNK = 1 << 16
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,4})([0-9]{1,8})"')
_SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$")


def check_file(path: Path, file_type: str, limits: Limits) -> bool:
    """Raise UnreadableFileError if the file breaks a limit; else tell whether it has formulas."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise UnreadableFileError("file-too-large", f"{size / 1e6:.0f} MB")
    if file_type in ("xlsx", "xlsm", "ods"):
        return _check_zip(path, file_type, limits)
    return False


def _check_zip(path: Path, file_type: str, limits: Limits) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if len(entries) > limits.max_zip_entries:
                raise UnreadableFileError("file-too-large", f"{len(entries)} dele i zip-arkivet")
            total = 0
            for info in entries:
                _check_entry_header(info, limits)
                total += info.file_size
            if total > limits.max_total_bytes:
                raise UnreadableFileError("file-too-large", f"pakker ud til {total / 1e6:.0f} MB")
            if file_type == "xlsx" or file_type == "xlsm":
                if "[Content_Types].xml" not in archive.namelist():
                    raise UnreadableFileError("file-corrupt", "[Content_Types].xml mangler")
                return any(
                    [
                        _check_sheet_extent(archive, i, limits)
                        for i in entries
                        if _SHEET_PART.match(i.filename)
                    ]
                )
            return False
    except zipfile.BadZipFile as exc:
        raise UnreadableFileError("file-corrupt", f"ødelagt zip: {exc}") from None
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError) as exc:
        raise UnreadableFileError("file-corrupt", str(exc)[:160]) from None


def _check_entry_header(info: zipfile.ZipInfo, limits: Limits) -> None:
    if info.file_size > limits.max_entry_bytes:
        raise UnreadableFileError(
            "file-too-large", f"{info.filename} pakker ud til {info.file_size / 1e6:.0f} MB"
        )
    # Apache POI's ZipSecureFile rule: a tiny compressed/uncompressed ratio means a bomb.
    if (
        info.file_size > _CHUNK * 16
        and info.compress_size / info.file_size < limits.min_inflate_ratio
    ):
        raise UnreadableFileError(
            "file-too-large", f"{info.filename} er mistænkeligt stærkt komprimeret (zip-bombe)"
        )


def _check_sheet_extent(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> bool:
    """Stream one sheet part, never past the entry limit, and bound its cells' rectangle.

    Returns whether the part holds formulas.
    """
    formulas = False
    max_row = max_col = 0
    min_row = min_col = 1 << 30
    seen = 0
    tail = b""
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            seen += len(chunk)
            if seen > limits.max_entry_bytes:
                raise UnreadableFileError("file-too-large", f"{info.filename} er for stort")
            if (
                seen > info.file_size * 1.01 + _CHUNK
                and seen / max(1, info.compress_size) > 1 / limits.min_inflate_ratio
            ):
                raise UnreadableFileError(
                    "file-too-large", f"{info.filename} lyver om sin størrelse"
                )
            block = tail + chunk
            formulas = formulas or b"<f>" in block or b"<f " in block or b":f>" in block
            for match in _CELL_REF.finditer(block):
                row = int(match.group(2))
                col = _column_number(match.group(1))
                max_row, min_row = max(max_row, row), min(min_row, row)
                max_col, min_col = max(max_col, col), min(min_col, col)
            tail = block[-200:]
    if max_row and (max_row - min_row + 1) * (max_col - min_col + 1) > MAX_SHEET_AREA:
        raise UnreadableFileError(
            "file-too-large", f"{info.filename} spænder over {max_row} rækker og {max_col} kolonner"
        )
    if max_row > 1_048_576 or max_col > 16_384:
        raise UnreadableFileError(
            "file-corrupt", f"{info.filename} har celler uden for Excels grænser"
        )
    return formulas


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + char - 64
    return number
