"""The sandbox page: a browser harness that shows the cards as an EHR would.

    GET  /sandbox                          the page (static HTML/JS/CSS, no CDN, works offline)
    GET  /sandbox/api/fixtures             synthetic patients: name, key problems
    GET  /sandbox/api/fixtures/<name>      one patient's chart (dates rolled to now) and, with
                                           ?service=<id>, the hook request an EHR would send (draft-ready)
    GET  /sandbox/api/orders               the order catalog (common pNET orders, regimens, doses)
    POST /sandbox/api/orders/<key>         {"patientId", "dose"?} → a new draft resource
    POST /sandbox/api/token                {"aud"} → a JWT from the local development issuer, loopback only

These endpoints serve what an EHR holds itself (its patients, its order catalog). The page then calls the
service only through the public CDS Hooks endpoints, as an EHR would. `PNET_CDS_SANDBOX=false` turns the
page off (404). The page carries a strict Content-Security-Policy: no inline script, nothing off-site.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from . import auth, issuers
from .errors import BadHookRequest, NotFound, Problem
from .fixtures import Fixture, build_hook_request, list_fixtures, load_fixture
from .order_catalog import ORDERS, REGIMENS, draft_order, standard_dose
from .settings import Settings
from .state import CdsState, current_state
from .static_pages import page_file, with_page_headers

STATIC = Path(__file__).resolve().parent / "static" / "sandbox"
LOOPBACK_NAMES = {"127.0.0.1", "::1", "localhost"}  # the Host the page was opened by (not DNS-rebindable)
bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")


def register_sandbox(app: Flask, settings: Settings) -> None:
    """Mount the page unless `SANDBOX` is configured off."""
    if settings.sandbox:
        app.register_blueprint(bp)


def state() -> CdsState:
    return current_state()


def fixtures_dir() -> Path:
    """The synthetic patients' directory. Raises NotFound when FIXTURES_DIR is `none` (switched off)."""
    directory = state().settings.fixtures_dir
    if directory is None:
        raise NotFound("the synthetic patients are switched off (PNET_CDS_FIXTURES_DIR=none)",
                       [Problem("", "set PNET_CDS_FIXTURES_DIR to a directory of fixture Bundles")])
    return directory


@bp.after_request
def _security_headers(response: Response) -> Response:
    return with_page_headers(response)


@bp.get("")
@bp.get("/")
def page() -> Response:
    return static_file("index.html")


@bp.get("/static/<path:filename>")
def static_file(filename: str) -> Response:
    return page_file(STATIC, filename, "sandbox")


@bp.get("/api/fixtures")
def fixtures() -> Response:
    return jsonify({"fixtures": [load_fixture(fixtures_dir(), name).summary()
                                 for name in list_fixtures(fixtures_dir())]})


@bp.get("/api/fixtures/<name>")
def fixture(name: str) -> Response:
    patient = open_fixture(name)
    body = {"summary": patient.summary(), "chart": chart(patient), "drafts": patient.drafts}
    service_id = request.args.get("service")
    if service_id:
        service = state().services.get(service_id)
        if service is None:
            raise NotFound(f"no CDS service {service_id!r}", [Problem("/service", "see GET /cds-services")])
        body["request"] = build_hook_request(patient, service)
    return jsonify(body)


@bp.get("/api/orders")
def orders() -> Response:
    entries = [{"key": key, "label": entry["label"], "group": entry["group"], "dose": standard_dose(key),
                "resourceType": entry["resource"]["resourceType"]} for key, entry in ORDERS.items()]
    regimens = [{"key": key, **regimen} for key, regimen in REGIMENS.items()]
    return jsonify({"orders": entries, "regimens": regimens})


