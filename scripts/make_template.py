"""Regenerate templates/budgetalternativ-drift.xlsx, the committed blank form.

Run `python scripts/make_template.py [--out FILE]` after changing the template writer or the
form spec; tests/test_template.py checks the committed file equals a fresh one byte for byte.

The committed form is `xlbudget template` with the built-in defaults (no configuration: no
municipality, no committee list, no web address) and one fixed first budget year,
COMMITTED_FIRST_YEAR, so that it changes only when the writer or the spec does, never with
the calendar. A finance office writes its own with `xlbudget template --config ...`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from xlbudget.spec import TEMPLATE_FILENAME
from xlbudget.template import write_template

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "templates" / TEMPLATE_FILENAME
# The committed form's first budget year (its years are 2027-2030). Fixed on purpose: a
# default of "next year" would make the committed file change every January.
COMMITTED_FIRST_YEAR = 2027


def make_template(out: Path = DEFAULT_OUT) -> Path:
    """Write the committed blank form to `out`."""
    return write_template(out, None, first_year=COMMITTED_FIRST_YEAR)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write the committed blank form (to --out, default templates/)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output file")
    args = parser.parse_args(argv)
    written = make_template(args.out)
    print(f"wrote {written}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
