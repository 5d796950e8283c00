"""xlbudget.toml: budget years, committees and reader limits, found and validated."""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from xlbudget.errors import ConfigError

CONFIG_FILENAME = "xlbudget.toml"


class BudgetSettings(BaseModel):
    """The budget period: the budget year and how many years the forms cover."""

    model_config = ConfigDict(extra="forbid")

    first_year: int | None = Field(default=None, ge=1990, le=2200)
    years: int = Field(default=4, ge=1, le=10)
    # the largest amount (in 1.000 kr., either sign) the template accepts: an amount above it
    # is surely typed in kroner
    max_amount: int = Field(default=100_000, ge=1)

    @property
    def budget_years(self) -> list[int] | None:
        """The budget years, or None when they are to be taken from the forms."""
        if self.first_year is None:
            return None
        return list(range(self.first_year, self.first_year + self.years))


class Committee(BaseModel):
    """A political committee: canonical name, proposal-number prefix, extra spellings."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    prefix: str = Field(min_length=1, max_length=10, pattern=r"^[A-Za-zÆØÅæøå]+$")
    aliases: list[str] = Field(default_factory=list)
    # the committee's råderum target in 1.000 kr. a year (positive: savings to find), or one
    # per budget year; the master's Scenarie sheet sets the råderum found against it
    target: float | list[float] | None = None

    def targets(self, years: Sequence[int]) -> dict[int, float]:
        """The target of each budget year (none where a per-year list runs short)."""
        if self.target is None:
            return {}
        if isinstance(self.target, list):
            return dict(zip(years, self.target, strict=False))
        return dict.fromkeys(years, self.target)


class Limits(BaseModel):
    """Guards for reading untrusted files; every limit in one place.

    A budget form is one sheet of a few dozen cells: its xlsx is 5–50 KB and unpacks to well
    under 1 MB. The limits leave room for logos, instruction sheets and data a department
    pastes in, and stop anything that would make a reader allocate or work without bound.
    All are checked before any parser sees the file (xlbudget/guards.py); a file over a limit
    becomes an error issue for that file (file-too-large, file-corrupt or file-unsafe).
    """

    model_config = ConfigDict(extra="forbid")

    # The file as a whole: a form with an embedded logo is far below this.
    max_file_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    # Parts in a zip (xlsx/ods): Excel writes ~10 for a form, a few per extra sheet or image.
    max_zip_entries: int = Field(default=1000, ge=10)
    # Inflated size of one part, and of all parts together. Checked against the declared
    # sizes first, then against the real ones while inflating (never past the declared
    # size: a part that inflates to more than its header says is refused as damaged).
    max_entry_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    max_total_bytes: int = Field(default=100 * 1024 * 1024, ge=1024)
    # Apache POI's ZipSecureFile rule and default: compressed/inflated below 0.01 (more
    # than 100:1) is a zip bomb. Spreadsheet XML compresses 5:1 to 20:1. Parts smaller
    # than the grace size are exempt (a tiny part can compress well and harm no one).
    min_inflate_ratio: float = Field(default=0.01, gt=0, le=1)
    inflate_grace_bytes: int = Field(default=1024 * 1024, ge=0)
    # The rectangle a reader fills for one sheet (first to last cell holding a value):
    # calamine allocates every cell of it, ~32 bytes each, so 2 M cells is ~64 MB. A form
    # spans ~20 × 5 cells; 2 M is 10,000 rows × 200 columns.
    max_sheet_cells: int = Field(default=2_000_000, ge=10_000)
    # The text a reader materialises for one sheet: every cell that shows a shared string
    # (or a repeated ods cell) gets its own copy. 50 MB is 1,500 cells of Excel's maximum
    # 32,767 characters.
    max_sheet_text_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    # The part of a sheet read into the grid (a form is in the top-left corner).
    max_rows: int = Field(default=10_000, ge=100)
    max_columns: int = Field(default=200, ge=10)
    max_sheets: int = Field(default=50, ge=1)
    # Per-file budget of a worker process (xlbudget/workers.py); a file over it is skipped.
    seconds_per_file: float = Field(default=20.0, gt=0)
    worker_memory_mb: int = Field(default=768, ge=0)  # address space; 0: no cap


class ConsolidateSettings(BaseModel):
    """How consolidate treats resubmissions: two forms with one number, different content."""

    model_config = ConfigDict(extra="forbid")

    # reject: both left out until the finance office decides; newest: the newest file counts
    duplicates: Literal["reject", "newest"] = "reject"


class ServeSettings(BaseModel):
    """The web page (`xlbudget serve`): the office's secret and the upload limits."""

    model_config = ConfigDict(extra="forbid")

    # the finance office's secret (else the environment's XLBUDGET_OFFICE_TOKEN)
    office_token: str | None = Field(default=None, min_length=12)
    max_files: int = Field(default=20, ge=1, le=500)  # files in one upload
    max_request_mb: int = Field(default=60, ge=1)  # one upload, all its files together
    # the address departments use for the web page, shown in the template's instructions
    public_url: str | None = None


