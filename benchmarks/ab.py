"""A/B: is a speed-up worth its code? Time two source trees of xlbudget on one folder.

Each round runs `consolidate` (read, check, consolidate; workers=0, one process, so the
other core's load matters less) and writes the master, once with tree A and once with tree
B, interleaved A B A B …, each in a fresh interpreter. Reports CPU seconds (user + system of
the child) per round, the medians and B/A. A speed-up stays only if it saves 5 % or more end
to end (DEVELOPERS: plain over clever).

    git worktree add /tmp/xlb-a HEAD          # the code with the trick
    python benchmarks/ab.py --a /tmp/xlb-a --b . --folder benchmarks/out/forms-1000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

RUN = """
import sys, time
from pathlib import Path
from xlbudget.api import consolidate, write_master
folder, out = sys.argv[1], sys.argv[2]
consolidation = consolidate([folder], workers=0)
write_master(consolidation, Path(out))
"""


def cpu_seconds(tree: Path, folder: Path, out: Path) -> float:
    """CPU time of one run of tree's xlbudget on folder, in a child interpreter."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "PYTHONPATH": str(tree.resolve())}
    subprocess.run(
        [sys.executable, "-c", RUN, str(folder.resolve()), str(out)],
        check=True,
        env=env,
        cwd=tempfile.gettempdir(),
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", type=Path, required=True, help="source tree A (the baseline)")
    parser.add_argument("--b", type=Path, required=True, help="source tree B (the change)")
    parser.add_argument("--folder", type=Path, required=True, help="forms to consolidate")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"a": [], "b": []}
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "master.xlsx"
        cpu_seconds(args.a, args.folder, out)  # files into the page cache, untimed
        for _ in range(args.rounds):
            for name in ("a", "b"):
                times[name].append(cpu_seconds(getattr(args, name), args.folder, out))
    a, b = statistics.median(times["a"]), statistics.median(times["b"])
    result = {"a": times["a"], "b": times["b"], "median_a": a, "median_b": b, "b_over_a": b / a}
    print(json.dumps(result, indent=2))
    print(f"A {a:.2f} s, B {b:.2f} s CPU (medians of {args.rounds}): B/A = {b / a:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
