"""Load test of `xlbudget serve`: many departments checking and handing in forms at once.

The script

1. takes its forms from ``benchmarks/out/forms-1000/`` (bench.py's seeded generator: 1,000
   realistic forms in nine layouts, 1 % defective; generated when missing) or from
   ``--forms PATH``; each form is checked here first, in this process, to know what the
   server must answer (for the generated forms this must agree with the generator's
   ``defect-`` label);
2. starts a real server, ``python -m xlbudget serve --inbox TMP --config TOML --port FREE``
   (the folder's xlbudget.toml with ``[serve] office_token`` added), and waits for /healthz;
3. runs ``--clients`` threads, each with its own ``httpx.Client``, over one shared queue of
   ``--uploads`` uploads: half checks (``POST /api/validate``), half hand-ins
   (``POST /api/submit``), ~10 % of each defective; every hand-in of a valid form is a form
   of its own, and ~10 % of the hand-ins are revisions of a number handed in earlier in
   the run (the same number, another subject, so other bytes; a few numbers three times);
4. counts as an error any 5xx, connection error or timeout, and any wrong answer: a check
   must be 200 with the form's verdict, a hand-in 201 for a valid form (with the number and
   the SHA-256 of the bytes sent) and 422 for a defective one;
5. proves that nothing was lost: every 201 receipt is in the register, read both through
   ``GET /api/submissions`` and directly from ``<inbox>/.register.sqlite``, with the number
   and SHA-256 sent; nothing else is there; each number's latest hand-in is its current
   file ``<inbox>/<file_name>`` with the register's SHA-256; every replaced version of a
   resubmitted number is kept under ``<inbox>/.versions/<nr>/`` with its bytes;
6. prints latency (p50, p95, max; checks, hand-ins and all), uploads/s, checks/s, errors,
   the server's CPU time (the server process, its fork server and the worker processes)
   and this process's, and writes ``benchmarks/out/results-serve-load.json``.

Targets on 2 cores: p95 under 1 s, at least 40 checks per second, zero errors.

Usage (from the repository root)::

    python benchmarks/serve_load.py                       # 20 clients, 500 uploads
    python benchmarks/serve_load.py --clients 20 --uploads 500 --forms benchmarks/out/forms-1000
    python benchmarks/serve_load.py --source /tmp/xlb-b --out /tmp/results-b.json  # another tree
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import hashlib
import io
import itertools
import json
import math
import os
import queue
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import zipfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench.py, next to this file

import bench

ROOT = bench.ROOT
OUT = bench.OUT
SEED = 20200101
TOKEN = "serve-load-office-secret-0123456789"
DEFECTIVE_SHARE = 0.10  # of the checks and of the hand-ins, when defective forms exist
RESUBMIT_SHARE = 0.10  # of the hand-ins: revisions of a number handed in earlier
TARGET_P95_S = 1.0
TARGET_CHECKS_PER_S = 40.0
REQUEST_TIMEOUT_S = 120.0
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---------------------------------------------------------------------------------------
# The forms and what the server must answer for each
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    """One upload's bytes and what the server must say about them."""

    name: str  # the file name sent
    content: bytes
    valid: bool  # no error: a hand-in must be 201, a check's status is not "error"
    nr: str | None  # the proposal number read here
    sha256: str
    revision: int = 0  # 0: as generated; k: the k-th revision of that number


def spreadsheet_files(folder: Path) -> list[Path]:
    """The forms of a folder (not its hidden files), sorted by name."""
    suffixes = {".xlsx", ".xlsm", ".xls", ".ods"}
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith((".", "~$"))
    )


def check_here(paths: Sequence[Path], config_path: Path) -> dict[str, tuple[bool, str | None]]:
    """Each file's verdict from xlbudget in this process: (no error, its proposal number)."""
    from xlbudget.api import validate_paths

    verdicts: dict[str, tuple[bool, str | None]] = {}
    for result in validate_paths(list(paths), config_path, workers=0):
        ok, nr = verdicts.get(result.path, (True, None))
        nr = nr or (result.proposal.nr if result.proposal else None)
        verdicts[result.path] = (ok and result.status != "error", nr)
    return verdicts


