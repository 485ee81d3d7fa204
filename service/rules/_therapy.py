"""Shared reading for the systemic-therapy rules 17–24 (not a rule itself: no card file).

What "given with" a drug means (active order, any draft of this session, or an active statement), which
temozolomide schedule a draft is on (rules 17, 18), which pancreatic neoplasm is a neuroendocrine carcinoma
(by concept or by morphology), which is functional, and the latest result alone or as a panel component.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from ..fhirtime import effective_time, parse_fhir_datetime, within_window
from ..record import codings
from ..terminology import ICDO3
from ..units import convert
from .common import (FINAL_RESULT, RuleContext, active_medications, as_dict, conditions_in,
                     draft_medications, is_active_condition, is_drug)

TEMOZOLOMIDE_PARTNERS = ("everolimus", "bevacizumab", "thalidomide")  # RULES.md rules 17, 18
HISTOLOGY_EXTENSION = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior"


def given_with(ctx: RuleContext, value_set_id: str) -> list[tuple[dict, str]]:
    """(resource, evidence) for the drug as active therapy: active/on-hold orders, any draft order of this
    session (selected or not), and MedicationStatements with status active. Newest evidence kinds first."""
    found = [(draft, "draft order") for draft in draft_medications(ctx, value_set_id)]
    found += [(event.resource, "active order") for event in active_medications(ctx, value_set_id)]
    statements = ctx.record.valid("MedicationStatement",
                                  lambda s: s.get("status") == "active" and is_drug(ctx, s, value_set_id))
    found += [(s, "active statement") for s in statements]
    return found


def partners_with(ctx: RuleContext, kinds: tuple[str, ...] = ("draft order",)) -> list[tuple[dict, str]]:
    """(resource, evidence) of the temozolomide partners (everolimus, bevacizumab, thalidomide) given with it,
    restricted to the evidence kinds asked for ("draft order", "active order", "active statement")."""
    return [(resource, evidence) for partner in TEMOZOLOMIDE_PARTNERS
            for resource, evidence in given_with(ctx, partner) if evidence in kinds]


# --- temozolomide schedules (rules 17, 18) ------------------------------------------------------------

DOSE_INTENSE, FIVE_DAY, UNREADABLE = "dose-intense", "five-day", "unreadable"
_DAY_RANGE = re.compile(r"\bdays?\s*(\d{1,2})\s*(?:-|–|—|to|through|thru)\s*(\d{1,2})\b", re.IGNORECASE)
_FIVE_DAYS = re.compile(r"\b(?:for|x|×)\s*5\s*(?:consecutive\s+)?days?\b|\b5\s*(?:consecutive\s+)?days?\s*"
                        r"(?:every|each|of|per|q)\b|\bdaily\s*(?:x|×)\s*5\b", re.IGNORECASE)


@dataclass(frozen=True)
class TemozolomideSchedule:
    """Which temozolomide schedule a draft is on, and where that was read (for the card)."""

    kind: str  # DOSE_INTENSE | FIVE_DAY | UNREADABLE
    read_from: str = ""


def temozolomide_schedule(draft: dict, days_on: int, days_off: int) -> TemozolomideSchedule:
    """The schedule of a temozolomide draft: dose-intense (`days_on` on / `days_off` off, "days 1–7 and 15–21",
    "every other week" — at any dose), the 5-day course (days 1–5, days 10–14 of CAPTEM, "for 5 days", a
    structured course of at most 5 days), or unreadable (e.g. "once daily" with no course length).

    FHIR Timing cannot say "7 days on, 7 days off" without extensions, so EHRs write it in the dosage text or as
    explicit `timing.event` dates; both are read. The dose-intense reading wins when both kinds are present."""
    text = dosage_text(draft)
    if schedule_pattern(days_on, days_off).search(text):
        return TemozolomideSchedule(DOSE_INTENSE, "dosage text")
    timings = [as_dict(d.get("timing")) for d in draft.get("dosageInstruction") or [] if isinstance(d, dict)]
    runs = [run for timing in timings for run in _event_runs(timing)]
    if len(runs) >= 2 and _alternating(runs, days_on, days_off):
        return TemozolomideSchedule(DOSE_INTENSE, "timing events")
    if len(runs) == 1 and runs[0][1] <= 5:
        return TemozolomideSchedule(FIVE_DAY, "timing events")
    ranges = [(int(a), int(b)) for a, b in _DAY_RANGE.findall(text)]
    if (len(ranges) == 1 and 0 < ranges[0][1] - ranges[0][0] + 1 <= 5) or _FIVE_DAYS.search(text):
        return TemozolomideSchedule(FIVE_DAY, "dosage text")
    if any(_course_days(timing) is not None and _course_days(timing) <= 5 for timing in timings):
        return TemozolomideSchedule(FIVE_DAY, "timing")
    return TemozolomideSchedule(UNREADABLE)


def dosage_text(resource: dict) -> str:
    """The free text of a MedicationRequest's dosage instructions (text, patient text, timing text) and notes."""
    parts = []
    for dosage in resource.get("dosageInstruction") or []:
        if isinstance(dosage, dict):
            timing_code = as_dict(as_dict(dosage.get("timing")).get("code"))
            parts += [dosage.get("text"), dosage.get("patientInstruction"), timing_code.get("text")]
            parts += [c.get("display") for c in timing_code.get("coding") or [] if isinstance(c, dict)]
    parts += [note.get("text") for note in resource.get("note") or [] if isinstance(note, dict)]
    return " ".join(p for p in parts if isinstance(p, str))


