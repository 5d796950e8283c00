"""Read stage, fast path: the cells of an xlsx in the plain shapes spreadsheet writers produce.

The guards have already inflated and checked every part (no DTD, sizes, CRC, extents), so
the workbook, its relationships, shared strings, styles and sheets are at hand as bytes.
For the shapes Excel, LibreOffice, openpyxl and xlsxwriter write (`<c r="B5" s="3"
t="s"><v>7</v></c>`, shared or inline strings, numbers, booleans, formulas with their
cached result), patterns read them here and give what python-calamine gives: numbers as
float, text with its entities decoded, booleans, empty values left out. Anything else, or
anything this reader is not sure of (a date style on a number, an error value, `_x000D_`
escapes, a carriage return, prefixed elements, an unknown entity, a cell without its
address), returns None and calamine reads the file: the two must never disagree, and the
tests compare them on every workbook they have.
"""

from __future__ import annotations

import re
from typing import Any
from xml.parsers import expat

from xlbudget.config import Limits

Cells = dict[tuple[int, int], Any]

_SHEET = re.compile(rb"<sheet\b([^>]*)>")
_RELATIONSHIP = re.compile(rb"<Relationship\b([^>]*)>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_WORKSHEET_TYPE = b"/relationships/worksheet"
_WHERE_USUAL = {
    b"/relationships/sharedStrings": "xl/sharedStrings.xml",
    b"/relationships/styles": "xl/styles.xml",
}
# A cell as writers write it: r, then s, then t, then nothing else; its value <v> alone, or
# anything else inside (a formula before the value, an inline string) taken apart below.
_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]{1,7})"(?: s="([0-9]{1,6})")?(?: t="([a-zA-Z]{1,9})")?\s*'
    rb"(?:(/)>|>(?:<v>([^<]*)</v>|<is><t( xml:space=\"preserve\")?>([^<]*)</t></is>|(.*?))</c>)",
    re.DOTALL,
)
_VALUE = re.compile(rb"<v>([^<]*)</v>|<v\s*/>")
_TEXT = re.compile(rb"<t(\s[^>]*)?>([^<]*)</t>|<t(?:\s[^>]*)?/>")
_PRESERVE = b' xml:space="preserve"'
_FIRST_ELEMENT = re.compile(rb"<([A-Za-z_][\w:.-]*)")  # the root (no DTD, no comments here)
_PHONETIC = re.compile(rb"<rPh\b.*?</rPh>", re.DOTALL)
_SI = re.compile(rb"<si>(?:<t>([^<]*)</t></si>|(.*?)</si>)|<si/>", re.DOTALL)
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "quot": '"', "apos": "'", "amp": "&"}
_NAMED_ENTITIES = {f"&{name};": char for name, char in _NAMED.items()}  # &amp; last
_NUMFMTS = re.compile(rb"<numFmts\b[^>]*?(?:/>|>(.*?)</numFmts>)", re.DOTALL)
_NUMFMT = re.compile(rb"<numFmt\b([^>]*)>")
_CELL_XFS = re.compile(rb"<cellXfs\b[^>]*>(.*?)</cellXfs>", re.DOTALL)
_XF = re.compile(rb"<xf\b([^>]*)>")
# Built-in number formats that are not dates or times (ECMA-376 18.8.30).
_PLAIN_FORMATS = frozenset({*range(0, 14), *range(37, 45), 48, 49})
_DATE_LETTERS = re.compile(r"[dmyhsbeg]", re.IGNORECASE)
_FORMAT_NOISE = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')


class _NotPlain(Exception):
    """This workbook is not in a shape the fast path reads: calamine will."""


def read_plain_sheets(contents: dict[str, bytes], limits: Limits) -> list[tuple[str, Cells]] | None:
    """(sheet name, cells) of every worksheet in workbook order, or None when calamine must read."""
    try:
        return _read(contents, limits)
    except (_NotPlain, UnicodeDecodeError, ValueError, KeyError, IndexError):
        return None