def load_forms(folder: Path, config_path: Path) -> tuple[list[Form], dict[str, Any]]:
    """Every form of the folder with its verdict; for bench's folders, checked against the
    generator's labels."""
    paths = spreadsheet_files(folder)
    started = time.perf_counter()
    verdicts = check_here(paths, config_path)
    seconds = time.perf_counter() - started
    forms = []
    mismatches = []
    generated = (folder / bench.MANIFEST).is_file()
    for path in paths:
        valid, nr = verdicts.get(str(path), (False, None))
        if generated and valid == ("-defect-" in path.name):
            mismatches.append(path.name)
        content = path.read_bytes()
        forms.append(Form(path.name, content, valid, nr, hashlib.sha256(content).hexdigest()))
    info = {
        "folder": str(folder),
        "forms": len(forms),
        "valid": sum(f.valid for f in forms),
        "defective": sum(not f.valid for f in forms),
        "checked_here_s": round(seconds, 2),
        "generator_labels": generated,
        "label_mismatches": mismatches,
    }
    return forms, info


@functools.cache
def _generated_index(folder: Path) -> dict[str, int]:
    """For a bench.py folder: each file name's index in the generator."""
    manifest = json.loads((folder / bench.MANIFEST).read_text(encoding="utf-8"))
    ms = bench.make_samples()
    pools = bench.build_pools(ms)
    return {bench.sample_for(i, ms, pools)[0].filename: i for i in range(manifest["n"])}


@functools.cache
def _pools() -> Any:
    return bench.build_pools(bench.make_samples())


def revise(form: Form, revision: int, folder: Path, config_path: Path, work: Path) -> Form:
    """A revision of a valid form: the same number, other bytes.

    For bench.py's forms the generator writes it again with another subject ("… (revideret
    udgave k)"); for forms made elsewhere the package is written again with another
    compression level and a note in the zip comment (same cells, other bytes)."""
    target = work / f"rev{revision}-{form.name}"
    generated = (folder / bench.MANIFEST).is_file()
    index = _generated_index(folder).get(form.name) if generated else None
    if index is not None:
        from xlbudget.config import load_config

        ms = bench.make_samples()
        sample, _ = bench.sample_for(index, ms, _pools())
        changed = {
            **sample.proposal,
            "subject": f"{sample.proposal['subject']} (revideret {revision})",
        }
        sample = dataclasses.replace(sample, proposal=changed)
        sample.writer(target, sample, load_config(config_path))
    else:
        with (
            zipfile.ZipFile(io.BytesIO(form.content)) as source,
            zipfile.ZipFile(
                target, "w", zipfile.ZIP_DEFLATED, compresslevel=revision % 9 + 1
            ) as out,
        ):
            for item in source.infolist():
                out.writestr(item, source.read(item.filename))
            out.comment = f"serve_load revision {revision}".encode()
    content = target.read_bytes()
    return dataclasses.replace(
        form, content=content, sha256=hashlib.sha256(content).hexdigest(), revision=revision
    )


# ---------------------------------------------------------------------------------------
# The plan: which upload, in which order
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    index: int
    kind: str  # "check" | "hand-in"
    form: Form


