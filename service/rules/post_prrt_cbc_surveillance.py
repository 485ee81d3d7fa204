"""Rule 15 `post-prrt-cbc-surveillance`: after PRRT, a CBC is due when none was resulted in the interval.

v2: a CBC result is a CBC panel result, or hemoglobin + WBC + platelets resulted on the same calendar date; a
lone hemoglobin (or WBC or platelet count) is not a CBC with differential. A CBC among the draft orders, or an
active / on-hold CBC order authored within the interval, silences the card (an order authored two years ago
does not). So does a Lu-177 dotatate dose among the drafts: then `prrt-baseline-labs` asks for the CBC before
that dose (one card, not two, per CBC). Partial dates are read as their earliest instant (age triggers this
card; recency would silence it).
"""

from __future__ import annotations

from ..cards import Finding
from ..fhirtime import FhirTime, effective_span, local_date, months_between, parse_fhir_time, within_window
from .common import (RuleContext, draft_medications, draft_service_requests, observations, prrt_history, recorded_date,
                     service_requests)

COMPONENTS = ("hemoglobin", "leukocytes", "platelets")
PENDING = {"active", "on-hold"}


def evaluate(ctx: RuleContext) -> list[Finding]:
    doses = prrt_history(ctx)
    if not doses or draft_medications(ctx, "lutetium-lu177-dotatate"):
        return []
    interval = ctx.days("cbc_interval_days")
    cbcs = cbc_results(ctx)
    last = cbcs[0] if cbcs else None
    if last and within_window(min(last.earliest, ctx.now), ctx.now, interval):
        return []
    if draft_service_requests(ctx, "cbc-panel") or _recent_order(ctx, interval):
        return []
    last_prrt = doses[0]
    return [Finding(facts={
        "last_cbc_date": recorded_date(last),
        "months_since_cbc": months_between(last.earliest, ctx.now) if last else None,
        "last_prrt_date": last_prrt.recorded,
        "months_since_prrt": months_between(last_prrt.when, ctx.now),
        "prrt_evidence": last_prrt.evidence,
    })]


def cbc_results(ctx: RuleContext) -> list[FhirTime]:
    """When a CBC was resulted, newest first: each CBC panel result, and each calendar date (or partial
    date) on which hemoglobin, WBC and platelets were all resulted. Results dated in the future are ignored."""
    spans = [s for o in observations(ctx, "cbc-panel") if (s := effective_span(o))]
    by_date: dict = {}
    for value_set in COMPONENTS:
        for observation in observations(ctx, value_set):
            span = effective_span(observation)
            if span:
                key = span.text if span.partial else local_date(span.earliest)
                by_date.setdefault(key, {}).setdefault(value_set, span)
    spans += [min(found.values(), key=lambda s: s.earliest) for found in by_date.values() if len(found) == len(COMPONENTS)]
    return sorted((s for s in spans if local_date(s.earliest) <= local_date(ctx.now)),
                  key=lambda s: (s.earliest, not s.partial), reverse=True)


def _recent_order(ctx: RuleContext, interval) -> bool:
    """An active / on-hold CBC order authored within the interval (an order without a date does not count)."""
    for order in service_requests(ctx, "cbc-panel", PENDING):
        authored = parse_fhir_time(order.get("authoredOn"))
        if authored and within_window(min(authored.earliest, ctx.now), ctx.now, interval):
            return True
    return False
