"""The inbox that `xlbudget serve` keeps: one current file per proposal number, earlier
versions kept, and a register of every hand-in, consistent across crashes.

The inbox is an ordinary folder that `xlbudget consolidate DIR` reads as it is: `<nr>.<ext>`
per proposal (named by its number, never by the uploaded name), earlier versions under
`.versions/<nr>/`, the register in `.register.sqlite` (both hidden, so never read as forms).

Consistency: a hand-in is one SQLite transaction holding the register row *and* the file's
bytes; the file in the folder is written (atomically) only after it commits. If the process
dies in between, `recover()` (run when the inbox is opened) writes every current file from
the register again, so there is never a register row without its file, nor a file of ours
without its row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from xlbudget.atomic import write_atomically
from xlbudget.errors import OutputError

REGISTER = ".register.sqlite"
VERSIONS = ".versions"
_UNSAFE = re.compile(r"[^0-9A-Za-zÆØÅæøå_-]+")
_SCHEMA = """
create table if not exists handin (
    id integer primary key autoincrement,
    receipt text not null unique,
    received text not null,
    nr text not null,
    file_name text not null,
    sha256 text not null,
    name text not null,
    client text not null,
    replaced integer not null,
    content blob not null
);
create index if not exists handin_nr on handin (nr);
"""


@dataclass(frozen=True)
class Stored:
    """One proposal stored by a hand-in: its number, file, SHA-256 and whether it replaced one."""

    nr: str
    file_name: str
    sha256: str
    replaced: bool


@dataclass(frozen=True)
class HandIn:
    """A register row: who handed in which number when, with the receipt."""

    receipt: str
    received: str
    nr: str
    file_name: str
    sha256: str
    name: str
    client: str
    replaced: bool
    versions: int = 1


def file_name_for(nr: str, suffix: str) -> str:
    """The inbox's name for a proposal's file: its number made safe for any file system."""
    stem = _UNSAFE.sub("_", nr).strip("._") or "forslag"
    return f"{stem}{suffix}"


class Inbox:
    """The inbox folder and its register; safe to use from several threads of one process."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / VERSIONS).mkdir(exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{self.folder}: cannot use the inbox ({exc.strerror})") from None
        self._lock = threading.Lock()
        with self._db() as db:
            db.executescript(_SCHEMA)
        self.recover()

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.folder / REGISTER, timeout=30, isolation_level=None)
        try:
            db.execute("pragma journal_mode=wal")
            db.execute("pragma synchronous=full")
            yield db
        finally:
            db.close()

    def hand_in(
        self, content: bytes, numbers: list[str], suffix: str, name: str, client: str
    ) -> tuple[str, list[Stored]]:
        """Store a checked file as the current file of each of its proposal numbers (one,
        usually); the receipt and what was stored. One transaction, then the files."""
        sha256 = hashlib.sha256(content).hexdigest()
        received = dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")
        stored: list[Stored] = []
        with self._lock, self._db() as db:
            db.execute("begin immediate")
            try:
                row = db.execute("select coalesce(max(id), 0) + 1 from handin").fetchone()
                receipt = f"K-{dt.date.today():%Y%m%d}-{row[0]:06d}"
                for index, nr in enumerate(numbers):
                    previous = db.execute(
                        "select file_name from handin where nr = ? order by id desc limit 1",
                        (nr,),
                    ).fetchone()
                    file_name = file_name_for(nr, suffix)
                    db.execute(
                        "insert into handin (receipt, received, nr, file_name, sha256, name,"
                        " client, replaced, content) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            receipt if index == 0 else f"{receipt}-{index + 1}",
                            received,
                            nr,
                            file_name,
                            sha256,
                            name,
                            client,
                            int(previous is not None),
                            content,
                        ),
                    )
                    stored.append(Stored(nr, file_name, sha256, previous is not None))
                db.execute("commit")
            except BaseException:
                db.execute("rollback")
                raise
            for item in stored:
                self._write_current(item.nr, item.file_name, content, receipt)
        return receipt, stored

    def _write_current(self, nr: str, file_name: str, content: bytes, receipt: str) -> None:
        """Make `content` the current file of `nr`; an earlier one (any suffix) is kept among
        the versions, named after the hand-in that replaced it."""
        stem = Path(file_name).stem
        for old in sorted(self.folder.iterdir()):
            if not old.is_file() or old.stem != stem:
                continue
            if old.name == file_name and old.read_bytes() == content:
                continue  # already current (written again by recover)
            keep = self.folder / VERSIONS / stem
            keep.mkdir(parents=True, exist_ok=True)
            old.replace(keep / f"{old.stem}-erstattet-af-{receipt}{old.suffix}")
        write_atomically(self.folder / file_name, content, "inbox file")

    def recover(self) -> None:
        """Write every number's current file from the register where it is missing or
        differs (a crash between the register's commit and the file's write)."""
        with self._lock, self._db() as db:
            rows = db.execute(
                "select nr, file_name, sha256, receipt, content from handin h where id ="
                " (select max(id) from handin where nr = h.nr)"
            ).fetchall()
        for nr, file_name, sha256, receipt, content in rows:
            target = self.folder / file_name
            current = target.read_bytes() if target.is_file() else None
            if current is None or hashlib.sha256(current).hexdigest() != sha256:
                self._write_current(nr, file_name, content, receipt)

    def register(self) -> list[HandIn]:
        """Every number's latest hand-in, with how many versions it has had, by number."""
        with self._db() as db:
            rows = db.execute(
                "select receipt, received, nr, file_name, sha256, name, client, replaced,"
                " (select count(*) from handin v where v.nr = h.nr) from handin h where id ="
                " (select max(id) from handin where nr = h.nr) order by nr"
            ).fetchall()
        return [HandIn(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8]) for r in rows]

    def changed(self) -> int:
        """A number that changes whenever a hand-in is stored (to know when to rebuild)."""
        with self._db() as db:
            return int(db.execute("select coalesce(max(id), 0) from handin").fetchone()[0])