@bp.post("/api/orders/<key>")
def new_order(key: str) -> Response:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("patientId"), str) or not body["patientId"]:
        raise BadHookRequest("send {\"patientId\": \"...\", \"dose\": number?} as JSON",
                             [Problem("/patientId", "required string")])
    if key not in ORDERS:
        raise NotFound(f"no order {key!r} in the catalog", [Problem("", f"known: {', '.join(ORDERS)}")])
    try:
        resource = draft_order(key, body["patientId"], body.get("dose"), state().now().date().isoformat())
    except ValueError as exc:
        raise BadHookRequest(str(exc), [Problem("/dose", str(exc))]) from None
    return jsonify(resource)


@bp.post("/api/token")
def token() -> Response:
    """A JWT for `aud` (this service's own /cds-services URL) from the local development issuer, when
    authentication is on and that issuer is enabled; otherwise `{"token": null, "reason"}` and the page calls
    without a token. Minted only for a caller on loopback that reached the service by a loopback host name,
    from this page's own origin: another web site open in the same browser (or one that rebinds its DNS
    name to 127.0.0.1) gets nothing."""
    body = request.get_json(silent=True)
    audience = body.get("aud") if isinstance(body, dict) else None
    own = request.host_url.rstrip("/") + "/cds-services"
    if not isinstance(audience, str) or not (audience == own or audience.startswith(own + "/")):
        raise BadHookRequest("send {\"aud\": \"<the /cds-services URL to be called>\"}",
                             [Problem("/aud", f"must be {own} or a URL under it")])
    minter, reason = dev_token_minter()
    if minter is None:
        return jsonify({"token": None, "reason": reason})
    if not from_local_page():
        raise NotFound("the development token endpoint answers this page on loopback only")
    return jsonify({"token": minter(audience), "issuer": issuers.DEV_ISSUER})


def dev_token_minter() -> tuple[Callable[[str], str] | None, str | None]:
    """(mint(audience) -> JWT, None) when the local development issuer can sign, else (None, why not)."""
    settings = state().settings
    if not settings.auth:
        return None, "authentication is off"
    if not settings.dev_issuer_on:
        return None, "the local development issuer is off (PNET_CDS_DEV_ISSUER=off, or an issuers file is configured)"
    directory = issuers.dev_issuer_dir(settings, current_app.instance_path)
    return (lambda audience: issuers.mint_dev_token(directory, audience)), None


def from_local_page() -> bool:
    """True when the caller is on loopback, used a loopback host name, and (if it says) came from this origin."""
    host = request.host or ""
    host = host[1:host.find("]")] if host.startswith("[") else host.rsplit(":", 1)[0]
    origin = request.headers.get("Origin")
    return (auth.is_loopback(request.remote_addr) and host.lower() in LOOPBACK_NAMES
            and (origin is None or origin.rstrip("/") == request.host_url.rstrip("/")))


def open_fixture(name: str) -> Fixture:
    """The fixture `name` with its dates rolled to the service's now. Raises NotFound."""
    if name not in list_fixtures(fixtures_dir()):
        raise NotFound(f"no fixture {name!r}", [Problem("", "GET /sandbox/api/fixtures lists them")])
    return load_fixture(fixtures_dir(), name, now=state().now())


def chart(patient: Fixture) -> dict:
    """What an EHR would show beside the order form: problems, medications, labs, other findings."""
    by_type: dict[str, list[dict]] = {}
    for resource in patient.record:
        by_type.setdefault(resource.get("resourceType", "?"), []).append(resource)
    medications = {f"Medication/{m.get('id')}": m for m in by_type.get("Medication", [])}
    return {
        "patient": {"id": patient.patient_id, "name": patient.summary()["patient"],
                    "gender": patient.patient.get("gender"), "birthDate": patient.patient.get("birthDate")},
        "problems": [_problem_row(c) for c in by_type.get("Condition", [])],
        "medications": [_medication_row(r, medications) for kind in
                        ("MedicationRequest", "MedicationStatement", "MedicationAdministration")
                        for r in by_type.get(kind, [])],
        "labs": sorted((_lab_row(o) for o in by_type.get("Observation", [])),
                       key=lambda row: row["date"] or "", reverse=True),
        "other": [_other_row(r) for kind in ("Procedure", "DiagnosticReport", "ImagingStudy", "ServiceRequest")
                  for r in by_type.get(kind, [])],
    }


