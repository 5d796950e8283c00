"""Zip workbooks (xlsx, xlsm, ods): directory, layout, sizes, ratio; every part inflated here."""

from __future__ import annotations

import contextlib
import operator
import struct
import zipfile
import zlib
from collections.abc import Iterator

from xlbudget.config import Limits
from xlbudget.guards._common import _CHUNK, GuardReport, _corrupt, _too_large
from xlbudget.guards.package import reader_package
from xlbudget.guards.xmlparts import _WorkbookScan
from xlbudget.guards.zipdir import Directory, Entry, read_directory

# --- zip ----------------------------------------------------------------------------------------

_EOCD = b"PK\x05\x06"
_EOCD64 = b"PK\x06\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"


def open_zip(data: bytes, limits: Limits) -> Directory:
    """The zip's directory (as zipfile reads it), once its end record passed the cheap checks."""
    _check_end_record(data, limits)
    try:
        return read_directory(data)
    except zipfile.BadZipFile as exc:
        raise _corrupt(f"ødelagt zip: {exc}") from None
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError, ValueError) as exc:
        raise _corrupt(str(exc)[:160]) from None


def _check_zip(
    data: bytes,
    file_type: str,
    limits: Limits,
    exact: bool = False,
    archive: Directory | None = None,
) -> GuardReport:
    """`archive`: the directory of these same bytes as open_zip parsed it, if it already has."""
    if archive is None:
        archive = open_zip(data, limits)
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.max_zip_entries:
            raise _too_large(f"{len(entries)} dele i zip-arkivet")
        _check_names(entries)
        starts = _check_layout(data, archive, entries)
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
        scan = _WorkbookScan(file_type, limits, exact)
        # what else the verdict depends on, as one small number (hashed for every part)
        settings = _SETTINGS.setdefault(
            (file_type, exact, tuple(limits.__dict__.values())), len(_SETTINGS)
        )
        parts: list[tuple[Entry, bytes | None, int]] = []  # with the content, if kept
        for info in entries:
            start = starts[info.header_offset]
            key = None
            size = info.compress_size
            if size <= _SEEN_RAW_BYTES and info.file_size <= _CHUNK:
                key = (info.filename, info.compress_type, info.file_size, info.CRC, size, settings)
                seen = _SEEN.get(key)
                # the same raw bytes, compared where they lie (no copy, no hash of them)
                if seen is not None and data.startswith(seen[2], start):
                    scan.replay(seen[:1])
                    parts.append((info, seen[1], start))
                    continue
            kept: list[bytes] = []
            effect = scan.part_alone(info, _inflate(data, info, start, kept))
            content = kept[0] if kept else None  # checked to the end: size and CRC too
            parts.append((info, content, start))
            if key is not None and effect is not None and content is not None:
                _remember(key, (effect[0], content, data[start : start + size]))
        scan.finish()
        package, styles = (
            reader_package(data, parts) if file_type in ("xlsx", "xlsm") else (None, None)
        )
        custom = next((c for i, c, _ in parts if i.filename == CUSTOM_PROPERTIES), None)
        return GuardReport(
            unsaved_formulas=scan.formulas,
            extents=scan.extents,
            workbook_xml=scan.workbook_xml,
            package=package,
            reader_styles=styles,
            custom_properties=custom,
        )


CUSTOM_PROPERTIES = "docProps/custom.xml"


# Parts this process has checked before and found sound, byte for byte: the same raw bytes,
# compression, declared size and CRC under the same name inflate to the same content and
# get the same verdict (checking is a function of those, the file type and the limits: the
# key holds all but the raw bytes, which are kept with the verdict and compared in full,
# never by a hash), so they are not inflated and scanned again.
# Forms copied from one template share most parts (theme, styles, relationships,
# properties); sheets and shared strings differ and are always checked. Only parts that
# leave nothing behind, or only the workbook part's content, are kept: at most _SEEN_MAX,
# each at most _SEEN_RAW_BYTES as stored and one chunk inflated (a few MB at the very most).
_SEEN: dict[tuple[object, ...], tuple[bytes | None, bytes, bytes]] = {}  # verdict, content, raw
_SEEN_MAX = 128
_SEEN_RAW_BYTES = 16 << 10
# (file type, exact, limits) -> a small number standing for them in the memo's keys
_SETTINGS: dict[tuple[object, ...], int] = {}


def _remember(key: tuple[object, ...], effect: tuple[bytes | None, bytes, bytes]) -> None:
    if len(_SEEN) >= _SEEN_MAX:
        with contextlib.suppress(StopIteration, RuntimeError):  # another thread at it
            _SEEN.pop(next(iter(_SEEN)), None)  # the oldest
    _SEEN[key] = effect


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


def _check_names(entries: list[Entry]) -> None:
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


