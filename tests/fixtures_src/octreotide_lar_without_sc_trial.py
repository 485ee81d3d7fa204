"""Fixtures for rule 7 `octreotide-lar-without-sc-trial`."""

from .builder import Patient, qty
from .codes import ICD_C25_4, LANREOTIDE_120_SBD, OCTREOTIDE, OCTREOTIDE_LAR_20, OCTREOTIDE_SC, PNET_NONFUNCTIONAL, VIPOMA
from .codes_rules_a import ICD_E16_8, OCTREOTIDE_LAR_30, OCTREOTIDE_SC_SBD, VERNER_MORRISON

from .codes_v2_ssa import renews

RULE = "octreotide-lar-without-sc-trial"
LAR = dict(dose=qty(20, "mg"), timing={"repeat": {"frequency": 1, "period": 4, "periodUnit": "wk"}})
SC = dict(dose=qty(100, "ug"), timing={"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}})


def _vipoma(slug, given, gender="female"):
    p = Patient(slug, given, "Vipoma-Lar", gender=gender)
    p.condition(VIPOMA, onset_days=30)
    return p


def lar_first_vipoma():
    p = _vipoma("lar-first", "Vita")
    p.draft_med(OCTREOTIDE_LAR_20, **LAR)
    return p


def lar_text_ingredient_code_lanreotide_history():
    """Ingredient code only, "LAR" in the text; lanreotide before (not octreotide: no SC trial)."""
    p = Patient("lar-text", "Walt", "Vipoma-Lar", gender="male")
    p.condition(VERNER_MORRISON, onset_days=500)
    p.med_admin(LANREOTIDE_120_SBD, days_ago=120, dose=qty(120, "mg"))
    p.draft_med(OCTREOTIDE, text="octreotide LAR depot 20 mg IM", **LAR)
    return p


def lar_medication_reference():
    p = _vipoma("lar-medref", "Xaver", gender="male")
    medication = p.medication(OCTREOTIDE_LAR_30)
    p.draft_med(medication=medication, dose=qty(30, "mg"), timing=LAR["timing"])
    return p


def sc_order_entered_in_error_only():
    p = _vipoma("lar-sc-error", "Yara")
    p.med_request(OCTREOTIDE_SC, status="entered-in-error", authored_days=20, **SC)
    p.draft_med(OCTREOTIDE_LAR_20, **LAR)
    return p


def sc_octreotide_completed_before():
    p = _vipoma("lar-after-sc", "Zeno", gender="male")
    p.med_request(OCTREOTIDE_SC, status="completed", authored_days=25, validity_end_days=5, **SC)
    p.draft_med(OCTREOTIDE_LAR_20, **LAR)
    return p


def sc_administered_product_code():
    p = _vipoma("lar-sc-admin", "Alma")
    p.med_admin(OCTREOTIDE_SC_SBD, days_ago=3, dose=qty(100, "ug"))
    p.draft_med(OCTREOTIDE_LAR_20, **LAR)
    return p


def sc_bridge_drafted():
    p = _vipoma("lar-bridge-draft", "Bodo", gender="male")
    p.draft_med(OCTREOTIDE_SC, **SC)
    p.draft_med(OCTREOTIDE_LAR_20, selected=True, **LAR)
    return p


def sc_octreotide_draft_not_lar():
    p = _vipoma("lar-none", "Cleo")
    p.draft_med(OCTREOTIDE_SC, **SC)
    return p


def lar_for_nonfunctional_pnet():
    p = Patient("lar-nonfunctional", "Dana", "Pnet-Lar")
    p.condition(PNET_NONFUNCTIONAL, onset_days=300)
    p.draft_med(OCTREOTIDE_LAR_20, **LAR)
    return p


def icd10_only_pnet_e16_8():
    p = Patient("lar-icd-only", "Egon", "Pnet-Icd", gender="male")
    p.condition(ICD_C25_4, onset_days=200)
    p.condition(ICD_E16_8, onset_days=200)
    p.draft_med(OCTREOTIDE_LAR_20, **LAR)
    return p


def lar_monthly_renewal_completed_predecessor():
    """v2 renewal: last month's LAR order (completed, supply ended 3 days ago) is this draft's priorPrescription;
    no short-acting octreotide on record, but the LAR was started long ago."""
    p = _vipoma("lar-renewal", "Xena")
    previous = p.med_request(OCTREOTIDE_LAR_20, status="completed", authored_days=31, validity_end_days=3, **LAR)
    renews(p.draft_med(OCTREOTIDE_LAR_20, **LAR), previous)
    return p


FIXTURES = {
    f"{RULE}--lar-monthly-renewal-completed-predecessor": lar_monthly_renewal_completed_predecessor,
    f"{RULE}--lar-first-vipoma": lar_first_vipoma,
    f"{RULE}--lar-text-ingredient-code-lanreotide-history": lar_text_ingredient_code_lanreotide_history,
    f"{RULE}--lar-medication-reference": lar_medication_reference,
    f"{RULE}--sc-order-entered-in-error-only": sc_order_entered_in_error_only,
    f"{RULE}--sc-octreotide-completed-before": sc_octreotide_completed_before,
    f"{RULE}--sc-administered-product-code": sc_administered_product_code,
    f"{RULE}--sc-bridge-drafted": sc_bridge_drafted,
    f"{RULE}--sc-octreotide-draft-not-lar": sc_octreotide_draft_not_lar,
    f"{RULE}--lar-for-nonfunctional-pnet": lar_for_nonfunctional_pnet,
    f"{RULE}--icd10-only-pnet-e16-8": icd10_only_pnet_e16_8,
}
