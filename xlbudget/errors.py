"""Exceptions for "cannot go on": one base class, one small tree."""

from __future__ import annotations


class XlbudgetError(Exception):
    """Base of every error xlbudget raises on purpose; its message is one line for the user."""

    def __init__(self, message: str, da: str | None = None) -> None:
        super().__init__(message)
        self.da = da  # the same line in Danish

    def message(self, lang: str = "da") -> str:
        """The line in the user's language (English where no Danish was given)."""
        return self.da if lang == "da" and self.da else str(self)


class ConfigError(XlbudgetError):
    """The configuration file cannot be read or does not validate."""


class SpecError(XlbudgetError):
    """The form spec under templates/ cannot be read or does not validate."""


class UsageError(XlbudgetError):
    """The command was asked for something it cannot do (missing path, bad output path)."""


class OutputError(XlbudgetError):
    """An output file could not be written; any previous file is left as it was."""


class UnreadableFileError(XlbudgetError):
    """One input file cannot be read as a spreadsheet; becomes an issue for that file."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
