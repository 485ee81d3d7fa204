"""How a somatostatin-analog record is read for the PRRT washout (rule 10): its formulation, its route and
dose, the interval of a long-acting order.

RULES.md rule 10 v2: an octreotide dose of unknown formulation counts as long-acting when given
intramuscularly, or by a parenteral or unknown route in milligrams at or above the depot threshold (local
policy); oral octreotide is not a depot; a record with neither route nor dose is "formulation unknown".

Route codes (SNOMED CT, verified in the FHIR SNOMEDCTRouteCodes value set expansion,
hl7.org/fhir/valueset-route-codes.html, and in several public FHIR code bases): 78421000 Intramuscular
route, 47625008 Intravenous route, 34206005 Subcutaneous route, 26643006 Oral route. HL7 v3
RouteOfAdministration IM / IV / SQ / PO are read too, and the route text ("IM", "intramuscular", "oral").
"""

from __future__ import annotations

import re

from ..record import codings, concept_text
from ..dosing import dosages, first_dose_in
from .common import RuleContext, as_dict, ssa_formulation

SNOMED = "http://snomed.info/sct"
V3_ROUTE = "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration"
_ROUTES = {
    (SNOMED, "78421000"): "intramuscular", (V3_ROUTE, "IM"): "intramuscular",
    (SNOMED, "47625008"): "parenteral", (V3_ROUTE, "IV"): "parenteral",
    (SNOMED, "34206005"): "parenteral", (V3_ROUTE, "SQ"): "parenteral",
    (SNOMED, "26643006"): "oral", (V3_ROUTE, "PO"): "oral",
}
_ROUTE_TEXT = [
    (re.compile(r"\b(?:im|intramuscular(?:ly)?|intra-muscular)\b", re.I), "intramuscular"),
    (re.compile(r"\b(?:oral(?:ly)?|po|by mouth)\b", re.I), "oral"),
    (re.compile(r"\b(?:iv|intravenous(?:ly)?|sc|sq|subcut(?:aneous(?:ly)?)?|injection)\b", re.I), "parenteral"),
]
_PERIOD_DAYS = {"d": 1, "wk": 7, "mo": 28}  # a month of depot intervals is 4 weeks (RULES.md rule 8 v2)


def route_of(resource: dict) -> str | None:
    """intramuscular | parenteral | oral from the record's route code or text, else None."""
    for route in _routes(resource):
        for coding in codings(route):
            if coding in _ROUTES:
                return _ROUTES[coding]
        text = concept_text(route)
        for pattern, kind in _ROUTE_TEXT:
            if text and pattern.search(text):
                return kind
    return None


def _routes(resource: dict) -> list[dict]:
    return [as_dict(d.get("route")) for d in dosages(resource) if d.get("route")]


def dose_mg(resource: dict) -> float | None:
    """The first structured dose in milligrams (any mass unit converted through UCUM: `dosing.first_dose_in`)."""
    return first_dose_in(resource, "mg")


def washout_formulation(ctx: RuleContext, resource: dict, depot_min_mg: float) -> str:
    """long-acting | short-acting | oral | unknown, for the washout before PRRT (see `washout_reading`)."""
    return washout_reading(ctx, resource, depot_min_mg)[0]


def washout_reading(ctx: RuleContext, resource: dict, depot_min_mg: float) -> tuple[str, str]:
    """(formulation, what decided it: product | route | dose | nothing).

    Product codes (and LAR/depot wording) decide first; then an intramuscular route means a depot, an
    oral route not; then a dose in milligrams at or above `depot_min_mg` by a parenteral or unknown route
    is a depot, below it a short-acting dose; with neither route nor dose the formulation is unknown."""
    known = ssa_formulation(ctx, resource)
    if known:
        return known, "product"
    route = route_of(resource)
    if route in ("intramuscular", "oral"):
        return ("long-acting" if route == "intramuscular" else "oral"), "route"
    milligrams = dose_mg(resource)
    if milligrams is not None:
        return ("long-acting" if milligrams >= depot_min_mg else "short-acting"), "dose"
    return "unknown", "nothing"


def order_interval_days(resource: dict) -> int | None:
    """The injection interval of an order from `timing.repeat` (frequency 1 per period), in days."""
    for dosage in dosages(resource):
        repeat = as_dict(as_dict(dosage.get("timing")).get("repeat"))
        period, unit = repeat.get("period"), repeat.get("periodUnit")
        if isinstance(period, (int, float)) and unit in _PERIOD_DAYS and (repeat.get("frequency") or 1) == 1:
            return int(round(period * _PERIOD_DAYS[unit]))
    return None
