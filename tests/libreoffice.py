"""Headless LibreOffice for tests: convert a file, optionally recalculating every formula."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed"
)

# LibreOffice keeps an xlsx file's cached results on load unless told to recalculate always.
RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice_convert(
    source: Path, target_format: str, work: Path, recalculate: bool = False
) -> Path:
    """`source` opened and saved as `target_format` by headless LibreOffice, in its own profile."""
    profile = work / "lo-profile"
    if recalculate:
        (profile / "user").mkdir(parents=True, exist_ok=True)
        (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
    out = work / "lo-out"
    out.mkdir(exist_ok=True)
    command = [
        shutil.which("soffice") or "soffice",
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--calc",
        "--convert-to",
        target_format,
        "--outdir",
        str(out),
        str(source),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    result = out / f"{source.stem}.{target_format}"
    assert result.exists(), (
        f"LibreOffice wrote nothing: {done.returncode} {done.stdout} {done.stderr}"
    )
    return result
