"""Rule 15 `post-prrt-cbc-surveillance`: after PRRT, a CBC is due when none was resulted in the interval.

A CBC result is a CBC panel or any of its components (hemoglobin, leukocytes, platelets, neutrophils), as
labs report CBCs as component results. A CBC among the draft orders, or already ordered (active
ServiceRequest), silences the card. So does a Lu-177 dotatate dose among the drafts: then the course is
going on, and `prrt-baseline-labs` asks for the CBC before that dose (one card, not two, per CBC).
"""

from __future__ import annotations

from ..cards import Finding
from ..fhirtime import effective_time, format_date, months_between
from .common import (RuleContext, draft_medications, draft_service_requests, latest_observation, prrt_history,
                     service_requests)


def evaluate(ctx: RuleContext) -> list[Finding]:
    doses = prrt_history(ctx)
    if not doses or draft_medications(ctx, "lutetium-lu177-dotatate"):
        return []
    interval = ctx.days("cbc_interval_days")
    if any(latest_observation(ctx, lab, within=interval) for lab in ("cbc-panel", "cbc-components")):
        return []
    if draft_service_requests(ctx, "cbc-panel") or service_requests(ctx, "cbc-panel", {"active", "on-hold"}):
        return []
    last = [latest_observation(ctx, lab) for lab in ("cbc-panel", "cbc-components")]
    last_dates = [effective_time(o) for o in last if o is not None]
    last_cbc = max(last_dates) if last_dates else None
    last_prrt = doses[0].when
    return [Finding(facts={
        "last_cbc_date": format_date(last_cbc) if last_cbc else None,
        "months_since_cbc": months_between(last_cbc, ctx.now) if last_cbc else None,
        "last_prrt_date": format_date(last_prrt),
        "months_since_prrt": months_between(last_prrt, ctx.now),
        "prrt_evidence": doses[0].evidence,
    })]
