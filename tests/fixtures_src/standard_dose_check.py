"""Fixtures for rule 8 `standard-dose-check`: doses in other units (octreotide 0.1 mg), frequencies as
timing.repeat in h/d/wk/mo or as timing codes, depots every 4 weeks written three ways, and doses that
are not structured (text, tablets) which must stay silent."""

from .builder import Patient, UCUM, qty
from .codes import EVEROLIMUS_10, ICD_C25_4, LANREOTIDE_120_SBD, OCTREOTIDE, OCTREOTIDE_LAR_20, OCTREOTIDE_SC, PNET_WD
from .codes import LANREOTIDE
from .codes_v2_ssa import SUNITINIB_37_5, renews
from .codes_rules_a import (LANREOTIDE_60_SCD, OCTREOTIDE_LAR_10, OCTREOTIDE_LAR_30, SUNITINIB, SUNITINIB_50,
                            SUNITINIB_50_SBD)

RULE = "standard-dose-check"
GTS = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation"


def every(period, unit, frequency=1):
    return {"repeat": {"frequency": frequency, "period": period, "periodUnit": unit}}


def code(abbreviation):
    return {"code": {"coding": [{"system": GTS, "code": abbreviation}], "text": abbreviation}}


def _pnet(slug, given, gender="female"):
    p = Patient(slug, given, "Dose", gender=gender)
    p.condition(PNET_WD, onset_days=365)
    return p


def octreotide_sc_50_micrograms_twice_daily():
    p = _pnet("dose-oct-low", "Frida")
    p.draft_med(OCTREOTIDE_SC, dose=qty(50, "ug"), timing=every(1, "d", frequency=2))
    return p


def octreotide_sc_0_5_mg_three_times_daily():
    """0.5 mg = 500 micrograms, 3 times a day = 1,500 micrograms/day: above 750 (escalation, info)."""
    p = _pnet("dose-oct-high", "Georg", gender="male")
    p.draft_med(OCTREOTIDE_SC, dose=qty(0.5, "mg"), timing=every(1, "d", frequency=3))
    return p


def octreotide_lar_30_mg_every_3_weeks():
    p = _pnet("dose-lar-3wk", "Hanna")
    p.draft_med(OCTREOTIDE_LAR_30, dose=qty(30, "mg"), timing=every(3, "wk"))
    return p


def octreotide_lar_10_mg_every_8_weeks():
    p = _pnet("dose-lar-8wk", "Ivo", gender="male")
    p.draft_med(OCTREOTIDE_LAR_10, dose=qty(10, "mg"), timing=every(8, "wk"))
    return p


def lanreotide_120_mg_every_14_days_product_code():
    p = _pnet("dose-lan-14d", "Jana")
    p.draft_med(LANREOTIDE_120_SBD, dose=qty(120, "mg"), timing=every(14, "d"))
    return p


def lanreotide_60_mg_monthly():
    p = _pnet("dose-lan-60", "Kurt", gender="male")
    p.draft_med(LANREOTIDE_60_SCD, dose=qty(60, "mg"), timing=every(1, "mo"))
    return p


def everolimus_5_mg_daily_icd10_only():
    """ICD-10-CM C25.4 only; everolimus 5 mg once daily (a reduced dose): warning, replace offered."""
    p = Patient("dose-evr-5", "Lena", "Dose-Icd")
    p.condition(ICD_C25_4, onset_days=300)
    p.draft_med(EVEROLIMUS_10, dose=qty(5, "mg"), timing=every(1, "d"))
    return p


def everolimus_5_mg_bid_timing_code():
    """10 mg a day, but as 5 mg twice daily (timing code BID): not the once-daily standard."""
    p = _pnet("dose-evr-bid", "Malte", gender="male")
    p.draft_med(EVEROLIMUS_10, dose=qty(5, "mg"), timing=code("BID"))
    return p


def sunitinib_50_mg_daily_product_code():
    """Sutent 50 mg daily (the renal-cancer dose) for a pNET patient: above 37.5 mg, a warning (not an SSA)."""
    p = _pnet("dose-sun-50", "Nora")
    p.draft_med(SUNITINIB_50_SBD, dose=qty(50, "mg"), timing=every(1, "d"))
    return p


def sunitinib_25_mg_medication_reference():
    p = _pnet("dose-sun-25", "Oskar", gender="male")
    medication = p.medication(SUNITINIB_50)
    p.draft_med(medication=medication, dose=qty(25, "mg"), timing=every(1, "d"))
    return p


def octreotide_sc_0_1_mg_three_times_daily():
    p = _pnet("dose-oct-mg", "Paula")
    p.draft_med(OCTREOTIDE_SC, dose=qty(0.1, "mg"), timing=every(1, "d", frequency=3))
    return p


def octreotide_sc_100_mcg_every_8_hours():
    p = _pnet("dose-oct-q8h", "Ralf", gender="male")
    p.draft_med(OCTREOTIDE_SC, dose={"value": 100, "unit": "mcg"}, timing=every(8, "h"))
    return p


