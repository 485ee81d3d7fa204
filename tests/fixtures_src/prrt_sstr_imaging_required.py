"""Fixtures for rule 9 `prrt-sstr-imaging-required`."""

from .builder import Patient, qty
from .codes import (CT_ABDOMEN, DOTATATE_IN, GA68_HCPCS, LU177_PIN, LU177_SBD, PET_CT_CPT, PNET_NONFUNCTIONAL,
                    PNET_WD)
from .builder import coding

RULE = "prrt-sstr-imaging-required"
LU_DOSE = dict(dose=qty(7.4, "GBq"))


def _pnet(slug, given):
    p = Patient(slug, given, "Prrt-Imaging")
    p.condition(PNET_WD, onset_days=700)
    return p


def no_imaging():
    p = _pnet("sstr-none", "Pia")
    p.draft_med(LU177_PIN, **LU_DOSE)
    return p


def ct_only_product_code():
    """A CT abdomen is imaging, but not somatostatin-receptor imaging; Lutathera ordered by SBD code."""
    p = _pnet("sstr-ct-only", "Quinn")
    p.diagnostic_report(CT_ABDOMEN, days_ago=40, conclusion="Multiple hepatic metastases.")
    p.draft_med(LU177_SBD, **LU_DOSE)
    return p


def ga68_dotatate_pet_report():
    """Generic PET/CT code; the report text names the tracer."""
    p = _pnet("sstr-ga68-report", "Rosa")
    p.diagnostic_report(PET_CT_CPT, days_ago=30, text="Ga-68 DOTATATE PET/CT",
                        conclusion="Avid hepatic metastases (Krenning 4).")
    p.draft_med(LU177_PIN, **LU_DOSE)
    return p


def octreoscan_local_code_procedure():
    p = Patient("sstr-octreoscan", "Sami", "Prrt-Imaging", gender="male")
    p.condition(PNET_NONFUNCTIONAL, onset_days=900)
    p.procedure(coding("urn:oid:1.2.840.114350.1.13.0.1.7.2.696580", "NM1234", "NM OCTREOSCAN WHOLE BODY"),
                days_ago=200)
    p.draft_med(LU177_SBD, **LU_DOSE)
    return p


def hcpcs_a9587_procedure():
    p = _pnet("sstr-a9587", "Tara")
    p.procedure(GA68_HCPCS, days_ago=50)
    p.draft_med(LU177_PIN, **LU_DOSE)
    return p


def dotatate_ingredient_only_no_lutetium():
    """RxNorm IN 'dotatate' alone does not mean lutetium-177 (TERMINOLOGY pitfall 9): no card."""
    p = _pnet("sstr-dotatate-in", "Uma")
    p.draft_med(DOTATATE_IN, **LU_DOSE)
    return p


NEGATIVE = coding("http://snomed.info/sct", "260385009", "Negative (qualifier value)")


def scheduled_ga68_pet_only():
    """The SSTR PET is booked (ImagingStudy registered, report preliminary): not yet done."""
    p = _pnet("sstr-scheduled", "Vic")
    p.imaging_study("PET/CT Ga-68 DOTATATE skull base to mid-thigh", days_ago=-7, status="registered")
    p.diagnostic_report(PET_CT_CPT, days_ago=1, status="preliminary", text="Ga-68 DOTATATE PET/CT")
    p.draft_med(LU177_SBD, **LU_DOSE)
    return p


def negative_ga68_pet_coded():
    """The only SSTR PET is reported negative (conclusionCode SNOMED CT 260385009)."""
    p = _pnet("sstr-negative", "Wyn")
    report = p.diagnostic_report(PET_CT_CPT, days_ago=40, text="Ga-68 DOTATATE PET/CT",
                                 conclusion="No somatostatin-receptor avid disease.")
    report["conclusionCode"] = [{"coding": [NEGATIVE], "text": "Negative"}]
    p.draft_med(LU177_PIN, **LU_DOSE)
    return p


def negative_octreoscan_then_positive_pet():
    """An old negative OctreoScan, then a positive Ga-68 DOTATATE PET: the most recent performed study decides."""
    p = _pnet("sstr-neg-then-pos", "Xia")
    old = p.diagnostic_report(coding("urn:oid:1.2.840.114350.1.13.0.1.7.2.696580", "NM1234", "NM OCTREOSCAN"),
                              days_ago=700, text="NM OCTREOSCAN WHOLE BODY")
    old["conclusionCode"] = [{"coding": [NEGATIVE]}]
    p.procedure(GA68_HCPCS, days_ago=30)
    p.draft_med(LU177_PIN, **LU_DOSE)
    return p


def post_therapy_scan_only():
    """A Lu-177 DOTATATE post-therapy SPECT (text only) is not SSTR imaging; ICD-10-CM-only pNET."""
    p = Patient("sstr-post-therapy", "Yara", "Prrt-Imaging")
    p.condition(coding("http://hl7.org/fhir/sid/icd-10-cm", "C25.4", "Malignant neoplasm of endocrine pancreas"))
    p.imaging_study("SPECT/CT post-therapy Lu-177 DOTATATE", days_ago=60)
    p.draft_med(LU177_PIN, **LU_DOSE)
    return p


def performed_pet_without_coded_result():
    """A final Ga-68 DOTATATE report whose conclusion is text only: imaging on record."""
    p = _pnet("sstr-uncoded", "Zed")
    p.diagnostic_report(PET_CT_CPT, days_ago=25, text="PET/CT Ga-68 DOTATATE", status="amended",
                        conclusion="Somatostatin-receptor avid liver lesions.")
    p.draft_med(LU177_PIN, **LU_DOSE)
    return p


FIXTURES = {
    f"{RULE}--no-imaging": no_imaging,
    f"{RULE}--ct-only-product-code": ct_only_product_code,
    f"{RULE}--ga68-dotatate-pet-report": ga68_dotatate_pet_report,
    f"{RULE}--octreoscan-local-code-procedure": octreoscan_local_code_procedure,
    f"{RULE}--hcpcs-a9587-procedure": hcpcs_a9587_procedure,
    f"{RULE}--dotatate-ingredient-only-no-lutetium": dotatate_ingredient_only_no_lutetium,
    f"{RULE}--scheduled-ga68-pet-only": scheduled_ga68_pet_only,
    f"{RULE}--negative-ga68-pet-coded": negative_ga68_pet_coded,
    f"{RULE}--negative-octreoscan-then-positive-pet": negative_octreoscan_then_positive_pet,
    f"{RULE}--post-therapy-scan-only-icd10": post_therapy_scan_only,
    f"{RULE}--performed-pet-without-coded-result": performed_pet_without_coded_result,
}


