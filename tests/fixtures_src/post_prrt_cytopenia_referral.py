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


def _in_course(slug, given, **kwargs):
    """Two Lu-177 doses, the last 4 weeks ago: a course in progress."""
    p = pnet_patient(slug, given, "Nadir", **kwargs)
    give_lutetium(p, 84, 28, code=LU177_SCD)
    normal_cbc(p, days_ago=90)
    return p


def nadir_4_weeks_after_dose():
    p = _in_course("cyto-nadir", "Nora")
    _low_cbc(p, days_ago=2)
    return p


def platelets_40_three_weeks_after_dose():
    """Platelets 40 x10^9/L (units 10*9/L, no flag): CTCAE grade 3, so the quiet window does not hold."""
    p = _in_course("cyto-plt-40", "Olaf", gender="male")
    p.observation(HEMOGLOBIN, 11.8, "g/dL", days_ago=7, low=12.0, high=15.5)
    p.observation(PLATELETS, 40, "10*9/L", days_ago=7, low=150, high=400)
    return p


def neutrophils_ll_flag_after_dose():
    p = _in_course("cyto-anc-ll", "Pia")
    p.observation(NEUTROPHILS, 1.2, "10*3/uL", days_ago=3, low=1.8, high=7.7, flag="LL")
    return p


def hemoglobin_85_g_per_l_after_dose():
    """Hemoglobin 85 g/L is 8.5 g/dL: below range but not grade 3; 4 weeks after a dose, quiet."""
    p = _in_course("cyto-hb-gl", "Quirin", gender="male")
    p.observation(HEMOGLOBIN, 85, "g/L", days_ago=3, low=120, high=155)
    return p


def low_platelets_dose_month_only():
    """The last Lu-177 dose recorded as a month only: it opens no quiet window."""
    p = pnet_patient("cyto-month-only", "Rut", "Nadir")
    give_lutetium(p, 120, code=LU177_SCD)
    dose = p.med_admin(LU177_SCD, days_ago=30)
    dose["effectiveDateTime"] = dose["effectiveDateTime"][:7]
    _low_cbc(p, days_ago=2)
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
    f"{RULE}--nadir-4-weeks-after-dose": nadir_4_weeks_after_dose,
    f"{RULE}--platelets-40-three-weeks-after-dose": platelets_40_three_weeks_after_dose,
    f"{RULE}--neutrophils-ll-flag-after-dose": neutrophils_ll_flag_after_dose,
    f"{RULE}--hemoglobin-8-5-g-per-l-units-after-dose": hemoglobin_85_g_per_l_after_dose,
    f"{RULE}--low-platelets-dose-month-only": low_platelets_dose_month_only,
}
