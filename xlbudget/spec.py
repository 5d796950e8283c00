"""The proposal form as data: load the field spec under templates/ and match labels to it."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable
from enum import StrEnum
from functools import cache, cached_property
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from xlbudget.errors import SpecError

SPEC_FILENAME = "budgetalternativ-drift.toml"
TEMPLATE_FILENAME = "budgetalternativ-drift.xlsx"
T = TypeVar("T")


class FieldKind(StrEnum):
    """The kind of value a form field holds."""

    CHOICE = "choice"
    PROPOSAL_NUMBER = "proposal_number"
    COMMITTEE = "committee"
    TEXT = "text"
    RICH_TEXT = "rich_text"
    YEARS = "years"
    AMOUNTS = "amounts"
    ACCOUNT_CODES = "account_codes"


class FieldSpec(BaseModel):
    """One field of the form: its label, label variants, kind and defined name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    label: str
    short: str
    short_en: str
    match: tuple[str, ...]
    kind: FieldKind
    required: bool
    name: str
    hint: str = ""

    @field_validator("match")
    @classmethod
    def _patterns_compile(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            re.compile(pattern)
        return patterns

    @property
    def is_per_year(self) -> bool:
        """True for the fields with one cell per budget year."""
        return self.kind in (FieldKind.YEARS, FieldKind.AMOUNTS)

    def defined_name(self, index: int | None = None) -> str:
        """The defined name of the input cell; `index` (1-based) for per-year fields."""
        return self.name if index is None else f"{self.name}_{index}"

    def name_in(self, lang: str) -> str:
        """The field's short name as reports show it: "Beløb" (da), "Amounts" (en)."""
        return self.short_en if lang == "en" else self.short

    def label_for(self, municipality: str | None) -> str:
        """The label as the template writes it for a municipality (or a generic one)."""
        return self.label.replace(
            "{kommunens}", genitive(municipality) if municipality else "kommunens"
        )


class ChoiceSpec(BaseModel):
    """The options of the kind field and the marks that count as a tick."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    options: tuple[str, ...]
    ticks: tuple[str, ...]


class FormInfo(BaseModel):
    """Form-level text: title, form type code, sheet name, instructions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    type_code: str
    sheet_name: str
    unit_note: str
    instructions: tuple[str, ...]


class FormSpec(BaseModel):
    """The whole form: its fields in reference order plus form-level text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    form: FormInfo
    choice: ChoiceSpec
    fields: tuple[FieldSpec, ...] = Field(alias="field")

    @field_validator("fields")
    @classmethod
    def _keys_unique(cls, fields: tuple[FieldSpec, ...]) -> tuple[FieldSpec, ...]:
        keys = [f.key for f in fields]
        if len(keys) != len(set(keys)):
            raise ValueError("field keys must be unique")
        return fields

    def field(self, key: str) -> FieldSpec:
        """The field with this key."""
        return self.by_key[key]

    @cached_property
    def by_key(self) -> dict[str, FieldSpec]:
        """The fields by key."""
        return {spec.key: spec for spec in self.fields}

    @cached_property
    def memos(self) -> dict[str, Any]:
        """What the stages derive from this spec, each made once (see memo())."""
        return {}

    def memo(self, what: str, build: Callable[[], T]) -> T:
        """What `build` makes for this spec under the name `what`, made once per spec."""
        memos = self.memos
        if what not in memos:
            memos[what] = build()
        return memos[what]  # type: ignore[no-any-return]

    @property
    def keys(self) -> tuple[str, ...]:
        """Field keys in form order."""
        return tuple(f.key for f in self.fields)

    def matcher(self) -> LabelMatcher:
        """A compiled label matcher for this spec (built once per spec)."""
        return self.memo("matcher", lambda: LabelMatcher(self))


class LabelMatcher:
    """Finds which field, if any, a cell's text is the label of."""

    CACHE_SIZE = 20_000

    def __init__(self, spec: FormSpec) -> None:
        # One alternation, one group per field, in spec order: the first field that matches wins.
        alternatives = [
            f"(?P<{f.key}>{'|'.join(f'(?:{p})' for p in f.match)})" for f in spec.fields
        ]
        self._pattern = re.compile("|".join(alternatives))
        # Every form repeats the same labels: remember answers across forms in one process.
        self._seen: dict[str, str | None] = {}

    def field_for(self, text: str) -> str | None:
        """The key of the field whose label `text` is, or None."""
        if len(text) > MAX_LABEL_CHARS:  # labels are short; long cells are answers, not labels
            return None
        if text in self._seen:
            return self._seen[text]
        key = self.field_for_normalised(normalise_label(text))
        if len(self._seen) < self.CACHE_SIZE:
            self._seen[text] = key
        return key

    def field_for_normalised(self, norm: str) -> str | None:
        """The key of the field whose label is `norm`, text as normalise_label gives it."""
        match = self._pattern.fullmatch(norm) if norm else None
        return match.lastgroup if match else None


MAX_LABEL_CHARS = 300
_DASH_CHARS = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_DASH = re.compile(f"[{_DASH_CHARS}]")
_PARENS = re.compile(r"\([^()]*\)|\([^()]*$")


def normalise_label(text: str) -> str:
    """Label text reduced to what matching compares: case, dashes, spaces, notes, colons."""
    text = _DASH.sub("-", unicodedata.normalize("NFKC", text)).casefold()
    text = " ".join(text.split())
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    without_notes = _PARENS.sub(" ", text)  # notes in parentheses, unless they are all there is
    if without_notes.strip(" :.*"):
        text = " ".join(without_notes.split())
    return text.strip(" :;.*")


def genitive(name: str) -> str:
    """Danish genitive of a name: 'Vesthimmerlands Kommune' -> 'Vesthimmerlands Kommunes'."""
    return name + "'" if name[-1:].lower() in ("s", "x", "z") else name + "s"


def templates_dir() -> Path:
    """The folder holding the form spec and the committed blank template."""
    installed = Path(__file__).parent / "templates"
    if installed.is_dir():
        return installed
    return Path(__file__).parent.parent / "templates"


@cache
def load_spec(path: Path | None = None) -> FormSpec:
    """Load and check the form spec (the bundled one by default)."""
    path = path or templates_dir() / SPEC_FILENAME
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return FormSpec.model_validate(data)
    except OSError as exc:
        raise SpecError(f"{path}: cannot read the form spec ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML ({exc})") from exc
    except (ValidationError, re.error) as exc:
        raise SpecError(f"{path}: invalid form spec ({exc})") from exc


def field_name(key: str | None, lang: str = "da") -> str:
    """A field's short name in reports ("Beløb"), from the bundled spec; "" for no field."""
    if key is None:
        return ""
    spec = load_spec()
    return spec.field(key).name_in(lang) if key in spec.by_key else key
