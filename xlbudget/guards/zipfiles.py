"""Zip workbooks (xlsx, xlsm, ods): directory, layout, sizes, ratio; every part inflated here."""

from __future__ import annotations

import contextlib
import html
import operator
import posixpath
import re
import struct
import urllib.parse
import zipfile
import zlib
from collections.abc import Iterator

from xlbudget.config import Limits
from xlbudget.errors import UnreadableFileError
from xlbudget.guards._common import _CHUNK, GuardReport, _corrupt, _too_large
from xlbudget.guards.package import Part, reader_package
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
    """Check the zip as a whole, then inflate and check the parts the reader opens (and the
    one we read ourselves), and repack those for the reader under the names it expects.
    `archive`: the directory of these same bytes as open_zip parsed it, if it already has."""
    if archive is None:
        archive = open_zip(data, limits)
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.max_zip_entries:
            raise _too_large(f"{len(entries)} dele i zip-arkivet")
        names = _check_names(entries)
        starts = _check_layout(data, archive, entries)
        total = 0
        for info in entries:
            _check_declared(info, limits)
            total += info.file_size
        if total > limits.max_total_bytes:
            raise _too_large(f"pakker ud til {total / 1e6:.0f} MB")
        parts = _Parts(data, names, starts, _WorkbookScan(file_type, limits, exact), limits)
        if file_type == "ods":
            handed = _ods_parts(parts)
            custom = None
        else:
            if "[Content_Types].xml" not in names:
                raise _corrupt("[Content_Types].xml mangler")
            handed, custom = _xlsx_parts(parts)
        parts.scan.finish()
        package = reader_package(data, handed)
        return GuardReport(
            unsaved_formulas=parts.scan.formulas,
            extents=parts.scan.extents,
            workbook_xml=parts.workbook_xml,
            package=package,
            custom_properties=custom,
        )


def part_name(name: str) -> str:
    """A part's name as the package means it: / between folders (Windows tools write \\),
    no leading /."""
    return name.replace("\\", "/").lstrip("/")


class _Parts:
    """The zip's parts by name, inflated and checked one at a time when asked for."""

    def __init__(
        self,
        data: bytes,
        names: dict[str, Entry],
        starts: dict[int, int],
        scan: _WorkbookScan,
        limits: Limits,
    ) -> None:
        self.data = data
        self.names = names
        self.folded = {name.casefold(): entry for name, entry in names.items()}
        self.starts = starts
        self.scan = scan
        self.workbook_xml: bytes | None = None
        # what else the verdict depends on, as one small number (hashed for every part)
        self.settings = _SETTINGS.setdefault(
            (scan.file_type, scan.exact, tuple(limits.__dict__.values())), len(_SETTINGS)
        )

    def find(self, name: str) -> Entry | None:
        """The entry of a part, by its name (any case, as Windows tools may change it)."""
        return self.names.get(name) or self.folded.get(name.casefold())

    def check(self, info: Entry, as_name: str, whole: bool = False) -> Part:
        """Inflate and check one part as the reader will see it, under `as_name`; its
        content is kept when small (or, with `whole`, always)."""
        start = self.starts[info.header_offset]
        entry = _renamed(info, as_name)
        key = None
        size = info.compress_size
        if size <= _SEEN_RAW_BYTES and info.file_size <= _CHUNK:
            key = (as_name, info.compress_type, info.file_size, info.CRC, size, self.settings)
            seen = _SEEN.get(key)
            # the same raw bytes, compared where they lie (no copy, no hash of them)
            if seen is not None and self.data.startswith(seen[2], start):
                self.scan.replay(seen[:1])
                return entry, seen[1], start
        kept: list[bytes] = []
        chunks = _inflate(self.data, info, start, kept)
        collected: list[bytes] = []
        if whole:
            chunks = _collect(chunks, collected)
        effect = self.scan.part_alone(entry, chunks)
        content = kept[0] if kept else (b"".join(collected) if whole else None)
        if key is not None and effect is not None and kept:
            _remember(key, (effect[0], kept[0], self.data[start : start + size]))
        return entry, content, start


