"""Rule 13 `prrt-course-schedule`: a Lu-177 dotatate dose drafted off the 4-doses-every-8-weeks schedule.

Warning when the previous dose was under the dosing interval ago or the course already has its full number
of doses; info when only the ordered activity differs from the standard (after converting GBq/MBq/mCi).
A draft without a structured activity gets no activity wording at all.
"""

from __future__ import annotations

from ..cards import Finding
from ..fhirtime import format_date
from ..record import reference_key
from .common import RuleContext, drug_name
from ._prrt import course_doses, lutetium_drafts, ordered_activity_mbq, same_activity, to_mbq, whole_days


def evaluate(ctx: RuleContext) -> list[Finding]:
    doses = course_doses(ctx)
    findings = []
    for draft in lutetium_drafts(ctx):
        facts = {"drug": drug_name(ctx, draft), "draft_ref": reference_key(draft), "doses_given": len(doses),
                 "dose_number": len(doses) + 1, **_previous_dose(ctx, doses), **_activity(ctx, draft)}
        facts["too_soon"] = bool(doses) and facts["days_since"] < float(ctx.params["dose_interval_days"])
        facts["course_complete"] = len(doses) >= int(ctx.params["total_doses"])
        if facts["too_soon"] or facts["course_complete"]:
            findings.append(Finding("schedule", facts))
        elif facts["activity_off_standard"]:
            findings.append(Finding("activity", facts))
    return findings


def _previous_dose(ctx: RuleContext, doses: list) -> dict:
    if not doses:
        return {"previous_date": None, "days_since": None, "weeks_since": None, "previous_evidence": None,
                "first_date": None, "due_date": None}
    days = whole_days(doses[0].when, ctx.now)
    return {"previous_date": format_date(doses[0].when), "days_since": days, "weeks_since": days // 7,
            "previous_evidence": doses[0].evidence, "first_date": format_date(doses[-1].when),
            "due_date": format_date(doses[0].when + ctx.days("dose_interval_days"))}


def _activity(ctx: RuleContext, draft: dict) -> dict:
    mbq_per_mci = float(ctx.params["mbq_per_mci"])
    ordered = ordered_activity_mbq(draft, mbq_per_mci)
    if ordered is None:
        return {"activity_off_standard": False, "ordered_gbq": None, "ordered_mci": None}
    standard = to_mbq(float(ctx.params["standard_activity_gbq"]), "GBq", mbq_per_mci)
    return {"activity_off_standard": not same_activity(ordered, standard),
            "ordered_gbq": f"{ordered / 1000:.2f}".rstrip("0").rstrip("."),
            "ordered_mci": f"{ordered / mbq_per_mci:.1f}".rstrip("0").rstrip(".")}
