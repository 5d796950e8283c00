"""Parse what people type: Danish numbers, years, proposal numbers, account codes, HTML, ticks."""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser

from xlbudget.models import Account, Amount

# Danish accountants write minus as ÷; Word and Excel autocorrect turn "-" into dashes
# (replaced by pattern: str.translate with a dict costs a dict lookup per character)
_MINUSES = re.compile("[\u2212\u2012\u2013\u2014\ufe63\uff0d\u00f7]")
_SPACES = re.compile("[\u00a0\u202f\u2009\u2007\u200b\t]")
_UNIT = re.compile(r"\s*(?:t\.?\s?kr\.?|1\.000\s?kr\.?|kr\.?|dkk)$", re.IGNORECASE)
_GROUPED = re.compile(r"^\d{1,3}(?:([. ])\d{3})(?:\1\d{3})*(?:,\d+)?$")
_PLAIN = re.compile(r"^\d+(?:[.,]\d+)?$")
_SPACE_GROUPED = re.compile(r"\d{1,3}(?: \d{3})+")


def as_number(value: float) -> Amount:
    """A float that is whole becomes an int: 800.0 -> 800."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


_INFINITY = float("inf")


def parse_amount(value: object) -> Amount | None:
    """A number from a cell value, reading text in Danish notation; None if it is no number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return as_number(float(value)) if value == value and abs(value) != _INFINITY else None
    if not isinstance(value, str):
        return None
    text = _MINUSES.sub("-", unicodedata.normalize("NFKC", _SPACES.sub(" ", value))).strip()
    text = _UNIT.sub("", text).strip()
    if text in ("-", "--", "0"):
        return 0
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    if text[:1] in "+-" and text:
        negative ^= text[0] == "-"
        text = text[1:].strip()
    if text.endswith("-") and text[:-1].strip().replace(".", "").isdigit():
        negative, text = not negative, text[:-1].strip()
    number = _danish_digits(text)
    if number is None:
        return None
    return as_number(-number if negative else number)


def _danish_digits(text: str) -> float | None:
    if not text:
        return None
    if _GROUPED.match(text):
        whole, _, fraction = text.replace(".", "").replace(" ", "").partition(",")
        return float(f"{whole}.{fraction or 0}")
    compact = text.replace(" ", "") if _SPACE_GROUPED.fullmatch(text) else text
    if _PLAIN.match(compact):
        return float(compact.replace(",", "."))
    return None


def format_danish(value: float, decimals: int = 2) -> str:
    """A number as Danes write it: 1.200, -350, 12,5 (decimals only when not whole)."""
    text = f"{int(value):,}" if float(value).is_integer() else f"{value:,.{decimals}f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


_YEAR = re.compile(r"(?<!\d)(19\d{2}|2[01]\d{2}|2200)(?!\d)")
YEAR_FLOATS = frozenset(float(year) for year in range(1900, 2201))  # the floats parse_year takes


