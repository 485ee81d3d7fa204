"""Fixtures for rule 16 `post-prrt-cytopenia-referral`."""

from .builder import Patient
from .codes import PRRT_CPT
from .prrt_common import (HEMATOLOGY_REFERRAL, HEMOGLOBIN, ICD_C25_4, LU177_SCD, NEUTROPHILS, PLATELETS,
                          REFERRAL_TO_DOCTOR, WBC, give_lutetium, normal_cbc, pnet_patient)

RULE = "post-prrt-cytopenia-referral"


def _after_prrt(slug, given, **kwargs):
    """Four Lu-177 doses (product-level RxNorm), the last 300 days ago."""
    p = pnet_patient(slug, given, "Cytopenia", **kwargs)
    give_lutetium(p, 468, 412, 356, 300, code=LU177_SCD)
    return p


def _low_cbc(p, days_ago):
    p.observation(HEMOGLOBIN, 10.2, "g/dL", days_ago=days_ago, low=12.0, high=15.5)
    p.observation(WBC, 4.1, "10*3/uL", days_ago=days_ago, low=3.4, high=10.8)
    p.observation(PLATELETS, 88, "10*3/uL", days_ago=days_ago, low=150, high=400, flag="L")


def low_platelets_and_hemoglobin():
    p = _after_prrt("cyto-low", "Jola")
    normal_cbc(p, days_ago=120)
    _low_cbc(p, days_ago=10)
    return p


def neutropenia_ll_flag_procedure_only():
    """PRRT only as CPT 79101 Procedures naming the agent; ICD-10-CM pNET; ANC flagged LL, no range."""
    p = Patient("cyto-anc", "Karel", "Cytopenia", gender="male")
    p.condition(ICD_C25_4, onset_days=1200)
    for days in (500, 444):
        p.procedure(PRRT_CPT, days_ago=days, text="Lu-177 DOTATATE (Lutathera) infusion")
    normal_cbc(p, days_ago=14)
    p.observation(NEUTROPHILS, 0.4, "10*3/uL", days_ago=14, flag="LL")
    return p


def referral_before_the_result():
    p = _after_prrt("cyto-old-ref", "Lotte")
    p.service_request(HEMATOLOGY_REFERRAL, status="completed", days_ago=200)
    _low_cbc(p, days_ago=5)
    return p


def referral_revoked():
    p = _after_prrt("cyto-revoked", "Maud")
    _low_cbc(p, days_ago=12)
    p.service_request(HEMATOLOGY_REFERRAL, status="revoked", days_ago=8)
    return p


def generic_referral_to_doctor():
    p = _after_prrt("cyto-generic", "Noor")
    _low_cbc(p, days_ago=12)
    p.service_request(REFERRAL_TO_DOCTOR, status="active", days_ago=8)
    return p


def referred_after_the_result():
    p = _after_prrt("cyto-referred", "Otto", gender="male")
    _low_cbc(p, days_ago=12)
    p.service_request(HEMATOLOGY_REFERRAL, status="active", days_ago=8)
    return p


def low_then_normal():
    p = _after_prrt("cyto-recovered", "Pim", gender="male")
    _low_cbc(p, days_ago=90)
    normal_cbc(p, days_ago=7)
    return p


def cytopenia_only_before_prrt():
    """Anemia recorded before the first dose; no blood count since (rule 15's business, not this one's)."""
    p = pnet_patient("cyto-before", "Rike", "Cytopenia")
    _low_cbc(p, days_ago=40)
    give_lutetium(p, 30)
    return p


def referral_drafted():
    p = _after_prrt("cyto-drafted", "Stan", gender="male")
    _low_cbc(p, days_ago=3)
    p.draft_service(HEMATOLOGY_REFERRAL)
    return p


def no_prrt():
    p = pnet_patient("cyto-no-prrt", "Tess", "Cytopenia")
    _low_cbc(p, days_ago=5)
    return p


FIXTURES = {
    f"{RULE}--low-platelets-and-hemoglobin": low_platelets_and_hemoglobin,
    f"{RULE}--neutropenia-ll-flag-procedure-only": neutropenia_ll_flag_procedure_only,
    f"{RULE}--referral-before-the-result": referral_before_the_result,
    f"{RULE}--referral-revoked": referral_revoked,
    f"{RULE}--generic-referral-to-doctor": generic_referral_to_doctor,
    f"{RULE}--referred-after-the-result": referred_after_the_result,
    f"{RULE}--low-then-normal": low_then_normal,
    f"{RULE}--cytopenia-only-before-prrt": cytopenia_only_before_prrt,
    f"{RULE}--referral-drafted": referral_drafted,
    f"{RULE}--no-prrt": no_prrt,
}