def schedule_pattern(on: int, off: int) -> re.Pattern:
    """Ways a days-on / days-off schedule is written: "7 days on, 7 days off", "7 on/7 off",
    "days 1-7 and 15-21" (also "D1-7 & D15-21"), and (for 7/7) "week on, week off" / "alternating weeks" / "every other week"."""
    second_start, second_end = on + off + 1, 2 * on + off
    forms = [rf"\b{on}\s*days?\s*on\b[^.;]{{0,20}}?\b{off}\s*days?\s*off\b",
             rf"\b{on}\s*on\s*/\s*{off}\s*off\b",
             rf"\b(?:days?|d)\s*1\s*[-–]\s*{on}\s*(?:and|,|&|\+)\s*(?:days?\s*|d\s*)?{second_start}\s*[-–]\s*"
             rf"{second_end}\b"]
    if on == off == 7:
        forms += [r"\b(?:one\s+)?week\s+on\b[^.;]{0,10}?\b(?:one\s+)?week\s+off\b", r"\balternating\s+weeks\b",
                  r"\bevery\s+other\s+week\b"]
    return re.compile("|".join(forms), re.IGNORECASE)


def _event_runs(timing: dict) -> list[tuple[int, int]]:
    """Runs of consecutive days among `timing.event` dates: (first day as an ordinal, length in days)."""
    days = sorted({when.date().toordinal() for when in
                   (parse_fhir_datetime(e) for e in timing.get("event") or [] if isinstance(e, str)) if when})
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][0] + runs[-1][1]:
            runs[-1][1] += 1
        else:
            runs.append([day, 1])
    return [(start, length) for start, length in runs]


def _alternating(runs: list[tuple[int, int]], on: int, off: int) -> bool:
    gaps = [b[0] - (a[0] + a[1]) for a, b in zip(runs, runs[1:], strict=False)]
    return all(length == on for _, length in runs) and all(gap == off for gap in gaps)


def _course_days(timing: dict) -> float | None:
    """How many days a structured daily course lasts: `repeat.boundsDuration`, `repeat.count` of a daily
    dose, or `repeat.boundsPeriod` start to end (inclusive); None when the timing does not say."""
    repeat = as_dict(timing.get("repeat"))
    duration = as_dict(repeat.get("boundsDuration"))
    if isinstance(duration.get("value"), (int, float)):
        return convert(float(duration["value"]), duration.get("code") or duration.get("unit"), "d")
    period = as_dict(repeat.get("boundsPeriod"))
    start, end = parse_fhir_datetime(period.get("start")), parse_fhir_datetime(period.get("end"))
    if start and end:
        return float((end.date() - start.date()).days + 1)
    count = repeat.get("count")
    daily = repeat.get("period") in (1, 1.0) and repeat.get("periodUnit") == "d" and repeat.get("frequency", 1) == 1
    if isinstance(count, int) and daily:
        return float(count)
    return None


