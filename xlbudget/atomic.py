"""Replace a file atomically: readers see the old file or the new one, never half of either.

The bytes go to an unnamed file (O_TMPFILE) in the target's folder, are synced, and only
then get a name, which replaces the target in one rename; a run killed before then leaves
nothing behind. Where O_TMPFILE is missing, a hidden temporary name is used instead.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path

from xlbudget.errors import OutputError


def check_target(target: Path, inputs: Iterable[str | Path], what: str) -> None:
    """Refuse an output path that is a folder or one of the input files."""
    resolved = target.resolve()
    if resolved.is_dir():
        raise OutputError(
            f"{target}: is a folder; give a file name for the {what}",
            f"{target}: er en mappe; angiv et filnavn",
        )
    if any(Path(path).resolve() == resolved for path in inputs):
        raise OutputError(
            f"{target}: is one of the input files; choose another output path",
            f"{target}: er en af de filer, der læses; vælg et andet navn",
        )


def resolves_to(resolved: Path, paths: Iterable[str | Path]) -> bool:
    """Whether any of `paths` is the file `resolved` (an already resolved path).

    Only paths that can resolve to it are resolved: the ones with the same last name, or
    whose last name is a link, ".", ".." or empty (a system call per folder of each)."""
    name = resolved.name
    for path in paths:
        text = os.fspath(path)
        last = os.path.basename(text)
        can_be = last == name or last in ("", ".", "..") or os.path.islink(text)
        if can_be and Path(text).resolve() == resolved:
            return True
    return False


def write_atomically(target: Path, data: bytes, what: str = "file") -> Path:
    """Write `data` to `target` atomically, keeping its permissions; OutputError on failure."""
    folder = target.parent if str(target.parent) else Path(".")
    mode = _file_mode(target)
    name = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
    try:
        fd = _open_unnamed(folder)
        named = fd is None
        if fd is None:
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            _write_all(fd, data)
            os.fchmod(fd, mode)
            os.fsync(fd)
            if not named:
                _give_name(fd, name)
        finally:
            os.close(fd)
        os.replace(name, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise OutputError(
            f"{target}: cannot write the {what} ({exc.strerror or exc})",
            f"{target}: kan ikke skrives ({exc.strerror or exc})",
        ) from None
    _sync_folder(folder)
    return target


def _open_unnamed(folder: Path) -> int | None:
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not Path("/proc/self/fd").is_dir():
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY, 0o600)
    except OSError:
        return None  # the file system does not support unnamed files


def _give_name(fd: int, name: Path) -> None:
    # linkat(AT_SYMLINK_FOLLOW) on /proc/self/fd/N names an O_TMPFILE file; passing a dir fd
    # makes Python call linkat rather than link, which would not follow the /proc link.
    folder = os.open(name.parent, os.O_RDONLY)
    try:
        os.link(f"/proc/self/fd/{fd}", name.name, dst_dir_fd=folder, follow_symlinks=True)
    finally:
        os.close(folder)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _file_mode(target: Path) -> int:
    """Keep the previous file's permissions; a new file gets the umask's default."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
