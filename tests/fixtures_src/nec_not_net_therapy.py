"""Fixtures for rule 20 `nec-not-net-therapy`."""

from .builder import Patient, ago, qty
from .codes import EVEROLIMUS_10, ICD_C25_4, LANREOTIDE, OCTREOTIDE_SC, PNET_WD, VIPOMA
from .therapy_codes import (HIGH_GRADE, ICD_C7A_1, ICDO3_LARGE_CELL_NEC, ICDO3_NEC_PANCREAS_PAIR, ICDO3_NET_G2_G3,
                            ICDO3_SMALL_CELL_LUNG_PAIR, LUTATHERA, NEC_POORLY_DIFF, PNET_NEC, SUTENT_50,
                            with_histology)

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


def everolimus_nec_morphology_in_mcode_extension():
    """v2: the NEC is said only by the morphology: a C25.4 cancer condition with the mCODE histology extension
    ICD-O-3 8013/3 (large cell neuroendocrine carcinoma)."""
    p = Patient("nec-morph-ext", "Fabian", "Carcinoma", gender="male")
    with_histology(p.condition(ICD_C25_4, onset_days=45), ICDO3_LARGE_CELL_NEC)
    p.draft_med(EVEROLIMUS_10, dose=qty(10, "mg"), timing=DAILY)
    return p


def sunitinib_registry_morphology_pair():
    """v2: a tumour-registry condition coded only "8246/3-C25.4" (ICD-O-3 morphology-topography) beside the
    problem-list C25.4; sunitinib by product code."""
    p = Patient("nec-registry", "Gerda", "Carcinoma")
    p.condition(ICD_C25_4, onset_days=120)
    p.condition(ICDO3_NEC_PANCREAS_PAIR, onset_days=120)
    p.draft_med(SUTENT_50, dose=qty(37.5, "mg"), timing=DAILY)
    return p


def well_differentiated_grade_3_net():
    """v2 near miss: a well-differentiated grade 3 NET (ICD-O-3 8249/3 morphology, "high grade", Ki-67 in the
    text) is not a neuroendocrine carcinoma."""
    p = Patient("nec-wd-g3", "Hanno", "Carcinoma", gender="male")
    with_histology(p.condition(PNET_WD, onset_days=200,
                               text="Well-differentiated pancreatic NET, grade 3 (Ki-67 28 %)"), ICDO3_NET_G2_G3)
    p._add({"resourceType": "Observation", "id": p._id("grade"), "status": "final", "subject": p.ref,
            "code": {"text": "Histologic grade"}, "effectiveDateTime": ago(200),
            "valueCodeableConcept": {"coding": [HIGH_GRADE], "text": "G3"}})
    p.draft_med(EVEROLIMUS_10, dose=qty(10, "mg"), timing=DAILY)
    return p


def small_cell_lung_with_wd_pnet():
    """v2 near miss: a small cell NEC of the lung (registry pair 8041/3-C34.1) beside a well-differentiated pNET:
    the carcinoma is not the pancreatic neoplasm."""
    p = Patient("nec-lung", "Irma", "Carcinoma")
    p.condition(PNET_WD, onset_days=900)
    p.condition(ICDO3_SMALL_CELL_LUNG_PAIR, onset_days=60, text="Small cell carcinoma, right upper lobe")
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
    f"{RULE}--everolimus-nec-morphology-in-mcode-extension": everolimus_nec_morphology_in_mcode_extension,
    f"{RULE}--sunitinib-registry-morphology-pair": sunitinib_registry_morphology_pair,
    f"{RULE}--well-differentiated-grade-3-net": well_differentiated_grade_3_net,
    f"{RULE}--small-cell-lung-with-wd-pnet": small_cell_lung_with_wd_pnet,
}
