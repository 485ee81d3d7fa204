"""Intake: the tolerant reader between the hook request and the patient record.

Every resource of a hook call (draft orders, prefetch, data fetched from the FHIR server) passes here
once, before any rule reads it:

1. **Normalised** (service/fhir_shape.py): a single object where R4 wants a list (`category`,
   `dosageInstruction`, `coding`, `identifier`, … any list field of the R4B models) is wrapped; a one-item
   list where R4 wants one object is unwrapped. Counted by field in the evaluation extension.
2. **One patient per request** (RULES.md v2 "Patient identity"): a resource whose `subject`/`patient`
   names another patient than `context.patientId` is never used, only counted. References are compared
   as logical ids (`Patient/123` = `https://ehr.example/fhir/Patient/123` = `Patient/123/_history/2`); a
   resource without a subject reference in a patient-scoped prefetch belongs to the patient. A *draft*
   for another patient is a 400: the client has mixed up its patients.
3. **Shape errors** (a number where a string is wanted, a string where an object is wanted): the resource
   is not read; it is listed under `skippedResources` (strict mode: a 400 naming its place).
4. **Drafts that cannot be checked**: a draft that is not valid FHIR after normalisation, whose drug is
   named only in text, or whose `medicationReference` resolves nowhere gets the `draft-not-checked` info
   card (service/notices.py) and an entry in the extension; a MedicationRequest that names no medication
   yet (the CDS Hooks Sandbox fires order-select before a drug is chosen) is "pending": left out, listed,
   no card.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

from .errors import BadHookRequest, InvalidFhirResource, Problem
from .fhir_shape import normalise, required_reference
from .hook_request import HookRequest
from .record import PatientRecord, ValidationCache, codings, reference_key, validation_problem

log = logging.getLogger(__name__)

SUBJECT_FIELDS = ("subject", "patient")
MEDICATION_CHOICES = ("medicationCodeableConcept", "medicationReference")


@dataclass
class DraftNote:
    """A draft order that was left out or could not be checked, and why (no resource text in `reason`)."""

    pointer: str
    reference: str
    reason: str
    label: str = ""

    def to_json(self) -> dict:
        return {"pointer": self.pointer, "reference": self.reference, "reason": self.reason}


@dataclass
class Intake:
    """What intake did to one hook call's data; its `extension()` goes into the evaluation extension."""

    patient_id: str
    strict: bool = False
    validation_cache: ValidationCache | None = None
    normalised: Counter = field(default_factory=Counter)
    other_patient: Counter = field(default_factory=Counter)
    skipped: list[Problem] = field(default_factory=list)
    pending_drafts: list[DraftNote] = field(default_factory=list)
    unchecked_drafts: list[DraftNote] = field(default_factory=list)

    # --- drafts -------------------------------------------------------------------------------------

    def read_drafts(self, request: HookRequest) -> None:
        """Normalise the draft orders and keep in `request.draft_orders` only those a rule can read.
        Raises BadHookRequest (400) for a draft of another patient, and InvalidFhirResource in strict
        mode for a draft that is not valid FHIR R4."""
        kept = []
        for index, draft in enumerate(request.draft_orders):
            pointer = f"/context/draftOrders/entry/{index}/resource"
            if self._readable_draft(draft, pointer):
                kept.append(draft)
        request.draft_orders = kept

    def _readable_draft(self, draft: dict, pointer: str) -> bool:
        shape = normalise(draft)
        self.normalised.update(shape.normalised)
        self._fill_subject(draft)
        owner = self._owner(draft)
        if owner is not None and owner != self.patient_id:
            raise BadHookRequest("a draft order is for another patient than context.patientId",
                                 [Problem(f"{pointer}/{self._subject_field(draft)}",
                                          "names another patient than context.patientId")])
        if draft.get("resourceType") == "MedicationRequest" and not any(draft.get(k) for k in MEDICATION_CHOICES):
            self.pending_drafts.append(DraftNote(pointer, reference_key(draft), "names no medication yet"))
            return False
        problem = "; ".join(shape.errors) if shape.errors else validation_problem(draft, self.validation_cache)
        if problem is None:
            return True
        if self.strict:
            raise InvalidFhirResource("a FHIR resource in the request is not valid FHIR R4", [Problem(pointer, problem)])
        self.unchecked_drafts.append(DraftNote(pointer, reference_key(draft), f"not valid FHIR R4: {problem}",
                                               _draft_label(draft)))
        return False

    def check_drug_identity(self, record: PatientRecord) -> None:
        """Note every MedicationRequest draft whose drug has no code (text only) or whose reference
        resolves to no Medication in the request or on the FHIR server. Such a draft stays in the record
        (no rule matches it), and gets the draft-not-checked card."""
        for draft in record.draft_orders(lambda d: d.get("resourceType") == "MedicationRequest"):
            reason = _unidentified_drug(draft, record)
            if reason:
                self.unchecked_drafts.append(DraftNote(record.pointers.get(id(draft), ""), reference_key(draft),
                                                       reason, _draft_label(draft)))

    # --- prefetch and fetched data ------------------------------------------------------------------

    def admit(self, resource: object, pointer: str) -> bool:
        """True when `resource` (from prefetch or the FHIR server) may go into the record: normalised,
        of this patient, and of a readable shape. Raises InvalidFhirResource in strict mode for a shape
        error."""
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            self._skip(Problem(pointer, "not a FHIR resource (no resourceType)"))
            return False
        shape = normalise(resource)
        self.normalised.update(shape.normalised)
        self._fill_subject(resource)
        if not self.belongs(resource):
            self.other_patient[resource["resourceType"]] += 1
            return False
        if shape.errors:
            self._skip(Problem(pointer, f"invalid {resource['resourceType']}: " + "; ".join(shape.errors)))
            return False
        return True

    def _fill_subject(self, resource: dict) -> None:
        """A resource without the subject R4 requires is, in a patient-scoped prefetch, search or draft
        list, the context patient's (RULES.md v2): say so in the resource, so that it validates."""
        name = required_reference(resource["resourceType"])
        if name is not None and name not in resource:
            resource[name] = {"reference": f"Patient/{self.patient_id}"}
            self.normalised[f"{resource['resourceType']}.{name} (absent: context.patientId)"] += 1

    def belongs(self, resource: dict) -> bool:
        """True unless the resource names another patient (a Patient resource: another id)."""
        owner = self._owner(resource)
        return owner is None or owner == self.patient_id

    def _skip(self, problem: Problem) -> None:
        if self.strict:
            raise InvalidFhirResource("a FHIR resource in the request is not valid FHIR R4", [problem])
        self.skipped.append(problem)

    @staticmethod
    def _subject_field(resource: dict) -> str:
        return next((name for name in SUBJECT_FIELDS if name in resource), "subject")

    @staticmethod
    def _owner(resource: dict) -> str | None:
        """The patient id a resource is about: its own id for a Patient, else the logical id its
        subject/patient reference names ('' for a reference to something that is not a Patient), or None
        when it names none that can be compared (no subject, `#contained`, `urn:uuid:`, identifier only)."""
        if resource.get("resourceType") == "Patient":
            return resource.get("id") if isinstance(resource.get("id"), str) else None
        for name in SUBJECT_FIELDS:
            link = resource.get(name)
            if isinstance(link, dict) and isinstance(link.get("reference"), str):
                return patient_id_of(link["reference"])
        return None

    # --- reporting ----------------------------------------------------------------------------------

    def extension(self) -> dict:
        """The intake's part of `extension["org.pnet-cds.evaluation"]` (empty when there is nothing to say)."""
        parts = {
            "normalised": dict(sorted(self.normalised.items())),
            "ignoredOtherPatient": ({"total": sum(self.other_patient.values()),
                                     "byType": dict(sorted(self.other_patient.items()))} if self.other_patient else {}),
            "pendingDrafts": [note.to_json() for note in self.pending_drafts],
            "draftsNotChecked": [note.to_json() for note in self.unchecked_drafts],
        }
        return {key: value for key, value in parts.items() if value}

    def log_summary(self, skipped_by_rules: Sequence[dict] = ()) -> None:
        """One log line (the formatter adds the request id) when intake has anything to say: what was
        normalised, ignored, skipped (here and when a rule read it) or not checked. Pointers and counts
        only, never resource content."""
        skipped = [problem.pointer for problem in self.skipped] + [p["pointer"] for p in skipped_by_rules]
        if not (self.normalised or self.other_patient or skipped or self.pending_drafts or self.unchecked_drafts):
            return
        lost = self.other_patient or skipped or self.unchecked_drafts
        log.log(logging.WARNING if lost else logging.INFO,
                "intake normalised=%s ignored_other_patient=%s skipped_resources=%s pending_drafts=%s "
                "drafts_not_checked=%s",
                ",".join(f"{k}:{v}" for k, v in sorted(self.normalised.items())) or "-",
                sum(self.other_patient.values()), ",".join(skipped) or "-",
                ",".join(note.pointer for note in self.pending_drafts) or "-",
                ",".join(f"{note.pointer}({note.reason.split(':')[0]})" for note in self.unchecked_drafts) or "-")


