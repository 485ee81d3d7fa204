"""Rule 12 `prrt-concurrent-chemotherapy`: PRRT and cytotoxic chemotherapy at the same time, either way round.

Lu-177 dotatate drafted while on a cytotoxic (an active order, a dose given within the recent window, or a
cytotoxic among the same draft orders); or a cytotoxic drafted while a Lu-177 course is in progress (a
PRRT dose within the course window, or a Lu-177 draft beside it that order-select did not select). One card
per hook call, the Lu-177 direction first.
"""

from __future__ import annotations

from ..cards import Finding
from ..fhirtime import format_date
from .common import (DoseEvent, RuleContext, active_medications, draft_medications, drug_name,
                     triggering_medication_drafts)
from ._prrt import LUTETIUM, doses_within, in_prrt_scope, lutetium_drafts, whole_days

CYTOTOXIC = "cytotoxic-chemotherapy"


def evaluate(ctx: RuleContext) -> list[Finding]:
    lutetium = lutetium_drafts(ctx)
    if lutetium:
        chemotherapy = _current_chemotherapy(ctx)
        if chemotherapy:
            return [Finding("lutetium-on-chemotherapy", {"drug": drug_name(ctx, lutetium[0]),
                                                         "chemotherapy": "; ".join(chemotherapy)})]
    chemotherapy_drafts = triggering_medication_drafts(ctx, CYTOTOXIC)
    if not chemotherapy_drafts:
        return []
    names = ", ".join(drug_name(ctx, draft) for draft in chemotherapy_drafts)
    recent = doses_within(ctx, ctx.days("course_in_progress_days"))
    if recent:
        days = whole_days(recent[0].when, ctx.now)
        return [Finding("chemotherapy-during-prrt", {
            "drug": names, "last_prrt_date": format_date(recent[0].when), "days_since": days,
            "weeks_since": days // 7, "prrt_evidence": recent[0].evidence})]
    drafted_lutetium = draft_medications(ctx, LUTETIUM)  # order-select: drafted but not selected
    if drafted_lutetium and in_prrt_scope(ctx):
        return [Finding("lutetium-on-chemotherapy", {"drug": drug_name(ctx, drafted_lutetium[0]),
                                                     "chemotherapy": f"{names} (among the draft orders)"})]
    return []


def _current_chemotherapy(ctx: RuleContext) -> list[str]:
    """'drug (evidence date)' for each cytotoxic the patient is on, or drafted alongside, newest first."""
    events = active_medications(ctx, CYTOTOXIC, statement_window=ctx.days("chemotherapy_recent_days"))
    described = [_describe(ctx, event) for event in sorted(events, key=lambda e: e.when, reverse=True)]
    described += [f"{drug_name(ctx, draft)} (among the draft orders)" for draft in draft_medications(ctx, CYTOTOXIC)]
    return list(dict.fromkeys(described))


def _describe(ctx: RuleContext, event: DoseEvent) -> str:
    when = "since" if event.evidence == "active order" else "on"
    return f"{drug_name(ctx, event.resource)} ({event.evidence} {when} {format_date(event.when)})"
