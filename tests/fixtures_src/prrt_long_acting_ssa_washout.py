"""Fixtures for rule 10 `prrt-long-acting-ssa-washout`."""

from .builder import RX, SCT, Patient, ago, ahead, coding, qty
from .codes import (GA68_HCPCS, ICD_C25_4, LANREOTIDE, LANREOTIDE_120_SBD, LU177_PIN, LU177_SBD, OCTREOTIDE,
                    OCTREOTIDE_LAR_20, OCTREOTIDE_SC, PNET_WD)

# SNOMED CT routes (FHIR SNOMEDCTRouteCodes expansion, hl7.org/fhir/valueset-route-codes.html)
IM_ROUTE = {"coding": [coding(SCT, "78421000", "Intramuscular route")], "text": "IM"}
OCTREOTIDE_LAR_30_SCD = coding(RX, "898601", "octreotide 30 MG Injection")
OCTREOTIDE_ORAL = coding(RX, "2380611", "octreotide 20 MG Delayed Release Oral Capsule")

RULE = "prrt-long-acting-ssa-washout"
LU_DOSE = dict(dose=qty(7.4, "GBq"))


def _pnet(slug, given):
    p = Patient(slug, given, "Washout")
    p.condition(PNET_WD, onset_days=800)
    p.procedure(GA68_HCPCS, days_ago=60)
    return p


def lanreotide_2_weeks_ago():
    p = _pnet("wash-lanreotide", "Vera")
    p.med_request(LANREOTIDE, status="active", authored_days=300, dose=qty(120, "mg"))
    p.med_admin(LANREOTIDE, days_ago=42, dose=qty(120, "mg"))
    p.med_admin(LANREOTIDE, days_ago=14, dose=qty(120, "mg"))
    p.draft_med(LU177_PIN, **LU_DOSE)
    return p


def octreotide_lar_product_code_3_weeks_ago():
    p = _pnet("wash-lar", "Wim")
    p.med_admin(OCTREOTIDE_LAR_20, days_ago=21, dose=qty(20, "mg"))
    p.draft_med(LU177_SBD, **LU_DOSE)
    return p


def short_acting_octreotide_yesterday():
    p = _pnet("wash-sc", "Xena")
    p.med_admin(OCTREOTIDE_SC, days_ago=0, hours_ago=10, dose=qty(100, "ug"))
    p.draft_med(LU177_PIN, **LU_DOSE)
    return p


def lar_stopped_6_weeks_ago():
    p = _pnet("wash-stopped", "Yves")
    p.med_request(OCTREOTIDE_LAR_20, status="stopped", authored_days=400, dose=qty(20, "mg"))
    p.med_admin(OCTREOTIDE_LAR_20, days_ago=42, dose=qty(20, "mg"))
    p.med_admin(OCTREOTIDE_SC, days_ago=3, dose=qty(100, "ug"))
    p.draft_med(LU177_PIN, **LU_DOSE)
    return p


def short_acting_octreotide_3_days_ago():
    p = _pnet("wash-sc-old", "Zoe")
    p.med_admin(OCTREOTIDE_SC, days_ago=3, dose=qty(100, "ug"))
    p.draft_med(LU177_PIN, **LU_DOSE)
    return p


def no_lutetium_draft():
    p = _pnet("wash-no-lu", "Abe")
    p.med_admin(LANREOTIDE, days_ago=10, dose=qty(120, "mg"))
    p.draft_med(OCTREOTIDE_SC, dose=qty(100, "ug"))
    return p


def _planned_in(draft: dict, days: float) -> dict:
    """The Lu-177 draft planned `days` ahead (dosageInstruction.timing.event, as Epic-style order sets send)."""
    draft["dosageInstruction"][0]["timing"] = {"event": [ahead(days)]}
    return draft


