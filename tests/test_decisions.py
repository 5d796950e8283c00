"""Decisions in the master (Med, Beslutning, Bemærkning), the Scenarie sheet with targets,
and decisions carried to the next round with --previous, as a finance officer works: the
master written, cells changed with openpyxl, recalculated by LibreOffice, run again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from xlbudget.api import consolidate, write_master
from xlbudget.cli import app
from xlbudget.config import load_config
from xlbudget.decisions import read_previous
from xlbudget.errors import ConfigError, UsageError

from .forms import reference_rows, write_form
from .libreoffice import needs_soffice, soffice_convert

YEARS = [2020, 2021, 2022, 2023]
BF, TM = "Børne- og Familieudvalget", "Teknik- og Miljøudvalget"
CONFIG = f"""
[budget]
first_year = 2020
years = 4

[[committee]]
name = "{BF}"
prefix = "BF"
target = 500

[[committee]]
name = "{TM}"
prefix = "TM"
target = [100, 200, 300, 400]
"""
TICK = "Sæt kryds i Råderum eller Ønske"
AMOUNTS = "Budgetændring + = udgifter, - = indtægter"
runner = CliRunner()


def form(folder: Path, nr: str, kind: str, amounts: list[float], **changes: Any) -> Path:
    committee = {"BF": "Børne og Familieudvalget", "TM": "Teknik- og Miljøudvalget"}[nr[:2]]
    tick = [None, "Råderum", "X", "Ønske"] if kind == "Råderum" else [None, "Råderum", "Ønske", "X"]
    rows = {"Nr.": [nr], "Udvalg": [committee], TICK: tick, AMOUNTS: amounts}
    rows |= {"Emne": [changes.get("subject", f"Forslag {nr}")]}
    if "description" in changes:
        rows["Beskrivelse:"] = [changes["description"]]
    return write_form(folder / f"{nr}.xlsx", reference_rows(rows))


@pytest.fixture
def round1(tmp_path: Path) -> tuple[Path, Path]:
    """A folder of five forms and its xlbudget.toml (targets for both committees)."""
    forms = tmp_path / "forms"
    forms.mkdir()
    form(forms, "BFdr-001", "Ønske", [800, 800, 800, 800])
    form(forms, "BFdr-002", "Råderum", [-300, -300, -300, -300])
    form(forms, "BFdr-003", "Råderum", [-250, -400, -400, -400])
    form(forms, "TMdr-001", "Råderum", [-100, -150, -150, -150])
    form(forms, "TMdr-002", "Ønske", [50, 60, 70, 80])
    config = tmp_path / "xlbudget.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return forms, config


def master_of(forms: Path, config: Path, out: Path, previous: Path | None = None) -> Path:
    return write_master(consolidate([forms], config, workers=0, previous=previous), out)


def columns(ws: Any) -> dict[Any, int]:
    """Row 1's headers to their 1-based columns."""
    return {cell.value: cell.column for cell in ws[1] if cell.value is not None}


def proposal_rows(ws: Any) -> dict[str, int]:
    head = columns(ws)
    return {
        ws.cell(r, 1).value: r
        for r in range(2, ws.max_row + 1)
        if ws.cell(r, head["Type"]).value is not None
    }


def block(ws: Any, title: str) -> dict[str, list[Any]]:
    """A Scenarie/Udvalg block: committee → the year values, up to its I alt row."""
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r[0] == title)
    found = {}
    for r in rows[start + 1 :]:
        if r[0] == "I alt":
            found["I alt"] = r[1:5]
            break
        found[r[0]] = r[1:5]
    return found


def expected(rows: list[dict[str, Any]], committee: str | None, kind: str | None) -> list[float]:
    """Independent sums of the Med = Ja rows (read back from Oversigt)."""
    return [
        sum(
            r[y] or 0
            for r in rows
            if r["Med"] == "Ja" and committee in (None, r["Udvalg"]) and kind in (None, r["Type"])
        )
        for y in YEARS
    ]


def oversigt_rows(path: Path) -> list[dict[str, Any]]:
    ws = load_workbook(path, data_only=True)["Oversigt"]
    head = columns(ws)
    return [
        {key: ws.cell(r, col).value for key, col in head.items()}
        for r in proposal_rows(ws).values()
    ]


# --- part 1: the finance office's columns


