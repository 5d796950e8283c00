"""A function run in a forked child while this process goes on with other work.

The master workbook's two largest sheets are put together this way, on the second core,
while this process writes the others (see master._build). The child starts as a copy of this
process, so it needs nothing sent to it; it writes its result (pickled) to an unnamed file
and leaves at once (os._exit: no clean-up of the copied state, no buffers flushed twice).
Anything unusual (no fork, threads running, the child failing or killed) gives None, and
the caller does the work itself.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import tempfile
import threading
from collections.abc import Callable
from typing import IO, Any


class Forked:
    """The child running one function, and the file it leaves its result in."""

    def __init__(self, pid: int, out: IO[bytes]) -> None:
        self.pid = pid
        self.out = out

    @classmethod
    def start(cls, work: Callable[[], Any]) -> Forked | None:
        """Run `work` in a forked child; None where forking is not safe here."""
        # Forking with other threads running can copy a lock another thread holds.
        if not hasattr(os, "fork") or threading.active_count() > 1:
            return None
        out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by result() or cancel()
        try:
            pid = os.fork()
        except OSError:
            out.close()
            return None
        if pid == 0:  # the child: never returns
            status = 1
            try:
                pickle.dump(work(), out, protocol=pickle.HIGHEST_PROTOCOL)
                out.flush()
                status = 0
            except BaseException:  # whatever it was, the parent does the work itself
                pass
            finally:
                os._exit(status)
        return cls(pid, out)

    def result(self) -> Any | None:
        """Wait for the child; its function's result, or None if it failed."""
        try:
            _, status = os.waitpid(self.pid, 0)
            if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
                return None
            self.out.seek(0)
            return pickle.load(self.out)  # written by our own child
        except (OSError, EOFError, pickle.UnpicklingError):
            return None
        finally:
            self.out.close()

    def cancel(self) -> None:
        """Stop the child (when the parent gives up before collecting)."""
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(self.pid, 0)
        self.out.close()
