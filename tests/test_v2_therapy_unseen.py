"""Catalog v2, rules 17-22: patients the fixtures never show, shaped the other ways real EHRs send data.

Each patient here is built in the test, differently from tests/fixtures_src (other code levels, resource types,
reference styles, unit spellings, where the schedule is written), so the rules are checked for the variety and
not for their own fixtures. Dates are relative to the tests' pinned now.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from pnet_cds.fixtures import Fixture, build_hook_request

from .conftest import NOW, SERVICE_FOR_HOOK

RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
RX_OID = "urn:oid:2.16.840.1.113883.6.88"
SCT = "http://snomed.info/sct"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
ICDO3_OID = "urn:oid:2.16.840.1.113883.6.43.1"
HISTOLOGY = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior"

PATIENT = "unseen-1"


def when(days: float) -> str:
    return (NOW - timedelta(days=days)).isoformat().replace("+00:00", "Z")


def day(days: float) -> str:
    return (NOW - timedelta(days=days)).date().isoformat()


def rx(code: str, display: str, system: str = RX) -> dict:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def condition(code: dict, n: int, **extra) -> dict:
    return {"resourceType": "Condition", "id": f"c{n}", "subject": {"reference": f"Patient/{PATIENT}"},
            "code": code, **extra}  # no clinicalStatus: absent counts as active


def order(n: int, med: dict | None = None, status: str = "active", **extra) -> dict:
    resource = {"resourceType": "MedicationRequest", "id": f"m{n}", "status": status, "intent": "order",
                "subject": {"reference": f"https://ehr.example/fhir/Patient/{PATIENT}"}, "authoredOn": day(10), **extra}
    if med is not None:
        resource["medicationCodeableConcept"] = med
    return resource


def draft(n: int, med: dict | None = None, **extra) -> dict:
    return order(n, med, status="draft", authoredOn=day(0), **extra)


def fire(harness, record: list[dict], drafts: list[dict], hook: str = "order-sign",
         selections: list[str] | None = None) -> dict[str, list[str]]:
    """{rule id: [indicators]} for the patient on the hook."""
    fixture = Fixture("unseen", {"resourceType": "Patient", "id": PATIENT}, record, drafts, None)
    service = harness.services[SERVICE_FOR_HOOK[hook]]
    response = harness.post(SERVICE_FOR_HOOK[hook], build_hook_request(fixture, service, selections=selections))
    assert response.status_code == 200, response.get_json()
    found: dict[str, list[str]] = {}
    for card in response.get_json()["cards"]:
        found.setdefault(card["source"]["topic"]["code"], []).append(card["indicator"])
    return found


PNET_ICD = condition({"coding": [{"system": ICD, "code": "C254", "display": "Malignant neoplasm of endocrine pancreas"}]}, 1)
PNET_SCT = condition(rx("1287665004", "Primary well-differentiated neuroendocrine tumor of pancreas", SCT), 1)
TMZ_SBD = rx("261290", "Temodar 100 mg capsule")
TMZ_IN_OID = rx("37776", "temozolomide", RX_OID)
EVEROLIMUS_IN = rx("141704", "everolimus")


# --- rules 17 and 18: temozolomide schedules and partners --------------------------------------------------

@pytest.mark.parametrize("where", ["patientInstruction", "timing.code.text", "note"])
def test_dose_intense_schedule_is_found_wherever_the_ehr_wrote_it(harness, where):
    text = {"patientInstruction": "Take one week on, one week off", "timing.code.text": "7 on/7 off",
            "note": "150 mg/m2 every other week"}[where]
    tmz = draft(2, TMZ_SBD)
    if where == "patientInstruction":
        tmz["dosageInstruction"] = [{"patientInstruction": text}]
    elif where == "timing.code.text":
        tmz["dosageInstruction"] = [{"timing": {"code": {"text": text}}}]
    else:
        tmz["note"] = [{"text": text}]
    cards = fire(harness, [PNET_ICD], [tmz])
    assert cards.get("temozolomide-pjp-prophylaxis") == ["warning"]


@pytest.mark.parametrize("repeat", [
    {"frequency": 1, "period": 1, "periodUnit": "d", "count": 5},
    {"frequency": 1, "period": 1, "periodUnit": "d", "boundsPeriod": {"start": day(-1), "end": day(-5)}},
    {"frequency": 1, "period": 1, "periodUnit": "d", "boundsDuration": {"value": 5, "unit": "d"}},
])
def test_a_structured_five_day_course_is_not_dose_intense_nor_unreadable(harness, repeat):
    tmz = draft(2, TMZ_IN_OID, dosageInstruction=[{"timing": {"repeat": repeat}}])
    cards = fire(harness, [PNET_SCT, order(3, EVEROLIMUS_IN)], [tmz])
    assert "temozolomide-pjp-prophylaxis" not in cards  # the partner alone does not call for prophylaxis
    assert cards.get("temozolomide-without-capecitabine") == ["info"]  # everolimus active, 5-day course: alone


def test_partner_drafted_by_contained_medication_reference_is_a_combination(harness):
    bevacizumab = draft(3, None, contained=[{"resourceType": "Medication", "id": "bev",
                                            "code": rx("1657066", "Avastin 100 mg/4 mL")}],
                        medicationReference={"reference": "#bev"})
    tmz = draft(2, TMZ_SBD, dosageInstruction=[{"text": "days 1-7 and days 15-21 q28d"}])
    cards = fire(harness, [PNET_ICD], [tmz, bevacizumab])
    assert "temozolomide-without-capecitabine" not in cards
    assert cards.get("temozolomide-pjp-prophylaxis") == ["warning"]


def test_thalidomide_active_order_with_a_five_day_course_is_still_temozolomide_alone(harness):
    thalidomide = order(3, rx("360177", "thalidomide 200 MG Oral Capsule"))
    tmz = draft(2, TMZ_SBD, dosageInstruction=[{"text": "200 mg/m2 days 1 to 5 every 28 days"}])
    cards = fire(harness, [PNET_ICD, thalidomide], [tmz])
    assert cards.get("temozolomide-without-capecitabine") == ["info"]
    assert "temozolomide-pjp-prophylaxis" not in cards


def test_thalidomide_active_and_dose_intense_is_the_combination(harness):
    thalidomide = order(3, rx("10432", "thalidomide", RX_OID))
    tmz = draft(2, TMZ_SBD, dosageInstruction=[{"text": "150 mg/m2/day, 7 days on, 7 days off"}])
    cards = fire(harness, [PNET_ICD, thalidomide], [tmz])
    assert "temozolomide-without-capecitabine" not in cards
    assert cards.get("temozolomide-pjp-prophylaxis") == ["warning"]


@pytest.mark.parametrize("prophylaxis, silenced", [
    (order(4, rx("7994", "pentamidine"), status="on-hold"), True),  # an on-hold order still counts as recent
    ({"resourceType": "MedicationStatement", "id": "s4", "status": "completed",
      "medicationCodeableConcept": rx("861597", "pentamidine 300 mg inhalation"), "subject": {"reference": f"Patient/{PATIENT}"},
      "effectiveDateTime": day(20)}, True),
    ({"resourceType": "MedicationAdministration", "id": "a4", "status": "completed",
      "medicationCodeableConcept": rx("7994", "pentamidine", RX_OID), "subject": {"reference": f"Patient/{PATIENT}"},
      "effectivePeriod": {"start": when(40), "end": when(40)}}, False),  # 40 days ago: lapsed
    ({"resourceType": "MedicationAdministration", "id": "a6", "status": "completed",
      "medicationCodeableConcept": rx("7994", "pentamidine"), "subject": {"reference": f"Patient/{PATIENT}"},
      "effectiveDateTime": when(31.25)}, True),  # 31 calendar days ago, earlier in the day: still in the window
    ({"resourceType": "MedicationStatement", "id": "s5", "status": "active",
      "medicationCodeableConcept": rx("308429", "Mepron suspension"), "subject": {"reference": f"Patient/{PATIENT}"},
      "effectivePeriod": {"start": "2026-04"}}, True),  # atovaquone, month-only start
    (order(4, rx("10180", "sulfamethoxazole")), False),  # a single ingredient of TMP-SMX is not the prophylaxis
])
def test_prophylaxis_as_ehrs_record_it(harness, prophylaxis, silenced):
    tmz = draft(2, TMZ_SBD, dosageInstruction=[{"text": "150 mg/m2 daily days 1-7 & 15-21"}])
    cards = fire(harness, [PNET_ICD, prophylaxis], [tmz])
    assert ("temozolomide-pjp-prophylaxis" not in cards) is silenced, cards


def test_order_select_judges_only_the_selected_temozolomide(harness):
    """The selected order is an unrelated CBC; the dose-intense temozolomide is an earlier draft: no card."""
    tmz = draft(2, TMZ_SBD, dosageInstruction=[{"text": "7 days on / 7 days off"}])
    cbc = {"resourceType": "ServiceRequest", "id": "sr9", "status": "draft", "intent": "order",
           "subject": {"reference": f"Patient/{PATIENT}"},
           "code": {"coding": [{"system": LOINC, "code": "58410-2", "display": "CBC panel"}]}}
    cards = fire(harness, [PNET_ICD], [tmz, cbc], hook="order-select", selections=["ServiceRequest/sr9"])
    assert "temozolomide-pjp-prophylaxis" not in cards and "temozolomide-without-capecitabine" not in cards


# --- rules 19 and 20: NEC by concept or morphology ---------------------------------------------------------

SUNITINIB_DRAFT = draft(2, rx("616292", "Sutent 50 mg capsule", RX_OID), dosageInstruction=[{"text": "37.5 mg daily"}])
PEMBRO_DRAFT = draft(5, rx("1657750", "pembrolizumab 100 mg/4 mL"))


def test_nec_morphology_by_oid_system_on_the_pancreatic_condition(harness):
    nec = condition({"coding": [{"system": ICD, "code": "C25.4"}, {"system": ICDO3_OID, "code": "8041/3"}],
                     "text": "Small cell carcinoma of pancreas"}, 1)
    cards = fire(harness, [nec], [SUNITINIB_DRAFT, PEMBRO_DRAFT])
    assert cards.get("nec-not-net-therapy") == ["warning"]
    assert "checkpoint-inhibitor-in-wd-net" not in cards


def test_nec_morphology_extension_on_a_snomed_only_pnet(harness):
    pnet = condition(rx("1208744003", "Non-functioning neuroendocrine neoplasm of pancreas", SCT), 1,
                     extension=[{"url": HISTOLOGY, "valueCodeableConcept": {
                         "coding": [{"system": "http://terminology.hl7.org/CodeSystem/icd-o-3", "code": "8246/3"}]}}])
    cards = fire(harness, [pnet], [SUNITINIB_DRAFT])
    assert cards.get("nec-not-net-therapy") == ["warning"]


def test_a_bare_nec_morphology_on_another_condition_counts_with_a_pancreatic_neoplasm(harness):
    morphology = condition({"coding": [{"system": ICDO3_OID, "code": "8013/3"}]}, 2)
    cards = fire(harness, [PNET_ICD, morphology], [SUNITINIB_DRAFT])
    assert cards.get("nec-not-net-therapy") == ["warning"]


@pytest.mark.parametrize("grade_3", [
    condition({"coding": [{"system": ICD, "code": "C25.4"}, {"system": ICDO3_OID, "code": "8249/3"}],
               "text": "NET G3, Ki-67 40 %"}, 1),
    condition(rx("1287665004", "Primary well-differentiated neuroendocrine tumor of pancreas", SCT), 1,
              extension=[{"url": HISTOLOGY, "valueCodeableConcept": rx("1155707008", "High histologic grade", SCT)}]),
])
def test_well_differentiated_grade_3_is_not_nec(harness, grade_3):
    cards = fire(harness, [grade_3], [SUNITINIB_DRAFT, PEMBRO_DRAFT])
    assert "nec-not-net-therapy" not in cards
    assert cards.get("checkpoint-inhibitor-in-wd-net") == ["info"]


def test_resolved_nec_morphology_condition_does_not_count(harness):
    resolved = condition({"coding": [{"system": ICDO3_OID, "code": "8246/3-C25.4"}]}, 2, clinicalStatus={
        "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "resolved"}]})
    cards = fire(harness, [PNET_ICD, resolved], [SUNITINIB_DRAFT])
    assert "nec-not-net-therapy" not in cards


# --- rule 22: eGFR under any code and unit spelling --------------------------------------------------------

STZ = draft(2, rx("10114", "streptozocin"), dosageInstruction=[{"text": "500 mg/m2 IV days 1-5"}])


def egfr(n: int, code: str, value: float, days: float = 3, system: str = LOINC, **quantity) -> dict:
    return {"resourceType": "Observation", "id": f"o{n}", "status": "final",
            "code": {"coding": [{"system": system, "code": code}]}, "subject": {"reference": f"Patient/{PATIENT}"},
            "effectiveDateTime": when(days), "valueQuantity": {"value": value, **quantity}}


@pytest.mark.parametrize("observation, indicator", [
    (egfr(1, "62238-1", 44, unit="mL/min/1.73 m²"), "warning"),
    (egfr(1, "77147-7", 0.7, unit="ml/s/1.73m2"), "warning"),  # 42 mL/min
    (egfr(1, "50044-7", 38), "warning"),  # no unit at all, plausible value
    (egfr(1, "98980-6", 15, comparator="<", unit="mL/min/{1.73_m2}"), "warning"),
    (egfr(1, "98979-8", 90, comparator=">", unit="mL/min/1.73m2"), None),
    (egfr(1, "88294-4", 45, comparator=">", unit="mL/min/1.73m2"), "info"),  # could be 50 or 100
    (egfr(1, "69405-9", 350, unit="see comment"), "info"),  # not plausible with an unreadable unit
    (egfr(1, "48643-1", 72, unit="mL/min/1.73_m2"), None),
])
def test_egfr_codes_units_and_comparators(harness, observation, indicator):
    cards = fire(harness, [PNET_ICD, observation], [STZ])
    assert cards.get("streptozocin-renal-function") == ([indicator] if indicator else None), cards


def test_an_egfr_without_a_unit_names_the_assumption_as_local_policy(harness):
    fixture = Fixture("unseen", {"resourceType": "Patient", "id": PATIENT}, [PNET_ICD, egfr(1, "50044-7", 38)], [STZ], None)
    response = harness.post("pnet-order-sign", build_hook_request(fixture, harness.services["pnet-order-sign"]))
    [card] = [c for c in response.get_json()["cards"] if c["source"]["topic"]["code"] == "streptozocin-renal-function"]
    assert "an eGFR without a readable unit is read as mL/min/1.73m2 when it is 0–200." in card["detail"]


def test_of_two_egfrs_on_one_date_the_lowest_counts_even_when_listed_first_is_normal(harness):
    record = [PNET_ICD, egfr(1, "88293-6", 71, unit="mL/min/1.73m2"), egfr(2, "88294-4", 59, unit="mL/min/1.73m2"),
              egfr(3, "98979-8", 30, days=20, unit="mL/min/1.73m2")]
    cards = fire(harness, record, [STZ])
    assert cards.get("streptozocin-renal-function") == ["warning"]


def test_an_older_low_egfr_does_not_outrank_a_newer_normal_one(harness):
    record = [PNET_ICD, egfr(1, "98979-8", 30, days=20, unit="mL/min/1.73m2"),
              egfr(2, "48642-3", 75, days=2, unit="ml/min/1,73 m2")]
    assert "streptozocin-renal-function" not in fire(harness, record, [STZ])
