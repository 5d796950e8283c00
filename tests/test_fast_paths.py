"""The faster forms of the extract and validate stages agree with the plain ones they replace."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlbudget.parse import _ACCOUNT, _MINUSES, _SPACES, _strip_joiners, parse_amount, parse_year
from xlbudget.spec import normalise_label

MANY = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# The patterns as first written: the references.
PLAIN_ACCOUNT = re.compile(
    r"(?<![\d.,])(\d{1,2})([.\- ])(\d{2})\2(\d{2})(?:[.\-]\d{1,3})*(?!\d|[.,]\d)"
)
PLAIN_JOINERS = re.compile(
    r"^(?:\s|,|;|/|&|\bog\b|\+|-|–|:)+|(?:\s|,|;|/|&|\bog\b|\+|-|–|:)+$", re.I
)

joiner_text = st.text(alphabet="ogOGxæ_1 \n\t\u00a0,;/&+-–:.", max_size=20) | st.lists(
    st.sampled_from([" og ", "og", "OG", " ", "\n", ",", "-", "–", "Skoler", "x", "g", "o", "_"]),
    max_size=8,
).map("".join)
account_text = st.text(alphabet="0123456789٣.,- \nab", max_size=30) | st.lists(
    st.sampled_from(["03.22.01", "3-22-01", "12.34.56", ".", ",", " ", "1", "-7", " og ", "x"]),
    max_size=8,
).map("".join)


@MANY
@given(joiner_text)
def test_strip_joiners_is_the_substitution(text: str) -> None:
    assert _strip_joiners(text) == PLAIN_JOINERS.sub("", text)


@MANY
@given(account_text)
def test_account_pattern_finds_what_the_plain_one_finds(text: str) -> None:
    fast = [(m.span(), m.groups()) for m in _ACCOUNT.finditer(text)]
    assert fast == [(m.span(), m.groups()) for m in PLAIN_ACCOUNT.finditer(text)]


_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_PARENS = re.compile(r"\([^()]*\)|\([^()]*$")
_SPACE = re.compile(r"\s+")


def plain_normalise_label(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).casefold()
    text = _SPACE.sub(" ", text).strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    without_notes = _PARENS.sub(" ", text)
    if without_notes.strip(" :.*"):
        text = without_notes
    return _SPACE.sub(" ", text).strip(" :;.*")


label_text = st.text(max_size=30) | st.lists(
    st.sampled_from(
        [*"() \u00a0\n\t\u2013\u2212-:;.*ﬁx\u3000\x1c\u2028ＢǅßİÆØÅ", "Nr", "Udvalg", "Type"]
    ),
    max_size=12,
).map("".join)


@MANY
@given(label_text)
def test_normalise_label_is_the_plain_one(text: str) -> None:
    assert normalise_label(text) == plain_normalise_label(text)


class _Float(float):
    """A float that is not exactly a float: it takes the general path of the parsers."""


@MANY
@given(st.floats(allow_nan=True, allow_infinity=True) | st.integers(1890, 2210).map(float))
def test_float_fast_paths_are_the_general_rule(value: float) -> None:
    for parse in (parse_amount, parse_year):
        fast, general = parse(value), parse(_Float(value))
        assert (fast, type(fast)) == (general, type(general))


_MINUS_CHARS = "\u2212\u2012\u2013\u2014\ufe63\uff0d\u00f7"
_SPACE_CHARS = "\u00a0\u202f\u2009\u2007\u200b\t"


@MANY
@given(st.text(alphabet=_MINUS_CHARS + _SPACE_CHARS + "-1 .,\u2010x", max_size=20))
def test_minus_and_space_patterns_are_the_translate_tables(text: str) -> None:
    assert _MINUSES.sub("-", text) == text.translate(dict.fromkeys(map(ord, _MINUS_CHARS), "-"))
    assert _SPACES.sub(" ", text) == text.translate(dict.fromkeys(map(ord, _SPACE_CHARS), " "))
