"""The master's xlsxwriter plumbing: cells put straight into a worksheet's cell table, the
sheets and shared strings written out with less work per cell, byte for byte as xlsxwriter
writes them; and the texts' cut and row-height rules the cells follow."""

from __future__ import annotations

import functools
import io
import itertools
import math
import operator
import re
from collections.abc import Iterable
from typing import Any

from xlbudget.models import Amount

MAX_TEXT = 32_767  # Excel's limit for one cell
LINE_HEIGHT = 15.0  # points per line of 11-point Calibri
MAX_ROW_HEIGHT = 409.0  # Excel's largest row height


def _text(value: object) -> str:
    """Form text as it goes into a cell: a string, cut to Excel's limit."""
    return "" if value is None else str(value)[:MAX_TEXT]


def _put(ws: Any, row: int, col: int, value: object, cell_format: Any) -> None:
    """Write text as a string (never a formula, number or link); nothing becomes a blank cell."""
    text = _text(value)
    if text:
        ws.write_string(row, col, text, cell_format)
    else:
        ws.write_blank(row, col, None, cell_format)


def _lines_height(texts: list[str], per_lines: list[float]) -> float | None:
    """_height for texts already cut (_text) and characters per line already known."""
    lines = 1
    for text, per_line in zip(texts, per_lines, strict=True):
        if "\n" not in text:
            if len(text) <= per_line:
                continue
            needed = math.ceil(len(text) / per_line)  # one paragraph: the sum below
        else:
            needed = sum(math.ceil(max(len(p), 1) / per_line) for p in text.split("\n"))
        if needed > lines:
            lines = needed
    return None if lines == 1 else min(LINE_HEIGHT * lines, MAX_ROW_HEIGHT)


class _Texts(list[str]):
    """A column's texts as _text makes them, with the length of the longest."""

    longest = 0


def _texts(values: Iterable[object]) -> _Texts:
    """_text of each value; the values themselves when all are already str within the limit."""
    texts = _Texts(values)  # type: ignore[arg-type]
    plain = set(map(type, texts)) <= {str}
    longest = max(map(len, texts), default=0) if plain else MAX_TEXT + 1
    if longest > MAX_TEXT:
        texts = _Texts(map(_text, texts))
        longest = max(map(len, texts), default=0)
    texts.longest = longest
    return texts


def _lines(text: str, per_line: float) -> int:
    """The lines `text` (already cut) wraps to at `per_line` characters a line (_lines_height)."""
    if "\n" not in text:
        return 1 if len(text) <= per_line else math.ceil(len(text) / per_line)
    return sum(math.ceil(max(len(p), 1) / per_line) for p in text.split("\n"))


def _column_lines(columns: list[list[str]], per_lines: list[float]) -> list[int] | None:
    """The lines of each row of text columns (_lines_height, row by row); None if all are 1.

    A text's lines are worked out once per distinct text of its column (the forms repeat
    many texts), and only for texts too long for a line or with a line break."""
    counts = []
    for texts, per_line in zip(columns, per_lines, strict=True):
        longest = texts.longest if isinstance(texts, _Texts) else max(map(len, texts), default=0)
        if longest <= per_line and not any(map(str.__contains__, texts, itertools.repeat("\n"))):
            continue  # every text on one line
        lines = {
            text: 1 if len(text) <= per_line and "\n" not in text else _lines(text, per_line)
            for text in dict.fromkeys(texts)
        }
        counts.append(list(map(lines.__getitem__, texts)))
    if not counts:
        return None
    return counts[0] if len(counts) == 1 else list(map(max, *counts))


# --- the cell table, filled and written faster than xlsxwriter's public methods do it --------
#
# xlsxwriter's write_string / write_number / write_blank / set_row check and convert their
# arguments for every cell (~5 µs each), and its XML writer goes through generic attribute
# and escaping helpers for every cell (~5 µs more): for a master of 10,000 proposals that is
# most of the time spent writing it. _Cells puts cells into the worksheet's cell table exactly
# as those methods would, and _worksheet_class() writes the table out exactly as xlsxwriter
# does, byte for byte, only with less work per cell; any cell kind or option it does not
# know it leaves to xlsxwriter's own code.


