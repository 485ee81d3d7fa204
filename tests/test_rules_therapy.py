"""Rules 17–24 through the real HTTP app: indicator, the values and dates the detail quotes, and the
suggestion resources an EHR would receive."""

from __future__ import annotations

import re
from datetime import timedelta

from .conftest import NOW

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"


def _one(harness, fixture, rule_id, hook="order-sign"):
    cards = harness.cards_of(fixture, hook, rule_id)
    assert len(cards) == 1, cards
    return cards[0]


def _text(card) -> str:
    """The detail as a clinician reads it: markdown escapes removed, line breaks as spaces."""
    return " ".join(re.sub(r"\\([\\`*_\[\]<>#|~])", r"\1", card["detail"]).split())


def _day(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).date().isoformat()


def _actions(card):
    return [action for suggestion in card.get("suggestions", []) for action in suggestion["actions"]]


def test_temozolomide_alone_is_replaced_by_the_captem_pair_that_never_reads_as_continuous(harness):
    card = _one(harness, "temozolomide-without-capecitabine--temozolomide-alone-pnet", "temozolomide-without-capecitabine")
    assert card["indicator"] == "info"
    for quoted in ("temozolomide 100 MG Oral Capsule", "22.7 vs 14.4", "HR 0.58", "44 vs 22 %",
                   "750 mg/m2 twice daily on days 1–14", "200 mg/m2 on days 10–14 of 28-day cycles"):
        assert quoted in _text(card)
    assert card["links"] == [{"label": "ECOG-ACRIN E2211 (J Clin Oncol 2023;41:1359)",
                              "url": "https://doi.org/10.1200/JCO.22.01013", "type": "absolute"}]
    [suggestion] = card["suggestions"]
    delete, capecitabine, temozolomide = suggestion["actions"]
    assert delete == {"type": "delete", "resourceId": "MedicationRequest/tmz-alone-medrx-2",
                      "description": "Remove the draft temozolomide order (replaced by the CAPTEM temozolomide order, days 10–14)"}
    capecitabine, temozolomide = capecitabine["resource"], temozolomide["resource"]
    # ingredient codes: the prescriber picks the strengths for a body-surface-area dose (no unfillable product)
    assert capecitabine["medicationCodeableConcept"]["coding"][0]["code"] == "194000"
    assert temozolomide["medicationCodeableConcept"]["coding"][0]["code"] == "37776"
    assert capecitabine["subject"] == temozolomide["subject"] == {"reference": "Patient/tmz-alone"}
    cap_dosage, tmz_dosage = capecitabine["dosageInstruction"][0], temozolomide["dosageInstruction"][0]
    assert cap_dosage["doseAndRate"][0]["doseQuantity"] == {
        "value": 750, "unit": "mg/m2", "system": "http://unitsofmeasure.org", "code": "mg/m2"}
    # capecitabine: a structured 14-day course, never an open-ended twice-daily order
    assert cap_dosage["timing"]["repeat"] == {"frequency": 2, "period": 1, "periodUnit": "d", "boundsDuration": {
        "value": 14, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"}}
    assert "days 1-14 of each 28-day cycle, then 14 days off" in cap_dosage["text"]
    # temozolomide: days 10-14 in the text and no structured timing that an EHR would start on day 1
    assert "timing" not in tmz_dosage
    assert "days 10-14 of each 28-day cycle" in tmz_dosage["text"]
    assert tmz_dosage["doseAndRate"][0]["doseQuantity"]["value"] == 200


def test_dose_intense_temozolomide_warns_for_pjp_whatever_the_partner(harness):
    card = _one(harness, "temozolomide-pjp-prophylaxis--with-thalidomide-statement", "temozolomide-pjp-prophylaxis")
    assert card["indicator"] == "warning"
    assert ("on the dose-intense schedule (7 days on / 7 days off, read from the dosage text) given with "
            "thalidomide (active statement)") in _text(card)
    assert "**Local policy:** an inhaled pentamidine dose within the last 31 days counts as active prophylaxis." in _text(card)
    [action] = _actions(card)
    assert action["resource"]["medicationCodeableConcept"]["coding"][0]["code"] == "198335"
    assert "dosageInstruction" not in action["resource"]  # the prescriber sets the dose
    assert card["suggestions"][0]["isRecommended"] is True


def test_partner_with_an_unstated_schedule_is_an_info_not_a_warning(harness):
    card = _one(harness, "temozolomide-pjp-prophylaxis--with-everolimus-active", "temozolomide-pjp-prophylaxis")
    assert card["indicator"] == "info" and "schedule not readable" in card["summary"]
    assert "isRecommended" not in card["suggestions"][0] or card["suggestions"][0]["isRecommended"] is False


def test_seven_days_on_seven_off_is_read_from_the_dosage_text(harness):
    card = _one(harness, "temozolomide-pjp-prophylaxis--seven-on-seven-off-product-code", "temozolomide-pjp-prophylaxis")
    assert "temozolomide 100 MG Oral Capsule [Temodar] on the dose-intense schedule" in _text(card)


def test_checkpoint_inhibitor_card_offers_to_remove_the_draft(harness):
    request = harness.request("checkpoint-inhibitor-in-wd-net--pembrolizumab-wd-pnet", "order-select")
    draft_id = request["context"]["selections"][0]
    cards = harness.post("pnet-order-select", request).get_json()["cards"]
    [card] = [c for c in cards if c["source"]["topic"]["code"] == "checkpoint-inhibitor-in-wd-net"]
    assert card["indicator"] == "info" and "3–6 %" in _text(card)
    assert _actions(card) == [{"type": "delete", "description": "Remove the draft checkpoint inhibitor order",
                               "resourceId": draft_id}]


def test_nec_card_names_the_carcinoma_and_links_the_well_differentiated_trials(harness):
    card = _one(harness, "nec-not-net-therapy--sunitinib-product-code-c7a1-with-c25-4", "nec-not-net-therapy")
    assert card["indicator"] == "warning"
    assert "sunitinib 50 MG Oral Capsule [Sutent]" in _text(card)
    assert "Malignant poorly differentiated neuroendocrine tumors" in _text(card)
    assert {link["url"] for link in card["links"]} == {
        "https://doi.org/10.1056/NEJMoa1009290", "https://pubmed.ncbi.nlm.nih.gov/21306237/",
        "https://doi.org/10.1056/NEJMoa1607427"}


def test_ssa_switch_in_nonfunctional_tumor_stops_the_whole_active_order(harness):
    fixture = "ssa-on-therapy-switch--everolimus-lanreotide-nonfunctional"
    request = harness.request(fixture, "order-sign")
    [ssa_order] = [e["resource"] for e in request["prefetch"]["medicationRequests"]["entry"]
                   if e["resource"].get("status") == "active"]
    card = _one(harness, fixture, "ssa-on-therapy-switch")
    assert card["indicator"] == "info" and "Nonfunctional pNET" in card["summary"]
    assert f"(ordered {_day(400)})" in _text(card)
    [action] = _actions(card)
    assert action["type"] == "update"
    assert action["resource"] == {**ssa_order, "status": "stopped"}


def test_ssa_switch_in_functional_tumor_says_continue_without_a_stop(harness):
    for fixture, syndrome in (("sunitinib-lanreotide-icd10-gastrinoma-pair", "Increased secretion of gastrin"),
                              ("everolimus-icd10-e16-8-other-syndrome", "Other specified disorders of pancreatic")):
        card = _one(harness, f"ssa-on-therapy-switch--{fixture}", "ssa-on-therapy-switch")
        assert "Functional pNET: continue" in card["summary"]
        assert syndrome in _text(card)
        assert "suggestions" not in card


def test_streptozocin_with_low_egfr_quotes_the_value_and_date(harness):
    card = _one(harness, "streptozocin-renal-function--egfr-48", "streptozocin-renal-function")
    assert card["indicator"] == "warning"
    assert f"48 mL/min/{{1.73_m2}} on {_day(5)}" in _text(card)
    assert "eGFR below 60 mL/min/1.73m2" in _text(card)
    assert ("**Local policy:** eGFR threshold 60 mL/min/1.73m2 (the source names renal dysfunction, not a cut-off); "
            "renal function results within 30 days.") in _text(card)
    assert "1.1 mg/dL" not in _text(card)  # creatinine 1.1 is at, not above, the upper limit 1.1


def test_streptozocin_with_high_creatinine_quotes_the_flag(harness):
    card = _one(harness, "streptozocin-renal-function--creatinine-high-flag-zanosar-icd10-only",
                "streptozocin-renal-function")
    assert f"1.9 mg/dL (ref 0.7–1.3) [H] on {_day(10)}" in _text(card)


def test_streptozocin_without_renal_result_suggests_creatinine(harness):
    card = _one(harness, "streptozocin-renal-function--no-renal-result-in-30-days", "streptozocin-renal-function")
    assert card["indicator"] == "info" and "last 30 days" in card["summary"]
    [action] = _actions(card)
    assert action["resource"]["resourceType"] == "ServiceRequest"
    assert action["resource"]["code"]["coding"][0] == {
        "system": LOINC, "code": "2160-0", "display": "Creatinine [Mass/volume] in Serum or Plasma"}


def test_sunitinib_without_bp_or_tsh_suggests_tsh_and_urine_protein(harness):
    card = _one(harness, "sunitinib-baseline-monitoring--no-bp-no-tsh", "sunitinib-baseline-monitoring")
    assert card["indicator"] == "info"
    assert "no blood pressure in the last 30 days and no TSH in the last 90 days (none on record)" in _text(card)
    assert "26 %" in _text(card)
    assert card["selectionBehavior"] == "any"
    codes = [a["resource"]["code"]["coding"][0]["code"] for a in _actions(card)]
    assert codes == ["3016-3", "2888-6"]
    assert card["links"][0]["url"] == "https://pubmed.ncbi.nlm.nih.gov/21306237/"


def test_sunitinib_with_old_tsh_quotes_its_date_and_keeps_quiet_about_bp(harness):
    card = _one(harness, "sunitinib-baseline-monitoring--tsh-4-months-ago-sutent-icd10-only",
                "sunitinib-baseline-monitoring")
    assert f"no TSH in the last 90 days (last on {_day(120)})" in _text(card)
    assert "blood pressure in the last" not in _text(card)


def test_pasireotide_with_drafted_everolimus_offers_to_remove_pasireotide(harness):
    card = _one(harness, "pasireotide-with-everolimus--both-drafted-product-codes-icd10-only",
                "pasireotide-with-everolimus")
    assert card["indicator"] == "info" and "COOPERATE-2" in _text(card)
    assert "everolimus 10 MG Oral Tablet [Afinitor] is given (draft order)" in _text(card)
    [action] = _actions(card)
    assert action["type"] == "delete" and action["resourceId"].startswith("MedicationRequest/pasi-icd-")


def test_scope_no_pnet_means_no_therapy_card_at_all(harness):
    for fixture in ("temozolomide-without-capecitabine--glioblastoma-no-pnet",
                    "ssa-on-therapy-switch--everolimus-transplant-no-pnet",
                    "sunitinib-baseline-monitoring--renal-cancer-no-pnet",
                    "pasireotide-with-everolimus--transplant-everolimus-no-pnet"):
        assert harness.cards_of(fixture, "order-sign") == [], fixture


def test_dose_intense_schedules_are_recognised_in_their_usual_spellings():
    from pnet_cds.rules._therapy import schedule_pattern

    pattern = schedule_pattern(7, 7)
    for text in ("150 mg/m2 daily, 7 days on / 7 days off", "7 on/7 off", "days 1-7 and 15-21 of 28",
                 "one week on, one week off", "alternating weeks", "150 mg/m2 every other week",
                 "days 1-7 and days 15-21", "D1-7 & D15-21 q28d"):
        assert pattern.search(text), text
    for text in ("200 mg/m2 daily on days 10-14 of each 28-day cycle", "daily for 5 days every 28 days",
                 "7 days on, 21 days off", "days 1-7 of a 28-day cycle", "D1-5 q28d"):
        assert not pattern.search(text), text


def test_temozolomide_schedule_reading():
    from pnet_cds.rules._therapy import DOSE_INTENSE, FIVE_DAY, UNREADABLE, temozolomide_schedule

    def order(text=None, timing=None, note=None):
        dosage = {k: v for k, v in (("text", text), ("timing", timing)) if v}
        return {"dosageInstruction": [dosage] if dosage else [], **({"note": [{"text": note}]} if note else {})}

    daily = {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}
    cases = [
        (order("150 mg/m2 days 1-7 and 15-21"), DOSE_INTENSE),
        (order(timing={"code": {"text": "week on / week off"}}), DOSE_INTENSE),
        (order(timing={"code": {"text": "one week on, one week off"}}), DOSE_INTENSE),
        (order(note="alternating weeks"), DOSE_INTENSE),
        (order(timing={"event": [f"2026-06-{d:02d}" for d in (*range(1, 8), *range(15, 22))]}), DOSE_INTENSE),
        (order(timing={"event": [f"2026-06-{d:02d}" for d in range(10, 15)]}), FIVE_DAY),
        (order("200 mg/m2 on days 10-14 of each 28-day cycle"), FIVE_DAY),
        (order("daily x 5 every 28 days"), FIVE_DAY),
        (order(timing={"repeat": {**daily["repeat"], "count": 5}}), FIVE_DAY),
        (order(timing={"repeat": {**daily["repeat"], "boundsDuration": {"value": 5, "code": "d"}}}), FIVE_DAY),
        (order(timing={"repeat": {**daily["repeat"], "boundsDuration": {"value": 42, "code": "d"}}}), UNREADABLE),
        (order(timing=daily), UNREADABLE),
        (order("50 mg/m2 daily, continuous"), UNREADABLE),
        (order(), UNREADABLE),
    ]
    for resource, expected in cases:
        assert temozolomide_schedule(resource, 7, 7).kind == expected, resource
