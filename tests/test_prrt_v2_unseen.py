"""Catalog v2, rules 9-16, against patients built unlike the fixtures: Medications by reference, brand-level
codes, HL7 v3 route codes, UTC offsets other than Z, date-only and month-only values, unit spellings the
fixtures do not use, completed statements, validity periods. Each test names the v2 point it checks.
NOW is pinned at 2026-06-01T12:00Z (tests/conftest.py)."""

from __future__ import annotations

import itertools

import pytest

from pnet_cds.fixtures import build_hook_request, load_fixture_bundle
from tests.fixtures_src.builder import mark_draft

from .conftest import SERVICE_FOR_HOOK, Harness, make_app

RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
SCT = "http://snomed.info/sct"
LNC = "http://loinc.org"
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
V3_ROUTE = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
PATIENT = "unseen-1"
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def harness():
    return Harness(make_app())


def res(resource_type: str, **fields) -> dict:
    return {"resourceType": resource_type, "id": f"u{next(_ids)}", "subject": {"reference": f"Patient/{PATIENT}"},
            **fields}


def concept(system: str, code: str, display: str = "", text: str | None = None) -> dict:
    found = {"coding": [{"system": system, "code": code, **({"display": display} if display else {})}]}
    return {**found, "text": text} if text else found


PNET = res("Condition", code=concept(SCT, "1287665004", "Primary well-differentiated neuroendocrine tumor of pancreas"),
           clinicalStatus={"coding": [{"code": "active"}]})
SSTR_PET = res("Procedure", status="completed", performedDateTime="2026-03-01",
               code=concept(HCPCS, "A9587", "Gallium Ga-68, dotatate, diagnostic"))


def lutathera_draft(**fields) -> dict:
    """A Lutathera order as an EHR sends it: brand-level RxNorm through a contained Medication, 7.4 GBq."""
    draft = res("MedicationRequest", status="draft", intent="order", authoredOn="2026-06-01",
                contained=[{"resourceType": "Medication", "id": "lu", "code": concept(RX, "1999683", "Lutathera")}],
                medicationReference={"reference": "#lu"},
                dosageInstruction=[{"doseAndRate": [{"doseQuantity": {"value": 7.4, "unit": "GBq",
                                                                      "system": "http://unitsofmeasure.org",
                                                                      "code": "GBq"}}]}])
    draft.update(fields)
    return mark_draft(draft)


def cards(harness, resources: list[dict], rule_id: str, hook: str = "order-sign") -> list[dict]:
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": r} for r in [{"resourceType": "Patient", "id": PATIENT}] + resources]}
    fixture = load_fixture_bundle(bundle, "unseen")
    request = build_hook_request(fixture, harness.services[SERVICE_FOR_HOOK[hook]])
    response = harness.post(SERVICE_FOR_HOOK[hook], request)
    assert response.status_code == 200, response.get_json()
    return [c for c in response.get_json()["cards"] if c["source"]["topic"]["code"] == rule_id]


def detail(card: dict) -> str:
    return " ".join(card["detail"].replace("\\", "").split())


WASHOUT = "prrt-long-acting-ssa-washout"


# --- rule 10: every long-acting exposure, calendar days, planned date -----------------------------------

def test_washout_active_order_by_medication_reference_without_dose_record(harness):
    medication = {"resourceType": "Medication", "id": "sandostatin-lar",
                  "code": concept(RX, "196457", "Sandostatin", text="Sandostatin LAR Depot 30 mg")}
    order = res("MedicationRequest", status="active", intent="order", authoredOn="2025-11-20",
                medicationReference={"reference": "Medication/sandostatin-lar"})
    [card] = cards(harness, [PNET, SSTR_PET, medication, order, lutathera_draft()], WASHOUT)
    assert card["indicator"] == "warning" and "last injection date unknown" in card["summary"]
    assert "active order since 2025-11-20" in detail(card)


def test_washout_completed_statement_with_date_only_value(harness):
    statement = res("MedicationStatement", status="completed", effectiveDateTime="2026-05-22",
                    medicationCodeableConcept=concept(RX, "749814", "lanreotide 120 MG Prefilled Syringe"))
    [card] = cards(harness, [PNET, SSTR_PET, statement, lutathera_draft()], WASHOUT)
    assert "10 days before Lu-177" in card["summary"]


@pytest.mark.parametrize("given, fires", [
    ("2026-05-04T22:00:00-05:00", False),  # 28 local days (27.4 days of elapsed time: fired before v2)
    ("2026-05-05T08:00:00+02:00", True),   # 27 local days
])
def test_washout_counts_local_calendar_days_in_each_offset(harness, given, fires):
    lar = res("MedicationAdministration", status="completed", effectiveDateTime=given,
              medicationCodeableConcept=concept(RX, "898605", "octreotide 10 MG Injection"))
    assert bool(cards(harness, [PNET, SSTR_PET, lar, lutathera_draft()], WASHOUT)) is fires


