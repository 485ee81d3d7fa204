"""Rule 8 `standard-dose-check`: a draft order whose structured dose or frequency is outside the standard.

The standards are data (`regimens` in the card file): per regimen the ingredient (and, for octreotide, the
formulation), the unit, the basis (a daily dose, or a per-4-weeks dose for depots), the range, and for
fixed regimens the schedule (once daily; every 4 weeks). A dose is read by service/dosing.py; a dose that
is not fully structured gives no card, never a guessed one.

Catalog v2, in this order:
- a gross deviation (≥ `gross_error_factor` × the upper limit or ≤ 1/factor × the lower, per day or, for depots,
  per injection) is a warning naming a probable unit or decimal error, on every draft, renewals included; it
  offers the dose corrected by ×/÷ 1000 only when that falls inside the range;
- a renewal (RULES.md v2 "Renewal") at the dose of the order it renews says nothing more;
- depot intervals of `monthly_interval_min_days`–`monthly_interval_max_days` (28–31 days), "monthly" and
  "every 1 month" are every 4 weeks;
- above the standard for a somatostatin analog is dose escalation (info); below the standard is info with the
  standard shown and no one-click re-escalation; anything else outside (above for everolimus / sunitinib, a
  schedule) is a warning with the standard order as replacement.
A replacement order never keeps a product that cannot deliver its dose: it takes the regimen's `product`
(the right strength) or the ingredient.
"""

from __future__ import annotations

import copy
import math

from ..cards import Finding
from ..dosing import (Regimen, Schedule, describe_quantity, describe_schedule, parse_regimen, unit_strength,
                      written_dose)
from ..record import codings, reference_key
from ..terminology import RXNORM
from ..units import UCUM_SYSTEM, warm_up
from ._renewal import renewed_orders
from .common import (RuleContext, drug_entries, drug_name, has_pnet, medication_concept, ssa_formulation,
                     triggering_medication_drafts, unique)

DRUG_SETS = ("somatostatin-analogs", "everolimus", "sunitinib")
UNIT_SLIP = 1000  # mg ↔ micrograms, g ↔ mg: the unit-corrected dose offered on a gross-error card

warm_up()  # the rule is loaded at start-up: build the UCUM registry then, not in the first hook call


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = unique(d for value_set in DRUG_SETS for d in triggering_medication_drafts(ctx, value_set))
    if not drafts or not has_pnet(ctx):
        return []
    findings = []
    for draft in drafts:
        standard = _standard_for(ctx, draft)
        regimen = _regimen(ctx, draft, standard) if standard else None
        finding = _check(ctx, draft, standard, regimen) if regimen else None
        if finding:
            findings.append(finding)
    return findings


def _check(ctx: RuleContext, draft: dict, standard: dict, regimen: Regimen) -> Finding | None:
    if _gross_ratio(regimen, standard, ctx.params):
        return _gross_finding(ctx, draft, standard, regimen)
    if _renews_same_regimen(ctx, draft, standard, regimen):
        return None
    deviation = _deviation(regimen, standard)
    return _finding(ctx, draft, standard, regimen, deviation) if deviation else None


def _standard_for(ctx: RuleContext, draft: dict) -> dict | None:
    """The card file's regimen for this drug (and octreotide formulation), or None."""
    ingredients = {entry.ingredient for entry in drug_entries(ctx, draft)}
    for standard in ctx.params["regimens"]:
        if standard["ingredient"] not in ingredients:
            continue
        if "formulation" not in standard or ssa_formulation(ctx, draft) == standard["formulation"]:
            return standard
    return None


def _regimen(ctx: RuleContext, order: dict, standard: dict) -> Regimen | None:
    """The order's regimen in the standard's unit; a depot given every 28–31 days reads as every 4 weeks."""
    regimen = parse_regimen(order, standard["unit"], ctx.params["depot_month_days"])
    if regimen is None or "interval_days" not in standard:
        return regimen
    interval = regimen.schedule.interval_days
    monthly = ctx.params["monthly_interval_min_days"] <= interval <= ctx.params["monthly_interval_max_days"]
    if monthly and not _close(interval, standard["interval_days"]):
        written = regimen.schedule.written or describe_schedule(regimen.schedule)
        return Regimen(regimen.dose, regimen.unit, Schedule(1, standard["interval_days"], f"{written} (monthly)"))
    return regimen


