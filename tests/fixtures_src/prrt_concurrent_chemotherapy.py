"""Fixtures for rule 12 `prrt-concurrent-chemotherapy`."""

from .prrt_common import (CAPECITABINE, CAPECITABINE_SBD, EVEROLIMUS_10, LU177_PIN, LU177_SBD, PRRT_A9513,
                          STANDARD_GBQ, STREPTOZOCIN_SCD, TEMOZOLOMIDE_SCD, give_lutetium, pnet_patient, qty)

from .builder import ahead
from .codes import PRRT_CPT

RULE = "prrt-concurrent-chemotherapy"


def _planned_in(draft: dict, days: float) -> dict:
    draft["dosageInstruction"][0]["timing"] = {"event": [ahead(days)]}
    return draft


def capecitabine_5_weeks_after_fourth_dose():
    """Four Lu-177 doses, the fourth 5 weeks ago: the course is complete, not in progress."""
    p = _patient("chemo-after-course", "Ulla")
    give_lutetium(p, 203, 147, 91, 35)
    p.draft_med(CAPECITABINE_SBD, dose=qty(1500, "mg"))
    return p


def lutetium_planned_in_2_weeks_temozolomide_5_weeks_ago():
    p = _patient("chemo-planned-soon", "Vera")
    p.med_admin(TEMOZOLOMIDE_SCD, days_ago=35, dose=qty(200, "mg"))
    _planned_in(p.draft_med(LU177_SBD, dose=STANDARD_GBQ), 14)
    return p


def capecitabine_after_y90_dotatoc_4_weeks_ago():
    p = _patient("chemo-y90", "Walt", gender="male")
    p.procedure(PRRT_CPT, days_ago=28, text="Y-90 DOTATOC PRRT (trial)")
    p.draft_med(CAPECITABINE, dose=qty(1500, "mg"))
    return p


def lutetium_planned_in_3_weeks_temozolomide_6_weeks_ago():
    p = _patient("chemo-planned-later", "Xena")
    p.med_admin(TEMOZOLOMIDE_SCD, days_ago=42, dose=qty(200, "mg"))
    _planned_in(p.draft_med(LU177_SBD, dose=STANDARD_GBQ), 21)
    return p


def _patient(slug, given, **kwargs):
    return pnet_patient(slug, given, "Chemo", **kwargs)


def lutetium_on_active_capecitabine():
    p = _patient("chemo-cape", "Quinn")
    p.med_request(CAPECITABINE_SBD, status="active", authored_days=40, dose=qty(1500, "mg"))
    p.draft_med(LU177_PIN, dose=STANDARD_GBQ)
    return p


def lutetium_after_temozolomide_3_weeks_icd10():
    """ICD-10-CM-only pNET; temozolomide given 3 weeks ago, its order now completed."""
    p = _patient("chemo-tmz", "Rosa", icd_only=True)
    p.med_request(TEMOZOLOMIDE_SCD, status="completed", authored_days=60, validity_end_days=100)
    p.med_admin(TEMOZOLOMIDE_SCD, days_ago=21, dose=qty(200, "mg"))
    p.draft_med(LU177_SBD, dose=STANDARD_GBQ)
    return p


def capecitabine_drafted_4_weeks_after_lu177_procedure():
    """The Lu-177 dose is only a Procedure coded HCPCS A9513."""
    p = _patient("chemo-during", "Sven", gender="male")
    p.procedure(PRRT_A9513, days_ago=28)
    p.draft_med(CAPECITABINE, dose=qty(1500, "mg"))
    return p


def streptozocin_drafted_6_weeks_after_lu177():
    p = _patient("chemo-stz", "Tara")
    give_lutetium(p, 98, 42)
    p.draft_med(STREPTOZOCIN_SCD, dose=qty(1000, "mg"))
    return p


def capecitabine_stopped_4_months_ago():
    p = _patient("chemo-stopped", "Udo", gender="male")
    p.med_request(CAPECITABINE_SBD, status="stopped", authored_days=300)
    p.med_admin(CAPECITABINE_SBD, days_ago=120, dose=qty(1500, "mg"))
    p.draft_med(LU177_PIN, dose=STANDARD_GBQ)
    return p


def capecitabine_drafted_10_weeks_after_lu177():
    p = _patient("chemo-late", "Vita")
    give_lutetium(p, 238, 182, 126, 70)
    p.draft_med(CAPECITABINE_SBD, dose=qty(1500, "mg"))
    return p


def lutetium_on_everolimus():
    p = _patient("chemo-evero", "Walt", gender="male")
    p.med_request(EVEROLIMUS_10, status="active", authored_days=90, dose=qty(10, "mg"))
    p.draft_med(LU177_PIN, dose=STANDARD_GBQ)
    return p


def cancelled_capecitabine_order():
    p = _patient("chemo-cancel", "Xavi", gender="male")
    p.med_request(CAPECITABINE_SBD, status="cancelled", authored_days=10)
    p.draft_med(LU177_PIN, dose=STANDARD_GBQ)
    return p


def entered_in_error_lu177_administration():
    p = _patient("chemo-eie", "Yara")
    give_lutetium(p, 140)
    p.med_admin(LU177_PIN, days_ago=21, status="entered-in-error", dose=STANDARD_GBQ)
    p.draft_med(CAPECITABINE_SBD, dose=qty(1500, "mg"))
    return p


FIXTURES = {
    f"{RULE}--lutetium-on-active-capecitabine": lutetium_on_active_capecitabine,
    f"{RULE}--lutetium-after-temozolomide-3-weeks-icd10": lutetium_after_temozolomide_3_weeks_icd10,
    f"{RULE}--capecitabine-drafted-4-weeks-after-lu177-procedure": capecitabine_drafted_4_weeks_after_lu177_procedure,
    f"{RULE}--streptozocin-drafted-6-weeks-after-lu177": streptozocin_drafted_6_weeks_after_lu177,
    f"{RULE}--capecitabine-stopped-4-months-ago": capecitabine_stopped_4_months_ago,
    f"{RULE}--capecitabine-drafted-10-weeks-after-lu177": capecitabine_drafted_10_weeks_after_lu177,
    f"{RULE}--lutetium-on-everolimus": lutetium_on_everolimus,
    f"{RULE}--cancelled-capecitabine-order": cancelled_capecitabine_order,
    f"{RULE}--entered-in-error-lu177-administration": entered_in_error_lu177_administration,
    f"{RULE}--capecitabine-5-weeks-after-fourth-dose": capecitabine_5_weeks_after_fourth_dose,
    f"{RULE}--lutetium-planned-in-2-weeks-temozolomide-5-weeks-ago": lutetium_planned_in_2_weeks_temozolomide_5_weeks_ago,
    f"{RULE}--capecitabine-after-y90-dotatoc-4-weeks-ago": capecitabine_after_y90_dotatoc_4_weeks_ago,
    f"{RULE}--lutetium-planned-in-3-weeks-temozolomide-6-weeks-ago": lutetium_planned_in_3_weeks_temozolomide_6_weeks_ago,
}
