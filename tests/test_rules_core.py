"""Card content of rules 1, 5, 9, 10 and 15: what the clinician reads, through the real HTTP app."""

from __future__ import annotations

from fhir.resources.R4B import get_fhir_model_class

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def _one(cards):
    """The single card, with its detail's line breaks folded (markdown paragraphs wrap anywhere)."""
    assert len(cards) == 1, cards
    card = dict(cards[0])
    card["detail"] = " ".join(card["detail"].split())
    return card


def test_ssa_in_insulinoma_card_names_drug_condition_and_replacements(harness):
    card = _one(harness.cards_of("ssa-in-insulinoma--octreotide-sc-malignant-insulinoma", "order-sign",
                                 "ssa-in-insulinoma"))
    assert card["indicator"] == "warning"
    assert card["summary"] == "Somatostatin analog in insulinoma may worsen hypoglycemia"
    assert "1 ML octreotide 0.1 MG/ML Injection" in card["detail"]
    assert "Malignant insulinoma (disorder) (since 2025-11-13)" in card["detail"]
    assert "diazoxide" in card["detail"] and "glucose monitoring" in card["detail"]
    diazoxide, everolimus = card["suggestions"]
    assert card["selectionBehavior"] == "at-most-one"
    for suggestion in (diazoxide, everolimus):
        create, delete = suggestion["actions"]  # create first: the CDS Hooks Sandbox applies only the first
        assert delete == {"type": "delete", "description": "Remove the draft somatostatin analog order",
                          "resourceId": "MedicationRequest/ins-octreotide-medrx-2"}
        assert create["type"] == "create"
        assert create["resource"]["subject"] == {"reference": "Patient/ins-octreotide"}
        get_fhir_model_class("MedicationRequest").model_validate(create["resource"])
    assert diazoxide["actions"][0]["resource"]["medicationCodeableConcept"]["coding"][0]["code"] == "197593"
    dosage = everolimus["actions"][0]["resource"]["dosageInstruction"][0]
    assert dosage["doseAndRate"][0]["doseQuantity"] == {"value": 10, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}
    assert dosage["timing"]["repeat"] == {"frequency": 1, "period": 1, "periodUnit": "d"}
    assert {"code": "sstr-avid-glucose-monitored", "display": "SSTR-avid disease on imaging; glucose monitored",
            "system": "urn:pnet-cds:override-reason"} in card["overrideReasons"]


def test_ssa_in_insulinoma_reads_icd10_pair_and_product_code(harness):
    card = _one(harness.cards_of("ssa-in-insulinoma--lanreotide-product-code-icd10-pair", "order-select",
                                 "ssa-in-insulinoma"))
    assert "lanreotide 240 MG/ML Prefilled Syringe \\[Somatuline\\]" in card["detail"]
    assert "Benign neoplasm of endocrine pancreas" in card["detail"] and "Other hypoglycemia" in card["detail"]


def test_vipoma_low_potassium_card_quotes_value_range_and_date(harness):
    card = _one(harness.cards_of("vipoma-fluids-electrolytes--low-potassium-flagged", "patient-view",
                                 "vipoma-fluids-electrolytes"))
    assert card["indicator"] == "warning"
    assert "Potassium \\[Moles/volume\\] in Serum or Plasma 2.9 mmol/L (ref 3.5–5.1) \\[L\\] on 2026-05-30" in card["detail"]
    assert "Magnesium" not in card["detail"].split("**Why")[0]  # the normal magnesium is not listed as low
    labels = [s["label"] for s in card["suggestions"]]
    assert labels == ["Order potassium chloride replacement (dose to be set by the prescriber)"]
    assert card["selectionBehavior"] == "any"


def test_vipoma_testing_due_is_info_with_bmp_order(harness):
    card = _one(harness.cards_of("vipoma-fluids-electrolytes--no-potassium-in-30-days", "patient-view",
                                 "vipoma-fluids-electrolytes"))
    assert card["indicator"] == "info"
    assert "last on 2026-03-18" in card["detail"]
    resource = card["suggestions"][0]["actions"][0]["resource"]
    assert resource["resourceType"] == "ServiceRequest"
    assert resource["code"]["coding"][0] == {"system": "http://loinc.org", "code": "24321-2",
                                             "display": "Basic metabolic 2000 panel - Serum or Plasma"}


def test_prrt_imaging_card_suggests_sstr_pet(harness):
    card = _one(harness.cards_of("prrt-sstr-imaging-required--ct-only-product-code", "order-sign",
                                 "prrt-sstr-imaging-required"))
    assert card["indicator"] == "warning"
    assert "Lutathera" in card["detail"]
    resource = card["suggestions"][0]["actions"][0]["resource"]
    assert [c["code"] for c in resource["code"]["coding"]] == ["78815", "A9587"]  # v2: the tracer coded too
    assert "links" not in card  # v2: NETTER-1 gives no figure on this card


def test_washout_card_shows_last_ssa_date_and_days(harness):
    card = _one(harness.cards_of("prrt-long-acting-ssa-washout--lanreotide-2-weeks-ago", "order-sign",
                                 "prrt-long-acting-ssa-washout"))
    assert card["summary"] == ("Long-acting somatostatin analog 14 days before Lu-177: stop at least 4 weeks before")
    assert "lanreotide on 2026-05-18 (14 days before the planned date; evidence: administration)" in card["detail"]


def test_washout_short_acting_variant(harness):
    card = _one(harness.cards_of("prrt-long-acting-ssa-washout--short-acting-octreotide-yesterday", "order-sign",
                                 "prrt-long-acting-ssa-washout"))
    assert card["summary"] == "Short-acting octreotide 10 h before Lu-177: stop it 24 h before"


def test_cbc_surveillance_card_quotes_last_cbc_and_prrt(harness):
    card = _one(harness.cards_of("post-prrt-cbc-surveillance--cbc-9-months-ago", "patient-view",
                                 "post-prrt-cbc-surveillance"))
    assert card["summary"] == "CBC with differential due: last on 2025-08-30 (9 months ago)"
    assert "PRRT on 2025-08-05 (9 months ago; evidence: administration)" in card["detail"]
    assert "2 % risk of myelodysplastic syndrome" in card["detail"]
    code = card["suggestions"][0]["actions"][0]["resource"]["code"]["coding"][0]
    assert code == {"system": "http://loinc.org", "code": "57021-8", "display": "CBC W Auto Differential panel - Blood"}


def test_cbc_surveillance_from_procedure_only_history(harness):
    card = _one(harness.cards_of("post-prrt-cbc-surveillance--procedure-cpt-no-cbc-ever", "patient-view",
                                 "post-prrt-cbc-surveillance"))
    assert card["summary"] == "CBC with differential due: none on record since PRRT"
    assert "evidence: procedure" in card["detail"]
