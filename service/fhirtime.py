"""FHIR date and dateTime values as aware datetimes, and the few date facts cards quote."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

_FHIR_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_TIME_KEYS = ("effectiveDateTime", "effectiveInstant", "performedDateTime", "occurrenceDateTime", "issued",
              "authoredOn", "recordedDate", "started", "onsetDateTime", "date")
_PERIOD_KEYS = ("effectivePeriod", "performedPeriod", "occurrencePeriod")


def parse_fhir_datetime(value: str | None) -> datetime | None:
    """Return an aware datetime (UTC when no zone is given) for a FHIR date/dateTime/instant, else None.

    Partial dates (`2024`, `2024-05`) mean their first instant: the reading for "overdue" questions (RULES.md
    "Partial dates"); `parse_fhir_time` gives the whole span for questions where recency triggers a card.
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
    """When a clinical event happened: the first of the usual FHIR time elements the resource has (a
    Period's end, else its start), a partial date read as its first instant (`effective_span`'s earliest)."""
    span = effective_span(resource)
    return span.earliest if span else None


def format_date(when: datetime | date | None) -> str:
    """ISO date (YYYY-MM-DD) for card text; 'unknown date' when there is none."""
    return when.date().isoformat() if isinstance(when, datetime) else (when.isoformat() if when else "unknown date")


def months_between(earlier: datetime, later: datetime) -> int:
    """Whole calendar months from `earlier` to `later` (9 for 2025-02-10 → 2025-11-20)."""
    months = (later.year - earlier.year) * 12 + (later.month - earlier.month)
    if later.day < earlier.day:
        months -= 1
    return max(months, 0)


def days_ago(when: datetime, now: datetime) -> int:
    """Whole calendar days from `when` to `now` (see `calendar_days`)."""
    return calendar_days(when, now)


# --- v2 shared semantics: partial dates and calendar days ---------------------------------------------

PRECISIONS = ("year", "month", "day", "time")


@dataclass(frozen=True)
class FhirTime:
    """A FHIR date/dateTime as the span of instants it allows: `2025-05` is all of May 2025.

    `earliest` is the first instant, `latest` the last one; a full dateTime has earliest == latest.
    `precision` is year | month | day | time; `partial` is True for year or month only (RULES.md
    "Partial dates"), which a card names ("date recorded only as 2025-05").
    """

    earliest: datetime
    latest: datetime
    precision: str
    text: str

    @property
    def partial(self) -> bool:
        return self.precision in ("year", "month")

    def recent(self, now: datetime) -> datetime:
        """The reading that makes the event as recent as possible (its latest instant, capped at now,
        never before its earliest): for windows where recency triggers a card (washout, interval,
        concurrent therapy)."""
        return max(self.earliest, min(self.latest, now))

    def describe(self) -> str:
        """"2025-05-10", or "date recorded only as 2025-05" for a partial date."""
        return f"date recorded only as {self.text}" if self.partial else self.earliest.date().isoformat()


def parse_fhir_time(value: str | None) -> FhirTime | None:
    """The span a FHIR date/dateTime/instant allows, or None when it cannot be read."""
    earliest = parse_fhir_datetime(value)
    if earliest is None:
        return None
    match = _FHIR_DATE.match(value)
    if not match:
        return FhirTime(earliest, earliest, "time", value)
    year, month, day = match.groups()
    if day:
        end = earliest + timedelta(days=1)
        precision = "day"
    elif month:
        end = earliest.replace(year=earliest.year + (earliest.month == 12), month=earliest.month % 12 + 1)
        precision = "month"
    else:
        end = earliest.replace(year=earliest.year + 1)
        precision = "year"
    return FhirTime(earliest, end - timedelta(microseconds=1), precision, value)


def effective_span(resource: dict) -> FhirTime | None:
    """`effective_time`'s element of the resource as a span (partial dates kept as what they allow).
    For a Period the end is used when present, else the start."""
    for key in _TIME_KEYS:
        span = parse_fhir_time(resource.get(key))
        if span:
            return span
    for key in _PERIOD_KEYS:
        period = resource.get(key)
        if isinstance(period, dict):
            span = parse_fhir_time(period.get("end")) or parse_fhir_time(period.get("start"))
            if span:
                return span
    return None


def local_date(when: datetime) -> date:
    """The calendar date of an instant in its own UTC offset (a FHIR value keeps the offset it was sent
    with; a value without one was read as UTC, and `now` carries the service's time zone)."""
    return when.date()


def calendar_days(earlier: datetime, later: datetime) -> int:
    """Whole days between the local calendar dates of two instants (RULES.md "Calendar days"): a dose
    given 8 weeks ago at a later time of day is 56 days ago, not 55. Negative when `later` is earlier."""
    return (local_date(later) - local_date(earlier)).days


def within_window(when: datetime, now: datetime, window: timedelta, in_hours: bool = False) -> bool:
    """`when` lies no further back than `window` from `now` (and not after `now`'s day): counted in
    calendar days (30 days = dated on or after the calendar date 30 days before; a fraction of a day in
    the window is dropped), or, `in_hours`, in elapsed time (the 24 h octreotide washout)."""
    if in_hours:
        return timedelta(0) <= now - when <= window
    return 0 <= calendar_days(when, now) <= window.days


def shorter_than(earlier: datetime, later: datetime, window: timedelta, in_hours: bool = False) -> bool:
    """`later` is fewer than `window` after `earlier` ("within 28 days" means fewer than 28 days), in
    calendar days, or `in_hours` in elapsed time."""
    if in_hours:
        return later - earlier < window
    return calendar_days(earlier, later) < window.days
