"""Speed at scale: time `xlbudget consolidate` on thousands of realistic forms.

For each size N the script

1. generates N realistic, seeded forms into ``benchmarks/out/forms-N/`` (reused when that
   folder is complete; generation is never timed), mixing the layouts of
   ``scripts/make_samples.py``: xlbudget's own template with defined names, the reference
   form, the reference layout with reworded labels / a blank column / the tick below, a
   form shifted to C4 under a logo, the form on a second sheet behind an instructions
   sheet, and amounts typed as Danish text ("-1.200", "+800", "−350"); 2 % of the
   non-template forms (1–2 % of all) carry a deliberate error. Committees and budget years come from
   ``samples/xlbudget.toml``, copied into the folder;
2. times, interleaved round by round (A B C A B C …), three subprocesses:

   - ``xlbudget``: ``python -m xlbudget consolidate forms-N -o master.xlsx``, end to end;
   - ``naive``: ``openpyxl.load_workbook`` per file, reading every cell of every sheet;
   - ``floor``: ``zipfile``, decompressing every part of every file, nothing else;

   with, for each run, its wall time and its peak memory (see `TreeSampler`);
3. prints forms/s, the ratios and the peaks, and writes ``benchmarks/out/results-N.json``.

``--validate-one`` times ``xlbudget validate <one form>`` including interpreter start and
checks with ``-X importtime`` that neither openpyxl nor xlsxwriter is imported on that path.
``--profile`` writes cProfile data for one consolidate run and prints where the time goes.

Usage (from the repository root)::

    python benchmarks/bench.py                          # N = 1,000 and 10,000, 3 rounds
    python benchmarks/bench.py --sizes 1000 --repeat 5
    python benchmarks/bench.py --n 1000 --only xlbudget,floor --keep
    python benchmarks/bench.py --sizes 1000 --validate-one --profile
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.metadata
import importlib.util
import io
import json
import multiprocessing
import os
import platform
import pstats
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from xlbudget.models import TEXT_FIELDS as ALL_TEXT_FIELDS

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
MAKE_SAMPLES = ROOT / "scripts" / "make_samples.py"
CONFIG_SOURCE = ROOT / "samples" / "xlbudget.toml"

SEED = 20200101
GENERATOR_VERSION = 1  # bump when the generated forms change: cached folders are rebuilt
MANIFEST = ".bench-manifest.json"  # hidden: xlbudget skips dot files when collecting
DEFAULT_SIZES = (1_000, 10_000)
TOOLS = ("xlbudget", "naive", "floor")
GNU_TIME = "/usr/bin/time"
SAMPLE_INTERVAL = 0.02  # seconds between two memory samples of a process tree
PSS_EVERY = 10  # read PSS (smaps_rollup, ~3 ms for a 200 MB process) every n-th sample
VALIDATE_RUNS = 10

# How often each layout occurs (weights) and how rare a deliberately defective form is.
LAYOUT_WEIGHTS: dict[str, int] = {
    "template": 20,
    "reference": 15,
    "plain": 16,
    "text-amounts": 10,
    "shifted": 10,
    "second-sheet": 10,
    "label-variants": 7,
    "blank-column": 6,
    "tick-below": 6,
}
DEFECT_RATE = 0.02  # of the non-template forms: an amount "ca. 200" or both options ticked

# ---------------------------------------------------------------------------------------
# Realistic proposal data, per committee prefix (on top of make_samples.PROPOSALS)
# ---------------------------------------------------------------------------------------

DEPARTMENTS: dict[str, list[str]] = {
    "ØK": ["Økonomi og Personale", "Borgerservice og IT", "Digitalisering", "Løn og HR"],
    "BF": [
        "Skole- og dagtilbudsområdet",
        "Dagplejen",
        "Familie og Forebyggelse",
        "PPR",
        "Sundhedsplejen",
    ],
    "TM": ["Vej og Park", "Trafik og Parkering", "Natur og Miljø", "Byggeri og Ejendomme"],
    "SS": ["Ældre og Sundhed", "Handicap og Psykiatri", "Sundhed og Træning", "Hjemmeplejen"],
    "KF": ["Himmerby Bibliotekerne", "Kultur og Fritid", "Himmerby Musikskole", "Ungdomsskolen"],
    "BE": ["Jobcenter Himmerby", "Ungeenheden", "Integration", "Ydelseskontoret"],
}
SUBJECTS: dict[str, list[str]] = {
    "ØK": [
        "Fælles indkøb af kontorartikler",
        "Digital post til alle virksomheder",
        "Samling af administrative funktioner",
        "Robotter til rutineopgaver i lønkontoret",
    ],
    "BF": [
        "Flere pædagoger i vuggestuerne",
        "Lejrskole for alle 6. klasser",
        "Samling af specialklasser",
        "Tidlig indsats i familier med små børn",
    ],
    "TM": [
        "LED-belysning på stier",
        "Færre affaldsbeholdere i byerne",
        "Renovering af legepladser",
        "Klimatilpasning af regnvandsbassiner",
    ],
    "SS": [
        "Nattevagt på plejecentrene",
        "Demensvenlige haver",
        "Træning i eget hjem",
        "Færre vikarer i hjemmeplejen",
    ],
    "KF": [
        "Gratis entré på museet om søndagen",
        "Tilskud til sommerferieaktiviteter",
        "Lukning af filialbiblioteker",
        "Musikskolen ud på skolerne",
    ],
    "BE": [
        "Sprogkurser for nyankomne",
        "Virksomhedspraktik i kommunen",
        "Færre eksterne kurser for ledige",
        "Jobcafé for unge",
    ],
}
ACCOUNTS: dict[str, list[str]] = {
    "ØK": ["06.45.51 Sekretariat og forvaltninger", "06.45.52 Fælles IT og telefoni"],
    "BF": ["03.22.01 Folkeskoler", "05.25.14 Daginstitutioner", "05.25.11 Dagpleje"],
    "TM": ["02.28.11 Vejvedligeholdelse mv.", "00.28.20 Grønne områder og naturpladser"],
    "SS": [
        "05.32.32 Pleje og omsorg mv. af ældre og handicappede",
        "04.62.82 Kommunal genoptræning og vedligeholdelsestræning",
    ],
    "KF": ["03.32.50 Folkebiblioteker", "03.35.64 Andre kulturelle opgaver"],
    "BE": ["05.68.90 Driftsudgifter til den kommunale beskæftigelsesindsats"],
}
PLACES = ["Himmerby", "Aars", "Aalestrup", "Farsø", "Løgstør", "Ranum", "Gedsted"]
TEXT_FIELDS = tuple(key for key in ALL_TEXT_FIELDS if key != "description")

# ---------------------------------------------------------------------------------------
# Generating the forms
# ---------------------------------------------------------------------------------------

_samples_module: ModuleType | None = None


def make_samples() -> ModuleType:
    """scripts/make_samples.py, loaded once (its writers and proposal data are reused)."""
    global _samples_module
    if _samples_module is None:
        spec = importlib.util.spec_from_file_location("make_samples", MAKE_SAMPLES)
        if spec is None or spec.loader is None:
            raise RuntimeError(f"cannot load {MAKE_SAMPLES}")
        module = importlib.util.module_from_spec(spec)
        sys.modules["make_samples"] = module  # dataclasses look their module up by name
        spec.loader.exec_module(module)
        _samples_module = module
    return _samples_module


def _plain_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@dataclass(frozen=True)
class Pools:
    """Text to draw from: description sentences per committee prefix and the other fields."""

    sentences: dict[str, list[str]]
    texts: dict[str, list[str]]


def build_pools(ms: ModuleType) -> Pools:
    """Description sentences by prefix and text-field values, from make_samples' proposals."""
    sentences: dict[str, list[str]] = {prefix: [] for prefix in DEPARTMENTS}
    texts: dict[str, list[str]] = {key: [] for key in TEXT_FIELDS}
    for proposal in [*ms.PROPOSALS, ms.REFERENCE]:
        prefix = proposal["nr"][:2]
        for sentence in re.split(
            r"(?<=[.!?])\s+(?=[A-ZÆØÅ])", _plain_text(proposal["description"])
        ):
            if len(sentence) > 30 and prefix in sentences:
                sentences[prefix].append(sentence)
        for key in TEXT_FIELDS:
            texts[key].append(proposal[key])
    everything = [s for pool in sentences.values() for s in pool]
    for pool in sentences.values():
        if len(pool) < 12:  # a thin pool borrows from the others
            pool.extend(everything[: 12 - len(pool)])
    return Pools(sentences, texts)


