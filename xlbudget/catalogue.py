"""The proposal catalogue (råderumskatalog, ønskekatalog): a Word document, or a PDF of it,
that the committees and the council read.

The document is built on templates/katalog.docx, whose styles it uses (Title, Subtitle,
Heading 1–3, TOC Heading, List Bullet, Normal, Footer, "Tabeltekst" and the table style
"Katalogtabel"): a municipality swaps in its house style by editing that document. Tables are
written as WordprocessingML directly (python-docx's cell API costs ~1 ms a cell at 1,000
proposals); everything else through python-docx. python-docx is imported only here.

A PDF is the DOCX converted by LibreOffice, which fills in the table of contents first."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from docx import Document
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn

from xlbudget.atomic import check_target, write_atomically
from xlbudget.config import committee_key
from xlbudget.errors import OutputError, UsageError
from xlbudget.export import accounts_text
from xlbudget.issues import number_text
from xlbudget.models import TEXT_FIELDS, Amount, Kind
from xlbudget.spec import load_spec, templates_dir

if TYPE_CHECKING:
    from xlbudget.consolidation import Consolidation, Entry, Group

TEMPLATE = "katalog.docx"
CREATED = dt.datetime(2000, 1, 1)  # fixed core dates: the same forms give the same bytes
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
KINDS: tuple[Kind, ...] = ("Råderum", "Ønske")
KIND_NAMES = {"raaderum": "Råderum", "råderum": "Råderum", "oenske": "Ønske", "ønske": "Ønske"}
KIND_PLURAL = {"Råderum": "råderumsforslag", "Ønske": "ønsker"}
FOOTER_TEXT = "Beløb i 1.000 kr. (+ = udgifter, − = indtægter)"
TOC_LEVELS = "1-2"  # committees and proposals; the texts' headings would bury them
TOC_PLACEHOLDER = (
    "Indholdsfortegnelsen udfyldes, når felterne opdateres "
    "(Word: højreklik og vælg Opdater felt; LibreOffice: Funktioner › Opdater › Opdater alle)."
)
MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august")
MONTHS += ("september", "oktober", "november", "december")
TWIPS_PER_EMU = 1 / 635
# characters XML 1.0 cannot hold (a form's text may carry them from old Excel files)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
SOFFICE_TIMEOUT = 600


def write_catalogue(
    consolidation: Consolidation,
    path: Path | str,
    *,
    title: str | None = None,
    kind: str | None = None,
    committees: Sequence[str] | None = None,
) -> Path:
    """Write the catalogue of the consolidation's included proposals, in its order, to `path`
    (.docx, or .pdf through LibreOffice), atomically; return the path.

    `kind` ("Råderum"/"raaderum" or "Ønske"/"oenske") and `committees` (names, spelled as
    loosely as the configuration allows) keep only those proposals."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".docx", ".pdf"):
        raise UsageError(
            f"{target}: the catalogue is written as .docx or .pdf; give a name ending in one",
            f"{target}: kataloget skrives som .docx eller .pdf; giv et filnavn, der ender på en af dem",
        )
    check_target(target, (f.path for f in consolidation.files), "catalogue")
    kinds = _kinds(kind)
    groups = _select(consolidation, kinds, committees)
    try:
        data = build_catalogue(consolidation, groups, kinds, title)
    except (OSError, ValueError, KeyError) as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise OutputError(
            f"{target}: cannot write the catalogue ({detail})",
            f"{target}: kataloget kan ikke skrives ({detail})",
        ) from exc
    if suffix == ".pdf":
        data = to_pdf(data)
    return write_atomically(target, data, "catalogue")


def _kinds(kind: str | None) -> tuple[Kind, ...]:
    if kind is None:
        return KINDS
    found = KIND_NAMES.get(kind.strip().casefold())
    if found is None:
        raise UsageError(
            f"unknown kind {kind!r}: use raaderum or oenske",
            f"ukendt type {kind!r}: brug raaderum eller oenske",
        )
    return (found,)  # type: ignore[return-value]


