"""Rule 20 `nec-not-net-therapy`: a well-differentiated-NET therapy drafted for a pancreatic neuroendocrine
carcinoma (NEC).

The agents: everolimus, sunitinib, Lu-177 dotatate, and a somatostatin analog for tumor control — read as
an SSA for a patient with no hormone syndrome on record (with one, the SSA controls hormone secretion).
"""

from __future__ import annotations

from ..cards import Finding
from ..record import reference_key
from .common import RuleContext, condition_label, drug_name, has_pnet, triggering_medication_drafts
from ._therapy import functional_conditions, nec_conditions

NET_AGENTS = ("everolimus", "sunitinib", "lutetium-lu177-dotatate")


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = [d for vs in NET_AGENTS for d in triggering_medication_drafts(ctx, vs)]
    ssa_drafts = triggering_medication_drafts(ctx, "somatostatin-analogs")
    if not (drafts or ssa_drafts) or not has_pnet(ctx):
        return []
    nec = nec_conditions(ctx)
    if not nec:
        return []
    if ssa_drafts and not functional_conditions(ctx):
        drafts += [d for d in ssa_drafts if d not in drafts]
    return [Finding(facts={"drug": drug_name(ctx, draft), "draft_ref": reference_key(draft),
                           "nec": condition_label(nec)}) for draft in drafts]