class Config(BaseModel):
    """The whole configuration; `source` is the file it came from, if any."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    municipality: str | None = None
    budget: BudgetSettings = Field(default_factory=BudgetSettings)
    committees: list[Committee] = Field(default_factory=list, alias="committee")
    consolidate: ConsolidateSettings = Field(default_factory=ConsolidateSettings)
    serve: ServeSettings = Field(default_factory=ServeSettings)
    limits: Limits = Field(default_factory=Limits)
    source: Path | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _names_distinct(self) -> Config:
        seen: dict[str, str] = {}
        for committee in self.committees:
            for spelling in (committee.name, *committee.aliases):
                key = committee_key(spelling)
                if key in seen and seen[key] != committee.name:
                    raise ValueError(f"'{spelling}' names both {seen[key]} and {committee.name}")
                seen[key] = committee.name
        return self

    @model_validator(mode="after")
    def _targets_per_year(self) -> Config:
        for committee in self.committees:
            target = committee.target
            if isinstance(target, list) and len(target) != self.budget.years:
                raise ValueError(
                    f"committee {committee.name}: target has {len(target)} amounts, "
                    f"the budget {self.budget.years} years"
                )
        return self

    # A cached_property, not a pydantic private attribute: reading one of those costs
    # microseconds, and every form looks a committee up twice.
    @cached_property
    def _spellings(self) -> dict[str, Committee]:
        """Every committee by the key of each of its spellings (made on first use)."""
        return {
            committee_key(spelling): committee
            for committee in reversed(self.committees)
            for spelling in (committee.name, *committee.aliases)
        }

    def find_committee(self, text: str) -> Committee | None:
        """The committee `text` names, across case, hyphens, spacing and '&'/'og'."""
        spellings = self._spellings
        # "Børne- og Familieudvalget (BFU)": the name, else what the parentheses hold
        outside, paren, inside = text.partition("(")
        for candidate in (text, outside, inside.rstrip(") ")) if paren else (text,):
            found = spellings.get(committee_key(candidate)) if candidate.strip() else None
            if found:
                return found
        return self.committee_for_prefix(text.strip())

    def committee_for_prefix(self, prefix: str) -> Committee | None:
        """The committee whose proposal-number prefix is `prefix` (case-insensitive)."""
        for committee in self.committees:
            if committee.prefix.casefold() == prefix.casefold():
                return committee
        return None


_NOT_LETTERS = re.compile(r"[\s\-‐‑–—.,/]+")


@functools.lru_cache(maxsize=4096)  # forms repeat the same few committee names
def committee_key(name: str) -> str:
    """A committee name reduced so spelling variants compare equal."""
    text = unicodedata.normalize("NFKC", name).casefold().replace("&", " og ")
    text = _NOT_LETTERS.sub("", text)
    return text.removesuffix("et") if text.endswith("udvalget") else text  # udvalget = udvalg


def find_config_file(explicit: Path | None, inputs: Sequence[Path] = ()) -> Path | None:
    """--config, else ./xlbudget.toml, else xlbudget.toml in the first input folder."""
    if explicit is not None:
        return explicit
    here = Path.cwd() / CONFIG_FILENAME
    if here.is_file():
        return here
    for path in inputs:
        folder = path if path.is_dir() else path.parent
        candidate = folder / CONFIG_FILENAME
        if candidate.is_file():
            return candidate
        break
    return None


_SECTIONS: dict[str, type[BaseModel]] = {}  # filled below, once every model is defined


def _config_problem(error: Any) -> tuple[str, str]:
    """One problem of a configuration in words (English, Danish), never pydantic's."""
    where = [str(part) for part in error["loc"] if not isinstance(part, int)]
    key = ".".join(where) or "(top level)"
    kind, context = error["type"], error.get("ctx") or {}
    if kind == "extra_forbidden":
        model = _SECTIONS.get(".".join(where[:-1]), Config)
        allowed = ", ".join(
            field.alias or name for name, field in model.model_fields.items() if name != "source"
        )
        return (
            f"unknown key {key}; allowed here: {allowed}",
            f"ukendt nøgle {key}; tilladt her: {allowed}",
        )
    if kind == "missing":
        return f"{key} is missing", f"{key} mangler"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        limit = next(iter(context.values()), "?")
        words = {
            "greater_than_equal": ("at least", "mindst"),
            "greater_than": ("more than", "over"),
            "less_than_equal": ("at most", "højst"),
            "less_than": ("less than", "under"),
        }[kind]
        return f"{key} must be {words[0]} {limit}", f"{key} skal være {words[1]} {limit}"
    if kind == "literal_error":
        choices = context.get("expected", "?")
        return f"{key} must be {choices}", f"{key} skal være {choices.replace(' or ', ' eller ')}"
    if kind in ("int_parsing", "int_type", "float_parsing", "float_type", "int_from_float"):
        return f"{key} must be a number", f"{key} skal være et tal"
    if kind in ("string_type", "string_too_short", "string_pattern_mismatch"):
        return (
            f"{key} must be text of the right form",
            f"{key} skal være en tekst af den rigtige form",
        )
    message = str(error.get("msg", kind))
    return f"{key}: {message}", f"{key}: ugyldig værdi ({message})"


def load_config(path: Path | str | None = None, inputs: Sequence[Path] = ()) -> Config:
    """Find and load the configuration; built-in defaults when there is none."""
    found = find_config_file(Path(path) if path is not None else None, inputs)
    if found is None:
        return Config()
    try:
        data = tomllib.loads(found.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{found}: configuration file not found", f"{found}: konfigurationsfilen findes ikke"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{found}: cannot read the configuration ({exc})",
            f"{found}: konfigurationen kan ikke læses ({exc})",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{found}: not valid TOML: {exc}", f"{found}: ikke gyldig TOML: {exc}"
        ) from None
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        english, danish = _config_problem(exc.errors()[0])
        more = exc.error_count() - 1
        raise ConfigError(
            f"{found}: {english}" + (f" (and {more} more)" if more else ""),
            f"{found}: {danish}" + (f" (og {more} mere)" if more else ""),
        ) from None
    config.source = found
    return config


_SECTIONS.update(
    {
        "budget": BudgetSettings,
        "committee": Committee,
        "consolidate": ConsolidateSettings,
        "serve": ServeSettings,
        "limits": Limits,
    }
)
