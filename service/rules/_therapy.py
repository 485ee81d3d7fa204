"""Shared reading for the systemic-therapy rules 17–24 (not a rule itself: no card file).

What "given with" a drug means (active order, any draft of this session, or an active statement), which
pancreatic neoplasm is a neuroendocrine carcinoma, which is functional, and the latest blood pressure.
"""

from __future__ import annotations

from datetime import timedelta

from ..fhirtime import effective_time, within_window
from ..record import codings
from .common import (FINAL_RESULT, FUNCTIONAL_SETS, RuleContext, active_medications,
                     conditions_in, draft_medications, is_drug)


def given_with(ctx: RuleContext, value_set_id: str) -> list[tuple[dict, str]]:
    """(resource, evidence) for the drug as active therapy: active/on-hold orders, any draft order of this
    session (selected or not), and MedicationStatements with status active. Newest evidence kinds first."""
    found = [(draft, "draft order") for draft in draft_medications(ctx, value_set_id)]
    found += [(event.resource, "active order") for event in active_medications(ctx, value_set_id)]
    statements = [s for s in ctx.record.raw("MedicationStatement")
                  if s.get("status") == "active" and is_drug(ctx, s, value_set_id)]
    found += [(s, "active statement") for s in ctx.record.read(statements)]
    return found


def nec_conditions(ctx: RuleContext) -> list[dict]:
    """Active conditions meaning a poorly differentiated neuroendocrine carcinoma of the pancreas.

    A code that names the pancreas (it is also in the `pnet` value set, e.g. 1186869002) counts alone; a
    site-nonspecific code (C7A.1, 123631000119103) counts only together with another condition that is a
    pancreatic neoplasm (`pnet`), since on its own it may be a lung or unknown-primary NEC.
    """
    nec = conditions_in(ctx, "neuroendocrine-carcinoma")
    if not nec:
        return []
    pnet = ctx.terminology["pnet"]
    pancreatic = [c for c in nec if any(code in pnet for code in codings(c.get("code")))]
    if pancreatic:
        return nec
    other_pancreatic = [c for c in conditions_in(ctx, "pnet") if c not in nec]
    return nec if other_pancreatic else []


OTHER_HORMONE_SYNDROME = "other-hormone-syndrome"


def functional_conditions(ctx: RuleContext) -> list[dict]:
    """Conditions naming a hormone syndrome: insulinoma, gastrinoma, VIPoma, glucagonoma, somatostatinoma (by
    SNOMED CT or an ICD-10-CM neoplasm + E16.x pair), or another one (E16.8, carcinoid syndrome)."""
    found = []
    for name in FUNCTIONAL_SETS + (OTHER_HORMONE_SYNDROME,):
        if name in ctx.terminology.value_sets:
            found += [c for c in conditions_in(ctx, name) if c not in found]
    return found


def latest_systolic_bp(ctx: RuleContext, within: timedelta) -> dict | None:
    """The newest final blood pressure within the window: an Observation coded systolic BP, or a BP panel
    with a systolic component (a panel without one does not count)."""
    systolic, panel = ctx.terminology["systolic-bp"], ctx.terminology["blood-pressure-panel"]
    candidates = []
    for observation in ctx.record.raw("Observation"):
        if observation.get("status") not in FINAL_RESULT:
            continue
        codes = codings(observation.get("code"))
        component_codes = [c for part in observation.get("component") or [] for c in codings(part.get("code"))]
        if any(c in systolic for c in codes) or (any(c in panel for c in codes)
                                                 and any(c in systolic for c in component_codes)):
            candidates.append(observation)
    dated = [(effective_time(o), o) for o in candidates]
    recent = sorted(((when, o) for when, o in dated  # calendar days (RULES.md v2); a next-day date tolerated
                     if when and when <= ctx.now + timedelta(days=1) and within_window(min(when, ctx.now), ctx.now, within)),
                    key=lambda item: item[0], reverse=True)
    for _, observation in recent:  # validate only the newest usable one
        if ctx.record.read([observation]):
            return observation
    return None
