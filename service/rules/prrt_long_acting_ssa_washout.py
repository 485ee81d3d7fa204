"""Rule 10 `prrt-long-acting-ssa-washout`: Lu-177 dotatate drafted too soon after a somatostatin analog.

Measured to the draft's planned date (RULES.md "Planned date of a draft"), in calendar days, with partial
dates read as late as they allow. Every way a long-acting exposure is recorded counts (RULES.md v2):
- a long-acting dose (administration, statement, completed order) fewer than the washout days before;
- an octreotide dose of unknown formulation given IM, or in mg at or above the depot threshold, is a depot;
  with neither route nor dose it is read with the long-acting window and worded "formulation unknown";
- an active long-acting order or an active statement with no long-acting dose recorded since its start
  ("date of the last injection unknown"); an on-hold order with none → info only;
- an active long-acting order whose next injection (last dose + interval) falls fewer than the washout
  days before the planned date ("hold it");
- short-acting octreotide within the short-acting hours. Short-acting doses never hide a long-acting order.
One finding per hook call (the first Lu-177 draft), the most serious exposure first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..cards import Finding
from ..fhirtime import calendar_days, format_date, parse_fhir_time, shorter_than
from .common import (ACTIVE_ORDER_STATUS, ORDER_INTENTS, DoseEvent, RuleContext, administrations, drug_name,
                     is_drug, planned_date)
from ._prrt import lutetium_drafts
from ._ssa_exposure import order_interval_days, washout_formulation, washout_reading

SSA = "somatostatin-analogs"
ORDER_OF_CONCERN = ("long-acting-dose", "next-injection-due", "last-injection-unknown", "short-acting-dose",
                    "on-hold-order")


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = lutetium_drafts(ctx)
    if not drafts:
        return []
    planned = planned_date(ctx, drafts[0])
    found = _dose_findings(ctx, planned) + _order_findings(ctx, planned)
    if not found:
        return []
    variant, facts = min(found, key=lambda f: ORDER_OF_CONCERN.index(f[0]))
    return [Finding(variant, {"drug": drug_name(ctx, drafts[0]), "planned_date": format_date(planned),
                              "planned_is_now": calendar_days(ctx.now, planned) == 0,
                              "formulation_unknown": False, "depot_by_dose": False, "depot_by_route": False,
                              "interval_days": None, "interval_defaulted": False,
                              **facts})]


def _depot_mg(ctx: RuleContext) -> float:
    return float(ctx.params["depot_min_mg"])


def _doses(ctx: RuleContext, planned: datetime) -> list[tuple[DoseEvent, str]]:
    """Dated SSA doses up to the planned date with their washout formulation, newest first."""
    events = administrations(ctx, SSA, include_statements=True)
    return [(e, washout_formulation(ctx, e.resource, _depot_mg(ctx))) for e in events
            if e.when <= planned and e.evidence != "active statement"]


def _dose_findings(ctx: RuleContext, planned: datetime) -> list[tuple[str, dict]]:
    long_window = ctx.days("long_acting_washout_days")
    short_window = timedelta(hours=float(ctx.params["short_acting_washout_hours"]))
    found = []
    for event, formulation in _doses(ctx, planned):
        if formulation in ("long-acting", "unknown") and shorter_than(event.when, planned, long_window):
            found.append(("long-acting-dose", _dose_facts(ctx, event, planned, formulation)))
        elif formulation == "short-acting" and shorter_than(event.when, planned, short_window, in_hours=True):
            found.append(("short-acting-dose", _dose_facts(ctx, event, planned, formulation)))
    return found[:1] + [f for f in found[1:] if f[0] != found[0][0]]


def _dose_facts(ctx: RuleContext, event: DoseEvent, planned: datetime, formulation: str) -> dict:
    decided_by = washout_reading(ctx, event.resource, _depot_mg(ctx))[1]
    return {"ssa": drug_name(ctx, event.resource), "last_ssa_date": event.recorded,
            "evidence": event.evidence, "formulation_unknown": formulation == "unknown",
            "depot_by_dose": decided_by == "dose" and formulation == "long-acting",
            "depot_by_route": decided_by == "route" and formulation == "long-acting",
            "days_before": calendar_days(event.when, planned),
            "hours_before": int((planned - event.when) / timedelta(hours=1)),
            "date_partial": event.partial}


def _order_findings(ctx: RuleContext, planned: datetime) -> list[tuple[str, dict]]:
    """Active / on-hold long-acting orders and active open statements, against the doses recorded."""
    long_doses = [e for e, f in _doses(ctx, planned) if f == "long-acting"]
    found = []
    for resource, start, evidence in _long_acting_exposures(ctx):
        since = [e for e in long_doses if start is None or e.when >= start]
        if not since:
            variant = "on-hold-order" if resource.get("status") == "on-hold" else "last-injection-unknown"
            found.append((variant, {"ssa": drug_name(ctx, resource), "evidence": evidence,
                                    "exposure_start": format_date(start) if start else None}))
            continue
        ordered_interval = order_interval_days(resource)
        interval = ordered_interval or int(ctx.params["default_depot_interval_days"])
        next_due = since[0].when + timedelta(days=interval)
        if evidence == "active order" and next_due <= planned and \
                shorter_than(next_due, planned, ctx.days("long_acting_washout_days")):
            found.append(("next-injection-due", {"ssa": drug_name(ctx, resource), "evidence": evidence,
                                                 "last_ssa_date": since[0].recorded,
                                                 "next_due_date": format_date(next_due), "interval_days": interval,
                                                 "interval_defaulted": ordered_interval is None}))
    return found


def _long_acting_exposures(ctx: RuleContext) -> list[tuple[dict, datetime | None, str]]:
    """(resource, start, evidence) for active/on-hold long-acting orders and active open statements."""
    exposures = []
    orders = ctx.record.valid("MedicationRequest", lambda r: r.get("status") in ACTIVE_ORDER_STATUS
                              and r.get("intent") in ORDER_INTENTS and is_drug(ctx, r, SSA))
    for order in orders:
        if washout_formulation(ctx, order, _depot_mg(ctx)) == "long-acting":
            start = parse_fhir_time(order.get("authoredOn"))
            exposures.append((order, start.earliest if start else None, "active order"))
    for event in administrations(ctx, SSA, include_statements=True):
        if event.evidence == "active statement" and \
                washout_formulation(ctx, event.resource, _depot_mg(ctx)) in ("long-acting", "unknown"):
            exposures.append((event.resource, event.span.earliest if event.span else None, "active statement"))
    return exposures
