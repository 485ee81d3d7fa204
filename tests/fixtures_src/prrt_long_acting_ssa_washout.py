"""Fixtures for rule 10 `prrt-long-acting-ssa-washout`."""

from .builder import Patient, qty
from .codes import GA68_HCPCS, LANREOTIDE, LU177_PIN, LU177_SBD, OCTREOTIDE_LAR_20, OCTREOTIDE_SC, PNET_WD

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


FIXTURES = {
    f"{RULE}--lanreotide-2-weeks-ago": lanreotide_2_weeks_ago,
    f"{RULE}--octreotide-lar-product-code-3-weeks-ago": octreotide_lar_product_code_3_weeks_ago,
    f"{RULE}--short-acting-octreotide-yesterday": short_acting_octreotide_yesterday,
    f"{RULE}--lar-stopped-6-weeks-ago": lar_stopped_6_weeks_ago,
    f"{RULE}--short-acting-octreotide-3-days-ago": short_acting_octreotide_3_days_ago,
    f"{RULE}--no-lutetium-draft": no_lutetium_draft,
}
