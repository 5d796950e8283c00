"""Validate stage: raw extracted fields to a Proposal plus the Issues found on the way."""

from __future__ import annotations

import unicodedata
from typing import Any

from xlbudget.config import Config
from xlbudget.extract import ExtractedForm, Found
from xlbudget.issues import Issue
from xlbudget.models import Amount, Kind, Proposal
from xlbudget.parse import (
    YEAR_FLOATS,
    clean_text,
    html_to_text,
    parse_accounts,
    parse_amount,
    parse_proposal_number,
    parse_year,
)
from xlbudget.read import Workbook, cell_ref
from xlbudget.spec import FieldKind, FormSpec

EXCEL_CELL_LIMIT = 32_767
KRONER_THRESHOLD = 100_000
_SPECIAL = {"kind", "nr", "committee", "years", "amounts", "accounts"}


class _Checker:
    """Collects the issues of one form while building its proposal."""

    def __init__(self, form: ExtractedForm, workbook: Workbook, spec: FormSpec, config: Config):
        self.form, self.workbook, self.spec, self.config = form, workbook, spec, config
        self.issues: list[Issue] = []
        # The proposal is made at the end from these, at once: cheaper than setting its
        # fields one by one, and the same model (the same fields set).
        self.values: dict[str, Any] = {}
        self.cells: dict[str, str] = {}
        self.amounts: dict[int, Amount] = {}

    def add(self, code: str, field: str | None, at: Found | None = None, **params: Any) -> None:
        self.issues.append(Issue.make(code, field, at.cell if at else None, **params))

    def label(self, key: str) -> str:
        return self.spec.field(key).label_for(self.config.municipality).rstrip(":")

    def present(self, key: str) -> Found | None:
        """The field's found value, reporting it when its label or value is missing."""
        found = self.form.fields.get(key)
        if found is None or key in self.form.not_found:
            code = "field-not-found" if self.spec.field(key).required else "expected-missing"
            self.add(code, key, None, label=self.label(key))
            return None
        self.cells[key] = found.cell
        if found.blank:
            code = "required-missing" if self.spec.field(key).required else "expected-missing"
            self.add(code, key, found, label=self.label(key))
            return None
        return found

    def run(self) -> tuple[Proposal, list[Issue]]:
        self.check_kind()
        self.check_committee()
        self.check_nr()
        self.check_texts()
        self.check_accounts()
        self.check_years_and_amounts()
        proposal = Proposal(**self.values)
        proposal.cells.update(self.cells)
        proposal.amounts.update(self.amounts)
        return proposal, self.issues

    def check_kind(self) -> None:
        kind = self.form.kind
        if kind is None:
            self.add("field-not-found", "kind", None, label=self.label("kind"))
            return
        if kind.typed is None and kind.ticked and len(set(kind.ticked)) == 1:  # one option ticked
            self.values["kind"] = _as_kind(kind.ticked[0])
            self.cells["kind"] = kind.tick_cells[0].cell  # its tick's cell, not the field's
            return
        self.cells["kind"] = kind.at.cell
        if kind.typed is not None:
            self.add("kind-invalid", "kind", kind.at, value=kind.typed)
        elif not kind.ticked:
            self.add("kind-missing", "kind", kind.at)
        else:  # more than one
            self.add("kind-ambiguous", "kind", kind.at)

    def check_committee(self) -> None:
        found = self.present("committee")
        if found is None:
            return
        text = " ".join(str(clean_text(found.value)).split())
        if not self.config.committees:
            self.values["committee"] = text
            return
        committee = self.config.find_committee(text)
        if committee is None:
            known = ", ".join(c.name for c in self.config.committees)
            self.add("committee-unknown", "committee", found, value=text, known=known)
            self.values["committee"] = text
        else:
            self.values["committee"] = committee.name

    def check_nr(self) -> None:
        found = self.present("nr")
        if found is None:
            return
        text = str(clean_text(found.value))
        type_code = self.spec.form.type_code
        number = parse_proposal_number(
            text, type_code, [committee.prefix for committee in self.config.committees]
        )
        if number is None:
            self.add("nr-invalid", "nr", found, value=text)
            self.values["nr"] = text
            return
        self.values["nr"] = str(number)
        if number.type_code != type_code:
            example = f"{number.prefix}{type_code}-{number.serial}"
            self.add(
                "nr-type-mismatch",
                "nr",
                found,
                value=text,
                found=number.type_code,
                expected=type_code,
                example=example,
            )
        committee = self.config.find_committee(self.values.get("committee") or "")
        if committee and committee.prefix.casefold() != number.prefix.casefold():
            self.add(
                "nr-prefix-mismatch",
                "nr",
                found,
                value=text,
                found=number.prefix,
                expected=committee.prefix,
                committee=committee.name,
            )

    def check_texts(self) -> None:
        for key, rich, plain in _text_fields(self.spec):
            found = self.present(key)
            if found is None:
                continue
            text = _field_text(found.value, rich)
            if plain:
                text = " ".join(text.split())
            if len(text) > EXCEL_CELL_LIMIT:
                self.add(
                    "text-truncated",
                    key,
                    found,
                    label=self.label(key),
                    limit=EXCEL_CELL_LIMIT,
                )
                text = text[:EXCEL_CELL_LIMIT]
            self.values[key] = text

    def check_accounts(self) -> None:
        found = self.form.fields.get("accounts")
        if "accounts" in self.form.not_found or found is None:
            self.add("field-not-found", "accounts", None, label=self.label("accounts"))
            return
        self.cells["accounts"] = found.cell
        text = clean_text(found.value)
        if text is None:
            self.add("accounts-missing", "accounts", found)
            return
        accounts, invalid = parse_accounts(text)
        self.values["accounts"] = accounts
        for token in invalid:
            self.add("account-invalid", "accounts", found, value=token)
        if not accounts and not invalid:
            self.add("account-invalid", "accounts", found, value=text[:60])

    def check_years_and_amounts(self) -> None:
        years = self._years()
        amounts = self.form.amounts
        if "amounts" in self.form.not_found or not amounts:
            self.add("field-not-found", "amounts", None, label=self.label("amounts"))
            return
        if years is None:
            return
        values: list[tuple[int, Found, Amount | None]] = []
        for year, found in zip(years, amounts, strict=False):
            self.cells[f"amounts.{year}"] = cell_ref(found.sheet, found.row, found.col)
            value = found.value
            # Most amounts: a float holding a whole number of thousands, under the kroner
            # threshold. _amount gives such a one as int(value), raising nothing: no call.
            if (
                type(value) is float
                and value.is_integer()
                and -KRONER_THRESHOLD < value < KRONER_THRESHOLD
            ):
                values.append((year, found, int(value)))
            else:
                values.append((year, found, self._amount(year, found)))
        if all(value is None and found.blank for _, found, value in values) and not any(
            i.code == "amount-formula-no-value" for i in self.issues
        ):
            self.issues = [i for i in self.issues if i.code != "amount-blank"]
            self.add("amounts-all-blank", "amounts", amounts[0])
            return
        for year, _, value in values:
            if value is not None:
                self.amounts[year] = value
        self._check_sign(amounts[0])

    def _years(self) -> list[int] | None:
        cells = self.form.years
        budget = self.config.budget
        expected, count = budget.budget_years, budget.years
        if not cells:
            if "years" in self.form.not_found and not self.form.amounts:
                self.add("field-not-found", "years", None, label=self.label("years"))
                return None
            anchor = self.form.amounts[0] if self.form.amounts else None
            self.add("years-missing", "years", anchor, count=count)
            return None
        years: list[int] = []
        self.cells.setdefault("years", cells[0].cell)
        for found in cells:
            value = found.value
            # most years are floats: one of YEAR_FLOATS is the year parse_year would give
            year = (
                int(value) if type(value) is float and value in YEAR_FLOATS else parse_year(value)
            )
            if year is None:
                self.add("year-invalid", "years", found, value=found.value)
                return None
            years.append(year)
        if years != list(range(years[0], years[0] + len(years))):  # not consecutive
            example = ", ".join(str(years[0] + i) for i in range(count))
            self.add(
                "years-not-consecutive",
                "years",
                cells[0],
                found=", ".join(map(str, years)),
                expected=", ".join(map(str, expected)) if expected else example,
            )
            return None
        if (expected and years != expected) or len(years) != count:
            wanted = expected or [years[0] + i for i in range(count)]
            self.add(
                "years-mismatch",
                "years",
                cells[0],
                found=", ".join(map(str, years)),
                expected=", ".join(map(str, wanted)),
            )
        return years

    def _amount(self, year: int, found: Found) -> Amount | None:
        value = found.value
        if value is None or (isinstance(value, str) and not value.strip()):  # found.blank
            formula = self.workbook.formula_at(found.sheet, found.row, found.col)
            if formula:  # the read stage computed every formula it could; not this one
                self.add(
                    "amount-formula-no-value",
                    "amounts",
                    found,
                    year=year,
                    formula="=" + formula.lstrip("="),
                )
                return None
            self.add("amount-blank", "amounts", found, year=year)
            return None
        amount = parse_amount(value)
        if amount is None:
            self.add("amount-not-number", "amounts", found, year=year, value=clean_text(value))
            return None
        if abs(amount) >= KRONER_THRESHOLD:
            self.add("amount-in-kroner", "amounts", found, year=year, value=amount)
        elif amount != int(amount):
            self.add("amount-fraction", "amounts", found, year=year, value=amount)
        return amount

    def _check_sign(self, anchor: Found) -> None:
        kind, total = self.values.get("kind"), sum(self.amounts.values())
        if (kind == "Råderum" and total > 0) or (kind == "Ønske" and total < 0):
            self.add("amounts-sign", "amounts", anchor, kind=kind, total=total)


def _text_fields(spec: FormSpec) -> list[tuple[str, bool, bool]]:
    """The fields check_texts reads (all but the special ones): key, rich text?, plain text?"""
    return [
        (f.key, f.kind == FieldKind.RICH_TEXT, f.kind == FieldKind.TEXT)
        for f in spec.fields
        if f.key not in _SPECIAL
    ]


def _field_text(value: Any, rich: bool) -> str:
    """A text field's value as the proposal holds it (but for the spaces of plain text)."""
    text = clean_text(value) or ""
    return html_to_text(text) if rich else text


def _as_kind(option: str) -> Kind:
    folded = unicodedata.normalize("NFKC", option).casefold()
    return "Råderum" if folded.startswith("r") else "Ønske"


def validate(
    form: ExtractedForm, workbook: Workbook, spec: FormSpec, config: Config
) -> tuple[Proposal, list[Issue]]:
    """Check one extracted form: the proposal as far as it could be read, and its issues."""
    return _Checker(form, workbook, spec, config).run()
