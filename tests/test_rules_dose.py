"""Rule 8 `standard-dose-check` through the real HTTP app: which variant, the ordered and computed doses
quoted, and the replacement order (delete the draft, create it again at the standard dose)."""

from __future__ import annotations

import pytest

from .rules_a_helpers import RXNORM, actions, codes_of, created, detail, dose_of, draft_refs, only_card

RULE = "standard-dose-check"


def fire(harness, name: str, hook: str = "order-sign", **kwargs) -> dict:
    return only_card(harness, f"{RULE}--{name}", hook, RULE, **kwargs)


def test_octreotide_in_mg_above_750_micrograms_is_dose_escalation_info(harness):
    card = fire(harness, "octreotide-sc-0-5-mg-three-times-daily")
    assert card["indicator"] == "info"
    text = detail(card)
    assert "0.5 mg 3 times a day" in text and "1500 micrograms per day" in text
    assert "150–750 micrograms/day" in text and "dose-escalated" in text
    assert card.get("suggestions", []) == []  # a range has no single standard dose to offer


def test_octreotide_below_150_micrograms_is_info_without_re_escalation(harness):
    """v2: below the standard is info; it shows the standard and offers no one-click re-escalation."""
    card = fire(harness, "octreotide-sc-50-micrograms-twice-daily", "order-select")
    assert card["indicator"] == "info"
    assert "below the standard dose: 100 micrograms per day" in card["summary"]
    assert "150–750 micrograms/day" in detail(card)
    assert "suggestions" not in card


@pytest.mark.parametrize("name", ["octreotide-sc-0-1-mg-three-times-daily", "octreotide-sc-100-mcg-every-8-hours",
                                  "octreotide-lar-20-mg-every-28-days", "lanreotide-120-mg-monthly"])
def test_standard_doses_in_other_units_and_schedules_are_silent(harness, name):
    assert harness.cards_of(f"{RULE}--{name}", "order-sign", RULE) == []


def test_octreotide_lar_every_3_weeks_is_compared_per_4_weeks(harness):
    card = fire(harness, "octreotide-lar-30-mg-every-3-weeks")
    assert card["indicator"] == "info"
    assert "30 mg every 3 weeks" in detail(card) and "40 mg per 4 weeks" in detail(card)
    assert "10–30 mg every 4 weeks" in detail(card)


def test_lanreotide_every_14_days_offers_the_4_weekly_standard(harness):
    fixture = f"{RULE}--lanreotide-120-mg-every-14-days-product-code"
    card = fire(harness, "lanreotide-120-mg-every-14-days-product-code")
    assert card["indicator"] == "info" and "240 mg per 4 weeks" in detail(card)
    assert [a["resourceId"] for a in actions(card, "delete")] == draft_refs(harness, fixture)
    (replacement,) = created(card)
    assert codes_of(replacement) == {(RXNORM, "749816")}  # the prescriber's own product is kept
    assert dose_of(replacement) == (120, "mg", {"frequency": 1, "period": 4, "periodUnit": "wk"})


def test_everolimus_5_mg_is_info_naming_the_standard_with_no_replacement(harness):
    card = fire(harness, "everolimus-5-mg-daily-icd10-only")
    assert card["indicator"] == "info"
    assert "5 mg once daily" in detail(card) and "10 mg once daily" in detail(card)
    assert "suggestions" not in card


@pytest.mark.parametrize("name", ["everolimus-5-mg-bid-timing-code", "sunitinib-50-mg-daily-product-code",
                                  "lanreotide-120-mg-every-2-weeks-60-mg-syringe",
                                  "octreotide-sc-100-mg-three-times-daily-unit-error",
                                  "everolimus-10-micrograms-daily-unit-error"])
def test_the_replacement_order_passes_the_check(harness, name):
    fixture = f"{RULE}--{name}"
    (replacement,) = created(fire(harness, name))
    replacement = dict(replacement, id="draft-replacement")
    cards = harness.cards_of(fixture, "order-select", RULE, extra_drafts=[replacement],
                             selections=["MedicationRequest/draft-replacement"])
    assert cards == []


def test_everolimus_twice_daily_is_a_schedule_warning(harness):
    card = fire(harness, "everolimus-5-mg-bid-timing-code")
    assert card["indicator"] == "warning"
    assert "non-standard schedule" in card["summary"] and "5 mg 2 times a day" in detail(card)