def _select(
    c: Consolidation, kinds: tuple[Kind, ...], committees: Sequence[str] | None
) -> list[tuple[Group, list[Entry]]]:
    """The consolidation's groups, in order, with the entries the filters keep."""
    wanted = None
    if committees:
        wanted = {committee_key(name): name for name in committees}
        known = {committee_key(g.committee) for g in c.groups}
        missing = [name for key, name in wanted.items() if key not in known]
        if missing:
            names = ", ".join(g.committee for g in c.groups) or "-"
            raise UsageError(
                f"no included proposals for committee {', '.join(missing)} (there are for: {names})",
                f"ingen medtagne forslag til udvalget {', '.join(missing)} (der er til: {names})",
            )
    chosen = []
    for group in c.groups:
        if wanted is not None and committee_key(group.committee) not in wanted:
            continue
        entries = [e for e in group.entries if e.proposal.kind in kinds]
        if entries:
            chosen.append((group, entries))
    return chosen


def build_catalogue(
    c: Consolidation,
    groups: list[tuple[Group, list[Entry]]],
    kinds: tuple[Kind, ...] = KINDS,
    title: str | None = None,
) -> bytes:
    """The catalogue as DOCX bytes: title page, contents, then per committee an overview
    and a note per proposal."""
    doc = Document(str(templates_dir() / TEMPLATE))
    body = doc.element.body
    for child in list(body):  # the template's sample text
        if child is not body.sectPr:
            body.remove(child)
    writer = _Writer(doc, c.years)
    title = title or _default_title(c)
    writer.title_page(c, groups, kinds, title)
    writer.contents()
    if len(groups) > 1:
        writer.summary(groups, kinds)
    labels = _labels(c.municipality)
    for group, entries in groups:
        writer.overview(group, entries, kinds)
        for entry in entries:
            writer.proposal(entry, labels)
    if not groups:
        writer.paragraph("Ingen forslag svarer til udvalget.", "Normal")
    writer.finish()
    writer.footer()
    _properties(doc, c, title)
    buffer = io.BytesIO()
    doc.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _default_title(c: Consolidation) -> str:
    years = f" {c.years[0]}–{c.years[-1]}" if c.years else ""
    return f"Budgetforslag{years}"


def _labels(municipality: str | None) -> dict[str, str]:
    """The text fields' headings: the form's labels without their instructions ("Nøgletal",
    not "Nøgletal (Angiv relevante nøgletal …):")."""
    spec = load_spec()
    labels = {}
    for key in TEXT_FIELDS:
        label = spec.field(key).label_for(municipality).strip().rstrip(":").strip()
        label = re.split(r" \(|\. ", label, maxsplit=1)[0].strip()
        labels[key] = label
    return labels


def _properties(doc: Any, c: Consolidation, title: str) -> None:
    core = doc.core_properties
    core.title = title
    core.subject = c.municipality or ""
    core.author = "xlbudget"
    core.last_modified_by = "xlbudget"
    core.comments = "Skrevet af xlbudget"
    core.created = core.modified = CREATED
    core.last_printed = CREATED
    core.revision = 1
    # Word fills the contents and page fields on opening (it asks first)
    settings = doc.settings.element
    update = settings.find(qn("w:updateFields"))
    if update is None:
        update = OxmlElement("w:updateFields")
        settings.append(update)
    update.set(qn("w:val"), "true")


