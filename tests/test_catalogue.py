"""The proposal catalogue: read back with python-docx (headings, tables, amounts, subtotals
equal to the master's, texts without HTML, page breaks, footer and contents fields), filters,
the command, and the PDF through LibreOffice with its contents filled in."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from openpyxl import load_workbook
from typer.testing import CliRunner

from xlbudget.api import consolidate
from xlbudget.catalogue import paragraphs, write_catalogue
from xlbudget.cli import app
from xlbudget.config import committee_key, load_config
from xlbudget.consolidation import Consolidation, consolidate_results
from xlbudget.errors import OutputError, UsageError
from xlbudget.master import write_master
from xlbudget.models import TEXT_FIELDS, FileResult, Proposal

from .libreoffice import needs_soffice, soffice_convert

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
TAG = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9]*(\s[^<>]*)?/?\s*>")
runner = CliRunner()


# --- reading a catalogue back


def parse_amount(text: str) -> float | None:
    """'1.200' → 1200, '-350' → -350, '12,5' → 12.5, '' → None."""
    text = text.strip().replace("−", "-")
    if not text:
        return None
    value = float(text.replace(".", "").replace(",", "."))
    return int(value) if value.is_integer() else value


class Read:
    """A catalogue's body in order: each block tagged with the headings it falls under."""

    def __init__(self, path: Path) -> None:
        self.doc = Document(str(path))
        self.blocks: list[tuple[str | None, str | None, Any]] = []
        h1 = h2 = None
        for element in self.doc.element.body.iterchildren():
            if element.tag == qn("w:p"):
                para = Paragraph(element, self.doc)
                style = para.style.name if para.style is not None else ""
                if style == "Heading 1":
                    h1, h2 = para.text, None
                elif style == "Heading 2":
                    h2 = para.text
                self.blocks.append((h1, h2, para))
            elif element.tag == qn("w:tbl"):
                self.blocks.append((h1, h2, Table(element, self.doc)))

    def headings(self, style: str) -> list[str]:
        return [b.text for _, _, b in self.blocks if _is_para(b) and b.style.name == style]

    def heading_paragraphs(self, style: str) -> list[Paragraph]:
        return [b for _, _, b in self.blocks if _is_para(b) and b.style.name == style]

    def tables(self, h1: str | None = None, h2: str | None = None) -> list[list[list[str]]]:
        return [
            [[cell.text for cell in row.cells] for row in b.rows]
            for a, c, b in self.blocks
            if isinstance(b, Table) and (h1 is None or a == h1) and (h2 is None or c == h2)
        ]

    def overview(self, committee: str) -> list[list[str]]:
        found = [t for t in self.tables(committee, None) if t[0][:3] == ["Nr.", "Emne", "Type"]]
        assert len(found) == 1, committee
        return found[0]

    def under(self, h2: str) -> list[Paragraph]:
        return [b for _, c, b in self.blocks if c == h2 and _is_para(b)]

    def all_text(self) -> list[str]:
        texts = [p.text for p in self.doc.paragraphs]
        for table in self.doc.tables:
            texts += [cell.text for row in table.rows for cell in row.cells]
        return texts


def _is_para(block: Any) -> bool:
    return isinstance(block, Paragraph)


def _heading(entry: Any) -> str:
    return f"{entry.proposal.nr} – {entry.proposal.subject}"


def _years_of(table: list[list[str]]) -> list[int]:
    return [int(text) for text in table[0] if text.isdigit()]


def _amounts(row: list[str], width: int) -> list[float | None]:
    return [parse_amount(text) for text in row[-width:]]


@pytest.fixture(scope="module")
def samples() -> Consolidation:
    return consolidate([SAMPLES], load_config(SAMPLES / "xlbudget.toml"))


