"""Fixtures for rule 2 `sunitinib-in-insulinoma`."""

from .builder import Patient, qty
from .codes import CBC_DIFF, ICD_D13_7, ICD_E16_1, MALIGNANT_INSULINOMA, PNET_NONFUNCTIONAL, PNET_WD
from .codes_rules_a import SUNITINIB, SUNITINIB_50, SUNITINIB_50_SBD

RULE = "sunitinib-in-insulinoma"
DOSE = dict(dose=qty(37.5, "mg"), timing={"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}})


def sunitinib_malignant_insulinoma():
    p = Patient("sun-ins", "Ida", "Sunitinib-Insulinoma")
    p.condition(MALIGNANT_INSULINOMA, onset_days=300)
    p.draft_med(SUNITINIB, **DOSE)
    return p


def sutent_product_code_icd10_pair():
    """ICD-10-CM only (D13.7 + E16.1) and the Sutent SBD, as an EHR would send them."""
    p = Patient("sun-ins-icd", "Jakob", "Sunitinib-Icd", gender="male")
    p.condition(ICD_D13_7, onset_days=500)
    p.condition(ICD_E16_1, onset_days=480)
    p.draft_med(SUNITINIB_50_SBD, dose=qty(50, "mg"), timing={"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}})
    return p


def sunitinib_medication_reference():
    p = Patient("sun-ins-medref", "Karin", "Sunitinib-Medref")
    p.condition(MALIGNANT_INSULINOMA, onset_days=90)
    medication = p.medication(SUNITINIB_50)
    p.draft_med(medication=medication, **DOSE)
    return p


def resolved_insulinoma():
    p = Patient("sun-ins-resolved", "Lars", "Sunitinib-Resolved", gender="male")
    p.condition(MALIGNANT_INSULINOMA, clinical="resolved", onset_days=900)
    p.condition(PNET_WD, onset_days=900)
    p.draft_med(SUNITINIB, **DOSE)
    return p


def nonfunctional_pnet():
    p = Patient("sun-nonfunctional", "Mia", "Sunitinib-Nonfunctional")
    p.condition(PNET_NONFUNCTIONAL, onset_days=700)
    p.draft_med(SUNITINIB_50, **DOSE)
    return p


def cancelled_sunitinib_draft():
    p = Patient("sun-ins-cancelled", "Nils", "Sunitinib-Cancelled", gender="male")
    p.condition(MALIGNANT_INSULINOMA)
    p.draft_med(SUNITINIB, status="cancelled", **DOSE)
    return p


def hypoglycemia_code_without_neoplasm():
    p = Patient("sun-e16-only", "Olga", "Sunitinib-Hypoglycemia")
    p.condition(ICD_E16_1)
    p.draft_med(SUNITINIB, **DOSE)
    return p


def sunitinib_not_selected():
    p = Patient("sun-ins-not-selected", "Per", "Sunitinib-Session", gender="male")
    p.condition(MALIGNANT_INSULINOMA)
    p.draft_med(SUNITINIB, **DOSE)
    p.draft_service(CBC_DIFF, selected=True)
    return p


FIXTURES = {
    f"{RULE}--sunitinib-malignant-insulinoma": sunitinib_malignant_insulinoma,
    f"{RULE}--sutent-product-code-icd10-pair": sutent_product_code_icd10_pair,
    f"{RULE}--sunitinib-medication-reference": sunitinib_medication_reference,
    f"{RULE}--resolved-insulinoma": resolved_insulinoma,
    f"{RULE}--nonfunctional-pnet": nonfunctional_pnet,
    f"{RULE}--cancelled-sunitinib-draft": cancelled_sunitinib_draft,
    f"{RULE}--hypoglycemia-code-without-neoplasm": hypoglycemia_code_without_neoplasm,
    f"{RULE}--sunitinib-not-selected": sunitinib_not_selected,
}
