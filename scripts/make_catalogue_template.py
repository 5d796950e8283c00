"""Write templates/katalog.docx: the styles of the proposal catalogue (`xlbudget catalogue`).

The catalogue takes every style it uses from this document, so a municipality can replace it
with its house style (open it in Word, change the styles, save) without touching code. The
styles used: Title, Subtitle, Heading 1/2/3, TOC Heading, List Bullet, Normal, Footer,
"Tabeltekst" (text in tables) and the table style "Katalogtabel". Page size and margins come
from its first section.

Run: python scripts/make_catalogue_template.py [OUTPUT]
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Cm, Pt, RGBColor

ROOT = Path(__file__).resolve().parents[1]
FONT = "Calibri"
ACCENT = RGBColor(0x1F, 0x3A, 0x5F)  # dark blue: headings and the tables' header rows
ACCENT_HEX = "1F3A5F"
LINE_HEX = "A6B4C8"

TABLE_STYLE = f"""
<w:style {nsdecls("w")} w:type="table" w:customStyle="1" w:styleId="Katalogtabel">
  <w:name w:val="Katalogtabel"/>
  <w:basedOn w:val="TableNormal"/>
  <w:uiPriority w:val="59"/>
  <w:qFormat/>
  <w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>
  <w:rPr><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr>
  <w:tblPr>
    <w:tblBorders>
      <w:top w:val="single" w:sz="8" w:space="0" w:color="{ACCENT_HEX}"/>
      <w:bottom w:val="single" w:sz="8" w:space="0" w:color="{ACCENT_HEX}"/>
      <w:insideH w:val="single" w:sz="4" w:space="0" w:color="{LINE_HEX}"/>
    </w:tblBorders>
    <w:tblCellMar>
      <w:top w:w="28" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>
      <w:bottom w:w="28" w:type="dxa"/><w:right w:w="85" w:type="dxa"/>
    </w:tblCellMar>
  </w:tblPr>
  <w:tblStylePr w:type="firstRow">
    <w:rPr><w:b/><w:color w:val="FFFFFF"/></w:rPr>
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{ACCENT_HEX}"/></w:tcPr>
  </w:tblStylePr>
</w:style>
"""


def build() -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.0)
    section.footer_distance = Cm(1.0)
    styles = doc.styles

    normal = styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(10.5)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.1
    for name, size, before, after in [
        ("Title", 30, 120, 12),
        ("Subtitle", 16, 0, 24),
        ("Heading 1", 18, 0, 12),
        ("Heading 2", 14, 0, 10),
        ("Heading 3", 11, 10, 3),
        ("TOC Heading", 18, 0, 12),
    ]:
        style = styles[name]
        style.font.name, style.font.size = FONT, Pt(size)
        style.font.color.rgb = ACCENT
        style.font.bold = name != "Subtitle"
        style.font.italic = False
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(after)
        style.paragraph_format.keep_with_next = True
    # the contents' own heading is not a heading: it stays out of the contents
    toc_heading = styles["TOC Heading"]
    toc_heading.base_style = normal
    for border in styles["Title"].element.xpath("w:pPr/w:pBdr"):  # the default's rule
        border.getparent().remove(border)
    styles["List Bullet"].paragraph_format.space_after = Pt(3)

    footer = styles["Footer"]
    footer.font.name, footer.font.size = FONT, Pt(8.5)
    footer.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    for tabs in footer.element.xpath("w:pPr/w:tabs"):  # the code sets one at the right margin
        tabs.getparent().remove(tabs)

    table_text = styles.add_style("Tabeltekst", WD_STYLE_TYPE.PARAGRAPH)
    table_text.base_style = normal
    table_text.quick_style = True
    table_text.font.size = Pt(9)
    table_text.paragraph_format.space_before = Pt(0)
    table_text.paragraph_format.space_after = Pt(0)
    table_text.paragraph_format.line_spacing = 1.0
    styles.element.append(parse_xml(TABLE_STYLE))

    body = doc.element.body
    for child in list(body):
        if child is not body.sectPr:
            body.remove(child)
    doc.add_paragraph(
        "Skabelon til xlbudget catalogue: ret typografierne (Titel, Overskrift 1–3, Normal, "
        "Tabeltekst, Katalogtabel, Sidefod …); teksten her bliver ikke brugt."
    )
    core = doc.core_properties
    core.title, core.author, core.last_modified_by = "Forslagskatalog (skabelon)", "xlbudget", ""
    core.created = core.modified = dt.datetime(2000, 1, 1)
    core.revision = 1
    buffer = io.BytesIO()
    doc.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same parts with fixed timestamps: the same script writes the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info))
    return out.getvalue()


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "templates" / "katalog.docx"
    target.write_bytes(build())
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
