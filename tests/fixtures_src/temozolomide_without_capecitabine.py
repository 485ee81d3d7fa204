"""Fixtures for rule 17 `temozolomide-without-capecitabine`."""

from .builder import Patient
from .codes import CBC_DIFF, ICD_C25_4, PNET_WD
from .therapy_codes import (CAP_DOSE, CAPECITABINE, CAPECITABINE_500, TEMODAR_100, TEMOZOLOMIDE, TEMOZOLOMIDE_100,
                            TMZ_DOSE, XELODA_500, text_condition)

RULE = "temozolomide-without-capecitabine"


def _pnet(slug, given):
    p = Patient(slug, given, "Captem")
    p.condition(PNET_WD, onset_days=500)
    return p


def temozolomide_alone_pnet():
    p = _pnet("tmz-alone", "Alma")
    p.draft_med(TEMOZOLOMIDE_100, **TMZ_DOSE)
    return p


def temodar_product_code_icd10_only():
    p = Patient("tmz-icd", "Bert", "Captem", gender="male")
    p.condition(ICD_C25_4, onset_days=700)
    p.draft_med(TEMODAR_100, **TMZ_DOSE)
    return p


def medication_reference():
    p = _pnet("tmz-medref", "Cleo")
    p.draft_med(medication=p.medication(TEMOZOLOMIDE_100), **TMZ_DOSE)
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


FIXTURES = {
    f"{RULE}--temozolomide-alone-pnet": temozolomide_alone_pnet,
    f"{RULE}--temodar-product-code-icd10-only": temodar_product_code_icd10_only,
    f"{RULE}--medication-reference": medication_reference,
    f"{RULE}--capecitabine-drafted-too": capecitabine_drafted_too,
    f"{RULE}--capecitabine-active": capecitabine_active,
    f"{RULE}--glioblastoma-no-pnet": glioblastoma_no_pnet,
    f"{RULE}--cancelled-temozolomide-draft": cancelled_temozolomide_draft,
    f"{RULE}--temozolomide-not-selected": temozolomide_not_selected,
}
