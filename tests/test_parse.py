"""Parsing what departments type: Danish numbers, years, numbers, accounts, HTML, ticks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlbudget.formulas import evaluate_formula
from xlbudget.parse import (
    html_to_text,
    is_tick,
    parse_accounts,
    parse_amount,
    parse_proposal_number,
    parse_year,
)

TICKS = ("x", "✓", "1", "true", "ja")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("+800", 800),
        ("800", 800),
        ("1.200", 1200),
        ("-1.200", -1200),
        ("-1.200,5", -1200.5),
        ("−350", -350),  # Unicode minus
        ("– 350", -350),  # en dash typed as minus
        ("1 200", 1200),
        ("1\u00a0200", 1200),  # no-break space as thousands separator
        ("-250,0", -250),
        ("12,5", 12.5),
        ("1.200.000", 1200000),
        ("(200)", -200),
        ("800 t.kr.", 800),
        ("-", 0),
        (" 0 ", 0),
        (800.0, 800),
        (-1200, -1200),
        (12.5, 12.5),
    ],
)
def test_danish_amounts_parse(typed: object, expected: float) -> None:
    value = parse_amount(typed)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    "typed", ["ca. 200", "abc", "", "200 eller 300", "1.20.0", True, None, "++8"]
)
def test_non_numbers_are_refused(typed: object) -> None:
    assert parse_amount(typed) is None


@given(st.integers(min_value=-10_000_000, max_value=10_000_000))
def test_danish_thousands_round_trip(number: int) -> None:
    typed = f"{number:,}".replace(",", ".")
    assert parse_amount(typed) == number
    assert parse_amount(("+" if number >= 0 else "") + typed) == number


@given(st.text(max_size=40))
def test_amount_parser_never_crashes(text: str) -> None:
    value = parse_amount(text)
    assert value is None or isinstance(value, int | float)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (2020, 2020),
        (2021.0, 2021),
        ("2022", 2022),
        ("B2020", 2020),
        ("BO 2023", 2023),
        ("abc", None),
        (20, None),
    ],
)
def test_years(typed: object, expected: int | None) -> None:
    assert parse_year(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("BFdr-001", "BFdr-001"),
        ("bfdr-001", "BFdr-001"),
        ("BFDR 001", "BFdr-001"),
        ("BFdr–001", "BFdr-001"),
        ("ØKdr-12", "ØKdr-12"),
        ("BFan-003", "BFan-003"),
    ],
)
def test_proposal_numbers(typed: str, expected: str) -> None:
    assert str(parse_proposal_number(typed, "dr")) == expected


@pytest.mark.parametrize("typed", ["BF-001", "001", "BFdr", "BF dr 1 2", ""])
def test_malformed_proposal_numbers(typed: str) -> None:
    assert parse_proposal_number(typed, "dr") is None


def test_prefix_known_from_config_splits_all_caps() -> None:
    number = parse_proposal_number("TMDR-004", "xx", ("TM", "BF"))
    assert (number.prefix, number.type_code, number.serial) == ("TM", "dr", "004")


def test_accounts_with_names() -> None:
    accounts, invalid = parse_accounts("03.22.01 Folkeskoler og 5.25.14 Daginstitutioner")
    assert [(a.code, a.name) for a in accounts] == [
        ("03.22.01", "Folkeskoler"),
        ("05.25.14", "Daginstitutioner"),
    ]
    assert invalid == []


def test_account_with_hovedkonto_over_9_is_invalid() -> None:
    accounts, invalid = parse_accounts("12.22.01 Noget, 00.28.20 Vejvedligeholdelse")
    assert [a.code for a in accounts] == ["00.28.20"]
    assert invalid == ["12.22.01"]


def test_html_paragraphs_and_lists_become_text() -> None:
    text = html_to_text("<p>Første &amp; bedste.</p><p>Anden.</p><ul><li>Et</li><li>To</li></ul>")
    assert text == "Første & bedste.\n\nAnden.\n\n• Et\n• To"


def test_html_unclosed_list_with_dash_items() -> None:
    text = html_to_text('<p>Indhold:</p> <ul style="x"> - Leg - Læring <p>Slut.</p>')
    assert text == "Indhold:\n\n• Leg\n• Læring\n\nSlut."


def test_plain_text_is_left_alone() -> None:
    assert html_to_text("  5 < 6 og 7 > 3  ") == "5 < 6 og 7 > 3"


@pytest.mark.parametrize(
    ("formula", "expected"),
    [("=400+400", 800), ("=-(100*2)", -200), ("=SUM(A1:A3)", None), ("=1/0", None)],
)
def test_plain_formulas_are_computed(formula: str, expected: float | None) -> None:
    assert evaluate_formula(formula) == expected


def test_formulas_with_references() -> None:
    cells = {(7, 1): 2020.0, (8, 1): 400.0, (8, 2): 100.0}
    resolve = lambda sheet, row, col: cells.get((row, col))  # noqa: E731
    assert evaluate_formula("=B8+1", resolve) == 2021
    assert evaluate_formula("=SUM(B9:C9)*2", resolve) == 1000
    assert evaluate_formula("=SUMME(B9;C9)", resolve) == 500
    assert evaluate_formula("=VLOOKUP(B9,A1:C3,2)", resolve) is None


@pytest.mark.parametrize(
    ("value", "ticked"),
    [
        ("X", True),
        (" x ", True),
        ("✓", True),
        (1, True),
        (True, True),
        ("Ja", True),
        ("", False),
        ("nej", False),
        (0, False),
    ],
)
def test_ticks(value: object, ticked: bool) -> None:
    assert is_tick(value, TICKS) is ticked


def test_accounts_separated_by_commas() -> None:
    accounts, _ = parse_accounts("03.22.01, 05.25.14 Daginstitutioner")
    assert [(a.code, a.name) for a in accounts] == [
        ("03.22.01", None),
        ("05.25.14", "Daginstitutioner"),
    ]
