"""Extract stage: find the form's fields in a workbook, by defined names first, labels second."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, TypeVar

from xlbudget.parse import YEAR_FLOATS, is_tick, parse_year
from xlbudget.read import Pos, Sheet, Workbook, cell_ref
from xlbudget.spec import MAX_LABEL_CHARS, FieldKind, FormSpec, normalise_label

MAX_VALUE_GAP = 8  # how far right of a label a value may sit (blank or merged columns between)
MIN_LABELS = 3  # labels a sheet needs before it counts as holding the form
_CORE_KEYS = frozenset(
    {"kind", "nr", "committee", "department", "years", "amounts", "subject", "accounts"}
)
_GRID_KINDS = (FieldKind.CHOICE, FieldKind.YEARS, FieldKind.AMOUNTS)  # not found right of a label
H = TypeVar("H", bound=Hashable)


class Found(NamedTuple):
    """A value as found in the workbook, with the cell it came from (or belongs in, if blank)."""

    value: Any
    sheet: str
    row: int
    col: int

    @property
    def cell(self) -> str:
        """The sheet-qualified address, e.g. Ark1!C9."""
        return cell_ref(self.sheet, self.row, self.col)

    @property
    def blank(self) -> bool:
        """True when no value was there."""
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())


@dataclass
class KindFound:
    """What the kind field holds: the ticked options, or a typed choice."""

    at: Found
    ticked: list[str] = field(default_factory=list)
    tick_cells: list[Found] = field(default_factory=list)
    typed: str | None = None


@dataclass
class ExtractedForm:
    """The raw fields of one form, each with its source cell."""

    sheet: str
    via: Literal["names", "labels"]
    fields: dict[str, Found] = field(default_factory=dict)
    not_found: set[str] = field(default_factory=set)
    years: list[Found] = field(default_factory=list)
    amounts: list[Found] = field(default_factory=list)
    kind: KindFound | None = None


class _Plan:
    """What extract reads of a spec, made once per spec, as plain attributes: reading an
    attribute of a pydantic model (spec.memo, spec.choice) goes through its __getattr__ hook,
    a few hundred instructions each, and a form read a dozen."""

    __slots__ = ("field_kinds", "field_names", "matcher", "options", "spec", "texts", "ticks")

    def __init__(self, spec: FormSpec) -> None:
        self.spec = spec
        self.texts: dict[str, _TextInfo] = spec.memo("texts", dict)
        self.matcher = spec.matcher()
        # each field's key; whether its value is not beside its label; whether it is rich text
        self.field_kinds = tuple(
            (f.key, f.kind in _GRID_KINDS, f.kind == FieldKind.RICH_TEXT) for f in spec.fields
        )
        # each field with its defined name and its first per-year name
        self.field_names = [(f, f.defined_name(), f.defined_name(1)) for f in spec.fields]
        # each option of the kind field with its folded form, as _option_in compares them
        self.options = tuple((o, _ascii_fold(o.casefold())) for o in spec.choice.options)
        self.ticks = spec.choice.ticks


def _plan(spec: FormSpec) -> _Plan:
    """The spec's plan, made once per spec."""
    return spec.memo("extract plan", lambda: _Plan(spec))


def extract(workbook: Workbook, spec: FormSpec) -> ExtractedForm | None:
    """The first filled form of a workbook; None when no sheet holds one."""
    found = extract_forms(workbook, spec)
    return found.forms[0] if found.forms else None


@dataclass
class FormsFound:
    """Every sheet of a workbook that holds the form: the filled ones to read, and the sheets
    passed over (blank copies, and hidden sheets with a filled form: old versions, mostly)."""

    forms: list[ExtractedForm] = field(default_factory=list)
    blank: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)