def plan(
    forms: list[Form],
    uploads: int,
    folder: Path,
    config_path: Path,
    work: Path,
    hand_in_share: float = 0.5,
) -> tuple[list[Job], dict[str, Any]]:
    """The uploads in the order the clients take them (seeded: the same every run).

    Hand-ins: distinct valid forms, ~10 % defective ones (cycled) and ~10 % revisions of
    numbers handed in earlier, placed in the last third of the queue (after their
    originals, which 20 clients have long finished by then); a few numbers get a second
    revision, after the first. Checks: valid and ~10 % defective forms, drawn at random."""
    rng = random.Random(SEED)
    valid = [f for f in forms if f.valid and f.nr]
    defective = [f for f in forms if not f.valid]
    if not valid:
        raise SystemExit("no valid form among the forms: nothing to hand in")
    hand_ins = round(uploads * hand_in_share)
    checks = uploads - hand_ins
    bad_hand_ins = round(hand_ins * DEFECTIVE_SHARE) if defective else 0
    revisions = round(hand_ins * RESUBMIT_SHARE) if hand_ins >= 10 else 0
    firsts_wanted = hand_ins - bad_hand_ins - revisions
    pool = valid[:]
    rng.shuffle(pool)
    firsts = pool[:firsts_wanted]
    while len(firsts) < firsts_wanted:  # fewer valid forms than hand-ins: reuse (replaces)
        firsts.append(pool[len(firsts) % len(pool)])
    # revisions: most numbers once, a fifth of them twice
    twice = revisions // 5
    once = revisions - twice
    revised: list[Form] = []
    for k, original in enumerate(firsts[:once]):
        revised.append(revise(original, 1, folder, config_path, work))
        if k < twice:
            revised.append(revise(original, 2, folder, config_path, work))
    revised.sort(key=lambda f: f.revision)  # every first revision before any second
    bad = [defective[i % len(defective)] for i in range(bad_hand_ins)]
    bad_checks = round(checks * DEFECTIVE_SHARE) if defective else 0
    check_forms = [rng.choice(defective) for _ in range(bad_checks)]
    check_forms += [rng.choice(valid) for _ in range(checks - bad_checks)]
    main = [("hand-in", f) for f in firsts + bad] + [("check", f) for f in check_forms]
    rng.shuffle(main)
    # revisions at sorted random places in the last third of the whole queue
    total = len(main) + len(revised)
    tail_start = total - total // 3
    places = sorted(rng.sample(range(tail_start, total), len(revised)))
    order: list[tuple[str, Form]] = []
    pending = list(revised)
    main_iter = iter(main)
    for position in range(total):
        if places and position == places[0]:
            places.pop(0)
            order.append(("hand-in", pending.pop(0)))
        else:
            order.append(next(main_iter))
    jobs = [Job(i, kind, form) for i, (kind, form) in enumerate(order)]
    info = {
        "uploads": len(jobs),
        "checks": sum(j.kind == "check" for j in jobs),
        "checks_defective": bad_checks,
        "hand_ins": sum(j.kind == "hand-in" for j in jobs),
        "hand_ins_distinct_valid_forms": len({f.name for f in firsts}),
        "hand_ins_defective": len(bad),
        "hand_ins_revisions": len(revised),
        "numbers_revised": once,
        "numbers_revised_twice": twice,
    }
    return jobs, info


# ---------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_config(source: Path, target: Path) -> str:
    """The forms' xlbudget.toml with [serve] office_token added; the office's secret."""
    text = source.read_text(encoding="utf-8")
    token = tomllib.loads(text).get("serve", {}).get("office_token")
    if token is None:
        if "[serve]" in text:
            raise SystemExit(f"{source} has a [serve] table without office_token: add one")
        text += f'\n[serve]\noffice_token = "{TOKEN}"\n'
        token = TOKEN
    target.write_text(text, encoding="utf-8")
    return str(token)


