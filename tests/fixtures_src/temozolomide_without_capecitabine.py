"""Fixtures for rule 17 `temozolomide-without-capecitabine`."""

from .builder import Patient, qty
from .codes import CBC_DIFF, EVEROLIMUS_10, ICD_C25_4, PNET_WD
from .therapy_codes import (AFINITOR_10, BEVACIZUMAB_SCD, CAP_DOSE, CAPECITABINE, CAPECITABINE_500, THALIDOMIDE_50,
                            TEMODAR_100, TEMOZOLOMIDE, TEMOZOLOMIDE_100, TMZ_5_DAY, TMZ_7_ON_7_OFF, TMZ_DOSE,
                            XELODA_500, open_statement, text_condition)

RULE = "temozolomide-without-capecitabine"


def _pnet(slug, given):
    p = Patient(slug, given, "Captem")
    p.condition(PNET_WD, onset_days=500)
    return p


def temozolomide_alone_pnet():
    p = _pnet("tmz-alone", "Alma")
    p.draft_med(TEMOZOLOMIDE_100, **TMZ_5_DAY)
    return p


def temodar_product_code_icd10_only():
    p = Patient("tmz-icd", "Bert", "Captem", gender="male")
    p.condition(ICD_C25_4, onset_days=700)
    p.draft_med(TEMODAR_100, **TMZ_5_DAY)
    return p


def medication_reference():
    p = _pnet("tmz-medref", "Cleo")
    p.draft_med(medication=p.medication(TEMOZOLOMIDE_100), **TMZ_5_DAY)
    return p


def capecitabine_drafted_too():
    p = _pnet("tmz-captem-draft", "Dirk")
    p.draft_med(TEMOZOLOMIDE_100, **TMZ_DOSE)
    p.draft_med(XELODA_500, **CAP_DOSE)
    return p


def capecitabine_active():
    p = _pnet("tmz-cap-active", "Edda")
    p.med_request(CAPECITABINE_500, status="active", authored_days=20, **CAP_DOSE)
    p.draft_med(TEMOZOLOMIDE, **TMZ_DOSE)
    return p


def glioblastoma_no_pnet():
    """Temozolomide alone is standard for glioblastoma: no pNET on record, so not this service's business."""
    p = Patient("tmz-gbm", "Fritz", "Glioma", gender="male")
    text_condition(p, "Glioblastoma")
    p.draft_med(TEMOZOLOMIDE_100, dosage_text="75 mg/m2 daily with radiotherapy")
    return p


def cancelled_temozolomide_draft():
    p = _pnet("tmz-cancelled", "Greta")
    p.draft_med(TEMOZOLOMIDE_100, status="cancelled", **TMZ_DOSE)
    p.med_request(CAPECITABINE, status="stopped", authored_days=200)
    return p


def temozolomide_not_selected():
    """order-select: temozolomide is an earlier draft of the session; the newly selected order is a CBC."""
    p = _pnet("tmz-not-selected", "Hedy")
    p.draft_med(TEMOZOLOMIDE_100, **TMZ_DOSE)
    p.draft_service(CBC_DIFF, selected=True)
    return p


def everolimus_drafted_together_icd10_only():
    """v2: temozolomide days 1-5 drafted together with everolimus (a studied combination), product codes, ICD-10-CM."""
    p = Patient("tmz-evero-draft", "Ines", "Captem", gender="male")
    p.condition(ICD_C25_4, onset_days=300)
    p.draft_med(TEMODAR_100, **TMZ_5_DAY)
    p.draft_med(AFINITOR_10, dose=qty(10, "mg"), timing={"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}})
    return p


def thalidomide_statement_dose_intense():
    """v2: thalidomide on the medication list (statement with an open period) and temozolomide 7 on / 7 off."""
    p = _pnet("tmz-thal-7on7off", "Jonas")
    open_statement(p, THALIDOMIDE_50, start_days=40)
    p.draft_med(TEMOZOLOMIDE_100, **TMZ_7_ON_7_OFF)
    return p


def bevacizumab_active_five_day_course():
    """v2 near miss: bevacizumab is active, but the new temozolomide is the 5-day course, not the dose-intense
    combination schedule: it is temozolomide without capecitabine."""
    p = _pnet("tmz-bev-5day", "Kurt")
    p.med_request(BEVACIZUMAB_SCD, status="active", authored_days=21, dosage_text="10 mg/kg IV every 2 weeks")
    p.draft_med(TEMOZOLOMIDE, **TMZ_5_DAY)
    return p


def everolimus_stopped_dose_intense():
    """v2 near miss: the everolimus order was stopped, so the 7-on/7-off temozolomide is given alone."""
    p = _pnet("tmz-evero-stopped", "Lena")
    p.med_request(EVEROLIMUS_10, status="stopped", authored_days=200)
    p.draft_med(TEMOZOLOMIDE_100, **TMZ_7_ON_7_OFF)
    return p


FIXTURES = {
    f"{RULE}--temozolomide-alone-pnet": temozolomide_alone_pnet,
    f"{RULE}--temodar-product-code-icd10-only": temodar_product_code_icd10_only,
    f"{RULE}--medication-reference": medication_reference,
    f"{RULE}--capecitabine-drafted-too": capecitabine_drafted_too,
    f"{RULE}--capecitabine-active": capecitabine_active,
    f"{RULE}--glioblastoma-no-pnet": glioblastoma_no_pnet,
    f"{RULE}--cancelled-temozolomide-draft": cancelled_temozolomide_draft,
    f"{RULE}--temozolomide-not-selected": temozolomide_not_selected,
    f"{RULE}--everolimus-drafted-together-icd10-only": everolimus_drafted_together_icd10_only,
    f"{RULE}--thalidomide-statement-dose-intense": thalidomide_statement_dose_intense,
    f"{RULE}--bevacizumab-active-five-day-course": bevacizumab_active_five_day_course,
    f"{RULE}--everolimus-stopped-dose-intense": everolimus_stopped_dose_intense,
}