def _fixed_zip(data: bytes) -> bytes:
    """The package again with fixed timestamps: python-docx stamps each part with the clock."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def _clean(text: object) -> str:
    return _NOT_XML.sub("", str(text))


def _amount(value: Amount | None) -> str:
    return "" if value is None else number_text(value, "da")


def _sum(values: Iterable[Amount]) -> Amount:
    total = sum(values)
    return int(total) if float(total).is_integer() else round(total, 6)


def danish_date(moment: dt.datetime) -> str:
    """'7. december 2026'."""
    return f"{moment.day}. {MONTHS[moment.month - 1]} {moment.year}"


def paragraphs(text: str) -> list[tuple[str, bool]]:
    """A text field as (paragraph, is bullet) pairs: blank lines part paragraphs, lines
    starting "• " are list items, other line breaks stay within their paragraph."""
    out: list[tuple[str, bool]] = []
    lines: list[str] = []

    def flush() -> None:
        if lines:
            out.append(("\n".join(lines), False))
            lines.clear()

    for raw in _clean(text).replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("•"):
            flush()
            item = line[1:].strip()
            if item:
                out.append((item, True))
        else:
            lines.append(line)
    flush()
    return out


class _Writer:
    """Appends the catalogue's parts to the document, in the template's styles."""

    def __init__(self, doc: Any, years: list[int]) -> None:
        self.doc = doc
        self.years = years
        self.body = doc.element.body
        section = doc.sections[0]
        self.width = int(
            (section.page_width - section.left_margin - section.right_margin) * TWIPS_PER_EMU
        )
        # style names to ids, once: python-docx resolves a style by walking all of them
        by_name = {s.name: s.style_id for s in doc.styles if s.name}
        normal = by_name.get("Normal", "Normal")
        self.style_ids = {name: by_name.get(name, normal) for name in PARAGRAPH_STYLES}
        self.bullets = "List Bullet" in by_name  # without it, items keep their "• "
        self.cell_style = by_name.get("Tabeltekst")
        self.table_style = by_name.get("Katalogtabel") or by_name.get("Table Grid")
        self.parts: list[str] = []  # the body's XML, parsed once by finish()

    def finish(self) -> None:
        """Parse the collected XML and put it in the body, before its section properties."""
        holder = parse_xml(f"<w:body {nsdecls('w')}>{''.join(self.parts)}</w:body>")
        self.parts = []
        anchor = self.body.sectPr
        for child in list(holder):
            anchor.addprevious(child)

    # -- paragraphs ---------------------------------------------------------------------

    def paragraph(self, text: str, style: str, page_break: bool = False) -> None:
        if style == "List Bullet" and not self.bullets:
            text = f"• {text}"
        ppr = f'<w:pStyle w:val="{self.style_ids[style]}"/>'
        if page_break:
            ppr += "<w:pageBreakBefore/>"
        self.parts.append(f"<w:p><w:pPr>{ppr}</w:pPr>{_run(text)}</w:p>")

    def title_page(
        self,
        c: Consolidation,
        groups: list[tuple[Group, list[Entry]]],
        kinds: tuple[Kind, ...],
        title: str,
    ) -> None:
        self.paragraph(title, "Title")
        if c.municipality:
            self.paragraph(c.municipality, "Subtitle")
        count = sum(len(entries) for _, entries in groups)
        what = " og ".join(KIND_PLURAL[k] for k in kinds)
        self.paragraph(f"Indeholder {what}: {count} forslag.", "Normal")
        if groups:
            names = "\n".join(group.committee for group, _ in groups)
            self.paragraph(f"Udvalg:\n{names}", "Normal")
        times = [e.source.modified for _, entries in groups for e in entries if e.source.modified]
        if times:
            newest = dt.datetime.fromtimestamp(max(times))
            self.paragraph(f"Nyeste skema ændret {danish_date(newest)}.", "Normal")
        self.paragraph(FOOTER_TEXT + ".", "Normal")

    def contents(self) -> None:
        self.paragraph("Indhold", "TOC Heading", page_break=True)
        instruction = escape(f'TOC \\o "{TOC_LEVELS}" \\h \\z \\u')
        self.parts.append(
            f'<w:p><w:pPr><w:pStyle w:val="{self.style_ids["Normal"]}"/></w:pPr>'
            '<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f"{_run(TOC_PLACEHOLDER)}"
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
        )

    def _field(self, para: Any, instruction: str, result: str) -> None:
        """A complex field (begin, instruction, separate, cached result, end) in a
        python-docx paragraph, each part in a run of its own."""
        for kind in ("begin", "instruction", "separate", "result", "end"):
            if kind == "result":
                para.add_run(result)
                continue
            run = para.add_run()
            if kind == "instruction":
                part = OxmlElement("w:instrText")
                part.set(qn("xml:space"), "preserve")
                part.text = f" {instruction} "
            else:
                part = OxmlElement("w:fldChar")
                part.set(qn("w:fldCharType"), kind)
            run.element.append(part)

    def footer(self) -> None:
        footer = self.doc.sections[0].footer
        footer.is_linked_to_previous = False
        for para in footer.paragraphs:  # the template's footer gives way to ours
            para.clear()
        para = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        if any(s.name == "Footer" for s in self.doc.styles):
            para.style = self.doc.styles["Footer"]
        para.paragraph_format.tab_stops.add_tab_stop(self.width * 635, _right_tab())
        para.add_run(FOOTER_TEXT + "\tSide ")
        self._field(para, "PAGE", "1")
        para.add_run(" af ")
        self._field(para, "NUMPAGES", "1")

    # -- tables -------------------------------------------------------------------------

    def _table(
        self,
        widths: list[int],
        rows: list[list[tuple[str, bool, bool]]],
        header: bool,
    ) -> None:
        """Append a table: `rows` of cells (text, right-aligned, bold); the first row is the
        header (repeated on each page) if `header`."""
        total = sum(widths)
        grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
        style = f'<w:tblStyle w:val="{self.table_style}"/>' if self.table_style else ""
        look = "0620" if header else "0600"
        first = "1" if header else "0"
        parts = [
            f"<w:tbl><w:tblPr>{style}"
            f'<w:tblW w:w="{total}" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
            f'<w:tblLook w:val="{look}" w:firstRow="{first}" w:lastRow="0" w:firstColumn="0" '
            f'w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
        ]
        pstyle = f'<w:pStyle w:val="{self.cell_style}"/>' if self.cell_style else ""
        for index, row in enumerate(rows):
            is_header = header and index == 0
            trpr = "<w:cantSplit/><w:tblHeader/>" if is_header else "<w:cantSplit/>"
            parts.append(f"<w:tr><w:trPr>{trpr}</w:trPr>")
            for width, (text, right, bold) in zip(widths, row, strict=True):
                jc = '<w:jc w:val="right"/>' if right else ""
                rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
                # the last rows of a table stay with the rest; a note's facts with its amounts
                keep = "<w:keepNext/>" if index < len(rows) - 1 else ""
                lines = '</w:t><w:br/><w:t xml:space="preserve">'.join(
                    escape(line) for line in _clean(text).split("\n")
                )
                run = f'<w:r>{rpr}<w:t xml:space="preserve">{lines}</w:t></w:r>' if text else ""
                parts.append(
                    f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
                    f"<w:p><w:pPr>{pstyle}{keep}{jc}</w:pPr>{run}</w:p></w:tc>"
                )
            parts.append("</w:tr>")
        parts.append("</w:tbl>")
        self.parts.append("".join(parts))

    def _year_widths(self, fixed: list[int | None]) -> list[int]:
        """Column widths in twips: the years' columns, the fixed ones, the rest to None's."""
        year = 1150
        used = sum(w for w in fixed if w) + year * len(self.years)
        flexible = max(self.width - used, 1500)
        return [w if w else flexible for w in fixed] + [year] * len(self.years)

    def summary(self, groups: list[tuple[Group, list[Entry]]], kinds: tuple[Kind, ...]) -> None:
        """All committees on one page: each one's net amount per year, and the total."""
        self.paragraph("Samlet oversigt", "Heading 1", page_break=True)
        widths = self._year_widths([None])
        rows = [[("Udvalg", False, False)] + [(str(y), True, False) for y in self.years]]
        totals: dict[int, list[Amount]] = {y: [] for y in self.years}
        for group, entries in groups:
            net = _totals(group, entries, kinds, self.years)
            rows.append(
                [(group.committee, False, False)]
                + [(_amount(net[y]), True, False) for y in self.years]
            )
            for y in self.years:
                totals[y].append(net[y])
        rows.append(
            [("I alt", False, True)] + [(_amount(_sum(totals[y])), True, True) for y in self.years]
        )
        self._table(widths, rows, header=True)

    def overview(self, group: Group, entries: list[Entry], kinds: tuple[Kind, ...]) -> None:
        """A committee's heading and its table: the proposals, then the subtotals."""
        self.paragraph(group.committee, "Heading 1", page_break=True)
        widths = self._year_widths([1250, None, 1000])
        header = [("Nr.", False, False), ("Emne", False, False), ("Type", False, False)]
        rows = [header + [(str(y), True, False) for y in self.years]]
        for entry in entries:
            p = entry.proposal
            cells = [(p.nr or "", False, False), (p.subject or "", False, False)]
            cells.append((p.kind or "", False, False))
            cells += [(_amount(p.amounts.get(y)), True, False) for y in self.years]
            rows.append(cells)
        for kind in kinds:
            of_kind = [e for e in entries if e.proposal.kind == kind]
            sums = [_sum(e.proposal.amounts.get(y, 0) for e in of_kind) for y in self.years]
            label = f"I alt {kind.lower()}"
            rows.append(
                [("", False, True), (label, False, True), ("", False, True)]
                + [(_amount(s), True, True) for s in sums]
            )
        if len(kinds) > 1:
            net = _totals(group, entries, kinds, self.years)
            rows.append(
                [("", False, True), ("Netto", False, True), ("", False, True)]
                + [(_amount(net[y]), True, True) for y in self.years]
            )
        self._table(widths, rows, header=True)

    def proposal(self, entry: Entry, labels: dict[str, str]) -> None:
        """One proposal's note, on a page of its own: heading, facts, amounts, texts."""
        p = entry.proposal
        heading = " – ".join(part for part in (p.nr, p.subject) if part)
        self.paragraph(heading or "(uden nummer)", "Heading 2", page_break=True)
        label_width = 1800
        facts = [
            ("Type", p.kind or ""),
            ("Udvalg", p.committee or ""),
            ("Afdeling", p.department or ""),
            ("Konti", accounts_text(p.accounts).replace("; ", "\n")),
        ]
        self._facts([label_width, self.width - label_width], facts)
        self.paragraph("", "Normal")
        widths = self._year_widths([None])
        rows = [[("1.000 kr.", False, False)] + [(str(y), True, False) for y in self.years]]
        rows.append(
            [("Beløb", False, False)]
            + [(_amount(p.amounts.get(y)), True, False) for y in self.years]
        )
        self._table(widths, rows, header=True)
        for key in TEXT_FIELDS:
            text = getattr(p, key)
            if not text or not str(text).strip():
                continue
            blocks = paragraphs(str(text))
            if not blocks:
                continue
            self.paragraph(labels[key], "Heading 3")
            for block, bullet in blocks:
                self.paragraph(block, "List Bullet" if bullet else "Normal")

    def _facts(self, widths: list[int], facts: list[tuple[str, str]]) -> None:
        rows = []
        for label, value in facts:
            rows.append([(label, False, True), (value, False, False)])
        self._table(widths, rows, header=False)


