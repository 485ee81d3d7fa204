"""Static checks on the value set files in cards/valuesets/ (format: cards/valuesets/README.md).

No project imports: only yaml + pathlib, so these run before the service code exists.
"""
from pathlib import Path

import pytest
import yaml

VS_DIR = Path(__file__).resolve().parent.parent / "cards" / "valuesets"
FILES = sorted(VS_DIR.glob("*.yaml"))

KINDS = {"condition", "drug", "lab", "procedure", "imaging", "service"}
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"
HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
CPT = "http://www.ama-assn.org/go/cpt"
UMLS = "http://terminology.hl7.org/CodeSystem/umls"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
SYSTEMS = {SNOMED, ICD10CM, RXNORM, LOINC, HCPCS, CPT, UMLS, ICDO3}
RXNORM_TTYS = {"IN", "PIN", "MIN", "SCD", "SBD", "BN"}
DRUG_TTYS = RXNORM_TTYS | {"HCPCS", "SNOMED"}
FORMULATIONS = {"short-acting", "long-acting", "oral"}
TOP_KEYS = {"id", "title", "kind", "version", "codes", "icd10cm_pairs", "text_patterns"}
CODE_KEYS = {"system", "code", "display", "source", "tty", "ingredient", "formulation"}

# Every value set id the rules rely on (task brief); a missing file fails loudly.
REQUIRED_IDS = {
    "pnet", "insulinoma", "gastrinoma", "vipoma", "glucagonoma", "somatostatinoma", "pnet-nonfunctional",
    "neuroendocrine-carcinoma", "diabetes",
    "octreotide", "lanreotide", "pasireotide", "somatostatin-analogs", "lutetium-lu177-dotatate", "everolimus",
    "sunitinib", "temozolomide", "capecitabine", "streptozocin", "fluorouracil", "doxorubicin", "dacarbazine",
    "oxaliplatin", "cytotoxic-chemotherapy", "diazoxide", "proton-pump-inhibitors", "pjp-prophylaxis",
    "bevacizumab", "thalidomide", "checkpoint-inhibitors", "potassium-chloride", "magnesium-sulfate",
    "cbc-panel", "hemoglobin", "leukocytes", "platelets", "neutrophils", "cbc-components", "potassium",
    "magnesium", "hba1c", "glucose", "fasting-glucose", "creatinine", "egfr", "tsh", "systolic-bp",
    "blood-pressure-panel", "urine-protein", "basic-metabolic-panel",
    "sstr-imaging", "prrt-procedure", "hematology-referral",
}

# (value set id or None for "any file", system, code, why)
TRAPS = [
    ("lutetium-lu177-dotatate", RXNORM, "1797118", "IN 'dotatate' alone does not mean Lu-177 (pitfall 9)"),
    (None, SNOMED, "306253008", "'Referral to doctor', mislabelled as hematology in public code"),
    ("pnet", ICD10CM, "C7A.8", "C7A Excludes2 pancreatic islet cell tumours -> C25.4 (pitfall 1)"),
    ("neutrophils", LOINC, "770-8", "neutrophil percentage, not an absolute count"),
    (None, SNOMED, "20955008", "morphology 'Insulinoma, malignant', not a disorder (pitfall 6)"),
    (None, SNOMED, "19756007", "morphology 'Gastrinoma, malignant' (pitfall 6)"),
    (None, SNOMED, "31131002", "morphology 'Vipoma, malignant' (pitfall 6)"),
    (None, SNOMED, "66515009", "morphology 'Glucagonoma, malignant' (pitfall 6)"),
    (None, SNOMED, "128643000", "morphology 'Somatostatinoma, malignant' (pitfall 6)"),
]

UNIONS = {
    "somatostatin-analogs": ["octreotide", "lanreotide", "pasireotide"],
    "cytotoxic-chemotherapy": ["capecitabine", "temozolomide", "streptozocin", "fluorouracil", "doxorubicin",
                               "dacarbazine", "oxaliplatin"],
    "cbc-components": ["hemoglobin", "leukocytes", "platelets", "neutrophils"],
}


def _load(path):
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _norm_icd(code):
    return code.replace(".", "").upper()


@pytest.fixture(scope="module")
def sets():
    return {p.stem: _load(p) for p in FILES}


def test_files_exist():
    assert FILES, f"no value set files in {VS_DIR}"


