"""Rule 5 `vipoma-fluids-electrolytes`: low potassium or magnesium in VIPoma; or no recent potassium."""

from __future__ import annotations

from ..cards import Finding, Markdown, escape_markdown
from ..fhirtime import effective_time, format_date
from .common import (RuleContext, describe_result, draft_service_requests, has_pnet, is_below_range,
                     latest_observation, observations, conditions_in, condition_label)


def evaluate(ctx: RuleContext) -> list[Finding]:
    if not has_pnet(ctx):
        return []
    vipoma = conditions_in(ctx, "vipoma")
    if not vipoma:
        return []
    window = ctx.days("low_result_window_days")
    low = {}
    for lab in ("potassium", "magnesium"):
        latest = latest_observation(ctx, lab, within=window)
        if latest is not None and is_below_range(latest):
            low[lab] = latest
    if low:
        lines = "\n".join(f"- {escape_markdown(describe_result(result))}" for result in low.values())
        return [Finding("low-electrolytes", {
            "vipoma": condition_label(vipoma), "low_results": Markdown(lines),
            "potassium_low": "potassium" in low, "magnesium_low": "magnesium" in low})]
    if latest_observation(ctx, "potassium", within=ctx.days("testing_window_days")) is None \
            and not draft_service_requests(ctx, "basic-metabolic-panel"):
        previous = observations(ctx, "potassium")
        last = format_date(effective_time(previous[0])) if previous else None
        return [Finding("testing-due", {"vipoma": condition_label(vipoma), "last_potassium_date": last})]
    return []
