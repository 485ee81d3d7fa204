"""Small builders for synthetic FHIR R4 patients: readable fixture definitions, valid resources.

Dates are written relative to ANCHOR (the fixtures' "now"); the Bundle records the anchor so loaders can
roll the dates to any other now.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

ANCHOR = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
ANCHOR_SYSTEM = "urn:pnet-cds:fixture-anchor"

SCT = "http://snomed.info/sct"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
LNC = "http://loinc.org"
HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
CPT = "http://www.ama-assn.org/go/cpt"
UCUM = "http://unitsofmeasure.org"


def coding(system: str, code: str, display: str) -> dict:
    return {"system": system, "code": code, "display": display}


def concept(*codings: dict, text: str | None = None) -> dict:
    result = {"coding": list(codings)}
    result["text"] = text or codings[0]["display"]
    return result


def ago(days: float = 0, hours: float = 0) -> str:
    """A dateTime `days`/`hours` before the anchor."""
    return (ANCHOR - timedelta(days=days, hours=hours)).isoformat().replace("+00:00", "Z")


def ahead(days: float = 0) -> str:
    return (ANCHOR + timedelta(days=days)).isoformat().replace("+00:00", "Z")


def qty(value: float, unit: str) -> dict:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


ROLE_SYSTEM = "urn:pnet-cds:fixture-role"


def mark_draft(resource: dict, selected: bool = False) -> dict:
    """Tag a resource as one of the hook's draft orders (and, for order-select, a selected one)."""
    tags = [{"system": ROLE_SYSTEM, "code": "draft-order"}]
    if selected:
        tags.append({"system": ROLE_SYSTEM, "code": "selected"})
    resource["meta"] = {"tag": tags}
    return resource


