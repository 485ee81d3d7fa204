"""Codings used by the fixtures of rules 17–24, each from ../shared/TERMINOLOGY.md (sources in cards/valuesets),
and small builders those fixtures share. Not a fixture module: it defines no patients."""

from .builder import ICD, LNC, RX, SCT, UCUM, Patient, ago, coding, qty

FIXTURES: dict = {}  # codes and helpers only (build.py reads FIXTURES from every module here)

# conditions
PNET_NEC = coding(SCT, "1186869002", "Neuroendocrine carcinoma of pancreas (disorder)")
NEC_POORLY_DIFF = coding(SCT, "123631000119103", "Malignant poorly differentiated neuroendocrine carcinoma (disorder)")
ICD_C7A_1 = coding(ICD, "C7A.1", "Malignant poorly differentiated neuroendocrine tumors")
ICD_E16_4 = coding(ICD, "E16.4", "Increased secretion of gastrin")
ICD_E16_8 = coding(ICD, "E16.8", "Other specified disorders of pancreatic internal secretion")
CKD = coding(SCT, "709044004", "Chronic kidney disease")
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
ICDO3_NEC = coding(ICDO3, "8246/3", "Neuroendocrine carcinoma, NOS")
ICDO3_LARGE_CELL_NEC = coding(ICDO3, "8013/3", "Large cell neuroendocrine carcinoma")
ICDO3_NEC_PANCREAS_PAIR = coding(ICDO3, "8246/3-C25.4", "Neuroendocrine carcinoma, NOS, of islets of Langerhans")
ICDO3_SMALL_CELL_LUNG_PAIR = coding(ICDO3, "8041/3-C34.1", "Small cell carcinoma, NOS, of upper lobe, lung")
ICDO3_NET_G2_G3 = coding(ICDO3, "8249/3", "Neuroendocrine tumor, grade 2")
HIGH_GRADE = coding(SCT, "1155707008", "High histologic grade (qualifier value)")
HISTOLOGY_EXTENSION = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior"

# drugs
TEMOZOLOMIDE = coding(RX, "37776", "temozolomide")
TEMOZOLOMIDE_100 = coding(RX, "317160", "temozolomide 100 MG Oral Capsule")
TEMODAR_100 = coding(RX, "261290", "temozolomide 100 MG Oral Capsule [Temodar]")
CAPECITABINE = coding(RX, "194000", "capecitabine")
CAPECITABINE_500 = coding(RX, "200328", "capecitabine 500 MG Oral Tablet")
XELODA_500 = coding(RX, "213293", "capecitabine 500 MG Oral Tablet [Xeloda]")
BEVACIZUMAB_SCD = coding(RX, "1657066", "4 ML bevacizumab 25 MG/ML Injection")
EVEROLIMUS = coding(RX, "141704", "everolimus")
AFINITOR_10 = coding(RX, "845512", "everolimus 10 MG Oral Tablet [Afinitor]")
TMP_SMX_DS = coding(RX, "198335", "sulfamethoxazole 800 MG / trimethoprim 160 MG Oral Tablet")
ATOVAQUONE_SUSPENSION = coding(RX, "308429", "atovaquone 750 MG in 5 ML Oral Suspension")
DAPSONE = coding(RX, "3108", "dapsone")
NEBUPENT = coding(RX, "861599", "pentamidine isethionate 300 MG for inhalation [NebuPent]")
THALIDOMIDE = coding(RX, "10432", "thalidomide")
THALIDOMIDE_50 = coding(RX, "200390", "thalidomide 50 MG Oral Capsule")
PEMBROLIZUMAB = coding(RX, "1547545", "pembrolizumab")
KEYTRUDA = coding(RX, "1657751", "4 ML pembrolizumab 25 MG/ML Injection [Keytruda]")
ATEZOLIZUMAB = coding(RX, "1792776", "atezolizumab")
SUNITINIB = coding(RX, "357977", "sunitinib")
SUTENT_50 = coding(RX, "616292", "sunitinib 50 MG Oral Capsule [Sutent]")
STREPTOZOCIN = coding(RX, "10114", "streptozocin")
ZANOSAR = coding(RX, "207948", "streptozocin 1000 MG Injection [Zanosar]")
PASIREOTIDE = coding(RX, "1364105", "pasireotide")
SIGNIFOR_LAR_20 = coding(RX, "1597599", "pasireotide 20 MG Injection [Signifor]")
LUTATHERA = coding(RX, "1999687", "25 ML lutetium Lu 177 dotatate 10 MCI/ML Injection [Lutathera]")