def test_required_ids_present():
    missing = REQUIRED_IDS - {p.stem for p in FILES}
    assert not missing, f"missing value set files: {sorted(missing)}"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_file_structure(path):
    data = _load(path)
    assert isinstance(data, dict), "top level must be a mapping"
    assert set(data) <= TOP_KEYS, f"unknown keys {set(data) - TOP_KEYS}"
    assert data.get("id") == path.stem, "id must equal the file name"
    assert isinstance(data.get("title"), str) and data["title"].strip()
    assert data.get("kind") in KINDS, f"kind {data.get('kind')!r} not in {KINDS}"
    assert isinstance(data.get("version"), str) and data["version"].strip()
    codes = data.get("codes")
    assert isinstance(codes, list) and codes, "codes must be a non-empty list"

    seen = set()
    for i, c in enumerate(codes):
        where = f"codes[{i}]"
        assert isinstance(c, dict), where
        assert set(c) <= CODE_KEYS, f"{where}: unknown keys {set(c) - CODE_KEYS}"
        for key in ("system", "code", "display", "source"):
            assert isinstance(c.get(key), str) and c[key].strip(), f"{where}: {key} missing or not a string"
        assert c["system"] in SYSTEMS, f"{where}: system {c['system']!r} not a README URI"
        assert c["code"] == c["code"].strip(), f"{where}: whitespace in code"
        key = (c["system"], _norm_icd(c["code"]) if c["system"] == ICD10CM else c["code"])
        assert key not in seen, f"{where}: duplicate {key}"
        seen.add(key)

        if data["kind"] == "drug":
            assert c.get("tty") in DRUG_TTYS, f"{where}: drug code needs tty, got {c.get('tty')!r}"
            assert isinstance(c.get("ingredient"), str) and c["ingredient"].strip(), f"{where}: ingredient"
            if c["system"] == RXNORM:
                assert c["tty"] in RXNORM_TTYS, f"{where}: RxNorm tty {c['tty']!r}"
        if "formulation" in c:
            assert c["formulation"] in FORMULATIONS, f"{where}: formulation {c['formulation']!r}"
            assert data["kind"] == "drug", f"{where}: formulation only on drugs"

    pairs = data.get("icd10cm_pairs")
    if pairs is not None:
        assert data["kind"] == "condition"
        assert set(pairs) == {"neoplasm", "functional"}
        for part in ("neoplasm", "functional"):
            assert pairs[part] and all(isinstance(x, str) and x for x in pairs[part])
    pats = data.get("text_patterns")
    if pats is not None:
        assert data["kind"] in {"imaging", "procedure"}
        assert pats and all(isinstance(x, str) and x.strip() for x in pats)
        assert len({p.lower() for p in pats}) == len(pats), "duplicate text pattern"


def test_somatostatin_analog_formulations(sets):
    for c in sets["octreotide"]["codes"]:
        if c["tty"] in {"IN", "BN"}:
            assert "formulation" not in c, f"octreotide {c['code']} ({c['tty']}) must not carry a formulation"
        else:
            assert c.get("formulation") in FORMULATIONS, f"octreotide {c['code']} needs a formulation"
    for c in sets["lanreotide"]["codes"]:
        assert c.get("formulation") == "long-acting", f"lanreotide {c['code']}"
    forms = {c["code"]: c.get("formulation") for c in sets["octreotide"]["codes"]}
    assert forms["898591"] == "long-acting"  # octreotide 20 MG Injection [Sandostatin] = LAR Depot
    assert forms["312069"] == "short-acting"
    assert forms["2380617"] == "oral"
    assert {c["code"]: c.get("formulation") for c in sets["pasireotide"]["codes"]}["1597599"] == "long-acting"


@pytest.mark.parametrize("union", sorted(UNIONS))
def test_unions_match_members(sets, union):
    want = {(c["system"], c["code"]) for m in UNIONS[union] for c in sets[m]["codes"]}
    got = {(c["system"], c["code"]) for c in sets[union]["codes"]}
    assert got == want, f"{union}: missing {sorted(want - got)}, extra {sorted(got - want)}"


@pytest.mark.parametrize("vs_id,system,code,why", TRAPS, ids=[f"{t[0] or 'any'}-{t[2]}" for t in TRAPS])
def test_trap_codes_absent(sets, vs_id, system, code, why):
    targets = [vs_id] if vs_id else sorted(sets)
    for name in targets:
        for c in sets[name]["codes"]:
            same = c["code"] == code or (system == ICD10CM and _norm_icd(c["code"]) == _norm_icd(code))
            assert not (c["system"] == system and same), f"{name}: trap code {code} present ({why})"


def test_no_c7a_in_pnet(sets):
    bad = [c["code"] for c in sets["pnet"]["codes"] if c["system"] == ICD10CM and c["code"].upper().startswith("C7A")]
    assert not bad, f"pnet must not contain C7A.x (pitfall 1): {bad}"


def test_codes_are_strings_in_yaml():
    # YAML would turn an unquoted 7617 into an int; the loader compares strings.
    for path in FILES:
        for c in _load(path)["codes"]:
            assert type(c["code"]) is str, f"{path.name}: code {c['code']!r} is not a string"
