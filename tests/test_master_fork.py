"""Beskrivelser made by a forked child: the same bytes as made in-process, and the parent
takes the work back whenever the child cannot be trusted with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import xlbudget.master as master
from xlbudget.consolidation import Consolidation
from xlbudget.forked import Forked
from xlbudget.master import write_master


def _serial(tmp_path: Path, c: Consolidation, monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setattr(master, "FORK_FROM", 10**9)
    data = write_master(c, tmp_path / "serial.xlsx").read_bytes()
    monkeypatch.setattr(master, "FORK_FROM", 0)
    return data


def _children(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """What each forked child's result was, as the parent received it."""
    results: list[object] = []
    received = Forked.result

    def result(self: Forked) -> Any:
        results.append(received(self))
        return results[-1]

    monkeypatch.setattr(Forked, "result", result)
    return results


def test_beskrivelser_from_a_forked_child_gives_the_same_bytes(
    tmp_path: Path, master_consolidation: Consolidation, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = _serial(tmp_path, master_consolidation, monkeypatch)
    children = _children(monkeypatch)
    forked = write_master(master_consolidation, tmp_path / "forked.xlsx").read_bytes()
    assert len(children) == 1 and isinstance(children[0], dict)  # the child's work was used
    assert forked == serial


def test_a_failing_child_leaves_the_sheet_to_the_parent(
    tmp_path: Path, master_consolidation: Consolidation, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = _serial(tmp_path, master_consolidation, monkeypatch)
    children = _children(monkeypatch)

    def fails(*args: Any) -> None:
        raise RuntimeError("the child fails")

    monkeypatch.setattr(master._Beskrivelser, "made", fails)
    data = write_master(master_consolidation, tmp_path / "forked.xlsx").read_bytes()
    assert children == [None]
    assert data == serial


def test_a_child_whose_cells_need_new_strings_is_not_used(
    tmp_path: Path, master_consolidation: Consolidation, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a cell whose string was not numbered before the fork: the child's number for it would
    # not be in this process's shared strings
    fill = master._fill_beskrivelser

    def with_a_note(ws: Any, columns: list[list[str]], fmt: dict[str, Any]) -> None:
        fill(ws, columns, fmt)
        ws.write_string(len(columns[0]) + 2, 0, "a note nobody numbered", fmt["text"])

    monkeypatch.setattr(master, "_fill_beskrivelser", with_a_note)
    serial = _serial(tmp_path, master_consolidation, monkeypatch)
    children = _children(monkeypatch)
    data = write_master(master_consolidation, tmp_path / "forked.xlsx").read_bytes()
    assert children == [None]
    assert data == serial


def test_no_fork_while_other_threads_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("xlbudget.forked.threading.active_count", lambda: 2)
    assert Forked.start(lambda: 1) is None


def test_a_child_is_stopped_when_the_parent_gives_up() -> None:
    import time

    child = Forked.start(lambda: time.sleep(60))
    assert child is not None
    started = time.monotonic()
    child.cancel()
    assert time.monotonic() - started < 5
