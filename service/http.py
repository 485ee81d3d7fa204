"""The hook endpoints: the only module that reads a hook call off `flask.request`.

    GET  /cds-services                 discovery (hooks.json, as served data)
    POST /cds-services/<id>            a hook call → {"cards": [...]}

Data flows down from here (hook request → patient data → engine → cards) as arguments; at the end of each
call, answered or failed, the audit record is built from what this call parsed and issued. Errors are
raised as typed errors and answered by the one error handler (service/responses.py).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone

from flask import Blueprint, Response, current_app, g, jsonify, request

from . import metrics
from .audit import AuditTrail
from .auth import current_client, fhir_servers_of_caller
from .engine import Evaluation, evaluate_hook
from .errors import Problem, Unauthorized, UnknownService
from .hook_request import HookRequest, parse_hook_request
from .intake import Intake
from .limits import RequestLimits, cap_issued, check_request_limits
from .notices import fold_intake
from .patient_data import DataSettings, gather_patient_data
from .responses import error_response, read_json_body, status_and_kind
from .settings import Settings
from .state import CdsState, current_state

log = logging.getLogger(__name__)
bp = Blueprint("cds", __name__)
AUDIT_KEY = "pnet_cds_audit_trail"
LARGE_REQUEST_GATE = "pnet_cds_large_request_gate"  # app.extensions key of the LargeRequestGate


def state() -> CdsState:
    return current_state()


@bp.get("/cds-services")
def discovery() -> Response:
    return jsonify(state().discovery)


@bp.post("/cds-services/<service_id>")
def call_service(service_id: str) -> Response:
    started = time.perf_counter()
    hook_request: HookRequest | None = None
    try:
        service = known_service(service_id)
        body = read_json_body(state().settings.max_content_length, current_app.extensions.get(LARGE_REQUEST_GATE))
        check_request_limits(body, request_limits(state().settings))
        hook_request = parse_hook_request(body, service["hook"])
        evaluation = evaluate(service, hook_request, started)
    except Exception as error:
        status, kind = status_and_kind(error)
        record_call(service_id, hook_request, None, status, kind, started)
        raise
    metrics.count_cards(rule_id for rule_id, _ in evaluation.issued)
    record_call(service_id, hook_request, evaluation, 200, "cards" if evaluation.issued else "no-cards", started)
    return jsonify(evaluation.response())


@bp.errorhandler(Unauthorized)
def refused(error: Unauthorized) -> Response:
    """A hook call refused by authentication (raised before the view ran) is audited like any other failed
    call, then answered as every error is."""
    if request.endpoint == "cds.call_service":
        started = g.get("request_started", time.perf_counter())
        record_call(str((request.view_args or {}).get("service_id")), None, None, error.status, error.kind, started)
    return error_response(error)


def known_service(service_id: str) -> dict:
    """The discovery entry of `service_id`. Raises UnknownService (404) listing the known ones."""
    service = state().services.get(service_id)
    if service is None:
        raise UnknownService(f"no CDS service {service_id!r}; GET /cds-services lists them",
                             [Problem("", f"known services: {', '.join(sorted(state().services))}")])
    return service


def evaluate(service: dict, hook_request: HookRequest, started: float) -> Evaluation:
    """Read the drafts and gather the patient data for `hook_request` (intake: normalise, keep to the
    request's patient, list what could not be read), then run the hook's rules over it."""
    settings = data_settings(state().settings)
    intake = Intake(hook_request.patient_id, strict=not settings.lenient, validation_cache=settings.validation_cache)
    intake.read_drafts(hook_request)
    record = gather_patient_data(hook_request, service.get("prefetch", {}), settings, state().session, intake)
    intake.check_drug_identity(record)
    site = state().site  # the site configuration's rules for this caller (issue 15)
    client = current_client()
    evaluation = evaluate_hook(site.rules_for(client.claims if client else None), record, hook_request, state().terminology,
                               state().now(), state().new_uuid, site.version)
    evaluation.issued, evaluation.omitted_cards = cap_issued(  # before intake's not-checked card, never cut
        evaluation.issued, state().settings.max_cards_per_response, state().new_uuid)
    fold_intake(evaluation, intake, hook_request.patient_id, state().new_uuid)  # and logs what intake found
    log.info("hook=%s service=%s hookInstance=%s resources=%d fired=%s silent=%s skipped=%s failed=%s ms=%.1f",
             hook_request.hook, service["id"], hook_request.hook_instance, record.count(),
             ",".join(evaluation.fired) or "-", ",".join(evaluation.silent) or "-", ",".join(evaluation.skipped) or "-",
             ",".join(evaluation.failed) or "-", (time.perf_counter() - started) * 1000)
    return evaluation


def record_call(service_id: str, hook_request: HookRequest | None, evaluation: Evaluation | None, status: int,
                outcome: str, started: float) -> None:
    """Hand the audit trail this call's record, from explicit values (the caller's issuer included)."""
    trail: AuditTrail = current_app.extensions[AUDIT_KEY]
    client = current_client()
    trail.record_call(service_id, hook_request, evaluation, status, outcome, (time.perf_counter() - started) * 1000,
                      g.get("request_id"), client.issuer.iss if client else None, datetime.now(timezone.utc),
                      config_version=state().site.version)


def request_limits(settings: Settings) -> RequestLimits:
    return RequestLimits(max_resources=settings.max_prefetch_resources, max_depth=settings.max_json_depth,
                         max_drafts=settings.max_draft_orders)


def data_settings(settings: Settings) -> DataSettings:
    """Trust and limits for this call's outbound FHIR reads: the configured servers plus the caller's."""
    return DataSettings(
        trusted_fhir_servers=settings.trusted_fhir_servers + fhir_servers_of_caller(),
        allow_http_fhir=settings.allow_http_fhir, deadline_seconds=settings.fhir_deadline_seconds,
        timeout_seconds=settings.fhir_timeout_seconds, max_pages=settings.fhir_max_pages,
        max_response_bytes=settings.fhir_max_response_bytes, lenient=settings.fhir_validation == "lenient",
        validation_cache=state().validation_cache,
    )
