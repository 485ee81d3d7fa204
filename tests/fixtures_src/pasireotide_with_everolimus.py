"""Fixtures for rule 24 `pasireotide-with-everolimus`."""

from .builder import Patient, qty
from .codes_v2_ssa import renews
from .codes import EVEROLIMUS_10, ICD_C25_4, PNET_WD
from .therapy_codes import AFINITOR_10, CKD, EVEROLIMUS, PASIREOTIDE, SIGNIFOR_LAR_20

RULE = "pasireotide-with-everolimus"
DAILY = {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}
LAR = dict(dose=qty(60, "mg"), timing={"repeat": {"frequency": 1, "period": 4, "periodUnit": "wk"}})


def _pnet(slug, given):
    p = Patient(slug, given, "Cooperate")
    p.condition(PNET_WD, onset_days=800)
    return p


def everolimus_active():
    p = _pnet("pasi-evero", "Emma")
    p.med_request(EVEROLIMUS_10, status="active", authored_days=120, dose=qty(10, "mg"), timing=DAILY)
    p.draft_med(PASIREOTIDE, **LAR)
    return p


def both_drafted_product_codes_icd10_only():
    p = Patient("pasi-icd", "Finn", "Cooperate", gender="male")
    p.condition(ICD_C25_4, onset_days=400)
    p.draft_med(AFINITOR_10, dose=qty(10, "mg"), timing=DAILY)
    p.draft_med(SIGNIFOR_LAR_20, **LAR)
    return p


def everolimus_medication_reference():
    p = _pnet("pasi-medref", "Gina")
    p.med_request(medication=p.medication(AFINITOR_10), status="active", authored_days=60, dose=qty(10, "mg"),
                  timing=DAILY)
    p.draft_med(SIGNIFOR_LAR_20, **LAR)
    return p


def everolimus_stopped():
    p = _pnet("pasi-stopped", "Hans")
    p.med_request(EVEROLIMUS_10, status="stopped", authored_days=300, dose=qty(10, "mg"), timing=DAILY)
    p.draft_med(PASIREOTIDE, **LAR)
    return p


def pasireotide_alone():
    p = _pnet("pasi-alone", "Ida")
    p.draft_med(SIGNIFOR_LAR_20, **LAR)
    return p


def transplant_everolimus_no_pnet():
    """Everolimus 0.75 mg twice daily after a kidney transplant, pasireotide for another reason: no pNET."""
    p = Patient("pasi-transplant", "Jakob", "Cooperate", gender="male")
    p.condition(CKD, onset_days=3000)
    p.med_request(EVEROLIMUS, status="active", authored_days=700, dose=qty(0.75, "mg"),
                  timing={"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}})
    p.draft_med(PASIREOTIDE, **LAR)
    return p



def pasireotide_renewal_combination_in_place():
    """v2: pasireotide LAR renewed (active order, priorPrescription) while everolimus was already active when
    that order was written: the combination is not new, the card spoke when pasireotide was added."""
    p = _pnet("pasi-renewal", "Karl")
    p.med_request(EVEROLIMUS_10, status="active", authored_days=200, dose=qty(10, "mg"), timing=DAILY)
    active = p.med_request(SIGNIFOR_LAR_20, status="active", authored_days=28, **LAR)
    renews(p.draft_med(PASIREOTIDE, **LAR), active)
    return p


def pasireotide_renewal_everolimus_added_since():
    """v2: pasireotide LAR renewed, but everolimus (product code) was started 10 days ago, after the renewed
    order: the combination is new, so the card speaks."""
    p = _pnet("pasi-renewal-new", "Lena")
    active = p.med_request(SIGNIFOR_LAR_20, status="active", authored_days=28, **LAR)
    p.med_request(AFINITOR_10, status="active", authored_days=10, dose=qty(10, "mg"), timing=DAILY)
    renews(p.draft_med(PASIREOTIDE, **LAR), active)
    return p


FIXTURES = {
    f"{RULE}--pasireotide-renewal-combination-in-place": pasireotide_renewal_combination_in_place,
    f"{RULE}--pasireotide-renewal-everolimus-added-since": pasireotide_renewal_everolimus_added_since,
    f"{RULE}--everolimus-active": everolimus_active,
    f"{RULE}--both-drafted-product-codes-icd10-only": both_drafted_product_codes_icd10_only,
    f"{RULE}--everolimus-medication-reference": everolimus_medication_reference,
    f"{RULE}--everolimus-stopped": everolimus_stopped,
    f"{RULE}--pasireotide-alone": pasireotide_alone,
    f"{RULE}--transplant-everolimus-no-pnet": transplant_everolimus_no_pnet,
}
