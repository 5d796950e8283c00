"""Per-file isolation: forms are read in worker processes with a time and memory budget each.

A worker that overruns its budget is killed, one that dies is buried; either way that file
gets an error issue, a fresh worker takes its place, and the run goes on with the others.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import resource
import select
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from xlbudget.config import Config
from xlbudget.models import FileResult
from xlbudget.pipeline import crashed, read_form
from xlbudget.spec import load_spec

Progress = Callable[[int, int], None]
BATCH = 16  # files handed to a worker at once: fewer round trips, results still come one by one
PAUSE = 0.002  # seconds the parent waits after handling results, so that several gather


def _worker_main(conn: Connection, config: Config, memory_bytes: int) -> None:
    """Read the files sent in batches and send each result back as soon as it is ready."""
    # what the parent built is kept as it is: the collector does not walk it (nor copy its
    # pages, shared with the parent until written); the parent pauses its collector while
    # results arrive, a worker needs its own
    gc.freeze()
    gc.enable()
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    spec = load_spec()
    while True:
        try:
            batch = conn.recv()
        except EOFError:
            return
        if batch is None:
            return
        for index, path in batch:
            try:
                result = read_form(Path(path), config, spec)
            except Exception as exc:  # read_form keeps its own; this is the last safety net
                result = crashed(Path(path), config, type(exc).__name__)
            conn.send((index, result))


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    pending: deque[tuple[int, Path]] = field(default_factory=deque)
    since: float = 0.0  # when the file now being read was started
    fd: int = -1  # the connection's, as the poller knows it


class WorkerPool:
    """A few forked workers that read forms; the parent keeps time and replaces failures."""

    def __init__(self, config: Config, workers: int) -> None:
        self.config = config
        self.size = max(1, workers)
        self.context = multiprocessing.get_context("fork")
        self.workers: list[_Worker] = []
        # One poller for the whole run (multiprocessing's wait() builds a selector and
        # registers every connection again for each result: ~10 us, 10,000 times).
        self.poller = select.poll()

    def _spawn(self) -> _Worker:
        parent, child = self.context.Pipe()
        memory = self.config.limits.worker_memory_mb * 1024 * 1024
        process = self.context.Process(
            target=_worker_main, args=(child, self.config, memory), daemon=True
        )
        process.start()
        child.close()
        worker = _Worker(process, parent, fd=parent.fileno())
        self.poller.register(worker.fd, select.POLLIN)
        return worker

    def run(self, paths: Sequence[Path], progress: Progress | None = None) -> list[FileResult]:
        """Read every file; results in the order of `paths`."""
        queue = deque(enumerate(paths))
        results: list[FileResult | None] = [None] * len(paths)
        budget = self.config.limits.seconds_per_file
        done = 0
        self.workers = [self._spawn() for _ in range(min(self.size, max(1, len(paths))))]
        try:
            while done < len(paths):
                for worker in self.workers:
                    # a batch in hand besides the one being read: no wait between batches
                    while queue and len(worker.pending) <= BATCH:
                        batch = [queue.popleft() for _ in range(min(BATCH, len(queue)))]
                        if not worker.pending:
                            worker.since = time.monotonic()
                        worker.pending.extend(batch)
                        worker.conn.send(batch)
                events = self.poller.poll(200)  # ms; also set on hang-up
                while True:
                    ready = {fd for fd, _ in events}
                    for worker in list(self.workers):
                        failed: FileResult | None = None
                        if worker.fd in ready:
                            try:
                                index, result = worker.conn.recv()
                            except (EOFError, OSError):
                                if not worker.pending:  # died between batches: nothing lost
                                    self._replace(worker)
                                    continue
                                failed = self._failure(worker, "file-crashed")
                            else:
                                worker.pending.popleft()
                                worker.since = time.monotonic()
                                results[index] = result
                                done += 1
                                if progress:
                                    progress(done, len(paths))
                                continue
                        elif worker.pending and time.monotonic() - worker.since > budget:
                            failed = self._failure(worker, "file-timeout")
                        if failed is not None:
                            index, _ = worker.pending.popleft()
                            results[index] = failed
                            done += 1
                            # the rest of its batches goes back
                            queue.extendleft(reversed(worker.pending))
                            self._replace(worker)
                            if progress:
                                progress(done, len(paths))
                    if not events:
                        break
                    events = self.poller.poll(0)  # more already waiting: take it now
                    if not events:
                        time.sleep(PAUSE)  # let the next results gather: fewer wake-ups
                        break
        finally:
            self.close()
        return [r for r in results if r is not None]

    def _failure(self, worker: _Worker, code: str) -> FileResult:
        path = worker.pending[0][1]
        worker.process.kill()
        worker.process.join(5)
        exit_code = worker.process.exitcode
        detail = f"signal {-exit_code}" if exit_code and exit_code < 0 else f"exit {exit_code}"
        return crashed(Path(path), self.config, detail, code)

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


def default_workers() -> int:
    """Worker processes to use: the cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def read_isolated(
    paths: Sequence[Path],
    config: Config,
    progress: Progress | None = None,
    workers: int | None = None,
) -> list[FileResult]:
    """Read every file in worker processes, each within its time and memory budget."""
    count = default_workers() if workers is None else workers
    return WorkerPool(config, min(count, max(1, len(paths)))).run(paths, progress)