def test_decision_columns_are_input_cells_with_drop_downs(round1: tuple[Path, Path]) -> None:
    forms, config = round1
    master = master_of(forms, config, forms.parent / "m.xlsx")
    ws = load_workbook(master)["Oversigt"]
    head = columns(ws)
    assert [head["Kilde celle"] + i for i in (1, 2, 3, 4)] == [
        head["Med"], head["Beslutning"], head["Bemærkning"], head["Ændret siden forrige"]
    ]  # fmt: skip
    rows = proposal_rows(ws)
    assert len(rows) == 5
    for r in rows.values():
        assert ws.cell(r, head["Med"]).value == "Ja"
        assert ws.cell(r, head["Beslutning"]).value is None
        for key in ("Med", "Beslutning", "Bemærkning"):
            assert ws.cell(r, head[key]).fill.fgColor.rgb.endswith("FFF2CC")
    lists: dict[str, str] = {}
    for dv in ws.data_validations.dataValidation:
        lists[dv.formula1] = lists.get(dv.formula1, "") + f" {dv.sqref}"
    assert '"Ja,Nej"' in lists and '"Tilvalgt,Fravalgt,Udskudt,Ændret"' in lists
    med = ws.cell(1, head["Med"]).column_letter
    # each committee's proposals, not its subtotal (row 5)
    assert lists['"Ja,Nej"'].split() == [f"{med}2:{med}4", f"{med}6:{med}7"]
    # subtotals: still SUBTOTAL of every row, and no drop-down on them
    subtotal = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == f"I alt {BF}")
    assert ws.cell(subtotal, 7).value == "=SUBTOTAL(9,G2:G4)"
    assert ws.cell(subtotal, head["Med"]).value is None
    assert ws.auto_filter.ref.endswith(ws.cell(1, head["Ændret siden forrige"]).column_letter + "8")


# --- part 2: the scenario


def test_scenario_cached_values_equal_udvalg_and_targets(round1: tuple[Path, Path]) -> None:
    forms, config = round1
    master = master_of(forms, config, forms.parent / "m.xlsx")
    wb = load_workbook(master, data_only=True)
    assert wb.sheetnames[:4] == ["Oversigt", "Udvalg", "Scenarie", "Udgået"]
    for title in ("Råderum", "Ønske", "Netto"):
        assert block(wb["Scenarie"], f"{title}, Med = Ja") == block(wb["Udvalg"], title)
    assert block(wb["Scenarie"], "Råderum, Med = Ja")[BF] == [-550, -700, -700, -700]
    assert block(wb["Scenarie"], "Måltal for råderum")[TM] == [100, 200, 300, 400]
    assert block(wb["Scenarie"], "Fundet råderum")[BF] == [550, 700, 700, 700]
    gap = block(wb["Scenarie"], "Forskel")
    assert gap[BF] == [50, 200, 200, 200]
    assert gap[TM] == [0, -50, -150, -250]
    assert gap["I alt"] == [50, 150, 50, -50]
    formulas = load_workbook(master)["Scenarie"]
    assert formulas["B2"].value.startswith("=SUMIFS(Oversigt!$G$2:$G$")
    assert ",Oversigt!$O$2:$O$" in formulas["B2"].value and formulas["B2"].value.endswith(',"Ja")')
    (rule,) = [r for rng in formulas.conditional_formatting for r in rng.rules]
    assert rule.operator == "lessThan"
    assert rule.dxf.fill.bgColor.rgb.endswith("FFC7CE")


def test_scenario_without_targets_has_no_target_blocks(round1: tuple[Path, Path]) -> None:
    forms, _ = round1
    plain = forms.parent / "plain.toml"
    plain.write_text(CONFIG.replace("target = 500\n", "").split("target = [")[0], "utf-8")
    master = master_of(forms, plain, forms.parent / "m.xlsx")
    values = [r[0] for r in load_workbook(master)["Scenarie"].iter_rows(values_only=True)]
    assert "Måltal for råderum" not in values and "Netto, Med = Ja" in values


def test_target_is_a_yearly_amount_or_one_per_year(tmp_path: Path) -> None:
    path = tmp_path / "xlbudget.toml"
    path.write_text(CONFIG, encoding="utf-8")
    config = load_config(path)
    assert config.committees[0].targets(YEARS) == dict.fromkeys(YEARS, 500)
    assert config.committees[1].targets(YEARS) == {2020: 100, 2021: 200, 2022: 300, 2023: 400}
    path.write_text(CONFIG.replace("[100, 200, 300, 400]", "[100, 200]"), encoding="utf-8")
    with pytest.raises(ConfigError, match="target"):
        load_config(path)


