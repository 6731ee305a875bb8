"""Plain-text hygiene shared by every app: hidden characters and one-line texts.

Control characters (ESC, NUL, a line break in a one-line field) and the characters
that reorder text (right-to-left overrides such as U+202E) can make a text show
something other than what it holds: an email header split in two, a title that
reads backwards. Names go further: every invisible character is removed, so that
two names that look the same are the same.
"""

from __future__ import annotations

import re
import unicodedata

_LINE_BREAKS = "\n\r"
# Characters that change the direction text is shown in (overrides, embeddings,
# isolates and marks): Unicode's Bidi_Control property.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Invisible in a name: control (Cc) and format (Cf: bidi, zero-width spaces and
# joiners) characters, private use (Co), surrogates (Cs), line/paragraph separators.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})
_SPACES = re.compile(r"\s+")


def has_hidden_characters(text: str, *, multi_line: bool = False) -> bool:
    """True when the text holds a control character or one that reorders the display.

    Multi-line texts may hold line breaks and tabs; one-line texts may not.
    """
    allowed = "\n\r\t" if multi_line else ""
    for character in text:
        if character in allowed:
            continue
        if character in _BIDI_CONTROLS or unicodedata.category(character) in ("Cc", "Zl", "Zp"):
            return True
    return False


def visible_name(text: str) -> str:
    """A name as shown: invisible characters removed and spaces collapsed to one."""
    visible = "".join(
        " " if character.isspace() else character
        for character in text
        if character.isspace() or unicodedata.category(character) not in _INVISIBLE_CATEGORIES
    )
    return _SPACES.sub(" ", visible).strip()


def one_line(text: object) -> str:
    """The text on one line (an email subject or header): no line break, no control."""
    return visible_name(str(text))


def parse_bounded_int(value: object, *, minimum: int, maximum: int) -> int | None:
    """A whole number read from a request, or None when it is not one we accept.

    Only ASCII digits 0-9 count (an optional leading minus when `minimum` is below
    zero): "²" and "١٢٣" are digits to Python's `str.isdigit()` but not numbers to
    anyone typing one. The value must lie within [minimum, maximum]; a number too
    long to be in range is refused before it is converted, so 5,000 digits cost
    nothing.
    """
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = str(value).strip()
    digits = text[1:] if text.startswith("-") and minimum < 0 else text
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    longest = max(len(str(abs(minimum))), len(str(abs(maximum))))
    if len(digits.lstrip("0")) > longest:
        return None
    number = int(text)
    if number < minimum or number > maximum:
        return None
    return number


# The largest value of a PostgreSQL bigint (ids, positions in the trail).
MAX_BIGINT = 2**63 - 1
# The highest page number a list offers to read (far beyond any real list).
MAX_PAGE = 1_000_000


# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str:
    """A CSV cell a spreadsheet shows as text: one that starts like a formula (a name such
    as "=HYPERLINK(…)") gets a leading quote. The one rule for every CSV the portal writes."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
