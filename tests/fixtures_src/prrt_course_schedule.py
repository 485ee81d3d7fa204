"""Fixtures for rule 13 `prrt-course-schedule`."""

from .prrt_common import (LU177_PIN, LU177_SBD, LU177_SCD, PRRT_A9513, STANDARD_GBQ, STANDARD_MCI,
                          give_lutetium, normal_cbc, normal_renal, pnet_patient, qty)
from .codes import PRRT_CPT

RULE = "prrt-course-schedule"


def _patient(slug, given, **kwargs):
    p = pnet_patient(slug, given, "Schedule", **kwargs)
    normal_cbc(p, days_ago=5)
    normal_renal(p, days_ago=5)
    return p


def dose_3_five_weeks_after_dose_2():
    p = _patient("sched-early", "Ada")
    give_lutetium(p, 91, 35)
    p.draft_med(LU177_SBD, dose=STANDARD_GBQ)
    return p


def fifth_dose_after_four_given():
    """Four doses on record as product-level RxNorm administrations; the last 10 weeks ago."""
    p = _patient("sched-fifth", "Ben", gender="male")
    give_lutetium(p, 238, 182, 126, 70, code=LU177_SCD)
    p.draft_med(LU177_PIN, dose=STANDARD_MCI)
    return p


def previous_dose_procedure_only_hcpcs():
    """The previous dose is only a Procedure (CPT 79101 with HCPCS A9513 as usedCode), 4 weeks ago."""
    p = _patient("sched-proc", "Cleo", icd_only=True)
    p.procedure(PRRT_CPT, days_ago=28, text="Radiopharmaceutical therapy", used=[PRRT_A9513])
    p.draft_med(LU177_PIN, dose=STANDARD_GBQ)
    return p


def activity_150_mci():
    p = _patient("sched-150", "Dora")
    give_lutetium(p, 60)
    p.draft_med(LU177_SBD, dose=qty(150, "mCi"))
    return p


def dose_3_nine_weeks_after_dose_2():
    p = _patient("sched-ok", "Egon", gender="male")
    give_lutetium(p, 119, 63)
    p.draft_med(LU177_SBD, dose=STANDARD_GBQ)
    return p


def first_dose_200_mci():
    p = _patient("sched-first", "Fay")
    p.draft_med(LU177_PIN, dose=STANDARD_MCI)
    return p


def activity_not_structured():
    """Dose only in text: no activity is guessed from it."""
    p = _patient("sched-text", "Gus", gender="male")
    give_lutetium(p, 70)
    p.draft_med(LU177_PIN, dosage_text="150 mCi IV over 30 minutes")
    return p


def entered_in_error_administration():
    p = _patient("sched-eie", "Hana")
    give_lutetium(p, 70)
    p.med_admin(LU177_PIN, days_ago=14, status="entered-in-error", dose=STANDARD_GBQ)
    p.med_admin(LU177_PIN, days_ago=10, status="not-done", dose=STANDARD_GBQ)
    p.draft_med(LU177_PIN, dose=STANDARD_GBQ)
    return p


def same_day_duplicates_three_doses():
    """Each dose recorded twice (administration + Procedure on the same day): 3 doses, not 6."""
    p = _patient("sched-dupes", "Ivo", gender="male")
    for days in (175, 119, 63):
        give_lutetium(p, days)
        p.procedure(PRRT_A9513, days_ago=days)
    p.draft_med(LU177_PIN, dose=STANDARD_GBQ)
    return p


FIXTURES = {
    f"{RULE}--dose-3-five-weeks-after-dose-2": dose_3_five_weeks_after_dose_2,
    f"{RULE}--fifth-dose-after-four-given": fifth_dose_after_four_given,
    f"{RULE}--previous-dose-procedure-only-hcpcs": previous_dose_procedure_only_hcpcs,
    f"{RULE}--activity-150-mci": activity_150_mci,
    f"{RULE}--dose-3-nine-weeks-after-dose-2": dose_3_nine_weeks_after_dose_2,
    f"{RULE}--first-dose-200-mci": first_dose_200_mci,
    f"{RULE}--activity-not-structured": activity_not_structured,
    f"{RULE}--entered-in-error-administration": entered_in_error_administration,
    f"{RULE}--same-day-duplicates-three-doses": same_day_duplicates_three_doses,
}
