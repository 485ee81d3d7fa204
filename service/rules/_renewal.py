"""RULES.md v2 "Renewal": is a draft order the renewal of therapy already under way, or a new start?

A draft renews an order when the patient has an *active* order (status active, an order intent) for one of the
draft's ingredients, or when its `priorPrescription` / `basedOn` names a MedicationRequest for the same
ingredient that is active or ended (completed / stopped) within the renewal window — a local-policy number,
`renewal_window_days` in the card file of every rule that asks. `basedOn` pointing to a CarePlan or
RequestGroup (an order set) names no predecessor. Resuming an on-hold order is a new start, and so is a draft
whose drug cannot be identified, or whose predecessor cannot be seen or read: when unsure, the rule speaks.

Rules marked "new starts only" (3, 21, 23, and rule 8 except its gross-error check) ask `is_renewal`;
rule 8 also compares the draft's dose with the predecessors' (`renewed_orders`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..fhirtime import FhirTime, parse_fhir_datetime, parse_fhir_time
from ..record import reference_key
from .common import ORDER_INTENTS, RuleContext, as_dict, drug_entries

ENDED_STATUS = {"completed", "stopped"}
WINDOW_PARAMETER = "renewal_window_days"


def is_renewal(ctx: RuleContext, draft: dict) -> bool:
    """True when `draft` renews an order the patient has (see the module docstring); False = a new start."""
    return bool(renewed_orders(ctx, draft))


def renewed_orders(ctx: RuleContext, draft: dict) -> list[dict]:
    """The MedicationRequests `draft` renews: active orders of one of its ingredients, and its named
    predecessor when of the same ingredient and active or ended within the renewal window. Empty for a new
    start. Raises KeyError when the rule's card file has no `renewal_window_days` parameter."""
    window = timedelta(days=float(ctx.params[WINDOW_PARAMETER]))
    ingredients = ingredients_of(ctx, draft)
    if not ingredients:
        return []
    found = [order for order in _active_orders(ctx, ingredients) if reference_key(order) != reference_key(draft)]
    for predecessor in _named_predecessors(ctx, draft):
        if ingredients_of(ctx, predecessor) & ingredients and _still_renewable(ctx, predecessor, window) \
                and not any(predecessor is order for order in found):
            found.append(predecessor)
    return found


def ingredients_of(ctx: RuleContext, resource: dict) -> set[str]:
    """The ingredient concepts of a medication resource's drug codes (any RxNorm level), or an empty set."""
    return {entry.ingredient for entry in drug_entries(ctx, resource) if entry.ingredient}


def _active_orders(ctx: RuleContext, ingredients: set[str]) -> list[dict]:
    return ctx.cache.once("renewal-active-orders", lambda: ctx.record.valid(
        "MedicationRequest", lambda r: r.get("status") == "active" and r.get("intent") in ORDER_INTENTS
        and bool(ingredients_of(ctx, r) & ingredients)), frozenset(ingredients))


def _named_predecessors(ctx: RuleContext, draft: dict) -> list[dict]:
    """The MedicationRequests named by `priorPrescription` and `basedOn` (CarePlans, RequestGroups and
    references that do not resolve name none)."""
    references = [as_dict(draft.get("priorPrescription")).get("reference")]
    based_on = draft.get("basedOn") if isinstance(draft.get("basedOn"), list) else []
    references += [as_dict(item).get("reference") for item in based_on]
    found = []
    for reference in references:
        resource = ctx.record.resolve(reference, draft)
        if resource is not None and resource.get("resourceType") == "MedicationRequest" and resource is not draft:
            found.append(resource)
    return found


def _still_renewable(ctx: RuleContext, order: dict, window: timedelta) -> bool:
    """Active, or ended (completed / stopped) no longer than `window` before now. The end is the validity
    period's end, else the dosage bounds' end, else — unknown — the day it was written (the earliest it can
    have ended, so an order of unknown length does not silence a card for longer than the window)."""
    status = order.get("status")
    if status == "active":
        return True
    if status not in ENDED_STATUS:
        return False  # on-hold (resuming it is a new start), cancelled, entered-in-error, draft, unknown
    ended = order_end(order)
    return ended is not None and ctx.now - ended <= window


def order_end(order: dict) -> datetime | None:
    """When an order's supply ran out: validityPeriod.end, else the latest dosage boundsPeriod.end, else
    authoredOn; None when it has no date at all."""
    validity = as_dict(as_dict(order.get("dispenseRequest")).get("validityPeriod"))
    end = parse_fhir_datetime(validity.get("end"))
    if end:
        return end
    bounds = [_bounds_end(dosage) for dosage in order.get("dosageInstruction") or []]
    bounds = [b for b in bounds if b]
    return max(bounds) if bounds else parse_fhir_datetime(order.get("authoredOn"))


def _bounds_end(dosage) -> datetime | None:
    repeat = as_dict(as_dict(as_dict(dosage).get("timing")).get("repeat"))
    return parse_fhir_datetime(as_dict(repeat.get("boundsPeriod")).get("end"))


def new_starts(ctx: RuleContext, drafts: list[dict]) -> list[dict]:
    """The drafts that are new starts, not renewals (for the rules marked "new starts only")."""
    return [draft for draft in drafts if not is_renewal(ctx, draft)]


def combination_is_new(ctx: RuleContext, draft: dict, partners: list[tuple[dict, str]]) -> bool:
    """True unless `draft` renews an order and every partner record — (resource, evidence) as `given_with`
    reads it — predates that order (RULES.md v2: a renewal of a combination already in place is noise).
    A partner drafted now is new unless it renews an order of its own begun earlier; an undated order or
    record counts as new (when unsure, the card speaks)."""
    renewed = renewed_orders(ctx, draft)
    if not renewed:
        return True
    renewed_since = [_started(order) for order in renewed]
    if any(span is None for span in renewed_since):
        return True
    # Partial dates read so that the card can speak: the renewed order as early, the partner as late as allowed.
    latest_renewed = max(span.earliest for span in renewed_since)
    for resource, evidence in partners:
        if evidence == "draft order":  # a new partner start is a new combination; a renewal began earlier
            since = [_started(order) for order in renewed_orders(ctx, resource)]
        else:
            since = [_started(resource)]
        if not since or any(span is None or span.latest > latest_renewed for span in since):
            return True
    return False


def _started(resource: dict) -> FhirTime | None:
    """When an order or statement began: authoredOn, else the statement's period start or date asserted."""
    period = as_dict(resource.get("effectivePeriod"))
    for value in (resource.get("authoredOn"), period.get("start"), resource.get("effectiveDateTime"),
                  resource.get("dateAsserted")):
        span = parse_fhir_time(value) if isinstance(value, str) else None
        if span is not None:
            return span
    return None