def extract_forms(workbook: Workbook, spec: FormSpec) -> FormsFound:
    """Find the form on every sheet: defined names where they point, labels elsewhere."""
    plan = _plan(spec)
    found = FormsFound()
    by_names = _extract_by_names(workbook, plan)
    candidates: list[tuple[Sheet, ExtractedForm]] = []
    for sheet in workbook.sheets:
        if by_names is not None and sheet.name == by_names.sheet:
            candidates.append((sheet, by_names))
            continue
        scan = _scan(sheet, plan)
        if len(_CORE_KEYS & scan.labels.keys()) >= MIN_LABELS:  # else a logo, a list: no form
            candidates.append((sheet, _extract_by_labels(sheet, scan, plan)))
    # A sheet that names the fields but has no budget years (an instructions sheet that
    # explains them, say) is a form only where no sheet of the workbook has years.
    if any(form.years for _, form in candidates):
        candidates = [(sheet, form) for sheet, form in candidates if form.years]
    for sheet, form in candidates:
        if not is_filled(form):
            found.blank.append(sheet.name)
        elif not sheet.visible:
            found.hidden.append(sheet.name)
        else:
            found.forms.append(form)
    return found


# Fields that a blank copy may hold already: the template writes the years, and a finance
# office may hand out copies with the committee or department filled in.
_PREFILLED_KEYS = frozenset({"years", "committee", "department"})


def is_filled(form: ExtractedForm) -> bool:
    """Whether anyone has filled the form in: a tick, a number, a text or an amount not 0."""
    if form.kind is not None and (form.kind.ticked or form.kind.typed):
        return True
    if any(not a.blank and a.value != 0 for a in form.amounts):
        return True
    return any(not f.blank for key, f in form.fields.items() if key not in _PREFILLED_KEYS)


def _most_common(items: list[H]) -> H:
    """The item seen most often; of a tie, the one seen first."""
    return Counter(items).most_common(1)[0][0]


# --- defined names (forms made from our template) -------------------------------------------


def _extract_by_names(workbook: Workbook, plan: _Plan) -> ExtractedForm | None:
    names = workbook.defined_names
    if not names:
        return None
    spec = plan.spec
    hits = [f for f, name, first in plan.field_names if name in names or first in names]
    if len(hits) < MIN_LABELS:
        return None
    sheet_name = _most_common([names[_first_name(f, names)][0] for f in hits])
    sheet = workbook.sheet(sheet_name)
    if sheet is None:
        return None
    form = ExtractedForm(sheet=sheet.name, via="names")
    for spec_field in spec.fields:
        key = spec_field.key
        if spec_field.is_per_year:
            cells = []
            index = 1
            while (target := names.get(spec_field.defined_name(index))) and target[0] == sheet.name:
                cells.append(_found(sheet, target[1], target[2]))
                index += 1
            if cells:
                setattr(form, key, cells)
            continue
        target = names.get(spec_field.defined_name())
        if target and target[0] == sheet.name:
            found = _found(sheet, target[1], target[2])
            if key == "kind":
                form.kind = _kind_from_cell(found, plan)
            else:
                form.fields[key] = found
    missing_names = [
        f
        for f in spec.fields
        if f.key not in form.fields
        and f.key != "kind"
        and not (f.is_per_year and getattr(form, f.key))
    ]
    if form.kind is None or missing_names:
        fallback = _extract_by_labels(sheet, _scan(sheet, plan), plan)
        form.kind = form.kind or fallback.kind
        for spec_field in missing_names:
            key = spec_field.key
            if spec_field.is_per_year:
                setattr(form, key, getattr(fallback, key))
            elif key in fallback.fields:
                form.fields[key] = fallback.fields[key]
        form.not_found = {k for k in fallback.not_found if k not in form.fields}
        form.not_found -= {"kind"} if form.kind else set()
        form.not_found -= {"years"} if form.years else set()
        form.not_found -= {"amounts"} if form.amounts else set()
    return form


def _first_name(spec_field: Any, names: dict[str, tuple[str, int, int]]) -> str:
    return (
        spec_field.defined_name()
        if spec_field.defined_name() in names
        else spec_field.defined_name(1)
    )


# --- labels (forms copied, retyped, shifted) --------------------------------------------------


