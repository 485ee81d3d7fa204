"""Rule 6 `vipoma-ssa-not-started`: a patient with an active VIPoma who is not on any somatostatin analog.

"On" an SSA: an active or on-hold order, or an administration or statement within the on-SSA window
(depots are often recorded only as clinic administrations, so the window spans more than one interval).
"""

from __future__ import annotations

from ..cards import Finding
from .common import RuleContext, active_medications, condition_label, conditions_in, has_pnet


def evaluate(ctx: RuleContext) -> list[Finding]:
    if not has_pnet(ctx):
        return []
    vipoma = conditions_in(ctx, "vipoma")
    if not vipoma:
        return []
    if active_medications(ctx, "somatostatin-analogs", statement_window=ctx.days("on_ssa_window_days")):
        return []
    return [Finding(facts={"vipoma": condition_label(vipoma)})]