def active_lar_order_no_dose_recorded():
    """Octreotide LAR given at an outside infusion centre: only the active order is on record."""
    p = _pnet("wash-order-only", "Ada")
    p.med_request(OCTREOTIDE_LAR_30_SCD, status="active", authored_days=200, dose=qty(30, "mg"),
                  timing={"repeat": {"frequency": 1, "period": 4, "periodUnit": "wk"}})
    p.draft_med(LU177_SBD, **LU_DOSE)
    return p


def open_statement_lanreotide_icd10():
    """Lanreotide reported by the patient (MedicationStatement, open period), ICD-10-CM-only pNET."""
    p = Patient("wash-statement", "Bert", "Washout")
    p.condition(ICD_C25_4, onset_days=700)
    p.procedure(GA68_HCPCS, days_ago=50)
    statement = p.med_statement(LANREOTIDE_120_SBD, days_ago=300)
    del statement["effectiveDateTime"]
    statement["effectivePeriod"] = {"start": ago(300)[:10]}
    p.draft_med(LU177_PIN, **LU_DOSE)
    return p


def octreotide_unknown_formulation_im_mg():
    """Octreotide coded at ingredient level only, 30 mg IM: a depot by route and dose."""
    p = _pnet("wash-im", "Cleo")
    given = p.med_admin(OCTREOTIDE, days_ago=20, dose=qty(30, "mg"))
    given["dosage"]["route"] = IM_ROUTE
    p.draft_med(LU177_PIN, **LU_DOSE)
    return p


def octreotide_no_route_no_dose():
    """Octreotide (ingredient code) administered 20 days ago, nothing else recorded: formulation unknown."""
    p = _pnet("wash-unknown", "Dirk")
    p.med_admin(OCTREOTIDE, days_ago=20)
    p.draft_med(LU177_PIN, **LU_DOSE)
    return p


def next_lanreotide_injection_due():
    """Lanreotide every 28 days, last given 33 days ago: the next injection is due 5 days ago/now."""
    p = _pnet("wash-next-due", "Elsa")
    p.med_request(LANREOTIDE_120_SBD, status="active", authored_days=400, dose=qty(120, "mg"),
                  timing={"repeat": {"frequency": 1, "period": 28, "periodUnit": "d"}})
    p.med_admin(LANREOTIDE_120_SBD, days_ago=33, dose=qty(120, "mg"))
    p.draft_med(LU177_PIN, **LU_DOSE)
    return p


def lanreotide_month_only_date():
    """Lanreotide recorded with a month-only date (last month): it may have been given 1 day ago."""
    p = _pnet("wash-month-only", "Finn")
    given = p.med_admin(LANREOTIDE, days_ago=20, dose=qty(120, "mg"))
    given["effectiveDateTime"] = ago(20)[:7]
    p.draft_med(LU177_PIN, **LU_DOSE)
    return p


def lar_10_days_ago_planned_in_10_days():
    p = _pnet("wash-planned-soon", "Gus")
    p.med_admin(OCTREOTIDE_LAR_20, days_ago=10, dose=qty(20, "mg"))
    _planned_in(p.draft_med(LU177_SBD, **LU_DOSE), 10)
    return p


def short_acting_doses_do_not_hide_an_active_lar_order():
    p = _pnet("wash-sc-and-lar", "Hana")
    p.med_request(OCTREOTIDE_LAR_20, status="active", authored_days=90, dose=qty(20, "mg"))
    p.med_admin(OCTREOTIDE_SC, days_ago=3, dose=qty(100, "ug"))
    p.draft_med(LU177_PIN, **LU_DOSE)
    return p


def on_hold_lar_order():
    p = _pnet("wash-on-hold", "Ivo")
    p.med_request(OCTREOTIDE_LAR_20, status="on-hold", authored_days=120, dose=qty(20, "mg"))
    p.draft_med(LU177_PIN, **LU_DOSE)
    return p


# --- silent -------------------------------------------------------------------------------------------