class Patient:
    """One synthetic patient and everything on their record; `bundle()` gives the transaction Bundle."""

    def __init__(self, slug: str, given: str, family: str, gender: str = "female", birth: str = "1962-04-12"):
        self.slug = slug
        self.resources: list[dict] = []
        self._n = 0
        self.patient = {"resourceType": "Patient", "id": slug, "name": [{"given": [given], "family": family}],
                        "gender": gender, "birthDate": birth}
        self.resources.append(self.patient)

    @property
    def ref(self) -> dict:
        return {"reference": f"Patient/{self.slug}"}

    def _id(self, prefix: str) -> str:
        self._n += 1
        return f"{self.slug}-{prefix}-{self._n}"

    def _add(self, resource: dict) -> dict:
        self.resources.append(resource)
        return resource

    def condition(self, *codings: dict, clinical: str | None = "active", verification: str | None = "confirmed",
                  onset_days: float = 400, text: str | None = None) -> dict:
        resource = {"resourceType": "Condition", "id": self._id("cond"), "subject": self.ref,
                    "code": concept(*codings, text=text), "onsetDateTime": ago(onset_days)}
        if clinical:
            resource["clinicalStatus"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": clinical}]}
        if verification:
            resource["verificationStatus"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": verification}]}
        return self._add(resource)

    def medication(self, *codings: dict, text: str | None = None) -> dict:
        """A Medication resource (for medicationReference)."""
        return self._add({"resourceType": "Medication", "id": self._id("med"), "code": concept(*codings, text=text)})

    def med_request(self, *codings: dict, status: str = "active", intent: str = "order", authored_days: float = 60,
                    dose: dict | None = None, timing: dict | None = None, text: str | None = None,
                    medication: dict | None = None, contained: dict | None = None, validity_end_days: float | None = None,
                    dosage_text: str | None = None) -> dict:
        resource = {"resourceType": "MedicationRequest", "id": self._id("medrx"), "status": status, "intent": intent,
                    "subject": self.ref, "authoredOn": ago(authored_days)}
        if contained is not None:
            contained = dict(contained, id="med")
            resource["contained"] = [contained]
            resource["medicationReference"] = {"reference": "#med"}
        elif medication is not None:
            resource["medicationReference"] = {"reference": f"Medication/{medication['id']}"}
        else:
            resource["medicationCodeableConcept"] = concept(*codings, text=text)
        dosage = {}
        if dosage_text:
            dosage["text"] = dosage_text
        if timing:
            dosage["timing"] = timing
        if dose:
            dosage["doseAndRate"] = [{"doseQuantity": dose}]
        if dosage:
            resource["dosageInstruction"] = [dosage]
        if validity_end_days is not None:
            resource["dispenseRequest"] = {"validityPeriod": {"start": ago(authored_days), "end": ago(validity_end_days)}}
        return self._add(resource)

    def draft_med(self, *codings: dict, status: str = "draft", selected: bool = False, **kwargs) -> dict:
        """A draft order of this ordering session (`status` other than draft: a withdrawn draft)."""
        kwargs.setdefault("authored_days", 0)
        return mark_draft(self.med_request(*codings, status=status, **kwargs), selected)

    def med_admin(self, *codings: dict, days_ago: float, hours_ago: float = 0, status: str = "completed",
                  dose: dict | None = None, text: str | None = None) -> dict:
        resource = {"resourceType": "MedicationAdministration", "id": self._id("medadmin"), "status": status,
                    "medicationCodeableConcept": concept(*codings, text=text), "subject": self.ref,
                    "effectiveDateTime": ago(days_ago, hours_ago)}
        if dose:
            resource["dosage"] = {"dose": dose}
        return self._add(resource)

    def med_statement(self, *codings: dict, days_ago: float, status: str = "active") -> dict:
        return self._add({"resourceType": "MedicationStatement", "id": self._id("medstmt"), "status": status,
                          "medicationCodeableConcept": concept(*codings), "subject": self.ref,
                          "effectiveDateTime": ago(days_ago)})

    def observation(self, code: dict, value: float, unit: str, days_ago: float, low: float | None = None,
                    high: float | None = None, flag: str | None = None, status: str = "final") -> dict:
        resource = {"resourceType": "Observation", "id": self._id("obs"), "status": status,
                    "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}],
                    "code": concept(code), "subject": self.ref, "effectiveDateTime": ago(days_ago),
                    "valueQuantity": qty(value, unit)}
        if low is not None or high is not None:
            reference = {}
            if low is not None:
                reference["low"] = qty(low, unit)
            if high is not None:
                reference["high"] = qty(high, unit)
            resource["referenceRange"] = [reference]
        if flag:
            resource["interpretation"] = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": flag}]}]
        return self._add(resource)

    def procedure(self, *codings: dict, days_ago: float, status: str = "completed", text: str | None = None,
                  used: list[dict] | None = None) -> dict:
        resource = {"resourceType": "Procedure", "id": self._id("proc"), "status": status, "subject": self.ref,
                    "code": concept(*codings, text=text), "performedDateTime": ago(days_ago)}
        if used:
            resource["usedCode"] = [concept(c) for c in used]
        return self._add(resource)

    def diagnostic_report(self, *codings: dict, days_ago: float, status: str = "final", text: str | None = None,
                          conclusion: str | None = None) -> dict:
        resource = {"resourceType": "DiagnosticReport", "id": self._id("report"), "status": status,
                    "code": concept(*codings, text=text), "subject": self.ref, "effectiveDateTime": ago(days_ago),
                    "issued": ago(days_ago)}
        if conclusion:
            resource["conclusion"] = conclusion
        return self._add(resource)

    def imaging_study(self, description: str, days_ago: float, status: str = "available") -> dict:
        return self._add({"resourceType": "ImagingStudy", "id": self._id("imaging"), "status": status,
                          "subject": self.ref, "started": ago(days_ago), "description": description})

    def service_request(self, *codings: dict, status: str = "active", days_ago: float = 1) -> dict:
        return self._add({"resourceType": "ServiceRequest", "id": self._id("sr"), "status": status,
                          "intent": "order", "code": concept(*codings), "subject": self.ref,
                          "authoredOn": ago(days_ago)})

    def draft_service(self, *codings: dict, selected: bool = False) -> dict:
        return mark_draft(self.service_request(*codings, status="draft", days_ago=0), selected)

    def bundle(self) -> dict:
        """A FHIR R4 transaction Bundle (PUT with the resources' own ids), tagged with the anchor date."""
        return {
            "resourceType": "Bundle",
            "type": "transaction",
            "meta": {"tag": [{"system": ANCHOR_SYSTEM, "code": ANCHOR.isoformat().replace("+00:00", "Z"),
                              "display": "the 'now' this fixture's dates were written against"}]},
            "entry": [
                {"fullUrl": f"urn:uuid:{r['resourceType'].lower()}-{r['id']}", "resource": r,
                 "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
                for r in self.resources
            ],
        }
