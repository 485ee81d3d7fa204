"""More codings for the fixtures of rules 2, 3, 4, 6, 7, 8, each from ../shared/TERMINOLOGY.md or the
value set files in cards/valuesets (which name their sources). No fixtures here (FIXTURES is empty)."""

from .builder import ICD, LNC, RX, SCT, coding

FIXTURES: dict = {}  # a code module, not a fixture module (build.py reads FIXTURES from every module)

# conditions
GASTRINOMA = coding(SCT, "302824004", "Gastrinoma")
ZOLLINGER_ELLISON = coding(SCT, "53132006", "Zollinger-Ellison syndrome (disorder)")
VERNER_MORRISON = coding(SCT, "39998009", "Verner-Morrison syndrome")
DIABETES_T1 = coding(SCT, "46635009", "Diabetes mellitus type 1 (disorder)")
ICD_E11_9 = coding(ICD, "E11.9", "Type 2 diabetes mellitus without complications")
ICD_E16_4 = coding(ICD, "E16.4", "Increased secretion of gastrin")
ICD_E16_8 = coding(ICD, "E16.8", "Other specified disorders of pancreatic internal secretion")

# drugs
SUNITINIB = coding(RX, "357977", "sunitinib")
SUNITINIB_50 = coding(RX, "616289", "sunitinib 50 MG Oral Capsule")
SUNITINIB_50_SBD = coding(RX, "616292", "sunitinib 50 MG Oral Capsule [Sutent]")
EVEROLIMUS = coding(RX, "141704", "everolimus")
EVEROLIMUS_10_SBD = coding(RX, "845512", "everolimus 10 MG Oral Tablet [Afinitor]")
OCTREOTIDE_SC_SBD = coding(RX, "207198", "1 ML octreotide 0.1 MG/ML Injection [Sandostatin]")
OCTREOTIDE_LAR_10 = coding(RX, "898607", "octreotide 10 MG Injection [Sandostatin]")
OCTREOTIDE_LAR_30 = coding(RX, "898603", "octreotide 30 MG Injection [Sandostatin]")
OCTREOTIDE_LAR_20_SCD = coding(RX, "898589", "octreotide 20 MG Injection")
LANREOTIDE_120_SCD = coding(RX, "749814", "0.5 ML lanreotide 240 MG/ML Prefilled Syringe")
OMEPRAZOLE = coding(RX, "7646", "omeprazole")
OMEPRAZOLE_20 = coding(RX, "198051", "omeprazole 20 MG Delayed Release Oral Capsule")
PANTOPRAZOLE_40 = coding(RX, "314200", "pantoprazole 40 MG Delayed Release Oral Tablet")

# labs
HBA1C = coding(LNC, "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood")
FASTING_GLUCOSE = coding(LNC, "1558-6", "Fasting glucose [Mass/volume] in Serum or Plasma")
GLUCOSE = coding(LNC, "2345-7", "Glucose [Mass/volume] in Serum or Plasma")
LANREOTIDE_60_SCD = coding(RX, "749811", "0.2 ML lanreotide 300 MG/ML Prefilled Syringe")
