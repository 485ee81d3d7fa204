"""Fixtures for rule 4 `gastrinoma-ppi-first`."""

from .builder import Patient, qty
from .codes import GASTRINOMA_PANCREAS, ICD_C25_4, LANREOTIDE_120_SBD, MALIGNANT_INSULINOMA, OCTREOTIDE_SC
from .codes_rules_a import ICD_E16_4, OMEPRAZOLE, OMEPRAZOLE_20, PANTOPRAZOLE_40, ZOLLINGER_ELLISON

from .codes import LANREOTIDE
from .codes_v2_ssa import renews

RULE = "gastrinoma-ppi-first"
SC = dict(dose=qty(100, "ug"), timing={"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}})
DEPOT = dict(dose=qty(120, "mg"), timing={"repeat": {"frequency": 1, "period": 4, "periodUnit": "wk"}})
DAILY = {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}


def octreotide_gastrinoma_no_ppi():
    p = Patient("gas-no-ppi", "Carla", "Gastrinoma")
    p.condition(GASTRINOMA_PANCREAS, onset_days=200)
    p.draft_med(OCTREOTIDE_SC, **SC)
    return p


def lanreotide_product_code_icd10_pair():
    """ICD-10-CM only: C25.4 + E16.4 (increased secretion of gastrin) mean a pancreatic gastrinoma."""
    p = Patient("gas-icd", "Dirk", "Gastrinoma-Icd", gender="male")
    p.condition(ICD_C25_4, onset_days=400)
    p.condition(ICD_E16_4, onset_days=390)
    p.draft_med(LANREOTIDE_120_SBD, **DEPOT)
    return p


def zes_ppi_stopped():
    """Zollinger-Ellison syndrome; the pantoprazole order was stopped two months ago."""
    p = Patient("gas-ppi-stopped", "Elke", "Gastrinoma-Stopped")
    p.condition(ZOLLINGER_ELLISON, onset_days=500)
    p.med_request(PANTOPRAZOLE_40, status="stopped", authored_days=200, dose=qty(40, "mg"), timing=DAILY)
    p.draft_med(OCTREOTIDE_SC, **SC)
    return p


def octreotide_medication_reference():
    p = Patient("gas-medref", "Finn", "Gastrinoma-Medref", gender="male")
    p.condition(GASTRINOMA_PANCREAS, onset_days=100)
    medication = p.medication(OCTREOTIDE_SC)
    p.draft_med(medication=medication, **SC)
    return p


def on_omeprazole_product_code():
    p = Patient("gas-on-ppi", "Gina", "Gastrinoma-Ppi")
    p.condition(GASTRINOMA_PANCREAS, onset_days=300)
    p.med_request(OMEPRAZOLE_20, status="active", authored_days=90, dose=qty(40, "mg"),
                  timing={"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}})
    p.draft_med(OCTREOTIDE_SC, **SC)
    return p


def ppi_drafted_same_session():
    p = Patient("gas-ppi-draft", "Hugo", "Gastrinoma-Draft", gender="male")
    p.condition(GASTRINOMA_PANCREAS, onset_days=30)
    p.draft_med(OMEPRAZOLE, dose=qty(40, "mg"), timing={"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}})
    p.draft_med(OCTREOTIDE_SC, **SC)
    return p


def ppi_statement_last_week():
    """The patient reports taking omeprazole (MedicationStatement dated 7 days ago); no order on record."""
    p = Patient("gas-ppi-stmt", "Iris", "Gastrinoma-Statement")
    p.condition(GASTRINOMA_PANCREAS, onset_days=300)
    p.med_statement(OMEPRAZOLE_20, days_ago=7)
    p.draft_med(OCTREOTIDE_SC, **SC)
    return p


def insulinoma_not_gastrinoma():
    p = Patient("gas-insulinoma", "Jens", "Gastrinoma-None", gender="male")
    p.condition(MALIGNANT_INSULINOMA, onset_days=100)
    p.draft_med(OCTREOTIDE_SC, **SC)
    return p


def resolved_gastrinoma():
    p = Patient("gas-resolved", "Kira", "Gastrinoma-Resolved")
    p.condition(GASTRINOMA_PANCREAS, clinical="resolved", onset_days=1500)
    p.draft_med(OCTREOTIDE_SC, **SC)
    return p


def gastrin_code_without_neoplasm():
    p = Patient("gas-e16-4-only", "Lutz", "Hypergastrinemia", gender="male")
    p.condition(ICD_E16_4, onset_days=100)
    p.draft_med(OCTREOTIDE_SC, **SC)
    return p


def lanreotide_monthly_renewal_no_ppi():
    """v2 renewal: lanreotide active (ingredient code) since last month, renewed at the product code; no PPI."""
    p = Patient("gas-renewal", "Egon", "Gastrinoma", gender="male")
    p.condition(GASTRINOMA_PANCREAS, onset_days=300)
    active = p.med_request(LANREOTIDE, status="active", authored_days=28, **DEPOT)
    renews(p.draft_med(LANREOTIDE_120_SBD, **DEPOT), active)
    return p


FIXTURES = {
    f"{RULE}--lanreotide-monthly-renewal-no-ppi": lanreotide_monthly_renewal_no_ppi,
    f"{RULE}--octreotide-gastrinoma-no-ppi": octreotide_gastrinoma_no_ppi,
    f"{RULE}--lanreotide-product-code-icd10-pair": lanreotide_product_code_icd10_pair,
    f"{RULE}--zes-ppi-stopped": zes_ppi_stopped,
    f"{RULE}--octreotide-medication-reference": octreotide_medication_reference,
    f"{RULE}--on-omeprazole-product-code": on_omeprazole_product_code,
    f"{RULE}--ppi-drafted-same-session": ppi_drafted_same_session,
    f"{RULE}--ppi-statement-last-week": ppi_statement_last_week,
    f"{RULE}--insulinoma-not-gastrinoma": insulinoma_not_gastrinoma,
    f"{RULE}--resolved-gastrinoma": resolved_gastrinoma,
    f"{RULE}--gastrin-code-without-neoplasm": gastrin_code_without_neoplasm,
}
