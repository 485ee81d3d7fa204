"""FHIR date and dateTime values as aware datetimes, and the few date facts cards quote."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

_FHIR_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_fhir_datetime(value: str | None) -> datetime | None:
    """Return an aware datetime (UTC when no zone is given) for a FHIR date/dateTime/instant, else None.

    Partial dates (`2024`, `2024-05`) mean their first day, which is the conservative reading for
    "how long ago" questions only when compared with care; rules treat them as that day.
    """
    if not isinstance(value, str) or not value:
        return None
    match = _FHIR_DATE.match(value)
    if match:
        year, month, day = (int(part) if part else 1 for part in match.groups())
        try:
            return datetime(year, month, day, tzinfo=timezone.utc)
        except ValueError:
            return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def effective_time(resource: dict) -> datetime | None:
    """When a clinical event happened: the first of the usual FHIR time elements the resource has."""
    for key in ("effectiveDateTime", "effectiveInstant", "performedDateTime", "occurrenceDateTime",
                "issued", "authoredOn", "recordedDate", "started", "onsetDateTime", "date"):
        when = parse_fhir_datetime(resource.get(key))
        if when:
            return when
    for key in ("effectivePeriod", "performedPeriod", "occurrencePeriod"):
        period = resource.get(key)
        if isinstance(period, dict):
            when = parse_fhir_datetime(period.get("end")) or parse_fhir_datetime(period.get("start"))
            if when:
                return when
    return None


def format_date(when: datetime | date | None) -> str:
    """ISO date (YYYY-MM-DD) for card text; 'unknown date' when there is none."""
    return when.date().isoformat() if isinstance(when, datetime) else (when.isoformat() if when else "unknown date")


def months_between(earlier: datetime, later: datetime) -> int:
    """Whole calendar months from `earlier` to `later` (9 for 2025-02-10 → 2025-11-20)."""
    months = (later.year - earlier.year) * 12 + (later.month - earlier.month)
    if later.day < earlier.day:
        months -= 1
    return max(months, 0)


def days_ago(when: datetime, now: datetime) -> float:
    return (now - when) / timedelta(days=1)
