"""Rule 16 `post-prrt-cytopenia-referral`: a cytopenia on the latest blood count after PRRT, not yet referred.

Each CBC component's latest final result counts when it is dated after the first PRRT dose (a count from
before PRRT is not a therapy-related finding) and is below the Observation's own reference range or flagged
L/LL. A hematology referral (any status but revoked / entered-in-error) authored on or after the earliest of
those low results, or among the draft orders, silences the card.
"""

from __future__ import annotations

from datetime import date

from ..cards import Finding, Markdown, escape_markdown
from ..fhirtime import effective_time, format_date, months_between, parse_fhir_datetime
from .common import RuleContext, describe_result, draft_service_requests, is_below_range, latest_observation, service_requests
from ._prrt import course_doses

REFERRAL = "hematology-referral"
REFERRAL_ON_RECORD = {"draft", "active", "on-hold", "completed", "unknown"}


def evaluate(ctx: RuleContext) -> list[Finding]:
    doses = course_doses(ctx)
    if not doses:
        return []
    first_dose = doses[-1].when.date()
    labels = ctx.params["cytopenia_labs"]
    low = {label: result for lab, label in labels.items()
           if (result := latest_observation(ctx, lab)) is not None
           and effective_time(result).date() > first_dose and is_below_range(result)}
    if not low:
        return []
    since = min(effective_time(result).date() for result in low.values())
    if draft_service_requests(ctx, REFERRAL) or _referred_since(ctx, since):
        return []
    lines = "\n".join(f"- {escape_markdown(describe_result(result))}" for result in low.values())
    return [Finding(facts={
        "low_labs": ", ".join(low), "low_results": Markdown(lines), "low_since": since.isoformat(),
        "last_prrt_date": format_date(doses[0].when), "months_since_prrt": months_between(doses[0].when, ctx.now),
        "prrt_evidence": doses[0].evidence, "doses_given": len(doses)})]


def _referred_since(ctx: RuleContext, since: date) -> bool:
    for referral in service_requests(ctx, REFERRAL, REFERRAL_ON_RECORD):
        when = parse_fhir_datetime(referral.get("authoredOn")) or effective_time(referral)
        if when and when.date() >= since:
            return True
    return False
