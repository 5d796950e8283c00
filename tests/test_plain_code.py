"""The package uses its dependencies through their public API only, pins none of them from
above, and plays no process tricks for speed: readers and upgrades need fear nothing."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted((ROOT / "xlbudget").rglob("*.py"))
DEPENDENCIES = {"openpyxl", "xlsxwriter", "python_calamine", "pydantic", "typer", "rich"}
DEPENDENCIES |= {"defusedxml", "pydantic_core", "click"}
# the documented way to use these is to derive from them
PUBLIC_BASES = {"BaseModel"}


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported_from_dependencies(tree: ast.Module) -> dict[str, str]:
    """Local name -> the dependency's dotted name it was imported as."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in DEPENDENCIES:
                    names[(alias.asname or alias.name).split(".")[0]] = alias.name
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.split(".")[0] in DEPENDENCIES
        ):
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_name_of_a_dependency_is_imported_or_used(path: Path) -> None:
    tree = _tree(path)
    imported = _imported_from_dependencies(tree)
    private = [
        name for name in imported.values() if any(p.startswith("_") for p in name.split("."))
    ]
    assert not private, f"private imports: {private}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            if node.attr.startswith("__") and node.attr.endswith("__"):
                continue
            base = ast.unparse(node.value)
            assert base in ("self", "cls"), f"line {node.lineno}: {base}.{node.attr}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_class_derives_from_a_dependency_but_its_documented_bases(path: Path) -> None:
    tree = _tree(path)
    imported = _imported_from_dependencies(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                root = ast.unparse(base).split(".")[0].split("[")[0]
                if root in imported:
                    assert root in PUBLIC_BASES, f"{node.name} derives from {imported[root]}"


def test_no_dependency_is_pinned_from_above() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    assert not [r for r in requirements if "<" in r or "==" in r or "~=" in r]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_process_tricks_for_speed(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"os\._exit|gc\.(disable|freeze)\(", text)
    if path.name != "workers.py":  # forked workers isolate untrusted files: for safety
        assert "multiprocessing" not in text and "os.fork" not in text
