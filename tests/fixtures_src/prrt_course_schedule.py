"""Fixtures for rule 13 `prrt-course-schedule`."""

from .prrt_common import (LU177_PIN, LU177_SBD, LU177_SCD, PRRT_A9513, STANDARD_GBQ, STANDARD_MCI,
                          give_lutetium, normal_cbc, normal_renal, pnet_patient, qty)
from .builder import ahead
from .codes import PRRT_CPT, PRRT_SCT

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


def _planned_in(draft: dict, days: float) -> dict:
    """Planned `days` ahead through timing.repeat.boundsPeriod.start (a one-off dose)."""
    draft["dosageInstruction"][0]["timing"] = {"repeat": {"count": 1, "boundsPeriod": {"start": ahead(days)[:10]}}}
    return draft


def _y90(p, days_ago):
    p.procedure(PRRT_SCT, days_ago=days_ago, text="Y-90 DOTATOC peptide receptor radionuclide therapy")


def y90_history_beside_three_lu177_doses():
    """Two Y-90 DOTATOC treatments years ago and three Lu-177 doses: this is dose 4, not dose 6."""
    p = _patient("sched-y90", "Jo")
    _y90(p, 900)
    _y90(p, 840)
    give_lutetium(p, 180, 124, 68)
    p.draft_med(LU177_SBD, dose=STANDARD_GBQ)
    return p


def y90_dose_5_weeks_ago_lu177_first_dose():
    """A Y-90 DOTATOC treatment 5 weeks ago (another centre's trial): not a previous Lu-177 dose."""
    p = _patient("sched-y90-recent", "Kai", gender="male")
    _y90(p, 35)
    p.draft_med(LU177_PIN, dose=STANDARD_GBQ)
    return p


def retreatment_after_completed_course():
    """Four Lu-177 doses two years ago: a new dose is a re-treatment, not 'dose 5'."""
    p = _patient("sched-retreat", "Lou")
    give_lutetium(p, 730, 674, 618, 562, code=LU177_SCD)
    p.draft_med(LU177_SBD, dose=STANDARD_GBQ)
    return p


def planned_in_2_weeks_5_weeks_after_dose_2():
    p = _patient("sched-planned-early", "Mia")
    give_lutetium(p, 91, 35)
    _planned_in(p.draft_med(LU177_SBD, dose=STANDARD_GBQ), 14)
    return p


def planned_in_3_weeks_5_weeks_after_dose_2():
    """Ordered today, planned three weeks ahead: 8 weeks after dose 2."""
    p = _patient("sched-planned-ok", "Ned", gender="male")
    give_lutetium(p, 91, 35)
    _planned_in(p.draft_med(LU177_SBD, dose=STANDARD_GBQ), 21)
    return p


def activity_8_5_gbq():
    p = _patient("sched-high", "Ola")
    give_lutetium(p, 60)
    p.draft_med(LU177_SBD, dose=qty(8.5, "GBq"))
    return p


def activity_7_8_gbq_within_tolerance():
    p = _patient("sched-near", "Pam")
    give_lutetium(p, 60)
    p.draft_med(LU177_SBD, dose=qty(7.8, "GBq"))
    return p


def activity_200_gbq_unit_error():
    """200 entered with the unit GBq (meant mCi): 27 times the standard."""
    p = _patient("sched-unit-error", "Quin", gender="male")
    give_lutetium(p, 60)
    p.draft_med(LU177_PIN, dose=qty(200, "GBq"))
    return p


def activity_6500_mbq_low():
    p = _patient("sched-low", "Rae")
    give_lutetium(p, 60)
    p.draft_med(LU177_PIN, dose=qty(6500, "MBq"))
    return p


def previous_dose_month_only_date():
    """The previous dose was recorded as '2026-05' only: it may have been days ago."""
    p = _patient("sched-month-only", "Sol")
    give_lutetium(p, 120)
    given = p.med_admin(LU177_PIN, days_ago=20, dose=STANDARD_GBQ)
    given["effectiveDateTime"] = given["effectiveDateTime"][:7]
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
    f"{RULE}--y90-history-beside-three-lu177-doses": y90_history_beside_three_lu177_doses,
    f"{RULE}--y90-dose-5-weeks-ago-lu177-first-dose": y90_dose_5_weeks_ago_lu177_first_dose,
    f"{RULE}--retreatment-after-completed-course": retreatment_after_completed_course,
    f"{RULE}--planned-in-2-weeks-5-weeks-after-dose-2": planned_in_2_weeks_5_weeks_after_dose_2,
    f"{RULE}--planned-in-3-weeks-5-weeks-after-dose-2": planned_in_3_weeks_5_weeks_after_dose_2,
    f"{RULE}--activity-8-5-gbq": activity_8_5_gbq,
    f"{RULE}--activity-7-8-gbq-within-tolerance": activity_7_8_gbq_within_tolerance,
    f"{RULE}--activity-200-gbq-unit-error": activity_200_gbq_unit_error,
    f"{RULE}--activity-6500-mbq-low": activity_6500_mbq_low,
    f"{RULE}--previous-dose-month-only-date": previous_dose_month_only_date,
}
