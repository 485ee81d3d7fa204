"""Patient data for one hook call: prefetch first, then the FHIR server for what is missing.

For each prefetch key of the service:
- a Bundle or resource in `prefetch` is used as it is (a paginated Bundle's `next` pages are fetched);
- a key that is absent, or an OperationOutcome, is fetched from `fhirServer` with the bearer token from
  `fhirAuthorization`;
- a key that is `null` means "the client has no such data" (spec); it is fetched only when a FHIR server
  is available, as a check.
Data that cannot be had is recorded in `record.missing` with the reason; the engine skips the rules that
need it and answers 412 when no rule could be evaluated.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

import requests

from .errors import BadHookRequest, FhirServerError, Problem
from .fhir_client import FhirClient, next_link
from .hook_request import HookRequest
from .intake import Intake
from .record import PatientRecord, ValidationCache

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"\{\{\s*([A-Za-z.]+)\s*\}\}")
_USER_TOKENS = {"Practitioner": "userPractitionerId", "PractitionerRole": "userPractitionerRoleId",
                "Patient": "userPatientId", "RelatedPerson": "userRelatedPersonId"}
MEDICATION_HOLDERS = ("MedicationRequest", "MedicationAdministration", "MedicationStatement", "MedicationDispense")


@dataclass
class DataSettings:
    """Limits and trust for outbound data: from app config, documented in the README."""

    trusted_fhir_servers: tuple[str, ...] = ()
    allow_http_fhir: bool = False
    deadline_seconds: float = 3.0
    timeout_seconds: float = 2.0
    max_pages: int = 10
    max_response_bytes: int = 20 * 1024 * 1024
    max_medication_reads: int = 20
    lenient: bool = False
    validation_cache: ValidationCache | None = None


def gather_patient_data(request: HookRequest, templates: dict[str, str], settings: DataSettings,
                        session: requests.Session, intake: Intake | None = None) -> PatientRecord:
    """Build the PatientRecord for `request` from its prefetch and, where needed, the FHIR server. Every
    prefetched or fetched resource passes `intake` (normalised, this patient's only) on its way in."""
    intake = intake or Intake(request.patient_id, strict=not settings.lenient)
    record = PatientRecord(lenient=settings.lenient, validation_cache=settings.validation_cache, admit=intake.admit)
    for index, resource in enumerate(request.draft_orders):
        record.add_draft(resource, f"/context/draftOrders/entry/{index}/resource")
    # Draft orders are few and are what the clinician is signing: all of them must be valid FHIR, so an
    # order of the wrong shape is a 400 rather than silently matching no rule.
    record.draft_orders()
    client, why_not = _client_for(request, settings, session)
    for key, template in templates.items():
        _gather_key(record, request, key, template, client, why_not)
    if client is not None:
        _fetch_referenced_medications(record, client, settings.max_medication_reads)
    return record


def _gather_key(record: PatientRecord, request: HookRequest, key: str, template: str,
                client: FhirClient | None, why_not: str) -> None:
    absent = key not in request.prefetch
    value = request.prefetch.get(key)
    pointer = f"/prefetch/{key}"
    if isinstance(value, dict) and value.get("resourceType") != "OperationOutcome":
        _add_bundle_or_resource(record, value, pointer)
        _follow_prefetch_pages(record, key, value, client)
        return
    if value is None and not absent and client is None:
        return  # null: the client has no data for this key
    if client is None:
        state = "absent" if absent else ("an OperationOutcome" if value else "null")
        record.missing[key] = f"prefetch key {key!r} is {state} and {why_not}"
        return
    query = render_template(template, request)
    if query is None:
        record.missing[key] = f"prefetch template {key!r} uses a token this request does not carry"
        return
    _search_into(record, client, query, key, "")


def _add_bundle_or_resource(record: PatientRecord, value: dict, pointer: str) -> None:
    if value.get("resourceType") != "Bundle":
        record.add(value, pointer)
        return
    entries = value.get("entry") or []
    if not isinstance(entries, list):  # a Bundle whose entries cannot be read must not look like "no data"
        raise BadHookRequest("a prefetch Bundle is not valid", [Problem(f"{pointer}/entry", "must be an array")])
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else entry
        if not (isinstance(resource, dict) and resource.get("resourceType") == "OperationOutcome"):
            record.add(resource, f"{pointer}/entry/{index}/resource")  # type: ignore[arg-type]  # intake reports what is not a resource


def _follow_prefetch_pages(record: PatientRecord, key: str, bundle: dict, client: FhirClient | None) -> None:
    url = next_link(bundle) if bundle.get("resourceType") == "Bundle" else None
    if url is None:
        return
    if client is None:
        record.missing[key] = f"prefetch key {key!r} is paginated and no trusted FHIR server can give the rest"
        return
    _search_into(record, client, url, key, "later pages of ")


def _search_into(record: PatientRecord, client: FhirClient, query: str, key: str, what: str) -> None:
    """Add a search's resources to the record; a failed search marks `key` missing, with the reason."""
    try:
        for resource in client.search(query):
            record.add(resource, f"(fetched {what}{key})")
    except FhirServerError as exc:
        log.warning("%sprefetch key %s could not be fetched: %s", what, key, exc.message)
        record.missing[key] = f"{what}prefetch key {key!r} could not be fetched: {exc.message}"


def _fetch_referenced_medications(record: PatientRecord, client: FhirClient, limit: int) -> None:
    for reference in record.unresolved_medication_references(MEDICATION_HOLDERS)[:limit]:
        try:
            record.add(client.get(reference), f"(fetched {reference})")
        except FhirServerError as exc:
            log.warning("medication reference could not be fetched: %s", exc.message)


def render_template(template: str, request: HookRequest) -> str | None:
    """Fill a prefetch template's tokens from the request's context and user; None if one is unknown."""
    values = {f"context.{name}": value for name, value in request.context.items()
              if isinstance(value, (str, int, float)) and not isinstance(value, bool)}
    kind, _, user_id = request.user_id.partition("/")
    if kind in _USER_TOKENS and user_id:
        values[_USER_TOKENS[kind]] = user_id
    missing = [token for token in _TOKEN.findall(template) if token not in values]
    if missing:
        return None
    return _TOKEN.sub(lambda match: str(values[match.group(1)]), template)


def _client_for(request: HookRequest, settings: DataSettings,
                session: requests.Session) -> tuple[FhirClient | None, str]:
    server = (request.fhir_server or "").rstrip("/")
    if not server:
        return None, "the request has no fhirServer"
    if not is_trusted_fhir_server(server, settings):
        return None, "fhirServer is not a FHIR server this service is configured to trust"
    if not request.access_token:
        return None, "the request has no fhirAuthorization access token"
    client = FhirClient(session=session, base_url=server, access_token=request.access_token,
                        deadline=time.monotonic() + settings.deadline_seconds, max_pages=settings.max_pages,
                        timeout=settings.timeout_seconds, max_bytes=settings.max_response_bytes)
    return client, ""


def is_trusted_fhir_server(server: str, settings: DataSettings) -> bool:
    """True when `server` is one of the configured base URLs (https unless http is allowed for local work)."""
    server = server.rstrip("/")
    if not (server.startswith("https://") or (settings.allow_http_fhir and server.startswith("http://"))):
        return False
    return any(server == trusted.rstrip("/") for trusted in settings.trusted_fhir_servers)