def patient_id_of(reference: str) -> str | None:
    """The logical id of the Patient a reference names: `Patient/123`, `https://ehr/fhir/Patient/123`
    and `Patient/123/_history/4` all give '123'; a reference to another type gives ''; a reference
    that cannot be compared (`#contained`, `urn:uuid:…`, empty) gives None."""
    reference = reference.strip()
    if not reference or reference.startswith("#") or reference.startswith("urn:"):
        return None
    parts = reference.split("?")[0].rstrip("/").split("/")
    if len(parts) >= 4 and parts[-2] == "_history":
        parts = parts[:-2]
    if len(parts) < 2:
        return None
    return parts[-1] if parts[-2] == "Patient" else ""


def _unidentified_drug(draft: dict, record: PatientRecord) -> str | None:
    concept = draft.get("medicationCodeableConcept")
    if isinstance(concept, dict):
        return None if codings(concept) else "the drug is named only in text (no coding with system and code)"
    link = draft.get("medicationReference")
    reference = link.get("reference") if isinstance(link, dict) else None
    medication = record.resolve(reference, draft)
    if medication is None:
        return "medicationReference resolves to no Medication in the request or on the FHIR server"
    coded = codings(medication.get("code")) or [
        pair for ingredient in medication.get("ingredient") or [] if isinstance(ingredient, dict)
        for pair in codings(ingredient.get("itemCodeableConcept"))]
    return None if coded else "the referenced Medication names its drug only in text"


def _draft_label(draft: dict) -> str:
    """What the clinician would call the draft: the drug's text or display, else its type and id."""
    for key in ("medicationCodeableConcept", "code"):
        concept = draft.get(key)
        if isinstance(concept, dict):
            if isinstance(concept.get("text"), str) and concept["text"]:
                return concept["text"]
            for coding in concept.get("coding") or []:
                if isinstance(coding, dict) and isinstance(coding.get("display"), str):
                    return coding["display"]
    return reference_key(draft)