def octreotide_lar_20_mg_every_28_days():
    p = _pnet("dose-lar-28d", "Sara")
    p.draft_med(OCTREOTIDE_LAR_20, dose=qty(20, "mg"), timing=every(28, "d"))
    return p


def lanreotide_120_mg_monthly():
    p = _pnet("dose-lan-monthly", "Timo", gender="male")
    p.draft_med(LANREOTIDE_120_SBD, dose=qty(120, "mg"), timing=every(1, "mo"))
    return p


def everolimus_10_mg_qd_timing_code():
    p = _pnet("dose-evr-qd", "Ute")
    p.draft_med(EVEROLIMUS_10, dose=qty(10, "mg"), timing=code("QD"))
    return p


def sunitinib_37_5_mg_daily():
    p = _pnet("dose-sun-std", "Volker", gender="male")
    p.draft_med(SUNITINIB, dose=qty(37.5, "mg"), timing=every(1, "d"))
    return p


def everolimus_dose_text_only():
    p = _pnet("dose-evr-text", "Wanda")
    p.draft_med(EVEROLIMUS_10, dosage_text="5 mg by mouth daily")
    return p


def everolimus_one_tablet():
    p = _pnet("dose-evr-tab", "Xaver", gender="male")
    p.draft_med(EVEROLIMUS_10, dose={"value": 1, "unit": "tablet", "system": UCUM, "code": "{tbl}"},
                timing=every(1, "d"))
    return p


def octreotide_ingredient_mg_unknown_formulation():
    p = _pnet("dose-oct-unknown", "Yvonne")
    p.draft_med(OCTREOTIDE, dose=qty(40, "mg"), timing=every(4, "wk"))
    return p


def everolimus_transplant_dose_no_pnet():
    p = Patient("dose-evr-transplant", "Zora", "Dose-Transplant")
    p.draft_med(EVEROLIMUS_10, dose=qty(0.75, "mg"), timing=code("BID"))
    return p


def cancelled_wrong_dose_draft():
    p = _pnet("dose-cancelled", "Arne", gender="male")
    p.draft_med(EVEROLIMUS_10, status="cancelled", dose=qty(5, "mg"), timing=every(1, "d"))
    return p


def octreotide_sc_100_mg_three_times_daily_unit_error():
    """v2: 100 mg (meant: micrograms) 3 times a day = 300,000 micrograms/day, 400 times the upper limit: a
    probable unit error, with 100 micrograms 3 times a day offered (the 0.1 mg/mL ampoule delivers it)."""
    p = _pnet("dose-oct-unit", "Bruno", gender="male")
    p.draft_med(OCTREOTIDE_SC, dose=qty(100, "mg"), timing=every(1, "d", frequency=3))
    return p


def everolimus_10_micrograms_daily_unit_error():
    """v2: 10 micrograms ("mcg" spelled as EHRs do) once daily = 1/1000 of the standard: unit error, 10 mg offered."""
    p = _pnet("dose-evr-unit", "Carmen")
    p.draft_med(EVEROLIMUS_10, dose={"value": 10, "unit": "mcg"}, timing=every(1, "d"))
    return p


def lanreotide_1200_mg_renewal_decimal_slip():
    """v2: this month's lanreotide renewal (ingredient-level active order) at 1200 mg - a decimal slip. The
    gross-error check runs on renewals too; 1.2 mg is not in range, so no corrected dose is offered."""
    p = _pnet("dose-lan-slip", "Dirk", gender="male")
    active = p.med_request(LANREOTIDE, status="active", authored_days=28, dose=qty(120, "mg"), timing=every(4, "wk"))
    renews(p.draft_med(LANREOTIDE_120_SBD, dose=qty(1200, "mg"), timing=every(4, "wk")), active)
    return p


def lanreotide_120_mg_every_30_days():
    """v2: "every 30 days" is the monthly (4-weekly) depot."""
    p = _pnet("dose-lan-30d", "Edith")
    p.draft_med(LANREOTIDE_120_SBD, dose=qty(120, "mg"), timing=every(30, "d"))
    return p


def octreotide_lar_20_mg_every_31_days_scd():
    """v2: every 31 days is still monthly."""
    p = _pnet("dose-lar-31d", "Fabian", gender="male")
    p.draft_med(OCTREOTIDE_LAR_20, dose=qty(20, "mg"), timing=every(31, "d"))
    return p


def lanreotide_120_mg_every_35_days():
    """v2 near miss of the monthly window: every 35 days = 96 mg per 4 weeks, below the standard (info)."""
    p = _pnet("dose-lan-35d", "Gesa")
    p.draft_med(LANREOTIDE_120_SBD, dose=qty(120, "mg"), timing=every(35, "d"))
    return p


def lanreotide_120_mg_every_2_weeks_60_mg_syringe():
    """v2: escalation ordered on the 60 mg syringe product; the replacement at 120 mg every 4 weeks must not
    keep a syringe that cannot deliver 120 mg."""
    p = _pnet("dose-lan-60-syringe", "Hugo", gender="male")
    p.draft_med(LANREOTIDE_60_SCD, dose=qty(120, "mg"), timing=every(2, "wk"))
    return p


