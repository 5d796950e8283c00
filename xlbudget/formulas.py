"""A tiny evaluator for the formulas forms hold without a saved result: arithmetic, refs, SUM.

Files written by scripts (openpyxl and friends) store formulas but no computed value; a year
row like =B8+1 or an amount like =400+400 must still be read, never taken as blank or 0.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Resolve = Callable[[str | None, int, int], float | None]  # (sheet, row, col) -> number or None

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<ref>(?:(?:'[^']+'|[A-Za-z0-9_ÆØÅæøå]+)!)?\$?[A-Za-z]{1,3}\$?\d{1,7}(?::\$?[A-Za-z]{1,3}\$?\d{1,7})?)"
    r"|(?P<func>SUM|SUMME)\s*\("
    r"|(?P<op>[-+*/^(),;]))",
    re.IGNORECASE,
)
MAX_RANGE_CELLS = 10_000


class _Unsupported(Exception):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise _Unsupported(text[pos:])
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def evaluate_formula(formula: str, resolve: Resolve | None = None) -> float | None:
    """The value of a simple formula (numbers, + - * / ^, cell refs, SUM); None if unsupported."""
    from xlbudget.read import column_index

    text = formula.strip().removeprefix("=")
    if not text or len(text) > 500:
        return None
    try:
        tokens = _tokens(text)
    except _Unsupported:
        return None
    position = 0

    def peek() -> str:
        return tokens[position][1] if position < len(tokens) else ""

    def take() -> tuple[str, str]:
        nonlocal position
        if position >= len(tokens):
            raise _Unsupported("end")
        position += 1
        return tokens[position - 1]

    def cells(ref: str) -> list[float]:
        if resolve is None:
            raise _Unsupported(ref)
        sheet, _, area = ref.rpartition("!")
        sheet_name = sheet.strip("'").replace("''", "'") if sheet else None
        corners = [re.match(r"\$?([A-Za-z]+)\$?(\d+)", part) for part in area.split(":")]
        rows = [int(m.group(2)) - 1 for m in corners if m]
        cols = [column_index(m.group(1)) for m in corners if m]
        if (max(rows) - min(rows) + 1) * (max(cols) - min(cols) + 1) > MAX_RANGE_CELLS:
            raise _Unsupported(ref)
        values = []
        for row in range(min(rows), max(rows) + 1):
            for col in range(min(cols), max(cols) + 1):
                value = resolve(sheet_name, row, col)
                if value is None and ":" not in area:
                    value = 0.0  # Excel reads an empty cell as 0
                if value is not None:
                    values.append(value)
        return values

    def atom() -> float:
        kind, value = take()
        if kind == "num":
            return float(value)
        if kind == "ref":
            found = cells(value)
            if ":" in value:
                raise _Unsupported(value)  # a bare range outside SUM
            return found[0]
        if kind == "func":
            total = 0.0
            while True:
                if tokens[position][0] == "ref" and ":" in tokens[position][1]:
                    total += sum(cells(take()[1]))
                else:
                    total += expression()
                separator = take()[1]
                if separator == ")":
                    return total
                if separator not in ",;":
                    raise _Unsupported(separator)
        if value == "(":
            inner = expression()
            if take()[1] != ")":
                raise _Unsupported(")")
            return inner
        if value in "+-":
            operand = power()
            return -operand if value == "-" else operand
        raise _Unsupported(value)

    def power() -> float:
        base = atom()
        while peek() == "^":
            take()
            base = base ** atom()
        return base

    def term() -> float:
        value = power()
        while peek() in ("*", "/"):
            op = take()[1]
            right = power()
            value = value * right if op == "*" else value / right
        return value

    def expression() -> float:
        value = term()
        while peek() in ("+", "-"):
            op = take()[1]
            right = term()
            value = value + right if op == "+" else value - right
        return value

    try:
        result = expression()
        if position != len(tokens):
            return None
        return result
    except (_Unsupported, ZeroDivisionError, OverflowError, IndexError, RecursionError, ValueError):
        return None
