"""Synthetic patients (`fhir_fixtures/*.json`, FHIR R4 transaction Bundles) turned into hook requests.

Each fixture Bundle carries its anchor date in `meta.tag` (system `urn:pnet-cds:fixture-anchor`): the
"now" its dates were written against. `load_fixture(..., now=...)` rolls every date by (now - anchor), so a
fixture means the same thing whenever it is fired. Draft orders are the resources with status `draft`;
everything else is the patient's record, served as prefetch the way an EHR would fill the service's
templates (one searchset Bundle per key, filtered by resource type and `code=` tokens).
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

ANCHOR_SYSTEM = "urn:pnet-cds:fixture-anchor"
ROLE_SYSTEM = "urn:pnet-cds:fixture-role"
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$")
_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2})?$")
_DATE_KEYS = re.compile(r"(DateTime|Date|Instant|^date$|^start$|^end$|^issued$|^authoredOn$|^recorded$|^started$|^occurrence)")


@dataclass
class Fixture:
    name: str
    patient: dict
    record: list[dict]
    drafts: list[dict]
    anchor: datetime | None

    @property
    def patient_id(self) -> str:
        return self.patient["id"]

    def summary(self) -> dict:
        """Name and key problems, for pickers (CLI list, sandbox page)."""
        name = (self.patient.get("name") or [{}])[0]
        label = " ".join(name.get("given", []) + [name.get("family", "")]).strip() or self.name
        problems = [
            (c.get("code") or {}).get("text") or ((c.get("code") or {}).get("coding") or [{}])[0].get("display", "")
            for c in self.record if c.get("resourceType") == "Condition"
        ]
        return {"name": self.name, "patient": label, "patientId": self.patient_id,
                "problems": [p for p in problems if p], "drafts": len(self.drafts)}


def fixture_path(directory: Path, name: str) -> Path:
    path = directory / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no fixture {name!r} in {directory}")
    return path


def list_fixtures(directory: Path) -> list[str]:
    return sorted(path.stem for path in directory.glob("*.json"))


def load_fixture(directory: Path, name: str, now: datetime | None = None) -> Fixture:
    """Read a fixture Bundle; with `now`, roll its dates so they stand in the same relation to `now`."""
    bundle = json.loads(fixture_path(directory, name).read_text(encoding="utf-8"))
    return load_fixture_bundle(bundle, name, now)


def load_fixture_bundle(bundle: dict, name: str, now: datetime | None = None) -> Fixture:
    """A Fixture from an in-memory fixture Bundle (see load_fixture)."""
    anchor = fixture_anchor(bundle)
    resources = [entry["resource"] for entry in bundle.get("entry", [])]
    if now is not None and anchor is not None:
        resources = [roll_dates(resource, now - anchor) for resource in resources]
    patients = [r for r in resources if r.get("resourceType") == "Patient"]
    if len(patients) != 1:
        raise ValueError(f"fixture {name!r} must hold exactly one Patient")
    drafts = [r for r in resources if r.get("status") == "draft" or "draft-order" in _roles(r)]
    record = [r for r in resources if r not in drafts and r.get("resourceType") != "Patient"]
    return Fixture(name, patients[0], record, drafts, anchor)


def _roles(resource: dict) -> set[str]:
    return {tag.get("code") for tag in (resource.get("meta") or {}).get("tag") or []
            if tag.get("system") == ROLE_SYSTEM}


def default_selections(drafts: list[dict]) -> list[str]:
    """The drafts tagged `selected`, else every draft order (not Medications) — as order-select sends them."""
    orders = [d for d in drafts if d.get("resourceType") != "Medication"]
    chosen = [d for d in orders if "selected" in _roles(d)] or orders
    return [f"{d['resourceType']}/{d['id']}" for d in chosen]


def fixture_anchor(bundle: dict) -> datetime | None:
    for tag in (bundle.get("meta") or {}).get("tag") or []:
        if tag.get("system") == ANCHOR_SYSTEM:
            return datetime.fromisoformat(tag["code"].replace("Z", "+00:00"))
    return None


def roll_dates(resource: dict, shift: timedelta) -> dict:
    """A copy of `resource` with every date/dateTime value moved by `shift` (dates stay dates)."""
    def walk(node, key=""):
        if isinstance(node, dict):
            return {k: walk(v, k) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(item, key) for item in node]
        if isinstance(node, str) and _DATE_KEYS.search(key) and _DATETIME.match(node):
            return _shift(node, shift)
        if isinstance(node, str) and _DATE_KEYS.search(key) and _PARTIAL_DATE.match(node):
            return _shift_partial(node, shift)
        return node
    return walk(copy.deepcopy(resource))


def _shift_partial(value: str, shift: timedelta) -> str:
    """A month-only or year-only date moved by `shift` from its middle, kept at its precision."""
    middle = datetime.fromisoformat(f"{value}-15" if len(value) == 7 else f"{value}-07-01") + shift
    return middle.date().isoformat()[: len(value)]


def _shift(value: str, shift: timedelta) -> str:
    if len(value) == 10:
        return (datetime.fromisoformat(value) + shift).date().isoformat()
    moved = datetime.fromisoformat(value.replace("Z", "+00:00")) + shift
    return moved.isoformat().replace("+00:00", "Z")


def build_hook_request(fixture: Fixture, service: dict, selections: list[str] | None = None,
                       extra_drafts: list[dict] | None = None, hook_instance: str | None = None) -> dict:
    """The CDS Hooks request an EHR would send for this patient to `service` (a discovery entry)."""
    drafts = list(fixture.drafts) + list(extra_drafts or [])
    context: dict = {"userId": "Practitioner/pnet-cds-harness", "patientId": fixture.patient_id}
    if service["hook"] in ("order-select", "order-sign"):
        context["draftOrders"] = {"resourceType": "Bundle", "type": "collection",
                                  "entry": [{"resource": draft} for draft in drafts]}
    if service["hook"] == "order-select":
        context["selections"] = selections or default_selections(drafts)
    return {
        "hook": service["hook"],
        "hookInstance": hook_instance or str(uuid.uuid4()),
        "context": context,
        "prefetch": {key: prefetch_bundle(fixture.record, template)
                     for key, template in service.get("prefetch", {}).items()},
    }


def prefetch_bundle(resources: list[dict], template: str) -> dict:
    """The searchset Bundle an EHR would return for a prefetch template over these resources."""
    resource_type, _, query = template.partition("?")
    params = parse_qs(query)
    wanted_codes = set()
    for token in ",".join(params.get("code", [])).split(","):
        if token:
            system, _, code = token.rpartition("|")
            wanted_codes.add((system, code))
    matches = [r for r in resources if r.get("resourceType") == resource_type
               and (not wanted_codes or _has_code(r, wanted_codes))]
    entries = [{"resource": r, "search": {"mode": "match"}} for r in matches]
    if resource_type == "MedicationRequest":
        # What `_include=MedicationRequest:medication` would add: the Medications the requests reference.
        entries += [{"resource": r, "search": {"mode": "include"}} for r in resources
                    if r.get("resourceType") == "Medication"]
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": len(matches)}
    if entries:
        bundle["entry"] = entries
    return bundle


def _has_code(resource: dict, wanted: set[tuple[str, str]]) -> bool:
    for coding in (resource.get("code") or {}).get("coding") or []:
        if (coding.get("system", ""), coding.get("code")) in wanted or ("", coding.get("code")) in wanted:
            return True
    return False

