"""The library's front door: the functions the CLI and Python users call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from xlbudget.config import Config, load_config
from xlbudget.consolidate import Consolidation, consolidate_results
from xlbudget.errors import UsageError
from xlbudget.models import FileResult
from xlbudget.pipeline import collect_files, read_forms

Progress = Callable[[int, int], None]


def _settings(config: Config | Path | str | None, inputs: Sequence[Path]) -> Config:
    if isinstance(config, Config):
        return config
    return load_config(Path(config) if config is not None else None, inputs)


def validate_paths(
    paths: Sequence[Path | str],
    config: Config | Path | str | None = None,
    progress: Progress | None = None,
) -> list[FileResult]:
    """Check every form in the given files and folders; `config` may be a Config or a toml path."""
    inputs = [Path(p) for p in paths]
    settings = _settings(config, inputs)
    return read_forms(collect_files(inputs), settings, progress)


def consolidate(
    paths: Sequence[Path | str],
    config: Config | Path | str | None = None,
    progress: Progress | None = None,
    output: Path | None = None,
) -> Consolidation:
    """Read and check every form, then group the valid ones by committee with totals per year."""
    inputs = [Path(p) for p in paths]
    settings = _settings(config, inputs)
    files = collect_files(inputs)
    if output is not None:
        target = output.resolve()
        if target.is_dir():
            raise UsageError(f"{output}: is a folder; give a file name for the master workbook")
        if any(f.resolve() == target for f in files):
            raise UsageError(f"{output}: is one of the input files; choose another output path")
    return consolidate_results(read_forms(files, settings, progress), settings)


def write_master(consolidation: Consolidation, path: Path | str) -> Path:
    """Write the master workbook for a consolidation (atomically)."""
    from xlbudget.master import write_master as write

    return write(consolidation, Path(path))