@pytest.fixture(scope="module")
def catalogue(samples: Consolidation, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_catalogue(samples, tmp_path_factory.mktemp("catalogue") / "katalog.docx")


@pytest.fixture(scope="module")
def read(catalogue: Path) -> Read:
    return Read(catalogue)


# --- structure


def test_title_page(read: Read, samples: Consolidation) -> None:
    assert read.headings("Title") == ["Budgetforslag 2020–2023"]
    first_page = [p.text for p in read.doc.paragraphs[:8]]
    assert "Himmerby Kommune" in first_page
    text = "\n".join(first_page)
    assert "råderumsforslag og ønsker" in text
    assert all(group.committee in text for group in samples.groups)
    assert re.search(r"Nyeste skema ændret \d{1,2}\. [a-zæøå]+ \d{4}\.", text)


def test_committee_headings_in_the_consolidations_order(read: Read, samples: Consolidation) -> None:
    committees = [g.committee for g in samples.groups]
    assert len(committees) == 6
    assert read.headings("Heading 1") == ["Samlet oversigt", *committees]


def test_one_heading_per_included_proposal_in_order(read: Read, samples: Consolidation) -> None:
    assert read.headings("Heading 2") == [_heading(e) for e in samples.entries]
    assert len(samples.entries) == 16
    for _, h2, _block in read.blocks:  # each proposal under its committee
        if h2 is not None:
            assert h2 in {_heading(e) for e in samples.entries}


def test_every_proposal_and_committee_starts_a_new_page(read: Read) -> None:
    for style in ("Heading 1", "Heading 2"):
        for para in read.heading_paragraphs(style):
            assert para.paragraph_format.page_break_before, para.text


def test_footer_has_the_note_and_page_fields(read: Read) -> None:
    for section in read.doc.sections:
        footer = section.footer
        assert not footer.is_linked_to_previous
        xml = footer._element.xml
        instructions = [i.text.strip() for i in footer._element.iter(qn("w:instrText"))]
        assert instructions == ["PAGE", "NUMPAGES"]
        assert xml.count('w:fldCharType="begin"') == 2
        text = "".join(p.text for p in footer.paragraphs)
        assert "Beløb i 1.000 kr. (+ = udgifter, − = indtægter)" in text
        assert re.search(r"Side 1 af 1$", text)


def test_table_of_contents_is_a_field(read: Read) -> None:
    instructions = [i.text for i in read.doc.element.body.iter(qn("w:instrText"))]
    assert any(re.match(r'\s*TOC \\o "1-\d"', text) for text in instructions)
    assert read.doc.settings.element.find(qn("w:updateFields")) is not None


# --- numbers


def _master_subtotals(consolidation: Consolidation, path: Path) -> dict[str, list[Any]]:
    write_master(consolidation, path)
    rows = [
        list(r) for r in load_workbook(path, data_only=True)["Oversigt"].iter_rows(values_only=True)
    ]
    header = rows[0]
    year_cols = [i for i, v in enumerate(header) if isinstance(v, int) and 1900 < v < 3000]
    assert [header[i] for i in year_cols] == consolidation.years
    totals = {}
    for row in rows[1:]:
        label = next((v for v in row if isinstance(v, str) and v.startswith("I alt")), None)
        if label:
            totals[label] = [row[i] for i in year_cols]
    return totals


def test_overview_subtotals_equal_the_masters(
    read: Read, samples: Consolidation, tmp_path: Path
) -> None:
    master = _master_subtotals(samples, tmp_path / "samleark.xlsx")
    for group in samples.groups:
        table = read.overview(group.committee)
        years = _years_of(table)
        assert years == samples.years
        by_label = {row[1]: _amounts(row, len(years)) for row in table if row[0] == ""}
        assert by_label["Netto"] == master[f"I alt {group.committee}"]
        assert by_label["Netto"] == [group.totals[y] for y in years]
        for kind in ("Råderum", "Ønske"):
            expected = [
                sum(e.proposal.amounts.get(y, 0) for e in group.entries if e.proposal.kind == kind)
                for y in years
            ]
            assert by_label[f"I alt {kind.lower()}"] == expected
        rows = [row for row in table[1:] if row[0]]
        assert [row[0] for row in rows] == [e.proposal.nr for e in group.entries]
        for row, entry in zip(rows, group.entries, strict=True):
            assert row[1:3] == [entry.proposal.subject, entry.proposal.kind]
            assert _amounts(row, len(years)) == [entry.proposal.amounts.get(y) for y in years]
    summary = read.tables("Samlet oversigt")[0]
    assert summary[-1][0] == "I alt"
    assert _amounts(summary[-1], len(samples.years)) == master["I alt, alle udvalg"]


def test_amounts_are_danish_and_right_aligned(read: Read) -> None:
    table = read.overview("Børne- og Familieudvalget")
    assert "802.150" in table[-1]  # thousands with a dot
    assert "-150" in next(r for r in table if r[0] == "BFdr-003")  # a minus
    tbl = next(b for _, _, b in read.blocks if isinstance(b, Table))
    last = tbl.rows[-1].cells[-1].paragraphs[0]
    assert last.paragraph_format.alignment is not None
    assert last.paragraph_format.alignment.name == "RIGHT"


def test_every_proposals_amounts_equal_its_forms(read: Read, samples: Consolidation) -> None:
    expected = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
    forms = {v["nr"]: v["amounts"] for v in expected.values() if v.get("valid") and v.get("nr")}
    checked = 0
    for entry in samples.entries:
        heading = _heading(entry)
        (facts, amounts) = read.tables(h2=heading)
        assert [row[0] for row in facts] == ["Type", "Udvalg", "Afdeling", "Konti"]
        assert facts[0][1] == entry.proposal.kind
        assert facts[1][1] == entry.proposal.committee
        assert all(a.code in facts[3][1] for a in entry.proposal.accounts)
        years = _years_of(amounts)
        values = _amounts(amounts[1], len(years))
        assert values == [entry.proposal.amounts.get(y) for y in years]
        if entry.proposal.nr in forms:
            assert dict(zip(map(str, years), values, strict=True)) == forms[entry.proposal.nr]
            checked += 1
    assert checked >= 10


def test_decimal_and_blank_amounts(master_consolidation: Any, tmp_path: Path) -> None:
    read = Read(write_catalogue(master_consolidation, tmp_path / "k.docx"))
    for entry in master_consolidation.entries:
        (_, amounts) = read.tables(h2=_heading(entry))
        years = _years_of(amounts)
        assert _amounts(amounts[1], len(years)) == [entry.proposal.amounts.get(y) for y in years]
    assert any("12,5" in row for t in read.tables() for row in t)


# --- texts


def test_every_text_field_under_its_label_without_html(read: Read, samples: Consolidation) -> None:
    for entry in samples.entries:
        paras = read.under(_heading(entry))
        labels = [p.text for p in paras if p.style.name == "Heading 3"]
        filled = [k for k in TEXT_FIELDS if (getattr(entry.proposal, k) or "").strip()]
        assert len(labels) == len(filled)
        assert labels[0] == "Beskrivelse"
        body = "\n".join(p.text for p in paras)
        for key in filled:
            for block, _ in paragraphs(getattr(entry.proposal, key)):
                assert block in body
    for text in read.all_text():
        assert not TAG.search(text), text


def _texts_consolidation(tmp_path: Path) -> Consolidation:
    text = (
        "Første afsnit med <b> som tekst? nej: 5 < 7 og 8 > 2.\n\n"
        "• punkt ét\n• punkt to\n\nSidste afsnit\nmed linjeskift.\x0b"
    )
    results = []
    for nr, kind, committee, amounts in [
        ("BFdr-001", "Ønske", "Børne- og Familieudvalget", [100, 200, 300, 400]),
        ("BFdr-002", "Råderum", "Børne- og Familieudvalget", [-50, -50, -50, -50]),
        ("TMdr-001", "Råderum", "Teknik- og Miljøudvalget", [-10, -20, -30, -40]),
        ("TMdr-002", "Ønske", "Teknik og miljøudvalg", [1, 2, 3, 4.5]),
    ]:
        proposal = Proposal(
            nr=nr,
            kind=kind,
            committee=committee,
            department="Afdeling",
            subject=f"Emne {nr}",
            amounts=dict(zip([2020, 2021, 2022, 2023], amounts, strict=True)),
            description=text,
            key_figures="   ",
        )
        results.append(
            FileResult(
                path=str(tmp_path / f"{nr}.xlsx"), proposal=proposal, sheet="Ark1", modified=0
            )
        )
    return consolidate_results(results, load_config(SAMPLES / "xlbudget.toml"))


def test_bullets_and_paragraphs(tmp_path: Path) -> None:
    c = _texts_consolidation(tmp_path)
    read = Read(write_catalogue(c, tmp_path / "k.docx"))
    paras = read.under("BFdr-001 – Emne BFdr-001")
    styles = [(p.style.name, p.text) for p in paras if p.style.name != "Heading 2"]
    assert ("Heading 3", "Beskrivelse") in styles
    assert ("List Bullet", "punkt ét") in styles and ("List Bullet", "punkt to") in styles
    assert not any(s == "Heading 3" and t.startswith("Nøgletal") for s, t in styles)  # blank
    assert ("Normal", "Sidste afsnit\nmed linjeskift.") in styles
    assert not any("•" in t for _, t in styles)


def test_filter_by_kind(samples: Consolidation, tmp_path: Path) -> None:
    read = Read(write_catalogue(samples, tmp_path / "r.docx", kind="raaderum"))
    raaderum = [e for e in samples.entries if e.proposal.kind == "Råderum"]
    assert read.headings("Heading 2") == [_heading(e) for e in raaderum]
    for group in samples.groups:
        entries = [e for e in group.entries if e.proposal.kind == "Råderum"]
        if not entries:
            assert group.committee not in read.headings("Heading 1")
            continue
        table = read.overview(group.committee)
        labels = [row[1] for row in table if row[0] == ""]
        assert labels == ["I alt råderum"]
        sums = [sum(e.proposal.amounts.get(y, 0) for e in entries) for y in samples.years]
        assert _amounts(table[-1], len(samples.years)) == sums
    assert "Indeholder råderumsforslag:" in "\n".join(p.text for p in read.doc.paragraphs[:6])
    oenske = Read(write_catalogue(samples, tmp_path / "o.docx", kind="Ønske"))
    assert oenske.headings("Heading 2") == [
        _heading(e) for e in samples.entries if e.proposal.kind == "Ønske"
    ]


def test_filter_by_committee_spelled_loosely(tmp_path: Path) -> None:
    c = _texts_consolidation(tmp_path)
    read = Read(write_catalogue(c, tmp_path / "k.docx", committees=["teknik og miljø udvalget"]))
    teknik = c.groups[1].committee  # the spelling most forms use (a tie: the first)
    assert committee_key(teknik) == committee_key("Teknik- og Miljøudvalget")
    assert read.headings("Heading 1") == [teknik]  # no summary for one committee
    assert read.headings("Heading 2") == ["TMdr-001 – Emne TMdr-001", "TMdr-002 – Emne TMdr-002"]
    table = read.overview(teknik)
    assert table[-1][1] == "Netto" and table[-1][-1] == "-35,5"
    both = Read(
        write_catalogue(
            c,
            tmp_path / "b.docx",
            kind="oenske",
            committees=["Teknik- og Miljøudvalget", "Børne- og Familieudvalget"],
        )
    )
    assert both.headings("Heading 2") == ["BFdr-001 – Emne BFdr-001", "TMdr-002 – Emne TMdr-002"]
    with pytest.raises(UsageError, match="Kulturudvalget"):
        write_catalogue(c, tmp_path / "x.docx", committees=["Kulturudvalget"])
    with pytest.raises(UsageError):
        write_catalogue(c, tmp_path / "x.docx", kind="anlæg")
    with pytest.raises(UsageError):
        write_catalogue(c, tmp_path / "x.odt")


def test_title_option_and_same_bytes(samples: Consolidation, tmp_path: Path) -> None:
    one = write_catalogue(samples, tmp_path / "a.docx", title="Råderumskatalog 2020")
    two = write_catalogue(samples, tmp_path / "b.docx", title="Råderumskatalog 2020")
    assert one.read_bytes() == two.read_bytes()
    assert Read(one).headings("Title") == ["Råderumskatalog 2020"]


def test_pdf_without_libreoffice_is_one_clear_error(
    samples: Consolidation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(OutputError) as caught:
        write_catalogue(samples, tmp_path / "k.pdf")
    assert caught.value.message("en").startswith("LibreOffice (soffice) is needed")
    assert caught.value.message("da").startswith("LibreOffice (soffice) skal være installeret")
    assert not (tmp_path / "k.pdf").exists()


def test_command(tmp_path: Path) -> None:
    out = tmp_path / "katalog.docx"
    args = ["catalogue", str(SAMPLES), "-o", str(out), "--config", str(SAMPLES / "xlbudget.toml")]
    result = runner.invoke(app, [*args, "--kind", "oenske", "--committee", "Økonomiudvalget"])
    assert result.exit_code == 0, result.output
    assert f"Katalog skrevet: {out}" in result.output
    assert Read(out).headings("Heading 2") == [
        "ØKdr-001 – Indkøbskonsulent til styrket aftaleoverholdelse"
    ]
    english = runner.invoke(app, [*args[:3], str(tmp_path / "k.txt"), "--lang", "en"])
    assert english.exit_code == 2 and ".docx or .pdf" in english.output


# --- LibreOffice


def _pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")


needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="no pdftotext")


@pytest.mark.libreoffice
@needs_soffice
@needs_pdftotext
def test_pdf_has_its_contents_filled_in(samples: Consolidation, tmp_path: Path) -> None:
    pdf = write_catalogue(samples, tmp_path / "katalog.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    pages = [p for p in _pdf_pages(pdf) if p.strip()]
    # title, contents, summary, six overviews, sixteen notes (some over two pages)
    assert 25 <= len(pages) <= 45
    contents = pages[1]
    assert "Indhold" in contents and "udfyldes" not in contents
    for entry in samples.entries:
        heading = _heading(entry)
        line = next(line for line in contents.splitlines() if entry.proposal.nr in line)
        found = re.search(r"(\d+)\s*$", line)
        assert found, line
        page = int(found.group(1))
        assert heading.split(" – ")[1][:20] in pages[page - 1], (heading, page)  # right page
    for page_number, page in enumerate(pages, 1):
        assert f"Side {page_number} af {len(pages)}" in page


@pytest.mark.libreoffice
@needs_soffice
def test_libreoffice_opens_the_docx(catalogue: Path, tmp_path: Path) -> None:
    odt = soffice_convert(catalogue, "odt", tmp_path)
    assert odt.stat().st_size > 10_000