def everolimus_5_mg_renewal_same_dose():
    """v2: a reduced dose renewed unchanged (priorPrescription to the active 5 mg order): no card."""
    p = _pnet("dose-evr-renewal", "Irma")
    active = p.med_request(EVEROLIMUS_10, status="active", authored_days=30, dose=qty(5, "mg"), timing=every(1, "d"))
    renews(p.draft_med(EVEROLIMUS_10, dose=qty(5, "mg"), timing=every(1, "d")), active)
    return p


def sunitinib_renewal_dose_raised_to_50_mg_medication_reference():
    """v2: a renewal with a dose change is checked like a new start: 37.5 → 50 mg on the Sutent 50 mg capsule
    (through a Medication). The replacement drops the 50 mg capsule for the 37.5 mg one."""
    p = _pnet("dose-sun-raise", "Jonas", gender="male")
    active = p.med_request(SUNITINIB_37_5, status="active", authored_days=27, dose=qty(37.5, "mg"), timing=every(1, "d"))
    medication = p.medication(SUNITINIB_50_SBD)
    renews(p.draft_med(medication=medication, dose=qty(50, "mg"), timing=every(1, "d")), active)
    return p


FIXTURES = {
    f"{RULE}--octreotide-sc-100-mg-three-times-daily-unit-error": octreotide_sc_100_mg_three_times_daily_unit_error,
    f"{RULE}--everolimus-10-micrograms-daily-unit-error": everolimus_10_micrograms_daily_unit_error,
    f"{RULE}--lanreotide-1200-mg-renewal-decimal-slip": lanreotide_1200_mg_renewal_decimal_slip,
    f"{RULE}--lanreotide-120-mg-every-30-days": lanreotide_120_mg_every_30_days,
    f"{RULE}--octreotide-lar-20-mg-every-31-days-scd": octreotide_lar_20_mg_every_31_days_scd,
    f"{RULE}--lanreotide-120-mg-every-35-days": lanreotide_120_mg_every_35_days,
    f"{RULE}--lanreotide-120-mg-every-2-weeks-60-mg-syringe": lanreotide_120_mg_every_2_weeks_60_mg_syringe,
    f"{RULE}--everolimus-5-mg-renewal-same-dose": everolimus_5_mg_renewal_same_dose,
    f"{RULE}--sunitinib-renewal-dose-raised-to-50-mg-medication-reference": sunitinib_renewal_dose_raised_to_50_mg_medication_reference,
    f"{RULE}--octreotide-sc-50-micrograms-twice-daily": octreotide_sc_50_micrograms_twice_daily,
    f"{RULE}--octreotide-sc-0-5-mg-three-times-daily": octreotide_sc_0_5_mg_three_times_daily,
    f"{RULE}--octreotide-lar-30-mg-every-3-weeks": octreotide_lar_30_mg_every_3_weeks,
    f"{RULE}--octreotide-lar-10-mg-every-8-weeks": octreotide_lar_10_mg_every_8_weeks,
    f"{RULE}--lanreotide-120-mg-every-14-days-product-code": lanreotide_120_mg_every_14_days_product_code,
    f"{RULE}--lanreotide-60-mg-monthly": lanreotide_60_mg_monthly,
    f"{RULE}--everolimus-5-mg-daily-icd10-only": everolimus_5_mg_daily_icd10_only,
    f"{RULE}--everolimus-5-mg-bid-timing-code": everolimus_5_mg_bid_timing_code,
    f"{RULE}--sunitinib-50-mg-daily-product-code": sunitinib_50_mg_daily_product_code,
    f"{RULE}--sunitinib-25-mg-medication-reference": sunitinib_25_mg_medication_reference,
    f"{RULE}--octreotide-sc-0-1-mg-three-times-daily": octreotide_sc_0_1_mg_three_times_daily,
    f"{RULE}--octreotide-sc-100-mcg-every-8-hours": octreotide_sc_100_mcg_every_8_hours,
    f"{RULE}--octreotide-lar-20-mg-every-28-days": octreotide_lar_20_mg_every_28_days,
    f"{RULE}--lanreotide-120-mg-monthly": lanreotide_120_mg_monthly,
    f"{RULE}--everolimus-10-mg-qd-timing-code": everolimus_10_mg_qd_timing_code,
    f"{RULE}--sunitinib-37-5-mg-daily": sunitinib_37_5_mg_daily,
    f"{RULE}--everolimus-dose-text-only": everolimus_dose_text_only,
    f"{RULE}--everolimus-one-tablet": everolimus_one_tablet,
    f"{RULE}--octreotide-ingredient-mg-unknown-formulation": octreotide_ingredient_mg_unknown_formulation,
    f"{RULE}--everolimus-transplant-dose-no-pnet": everolimus_transplant_dose_no_pnet,
    f"{RULE}--cancelled-wrong-dose-draft": cancelled_wrong_dose_draft,
}