@pytest.mark.libreoffice
@needs_soffice
def test_setting_med_to_nej_changes_the_scenario_when_recalculated(
    round1: tuple[Path, Path], tmp_path: Path
) -> None:
    forms, config = round1
    master = master_of(forms, config, tmp_path / "m.xlsx")
    wb = load_workbook(master)
    ws = wb["Oversigt"]
    head, rows = columns(ws), proposal_rows(ws)
    ws.cell(rows["BFdr-003"], head["Med"]).value = "Nej"  # as in Excel, by the drop-down
    ws.cell(rows["TMdr-002"], head["Med"]).value = "Nej"
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    out = soffice_convert(edited, "xlsx", tmp_path, recalculate=True)
    after = load_workbook(out, data_only=True)
    rows_after = oversigt_rows(out)
    assert sum(r["Med"] == "Nej" for r in rows_after) == 2
    scenario = after["Scenarie"]
    for title, kind in (("Råderum", "Råderum"), ("Ønske", "Ønske"), ("Netto", None)):
        got = block(scenario, f"{title}, Med = Ja")
        for committee in (BF, TM):
            assert got[committee] == pytest.approx(expected(rows_after, committee, kind))
        assert got["I alt"] == pytest.approx(expected(rows_after, None, kind))
    assert block(scenario, "Råderum, Med = Ja")[BF] == [-300] * 4
    assert block(scenario, "Fundet råderum")[BF] == [300] * 4
    assert block(scenario, "Forskel")[BF] == [-200] * 4
    # Udvalg and the subtotals still count every proposal
    assert block(after["Udvalg"], "Råderum")[BF] == [-550, -700, -700, -700]


# --- part 3: carried to the next round


def decide(
    master: Path, out: Path, decisions: dict[str, tuple[str, str | None, str | None]]
) -> Path:
    """Set Med, Beslutning and Bemærkning of some proposals, as a finance officer in Excel."""
    wb = load_workbook(master)
    ws = wb["Oversigt"]
    head, rows = columns(ws), proposal_rows(ws)
    for nr, values in decisions.items():
        for key, value in zip(("Med", "Beslutning", "Bemærkning"), values, strict=True):
            ws.cell(rows[nr], head[key]).value = value
    wb.save(out)
    return out


def test_previous_decisions_carry_over_changes_are_marked_and_withdrawn_listed(
    round1: tuple[Path, Path], tmp_path: Path
) -> None:
    forms, config = round1
    first = master_of(forms, config, tmp_path / "runde1.xlsx")
    old = decide(
        first,
        tmp_path / "runde1-besluttet.xlsx",
        {
            "BFdr-002": ("Nej", "Fravalgt", "Rammer de mindste skoler."),
            "BFdr-003": ("Ja", "Tilvalgt", None),
            "TMdr-001": ("Nej", "Udskudt", "Tages op igen i 2. behandling."),
            "TMdr-002": ("Ja", "Ændret", None),
        },
    )
    # round 2: BFdr-003's amounts change, TMdr-001's description, TMdr-002 is withdrawn,
    # BFdr-004 is new
    form(forms, "BFdr-003", "Råderum", [-250, -450, -400, -400])
    form(forms, "TMdr-001", "Råderum", [-100, -150, -150, -150], description="Ny tekst.")
    (forms / "TMdr-002.xlsx").unlink()
    form(forms, "BFdr-004", "Ønske", [10, 10, 10, 10], subject="Legepladser")
    second = master_of(forms, config, tmp_path / "runde2.xlsx", previous=old)

    ws = load_workbook(second)["Oversigt"]
    head, rows = columns(ws), proposal_rows(ws)

    def cells(nr: str) -> list[Any]:
        keys = ("Med", "Beslutning", "Bemærkning", "Ændret siden forrige")
        return [ws.cell(rows[nr], head[key]).value for key in keys]

    assert cells("BFdr-001") == ["Ja", None, None, None]
    assert cells("BFdr-002") == ["Nej", "Fravalgt", "Rammer de mindste skoler.", None]
    assert cells("BFdr-003") == ["Ja", "Tilvalgt", None, "2021: -400 → -450"]
    assert cells("TMdr-001")[:3] == ["Nej", "Udskudt", "Tages op igen i 2. behandling."]
    assert cells("TMdr-001")[3] == "tekst ændret: beskrivelse"
    assert cells("BFdr-004") == ["Ja", None, None, "ny"]
    gone = [list(r) for r in load_workbook(second)["Udgået"].iter_rows(values_only=True)]
    assert gone[0][:4] == ["Nr.", "Type", "Udvalg", "Emne"]
    assert gone[1] == [
        "TMdr-002", "Ønske", TM, "Forslag TMdr-002", 50, 60, 70, 80, "Ja", "Ændret", None
    ]  # fmt: skip
    assert len([r for r in gone[1:] if r[0] and r[0].endswith("-002")]) == 1
    # the scenario's cached values follow the carried Med: BFdr-002 and TMdr-001 are out
    scenario = load_workbook(second, data_only=True)["Scenarie"]
    assert block(scenario, "Råderum, Med = Ja")[BF] == [-250, -450, -400, -400]
    assert block(scenario, "Råderum, Med = Ja")[TM] == [0, 0, 0, 0]
    assert block(scenario, "Fundet råderum")[TM] == [0, 0, 0, 0]
    # and a third round from the second keeps them (nothing changed: no marks)
    third = master_of(forms, config, tmp_path / "runde3.xlsx", previous=second)
    ws3 = load_workbook(third)["Oversigt"]
    head3, rows3 = columns(ws3), proposal_rows(ws3)
    assert ws3.cell(rows3["BFdr-002"], head3["Beslutning"]).value == "Fravalgt"
    assert all(ws3.cell(r, head3["Ændret siden forrige"]).value is None for r in rows3.values())


