"""Which files a command reads, and how their paths are written (as str(Path) of each)."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlbudget.pipeline import collect_files


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    top = tmp_path / "indsendt"
    for name in ("b.xlsx", "a.xlsx", "sub/c.XLSX", "sub/d.ods", ".skjult/e.xlsx", "~$a.xlsx"):
        (top / name).parent.mkdir(parents=True, exist_ok=True)
        (top / name).write_bytes(b"x")
    (top / "noter.txt").write_text("x")
    return top


def test_folder_gives_spreadsheets_in_path_order_without_hidden_or_lock_files(tree: Path) -> None:
    expected = [tree / "a.xlsx", tree / "b.xlsx", tree / "sub" / "c.XLSX", tree / "sub" / "d.ods"]
    assert collect_files([tree]) == [str(p) for p in expected]


@pytest.mark.parametrize("given", [".", "./", "sub/..", "./sub"])
def test_relative_folders_are_written_as_path_writes_them(
    tree: Path, given: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree)
    found = collect_files([Path(given)])
    expected = sorted(p for p in Path(given).rglob("*") if p.suffix.lower() in (".xlsx", ".ods"))
    below = [(p, p.relative_to(given).parts) for p in expected]
    expected = [p for p, parts in below if not any(x.startswith((".", "~$")) for x in parts)]
    assert found == [str(p) for p in expected] and found


def test_a_file_named_twice_is_read_once(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree)
    assert collect_files([Path("./a.xlsx"), tree / "a.xlsx", Path("sub")]) == [
        "a.xlsx",
        "sub/c.XLSX",
        "sub/d.ods",
    ]
