"""The library's front door: the functions the CLI and Python users call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from xlbudget.config import Config, load_config
from xlbudget.errors import UsageError
from xlbudget.models import FileResult
from xlbudget.pipeline import collect_files, collector_paused, read_forms

if TYPE_CHECKING:  # validate needs no consolidation: its models are not built for it
    from xlbudget.consolidation import Consolidation, DuplicateRule

Progress = Callable[[int, int], None]


def _settings(config: Config | Path | str | None, inputs: Sequence[Path]) -> Config:
    if isinstance(config, Config):
        return config
    return load_config(Path(config) if config is not None else None, inputs)


def _read(
    files: Sequence[Path | str], config: Config, progress: Progress | None, workers: int | None
) -> list[FileResult]:
    """Files through read → extract → validate: in worker processes, or here if workers == 0."""
    with collector_paused():  # thousands of results arrive: nothing cyclic to collect
        if workers == 0:
            return read_forms(files, config, progress)
        from xlbudget.workers import read_isolated

        return read_isolated(files, config, progress, workers)


def validate_paths(
    paths: Sequence[Path | str],
    config: Config | Path | str | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> list[FileResult]:
    """Check every form in the given files and folders; `config` may be a Config or a toml path."""
    inputs = [Path(p) for p in paths]
    settings = _settings(config, inputs)
    return _read(collect_files(inputs), settings, progress, workers)


def consolidate(
    paths: Sequence[Path | str],
    config: Config | Path | str | None = None,
    progress: Progress | None = None,
    output: Path | None = None,
    workers: int | None = None,
    duplicates: DuplicateRule | None = None,
) -> Consolidation:
    """Read and check every form, then group the valid ones by committee with totals per year.

    `duplicates` ("reject" or "newest") overrides the configuration's rule for resubmissions."""
    inputs = [Path(p) for p in paths]
    settings = _settings(config, inputs)
    files = collect_files(inputs)
    if output is not None:
        check_output(Path(output), files)
    results = _read(files, settings, progress, workers)
    from xlbudget.consolidation import consolidate_results

    with collector_paused():
        return consolidate_results(results, settings, duplicates)


def check_output(output: Path, inputs: Sequence[Path | str]) -> None:
    """Refuse, before any work, an output path that cannot be written or is an input."""
    target = output.resolve()
    if target.is_dir():
        raise UsageError(f"{output}: is a folder; give a file name")
    if not target.parent.is_dir():
        raise UsageError(f"{output}: the folder {output.parent} does not exist")
    # The inputs were just found as existing files, so none resolves to a path that does
    # not exist: only an existing target needs comparing with them.
    if target.exists() and _resolves_to(target, inputs):
        raise UsageError(f"{output}: is one of the input files; choose another output path")


def _resolves_to(target: Path, inputs: Sequence[Path | str]) -> bool:
    from xlbudget.master import resolves_to  # only when the output exists: master is not light

    return resolves_to(target, inputs)


def write_master(consolidation: Consolidation, path: Path | str) -> Path:
    """Write the master workbook for a consolidation (atomically)."""
    from xlbudget.master import write_master as write

    return write(consolidation, Path(path))