# labs and vital signs
CREATININE = coding(LNC, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma")
EGFR = coding(LNC, "98979-8", "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma "
                              "or Blood by Creatinine-based formula (CKD-EPI 2021)")
TSH = coding(LNC, "3016-3", "Thyrotropin [Units/volume] in Serum or Plasma")
SYSTOLIC = coding(LNC, "8480-6", "Systolic blood pressure")
DIASTOLIC = coding(LNC, "8462-4", "Diastolic blood pressure")
BP_PANEL = coding(LNC, "85354-9", "Blood pressure panel with all children optional")
URINE_PROTEIN = coding(LNC, "2888-6", "Protein [Mass/volume] in Urine")

EGFR_MDRD = coding(LNC, "48642-3", "Glomerular filtration rate/1.73 sq M.predicted among non-blacks [Volume Rate/Area] "
                                   "in Serum, Plasma or Blood by Creatinine-based formula (MDRD)")
EGFR_MDRD_BLACK = coding(LNC, "48643-1", "Glomerular filtration rate/1.73 sq M.predicted among blacks [Volume Rate/Area] "
                                         "in Serum, Plasma or Blood by Creatinine-based formula (MDRD)")
EGFR_CKD_EPI_2009 = coding(LNC, "62238-1", "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, "
                                           "Plasma or Blood by Creatinine-based formula (CKD-EPI)")
EGFR_UNIT = "mL/min/{1.73_m2}"
CAP_DOSE = dict(dose=qty(750, "mg/m2"), timing={"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}})
TMZ_DOSE = dict(dose=qty(200, "mg/m2"), timing={"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}})
# single-agent / everolimus-combination course: days 1-5 of 28, structured as a 5-day course and in the text
TMZ_5_DAY = dict(dose=qty(150, "mg/m2"), dosage_text="150 mg/m2 orally once daily on days 1-5 of each 28-day cycle",
                 timing={"repeat": {"frequency": 1, "period": 1, "periodUnit": "d",
                                    "boundsDuration": {"value": 5, "unit": "days", "system": UCUM, "code": "d"}}})
# dose-intense: 7 days on / 7 days off, said only in the dosage text (FHIR Timing cannot say it)
TMZ_7_ON_7_OFF = dict(dose=qty(150, "mg/m2"), dosage_text="150 mg/m2 PO daily days 1-7 and 15-21 of a 28-day cycle",
                      timing={"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}})


def text_condition(p: Patient, text: str, onset_days: float = 300) -> dict:
    """A condition known only by its text (no verified code for it): never in pNET scope."""
    return p._add({"resourceType": "Condition", "id": p._id("cond"), "subject": p.ref, "code": {"text": text},
                   "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                                  "code": "active"}]},
                   "onsetDateTime": ago(onset_days)})


def vital_signs(p: Patient, days_ago: float, systolic: float | None = 128, diastolic: float = 82,
                panel: bool = True) -> dict:
    """A blood pressure as EHRs send it: the 85354-9 panel with components, or a bare systolic Observation."""
    category = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                             "code": "vital-signs"}]}]
    base = {"resourceType": "Observation", "id": p._id("bp"), "status": "final", "category": category,
            "subject": p.ref, "effectiveDateTime": ago(days_ago)}
    if not panel:
        return p._add({**base, "code": {"coding": [SYSTOLIC], "text": "Systolic blood pressure"},
                       "valueQuantity": qty(systolic, "mm[Hg]")})
    components = [{"code": {"coding": [DIASTOLIC]}, "valueQuantity": qty(diastolic, "mm[Hg]")}]
    if systolic is not None:
        components.insert(0, {"code": {"coding": [SYSTOLIC]}, "valueQuantity": qty(systolic, "mm[Hg]")})
    return p._add({**base, "code": {"coding": [BP_PANEL], "text": "Blood pressure"}, "component": components})


def text_med_request(p: Patient, text: str, status: str = "active", authored_days: float = 20) -> dict:
    """An order that names its drug by text only (no verified code for it): drug identity is never decided
    from text, so rules cannot see it."""
    return p._add({"resourceType": "MedicationRequest", "id": p._id("medrx"), "status": status, "intent": "order",
                   "subject": p.ref, "authoredOn": ago(authored_days), "medicationCodeableConcept": {"text": text}})


def open_statement(p: Patient, *codings: dict, start_days: float, status: str = "active") -> dict:
    """A MedicationStatement as EHR medication lists send it: an open period (start, no end)."""
    return p._add({"resourceType": "MedicationStatement", "id": p._id("medstmt"), "status": status,
                   "medicationCodeableConcept": {"coding": list(codings), "text": codings[0]["display"]},
                   "subject": p.ref, "effectivePeriod": {"start": ago(start_days)}})


def egfr(p: Patient, code: dict, value: float, days_ago: float, unit: str | None, ucum: str | None = None,
         comparator: str | None = None) -> dict:
    """An eGFR as labs send it: the unit as text (`unit`), a UCUM code only when given, maybe a comparator."""
    quantity = {"value": value}
    if comparator:
        quantity["comparator"] = comparator
    if unit:
        quantity["unit"] = unit
    if ucum:
        quantity.update(system=UCUM, code=ucum)
    return p._add({"resourceType": "Observation", "id": p._id("obs"), "status": "final",
                   "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                             "code": "laboratory"}]}],
                   "code": {"coding": [code], "text": "eGFR"}, "subject": p.ref, "effectiveDateTime": ago(days_ago),
                   "valueQuantity": quantity})


def with_histology(condition: dict, morphology: dict) -> dict:
    """The mCODE histology-morphology-behavior extension on a cancer condition."""
    condition["extension"] = [{"url": HISTOLOGY_EXTENSION, "valueCodeableConcept": {"coding": [morphology]}}]
    return condition