def _read(contents: dict[str, bytes], limits: Limits) -> list[tuple[str, Cells]]:
    _check_package(contents)
    workbook_xml = _part(contents, "xl/workbook.xml", b"workbook", shared=True)
    rels = _part(contents, "xl/_rels/workbook.xml.rels", b"Relationships", shared=True)
    targets: dict[bytes, tuple[bytes, bytes]] = {}
    for attrs in _RELATIONSHIP.findall(rels):
        found = dict(_ATTR.findall(attrs))
        kind, target = found.get(b"Type", b""), found[b"Target"]
        targets[found[b"Id"]] = (kind, target)
        for ending, usual in _WHERE_USUAL.items():
            if kind.endswith(ending) and _part_path(target.decode("utf-8")) != usual:
                raise _NotPlain  # shared strings or styles elsewhere than writers put them
    if rels.count(b"<Relationship ") != len(targets) or b":Relationship" in rels:
        raise _NotPlain
    sheets = _SHEET.findall(workbook_xml)
    if not sheets or b":sheet" in workbook_xml:
        raise _NotPlain
    if workbook_xml.count(b"<sheet") != len(sheets) + workbook_xml.count(b"<sheets"):
        raise _NotPlain
    if len(sheets) > limits.max_sheets:
        raise _NotPlain  # calamine's path says how many there are
    strings = _shared_strings(_part(contents, "xl/sharedStrings.xml", b"sst", needed=False))
    dates = _date_styles(_part(contents, "xl/styles.xml", b"styleSheet", needed=False, shared=True))
    read: list[tuple[str, Cells]] = []
    for attrs in sheets:
        found = dict(_ATTR.findall(attrs))
        rel = [value for key, value in found.items() if key.endswith(b":id")]
        if len(rel) != 1:
            raise _NotPlain
        kind, target = targets[rel[0]]
        if not kind.endswith(_WORKSHEET_TYPE):
            raise _NotPlain  # chart sheets and the like: calamine knows what they are
        path = _part_path(target.decode("utf-8"))
        name = _text(found[b"name"])
        if not name.isprintable():
            raise _NotPlain
        read.append((name, _cells(_part(contents, path, b"worksheet"), strings, dates, limits)))
    return read


def _check_package(contents: dict[str, bytes]) -> None:
    """The package leads to the workbook part read here, as Excel and calamine find it: the
    root relationships name xl/workbook.xml as the document, the content types list it."""
    root = _part(contents, "_rels/.rels", b"Relationships", shared=True) or b""
    documents = [
        found[b"Target"].lstrip(b"/")
        for found in map(dict, map(_ATTR.findall, _RELATIONSHIP.findall(root)))
        if found.get(b"Type", b"").endswith(b"/relationships/officeDocument")
    ]
    if documents != [b"xl/workbook.xml"]:
        raise _NotPlain
    types = _part(contents, "[Content_Types].xml", b"Types", shared=True) or b""
    if b"<Types" not in types or b'PartName="/xl/workbook.xml"' not in types:
        raise _NotPlain


def _part(
    contents: dict[str, bytes],
    name: str,
    root: bytes,
    needed: bool = True,
    shared: bool = False,
) -> bytes | None:
    """A part to read, if it is well-formed XML with the `root` element its name promises,
    in the shapes read here (else _NotPlain).

    `shared`: a part forms from one writer share byte for byte (workbook, relationships,
    styles), whose verdict is remembered."""
    part = contents.get(name)
    if part is None:
        if needed:
            raise _NotPlain  # not there, or too large to have been kept
        return None
    first = _FIRST_ELEMENT.search(part)
    if first is None or first.group(1) != root:
        raise _NotPlain  # another part under this name, or a prefixed root
    if b"\r" in part or b"<!--" in part or b"<![CDATA[" in part:
        # the XML reader passes carriage returns through as they stand, skips comments (a
        # cell commented out is no cell) and takes CDATA as text; all rare in workbooks
        raise _NotPlain
    if not (_well_formed_shared(part) if shared else _well_formed(part)):
        raise _NotPlain  # damaged: calamine says how
    return part


def _well_formed(part: bytes) -> bool:
    """Whether expat takes the part as well-formed XML. The patterns here would read past
    damage (a stray <, an unclosed element, bytes that are no UTF-8) that calamine's XML
    reader refuses; expat is stricter still, so what it takes, calamine takes too."""
    parser = expat.ParserCreate()
    try:
        parser.Parse(part, True)
    except expat.ExpatError:
        return False
    return True


