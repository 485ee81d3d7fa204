"""Rule 17 `temozolomide-without-capecitabine`: temozolomide drafted for a pNET without capecitabine (CAPTEM)."""

from __future__ import annotations

from ..cards import Finding
from .common import RuleContext, condition_label, conditions_in, drug_name, has_pnet, triggering_medication_drafts
from ._therapy import given_with


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = triggering_medication_drafts(ctx, "temozolomide")
    if not drafts or not has_pnet(ctx):
        return []
    if given_with(ctx, "capecitabine"):
        return []
    return [Finding(facts={"drug": drug_name(ctx, drafts[0]), "pnet": condition_label(conditions_in(ctx, "pnet"))})]
