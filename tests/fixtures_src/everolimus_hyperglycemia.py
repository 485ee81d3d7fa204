"""Fixtures for rule 3 `everolimus-hyperglycemia`."""

from .builder import Patient, qty
from .codes import DIABETES_T2, EVEROLIMUS_10, ICD_C25_4, MALIGNANT_INSULINOMA, PNET_WD
from .codes_rules_a import EVEROLIMUS, EVEROLIMUS_10_SBD, FASTING_GLUCOSE, GLUCOSE, HBA1C, ICD_E11_9
from .codes_v2_ssa import DIABETES_PARENT, renews

RULE = "everolimus-hyperglycemia"
DOSE = dict(dose=qty(10, "mg"), timing={"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}})


def _pnet(slug, given, gender="female"):
    p = Patient(slug, given, "Everolimus", gender=gender)
    p.condition(PNET_WD, onset_days=400)
    return p


def type_2_diabetes_no_recent_hba1c():
    """Diabetes on the problem list; the last HbA1c is 7 months old, so an HbA1c is suggested."""
    p = _pnet("evr-dm2", "Quinn")
    p.condition(DIABETES_T2, onset_days=2000)
    p.observation(HBA1C, 7.9, "%", days_ago=210)
    p.draft_med(EVEROLIMUS_10, **DOSE)
    return p


def hba1c_7_2_percent():
    p = _pnet("evr-a1c", "Rosa")
    p.observation(HBA1C, 6.1, "%", days_ago=200)
    p.observation(HBA1C, 7.2, "%", days_ago=30)
    p.draft_med(EVEROLIMUS, **DOSE)
    return p


def fasting_glucose_mmol_per_l_product_code():
    """Fasting glucose reported in mmol/L (7.8 mmol/L = 140.5 mg/dL) and the Afinitor SBD."""
    p = _pnet("evr-fpg-mmol", "Sven", gender="male")
    p.observation(FASTING_GLUCOSE, 7.8, "mmol/L", days_ago=12)
    p.draft_med(EVEROLIMUS_10_SBD, **DOSE)
    return p


def icd10_diabetes_and_pnet_only():
    """ICD-10-CM only: C25.4 (pNET) and E11.9 (type 2 diabetes); no labs at all."""
    p = Patient("evr-icd", "Tara", "Everolimus-Icd")
    p.condition(ICD_C25_4, onset_days=300)
    p.condition(ICD_E11_9, onset_days=1500)
    p.draft_med(EVEROLIMUS_10, **DOSE)
    return p


def hba1c_ifcc_mmol_per_mol():
    """HbA1c in IFCC units: 53 mmol/mol = 7.0 % (NGSP)."""
    p = _pnet("evr-a1c-ifcc", "Uwe", gender="male")
    p.observation(HBA1C, 53, "mmol/mol", days_ago=20)
    p.draft_med(EVEROLIMUS_10, **DOSE)
    return p


def normal_hba1c_and_glucose():
    p = _pnet("evr-normal", "Vera")
    p.observation(HBA1C, 5.6, "%", days_ago=20)
    p.observation(FASTING_GLUCOSE, 95, "mg/dL", days_ago=20)
    p.draft_med(EVEROLIMUS_10, **DOSE)
    return p


def high_hba1c_5_months_ago():
    """HbA1c 7.4 % but 150 days ago: outside the 90-day window (and no diabetes on the problem list)."""
    p = _pnet("evr-old-a1c", "Wim", gender="male")
    p.observation(HBA1C, 7.4, "%", days_ago=150)
    p.draft_med(EVEROLIMUS_10, **DOSE)
    return p


def insulinoma_with_diabetes():
    p = Patient("evr-insulinoma", "Xenia", "Everolimus-Insulinoma")
    p.condition(MALIGNANT_INSULINOMA, onset_days=200)
    p.condition(DIABETES_T2, onset_days=3000)
    p.observation(HBA1C, 7.5, "%", days_ago=10)
    p.draft_med(EVEROLIMUS_10, **DOSE)
    return p


def fasting_glucose_6_9_mmol_per_l():
    """6.9 mmol/L = 124.3 mg/dL: just below 126 mg/dL once converted."""
    p = _pnet("evr-fpg-below", "Yann", gender="male")
    p.observation(FASTING_GLUCOSE, 6.9, "mmol/L", days_ago=5)
    p.draft_med(EVEROLIMUS_10, **DOSE)
    return p


def random_glucose_high_not_fasting():
    """A random (non-fasting) glucose of 210 mg/dL is not a fasting glucose."""
    p = _pnet("evr-random", "Zoe")
    p.observation(GLUCOSE, 210, "mg/dL", days_ago=3)
    p.draft_med(EVEROLIMUS_10, **DOSE)
    return p


def diabetes_without_pnet():
    """Everolimus for another indication (e.g. breast cancer) in a diabetic patient: out of scope."""
    p = Patient("evr-no-pnet", "Anja", "Everolimus-Other")
    p.condition(DIABETES_T2, onset_days=2000)
    p.observation(HBA1C, 8.1, "%", days_ago=10)
    p.draft_med(EVEROLIMUS_10, **DOSE)
    return p


def resolved_diabetes():
    p = _pnet("evr-dm-resolved", "Bert", gender="male")
    p.condition(DIABETES_T2, clinical="inactive", onset_days=3000)
    p.observation(HBA1C, 5.4, "%", days_ago=40)
    p.draft_med(EVEROLIMUS_10, **DOSE)
    return p


def diabetes_parent_concept_snomed_only():
    """v2: the problem list carries only the SNOMED CT parent "Diabetes mellitus" (73211009); a new start."""
    p = _pnet("evr-dm-parent", "Carla")
    p.condition(DIABETES_PARENT, onset_days=2500)
    p.draft_med(EVEROLIMUS_10_SBD, **DOSE)
    return p


def renewal_of_active_everolimus_medication_reference():
    """v2 renewal: the active everolimus order names its drug through a Medication (ingredient code); the
    draft (product code) points to it in priorPrescription. A monthly renewal: no new-start warning."""
    p = _pnet("evr-renewal", "Dieter", gender="male")
    p.condition(DIABETES_T2, onset_days=2000)
    p.observation(HBA1C, 7.8, "%", days_ago=25)
    active = p.med_request(medication=p.medication(EVEROLIMUS), status="active", authored_days=29, **DOSE)
    renews(p.draft_med(EVEROLIMUS_10, **DOSE), active)
    return p


def renewal_after_completed_order_icd10_only():
    """v2 renewal without an active order: the predecessor (completed, supply ended 5 days ago) is named in
    basedOn; ICD-10-CM-only diabetes and pNET."""
    p = Patient("evr-renewal-completed", "Elke", "Everolimus-Icd")
    p.condition(ICD_C25_4, onset_days=500)
    p.condition(ICD_E11_9, onset_days=1500)
    previous = p.med_request(EVEROLIMUS_10_SBD, status="completed", authored_days=35, validity_end_days=5, **DOSE)
    renews(p.draft_med(EVEROLIMUS, **DOSE), previous, element="basedOn")
    return p


def restart_after_on_hold_order():
    """v2: resuming an on-hold everolimus order is a new start (diabetes: the card speaks)."""
    p = _pnet("evr-on-hold", "Falk", gender="male")
    p.condition(DIABETES_T2, onset_days=2000)
    held = p.med_request(EVEROLIMUS_10, status="on-hold", authored_days=120, **DOSE)
    renews(p.draft_med(EVEROLIMUS_10, **DOSE), held)
    return p


def restart_after_a_long_break():
    """v2: the named predecessor ended 8 months ago, beyond the renewal window: a new start."""
    p = _pnet("evr-long-break", "Greta")
    p.condition(DIABETES_T2, onset_days=2000)
    previous = p.med_request(EVEROLIMUS_10, status="stopped", authored_days=400, validity_end_days=240, **DOSE)
    renews(p.draft_med(EVEROLIMUS_10, **DOSE), previous)
    return p


FIXTURES = {
    f"{RULE}--diabetes-parent-concept-snomed-only": diabetes_parent_concept_snomed_only,
    f"{RULE}--renewal-of-active-everolimus-medication-reference": renewal_of_active_everolimus_medication_reference,
    f"{RULE}--renewal-after-completed-order-icd10-only": renewal_after_completed_order_icd10_only,
    f"{RULE}--restart-after-on-hold-order": restart_after_on_hold_order,
    f"{RULE}--restart-after-a-long-break": restart_after_a_long_break,
    f"{RULE}--type-2-diabetes-no-recent-hba1c": type_2_diabetes_no_recent_hba1c,
    f"{RULE}--hba1c-7-2-percent": hba1c_7_2_percent,
    f"{RULE}--fasting-glucose-mmol-per-l-product-code": fasting_glucose_mmol_per_l_product_code,
    f"{RULE}--icd10-diabetes-and-pnet-only": icd10_diabetes_and_pnet_only,
    f"{RULE}--hba1c-ifcc-mmol-per-mol": hba1c_ifcc_mmol_per_mol,
    f"{RULE}--normal-hba1c-and-glucose": normal_hba1c_and_glucose,
    f"{RULE}--high-hba1c-5-months-ago": high_hba1c_5_months_ago,
    f"{RULE}--insulinoma-with-diabetes": insulinoma_with_diabetes,
    f"{RULE}--fasting-glucose-6-9-mmol-per-l": fasting_glucose_6_9_mmol_per_l,
    f"{RULE}--random-glucose-high-not-fasting": random_glucose_high_not_fasting,
    f"{RULE}--diabetes-without-pnet": diabetes_without_pnet,
    f"{RULE}--resolved-diabetes": resolved_diabetes,
}
