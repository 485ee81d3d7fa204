"""Rule 2 `sunitinib-in-insulinoma`: sunitinib drafted while the patient has an active insulinoma."""

from __future__ import annotations

from ..cards import Finding
from ..record import reference_key
from .common import RuleContext, condition_label, conditions_in, drug_name, has_pnet, triggering_medication_drafts


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = triggering_medication_drafts(ctx, "sunitinib")
    if not drafts or not has_pnet(ctx):
        return []
    insulinoma = conditions_in(ctx, "insulinoma")
    if not insulinoma:
        return []
    return [
        Finding(facts={"drug": drug_name(ctx, draft), "draft_ref": reference_key(draft),
                       "insulinoma": condition_label(insulinoma)})
        for draft in drafts
    ]
