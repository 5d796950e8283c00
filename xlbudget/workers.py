"""Per-file isolation: forms are read in worker processes with a time and memory budget each.

A worker that overruns its budget is killed, one that dies is buried; either way that file
gets an error issue, a fresh worker takes its place, and the run goes on with the others.

Results travel in groups (one message per batch of files, not one per file: a third of
the parent's work and most of its wake-ups were per message), so the parent learns which
file a worker is reading, and since when, from a small shared array the worker keeps up
to date. A failure is charged to that file; the others the worker held, read or not, are
read again by a fresh worker.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import select
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from xlbudget.config import Config
from xlbudget.issues import Lang
from xlbudget.models import FileResult
from xlbudget.pipeline import check_file, crashed

Progress = Callable[[int, int], None]
RECYCLE_AFTER = 2_000  # files a kept worker reads before a fresh one takes its place
BATCH = 16  # files handed to a worker at once, and results sent back at once
HOLD_NS = 50_000_000  # a worker sends what it has read after 50 ms at most (live progress)
PAUSE = 0.002  # seconds the parent waits after handling results, so that several gather
IDLE = -1  # in a worker's shared array: reading no file


def _worker_main(
    conn: Connection,
    config: Config,
    memory_bytes: int,
    state: Any,
    annotated: Mapping[str, Path] | None,
    lang: Lang,
) -> None:
    """Read the files sent in batches; send their results back a batch (or 50 ms) at a time.

    `state` is shared with the parent: [the index of the file being read or IDLE, when its
    reading started (time.monotonic_ns)]. The start is written before the index, so an
    index the parent sees never goes with an older start.
    """
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    from xlbudget.spec import load_spec  # with the reading stack: here, not in the parent

    spec = load_spec()
    while True:
        try:
            batch = conn.recv()
        except EOFError:
            return
        if batch is None:
            return
        ready: list[tuple[int, list[FileResult]]] = []
        first = 0
        for index, path in batch:
            if ready and time.monotonic_ns() - first > HOLD_NS:
                conn.send(ready)  # before this file's clock starts
                ready = []
            state[1] = time.monotonic_ns()
            state[0] = index
            try:
                target = annotated.get(str(path)) if annotated else None
                result = check_file(path, config, spec, target, lang)
            except Exception as exc:  # check_file keeps its own; this is the last safety net
                result = [crashed(Path(path), config, type(exc).__name__)]
            state[0] = IDLE
            if not ready:
                first = time.monotonic_ns()
            ready.append((index, result))
        conn.send(ready)


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    state: Any  # shared with the worker: [index of the file it reads or IDLE, its start]
    pending: deque[tuple[int, Path | str]] = field(default_factory=deque)  # sent, no result yet
    fd: int = -1  # the connection's, as the poller knows it

    def reading(self) -> tuple[int, int] | None:
        """The index of the file the worker is reading and when it started, if one."""
        index, started = self.state[0], self.state[1]
        if index == IDLE or self.state[0] != index:  # idle, or moved on while we looked
            return None
        return index, started


class WorkerPool:
    """A few forked workers that read forms; the parent keeps time and replaces failures."""

    def __init__(
        self,
        config: Config,
        workers: int,
        annotated: Mapping[str, Path] | None = None,
        lang: Lang = "da",
        start_method: str = "fork",
        keep: bool = False,
    ) -> None:
        # keep: the workers outlive run(), for the next one (the web server's pool), each
        # replaced after RECYCLE_AFTER files so that nothing a file left behind piles up
        self.keep = keep
        self.read_by_workers = 0
        self.config = config
        self.annotated = annotated  # where each file's marked copy goes, if wanted
        self.lang = lang
        self.size = max(1, workers)
        self.context = multiprocessing.get_context(start_method)
        self.workers: list[_Worker] = []
        # One poller for the whole run (multiprocessing's wait() builds a selector and
        # registers every connection again for each result: ~10 us, 10,000 times).
        self.poller = select.poll()

    def _spawn(self) -> _Worker:
        parent, child = self.context.Pipe()
        memory = self.config.limits.worker_memory_mb * 1024 * 1024
        state = self.context.RawArray("q", [IDLE, 0])
        process = self.context.Process(
            target=_worker_main,
            args=(child, self.config, memory, state, self.annotated, self.lang),
            daemon=True,
        )
        process.start()
        child.close()
        worker = _Worker(process, parent, state, fd=parent.fileno())
        self.poller.register(worker.fd, select.POLLIN)
        return worker

    def run(
        self, paths: Sequence[Path | str], progress: Progress | None = None
    ) -> list[FileResult]:
        """Read every file; its forms' results in the order of `paths`."""
        queue = deque(enumerate(paths))
        results: list[list[FileResult] | None] = [None] * len(paths)
        budget = int(self.config.limits.seconds_per_file * 1e9)
        done = 0
        if self.workers and self.read_by_workers >= RECYCLE_AFTER:
            self.close()
        if not self.workers:
            self.read_by_workers = 0
            self.workers = [self._spawn() for _ in range(min(self.size, max(1, len(paths))))]
        started = False
        try:
            while done < len(paths):
                for worker in self.workers:
                    # a batch in hand besides the one being read: no wait between batches
                    while queue and len(worker.pending) <= BATCH:
                        batch = [queue.popleft() for _ in range(min(BATCH, len(queue)))]
                        worker.pending.extend(batch)
                        worker.conn.send(batch)
                if not started:
                    started = True
                    if progress:  # the workers are reading: the caller may use the wait
                        progress(0, len(paths))
                events = self.poller.poll(200)  # ms; also set on hang-up
                while True:
                    ready = {fd for fd, _ in events}
                    for worker in list(self.workers):
                        failed: tuple[int, list[FileResult]] | None = None
                        if worker.fd in ready:
                            try:
                                group = worker.conn.recv()
                            except (EOFError, OSError):
                                if not worker.pending:  # died between batches: nothing lost
                                    self._replace(worker)
                                    continue
                                failed = self._failure(worker, "file-crashed")
                            else:
                                for index, result in group:
                                    worker.pending.popleft()  # read in the order sent
                                    results[index] = result
                                done += len(group)
                                if progress:
                                    progress(done, len(paths))
                                continue
                        elif worker.pending:
                            reading = worker.reading()
                            if reading and time.monotonic_ns() - reading[1] > budget:
                                failed = self._failure(worker, "file-timeout", reading)
                        if failed is not None:
                            index, result = failed
                            results[index] = result
                            done += 1
                            # the rest of what it held goes back, read or not
                            queue.extendleft(reversed([p for p in worker.pending if p[0] != index]))
                            worker.pending.clear()
                            self._replace(worker)
                            if progress:
                                progress(done, len(paths))
                    if not events:
                        break
                    events = self.poller.poll(0)  # more already waiting: take it now
                    if not events:
                        time.sleep(PAUSE)  # let the next results gather: fewer wake-ups
                        break
        except BaseException:
            self.close()
            raise
        finally:
            if not self.keep:
                self.close()
        self.read_by_workers += len(paths)
        return [r for forms in results if forms is not None for r in forms]

    def _failure(
        self, worker: _Worker, code: str, reading: tuple[int, int] | None = None
    ) -> tuple[int, list[FileResult]]:
        """Kill the worker; the result for the file it was reading (its index and result).

        A worker that died between files (it never does, short of being killed from
        outside) has the first file it still held charged, as when results came one by one.
        """
        reading = reading or worker.reading()
        held = {index: path for index, path in worker.pending}
        index = reading[0] if reading is not None and reading[0] in held else worker.pending[0][0]
        path = held[index]
        worker.process.kill()
        worker.process.join(5)
        exit_code = worker.process.exitcode
        detail = f"signal {-exit_code}" if exit_code and exit_code < 0 else f"exit {exit_code}"
        return index, [crashed(Path(path), self.config, detail, code)]

    def _replace(self, worker: _Worker) -> None:
        self._forget(worker)
        worker.conn.close()
        self.workers[self.workers.index(worker)] = self._spawn()

    def _forget(self, worker: _Worker) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self.poller.unregister(worker.fd)

    def close(self) -> None:
        """Stop every worker."""
        for worker in self.workers:
            with contextlib.suppress(OSError, ValueError):
                worker.conn.send(None)
        for worker in self.workers:
            worker.process.join(1)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(1)
            self._forget(worker)
            worker.conn.close()
        self.workers = []


def prepare_forkserver() -> None:
    """Have the fork server that workers may start from (start_method "forkserver": for a
    caller with threads, such as the web server, whose locks a forked child could inherit
    held) load the reading stack once."""
    multiprocessing.get_context("forkserver").set_forkserver_preload(
        ["xlbudget.workers", "xlbudget.read", "xlbudget.extract", "xlbudget.validate"]
    )


def default_workers() -> int:
    """Worker processes to use: the cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def read_isolated(
    paths: Sequence[Path | str],
    config: Config,
    progress: Progress | None = None,
    workers: int | None = None,
    annotated: Mapping[str, Path] | None = None,
    lang: Lang = "da",
    start_method: str = "fork",
) -> list[FileResult]:
    """Read every file (and write its marked copy, if `annotated` says where) in worker
    processes, each file within its time and memory budget."""
    count = default_workers() if workers is None else workers
    pool = WorkerPool(config, min(count, max(1, len(paths))), annotated, lang, start_method)
    return pool.run(paths, progress)