def _check_layout(data: bytes, archive: Directory, entries: list[Entry]) -> dict[int, int]:
    """Entries back to back from the start, then the central directory: no gaps, no overlaps.

    Excel, LibreOffice and every library write zips this way. It rules out overlapping
    entries (the "better zip bomb"), hidden data and a second archive inside the first.
    Returns where each entry's data starts, by the offset of its local header.
    """
    position = 0
    starts: dict[int, int] = {}
    size = len(data)
    for info in sorted(entries, key=_BY_OFFSET):
        offset = info.header_offset
        if offset != position:
            raise _corrupt(f"{info.filename} ligger ikke hvor den skal i zip-arkivet")
        if offset + 30 > size or not data.startswith(b"PK\x03\x04", offset):
            raise _corrupt(f"{info.filename}: ødelagt lokal header")
        flags, name_length, extra_length = _LOCAL_HEAD.unpack_from(data, offset)
        raw = info.raw_name
        # the same bytes read the same way as the directory's name are the same name
        if (
            name_length != len(raw)
            or not data.startswith(raw, offset + 30)
            or (flags ^ info.flag_bits) & 0x800
        ):
            _check_local_name(data[offset + 30 : offset + 30 + name_length], flags, info)
        start = starts[offset] = offset + 30 + name_length + extra_length
        end = start + info.compress_size
        if end > size:
            raise _corrupt(f"{info.filename} er afkortet")
        position = end
        if info.flag_bits & 0x8:  # a data descriptor follows the data: 12 to 24 bytes
            position = _skip_descriptor(data, end, info)
    start_dir = archive.start_dir  # type: ignore[attr-defined]
    if position != start_dir:
        raise _corrupt("uforklarede data i zip-arkivet")
    return starts


_BY_OFFSET = operator.attrgetter("header_offset")
_LOCAL_HEAD = struct.Struct("<6xH18xHH")  # a local header's flags, name and extra lengths


def _check_local_name(name: bytes, flags: int, info: Entry) -> None:
    """A local header's name that differs in bytes or encoding flag must decode the same."""
    decoded = name.decode("utf-8" if flags & 0x800 else "cp437", errors="replace")
    if decoded != info.orig_filename:
        raise _corrupt(f"{info.filename}: navnene i zip-arkivet er uens")


def _skip_descriptor(data: bytes, end: int, info: Entry) -> int:
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


def _check_declared(info: Entry, limits: Limits) -> None:
    if info.file_size > limits.max_entry_bytes:
        raise _too_large(f"{info.filename} pakker ud til {info.file_size / 1e6:.0f} MB")
    if (
        info.file_size > limits.inflate_grace_bytes
        and info.compress_size < info.file_size * limits.min_inflate_ratio
    ):
        raise _too_large(f"{info.filename} er mistænkeligt stærkt komprimeret (zip-bombe)")
    if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        raise _corrupt(f"{info.filename} har forkert størrelse")


def _inflate(
    data: bytes, info: Entry, start: int, keep: list[bytes] | None = None
) -> Iterator[bytes]:
    """The entry's content in chunks, inflated here from its raw bytes (from `start`, as
    _check_layout found it), never past its declared size (already within the limits);
    then size and CRC checked. An entry of one chunk at most is added to `keep` once
    it has passed those checks."""
    raw = memoryview(data)[start : start + info.compress_size]
    declared = info.file_size
    if declared <= _CHUNK:
        return _inflate_small(raw, info, keep)
    return _inflate_chunks(raw, info)


def _inflate_small(
    raw: memoryview, info: Entry, keep: list[bytes] | None = None
) -> Iterator[bytes]:
    """_inflate_chunks for an entry of one chunk at most (nearly all of them), in one call."""
    declared = info.file_size
    if info.compress_type == zipfile.ZIP_STORED:
        chunk = bytes(raw)
        if chunk:
            yield chunk
    else:
        inflater = zlib.decompressobj(-15)
        try:
            chunk = inflater.decompress(raw, declared + 1)  # one byte more shows a lie
        except zlib.error as exc:
            raise _corrupt(f"{info.filename}: {exc}") from None
        if len(chunk) > declared:
            raise _corrupt(f"{info.filename} fylder mere end zip-arkivet angiver")
        if chunk:
            yield chunk
        if not inflater.eof:
            raise _corrupt(f"{info.filename} er afkortet")
    if len(chunk) != declared:
        raise _corrupt(f"{info.filename} har en anden størrelse end zip-arkivet angiver")
    if zlib.crc32(chunk) != info.CRC:
        raise _corrupt(f"{info.filename}: forkert kontrolsum")
    if keep is not None:
        keep.append(chunk)


def _inflate_chunks(raw: memoryview, info: Entry) -> Iterator[bytes]:
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
