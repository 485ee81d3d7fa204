"""Rule 11 `prrt-post-dose-ssa-plan`: when Lu-177 dotatate is drafted, plan the somatostatin analog after it.

Info only, and specific to what comes after the dose (rule 10 speaks about the washout before it, rule 13
about the schedule and activity). Silent when a long-acting somatostatin analog is already among the draft
orders: the post-dose plan is being written. v2: no one-click long-acting order while one is active (the card
then reminds the timing only), nor for a neuroendocrine carcinoma (rule 20's reading, `_therapy.nec_conditions`);
with an active insulinoma the card is one coherent variant: no octreotide bullets and no order, one line that
post-dose octreotide may worsen hypoglycemia and needs close glucose monitoring if given.
"""

from __future__ import annotations

from ..cards import Finding
from ..fhirtime import format_date
from .common import (ACTIVE_ORDER_STATUS, ORDER_INTENTS, RuleContext, condition_facts, conditions_of_roles,
                     draft_medications, drug_name, is_drug, planned_date, ssa_formulation)
from ._prrt import add_months, current_course, lutetium_drafts
from ._ssa_exposure import washout_formulation
from ._therapy import nec_conditions


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = lutetium_drafts(ctx)
    if not drafts or _post_dose_ssa_drafted(ctx):
        return []
    planned = planned_date(ctx, drafts[0])
    doses = current_course(ctx, planned).doses  # RULES.md "Current PRRT course" (a re-treatment starts anew)
    start = doses[-1].when if doses else planned
    functional = conditions_of_roles(ctx, ctx.params["functional_roles"])
    insulinoma = conditions_of_roles(ctx, ["insulinoma"])
    active = _active_long_acting(ctx)
    nec = nec_conditions(ctx)
    return [Finding("insulinoma" if insulinoma else "default", facts={
        "drug": drug_name(ctx, drafts[0]),
        "course_start": doses[-1].recorded if doses else None,
        "continue_until": format_date(add_months(start, int(ctx.params["continue_months_from_start"]))),
        "functional": condition_facts(functional) if functional else None,
        "insulinoma": condition_facts(insulinoma) if insulinoma else None,
        "active_long_acting": drug_name(ctx, active[0]) if active else None,
        "nec": condition_facts(nec) if nec else None,
        "offer_octreotide": not insulinoma and not active and not nec,
    })]


def _active_long_acting(ctx: RuleContext) -> list[dict]:
    """Active (or on-hold) long-acting somatostatin analog orders on record."""
    orders = ctx.record.valid("MedicationRequest", lambda r: r.get("status") in ACTIVE_ORDER_STATUS
                              and r.get("intent") in ORDER_INTENTS and is_drug(ctx, r, "somatostatin-analogs"))
    depot_mg = float(ctx.params["depot_min_mg"])
    return [r for r in orders if washout_formulation(ctx, r, depot_mg) == "long-acting"]


def _post_dose_ssa_drafted(ctx: RuleContext) -> bool:
    return any(ssa_formulation(ctx, draft) == "long-acting"
               for draft in draft_medications(ctx, "somatostatin-analogs"))