def _renews_same_regimen(ctx: RuleContext, draft: dict, standard: dict, regimen: Regimen) -> bool:
    """A renewal with the dose and schedule of an order it renews (a dose change is checked like a new start)."""
    for order in renewed_orders(ctx, draft):
        previous = _regimen(ctx, order, standard)
        if previous and _close(previous.amount_per(standard["basis_days"]), regimen.amount_per(standard["basis_days"])) \
                and _close(previous.schedule.interval_days, regimen.schedule.interval_days):
            return True
    return False


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6)


def _compared_amount(regimen: Regimen, standard: dict) -> float:
    """What the gross check compares: the dose per injection for depots, else the amount per day."""
    return regimen.dose if "interval_days" in standard else regimen.amount_per(standard["basis_days"])


def _gross_ratio(regimen: Regimen, standard: dict, params: dict) -> float | None:
    """How many times above the upper limit (> 1) or below the lower limit (< 1) a gross deviation is; None
    when the dose is within `gross_error_factor` of the range."""
    factor, amount = float(params["gross_error_factor"]), _compared_amount(regimen, standard)
    if amount >= factor * standard["max"]:
        return amount / standard["max"]
    if amount <= standard["min"] / factor:
        return amount / standard["min"]
    return None


def _deviation(regimen: Regimen, standard: dict) -> str | None:
    """"above" | "below" | "schedule" | None (within the standard)."""
    amount = regimen.amount_per(standard["basis_days"])
    if amount > standard["max"] and not _close(amount, standard["max"]):
        return "above"
    if amount < standard["min"] and not _close(amount, standard["min"]):
        return "below"
    schedule = regimen.schedule
    if "interval_days" in standard and not _close(schedule.interval_days, standard["interval_days"]):
        return "schedule"
    if "times_per_day" in standard and not _close(schedule.times_per_day, standard["times_per_day"]):
        return "schedule"
    return None


def _variant(standard: dict, deviation: str) -> str:
    if deviation == "below":
        return "below-standard"
    return "dose-escalation" if deviation == "above" and standard.get("ssa") else "outside-standard"


def _facts(ctx: RuleContext, draft: dict, standard: dict, regimen: Regimen) -> dict:
    amount = regimen.amount_per(standard["basis_days"])
    return {
        "drug": drug_name(ctx, draft),
        "draft_ref": reference_key(draft),
        "regimen": standard["label"],
        "ordered": f"{_as_written(draft)} {describe_schedule(regimen.schedule)}",
        "computed": f"{describe_quantity(amount, standard['unit'])} {_basis(standard)}",
        "standard": describe_standard(standard),
        "depot": "interval_days" in standard,
        "gross": False,
    }


def _finding(ctx: RuleContext, draft: dict, standard: dict, regimen: Regimen, deviation: str) -> Finding:
    variant = _variant(standard, deviation)
    standard_order = None if variant == "below-standard" else _standard_order(ctx, draft, standard)
    return Finding(variant, {**_facts(ctx, draft, standard, regimen), "deviation": deviation,
                             "standard_order": standard_order})


def _gross_finding(ctx: RuleContext, draft: dict, standard: dict, regimen: Regimen) -> Finding:
    ratio = _gross_ratio(regimen, standard, ctx.params)
    above = ratio > 1
    corrected = _unit_corrected(regimen, standard, UNIT_SLIP if not above else 1 / UNIT_SLIP)
    per = "per injection" if "interval_days" in standard else "per day"
    compared = f"{describe_quantity(_compared_amount(regimen, standard), standard['unit'])} {per}"
    return Finding("unit-error", {
        **_facts(ctx, draft, standard, regimen), "deviation": "above" if above else "below", "gross": True,
        "compared": compared,
        "how_far": f"{ratio:,.0f} times the upper limit" if above else f"1/{1 / ratio:,.0f} of the lower limit",
        "corrected_dose": describe_quantity(corrected.dose, standard["unit"]) if corrected else None,
        "corrected_order": _order_with(ctx, draft, standard, corrected, draft_dosage=True) if corrected else None,
    })


def _unit_corrected(regimen: Regimen, standard: dict, multiplier: float) -> Regimen | None:
    """The regimen with its dose × `multiplier` (a mg/micrograms slip undone), when that is inside the range."""
    candidate = Regimen(regimen.dose * multiplier, regimen.unit, regimen.schedule)
    amount = _compared_amount(candidate, standard)
    low, high = standard["min"], standard["max"]
    inside = (low <= amount <= high) or _close(amount, low) or _close(amount, high)
    return candidate if inside else None


