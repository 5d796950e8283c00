"""The library's front door: the functions the CLI and Python users call."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from xlbudget.atomic import resolves_to
from xlbudget.config import Config, load_config
from xlbudget.errors import UsageError
from xlbudget.issues import Lang
from xlbudget.models import FileResult
from xlbudget.pipeline import collect_files, read_forms

if TYPE_CHECKING:  # validate needs no consolidation: its models are not built for it
    from xlbudget.consolidation import Consolidation, DuplicateRule

Progress = Callable[[int, int], None]


def _settings(config: Config | Path | str | None, inputs: Sequence[Path]) -> Config:
    if isinstance(config, Config):
        return config
    return load_config(Path(config) if config is not None else None, inputs)


def _read(
    files: Sequence[Path | str],
    config: Config,
    progress: Progress | None,
    workers: int | None,
    annotated: Mapping[str, Path] | None = None,
    lang: Lang = "da",
    start_method: str = "fork",
) -> list[FileResult]:
    """Files through read → extract → validate (→ a marked copy): in worker processes, or
    here if workers == 0."""
    if workers == 0:
        return read_forms(files, config, progress, annotated, lang)
    from xlbudget.workers import read_isolated  # forks: not needed by read_forms

    return read_isolated(files, config, progress, workers, annotated, lang, start_method)


def validate_paths(
    paths: Sequence[Path | str],
    config: Config | Path | str | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    annotate_dir: Path | str | None = None,
    lang: Lang = "da",
    start_method: str = "fork",
) -> list[FileResult]:
    """Check every form in the given files and folders; `config` may be a Config or a toml
    path. With `annotate_dir`, a copy of each form's file with issues, its problem cells marked
    and commented (messages in `lang`) is written there, as part of reading that file.
    `start_method` "forkserver" starts the workers safely from a caller with threads."""
    inputs = [Path(p) for p in paths]
    settings = _settings(config, inputs)
    files = collect_files(inputs)
    annotated = None
    if annotate_dir is not None:
        from xlbudget.annotate import annotation_targets  # only with --annotate

        annotated = annotation_targets(files, Path(annotate_dir))
    return _read(files, settings, progress, workers, annotated, lang, start_method)


def consolidate(
    paths: Sequence[Path | str],
    config: Config | Path | str | None = None,
    progress: Progress | None = None,
    output: Path | None = None,
    workers: int | None = None,
    duplicates: DuplicateRule | None = None,
    start_method: str = "fork",
    previous: Path | str | None = None,
) -> Consolidation:
    """Read and check every form, then group the valid ones by committee with totals per year.

    `duplicates` ("reject" or "newest") overrides the configuration's rule for resubmissions.
    `previous`, the master of the previous round: its decisions (Med, Beslutning, Bemærkning)
    carry over by proposal number, and the master marks what changed and what is gone."""
    inputs = [Path(p) for p in paths]
    settings = _settings(config, inputs)
    files = collect_files(inputs)
    if output is not None:
        check_output(Path(output), files)
    earlier = None
    if previous is not None:  # read first: a wrong path fails before the forms are read
        from xlbudget.decisions import read_previous

        earlier = read_previous(Path(previous), settings.limits)
    results = _read(files, settings, progress, workers, start_method=start_method)
    from xlbudget.consolidation import consolidate_results  # validate does without it

    consolidation = consolidate_results(results, settings, duplicates)
    consolidation.previous = earlier
    return consolidation


def check_output(output: Path, inputs: Sequence[Path | str]) -> None:
    """Refuse, before any work, an output path that cannot be written or is an input."""
    target = output.resolve()
    if target.is_dir():
        raise UsageError(
            f"{output}: is a folder; give a file name", f"{output}: er en mappe; angiv et filnavn"
        )
    if not target.parent.is_dir():
        raise UsageError(
            f"{output}: the folder {output.parent} does not exist",
            f"{output}: mappen {output.parent} findes ikke",
        )
    # The inputs were just found as existing files, so none resolves to a path that does
    # not exist: only an existing target needs comparing with them.
    if target.exists() and resolves_to(target, inputs):
        raise UsageError(
            f"{output}: is one of the input files; choose another output path",
            f"{output}: er en af de filer, der læses; vælg et andet navn",
        )


def write_master(consolidation: Consolidation, path: Path | str) -> Path:
    """Write the master workbook for a consolidation (atomically)."""
    from xlbudget.master import write_master as write  # xlsxwriter: only for the master

    return write(consolidation, Path(path))