_WELL_FORMED: dict[bytes, bool] = {}


def _well_formed_shared(part: bytes) -> bool:
    verdict = _WELL_FORMED.get(part)
    if verdict is None:
        if len(_WELL_FORMED) >= 64:
            _WELL_FORMED.clear()
        verdict = _WELL_FORMED[part] = _well_formed(part)
    return verdict


def _part_path(target: str) -> str:
    if ".." in target or "\\" in target:
        raise _NotPlain
    return target[1:] if target.startswith("/") else "xl/" + target


def _cells(data: bytes, strings: list[str], dates: frozenset[int], limits: Limits) -> Cells:
    start = data.find(b"<sheetData")
    end = data.rfind(b"</sheetData>")
    if start < 0:
        raise _NotPlain
    if end < 0:  # <sheetData/>: no cells
        if data.count(b"<c ") or data.count(b"<c>"):
            raise _NotPlain
        return {}
    body = data[start:end]
    if b":c " in body or b"<c>" in body or b"<c\t" in body or b"<c\n" in body:
        raise _NotPlain
    found = _CELL.findall(body)
    if len(found) != body.count(b"<c "):
        raise _NotPlain  # a cell this pattern does not take: attributes in another order
    cells: Cells = {}
    positions = []
    columns = _COLUMNS
    for letters, digits, style, kind, empty, plain, preserve, inline, inner in found:
        col = columns.get(letters)
        if col is None:
            col = columns[letters] = _column(letters)
        pos = (int(digits) - 1, col)
        positions.append(pos)
        if empty:
            continue
        if inline:  # <is><t>text</t></is>, the way openpyxl writes every text
            if kind != b"inlineStr":
                raise _NotPlain
            value = inline.decode("utf-8")
            if "&" in value or "_x" in value or value[0].isspace() or value[-1].isspace():
                value = _t(inline, preserve)
        elif kind == b"s" and plain.isdigit() and not inner:
            value = strings[int(plain)]
        else:
            value = _value(kind, plain, inner, style, strings, dates)
            if value is None:
                continue
        if value != "":
            cells[pos] = value
    if len(set(positions)) != len(positions):
        raise _NotPlain  # the same cell twice
    if positions:
        rows = [row for row, _ in positions]
        cols = [col for _, col in positions]
        if max(rows) - min(rows) >= limits.max_rows or max(cols) - min(cols) >= limits.max_columns:
            raise _NotPlain  # calamine's path reads the top-left corner of a huge sheet
    return cells


_COLUMNS: dict[bytes, int] = {}  # letters to index; at most Excel's 16,384 columns


def _value(
    kind: bytes,
    plain: bytes,
    inner: bytes,
    style: bytes,
    strings: list[str],
    dates: frozenset[int],
) -> Any:
    if inner:
        if kind == b"inlineStr":
            if b"<v" in inner or b"<is" not in inner:
                raise _NotPlain
            return _rich_text(inner)
        value = _VALUE.search(inner)
        if b"<is" in inner or b"<c" in inner or b"<f" not in inner:
            raise _NotPlain
        if value is None or not value.group(1):
            return None  # a formula saved without its result
        plain = value.group(1)
    elif kind == b"inlineStr":
        return ""
    if kind in (b"", b"n"):
        if (int(style) if style else 0) in dates:
            raise _NotPlain  # a date or time: calamine turns it into one
        if not plain or plain.strip(b"0123456789+-.eE"):
            raise _NotPlain
        return float(plain)
    if kind == b"s":
        return strings[int(plain)] if plain.isdigit() else _not_plain()  # not "-1": from the end
    if kind == b"str":
        return _text(plain)
    if kind == b"b":
        if plain not in (b"0", b"1"):
            raise _NotPlain
        return plain == b"1"
    raise _NotPlain  # errors (e), ISO dates (d), anything unknown


def _not_plain() -> Any:
    raise _NotPlain