class _TextInfo:
    """What a text cell is to the extractor: a label, an option of the kind field, or neither.

    A class with slots, not a NamedTuple: _scan reads two or three fields of each text cell,
    and a slot is read in a few instructions where a NamedTuple field takes ~150.
    """

    __slots__ = ("inline", "inside", "label", "option")

    def __init__(self, label: str | None, inline: str, option: str | None, inside: bool) -> None:
        self.label = label  # the key of the field whose label it is
        self.inline = inline  # the value typed after the label in its cell ('Nr.: BFdr-001'), or ""
        self.option = option  # the option of the kind field it names
        self.inside = inside  # the option is ticked inside the cell ('X Råderum')


MEMO_TEXT_CHARS = 300  # texts longer than a label are answers: not remembered
MEMO_SIZE = 20_000


def _text_info(text: str, plan: _Plan) -> _TextInfo:
    """What a cell's text is; every form repeats the labels, so the answers are remembered."""
    seen = plan.texts
    info = seen.get(text)
    if info is None:
        # normalised once, for the label matcher and for the options
        matcher = plan.matcher
        norm = normalise_label(text) if len(text) <= MAX_LABEL_CHARS else ""
        key = matcher.field_for_normalised(norm)
        inline = ""
        if key is None and ":" in text:  # 'Nr.: BFdr-001' typed in one cell
            head, inline = _inline_label(text)
            key = matcher.field_for_normalised(normalise_label(head))
            if key is None:
                inline = ""
        option, inside = _option_in(norm, plan) if len(text) <= 40 else _NO_OPTION
        info = _TextInfo(key, inline, option, inside)
        if len(text) <= MEMO_TEXT_CHARS:
            if len(seen) >= MEMO_SIZE:
                seen.clear()
            seen[text] = info
    return info


class _Scan(NamedTuple):
    """The labels and options found on a sheet."""

    labels: dict[str, Pos]  # the label cell of each field found
    options: dict[Pos, str]  # every cell naming an option of the kind field, in sheet order
    inline: dict[Pos, str]  # the label cells holding their value too, with the value


def _scan(sheet: Sheet, plan: _Plan) -> _Scan:
    """Every label and option on a sheet, in one pass over its cells."""
    seen = plan.texts
    hits: list[tuple[Pos, str]] = []
    options: dict[Pos, str] = {}
    inline: dict[Pos, str] = {}
    for pos, value in sheet.cells.items():
        if isinstance(value, str):
            info = seen.get(value) or _text_info(value, plan)
            if info.label is not None:
                hits.append((pos, info.label))
                if info.inline:
                    inline[pos] = info.inline
            if info.option:
                options[pos] = info.option
    labels = {key: pos for pos, key in hits}
    if len(labels) < len(hits):  # a label written twice: choose (each once: nothing to choose)
        labels = _choose_labels(hits)
    return _Scan(labels, options, inline)


def _choose_labels(hits: list[tuple[Pos, str]]) -> dict[str, Pos]:
    """The label cell of each field, preferring the form's label column."""
    hits.sort()  # reading order
    labels: dict[str, Pos] = {}  # the first label of each field
    repeated: dict[str, list[Pos]] = {}  # every label of the fields labelled more than once
    for pos, key in hits:
        if key in labels:
            repeated.setdefault(key, [labels[key]]).append(pos)
        else:
            labels[key] = pos
    if repeated:
        # of a label written twice, the one in the column where the first labels mostly are
        label_col = _most_common([pos[1] for pos in labels.values()])
        for key, positions in repeated.items():
            labels[key] = next((p for p in positions if p[1] == label_col), positions[0])
    return labels


