"""Codings used by the fixtures, each from ../shared/TERMINOLOGY.md (see cards/valuesets for sources)."""

from .builder import CPT, HCPCS, ICD, LNC, RX, SCT, coding

# conditions
MALIGNANT_INSULINOMA = coding(SCT, "713189001", "Malignant insulinoma (disorder)")
PNET_WD = coding(SCT, "1287665004", "Primary well-differentiated neuroendocrine tumor of pancreas (disorder)")
PNET_NONFUNCTIONAL = coding(SCT, "1208744003", "Non-functioning neuroendocrine neoplasm of pancreas (disorder)")
VIPOMA = coding(SCT, "253005002", "Vasoactive intestinal peptide-secreting tumor (disorder)")
GASTRINOMA_PANCREAS = coding(SCT, "1187519007", "Malignant gastrinoma of pancreas (disorder)")
ICD_C25_4 = coding(ICD, "C25.4", "Malignant neoplasm of endocrine pancreas")
ICD_D13_7 = coding(ICD, "D13.7", "Benign neoplasm of endocrine pancreas")
ICD_E16_1 = coding(ICD, "E16.1", "Other hypoglycemia")
HYPOKALEMIA = coding(SCT, "43339004", "Hypokalemia")
DIABETES_T2 = coding(SCT, "44054006", "Diabetes mellitus type 2 (disorder)")

# drugs
OCTREOTIDE = coding(RX, "7617", "octreotide")
OCTREOTIDE_SC = coding(RX, "312069", "1 ML octreotide 0.1 MG/ML Injection")
OCTREOTIDE_LAR_20 = coding(RX, "898591", "octreotide 20 MG Injection [Sandostatin]")
LANREOTIDE = coding(RX, "68092", "lanreotide")
LANREOTIDE_120_SBD = coding(RX, "749816", "0.5 ML lanreotide 240 MG/ML Prefilled Syringe [Somatuline]")
LU177_PIN = coding(RX, "1999335", "lutetium Lu 177 dotatate")
LU177_SBD = coding(RX, "1999687", "25 ML lutetium Lu 177 dotatate 10 MCI/ML Injection [Lutathera]")
LU177_HCPCS = coding(HCPCS, "A9513", "Lutetium Lu 177, dotatate, therapeutic, 1 millicurie")
DOTATATE_IN = coding(RX, "1797118", "dotatate")
EVEROLIMUS_10 = coding(RX, "845507", "everolimus 10 MG Oral Tablet")

# labs
POTASSIUM = coding(LNC, "2823-3", "Potassium [Moles/volume] in Serum or Plasma")
MAGNESIUM = coding(LNC, "19123-9", "Magnesium [Mass/volume] in Serum or Plasma")
HEMOGLOBIN = coding(LNC, "718-7", "Hemoglobin [Mass/volume] in Blood")
PLATELETS = coding(LNC, "777-3", "Platelets [#/volume] in Blood by Automated count")
WBC = coding(LNC, "6690-2", "Leukocytes [#/volume] in Blood by Automated count")
CBC_PANEL = coding(LNC, "58410-2", "CBC panel - Blood by Automated count")
CBC_DIFF = coding(LNC, "57021-8", "CBC W Auto Differential panel - Blood")
BMP = coding(LNC, "24321-2", "Basic metabolic 2000 panel - Serum or Plasma")
CT_ABDOMEN = coding(LNC, "41806-1", "CT Abdomen")

# procedures / imaging
PRRT_CPT = coding(CPT, "79101", "Radiopharmaceutical therapy, by intravenous administration")
PRRT_SCT = coding(SCT, "427541000119103", "Intravenous radionuclide therapy (procedure)")
PET_CT_CPT = coding(CPT, "78815", "PET with concurrently acquired CT, skull base to mid-thigh")
GA68_HCPCS = coding(HCPCS, "A9587", "Gallium Ga-68, dotatate, diagnostic, 0.1 millicurie")
