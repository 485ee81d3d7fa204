"""Rule 3 `everolimus-hyperglycemia`: everolimus newly started (v2: not a renewal) for a patient with diabetes
or a high recent HbA1c / fasting glucose (units converted: HbA1c % or mmol/mol, glucose mg/dL or mmol/L).

Not for a patient with an active insulinoma: there the rise in glucose is what everolimus is for.
"""

from __future__ import annotations

from ..cards import Finding, Markdown, escape_markdown
from ..record import reference_key
from ..units import glucose_mg_per_dl, hba1c_percent
from .common import (RuleContext, condition_label, conditions_in, describe_result, draft_service_requests,
                     drug_name, has_pnet, latest_observation, quantity, service_requests,
                     triggering_medication_drafts)
from ._renewal import new_starts


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = new_starts(ctx, triggering_medication_drafts(ctx, "everolimus"))
    if not drafts or not has_pnet(ctx) or conditions_in(ctx, "insulinoma"):
        return []
    evidence = _hyperglycemia_evidence(ctx)
    if not evidence:
        return []
    lines = "\n".join(f"- {escape_markdown(line)}" for line in evidence)
    return [Finding(facts={
        "drug": drug_name(ctx, draft), "draft_ref": reference_key(draft), "evidence": Markdown(lines),
        "hba1c_due": _hba1c_due(ctx),
    }) for draft in drafts]


def _hyperglycemia_evidence(ctx: RuleContext) -> list[str]:
    """What shows diabetes / hyperglycemia, as lines for the card; empty when nothing does."""
    evidence = []
    diabetes = conditions_in(ctx, "diabetes")
    if diabetes:
        evidence.append(f"Diabetes mellitus on the problem list: {condition_label(diabetes)}")
    window = ctx.days("lab_window_days")
    hba1c = latest_observation(ctx, "hba1c", within=window)
    percent = _converted(hba1c, hba1c_percent)
    if percent is not None and percent >= float(ctx.params["hba1c_threshold_percent"]):
        evidence.append(_with_conversion(describe_result(hba1c), hba1c, percent, "%"))
    glucose = latest_observation(ctx, "fasting-glucose", within=window)
    mg_dl = _converted(glucose, glucose_mg_per_dl)
    if mg_dl is not None and mg_dl >= float(ctx.params["fasting_glucose_threshold_mg_dl"]):
        evidence.append(_with_conversion(describe_result(glucose), glucose, mg_dl, "mg/dL"))
    return evidence


def _converted(observation: dict | None, convert) -> float | None:
    measured = quantity(observation) if observation else None
    return convert(*measured) if measured else None


def _with_conversion(text: str, observation: dict, value: float, unit: str) -> str:
    measured_unit = quantity(observation)[1]
    return text if measured_unit == unit else f"{text} (= {value:.3g} {unit})"


def _hba1c_due(ctx: RuleContext) -> bool:
    """No HbA1c result in the testing window, none among the drafts and none already ordered."""
    if latest_observation(ctx, "hba1c", within=ctx.days("hba1c_testing_window_days")) is not None:
        return False
    return not (draft_service_requests(ctx, "hba1c") or service_requests(ctx, "hba1c", {"active", "on-hold"}))
