"""Common pNET orders as draft FHIR resources, for the terminal harness and the sandbox page.

Each entry is a draft MedicationRequest or ServiceRequest with a verified code (cards/valuesets, or
TERMINOLOGY.md) and, where RULES.md gives one, its standard structured dose. Entries with a dose also carry
their `sig` (route and frequency words) so a changed dose rewrites the dosage text to match.
`draft_order(key, patient_id, dose=None)` returns a fresh resource with its own id; `REGIMENS` names the
multi-drug regimens (CAPTEM, streptozocin combinations) as lists of entry keys.
"""

from __future__ import annotations

import copy
import math
import uuid

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/medicationrequest-category"
UNIT_WORDS = {"ug": "micrograms"}
MAX_DOSE = 100_000  # a bound on what the sandbox accepts, not a clinical limit


def _med(code: str, display: str, dose: tuple[float, str] | None = None, timing: dict | None = None,
         sig: str | None = None) -> dict:
    # `category` as ONE object, not the list R4 wants: what the published CDS Hooks Sandbox sends
    # (tests/data/sandbox-wire), so the page exercises the service's tolerant reader the same way.
    resource: dict = {"resourceType": "MedicationRequest", "status": "draft", "intent": "order",
                "category": {"coding": [{"system": CATEGORY, "code": "outpatient"}]},
                "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": code, "display": display}],
                                              "text": display}}
    if dose or timing or sig:
        dosage: dict = {}
        if sig:
            dosage["text"] = dose_text(dose[0], dose[1], sig) if dose else sig
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


def dose_text(value: float, unit: str, sig: str) -> str:
    """'100 micrograms subcutaneously three times daily': the dose in words, then the sig."""
    number = f"{value:g}"
    return f"{number} {UNIT_WORDS.get(unit, unit)} {sig}".strip()


EVERY_4_WEEKS = {"frequency": 1, "period": 4, "periodUnit": "wk"}
DAILY = {"frequency": 1, "period": 1, "periodUnit": "d"}
TWICE_DAILY = {"frequency": 2, "period": 1, "periodUnit": "d"}
THREE_TIMES_DAILY = {"frequency": 3, "period": 1, "periodUnit": "d"}


def _entry(label: str, group: str, resource: dict, sig: str | None = None) -> dict:
    return {"label": label, "group": group, "resource": resource, "sig": sig}


