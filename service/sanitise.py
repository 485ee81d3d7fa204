"""Text that any database will store: no lone UTF-16 surrogates, no NUL, no field longer than its column.

A leaf module (no imports from the service). JSON lets a client send "\\ud800" (half of a surrogate
pair): Python keeps it as a lone surrogate, which UTF-8 cannot encode, so SQLite and PostgreSQL refuse
the row; PostgreSQL refuses NUL in text too. What the service *writes* from a request (the audit trail)
goes through `clean_text`; what it *stores on the client's behalf* (feedback) is refused with a 400
naming the place instead (`text_problem`).
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")


def has_lone_surrogate(text: str) -> bool:
    """True when `text` holds a surrogate code point (in a Python str every one of them is unpaired)."""
    return _SURROGATE.search(text) is not None


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored as it is, or None."""
    if "\x00" in text:
        return "must not contain NUL characters"
    if has_lone_surrogate(text):
        return "must not contain unpaired UTF-16 surrogates (e.g. \\ud800): they are not Unicode characters"
    return None


def clean_text(value: object, max_length: int) -> str | None:
    """`value` as storable text: NUL removed, each lone surrogate replaced by U+FFFD, cut to `max_length`
    characters. None stays None; a non-string is written as its str()."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    if "\x00" in text:
        text = text.replace("\x00", "")
    if has_lone_surrogate(text):
        text = _SURROGATE.sub(REPLACEMENT, text)
    return text[:max_length]


def clean_list(values: object, max_length: int, max_items: int = 1000) -> list[str]:
    """A list of storable strings (each cleaned as by clean_text), at most `max_items` of them."""
    if not isinstance(values, (list, tuple)):
        return []
    return [str(clean_text(value, max_length)) for value in values[:max_items] if value is not None]


def utf8_for_hashing(text: str) -> bytes:
    """The bytes of `text` for a hash: UTF-8, with lone surrogates kept as their own code units so two
    different ids never hash alike."""
    return text.encode("utf-8", "surrogatepass")
