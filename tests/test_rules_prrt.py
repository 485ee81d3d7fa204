"""The PRRT rules 11-14 and 16 through the real HTTP app: indicator, the dates, values and counts the cards
quote, and the FHIR resources their suggestions carry. Dates are computed from the pinned NOW (= the
fixtures' anchor), so "35 days ago" here is the same day the fixture wrote."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from pnet_cds.rules._prrt import ordered_activity_mbq
from pnet_cds.units import convert

from .conftest import NOW, Harness, make_app

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
CAPECITABINE_DRAFT = {
    "resourceType": "MedicationRequest", "id": "extra-cape", "status": "draft", "intent": "order",
    "subject": {"reference": "Patient/placeholder"},  # set by capecitabine_draft: another patient's is a 400
    "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "200328",
                                              "display": "capecitabine 500 MG Oral Tablet"}]},
}


def capecitabine_draft(patient_id: str) -> dict:
    draft = copy.deepcopy(CAPECITABINE_DRAFT)
    draft["subject"] = {"reference": f"Patient/{patient_id}"}
    return draft


@pytest.fixture(scope="module")
def harness():
    """conftest's Harness, built once for this module: the app is read-only per request, and building it
    (card files, value sets) per test made this file several times slower."""
    return Harness(make_app())


def day(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).date().isoformat()


def plain(card: dict) -> str:
    """The detail without markdown escapes and line wrapping, so tests read like the card."""
    return " ".join(card["detail"].replace("\\", "").split())


def one_card(harness, fixture: str, hook: str, rule_id: str, **kwargs) -> dict:
    cards = harness.cards_of(fixture, hook, rule_id, **kwargs)
    assert len(cards) == 1, cards
    assert cards[0]["source"]["topic"]["code"] == rule_id
    return cards[0]


def post_modified(harness, fixture: str, hook: str, change) -> list[dict]:
    """Fire `fixture` after `change(request)` edits the hook request; returns all cards."""
    request = harness.request(fixture, hook)
    change(request)
    response = harness.post({"order-sign": "pnet-order-sign", "order-select": "pnet-order-select"}[hook], request)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["cards"]


def set_lutetium_dose(value: float, unit: str):
    def change(request):
        for entry in request["context"]["draftOrders"]["entry"]:
            resource = entry["resource"]
            resource["dosageInstruction"] = [{"doseAndRate": [{"doseQuantity": {
                "value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}}]}]
    return change


def of_rule(cards: list[dict], rule_id: str) -> list[dict]:
    return [c for c in cards if c["source"]["topic"]["code"] == rule_id]


# --- rule 13 prrt-course-schedule ----------------------------------------------------------------------

@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_schedule_dose_too_soon_quotes_dose_number_and_previous_date(harness, hook):
    card = one_card(harness, "prrt-course-schedule--dose-3-five-weeks-after-dose-2", hook, "prrt-course-schedule")
    assert card["indicator"] == "warning"
    assert "dose 3 of 4 only 5 weeks after the previous dose" in card["summary"]
    detail = plain(card)
    assert "would be dose 3 of 4" in detail
    assert f"previous dose on {day(35)} (5 weeks, 35 days before the planned date; evidence: administration)" in detail
    assert f"planned for {day(0)} (today)" in detail
    assert f"first dose of the course on {day(91)}" in detail
    assert f"next dose is due from {day(35 - 56)}, 8 weeks after the previous one" in detail
    assert "7.4 GBq (200 mCi) IV over 30 minutes every 8 weeks, for a total of 4 doses" in detail
    assert "ordered activity" not in detail  # 7.4 GBq is standard


def test_schedule_course_complete_counts_product_level_administrations(harness):
    card = one_card(harness, "prrt-course-schedule--fifth-dose-after-four-given", "order-sign", "prrt-course-schedule")
    assert card["indicator"] == "warning"
    assert card["summary"].startswith("Lu-177 dotatate dose 5: 4 doses already given")
    detail = plain(card)
    assert f"previous dose on {day(70)} (10 weeks, 70 days before the planned date" in detail
    assert f"first dose of the course on {day(238)}" in detail
    assert "course of 4 doses is already complete (4 given)" in detail


def test_schedule_previous_dose_documented_only_as_procedure(harness):
    card = one_card(harness, "prrt-course-schedule--previous-dose-procedure-only-hcpcs", "order-sign",
                    "prrt-course-schedule")
    assert f"previous dose on {day(28)} (4 weeks, 28 days before the planned date; evidence: procedure)" in plain(card)
    assert "dose 2 of 4" in card["summary"]


def test_schedule_activity_in_mci_converted_to_gbq(harness):
    card = one_card(harness, "prrt-course-schedule--activity-150-mci", "order-sign", "prrt-course-schedule")
    assert card["indicator"] == "info"
    assert card["summary"] == "Lu-177 dotatate ordered at 5.55 GBq (150 mCi): standard is 7.4 GBq (200 mCi)"
    assert "dose 2 of 4" in plain(card)


def test_schedule_warning_also_names_an_off_standard_activity_in_one_card(harness):
    cards = of_rule(post_modified(harness, "prrt-course-schedule--dose-3-five-weeks-after-dose-2", "order-sign",
                                  set_lutetium_dose(3700, "MBq")), "prrt-course-schedule")
    assert len(cards) == 1 and cards[0]["indicator"] == "warning"
    assert "ordered activity is 3.7 GBq (100 mCi), 50 % of the standard 7.4 GBq." in plain(cards[0])


def test_schedule_same_day_duplicates_count_once(harness):
    """Administration + Procedure on the same three days = 3 doses: an off-standard order is dose 4 of 4."""
    cards = of_rule(post_modified(harness, "prrt-course-schedule--same-day-duplicates-three-doses", "order-sign",
                                  set_lutetium_dose(5.55, "GBq")), "prrt-course-schedule")
    assert [c["indicator"] for c in cards] == ["info"]
    assert "(dose 4 of 4)" in plain(cards[0])


def test_schedule_entered_in_error_and_not_done_administrations_do_not_count(harness):
    cards = of_rule(post_modified(harness, "prrt-course-schedule--entered-in-error-administration", "order-sign",
                                  set_lutetium_dose(150, "mCi")), "prrt-course-schedule")
    assert [c["indicator"] for c in cards] == ["info"]
    assert "(dose 2 of 4)" in plain(cards[0])


@pytest.mark.parametrize("value, unit", [(200, "mCi"), (7400, "MBq"), (7.4, "GBq"), (0.2, "Ci")])
def test_schedule_standard_activity_in_any_unit_is_silent(harness, value, unit):
    cards = post_modified(harness, "prrt-course-schedule--first-dose-200-mci", "order-sign",
                          set_lutetium_dose(value, unit))
    assert of_rule(cards, "prrt-course-schedule") == []


def test_schedule_dose_in_ml_gives_no_activity_card(harness):
    cards = post_modified(harness, "prrt-course-schedule--first-dose-200-mci", "order-sign",
                          set_lutetium_dose(25, "mL"))
    assert of_rule(cards, "prrt-course-schedule") == []


def test_activity_conversion():
    assert convert(200, "mCi", "MBq") == pytest.approx(7400)
    assert convert(7.4, "GBq", "MBq") == pytest.approx(7400)
    assert convert(25, "mL", "MBq") is None
    dose = {"dosageInstruction": [{"doseAndRate": [{"doseQuantity": {"value": 150, "unit": "mCi"}}]}]}
    assert ordered_activity_mbq(dose) == pytest.approx(5550)
    assert ordered_activity_mbq({"dosageInstruction": [{"text": "200 mCi"}]}) is None
    flag = {"dosageInstruction": [{"doseAndRate": [{"doseQuantity": {"value": True, "unit": "GBq"}}]}]}
    assert ordered_activity_mbq(flag) is None


# --- rule 11 prrt-post-dose-ssa-plan -------------------------------------------------------------------

def test_post_dose_plan_first_dose_offers_lar_orders_without_a_dose(harness):
    card = one_card(harness, "prrt-post-dose-ssa-plan--first-dose", "order-sign", "prrt-post-dose-ssa-plan")
    assert card["indicator"] == "info"
    detail = plain(card)
    assert "the first Lu-177 dose of a course" in detail
    assert "4-24 hours after each Lu-177 dose" in detail
    assert "until about 2027-12-01 if the course starts now" in detail  # NOW + 18 months
    assert "premedicate each dose (antiemetics, amino-acid infusion)" in detail
    assert "functional tumor" not in detail
    resources = [s["actions"][0]["resource"] for s in card["suggestions"]]
    codes = [r["medicationCodeableConcept"]["coding"][0]["code"] for r in resources]
    assert codes == ["898605", "898589", "898601"]
    for resource in resources:
        assert resource["resourceType"] == "MedicationRequest" and resource["status"] == "draft"
        assert resource["subject"] == {"reference": "Patient/plan-first"}
        assert resource["medicationCodeableConcept"]["coding"][0]["system"] == RXNORM
        assert "doseAndRate" not in resource["dosageInstruction"][0]  # the prescriber sets the dose
    assert card["selectionBehavior"] == "at-most-one"


def test_post_dose_plan_functional_tumor_and_course_start_from_procedures(harness):
    card = one_card(harness, "prrt-post-dose-ssa-plan--vipoma-procedure-history", "order-sign",
                    "prrt-post-dose-ssa-plan")
    detail = plain(card)
    assert f"the PRRT course started on {day(120)}" in detail
    assert "until 2027-08-01" in detail  # first dose 2026-02-01 + 18 months
    assert "functional tumor (Vasoactive intestinal peptide-secreting tumor" in detail
    assert "continue the somatostatin analog during and after PRRT" in detail


def test_post_dose_plan_insulinoma_gets_no_octreotide_order(harness):
    card = one_card(harness, "prrt-post-dose-ssa-plan--insulinoma-no-octreotide-suggested", "order-sign",
                    "prrt-post-dose-ssa-plan")
    assert "suggestions" not in card
    detail = plain(card)
    assert "an active insulinoma (Malignant insulinoma" in detail
    assert "Post-dose octreotide may worsen the hypoglycemia of an insulinoma: if it is given, monitor glucose" in detail
    assert "give long-acting octreotide" not in detail  # v2: no bullet contradicting the insulinoma line


def test_post_dose_plan_active_long_acting_order_reminds_timing_without_a_new_order(harness):
    card = one_card(harness, "prrt-post-dose-ssa-plan--lanreotide-active-no-new-order", "order-sign",
                    "prrt-post-dose-ssa-plan")
    assert "suggestions" not in card
    detail = plain(card)
    assert "An order for 0.5 ML lanreotide 240 MG/ML Prefilled Syringe [Somatuline] is active." in detail
    assert "and none in the 4 weeks before the next dose" in detail


def test_post_dose_plan_silent_on_order_select_when_lar_is_among_unselected_drafts(harness):
    assert harness.cards_of("prrt-post-dose-ssa-plan--lar-drafted-with-lutetium", "order-select",
                            "prrt-post-dose-ssa-plan") == []


def test_prrt_cards_on_one_lutetium_draft_each_say_something_different(harness):
    """Rules 9-14 all look at the same Lu-177 draft: no two cards may carry the same message."""
    cards = harness.fire("prrt-course-schedule--dose-3-five-weeks-after-dose-2", "order-sign")["cards"]
    by_rule = {c["source"]["topic"]["code"]: c for c in cards}
    assert {"prrt-post-dose-ssa-plan", "prrt-course-schedule"} <= set(by_rule)
    assert len({c["summary"] for c in cards}) == len(cards)
    plan, schedule = plain(by_rule["prrt-post-dose-ssa-plan"]), plain(by_rule["prrt-course-schedule"])
    assert "every 8 weeks" not in plan and "dose 3" not in plan
    assert "octreotide" not in schedule
    assert "before each Lu-177" not in plan  # the washout is rule 10's


# --- rule 12 prrt-concurrent-chemotherapy --------------------------------------------------------------

def test_chemotherapy_active_capecitabine_order(harness):
    card = one_card(harness, "prrt-concurrent-chemotherapy--lutetium-on-active-capecitabine", "order-select",
                    "prrt-concurrent-chemotherapy")
    assert card["indicator"] == "warning"
    detail = plain(card)
    assert f"capecitabine 500 MG Oral Tablet [Xeloda] (active order since {day(40)})" in detail
    assert "6.7 % of patients developed myelodysplastic syndrome or acute leukemia" in detail
    assert "not recommended outside a clinical trial" in detail


def test_chemotherapy_recent_temozolomide_administration_icd10_patient(harness):
    card = one_card(harness, "prrt-concurrent-chemotherapy--lutetium-after-temozolomide-3-weeks-icd10",
                    "order-sign", "prrt-concurrent-chemotherapy")
    assert f"temozolomide 100 MG Oral Capsule (administration on {day(21)})" in plain(card)


def test_chemotherapy_drafted_during_course_quotes_last_dose(harness):
    card = one_card(harness, "prrt-concurrent-chemotherapy--capecitabine-drafted-4-weeks-after-lu177-procedure",
                    "order-sign", "prrt-concurrent-chemotherapy")
    assert card["summary"].startswith("Cytotoxic ordered 4 weeks after a Lu-177 dose")
    assert f"last PRRT dose on {day(28)} (4 weeks, 28 days before the planned date {day(0)}; evidence: procedure)" in plain(card)


def test_chemotherapy_drafted_with_lutetium_in_the_same_session_gives_one_card(harness):
    draft = capecitabine_draft("sched-first")
    cards = harness.cards_of("prrt-course-schedule--first-dose-200-mci", "order-sign",
                             "prrt-concurrent-chemotherapy", extra_drafts=[draft])
    assert len(cards) == 1
    assert "capecitabine 500 MG Oral Tablet (among the draft orders)" in plain(cards[0])


def test_chemotherapy_selected_beside_an_unselected_lutetium_draft(harness):
    draft = capecitabine_draft("sched-first")
    cards = harness.cards_of("prrt-course-schedule--first-dose-200-mci", "order-select",
                             "prrt-concurrent-chemotherapy", extra_drafts=[draft],
                             selections=["MedicationRequest/extra-cape"])
    assert len(cards) == 1
    assert "capecitabine 500 MG Oral Tablet (among the draft orders)" in plain(cards[0])


# --- rule 14 prrt-baseline-labs ------------------------------------------------------------------------

def test_baseline_labs_lists_each_out_of_range_result(harness):
    card = one_card(harness, "prrt-baseline-labs--low-platelets-high-creatinine", "order-sign", "prrt-baseline-labs")
    assert card["indicator"] == "warning"
    detail = plain(card)
    assert f"92 10*3/uL (ref 150–400) [L] on {day(6)}: below the reference range" in detail
    assert f"Creatinine [Mass/volume] in Serum or Plasma 1.6 mg/dL (ref 0.7–1.3) on {day(6)}: above" in detail
    assert "Hemoglobin" not in detail  # 12.4 g/dL is within its range
    assert "suggestions" not in card  # nothing is missing


def test_baseline_labs_low_egfr_by_range_alone(harness):
    card = one_card(harness, "prrt-baseline-labs--low-egfr-by-range-icd10", "order-select", "prrt-baseline-labs")
    assert f"48 mL/min/{{1.73_m2}} (ref 60–) on {day(10)}: below the reference range" in plain(card)


def test_baseline_labs_missing_suggests_cbc_and_creatinine(harness):
    card = one_card(harness, "prrt-baseline-labs--no-labs-in-30-days", "order-sign", "prrt-baseline-labs")
    assert card["indicator"] == "info"
    assert "no CBC or renal function result in the last 30 days" in card["summary"]
    assert plain(card).count(f"last on {day(45)}") == 2
    resources = [s["actions"][0]["resource"] for s in card["suggestions"]]
    assert [r["code"]["coding"][0]["code"] for r in resources] == ["57021-8", "2160-0"]
    assert all(r["resourceType"] == "ServiceRequest" and r["code"]["coding"][0]["system"] == "http://loinc.org"
               and r["subject"] == {"reference": "Patient/labs-none"} for r in resources)
    assert card["selectionBehavior"] == "any"


def test_baseline_labs_only_renal_missing_suggests_only_creatinine(harness):
    card = one_card(harness, "prrt-baseline-labs--cbc-normal-no-renal", "order-sign", "prrt-baseline-labs")
    assert "no renal function result" in card["summary"]
    assert "none on record" in plain(card)
    assert [s["actions"][0]["resource"]["code"]["coding"][0]["code"] for s in card["suggestions"]] == ["2160-0"]


# --- rule 16 post-prrt-cytopenia-referral --------------------------------------------------------------

@pytest.mark.parametrize("hook", ["patient-view", "order-sign"])
def test_cytopenia_referral_lists_low_results_and_suggests_referral(harness, hook):
    extra = [capecitabine_draft("cyto-low")] if hook == "order-sign" else None
    card = one_card(harness, "post-prrt-cytopenia-referral--low-platelets-and-hemoglobin", hook,
                    "post-prrt-cytopenia-referral", extra_drafts=extra)
    assert card["indicator"] == "warning"
    assert card["summary"] == "Low hemoglobin, platelets after PRRT: refer to hematology"
    detail = plain(card)
    assert f"PRRT (4 doses, last on {day(300)}, 9 months ago; evidence: administration)" in detail
    assert f"Hemoglobin [Mass/volume] in Blood 10.2 g/dL (ref 12–15.5) on {day(10)}" in detail
    assert f"88 10*3/uL (ref 150–400) [L] on {day(10)}" in detail
    assert "WBC" not in card["summary"]
    (suggestion,) = card["suggestions"]
    resource = suggestion["actions"][0]["resource"]
    assert resource["resourceType"] == "ServiceRequest" and resource["status"] == "draft"
    assert resource["code"]["coding"] == [{"system": "http://snomed.info/sct", "code": "183567007",
                                           "display": "Referral to hematologist (procedure)"}]
    assert resource["subject"] == {"reference": "Patient/cyto-low"}
    assert resource["reasonCode"][0]["text"] == f"Low hemoglobin, platelets after PRRT (since {day(10)})"


def test_cytopenia_referral_neutropenia_flag_only_after_procedure_history(harness):
    card = one_card(harness, "post-prrt-cytopenia-referral--neutropenia-ll-flag-procedure-only", "patient-view",
                    "post-prrt-cytopenia-referral")
    assert card["summary"].startswith("Low neutrophils after PRRT")
    assert "(2 doses, last on" in plain(card) and "evidence: procedure" in plain(card)
    assert "0.4 10*3/uL [LL]" in plain(card)


def test_cytopenia_referral_older_referral_does_not_cover_a_new_result(harness):
    card = one_card(harness, "post-prrt-cytopenia-referral--referral-before-the-result", "patient-view",
                    "post-prrt-cytopenia-referral")
    assert f"No hematology referral is on record since {day(5)}" in plain(card)


def _lutetium_request_with_dose_in_words(harness) -> dict:
    request = harness.request("prrt-course-schedule--first-dose-200-mci", "order-sign")
    set_lutetium_dose(200, "mCi")(request)
    request["context"]["draftOrders"]["entry"][0]["resource"]["dosageInstruction"][0]["doseAndRate"][0][
        "doseQuantity"]["value"] = "two hundred"
    return request


def test_lutetium_draft_with_an_invalid_dose_is_a_400_naming_its_place_in_strict_mode():
    strict = Harness(make_app(FHIR_VALIDATION="strict"))
    response = strict.post("pnet-order-sign", _lutetium_request_with_dose_in_words(strict))
    assert response.status_code == 400
    body = response.get_json()
    assert any("/context/draftOrders/entry/0" in p["pointer"] for p in body["problems"])


def test_lutetium_draft_with_an_invalid_dose_is_named_as_not_checked(harness):
    response = harness.post("pnet-order-sign", _lutetium_request_with_dose_in_words(harness))
    assert response.status_code == 200
    cards = response.get_json()["cards"]
    assert [c["source"]["topic"]["code"] for c in cards] == ["draft-not-checked"]
    assert "doseQuantity.value: must be a number, got a string" in cards[0]["detail"]
