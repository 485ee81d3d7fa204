"""Realistic synthetic patients for benchmarks: a pNET history plus years of bulk.

`make_patient(observations=N)` gives a record shaped like a cancer patient's: a metastatic pNET treated
with somatostatin analogs and four PRRT doses, comorbidities, dozens of medication orders, procedures, and
N laboratory results spread over the years (CBCs, chemistry, tumor markers), most of them codes the
rules read. Deterministic for a given size (seeded).
"""

from __future__ import annotations

import random

from tests.fixtures_src.builder import ICD, LNC, RX, SCT, Patient, coding, qty
from tests.fixtures_src import codes

LABS = [  # (coding, unit, low, high, typical)
    (codes.HEMOGLOBIN, "g/dL", 12.0, 15.5, 13.0),
    (codes.WBC, "10*3/uL", 3.4, 10.8, 6.0),
    (codes.PLATELETS, "10*3/uL", 150, 400, 240),
    (codes.POTASSIUM, "mmol/L", 3.5, 5.1, 4.2),
    (codes.MAGNESIUM, "mg/dL", 1.7, 2.2, 2.0),
    (coding(LNC, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma"), "mg/dL", 0.6, 1.1, 0.9),
    (coding(LNC, "2345-7", "Glucose [Mass/volume] in Serum or Plasma"), "mg/dL", 70, 99, 92),
    (coding(LNC, "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood"), "%", 4.0, 5.6, 5.4),
    (coding(LNC, "1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma"), "U/L", 7, 56, 30),
    (coding(LNC, "9811-1", "Chromogranin A [Mass/volume] in Serum or Plasma"), "ng/mL", 0, 95, 180),
]
COMORBIDITIES = [
    coding(SCT, "44054006", "Diabetes mellitus type 2 (disorder)"),
    coding(SCT, "94381002", "Metastatic malignant neoplasm to liver (disorder)"),
    coding(ICD, "C78.7", "Secondary malignant neoplasm of liver and intrahepatic bile duct"),
    coding(SCT, "709044004", "Chronic kidney disease"),
    coding(SCT, "34095006", "Dehydration (disorder)"),
    coding(ICD, "N18.30", "Chronic kidney disease, stage 3 unspecified"),
]
OTHER_DRUGS = [
    coding(RX, "198051", "omeprazole 20 MG Delayed Release Oral Capsule"),
    coding(RX, "198116", "potassium chloride 20 MEQ Extended Release Oral Tablet"),
    coding(RX, "197582", "dexamethasone 4 MG Oral Tablet"),
    coding(RX, "312617", "prednisone 5 MG Oral Tablet"),
    coding(RX, "314076", "lisinopril 10 MG Oral Tablet"),
]


def make_patient(observations: int, conditions: int = 30, medication_requests: int = 40, seed: int = 7) -> Patient:
    """A pNET patient with `observations` lab results and the given bulk."""
    rng = random.Random(seed * 1_000_003 + observations)
    p = Patient(f"bench-{observations}", "Bench", f"Patient-{observations}")
    p.condition(codes.PNET_WD, onset_days=2200)
    for index in range(conditions - 1):
        p.condition(COMORBIDITIES[index % len(COMORBIDITIES)], onset_days=rng.randint(30, 3000),
                    clinical=rng.choice(["active", "active", "resolved"]))
    p.med_request(codes.LANREOTIDE_120_SBD, status="stopped", authored_days=900, dose=qty(120, "mg"))
    for dose in range(4):
        p.med_admin(codes.LU177_PIN, days_ago=400 + 56 * dose, dose=qty(7.4, "GBq"))
    for index in range(medication_requests - 1):
        p.med_request(OTHER_DRUGS[index % len(OTHER_DRUGS)], status=rng.choice(["active", "stopped", "completed"]),
                      authored_days=rng.randint(1, 2500))
    for index in range(observations):
        code, unit, low, high, typical = LABS[index % len(LABS)]
        value = round(rng.gauss(typical, (high - low) / 6 or 1), 2)
        p.observation(code, value, unit, days_ago=7 + (index * 2900 / max(observations, 1)) % 2900,
                      low=low, high=high)
    p.procedure(codes.GA68_HCPCS, days_ago=500)
    return p


def record_size(patient: Patient) -> int:
    return len(patient.resources) - 1  # the Patient itself is not prefetched
