"""Fixtures for rule 20 `nec-not-net-therapy`."""

from .builder import Patient, qty
from .codes import EVEROLIMUS_10, ICD_C25_4, LANREOTIDE, OCTREOTIDE_SC, PNET_WD, VIPOMA
from .therapy_codes import ICD_C7A_1, LUTATHERA, NEC_POORLY_DIFF, PNET_NEC, SUTENT_50

RULE = "nec-not-net-therapy"
DAILY = {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}


def everolimus_pancreatic_nec():
    p = Patient("nec-evero", "Xaver", "Carcinoma", gender="male")
    p.condition(PNET_NEC, onset_days=60)
    p.draft_med(EVEROLIMUS_10, dose=qty(10, "mg"), timing=DAILY)
    return p


def sunitinib_product_code_c7a1_with_c25_4():
    p = Patient("nec-suni-icd", "Yara", "Carcinoma")
    p.condition(ICD_C25_4, onset_days=90)
    p.condition(ICD_C7A_1, onset_days=90)
    p.draft_med(SUTENT_50, dose=qty(37.5, "mg"), timing=DAILY)
    return p


def lanreotide_nonfunctional_nec():
    """An SSA with no hormone syndrome on record is for tumor control."""
    p = Patient("nec-lanreotide", "Zeno", "Carcinoma", gender="male")
    p.condition(PNET_NEC, onset_days=60)
    p.draft_med(LANREOTIDE, dose=qty(120, "mg"), timing={"repeat": {"frequency": 1, "period": 4, "periodUnit": "wk"}})
    return p


def lutathera_medication_reference():
    p = Patient("nec-lu-medref", "Anna", "Carcinoma")
    p.condition(PNET_WD, onset_days=700)
    p.condition(NEC_POORLY_DIFF, onset_days=30)
    p.draft_med(medication=p.medication(LUTATHERA), dose=qty(7.4, "GBq"))
    return p


def everolimus_well_differentiated():
    p = Patient("nec-wd", "Bela", "Carcinoma")
    p.condition(PNET_WD, onset_days=400)
    p.draft_med(EVEROLIMUS_10, dose=qty(10, "mg"), timing=DAILY)
    return p


def c7a1_alone_no_pancreas():
    """C7A.1 names no site (e.g. a lung NEC): with no pancreatic code the patient is out of scope."""
    p = Patient("nec-c7a1-only", "Carl", "Carcinoma", gender="male")
    p.condition(ICD_C7A_1, onset_days=60)
    p.draft_med(EVEROLIMUS_10, dose=qty(10, "mg"), timing=DAILY)
    return p


def octreotide_nec_with_vipoma():
    """With a hormone syndrome the SSA controls hormone secretion, not tumor growth."""
    p = Patient("nec-vipoma", "Dana", "Carcinoma")
    p.condition(PNET_NEC, onset_days=60)
    p.condition(VIPOMA, onset_days=60)
    p.draft_med(OCTREOTIDE_SC, dose=qty(100, "ug"), timing={"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}})
    return p


def refuted_nec():
    p = Patient("nec-refuted", "Egon", "Carcinoma", gender="male")
    p.condition(PNET_WD, onset_days=400)
    p.condition(PNET_NEC, verification="refuted", onset_days=400)
    p.draft_med(EVEROLIMUS_10, dose=qty(10, "mg"), timing=DAILY)
    return p


FIXTURES = {
    f"{RULE}--everolimus-pancreatic-nec": everolimus_pancreatic_nec,
    f"{RULE}--sunitinib-product-code-c7a1-with-c25-4": sunitinib_product_code_c7a1_with_c25_4,
    f"{RULE}--lanreotide-nonfunctional-nec": lanreotide_nonfunctional_nec,
    f"{RULE}--lutathera-medication-reference": lutathera_medication_reference,
    f"{RULE}--everolimus-well-differentiated": everolimus_well_differentiated,
    f"{RULE}--c7a1-alone-no-pancreas": c7a1_alone_no_pancreas,
    f"{RULE}--octreotide-nec-with-vipoma": octreotide_nec_with_vipoma,
    f"{RULE}--refuted-nec": refuted_nec,
}
