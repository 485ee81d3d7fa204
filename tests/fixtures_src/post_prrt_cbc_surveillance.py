"""Fixtures for rule 15 `post-prrt-cbc-surveillance`."""

from .builder import Patient
from .builder import ICD, LNC, coding
from .codes import (CBC_DIFF, CBC_PANEL, HEMOGLOBIN, LU177_PIN, PLATELETS, PNET_WD, PRRT_CPT, PRRT_SCT, WBC)

WBC_ANY_METHOD = coding(LNC, "26464-8", "Leukocytes [#/volume] in Blood")
PLATELETS_ANY_METHOD = coding(LNC, "26515-7", "Platelets [#/volume] in Blood")

RULE = "post-prrt-cbc-surveillance"


def _after_prrt(slug, given, prrt_days=270):
    p = Patient(slug, given, "Post-Prrt")
    p.condition(PNET_WD, onset_days=1500)
    for offset in (168, 112, 56, 0):
        p.med_admin(LU177_PIN, days_ago=prrt_days + offset)
    return p


def _cbc(p, days_ago):
    p.observation(HEMOGLOBIN, 12.9, "g/dL", days_ago=days_ago, low=12.0, high=15.5)
    p.observation(WBC, 5.1, "10*3/uL", days_ago=days_ago, low=3.4, high=10.8)
    p.observation(PLATELETS, 210, "10*3/uL", days_ago=days_ago, low=150, high=400)


def cbc_9_months_ago():
    p = _after_prrt("cbc-9mo", "Bea", prrt_days=300)
    _cbc(p, days_ago=275)
    return p


def procedure_cpt_no_cbc_ever():
    """PRRT documented only as a Procedure (CPT 79101) whose text names the agent; no CBC on record."""
    p = Patient("cbc-proc", "Cyd", "Post-Prrt", gender="male")
    p.procedure(PRRT_CPT, days_ago=400, text="Lutathera (Lu-177 dotatate) infusion, cycle 4")
    return p


def cbc_2_months_ago():
    p = _after_prrt("cbc-2mo", "Dee")
    _cbc(p, days_ago=60)
    return p


def cbc_drafted():
    p = _after_prrt("cbc-draft", "Eli")
    _cbc(p, days_ago=275)
    p.draft_service(CBC_DIFF)
    return p


def cbc_already_ordered():
    p = _after_prrt("cbc-ordered", "Flo")
    _cbc(p, days_ago=275)
    p.service_request(CBC_DIFF, status="active", days_ago=3)
    return p


def next_dose_drafted():
    """A further Lu-177 dose is being ordered: prrt-baseline-labs speaks about the CBC, not this rule."""
    p = _after_prrt("cbc-next-dose", "Ivo", prrt_days=200)
    _cbc(p, days_ago=190)
    p.draft_med(LU177_PIN, dose={"value": 7.4, "unit": "GBq", "system": "http://unitsofmeasure.org", "code": "GBq"})
    return p


def no_prrt():
    p = Patient("cbc-no-prrt", "Gil", "No-Prrt", gender="male")
    p.condition(PNET_WD)
    _cbc(p, days_ago=400)
    return p


def lu177_psma_not_prrt():
    """Radionuclide therapy with Lu-177 PSMA (prostate cancer) is not PRRT for this rule."""
    p = Patient("cbc-psma", "Hal", "Psma", gender="male")
    p.procedure(PRRT_SCT, days_ago=300, text="Lu-177 PSMA-617 (Pluvicto) radioligand therapy")
    return p


def lone_hemoglobin_last_month():
    """Only a hemoglobin last month (a point-of-care check), last full CBC 9 months ago."""
    p = _after_prrt("cbc-lone-hb", "Ida", prrt_days=300)
    _cbc(p, days_ago=275)
    p.observation(HEMOGLOBIN, 12.4, "g/dL", days_ago=30, low=12.0, high=15.5)
    return p


def cbc_order_authored_2_years_ago():
    """An 'active' CBC order left open since two years ago does not mean a CBC is coming."""
    p = _after_prrt("cbc-old-order", "Jon", prrt_days=900)
    _cbc(p, days_ago=800)
    p.service_request(CBC_DIFF, status="active", days_ago=730)
    return p


def cbc_dated_only_by_year_y90():
    """Y-90 DOTATOC PRRT (Procedure, SNOMED, text names the agent); the last CBC dated only '2025'."""
    p = Patient("cbc-year-only", "Kit", "Post-Prrt", gender="male")
    p.condition(coding(ICD, "C25.4", "Malignant neoplasm of endocrine pancreas"), onset_days=1500)
    p.procedure(PRRT_SCT, days_ago=800, text="Y-90 DOTATOC peptide receptor radionuclide therapy")
    for code in (HEMOGLOBIN, WBC, PLATELETS):
        result = p.observation(code, 12.0 if code is HEMOGLOBIN else 200, "g/dL" if code is HEMOGLOBIN else "10*3/uL",
                               days_ago=200)
        result["effectiveDateTime"] = result["effectiveDateTime"][:4]
    return p


def components_same_day_no_panel():
    """Hemoglobin, WBC and platelets resulted on one date (other LOINC methods), no panel code: a CBC."""
    p = _after_prrt("cbc-components", "Lia")
    p.observation(HEMOGLOBIN, 12.9, "g/dL", days_ago=40, low=12.0, high=15.5)
    p.observation(WBC_ANY_METHOD, 5.1, "10*9/L", days_ago=40, low=3.4, high=10.8)
    p.observation(PLATELETS_ANY_METHOD, 210, "10*9/L", days_ago=40, low=150, high=400)
    return p


def cbc_panel_only_last_month():
    p = _after_prrt("cbc-panel-only", "Max")
    _cbc(p, days_ago=275)
    panel = p.observation(CBC_PANEL, 0, "1", days_ago=30)
    del panel["valueQuantity"]
    return p


FIXTURES = {
    f"{RULE}--cbc-9-months-ago": cbc_9_months_ago,
    f"{RULE}--procedure-cpt-no-cbc-ever": procedure_cpt_no_cbc_ever,
    f"{RULE}--cbc-2-months-ago": cbc_2_months_ago,
    f"{RULE}--cbc-drafted": cbc_drafted,
    f"{RULE}--cbc-already-ordered": cbc_already_ordered,
    f"{RULE}--next-dose-drafted": next_dose_drafted,
    f"{RULE}--no-prrt": no_prrt,
    f"{RULE}--lu177-psma-not-prrt": lu177_psma_not_prrt,
    f"{RULE}--lone-hemoglobin-last-month": lone_hemoglobin_last_month,
    f"{RULE}--cbc-order-authored-2-years-ago": cbc_order_authored_2_years_ago,
    f"{RULE}--cbc-dated-only-by-year-y90": cbc_dated_only_by_year_y90,
    f"{RULE}--components-same-day-no-panel": components_same_day_no_panel,
    f"{RULE}--cbc-panel-only-last-month": cbc_panel_only_last_month,
}


