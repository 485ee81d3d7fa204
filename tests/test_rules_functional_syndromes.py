"""Rules 2, 4, 6, 7 through the real HTTP app: sunitinib in insulinoma, PPI first in gastrinoma, SSA for
VIPoma, octreotide LAR without a short-acting trial. Card content, not only that a card came back."""

from __future__ import annotations

import copy

from .rules_a_helpers import (LOINC, RXNORM, actions, codes_of, created, days_ago, detail, dose_of, draft_refs,
                              only_card)


# --- rule 2 sunitinib-in-insulinoma -------------------------------------------------------------------

def test_sunitinib_in_insulinoma_names_the_insulinoma_and_offers_everolimus(harness):
    fixture = "sunitinib-in-insulinoma--sunitinib-malignant-insulinoma"
    card = only_card(harness, fixture, "order-sign", "sunitinib-in-insulinoma")
    assert card["indicator"] == "warning"
    assert f"Malignant insulinoma (disorder) (since {days_ago(300)})" in detail(card)
    assert "everolimus" in detail(card) and "UpToDate" in card["source"]["label"]
    assert [a["resourceId"] for a in actions(card, "delete")] == draft_refs(harness, fixture)
    (everolimus,) = created(card)
    assert codes_of(everolimus) == {(RXNORM, "845507")}
    assert dose_of(everolimus) == (10, "mg", {"frequency": 1, "period": 1, "periodUnit": "d"})
    assert everolimus["subject"] == {"reference": "Patient/sun-ins"}
    assert "https://pubmed.ncbi.nlm.nih.gov/21306237/" in [link["url"] for link in card["links"]]


def test_sunitinib_in_insulinoma_reads_the_icd10_pair_and_the_sutent_product_code(harness):
    card = only_card(harness, "sunitinib-in-insulinoma--sutent-product-code-icd10-pair", "order-select",
                     "sunitinib-in-insulinoma")
    assert "Benign neoplasm of endocrine pancreas" in detail(card) and "Other hypoglycemia" in detail(card)
    assert "sunitinib 50 MG Oral Capsule \\[Sutent\\]" in detail(card)  # markdown-escaped drug name


def test_sunitinib_in_insulinoma_also_speaks_for_a_referenced_medication(harness):
    card = only_card(harness, "sunitinib-in-insulinoma--sunitinib-medication-reference", "order-sign",
                     "sunitinib-in-insulinoma")
    assert "sunitinib 50 MG Oral Capsule" in detail(card)


# --- rule 4 gastrinoma-ppi-first ----------------------------------------------------------------------

def test_gastrinoma_ppi_first_is_info_and_offers_a_ppi_with_the_dose_left_open(harness):
    card = only_card(harness, "gastrinoma-ppi-first--octreotide-gastrinoma-no-ppi", "order-sign",
                     "gastrinoma-ppi-first")
    assert card["indicator"] == "info"
    assert "Malignant gastrinoma of pancreas (disorder)" in detail(card)
    assert "high-dose oral proton pump inhibitors" in detail(card)
    assert actions(card, "delete") == []  # the SSA may still be wanted; the PPI is added, not swapped
    ppis = created(card)
    assert [codes_of(r) for r in ppis] == [{(RXNORM, "7646")}, {(RXNORM, "40790")}]
    assert all("dosageInstruction" not in r and r["status"] == "draft" for r in ppis)


def test_gastrinoma_ppi_first_reads_c25_4_with_e16_4(harness):
    card = only_card(harness, "gastrinoma-ppi-first--lanreotide-product-code-icd10-pair", "order-select",
                     "gastrinoma-ppi-first")
    assert "Increased secretion of gastrin" in detail(card)


def test_gastrinoma_ppi_first_is_silenced_by_the_suggested_ppi(harness):
    fixture = "gastrinoma-ppi-first--octreotide-gastrinoma-no-ppi"
    card = only_card(harness, fixture, "order-sign", "gastrinoma-ppi-first")
    ppi = dict(created(card)[0], id="draft-ppi")
    assert harness.cards_of(fixture, "order-sign", "gastrinoma-ppi-first", extra_drafts=[ppi]) == []


# --- rule 6 vipoma-ssa-not-started --------------------------------------------------------------------

