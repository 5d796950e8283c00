"""Hostile input files: each ends as an error issue for that file (or a harmless read), fast,
without exhausting memory, and a batch holding all of them still reads every other file.

The cases are built by tests/hostile.py into a temporary folder. The guards are exercised
in-process on their own (pure Python: they run before any parser); whole files go through
`read_form` in-process only once the guards have passed them, and every case also goes
through the isolated batch reader (worker processes), as `xlbudget validate` reads them.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from xlbudget.api import validate_paths
from xlbudget.config import Config, Limits
from xlbudget.errors import UnreadableFileError
from xlbudget.guards import check_bytes
from xlbudget.models import FileResult
from xlbudget.pipeline import read_form
from xlbudget.read import sniff_bytes

from . import hostile
from .forms import reference_rows, write_form
from .hostile import CASE, CASES, READ

SECONDS = 5.0  # each case must be settled within this (the guards take milliseconds)
AVAILABLE = [c for c in CASES if c.needs is None or importlib.util.find_spec(c.needs)]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every available case, built once per test session."""
    folder = tmp_path_factory.mktemp("hostile")
    return {case.name: hostile.build(case, folder) for case in AVAILABLE}


def outcome(result: FileResult) -> set[str]:
    """The file-level error codes of a result, or {"read"} when the file was read."""
    codes = {i.code for i in result.issues if i.field is None and i.is_error}
    return codes - {"form-not-found"} or {READ}


def guard_verdict(path: Path, exact: bool = False) -> str:
    """What the guards alone say about a file: an issue code, or "read" (passed)."""
    try:
        data = path.read_bytes()
        check_bytes(data, sniff_bytes(data), Limits(), exact)
    except UnreadableFileError as exc:
        return exc.code
    return READ


def test_corpus_is_small_on_disk(corpus: dict[str, Path]) -> None:
    assert all(path.stat().st_size < 4 * 1024 * 1024 for path in corpus.values())


@pytest.mark.parametrize("exact", [False, True], ids=["fast-path", "exact-path"])
@pytest.mark.parametrize("case", AVAILABLE, ids=lambda c: c.name)
def test_guards_settle_each_case(corpus: dict[str, Path], case: hostile.Case, exact: bool) -> None:
    start = time.monotonic()
    verdict = guard_verdict(corpus[case.name], exact)
    assert time.monotonic() - start < SECONDS
    if READ in case.expect and verdict == READ:
        return
    assert verdict in case.expect


def test_every_case_in_one_isolated_batch(corpus: dict[str, Path]) -> None:
    """All cases and a valid form in one run of the worker pool: each case gets its own
    outcome, none crashes or times out a worker, and the valid form is read."""
    good = write_form(corpus["zip-bomb"].parent.parent / "good.xlsx")
    paths = [*corpus.values(), good]
    start = time.monotonic()
    results = validate_paths(paths, Config(), workers=2)
    assert time.monotonic() - start < 60
    by_path = {Path(r.path): r for r in results}
    assert len(results) == len(paths)
    for case in AVAILABLE:
        found = outcome(by_path[corpus[case.name]])
        assert found <= case.expect, (case.name, found)
        assert not found & {"file-crashed", "file-timeout"}, case.name
    assert by_path[good].proposal is not None and by_path[good].proposal.nr == "BFdr-001"


@pytest.mark.parametrize("name", [c.name for c in AVAILABLE if READ in c.expect])
def test_cases_passed_by_the_guards_read_in_process(corpus: dict[str, Path], name: str) -> None:
    path = corpus[name]
    if guard_verdict(path) != READ:
        pytest.skip("refused by the guards")
    start = time.monotonic()
    result = read_form(path)
    assert time.monotonic() - start < SECONDS
    assert outcome(result) == {READ}, result.issues


def test_legacy_xls_named_xlsx_is_read_by_its_content(corpus: dict[str, Path]) -> None:
    result = read_form(corpus["xls-renamed"])
    assert result.file_type == "xls"
    assert result.proposal.nr == "BFdr-001"
    assert result.proposal.amounts == {2020: 800, 2021: 800, 2022: 800, 2023: 800}


