"""xlbudget: check and consolidate Danish municipal budget proposal workbooks."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# openpyxl (annotated copies, tests) parses XML through defusedxml, which refuses entity
# tricks, unless lxml is installed (python-docx brings it): then it would use lxml. Untrusted
# forms are read the defusedxml way whatever else is installed.
os.environ.setdefault("OPENPYXL_LXML", "False")

# Public names, imported on first use so `import xlbudget` (and the CLI) stays fast.
_EXPORTS = {
    "Config": "xlbudget.config",
    "load_config": "xlbudget.config",
    "FormSpec": "xlbudget.spec",
    "load_spec": "xlbudget.spec",
    "Issue": "xlbudget.issues",
    "Proposal": "xlbudget.models",
    "Account": "xlbudget.models",
    "FileResult": "xlbudget.models",
    "read_form": "xlbudget.pipeline",
    "read_file": "xlbudget.pipeline",
    "validate_paths": "xlbudget.api",
    "consolidate": "xlbudget.api",
    "write_master": "xlbudget.api",
    "Consolidation": "xlbudget.consolidation",
    "write_template": "xlbudget.template",
    "XlbudgetError": "xlbudget.errors",
}
__all__ = [  # noqa: RUF022 - grouped as _EXPORTS is
    "__version__",
    "Config",
    "load_config",
    "FormSpec",
    "load_spec",
    "Issue",
    "Proposal",
    "Account",
    "FileResult",
    "read_form",
    "read_file",
    "validate_paths",
    "consolidate",
    "write_master",
    "Consolidation",
    "write_template",
    "XlbudgetError",
]

if TYPE_CHECKING:
    from xlbudget.api import consolidate, validate_paths, write_master
    from xlbudget.config import Config, load_config
    from xlbudget.consolidation import Consolidation
    from xlbudget.errors import XlbudgetError
    from xlbudget.issues import Issue
    from xlbudget.models import Account, FileResult, Proposal
    from xlbudget.pipeline import read_file, read_form
    from xlbudget.spec import FormSpec, load_spec
    from xlbudget.template import write_template


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'xlbudget' has no attribute {name!r}")
