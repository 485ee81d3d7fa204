"""Rule 11 `prrt-post-dose-ssa-plan`: when Lu-177 dotatate is drafted, plan the somatostatin analog after it.

Info only, and specific to what comes after the dose (rule 10 speaks about the washout before it, rule 13
about the schedule and activity). With an active insulinoma no octreotide order is suggested (somatostatin
analogs may worsen its hypoglycemia, rule 1). Silent when a long-acting somatostatin analog is already among the draft
orders: the post-dose plan is being written.
"""

from __future__ import annotations

from ..cards import Finding
from ..fhirtime import format_date
from .common import RuleContext, condition_label, conditions_in, draft_medications, drug_name, ssa_formulation
from ._prrt import add_months, course_doses, lutetium_drafts


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = lutetium_drafts(ctx)
    if not drafts or _post_dose_ssa_drafted(ctx):
        return []
    doses = course_doses(ctx)
    start = doses[-1].when if doses else ctx.now
    functional = _conditions(ctx, ctx.params["functional_value_sets"])
    insulinoma = _conditions(ctx, ["insulinoma"])
    return [Finding(facts={
        "drug": drug_name(ctx, drafts[0]),
        "course_start": format_date(doses[-1].when) if doses else None,
        "continue_until": format_date(add_months(start, int(ctx.params["continue_months_from_start"]))),
        "functional": condition_label(functional) if functional else None,
        "insulinoma": condition_label(insulinoma) if insulinoma else None,
        "offer_octreotide": not insulinoma,
    })]


def _conditions(ctx: RuleContext, value_set_ids: list[str]) -> list[dict]:
    """Active conditions in any of the value sets, each once."""
    found = {}
    for value_set_id in value_set_ids:
        for condition in conditions_in(ctx, value_set_id):
            found.setdefault(id(condition), condition)
    return list(found.values())


def _post_dose_ssa_drafted(ctx: RuleContext) -> bool:
    return any(ssa_formulation(ctx, draft) == "long-acting"
               for draft in draft_medications(ctx, "somatostatin-analogs"))
