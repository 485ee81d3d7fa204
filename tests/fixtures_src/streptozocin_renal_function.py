"""Fixtures for rule 22 `streptozocin-renal-function`."""

from .builder import Patient
from .codes import ICD_C25_4, PNET_WD
from .therapy_codes import (CKD, CREATININE, EGFR, EGFR_CKD_EPI_2009, EGFR_MDRD, EGFR_MDRD_BLACK, EGFR_UNIT,
                            STREPTOZOCIN, ZANOSAR, egfr)

RULE = "streptozocin-renal-function"
STZ_TEXT = "IV, per streptozocin-based regimen"


def _pnet(slug, given):
    p = Patient(slug, given, "Renal")
    p.condition(PNET_WD, onset_days=600)
    return p


def egfr_48():
    p = _pnet("stz-egfr-low", "Nora")
    p.observation(EGFR, 72, EGFR_UNIT, days_ago=60)
    p.observation(EGFR, 48, EGFR_UNIT, days_ago=5)
    p.observation(CREATININE, 1.1, "mg/dL", days_ago=5, low=0.5, high=1.1)
    p.draft_med(STREPTOZOCIN, dosage_text=STZ_TEXT)
    return p


def creatinine_high_flag_zanosar_icd10_only():
    p = Patient("stz-creat-high", "Otto", "Renal", gender="male")
    p.condition(ICD_C25_4, onset_days=500)
    p.observation(CREATININE, 1.9, "mg/dL", days_ago=10, low=0.7, high=1.3, flag="H")
    p.draft_med(ZANOSAR, dosage_text=STZ_TEXT)
    return p


def no_renal_result_in_30_days():
    p = _pnet("stz-no-result", "Pia")
    p.observation(CREATININE, 0.9, "mg/dL", days_ago=45, low=0.5, high=1.1)
    p.draft_med(STREPTOZOCIN, dosage_text=STZ_TEXT)
    return p


def medication_reference_egfr_low():
    p = _pnet("stz-medref", "Rosa")
    p.observation(EGFR, 52, EGFR_UNIT, days_ago=3)
    p.draft_med(medication=p.medication(ZANOSAR), dosage_text=STZ_TEXT)
    return p


def normal_egfr_and_creatinine():
    p = _pnet("stz-normal", "Sven")
    p.observation(EGFR, 88, EGFR_UNIT, days_ago=7)
    p.observation(CREATININE, 0.8, "mg/dL", days_ago=7, low=0.5, high=1.1)
    p.draft_med(STREPTOZOCIN, dosage_text=STZ_TEXT)
    return p


def low_egfr_40_days_ago_normal_since():
    p = _pnet("stz-old-low", "Tara")
    p.observation(EGFR, 45, EGFR_UNIT, days_ago=40)
    p.observation(EGFR, 66, EGFR_UNIT, days_ago=2)
    p.draft_med(STREPTOZOCIN, dosage_text=STZ_TEXT)
    return p


def creatinine_drafted():
    p = _pnet("stz-creat-draft", "Uwe")
    p.draft_med(STREPTOZOCIN, dosage_text=STZ_TEXT)
    p.draft_service(CREATININE)
    return p


def no_pnet():
    p = Patient("stz-no-pnet", "Vita", "Renal")
    p.condition(CKD, onset_days=2000)
    p.observation(EGFR, 35, EGFR_UNIT, days_ago=4)
    p.draft_med(STREPTOZOCIN, dosage_text=STZ_TEXT)
    return p


def mdrd_egfr_unit_text_only():
    """v2: an MDRD eGFR (48642-3) with the unit as text only ("mL/min/1.73m2", not UCUM): 52 is below 60."""
    p = _pnet("stz-mdrd-text", "Wanda")
    egfr(p, EGFR_MDRD, 52, days_ago=6, unit="mL/min/1.73m2")
    p.draft_med(ZANOSAR, dosage_text=STZ_TEXT)
    return p


def race_pair_comma_unit():
    """v2: the lab reports the race-based MDRD pair on one date, unit spelled "ml/min/1,73m2": the lowest (55)
    counts, though the other (66) is above 60."""
    p = Patient("stz-pair", "Xenia", "Renal")
    p.condition(ICD_C25_4, onset_days=300)
    egfr(p, EGFR_MDRD_BLACK, 66, days_ago=3, unit="ml/min/1,73m2")
    egfr(p, EGFR_MDRD, 55, days_ago=3, unit="ml/min/1,73m2")
    p.draft_med(STREPTOZOCIN, dosage_text=STZ_TEXT)
    return p


def egfr_reported_above_60():
    """v2 near miss: the lab reports ">60" (comparator), UCUM annotation unit: not below 60."""
    p = _pnet("stz-gt60", "Yusuf")
    egfr(p, EGFR, 60, days_ago=4, unit="mL/min/{1.73_m2}", ucum="mL/min/{1.73_m2}", comparator=">")
    p.draft_med(STREPTOZOCIN, dosage_text=STZ_TEXT)
    return p


def egfr_si_unit_normal():
    """v2 near miss: an SI eGFR, 1.5 mL/s/1.73 m2 (= 90 mL/min/1.73m2), CKD-EPI 2009 code."""
    p = _pnet("stz-si", "Zora")
    egfr(p, EGFR_CKD_EPI_2009, 1.5, days_ago=8, unit="mL/s/1.73 m2")
    p.draft_med(STREPTOZOCIN, dosage_text=STZ_TEXT)
    return p


def egfr_with_a_creatinine_unit():
    """v2: an interface error - an eGFR code carrying a creatinine value and unit (1.4 mg/dL): it cannot be
    compared with the threshold and is named on an info card."""
    p = _pnet("stz-wrong-unit", "Arne")
    egfr(p, EGFR, 1.4, days_ago=2, unit="mg/dL", ucum="mg/dL")
    p.draft_med(STREPTOZOCIN, dosage_text=STZ_TEXT)
    return p


FIXTURES = {
    f"{RULE}--egfr-48": egfr_48,
    f"{RULE}--creatinine-high-flag-zanosar-icd10-only": creatinine_high_flag_zanosar_icd10_only,
    f"{RULE}--no-renal-result-in-30-days": no_renal_result_in_30_days,
    f"{RULE}--medication-reference-egfr-low": medication_reference_egfr_low,
    f"{RULE}--normal-egfr-and-creatinine": normal_egfr_and_creatinine,
    f"{RULE}--low-egfr-40-days-ago-normal-since": low_egfr_40_days_ago_normal_since,
    f"{RULE}--creatinine-drafted": creatinine_drafted,
    f"{RULE}--no-pnet": no_pnet,
    f"{RULE}--mdrd-egfr-unit-text-only": mdrd_egfr_unit_text_only,
    f"{RULE}--race-pair-comma-unit": race_pair_comma_unit,
    f"{RULE}--egfr-reported-above-60": egfr_reported_above_60,
    f"{RULE}--egfr-si-unit-normal": egfr_si_unit_normal,
    f"{RULE}--egfr-with-a-creatinine-unit": egfr_with_a_creatinine_unit,
}
