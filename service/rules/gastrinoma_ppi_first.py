"""Rule 4 `gastrinoma-ppi-first`: a somatostatin analog drafted for gastrinoma / Zollinger-Ellison syndrome
while no proton pump inhibitor is active (ordered, taken recently, or among this session's drafts).

Speaks on new starts of the SSA only (RULES.md v2 "Renewal"; issue 14: only rule 8 and safety rules speak on
renewals): a monthly SSA renewal is not the moment the SSA was chosen over a PPI.
"""

from __future__ import annotations

from ..cards import Finding
from ..record import reference_key
from .common import (RuleContext, active_medications, condition_label, conditions_in, draft_medications,
                     drug_name, has_pnet, triggering_medication_drafts)
from ._renewal import new_starts


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = new_starts(ctx, triggering_medication_drafts(ctx, "somatostatin-analogs"))
    if not drafts or not has_pnet(ctx):
        return []
    gastrinoma = conditions_in(ctx, "gastrinoma")
    if not gastrinoma or _on_ppi(ctx):
        return []
    return [Finding(facts={"drug": drug_name(ctx, drafts[0]), "draft_ref": reference_key(drafts[0]),
                           "gastrinoma": condition_label(gastrinoma)})]


def _on_ppi(ctx: RuleContext) -> bool:
    window = ctx.days("on_ppi_window_days")
    return bool(active_medications(ctx, "proton-pump-inhibitors", statement_window=window)
                or draft_medications(ctx, "proton-pump-inhibitors"))
