"""Rule 22 `streptozocin-renal-function`: streptozocin drafted with impaired or unknown renal function.

Warning: the latest eGFR in the window is below the threshold, or the latest creatinine is above its
reference range. Info: no eGFR or creatinine result in the window (and no creatinine among the drafts).
"""

from __future__ import annotations

from ..cards import Finding, Markdown, escape_markdown
from .common import (RuleContext, describe_result, draft_service_requests, drug_name, has_pnet, is_above_range,
                     latest_observation, quantity, triggering_medication_drafts)

EGFR_UNITS = {"ml/min/{1.73_m2}", "ml/min/1.73m2", "ml/min/1.73 m2", "ml/min/1.73_m2", "ml/min/{1.73m2}"}


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = triggering_medication_drafts(ctx, "streptozocin")
    if not drafts or not has_pnet(ctx):
        return []
    window = ctx.days("renal_window_days")
    egfr = latest_observation(ctx, "egfr", within=window)
    creatinine = latest_observation(ctx, "creatinine", within=window)
    abnormal = [o for o in (egfr,) if o is not None and _egfr_below(o, float(ctx.params["egfr_threshold"]))]
    abnormal += [o for o in (creatinine,) if o is not None and is_above_range(o)]
    drug = drug_name(ctx, drafts[0])
    if abnormal:
        lines = "\n".join(f"- {escape_markdown(describe_result(o))}" for o in abnormal)
        return [Finding("renal-impairment", {"drug": drug, "results": Markdown(lines)})]
    if egfr is None and creatinine is None and not draft_service_requests(ctx, "creatinine"):
        return [Finding("no-renal-result", {"drug": drug})]
    return []


def _egfr_below(observation: dict, threshold: float) -> bool:
    measured = quantity(observation)
    if measured is None:
        return False
    value, unit = measured
    return (not unit or unit.lower() in EGFR_UNITS) and value < threshold
