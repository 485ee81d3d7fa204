"""`pnet-cds report`: what a CDS committee reviews to tune rules and fight alert fatigue.

Per rule, over the cards issued in a period: how many cards were shown, how many silent firings (a rule in
silent mode that would have fired; site_config.py), how many shown cards were accepted and overridden (by
each card's latest feedback; cards nobody reported on are "no feedback", the spec's *ignored*), the
acceptance and override rates over the cards shown, and the most frequent override reasons; per ISO week and
per (rule version, site-configuration version). Also the hook calls by status, and feedback about cards this
database never saw issued. The numbers come from service/report_queries.py, which the dashboard reads too.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable

from . import report_queries as queries
from .report_queries import Period
from .store import Store, as_utc

TOP_REASONS = 3
NO_REASON = "(no reason given)"
_RELATIVE = re.compile(r"^(\d+)([dhm])$")


@dataclass
class Tally:
    """Counts over some cards: shown, silent firings, latest outcomes of the shown ones, override reasons."""

    cards: int = 0
    silent: int = 0
    accepted: int = 0
    overridden: int = 0
    reasons: Counter = field(default_factory=Counter)

    @property
    def no_feedback(self) -> int:
        return self.cards - self.accepted - self.overridden

    def rate(self, count: int) -> float | None:
        return round(100.0 * count / self.cards, 1) if self.cards else None

    def counts_json(self) -> dict:
        return {"cards": self.cards, "silent": self.silent, "accepted": self.accepted,
                "overridden": self.overridden, "noFeedback": self.no_feedback,
                "acceptanceRate": self.rate(self.accepted), "overrideRate": self.rate(self.overridden)}


@dataclass
class RuleLine(Tally):
    rule_id: str = ""
    weeks: dict[date, Tally] = field(default_factory=dict)
    versions: dict[tuple[str, str], Tally] = field(default_factory=dict)

    def to_json(self, detail: bool = False) -> dict:
        body = {"rule": self.rule_id, **self.counts_json(),
                "topOverrideReasons": [{"reason": reason, "count": count}
                                       for reason, count in top_reasons(self.reasons)]}
        if detail:
            body["weekly"] = [{"week": week.isoformat(), **tally.counts_json()}
                              for week, tally in sorted(self.weeks.items())]
            body["versions"] = [{"ruleVersion": rule_version, "siteConfigurationVersion": config_version,
                                 **tally.counts_json()}
                                for (rule_version, config_version), tally in sorted(self.versions.items())]
        return body


@dataclass
class Report:
    since: datetime | None
    calls: dict[int, int]
    rules: list[RuleLine]
    unlinked_feedback: int
    until: datetime | None = None
    config_versions: dict[str, int] = field(default_factory=dict)

    def weeks(self) -> list[date]:
        """Every week from the first to the last one with cards (or of the period, when it is bounded)."""
        seen = {week for line in self.rules for week in line.weeks}
        first = queries.week_of(self.since) if self.since else min(seen, default=None)
        last = queries.week_of(self.until - timedelta(microseconds=1)) if self.until else max(seen, default=None)
        if first is None or last is None:
            return []
        return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]

    def to_json(self, detail: bool = False) -> dict:
        body = {"since": self.since.isoformat() if self.since else None,
                "calls": {str(status): count for status, count in sorted(self.calls.items())},
                "rules": [line.to_json(detail) for line in self.rules], "unlinkedFeedback": self.unlinked_feedback}
        if detail:
            body["until"] = self.until.isoformat() if self.until else None
            body["weeks"] = [week.isoformat() for week in self.weeks()]
            body["siteConfigurationVersions"] = dict(sorted(self.config_versions.items()))
        return body


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


def build_report(store: Store, since: datetime | None = None, reason_labels: dict | None = None,
                 until: datetime | None = None) -> Report:
    """The report over cards issued and calls made in [since, until) (open ends when None). `reason_labels`
    maps (system, code) or code to a display for override reasons that arrived without one.
    Raises StoreUnavailable."""
    labels, period = reason_labels or {}, Period(since, until)
    lines: dict[str, RuleLine] = {}
    for row in queries.card_counts(store, period):
        line = lines.setdefault(row.rule_id, RuleLine(rule_id=row.rule_id))
        for tally in _tallies(line, row.week, row.rule_version, row.config_version):
            if row.silent:
                tally.silent += row.count
            else:
                tally.cards += row.count
    for row in queries.latest_outcomes(store, period):
        line = lines.setdefault(row.rule_id, RuleLine(rule_id=row.rule_id))
        reason = _reason_label(row.override_system, row.override_code, row.override_display, labels)
        for tally in _tallies(line, row.week, row.rule_version, row.config_version):
            if row.outcome == "accepted":
                tally.accepted += 1
            else:
                tally.overridden += 1
                tally.reasons[reason] += 1
    return Report(since=since, until=until, calls=queries.calls_by_status(store, period),
                  rules=sorted(lines.values(), key=lambda line: (-line.cards, -line.silent, line.rule_id)),
                  unlinked_feedback=queries.unlinked_feedback(store, period),
                  config_versions=queries.config_versions_seen(store, period))


def _tallies(line: RuleLine, week: date, rule_version: str, config_version: str) -> tuple[Tally, ...]:
    """The rule's total, its week's and its versions' tallies, each of which a card counts in."""
    return (line, line.weeks.setdefault(week, Tally()),
            line.versions.setdefault((rule_version, config_version), Tally()))


def top_reasons(reasons: Counter) -> list[tuple[str, int]]:
    return sorted(reasons.items(), key=lambda item: (-item[1], item[0]))[:TOP_REASONS]


def render_report(report: Report) -> str:
    """The report as a terminal table."""
    window = f"since {report.since.isoformat(timespec='minutes')}" if report.since else "all time"
    if report.until:
        window += f", until {report.until.isoformat(timespec='minutes')}"
    calls = sum(report.calls.values())
    by_status = ", ".join(f"{status}: {count}" for status, count in sorted(report.calls.items())) or "none"
    lines = [f"pnet-cds report ({window})", f"hook calls: {calls} ({by_status})", "",
             f"{'rule':40} {'cards':>6} {'silent':>6} {'accepted':>9} {'overridden':>10} {'no fb':>6} "
             f"{'accept%':>8} {'override%':>9}"]
    for line in report.rules:
        lines.append(f"{line.rule_id:40} {line.cards:>6} {line.silent:>6} {line.accepted:>9} {line.overridden:>10} "
                     f"{line.no_feedback:>6} {_percent(line.rate(line.accepted)):>8} "
                     f"{_percent(line.rate(line.overridden)):>9}")
        for reason, count in top_reasons(line.reasons):
            lines.append(f"    override reason: {reason} ({count})")
        if len(line.versions) > 1:  # a change in the period: the committee compares before and after
            for (rule_version, config_version), tally in sorted(line.versions.items()):
                lines.append(f"    rule version {rule_version}, site configuration {config_version}: "
                             f"{tally.cards} shown, {tally.silent} silent, "
                             f"override {_percent(tally.rate(tally.overridden))} %")
    if not report.rules:
        lines.append("(no cards issued in this window)")
    if report.rules and any(line.silent for line in report.rules):
        lines += ["", "silent: silent-mode firings (audited, never shown; not in the rates)"]
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
