"""Rule 21 `ssa-on-therapy-switch`: a new systemic therapy drafted while a long-acting SSA order is active
(v2: a new start only; renewing an agent already given is no switch).

Functional tumor (insulinoma, gastrinoma, VIPoma, glucagonoma, somatostatinoma, by SNOMED CT or ICD-10-CM
neoplasm + E16.x pair) → continue the SSA. Otherwise (nonfunctional, or no hormone syndrome on record) →
stopping the SSA is reasonable after unequivocal progression; the suggestion updates the active SSA order,
whole, with status `stopped`. Only an active long-acting SSA MedicationRequest counts (a stop needs an order).
"""

from __future__ import annotations

import copy

from ..cards import Finding
from ..fhirtime import format_date
from .common import (RuleContext, active_medications, condition_label, drug_name, has_pnet, ssa_formulation,
                     triggering_medication_drafts)
from ._renewal import new_starts
from ._therapy import functional_conditions

SWITCH_AGENTS = ("everolimus", "sunitinib", "capecitabine", "temozolomide", "streptozocin")


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = new_starts(ctx, [d for vs in SWITCH_AGENTS for d in triggering_medication_drafts(ctx, vs)])
    if not drafts or not has_pnet(ctx):
        return []
    orders = [e for e in active_medications(ctx, "somatostatin-analogs")
              if e.resource.get("resourceType") == "MedicationRequest"
              and ssa_formulation(ctx, e.resource) == "long-acting"]
    if not orders:
        return []
    ssa = orders[0]
    facts = {"drug": drug_name(ctx, drafts[0]), "ssa": drug_name(ctx, ssa.resource),
             "ssa_since": format_date(ssa.when)}
    functional = functional_conditions(ctx)
    if functional:
        return [Finding("functional", {**facts, "syndrome": condition_label(functional)})]
    stopped = copy.deepcopy(ssa.resource)
    stopped["status"] = "stopped"
    return [Finding("nonfunctional", {**facts, "ssa_order_stopped": stopped})]
