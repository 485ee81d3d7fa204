"""Rule 17 `temozolomide-without-capecitabine`: temozolomide drafted for a pNET without capecitabine (CAPTEM).

Catalog v2: temozolomide that is part of another studied combination is not "temozolomide alone" — a partner
(everolimus, bevacizumab, thalidomide) drafted in the same session, or active while the temozolomide draft is
on the dose-intense (days on / days off) schedule. The card replaces the temozolomide draft with the CAPTEM pair.
"""

from __future__ import annotations

from ..cards import Finding
from ..record import reference_key
from .common import RuleContext, condition_facts, conditions_in, drug_name, has_pnet, triggering_medication_drafts
from ._renewal import new_starts
from ._therapy import DOSE_INTENSE, given_with, partners_with, temozolomide_schedule


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = new_starts(ctx, triggering_medication_drafts(ctx, "temozolomide"))  # v2: not on renewals
    if not drafts or not has_pnet(ctx) or given_with(ctx, "capecitabine"):
        return []
    if partners_with(ctx, ("draft order",)):
        return []
    active_partner = bool(partners_with(ctx, ("active order", "active statement")))
    days_on, days_off = int(ctx.params["days_on"]), int(ctx.params["days_off"])
    alone = [d for d in drafts
             if not (active_partner and temozolomide_schedule(d, days_on, days_off).kind == DOSE_INTENSE)]
    if not alone:
        return []
    draft = alone[0]
    return [Finding(facts={"drug": drug_name(ctx, draft), "draft_ref": reference_key(draft),
                           "pnet": condition_facts(conditions_in(ctx, "pnet"))})]
