"""Rule 18 `temozolomide-pjp-prophylaxis`: dose-intense temozolomide without Pneumocystis prophylaxis.

Catalog v2: the schedule decides, not the partner drug. Warning: a temozolomide draft on the dose-intense
schedule (days on / days off from the card file, read from the dosage text or `timing.event`), alone or with a
partner. The 5-day course (days 1–5, CAPTEM days 10–14) is silent. Info: a draft whose schedule cannot be read,
with no capecitabine (CAPTEM is the 5-day course). Prophylaxis on record silences both: TMP-SMX, atovaquone,
dapsone or pentamidine as an active order, a draft or an active statement, or — for monthly inhaled
pentamidine — a dose given within the pentamidine window (local policy).
"""

from __future__ import annotations

from ..cards import Finding
from ..fhirtime import within_window
from ..record import reference_key
from .common import RuleContext, administrations, drug_entries, drug_name, has_pnet, triggering_medication_drafts
from ._therapy import DOSE_INTENSE, UNREADABLE, given_with, partners_with, temozolomide_schedule


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = triggering_medication_drafts(ctx, "temozolomide")
    if not drafts or not has_pnet(ctx) or _on_prophylaxis(ctx):
        return []
    days_on, days_off = int(ctx.params["days_on"]), int(ctx.params["days_off"])
    with_capecitabine = bool(given_with(ctx, "capecitabine"))
    partner = next(({"drug": drug_name(ctx, resource), "evidence": evidence} for resource, evidence
                    in partners_with(ctx, ("draft order", "active order", "active statement"))), None)
    findings = []
    for draft in drafts:
        schedule = temozolomide_schedule(draft, days_on, days_off)
        facts = {"drug": drug_name(ctx, draft), "draft_ref": reference_key(draft), "partner": partner}
        if schedule.kind == DOSE_INTENSE:
            findings.append(Finding("default", {**facts, "read_from": schedule.read_from}))
        elif schedule.kind == UNREADABLE and not with_capecitabine:
            findings.append(Finding("schedule-not-readable", facts))
    return findings[:1]


def _on_prophylaxis(ctx: RuleContext) -> bool:
    """Active prophylaxis: an active order, a draft or an active statement of any agent, or a pentamidine dose
    (administration or statement) within the pentamidine window."""
    if given_with(ctx, "pjp-prophylaxis"):
        return True
    window = ctx.days("pentamidine_window_days")
    for event in administrations(ctx, "pjp-prophylaxis", include_statements=True):
        if not within_window(min(event.when, ctx.now), ctx.now, window):  # whole calendar days (v2)
            break
        if any(entry.ingredient == "pentamidine" for entry in drug_entries(ctx, event.resource)):
            return True
    return False
