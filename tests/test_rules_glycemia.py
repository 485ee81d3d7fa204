"""Rule 3 `everolimus-hyperglycemia` through the real HTTP app: the evidence quoted with its dates and
converted units, and the HbA1c suggestion only when none is recent. (That the observations prefetch asks
for the HbA1c and fasting-glucose codes is checked for every rule in tests/test_card_files.py.)"""

from __future__ import annotations

from .rules_a_helpers import LOINC, codes_of, created, days_ago, detail, only_card

RULE = "everolimus-hyperglycemia"


def test_recent_high_hba1c_is_quoted_with_its_date_and_no_hba1c_is_suggested(harness):
    card = only_card(harness, f"{RULE}--hba1c-7-2-percent", "order-sign", RULE)
    assert card["indicator"] == "warning"
    assert f"7.2 % on {days_ago(30)}" in detail(card)
    assert "6.1 %" not in detail(card)  # the older result is not the latest
    assert "15 %" in detail(card) and "3 %" in detail(card)
    assert card.get("suggestions", []) == []
    assert "https://doi.org/10.1056/NEJMoa1009290" in [link["url"] for link in card["links"]]


def test_diabetes_without_recent_hba1c_suggests_ordering_one(harness):
    card = only_card(harness, f"{RULE}--type-2-diabetes-no-recent-hba1c", "order-select", RULE)
    assert "Diabetes mellitus type 2 (disorder)" in detail(card)
    assert "No HbA1c was resulted in the last 90 days" in detail(card)
    (order,) = created(card)
    assert order["resourceType"] == "ServiceRequest" and order["status"] == "draft"
    assert codes_of(order, "code") == {(LOINC, "4548-4")}


def test_hba1c_already_drafted_is_not_suggested_again(harness):
    hba1c = {"resourceType": "ServiceRequest", "id": "draft-a1c", "status": "draft", "intent": "order",
             "subject": {"reference": "Patient/evr-dm2"},
             "code": {"coding": [{"system": LOINC, "code": "4548-4"}]}}
    card = only_card(harness, f"{RULE}--type-2-diabetes-no-recent-hba1c", "order-sign", RULE, extra_drafts=[hba1c])
    assert created(card) == []


def test_fasting_glucose_in_mmol_per_l_is_converted(harness):
    card = only_card(harness, f"{RULE}--fasting-glucose-mmol-per-l-product-code", "order-sign", RULE)
    assert "7.8 mmol/L" in detail(card) and "(= 141 mg/dL)" in detail(card)
    assert "everolimus 10 MG Oral Tablet \\[Afinitor\\]" in detail(card)


def test_hba1c_in_ifcc_units_is_converted(harness):
    card = only_card(harness, f"{RULE}--hba1c-ifcc-mmol-per-mol", "order-sign", RULE)
    assert "53 mmol/mol" in detail(card) and "(= 7 %)" in detail(card)


def test_icd10_only_diabetes(harness):
    card = only_card(harness, f"{RULE}--icd10-diabetes-and-pnet-only", "order-sign", RULE)
    assert "Type 2 diabetes mellitus without complications" in detail(card)