PARAGRAPH_STYLES = ("Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3")
PARAGRAPH_STYLES += ("TOC Heading", "List Bullet")


def _run(text: str) -> str:
    """A run of text, its line breaks as w:br; nothing for no text."""
    if not text:
        return ""
    lines = '</w:t><w:br/><w:t xml:space="preserve">'.join(
        escape(line) for line in _clean(text).split("\n")
    )
    return f'<w:r><w:t xml:space="preserve">{lines}</w:t></w:r>'


def _right_tab() -> Any:
    from docx.enum.text import WD_TAB_ALIGNMENT

    return WD_TAB_ALIGNMENT.RIGHT


def _totals(
    group: Group, entries: list[Entry], kinds: tuple[Kind, ...], years: list[int]
) -> dict[int, Amount]:
    """The net amount per year: the group's totals (as the master's) when nothing is filtered
    out, else the sum of the entries kept."""
    if len(entries) == len(group.entries):
        return {y: group.totals.get(y, 0) for y in years}
    return {y: _sum(e.proposal.amounts.get(y, 0) for e in entries) for y in years}


# -- PDF ----------------------------------------------------------------------------------

# Run by a Python that has LibreOffice's `uno` module: open the document, update its
# indexes (the contents) and fields twice (the contents' own length moves the pages), export.
UNO_SCRIPT = r"""
import subprocess, sys, time
import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

soffice, profile, pipe, source, target = sys.argv[1:6]

def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p

office = subprocess.Popen(
    [soffice, "-env:UserInstallation=" + profile, "--headless", "--invisible", "--norestore",
     "--nologo", "--nodefault", "--accept=pipe,name=%s;urp;" % pipe],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
)
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(240):
        try:
            ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
            break
        except NoConnectException:
            if office.poll() is not None:
                sys.exit("LibreOffice stopped before it could be reached")
            time.sleep(0.25)
    else:
        sys.exit("LibreOffice could not be reached")
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc = desktop.loadComponentFromURL(
        uno.systemPathToFileUrl(source), "_blank", 0, (prop("Hidden", True),))
    for _ in range(2):
        indexes = doc.getDocumentIndexes()
        for i in range(indexes.getCount()):
            indexes.getByIndex(i).update()
        doc.getTextFields().refresh()
    doc.storeToURL(uno.systemPathToFileUrl(target), (prop("FilterName", "writer_pdf_Export"),))
    doc.close(True)
    try:
        desktop.terminate()
    except Exception:
        pass
finally:
    try:
        office.wait(timeout=60)
    except subprocess.TimeoutExpired:
        office.kill()
"""


