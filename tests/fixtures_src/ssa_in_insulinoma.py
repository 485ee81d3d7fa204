"""Fixtures for rule 1 `ssa-in-insulinoma`."""

from .builder import Patient, qty
from .codes import (CBC_DIFF, ICD_C25_4, ICD_D13_7, ICD_E16_1, LANREOTIDE_120_SBD, MALIGNANT_INSULINOMA, OCTREOTIDE,
                    OCTREOTIDE_SC, PNET_WD)

from .builder import SCT, coding

RULE = "ssa-in-insulinoma"
BENIGN_INSULINOMA = coding(SCT, "788492001", "Hyperinsulinemia due to benign insulinoma")
SC_DOSE = dict(dose=qty(100, "ug"), timing={"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}})


def octreotide_sc_malignant_insulinoma():
    p = Patient("ins-octreotide", "Ada", "Insulinoma-One")
    p.condition(MALIGNANT_INSULINOMA, onset_days=200)
    p.draft_med(OCTREOTIDE_SC, **SC_DOSE)
    return p


def lanreotide_product_code_icd10_pair():
    """ICD-10-CM only: D13.7 (benign islet-cell tumor) + E16.1 (hyperinsulinism) mean insulinoma."""
    p = Patient("ins-lanreotide-icd", "Bruno", "Insulinoma-Two", gender="male")
    p.condition(ICD_D13_7, onset_days=300)
    p.condition(ICD_E16_1, onset_days=290)
    p.draft_med(LANREOTIDE_120_SBD, dose=qty(120, "mg"), timing={"repeat": {"frequency": 1, "period": 4, "periodUnit": "wk"}})
    return p


def octreotide_medication_reference():
    """The drug is named only by a referenced Medication resource (as many EHRs send it)."""
    p = Patient("ins-medref", "Clara", "Insulinoma-Three")
    p.condition(MALIGNANT_INSULINOMA, onset_days=100)
    medication = p.medication(OCTREOTIDE_SC)
    p.draft_med(medication=medication, **SC_DOSE)
    return p


def resolved_insulinoma():
    p = Patient("ins-resolved", "Dora", "Insulinoma-Resolved")
    p.condition(MALIGNANT_INSULINOMA, clinical="resolved", onset_days=900)
    p.condition(PNET_WD, onset_days=900)
    p.draft_med(OCTREOTIDE_SC, **SC_DOSE)
    return p


def entered_in_error_insulinoma():
    p = Patient("ins-error", "Emil", "Insulinoma-Error", gender="male")
    p.condition(MALIGNANT_INSULINOMA, verification="entered-in-error")
    p.condition(PNET_WD)
    p.draft_med(OCTREOTIDE_SC, **SC_DOSE)
    return p


def cancelled_ssa_draft():
    p = Patient("ins-cancelled", "Fay", "Insulinoma-Cancelled")
    p.condition(MALIGNANT_INSULINOMA)
    p.draft_med(OCTREOTIDE_SC, status="cancelled", **SC_DOSE)
    return p


def hypoglycemia_code_without_neoplasm():
    """E16.1 alone (hypoglycemia) is not an insulinoma, and the patient has no pNET at all."""
    p = Patient("ins-e16-only", "Gus", "Hypoglycemia-Only", gender="male")
    p.condition(ICD_E16_1)
    p.draft_med(OCTREOTIDE, dosage_text="100 micrograms three times daily")
    return p


def ssa_not_selected():
    """order-select: the SSA is an earlier draft of the session; the newly selected order is a CBC."""
    p = Patient("ins-not-selected", "Hana", "Insulinoma-Session")
    p.condition(ICD_C25_4)
    p.condition(ICD_E16_1)
    p.draft_med(OCTREOTIDE_SC, **SC_DOSE)
    p.draft_service(CBC_DIFF, selected=True)
    return p


def benign_insulinoma_snomed_no_everolimus():
    """v2: a benign insulinoma (SNOMED CT 788492001): diazoxide is offered, everolimus is not."""
    p = Patient("ins-benign", "Ida", "Insulinoma-Benign")
    p.condition(BENIGN_INSULINOMA, onset_days=60)
    p.draft_med(OCTREOTIDE_SC, **SC_DOSE)
    return p


def malignant_icd10_pair_everolimus_offered():
    """v2: ICD-10-CM only, C25.4 + E16.1 = malignant insulinoma: everolimus offered beside diazoxide."""
    p = Patient("ins-malignant-icd", "Jakob", "Insulinoma-Malignant", gender="male")
    p.condition(ICD_C25_4, onset_days=400)
    p.condition(ICD_E16_1, onset_days=400)
    p.draft_med(OCTREOTIDE, dose=qty(100, "ug"), timing={"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}})
    return p


FIXTURES = {
    f"{RULE}--benign-insulinoma-snomed-no-everolimus": benign_insulinoma_snomed_no_everolimus,
    f"{RULE}--malignant-icd10-pair-everolimus-offered": malignant_icd10_pair_everolimus_offered,
    f"{RULE}--octreotide-sc-malignant-insulinoma": octreotide_sc_malignant_insulinoma,
    f"{RULE}--lanreotide-product-code-icd10-pair": lanreotide_product_code_icd10_pair,
    f"{RULE}--octreotide-medication-reference": octreotide_medication_reference,
    f"{RULE}--resolved-insulinoma": resolved_insulinoma,
    f"{RULE}--entered-in-error-insulinoma": entered_in_error_insulinoma,
    f"{RULE}--cancelled-ssa-draft": cancelled_ssa_draft,
    f"{RULE}--hypoglycemia-code-without-neoplasm": hypoglycemia_code_without_neoplasm,
    f"{RULE}--ssa-not-selected": ssa_not_selected,
}
