"""The library's front door: the functions the CLI and Python users call."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from xlbudget.config import Config, load_config
from xlbudget.models import FileResult
from xlbudget.pipeline import collect_files, read_forms


def validate_paths(
    paths: Sequence[Path | str], config: Config | Path | None = None
) -> list[FileResult]:
    """Check every form in the given files and folders; `config` may be a Config or a toml path."""
    inputs = [Path(p) for p in paths]
    settings = config if isinstance(config, Config) else load_config(config, inputs)
    return read_forms(collect_files(inputs), settings)