def lar_10_days_ago_planned_in_3_weeks():
    """The Lu-177 order is planned three weeks ahead: 31 days after the LAR injection."""
    p = _pnet("wash-planned-later", "Jan")
    p.med_admin(OCTREOTIDE_LAR_20, days_ago=10, dose=qty(20, "mg"))
    _planned_in(p.draft_med(LU177_SBD, **LU_DOSE), 21)
    return p


def oral_octreotide_last_week():
    """Oral octreotide (Mycapssa) is not a depot."""
    p = _pnet("wash-oral", "Kim")
    p.med_request(OCTREOTIDE_ORAL, status="active", authored_days=60, dose=qty(20, "mg"))
    p.med_admin(OCTREOTIDE_ORAL, days_ago=5, dose=qty(20, "mg"))
    p.draft_med(LU177_PIN, **LU_DOSE)
    return p


def active_lar_order_next_injection_after_the_dose():
    """Octreotide LAR every 8 weeks, last 6 weeks ago: next injection 2 weeks after the planned date."""
    p = _pnet("wash-next-later", "Lea")
    p.med_request(OCTREOTIDE_LAR_30_SCD, status="active", authored_days=300, dose=qty(30, "mg"),
                  timing={"repeat": {"frequency": 1, "period": 8, "periodUnit": "wk"}})
    p.med_admin(OCTREOTIDE_LAR_30_SCD, days_ago=42, dose=qty(30, "mg"))
    p.draft_med(LU177_PIN, **LU_DOSE)
    return p


def octreotide_ingredient_sc_microgram_dose_2_days_ago():
    """Octreotide coded at ingredient level, 0.1 mg subcutaneously: short-acting, more than 24 h ago."""
    p = _pnet("wash-sc-mg", "Mo")
    given = p.med_admin(OCTREOTIDE, days_ago=2, dose=qty(0.1, "mg"))
    given["dosage"]["route"] = {"coding": [coding(SCT, "34206005", "Subcutaneous route")]}
    p.draft_med(LU177_PIN, **LU_DOSE)
    return p


FIXTURES = {
    f"{RULE}--lanreotide-2-weeks-ago": lanreotide_2_weeks_ago,
    f"{RULE}--octreotide-lar-product-code-3-weeks-ago": octreotide_lar_product_code_3_weeks_ago,
    f"{RULE}--short-acting-octreotide-yesterday": short_acting_octreotide_yesterday,
    f"{RULE}--lar-stopped-6-weeks-ago": lar_stopped_6_weeks_ago,
    f"{RULE}--short-acting-octreotide-3-days-ago": short_acting_octreotide_3_days_ago,
    f"{RULE}--no-lutetium-draft": no_lutetium_draft,
    f"{RULE}--active-lar-order-no-dose-recorded": active_lar_order_no_dose_recorded,
    f"{RULE}--open-statement-lanreotide-icd10": open_statement_lanreotide_icd10,
    f"{RULE}--octreotide-unknown-formulation-im-mg": octreotide_unknown_formulation_im_mg,
    f"{RULE}--octreotide-no-route-no-dose": octreotide_no_route_no_dose,
    f"{RULE}--next-lanreotide-injection-due": next_lanreotide_injection_due,
    f"{RULE}--lanreotide-month-only-date": lanreotide_month_only_date,
    f"{RULE}--lar-10-days-ago-planned-in-10-days": lar_10_days_ago_planned_in_10_days,
    f"{RULE}--short-acting-doses-do-not-hide-an-active-lar-order": short_acting_doses_do_not_hide_an_active_lar_order,
    f"{RULE}--on-hold-lar-order": on_hold_lar_order,
    f"{RULE}--lar-10-days-ago-planned-in-3-weeks": lar_10_days_ago_planned_in_3_weeks,
    f"{RULE}--oral-octreotide-last-week": oral_octreotide_last_week,
    f"{RULE}--active-lar-order-next-injection-after-the-dose": active_lar_order_next_injection_after_the_dose,
    f"{RULE}--octreotide-ingredient-sc-0-1-mg-2-days-ago": octreotide_ingredient_sc_microgram_dose_2_days_ago,
}
