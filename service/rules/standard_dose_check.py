"""Rule 8 `standard-dose-check`: a draft order whose structured dose or frequency is outside the standard.

The standards are data (`regimens` in the card file): per regimen the ingredient (and, for octreotide, the
formulation), the unit, the basis (a daily dose, or a per-4-weeks dose for depots), the range, and for
fixed regimens the schedule (once daily; every 4 weeks). A dose is read by service/dosing.py; a dose that
is not fully structured gives no card, never a guessed one. Above the standard for a somatostatin analog
is dose escalation (info); anything else outside the standard is a warning.
"""

from __future__ import annotations

import copy
import math

from ..cards import Finding
from ..dosing import Regimen, describe_quantity, describe_schedule, parse_regimen
from ..record import reference_key
from ..units import UCUM_SYSTEM, warm_up
from .common import RuleContext, drug_entries, drug_name, has_pnet, ssa_formulation, triggering_medication_drafts

DRUG_SETS = ("somatostatin-analogs", "everolimus", "sunitinib")

warm_up()  # the rule is loaded at start-up: build the UCUM registry then, not in the first hook call


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = _unique(d for value_set in DRUG_SETS for d in triggering_medication_drafts(ctx, value_set))
    if not drafts or not has_pnet(ctx):
        return []
    findings = []
    for draft in drafts:
        standard = _standard_for(ctx, draft)
        regimen = parse_regimen(draft, standard["unit"], ctx.params["depot_month_days"]) if standard else None
        deviation = _deviation(regimen, standard) if regimen else None
        if deviation:
            findings.append(_finding(ctx, draft, standard, regimen, deviation))
    return findings


def _unique(drafts) -> list[dict]:
    seen, unique = set(), []
    for draft in drafts:
        if id(draft) not in seen:
            seen.add(id(draft))
            unique.append(draft)
    return unique


def _standard_for(ctx: RuleContext, draft: dict) -> dict | None:
    """The card file's regimen for this drug (and octreotide formulation), or None."""
    ingredients = {entry.ingredient for entry in drug_entries(ctx, draft)}
    for standard in ctx.params["regimens"]:
        if standard["ingredient"] not in ingredients:
            continue
        if "formulation" not in standard or ssa_formulation(ctx, draft) == standard["formulation"]:
            return standard
    return None


def _deviation(regimen: Regimen, standard: dict) -> str | None:
    """"above" | "below" | "schedule" | None (within the standard)."""
    amount = regimen.amount_per(standard["basis_days"])
    if amount > standard["max"] and not math.isclose(amount, standard["max"], rel_tol=1e-6):
        return "above"
    if amount < standard["min"] and not math.isclose(amount, standard["min"], rel_tol=1e-6):
        return "below"
    schedule = regimen.schedule
    if "interval_days" in standard and not math.isclose(schedule.interval_days, standard["interval_days"], rel_tol=1e-6):
        return "schedule"
    if "times_per_day" in standard and not math.isclose(schedule.times_per_day, standard["times_per_day"], rel_tol=1e-6):
        return "schedule"
    return None


def _finding(ctx: RuleContext, draft: dict, standard: dict, regimen: Regimen, deviation: str) -> Finding:
    variant = "dose-escalation" if deviation == "above" and standard.get("ssa") else "outside-standard"
    amount = regimen.amount_per(standard["basis_days"])
    return Finding(variant, {
        "drug": drug_name(ctx, draft),
        "draft_ref": reference_key(draft),
        "regimen": standard["label"],
        "deviation": deviation,
        "ordered": f"{_as_written(draft)} {describe_schedule(regimen.schedule)}",
        "computed": f"{describe_quantity(amount, standard['unit'])} {_basis(standard)}",
        "standard": describe_standard(standard),
        "standard_order": _standard_order(draft, standard),
    })


def _as_written(draft: dict) -> str:
    """The ordered dose as the prescriber wrote it ("0.1 mg")."""
    for dosage in draft.get("dosageInstruction") or []:
        for entry in dosage.get("doseAndRate") or []:
            quantity = entry.get("doseQuantity") or {}
            if "value" in quantity:
                return f"{quantity['value']:g} {quantity.get('unit') or quantity.get('code') or ''}".strip()
    return "dose"


def _basis(standard: dict) -> str:
    return "per day" if standard["basis_days"] == 1 else f"per {_days_text(standard['basis_days'])}"


def _days_text(days: float) -> str:
    return f"{days / 7:g} weeks" if days % 7 == 0 else f"{days:g} days"


def describe_standard(standard: dict) -> str:
    """"150–750 micrograms/day", "10 mg once daily", "120 mg every 4 weeks" — from the card parameters."""
    low, high, unit = standard["min"], standard["max"], standard["unit"]
    amount = describe_quantity(low, unit) if low == high else \
        f"{low:g}–{describe_quantity(high, unit)}"
    if "interval_days" in standard:
        return f"{amount} every {_days_text(standard['interval_days'])}"
    if standard.get("times_per_day") == 1:
        return f"{amount} once daily"
    return f"{amount}/day" if standard["basis_days"] == 1 else f"{amount} {_basis(standard)}"


def _standard_order(draft: dict, standard: dict) -> dict | None:
    """The same order at the standard dose, for a fixed standard (one dose, one schedule); else None."""
    if standard["min"] != standard["max"] or not ("interval_days" in standard or "times_per_day" in standard):
        return None
    order = {key: value for key, value in copy.deepcopy(draft).items()
             if key not in ("id", "meta", "identifier", "dosageInstruction")}
    order["status"] = "draft"
    if "interval_days" in standard:
        days = standard["interval_days"]
        repeat = {"frequency": 1, "period": days // 7, "periodUnit": "wk"} if days % 7 == 0 else \
            {"frequency": 1, "period": days, "periodUnit": "d"}
    else:
        repeat = {"frequency": standard["times_per_day"], "period": 1, "periodUnit": "d"}
    dose = {"value": standard["min"], "unit": standard["unit"], "system": UCUM_SYSTEM, "code": standard["unit"]}
    dosage = {"text": describe_standard(standard), "timing": {"repeat": repeat}, "doseAndRate": [{"doseQuantity": dose}]}
    route = next((d["route"] for d in draft.get("dosageInstruction") or [] if d.get("route")), None)
    if route:
        dosage["route"] = route
    order["dosageInstruction"] = [dosage]
    return order
