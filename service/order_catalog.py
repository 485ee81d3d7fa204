"""Common pNET orders as draft FHIR resources, for the terminal harness and the sandbox page.

Each entry is a draft MedicationRequest or ServiceRequest with a verified code (see cards/valuesets) and,
where the guideline gives one, its standard structured dose. `draft_order(key, patient_id)` returns a
fresh resource with its own id.
"""

from __future__ import annotations

import copy
import uuid

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def _med(code: str, display: str, dose: tuple[float, str] | None = None, timing: dict | None = None,
         text: str | None = None) -> dict:
    resource = {"resourceType": "MedicationRequest", "status": "draft", "intent": "order",
                "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": code, "display": display}],
                                              "text": display}}
    if dose or timing or text:
        dosage: dict = {}
        if text:
            dosage["text"] = text
        if timing:
            dosage["timing"] = {"repeat": timing}
        if dose:
            dosage["doseAndRate"] = [{"doseQuantity": {"value": dose[0], "unit": dose[1], "system": UCUM,
                                                       "code": dose[1]}}]
        resource["dosageInstruction"] = [dosage]
    return resource


def _lab(code: str, display: str, text: str) -> dict:
    return {"resourceType": "ServiceRequest", "status": "draft", "intent": "order",
            "code": {"coding": [{"system": LOINC, "code": code, "display": display}], "text": text}}


EVERY_4_WEEKS = {"frequency": 1, "period": 4, "periodUnit": "wk"}
DAILY = {"frequency": 1, "period": 1, "periodUnit": "d"}

ORDERS: dict[str, dict] = {
    "octreotide-sc": {"label": "Octreotide 100 micrograms SC three times daily",
                      "resource": _med("312069", "1 ML octreotide 0.1 MG/ML Injection", (100, "ug"),
                                       {"frequency": 3, "period": 1, "periodUnit": "d"},
                                       "100 micrograms subcutaneously three times daily")},
    "octreotide-lar": {"label": "Octreotide LAR 20 mg IM every 4 weeks",
                       "resource": _med("898591", "octreotide 20 MG Injection [Sandostatin]", (20, "mg"),
                                        EVERY_4_WEEKS, "20 mg intramuscularly every 4 weeks")},
    "lanreotide": {"label": "Lanreotide 120 mg deep SC every 4 weeks",
                   "resource": _med("749816", "0.5 ML lanreotide 240 MG/ML Prefilled Syringe [Somatuline]",
                                    (120, "mg"), EVERY_4_WEEKS, "120 mg deep subcutaneously every 4 weeks")},
    "lutathera": {"label": "Lutetium Lu 177 dotatate 7.4 GBq IV",
                  "resource": _med("1999687", "25 ML lutetium Lu 177 dotatate 10 MCI/ML Injection [Lutathera]",
                                   (7.4, "GBq"), None, "7.4 GBq intravenously over 30 minutes")},
    "everolimus": {"label": "Everolimus 10 mg orally once daily",
                   "resource": _med("845507", "everolimus 10 MG Oral Tablet", (10, "mg"), DAILY,
                                    "10 mg orally once daily")},
    "sunitinib": {"label": "Sunitinib (dose to be set)",
                  "resource": _med("357977", "sunitinib")},
    "capecitabine": {"label": "Capecitabine 500 mg tablets (CAPTEM)",
                     "resource": _med("200328", "capecitabine 500 MG Oral Tablet")},
    "temozolomide": {"label": "Temozolomide 100 mg capsules (CAPTEM)",
                     "resource": _med("317160", "temozolomide 100 MG Oral Capsule")},
    "streptozocin": {"label": "Streptozocin 1 g injection",
                     "resource": _med("239180", "streptozocin 1000 MG Injection")},
    "diazoxide": {"label": "Diazoxide oral suspension",
                  "resource": _med("197593", "diazoxide 50 MG/ML Oral Suspension")},
    "cbc": {"label": "CBC with automated differential",
            "resource": _lab("57021-8", "CBC W Auto Differential panel - Blood", "CBC with differential")},
    "bmp": {"label": "Basic metabolic panel",
            "resource": _lab("24321-2", "Basic metabolic 2000 panel - Serum or Plasma", "Basic metabolic panel")},
}


def draft_order(key: str, patient_id: str) -> dict:
    """A new draft resource for catalog entry `key`. Raises KeyError listing the known keys."""
    if key not in ORDERS:
        raise KeyError(f"unknown order {key!r}; known: {', '.join(ORDERS)}")
    resource = copy.deepcopy(ORDERS[key]["resource"])
    resource["id"] = f"draft-{key}-{uuid.uuid4().hex[:8]}"
    resource["subject"] = {"reference": f"Patient/{patient_id}"}
    return resource