def test_ods_form_with_libreoffice_style_repeats_is_read(corpus: dict[str, Path]) -> None:
    result = read_form(corpus["ods-form"])
    assert result.file_type == "ods" and result.proposal.nr == "BFdr-001"


def test_control_characters_are_dropped_from_text(corpus: dict[str, Path]) -> None:
    proposal = read_form(corpus["control-chars"]).proposal
    for text in (proposal.subject, proposal.description):
        assert text and not any(ord(ch) < 32 and ch not in "\n\t" for ch in text)
        assert "\x7f" not in text
        assert "kontrol" in text


def test_overlong_description_is_cut_with_a_warning(corpus: dict[str, Path]) -> None:
    result = read_form(corpus["long-text"])
    assert len(result.proposal.description) == 32_767
    assert [(i.code, i.field) for i in result.issues] == [("text-truncated", "description")]


def test_lying_dimension_does_not_matter(corpus: dict[str, Path]) -> None:
    result = read_form(corpus["lying-dimension"])
    assert result.issues == [] and result.proposal.nr == "BFdr-001"


def test_entities_are_refused_before_any_parser(corpus: dict[str, Path]) -> None:
    for name in ("laughs-sheet", "laughs-shared-strings", "laughs-workbook", "xxe-sheet"):
        result = read_form(corpus[name])
        assert [i.code for i in result.issues] == ["file-unsafe"]
        assert "DOCTYPE" in result.issues[0].message


_RAW_CALAMINE = """
import io, sys, python_calamine as c
data = open(sys.argv[1], "rb").read()
try:
    book = c.CalamineWorkbook.from_filelike(io.BytesIO(data))
    for name in book.sheet_names:
        for row in book.get_sheet_by_name(name).to_python():
            for value in row:
                text = str(value)
                assert "root:" not in text and "lollol" not in text, "expanded"
                assert len(text) < 1000, "expanded"
    print("read")
except Exception as exc:
    print("error", type(exc).__name__)
"""


