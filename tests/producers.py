"""Forms as other producers package them: made here from a plain form, one producer's habit
at a time (SharePoint's customXml, Windows zip tools, Strict Open XML, LibreOffice …)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from .forms import write_form
from .hostile import Part, read_parts, rewrite, write_zip

TRANSITIONAL = {
    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main": (
        b"http://purl.oclc.org/ooxml/spreadsheetml/main"
    ),
    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships": (
        b"http://purl.oclc.org/ooxml/officeDocument/relationships"
    ),
}
CUSTOM_XML_RELATIONSHIP = (
    b'<Relationship Id="rIdCustom1" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml" '
    b'Target="../customXml/item1.xml"/>'
)


def base(folder: Path, name: str = "_base.xlsx") -> Path:
    """The reference form as openpyxl writes it."""
    folder.mkdir(parents=True, exist_ok=True)
    return write_form(folder / name)


def strict_open_xml(folder: Path) -> Path:
    """Excel's "Strict Open XML" save: the same parts under the ISO namespaces."""

    def strict(name: str, data: bytes) -> bytes:
        for old, new in TRANSITIONAL.items():
            data = data.replace(old, new)
        return data

    return rewrite(base(folder), folder / "strict.xlsx", edit=strict)


def sharepoint_custom_xml(folder: Path) -> Path:
    """A form kept in SharePoint: customXml parts in UTF-16 (as SharePoint writes them) and a
    relationship from the workbook to them."""
    item = '<?xml version="1.0" encoding="utf-16"?><b:Sources xmlns:b="urn:sp"/>'
    props = (
        '<?xml version="1.0" encoding="UTF-16" standalone="no"?>'
        '<ds:datastoreItem ds:itemID="{1}" xmlns:ds="urn:ds"/>'
    )
    item_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="urn:props" Target="itemProps1.xml"/></Relationships>'
    )

    def link(name: str, data: bytes) -> bytes:
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", CUSTOM_XML_RELATIONSHIP + b"</Relationships>")
        return data

    return rewrite(
        base(folder),
        folder / "sharepoint.xlsx",
        edit=link,
        add=[
            Part("customXml/item1.xml", b"\xff\xfe" + item.encode("utf-16-le")),
            Part("customXml/itemProps1.xml", b"\xff\xfe" + props.encode("utf-16-le")),
            Part("customXml/_rels/item1.xml.rels", item_rels.encode()),
        ],
    )


def backslash_names(folder: Path) -> Path:
    """A zip written by a Windows tool: every part name with \\ between its folders."""
    parts = [Part(p.name.replace("/", "\\"), p.data) for p in read_parts(base(folder))]
    return write_zip(folder / "backslash.xlsx", parts)


def bytes_after_the_end(folder: Path) -> Path:
    """A form with bytes after the zip's end record (a mail or upload tool's padding)."""
    path = folder / "trailing.xlsx"
    path.write_bytes(base(folder).read_bytes() + b"\0" * 512 + b"padding")
    return path


def workbook_elsewhere(folder: Path) -> Path:
    """The workbook part where the package relationships put it: xl/book.xml, not
    xl/workbook.xml."""
    parts = []
    for part in read_parts(base(folder)):
        data, name = part.data, part.name
        if name == "xl/workbook.xml":
            name = "xl/book.xml"
        elif name == "xl/_rels/workbook.xml.rels":
            name = "xl/_rels/book.xml.rels"
        elif name in ("_rels/.rels", "[Content_Types].xml"):
            data = data.replace(b"xl/workbook.xml", b"xl/book.xml")
        parts.append(Part(name, data))
    return write_zip(folder / "elsewhere.xlsx", parts)


def template_suffixes(folder: Path) -> list[Path]:
    """The form saved as an Excel template (.xltx) and a macro template (.xltm)."""
    source = base(folder)
    out = []
    for suffix, kind in (("xltx", b"template.main"), ("xltm", b"template.main")):

        def as_template(name: str, data: bytes, kind: bytes = kind) -> bytes:
            if name == "[Content_Types].xml":
                return re.sub(rb"sheet\.main\+xml", kind + b"+xml", data)
            return data

        out.append(rewrite(source, folder / f"skabelon.{suffix}", edit=as_template))
    return out


def without_suffix(folder: Path) -> Path:
    """The form saved without a file name extension ("Forslag BFdr-001")."""
    path = folder / "Forslag BFdr-001"
    path.write_bytes(base(folder).read_bytes())
    return path


def xlsb(folder: Path) -> Path:
    """A workbook saved as Excel Binary (.xlsb): its parts are binary records."""
    return write_zip(
        folder / "binary.xlsb",
        [
            Part("[Content_Types].xml", b'<?xml version="1.0"?><Types/>'),
            Part("xl/workbook.bin", b"\x83\x01\x00"),
            Part("xl/worksheets/sheet1.bin", b"\x81\x01\x00"),
        ],
    )


def fods(folder: Path) -> Path:
    """A flat OpenDocument spreadsheet (.fods): one XML file, no zip."""
    path = folder / "flad.fods"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<office:document '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'office:mimetype="application/vnd.oasis.opendocument.spreadsheet"/>\n',
        encoding="utf-8",
    )
    return path


def zip_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def ods_broken_meta(folder: Path) -> Path:
    """An ods whose meta.xml (document statistics, never needed for cells) is broken."""
    from .hostile import ods_form

    source = ods_form(folder)
    return rewrite(source, folder / "broken-meta.ods", add=[Part("meta.xml", b"<office:meta><")])


def ods_with_basic_macros(folder: Path) -> Path:
    """An ods with LibreOffice Basic macros: their parts start with a DOCTYPE line."""
    from .hostile import ods_form

    module = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" '
        '"module.dtd">\n<script:module xmlns:script="http://openoffice.org/2000/script" '
        'script:name="Module1" script:language="StarBasic">Sub Main\nEnd Sub</script:module>'
    )
    library = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE library:libraries PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" '
        '"libraries.dtd">\n<library:libraries xmlns:library="http://openoffice.org/2000/library"/>'
    )
    return rewrite(
        ods_form(folder),
        folder / "macros.ods",
        add=[
            Part("Basic/Standard/Module1.xml", module.encode()),
            Part("Basic/script-lc.xml", library.encode()),
        ],
    )


def ods_with_password(folder: Path) -> Path:
    """An ods saved with a password: its manifest declares the encryption of content.xml."""
    from .hostile import ods_form

    def encrypted(name: str, data: bytes) -> bytes:
        if name == "META-INF/manifest.xml":
            return data.replace(
                b'manifest:full-path="content.xml" manifest:media-type="text/xml"/>',
                b'manifest:full-path="content.xml" manifest:media-type="text/xml">'
                b'<manifest:encryption-data manifest:checksum-type="SHA1/1K" '
                b'manifest:checksum="x"><manifest:algorithm manifest:algorithm-name="Blowfish CFB" '
                b'manifest:initialisation-vector="x"/></manifest:encryption-data>'
                b"</manifest:file-entry>",
            )
        if name == "content.xml":
            return bytes(range(256)) * 8  # ciphertext
        return data

    return rewrite(ods_form(folder), folder / "password.ods", edit=encrypted)
