"""xlbudget: check and consolidate Danish municipal budget proposal workbooks."""

from __future__ import annotations

__version__ = "0.1.0"