def parse_year(value: object) -> int | None:
    """A budget year from a cell: 2020, 2020.0, '2020', 'B2020', 'Budget 2020'; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() and 1900 <= value <= 2200 else None
    if isinstance(value, dt.date):
        return None
    if isinstance(value, str) and len(value) <= 30:
        found = _YEAR.findall(value)
        if len(found) == 1:
            return int(found[0])
    return None


@dataclass(frozen=True)
class ProposalNumber:
    """A proposal number split into committee prefix, form type and serial."""

    prefix: str
    type_code: str
    serial: str

    def __str__(self) -> str:
        return f"{self.prefix}{self.type_code}-{self.serial}"


_NR = re.compile(r"^([A-Za-zÆØÅæøåÄÖÜäöü]+(?:[-\s.][A-Za-zæøå]{1,3})?)\s*[-.]?\s*(\d{1,5})$")


_LETTER_JOINERS = re.compile(r"[-\s.]")
_PREFIX_TYPE = re.compile(r"^([A-ZÆØÅ]{1,6})([a-zæøå]{1,3})$")
_NR_TOKEN = re.compile(r"(?<![\w-])[A-Za-zÆØÅæøå]{2,9}(?:\s*-\s*|)\d{1,5}(?![\w-])")


def parse_proposal_number(
    text: str, type_code: str, prefixes: Iterable[str] = ()
) -> ProposalNumber | None:
    """A proposal number, also when it stands in a sentence: 'Forslag nr. BFdr-001'."""
    number = _parse_number_exactly(text, type_code, prefixes)
    if number is None and len(text) <= 80:
        found = {
            n
            for token in _NR_TOKEN.findall(text)
            if (n := _parse_number_exactly(token, type_code, prefixes)) is not None
        }
        number = found.pop() if len(found) == 1 else None
    return number


def _parse_number_exactly(
    text: str, type_code: str, prefixes: Iterable[str] = ()
) -> ProposalNumber | None:
    """Split 'BFdr-001' (also 'bfdr 001', 'BFDR-001') into its parts; None if not a number."""
    match = _NR.match(_MINUSES.sub("-", unicodedata.normalize("NFKC", text)).strip())
    if not match:
        return None
    letters, serial = match.groups()
    letters = _LETTER_JOINERS.sub("", letters)  # BF-dr-001, BF dr 001
    folded = letters.casefold()
    if folded.endswith(type_code.casefold()) and len(letters) > len(type_code):
        return ProposalNumber(letters[: -len(type_code)].upper(), type_code, serial)
    for prefix in sorted(prefixes, key=len, reverse=True):
        if folded.startswith(prefix.casefold()) and len(letters) > len(prefix):
            return ProposalNumber(prefix, letters[len(prefix) :].casefold(), serial)
    split = _PREFIX_TYPE.match(letters)
    if split:
        return ProposalNumber(split.group(1), split.group(2), serial)
    return None


# A code: 1-2 digits not after a digit, "." or ",", then two groups of two, one separator.
_ACCOUNT = re.compile(r"(?<![\d.,])(\d{1,2})([.\- ])(\d{2})\2(\d{2})(?:[.\-]\d{1,3})*(?!\d|[.,]\d)")
_JOINER = r"(?:\s|,|;|/|&|\bog\b|\+|-|–|:)"  # what stands between the accounts of a list
_JOINERS = re.compile(f"^{_JOINER}+|{_JOINER}+$", re.I)


def _strip_joiners(text: str) -> str:
    """The text without the joiners ('og', commas, dashes …) at its start and end."""
    return _JOINERS.sub("", text)


def parse_accounts(text: str) -> tuple[list[Account], list[str]]:
    """Account codes with their names from free text; also the code-like parts that are invalid."""
    return _read_accounts(text)


def _read_accounts(text: str) -> tuple[list[Account], list[str]]:
    accounts: list[Account] = []
    invalid: list[str] = []
    matches = list(_ACCOUNT.finditer(text))
    for index, match in enumerate(matches):
        main, _, group, function = match.groups()
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        name = _strip_joiners(text[match.end() : end]).strip() or None
        if int(main) > 9:
            invalid.append(match.group(0))
            continue
        accounts.append(Account(code=f"{int(main):02d}.{group}.{function}", name=name))
    return accounts, invalid


_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
_BULLET_SPLIT = re.compile(r"(?:^|\s)[-○•◦▪*·]\s+")


def looks_like_html(text: str) -> bool:
    """True if the text holds HTML tags or entities."""
    return bool(_TAG.search(text))


class _Blocks:
    """Paragraphs and list items of simple HTML, built from its tags and text as they come."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self._current: list[str] = []
        self._list_depth = 0
        self._in_item = False

    def _flush(self, bullet: bool = False) -> None:
        if not self._current:  # most tags follow another tag
            return
        text = " ".join("".join(self._current).split())  # what re "\s+" -> " ", strip() gives
        self._current = []
        if not text:
            return
        if bullet:
            self.blocks.append(f"• {text}")
        elif self._list_depth and not self._in_item:
            pieces = [p.strip() for p in _BULLET_SPLIT.split(" " + text) if p.strip()]
            self.blocks.extend(f"• {p}" for p in pieces)
        else:
            self.blocks.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("p", "div", "br", "h1", "h2", "h3", "h4", "tr", "table"):
            self._flush()
            if tag == "p" and not self._in_item:
                self._list_depth = 0  # a paragraph after an unclosed <ul> ends the list
        elif tag in ("ul", "ol"):
            self._flush()
            self._list_depth += 1
        elif tag == "li":
            self._flush()
            self._in_item = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "li":
            self._flush(bullet=True)
            self._in_item = False
        elif tag in ("ul", "ol"):
            self._flush()
            self._list_depth = max(0, self._list_depth - 1)
        elif tag in ("p", "div", "h1", "h2", "h3", "h4", "tr", "td"):
            self._flush()

    def handle_data(self, data: str) -> None:
        self._current.append(data)

    def finish(self) -> list[str]:
        self._flush(bullet=self._in_item)
        return self.blocks


