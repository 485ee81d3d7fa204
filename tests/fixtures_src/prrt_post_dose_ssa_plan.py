"""Fixtures for rule 11 `prrt-post-dose-ssa-plan`."""

from .builder import Patient
from .codes import GA68_HCPCS, MALIGNANT_INSULINOMA, PRRT_CPT, VIPOMA
from .prrt_common import (LU177_PIN, LU177_SBD, LU177_SCD, OCTREOTIDE_LAR_30_SCD, STANDARD_GBQ, give_lutetium,
                          pnet_patient, qty)

from .codes import LANREOTIDE_120_SBD

RULE = "prrt-post-dose-ssa-plan"


def lanreotide_active_no_new_order():
    """Lanreotide every 4 weeks is active (its last injection 5 weeks ago): no second long-acting order."""
    p = pnet_patient("plan-on-lanreotide", "Mads", "Plan", gender="male")
    p.med_request(LANREOTIDE_120_SBD, status="active", authored_days=300, dose=qty(120, "mg"))
    p.med_admin(LANREOTIDE_120_SBD, days_ago=35, dose=qty(120, "mg"))
    p.draft_med(LU177_SBD, dose=STANDARD_GBQ)
    return p


def first_dose():
    p = pnet_patient("plan-first", "Jana", "Plan")
    p.draft_med(LU177_PIN, dose=STANDARD_GBQ)
    return p


def vipoma_procedure_history():
    """VIPoma (functional); two earlier doses documented only as CPT 79101 Procedures naming the agent."""
    p = Patient("plan-vip", "Kurt", "Plan", gender="male")
    p.condition(VIPOMA, onset_days=500)
    p.procedure(GA68_HCPCS, days_ago=200)
    for days in (120, 64):
        p.procedure(PRRT_CPT, days_ago=days, text="Lutathera (lutetium Lu 177 dotatate) infusion")
    p.draft_med(LU177_SBD, dose=STANDARD_GBQ)
    return p


def icd10_only_product_code():
    p = pnet_patient("plan-icd", "Lina", "Plan", icd_only=True)
    give_lutetium(p, 60, code=LU177_SCD)
    p.draft_med(LU177_SCD, dose=STANDARD_GBQ)
    return p


def insulinoma_no_octreotide_suggested():
    p = Patient("plan-insulinoma", "Mona", "Plan")
    p.condition(MALIGNANT_INSULINOMA, onset_days=500)
    p.procedure(GA68_HCPCS, days_ago=100)
    p.draft_med(LU177_PIN, dose=STANDARD_GBQ)
    return p


def lar_drafted_with_lutetium():
    p = pnet_patient("plan-lar", "Nils", "Plan", gender="male")
    p.draft_med(LU177_PIN, dose=STANDARD_GBQ, selected=True)
    p.draft_med(OCTREOTIDE_LAR_30_SCD, dose=qty(30, "mg"), dosage_text="30 mg IM 4 h after Lu-177")
    return p


def cancelled_lutetium_draft():
    p = pnet_patient("plan-cancel", "Olga", "Plan")
    p.draft_med(LU177_PIN, status="cancelled", dose=STANDARD_GBQ)
    return p


def no_pnet_no_prrt():
    """A Lu-177 dotatate draft for a patient with neither a pancreatic NET nor PRRT on record."""
    p = Patient("plan-none", "Piet", "Plan", gender="male")
    p.draft_med(LU177_PIN, dose=STANDARD_GBQ)
    return p


FIXTURES = {
    f"{RULE}--first-dose": first_dose,
    f"{RULE}--vipoma-procedure-history": vipoma_procedure_history,
    f"{RULE}--icd10-only-product-code": icd10_only_product_code,
    f"{RULE}--insulinoma-no-octreotide-suggested": insulinoma_no_octreotide_suggested,
    f"{RULE}--lar-drafted-with-lutetium": lar_drafted_with_lutetium,
    f"{RULE}--cancelled-lutetium-draft": cancelled_lutetium_draft,
    f"{RULE}--no-pnet-no-prrt": no_pnet_no_prrt,
    f"{RULE}--lanreotide-active-no-new-order": lanreotide_active_no_new_order,
}