def danish_amount(value: int, rng: random.Random, plus: bool) -> str:
    """An amount typed as Danish text: 1.200, +800, -1.200, −350 (Unicode minus), 250,0."""
    text = f"{abs(value):,}".replace(",", ".")
    if rng.random() < 0.1:
        text += ",0"
    if value < 0:
        return rng.choice(["-", "-", "-", "−"]) + text
    return ("+" if plus and value > 0 else "") + text


def amounts_for(rng: random.Random, kind: str) -> list[int]:
    """Four yearly amounts in 1,000 kr.: negative for Råderum, positive for Ønske."""
    base = rng.randrange(50, 2550, 50)
    pattern = rng.choice(["flat", "flat", "half-first", "ramp", "ending"])
    if pattern == "flat":
        amounts = [base] * 4
    elif pattern == "half-first":
        amounts = [base // 2, base, base, base]
    elif pattern == "ramp":
        amounts = [base, base + base // 2, 2 * base, 2 * base]
    else:
        amounts = [base, base, base // 2, 0]
    sign = -1 if kind == "Råderum" else 1
    return [sign * (25 * round(a / 25)) for a in amounts]


def committee_spelling(committee: dict[str, Any], rng: random.Random) -> str:
    """The committee as a department types it: canonical, loose, lower case or an alias."""
    name: str = committee["name"]
    variants = [
        name,
        name.replace("- og ", " og "),
        name.lower(),
        committee["aliases"][0],
        name.replace("- og ", " & "),
    ]
    return rng.choices(variants, weights=[55, 20, 10, 10, 5])[0]


def proposal_for(index: int, ms: ModuleType, pools: Pools) -> tuple[str, dict[str, Any]]:
    """Form number `index`'s layout and proposal; the same index always gives the same."""
    rng = random.Random(f"{SEED}-{index}")
    committee = ms.COMMITTEES[index % len(ms.COMMITTEES)]
    prefix: str = committee["prefix"]
    serial = index // len(ms.COMMITTEES) + 1
    layout = rng.choices(list(LAYOUT_WEIGHTS), weights=list(LAYOUT_WEIGHTS.values()))[0]
    kind = rng.choice(["Råderum", "Ønske"])
    place = rng.choice(PLACES)
    accounts = rng.sample(ACCOUNTS[prefix], k=min(len(ACCOUNTS[prefix]), rng.choice([1, 1, 2])))
    sentences = rng.sample(pools.sentences[prefix], k=rng.randint(3, 6))
    if rng.random() < 0.3:
        middle = "".join(f"<li>{s}</li>" for s in sentences[1:-1])
        description = f"<p>{sentences[0]}</p><ul>{middle}</ul><p>{sentences[-1]}</p>"
    else:
        description = " ".join(sentences)
    proposal: dict[str, Any] = {
        "kind": kind,
        "nr": f"{prefix}dr-{serial:04d}",
        "committee": committee_spelling(committee, rng),
        "department": rng.choice(DEPARTMENTS[prefix]),
        "subject": f"{rng.choice(SUBJECTS[prefix])} i {place}",
        "accounts": " og ".join(accounts),
        "amounts": amounts_for(rng, kind),
        "description": description,
    }
    for key in TEXT_FIELDS:
        proposal[key] = rng.choice(pools.texts[key])
    return layout, proposal


def sample_for(index: int, ms: ModuleType, pools: Pools) -> Any:
    """Form number `index` as a make_samples.Sample: layout writer, proposal and quirks."""
    layout, proposal = proposal_for(index, ms, pools)
    rng = random.Random(f"{SEED}-{index}-layout")
    amounts: list[int] = proposal["amounts"]
    ascii_nr = proposal["nr"].replace("Ø", "OE")
    options: dict[str, Any] = {}
    writer: Callable[..., Any]
    if layout == "template":
        writer = ms.write_from_template
    elif layout == "reference":  # `label | | Råderum | Ønske | X`, amounts typed as "+800"
        writer = ms.write_reference
        options = {
            "tick": "reference",
            "typed": tuple(danish_amount(a, rng, plus=True) for a in amounts),
        }
    elif layout == "text-amounts":
        writer = ms.write_plain
        options = {"typed": tuple(danish_amount(a, rng, plus=rng.random() < 0.5) for a in amounts)}
    elif layout == "shifted":
        writer = ms.write_shifted
    elif layout == "second-sheet":
        writer = ms.write_second_sheet
        options = {"mark": rng.choice(["X", "✓", "x"])}
    elif layout == "label-variants":
        writer = ms.write_label_variants
        options = {"mark": "x"}
    elif layout == "blank-column":
        writer = ms.write_blank_column
    elif layout == "tick-below":
        writer = ms.write_plain
        options = {"tick": "below"}
    else:
        writer = ms.write_plain
    if layout != "template" and rng.random() < DEFECT_RATE:
        layout = f"defect-{layout}"
        if rng.random() < 0.5:  # an amount that is no number
            typed = list(options.get("typed", amounts))
            typed[1] = "ca. 200"
            options["typed"] = tuple(typed)
        else:  # both options ticked
            options["tick"] = "both"
    filename = f"{ascii_nr}-{layout}.xlsx"
    return ms.Sample(filename, writer, proposal, **options), layout


_GEN: dict[str, Any] = {}


def _gen_init(folder: str, writer: str = "xlsxwriter") -> None:
    ms = make_samples()
    from xlbudget.config import load_config

    _GEN.update(
        writer=writer,
        folder=Path(folder),
        ms=ms,
        pools=build_pools(ms),
        config=load_config(Path(folder) / "xlbudget.toml"),
    )


def _gen_one(index: int) -> tuple[str, int]:
    sample, layout = sample_for(index, _GEN["ms"], _GEN["pools"])
    path: Path = _GEN["folder"] / sample.filename
    if _GEN["writer"] == "openpyxl":  # the same proposal and tick, in the reference layout
        from openpyxl_writer import write_openpyxl_form

        write_openpyxl_form(_GEN["ms"], path, sample)
        layout = "defect-openpyxl" if layout.startswith("defect-") else "openpyxl"
    else:
        sample.writer(path, sample, _GEN["config"])
    return layout, path.stat().st_size


def forms_folder(n: int, writer: str = "xlsxwriter") -> Path:
    """Where the N generated forms live."""
    return OUT / (f"forms-{n}" if writer == "xlsxwriter" else f"forms-{writer}-{n}")


def ensure_forms(n: int, processes: int | None = None, writer: str = "xlsxwriter") -> Path:
    """Generate N forms into forms_folder(n, writer), unless a complete set is there already."""
    folder = forms_folder(n, writer)
    manifest_path = folder / MANIFEST
    wanted = {"version": GENERATOR_VERSION, "seed": SEED, "n": n}
    if writer != "xlsxwriter":
        wanted["writer"] = writer
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if {k: manifest.get(k) for k in wanted} == wanted and (
            sum(1 for _ in folder.glob("*.xlsx")) == n
        ):
            print(f"{folder.name}: reusing {folder}", flush=True)
            return folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    shutil.copyfile(CONFIG_SOURCE, folder / "xlbudget.toml")
    make_samples()  # loaded before forking, so workers inherit it
    started = time.perf_counter()
    layouts: Counter[str] = Counter()
    total_bytes = 0
    context = multiprocessing.get_context("fork")
    with context.Pool(processes or os.cpu_count(), _gen_init, (str(folder), writer)) as pool:
        for done, (layout, size) in enumerate(
            pool.imap_unordered(_gen_one, range(n), chunksize=32), 1
        ):
            layouts[layout] += 1
            total_bytes += size
            if done % 1000 == 0 or done == n:
                print(f"\r{folder.name}: generated {done}/{n}", end="", flush=True)
    seconds = time.perf_counter() - started
    print(f" in {seconds:.1f} s", flush=True)
    manifest = wanted | {
        "layouts": dict(sorted(layouts.items())),
        "defective": sum(v for k, v in layouts.items() if k.startswith("defect-")),
        "bytes": total_bytes,
        "generation_seconds": round(seconds, 2),
    }
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return folder


# ---------------------------------------------------------------------------------------
# Measuring one subprocess: wall time and peak memory of its process tree
# ---------------------------------------------------------------------------------------


def _proc_kb(pid: int, part: str, key: str) -> int | None:
    """A "Key:  123 kB" line of /proc/PID/PART (status, smaps_rollup), in kB."""
    try:
        with open(f"/proc/{pid}/{part}", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _parent_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            stat = f.read()
        return int(stat[stat.rindex(")") + 2 :].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def descendants(root: int) -> list[int]:
    """The live descendants of `root` (not root itself), from /proc.

    Only pids above root's are looked at: new processes get higher pids unless the pid
    counter wraps around during the run, which a benchmark run does not come near.
    """
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) > root:
            parent = _parent_of(int(entry))
            if parent is not None:
                parents[int(entry)] = parent
    found: list[int] = []
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier}
        found.extend(sorted(frontier))
    return found


class TreeSampler(threading.Thread):
    """Samples the memory of every process below a root pid until stopped.

    GNU time's %M is ru_maxrss from wait4(): for a process whose children were reaped it
    is the maximum of its own peak and its children's peaks (checked: a parent at 400 MB
    forking a 600 MB child reports 600 MB, not 1 GB). So %M is the largest single process,
    exact. This sampler adds the total of the tree: the sum of VmRSS over all live
    processes (which counts pages shared by forked workers more than once) and the sum of
    PSS (shared pages split between their sharers: the honest total), every
    SAMPLE_INTERVAL seconds (PSS, which costs more to read, at every new RSS peak and
    every PSS_EVERY-th sample).
    """

    def __init__(self, root: int, include_root: bool, interval: float = SAMPLE_INTERVAL) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.include_root = include_root
        self.interval = interval
        self.stopped = threading.Event()
        self.peak_single_rss_kb = 0
        self.peak_tree_rss_kb = 0
        self.peak_tree_pss_kb = 0
        self.pids_seen: set[int] = set()
        self.samples = 0

    def run(self) -> None:
        """Sample until stop() is called."""
        while not self.stopped.is_set():
            self.sample()
            self.stopped.wait(self.interval)

    def sample(self) -> None:
        """One sample of the tree (its root left out when it is /usr/bin/time)."""
        pids = descendants(self.root)
        if self.include_root:
            pids.insert(0, self.root)
        rss = [kb for pid in pids if (kb := _proc_kb(pid, "status", "VmRSS:")) is not None]
        new_peak = sum(rss) > self.peak_tree_rss_kb
        if rss:
            self.pids_seen.update(pids)
            self.peak_single_rss_kb = max(self.peak_single_rss_kb, *rss)
            self.peak_tree_rss_kb = max(self.peak_tree_rss_kb, sum(rss))
        if new_peak or self.samples % PSS_EVERY == 0:
            pss = [kb for pid in pids if (kb := _proc_kb(pid, "smaps_rollup", "Pss:")) is not None]
            self.peak_tree_pss_kb = max(self.peak_tree_pss_kb, sum(pss))
        self.samples += 1

    def stop(self) -> None:
        """Stop sampling and wait for the thread."""
        self.stopped.set()
        self.join()


@dataclass
class Run:
    """One timed subprocess."""

    tool: str
    round: int
    wall_s: float
    exit_code: int
    max_rss_single_kb: int | None  # GNU time %M: the largest single process, exact
    cpu_s: float | None  # GNU time %U + %S: CPU time of the whole (reaped) tree
    sampled_single_rss_kb: int  # the same, sampled
    sampled_tree_rss_kb: int  # peak of the sum of VmRSS over the tree
    sampled_tree_pss_kb: int  # peak of the sum of PSS over the tree
    processes: int
    samples: int
    stdout_tail: list[str] = field(default_factory=list)
    stderr_tail: list[str] = field(default_factory=list)


def _tail(path: Path, lines: int = 8) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return [line.rstrip() for line in text.splitlines() if line.strip()][-lines:]


def measure(tool: str, round_: int, command: Sequence[str], cwd: Path) -> Run:
    """Run `command` once under GNU time and the tree sampler; wall time from here."""
    with tempfile.TemporaryDirectory(prefix="bench-run-") as scratch:
        timing = Path(scratch) / "time.txt"
        stdout, stderr = Path(scratch) / "stdout.txt", Path(scratch) / "stderr.txt"
        gnu_time = Path(GNU_TIME).is_file()
        wrapped = [*command]
        if gnu_time:
            wrapped = [GNU_TIME, "-f", "%e %M %U %S", "-o", str(timing), *command]
        with stdout.open("wb") as out, stderr.open("wb") as err:
            started = time.perf_counter()
            process = subprocess.Popen(wrapped, stdout=out, stderr=err, cwd=cwd)
            sampler = TreeSampler(process.pid, include_root=not gnu_time)
            sampler.start()
            exit_code = process.wait()
            wall = time.perf_counter() - started
            sampler.stop()
        max_rss, cpu = None, None
        if timing.is_file():  # "Command exited with non-zero status 1" may come first
            last = _tail(timing, 1)
            with contextlib.suppress(IndexError, ValueError):
                _elapsed, peak, user, system = last[0].split()
                max_rss, cpu = int(peak), round(float(user) + float(system), 2)
        return Run(
            tool=tool,
            round=round_,
            wall_s=round(wall, 4),
            exit_code=exit_code,
            max_rss_single_kb=max_rss,
            cpu_s=cpu,
            sampled_single_rss_kb=sampler.peak_single_rss_kb,
            sampled_tree_rss_kb=sampler.peak_tree_rss_kb,
            sampled_tree_pss_kb=sampler.peak_tree_pss_kb,
            processes=len(sampler.pids_seen),
            samples=sampler.samples,
            stdout_tail=_tail(stdout),
            stderr_tail=_tail(stderr),
        )


# ---------------------------------------------------------------------------------------
# The three contestants
# ---------------------------------------------------------------------------------------

NAIVE = """\
import sys
from pathlib import Path
import openpyxl
files = sorted(Path(sys.argv[1]).glob("*.xlsx"))
cells = 0
for path in files:
    workbook = openpyxl.load_workbook(path)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells += sum(value is not None for value in row)
    workbook.close()
print(len(files), "files", cells, "cells")
"""

FLOOR = """\
import sys, zipfile
from pathlib import Path
files = sorted(Path(sys.argv[1]).glob("*.xlsx"))
size = 0
for path in files:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            size += len(archive.read(info))
print(len(files), "files", size, "bytes inflated")
"""


# The interpreter whose installed xlbudget is timed (--python): a fresh venv made as the
# README's first command makes it, say, without this machine's own site hooks.
XLBUDGET_PYTHON = sys.executable


def command_for(tool: str, folder: Path, master: Path) -> list[str]:
    """The command line that runs `tool` over every form in `folder`."""
    if tool == "xlbudget":
        return [XLBUDGET_PYTHON, "-m", "xlbudget", "consolidate", str(folder), "-o", str(master)]
    if tool == "naive":
        return [sys.executable, "-c", NAIVE, str(folder)]
    if tool == "floor":
        return [sys.executable, "-c", FLOOR, str(folder)]
    raise ValueError(tool)


# ---------------------------------------------------------------------------------------
# One size: interleaved rounds, summary, JSON
# ---------------------------------------------------------------------------------------


@dataclass
class Summary:
    """The rounds of one tool at one size, condensed."""

    tool: str
    best_s: float
    median_s: float
    forms_per_s_best: float
    forms_per_s_median: float
    cpu_s_median: float | None  # user + system over all processes: less sensitive to load
    max_rss_single_mb: float | None
    tree_rss_mb: float
    tree_pss_mb: float
    exit_codes: list[int]
    processes: int


def _mb(kb: int | None) -> float | None:
    return None if kb is None else round(kb / 1024, 1)


def summarise(tool: str, runs: Sequence[Run], n: int) -> Summary:
    """Best and median wall time, forms/s and the highest memory peaks over the rounds."""
    walls = [r.wall_s for r in runs]
    best, median = min(walls), statistics.median(walls)
    singles = [r.max_rss_single_kb or r.sampled_single_rss_kb for r in runs]
    cpus = [r.cpu_s for r in runs if r.cpu_s is not None]
    return Summary(
        tool=tool,
        best_s=round(best, 3),
        median_s=round(median, 3),
        forms_per_s_best=round(n / best, 1),
        forms_per_s_median=round(n / median, 1),
        cpu_s_median=round(statistics.median(cpus), 2) if len(cpus) == len(runs) else None,
        max_rss_single_mb=_mb(max(singles)),
        tree_rss_mb=_mb(max(r.sampled_tree_rss_kb for r in runs)) or 0.0,
        tree_pss_mb=_mb(max(r.sampled_tree_pss_kb for r in runs)) or 0.0,
        exit_codes=[r.exit_code for r in runs],
        processes=max(r.processes for r in runs),
    )


def ratios(summaries: dict[str, Summary]) -> dict[str, float]:
    """xlbudget against the naive reader (speedup) and against the unzip floor (slowdown)."""
    out: dict[str, float] = {}
    x = summaries.get("xlbudget")
    if x and (naive := summaries.get("naive")):
        out["speedup_vs_naive_best"] = round(naive.best_s / x.best_s, 2)
        out["speedup_vs_naive_median"] = round(naive.median_s / x.median_s, 2)
    if x and (floor := summaries.get("floor")):
        out["times_floor_best"] = round(x.best_s / floor.best_s, 2)
        out["times_floor_median"] = round(x.median_s / floor.median_s, 2)
    return out


def folder_manifest(folder: Path) -> tuple[int, dict[str, Any]]:
    """How many forms a folder made elsewhere holds, and what is known of them."""
    forms = [p for p in folder.rglob("*") if p.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods")]
    size = sum(p.stat().st_size for p in forms)
    return len(forms), {"source": str(folder), "bytes": size, "defective": "?"}


def warm_page_cache(folder: Path) -> None:
    """Read every file of the folder once, untimed: else the first contestant of round 1
    alone reads from disk (xlbudget's first rounds took 12-25 % longer than the others)."""
    for path in folder.rglob("*"):
        if path.is_file():
            path.read_bytes()


def bench_size(
    n: int,
    tools: Sequence[str],
    repeat: int,
    keep: bool,
    writer: str = "xlsxwriter",
    folder: Path | None = None,
) -> dict[str, Any]:
    """Generate (or reuse) N forms, or take a folder of forms made elsewhere; time every
    tool `repeat` times interleaved, report."""
    if folder is None:
        folder = ensure_forms(n, writer=writer)
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    else:
        n, manifest = folder_manifest(folder)
    runs: dict[str, list[Run]] = {tool: [] for tool in tools}
    warm_page_cache(folder)
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        masters = OUT / "masters" if keep else Path(scratch)
        masters.mkdir(parents=True, exist_ok=True)
        for round_ in range(1, repeat + 1):
            for tool in tools:
                master = masters / f"master-{n}-r{round_}.xlsx"
                command = command_for(tool, folder, master)
                run = measure(tool, round_, command, cwd=Path(scratch))
                runs[tool].append(run)
                print(
                    f"  N={n} round {round_}/{repeat} {tool:<8} {run.wall_s:8.2f} s"
                    f" (CPU {run.cpu_s} s)"
                    f"  exit {run.exit_code}"
                    f"  peak {_mb(run.max_rss_single_kb or run.sampled_single_rss_kb)} MB"
                    f" (tree RSS {_mb(run.sampled_tree_rss_kb)} / PSS"
                    f" {_mb(run.sampled_tree_pss_kb)} MB)",
                    flush=True,
                )
                if tool == "xlbudget" and run.exit_code not in (0, 1):
                    print(f"  !! xlbudget exit {run.exit_code}:", *run.stderr_tail, sep="\n    ")
    summaries = {tool: summarise(tool, tool_runs, n) for tool, tool_runs in runs.items()}
    return {
        "n": n,
        "writer": writer if manifest.get("source") is None else "elsewhere",
        "folder": str(folder),
        "forms": manifest,
        "repeat": repeat,
        "order": "interleaved: " + " ".join(tools) + " per round",
        "summary": {tool: asdict(s) for tool, s in summaries.items()},
        "ratios": ratios(summaries),
        "runs": {tool: [asdict(r) for r in tool_runs] for tool, tool_runs in runs.items()},
        "machine": machine_info(),
    }


def print_size(result: dict[str, Any]) -> None:
    """The human summary of one size."""
    n = result["n"]
    forms = result["forms"]
    print(
        f"\n== N = {n:,} forms ({forms['bytes'] / 1e6:.1f} MB, {forms['defective']} defective,"
        f" {result['folder']}),"
        f" {result['repeat']} round(s), {result['order']}"
    )
    header = f"{'tool':<9}{'best s':>9}{'median s':>10}{'forms/s':>10}{'(median)':>10}{'CPU s':>8}"
    header += f"{'peak MB':>9}{'tree RSS':>10}{'tree PSS':>10}  exit"
    print(header)
    for s in result["summary"].values():
        peak = "?" if s["max_rss_single_mb"] is None else f"{s['max_rss_single_mb']:.0f}"
        cpu = "?" if s["cpu_s_median"] is None else f"{s['cpu_s_median']:.1f}"
        print(
            f"{s['tool']:<9}{s['best_s']:>9.2f}{s['median_s']:>10.2f}"
            f"{s['forms_per_s_best']:>10.0f}{s['forms_per_s_median']:>10.0f}{cpu:>8}"
            f"{peak:>9}{s['tree_rss_mb']:>10.0f}{s['tree_pss_mb']:>10.0f}"
            f"  {','.join(map(str, s['exit_codes']))}"
        )
    r = result["ratios"]
    if "speedup_vs_naive_best" in r:
        print(
            f"xlbudget vs naive openpyxl: {r['speedup_vs_naive_best']:.2f}x faster"
            f" (median {r['speedup_vs_naive_median']:.2f}x)"
        )
    if "times_floor_best" in r:
        print(
            f"xlbudget vs unzip floor:    {r['times_floor_best']:.2f}x the floor's time"
            f" (median {r['times_floor_median']:.2f}x)"
        )
    runs = result["runs"].get("xlbudget")
    if runs:
        print("xlbudget output (last round):", *runs[-1]["stdout_tail"][-3:], sep="\n  ")
    print(
        "CPU s: user+system of all processes (median); peak MB: largest single process"
        " (GNU time %M); tree: sampled sums over all processes"
    )


# ---------------------------------------------------------------------------------------
# validate on one form: start-up time and imports
# ---------------------------------------------------------------------------------------


def _timed(command: Sequence[str]) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False)
    return time.perf_counter() - started, done.returncode


def import_summary(form: Path) -> dict[str, Any]:
    """`python -X importtime -m xlbudget validate FORM`: what gets imported, and the cost."""
    done = subprocess.run(
        [XLBUDGET_PYTHON, "-X", "importtime", "-m", "xlbudget", "validate", str(form)],
        capture_output=True,
        text=True,
        check=False,
    )
    modules: dict[str, int] = {}  # module -> cumulative µs
    total_self = 0
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            total_self += int(match[1])
            modules[match[4]] = int(match[2])
    roots: dict[str, int] = {}
    for name, cumulative in modules.items():
        root = name.split(".")[0]
        if name == root:
            roots[root] = max(roots.get(root, 0), cumulative)
    heavy = sorted(roots.items(), key=lambda kv: -kv[1])[:12]
    watched = ["openpyxl", "xlsxwriter", "pydantic", "typer", "rich", "python_calamine"]
    return {
        "imports_total_ms": round(total_self / 1000, 1),
        "modules": len(modules),
        "imported": {name: name in roots for name in watched},
        "heaviest_top_level_ms": {name: round(us / 1000, 1) for name, us in heavy},
    }


def validate_one(folder: Path, runs: int = VALIDATE_RUNS) -> dict[str, Any]:
    """Median wall time of `xlbudget validate FORM`, interpreter start included, per layout."""
    results: dict[str, Any] = {
        "runs": runs,
        "target_s": 0.5,
        "python": XLBUDGET_PYTHON,
        "forms": {},
    }
    bare = [XLBUDGET_PYTHON, "-c", "pass"]
    _timed(bare)
    walls = [_timed(bare)[0] for _ in range(runs)]
    results["interpreter_start_median_s"] = round(statistics.median(walls), 3)
    script = Path(XLBUDGET_PYTHON).with_name("xlbudget")
    for layout in ("template", "reference"):
        form = next(iter(sorted(folder.glob(f"*-{layout}.xlsx"))), None)
        if form is None:
            continue
        commands = {"python -m xlbudget": [XLBUDGET_PYTHON, "-m", "xlbudget"]}
        if script.is_file():
            commands["xlbudget (console script)"] = [str(script)]
        timings: dict[str, Any] = {}
        for label, prefix in commands.items():
            command = [*prefix, "validate", str(form)]
            _timed(command)  # warm the page cache
            walls, codes = zip(*(_timed(command) for _ in range(runs)), strict=True)
            timings[label] = {
                "median_s": round(statistics.median(walls), 3),
                "best_s": round(min(walls), 3),
                "exit_codes": sorted(set(codes)),
            }
        results["forms"][layout] = {
            "form": str(form),
            "timings": timings,
            "imports": import_summary(form),
        }
    results["machine"] = machine_info()
    return results


def print_validate_one(result: dict[str, Any]) -> None:
    """The human summary of --validate-one."""
    print(f"\n== xlbudget validate <one form>: median of {result['runs']} runs (target < 0.5 s)")
    print(f"bare interpreter (python -c pass): median {result['interpreter_start_median_s']:.3f} s")
    for layout, entry in result["forms"].items():
        print(f"{layout}: {Path(entry['form']).name}")
        for label, t in entry["timings"].items():
            verdict = "ok" if t["median_s"] < result["target_s"] else "OVER TARGET"
            print(
                f"  {label:<28} median {t['median_s']:.3f} s  best {t['best_s']:.3f} s"
                f"  exit {t['exit_codes']}  {verdict}"
            )
        imports = entry["imports"]
        flags = ", ".join(f"{k}={'yes' if v else 'no'}" for k, v in imports["imported"].items())
        print(f"  imported: {flags}")
        heavy = ", ".join(f"{k} {v:.0f}" for k, v in imports["heaviest_top_level_ms"].items())
        print(
            f"  import time {imports['imports_total_ms']:.0f} ms over {imports['modules']}"
            f" modules; heaviest (cumulative ms): {heavy}"
        )


# ---------------------------------------------------------------------------------------
# Profile of one consolidate run
# ---------------------------------------------------------------------------------------

IN_PROCESS = """\
import sys
from xlbudget.api import consolidate, write_master
result = consolidate([sys.argv[1]], None, None, sys.argv[2], workers=0)
write_master(result, sys.argv[2])
"""

# Where a function's own time belongs, by "filename:function" (first match wins). A
# function matching none (builtins such as str.translate or re.Pattern.fullmatch, most of
# the standard library) passes its time on to the stages of its callers, pro rata.
STAGES: tuple[tuple[str, str], ...] = (
    (r"calamine|built-in method from_path", "read: calamine (Rust)"),
    (r"zlib|/zipfile", "read: zip (zipfile, zlib)"),
    (r"pyexpat|/xml/|defusedxml", "read: XML parsing"),
    (r"xlbudget/read\.py", "read: xlbudget.read"),
    (r"xlbudget/guards\.py", "read: guards"),
    (r"xlbudget/(extract|spec)\.py", "extract (labels, defined names)"),
    (r"xlbudget/(validate|parse|formulas)\.py", "validate (parse, checks)"),
    (r"xlbudget/issues\.py", "issues"),
    (r"xlbudget/config\.py", "config (committee matching)"),
    (r"xlbudget/consolidat", "consolidate (groups, totals)"),
    (r"xlbudget/master(_cells|_sums)?\.py|xlsxwriter", "master writing"),
    (r"pydantic", "pydantic"),
    (r"xlbudget/(pipeline|models)\.py|sha256|hashlib", "pipeline (collect, sha256, models)"),
    (r"xlbudget/workers\.py|multiprocessing|select\.poll|selectors", "workers (parent waits)"),
    (r"xlbudget/render\.py|/rich/", "rendering (rich)"),
    (r"typer|click", "CLI (typer)"),
    (r"importlib|<frozen|builtins\.exec|marshal", "imports, start-up"),
)


def _explicit_stage(key: tuple[str, int, str]) -> str | None:
    filename, _line, function = key
    where = f"{filename}:{function}".replace("\\", "/")
    for pattern, stage in STAGES:
        if re.search(pattern, where, re.IGNORECASE):
            return stage
    return None


def own_time_by_stage(raw: dict[Any, Any]) -> Counter[str]:
    """Every function's own time, credited to its stage (or its callers' stages)."""
    shares: dict[Any, dict[str, float]] = {}

    def share(key: Any, busy: frozenset[Any]) -> dict[str, float]:
        if key in shares:
            return shares[key]
        stage = _explicit_stage(key)
        if stage is not None:
            result = {stage: 1.0}
        else:
            callers = {c: edge for c, edge in raw[key][4].items() if c not in busy and c != key}
            weights = {c: edge[2] for c, edge in callers.items()}  # own time along the edge
            if sum(weights.values()) <= 0:
                weights = {c: float(edge[1]) for c, edge in callers.items()}  # call counts
            total = sum(weights.values())
            result = {}
            for caller, weight in weights.items():
                if weight > 0 and total > 0:
                    for name, fraction in share(caller, busy | {key}).items():
                        result[name] = result.get(name, 0.0) + fraction * weight / total
            result = result or {"other": 1.0}
        shares[key] = result
        return result

    stages: Counter[str] = Counter()
    for key, entry in raw.items():
        for name, fraction in share(key, frozenset()).items():
            stages[name] += entry[2] * fraction
    return stages


def _shorten(text: str) -> str:
    """Profile listings without the long installation paths."""
    for prefix in sorted({*sys.path, str(ROOT)}, key=len, reverse=True):
        if prefix and len(prefix) > 1:
            text = text.replace(prefix.rstrip("/") + "/", "")
    return text


def profile_summary(path: Path, top: int = 25) -> dict[str, Any]:
    """The top entries by cumulative and by own time, and own time grouped by stage."""
    stats = pstats.Stats(str(path))
    listings: dict[str, str] = {}
    for order, count in (("cumulative", top), ("tottime", 15)):
        buffer = io.StringIO()
        stats.stream = buffer  # type: ignore[attr-defined]
        stats.sort_stats(order).print_stats(count)
        text = buffer.getvalue()
        listings[order] = _shorten(text[text.find("   ncalls") :]).rstrip()
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    return {
        "profile": str(path),
        "total_own_s": round(sum(entry[2] for entry in raw.values()), 3),
        "top_cumulative": listings["cumulative"],
        "top_own": listings["tottime"],
        "own_time_by_stage_s": {
            k: round(v, 3) for k, v in own_time_by_stage(raw).most_common() if v >= 0.0005
        },
    }


def profile(n: int) -> dict[str, Any]:
    """cProfile one consolidate run: the CLI (parent only) and in-process without workers."""
    folder = ensure_forms(n)
    results: dict[str, Any] = {"n": n}
    with tempfile.TemporaryDirectory(prefix="bench-prof-") as scratch:
        scratch_path = Path(scratch)
        cli_prof = OUT / "consolidate.prof"
        command = [sys.executable, "-m", "cProfile", "-o", str(cli_prof), "-m", "xlbudget"]
        command += ["consolidate", str(folder), "-o", str(scratch_path / "master-cli.xlsx")]
        wall, code = _timed(command)
        results["cli"] = {"wall_s": round(wall, 2), "exit_code": code} | profile_summary(cli_prof)
        snippet = scratch_path / "consolidate_in_process.py"
        snippet.write_text(IN_PROCESS, encoding="utf-8")
        in_prof = OUT / "consolidate-inprocess.prof"
        command = [sys.executable, "-m", "cProfile", "-o", str(in_prof), str(snippet)]
        command += [str(folder), str(scratch_path / "master-in.xlsx")]
        wall, code = _timed(command)
        if in_prof.is_file():
            results["in_process"] = {"wall_s": round(wall, 2), "exit_code": code}
            results["in_process"] |= profile_summary(in_prof)
    return results


def print_profile(result: dict[str, Any]) -> None:
    """The human summary of --profile."""
    for key, title in (
        ("cli", "xlbudget consolidate (CLI, parent process only: workers are forked)"),
        ("in_process", "consolidate(workers=0) + write_master, all in one process"),
    ):
        entry = result.get(key)
        if not entry:
            continue
        print(f"\n== profile, N = {result['n']:,}: {title}")
        print(f"wall {entry['wall_s']} s under cProfile (its -m runner drops the exit code)")
        print(f"top {25} by cumulative time:")
        print(entry["top_cumulative"])
        print("top 15 by own time:")
        print(entry["top_own"])
        print("own time by stage (builtins and stdlib credited to their callers' stage):")
        total = entry["total_own_s"] or 1.0
        for stage, seconds in entry["own_time_by_stage_s"].items():
            print(f"  {stage:<36}{seconds:>8.2f} s {100 * seconds / total:5.1f} %")


# ---------------------------------------------------------------------------------------
# Machine info and the command line
# ---------------------------------------------------------------------------------------


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return None


def _git(*args: str) -> str | None:
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    return None


def _sources_digest() -> str:
    """One sha256 over xlbudget's Python sources and form spec, as they are now."""
    digest = hashlib.sha256()
    for path in sorted([*ROOT.glob("xlbudget/*.py"), *ROOT.glob("templates/*.toml")]):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def machine_info() -> dict[str, Any]:
    """What the figures were measured on."""
    packages = ["xlbudget", "openpyxl", "xlsxwriter", "python-calamine", "pydantic"]
    packages += ["typer", "rich", "defusedxml"]
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 1
    memory = None
    with contextlib.suppress(OSError, IndexError, ValueError):
        memory = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    return {
        "nproc": usable,
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_mb": memory,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "packages": {name: _version(name) for name in packages},
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain")),
        "package_sources_sha256": _sources_digest(),  # the code measured, committed or not
        "gnu_time": Path(GNU_TIME).is_file(),
        "load_average": [round(x, 2) for x in os.getloadavg()],  # others busy on the machine?
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of sizes: {text!r}") from exc
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def _tools(text: str) -> list[str]:
    tools = [part.strip() for part in text.split(",") if part.strip()]
    unknown = sorted(set(tools) - set(TOOLS))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown tool(s) {unknown}; choose from {TOOLS}")
    return [tool for tool in TOOLS if tool in tools]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--n", type=int, action="append", default=[], metavar="N", help="a size (repeatable)"
    )
    parser.add_argument(
        "--sizes", type=_sizes, default=[], help="sizes, comma-separated (default 1000,10000)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="rounds per size (default 3)")
    parser.add_argument(
        "--writer",
        choices=("xlsxwriter", "openpyxl"),
        default="xlsxwriter",
        help="generate the forms with make_samples' writers (nine layouts, default) or with "
        "openpyxl in the reference layout (forms-openpyxl-N)",
    )
    parser.add_argument(
        "--folder",
        type=Path,
        action="append",
        default=[],
        help="time a folder of forms made elsewhere instead of generating (repeatable)",
    )
    parser.add_argument(
        "--only", type=_tools, default=list(TOOLS), help="tools to time: xlbudget,naive,floor"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the master files in benchmarks/out/masters/"
    )
    parser.add_argument(
        "--validate-one", action="store_true", help="also time `xlbudget validate` on one form"
    )
    parser.add_argument(
        "--profile", action="store_true", help="also cProfile one consolidate run (smallest size)"
    )
    parser.add_argument(
        "--no-scale", action="store_true", help="skip the timed runs (with --validate-one etc.)"
    )
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="time the xlbudget installed for this interpreter (e.g. a fresh venv's python); "
        "the naive read and the floor run here",
    )
    args = parser.parse_args(argv)
    args.sizes = [*args.n, *args.sizes] or ([] if args.folder else list(DEFAULT_SIZES))
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def ensure_bytecode() -> str:
    """Compile the bytecode of the xlbudget that the timed runs import, once, as pip install
    does for a package it installs (openpyxl's, pydantic's… are compiled that way).

    Run from its sources (an editable install, a checkout on PYTHONPATH) with
    PYTHONDONTWRITEBYTECODE=1, Python would compile every xlbudget module again at each
    start: ~0.1 s a run that no installed package pays. Importing still reads bytecode
    that exists; this only writes what is missing or stale (in __pycache__, or under
    PYTHONPYCACHEPREFIX if set)."""
    import compileall

    spec = importlib.util.find_spec("xlbudget")
    if spec is None or not spec.submodule_search_locations:
        return "xlbudget not found"
    folder = Path(next(iter(spec.submodule_search_locations)))
    done = compileall.compile_dir(folder, quiet=2, workers=1)
    return f"bytecode of {folder} {'up to date' if done else 'not (all) writable'}"


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks the command line asks for; exit 0."""
    global XLBUDGET_PYTHON
    args = parse_args(argv)
    XLBUDGET_PYTHON = args.python
    if args.python != sys.executable:
        print(f"xlbudget timed as installed for {args.python}")
    OUT.mkdir(parents=True, exist_ok=True)
    info = machine_info()
    packages = ", ".join(f"{k} {v}" for k, v in info["packages"].items() if v)
    print(f"{info['cpu_model']} · nproc {info['nproc']} · Python {info['python']} · {packages}")
    print(f"load average {info['load_average']} (other work on the machine skews timings)")
    print(ensure_bytecode())
    if not args.no_scale:
        for n in args.sizes:
            result = bench_size(n, args.only, args.repeat, args.keep, args.writer)
            print_size(result)
            stem = f"results-{n}" if args.writer == "xlsxwriter" else f"results-{args.writer}-{n}"
            _write_json(OUT / f"{stem}.json", result)
        for folder in args.folder:
            result = bench_size(0, args.only, args.repeat, args.keep, folder=folder.resolve())
            print_size(result)
            _write_json(OUT / f"results-folder-{folder.resolve().name}.json", result)
    if args.validate_one:
        result = validate_one(ensure_forms(min(args.sizes or DEFAULT_SIZES)))
        print_validate_one(result)
        _write_json(OUT / "results-validate-one.json", result)
    if args.profile:
        result = profile(min(args.sizes or DEFAULT_SIZES))
        print_profile(result)
        _write_json(OUT / f"results-profile-{result['n']}.json", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
