"""Fixtures for rule 21 `ssa-on-therapy-switch`."""

from .builder import Patient, qty
from .codes import (EVEROLIMUS_10, ICD_C25_4, LANREOTIDE, LANREOTIDE_120_SBD, OCTREOTIDE_LAR_20, OCTREOTIDE_SC,
                    PNET_NONFUNCTIONAL, PNET_WD, VIPOMA)
from .therapy_codes import CAP_DOSE, CKD, EVEROLIMUS, ICD_E16_4, ICD_E16_8, STREPTOZOCIN, SUNITINIB, XELODA_500

from .codes_v2_ssa import renews

RULE = "ssa-on-therapy-switch"
DAILY = {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}
EVERY_4_WEEKS = {"repeat": {"frequency": 1, "period": 4, "periodUnit": "wk"}}


def everolimus_lanreotide_nonfunctional():
    p = Patient("switch-nf", "Fiona", "Switch")
    p.condition(PNET_NONFUNCTIONAL, onset_days=900)
    p.med_request(LANREOTIDE_120_SBD, status="active", authored_days=400, dose=qty(120, "mg"), timing=EVERY_4_WEEKS)
    p.draft_med(EVEROLIMUS_10, dose=qty(10, "mg"), timing=DAILY)
    return p


def capecitabine_lar_product_code_vipoma():
    p = Patient("switch-vipoma", "Gero", "Switch", gender="male")
    p.condition(VIPOMA, onset_days=700)
    p.med_request(OCTREOTIDE_LAR_20, status="active", authored_days=300, dose=qty(20, "mg"), timing=EVERY_4_WEEKS)
    p.draft_med(XELODA_500, **CAP_DOSE)
    return p


def sunitinib_lanreotide_icd10_gastrinoma_pair():
    """ICD-10-CM only: C25.4 + E16.4 (increased secretion of gastrin) = gastrinoma, a functional tumor."""
    p = Patient("switch-zes", "Hilde", "Switch")
    p.condition(ICD_C25_4, onset_days=800)
    p.condition(ICD_E16_4, onset_days=800)
    p.med_request(LANREOTIDE, status="active", authored_days=200, dose=qty(120, "mg"), timing=EVERY_4_WEEKS)
    p.draft_med(SUNITINIB, dose=qty(37.5, "mg"), timing=DAILY)
    return p


def streptozocin_medication_reference_nonfunctional():
    """The active SSA order names its drug through a referenced Medication; no hormone syndrome on record."""
    p = Patient("switch-stz", "Ivo", "Switch", gender="male")
    p.condition(PNET_WD, onset_days=1000)
    p.med_request(medication=p.medication(OCTREOTIDE_LAR_20), status="active", authored_days=500,
                  dose=qty(30, "mg"), timing=EVERY_4_WEEKS)
    p.draft_med(STREPTOZOCIN, dosage_text="500 mg/m2 IV daily for 5 days every 6 weeks")
    return p


def everolimus_icd10_e16_8_other_syndrome():
    """ICD-10-CM only: C25.4 + E16.8 is a functional tumor of unstated type (maybe a VIPoma): continue the SSA."""
    p = Patient("switch-e168", "Ines", "Switch")
    p.condition(ICD_C25_4, onset_days=800)
    p.condition(ICD_E16_8, onset_days=800)
    p.med_request(LANREOTIDE_120_SBD, status="active", authored_days=300, dose=qty(120, "mg"), timing=EVERY_4_WEEKS)
    p.draft_med(EVEROLIMUS_10, dose=qty(10, "mg"), timing=DAILY)
    return p


def lanreotide_stopped():
    p = Patient("switch-stopped", "Jana", "Switch")
    p.condition(PNET_NONFUNCTIONAL, onset_days=900)
    p.med_request(LANREOTIDE_120_SBD, status="stopped", authored_days=400, dose=qty(120, "mg"), timing=EVERY_4_WEEKS)
    p.draft_med(EVEROLIMUS_10, dose=qty(10, "mg"), timing=DAILY)
    return p