def _extract_by_labels(sheet: Sheet, scan: _Scan, plan: _Plan) -> ExtractedForm:
    form = ExtractedForm(sheet=sheet.name, via="labels")
    labels, all_options, inline = scan.labels, scan.options, scan.inline
    label_cells = {*labels.values(), *all_options}
    label_rows = {row for row, _ in label_cells}
    value_cols: list[int] = []
    pending: list[tuple[str, Pos]] = []
    fields = form.fields
    for key, in_grid, rich in plan.field_kinds:
        label = labels.get(key)
        if label is None:
            form.not_found.add(key)
            continue
        if in_grid:
            continue
        row, col = label
        found = _value_right_or_below(sheet, label, label_cells, inline.get(label))
        if found is None:
            pending.append((key, label))
            continue
        found_row, found_col = found.row, found.col
        if found_row == row:
            if rich and row + 1 not in label_rows:
                found = _with_continuation(sheet, found, col, label_rows)
            value_cols.append(found_col - col)
        fields[key] = found
    offset = _most_common(value_cols) if value_cols else 1
    for key, (row, col) in pending:
        form.fields[key] = Found(None, sheet.name, row, col + offset)
    _extract_years_and_amounts(sheet, labels, form, offset)
    if "kind" in labels:
        form.kind = _extract_kind(sheet, labels["kind"], plan, label_cells, offset, all_options)
        form.not_found.discard("kind")
    elif all_options:
        row = _most_common([pos[0] for pos in all_options])
        first = min(p for p in all_options if p[0] == row)
        form.kind = _extract_kind(sheet, (row, first[1] - 1), plan, label_cells, 1, all_options)
        form.not_found.discard("kind")
    return form


MAX_CONTINUATION_ROWS = 30


def _with_continuation(sheet: Sheet, found: Found, label_col: int, label_rows: set[int]) -> Found:
    """A text that goes on in the rows below its first cell, with no label beside them."""
    parts = [str(found.value)]
    row = found.row + 1
    while row <= found.row + MAX_CONTINUATION_ROWS and row not in label_rows:
        value = sheet.get(row, found.col)
        if value is None or sheet.get(row, label_col) is not None or not isinstance(value, str):
            break
        parts.append(value)
        row += 1
    if len(parts) == 1:
        return found
    return Found("\n\n".join(parts), found.sheet, found.row, found.col)


def _inline_label(text: str) -> tuple[str, str]:
    """'Nr.: BFdr-001' typed in one cell -> ('Nr.', 'BFdr-001'); ('', '') when not so."""
    head, colon, tail = text.partition(":")
    if not colon or not tail.strip() or len(head) > 120 or "\n" in head:
        return "", ""
    return head, tail.strip()


def _value_right_or_below(
    sheet: Sheet, label: Pos, label_cells: set[Pos], inline: str | None = None
) -> Found | None:
    """The value of a label: typed after it in its cell (`inline`), right of it, or below it."""
    row, col = label
    if inline:
        return Found(inline, sheet.name, row, col)
    cells = sheet.cells
    for c in range(col + 1, col + 1 + MAX_VALUE_GAP):
        pos = (row, c)
        if pos in label_cells:
            break
        value = cells.get(pos)
        if value is not None and str(value).strip():
            return Found(value, sheet.name, row, c)
    below = cells.get((row + 1, col))
    if below is not None and (row + 1, col) not in label_cells and isinstance(below, str):
        return Found(below, sheet.name, row + 1, col)
    return None


def _extract_years_and_amounts(
    sheet: Sheet, labels: dict[str, Pos], form: ExtractedForm, offset: int
) -> None:
    cells, name = sheet.cells, sheet.name
    year_row = labels["years"][0] if "years" in labels else None
    amount_label = labels.get("amounts")
    year_cols = _year_cells(cells, year_row) if year_row is not None else []
    if not year_cols:
        year_row = _guess_year_row(cells, amount_label)
        year_cols = _year_cells(cells, year_row) if year_row is not None else []
    if year_row is not None:
        form.years = [Found(cells.get((year_row, c)), name, year_row, c) for c in year_cols]
        form.not_found.discard("years")
    if amount_label is None and year_row is not None:
        amount_label = (year_row + 1, labels.get("years", (year_row, -1))[1])
        form.not_found.discard("amounts")
    if amount_label is None:
        return
    row, col = amount_label
    if form.years:  # in the years' columns (year_cols, as form.years holds them)
        form.amounts = [Found(cells.get((row, c)), name, row, c) for c in year_cols]
    else:
        cols = sorted(c for (r, c) in cells if r == row and col < c <= col + MAX_VALUE_GAP)
        form.amounts = [Found(cells.get((row, c)), name, row, c) for c in cols] or [
            Found(None, name, row, col + offset)
        ]


