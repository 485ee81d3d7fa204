"""Rule 23 `sunitinib-baseline-monitoring`: sunitinib newly started (v2: not a renewal) with no recent blood
pressure or TSH."""

from __future__ import annotations

from ..cards import Finding
from ..fhirtime import effective_time, format_date
from .common import (RuleContext, draft_service_requests, drug_name, has_pnet, latest_observation, observations,
                     triggering_medication_drafts)
from ._renewal import new_starts
from ._therapy import latest_systolic_bp


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = new_starts(ctx, triggering_medication_drafts(ctx, "sunitinib"))
    if not drafts or not has_pnet(ctx):
        return []
    bp_missing = latest_systolic_bp(ctx, ctx.days("bp_window_days")) is None
    tsh_missing = latest_observation(ctx, "tsh", within=ctx.days("tsh_window_days")) is None \
        and not draft_service_requests(ctx, "tsh")
    if not (bp_missing or tsh_missing):
        return []
    previous_tsh = observations(ctx, "tsh")
    return [Finding(facts={
        "drug": drug_name(ctx, drafts[0]), "bp_missing": bp_missing, "tsh_missing": tsh_missing,
        "last_tsh_date": format_date(effective_time(previous_tsh[0])) if previous_tsh else None,
        "offer_urine_protein": not draft_service_requests(ctx, "urine-protein"),
    })]
