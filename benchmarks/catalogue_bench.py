"""Speed of the proposal catalogue: 1,000 proposals into a DOCX (target: within 10 s on 2 cores).

The forms are consolidated once (not timed); then `write_catalogue` is timed, best of
`--repeat` runs. Uses ``benchmarks/out/forms-1000/`` when present (``python benchmarks/bench.py
--sizes 1000`` makes it); otherwise 1,000 proposals are made in memory from the samples'
included ones, renumbered, so the benchmark runs without generating forms.

Usage (from the repository root)::

    python benchmarks/catalogue_bench.py
    python benchmarks/catalogue_bench.py --forms benchmarks/out/forms-1000 --repeat 5
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from xlbudget.api import consolidate
from xlbudget.catalogue import write_catalogue
from xlbudget.config import load_config
from xlbudget.consolidation import Consolidation, consolidate_results

ROOT = Path(__file__).resolve().parents[1]
FORMS = ROOT / "benchmarks" / "out" / "forms-1000"
TARGET = 10.0


def from_samples(n: int) -> Consolidation:
    """n proposals copied from the samples' included ones, each with a number of its own."""
    config = load_config(ROOT / "samples" / "xlbudget.toml")
    base = consolidate([ROOT / "samples"], config)
    entries = base.entries
    results = []
    for i in range(n):
        source = entries[i % len(entries)].source
        proposal = source.proposal.model_copy(deep=True)
        prefix = (proposal.nr or "X-").split("dr-")[0]
        proposal.nr = f"{prefix}dr-{i + 1:04d}"
        results.append(source.model_copy(update={"proposal": proposal, "path": f"f{i}.xlsx"}))
    return consolidate_results(results, config)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=Path, default=FORMS)
    parser.add_argument("--n", type=int, default=1000, help="proposals without --forms folder")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    if args.forms.is_dir():
        config = args.forms / "xlbudget.toml"
        result = consolidate([args.forms], config if config.is_file() else None)
        where = str(args.forms)
    else:
        result = from_samples(args.n)
        where = f"{args.n} copies of the samples' proposals"
    count = len(result.entries)
    print(f"consolidated {count} proposals from {where} in {time.perf_counter() - started:.1f} s")
    times = []
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "katalog.docx"
        for _ in range(args.repeat):
            begin = time.perf_counter()
            write_catalogue(result, target)
            times.append(time.perf_counter() - begin)
        size = target.stat().st_size
    best = min(times)
    verdict = "within" if best <= TARGET else "OVER"
    print(
        f"write_catalogue: {count} proposals in {best:.2f} s (best of {args.repeat}; "
        f"runs {', '.join(f'{t:.2f}' for t in times)}), {count / best:,.0f} proposals/s, "
        f"{size / 1e6:.1f} MB; {verdict} the {TARGET:.0f} s target on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
