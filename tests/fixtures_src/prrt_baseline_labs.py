"""Fixtures for rule 14 `prrt-baseline-labs`."""

from .prrt_common import (CBC_DIFF, CREATININE, EGFR, HEMOGLOBIN, LU177_PIN, LU177_SBD, LU177_SCD, NEUTROPHILS,
                          PLATELETS, STANDARD_GBQ, WBC, give_lutetium, normal_cbc, normal_renal, pnet_patient)

RULE = "prrt-baseline-labs"


def _patient(slug, given, **kwargs):
    return pnet_patient(slug, given, "Baseline", **kwargs)


def low_platelets_high_creatinine():
    p = _patient("labs-abnormal", "Abel", gender="male")
    give_lutetium(p, 60, code=LU177_SCD)
    p.observation(HEMOGLOBIN, 12.4, "g/dL", days_ago=6, low=12.0, high=15.5)
    p.observation(WBC, 4.8, "10*3/uL", days_ago=6, low=3.4, high=10.8)
    p.observation(PLATELETS, 92, "10*3/uL", days_ago=6, low=150, high=400, flag="L")
    p.observation(CREATININE, 1.6, "mg/dL", days_ago=6, low=0.7, high=1.3)
    p.draft_med(LU177_SBD, dose=STANDARD_GBQ)
    return p


def low_egfr_by_range_icd10():
    p = _patient("labs-egfr", "Bell", icd_only=True)
    normal_cbc(p, days_ago=10)
    p.observation(EGFR, 48, "mL/min/{1.73_m2}", days_ago=10, low=60)
    p.draft_med(LU177_PIN, dose=STANDARD_GBQ)
    return p


def no_labs_in_30_days():
    p = _patient("labs-none", "Carl", gender="male")
    normal_cbc(p, days_ago=45)
    normal_renal(p, days_ago=45)
    p.draft_med(LU177_PIN, dose=STANDARD_GBQ)
    return p


def cbc_normal_no_renal():
    p = _patient("labs-no-renal", "Dana")
    normal_cbc(p, days_ago=7)
    p.draft_med(LU177_PIN, dose=STANDARD_GBQ)
    return p


def all_normal():
    p = _patient("labs-normal", "Emil", gender="male")
    normal_cbc(p, days_ago=7)
    normal_renal(p, days_ago=7)
    p.draft_med(LU177_PIN, dose=STANDARD_GBQ)
    return p


def low_platelets_45_days_ago_normal_since():
    p = _patient("labs-recovered", "Fenna")
    p.observation(PLATELETS, 110, "10*3/uL", days_ago=45, low=150, high=400, flag="L")
    normal_cbc(p, days_ago=5)
    normal_renal(p, days_ago=5)
    p.draft_med(LU177_PIN, dose=STANDARD_GBQ)
    return p


def labs_drafted():
    p = _patient("labs-drafted", "Gert", gender="male")
    normal_cbc(p, days_ago=60)
    p.draft_med(LU177_PIN, dose=STANDARD_GBQ, selected=True)
    p.draft_service(CBC_DIFF)
    p.draft_service(CREATININE)
    return p


def entered_in_error_high_creatinine():
    p = _patient("labs-eie", "Hedy")
    normal_cbc(p, days_ago=12)
    normal_renal(p, days_ago=12)
    p.observation(CREATININE, 2.4, "mg/dL", days_ago=2, low=0.6, high=1.1, flag="H", status="entered-in-error")
    p.draft_med(LU177_PIN, dose=STANDARD_GBQ)
    return p


def no_reference_range_no_flag():
    p = _patient("labs-norange", "Ines")
    normal_cbc(p, days_ago=8)
    p.observation(CREATININE, 1.5, "mg/dL", days_ago=8)
    p.draft_med(LU177_PIN, dose=STANDARD_GBQ)
    return p


def high_platelets_low_creatinine():
    """Reactive thrombocytosis and a low creatinine (low muscle mass): neither is a contraindication."""
    p = _patient("labs-benign", "Dana")
    p.observation(HEMOGLOBIN, 12.8, "g/dL", days_ago=7, low=12.0, high=15.5)
    p.observation(WBC, 6.0, "10*3/uL", days_ago=7, low=3.4, high=10.8)
    p.observation(PLATELETS, 480, "10*3/uL", days_ago=7, low=150, high=400, flag="H")
    p.observation(CREATININE, 0.45, "mg/dL", days_ago=7, low=0.6, high=1.1, flag="L")
    p.draft_med(LU177_SBD, dose=STANDARD_GBQ)
    return p


def low_neutrophils_high_wbc():
    """A high WBC is not adverse; the low neutrophil count beside it is (counts in 10*9/L)."""
    p = _patient("labs-anc", "Emil", gender="male")
    give_lutetium(p, 63, code=LU177_SCD)
    p.observation(HEMOGLOBIN, 13.5, "g/dL", days_ago=4, low=13.0, high=17.0)
    p.observation(WBC, 11.9, "10*9/L", days_ago=4, low=4.0, high=11.0, flag="H")
    p.observation(PLATELETS, 190, "10*9/L", days_ago=4, low=150, high=400)
    p.observation(NEUTROPHILS, 1.1, "10*9/L", days_ago=4, low=1.8, high=7.5, flag="L")
    normal_renal(p, days_ago=4)
    p.draft_med(LU177_PIN, dose=STANDARD_GBQ)
    return p


FIXTURES = {
    f"{RULE}--low-platelets-high-creatinine": low_platelets_high_creatinine,
    f"{RULE}--low-egfr-by-range-icd10": low_egfr_by_range_icd10,
    f"{RULE}--no-labs-in-30-days": no_labs_in_30_days,
    f"{RULE}--cbc-normal-no-renal": cbc_normal_no_renal,
    f"{RULE}--all-normal": all_normal,
    f"{RULE}--low-platelets-45-days-ago-normal-since": low_platelets_45_days_ago_normal_since,
    f"{RULE}--labs-drafted": labs_drafted,
    f"{RULE}--entered-in-error-high-creatinine": entered_in_error_high_creatinine,
    f"{RULE}--no-reference-range-no-flag": no_reference_range_no_flag,
    f"{RULE}--high-platelets-low-creatinine": high_platelets_low_creatinine,
    f"{RULE}--low-neutrophils-high-wbc": low_neutrophils_high_wbc,
}