def nec_conditions(ctx: RuleContext) -> list[dict]:
    """Active conditions meaning a poorly differentiated neuroendocrine carcinoma of the pancreas.

    Evidence is a *concept* of the `neuroendocrine-carcinoma` set (1186869002, C7A.1, …) or an NEC
    *morphology* (ICD-O-3 8246/3, 8041/3, 8013/3: in `Condition.code`, as a registry "8246/3-C25.4" pair, or in
    the mCODE histology-morphology-behavior extension). Grade alone is not: a well-differentiated grade 3 NET
    (ICD-O-3 8249/3, "high grade", Ki-67 in the text) is not an NEC.
    Evidence that names the pancreas (a code also in `pnet`, a C25 topography, or the morphology of a pancreatic
    neoplasm) counts alone; site-nonspecific evidence (C7A.1, 123631000119103, a bare morphology) counts only
    together with another condition that is a pancreatic neoplasm, since on its own it may be a lung or
    unknown-primary NEC.
    """
    return ctx.cache.once("nec-conditions", lambda: _nec_conditions(ctx))


def _nec_conditions(ctx: RuleContext) -> list[dict]:
    nec_set, pnet = ctx.value_set("neuroendocrine-carcinoma"), ctx.value_set("pnet")
    pancreatic_neoplasms = conditions_in(ctx, "pnet")
    nec, pancreatic = list(conditions_in(ctx, "neuroendocrine-carcinoma")), []
    for condition in nec:
        if any(code in pnet for code in codings(condition.get("code"))):
            pancreatic.append(condition)
    for condition in ctx.record.valid("Condition", lambda c: is_active_condition(c) and bool(_morphologies(c))):
        sites = [site for morphology, site in _morphologies(condition) if (ICDO3, morphology) in nec_set]
        sites = [site for site in sites if site is None or _is_pancreas(site)]  # "8041/3-C34.1" is a lung NEC
        if not sites:
            continue
        if condition not in nec:
            nec.append(condition)
        if any(sites) or condition in pancreatic_neoplasms:
            pancreatic.append(condition)
    if not nec:
        return []
    if pancreatic:
        return nec
    other_pancreatic = [c for c in pancreatic_neoplasms if c not in nec]
    return nec if other_pancreatic else []


def _is_pancreas(topography: str) -> bool:
    return topography.upper().replace(".", "").startswith("C25")


def _morphologies(condition: dict) -> list[tuple[str, str | None]]:
    """(ICD-O-3 morphology, topography or None) of a condition: ICD-O-3 codings of its code ("8246/3", or the
    registry pair "8246/3-C25.4") and of the mCODE histology-morphology-behavior extension."""
    concepts = [as_dict(condition.get("code"))]
    for extension in condition.get("extension") or []:
        if isinstance(extension, dict) and extension.get("url") == HISTOLOGY_EXTENSION:
            concepts.append(as_dict(extension.get("valueCodeableConcept")))
    found = []
    for concept in concepts:
        for system, code in codings(concept):
            if system == ICDO3:
                morphology, _, site = code.partition("-")
                found.append((morphology.strip(), site.strip() or None))
    return found


def latest_with_component(ctx: RuleContext, role: str, panel_role: str, within: timedelta | None) -> dict | None:
    """The newest final result within the window (when given): an Observation coded in `role`, or a panel in
    `panel_role` with a component coded in `role` (a panel without one does not count), e.g. a systolic blood
    pressure alone or in a BP panel."""
    wanted, panel = ctx.value_set(role), ctx.value_set(panel_role)

    def coded(observation: dict) -> bool:
        if observation.get("status") not in FINAL_RESULT:
            return False
        codes = codings(observation.get("code"))
        component_codes = [c for part in observation.get("component") or [] for c in codings(part.get("code"))]
        return any(c in wanted for c in codes) or (any(c in panel for c in codes)
                                                   and any(c in wanted for c in component_codes))

    def recent(observation: dict) -> bool:  # calendar days (RULES.md v2); a next-day date tolerated
        when = effective_time(observation)
        return bool(when and when <= ctx.now + timedelta(days=1)
                    and (within is None or within_window(min(when, ctx.now), ctx.now, within)))

    # validate only the newest usable one
    return ctx.record.select("Observation", lambda o: coded(o) and recent(o)).newest_first(effective_time).first()
