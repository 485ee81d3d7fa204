"""Rule 24 `pasireotide-with-everolimus`: pasireotide drafted while everolimus is active or drafted.

Not on every renewal: a pasireotide draft that renews an order speaks only when the combination is new since
that order — everolimus drafted now, or its order or statement dated after the renewed pasireotide order (or
undated: when unsure, the card speaks). A renewal of a combination already in place is noise (RULES.md v2).
"""

from __future__ import annotations

from ..cards import Finding
from ..fhirtime import FhirTime, parse_fhir_time
from ..record import reference_key
from ._renewal import renewed_orders
from ._therapy import given_with
from .common import RuleContext, drug_name, has_pnet, triggering_medication_drafts


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = triggering_medication_drafts(ctx, "pasireotide")
    if not drafts or not has_pnet(ctx):
        return []
    everolimus = given_with(ctx, "everolimus")
    if not everolimus:
        return []
    resource, evidence = everolimus[0]
    return [Finding(facts={"drug": drug_name(ctx, draft), "draft_ref": reference_key(draft),
                           "everolimus": drug_name(ctx, resource), "everolimus_evidence": evidence})
            for draft in drafts if _combination_is_new(ctx, draft, everolimus)]


def _combination_is_new(ctx: RuleContext, draft: dict, everolimus: list[tuple[dict, str]]) -> bool:
    """True unless `draft` renews a pasireotide order and every everolimus record predates that order."""
    renewed = renewed_orders(ctx, draft)
    if not renewed:
        return True
    renewed_since = [_started(order) for order in renewed]
    if any(span is None for span in renewed_since):
        return True
    # Partial dates read so that the card can speak: the renewed order as early, everolimus as late as allowed.
    latest_renewed = max(span.earliest for span in renewed_since)
    for resource, evidence in everolimus:
        if evidence == "draft order":  # a new everolimus start is a new combination; a renewal began earlier
            since = [_started(order) for order in renewed_orders(ctx, resource)]
        else:
            since = [_started(resource)]
        if not since or any(span is None or span.latest > latest_renewed for span in since):
            return True
    return False


def _started(resource: dict) -> FhirTime | None:
    """When an order or statement began: authoredOn, else the statement's period start or date asserted."""
    period = resource.get("effectivePeriod") if isinstance(resource.get("effectivePeriod"), dict) else {}
    for value in (resource.get("authoredOn"), period.get("start"), resource.get("effectiveDateTime"),
                  resource.get("dateAsserted")):
        span = parse_fhir_time(value) if isinstance(value, str) else None
        if span is not None:
            return span
    return None
