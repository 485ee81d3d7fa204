"""What the PRRT rules (11-14, 16) share: who is in scope, the course so far, the ordered activity.

Built on `common.py` ("received PRRT" is `prrt_history`, PRRT scope is `in_prrt_scope`, both defined once
there), so every PRRT rule counts doses the same way: completed administrations, completed orders and
Procedures, one per day, never a cancelled or entered-in-error administration, never a dose dated in the
future (a data error).

RULES.md "Current PRRT course" (rules 12, 13, 16): the run of Lu-177 dotatate doses in which each dose
follows the previous one by at most the course gap (local policy, `course_gap_months`); a dose after a
longer gap starts a re-treatment course. Y-90 dotatoc and other radionuclides are PRRT history, never
doses of a Lu-177 course.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..fhirtime import calendar_days, within_window
from ..dosing import first_dose_in
from .common import LU177, DoseEvent, RuleContext, in_prrt_scope, prrt_history, triggering_medication_drafts

LUTETIUM = "lutetium-lu177-dotatate"


def lutetium_drafts(ctx: RuleContext) -> list[dict]:
    """The triggering Lu-177 dotatate draft orders, when the patient is in scope (pNET or PRRT history)."""
    drafts = triggering_medication_drafts(ctx, LUTETIUM)
    return drafts if drafts and in_prrt_scope(ctx) else []


def doses_within(ctx: RuleContext, window: timedelta, at: datetime | None = None) -> list[DoseEvent]:
    """PRRT doses given within `window` (calendar days) before `at` (default now), newest first."""
    at = at or ctx.now
    return [dose for dose in prrt_history(ctx) if within_window(dose.when, at, window)]


def whole_days(earlier: datetime, later: datetime) -> int:
    """Calendar days from `earlier` to `later` (RULES.md "Calendar days")."""
    return calendar_days(earlier, later)


@dataclass
class Course:
    """The Lu-177 dotatate course a dose planned at some date belongs to.

    `doses`: the doses of that course so far, newest first (empty for a first dose or a re-treatment);
    `previous`: the course before it, newest first (for a re-treatment, the completed course);
    `retreatment`: the planned dose comes after more than the course gap since the last Lu-177 dose."""

    doses: list[DoseEvent] = field(default_factory=list)
    previous: list[DoseEvent] = field(default_factory=list)
    retreatment: bool = False


def lutetium_doses(ctx: RuleContext) -> list[DoseEvent]:
    """Lu-177 dotatate doses received up to now, newest first (no Y-90 dotatoc, no unnamed isotope)."""
    return [dose for dose in prrt_history(ctx) if dose.agent == LU177]


def lutetium_courses(ctx: RuleContext) -> list[list[DoseEvent]]:
    """Lu-177 doses split into courses at every gap longer than the course gap; oldest course first,
    each course newest dose first."""
    gap = int(ctx.params["course_gap_months"])
    runs: list[list[DoseEvent]] = []
    for dose in reversed(lutetium_doses(ctx)):  # oldest first
        if runs and dose.when <= add_months(runs[-1][0].when, gap):
            runs[-1].insert(0, dose)
        else:
            runs.append([dose])
    return runs


def current_course(ctx: RuleContext, at: datetime | None = None) -> Course:
    """The course a Lu-177 dose at `at` (default now) belongs to (RULES.md "Current PRRT course")."""
    at = at or ctx.now
    runs = lutetium_courses(ctx)
    if not runs:
        return Course()
    if at > add_months(runs[-1][0].when, int(ctx.params["course_gap_months"])):
        return Course([], runs[-1], retreatment=True)
    return Course(runs[-1], runs[-2] if len(runs) > 1 else [])


def ordered_activity_mbq(resource: dict) -> float | None:
    """The activity a Lu-177 order asks for, in MBq, from its structured dose (GBq, MBq, mCi … through the
    dose reader and UCUM, `dosing.first_dose_in`).

    None when the order has no structured dose or its unit is not an activity unit (then no card speaks
    about the activity: a dose in mL or vials, or only in text, is not guessed).
    """
    return first_dose_in(resource, "MBq")


def same_activity(first_mbq: float, second_mbq: float) -> bool:
    """Equal up to floating-point rounding only (7.4 GBq == 200 mCi); any real difference counts."""
    return math.isclose(first_mbq, second_mbq, rel_tol=1e-6)


def add_months(when: datetime, months: int) -> datetime:
    """The same day `months` calendar months later (the month's last day when it has no such day)."""
    month_index = when.month - 1 + months
    year, month = when.year + month_index // 12, month_index % 12 + 1
    for day in range(when.day, 27, -1):
        try:
            return when.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return when.replace(year=year, month=month, day=min(when.day, 28))
