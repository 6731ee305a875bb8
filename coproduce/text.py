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