def _year_cells(cells: dict[Pos, Any], row: int) -> list[int]:
    """The columns of the row's cells that hold a year, left to right, if two or more do."""
    in_row = [c for r, c in cells if r == row]
    # a float is a year if it is one of YEAR_FLOATS (parse_year's rule), found without a call
    cols = [
        c
        for c in in_row
        if (
            value in YEAR_FLOATS
            if type(value := cells[row, c]) is float
            else parse_year(value) is not None
        )
    ]
    return sorted(cols) if len(cols) >= 2 else []


def _guess_year_row(cells: dict[Pos, Any], amount_label: Pos | None) -> int | None:
    if amount_label is not None:
        for row in (amount_label[0] - 1, amount_label[0] - 2):
            if _year_cells(cells, row):
                return row
    return None


# --- the kind: Råderum or Ønske ---------------------------------------------------------------


_NO_OPTION: tuple[str | None, bool] = (None, False)


def _option_of(value: Any, plan: _Plan) -> tuple[str | None, bool]:
    """(option, ticked-inside) if a cell names an option, like 'Ønske' or 'X Råderum'."""
    if not isinstance(value, str):
        return _NO_OPTION
    info = _text_info(value, plan)
    return info.option, info.inside


def _ascii_fold(text: str) -> str:
    """Danish letters as people type them without them: ø/oe -> o, å/aa -> a, æ -> ae."""
    return text.replace("å", "a").replace("aa", "a").replace("ø", "o").replace("oe", "o")


def _option_in(label: str, plan: _Plan) -> tuple[str | None, bool]:
    """The option a text names, from the text as normalise_label gives it."""
    norm = _ascii_fold(label)
    ticks = plan.ticks
    for option, opt in plan.options:
        if norm == opt:
            return option, False
        words = norm.replace(opt, " ").split()
        if opt in norm and words and all(w in ticks or w in "[]()☒☑" for w in words):
            return option, True
    return None, False


def _kind_from_cell(found: Found, plan: _Plan) -> KindFound:
    option, _ = _option_of(found.value, plan)
    if option:
        return KindFound(at=found, ticked=[option], tick_cells=[found])
    return KindFound(at=found, typed=None if found.blank else str(found.value))


def _extract_kind(
    sheet: Sheet,
    label: Pos,
    plan: _Plan,
    label_cells: set[Pos],
    offset: int,
    all_options: dict[Pos, str],
) -> KindFound:
    row, col = label
    # options right of the label (and ticks right or below), or listed under it
    options = {
        pos: opt
        for pos, opt in all_options.items()
        if row <= pos[0] <= row + 2 and (pos[1] > col or (pos[1] == col and pos[0] > row))
    }
    cells, name = sheet.cells, sheet.name
    value_at = Found(cells.get((row, col + offset)), name, row, col + offset)
    if not options:
        typed = _value_right_or_below(sheet, label, label_cells)
        return _kind_from_cell(typed, plan) if typed else KindFound(at=value_at)
    ticks = plan.ticks
    ticked: list[str] = []
    tick_cells: list[Found] = []
    for (orow, ocol), option in sorted(options.items()):
        here = cells.get((orow, ocol))
        if _option_of(here, plan)[1]:  # ticked in its own cell: 'X Råderum'
            ticked.append(option)
            tick_cells.append(Found(here, name, orow, ocol))
            continue
        for r, c in ((orow, ocol + 1), (orow + 1, ocol), (orow, ocol - 1)):
            if (r, c) in options:
                continue
            if c == ocol - 1 and ((orow, ocol - 2) in options or (r, c) == (row, col)):
                continue  # a tick right after another option belongs to that option
            value = cells.get((r, c))
            if value is not None and is_tick(value, ticks):
                ticked.append(option)
                tick_cells.append(Found(value, name, r, c))
                break
    if len(options) == 1 and not ticked:
        ((pos, option),) = options.items()
        if pos == (row, value_at.col) or pos[1] == col + 1:
            return KindFound(
                at=_found(sheet, *pos), ticked=[option], tick_cells=[_found(sheet, *pos)]
            )
    return KindFound(at=value_at, ticked=ticked, tick_cells=tick_cells)


def _found(sheet: Sheet, row: int, col: int) -> Found:
    return Found(sheet.cells.get((row, col)), sheet.name, row, col)
