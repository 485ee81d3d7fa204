"""Rule 3 `everolimus-hyperglycemia`: everolimus newly started (v2: not a renewal) for a patient with diabetes
or a high recent HbA1c / fasting glucose (units converted: HbA1c % or mmol/mol, glucose mg/dL or mmol/L).

Not for a patient with an active insulinoma: there the rise in glucose is what everolimus is for.
"""

from __future__ import annotations

from ..cards import Finding
from ..record import reference_key
from ..units import glucose_mg_per_dl, hba1c_percent
from .common import (RuleContext, condition_facts, conditions_in, draft_service_requests, drug_name, has_pnet,
                     latest_observation, quantity, result_facts, service_requests, triggering_medication_drafts)
from ._renewal import new_starts


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = new_starts(ctx, triggering_medication_drafts(ctx, "everolimus"))
    if not drafts or not has_pnet(ctx) or conditions_in(ctx, "insulinoma"):
        return []
    evidence = _hyperglycemia_evidence(ctx)
    if not any(evidence.values()):
        return []
    return [Finding(facts={
        "drug": drug_name(ctx, draft), "draft_ref": reference_key(draft), **evidence, "hba1c_due": _hba1c_due(ctx),
    }) for draft in drafts]


def _hyperglycemia_evidence(ctx: RuleContext) -> dict:
    """What shows diabetes / hyperglycemia, as facts for the card: `diabetes` (the conditions), `hba1c` and
    `glucose` (a result at or above its threshold, with its value converted when measured in another unit);
    each None when it shows nothing."""
    diabetes = conditions_in(ctx, "diabetes")
    window = ctx.days("lab_window_days")
    hba1c = latest_observation(ctx, "hba1c", within=window)
    glucose = latest_observation(ctx, "fasting-glucose", within=window)
    return {
        "diabetes": condition_facts(diabetes) if diabetes else None,
        "hba1c": _at_or_above(hba1c, hba1c_percent, "%", float(ctx.params["hba1c_threshold_percent"])),
        "glucose": _at_or_above(glucose, glucose_mg_per_dl, "mg/dL",
                                float(ctx.params["fasting_glucose_threshold_mg_dl"])),
    }


def _at_or_above(observation: dict | None, convert, unit: str, threshold: float) -> dict | None:
    """The result's facts when its value, converted into `unit`, is at or above `threshold`; else None."""
    measured = quantity(observation) if observation else None
    value = convert(*measured) if measured else None
    if value is None or value < threshold:
        return None
    return {**result_facts(observation), "converted": None if measured[1] == unit else {"value": value, "unit": unit}}


def _hba1c_due(ctx: RuleContext) -> bool:
    """No HbA1c result in the testing window, none among the drafts and none already ordered."""
    if latest_observation(ctx, "hba1c", within=ctx.days("hba1c_testing_window_days")) is not None:
        return False
    return not (draft_service_requests(ctx, "hba1c") or service_requests(ctx, "hba1c", {"active", "on-hold"}))
