"""Fixtures for rule 23 `sunitinib-baseline-monitoring`."""

from .builder import Patient, qty
from .codes import ICD_D13_7, PNET_WD
from .codes_v2_ssa import SUNITINIB_37_5, SUNITINIB_37_5_SBD, renews
from .therapy_codes import SUNITINIB, SUTENT_50, TSH, text_condition, vital_signs

RULE = "sunitinib-baseline-monitoring"
PNET_DOSE = dict(dose=qty(37.5, "mg"), timing={"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}})


def _pnet(slug, given):
    p = Patient(slug, given, "Sunitinib")
    p.condition(PNET_WD, onset_days=600)
    return p


def no_bp_no_tsh():
    p = _pnet("suni-nothing", "Wilma")
    vital_signs(p, days_ago=75)
    p.draft_med(SUNITINIB, **PNET_DOSE)
    return p


def bp_panel_without_systolic_component():
    """A BP panel that carries only the diastolic component is no systolic blood pressure."""
    p = _pnet("suni-diastolic-only", "Xandra")
    vital_signs(p, days_ago=3, systolic=None)
    p.observation(TSH, 2.1, "m[IU]/L", days_ago=20, low=0.4, high=4.0)
    p.draft_med(SUNITINIB, **PNET_DOSE)
    return p


def tsh_4_months_ago_sutent_icd10_only():
    p = Patient("suni-icd", "Yusuf", "Sunitinib", gender="male")
    p.condition(ICD_D13_7, onset_days=400)
    vital_signs(p, days_ago=2)
    p.observation(TSH, 1.8, "m[IU]/L", days_ago=120, low=0.4, high=4.0)
    p.draft_med(SUTENT_50, **PNET_DOSE)
    return p


def medication_reference_no_tsh():
    p = _pnet("suni-medref", "Zora")
    vital_signs(p, days_ago=1, panel=False)
    p.draft_med(medication=p.medication(SUTENT_50), **PNET_DOSE)
    return p


def bp_panel_and_tsh_recent():
    p = _pnet("suni-ok", "Adam")
    vital_signs(p, days_ago=6)
    p.observation(TSH, 2.5, "m[IU]/L", days_ago=30, low=0.4, high=4.0)
    p.draft_med(SUNITINIB, **PNET_DOSE)
    return p


def systolic_bp_and_tsh_drafted():
    p = _pnet("suni-tsh-draft", "Berta")
    vital_signs(p, days_ago=10, panel=False)
    p.draft_med(SUTENT_50, **PNET_DOSE)
    p.draft_service(TSH)
    return p


def renal_cancer_no_pnet():
    """Sunitinib 50 mg 4-weeks-on/2-off for renal cell cancer: no pNET, so silent."""
    p = Patient("suni-rcc", "Cyril", "Sunitinib", gender="male")
    text_condition(p, "Renal cell carcinoma, metastatic")
    p.draft_med(SUTENT_50, dose=qty(50, "mg"), dosage_text="50 mg daily, 4 weeks on / 2 weeks off")
    return p


def cancelled_sunitinib_draft():
    p = _pnet("suni-cancelled", "Doris")
    p.draft_med(SUNITINIB, status="cancelled", **PNET_DOSE)
    return p


def renewal_month_only_authored_date():
    """v2 renewal: sunitinib active since "2026-05" (month only, as some EHRs send it); this month's renewal
    at the 37.5 mg capsule product code. No recent BP or TSH, but it is no baseline."""
    p = _pnet("suni-renewal", "Edda")
    active = p.med_request(SUNITINIB_37_5, status="active", **PNET_DOSE)
    active["authoredOn"] = "2026-05"
    renews(p.draft_med(SUNITINIB_37_5_SBD, **PNET_DOSE), active)
    return p


def restart_after_on_hold_order():
    """v2: resuming an on-hold sunitinib order is a new start (no BP, no TSH: the card speaks)."""
    p = _pnet("suni-on-hold", "Fritz")
    held = p.med_request(SUTENT_50, status="on-hold", authored_days=90, **PNET_DOSE)
    renews(p.draft_med(SUNITINIB_37_5, **PNET_DOSE), held)
    return p


FIXTURES = {
    f"{RULE}--renewal-month-only-authored-date": renewal_month_only_authored_date,
    f"{RULE}--restart-after-on-hold-order": restart_after_on_hold_order,
    f"{RULE}--no-bp-no-tsh": no_bp_no_tsh,
    f"{RULE}--bp-panel-without-systolic-component": bp_panel_without_systolic_component,
    f"{RULE}--tsh-4-months-ago-sutent-icd10-only": tsh_4_months_ago_sutent_icd10_only,
    f"{RULE}--medication-reference-no-tsh": medication_reference_no_tsh,
    f"{RULE}--bp-panel-and-tsh-recent": bp_panel_and_tsh_recent,
    f"{RULE}--systolic-bp-and-tsh-drafted": systolic_bp_and_tsh_drafted,
    f"{RULE}--renal-cancer-no-pnet": renal_cancer_no_pnet,
    f"{RULE}--cancelled-sunitinib-draft": cancelled_sunitinib_draft,
}
