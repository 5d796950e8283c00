"""The fast paths that stay (they save 5 % or more, benchmarks/README.md) agree with the
general ones; the characters the number parser folds are the ones it means to."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlbudget.parse import _MINUSES, _SPACES

MANY = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_MINUS_CHARS = "\u2212\u2012\u2013\u2014\ufe63\uff0d\u00f7"
_SPACE_CHARS = "\u00a0\u202f\u2009\u2007\u200b\t"


@MANY
@given(st.text(alphabet=_MINUS_CHARS + _SPACE_CHARS + "-1 .,\u2010x", max_size=20))
def test_minus_and_space_patterns_are_the_translate_tables(text: str) -> None:
    assert _MINUSES.sub("-", text) == text.translate(dict.fromkeys(map(ord, _MINUS_CHARS), "-"))
    assert _SPACES.sub(" ", text) == text.translate(dict.fromkeys(map(ord, _SPACE_CHARS), " "))
