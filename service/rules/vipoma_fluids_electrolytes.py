"""Rule 5 `vipoma-fluids-electrolytes`: low potassium or magnesium in VIPoma; or no recent potassium.

Catalog v2: a low result is left alone when a repletion of that electrolyte (potassium chloride; a magnesium
salt) was ordered, drafted or given after it and the value is not critical (LL); otherwise the card names the
repletion it found ("low despite repletion"). At order-select the rule speaks only when a selected order is
VIPoma therapy (a somatostatin analog or an electrolyte repletion), not for unrelated orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..cards import Finding
from ..fhirtime import effective_time, format_date, parse_fhir_datetime
from .common import (RuleContext, condition_facts, conditions_in, draft_medications, draft_service_requests,
                     drug_name, has_pnet, interpretation_flags, is_below_range, is_drug, latest_observation,
                     observations, result_facts, triggering_medication_drafts)

REPLETION = {"potassium": "potassium-chloride", "magnesium": "magnesium-salts"}
VIPOMA_THERAPY = ("somatostatin-analogs",) + tuple(REPLETION.values())
ORDER_STATUS = {"active", "on-hold", "completed"}
GIVEN_STATUS = {"completed", "in-progress"}


@dataclass
class Repletion:
    """One repletion on record: what, when, how ("ordered" / "drafted" / "given"), and whether after the result."""

    resource: dict
    when: datetime
    how: str
    after_result: bool


def evaluate(ctx: RuleContext) -> list[Finding]:
    if not has_pnet(ctx) or not _speaks_at_this_hook(ctx):
        return []
    vipoma = conditions_in(ctx, "vipoma")
    if not vipoma:
        return []
    window = ctx.days("low_result_window_days")
    low, results = {}, []
    for lab in ("potassium", "magnesium"):
        latest = latest_observation(ctx, lab, within=window)
        if latest is None or not is_below_range(latest):
            continue
        repletions = _repletions(ctx, lab, latest)
        critical = "LL" in interpretation_flags(latest)
        if not critical and any(r.after_result for r in repletions):
            continue  # being repleted since that result, and not critical: nothing to add
        low[lab] = repletions
        results.append({**result_facts(latest), "critical": critical, "repletion": _repletion(ctx, repletions)})
    if low:
        return [Finding("low-electrolytes", {
            "vipoma": condition_facts(vipoma), "low_results": results,
            "potassium_low": "potassium" in low and not low["potassium"],
            "magnesium_low": "magnesium" in low and not low["magnesium"],
            "despite_repletion": any(low.values())})]
    if latest_observation(ctx, "potassium", within=ctx.days("testing_window_days")) is None \
            and not draft_service_requests(ctx, "basic-metabolic-panel"):
        previous = observations(ctx, "potassium")
        last = format_date(effective_time(previous[0])) if previous else None
        return [Finding("testing-due", {"vipoma": condition_facts(vipoma), "last_potassium_date": last})]
    return []


def _speaks_at_this_hook(ctx: RuleContext) -> bool:
    """patient-view and order-sign always; order-select only for a selected VIPoma therapy order."""
    if ctx.request.hook != "order-select":
        return True
    return any(triggering_medication_drafts(ctx, value_set) for value_set in VIPOMA_THERAPY)


def _repletions(ctx: RuleContext, lab: str, result: dict) -> list[Repletion]:
    """Repletions of the electrolyte on record or among the drafts, each marked whether it follows `result`.
    A partial date is read as its first day (the reading that keeps the card speaking)."""
    value_set, result_time = REPLETION[lab], effective_time(result)
    found = []
    for order in ctx.record.valid("MedicationRequest",
                                  lambda r: r.get("status") in ORDER_STATUS and is_drug(ctx, r, value_set)):
        when = parse_fhir_datetime(order.get("authoredOn"))
        if when:
            found.append(Repletion(order, when, "ordered", bool(result_time and when >= result_time)))
    for administration in ctx.record.valid("MedicationAdministration",
                                           lambda a: a.get("status") in GIVEN_STATUS and is_drug(ctx, a, value_set)):
        when = effective_time(administration)
        if when:
            found.append(Repletion(administration, when, "given", bool(result_time and when >= result_time)))
    found += [Repletion(draft, ctx.now, "drafted", True) for draft in draft_medications(ctx, value_set)]
    return sorted(found, key=lambda r: r.when, reverse=True)


def _repletion(ctx: RuleContext, repletions: list[Repletion]) -> dict | None:
    """The newest repletion as facts for the card (`drug`, `how`, `date` — None when drafted — and
    `after_result`), or None."""
    if not repletions:
        return None
    latest = repletions[0]
    return {"drug": drug_name(ctx, latest.resource), "how": latest.how, "after_result": latest.after_result,
            "date": None if latest.how == "drafted" else format_date(latest.when)}
