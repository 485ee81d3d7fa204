"""The template filters of the card files (issue 13 "wording stays in the card"), registered once by the card
renderer (service/cards.py) in every template environment.

Rules hand over facts as data — a lab result as `{name, value, comparator, unit, coded_value, range, flags,
date, converted}`, conditions as `[{name, since}]`, names as a list — and the card file says how to word them:
`{{ result | lab_result }}`, `{{ results | map('lab_result') | bullets }}`, `{{ conditions | conditions }}`,
`{{ names | join(', ') }}`. A filter writes the same text the rules used to build, so the golden cards stay
byte-for-byte the same. Text from patient data is escaped for markdown where it is placed in a card's detail
(the detail template's finalize step escapes every value; `bullets` escapes each item itself and hands back
`Markdown`, which is not escaped again). A leaf module: it imports nothing of ours but the escaping.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .markdown import Markdown, escape_markdown


def lab_result(result: Mapping[str, Any]) -> str:
    """"Potassium 2.9 mmol/L (ref 3.5–5.1) [L] on 2026-05-28", followed by "(= 7.2 %)" when the rule converted
    the value into the unit its threshold is in. Plain text: the detail template escapes it."""
    text = f"{result['name']} {_value(result)}"
    reference = _reference(result.get("range"))
    if reference:
        text += f" ({reference})"
    if result.get("flags"):
        text += f" [{', '.join(result['flags'])}]"
    text += f" on {result['date']}" if result.get("date") else ""
    converted = result.get("converted")
    return text + (f" (= {converted['value']:.3g} {converted['unit']})" if converted else "")


def _value(result: Mapping[str, Any]) -> str:
    """"2.9 mmol/L", ">60 mL/min/1.73m2" (a comparator must not read as the bare number), or a coded value."""
    if result.get("value") is None:
        return result.get("coded_value") or ""
    return f"{result.get('comparator') or ''}{result['value']:g} {result.get('unit') or ''}".strip()


def _reference(reference: Mapping[str, Any] | None) -> str:
    if not reference:
        return ""
    low, high = reference.get("low"), reference.get("high")
    if low is not None or high is not None:
        return f"ref {'' if low is None else f'{low:g}'}–{'' if high is None else f'{high:g}'}"
    return f"ref {reference['text']}" if reference.get("text") else ""


def conditions(found: Iterable[Mapping[str, Any]]) -> str:
    """"Malignant insulinoma (since 2024-03-01); Gastrinoma" for conditions handed over as `{name, since}`."""
    return "; ".join(f"{c['name']} (since {c['since']})" if c.get("since") else c["name"] for c in found)


def bullets(items: Iterable[Any]) -> Markdown:
    """A markdown list, one "- item" line each; every item is escaped (patient text must not become markup)
    unless it is `Markdown` the service wrote itself."""
    return Markdown("\n".join(f"- {item if isinstance(item, Markdown) else escape_markdown(str(item))}"
                              for item in items))


def recorded_date(value: Any) -> Any:
    """A date as recorded: a day ("2026-05-10") as is, a partial date ("2026-05", "2025") as "date recorded only
    as 2026-05" (RULES.md "Partial dates": the card says the day is not known)."""
    if isinstance(value, str) and len(value) < len("2026-05-10"):
        return f"date recorded only as {value}"
    return value


FILTERS = {"lab_result": lab_result, "conditions": conditions, "bullets": bullets, "recorded_date": recorded_date}
