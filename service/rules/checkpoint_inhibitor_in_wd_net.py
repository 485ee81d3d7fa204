"""Rule 19 `checkpoint-inhibitor-in-wd-net`: a PD-1/PD-L1/CTLA-4 inhibitor drafted for a well-differentiated
pNET (a pancreatic neuroendocrine neoplasm with no neuroendocrine carcinoma on record). New starts only: a
renewal of a course the card already spoke on would be noise (RULES.md v2 "Renewal")."""

from __future__ import annotations

from ..cards import Finding
from ..record import reference_key
from .common import RuleContext, condition_label, conditions_in, drug_name, has_pnet, triggering_medication_drafts
from ._renewal import new_starts
from ._therapy import nec_conditions


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = new_starts(ctx, triggering_medication_drafts(ctx, "checkpoint-inhibitors"))
    if not drafts or not has_pnet(ctx) or nec_conditions(ctx):
        return []
    pnet = condition_label(conditions_in(ctx, "pnet"))
    return [Finding(facts={"drug": drug_name(ctx, draft), "draft_ref": reference_key(draft), "pnet": pnet})
            for draft in drafts]
