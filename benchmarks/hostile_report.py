"""Measure how `xlbudget validate` handles every hostile input of tests/hostile.py.

Each case is built into a temporary folder and checked alone with

    xlbudget validate FILE --format json

under /usr/bin/time -v (wall seconds; peak RSS of the whole process tree: GNU time reports
the largest of the command and its reaped children, i.e. the worker processes). Then all
cases and a few valid forms are checked in one batch, once as is and once under a 2 GiB
address-space cap (prlimit --as). Prints markdown tables.

    python benchmarks/hostile_report.py            # every case, then the batches
    python benchmarks/hostile_report.py --raw      # also: python-calamine alone, no guards
    python benchmarks/hostile_report.py --only zip-bomb,far-cell

Targets: each case reported as an error for its file (or read, for the odd-but-valid ones)
within 5 s and 512 MB, no traceback; the batches finish with every other file read.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import hostile  # noqa: E402
from tests.forms import write_form  # noqa: E402

TIME = "/usr/bin/time"
SECONDS, MEGABYTES = 5.0, 512.0
GIB2 = 2 * 1024**3

RAW = """
import io, sys, python_calamine as c
data = open(sys.argv[1], "rb").read()
try:
    book = c.CalamineWorkbook.from_filelike(io.BytesIO(data))
    cells = 0
    for name in book.sheet_names[:60]:
        sheet = book.get_sheet_by_name(name)
        cells += sheet.height * sheet.width
    print("read", cells, "cells")
except BaseException as exc:
    print("error", type(exc).__name__)
"""


def xlbudget_command() -> list[str]:
    found = shutil.which("xlbudget")
    return [found] if found else [sys.executable, "-m", "xlbudget"]


def timed(command: list[str], cap: int | None = None, timeout: float = 120) -> dict:
    """Run under GNU time; wall seconds, peak RSS (MB), exit code, stdout, stderr."""
    prefix = ["prlimit", f"--as={cap}"] if cap else []
    start = time.monotonic()
    try:
        done = subprocess.run(
            [TIME, "-v", *prefix, *command], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {
            "wall": time.monotonic() - start,
            "rss": float("nan"),
            "rc": None,
            "out": "",
            "err": "timeout",
        }
    wall = time.monotonic() - start
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    return {
        "wall": wall,
        "rss": int(rss.group(1)) / 1024 if rss else float("nan"),
        "rc": done.returncode,
        "out": done.stdout,
        "err": done.stderr,
    }


def outcome(report: dict, path: Path) -> str:
    for file in report["files"]:
        if Path(file["path"]).resolve() == path.resolve():
            codes = [i["code"] for i in file["issues"] if i["field"] is None]
            if codes:
                return ", ".join(sorted(set(codes)))
            nr = (file.get("proposal") or {}).get("nr")
            return f"read ({nr}, {file['status']})" if nr else f"read ({file['status']})"
    return "missing"


def parse(run: dict) -> dict | None:
    try:
        return json.loads(run["out"])
    except (json.JSONDecodeError, TypeError):
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", action="store_true", help="also time python-calamine alone")
    parser.add_argument("--only", help="comma-separated case names")
    args = parser.parse_args()
    if not Path(TIME).exists():
        sys.exit(f"{TIME} is missing: apt-get install -y time")
    cases = [c for c in hostile.CASES if not args.only or c.name in args.only.split(",")]
    command = xlbudget_command()
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        folder = Path(tmp)
        built: dict[str, Path] = {}
        for case in cases:
            try:
                built[case.name] = hostile.build(case, folder / "cases")
            except ModuleNotFoundError as exc:
                print(f"skipped {case.name}: {exc}", file=sys.stderr)
        good = [write_form(folder / f"good{i}.xlsx") for i in range(3)]

        print("## Each case alone: `xlbudget validate FILE --format json`\n")
        head = "| case | size | outcome | expected | wall s | peak RSS MB | ok |"
        rule = "| --- | ---: | --- | --- | ---: | ---: | :---: |"
        if args.raw:
            head += " calamine alone (no guards, 2 GiB cap) |"
            rule += " --- |"
        print(head)
        print(rule)
        failures = 0
        for case in cases:
            if case.name not in built:
                continue
            path = built[case.name]
            run = timed([*command, "validate", str(path), "--format", "json"])
            report = parse(run)
            found = outcome(report, path) if report else f"no JSON (exit {run['rc']})"
            code = found.split(" (")[0]
            traceback = "Traceback" in run["err"]
            ok = (
                (code in case.expect or (code == "read" and hostile.READ in case.expect))
                and run["wall"] < SECONDS
                and run["rss"] < MEGABYTES
                and not traceback
            )
            failures += not ok
            expected = ", ".join(sorted(case.expect))
            size = path.stat().st_size
            row = (
                f"| {case.name} | {size / 1024:,.0f} KB | {found} | {expected} | "
                f"{run['wall']:.2f} | {run['rss']:.0f} | {'✓' if ok else '✗'} |"
            )
            if args.raw:
                raw = timed([sys.executable, "-c", RAW, str(path)], cap=GIB2, timeout=60)
                said = raw["out"].strip() or "no output"
                signal = re.search(r"Command terminated by signal (\d+)", raw["err"])
                failed = re.search(r"memory allocation of (\d+) bytes failed", raw["err"])
                if signal:
                    said = f"ABORTED (signal {signal.group(1)}"
                    said += f", tried {int(failed.group(1)) / 1e9:,.0f} GB)" if failed else ")"
                row += f" {said[:70]}, {raw['wall']:.1f} s, {raw['rss']:.0f} MB |"
            print(row, flush=True)

        print("\n## All cases and 3 valid forms in one batch\n")
        print("| run | wall s | peak RSS MB | files | valid forms read | every case as expected |")
        print("| --- | ---: | ---: | ---: | :---: | :---: |")
        paths = [*built.values(), *good]
        for label, cap in (("as is", None), ("under a 2 GiB address-space cap", GIB2)):
            run = timed([*command, "validate", *map(str, paths), "--format", "json"], cap=cap)
            report = parse(run)
            if report is None:
                failures += 1
                print(
                    f"| {label} | {run['wall']:.2f} | {run['rss']:.0f} | - | no JSON (exit {run['rc']}) | ✗ |"
                )
                continue
            good_read = all(outcome(report, p).startswith("read (BFdr-001") for p in good)
            as_expected = all(
                outcome(report, built[c.name]).split(" (")[0] in c.expect | {"read"}
                if hostile.READ in c.expect
                else outcome(report, built[c.name]).split(" (")[0] in c.expect
                for c in cases
                if c.name in built
            )
            failures += not (good_read and as_expected)
            print(
                f"| {label} | {run['wall']:.2f} | {run['rss']:.0f} | {len(report['files'])} | "
                f"{'✓' if good_read else '✗'} | {'✓' if as_expected else '✗'} |"
            )
    print(f"\n{'all targets met' if not failures else f'{failures} target(s) missed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
