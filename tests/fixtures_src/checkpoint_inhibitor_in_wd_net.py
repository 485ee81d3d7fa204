"""Fixtures for rule 19 `checkpoint-inhibitor-in-wd-net`."""

from .builder import Patient, qty
from .codes import ICD_C25_4, PNET_WD
from .therapy_codes import (ATEZOLIZUMAB, ICD_C7A_1, ICDO3_NEC, ICDO3_NET_G2_G3, KEYTRUDA, PEMBROLIZUMAB, PNET_NEC,
                            text_condition, with_histology)

RULE = "checkpoint-inhibitor-in-wd-net"
ICI_DOSE = dict(dose=qty(200, "mg"), timing={"repeat": {"frequency": 1, "period": 3, "periodUnit": "wk"}})


def pembrolizumab_wd_pnet():
    p = Patient("ici-wd", "Quinn", "Immuno")
    p.condition(PNET_WD, onset_days=900)
    p.draft_med(PEMBROLIZUMAB, **ICI_DOSE)
    return p


def keytruda_product_code_icd10_only():
    p = Patient("ici-icd", "Rolf", "Immuno", gender="male")
    p.condition(ICD_C25_4, onset_days=500)
    p.draft_med(KEYTRUDA, **ICI_DOSE)
    return p


def medication_reference():
    p = Patient("ici-medref", "Sina", "Immuno")
    p.condition(PNET_WD, onset_days=300)
    p.draft_med(medication=p.medication(ATEZOLIZUMAB), dose=qty(1200, "mg"))
    return p


def pancreatic_nec():
    p = Patient("ici-nec", "Timo", "Immuno", gender="male")
    p.condition(PNET_NEC, onset_days=120)
    p.draft_med(PEMBROLIZUMAB, **ICI_DOSE)
    return p


def c7a1_with_c25_4():
    """ICD-10-CM only: C7A.1 (poorly differentiated NET, no site) with C25.4 (endocrine pancreas) = pancreatic NEC."""
    p = Patient("ici-c7a1", "Ulla", "Immuno")
    p.condition(ICD_C25_4, onset_days=150)
    p.condition(ICD_C7A_1, onset_days=150)
    p.draft_med(KEYTRUDA, **ICI_DOSE)
    return p


def melanoma_no_pnet():
    p = Patient("ici-melanoma", "Viktor", "Immuno", gender="male")
    text_condition(p, "Metastatic melanoma")
    p.draft_med(PEMBROLIZUMAB, **ICI_DOSE)
    return p


def resolved_pnet():
    p = Patient("ici-resolved", "Wanda", "Immuno")
    p.condition(PNET_WD, clinical="resolved", onset_days=2000)
    text_condition(p, "Non-small cell lung cancer")
    p.draft_med(PEMBROLIZUMAB, **ICI_DOSE)
    return p


def keytruda_wd_grade_3_net():
    """v2: a well-differentiated grade 3 NET (8249/3 in the mCODE histology extension) is a well-differentiated pNET."""
    p = Patient("ici-wd-g3", "Sina", "Immuno")
    with_histology(p.condition(ICD_C25_4, onset_days=300, text="Pancreatic NET G3, well differentiated"),
                   ICDO3_NET_G2_G3)
    p.draft_med(KEYTRUDA, **ICI_DOSE)
    return p


def pembrolizumab_nec_morphology():
    """v2: the pancreatic neoplasm's morphology is NEC (ICD-O-3 8246/3 beside C25.4 in the condition code)."""
    p = Patient("ici-nec-morph", "Timo", "Immuno", gender="male")
    p.condition(ICD_C25_4, ICDO3_NEC, onset_days=100)
    p.draft_med(PEMBROLIZUMAB, **ICI_DOSE)
    return p


FIXTURES = {
    f"{RULE}--pembrolizumab-wd-pnet": pembrolizumab_wd_pnet,
    f"{RULE}--keytruda-product-code-icd10-only": keytruda_product_code_icd10_only,
    f"{RULE}--medication-reference": medication_reference,
    f"{RULE}--pancreatic-nec": pancreatic_nec,
    f"{RULE}--c7a1-with-c25-4": c7a1_with_c25_4,
    f"{RULE}--melanoma-no-pnet": melanoma_no_pnet,
    f"{RULE}--resolved-pnet": resolved_pnet,
    f"{RULE}--keytruda-wd-grade-3-net": keytruda_wd_grade_3_net,
    f"{RULE}--pembrolizumab-nec-morphology": pembrolizumab_nec_morphology,
}
