"""Rule 13 `prrt-course-schedule`: a Lu-177 dotatate dose drafted off the 4-doses-every-8-weeks schedule.

v2: only Lu-177 dotatate doses of the current course count (RULES.md "Current PRRT course"; Y-90 dotatoc is
PRRT history, not a dose of this course); the interval is measured in calendar days to the draft's planned
date. Warning: the previous dose fewer than the dosing-interval days before the planned date, the course
already complete, or a re-treatment after a completed course ("re-treatment after a completed course of N
doses"). Activity (structured dose, GBq/MBq/mCi through UCUM): more than the tolerance above the standard →
warning; more than the tolerance below → info; a factor of 10 or more either way → warning naming a probable
unit error. A draft without a structured activity gets no activity wording at all.
"""

from __future__ import annotations

from ..cards import Finding
from ..fhirtime import format_date
from ..record import reference_key
from ..units import convert
from .common import RuleContext, drug_name, planned_date
from ._prrt import Course, current_course, lutetium_drafts, ordered_activity_mbq, whole_days

ACTIVITY_VARIANT = {"unit-error": "activity-unit-error", "high": "activity-high", "low": "activity-low"}


def evaluate(ctx: RuleContext) -> list[Finding]:
    findings = []
    for draft in lutetium_drafts(ctx):
        planned = planned_date(ctx, draft)
        course = current_course(ctx, planned)
        facts = {"drug": drug_name(ctx, draft), "draft_ref": reference_key(draft), "planned_date": format_date(planned),
                 "planned_is_now": whole_days(ctx.now, planned) == 0, **_course_facts(ctx, course, planned),
                 **_activity(ctx, draft)}
        variant = _variant(facts)
        if variant:
            findings.append(Finding(variant, facts))
    return findings


def _variant(facts: dict) -> str | None:
    if facts["too_soon"] or facts["course_complete"]:
        return "schedule"
    if facts["retreatment"]:
        return "retreatment"
    return ACTIVITY_VARIANT.get(facts["activity_problem"])


def _course_facts(ctx: RuleContext, course: Course, planned) -> dict:
    doses = course.doses
    facts = {"doses_given": len(doses), "dose_number": len(doses) + 1, "retreatment": course.retreatment,
             "previous_course_doses": len(course.previous),
             "previous_course_last": course.previous[0].recorded if course.previous else None,
             "previous_course_first": course.previous[-1].recorded if course.previous else None,
             "previous_date": None, "days_since": None, "weeks_since": None, "previous_evidence": None,
             "first_date": None, "due_date": None, "previous_partial": False}
    if doses:
        days = whole_days(doses[0].when, planned)
        facts.update({"previous_date": doses[0].recorded, "days_since": days, "weeks_since": days // 7,
                      "previous_evidence": doses[0].evidence, "first_date": doses[-1].recorded,
                      "previous_partial": doses[0].partial,
                      "due_date": format_date(doses[0].when + ctx.days("dose_interval_days"))})
    facts["too_soon"] = bool(doses) and facts["days_since"] < int(ctx.params["dose_interval_days"])
    facts["course_complete"] = len(doses) >= int(ctx.params["total_doses"])
    return facts


def _activity(ctx: RuleContext, draft: dict) -> dict:
    """The ordered activity against the standard: problem = unit-error | high | low | None."""
    ordered = ordered_activity_mbq(draft)
    if ordered is None:
        return {"activity_problem": None, "ordered_gbq": None, "ordered_mci": None, "ordered_percent": None}
    standard = _activity_in(float(ctx.params["standard_activity_gbq"]), "GBq", "MBq")
    return {"activity_problem": activity_problem(ordered / standard, float(ctx.params["activity_tolerance_percent"]),
                                                 float(ctx.params["unit_error_factor"])),
            "ordered_gbq": _number(_activity_in(ordered, "MBq", "GBq"), 2),
            "ordered_mci": _number(_activity_in(ordered, "MBq", "mCi"), 1),
            "ordered_percent": round(100 * ordered / standard)}


def activity_problem(ratio: float, tolerance_percent: float, unit_error_factor: float) -> str | None:
    """unit-error (≥ factor× or ≤ 1/factor× the standard), high / low (beyond the tolerance), else None."""
    if ratio >= unit_error_factor or ratio <= 1 / unit_error_factor:
        return "unit-error"
    if ratio > 1 + tolerance_percent / 100:
        return "high"
    if ratio < 1 - tolerance_percent / 100:
        return "low"
    return None


def _activity_in(value: float, unit: str, to: str) -> float:
    """`value` in `unit` as `to` (activity units), through UCUM (1 Ci = 3.7e10 Bq by definition: units.py)."""
    converted = convert(value, unit, to)
    if converted is None:  # both are UCUM activity units, so this is a programming error
        raise ValueError(f"cannot convert {unit} to {to}")
    return converted


def _number(value: float, places: int) -> str:
    return f"{value:.{places}f}".rstrip("0").rstrip(".")