class Server:
    """`python -m xlbudget serve` as a subprocess of ours."""

    def __init__(
        self, python: str, source: Path | None, inbox: Path, config: Path, log: Path
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env.pop("XLBUDGET_OFFICE_TOKEN", None)  # the toml's secret, not one from outside
        if source is not None:  # another tree's xlbudget (a worktree with a change)
            env["PYTHONPATH"] = os.pathsep.join(
                [str(source), *filter(None, [env.get("PYTHONPATH")])]
            )
        command = [python, "-m", "xlbudget", "serve", "--inbox", str(inbox)]
        command += ["--config", str(config), "--host", "127.0.0.1", "--port", str(self.port)]
        self.command = command
        self.log_file = log.open("wb")
        self.process = subprocess.Popen(
            command,
            cwd=source or ROOT,
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.log = log

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Seconds until /healthz answered 200."""
        started = time.perf_counter()
        with httpx.Client(timeout=2.0) as client:
            while time.perf_counter() - started < timeout:
                if self.process.poll() is not None:
                    raise SystemExit(
                        f"the server exited ({self.process.returncode}):\n{self.tail()}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"{self.url}/healthz").status_code == 200:
                        return time.perf_counter() - started
                time.sleep(0.05)
        raise SystemExit(f"the server did not answer /healthz in {timeout} s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        self.log_file.flush()
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> int | None:
        """SIGINT (uvicorn's graceful stop), then SIGKILL to our process group if needed."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        # the fork server and workers are in our session: end any left behind
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.log_file.close()
        return self.process.returncode


# ---------------------------------------------------------------------------------------
# CPU accounting: the server's process tree and the machine
# ---------------------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, list[str]] | None:
    """(parent pid, the fields after the command name) of /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), fields


def tree_cpu(root: int) -> dict[str, float]:
    """CPU seconds so far of the server (own), and of every other live process below it,
    with what they reaped (the fork server reaps the workers it forks: their CPU is in its
    cutime/cstime once they exit). Keys: server, children (fork server, workers, tracker)."""
    parents: dict[int, int] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            found = _stat(int(entry))
            if found:
                parents[int(entry)], stats[int(entry)] = found
    below: list[int] = []
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier}
        below.extend(frontier)

    def seconds(pid: int, reaped: bool) -> float:
        f = stats.get(pid)
        if not f:
            return 0.0
        # fields after ")": state=0 ppid=1 ... utime=11 stime=12 cutime=13 cstime=14
        ticks = int(f[11]) + int(f[12]) + (int(f[13]) + int(f[14]) if reaped else 0)
        return ticks / TICK

    return {
        "server": seconds(root, reaped=False),
        "children": sum(seconds(pid, reaped=True) for pid in below),
        "processes": 1 + len(below),
    }


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat (busy: user,
    nice, system, irq, softirq; total adds idle, iowait and steal)."""
    with open("/proc/stat", encoding="ascii") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    busy = values[0] + values[1] + values[2] + values[5] + values[6]
    total = sum(values[:8])
    return busy / TICK, total / TICK


# ---------------------------------------------------------------------------------------
# The load
# ---------------------------------------------------------------------------------------


@dataclass
class Outcome:
    index: int
    kind: str
    form: str
    valid: bool
    revision: int
    started: float = 0.0
    seconds: float = 0.0
    status: int | None = None
    error: str | None = None  # why this upload counts as an error, if it does
    body: dict[str, Any] = field(default_factory=dict)


def judge(job: Job, response: httpx.Response) -> tuple[str | None, dict[str, Any]]:
    """What is wrong with the server's answer to this upload, if anything, and its body."""
    try:
        body = response.json()
    except ValueError:
        return f"{response.status_code}: not JSON", {}
    form = job.form
    if response.status_code >= 500:
        return f"{response.status_code}: server error", body
    if job.kind == "check":
        if response.status_code != 200:
            return f"{response.status_code}: a check must be 200", body
        statuses = [entry.get("status") for entry in body.get("files", [])]
        if not statuses or ("error" in statuses) == form.valid:
            return f"verdict {statuses}, expected {'no error' if form.valid else 'error'}", body
        return None, body
    if form.valid:
        if response.status_code != 201:
            return f"{response.status_code}: a valid form's hand-in must be 201", body
        stored = body.get("stored") or []
        if not body.get("receipt") or [s.get("nr") for s in stored] != [form.nr]:
            return f"201 but stored {stored} for {form.nr}", body
        if stored[0].get("sha256") != form.sha256:
            return "201 but the SHA-256 stored is not the one sent", body
        return None, body
    if response.status_code != 422:
        return f"{response.status_code}: a defective form's hand-in must be 422", body
    return None, body


def client_loop(
    url: str,
    jobs: queue.Queue[Job],
    outcomes: list[Outcome],
    client_no: int,
    start: threading.Event,
) -> None:
    """One department: takes the next upload, sends it, waits for the answer, and again."""
    with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S) as client:
        start.wait()
        while True:
            try:
                job = jobs.get_nowait()
            except queue.Empty:
                return
            outcome = Outcome(job.index, job.kind, job.form.name, job.form.valid, job.form.revision)
            files = {"file": (job.form.name, job.form.content, XLSX_TYPE)}
            began = time.perf_counter()
            try:
                if job.kind == "check":
                    response = client.post("/api/validate", files=files)
                else:
                    data = {"name": f"Belastningstest {client_no:02d}"}
                    response = client.post("/api/submit", files=files, data=data)
                outcome.seconds = time.perf_counter() - began
                outcome.status = response.status_code
                outcome.error, outcome.body = judge(job, response)
            except httpx.HTTPError as exc:
                outcome.seconds = time.perf_counter() - began
                outcome.error = f"{type(exc).__name__}: {exc}"
            outcome.started = began
            outcomes[job.index] = outcome


def run_load(url: str, jobs: list[Job], clients: int) -> tuple[list[Outcome], float]:
    """All uploads through `clients` threads; the outcomes (in plan order) and the wall time
    from the first request sent to the last answer."""
    work: queue.Queue[Job] = queue.Queue()
    for job in jobs:
        work.put(job)
    outcomes: list[Outcome] = [None] * len(jobs)  # type: ignore[list-item]
    start = threading.Event()
    threads = [
        threading.Thread(target=client_loop, args=(url, work, outcomes, n + 1, start))
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.2)  # every client built before the clock starts
    began = time.perf_counter()
    start.set()
    for thread in threads:
        thread.join()
    ended = max((o.started + o.seconds for o in outcomes if o), default=began)
    return outcomes, ended - began


def percentile(values: Sequence[float], p: float) -> float | None:
    """The nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def latency(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    seconds = [o.seconds for o in outcomes]
    return {
        "n": len(seconds),
        "p50_ms": _ms(percentile(seconds, 50)),
        "p95_ms": _ms(percentile(seconds, 95)),
        "p99_ms": _ms(percentile(seconds, 99)),
        "max_ms": _ms(max(seconds) if seconds else None),
        "mean_ms": _ms(sum(seconds) / len(seconds) if seconds else None),
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


# ---------------------------------------------------------------------------------------
# Proof that nothing was lost
# ---------------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def loss_check(
    url: str, token: str, inbox: Path, outcomes: Sequence[Outcome], jobs: Sequence[Job]
) -> dict[str, Any]:
    """Every 201 receipt against the register (API and SQLite) and the inbox's files."""
    problems: list[str] = []
    accepted = [o for o in outcomes if o and o.status == 201 and o.body.get("receipt")]
    sent = {j.index: j.form for j in jobs}
    # what we were told: receipt -> (nr, sha256 of the bytes we sent)
    told: dict[str, tuple[str, str]] = {}
    for o in accepted:
        for k, item in enumerate(o.body.get("stored", [])):
            receipt = o.body["receipt"] if k == 0 else f"{o.body['receipt']}-{k + 1}"
            told[receipt] = (item.get("nr"), sent[o.index].sha256)
    if len(told) != len({o.body["receipt"] for o in accepted}):
        problems.append("a receipt was given twice")

    # the register, directly
    with contextlib.closing(
        sqlite3.connect(f"file:{inbox / '.register.sqlite'}?mode=ro", uri=True)
    ) as db:
        rows = db.execute(
            "select id, receipt, nr, file_name, sha256, replaced, content from handin order by id"
        ).fetchall()
    by_receipt = {r[1]: r for r in rows}
    for receipt, (nr, sha) in told.items():
        row = by_receipt.get(receipt)
        if row is None:
            problems.append(f"{receipt} ({nr}): not in the register (sqlite)")
        elif row[2] != nr or row[4] != sha or hashlib.sha256(row[6]).hexdigest() != sha:
            problems.append(f"{receipt}: the register's row differs from what was sent")
    extra = sorted(set(by_receipt) - set(told))
    if extra:
        problems.append(f"register rows without a 201 to a client: {extra[:5]}")
    history: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        history[row[2]].append(row)
    for nr, versions in history.items():
        flags = [bool(r[5]) for r in versions]
        if flags != [False] + [True] * (len(versions) - 1):
            problems.append(f"{nr}: replaced flags {flags} (first False, then True)")

    # the register, through the API
    response = httpx.get(
        f"{url}/api/submissions", headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    submissions = response.json().get("submissions", []) if response.status_code == 200 else []
    if response.status_code != 200:
        problems.append(f"GET /api/submissions: {response.status_code}")
    api = {s["nr"]: s for s in submissions}
    if set(api) != set(history):
        problems.append(f"API numbers differ from sqlite: {sorted(set(api) ^ set(history))[:5]}")
    unlisted = set(inbox.iterdir())
    current_ok = versions_ok = 0
    for nr, versions in history.items():
        latest = versions[-1]
        entry = api.get(nr)
        if entry is None:
            continue
        if (entry["receipt"], entry["sha256"], entry["file_name"]) != (
            latest[1],
            latest[4],
            latest[3],
        ) or entry.get("versions") != len(versions):
            problems.append(f"{nr}: the API's latest hand-in is not sqlite's")
        current = inbox / latest[3]
        unlisted.discard(current)
        if not current.is_file():
            problems.append(f"{nr}: current file {current.name} missing")
        elif sha256_file(current) != latest[4]:
            problems.append(f"{nr}: current file's SHA-256 differs from the register's")
        else:
            current_ok += 1
        if len(versions) > 1:
            kept = inbox / ".versions" / Path(latest[3]).stem
            kept_shas = Counter(sha256_file(p) for p in kept.glob("*")) if kept.is_dir() else {}
            # each earlier hand-in's bytes, but for one followed by the very same bytes (that
            # one stays the current file: nothing to keep)
            older = Counter(
                row[4] for row, then in itertools.pairwise(versions) if row[4] != then[4]
            )
            if kept_shas != older:
                problems.append(
                    f"{nr}: .versions holds {sum(kept_shas.values())} files, "
                    f"expected the {sum(older.values())} earlier hand-in(s)"
                )
            else:
                versions_ok += 1
    strays = sorted(p.name for p in unlisted if not p.name.startswith("."))
    if strays:
        problems.append(f"files in the inbox the register does not name: {strays[:5]}")
    resubmitted = {nr for nr, v in history.items() if len(v) > 1}
    return {
        "ok": not problems,
        "receipts_201": len(told),
        "register_rows_sqlite": len(rows),
        "numbers": len(history),
        "numbers_api": len(api),
        "current_files_matching": current_ok,
        "numbers_resubmitted": len(resubmitted),
        "numbers_with_all_versions_kept": versions_ok,
        "versions_kept": sum(len(history[nr]) - 1 for nr in resubmitted),
        "problems": problems[:50],
    }


# ---------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------


def summarise(
    outcomes: Sequence[Outcome], wall: float, cpu: dict[str, float], clients: int
) -> dict[str, Any]:
    checks = [o for o in outcomes if o.kind == "check"]
    hand_ins = [o for o in outcomes if o.kind == "hand-in"]
    errors = [o for o in outcomes if o.error]
    return {
        "clients": clients,
        "wall_s": round(wall, 3),
        "uploads_per_s": round(len(outcomes) / wall, 1),
        "checks_per_s": round(len(checks) / wall, 1),
        "hand_ins_per_s": round(len(hand_ins) / wall, 1),
        "latency": {
            "checks": latency(checks),
            "hand_ins": latency(hand_ins),
            "hand_ins_201": latency([o for o in hand_ins if o.status == 201]),
            "hand_ins_422": latency([o for o in hand_ins if o.status == 422]),
            "all": latency(outcomes),
        },
        "statuses": {
            kind: dict(Counter(str(o.status) for o in outcomes if o.kind == kind))
            for kind in ("check", "hand-in")
        },
        "replaced_201": sum(
            1
            for o in hand_ins
            if o.status == 201 and any(s.get("replaced") for s in o.body.get("stored", []))
        ),
        "errors": len(errors),
        "error_kinds": dict(Counter(o.error.split(":")[0] for o in errors if o.error)),
        "error_examples": [
            {"upload": o.index, "kind": o.kind, "form": o.form, "error": o.error}
            for o in errors[:20]
        ],
        "cpu_s": {k: round(v, 2) for k, v in cpu.items()},
    }


def print_report(result: dict[str, Any]) -> None:
    run = result["run"]
    lat = run["latency"]
    print()
    print(f"{'':<16}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for label, key in (
        ("checks", "checks"),
        ("hand-ins", "hand_ins"),
        ("  201", "hand_ins_201"),
        ("  422", "hand_ins_422"),
        ("all", "all"),
    ):
        row = lat[key]
        cells = [
            f"{row[k]:>10.1f}" if row[k] is not None else f"{'-':>10}"
            for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")
        ]
        print(f"{label:<16}{row['n']:>6}{''.join(cells)}")
    cpu = run["cpu_s"]
    print()
    print(
        f"{run['uploads_per_s']} uploads/s ({run['checks_per_s']} checks/s, "
        f"{run['hand_ins_per_s']} hand-ins/s) over {run['wall_s']} s, {run['clients']} clients"
    )
    print(f"statuses: {run['statuses']}, {run['replaced_201']} hand-ins replaced an earlier one")
    print(f"errors: {run['errors']} {run['error_kinds'] or ''}")
    for example in run["error_examples"][:5]:
        print(
            f"  upload {example['upload']} ({example['kind']}, {example['form']}): {example['error']}"
        )
    print(
        f"CPU s: server {cpu['server']}, its children (fork server, workers) {cpu['children']}, "
        f"this load generator {cpu['client']}, the machine {cpu['machine_busy']} of "
        f"{cpu['machine_capacity']} ({cpu['others']} others)"
    )
    per = run["server_cpu_ms_per_upload"]
    print(
        f"server CPU per upload: {per['server_process']} ms in the server process, "
        f"{per['workers_and_fork_server']} ms in the fork server and workers"
    )
    loss = result["loss_check"]
    print(
        f"nothing lost: {'yes' if loss['ok'] else 'NO'} — {loss['receipts_201']} receipts, "
        f"{loss['register_rows_sqlite']} register rows, {loss['current_files_matching']}/"
        f"{loss['numbers']} current files with the register's SHA-256, "
        f"{loss['numbers_with_all_versions_kept']}/{loss['numbers_resubmitted']} resubmitted "
        f"numbers with every earlier version kept ({loss['versions_kept']} versions)"
    )
    for problem in loss["problems"][:10]:
        print(f"  {problem}")
    targets = result["targets"]
    print(
        "targets: "
        + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in targets.items() if k != "all")
    )


# ---------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (20)")
    parser.add_argument("--uploads", type=int, default=500, help="uploads in all (500)")
    parser.add_argument(
        "--forms",
        type=Path,
        default=None,
        help="a folder of forms with its xlbudget.toml (default: benchmarks/out/forms-1000, "
        "generated by bench.py's generator when missing)",
    )
    parser.add_argument(
        "--config", type=Path, default=None, help="the configuration (default: FORMS/xlbudget.toml)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=OUT / "results-serve-load.json",
        help="where the figures go (default benchmarks/out/results-serve-load.json)",
    )
    parser.add_argument(
        "--source",
        type=Path,
        default=None,
        help="run the server from this source tree (e.g. a git worktree with a change)",
    )
    parser.add_argument("--python", default=sys.executable, help="the server's interpreter")
    parser.add_argument(
        "--hand-in-share",
        type=float,
        default=0.5,
        help="the share of the uploads that are hand-ins, the rest checks (0.5; 0: checks only)",
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="rounds, each with a fresh server and inbox (1)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the inboxes and server logs")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.uploads < 2 or args.rounds < 1:
        parser.error("--clients and --rounds must be at least 1, --uploads at least 2")
    if not 0 <= args.hand_in_share <= 1:
        parser.error("--hand-in-share must be between 0 and 1")
    return args


def one_round(
    number: int,
    args: argparse.Namespace,
    jobs: list[Job],
    config_path: Path,
    work: Path,
) -> dict[str, Any]:
    """A fresh server over an empty inbox, the whole load, the loss check, the server stopped."""
    folder = work / f"round-{number}"
    folder.mkdir()
    inbox = folder / "inbox"
    toml = folder / "xlbudget.toml"
    token = server_config(config_path, toml)
    source = args.source.resolve() if args.source else None
    server = Server(args.python, source, inbox, toml, folder / "server.log")
    try:
        ready = server.wait_ready()
        print(f"\nround {number}: server {server.url} ready in {ready:.2f} s", flush=True)
        before_tree = tree_cpu(server.process.pid)
        before_machine = machine_cpu()
        before_client = time.process_time()
        outcomes, wall = run_load(server.url, jobs, args.clients)
        client_cpu = time.process_time() - before_client
        after_machine = machine_cpu()
        after_tree = tree_cpu(server.process.pid)
        busy = after_machine[0] - before_machine[0]
        server_cpu = after_tree["server"] - before_tree["server"]
        children_cpu = after_tree["children"] - before_tree["children"]
        cpu = {
            "server": server_cpu,
            "children": children_cpu,
            "client": client_cpu,
            "machine_busy": busy,
            "machine_capacity": after_machine[1] - before_machine[1],
            "others": max(0.0, busy - server_cpu - children_cpu - client_cpu),
        }
        run = summarise(outcomes, wall, cpu, args.clients)
        run["server_cpu_ms_per_upload"] = {
            "server_process": round(server_cpu / len(jobs) * 1000, 2),
            "workers_and_fork_server": round(children_cpu / len(jobs) * 1000, 2),
        }
        loss = loss_check(server.url, token, inbox, outcomes, jobs)
    finally:
        exit_code = server.stop()
    targets = {
        "p95_under_1s": max(
            run["latency"]["all"]["p95_ms"] or 0.0, run["latency"]["hand_ins"]["p95_ms"] or 0.0
        )
        < TARGET_P95_S * 1000,
        "checks_per_s_at_least_40": run["checks_per_s"] >= TARGET_CHECKS_PER_S,
        "zero_errors": run["errors"] == 0,
        "nothing_lost": loss["ok"],
    }
    targets["all"] = all(targets.values())
    result = {
        "round": number,
        "server": {
            "command": server.command,
            "source": str(source or ROOT),
            "ready_s": round(ready, 2),
            "exit_code": exit_code,
        },
        "run": run,
        "loss_check": loss,
        "targets": targets,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    print_report(result)
    return result


def ranges(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Each headline figure's lowest and highest over the rounds."""

    def span(values: list[Any]) -> list[Any] | None:
        known = [v for v in values if v is not None]
        return [min(known), max(known)] if known else None

    lat = [r["run"]["latency"] for r in rounds]
    figures: dict[str, Any] = {}
    for kind in ("checks", "hand_ins", "all"):
        for key in ("p50_ms", "p95_ms"):
            figures[f"{kind}_{key}"] = span([x[kind][key] for x in lat])
    for key in ("uploads_per_s", "checks_per_s", "errors"):
        figures[key] = span([r["run"][key] for r in rounds])
    figures["nothing_lost"] = all(r["loss_check"]["ok"] for r in rounds)
    figures["targets_met_in_rounds"] = sum(r["targets"]["all"] for r in rounds)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    folder = (args.forms or bench.ensure_forms(1000)).resolve()
    config_path = (args.config or folder / "xlbudget.toml").resolve()
    if not config_path.is_file():
        raise SystemExit(f"{config_path}: no configuration (give --config)")
    info = bench.machine_info()
    info["packages"].update(
        {name: bench._version(name) for name in ("fastapi", "starlette", "uvicorn", "httpx")}
    )
    print(f"{info['cpu_model']} · nproc {info['nproc']} · Python {info['python']}")
    print(f"load average {info['load_average']} (other work on the machine skews timings)")
    work = Path(tempfile.mkdtemp(prefix="serve-load-"))
    try:
        forms, forms_info = load_forms(folder, config_path)
        print(
            f"{folder}: {forms_info['forms']} forms, {forms_info['defective']} defective "
            f"(checked here in {forms_info['checked_here_s']} s)"
        )
        if forms_info["label_mismatches"]:
            print(f"  verdict differs from the generator's label: {forms_info['label_mismatches']}")
        jobs, plan_info = plan(forms, args.uploads, folder, config_path, work, args.hand_in_share)
        print(
            f"plan: {plan_info['checks']} checks ({plan_info['checks_defective']} defective), "
            f"{plan_info['hand_ins']} hand-ins ({plan_info['hand_ins_distinct_valid_forms']} "
            f"distinct valid forms, {plan_info['hand_ins_defective']} defective, "
            f"{plan_info['hand_ins_revisions']} revisions of {plan_info['numbers_revised']} "
            f"numbers, {plan_info['numbers_revised_twice']} of them twice)"
        )
        rounds = [one_round(n, args, jobs, config_path, work) for n in range(1, args.rounds + 1)]
        result = {
            "forms": forms_info,
            "plan": plan_info,
            "clients": args.clients,
            "ranges": ranges(rounds),
            "rounds": rounds,
            "machine": info,
        }
        if args.rounds > 1:
            print(f"\nover {args.rounds} rounds: {json.dumps(result['ranges'])}")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        print(f"wrote {args.out}")
        return 0 if all(r["targets"]["all"] for r in rounds) else 1
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