def _shared_strings(data: bytes | None) -> list[str]:
    if data is None:
        return []
    strings: list[str] = []
    count = 0
    for simple, rich in _SI.findall(data):
        count += 1
        if rich:
            strings.append(_rich_text(rich))
            continue
        text = simple.decode("utf-8")
        if text and ("&" in text or "_x" in text or text[0].isspace() or text[-1].isspace()):
            text = _t(simple, b"")
        strings.append(text)
    if count != data.count(b"<si>") + data.count(b"<si/>") or b":si" in data or b"<si " in data:
        raise _NotPlain
    return strings


def _rich_text(inner: bytes) -> str:
    """The text of an <si> or <is>: its <t> and runs' <t>, phonetic hints left out."""
    if b"<rPh" in inner:
        inner = _PHONETIC.sub(b"", inner)
    if b":t" in inner:
        raise _NotPlain
    texts = _TEXT.findall(inner)
    if len(texts) != inner.count(b"<t>") + inner.count(b"<t ") + inner.count(b"<t/>"):
        raise _NotPlain
    return "".join(_t(text, attrs) for attrs, text in texts)


def _t(raw: bytes, attrs: bytes) -> str:
    """The text of a <t> element as calamine gives it: without xml:space="preserve", the
    spaces, tabs and line breaks around it are dropped (also those written as &#10;)."""
    text = _text(raw)
    if attrs == _PRESERVE or not text or not (text[0].isspace() or text[-1].isspace()):
        return text
    if attrs:
        raise _NotPlain  # attributes this reader does not know
    text = text.strip(" \t\n\r")
    if text and (text[0].isspace() or text[-1].isspace()):
        raise _NotPlain  # other white space at an end: which calamine drops is not known here
    return text


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    if "_x" in text:
        raise _NotPlain  # _x000D_ escapes: calamine decodes them
    if "&" not in text:
        return text
    if "&#" not in text:  # only named entities: replaced in turn, &amp; last
        if text.count("&") != sum(map(text.count, _NAMED_ENTITIES)):
            raise _NotPlain  # an entity XML does not know
        for entity, char in _NAMED_ENTITIES.items():
            text = text.replace(entity, char)
        return text
    decoded = _ENTITY.sub(_entity, text)
    if "&" in _ENTITY.sub("", text):
        raise _NotPlain  # an entity XML does not know
    return decoded


def _entity(match: re.Match[str]) -> str:
    named, decimal, hexadecimal = match.groups()
    if named:
        return _NAMED[named]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise _NotPlain
    return chr(code)


def _column(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + char - 64
    return number - 1


_DATES_SEEN: dict[bytes, frozenset[int]] = {}


def _date_styles(styles: bytes | None) -> frozenset[int]:
    """The cell styles (cellXfs indexes) whose number format may be a date or a time.

    Forms from one writer share their styles part byte for byte: read once per process."""
    if styles is None:
        return frozenset()
    known = _DATES_SEEN.get(styles)
    if known is None:
        known = _parse_date_styles(styles)
        if len(_DATES_SEEN) >= 32:
            _DATES_SEEN.clear()
        _DATES_SEEN[styles] = known
    return known


def _parse_date_styles(styles: bytes) -> frozenset[int]:
    if b":numFmt" in styles or b":xf" in styles or b":cellXfs" in styles:
        raise _NotPlain
    # the workbook's own formats (those of conditional formats, in <dxfs>, do not count);
    # one of them may give a built-in number a new code
    custom: dict[int, bool] = {}  # number format -> plain (no date or time in its code)
    formats = _NUMFMTS.search(styles)
    if formats is None and b"<numFmts" in styles:
        raise _NotPlain
    for attrs in _NUMFMT.findall(formats.group(1) or b"" if formats else b""):
        found = dict(_ATTR.findall(attrs))
        code = _text(found.get(b"formatCode", b""))
        plain = not _DATE_LETTERS.search(_FORMAT_NOISE.sub("", code).replace("General", ""))
        custom[int(found[b"numFmtId"])] = plain
    xfs = _CELL_XFS.search(styles)
    if xfs is None:
        return frozenset()
    dates: set[int] = set()
    for index, attrs in enumerate(_XF.findall(xfs.group(1))):
        found = dict(_ATTR.findall(attrs))
        number_format = int(found.get(b"numFmtId", b"0"))
        if not custom.get(number_format, number_format in _PLAIN_FORMATS):
            dates.add(index)
    return frozenset(dates)
