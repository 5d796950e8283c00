"""Check that a change meant to keep output the same keeps it: every verdict and every master part.

    python benchmarks/same_output.py dump before.jsonl     # with the old code
    python benchmarks/same_output.py dump after.jsonl      # with the new code
    python benchmarks/same_output.py diff before.jsonl after.jsonl

The corpus (built once into benchmarks/out/same-output/): the samples, 500 forms of each
generated corpus (run bench.py first), every hostile case of tests/hostile.py, and 800
mutated forms (flipped bytes, dropped, swapped or garbled parts, truncation). For each file:
status, issues (code, field, cell, message, detail), the proposal with its source cells,
sheet and type. Then the master workbook of the samples and both 500-form sets, part by part.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import hostile  # noqa: E402
from tests.test_fuzz import _mutate  # noqa: E402
from xlbudget.config import Config, load_config  # noqa: E402
from xlbudget.models import FileResult  # noqa: E402
from xlbudget.pipeline import read_form  # noqa: E402
from xlbudget.spec import load_spec  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
CORPUS = OUT / "same-output"
SAMPLES = ROOT / "samples"


def build() -> list[Path]:
    """The corpus's files, built on first use."""
    if not (CORPUS / ".done").exists():
        shutil.rmtree(CORPUS, ignore_errors=True)
        CORPUS.mkdir(parents=True)
        for name in ("forms-1000", "forms-openpyxl-1000"):
            target = CORPUS / name
            target.mkdir()
            for path in sorted((OUT / name).glob("*.xlsx"))[:500]:
                shutil.copy(path, target / path.name)
        hostile_dir = CORPUS / "hostile"
        hostile_dir.mkdir()
        for case in hostile.CASES:
            hostile.build(case, hostile_dir)
        mutants = CORPUS / "mutants"
        mutants.mkdir()
        sources = (
            sorted(SAMPLES.glob("*.xlsx")) + sorted((CORPUS / "forms-openpyxl-1000").glob("*"))[:40]
        )
        for seed in range(800):
            rng = random.Random(seed)
            source = sources[seed % len(sources)]
            (mutants / f"{seed:03d}-{source.name}").write_bytes(_mutate(source.read_bytes(), rng))
        (CORPUS / ".done").write_text("")
    files = sorted(SAMPLES.glob("*.xlsx"))
    files += sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != ".done")
    return files


def dump(target: Path) -> None:
    """One JSON line per file, then one per master part."""
    config = load_config(SAMPLES / "xlbudget.toml")
    spec = load_spec()
    with target.open("w", encoding="utf-8") as out:
        results = []
        for path in build():
            result = read_form(path, config, spec)
            results.append(result)
            record = result.to_json("da")
            record["path"] = str(path.relative_to(ROOT))
            record["cells"] = result.proposal.cells if result.proposal else None
            record["detail"] = [(i.code, i.field, i.cell, i.params) for i in result.issues]
            record["en"] = [i.in_language("en").message for i in result.issues]
            record.update(sheet=result.sheet, type=result.file_type, sha=result.sha256)
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True, default=str) + "\n")
        for name, keep in (("samples", "samples/"), ("generated", "benchmarks/")):
            chosen = [r for r in results if str(Path(r.path).relative_to(ROOT)).startswith(keep)]
            chosen = [r for r in chosen if "hostile" not in r.path and "mutants" not in r.path]
            for part, digest in _master_parts(chosen, config).items():
                out.write(json.dumps({"master": name, "part": part, "sha": digest}) + "\n")


def _master_parts(results: list[FileResult], config: Config) -> dict[str, str]:
    from xlbudget.consolidation import consolidate_results
    from xlbudget.master import write_master

    master = OUT / "same-output-master.xlsx"
    write_master(consolidate_results(results, config), master)
    with zipfile.ZipFile(master) as archive:
        return {
            n: hashlib.sha256(archive.read(n)).hexdigest()
            for n in archive.namelist()
            if n != "docProps/core.xml"
        }


def diff(before: Path, after: Path) -> int:
    """Print the lines that differ; the count is the exit code (capped)."""
    old = before.read_text(encoding="utf-8").splitlines()
    new = after.read_text(encoding="utf-8").splitlines()
    changed = 0
    if len(old) != len(new):
        print(f"{len(old)} lines before, {len(new)} after")
        changed += 1
    for a, b in zip(old, new, strict=False):
        if a != b:
            changed += 1
            if changed <= 10:
                print("-", a[:600])
                print("+", b[:600])
    print(f"{changed} of {len(old)} records differ")
    return min(changed, 100)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "dump":
        dump(Path(args[0]))
    else:
        sys.exit(diff(Path(args[0]), Path(args[1])))
