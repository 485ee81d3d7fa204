"""Rule 14 `prrt-baseline-labs`: before a Lu-177 dotatate dose, recent blood counts and renal function.

Each lab's latest final result in the window is judged by the Observation's own reference range or
interpretation flag (no range and no flag: not judged), v2 only in the adverse direction (`adverse_by_role`
in the card file: low hemoglobin, WBC, neutrophils or platelets; high creatinine or low eGFR — a high platelet
count or a low creatinine is no contraindication). Adverse → warning listing each; a group (CBC, renal) with
no result in the window, not drafted and not already ordered → info suggesting the order.
"""

from __future__ import annotations

from ..cards import Finding
from ..fhirtime import effective_time, format_date
from .common import (RuleContext, draft_service_requests, drug_name, is_above_range, is_below_range,
                     latest_observation, result_facts, service_requests)
from ._prrt import lutetium_drafts

PENDING = {"active", "on-hold"}


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = lutetium_drafts(ctx)
    if not drafts:
        return []
    window = ctx.days("result_window_days")
    abnormal, missing = [], {}
    for group in ("cbc", "renal"):
        latest = {lab: o for lab in ctx.params[f"{group}_roles"]
                  if (o := latest_observation(ctx, lab, within=window)) is not None}
        abnormal += [o for lab, o in latest.items() if _adverse(ctx, lab, o)]
        missing[group] = not latest and not _ordered(ctx, ctx.params[f"{group}_order_roles"])
    for lab in ctx.params["also_judged_roles"]:  # judged when present, never asked for (neutrophils)
        found = latest_observation(ctx, lab, within=window)
        if found is not None and _adverse(ctx, lab, found):
            abnormal.append(found)
    facts = {"drug": drug_name(ctx, drafts[0]), "cbc_missing": missing["cbc"], "renal_missing": missing["renal"],
             "last_cbc_date": _last_date(ctx, ctx.params["cbc_roles"]) if missing["cbc"] else None,
             "last_renal_date": _last_date(ctx, ctx.params["renal_roles"]) if missing["renal"] else None}
    if abnormal:
        return [Finding("out-of-range", {**facts, "abnormal_results": [_judged(o) for o in abnormal]})]
    if missing["cbc"] or missing["renal"]:
        return [Finding("labs-missing", facts)]
    return []


def _adverse(ctx: RuleContext, lab: str, observation: dict) -> bool:
    """Outside the range in the direction the card file names for the lab (low | high)."""
    direction = ctx.params["adverse_by_role"].get(lab)
    return is_below_range(observation) if direction == "low" else direction == "high" and is_above_range(observation)


def _ordered(ctx: RuleContext, roles: list[str]) -> bool:
    """Drafted in this session or already ordered (pending result)."""
    return any(draft_service_requests(ctx, role) or service_requests(ctx, role, PENDING) for role in roles)


def _last_date(ctx: RuleContext, roles: list[str]) -> str | None:
    """Date of the newest result of any of the labs (validating only those newest results)."""
    dates = [effective_time(found) for role in roles if (found := latest_observation(ctx, role))]
    return format_date(max(dates)) if dates else None


def _judged(observation: dict) -> dict:
    """The result's facts and the side of its reference range it is on (`side`: "high" | "low")."""
    return {**result_facts(observation), "side": "high" if is_above_range(observation) else "low"}