def _collect(chunks: Iterator[bytes], into: list[bytes]) -> Iterator[bytes]:
    for chunk in chunks:
        into.append(chunk)
        yield chunk


def _renamed(info: Entry, name: str) -> Entry:
    """The entry under another name (the reader's), all else as it was."""
    if info.filename == name:
        return info
    entry = Entry(name, name.encode("utf-8"))
    for slot in ("CRC", "compress_size", "compress_type", "extract_version", "header_offset"):
        setattr(entry, slot, getattr(info, slot))
    entry.file_size = info.file_size
    entry.flag_bits = (info.flag_bits & ~0x800) | 0x800  # the new name is UTF-8
    return entry


def _made(name: str, content: bytes) -> Part:
    """A part made here (a rewritten relationships part), as the reader package takes it."""
    entry = Entry(name, name.encode("utf-8"))
    entry.CRC, entry.file_size, entry.compress_size = zlib.crc32(content), len(content), 0
    entry.compress_type, entry.flag_bits, entry.extract_version = zipfile.ZIP_STORED, 0x800, 20
    entry.header_offset = 0
    return entry, content, 0


# --- which parts the reader opens -----------------------------------------------------------------

_RELATIONSHIP = re.compile(rb"<(?:[\w.-]+:)?Relationship\b([^>]*)>")
_ATTRIBUTE = re.compile(rb"""\b(Id|Type|Target|TargetMode)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SHEET_KINDS = {"worksheet": "worksheets", "chartsheet": "chartsheets"}
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)


def _relationships(content: bytes) -> list[dict[str, str]]:
    """Each relationship of a relationships part: Id, Type, Target (unescaped), TargetMode.
    The guards have refused any DTD in the part, so a pattern reads it safely."""
    found = []
    for attrs in _RELATIONSHIP.findall(content):
        values = {
            key.decode(): html.unescape((double or single).decode("utf-8", "replace"))
            for key, double, single in _ATTRIBUTE.findall(attrs)
        }
        found.append(values)
    return found


def _resolve(folder: str, target: str) -> str:
    """A relationship's target as a part name, from the folder of the part it belongs to."""
    target = urllib.parse.unquote(target.replace("\\", "/"))
    path = target[1:] if target.startswith("/") else posixpath.join(folder, target)
    return posixpath.normpath(path).lstrip("/")


def _xlsx_parts(parts: _Parts) -> tuple[list[Part], bytes | None]:
    """The parts calamine opens, under the names it opens them by: the workbook part where
    the package's relationships put it, its relationships (rewritten to those names), the
    worksheets, shared strings and styles. Nothing else is inflated or parsed, but for
    docProps/custom.xml (xlbudget's mark), which we read ourselves."""
    workbook_name = "xl/workbook.xml"
    root = parts.find("_rels/.rels")
    if root is not None:
        _, content, _ = parts.check(root, "_rels/.rels", whole=True)
        for relation in _relationships(content or b""):
            if relation.get("Type", "").endswith("/officeDocument"):
                workbook_name = _resolve("", relation.get("Target", ""))
                break
    workbook = parts.find(workbook_name)
    if workbook is None or workbook_name.endswith(".bin"):
        if workbook_name.endswith(".bin") or parts.find("xl/workbook.bin") is not None:
            raise UnreadableFileError("file-xlsb")
        raise UnreadableFileError("file-not-spreadsheet", "et zip-arkiv uden regneark")
    folder, _, leaf = workbook_name.rpartition("/")
    rels = parts.find(posixpath.join(folder, "_rels", leaf + ".rels"))
    if rels is None:
        raise _corrupt("projektmappens relationer mangler")
    handed = [parts.check(workbook, "xl/workbook.xml", whole=True)]
    parts.workbook_xml = handed[0][1]
    _, rels_content, _ = parts.check(rels, "xl/_rels/workbook.xml.rels", whole=True)
    relationships = []
    numbers = {"worksheets": 0, "chartsheets": 0, "dialogsheets": 0}
    for relation in _relationships(rels_content or b""):
        kind = relation.get("Type", "").rsplit("/", 1)[-1]
        target = _resolve(folder, relation.get("Target", ""))
        entry = parts.find(target) if relation.get("TargetMode") != "External" else None
        if kind in ("sharedStrings", "styles"):
            if entry is not None:
                handed.append(parts.check(entry, f"xl/{kind}.xml"))
                relationships.append((relation, f"{kind}.xml"))
            continue
        if not kind.endswith("sheet") and not kind.endswith("Sheet"):
            continue  # themes, calcChain, customXml, external links: calamine opens none
        # a macro or other sheet kind calamine does not know: listed, never read as a sheet
        place = _SHEET_KINDS.get(kind, "dialogsheets")
        numbers[place] += 1
        name = f"{place}/sheet{numbers[place]}.xml"
        relationships.append((relation, name))
        if place == "worksheets" and entry is not None:
            handed.append(parts.check(entry, "xl/" + name))
    for kind in ("sharedStrings", "styles"):
        # calamine opens these two by name, whatever the relationships say (or omit)
        entry = parts.find(f"xl/{kind}.xml")
        if entry is not None and not any(target == f"{kind}.xml" for _, target in relationships):
            handed.append(parts.check(entry, f"xl/{kind}.xml"))
    handed.insert(1, _made("xl/_rels/workbook.xml.rels", _rels_part(relationships)))
    # calamine tells an xlsx by its package relationships: ours, pointing at the workbook
    office = {"Id": "rId1", "Type": _OFFICE_DOCUMENT}
    handed.insert(0, _made("_rels/.rels", _rels_part([(office, "xl/workbook.xml")])))
    return handed, _custom_properties(parts)


def _rels_part(relationships: list[tuple[dict[str, str], str]]) -> bytes:
    lines = [
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{_PACKAGE_RELS}">'
    ]
    for relation, target in relationships:
        lines.append(
            f'<Relationship Id="{html.escape(relation.get("Id", ""))}" '
            f'Type="{html.escape(relation.get("Type", ""))}" Target="{html.escape(target)}"/>'
        )
    lines.append("</Relationships>")
    return "".join(lines).encode("utf-8")


CUSTOM_PROPERTIES = "docProps/custom.xml"
_CUSTOM_MAX_BYTES = 64 << 10


def _custom_properties(parts: _Parts) -> bytes | None:
    """docProps/custom.xml, checked as any part we parse, or None: a part no reader needs
    never makes a file unreadable."""
    entry = parts.find(CUSTOM_PROPERTIES)
    if entry is None or entry.file_size > _CUSTOM_MAX_BYTES:
        return None
    try:
        return parts.check(entry, CUSTOM_PROPERTIES, whole=True)[1]
    except UnreadableFileError:
        return None


def _ods_parts(parts: _Parts) -> list[Part]:
    """What calamine opens of an ods: mimetype, the manifest and content.xml (never meta.xml,
    styles, settings or macros). A manifest that declares encryption: a password."""
    handed = []
    for name in ("mimetype", "META-INF/manifest.xml", "content.xml"):
        entry = parts.find(name)
        if entry is None:
            raise _corrupt(f"{name} mangler")
        part = parts.check(entry, name, whole=name != "content.xml")
        if name == "META-INF/manifest.xml" and b"encryption-data" in (part[1] or b""):
            raise UnreadableFileError("file-encrypted")
        handed.append(part)
    return handed


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
    if at + 22 + comment > len(data):
        raise _corrupt("zip-arkivets slutning er afkortet")
    # bytes after the end record (a mail or upload tool's padding) are no part of the zip:
    # the reader gets its parts repacked, never these bytes
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


def _check_names(entries: list[Entry]) -> dict[str, Entry]:
    """Every entry by its part name (part_name); no two alike, also ignoring case."""
    names: dict[str, Entry] = {}
    seen: set[str] = set()
    for info in entries:
        name = part_name(info.filename)
        key = name.casefold()
        if key in seen:  # a checker and a reader could each pick another one
            raise _corrupt(f"to dele hedder {info.filename}")
        seen.add(key)
        names[name] = info
        if info.flag_bits & 0x1:
            raise _corrupt(f"{info.filename} er krypteret")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _corrupt(f"{info.filename} bruger en ukendt komprimering ({info.compress_type})")
    return names


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
