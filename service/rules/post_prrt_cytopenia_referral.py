"""Rule 16 `post-prrt-cytopenia-referral`: a cytopenia on the latest blood count after PRRT, not yet referred.

Each CBC component's latest final result counts when it is dated after the first PRRT dose (a count from
before PRRT is not a therapy-related finding) and is below the Observation's own reference range or flagged
L/LL. A hematology referral (any status but revoked / entered-in-error) authored on or after the earliest of
those low results, or among the draft orders, silences the card.

v2: quiet for the quiet window (local policy, 8 weeks) after any Lu-177 dotatate dose, where the expected nadir
of an ongoing course is followed by rule 14 before the next dose, unless a low value is flagged critical (LL)
or is CTCAE v5 grade 3 or worse (platelets < 50 x10^9/L, neutrophils < 1.0 x10^9/L, hemoglobin < 8.0 g/dL: a
standard definition, in the card file). A dose with a partial date opens no quiet window.
"""

from __future__ import annotations

from datetime import date

from ..cards import Finding
from ..fhirtime import effective_time, format_date, months_between, parse_fhir_datetime, within_window
from ..units import convert
from .common import (RuleContext, draft_service_requests, interpretation_flags, is_below_range, latest_observation,
                     prrt_history, quantity, result_facts, service_requests)
from ._prrt import lutetium_doses

REFERRAL = "hematology-referral"
REFERRAL_ON_RECORD = {"draft", "active", "on-hold", "completed", "unknown"}


def evaluate(ctx: RuleContext) -> list[Finding]:
    doses = prrt_history(ctx)
    if not doses:
        return []
    first_dose = doses[-1].when.date()
    labels = ctx.params["cytopenia_label_by_role"]
    low = {label: result for lab, label in labels.items()
           if (result := latest_observation(ctx, lab)) is not None
           and effective_time(result).date() > first_dose and is_below_range(result)}
    if not low:
        return []
    since = min(effective_time(result).date() for result in low.values())
    if draft_service_requests(ctx, REFERRAL) or _referred_since(ctx, since):
        return []
    severe = {lab: label for lab, label in labels.items() if label in low and is_severe(ctx, lab, low[label])}
    quiet_dose = _quiet_window_dose(ctx)
    if quiet_dose and not severe:
        return []
    return [Finding(facts={
        "low_labs": list(low), "low_results": [result_facts(result) for result in low.values()],
        "low_since": since.isoformat(),
        "last_prrt_date": format_date(doses[0].when), "months_since_prrt": months_between(doses[0].when, ctx.now),
        "prrt_evidence": doses[0].evidence, "doses_given": len(doses),
        "severe_labs": list(severe.values()),
        "quiet_dose_date": quiet_dose.recorded if quiet_dose else None})]


def _quiet_window_dose(ctx: RuleContext):
    """The newest fully dated Lu-177 dose within the quiet window, or None (a partial date opens none)."""
    window = ctx.days("quiet_after_dose_days")
    return next((d for d in lutetium_doses(ctx) if not d.partial and within_window(d.when, ctx.now, window)), None)


def is_severe(ctx: RuleContext, lab: str, observation: dict) -> bool:
    """Flagged critical low (LL), or CTCAE v5 grade 3 or worse by the card file's `ctcae_grade_3_below_by_role`
    (role → [threshold, UCUM unit]); a value whose unit cannot be converted is judged by its flag only."""
    if "LL" in interpretation_flags(observation):
        return True
    threshold = ctx.params["ctcae_grade_3_below_by_role"].get(lab)
    measured = quantity(observation)
    if not threshold or not measured:
        return False
    value = convert(measured[0], measured[1], threshold[1])
    return value is not None and value < float(threshold[0])


def _referred_since(ctx: RuleContext, since: date) -> bool:
    for referral in service_requests(ctx, REFERRAL, REFERRAL_ON_RECORD):
        when = parse_fhir_datetime(referral.get("authoredOn")) or effective_time(referral)
        if when and when.date() >= since:
            return True
    return False
