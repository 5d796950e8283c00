"""Data problems as records: the Issue model, its stable codes and their messages (da/en)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["error", "warning", "info"]  # info: a note, no problem
Lang = Literal["da", "en"]

# code -> (severity, Danish message, English message). Placeholders come from Issue.params;
# {where} is always available: " i celle Ark1!C9" / " in cell Ark1!C9" or "".
MESSAGES: dict[str, tuple[Severity, str, str]] = {
    # --- the file as a whole
    "file-not-found": ("error", "Filen findes ikke.", "The file does not exist."),
    "file-not-spreadsheet": (
        "error",
        "Filen er ikke et regneark ({detail}). Gem skemaet som Excel-fil (.xlsx) og send det igen.",
        "The file is not a spreadsheet ({detail}). Save the form as an Excel file (.xlsx) and send it again.",
    ),
    "file-xlsb": (
        "error",
        "Filen er gemt som binær Excel-projektmappe (.xlsb), som ikke kan kontrolleres. Gem skemaet som Excel-projektmappe (.xlsx) og send det igen.",
        "The file is saved as an Excel binary workbook (.xlsb), which cannot be checked. Save the form as an Excel workbook (.xlsx) and send it again.",
    ),
    "file-old-format": (
        "error",
        "Filen er gemt i et format, som ikke kan læses ({detail}). Gem skemaet som Excel-projektmappe (.xlsx) og send det igen.",
        "The file is saved in a format that cannot be read ({detail}). Save the form as an Excel workbook (.xlsx) and send it again.",
    ),
    "file-encrypted": (
        "error",
        "Filen er beskyttet med adgangskode og kan ikke læses. Gem den uden adgangskode og send den igen.",
        "The file is protected with a password and cannot be read. Save it without a password and send it again.",
    ),
    "file-corrupt": (
        "error",
        "Filen er beskadiget og kan ikke læses ({detail}). Åbn den i Excel, gem den igen og send den igen.",
        "The file is damaged and cannot be read ({detail}). Open it in Excel, save it again and resend it.",
    ),
    "file-too-large": (
        "error",
        "Filen er for stor eller pakker ud til for meget data til at være et budgetskema ({detail}).",
        "The file is too large, or unpacks to too much data, to be a budget form ({detail}).",
    ),
    "file-timeout": (
        "error",
        "Det tog for lang tid at læse filen (over {seconds} sekunder); den er sprunget over.",
        "Reading the file took too long (over {seconds} seconds); it was skipped.",
    ),
    "file-crashed": (
        "error",
        "Læsningen af filen gik ned ({detail}); den er sprunget over.",
        "Reading the file crashed ({detail}); it was skipped.",
    ),
    "form-not-found": (
        "error",
        "Der er ikke noget budgetskema i filen: felterne Nr., Udvalg og Budgetændring blev ikke fundet på noget ark.",
        "The file holds no budget form: the fields Nr., Udvalg and Budgetændring were not found on any sheet.",
    ),
    "form-blank": (
        "info",
        "Skemaet i filen er ikke udfyldt (ark: {sheets}); der er intet forslag at læse.",
        "The form in the file has not been filled in (sheet: {sheets}); there is no proposal to read.",
    ),
    "form-hidden": (
        "warning",
        "Arket »{sheet}« er skjult og indeholder et udfyldt skema (ofte en gammel udgave); det er ikke læst. Vis arket i Excel, hvis forslaget skal med, eller slet det.",
        'The sheet "{sheet}" is hidden and holds a filled form (usually an old version); it was not read. Unhide it in Excel if the proposal should count, or delete it.',
    ),
    "own-workbook": (
        "info",
        "Filen er {what}, som xlbudget selv har skrevet; den er ikke et forslag og er sprunget over.",
        "The file is {what_en} that xlbudget wrote itself; it is not a proposal and was skipped.",
    ),
    "annotate-failed": (
        "warning",
        "Der kunne ikke laves en kopi af filen med markerede fejl ({detail}); kontrollen ovenfor gælder stadig.",
        "No copy of the file with its problems marked could be made ({detail}); the check above still stands.",
    ),
    # --- fields present
    "required-missing": (
        "error",
        "Feltet »{label}« er ikke udfyldt{where}. Udfyld det, før skemaet sendes.",
        'The field "{label}" is empty{where}. Fill it in before sending the form.',
    ),
    "expected-missing": (
        "warning",
        "Feltet »{label}« er tomt{where}. Skriv fx »Ingen« eller »Ikke aktuelt«, hvis intet er relevant.",
        'The field "{label}" is empty{where}. Write e.g. "Ingen" (none) if nothing applies.',
    ),
    "field-not-found": (
        "error",
        "Feltet »{label}« findes ikke i skemaet. Brug skabelonen, eller tilføj feltet med den rigtige overskrift.",
        'The field "{label}" is missing from the form. Use the template, or add the field with its label.',
    ),
    # --- kind
    "kind-missing": (
        "error",
        "Der er ikke sat kryds ved Råderum eller Ønske{where}. Sæt ét X ved den rigtige.",
        "Neither Råderum nor Ønske is ticked{where}. Put one X next to the right one.",
    ),
    "kind-ambiguous": (
        "error",
        "Der er sat kryds ved både Råderum og Ønske{where}. Et forslag er enten Råderum eller Ønske: fjern det ene kryds.",
        "Both Råderum and Ønske are ticked{where}. A proposal is either one: remove one tick.",
    ),
    "kind-invalid": (
        "error",
        "»{value}«{where} er ikke Råderum eller Ønske. Vælg en af de to.",
        '"{value}"{where} is neither Råderum nor Ønske. Choose one of the two.',
    ),
    # --- number and committee
    "nr-invalid": (
        "error",
        "Forslagsnummeret »{value}«{where} har ikke formen udvalg + type + løbenummer, fx BFdr-001.",
        'The proposal number "{value}"{where} is not of the form committee + type + serial, e.g. BFdr-001.',
    ),
    "nr-type-mismatch": (
        "warning",
        "Forslagsnummeret »{value}«{where} har typen »{found}«, men et driftsforslag har »{expected}« (fx {example}).",
        'The proposal number "{value}"{where} has type "{found}", but an operating proposal uses "{expected}" (e.g. {example}).',
    ),
    "nr-prefix-mismatch": (
        "error",
        "Forslagsnummeret »{value}«{where} begynder med »{found}«, men {committee} har forkortelsen »{expected}«. Ret nummeret eller udvalget.",
        'The proposal number "{value}"{where} starts with "{found}", but {committee} uses "{expected}". Correct the number or the committee.',
    ),
    "committee-unknown": (
        "error",
        "Udvalget »{value}«{where} kendes ikke. Brug et af: {known}.",
        'The committee "{value}"{where} is not known. Use one of: {known}.',
    ),
    # --- years and amounts
    "years-missing": (
        "error",
        "Budgetårene mangler{where}. Skriv de {count} budgetår over beløbene.",
        "The budget years are missing{where}. Write the {count} budget years above the amounts.",
    ),
    "year-invalid": (
        "error",
        "»{value}«{where} er ikke et årstal.",
        '"{value}"{where} is not a year.',
    ),
    "years-not-consecutive": (
        "error",
        "Budgetårene {found}{where} følger ikke efter hinanden. Skriv fire år i træk, fx {expected}.",
        "The budget years {found}{where} are not consecutive. Write consecutive years, e.g. {expected}.",
    ),
    "years-mismatch": (
        "error",
        "Skemaet gælder årene {found}{where}, men budgettet gælder {expected}. Brug den nyeste skabelon.",
        "The form covers {found}{where}, but the budget covers {expected}. Use the current template.",
    ),
    "amount-not-number": (
        "error",
        "Beløbet »{value}« for {year}{where} er ikke et tal. Skriv et helt tal i 1.000 kr., fx 800 eller -1.200.",
        'The amount "{value}" for {year}{where} is not a number. Write a whole number in 1,000 kr., e.g. 800 or -1.200.',
    ),
    "amount-formula-no-value": (
        "error",
        "Beløbet for {year}{where} er en formel ({formula}) uden gemt resultat. Åbn filen i Excel, gem den og send den igen, eller skriv tallet.",
        "The amount for {year}{where} is a formula ({formula}) with no saved result. Open and save the file in Excel, or type the number.",
    ),
    "amount-blank": (
        "warning",
        "Beløbet for {year}{where} er tomt og regnes som 0. Skriv 0, hvis det er meningen.",
        "The amount for {year}{where} is empty and counts as 0. Write 0 if that is intended.",
    ),
    "amounts-all-blank": (
        "error",
        "Der er ingen beløb{where}. Skriv budgetændringen i 1.000 kr. for hvert budgetår.",
        "There are no amounts{where}. Write the budget change in 1,000 kr. for every budget year.",
    ),
    "amount-in-kroner": (
        "warning",
        "Beløbet {value} for {year}{where} ser ud til at være i kroner; skemaet er i 1.000 kr. (800 betyder 800.000 kr.).",
        "The amount {value} for {year}{where} looks like kroner; the form is in 1,000 kr. (800 means 800,000 kr.).",
    ),
    "amount-fraction": (
        "warning",
        "Beløbet {value} for {year}{where} har decimaler; skemaet er i hele 1.000 kr.",
        "The amount {value} for {year}{where} has decimals; the form is in whole 1,000 kr.",
    ),
    "amounts-sign": (
        "warning",
        "Forslaget er {kind}, men beløbene giver {total} i alt{where}. Råderum (besparelser, nye indtægter) skrives normalt med minus og ønsker (udvidelser) med plus: tjek fortegn og kryds.",
        "The proposal is {kind}, but its amounts add up to {total}{where}. Råderum (savings, new income) is normally negative and Ønske (expansion) positive: check the signs and the tick.",
    ),
    # --- accounts
    "account-invalid": (
        "error",
        "»{value}«{where} er ikke en gyldig kontokode. Skriv hovedkonto, hovedfunktion og funktion, fx 03.22.01 Folkeskoler.",
        '"{value}"{where} is not a valid account code. Write main account, main function and function, e.g. 03.22.01 Folkeskoler.',
    ),
    "accounts-missing": (
        "error",
        "Der er ingen kontokode{where}. Skriv mindst én, fx 03.22.01 Folkeskoler.",
        "There is no account code{where}. Write at least one, e.g. 03.22.01 Folkeskoler.",
    ),
    "text-truncated": (
        "warning",
        "Teksten i »{label}«{where} er længere end Excel tillader i én celle og er afkortet til {limit} tegn.",
        'The text in "{label}"{where} is longer than Excel allows in one cell and was cut to {limit} characters.',
    ),
    # --- across files (consolidate)
    "duplicate-proposal": (
        "warning",
        "Forslag {nr} er indsendt mere end én gang med samme indhold (også i {other}); det tælles kun med én gang.",
        "Proposal {nr} was submitted more than once with the same content (also in {other}); it is counted once.",
    ),
    "duplicate-number": (
        "error",
        "Nummeret {nr} bruges af forskellige forslag (også i {other}; forskelle: {differences}); ingen af dem tælles med, før nummeret er rettet, eller den gamle udgave er fjernet (eller kør med --newest).",
        "The number {nr} is used by different proposals (also in {other}; differences: {differences_en}); neither is counted until one is renumbered or the old version removed (or run with --newest).",
    ),
    "replaced": (
        "warning",
        "Forslag {nr} er erstattet af en nyere indsendelse ({other}) og tælles ikke med (forskelle: {differences}).",
        "Proposal {nr} was replaced by a newer submission ({other}) and is not counted (differences: {differences_en}).",
    ),
    # --- the file as a whole (reader guards)
    "file-unsafe": (
        "error",
        "Filen er afvist af sikkerhedshensyn: den indeholder noget, som Excel aldrig gemmer ({detail}). Åbn den i Excel, gem den igen og send den igen.",
        "The file was refused for safety: it holds something Excel never saves ({detail}). Open it in Excel, save it again and resend it.",
    ),
}

_WHERE = {"da": " i celle {cell}", "en": " in cell {cell}"}


class Issue(BaseModel):
    """One data problem: severity, stable code, field key, cell and a readable message."""

    model_config = ConfigDict(frozen=True)

    severity: Severity
    code: str
    field: str | None = None
    cell: str | None = None
    message: str
    params: dict[str, Any] = Field(default_factory=dict, exclude=True, repr=False)

    @classmethod
    def make(
        cls,
        code: str,
        field: str | None = None,
        cell: str | None = None,
        lang: Lang = "da",
        **params: Any,
    ) -> Issue:
        """Build the issue for `code`, its message rendered in `lang`."""
        severity = MESSAGES[code][0]
        return cls(
            severity=severity,
            code=code,
            field=field,
            cell=cell,
            message=render(code, cell, lang, params),
            params=params,
        )

    def in_language(self, lang: Lang) -> Issue:
        """The same issue with its message in another language."""
        return self.model_copy(update={"message": render(self.code, self.cell, lang, self.params)})

    @property
    def is_error(self) -> bool:
        """True for errors, False for warnings and notes."""
        return self.severity == "error"


class _Defaults(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def render(code: str, cell: str | None, lang: Lang, params: dict[str, Any]) -> str:
    """The message of `code` in `lang` with its placeholders filled in (numbers written
    the language's way: 1.200,5 in Danish, 1,200.5 in English)."""
    _, da, en = MESSAGES[code]
    template = da if lang == "da" else en
    where = _WHERE[lang].format(cell=cell) if cell else ""
    shown = {
        key: number_text(value, lang) if key in _NUMBERS and _is_number(value) else value
        for key, value in params.items()
    }
    return template.format_map(_Defaults(shown, where=where))


_NUMBERS = frozenset({"value", "total"})  # parameters that are amounts when numeric


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def number_text(value: float, lang: Lang) -> str:
    """An amount as the language writes it: 1.200 / 12,5 (da), 1,200 / 12.5 (en)."""
    text = f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")
    if lang == "da":
        return text.replace(",", "X").replace(".", ",").replace("X", ".")
    return text


def has_errors(issues: Iterable[Issue]) -> bool:
    """True if any issue is an error."""
    return any(issue.is_error for issue in issues)