def concept_text(concept: dict | None) -> str:
    """A CodeableConcept's text, else its first coding's display, else system|code."""
    concept = concept or {}
    if concept.get("text"):
        return concept["text"]
    for coding in concept.get("coding") or []:
        if coding.get("display"):
            return coding["display"]
    codings = concept.get("coding") or [{}]
    return f"{codings[0].get('system', '')}|{codings[0].get('code', '')}".strip("|") or "(no code)"


def _status(resource: dict, key: str) -> str:
    """A status: a plain code, or a CodeableConcept's text / first code (`active`, `confirmed`)."""
    value = resource.get(key)
    if isinstance(value, dict):
        codes = [c.get("code") for c in value.get("coding") or [] if c.get("code")]
        return value.get("text") or (codes[0] if codes else "")
    return value or ""


def _problem_row(condition: dict) -> dict:
    return {"text": concept_text(condition.get("code")), "clinicalStatus": _status(condition, "clinicalStatus"),
            "verificationStatus": _status(condition, "verificationStatus"),
            "date": condition.get("onsetDateTime") or condition.get("recordedDate") or ""}


def _medication_row(resource: dict, medications: dict) -> dict:
    concept = resource.get("medicationCodeableConcept")
    reference = (resource.get("medicationReference") or {}).get("reference")
    if concept is None and reference in medications:
        concept = medications[reference].get("code")
    dosage = (resource.get("dosageInstruction") or resource.get("dosage") or [{}])
    dosage = dosage[0] if isinstance(dosage, list) else dosage
    date = (resource.get("authoredOn") or resource.get("effectiveDateTime") or resource.get("dateAsserted")
            or (resource.get("effectivePeriod") or {}).get("start") or "")
    return {"kind": resource.get("resourceType"), "text": concept_text(concept) if concept else (reference or ""),
            "status": resource.get("status", ""), "dosage": (dosage or {}).get("text", ""), "date": date}


def _lab_row(observation: dict) -> dict:
    quantity = observation.get("valueQuantity") or {}
    value = f"{quantity.get('value', '')} {quantity.get('unit', '')}".strip() if quantity else \
        (observation.get("valueString") or concept_text(observation.get("valueCodeableConcept"))
         if observation.get("valueString") or observation.get("valueCodeableConcept") else "")
    flags = [_status({"i": i}, "i") for i in observation.get("interpretation") or []]
    flags += [_range_text(r) for r in observation.get("referenceRange") or [] if _range_text(r)]
    return {"text": concept_text(observation.get("code")), "value": value, "flags": ", ".join(flags),
            "status": observation.get("status", ""),
            "date": observation.get("effectiveDateTime") or observation.get("issued") or ""}


def _range_text(reference_range: dict) -> str:
    """'ref 3.5-5.1' from a referenceRange's low and high (or its text)."""
    if reference_range.get("text"):
        return f"ref {reference_range['text']}"
    low, high = (reference_range.get(k, {}).get("value") for k in ("low", "high"))
    if low is None and high is None:
        return ""
    return f"ref {'' if low is None else low}-{'' if high is None else high}"


def _other_row(resource: dict) -> dict:
    date = (resource.get("performedDateTime") or resource.get("effectiveDateTime") or resource.get("started")
            or resource.get("authoredOn") or (resource.get("performedPeriod") or {}).get("start") or "")
    concept = resource.get("code") or ((resource.get("procedureCode") or [None])[0])
    text = concept_text(concept) if concept else resource.get("description", "")
    return {"kind": resource.get("resourceType"), "text": text, "status": resource.get("status", ""), "date": date}