def test_washout_octreotide_ingredient_with_v3_im_route_and_unit_text(harness):
    given = res("MedicationAdministration", status="completed", effectiveDateTime="2026-05-20T10:00:00Z",
                medicationCodeableConcept=concept(RX, "7617", "octreotide"),
                dosage={"route": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration",
                                              "code": "IM"}]}, "dose": {"value": 20, "unit": "milligram"}})
    [card] = cards(harness, [PNET, SSTR_PET, given, lutathera_draft()], WASHOUT)
    assert "given intramuscularly (read as a depot)" in detail(card)


def test_washout_octreotide_by_mouth_in_route_text_is_not_a_depot(harness):
    given = res("MedicationAdministration", status="completed", effectiveDateTime="2026-05-28",
                medicationCodeableConcept=concept(RX, "7617", "octreotide"),
                dosage={"route": {"text": "by mouth"}, "dose": {"value": 20, "unit": "mg"}})
    assert cards(harness, [PNET, SSTR_PET, given, lutathera_draft()], WASHOUT) == []


def test_washout_planned_by_validity_period_five_weeks_ahead(harness):
    lar = res("MedicationAdministration", status="completed", effectiveDateTime="2026-05-22",
              medicationCodeableConcept=concept(RX, "749816", "lanreotide 120 MG [Somatuline]"))
    later = lutathera_draft(dispenseRequest={"validityPeriod": {"start": "2026-07-06", "end": "2026-07-20"}})
    assert cards(harness, [PNET, SSTR_PET, lar, later], WASHOUT) == []
    sooner = lutathera_draft(dispenseRequest={"validityPeriod": {"start": "2026-06-08"}})
    [card] = cards(harness, [PNET, SSTR_PET, lar, sooner], WASHOUT)
    assert "planned for 2026-06-08" in detail(card) and "17 days before the planned date" in detail(card)


# --- rule 9: performed and positive ---------------------------------------------------------------------

SSTR = "prrt-sstr-imaging-required"


def test_sstr_available_imaging_study_by_series_description_counts(harness):
    study = res("ImagingStudy", status="available", started="2026-04-02T09:30:00+02:00",
                series=[{"uid": "1.2.3", "modality": {"code": "PT"}, "description": "WB PET 68Ga-DOTATOC"}])
    assert cards(harness, [PNET, study, lutathera_draft()], SSTR) == []


def test_sstr_procedure_in_progress_is_not_yet_done(harness):
    booked = res("Procedure", status="in-progress", performedDateTime="2026-06-01",
                 code=concept(CPT, "78815", "PET/CT", text="Ga-68 DOTATATE PET/CT"))
    [card] = cards(harness, [PNET, booked, lutathera_draft()], SSTR)
    assert "no performed somatostatin-receptor" in detail(card)


def test_sstr_negative_by_neg_flag_on_a_contained_result(harness):
    report = res("DiagnosticReport", status="final", effectiveDateTime="2026-04", code=concept(CPT, "78815", text="Cu-64 DOTATATE PET"),
                 contained=[{"resourceType": "Observation", "id": "r1", "status": "final", "code": {"text": "impression"},
                             "interpretation": [{"coding": [{"system": V3_ROUTE, "code": "NEG"}]}]}],
                 result=[{"reference": "#r1"}])
    [card] = cards(harness, [PNET, report, lutathera_draft()], SSTR)
    assert "negative" in card["summary"] and "(date recorded only as 2026-04)" in detail(card)


# --- rule 13: Lu-177 doses of the current course, activity ---------------------------------------------

SCHEDULE = "prrt-course-schedule"


def _lu_procedure(day: str) -> dict:
    return res("Procedure", status="completed", performedDateTime=day, code=concept(HCPCS, "A9513", "Lutetium Lu 177, dotatate"))


def test_schedule_y90_edotreotide_procedure_with_used_code_text_is_not_a_lutetium_dose(harness):
    y90 = res("Procedure", status="completed", performedDateTime="2026-05-11",
              code=concept(SCT, "399315003", "Radionuclide therapy"), usedCode=[{"text": "Yttrium-90 edotreotide"}])
    found = cards(harness, [PNET, SSTR_PET, y90, _lu_procedure("2026-02-09"), lutathera_draft()], SCHEDULE)
    assert found == []  # dose 2, 16 weeks after the Lu-177 dose; the Y-90 treatment 3 weeks ago is not one


def test_schedule_retreatment_from_hcpcs_procedures(harness):
    doses = [_lu_procedure(d) for d in ("2025-01-06", "2025-03-03", "2025-04-28", "2025-06-23")]
    [card] = cards(harness, [PNET, SSTR_PET, *doses, lutathera_draft()], SCHEDULE)
    assert card["summary"] == "Lu-177 dotatate re-treatment after a completed course of 4 doses (last 2025-06-23)"


