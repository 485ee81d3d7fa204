"""`pnet-cds report`: what a CDS committee reviews to tune rules and fight alert fatigue.

Per rule, over the cards issued since a moment: how many cards, how many were accepted and overridden (by
each card's latest feedback; cards nobody reported on are "no feedback", the spec's *ignored*), the
acceptance and override rates over the cards issued, and the most frequent override reasons. Also the
hook calls by status, and feedback about cards this database never saw issued.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from sqlalchemy import func, select

from .store import Store, as_utc, audit, feedback, issued_cards

TOP_REASONS = 3
NO_REASON = "(no reason given)"
_RELATIVE = re.compile(r"^(\d+)([dhm])$")


@dataclass
class RuleLine:
    rule_id: str
    cards: int = 0
    accepted: int = 0
    overridden: int = 0
    reasons: Counter = field(default_factory=Counter)

    @property
    def no_feedback(self) -> int:
        return self.cards - self.accepted - self.overridden

    def rate(self, count: int) -> float | None:
        return round(100.0 * count / self.cards, 1) if self.cards else None

    def to_json(self) -> dict:
        return {"rule": self.rule_id, "cards": self.cards, "accepted": self.accepted, "overridden": self.overridden,
                "noFeedback": self.no_feedback, "acceptanceRate": self.rate(self.accepted),
                "overrideRate": self.rate(self.overridden),
                "topOverrideReasons": [{"reason": reason, "count": count}
                                       for reason, count in top_reasons(self.reasons)]}


@dataclass
class Report:
    since: datetime | None
    calls: dict[int, int]
    rules: list[RuleLine]
    unlinked_feedback: int

    def to_json(self) -> dict:
        return {"since": self.since.isoformat() if self.since else None,
                "calls": {str(status): count for status, count in sorted(self.calls.items())},
                "rules": [line.to_json() for line in self.rules], "unlinkedFeedback": self.unlinked_feedback}


def parse_since(value: str | None, now: datetime | None = None) -> datetime | None:
    """`7d`, `24h`, `90m`, an ISO date or date-time (UTC unless it says otherwise), or None for all time.
    Raises ValueError naming the accepted forms."""
    if not value:
        return None
    now = now or datetime.now(timezone.utc)
    relative = _RELATIVE.match(value.strip())
    if relative:
        unit = {"d": "days", "h": "hours", "m": "minutes"}[relative.group(2)]
        return now - timedelta(**{unit: int(relative.group(1))})
    try:
        return as_utc(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
    except ValueError:
        raise ValueError(f"--since {value!r}: use 7d, 24h, 90m, 2026-11-01 or 2026-11-01T08:00:00Z") from None


def build_report(store: Store, since: datetime | None = None, reason_labels: dict | None = None) -> Report:
    """The report over cards issued and calls made since `since` (all time when None). `reason_labels`
    maps (system, code) or code to a display for override reasons that arrived without one.
    Raises StoreUnavailable."""
    labels = reason_labels or {}
    lines = {rule_id: RuleLine(rule_id, cards=count) for rule_id, count in _cards_per_rule(store, since)}
    for rule_id, outcome, system, code, display in _latest_outcomes(store, since):
        line = lines.setdefault(rule_id, RuleLine(rule_id))
        if outcome == "accepted":
            line.accepted += 1
        else:
            line.overridden += 1
            line.reasons[_reason_label(system, code, display, labels)] += 1
    return Report(since=since, calls=_calls_by_status(store, since),
                  rules=sorted(lines.values(), key=lambda line: (-line.cards, line.rule_id)),
                  unlinked_feedback=_unlinked_feedback(store, since))


def top_reasons(reasons: Counter) -> list[tuple[str, int]]:
    return sorted(reasons.items(), key=lambda item: (-item[1], item[0]))[:TOP_REASONS]


def render_report(report: Report) -> str:
    """The report as a terminal table."""
    window = f"since {report.since.isoformat(timespec='minutes')}" if report.since else "all time"
    calls = sum(report.calls.values())
    by_status = ", ".join(f"{status}: {count}" for status, count in sorted(report.calls.items())) or "none"
    lines = [f"pnet-cds report ({window})", f"hook calls: {calls} ({by_status})", "",
             f"{'rule':40} {'cards':>6} {'accepted':>9} {'overridden':>10} {'no fb':>6} {'accept%':>8} {'override%':>9}"]
    for line in report.rules:
        lines.append(f"{line.rule_id:40} {line.cards:>6} {line.accepted:>9} {line.overridden:>10} "
                     f"{line.no_feedback:>6} {_percent(line.rate(line.accepted)):>8} "
                     f"{_percent(line.rate(line.overridden)):>9}")
        for reason, count in top_reasons(line.reasons):
            lines.append(f"    override reason: {reason} ({count})")
    if not report.rules:
        lines.append("(no cards issued in this window)")
    if report.unlinked_feedback:
        lines += ["", f"feedback entries about cards this database never saw issued: {report.unlinked_feedback}"]
    return "\n".join(lines)


def reason_labels_from(rules: Iterable[Any]) -> dict:
    """Override reason displays from the loaded card files, by (system, code) and by code."""
    labels = {}
    for rule in rules:
        for reason in rule.spec.override_reasons:
            if reason.get("code") and reason.get("display"):
                labels[(reason.get("system"), reason["code"])] = reason["display"]
                labels.setdefault(reason["code"], reason["display"])
    return labels


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _reason_label(system, code, display, labels: dict) -> str:
    if not code:
        return NO_REASON
    return display or labels.get((system, code)) or labels.get(code) or code


def _cards_per_rule(store: Store, since: datetime | None):
    statement = select(issued_cards.c.rule_id, func.count()).group_by(issued_cards.c.rule_id)
    if since is not None:
        statement = statement.where(issued_cards.c.issued_at >= since)
    return store.read(statement)


def _calls_by_status(store: Store, since: datetime | None) -> dict[int, int]:
    statement = select(audit.c.status, func.count()).group_by(audit.c.status)
    if since is not None:
        statement = statement.where(audit.c.at >= since)
    return {status: count for status, count in store.read(statement)}


def _latest_outcomes(store: Store, since: datetime | None):
    """(rule, outcome, system, code, display) of each issued card's latest feedback entry."""
    statement = (select(issued_cards.c.card_uuid, issued_cards.c.rule_id, feedback.c.outcome,
                        feedback.c.outcome_timestamp, feedback.c.id, feedback.c.override_system,
                        feedback.c.override_code, feedback.c.override_display)
                 .join(feedback, feedback.c.card_uuid == issued_cards.c.card_uuid))
    if since is not None:
        statement = statement.where(issued_cards.c.issued_at >= since)
    latest: dict = {}
    for row in store.read(statement):
        key = (row.outcome_timestamp, row.id)
        if row.card_uuid not in latest or key > latest[row.card_uuid][0]:
            latest[row.card_uuid] = (key, row)
    return [(row.rule_id, row.outcome, row.override_system, row.override_code, row.override_display)
            for _, row in latest.values()]


def _unlinked_feedback(store: Store, since: datetime | None) -> int:
    issued = select(issued_cards.c.card_uuid)
    statement = select(func.count()).select_from(feedback).where(feedback.c.card_uuid.not_in(issued))
    if since is not None:
        statement = statement.where(feedback.c.received_at >= since)
    return store.read(statement)[0][0]
