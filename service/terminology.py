"""Value sets as data: loaded once from `cards/valuesets/*.yaml` into sets of (system, code).

Drug codes at every RxNorm level (IN, PIN, SCD, SBD, BN) and HCPCS map to one ingredient concept, so a
rule asks "is this octreotide?" and "which formulation?", never "is this code 898591?".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

# libyaml's C loader is ~10x faster; start-up reads ~60 files.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"
HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
CPT = "http://www.ama-assn.org/go/cpt"
UMLS = "http://terminology.hl7.org/CodeSystem/umls"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"

# Other spellings of the same code systems seen in real EHR payloads.
SYSTEM_ALIASES = {
    "urn:oid:2.16.840.1.113883.6.96": SNOMED,
    "http://snomed.info/sct/": SNOMED,
    "urn:oid:2.16.840.1.113883.6.90": ICD10CM,
    "http://hl7.org/fhir/sid/icd-10": ICD10CM,  # WHO ICD-10 shares the codes this service uses
    "urn:oid:2.16.840.1.113883.6.88": RXNORM,
    "http://www.nlm.nih.gov/research/umls/rxnorm/": RXNORM,
    "urn:oid:2.16.840.1.113883.6.1": LOINC,
    "http://loinc.org/": LOINC,
    "urn:oid:2.16.840.1.113883.6.285": HCPCS,
    "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets": HCPCS,
    "urn:oid:2.16.840.1.113883.6.12": CPT,
    "urn:oid:2.16.840.1.113883.6.43.1": ICDO3,
    "http://hl7.org/fhir/sid/icd-o-3": ICDO3,  # an older spelling still seen in oncology profiles
}

KINDS = {"condition", "drug", "lab", "procedure", "imaging", "service"}


def normalise_coding(system: str | None, code: str | None) -> tuple[str, str] | None:
    """Return the (system, code) pair in the form value sets store, or None when either is missing."""
    if not system or not code or not isinstance(system, str) or not isinstance(code, str):
        return None  # a malformed coding names nothing (intake has reported it)
    system = SYSTEM_ALIASES.get(system.strip(), system.strip())
    code = code.strip()
    if system == ICD10CM:
        code = code.upper().replace(".", "")
    return system, code


@dataclass(frozen=True)
class CodeEntry:
    system: str
    code: str
    display: str
    ingredient: str | None = None
    formulation: str | None = None
    tty: str | None = None


@dataclass
class ValueSet:
    """One value set: its codes, and for conditions the ICD-10-CM neoplasm + functional-code pairs."""

    id: str
    title: str
    kind: str
    entries: dict[tuple[str, str], CodeEntry]
    pair_neoplasm: frozenset[str] = frozenset()
    pair_functional: frozenset[str] = frozenset()
    text_pattern: re.Pattern | None = None

    def __contains__(self, coding: tuple[str, str] | None) -> bool:
        return coding in self.entries

    def entry(self, coding: tuple[str, str] | None) -> CodeEntry | None:
        return self.entries.get(coding) if coding else None

    def matches_text(self, text: str | None) -> bool:
        return bool(text and self.text_pattern and self.text_pattern.search(text))


@dataclass
class Terminology:
    """All value sets by id; `ingredient_of` answers drug identity for any code in any drug value set."""

    value_sets: dict[str, ValueSet]
    _ingredients: dict[tuple[str, str], CodeEntry] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for value_set in self.value_sets.values():
            if value_set.kind == "drug":
                for key, entry in value_set.entries.items():
                    self._ingredients.setdefault(key, entry)

    def __getitem__(self, value_set_id: str) -> ValueSet:
        try:
            return self.value_sets[value_set_id]
        except KeyError:
            raise KeyError(f"unknown value set {value_set_id!r}: add cards/valuesets/{value_set_id}.yaml") from None

    def drug_entry(self, coding: tuple[str, str] | None) -> CodeEntry | None:
        """The drug code's entry (ingredient, formulation) in any drug value set, or None."""
        return self._ingredients.get(coding) if coding else None


def load_terminology(directory: Path) -> Terminology:
    """Read every `*.yaml` value set in `directory`. Raises ValueError naming the file and the fix."""
    value_sets = {}
    for path in sorted(directory.glob("*.yaml")):
        value_set = _parse_value_set(path, yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER))
        value_sets[value_set.id] = value_set
    if not value_sets:
        raise ValueError(f"no value sets found in {directory}")
    return Terminology(value_sets)


def _parse_value_set(path: Path, data: dict) -> ValueSet:
    def fail(message: str) -> ValueError:
        return ValueError(f"{path}: {message} (see cards/valuesets/README.md)")

    if not isinstance(data, dict):
        raise fail("a value set file must be a mapping")
    if data.get("id") != path.stem:
        raise fail(f"id {data.get('id')!r} must equal the file name {path.stem!r}")
    if data.get("kind") not in KINDS:
        raise fail(f"kind must be one of {sorted(KINDS)}")
    entries = {}
    for index, raw in enumerate(data.get("codes") or []):
        key = normalise_coding(str(raw.get("system", "")), str(raw.get("code", "")))
        if key is None or not raw.get("display"):
            raise fail(f"codes[{index}] needs system, code and display")
        entries[key] = CodeEntry(key[0], key[1], raw["display"], raw.get("ingredient"),
                                 raw.get("formulation"), raw.get("tty"))
    pairs = data.get("icd10cm_pairs") or {}
    patterns = data.get("text_patterns") or []
    text_pattern = None
    if patterns:
        text_pattern = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in patterns) + r")\b", re.IGNORECASE)
    return ValueSet(
        id=data["id"], title=data.get("title", data["id"]), kind=data["kind"], entries=entries,
        pair_neoplasm=frozenset(c.replace(".", "").upper() for c in pairs.get("neoplasm", [])),
        pair_functional=frozenset(c.replace(".", "").upper() for c in pairs.get("functional", [])),
        text_pattern=text_pattern,
    )