# Doses: RULES.md rule 8 (standard doses), rule 17 (CAPTEM); Lu-177 dotatate 7.4 GBq per cycle as in its label.
ORDERS: dict[str, dict] = {
    "octreotide-sc": _entry("Octreotide 100 micrograms SC three times daily", "Somatostatin analogs",
                            _med("312069", "1 ML octreotide 0.1 MG/ML Injection", (100, "ug"), THREE_TIMES_DAILY,
                                 "subcutaneously three times daily"), "subcutaneously three times daily"),
    "octreotide-lar": _entry("Octreotide LAR 20 mg IM every 4 weeks", "Somatostatin analogs",
                             _med("898591", "octreotide 20 MG Injection [Sandostatin]", (20, "mg"), EVERY_4_WEEKS,
                                  "intramuscularly every 4 weeks"), "intramuscularly every 4 weeks"),
    "lanreotide": _entry("Lanreotide 120 mg deep SC every 4 weeks", "Somatostatin analogs",
                         _med("749816", "0.5 ML lanreotide 240 MG/ML Prefilled Syringe [Somatuline]", (120, "mg"),
                              EVERY_4_WEEKS, "deep subcutaneously every 4 weeks"),
                         "deep subcutaneously every 4 weeks"),
    "lutathera": _entry("Lutetium Lu 177 dotatate 7.4 GBq IV", "PRRT",
                        _med("1999687", "25 ML lutetium Lu 177 dotatate 10 MCI/ML Injection [Lutathera]",
                             (7.4, "GBq"), None, "intravenously over 30 minutes"), "intravenously over 30 minutes"),
    "everolimus": _entry("Everolimus 10 mg orally once daily", "Targeted therapy",
                         _med("845507", "everolimus 10 MG Oral Tablet", (10, "mg"), DAILY, "orally once daily"),
                         "orally once daily"),
    "sunitinib": _entry("Sunitinib 37.5 mg orally once daily (continuous)", "Targeted therapy",
                        _med("1541890", "sunitinib 37.5 MG Oral Capsule", (37.5, "mg"), DAILY,
                             "orally once daily, continuous"),
                        "orally once daily, continuous"),
    "capecitabine": _entry("Capecitabine 750 mg/m2 twice daily, days 1-14 (CAPTEM)", "Chemotherapy",
                           _med("200328", "capecitabine 500 MG Oral Tablet", (750, "mg/m2"), TWICE_DAILY,
                                "orally twice daily, days 1-14 of 28-day cycles"),
                           "orally twice daily, days 1-14 of 28-day cycles"),
    "temozolomide": _entry("Temozolomide 200 mg/m2 once daily, days 10-14 (CAPTEM)", "Chemotherapy",
                           _med("317160", "temozolomide 100 MG Oral Capsule", (200, "mg/m2"), DAILY,
                                "orally once daily, days 10-14 of 28-day cycles"),
                           "orally once daily, days 10-14 of 28-day cycles"),
    "streptozocin": _entry("Streptozocin 1 g vial (dose to be set)", "Chemotherapy",
                           _med("239180", "streptozocin 1000 MG Injection")),
    "fluorouracil": _entry("Fluorouracil 50 mg/mL (dose to be set)", "Chemotherapy",
                           _med("1791701", "10 ML fluorouracil 50 MG/ML Injection")),
    "doxorubicin": _entry("Doxorubicin 2 mg/mL (dose to be set)", "Chemotherapy",
                          _med("1790099", "10 ML doxorubicin hydrochloride 2 MG/ML Injection")),
    "diazoxide": _entry("Diazoxide oral suspension (dose to be set)", "Supportive",
                        _med("197593", "diazoxide 50 MG/ML Oral Suspension")),
    "cbc": _entry("CBC with automated differential", "Labs",
                  _lab("57021-8", "CBC W Auto Differential panel - Blood", "CBC with differential")),
    "bmp": _entry("Basic metabolic panel", "Labs",
                  _lab("24321-2", "Basic metabolic 2000 panel - Serum or Plasma", "Basic metabolic panel")),
    "creatinine": _entry("Creatinine, serum", "Labs",
                         _lab("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "Creatinine")),
}

REGIMENS: dict[str, dict] = {
    "captem": {"label": "CAPTEM: capecitabine + temozolomide", "orders": ["capecitabine", "temozolomide"]},
    "streptozocin-fluorouracil": {"label": "Streptozocin + fluorouracil (doses to be set)",
                                  "orders": ["streptozocin", "fluorouracil"]},
    "streptozocin-doxorubicin": {"label": "Streptozocin + doxorubicin (doses to be set)",
                                 "orders": ["streptozocin", "doxorubicin"]},
}


def standard_dose(key: str) -> dict | None:
    """{'value', 'unit'} of the entry's structured dose, or None when the prescriber sets it."""
    dosage = (ORDERS[key]["resource"].get("dosageInstruction") or [{}])[0]
    quantity = ((dosage.get("doseAndRate") or [{}])[0]).get("doseQuantity")
    return {"value": quantity["value"], "unit": quantity["unit"]} if quantity else None


def draft_order(key: str, patient_id: str, dose: float | None = None, authored_on: str | None = None) -> dict:
    """A new draft resource for catalog entry `key`, with `dose` (in the entry's unit) when given and
    `authoredOn` (a date, as the CDS Hooks Sandbox sends it) when given.
    Raises KeyError listing the known keys, ValueError for a dose the entry cannot take."""
    if key not in ORDERS:
        raise KeyError(f"unknown order {key!r}; known: {', '.join(ORDERS)}")
    resource = copy.deepcopy(ORDERS[key]["resource"])
    if dose is not None:
        _set_dose(key, resource, dose)
    resource["id"] = f"draft-{key}-{uuid.uuid4().hex[:8]}"
    resource["subject"] = {"reference": f"Patient/{patient_id}"}
    if authored_on:
        resource["authoredOn"] = authored_on
    return resource


def _set_dose(key: str, resource: dict, dose: float) -> None:
    standard = standard_dose(key)
    if standard is None:
        raise ValueError(f"order {key!r} has no structured dose; the prescriber sets it")
    if isinstance(dose, bool) or not isinstance(dose, (int, float)) or not math.isfinite(dose) \
            or not 0 < dose <= MAX_DOSE:
        raise ValueError(f"dose must be a number above 0 and at most {MAX_DOSE}")
    dosage = resource["dosageInstruction"][0]
    dosage["doseAndRate"][0]["doseQuantity"]["value"] = dose
    dosage["text"] = dose_text(dose, standard["unit"], ORDERS[key]["sig"] or "")