class _TextExtractor(_Blocks, HTMLParser):
    """_Blocks driven by the standard library's HTML parser: any HTML, however odd."""

    def __init__(self) -> None:
        _Blocks.__init__(self)
        HTMLParser.__init__(self, convert_charrefs=True)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)


# A tag as HTMLParser reads it, in the plain shapes forms hold: <p>, </p >, <br/>,
# <ul style="list-style-type: none">, <o:p>. Text with any other "<" (comments, scripts,
# quoted ">", "5 < 6") goes to HTMLParser itself.
_SIMPLE_TAG = re.compile(
    r"<(?:/\s*(?P<end>[a-zA-Z][a-zA-Z0-9:-]*)\s*"
    r"|(?P<start>[a-zA-Z][a-zA-Z0-9:-]*)"
    r"(?:\s+[^\s\"'<>/=]+(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'<>/=`]+(?=[\s>])))?)*"
    r"\s*(?P<empty>/?))>"
)
_CDATA_TAGS = ("script", "style")  # HTMLParser reads their content raw


def _simple_blocks(text: str) -> list[str] | None:
    """The blocks of HTML made only of plain tags and text, as HTMLParser would give them
    to _Blocks; None when the text holds anything else (then HTMLParser reads it)."""
    # split() gives the text before each tag, then the tag's three groups (end, start, empty),
    # and last the text after the last tag: no match objects to ask
    parts = _SIMPLE_TAG.split(text)
    if len(parts) // 4 != text.count("<"):
        return None
    reader = _Blocks()
    pieces = iter(parts)  # four at a time; the text after the last tag is left over
    for data, end, start, empty in zip(pieces, pieces, pieces, pieces, strict=False):
        if data:
            reader.handle_data(html.unescape(data))
        if end is not None:
            reader.handle_endtag(end.lower())
            continue
        name = start.lower()
        if name in _CDATA_TAGS:
            return None
        reader.handle_starttag(name, [])
        if empty:
            reader.handle_endtag(name)
    if parts[-1]:
        reader.handle_data(html.unescape(parts[-1]))
    return reader.finish()


def html_blocks(text: str) -> list[str]:
    """The paragraphs and list items of HTML text, each a line of plain text."""
    blocks = _simple_blocks(text)
    if blocks is None:
        parser = _TextExtractor()
        parser.feed(text)
        parser.close()
        blocks = parser.finish()
    return blocks


def html_to_text(text: str) -> str:
    """Simple HTML to plain text: paragraphs as blank-line-separated blocks, list items as bullets."""
    # every tag starts with "<" and every entity with "&": most texts have neither
    if ("<" not in text and "&" not in text) or not looks_like_html(text):
        return text.strip()
    paragraphs: list[str] = []
    for block in html_blocks(text):
        if block.startswith("• ") and paragraphs and paragraphs[-1].startswith("• "):
            paragraphs[-1] += "\n" + block
        else:
            paragraphs.append(block)
    return html.unescape("\n\n".join(paragraphs)).strip()


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # Unicode category Cc but tab, newline


def clean_text(value: object) -> str | None:
    """Cell text trimmed and stripped of control characters; None when blank."""
    if isinstance(value, str):
        text = value
    elif value is None:
        return None
    else:
        text = str(as_number(value) if isinstance(value, float) else value)
    if not text.isprintable():  # rare but for line breaks: the pattern only when it may find
        text = _CONTROL.sub("", text)
    text = text.replace("_x000D_", "").strip()
    return text or None


def is_tick(value: object, ticks: tuple[str, ...]) -> bool:
    """True if a cell value is a tick mark: X, ✓, 1, TRUE, ja …"""
    if value is True:
        return True
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value == 1
    return isinstance(value, str) and value.strip().casefold() in ticks
