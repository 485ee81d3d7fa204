"""Fixtures for rule 18 `temozolomide-pjp-prophylaxis` (catalog v2: the schedule decides, not the partner)."""

from .builder import Patient, ahead, qty
from .codes import EVEROLIMUS_10, ICD_D13_7, PNET_WD
from .therapy_codes import (AFINITOR_10, ATOVAQUONE_SUSPENSION, BEVACIZUMAB_SCD, CAP_DOSE, DAPSONE, NEBUPENT,
                            TEMODAR_100, TEMOZOLOMIDE, TEMOZOLOMIDE_100, THALIDOMIDE, TMP_SMX_DS, TMZ_5_DAY,
                            TMZ_7_ON_7_OFF, TMZ_DOSE, XELODA_500, open_statement, text_condition)

RULE = "temozolomide-pjp-prophylaxis"
EVEROLIMUS_DOSE = dict(dose=qty(10, "mg"), timing={"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}})


def _pnet(slug, given):
    p = Patient(slug, given, "Prophylaxis")
    p.condition(PNET_WD, onset_days=600)
    return p


def with_everolimus_active():
    """Everolimus active, temozolomide "once daily" with no course length: the schedule cannot be read (info)."""
    p = _pnet("pjp-evero", "Hugo")
    p.med_request(EVEROLIMUS_10, status="active", authored_days=90, **EVEROLIMUS_DOSE)
    p.draft_med(TEMOZOLOMIDE_100, **TMZ_DOSE)
    return p


def with_bevacizumab_drafted_icd10_only():
    """Bevacizumab drafted with temozolomide on days 1-7 and 15-21 (ingredient code, ICD-10-CM only)."""
    p = Patient("pjp-bev", "Iris", "Prophylaxis")
    p.condition(ICD_D13_7, onset_days=400)
    p.draft_med(TEMOZOLOMIDE, **TMZ_7_ON_7_OFF)
    p.draft_med(BEVACIZUMAB_SCD, dosage_text="5 mg/kg IV every 2 weeks")
    return p


def seven_on_seven_off_product_code():
    p = _pnet("pjp-7on7off", "Jens")
    p.draft_med(TEMODAR_100, dosage_text="150 mg/m2 daily, 7 days on / 7 days off")
    return p


def everolimus_medication_reference():
    """Everolimus named only by a referenced Medication; the temozolomide schedule is not stated (info)."""
    p = _pnet("pjp-medref", "Kira")
    p.med_request(medication=p.medication(AFINITOR_10), status="active", authored_days=30, **EVEROLIMUS_DOSE)
    p.draft_med(TEMOZOLOMIDE_100, **TMZ_DOSE)
    return p


def tmp_smx_active():
    p = _pnet("pjp-covered", "Lars")
    p.med_request(EVEROLIMUS_10, status="active", authored_days=90, **EVEROLIMUS_DOSE)
    p.med_request(TMP_SMX_DS, status="active", authored_days=10, dosage_text="1 tablet three times weekly")
    p.draft_med(TEMOZOLOMIDE_100, **TMZ_7_ON_7_OFF)
    return p


def standard_schedule_alone():
    """Temozolomide days 10-14 of a 28-day cycle, nothing else: not dose-intense."""
    p = _pnet("pjp-standard", "Mona")
    p.draft_med(TEMOZOLOMIDE_100, dosage_text="200 mg/m2 daily on days 10-14 of each 28-day cycle", **TMZ_DOSE)
    return p


def everolimus_active_five_day_course():
    """v2 near miss: everolimus is active but temozolomide is the 5-day course (days 1-5): the partner alone does
    not call for prophylaxis."""
    p = _pnet("pjp-evero-5day", "Nils")
    p.med_request(EVEROLIMUS_10, status="active", authored_days=200, **EVEROLIMUS_DOSE)
    p.draft_med(TEMOZOLOMIDE_100, **TMZ_5_DAY)
    return p


def glioblastoma_with_bevacizumab_no_pnet():
    p = Patient("pjp-gbm", "Olga", "Glioma")
    text_condition(p, "Glioblastoma, recurrent")
    p.med_request(BEVACIZUMAB_SCD, status="active", authored_days=14, dosage_text="10 mg/kg IV every 2 weeks")
    p.draft_med(TEMOZOLOMIDE_100, dosage_text="50 mg/m2 daily, continuous")
    return p


def with_thalidomide_statement():
    """v2: thalidomide (ingredient code) on the medication list with an open period; temozolomide 7 on / 7 off
    said only in the dosage text."""
    p = _pnet("pjp-thalidomide", "Paul")
    open_statement(p, THALIDOMIDE, start_days=30)
    p.draft_med(TEMOZOLOMIDE_100, **TMZ_7_ON_7_OFF)
    return p


def seven_on_seven_off_as_timing_events():
    """v2: the dose-intense schedule as explicit timing.event dates (days 1-7 and 15-21 of the first cycle)."""
    p = _pnet("pjp-events", "Rita")
    events = [ahead(day) for day in list(range(1, 8)) + list(range(15, 22))]
    p.draft_med(TEMODAR_100, dose=qty(150, "mg/m2"), timing={"event": events})
    return p


def atovaquone_active():
    """v2: atovaquone suspension (product code) is the prophylaxis."""
    p = _pnet("pjp-atovaquone", "Sami")
    p.med_request(ATOVAQUONE_SUSPENSION, status="active", authored_days=12, dosage_text="1500 mg orally once daily")
    p.draft_med(TEMOZOLOMIDE_100, **TMZ_7_ON_7_OFF)
    return p


def dapsone_statement():
    """v2: dapsone (ingredient code) on the medication list with an open period."""
    p = _pnet("pjp-dapsone", "Tilo")
    open_statement(p, DAPSONE, start_days=60)
    p.draft_med(TEMOZOLOMIDE_100, **TMZ_7_ON_7_OFF)
    return p


def pentamidine_inhaled_three_weeks_ago():
    """v2: monthly inhaled pentamidine, last dose 21 days ago (an administration, no active order)."""
    p = _pnet("pjp-pentamidine", "Ute")
    p.med_admin(NEBUPENT, days_ago=21, dose=qty(300, "mg"))
    p.draft_med(TEMOZOLOMIDE_100, **TMZ_7_ON_7_OFF)
    return p


def pentamidine_inhaled_six_weeks_ago():
    """v2 near miss: the last inhaled pentamidine dose was 42 days ago: prophylaxis has lapsed."""
    p = _pnet("pjp-pentamidine-lapsed", "Vera")
    p.med_admin(NEBUPENT, days_ago=42, dose=qty(300, "mg"))
    p.draft_med(TEMOZOLOMIDE_100, **TMZ_7_ON_7_OFF)
    return p


def captem_unreadable_schedule():
    """v2 near miss for the info: temozolomide "once daily" with capecitabine drafted is CAPTEM (5-day course)."""
    p = _pnet("pjp-captem", "Wim")
    p.draft_med(XELODA_500, **CAP_DOSE)
    p.draft_med(TEMOZOLOMIDE_100, **TMZ_DOSE)
    return p


FIXTURES = {
    f"{RULE}--with-everolimus-active": with_everolimus_active,
    f"{RULE}--with-bevacizumab-drafted-icd10-only": with_bevacizumab_drafted_icd10_only,
    f"{RULE}--seven-on-seven-off-product-code": seven_on_seven_off_product_code,
    f"{RULE}--everolimus-medication-reference": everolimus_medication_reference,
    f"{RULE}--tmp-smx-active": tmp_smx_active,
    f"{RULE}--standard-schedule-alone": standard_schedule_alone,
    f"{RULE}--everolimus-active-five-day-course": everolimus_active_five_day_course,
    f"{RULE}--glioblastoma-with-bevacizumab-no-pnet": glioblastoma_with_bevacizumab_no_pnet,
    f"{RULE}--with-thalidomide-statement": with_thalidomide_statement,
    f"{RULE}--seven-on-seven-off-as-timing-events": seven_on_seven_off_as_timing_events,
    f"{RULE}--atovaquone-active": atovaquone_active,
    f"{RULE}--dapsone-statement": dapsone_statement,
    f"{RULE}--pentamidine-inhaled-three-weeks-ago": pentamidine_inhaled_three_weeks_ago,
    f"{RULE}--pentamidine-inhaled-six-weeks-ago": pentamidine_inhaled_six_weeks_ago,
    f"{RULE}--captem-unreadable-schedule": captem_unreadable_schedule,
}