def to_pdf(docx: bytes) -> bytes:
    """The DOCX as PDF, by headless LibreOffice with the contents filled in; OutputError
    when LibreOffice is not installed or fails."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise OutputError(
            "LibreOffice (soffice) is needed to write a PDF; install it or write .docx",
            "LibreOffice (soffice) skal være installeret for at skrive PDF; installér det, eller skriv .docx",
        )
    with tempfile.TemporaryDirectory(prefix="xlbudget-pdf-") as folder:
        work = Path(folder)
        source = work / "katalog.docx"
        source.write_bytes(docx)
        target = work / "katalog.pdf"
        profile = (work / "profile").as_uri()
        python = _uno_python(soffice)
        if python is not None:
            script = work / "convert.py"
            script.write_text(UNO_SCRIPT, encoding="utf-8")
            pipe = f"xlbudget{os.getpid()}{work.name[-8:]}"
            command = [python, str(script), soffice, profile, pipe, str(source), str(target)]
        else:  # no uno bridge: converted as it is, the contents as Word's placeholder
            command = [
                soffice,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf:writer_pdf_Export",
                "--outdir",
                str(work),
                str(source),
            ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=SOFFICE_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise OutputError(
                "LibreOffice took too long to write the PDF",
                "LibreOffice var for længe om at skrive PDF'en",
            ) from exc
        if not target.is_file():
            detail = " ".join((done.stderr or done.stdout or "").split())[-300:]
            raise OutputError(
                f"LibreOffice could not write the PDF ({detail or done.returncode})",
                f"LibreOffice kunne ikke skrive PDF'en ({detail or done.returncode})",
            )
        return target.read_bytes()


def _uno_python(soffice: str) -> str | None:
    """A Python that can import LibreOffice's `uno`: LibreOffice's own, else python3."""
    program = Path(soffice).resolve().parent
    candidates = [program / "python", program / "python.exe"]
    candidates += [Path(p) for p in (shutil.which("python3"), "/usr/bin/python3") if p]
    for candidate in candidates:
        if not candidate.is_file():
            continue
        try:
            done = subprocess.run(
                [str(candidate), "-c", "import uno"],
                capture_output=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return str(candidate)
    return None
