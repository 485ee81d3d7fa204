"""The catalog-v2 shared semantics, each on its own: calendar days, partial dates, planned date of a draft,
performed and negative studies, the current PRRT course. Built from bare resources (not the fixtures), with
the shapes real EHRs send: offsets other than Z, date-only and month-only values, periods, contained results."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pnet_cds import card_filters
from pnet_cds.fhirtime import (calendar_days, parse_fhir_time, shorter_than, within_window)
from pnet_cds.hook_request import HookRequest
from pnet_cds.record import PatientRecord
from pnet_cds.rules import _prrt, _studies, common
from pnet_cds.terminology import load_terminology

CARDS = Path(__file__).resolve().parent.parent / "cards"
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)
RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
CPT = "http://www.ama-assn.org/go/cpt"
SCT = "http://snomed.info/sct"


@pytest.fixture(scope="module")
def terminology():
    return load_terminology(CARDS / "valuesets")


def context(terminology, resources=(), drafts=(), params=None, now=NOW) -> common.RuleContext:
    record = PatientRecord()
    for index, resource in enumerate(resources):
        record.add(resource, f"/prefetch/x/entry/{index}/resource")
    for index, draft in enumerate(drafts):
        record.add_draft(draft, f"/context/draftOrders/entry/{index}/resource")
    request = HookRequest(hook="order-sign", hook_instance="i", patient_id="p", user_id="u", context={},
                          prefetch={}, draft_orders=list(drafts))
    every_set = {name: name for name in terminology.value_sets}  # a helper test: every value set its own role
    return common.RuleContext(record, request, terminology, now, dict(params or {"course_gap_months": 6}), every_set)


# --- calendar days -------------------------------------------------------------------------------------

def test_calendar_days_count_dates_not_fractions():
    given = datetime(2026, 4, 6, 15, 0, tzinfo=timezone.utc)  # 8 weeks before NOW's date, later time of day
    assert calendar_days(given, NOW) == 56
    assert (NOW - given) < timedelta(days=56)  # what the old fractional count got wrong


def test_calendar_days_use_each_timestamps_own_offset():
    # 23:30 in New York on 5 April is 03:30 UTC on 6 April: its calendar date is the 5th
    evening = parse_fhir_time("2026-04-05T23:30:00-04:00").earliest
    assert calendar_days(evening, NOW) == 57


def test_whole_day_windows_are_calendar_windows_hour_windows_are_hours():
    thirty_days_early_morning = datetime(2026, 5, 2, 1, 0, tzinfo=timezone.utc)
    assert within_window(thirty_days_early_morning, NOW, timedelta(days=30))
    assert not within_window(datetime(2026, 5, 1, 23, 0, tzinfo=timezone.utc), NOW, timedelta(days=30))
    yesterday_later = NOW - timedelta(hours=20)  # yesterday's date, 20 hours ago
    assert within_window(yesterday_later, NOW, timedelta(hours=24), in_hours=True)
    assert not within_window(NOW - timedelta(hours=25), NOW, timedelta(hours=24), in_hours=True)
    assert within_window(NOW - timedelta(hours=30), NOW, timedelta(days=1))  # one calendar day back


def test_fewer_than_28_days_is_strict_in_calendar_days():
    assert shorter_than(datetime(2026, 5, 5, 20, tzinfo=timezone.utc), NOW, timedelta(days=28))  # 27 days
    assert not shorter_than(datetime(2026, 5, 4, 20, tzinfo=timezone.utc), NOW, timedelta(days=28))  # 28 days


def test_service_time_zone_sets_the_date_of_now():
    from pnet_cds import create_app

    app = create_app({"NOW": "2026-06-01T02:00:00Z", "TIME_ZONE": "America/New_York", "SANDBOX": False})
    assert app.extensions["pnet_cds"].now().date().isoformat() == "2026-05-31"
    with pytest.raises(ValueError, match="TIME_ZONE"):
        create_app({"TIME_ZONE": "Mars/Olympus"})


# --- partial dates -------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, earliest, latest, precision", [
    ("2025", "2025-01-01", "2025-12-31", "year"),
    ("2025-12", "2025-12-01", "2025-12-31", "month"),
    ("2026-02", "2026-02-01", "2026-02-28", "month"),
    ("2025-05-10", "2025-05-10", "2025-05-10", "day"),
])
def test_partial_dates_are_spans(value, earliest, latest, precision):
    span = parse_fhir_time(value)
    assert (span.earliest.date().isoformat(), span.latest.date().isoformat(), span.precision) == \
        (earliest, latest, precision)


def test_partial_date_read_late_for_recency_capped_at_now_and_named_on_cards():
    span = parse_fhir_time("2026-06")
    assert span.recent(NOW) == NOW
    assert parse_fhir_time("2026-05").recent(NOW).date().isoformat() == "2026-05-31"
    assert parse_fhir_time("2026-05").describe() == "date recorded only as 2026-05"
    assert parse_fhir_time("2026-05-10T08:00:00+02:00").describe() == "2026-05-10"


def test_partial_dated_administration_counts_as_late_as_it_allows(terminology):
    lanreotide = {"resourceType": "MedicationAdministration", "id": "a", "status": "completed",
                  "subject": {"reference": "Patient/p"}, "effectiveDateTime": "2026-05",
                  "medicationCodeableConcept": {"coding": [{"system": RX, "code": "72664"}]}}
    [event] = common.administrations(context(terminology, [lanreotide]), "somatostatin-analogs")
    assert event.when.date().isoformat() == "2026-05-31" and event.partial
    assert card_filters.recorded_date(event.recorded) == "date recorded only as 2026-05"


def _hemoglobin(when: str, value: float) -> dict:
    return {"resourceType": "Observation", "id": f"hb-{len(when)}", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "718-7"}]},
            "subject": {"reference": "Patient/p"}, "effectiveDateTime": when,
            "valueQuantity": {"value": value, "unit": "g/dL"}}


def test_partial_date_never_outranks_a_full_date_and_is_read_early_for_overdue(terminology):
    ctx = context(terminology, [_hemoglobin("2026-05", 9.0), _hemoglobin("2026-05-01T00:00:00Z", 13.0)])
    assert common.latest_observation(ctx, "hemoglobin")["valueQuantity"]["value"] == 13.0
    ctx = context(terminology, [_hemoglobin("2025-12", 13.0)])  # could be 2025-12-31, read as 2025-12-01
    assert common.latest_observation(ctx, "hemoglobin", within=timedelta(days=181)) is None
    assert common.latest_observation(ctx, "hemoglobin", within=timedelta(days=182)) is not None


def test_open_period_statement_is_ongoing(terminology):
    statement = {"resourceType": "MedicationStatement", "id": "s", "status": "active",
                 "subject": {"reference": "Patient/p"}, "effectivePeriod": {"start": "2025-01-15"},
                 "medicationCodeableConcept": {"coding": [{"system": RX, "code": "72664"}]}}
    [event] = common.administrations(context(terminology, [statement]), "somatostatin-analogs",
                                      include_statements=True)
    assert event.evidence == "active statement" and event.when == NOW
    assert event.span.describe() == "2025-01-15"
    statement["effectivePeriod"]["end"] = "2026-12-31"  # planned to run on: still ongoing
    [event] = common.administrations(context(terminology, [statement]), "somatostatin-analogs",
                                      include_statements=True)
    assert event.evidence == "active statement"


# --- planned date of a draft ---------------------------------------------------------------------------

def _draft(**dosage) -> dict:
    return {"resourceType": "MedicationRequest", "id": "d", "status": "draft", "intent": "order",
            "subject": {"reference": "Patient/p"}, "dosageInstruction": [dosage]}


def test_planned_date_is_the_earliest_future_timing_event(terminology):
    ctx = context(terminology)
    draft = _draft(timing={"event": ["2026-05-20T09:00:00Z", "2026-06-29T09:00:00Z", "2026-06-22T08:00:00-05:00"]})
    assert common.planned_date(ctx, draft) == parse_fhir_time("2026-06-22T08:00:00-05:00").earliest


def test_planned_date_from_bounds_then_validity_then_now(terminology):
    ctx = context(terminology)
    bounds = _draft(timing={"repeat": {"boundsPeriod": {"start": "2026-06-15"}, "count": 1}})
    assert common.planned_date(ctx, bounds).date().isoformat() == "2026-06-15"
    validity = _draft(text="once")
    validity["dispenseRequest"] = {"validityPeriod": {"start": "2026-07-01", "end": "2026-07-10"}}
    assert common.planned_date(ctx, validity).date().isoformat() == "2026-07-01"
    past = _draft(timing={"event": ["2026-05-01"]})
    past["dispenseRequest"] = {"validityPeriod": {"start": "2026-05-01"}}
    assert common.planned_date(ctx, past) == NOW
    assert common.planned_date(ctx, {"resourceType": "MedicationRequest", "dosageInstruction": "junk"}) == NOW


def test_planned_date_in_the_current_month_is_not_before_now(terminology):
    assert common.planned_date(context(terminology), _draft(timing={"event": ["2026-06"]})) == NOW


# --- performed and positive ----------------------------------------------------------------------------

@pytest.mark.parametrize("resource, performed", [
    ({"resourceType": "Procedure", "status": "completed"}, True),
    ({"resourceType": "Procedure", "status": "preparation"}, False),
    ({"resourceType": "DiagnosticReport", "status": "appended"}, True),
    ({"resourceType": "DiagnosticReport", "status": "preliminary"}, False),
    ({"resourceType": "DiagnosticReport", "status": "registered"}, False),
    ({"resourceType": "ImagingStudy", "status": "available"}, True),
    ({"resourceType": "ImagingStudy", "status": "registered"}, False),
    ({"resourceType": "ServiceRequest", "status": "completed"}, False),
])
def test_performed_by_status_per_type(resource, performed):
    assert _studies.is_performed(resource) is performed


def test_negative_by_conclusion_code_or_neg_flag_not_by_normal(terminology):
    ctx = context(terminology)
    coded = {"resourceType": "DiagnosticReport", "conclusionCode": [
        {"coding": [{"system": "urn:oid:2.16.840.1.113883.6.96", "code": "260385009"}]}]}
    assert _studies.is_negative(ctx, coded)
    normal = {"resourceType": "DiagnosticReport", "interpretation": [{"coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": "N"}]}]}
    assert not _studies.is_negative(ctx, normal)
    contained = {"resourceType": "DiagnosticReport", "contained": [{"resourceType": "Observation", "id": "o",
                 "interpretation": [{"coding": [{"code": "NEG"}]}]}], "result": [{"reference": "#o"}]}
    assert _studies.is_negative(ctx, contained)
    assert not _studies.is_negative(ctx, {"resourceType": "DiagnosticReport", "conclusion": "Negative"})


# --- current PRRT course -------------------------------------------------------------------------------

def _lu_admin(when: str) -> dict:
    return {"resourceType": "MedicationAdministration", "id": f"lu-{when}", "status": "completed",
            "subject": {"reference": "Patient/p"}, "effectiveDateTime": when,
            "medicationCodeableConcept": {"coding": [{"system": RX, "code": "1999687"}]}}


def _y90_procedure(when: str) -> dict:
    return {"resourceType": "Procedure", "id": f"y90-{when}", "status": "completed",
            "subject": {"reference": "Patient/p"}, "performedDateTime": when,
            "code": {"coding": [{"system": CPT, "code": "79101"}], "text": "Y-90 DOTATOC PRRT"}}


def test_course_counts_lutetium_only_and_splits_at_the_gap(terminology):
    first_course = ["2024-01-10", "2024-03-06", "2024-05-01", "2024-06-26"]
    ctx = context(terminology, [_lu_admin(d) for d in first_course + ["2026-04-01"]] +
                  [_y90_procedure("2026-02-01"), _y90_procedure("2026-03-01")])
    history = common.prrt_history(ctx)
    assert {e.agent for e in history} == {"lutetium-177", "other"}
    courses = _prrt.lutetium_courses(ctx)
    assert [len(c) for c in courses] == [4, 1]
    course = _prrt.current_course(ctx)
    assert [d.when.date().isoformat() for d in course.doses] == ["2026-04-01"]
    assert len(course.previous) == 4 and not course.retreatment


def test_a_dose_after_the_gap_is_a_retreatment(terminology):
    ctx = context(terminology, [_lu_admin(d) for d in ("2025-03-01", "2025-04-26", "2025-06-21", "2025-08-16")])
    course = _prrt.current_course(ctx)
    assert course.retreatment and course.doses == [] and len(course.previous) == 4
    within = _prrt.current_course(ctx, at=datetime(2026, 2, 1, tzinfo=timezone.utc))
    assert not within.retreatment and len(within.doses) == 4


def test_lutetium_procedure_by_text_and_y90_by_text(terminology):
    lutathera = dict(_y90_procedure("2026-05-01"), id="lu", code={"coding": [{"system": CPT, "code": "79101"}],
                                                                  "text": "PRRT Lutathera cycle 2"})
    ctx = context(terminology, [lutathera, _y90_procedure("2026-03-01")])
    assert [e.agent for e in common.prrt_history(ctx)] == ["lutetium-177", "other"]


# --- reading a somatostatin-analog record for the washout (rule 10, rule 11) ----------------------------

def _octreotide(kind: str = "MedicationAdministration", **fields) -> dict:
    return {"resourceType": kind, "id": "o", "status": "completed", "subject": {"reference": "Patient/p"},
            "medicationCodeableConcept": {"coding": [{"system": RX, "code": "7617"}]}, **fields}


@pytest.mark.parametrize("fields, expected", [
    ({"dosage": {"route": {"coding": [{"system": SCT, "code": "78421000"}]}}}, ("long-acting", "route")),
    ({"dosage": {"route": {"text": "PO"}, "dose": {"value": 20, "unit": "mg"}}}, ("oral", "route")),
    ({"dosage": {"dose": {"value": 30, "unit": "mg"}}}, ("long-acting", "dose")),
    ({"dosage": {"route": {"coding": [{"system": SCT, "code": "34206005"}]}, "dose": {"value": 100, "unit": "mcg"}}},
     ("short-acting", "dose")),  # subcutaneous, 0.1 mg: below the depot threshold
    ({"dosage": {"dose": {"value": 4.9, "unit": "mg"}}}, ("short-acting", "dose")),
    ({}, ("unknown", "nothing")),
])
def test_washout_reading_of_unknown_octreotide_formulation(terminology, fields, expected):
    from pnet_cds.rules._ssa_exposure import washout_reading

    assert washout_reading(context(terminology), _octreotide(**fields), 5) == expected


def test_washout_reading_of_an_order_and_its_interval(terminology):
    from pnet_cds.rules._ssa_exposure import order_interval_days, washout_formulation

    order = _octreotide("MedicationRequest", dosageInstruction=[{
        "route": {"text": "intramuscular"}, "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "mo"}},
        "doseAndRate": [{"doseQuantity": {"value": 30, "unit": "mg"}}]}])
    assert washout_formulation(context(terminology), order, 5) == "long-acting"
    assert order_interval_days(order) == 28
    assert order_interval_days(_octreotide("MedicationRequest")) is None


@pytest.mark.parametrize("ratio, problem", [
    (1.10, None), (1.11, "high"), (0.90, None), (0.89, "low"), (10.0, "unit-error"), (0.1, "unit-error"),
    (9.9, "high"), (0.11, "low"),
])
def test_activity_bands_at_their_edges(ratio, problem):
    from pnet_cds.rules.prrt_course_schedule import activity_problem

    assert activity_problem(ratio, 10, 10) == problem