# Control characters that XML does not allow (its text never holds them): a style number's
# stand-in of one character is replaced three times faster than one of several.
_TOKENS = [chr(code) for code in range(1, 32) if chr(code) not in "\t\n\r"]


def _token(number: int) -> str:
    """The stand-in, in a sheet's XML, for the style number of the sheet's `number`th format."""
    return _TOKENS[number] if number < len(_TOKENS) else f"\0{number}\0"


_PLAIN_KINDS = frozenset((str, int, float, type(None)))
_NUMBER_KINDS = frozenset((int, float, type(None)))
_UNPLANNED = object()
_VARIES = object()  # in _Cells._shapes: differs from row to row
_LETTERS = [
    "".join(chr(65 + d) for d in digits)
    for digits in ([col] if col < 26 else [col // 26 - 1, col % 26] for col in range(26 * 27))
]


class _Cells:
    """Cells put straight into an xlsxwriter worksheet's table, as its write_* methods would."""

    def __init__(self, ws: Any) -> None:
        from xlsxwriter import worksheet

        self.ws = ws
        self.table = ws.table
        self.index = ws.str_table._get_shared_string_index
        self.string = worksheet.CellStringTuple
        self.number_cell = worksheet.CellNumberTuple
        self.blank_cell = worksheet.CellBlankTuple
        self.row_info = worksheet.RowInfo
        self.max_rows = ws.xls_rowmax
        self.letters = _LETTERS
        self.tokens: dict[Any, str] = ws.tokens
        self.strings = ws.str_table
        self.plans: dict[tuple[tuple[Any, ...], ...], tuple[Any, ...]] = {}
        self.rows: tuple[int, int] | None = None  # the first and last row written
        self.cols: tuple[int, int] | None = None  # the first and last column written

    def _used(self, row: int, col: int) -> None:
        rows, cols = self.rows, self.cols
        if rows is None or cols is None:
            self.rows, self.cols = (row, row), (col, col)
            return
        if row < rows[0] or row > rows[1]:
            self.rows = (min(rows[0], row), max(rows[1], row))
        if col < cols[0] or col > cols[1]:
            self.cols = (min(cols[0], col), max(cols[1], col))

    def text(self, row: int, col: int, text: str, cell_format: Any) -> None:
        """_put for text already cut (_text): a string, or a blank cell when empty."""
        if cell_format is None or row >= self.max_rows or len(text) > MAX_TEXT // 2:
            # no format / beyond Excel's rows: xlsxwriter drops it; long: its UTF-16 check
            _put(self.ws, row, col, text, cell_format)
            return
        if text:
            self.table[row][col] = self.string(self.index(text), cell_format)
        else:
            self.table[row][col] = self.blank_cell(cell_format)
        self._used(row, col)

    def row(self, row: int, values: list[Any], formats: list[Any]) -> None:
        """A row of cells from column 0 on: a str is text (text()), an int or float a number,
        None a blank; each with the format at its place. Written as XML here, once (see
        _worksheet_class), unless a value needs xlsxwriter's own handling."""
        if row >= self.max_rows or None in formats:
            self._cell_by_cell(row, values, formats)
            return
        # rows of the same formats, value types and empty texts share one plan
        key = (tuple(formats), tuple(map(type, values)), tuple(map(bool, values)))
        plan = self.plans.get(key, _UNPLANNED)
        if plan is _UNPLANNED:
            plan = self.plans[key] = self._plan(key)
        if plan is None:  # bools, dates, too many columns...: xlsxwriter's own way
            self._cell_by_cell(row, values, formats)
            return
        pieces, places, first_uses, last = plan
        strings = [values[col] for kind, col in places if kind is str]
        if (strings and max(map(len, strings)) > MAX_TEXT // 2) or not all(
            math.isfinite(values[col]) for kind, col in places if kind is float
        ):
            self._cell_by_cell(row, values, formats)
            return
        # the shared string table's numbering, as _get_shared_string_index gives it
        table = self.strings.string_table
        add, size = table.setdefault, table.__len__
        number = str(row + 1)
        xml = [pieces[0]]
        for piece, (kind, col) in zip(pieces[1:], places, strict=True):
            if kind is None:
                xml.append(number)
            elif kind is str:
                xml.append(str(add(values[col], size())))
            else:
                xml.append(format(values[col], ".16G"))
            xml.append(piece)
        self.strings.count += len(strings)
        self.strings.unique_count = len(table)
        self.ws.bulk[row] = ("".join(xml), first_uses, 0, last)
        self._used_rows(row, row, last)

    def block(self, first: int, columns: list[list[Any]], formats: list[Any]) -> None:
        """row() for the rows from `first` on, given column by column: each column's values,
        and its format or a list of formats, one a row.

        The strings of all the rows are numbered at once and the rows of each shape are
        put together from their plan's pieces, without Python code for each cell; rows
        that row() may write cell by cell (a long text, a number that is not finite, …)
        make it go row by row."""
        count = len(columns[0]) if columns else 0
        shapes = self._shapes(first, columns, formats) if count else None
        if shapes is None:
            for i, values in enumerate(zip(*columns, strict=True)):
                row_formats = [f[i] if isinstance(f, list) else f for f in formats]
                self.row(first + i, list(values), row_formats)
            return
        keys, plans, text_cols, empties = shapes
        # number the strings in the order of the rows and their cells (empty texts are
        # blank cells), as _get_shared_string_index would one by one; each string's
        # number as text, made once
        table = self.strings.string_table
        texts = [columns[col] for col in text_cols]
        labels: dict[str, str] = {}
        if texts:
            strings = dict.fromkeys(
                filter(None, itertools.chain.from_iterable(zip(*texts, strict=True)))
            )
            fresh = itertools.filterfalse(table.__contains__, strings)
            table.update(zip(fresh, itertools.count(len(table))))
            self.strings.count += count * len(texts) - empties
            self.strings.unique_count = len(table)
            labels = dict(zip(strings, map(str, map(table.__getitem__, strings)), strict=True))
        numbers = list(map(str, range(first + 1, first + count + 1)))
        if keys is None:  # one shape
            groups: dict[Any, list[int] | None] = {None: None}
        else:
            groups = {}
            for i, key in enumerate(keys):
                groups.setdefault(key, []).append(i)  # type: ignore[union-attr]
        last = len(columns) - 1
        bulk = self.ws.bulk
        for key, places in groups.items():
            pieces, sources, first_uses, _ = plans[key]

            def pick(values: list[Any], places: list[int] | None = places) -> list[Any]:
                return values if places is None else list(map(values.__getitem__, places))

            streams: list[Iterable[str]] = [itertools.repeat(pieces[0])]
            for piece, (kind, col) in zip(pieces[1:], sources, strict=True):
                if kind is None:
                    streams.append(pick(numbers))
                elif kind is str:
                    streams.append(map(labels.__getitem__, pick(columns[col])))
                else:
                    streams.append(map(format, pick(columns[col]), itertools.repeat(".16G")))
                streams.append(itertools.repeat(piece))
            rows = range(first, first + count) if places is None else (first + i for i in places)
            xml = map("".join, zip(*streams, strict=False))  # pieces repeat without end
            repeat = itertools.repeat
            written = zip(xml, repeat(first_uses), repeat(0), repeat(last), strict=False)
            bulk.update(zip(rows, written, strict=False))
        self._used_rows(first, first + count - 1, last)

    def _shapes(
        self, first: int, columns: list[list[Any]], formats: list[Any]
    ) -> tuple[list[tuple[Any, ...]] | None, dict[Any, tuple[Any, ...]], list[int], int] | None:
        """For block(): each row's shape (None if all have one), the plan of each shape, the
        text columns and their number of empty texts; None to go row by row."""
        if first + len(columns[0]) > self.max_rows:
            return None
        # per column its value kind, truth and format; _VARIES where rows differ, the
        # varying parts (per row) in `varying`, in that order
        fixed: list[tuple[Any, Any, Any]] = []
        varying: list[Iterable[Any]] = []
        text_cols: list[int] = []
        empties = 0
        for col, (values, cell_format) in enumerate(zip(columns, formats, strict=True)):
            # _texts has looked at each text already
            texts = isinstance(values, _Texts)
            kinds = {str} if texts else set(map(type, values))
            truth: Any = True
            if kinds == {str}:
                longest = values.longest if texts else max(map(len, values))  # type: ignore[attr-defined]
                if longest > MAX_TEXT // 2:
                    return None
                kind: Any = str
                text_cols.append(col)
                empty = values.count("")
                if empty:
                    empties += empty
                    truth = _VARIES
                    varying.append(map(bool, values))
            elif kinds <= _NUMBER_KINDS:
                if float in kinds and not all(math.isfinite(v) for v in values if type(v) is float):
                    return None
                kind = kinds.pop() if len(kinds) == 1 else _VARIES
                if kind is _VARIES:
                    varying.append(map(type, values))
            else:
                return None
            if isinstance(cell_format, list):
                if None in cell_format:
                    return None
                varying.append(cell_format)
                cell_format = _VARIES
            elif cell_format is None:
                return None
            fixed.append((kind, truth, cell_format))
        keys = list(zip(*varying, strict=True)) if varying else None
        plans: dict[Any, tuple[Any, ...]] = {}
        for key in [None] if keys is None else dict.fromkeys(keys):
            parts = iter(key or ())
            shape: list[list[Any]] = [[], [], []]  # formats, kinds, truths
            for kind, truth, cell_format in fixed:
                shape[1].append(next(parts) if kind is _VARIES else kind)
                shape[2].append(next(parts) if truth is _VARIES else truth)
                shape[0].append(next(parts) if cell_format is _VARIES else cell_format)
            whole = (tuple(shape[0]), tuple(shape[1]), tuple(shape[2]))
            plan = self.plans.get(whole, _UNPLANNED)
            if plan is _UNPLANNED:
                plan = self.plans[whole] = self._plan(whole)
            if plan is None:
                return None
            plans[key] = plan
        return keys, plans, text_cols, empties

    def _used_rows(self, first: int, last: int, last_col: int) -> None:
        """_used for cells in columns 0 to `last_col` of rows `first` to `last`."""
        rows = self.rows
        if rows is None:
            self.rows, self.cols = (first, last), (0, last_col)
            return
        if first < rows[0] or last > rows[1]:
            self.rows = (min(rows[0], first), max(rows[1], last))
        cols = self.cols
        if cols is not None and (cols[0] > 0 or cols[1] < last_col):
            self.cols = (0, max(cols[1], last_col))

    def _plan(self, key: tuple[tuple[Any, ...], ...]) -> tuple[Any, ...] | None:
        """How row() and block() write a row of these formats, value types and truth values:
        the XML in pieces, between which the values go, and for each value what it is and
        its column (None: the row number; str: a text, as its string's number; int, float:
        a number), the formats in the order the row first uses them, the last column;
        None for values it leaves to xlsxwriter."""
        formats, kinds, truths = key
        if not set(kinds) <= _PLAIN_KINDS or len(kinds) > len(_LETTERS):
            return None
        tokens, letters = self.tokens, self.letters
        pieces: list[str] = []
        places: list[tuple[type | None, int]] = []
        piece = ""  # the XML since the last value
        for col, (cell_format, kind, truth) in enumerate(zip(formats, kinds, truths, strict=True)):
            token = tokens.get(cell_format)
            if token is None:
                token = tokens[cell_format] = _token(len(tokens))
            pieces.append(f'{piece}<c r="{letters[col]}')
            places.append((None, col))
            if kind is type(None) or (kind is str and not truth):
                piece = f'" s="{token}"/>'
                continue
            pieces.append(f'" s="{token}" t="s"><v>' if kind is str else f'" s="{token}"><v>')
            places.append((kind, col))
            piece = "</v></c>"
        pieces.append(piece)
        return tuple(pieces), tuple(places), tuple(dict.fromkeys(formats)), len(formats) - 1

    def _cell_by_cell(self, row: int, values: list[Any], formats: list[Any]) -> None:
        for col, (value, cell_format) in enumerate(zip(values, formats, strict=True)):
            if isinstance(value, str):
                self.text(row, col, value, cell_format)
            elif value is None:
                self.blank(row, col, cell_format)
            else:
                self.number(row, col, value, cell_format)

    def number(self, row: int, col: int, value: Amount, cell_format: Any) -> None:
        """write_number."""
        kind = type(value)
        if row >= self.max_rows or not (kind is int or (kind is float and math.isfinite(value))):
            self.ws.write_number(row, col, value, cell_format)
            return
        self.table[row][col] = self.number_cell(value, cell_format)
        self._used(row, col)

    def blank(self, row: int, col: int, cell_format: Any) -> None:
        """write_blank."""
        if cell_format is None or row >= self.max_rows:
            self.ws.write_blank(row, col, None, cell_format)
            return
        self.table[row][col] = self.blank_cell(cell_format)
        self._used(row, col)

    def row_height(self, row: int, height: float | None, level: int = 0) -> None:
        """set_row(row, height, None, {"level": level}) for a row of cells put here."""
        ws = self.ws
        pixels = int(height * 4.0 / 3.0 + 0.5) if height is not None else None
        if row >= self.max_rows or pixels == 0 or not 0 <= level <= 7:
            ws.set_row_pixels(row, pixels, None, {"level": level} if level else None)
            return
        if pixels is None:
            pixels = ws.default_row_height
        if level > ws.outline_row_level:
            ws.outline_row_level = level
        ws.row_info[row] = self.row_info(
            height=pixels, row_format=None, hidden=False, level=level, collapsed=False
        )
        ws.row_sizes[row] = [pixels, False]
        # set_row widens the dimensions by the row, at the first column used so far
        first = ws.dim_colmin
        if self.cols is not None:
            first = self.cols[0] if first is None else min(first, self.cols[0])
        self._used(row, 0 if first is None else first)

    def heights(self, first: int, count: int, lines: list[int] | None, level: int = 0) -> None:
        """row_height() for `count` rows from `first` on, of `lines` lines of text each
        (_column_lines; None: one each), as _lines_height gives the height of that many."""
        ws = self.ws
        heights = {
            n: None if n == 1 else min(LINE_HEIGHT * n, MAX_ROW_HEIGHT)
            for n in ({1} if lines is None else set(lines))
        }
        pixels = {
            n: ws.default_row_height if h is None else int(h * 4.0 / 3.0 + 0.5)
            for n, h in heights.items()
        }
        if first + count > self.max_rows or 0 in pixels.values() or not 0 <= level <= 7:
            for i in range(count):
                self.row_height(first + i, heights[1 if lines is None else lines[i]], level)
            return
        if not count:
            return
        if level > ws.outline_row_level:
            ws.outline_row_level = level
        # equal RowInfo tuples can be one and the same; row_sizes holds a list for each row
        infos = {
            n: self.row_info(height=px, row_format=None, hidden=False, level=level, collapsed=False)
            for n, px in pixels.items()
        }
        rows = range(first, first + count)
        each = [1] * count if lines is None else lines
        ws.row_info.update(zip(rows, map(infos.__getitem__, each), strict=True))
        sizes = map(list, zip(map(pixels.__getitem__, each), itertools.repeat(False)))
        ws.row_sizes.update(zip(rows, sizes, strict=True))
        # set_row widens the dimensions by the row, at the first column used so far
        col = ws.dim_colmin
        if self.cols is not None:
            col = self.cols[0] if col is None else min(col, self.cols[0])
        self._used(first, 0 if col is None else col)
        self._used(first + count - 1, 0 if col is None else col)

    def finish(self) -> None:
        """Widen the sheet's dimensions by every cell put here (write_* does it cell by cell)."""
        if self.rows is not None and self.cols is not None:
            self.ws._check_dimensions(self.rows[0], self.cols[0])
            self.ws._check_dimensions(self.rows[1], self.cols[1])


@functools.cache
def _workbook_class() -> type:
    """xlsxwriter's Workbook, writing its shared strings faster, and every one as plain text.

    xlsxwriter writes a string that starts with <r> and ends with </r> into the shared
    strings as it is, taking it for rich text markup: a form's text of that shape would go
    into the master as XML, not as text, and could break the file. Here every string is
    written as text; otherwise the part is the same, byte for byte, as xlsxwriter writes it
    (control characters as _xHHHH_, "preserve" for leading or trailing white space, & < >
    escaped), built with one pass of each substitution over all strings at once.
    """
    import zipfile

    import xlsxwriter
    import xlsxwriter.workbook
    from xlsxwriter.packager import Packager
    from xlsxwriter.sharedstrings import SharedStrings

    class PlainSharedStrings(SharedStrings):  # type: ignore[misc]
        def _write_sst_strings(self) -> None:
            strings = self.string_table.string_array
            # (where they start, the strings, their <si> elements) made by a forked child
            made = getattr(self.string_table, "made", None)
            if made is not None:
                first, theirs, xml = made
                last = first + len(theirs)
                if strings[first:last] == theirs:
                    head, tail = _si_elements(strings[:first]), _si_elements(strings[last:])
                    self.fh.write(head + xml + tail)
                    return
            self.fh.write(_si_elements(strings))

    class PlainPackager(Packager):  # type: ignore[misc]
        def _write_worksheet_files(self) -> None:
            # as Packager's, but a sheet a forked child wrote (made_xml) is taken as it is
            if not self.in_memory:
                super()._write_worksheet_files()
                return
            index = 1
            for worksheet in self.workbook.worksheets():
                if worksheet.is_chartsheet:
                    continue
                name = f"xl/worksheets/sheet{index}.xml"
                made = getattr(worksheet, "made_xml", None)
                if made is not None:
                    self.filenames.append((io.BytesIO(made), name, True))
                else:
                    if worksheet.constant_memory:
                        worksheet._opt_reopen()
                        worksheet._write_single_row()
                    worksheet._set_xml_writer(self._filename(name))
                    worksheet._assemble_xml_file()
                index += 1

        def _write_shared_strings_file(self) -> None:
            sst = PlainSharedStrings()
            sst.string_table = self.workbook.str_table
            if not self.workbook.str_table.count:
                return
            sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
            sst._assemble_xml_file()

    class QuickZip(zipfile.ZipFile):
        """Deflate at level 1: a third of the time of level 6, for a file a fifth larger."""

        def writestr(self, *args: Any, **kwargs: Any) -> None:
            kwargs["compresslevel"] = 1  # a ZipInfo's own level wins over the ZipFile's
            super().writestr(*args, **kwargs)

    class Workbook(xlsxwriter.Workbook):  # type: ignore[misc]
        def _get_packager(self) -> Packager:
            return PlainPackager()

        def _store_workbook(self) -> None:
            # xlsxwriter makes its ZipFile in here, at the default level (6)
            original, xlsxwriter.workbook.ZipFile = xlsxwriter.workbook.ZipFile, QuickZip
            try:
                super()._store_workbook()
            finally:
                xlsxwriter.workbook.ZipFile = original

    return Workbook


_SEPARATOR = "\ue000"  # a private-use character: no substitution touches or makes it
# what XMLwriter._escape_control_characters replaces, but for U+FFFE and U+FFFF
_ESCAPE_LIKE = re.compile("_x[0-9a-fA-F]{4}_")
_CONTROLS = tuple(map(chr, (*range(0x00, 0x09), *range(0x0B, 0x20))))
_SI_OPEN = ("<si><t>", '<si><t xml:space="preserve">')  # by white space at an end


def _escape_controls(text: str) -> str:
    """XMLwriter._escape_control_characters(text), without its slow search for control
    characters (a regular expression's character class) where a plain search finds none."""
    from xlsxwriter.xmlwriter import XMLwriter

    if _ESCAPE_LIKE.search(text) or any(map(text.__contains__, _CONTROLS)):
        return str(XMLwriter._escape_control_characters(text))
    return text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")


def _si_elements(strings: list[str]) -> str:
    """The <si> elements of the shared strings, as xlsxwriter writes them, but as plain text.

    Each substitution is one pass over all strings at once; the elements are put together
    without Python code for each string."""
    joined = _SEPARATOR.join(strings)
    if joined.count(_SEPARATOR) != len(strings) - 1:  # none, or one holds it
        return "".join(_si(_escape_controls(string)) for string in strings)
    escaped = _escape_controls(joined)
    escaped = escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    texts = escaped.split(_SEPARATOR)
    # & < > escaped do not change what starts or ends a string, so white space there is
    # judged as xlsxwriter judges it, before escaping (re's \s is str.isspace())
    starts = map(str.isspace, map(operator.itemgetter(slice(0, 1)), texts))
    ends = map(str.isspace, map(operator.itemgetter(slice(-1, None)), texts))
    opens = map(_SI_OPEN.__getitem__, map(operator.or_, starts, ends))
    closes = itertools.repeat("</t></si>")
    return "".join(itertools.chain.from_iterable(zip(opens, texts, closes, strict=False)))


def _si(string: str) -> str:
    """A shared string (control characters already escaped) as its <si> element."""
    text = string.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SI_OPEN[text[:1].isspace() or text[-1:].isspace()] + text + "</t></si>"


@functools.cache
def _worksheet_class() -> type:
    """xlsxwriter's Worksheet, writing its cell table the same, byte for byte, but faster."""
    from xlsxwriter import worksheet
    from xlsxwriter.utility import xl_col_to_name

    string, number = worksheet.CellStringTuple, worksheet.CellNumberTuple
    datetime, blank = worksheet.CellDatetimeTuple, worksheet.CellBlankTuple
    formula = worksheet.CellFormulaTuple
    errors = frozenset(("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"))
    letters: dict[int, str] = {}

    class Worksheet(worksheet.Worksheet):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            # rows _Cells.row and .block wrote as XML: row -> (cells, formats in first use,
            # first and last column); their style numbers stand as tokens until written
            self.bulk: dict[int, tuple[str, tuple[Any, ...], int, int]] = {}
            self.tokens: dict[Any, str] = {}

        def _calculate_spans(self) -> None:
            spans: dict[int, str] = {}
            low: int | None = None
            high = 0
            colmin, colmax, last = self.dim_colmin, self.dim_colmax, self.dim_rowmax
            table, comments, bulk = self.table, self.comments, self.bulk
            others = table.keys() | comments.keys()  # rows with cells not in bulk
            texts: dict[str, str] = {}
            for row in range(self.dim_rowmin, last + 1):
                written = bulk.get(row)
                if written is not None:
                    lo = written[2] if written[2] > colmin else colmin
                    hi = written[3] if written[3] < colmax else colmax
                    if lo <= hi:
                        if low is None:
                            low, high = lo, hi
                        else:
                            if lo < low:
                                low = lo
                            if hi > high:
                                high = hi
                for used in (table.get(row), comments.get(row)) if row in others else ():
                    if not used:
                        continue
                    cols = [col for col in used if colmin <= col <= colmax]
                    if cols:
                        lo, hi = min(cols), max(cols)
                        if low is None:
                            low, high = lo, hi
                        else:
                            low, high = min(low, lo), max(high, hi)
                if ((row + 1) % 16 == 0 or row == last) and low is not None:
                    span = f"{low + 1}:{high + 1}"
                    spans[row // 16] = texts.setdefault(span, span)  # one object: see _write_rows
                    low = None
            self.row_spans = spans

        def _row_tag(self, row: int, spans: str | None, info: Any, empty: bool) -> str:
            # _write_row's attributes, in its order
            if info:
                height, row_format = info.height, info.row_format
                hidden, level, collapsed = info.hidden, info.level, info.collapsed
            else:
                height, row_format, hidden, level, collapsed = None, None, 0, 0, 0
            if height is None:
                height = self.default_row_height
            tag = f'<row r="{row + 1}"'
            xf_index = row_format._get_xf_index() if row_format else 0
            if spans:
                tag += f' spans="{spans}"'
            if xf_index:
                tag += f' s="{xf_index}"'
            if row_format:
                tag += ' customFormat="1"'
            original = self.original_row_height
            custom = height != original or (
                height == original and height != self.default_row_height
            )
            if custom:
                tag += f' ht="{height * 0.75:.16g}"'
            if hidden:
                tag += ' hidden="1"'
            if custom:
                tag += ' customHeight="1"'
            if level:
                tag += f' outlineLevel="{level}"'
            if collapsed:
                tag += ' collapsed="1"'
            if self.excel_version == 2010:
                tag += ' x14ac:dyDescent="0.25"'
            return tag + ("/>" if empty else ">")

        def _write_rows(self) -> None:
            if self.constant_memory:
                super()._write_rows()
                return
            self._calculate_spans()
            out: list[str] = []
            write = out.append
            escape = self._escape_data
            table, row_info, comments, spans = (
                self.table,
                self.row_info,
                self.comments,
                self.row_spans,
            )
            bulk = self.bulk
            tags: dict[tuple[Any, ...], str] = {}
            colmin, colmax = self.dim_colmin, self.dim_colmax
            # rows of one block share their formats' tuple, and their RowInfo where their
            # height is the same: what the previous row did need not be done again
            uses_before: tuple[Any, ...] | None = None
            span_before, info_before, rest = None, None, ""
            for row in range(self.dim_rowmin, self.dim_rowmax + 1):
                written = bulk.get(row)
                if written is not None:
                    if written[1] is not uses_before:
                        for cell_format in written[1]:  # style numbers in order of first use
                            cell_format._get_xf_index()
                        uses_before = written[1]
                    span, info = spans.get(row // 16), row_info.get(row)
                    if info is not None and info.row_format:
                        write(self._row_tag(row, span, info, False))
                    else:  # the same attributes after r for the same span, height and level
                        if span is not span_before or info is not info_before:
                            key = (span, None)
                            if info is not None:
                                key = (span, info.height, info.hidden, info.level, info.collapsed)
                            cached = tags.get(key)
                            if cached is None:
                                tag = self._row_tag(row, span, info, False)
                                cached = tags[key] = tag[len(f'<row r="{row + 1}"') :]
                            span_before, info_before, rest = span, info, cached
                        write(f'<row r="{row + 1}"{rest}')
                    write(written[0])
                    write("</row>")
                    continue
                cells = table.get(row)
                info = row_info.get(row)
                if not cells:
                    if info is not None or row in comments:
                        write(self._row_tag(row, spans.get(row // 16), info, True))
                    continue
                write(self._row_tag(row, spans.get(row // 16), info, False))
                number_text = str(row + 1)
                for col in sorted(cells):
                    if col < colmin or col > colmax:
                        continue
                    cell = cells[col]
                    kind = type(cell)
                    cell_format = cell.format
                    if not cell_format or kind not in (string, number, datetime, blank, formula):
                        # row or column formats, rich strings, booleans...: xlsxwriter's own code
                        own, self.fh = self.fh, io.StringIO()
                        try:
                            self._write_cell(row, col, cell)
                            write(self.fh.getvalue())
                        finally:
                            self.fh = own
                        continue
                    name = letters.get(col)
                    if name is None:
                        name = letters[col] = xl_col_to_name(col)
                    head = f'<c r="{name}{number_text}" s="{cell_format._get_xf_index()}"'
                    if kind is string:
                        write(f'{head} t="s"><v>{cell.string}</v></c>')
                    elif kind is blank:
                        write(f"{head}/>")
                    elif kind is formula:
                        value = cell.value
                        if isinstance(value, bool):
                            head += ' t="b"'
                            value = 1 if value else 0
                        elif isinstance(value, str) and value:
                            head += ' t="e"' if value in errors else ' t="str"'
                        write(f"{head}><f>{escape(cell.formula)}</f><v>{escape(value)}</v></c>")
                    else:
                        write(f"{head}><v>{cell.number:.16G}</v></c>")
                write("</row>")
            xml = "".join(out)
            for cell_format, token in self.tokens.items():
                xml = xml.replace(token, str(cell_format._get_xf_index()))
            self.fh.write(xml)

    return Worksheet
