"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlbudget.config import Config, load_config

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


@pytest.fixture
def samples_config() -> Config:
    """The fictional municipality's configuration from samples/."""
    return load_config(SAMPLES / "xlbudget.toml")