def test_previous_facts_changed_are_named(round1: tuple[Path, Path], tmp_path: Path) -> None:
    forms, config = round1
    old = master_of(forms, config, tmp_path / "runde1.xlsx")
    form(forms, "BFdr-001", "Råderum", [-800, -800, -800, -800], subject="Ny titel")
    new = master_of(forms, config, tmp_path / "runde2.xlsx", previous=old)
    ws = load_workbook(new)["Oversigt"]
    head, rows = columns(ws), proposal_rows(ws)
    text = ws.cell(rows["BFdr-001"], head["Ændret siden forrige"]).value
    assert "type: Ønske → Råderum" in text and "emne: Forslag BFdr-001 → Ny titel" in text
    assert "2020: 800 → -800" in text


def test_read_previous_finds_columns_by_their_headers(
    round1: tuple[Path, Path], tmp_path: Path
) -> None:
    forms, config = round1
    master = master_of(forms, config, tmp_path / "m.xlsx")
    decided = decide(master, tmp_path / "d.xlsx", {"BFdr-002": ("Nej", "Fravalgt", "x")})
    wb = load_workbook(decided)
    wb["Oversigt"].move_range("O1:R20", cols=2)  # columns moved by hand: found by headers
    wb.save(decided)
    previous = read_previous(decided)
    assert list(previous.proposals) == ["BFdr-001", "BFdr-002", "BFdr-003", "TMdr-001", "TMdr-002"]
    p = previous.proposals["BFdr-002"]
    assert (p.decision.med, p.decision.decision, p.decision.note) == ("Nej", "Fravalgt", "x")
    assert p.amounts == {2020: -300, 2021: -300, 2022: -300, 2023: -300}
    assert p.texts is not None and p.texts["description"]


def test_previous_that_is_not_a_master_is_refused(
    round1: tuple[Path, Path], tmp_path: Path
) -> None:
    forms, config = round1
    with pytest.raises(UsageError, match="previous master"):
        read_previous(forms / "BFdr-001.xlsx")
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook at all")
    with pytest.raises(UsageError, match="previous master"):
        read_previous(junk)
    result = runner.invoke(
        app,
        ["consolidate", str(forms), "-o", str(tmp_path / "m.xlsx"), "--config", str(config),
         "--previous", str(junk)],
    )  # fmt: skip
    assert result.exit_code == 2
    assert not (tmp_path / "m.xlsx").exists()


def test_cli_previous_carries_decisions_and_says_so(
    round1: tuple[Path, Path], tmp_path: Path
) -> None:
    forms, config = round1
    old = decide(
        master_of(forms, config, tmp_path / "runde1.xlsx"),
        tmp_path / "old.xlsx",
        {"BFdr-001": ("Nej", "Fravalgt", None)},
    )
    (forms / "TMdr-002.xlsx").unlink()
    out = tmp_path / "runde2.xlsx"
    args = ["consolidate", str(forms), "-o", str(out), "--config", str(config)]
    result = runner.invoke(app, [*args, "--previous", str(old), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "decisions carried over for 4 proposals; 0 changed, 0 new, 1 withdrawn" in result.output
    ws = load_workbook(out)["Oversigt"]
    head, rows = columns(ws), proposal_rows(ws)
    assert ws.cell(rows["BFdr-001"], head["Med"]).value == "Nej"
    assert load_workbook(out)["Udgået"]["A2"].value == "TMdr-002"


def test_same_previous_gives_identical_bytes(round1: tuple[Path, Path], tmp_path: Path) -> None:
    forms, config = round1
    old = decide(
        master_of(forms, config, tmp_path / "r1.xlsx"),
        tmp_path / "old.xlsx",
        {"BFdr-001": ("Nej", "Fravalgt", "æøå")},
    )
    a = master_of(forms, config, tmp_path / "a.xlsx", previous=old).read_bytes()
    b = master_of(forms, config, tmp_path / "b.xlsx", previous=old).read_bytes()
    assert a == b