def _limited() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.mark.parametrize(
    "name",
    ["laughs-sheet", "laughs-shared-strings", "laughs-workbook", "xxe-sheet", "xxe-shared-strings"],
)
def test_calamine_itself_does_not_expand_entities(corpus: dict[str, Path], name: str) -> None:
    """Without the guards, calamine's XML parser errs on custom entities: no expansion, no
    file content leaked (checked in a memory-capped child process, in case that changes)."""
    done = subprocess.run(
        [sys.executable, "-c", _RAW_CALAMINE, str(corpus[name])],
        capture_output=True,
        text=True,
        timeout=30,
        preexec_fn=_limited,
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.split()[0] in ("read", "error")


def test_openpyxl_refuses_entities_through_defusedxml(corpus: dict[str, Path]) -> None:
    import openpyxl
    import openpyxl.xml
    from defusedxml import DefusedXmlException

    assert openpyxl.xml.DEFUSEDXML
    for name in ("laughs-shared-strings", "laughs-sheet", "xxe-workbook"):
        with pytest.raises(Exception) as raised:
            openpyxl.load_workbook(corpus[name])
        chain, error = [], raised.value
        while error is not None:
            chain.append(error)
            error = error.__cause__ or error.__context__
        assert any(isinstance(e, DefusedXmlException) for e in chain), chain


def test_python_zipfile_alone_would_not_catch_a_lying_header(corpus: dict[str, Path]) -> None:
    """The lying part's CRC matches its declared prefix: zipfile streams it without complaint
    (and its read() would inflate all 1.5 GiB at once), which is why the guards inflate
    every part themselves and refuse the first byte past the declared size."""
    seen = 0
    with zipfile.ZipFile(corpus["lying-sheet-size"]) as archive:
        with archive.open(hostile.SHEET) as stream:  # streamed: 64 KB at a time
            while chunk := stream.read(1 << 16):
                seen += len(chunk)
        assert seen == archive.getinfo(hostile.SHEET).file_size < 10_000
    assert guard_verdict(corpus["lying-sheet-size"]) == "file-corrupt"


def test_cells_without_refs_are_counted_as_calamine_counts(tmp_path: Path) -> None:
    """Rows and cells without r: positions come from counting (empty <row/> counts too)."""
    limits = Limits(max_sheet_cells=10_000)
    base = hostile.base_form(tmp_path)

    def verdict(body: str) -> str:
        path = hostile.rewrite(base, tmp_path / "s.xlsx", {hostile.SHEET: hostile.sheet_xml(body)})
        data = path.read_bytes()
        try:
            check_bytes(data, "xlsx", limits)
        except UnreadableFileError as exc:
            return exc.code
        return READ

    wide = "<c/>" * 59 + "<c><v>1</v></c>"
    # A1, then 200 (self-closing) empty rows, then 60 columns: 202 x 60 > 10,000
    assert verdict("<row><c><v>1</v></c></row>" + "<row/>" * 200 + f"<row>{wide}</row>") == (
        "file-too-large"
    )
    assert verdict("<row><c><v>1</v></c></row>" + "<row/>" * 100 + f"<row>{wide}</row>") == READ
    import python_calamine

    sheet = python_calamine.CalamineWorkbook.from_path(str(tmp_path / "s.xlsx")).get_sheet_by_index(
        0
    )
    assert (sheet.start, sheet.height, sheet.width) == ((0, 0), 102, 60)  # as the guard counted
    # a cell pushed past the last column by counting is outside Excel's grid
    too_wide = "<c/>" * 16_384 + "<c><v>1</v></c>"
    assert verdict(f"<row>{too_wide}</row>") == "file-corrupt"
    # an r on the row resets the count; r on a cell moves the column
    assert verdict(
        '<row r="5000"><c r="A5000"><v>1</v></c></row><row><c r="B1"><v>1</v></c></row>'
    ) == ("read")


def test_sheet_found_by_relationship_not_by_name(corpus: dict[str, Path]) -> None:
    assert guard_verdict(corpus["sheet-elsewhere"]) == "file-too-large"


# --- per-file isolation ------------------------------------------------------------------------


def _forms(folder: Path, count: int) -> list[Path]:
    return [write_form(folder / f"form{i}.xlsx") for i in range(count)]


def test_worker_over_its_time_budget_is_reported_and_the_rest_read(tmp_path: Path) -> None:
    slow = hostile.slow_sheet(tmp_path / "slow", rows=200_000)
    (tmp_path / "more").mkdir()
    paths = [*_forms(tmp_path, 3), slow, *_forms(tmp_path / "more", 2)]
    config = Config(limits=Limits(seconds_per_file=0.4))
    start = time.monotonic()
    results = validate_paths(paths, config, workers=2)
    assert time.monotonic() - start < 20
    by_path = {Path(r.path): r for r in results}
    assert [i.code for i in by_path[slow].issues] == ["file-timeout"]
    assert "0.4" in by_path[slow].issues[0].message
    for path in paths:
        if path != slow:
            assert by_path[path].proposal.nr == "BFdr-001", by_path[path].issues


def test_worker_that_dies_is_reported_and_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed while reading (as a reader abort would kill it): that file gets
    file-crashed, a fresh worker takes over, the others are read."""
    import xlbudget.workers as workers

    original = workers.check_file

    def fragile(path: Path, *args: object) -> list[FileResult]:
        if Path(path).stem.startswith("crash"):
            os.kill(os.getpid(), signal.SIGKILL)
        return original(path, *args)

    monkeypatch.setattr(workers, "check_file", fragile)
    forms = _forms(tmp_path, 6)
    crash = [write_form(tmp_path / f"crash{i}.xlsx") for i in range(2)]
    paths = [forms[0], crash[0], *forms[1:4], crash[1], *forms[4:]]
    results = validate_paths(paths, Config(), workers=2)
    by_path = {Path(r.path): r for r in results}
    assert [r.path for r in results] == [str(p) for p in paths]
    for path in crash:
        issue = by_path[path].issues[0]
        assert issue.code == "file-crashed" and "signal 9" in issue.message
        assert by_path[path].sha256 is not None
    for path in forms:
        assert by_path[path].proposal.nr == "BFdr-001"


def test_results_held_past_their_time_are_sent_mid_batch_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker sends what it has read once 50 ms have passed, in the middle of a batch:
    every result still reaches its own file, and progress is reported as they arrive."""
    import xlbudget.workers as workers

    original = workers.check_file

    def unhurried(path: Path, *args: object) -> list[FileResult]:
        if Path(path).stem.startswith("slow"):
            time.sleep(0.12)  # over HOLD_NS: what was read before it is sent after it
        return original(path, *args)

    monkeypatch.setattr(workers, "check_file", unhurried)
    forms = _forms(tmp_path, 4)
    slow = write_form(tmp_path / "slow.xlsx", reference_rows({"Nr.": ["BFdr-90"]}))
    paths = [forms[0], slow, forms[1], forms[2], forms[3]]
    seen: list[int] = []
    results = validate_paths(paths, Config(), lambda done, total: seen.append(done), workers=1)
    assert [r.path for r in results] == [str(p) for p in paths]
    assert [r.proposal.nr for r in results] == ["BFdr-001", "BFdr-90", *["BFdr-001"] * 3]
    assert len(seen) >= 2 and seen == sorted(seen) and seen[-1] == len(paths)


def test_exception_or_memory_exhaustion_stays_with_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import xlbudget.workers as workers

    original = workers.check_file

    def faulty(path: Path, *args: object) -> list[FileResult]:
        stem = Path(path).stem
        if stem == "hog":
            bytearray(2 << 30)  # over the worker's address-space cap: MemoryError
        if stem == "bug":
            raise RuntimeError("a bug")
        return original(path, *args)

    monkeypatch.setattr(workers, "check_file", faulty)
    forms = _forms(tmp_path, 3)
    hog, bug = write_form(tmp_path / "hog.xlsx"), write_form(tmp_path / "bug.xlsx")
    config = Config(limits=Limits(worker_memory_mb=512))
    results = validate_paths([hog, forms[0], bug, *forms[1:]], config, workers=1)
    by_path = {Path(r.path): r for r in results}
    assert "MemoryError" in by_path[hog].issues[0].message
    assert "RuntimeError" in by_path[bug].issues[0].message
    assert {by_path[p].issues[0].code for p in (hog, bug)} == {"file-crashed"}
    assert all(by_path[p].proposal.nr == "BFdr-001" for p in forms)


def test_file_over_the_size_limit_is_never_read(tmp_path: Path) -> None:
    big = tmp_path / "big.xlsx"
    with big.open("wb") as handle:  # sparse: 30 MB on paper, nothing on disk
        handle.truncate(30 * 1024 * 1024)
    results = validate_paths([big], Config(), workers=1)
    assert [i.code for i in results[0].issues] == ["file-too-large"]
    assert [i.code for i in read_form(big).issues] == ["file-too-large"]


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_files_saved_by_libreoffice_pass_the_guards(tmp_path: Path) -> None:
    """Real-world zips (ods with data descriptors), OLE files and xlsx from another writer."""
    form = write_form(tmp_path / "form.xlsx")
    for target in ("ods", "xls", "xlsx:Calc MS Excel 2007 XML"):
        out = tmp_path / target[:4]
        subprocess.run(
            ["soffice", "--headless", "--convert-to", target, "--outdir", str(out), str(form)],
            capture_output=True,
            timeout=180,
            check=True,
        )
        (saved,) = out.iterdir()
        result = read_form(saved)
        assert result.issues == [] and result.proposal.nr == "BFdr-001", (target, result.issues)
        assert result.file_type == target[:4].rstrip(":")


def test_case_catalogue_names_are_unique() -> None:
    assert len(CASE) == len(CASES)


def test_shared_string_sizes_follow_continue_records() -> None:
    """An .xls string may run on into a CONTINUE record, which starts with a new flags byte."""
    import struct

    from xlbudget.guards import _sst_lengths

    first = struct.pack("<HB", 10, 0) + b"abcde"  # 10 one-byte characters, 5 here
    rest = b"\x01" + "fghij".encode("utf-16-le") + struct.pack("<HB", 3, 0) + b"xyz"
    assert _sst_lengths([first, rest]) == [30, 9]
    rich = struct.pack("<HBH", 2, 0x8, 1) + b"ab" + b"\0" * 4 + struct.pack("<HB", 1, 0) + b"c"
    assert _sst_lengths([rich]) == [6, 3]
