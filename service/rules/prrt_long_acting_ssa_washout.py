"""Rule 10 `prrt-long-acting-ssa-washout`: Lu-177 dotatate drafted too soon after a somatostatin analog.

Fires when a long-acting SSA (octreotide LAR, lanreotide, pasireotide LAR) was given within the washout
window, or short-acting octreotide within its window. The date of the last dose comes from administrations
and statements; an active long-acting order counts only when no dose is recorded at all (then the card
asks to confirm the last injection date).
"""

from __future__ import annotations

from datetime import timedelta

from ..cards import Finding
from ..fhirtime import format_date
from .common import (DoseEvent, RuleContext, active_medications, administrations, drug_name, has_pnet,
                     prrt_history, ssa_formulation, triggering_medication_drafts)


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = triggering_medication_drafts(ctx, "lutetium-lu177-dotatate")
    if not drafts or not (has_pnet(ctx) or prrt_history(ctx)):
        return []
    given = administrations(ctx, "somatostatin-analogs", include_statements=True)
    conflict = _within_washout(ctx, given)
    if conflict is None and not given:
        long_acting_orders = [e for e in active_medications(ctx, "somatostatin-analogs")
                              if ssa_formulation(ctx, e.resource) == "long-acting"]
        conflict = long_acting_orders[0] if long_acting_orders else None
    if conflict is None:
        return []
    formulation = ssa_formulation(ctx, conflict.resource)
    return [Finding(facts={
        "drug": drug_name(ctx, drafts[0]),
        "ssa": drug_name(ctx, conflict.resource),
        "ssa_long_acting": formulation == "long-acting",
        "last_ssa_date": format_date(conflict.when),
        "evidence": conflict.evidence,
        "days_since": int((ctx.now - conflict.when) / timedelta(days=1)),
    })]


def _within_washout(ctx: RuleContext, given: list[DoseEvent]) -> DoseEvent | None:
    long_window = ctx.days("long_acting_washout_days")
    short_window = timedelta(hours=float(ctx.params["short_acting_washout_hours"]))
    for event in given:  # newest first
        formulation = ssa_formulation(ctx, event.resource)
        age = ctx.now - event.when
        if age < timedelta(0):
            continue
        if formulation == "long-acting" and age <= long_window:
            return event
        if formulation in ("short-acting", None) and age <= short_window:
            return event
    return None