def _as_written(draft: dict) -> str:
    """The ordered dose as the prescriber wrote it ("0.1 mg")."""
    return written_dose(draft) or "dose"


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


def _standard_order(ctx: RuleContext, draft: dict, standard: dict) -> dict | None:
    """The same order at the standard dose, for a fixed standard (one dose, one schedule); else None."""
    if standard["min"] != standard["max"] or not ("interval_days" in standard or "times_per_day" in standard):
        return None
    if "interval_days" in standard:
        schedule = Schedule(1, standard["interval_days"])
    else:
        schedule = Schedule(standard["times_per_day"], 1)
    dose = standard["min"] / standard["times_per_day"] if "times_per_day" in standard else standard["min"]
    regimen = Regimen(dose, standard["unit"], schedule)
    return _order_with(ctx, draft, standard, regimen, draft_dosage=False)


def _order_with(ctx: RuleContext, draft: dict, standard: dict, regimen: Regimen, draft_dosage: bool) -> dict:
    """A new draft order: the draft's drug (or, when its product cannot deliver the dose, the right-strength
    product or the ingredient) at `regimen`; `draft_dosage` keeps the draft's own timing and route."""
    order = {key: value for key, value in copy.deepcopy(draft).items()
             if key not in ("id", "meta", "identifier", "dosageInstruction")}
    order["status"] = "draft"
    if not _delivers(ctx, draft, regimen, standard):
        for key in ("medicationReference", "contained"):
            order.pop(key, None)
        order["medicationCodeableConcept"] = _medication_for(ctx, standard, regimen.dose)
    value = round(float(regimen.dose), 6)
    dose = {"value": int(value) if value.is_integer() else value, "unit": standard["unit"], "system": UCUM_SYSTEM,
            "code": standard["unit"]}
    if draft_dosage:
        dosage = copy.deepcopy(next(d for d in draft["dosageInstruction"] if isinstance(d, dict)))
        dosage.pop("text", None)
        dosage["doseAndRate"] = [{"doseQuantity": dose}]
        dosage["text"] = f"{describe_quantity(regimen.dose, standard['unit'])} {describe_schedule(regimen.schedule)}"
    else:
        dosage = {"text": describe_standard(standard), "timing": {"repeat": _repeat(standard)},
                  "doseAndRate": [{"doseQuantity": dose}]}
        route = next((d["route"] for d in draft.get("dosageInstruction") or [] if d.get("route")), None)
        if route:
            dosage["route"] = route
    order["dosageInstruction"] = [dosage]
    return order


def _repeat(standard: dict) -> dict:
    if "interval_days" in standard:
        days = standard["interval_days"]
        return {"frequency": 1, "period": days // 7, "periodUnit": "wk"} if days % 7 == 0 else \
            {"frequency": 1, "period": days, "periodUnit": "d"}
    return {"frequency": standard["times_per_day"], "period": 1, "periodUnit": "d"}


def _delivers(ctx: RuleContext, draft: dict, regimen: Regimen, standard: dict) -> bool:
    """False when a product code of the draft has a fixed strength per unit other than the dose (a 50 mg
    capsule for 37.5 mg, a 60 mg syringe for 120 mg); an ingredient or brand code delivers any dose."""
    for coding in codings(medication_concept(ctx, draft)):
        entry = ctx.terminology.drug_entry(coding)
        strength = unit_strength(entry.display, standard["unit"]) if entry and entry.tty in ("SCD", "SBD") else None
        if strength is not None and not _close(strength, regimen.dose):
            return False
    return True


def _medication_for(ctx: RuleContext, standard: dict, dose: float) -> dict:
    """The regimen's product of the right strength (card parameter `product`), else the ingredient code."""
    product = standard.get("product")
    if product and _close(unit_strength(product["display"], standard["unit"]) or -1, dose):
        coding = {"system": RXNORM, "code": str(product["code"]), "display": product["display"]}
    else:
        coding = _ingredient_coding(ctx, standard["ingredient"])
    return {"coding": [coding], "text": coding["display"]}


def _ingredient_coding(ctx: RuleContext, ingredient: str) -> dict:
    for value_set in ctx.terminology.value_sets.values():
        for entry in value_set.entries.values():
            if entry.ingredient == ingredient and entry.tty == "IN":
                return {"system": entry.system, "code": entry.code, "display": entry.display}
    raise KeyError(f"no RxNorm ingredient (tty IN) code for {ingredient!r} in cards/valuesets")
