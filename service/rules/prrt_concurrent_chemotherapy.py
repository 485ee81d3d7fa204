"""Rule 12 `prrt-concurrent-chemotherapy`: PRRT and cytotoxic chemotherapy at the same time, either way round.

Lu-177 dotatate drafted while on a cytotoxic (an active order, a dose given within the recent window before
the Lu-177 draft's planned date, or a cytotoxic among the same draft orders); or a cytotoxic drafted while a
Lu-177 course is in progress: a Lu-177 dose of the current course (RULES.md "Current PRRT course") within the
course window before the cytotoxic's planned date, or a Lu-177 draft beside it that order-select did not
select. v2: when that dose was the last of a completed course (the course's full number of doses), the card is
info, "course completed on DATE", and does not speak of a course in progress. One card per hook call, the
Lu-177 direction first.
"""

from __future__ import annotations

from datetime import datetime

from ..cards import Finding
from ..fhirtime import format_date, within_window
from .common import (DoseEvent, RuleContext, active_medications, draft_medications, drug_name, planned_date,
                     in_prrt_scope, triggering_medication_drafts)
from ._prrt import LUTETIUM, current_course, lutetium_drafts, whole_days

CYTOTOXIC = "cytotoxic-chemotherapy"


def evaluate(ctx: RuleContext) -> list[Finding]:
    lutetium = lutetium_drafts(ctx)
    if lutetium:
        chemotherapy = _current_chemotherapy(ctx, planned_date(ctx, lutetium[0]))
        if chemotherapy:
            return [Finding("lutetium-on-chemotherapy", {"drug": drug_name(ctx, lutetium[0]),
                                                         "chemotherapy": chemotherapy})]
    chemotherapy_drafts = triggering_medication_drafts(ctx, CYTOTOXIC)
    if not chemotherapy_drafts:
        return []
    names = [drug_name(ctx, draft) for draft in chemotherapy_drafts]
    planned = min(planned_date(ctx, draft) for draft in chemotherapy_drafts)
    found = _course_finding(ctx, names, planned)
    if found:
        return [found]
    drafted_lutetium = draft_medications(ctx, LUTETIUM)  # order-select: drafted but not selected
    if drafted_lutetium and in_prrt_scope(ctx):
        return [Finding("lutetium-on-chemotherapy", {"drug": drug_name(ctx, drafted_lutetium[0]),
                                                     "chemotherapy": [_drafted(names)]})]
    return []


def _course_finding(ctx: RuleContext, names: list[str], planned: datetime) -> Finding | None:
    """A Lu-177 dose of the current course within the course window before the planned date."""
    course = current_course(ctx, planned)
    window = ctx.days("course_in_progress_days")
    if not course.doses or not within_window(course.doses[0].when, planned, window):
        return None
    last = course.doses[0]
    days = whole_days(last.when, planned)
    facts = {"drugs": names, "last_prrt_date": last.recorded, "days_since": days, "weeks_since": days // 7,
             "prrt_evidence": last.evidence, "doses_given": len(course.doses), "planned_date": format_date(planned)}
    completed = len(course.doses) >= int(ctx.params["total_doses"])
    return Finding("course-completed" if completed else "chemotherapy-during-prrt", facts)


def _current_chemotherapy(ctx: RuleContext, planned: datetime) -> list[dict]:
    """Each cytotoxic the patient is on at the planned date (`drugs`, `evidence`, `date`), newest first, then
    those drafted alongside (evidence "draft order", no date); each once."""
    window = ctx.days("chemotherapy_recent_days")
    events = [e for e in active_medications(ctx, CYTOTOXIC, statement_window=window)
              if e.evidence == "active order" or within_window(e.when, planned, window)]
    found = [_on(ctx, event) for event in sorted(events, key=lambda e: e.when, reverse=True)]
    found += [_drafted([drug_name(ctx, draft)]) for draft in draft_medications(ctx, CYTOTOXIC)]
    return [item for index, item in enumerate(found) if item not in found[:index]]


def _on(ctx: RuleContext, event: DoseEvent) -> dict:
    return {"drugs": [drug_name(ctx, event.resource)], "evidence": event.evidence, "date": event.recorded}


def _drafted(names: list[str]) -> dict:
    return {"drugs": names, "evidence": "draft order", "date": None}
