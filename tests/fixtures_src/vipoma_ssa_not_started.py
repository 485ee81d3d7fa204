"""Fixtures for rule 6 `vipoma-ssa-not-started` (patient-view)."""

from .builder import Patient, qty
from .codes import ICD_C25_4, OCTREOTIDE_SC, VIPOMA
from .codes_rules_a import ICD_E16_8, LANREOTIDE_120_SCD, OCTREOTIDE_LAR_20_SCD, OCTREOTIDE_SC_SBD, VERNER_MORRISON

RULE = "vipoma-ssa-not-started"
TID = {"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}}


def vipoma_no_ssa():
    p = Patient("vip-no-ssa", "Mara", "Vipoma-Untreated")
    p.condition(VIPOMA, onset_days=40)
    return p


def verner_morrison_octreotide_stopped():
    """Verner-Morrison syndrome; short-acting octreotide (Sandostatin SBD) was stopped months ago."""
    p = Patient("vip-sc-stopped", "Nick", "Vipoma-Stopped", gender="male")
    p.condition(VERNER_MORRISON, onset_days=400)
    p.med_request(OCTREOTIDE_SC_SBD, status="stopped", authored_days=300, dose=qty(100, "ug"), timing=TID)
    return p


def lanreotide_product_code_3_months_ago():
    """The last lanreotide (SCD) injection was 90 days ago: outside the 56-day on-SSA window."""
    p = Patient("vip-lan-old", "Ola", "Vipoma-Lapsed")
    p.condition(VIPOMA, onset_days=600)
    p.med_admin(LANREOTIDE_120_SCD, days_ago=90, dose=qty(120, "mg"))
    return p


def octreotide_sc_active_order():
    p = Patient("vip-on-sc", "Pia", "Vipoma-Octreotide")
    p.condition(VIPOMA, onset_days=60)
    p.med_request(OCTREOTIDE_SC, status="active", authored_days=20, dose=qty(100, "ug"), timing=TID)
    return p


def lanreotide_administered_3_weeks_ago():
    p = Patient("vip-lan-recent", "Rolf", "Vipoma-Lanreotide", gender="male")
    p.condition(VIPOMA, onset_days=300)
    p.med_admin(LANREOTIDE_120_SCD, days_ago=21, dose=qty(120, "mg"))
    return p


def octreotide_lar_product_code_statement():
    """Octreotide LAR (SCD) given at another hospital, recorded as a MedicationStatement 10 days ago."""
    p = Patient("vip-lar-stmt", "Sina", "Vipoma-Statement")
    p.condition(VIPOMA, onset_days=300)
    p.med_statement(OCTREOTIDE_LAR_20_SCD, days_ago=10)
    return p


def resolved_vipoma():
    p = Patient("vip-resolved", "Tom", "Vipoma-Resected", gender="male")
    p.condition(VIPOMA, clinical="resolved", onset_days=1200)
    return p


def icd10_only_pnet_e16_8():
    p = Patient("vip-icd-only", "Ulla", "Vipoma-Icd")
    p.condition(ICD_C25_4, onset_days=200)
    p.condition(ICD_E16_8, onset_days=200)
    return p


FIXTURES = {
    f"{RULE}--vipoma-no-ssa": vipoma_no_ssa,
    f"{RULE}--verner-morrison-octreotide-stopped": verner_morrison_octreotide_stopped,
    f"{RULE}--lanreotide-product-code-3-months-ago": lanreotide_product_code_3_months_ago,
    f"{RULE}--octreotide-sc-active-order": octreotide_sc_active_order,
    f"{RULE}--lanreotide-administered-3-weeks-ago": lanreotide_administered_3_weeks_ago,
    f"{RULE}--octreotide-lar-product-code-statement": octreotide_lar_product_code_statement,
    f"{RULE}--resolved-vipoma": resolved_vipoma,
    f"{RULE}--icd10-only-pnet-e16-8": icd10_only_pnet_e16_8,
}
