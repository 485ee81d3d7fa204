"""Codings and small helpers for the catalog v2 fixtures of rules 1-8, 21 and 23, each code from
../shared/TERMINOLOGY.md ("Additional rows", catalog v2). No fixtures here (FIXTURES is empty)."""

from .builder import RX, SCT, coding

FIXTURES: dict = {}  # a code module, not a fixture module (build.py reads FIXTURES from every module)

DIABETES_PARENT = coding(SCT, "73211009", "Diabetes mellitus (disorder)")
SUNITINIB_12_5 = coding(RX, "616279", "sunitinib 12.5 MG Oral Capsule")
SUNITINIB_25_SBD = coding(RX, "616287", "sunitinib 25 MG Oral Capsule [Sutent]")
SUNITINIB_37_5 = coding(RX, "1541890", "sunitinib 37.5 MG Oral Capsule")
SUNITINIB_37_5_SBD = coding(RX, "1541928", "sunitinib 37.5 MG Oral Capsule [Sutent]")
POTASSIUM_CHLORIDE = coding(RX, "8591", "potassium chloride")
POTASSIUM_CHLORIDE_20_MEQ = coding(RX, "198116", "potassium chloride 20 MEQ Extended Release Oral Tablet")
MAGNESIUM_SULFATE_IV = coding(RX, "1658259", "50 ML magnesium sulfate 40 MG/ML Injection")
MAGNESIUM = coding(RX, "6574", "magnesium")


def renews(draft: dict, predecessor: dict, element: str = "priorPrescription") -> dict:
    """Point the draft at the order it renews, as EHRs do (`priorPrescription`, or `basedOn`)."""
    reference = {"reference": f"MedicationRequest/{predecessor['id']}"}
    draft[element] = [reference] if element == "basedOn" else reference
    return draft
