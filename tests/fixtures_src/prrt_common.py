"""Codings and building blocks shared by the PRRT rule fixtures (rules 11-14, 16). Defines no fixtures.

Every coding is from ../shared/TERMINOLOGY.md or cards/valuesets (which name their sources).
"""

from .builder import HCPCS, ICD, LNC, RX, SCT, Patient, coding, qty
from .codes import GA68_HCPCS, LU177_HCPCS, LU177_PIN, LU177_SBD, PNET_WD

FIXTURES: dict = {}  # nothing to build here; the build script imports every module in this package

LU177_SCD = coding(RX, "1999682", "25 ML lutetium Lu 177 dotatate 10 MCI/ML Injection")
LU177_DICOM = coding(SCT, "781259000", "Lutetium^177^ DOTATATE")
PRRT_A9513 = coding(HCPCS, "A9513", "Lutetium Lu 177, dotatate, therapeutic, 1 millicurie")
STANDARD_GBQ = qty(7.4, "GBq")
STANDARD_MCI = qty(200, "mCi")

# chemotherapy
CAPECITABINE = coding(RX, "194000", "capecitabine")
CAPECITABINE_SBD = coding(RX, "213293", "capecitabine 500 MG Oral Tablet [Xeloda]")
TEMOZOLOMIDE_SCD = coding(RX, "317160", "temozolomide 100 MG Oral Capsule")
STREPTOZOCIN_SCD = coding(RX, "239180", "streptozocin 1000 MG Injection")
FLUOROURACIL_SCD = coding(RX, "1791701", "10 ML fluorouracil 50 MG/ML Injection")
EVEROLIMUS_10 = coding(RX, "845507", "everolimus 10 MG Oral Tablet")
OCTREOTIDE_LAR_30_SCD = coding(RX, "898601", "octreotide 30 MG Injection")

# labs
HEMOGLOBIN = coding(LNC, "718-7", "Hemoglobin [Mass/volume] in Blood")
WBC = coding(LNC, "6690-2", "Leukocytes [#/volume] in Blood by Automated count")
PLATELETS = coding(LNC, "777-3", "Platelets [#/volume] in Blood by Automated count")
NEUTROPHILS = coding(LNC, "751-8", "Neutrophils [#/volume] in Blood by Automated count")
CREATININE = coding(LNC, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma")
EGFR = coding(LNC, "98979-8", "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, "
                              "Plasma or Blood by Creatinine-based formula (CKD-EPI 2021)")
CBC_DIFF = coding(LNC, "57021-8", "CBC W Auto Differential panel - Blood")

# referrals
HEMATOLOGY_REFERRAL = coding(SCT, "183567007", "Referral to hematologist (procedure)")
REFERRAL_TO_DOCTOR = coding(SCT, "306253008", "Referral to doctor (procedure)")  # trap: not hematology

# conditions
ICD_C25_4 = coding(ICD, "C25.4", "Malignant neoplasm of endocrine pancreas")

__all__ = ["GA68_HCPCS", "LU177_HCPCS", "LU177_PIN", "LU177_SBD", "PNET_WD", "Patient", "qty"]


def pnet_patient(slug: str, given: str, family: str, icd_only: bool = False, **kwargs) -> Patient:
    """A pNET patient with SSTR imaging on record (so only the rule under test has something to say)."""
    p = Patient(slug, given, family, **kwargs)
    p.condition(ICD_C25_4 if icd_only else PNET_WD, onset_days=900)
    p.procedure(GA68_HCPCS, days_ago=90)
    return p


def give_lutetium(p: Patient, *days_ago: float, code: dict = LU177_PIN) -> None:
    """Completed Lu-177 dotatate administrations (7.4 GBq) on the given days."""
    for days in days_ago:
        p.med_admin(code, days_ago=days, dose=STANDARD_GBQ)


def normal_cbc(p: Patient, days_ago: float) -> None:
    p.observation(HEMOGLOBIN, 13.1, "g/dL", days_ago=days_ago, low=12.0, high=15.5)
    p.observation(WBC, 5.6, "10*3/uL", days_ago=days_ago, low=3.4, high=10.8)
    p.observation(PLATELETS, 230, "10*3/uL", days_ago=days_ago, low=150, high=400)


def normal_renal(p: Patient, days_ago: float) -> None:
    p.observation(CREATININE, 0.9, "mg/dL", days_ago=days_ago, low=0.6, high=1.1)
    p.observation(EGFR, 84, "mL/min/{1.73_m2}", days_ago=days_ago, low=60)
