"""The alert-burden queries: the one place `pnet-cds report` and the committee dashboard read the store.

Everything is counted per rule over the cards issued in a period [start, end): cards shown (sent to the EHR),
silent firings (a rule in silent mode that would have fired: audited, never sent), and, by each shown card's
latest feedback entry, accepted and overridden with the override reasons. Also per ISO week (Monday, UTC) and
per (rule version, site-configuration version), so a committee can compare before and after a change.

No query here selects a patient hash, a hookInstance, a card uuid or a comment: what leaves this module
cannot identify a patient. SQLite and PostgreSQL both (the week is computed by each database's own function).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, false, func, literal_column, select

from .store import Store, audit, feedback, issued_cards

UNKNOWN_VERSION = "unknown"  # rows written before migration 0002


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC; None is open."""

    start: datetime | None = None
    end: datetime | None = None

    def where(self, column: ColumnElement) -> list[ColumnElement]:
        """The conditions that keep `column` (a timestamp) inside the period."""
        clauses = []
        if self.start is not None:
            clauses.append(column >= self.start)
        if self.end is not None:
            clauses.append(column < self.end)
        return clauses


@dataclass(frozen=True)
class CardCount:
    rule_id: str
    week: date
    silent: bool
    rule_version: str
    config_version: str
    count: int


@dataclass(frozen=True)
class Outcome:
    """The latest feedback on one shown card (no card uuid: it is not needed to count)."""

    rule_id: str
    week: date
    rule_version: str
    config_version: str
    outcome: str
    override_system: str | None
    override_code: str | None
    override_display: str | None


def week_of(moment: datetime | date) -> date:
    """The Monday (UTC) of the ISO week of `moment`."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def card_counts(store: Store, period: Period) -> list[CardCount]:
    """Cards per rule, week, silent or shown, and versions. Raises StoreUnavailable."""
    week = _week(store, issued_cards.c.issued_at).label("week")
    keys = (issued_cards.c.rule_id, week, issued_cards.c.silent, issued_cards.c.rule_version,
            issued_cards.c.config_version)
    statement = select(*keys, func.count()).where(*period.where(issued_cards.c.issued_at)).group_by(*keys)
    return [CardCount(row[0], _as_date(row[1]), bool(row[2]), row[3] or UNKNOWN_VERSION, row[4] or UNKNOWN_VERSION,
                      row[5]) for row in store.read(statement)]


def latest_outcomes(store: Store, period: Period) -> list[Outcome]:
    """The latest feedback entry of every shown card issued in the period. Raises StoreUnavailable."""
    rank = func.row_number().over(partition_by=feedback.c.card_uuid,
                                  order_by=(feedback.c.outcome_timestamp.desc(), feedback.c.id.desc()))
    ranked = select(feedback.c.card_uuid, feedback.c.outcome, feedback.c.override_system, feedback.c.override_code,
                    feedback.c.override_display, rank.label("rank")).subquery()
    statement = (select(issued_cards.c.rule_id, issued_cards.c.issued_at, issued_cards.c.rule_version,
                        issued_cards.c.config_version, ranked.c.outcome, ranked.c.override_system,
                        ranked.c.override_code, ranked.c.override_display)
                 .join(ranked, ranked.c.card_uuid == issued_cards.c.card_uuid)
                 .where(ranked.c.rank == 1, issued_cards.c.silent == false(), *period.where(issued_cards.c.issued_at)))
    return [Outcome(row.rule_id, week_of(row.issued_at), row.rule_version or UNKNOWN_VERSION,
                    row.config_version or UNKNOWN_VERSION, row.outcome, row.override_system, row.override_code,
                    row.override_display) for row in store.read(statement)]


def calls_by_status(store: Store, period: Period) -> dict[int, int]:
    """Hook calls per HTTP status. Raises StoreUnavailable."""
    statement = select(audit.c.status, func.count()).where(*period.where(audit.c.at)).group_by(audit.c.status)
    return {status: count for status, count in store.read(statement)}


def config_versions_seen(store: Store, period: Period) -> dict[str, int]:
    """Hook calls per site-configuration version. Raises StoreUnavailable."""
    statement = (select(audit.c.config_version, func.count()).where(*period.where(audit.c.at))
                 .group_by(audit.c.config_version))
    return {version or UNKNOWN_VERSION: count for version, count in store.read(statement)}


def unlinked_feedback(store: Store, period: Period) -> int:
    """Feedback entries about cards this database never saw issued. Raises StoreUnavailable."""
    issued = select(issued_cards.c.card_uuid)
    statement = (select(func.count()).select_from(feedback).where(feedback.c.card_uuid.not_in(issued),
                                                                  *period.where(feedback.c.received_at)))
    return store.read(statement)[0][0]


def _week(store: Store, column):
    """The Monday of the column's week, by the database's own date functions (timestamps are UTC)."""
    if store.dialect == "postgresql":
        return func.date(func.date_trunc("week", func.timezone("UTC", column)))
    return func.date(column, literal_column("'weekday 0'"), literal_column("'-6 days'"))


def _as_date(value) -> date:
    return value if isinstance(value, date) and not isinstance(value, datetime) else date.fromisoformat(str(value)[:10])
