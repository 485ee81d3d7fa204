"""Rule 7 `octreotide-lar-without-sc-trial`: long-acting octreotide drafted for a VIPoma patient with no
record of short-acting octreotide.

A record is any order that was or is in force (active, on-hold, completed, stopped), an administration or
a statement, or a draft of this session. An octreotide record whose formulation cannot be told (ingredient
code, no microgram dose, no "LAR/depot" text) may have been short-acting: it silences the card.
Speaks on new starts of the LAR only (RULES.md v2 "Renewal"): renewing a LAR already given is past the switch.
"""

from __future__ import annotations

from ..cards import Finding
from ..record import reference_key
from .common import (RuleContext, condition_label, conditions_in, draft_medications, drug_name, has_pnet,
                     is_drug, ssa_formulation, triggering_medication_drafts)
from ._renewal import new_starts

ORDER_RECORD_STATUS = {"active", "on-hold", "completed", "stopped"}
STATEMENT_STATUS = {"active", "completed", "intended", "on-hold", "stopped"}


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = new_starts(ctx, [d for d in triggering_medication_drafts(ctx, "octreotide")
                              if ssa_formulation(ctx, d) == "long-acting"])
    if not drafts or not has_pnet(ctx):
        return []
    vipoma = conditions_in(ctx, "vipoma")
    if not vipoma or _short_acting_on_record(ctx, exclude=drafts):
        return []
    return [Finding(facts={"drug": drug_name(ctx, draft), "draft_ref": reference_key(draft),
                           "vipoma": condition_label(vipoma)}) for draft in drafts]


def _short_acting_on_record(ctx: RuleContext, exclude: list[dict]) -> bool:
    record = ctx.record
    def octreotide(r: dict) -> bool:
        return is_drug(ctx, r, "octreotide")
    resources = record.valid("MedicationRequest", lambda r: r.get("status") in ORDER_RECORD_STATUS and octreotide(r))
    resources += record.valid("MedicationAdministration", lambda a: a.get("status") != "entered-in-error" and octreotide(a))
    resources += record.valid("MedicationStatement", lambda s: s.get("status") in STATEMENT_STATUS and octreotide(s))
    resources += draft_medications(ctx, "octreotide")
    return any(ssa_formulation(ctx, r) in ("short-acting", None)
               for r in resources if not any(r is d for d in exclude))