def test_vipoma_ssa_not_started_quotes_the_bmj_doses_and_offers_octreotide_sc(harness):
    card = only_card(harness, "vipoma-ssa-not-started--vipoma-no-ssa", "patient-view", "vipoma-ssa-not-started")
    assert card["indicator"] == "info"
    text = detail(card)
    assert "up to 80 %" in text and "200–300 micrograms/day" in text and "2–4 divided doses" in text
    assert "150–750 micrograms/day" in text and "lanreotide 120 mg" in text and "every 4 weeks" in text
    assert f"(since {days_ago(40)})" in text
    (octreotide,) = created(card)
    assert codes_of(octreotide) == {(RXNORM, "312069")}
    assert dose_of(octreotide) == (100, "ug", {"frequency": 3, "period": 1, "periodUnit": "d"})


def test_vipoma_ssa_not_started_lapsed_lanreotide_says_the_window(harness):
    card = only_card(harness, "vipoma-ssa-not-started--lanreotide-product-code-3-months-ago", "patient-view",
                     "vipoma-ssa-not-started")
    assert "in the last 56 days" in detail(card)


def test_the_suggested_octreotide_is_within_the_standard_dose(harness):
    """Rule 6's own suggestion must not draw a rule-8 dose card when it is drafted."""
    fixture = "vipoma-ssa-not-started--vipoma-no-ssa"
    card = only_card(harness, fixture, "patient-view", "vipoma-ssa-not-started")
    draft = dict(created(card)[0], id="draft-octreotide")
    response = harness.fire(fixture, "order-sign", extra_drafts=[draft])
    rules = {c["source"]["topic"]["code"] for c in response["cards"]}
    assert "standard-dose-check" not in rules and "vipoma-ssa-not-started" not in rules


# --- rule 7 octreotide-lar-without-sc-trial -----------------------------------------------------------

def test_lar_without_sc_trial_explains_both_sources_and_offers_a_bridge(harness):
    card = only_card(harness, "octreotide-lar-without-sc-trial--lar-first-vipoma", "order-sign",
                     "octreotide-lar-without-sc-trial")
    assert card["indicator"] == "info"
    text = detail(card)
    assert "octreotide 20 MG Injection \\[Sandostatin\\]" in text
    assert "2–4 weeks" in text and "10–14 days" in text
    assert actions(card, "delete") == []
    (bridge,) = created(card)
    assert codes_of(bridge) == {(RXNORM, "312069")}
    assert dose_of(bridge) == (100, "ug", {"frequency": 3, "period": 1, "periodUnit": "d"})


def test_lar_without_sc_trial_reads_lar_from_the_text_of_an_ingredient_code(harness):
    card = only_card(harness, "octreotide-lar-without-sc-trial--lar-text-ingredient-code-lanreotide-history",
                     "order-select", "octreotide-lar-without-sc-trial")
    assert "octreotide LAR depot 20 mg IM" in detail(card)


def test_lar_without_sc_trial_is_silenced_by_its_bridging_suggestion(harness):
    fixture = "octreotide-lar-without-sc-trial--lar-first-vipoma"
    card = only_card(harness, fixture, "order-sign", "octreotide-lar-without-sc-trial")
    bridge = dict(copy.deepcopy(created(card)[0]), id="draft-bridge")
    response = harness.fire(fixture, "order-sign", extra_drafts=[bridge])
    rules = {c["source"]["topic"]["code"] for c in response["cards"]}
    assert "octreotide-lar-without-sc-trial" not in rules and "standard-dose-check" not in rules


def test_lar_without_sc_trial_speaks_only_for_the_selected_lar(harness):
    fixture = "octreotide-lar-without-sc-trial--lar-first-vipoma"
    (lar_ref,) = draft_refs(harness, fixture)
    other = {"resourceType": "ServiceRequest", "id": "draft-cbc", "status": "draft", "intent": "order",
             "subject": {"reference": "Patient/lar-first"},
             "code": {"coding": [{"system": LOINC, "code": "57021-8"}]}}
    silent = harness.cards_of(fixture, "order-select", "octreotide-lar-without-sc-trial",
                              extra_drafts=[other], selections=["ServiceRequest/draft-cbc"])
    assert silent == []
    assert harness.cards_of(fixture, "order-select", "octreotide-lar-without-sc-trial",
                            extra_drafts=[other], selections=[lar_ref])
