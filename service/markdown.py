"""Markdown escaping of patient-supplied text (a leaf: the card renderer and its filters both use it)."""

from __future__ import annotations

import re
from typing import Any

# Enough to stop emphasis, code, links/images, HTML and tables from patient text; parentheses stay readable.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def escape_markdown(value: Any) -> Any:
    """Escape markdown/HTML syntax in text that came from patient data; other values pass unchanged."""
    if isinstance(value, str):
        return _MARKDOWN_SPECIAL.sub(r"\\\1", value)
    return value


class Markdown(str):
    """Text the service itself wrote as markdown (a list of values, say): not escaped again."""