@pytest.mark.parametrize("value, unit, variant_word, indicator", [
    (7.4, "mCi", "probable unit error", "warning"),
    (8200, "MBq", "above the standard", "warning"),
    (180, "mCi", None, None),  # 6.66 GBq: 90 %, within the tolerance
    (6.0, "GBq", "standard is", "info"),
])
def test_schedule_activity_bands(harness, value, unit, variant_word, indicator):
    draft = lutathera_draft()
    draft["dosageInstruction"] = [{"doseAndRate": [{"doseQuantity": {"value": value, "unit": unit}}]}]
    found = cards(harness, [PNET, SSTR_PET, draft], SCHEDULE)
    if indicator is None:
        assert found == []
    else:
        [card] = found
        assert card["indicator"] == indicator and variant_word in card["summary"]


# --- rule 14: adverse direction only --------------------------------------------------------------------

def _lab(code: str, value: float, unit: str, low=None, high=None, flag=None, when="2026-05-25") -> dict:
    observation = res("Observation", status="final", code=concept(LNC, code), effectiveDateTime=when,
                      valueQuantity={"value": value, "unit": unit})
    if low is not None or high is not None:
        observation["referenceRange"] = [{k: {"value": v, "unit": unit} for k, v in (("low", low), ("high", high))
                                          if v is not None}]
    if flag:
        observation["interpretation"] = [{"coding": [{"code": flag}]}]
    return observation


def test_baseline_labs_low_egfr_other_unit_spelling_counts_high_hemoglobin_does_not(harness):
    labs = [_lab("718-7", 17.9, "g/dL", 12, 15.5), _lab("6690-2", 6, "10*3/uL", 3.4, 10.8),
            _lab("777-3", 250, "10*3/uL", 150, 400), _lab("62238-1", 41, "mL/min/1.73m2", flag="L"),
            _lab("2160-0", 1.0, "mg/dL", 0.6, 1.1)]
    [card] = cards(harness, [PNET, SSTR_PET, *labs, lutathera_draft()], "prrt-baseline-labs")
    assert "41 mL/min/1.73m2" in detail(card) and "Hemoglobin" not in detail(card)


# --- rule 15: what a CBC is, old orders -----------------------------------------------------------------

CBC_RULE = "post-prrt-cbc-surveillance"


def test_cbc_panel_with_month_only_date_inside_the_interval_silences(harness):
    panel = res("Observation", status="final", code=concept(LNC, "58410-2"), effectiveDateTime="2026-03")
    assert cards(harness, [PNET, _lu_procedure("2025-01-06"), panel], CBC_RULE, "patient-view") == []


def test_cbc_order_authored_year_only_long_ago_does_not_silence(harness):
    order = res("ServiceRequest", status="active", intent="order", authoredOn="2024",
                code=concept(LNC, "57021-8", "CBC W Auto Differential panel - Blood"))
    hb_only = _lab("718-7", 12.5, "g/dL", 12, 15.5, when="2026-05-02")
    [card] = cards(harness, [PNET, _lu_procedure("2025-01-06"), order, hb_only], CBC_RULE, "patient-view")
    assert "none on record since PRRT" in card["summary"]


# --- rule 16: quiet after a dose unless grade 3 ----------------------------------------------------------

def test_cytopenia_grade_3_anemia_in_g_per_l_speaks_in_the_quiet_window(harness):
    dose = _lu_procedure("2026-05-11")
    hb = _lab("718-7", 75, "g/L", 120, 155, when="2026-05-30T07:00:00-04:00")
    [card] = cards(harness, [PNET, _lu_procedure("2026-03-16"), dose, hb], "post-prrt-cytopenia-referral", "patient-view")
    assert "hemoglobin is critical or CTCAE v5 grade 3" in detail(card)


def test_cytopenia_platelets_per_microlitre_above_grade_3_is_quiet_after_a_dose(harness):
    plt = _lab("26515-7", 95000, "/uL", 150000, 400000, flag="L", when="2026-05-30")
    assert cards(harness, [PNET, _lu_procedure("2026-03-16"), _lu_procedure("2026-05-11"), plt],
                 "post-prrt-cytopenia-referral", "patient-view") == []


# --- rule 12 and 11 --------------------------------------------------------------------------------------

def test_concurrent_capecitabine_reported_by_open_statement(harness):
    statement = res("MedicationStatement", status="active", effectivePeriod={"start": "2026-04"},
                    medicationCodeableConcept=concept(RX, "200328", "capecitabine 500 MG Oral Tablet"))
    [card] = cards(harness, [PNET, SSTR_PET, statement, lutathera_draft()], "prrt-concurrent-chemotherapy")
    assert card["indicator"] == "warning" and "active statement since date recorded only as 2026-04" in detail(card)


def test_post_dose_plan_offers_no_octreotide_order_for_a_carcinoma(harness):
    nec = res("Condition", code=concept(SCT, "1186869002", "Neuroendocrine carcinoma of pancreas (disorder)"))
    [card] = cards(harness, [nec, SSTR_PET, lutathera_draft()], "prrt-post-dose-ssa-plan")
    assert "suggestions" not in card and "Neuroendocrine carcinoma on record" in detail(card)