def short_acting_octreotide_only():
    p = Patient("switch-sc", "Kurt", "Switch", gender="male")
    p.condition(PNET_WD, onset_days=900)
    p.med_request(OCTREOTIDE_SC, status="active", authored_days=100, dose=qty(100, "ug"),
                  timing={"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}})
    p.draft_med(EVEROLIMUS_10, dose=qty(10, "mg"), timing=DAILY)
    return p


def everolimus_transplant_no_pnet():
    """Everolimus after a kidney transplant, with an SSA for another reason: no pNET, so silent."""
    p = Patient("switch-transplant", "Lotte", "Switch")
    p.condition(CKD, onset_days=3000)
    p.med_request(OCTREOTIDE_LAR_20, status="active", authored_days=300, dose=qty(20, "mg"), timing=EVERY_4_WEEKS)
    p.draft_med(EVEROLIMUS, dose=qty(0.75, "mg"), timing={"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}})
    return p


def no_therapy_draft():
    p = Patient("switch-none", "Mats", "Switch", gender="male")
    p.condition(PNET_NONFUNCTIONAL, onset_days=900)
    p.med_request(LANREOTIDE_120_SBD, status="active", authored_days=400, dose=qty(120, "mg"), timing=EVERY_4_WEEKS)
    p.draft_med(LANREOTIDE_120_SBD, dose=qty(120, "mg"), timing=EVERY_4_WEEKS)
    return p


def everolimus_renewal_with_lanreotide():
    """v2: this month's everolimus renewal (priorPrescription to the active order) beside active lanreotide is
    no switch of therapy."""
    p = Patient("switch-renewal", "Nele", "Switch")
    p.condition(PNET_NONFUNCTIONAL, onset_days=900)
    p.med_request(LANREOTIDE_120_SBD, status="active", authored_days=400, dose=qty(120, "mg"), timing=EVERY_4_WEEKS)
    active = p.med_request(EVEROLIMUS, status="active", authored_days=28, dose=qty(10, "mg"), timing=DAILY)
    renews(p.draft_med(EVEROLIMUS_10, dose=qty(10, "mg"), timing=DAILY), active)
    return p


def sunitinib_new_start_while_everolimus_active():
    """v2: a renewal is per ingredient - sunitinib drafted while everolimus is active is a new start (a switch)."""
    p = Patient("switch-evr-to-sun", "Olaf", "Switch", gender="male")
    p.condition(PNET_NONFUNCTIONAL, onset_days=900)
    p.med_request(LANREOTIDE, status="active", authored_days=400, dose=qty(120, "mg"), timing=EVERY_4_WEEKS)
    p.med_request(EVEROLIMUS_10, status="active", authored_days=200, dose=qty(10, "mg"), timing=DAILY)
    p.draft_med(SUNITINIB, dose=qty(37.5, "mg"), timing=DAILY)
    return p


FIXTURES = {
    f"{RULE}--everolimus-renewal-with-lanreotide": everolimus_renewal_with_lanreotide,
    f"{RULE}--sunitinib-new-start-while-everolimus-active": sunitinib_new_start_while_everolimus_active,
    f"{RULE}--everolimus-lanreotide-nonfunctional": everolimus_lanreotide_nonfunctional,
    f"{RULE}--capecitabine-lar-product-code-vipoma": capecitabine_lar_product_code_vipoma,
    f"{RULE}--sunitinib-lanreotide-icd10-gastrinoma-pair": sunitinib_lanreotide_icd10_gastrinoma_pair,
    f"{RULE}--streptozocin-medication-reference-nonfunctional": streptozocin_medication_reference_nonfunctional,
    f"{RULE}--everolimus-icd10-e16-8-other-syndrome": everolimus_icd10_e16_8_other_syndrome,
    f"{RULE}--lanreotide-stopped": lanreotide_stopped,
    f"{RULE}--short-acting-octreotide-only": short_acting_octreotide_only,
    f"{RULE}--everolimus-transplant-no-pnet": everolimus_transplant_no_pnet,
    f"{RULE}--no-therapy-draft": no_therapy_draft,
}
