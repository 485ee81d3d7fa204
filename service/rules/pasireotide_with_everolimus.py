"""Rule 24 `pasireotide-with-everolimus`: pasireotide drafted while everolimus is active or drafted."""

from __future__ import annotations

from ..cards import Finding
from ..record import reference_key
from .common import RuleContext, drug_name, has_pnet, triggering_medication_drafts
from ._therapy import given_with


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = triggering_medication_drafts(ctx, "pasireotide")
    if not drafts or not has_pnet(ctx):
        return []
    everolimus = given_with(ctx, "everolimus")
    if not everolimus:
        return []
    resource, evidence = everolimus[0]
    return [Finding(facts={"drug": drug_name(ctx, draft), "draft_ref": reference_key(draft),
                           "everolimus": drug_name(ctx, resource), "everolimus_evidence": evidence})
            for draft in drafts]
