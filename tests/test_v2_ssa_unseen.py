"""Catalog v2, rules 1-8, 21, 23 and "Renewal", on patients built unlike the fixtures: hand-written resources with
contained Medications, OID code systems, dotless ICD-10-CM codes, ingredient codes where the fixtures use
products (and the reverse), timing codes, other unit spellings, statements instead of orders, plan intents."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pnet_cds.fixtures import build_hook_request, load_fixture_bundle

from .conftest import NOW, SERVICE_FOR_HOOK

RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
SCT_OID = "urn:oid:2.16.840.1.113883.6.96"
SCT = "http://snomed.info/sct"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
PNET = {"system": SCT, "code": "1287665004"}
VIPOMA = {"system": SCT, "code": "253005002"}


def when(days: float) -> str:
    return (NOW - timedelta(days=days)).isoformat().replace("+00:00", "Z")


def rx(code: str, display: str | None = None) -> dict:
    return {"coding": [{"system": RX, "code": code, **({"display": display} if display else {})}],
            **({"text": display} if display else {})}


class Record:
    """A patient written resource by resource, as a chart export would hold it."""

    def __init__(self, slug: str):
        self.slug, self.resources, self.drafts, self._n = slug, [], [], 0

    def _id(self) -> str:
        self._n += 1
        return f"{self.slug}-{self._n}"

    def add(self, resource: dict, draft: bool = False) -> dict:
        resource = {"id": self._id(), "subject": {"reference": f"Patient/{self.slug}"}, **resource}
        if draft:
            resource.setdefault("status", "draft")
            resource["meta"] = {"tag": [{"system": "urn:pnet-cds:fixture-role", "code": "draft-order"}]}
        (self.drafts if draft else self.resources).append(resource)
        return resource

    def condition(self, *codings: dict) -> dict:
        return self.add({"resourceType": "Condition", "code": {"coding": list(codings)}})

    def order(self, medication: dict, status: str = "active", days: float = 30, dosage: list | None = None,
              draft: bool = False, intent: str = "order", **extra) -> dict:
        resource = {"resourceType": "MedicationRequest", "status": status, "intent": intent,
                    "authoredOn": when(0 if draft else days), **extra}
        if "reference" in medication or "contained" in medication:
            resource.update(medication)
        else:
            resource["medicationCodeableConcept"] = medication
        if dosage:
            resource["dosageInstruction"] = dosage
        return self.add(resource, draft=draft)

    def lab(self, code: str, value: float, unit: str, days: float, low: float | None = None,
            flag: str | None = None) -> dict:
        resource = {"resourceType": "Observation", "status": "final", "code": {"coding": [{"system": LOINC, "code": code}]},
                    "effectiveDateTime": when(days), "valueQuantity": {"value": value, "unit": unit}}
        if low is not None:
            resource["referenceRange"] = [{"low": {"value": low, "unit": unit}}]
        if flag:
            resource["interpretation"] = [{"coding": [{"code": flag}]}]
        return self.add(resource)

    def fire(self, harness, hook: str = "order-sign", rule: str | None = None) -> list[dict]:
        patient = {"resourceType": "Patient", "id": self.slug}
        bundle = {"resourceType": "Bundle", "type": "collection",
                  "entry": [{"resource": r} for r in [patient] + self.resources + self.drafts]}
        fixture = load_fixture_bundle(bundle, self.slug)
        body = build_hook_request(fixture, harness.services[SERVICE_FOR_HOOK[hook]])
        response = harness.post(SERVICE_FOR_HOOK[hook], body)
        assert response.status_code == 200, response.get_json()
        result = response.get_json()
        assert "failedRules" not in str(result.get("extension")), result["extension"]
        return [c for c in result["cards"] if rule is None or c["source"]["topic"]["code"] == rule]


def dose(value, unit, frequency=1, period=1, period_unit="d", code: str | None = None) -> list:
    quantity = {"value": value, "unit": unit, **({"system": "http://unitsofmeasure.org", "code": code} if code else {})}
    return [{"timing": {"repeat": {"frequency": frequency, "period": period, "periodUnit": period_unit}},
             "doseAndRate": [{"doseQuantity": quantity}]}]


def contained(code: str, display: str) -> dict:
    return {"contained": [{"resourceType": "Medication", "id": "m", "code": rx(code, display)}],
            "medicationReference": {"reference": "#m"}}


# --- Renewal: rules 3, 21, 23 -----------------------------------------------------------------------------

def test_rule_23_sunitinib_renewed_under_a_plan_intent_order_with_a_contained_medication_is_silent(harness):
    chart = Record("u-suni-plan")
    chart.condition(PNET)
    chart.order(contained("357977", "sunitinib"), intent="plan", dosage=dose(37.5, "mg"))
    chart.order(rx("616287", "sunitinib 25 MG Oral Capsule [Sutent]"), draft=True, dosage=dose(25, "mg"))
    assert chart.fire(harness, rule="sunitinib-baseline-monitoring") == []


def test_rule_23_an_on_hold_sunitinib_order_resumed_is_a_new_start(harness):
    chart = Record("u-suni-held")
    chart.condition({"system": ICD, "code": "C254"}, )
    chart.order(rx("357977"), status="on-hold", dosage=dose(37.5, "mg"))
    chart.order(rx("1541890"), draft=True, dosage=dose(37.5, "mg"))
    (card,) = chart.fire(harness, rule="sunitinib-baseline-monitoring")
    assert card["summary"].startswith("Starting sunitinib")


def test_rule_3_predecessor_named_by_absolute_based_on_url_is_a_renewal_but_an_order_set_is_not(harness):
    chart = Record("u-evr-basedon")
    chart.condition(PNET)
    chart.condition({"system": ICD, "code": "E11.65"})
    previous = chart.order(rx("845512"), status="completed", days=40, dosage=dose(10, "mg"),
                           dispenseRequest={"validityPeriod": {"end": when(10)}})
    chart.order(rx("141704"), draft=True, dosage=dose(10, "mg"),
                basedOn=[{"reference": f"https://ehr.example.org/fhir/MedicationRequest/{previous['id']}"}])
    assert chart.fire(harness, rule="everolimus-hyperglycemia") == []
    chart.drafts[0]["basedOn"] = [{"reference": "CarePlan/everolimus-protocol"}]
    assert [c["indicator"] for c in chart.fire(harness, rule="everolimus-hyperglycemia")] == ["warning"]


def test_rule_3_reads_the_diabetes_parent_concept_under_an_oid_system(harness):
    chart = Record("u-evr-parent")
    chart.condition(PNET)
    chart.condition({"system": SCT_OID, "code": "73211009"})
    chart.order(contained("845507", "everolimus 10 MG Oral Tablet"), draft=True, dosage=dose(10, "mg"))
    (card,) = chart.fire(harness, "order-select", rule="everolimus-hyperglycemia")
    assert "Diabetes mellitus on the problem list" in card["detail"]


def test_rule_21_a_statement_alone_does_not_make_a_renewal(harness):
    """Renewal needs an order: everolimus only reported in a MedicationStatement is still a switch."""
    chart = Record("u-switch-stmt")
    chart.condition({"system": SCT, "code": "1208744003"})
    chart.order(rx("68092"), days=200, dosage=dose(120, "mg", period=28))
    chart.add({"resourceType": "MedicationStatement", "status": "active", "medicationCodeableConcept": rx("141704"),
               "effectivePeriod": {"start": when(60)}})
    chart.order(rx("845507"), draft=True, dosage=dose(10, "mg"))
    assert [c["indicator"] for c in chart.fire(harness, rule="ssa-on-therapy-switch")] == ["info"]


# --- Rule 8 -----------------------------------------------------------------------------------------------

def test_rule_8_octreotide_lar_in_grams_is_a_unit_error_with_the_20_mg_kit_kept(harness):
    chart = Record("u-lar-grams")
    chart.condition(PNET)
    chart.order(rx("898589", "octreotide 20 MG Injection"), draft=True, dosage=dose(20, "g", period=4, period_unit="wk", code="g"))
    (card,) = chart.fire(harness, rule="standard-dose-check")
    assert card["indicator"] == "warning" and card["summary"].startswith("Probable unit or decimal error")
    (suggestion,) = card["suggestions"]
    created = next(a["resource"] for a in suggestion["actions"] if a["type"] == "create")
    assert created["medicationCodeableConcept"]["coding"][0]["code"] == "898589"
    assert created["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 20
    assert created["dosageInstruction"][0]["timing"]["repeat"]["period"] == 4


def test_rule_8_sunitinib_in_micrograms_sign_spelling_offers_37_5_mg(harness):
    chart = Record("u-suni-ug")
    chart.condition(PNET)
    chart.order(rx("1541928"), draft=True, dosage=dose(37.5, "µg"))
    (card,) = chart.fire(harness, rule="standard-dose-check")
    assert "1/1,000 of the lower limit" in card["summary"]
    created = next(a["resource"] for s in card["suggestions"] for a in s["actions"] if a["type"] == "create")
    assert created["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] == {
        "value": 37.5, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}


def test_rule_8_gross_error_on_a_renewal_without_a_way_to_correct_it(harness):
    chart = Record("u-evr-100")
    chart.condition(PNET)
    chart.order(rx("845507"), dosage=dose(10, "mg"))
    chart.order(rx("845512"), draft=True, dosage=dose(100, "mg"))
    (card,) = chart.fire(harness, rule="standard-dose-check")
    assert card["indicator"] == "warning" and "suggestions" not in card  # 0.1 mg is not in range either


@pytest.mark.parametrize("timing", [{"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation", "code": "MO"}]}},
                                    {"repeat": {"frequency": 1, "period": 29, "periodUnit": "d"}},
                                    {"repeat": {"frequency": 1, "period": 1, "periodUnit": "mo"}}])
def test_rule_8_monthly_depots_are_every_4_weeks(harness, timing):
    chart = Record("u-lan-monthly")
    chart.condition(PNET)
    chart.order(contained("749816", "0.5 ML lanreotide 240 MG/ML Prefilled Syringe [Somatuline]"), draft=True,
                dosage=[{"timing": timing, "doseAndRate": [{"doseQuantity": {"value": 120, "unit": "mg"}}]}])
    assert chart.fire(harness, rule="standard-dose-check") == []


def test_rule_8_below_standard_is_info_with_no_one_click_re_escalation(harness):
    chart = Record("u-lar-6wk")
    chart.condition(VIPOMA)
    chart.order(rx("898607"), draft=True, dosage=dose(10, "mg", period=6, period_unit="wk"))
    (card,) = chart.fire(harness, "order-select", rule="standard-dose-check")
    assert card["indicator"] == "info" and "suggestions" not in card
    assert "10–30 mg every 4 weeks" in card["summary"]


@pytest.mark.parametrize("code, ordered, expected_code", [
    ("616279", (50, "mg", 1, 1, "d"), "1541890"),     # 12.5 mg capsule cannot deliver 37.5 mg
    ("749817", (120, "mg", 1, 2, "wk"), "749814"),    # a 90 mg syringe cannot deliver 120 mg
])
def test_rule_8_replacements_never_keep_a_product_that_cannot_deliver_the_dose(harness, code, ordered, expected_code):
    chart = Record("u-product")
    chart.condition(PNET)
    chart.order(rx(code), draft=True, dosage=dose(*ordered))
    (card,) = chart.fire(harness, rule="standard-dose-check")
    created = next(a["resource"] for s in card["suggestions"] for a in s["actions"] if a["type"] == "create")
    assert [c["code"] for c in created["medicationCodeableConcept"]["coding"]] == [expected_code]


def test_rule_8_a_renewal_at_the_same_reduced_dose_is_silent_and_a_changed_one_is_checked(harness):
    chart = Record("u-lar-renew")
    chart.condition(PNET)
    previous = chart.order(rx("898607"), status="completed", days=30, dosage=dose(10, "mg", period=8, period_unit="wk"))
    chart.order(rx("7617", "octreotide LAR depot"), draft=True, dosage=dose(10, "mg", period=56, period_unit="d"),
                priorPrescription={"reference": f"MedicationRequest/{previous['id']}"})
    assert chart.fire(harness, rule="standard-dose-check") == []
    chart.drafts[0]["dosageInstruction"] = dose(10, "mg", period=12, period_unit="wk")
    assert [c["indicator"] for c in chart.fire(harness, rule="standard-dose-check")] == ["info"]


# --- Rule 5 -----------------------------------------------------------------------------------------------

def test_rule_5_kcl_given_after_the_low_result_through_a_contained_medication_is_silent(harness):
    chart = Record("u-vip-k")
    chart.condition(VIPOMA)
    chart.lab("6298-4", 3.2, "mEq/L", days=2, low=3.5)
    chart.add({"resourceType": "MedicationAdministration", "status": "completed", "effectiveDateTime": when(1),
               **contained("8591", "potassium chloride")})
    assert chart.fire(harness, "patient-view", rule="vipoma-fluids-electrolytes") == []


def test_rule_5_magnesium_low_despite_an_earlier_magnesium_order(harness):
    chart = Record("u-vip-mg")
    chart.condition(VIPOMA)
    chart.order(rx("6574", "magnesium"), days=14)
    chart.lab("19123-9", 1.4, "mg/dL", days=1, flag="L")
    (card,) = chart.fire(harness, "patient-view", rule="vipoma-fluids-electrolytes")
    assert "low despite repletion (magnesium ordered" in card["detail"]
    assert "suggestions" not in card  # no second magnesium order offered


def test_rule_5_a_critical_potassium_speaks_although_kcl_was_ordered_after_it(harness):
    chart = Record("u-vip-ll")
    chart.condition(VIPOMA)
    chart.lab("2823-3", 2.3, "mmol/L", days=1, flag="LL")
    chart.order(rx("628953"), days=0.5)
    (card,) = chart.fire(harness, "patient-view", rule="vipoma-fluids-electrolytes")
    assert card["indicator"] == "warning" and "critical, although a repletion follows it" in card["detail"]


# --- Rule 1 -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("conditions, everolimus", [
    ([{"system": SCT, "code": "1259747009"}], True),
    ([{"system": ICD, "code": "D137"}, {"system": ICD, "code": "E161"}], False),
])
def test_rule_1_everolimus_is_offered_for_a_malignant_insulinoma_only(harness, conditions, everolimus):
    chart = Record("u-ins")
    for coding in conditions:
        chart.condition(coding)
    chart.order(contained("898591", "octreotide 20 MG Injection [Sandostatin]"), draft=True,
                dosage=dose(20, "mg", period=4, period_unit="wk"))
    (card,) = chart.fire(harness, rule="ssa-in-insulinoma")
    labels = [s["label"] for s in card["suggestions"]]
    assert any("diazoxide" in label for label in labels)
    assert any("everolimus" in label for label in labels) is everolimus