def test_sunitinib_above_standard_is_a_warning_whose_replacement_is_a_37_5_mg_capsule(harness):
    """v2: the 50 mg capsule cannot deliver 37.5 mg, so the replacement takes the 37.5 mg capsule."""
    card = fire(harness, "sunitinib-50-mg-daily-product-code")
    assert card["indicator"] == "warning"
    assert "above the standard dose: 50 mg per day; standard 37.5 mg once daily" in card["summary"]
    (replacement,) = created(card)
    assert codes_of(replacement) == {(RXNORM, "1541890")}
    assert dose_of(replacement)[0] == 37.5
    assert "https://doi.org/10.1056/NEJMoa1316158" in [link["url"] for link in card["links"]]


def test_a_referenced_medication_is_checked_too(harness):
    card = fire(harness, "sunitinib-25-mg-medication-reference")
    assert card["indicator"] == "info"
    assert "sunitinib 50 MG Oral Capsule: 25 mg once daily" in detail(card)


def test_a_replacement_never_keeps_a_referenced_product_that_cannot_deliver_the_dose(harness):
    card = fire(harness, "sunitinib-renewal-dose-raised-to-50-mg-medication-reference")
    assert card["indicator"] == "warning"
    (replacement,) = created(card)
    assert "medicationReference" not in replacement and "contained" not in replacement
    assert codes_of(replacement) == {(RXNORM, "1541890")}


def test_summaries_stay_short(harness):
    for name in ("octreotide-lar-10-mg-every-8-weeks", "lanreotide-60-mg-monthly",
                 "octreotide-sc-0-5-mg-three-times-daily"):
        assert len(fire(harness, name)["summary"]) < 140


ODD_DOSAGES = [
    [{"timing": {}}],
    [{"timing": {"repeat": {"periodUnit": "d"}}, "doseAndRate": [{"doseQuantity": {"value": 10}}]}],
    [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
      "doseAndRate": [{"rateQuantity": {"value": 50, "unit": "ug/h"}}]}],
    [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d", "dayOfWeek": ["mon"]}},
      "doseAndRate": [{"doseQuantity": {"value": 10, "unit": "mg"}}]}],
    [{"timing": {"code": {"text": "every four weeks"}}, "doseAndRate": [{"doseQuantity": {"value": 120, "unit": "mg"}}]}],
    [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
      "doseAndRate": [{"doseQuantity": {"value": 10, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg/d"}}]}],
]


@pytest.mark.parametrize("dosage", ODD_DOSAGES)
def test_odd_dosages_give_no_card_and_no_failure(harness, dosage):
    fixture = f"{RULE}--everolimus-dose-text-only"
    draft = {"resourceType": "MedicationRequest", "id": "draft-odd", "status": "draft", "intent": "order",
             "subject": {"reference": "Patient/dose-evr-text"}, "dosageInstruction": dosage,
             "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "845507"}]}}
    body = harness.fire(fixture, "order-select", extra_drafts=[draft], selections=["MedicationRequest/draft-odd"])
    assert "extension" not in body  # no rule failed or was skipped
    assert [c for c in body["cards"] if c["source"]["topic"]["code"] == RULE] == []


def test_every_regimen_in_the_card_file_is_complete(app):
    """A regimen missing a key would make the rule fail at run time; say which one at test time."""
    (spec,) = [r.spec for r in app.extensions["pnet_cds"].rules if r.spec.id == RULE]
    terminology = app.extensions["pnet_cds"].terminology
    ingredients = {entry.ingredient for name in spec.value_sets for entry in terminology[name].entries.values()}
    for regimen in spec.parameters["regimens"]:
        assert {"label", "ingredient", "unit", "basis_days", "min", "max"} <= set(regimen), regimen
        assert regimen["ingredient"] in ingredients, regimen
        assert regimen["unit"] in ("mg", "ug") and 0 < regimen["min"] <= regimen["max"], regimen
        assert regimen.get("formulation") in (None, "short-acting", "long-acting"), regimen


def test_a_monthly_depot_is_quoted_as_monthly_and_compared_per_4_weeks(harness):
    card = fire(harness, "lanreotide-60-mg-monthly")
    assert "60 mg monthly, that is 60 mg per 4 weeks" in detail(card)
    assert "120 mg every 4 weeks" in detail(card)
