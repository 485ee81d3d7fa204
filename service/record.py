"""The patient's data as the rules see it: FHIR resources indexed by type, validated on first read, handed out
only validated.

Validating every resource of a large prefetch with `fhir.resources` is slow, so the record keeps the raw
JSON and validates a resource (once) only when a rule actually reads it. A resource that fails validation
raises InvalidFhirResource naming its place in the request; in lenient mode it is skipped and reported.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Collection

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from .errors import InvalidFhirResource, Problem
from .terminology import ValueSet, normalise_coding


def codings(concept: dict | None) -> list[tuple[str, str]]:
    """The normalised (system, code) pairs of a CodeableConcept (or of a bare Coding)."""
    if not isinstance(concept, dict):
        return []
    raw = concept.get("coding") if "coding" in concept else [concept]
    pairs = []
    for coding in raw if isinstance(raw, list) else []:
        if isinstance(coding, dict):
            pair = normalise_coding(coding.get("system"), coding.get("code"))
            if pair:
                pairs.append(pair)
    return pairs


def concept_text(concept: dict | None) -> str:
    """Text and displays of a CodeableConcept, joined, for text patterns and card wording."""
    if not isinstance(concept, dict):
        return ""
    parts = [concept.get("text") or ""]
    for coding in concept.get("coding") or []:
        if isinstance(coding, dict):
            parts.append(coding.get("display") or "")
    return " ".join(part for part in parts if isinstance(part, str) and part)


def display_of(concept: dict | None, fallback: str = "") -> str:
    """The best human label of a CodeableConcept: its text, else the first coding display."""
    if isinstance(concept, dict):
        if isinstance(concept.get("text"), str) and concept["text"]:
            return concept["text"]
        for coding in concept.get("coding") or []:
            if isinstance(coding, dict) and coding.get("display"):
                return coding["display"]
    return fallback


def reference_key(resource: dict) -> str:
    """`Type/id` of a resource (the form used by references and `context.selections`)."""
    return f"{resource.get('resourceType')}/{resource.get('id')}"


class ValidationCache:
    """Fingerprints of resources this process has already found valid FHIR R4 (bounded, least recently
    used out first). EHRs send the same resources to patient-view, order-select and order-sign seconds
    apart; a fingerprint (BLAKE2b of the canonical JSON, ~30 µs) replaces a validation (~0.3–0.6 ms).
    Only successes are kept: an invalid resource is validated, and reported, every time."""

    def __init__(self, size: int):
        self.size = size
        self._seen: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def fingerprint(resource: dict) -> bytes:
        canonical = json.dumps(resource, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.blake2b(canonical.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def known_valid(self, fingerprint: bytes) -> bool:
        with self._lock:
            if fingerprint in self._seen:
                self._seen.move_to_end(fingerprint)
                return True
            return False

    def remember_valid(self, fingerprint: bytes) -> None:
        with self._lock:
            self._seen[fingerprint] = None
            self._seen.move_to_end(fingerprint)
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


Predicate = Callable[[dict], bool]


class Candidates:
    """Resources of one record picked by cheap tests on their JSON and not validated yet. They are handed out
    only validated, each when it is reached (`first`) or all at once (`all`): validation dominates the cost
    of a hook call, so a rule that wants the newest valid result validates one, not every result.
    Opaque on purpose: nothing outside the record sees a resource before it is validated."""

    __slots__ = ("_record", "_resources")

    def __init__(self, record: "PatientRecord", resources: list[dict]):
        self._record = record
        self._resources = resources

    def newest_first(self, key: Callable[[dict], Any]) -> "Candidates":
        """The candidates sorted by `key` (on the raw JSON), largest first; equal keys keep record order."""
        return Candidates(self._record, sorted(self._resources, key=key, reverse=True))

    def all(self) -> list[dict]:
        """Every candidate that is valid FHIR R4, in order (see PatientRecord for invalid ones)."""
        return self._record._read(self._resources)

    def first(self, test: Predicate | None = None, until: Predicate | None = None) -> dict | None:
        """The first candidate for which `test` holds and that is valid; only that one (and invalid ones
        before it) is validated. None once a candidate meets `until` (e.g. the first result, newest first,
        that is older than a window: every later one is older still)."""
        for resource in self._resources:
            if until is not None and until(resource):
                return None
            if (test is None or test(resource)) and self._record._read([resource]):
                return resource
        return None


@dataclass
class PatientRecord:
    """Resources by type, with where each came from in the request; `missing` names unfetchable data.

    It hands out validated resources only (`valid`, `select`, `draft_orders`, `resolve`): a rule never
    filters raw JSON and validates it itself. Filters passed in run on the raw JSON first, so only the
    resources they keep are validated. What rules compute from the record is cached per hook call in
    `request_cache.RequestCache`, never here: the record holds the patient's data and nothing derived."""

    pointers: dict[int, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    lenient: bool = False
    validation_cache: ValidationCache | None = None
    skipped: list[Problem] = field(default_factory=list)
    admit: Callable[[dict, str], bool] | None = None  # intake's gate (service/intake.py): normalise, one patient
    _by_type: dict[str, list[dict]] = field(default_factory=dict)
    _drafts: list[dict] = field(default_factory=list)
    _validated: set[int] = field(default_factory=set)
    _invalid: set[int] = field(default_factory=set)
    _by_reference: dict[str, dict] = field(default_factory=dict)
    _code_index: dict[str, dict[tuple[str, str], list[dict]]] = field(default_factory=dict)
    _position: dict[int, int] = field(default_factory=dict)

    def add(self, resource: dict, pointer: str) -> None:
        """Index one raw resource found at `pointer` in the request (or fetched), if `admit` lets it in."""
        if self.admit is not None and not self.admit(resource, pointer):
            return
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if not isinstance(kind, str):
            return
        resources = self._by_type.setdefault(kind, [])
        self._position[id(resource)] = len(resources)
        resources.append(resource)
        self.pointers[id(resource)] = pointer
        if resource.get("id"):
            self._by_reference[reference_key(resource)] = resource

    def add_draft(self, resource: dict, pointer: str) -> None:
        """Keep one draft order of this hook call (drafts are orders being written, not history)."""
        self._drafts.append(resource)
        self.pointers[id(resource)] = pointer
        if resource.get("resourceType") == "Medication" and resource.get("id"):
            self._by_reference[reference_key(resource)] = resource

    def count(self) -> int:
        return sum(len(resources) for resources in self._by_type.values())

    def select(self, kind: str, where: Predicate | None = None,
               codes: ValueSet | Collection[tuple[str, str]] | None = None) -> Candidates:
        """The resources of `kind` (record order) whose `code` has a coding in `codes` (when given: through
        an index built once per kind, so the cost follows the value set, not the record) and for which
        `where` holds, as Candidates: validated when handed out."""
        found = self._by_type.get(kind, []) if codes is None else self._with_code_in(kind, codes)
        return Candidates(self, [r for r in found if where(r)] if where is not None else list(found))

    def valid(self, kind: str, where: Predicate | None = None,
              codes: ValueSet | Collection[tuple[str, str]] | None = None) -> list[dict]:
        """The valid FHIR R4 resources of `kind` that `select` picks (a cheap test first, then validation)."""
        return self.select(kind, where, codes).all()

    def draft_orders(self, where: Predicate | None = None) -> list[dict]:
        """The valid draft orders of this hook call for which `where` holds, in request order."""
        return self._read([d for d in self._drafts if where is None or where(d)])

    def unresolved_medication_references(self, holders: Collection[str]) -> list[str]:
        """`Medication/...` references of resources of the `holders` types (prefetched or drafted) that name
        no Medication in the request: what intake may fetch. Read before validation (nothing is handed out)."""
        wanted: list[str] = []
        for kind in holders:
            for holder in self._by_type.get(kind, []) + [d for d in self._drafts if d.get("resourceType") == kind]:
                link = holder.get("medicationReference")
                reference = link.get("reference") if isinstance(link, dict) else None
                if isinstance(reference, str) and reference.startswith("Medication/") and \
                        self.resolve(reference, holder) is None and reference not in wanted:
                    wanted.append(reference)
        return wanted

    def _with_code_in(self, kind: str, codes: ValueSet | Collection[tuple[str, str]]) -> list[dict]:
        index = self._code_index.get(kind)
        if index is None:
            index = {}
            for resource in self._by_type.get(kind, []):
                for coding in set(codings(resource.get("code"))):
                    index.setdefault(coding, []).append(resource)
            self._code_index[kind] = index
        keys = codes.entries.keys() if isinstance(codes, ValueSet) else codes
        if len(index) < len(keys):
            found = [r for coding, rs in index.items() if coding in keys for r in rs]
        else:
            found = [r for coding in keys for r in index.get(coding, ())]
        unique = {id(r): r for r in found}
        return sorted(unique.values(), key=lambda r: self._position[id(r)])

    def _read(self, resources: list[dict]) -> list[dict]:
        """Validate `resources` (once each) and return those that are valid FHIR R4.

        Raises InvalidFhirResource naming the first invalid one, unless the record is lenient, in which
        case invalid ones are left out and listed in `skipped`.
        """
        valid = []
        for resource in resources:
            key = id(resource)
            if key not in self._validated and key not in self._invalid:
                self._validate(resource)
            if key in self._validated:
                valid.append(resource)
        return valid

    def resolve(self, reference: str | None, container: dict | None = None) -> dict | None:
        """The resource a reference points at: contained (`#id`) in `container`, or anywhere in the record
        (validated)."""
        if not isinstance(reference, str) or not reference:
            return None
        if reference.startswith("#") and container:
            for contained in container.get("contained") or []:
                if isinstance(contained, dict) and contained.get("id") == reference[1:]:
                    return contained
            return None
        parts = reference.rstrip("/").split("/")
        if len(parts) >= 2:
            found = self._by_reference.get(f"{parts[-2]}/{parts[-1]}")
            if found is not None:
                valid = self._read([found])
                return valid[0] if valid else None
        return None

    def _validate(self, resource: dict) -> None:
        message = validation_problem(resource, self.validation_cache)
        if message is None:
            self._validated.add(id(resource))
            return
        self._invalid.add(id(resource))
        problem = Problem(self.pointers.get(id(resource), ""), message)
        if not self.lenient:
            raise InvalidFhirResource("a FHIR resource in the request is not valid FHIR R4", [problem]) from None
        self.skipped.append(problem)


def validation_problem(resource: dict, cache: ValidationCache | None = None) -> str | None:
    """None when `resource` is valid FHIR R4 (R4B models), else what is wrong with it (no values quoted).
    With a cache, a resource whose fingerprint was found valid before is not validated again."""
    fingerprint = None
    if cache is not None:
        try:
            fingerprint = cache.fingerprint(resource)
        except (TypeError, ValueError, RecursionError):
            fingerprint = None  # not canonical JSON: validation below says what is wrong
        if fingerprint is not None and cache.known_valid(fingerprint):
            return None
    try:
        get_fhir_model_class(resource.get("resourceType")).model_validate(resource)
    except (ValidationError, KeyError, ValueError, TypeError, RecursionError) as exc:
        return _summarise_validation_error(resource, exc)
    if fingerprint is not None and cache is not None:
        cache.remember_valid(fingerprint)
    return None


def _summarise_validation_error(resource: dict, exc: Exception) -> str:
    kind = resource.get("resourceType")
    if isinstance(exc, ValidationError):
        details = []
        for error in exc.errors()[:3]:
            location = ".".join(str(part) for part in error.get("loc", ()) if part != "__root__")
            details.append(f"{location or kind}: {error.get('msg')}")
        return f"invalid {kind}: " + "; ".join(details)
    if isinstance(exc, RecursionError):
        return f"invalid {kind}: nested too deeply to validate"
    return f"not a known FHIR R4 resource type: {kind!r}"
