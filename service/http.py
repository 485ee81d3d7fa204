"""The HTTP layer: the only module that touches `flask.request`.

    GET  /cds-services                 discovery (hooks.json, as served data)
    POST /cds-services/<id>            a hook call → {"cards": [...]}
    GET  /healthz                      liveness

Errors of every kind answer JSON (`{"error", "message", "problems": [{"pointer", "message"}]}`), never
HTML and never a stack trace.
"""

from __future__ import annotations

import json
import logging
import time

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from . import audit
from .auth import fhir_servers_of_caller
from .engine import evaluate_hook
from .errors import (BadHookRequest, CdsError, MethodNotAllowed, NotFound, PayloadTooLarge, Problem,
                     UnknownService, UnsupportedMediaType)
from .hook_request import parse_hook_request
from .intake import Intake
from .limits import LargeRequestGate, cap_cards, check_request_limits, request_limits
from .notices import fold_intake
from .patient_data import DataSettings, gather_patient_data

log = logging.getLogger(__name__)
bp = Blueprint("cds", __name__)
LARGE_REQUEST_GATE = "pnet_cds_large_request_gate"
RETRY_AFTER_SECONDS = 5  # a 503 raised as an error (a busy large-request gate): the slot frees in seconds


def state():
    return current_app.extensions["pnet_cds"]


@bp.get("/cds-services")
def discovery() -> Response:
    return jsonify(state().discovery)


@bp.post("/cds-services/<service_id>")
def call_service(service_id: str) -> Response:
    started = time.perf_counter()
    service = state().services.get(service_id)
    if service is None:
        raise UnknownService(f"no CDS service {service_id!r}; GET /cds-services lists them",
                             [Problem("", f"known services: {', '.join(sorted(state().services))}")])
    body = read_json_body()
    check_request_limits(body, request_limits(current_app.config))
    hook_request = parse_hook_request(body, service["hook"])
    audit.note_request(hook_request)
    settings = data_settings()
    intake = Intake(hook_request.patient_id, strict=not settings.lenient, validation_cache=settings.validation_cache)
    intake.read_drafts(hook_request)
    record = gather_patient_data(hook_request, service.get("prefetch", {}), settings, state().session, intake)
    intake.check_drug_identity(record)
    site = state().site  # the site configuration's rules for this caller (issue 15)
    evaluation = evaluate_hook(site.rules_for(g.get("jwt_claims")), record, hook_request, state().terminology,
                               state().now(), state().new_uuid, site.version)
    evaluation.cards, evaluation.omitted_cards = cap_cards(  # before intake's not-checked card, never cut
        evaluation.cards, int(current_app.config["MAX_CARDS_PER_RESPONSE"]), state().new_uuid)
    fold_intake(evaluation, intake, hook_request.patient_id, state().new_uuid)  # and logs what intake found
    audit.note_evaluation(service_id, evaluation)
    log.info("hook=%s service=%s hookInstance=%s resources=%d fired=%s silent=%s skipped=%s failed=%s ms=%.1f",
             hook_request.hook, service_id, hook_request.hook_instance, record.count(),
             ",".join(evaluation.fired) or "-", ",".join(evaluation.silent) or "-", ",".join(evaluation.skipped) or "-",
             ",".join(evaluation.failed) or "-", (time.perf_counter() - started) * 1000)
    return jsonify(evaluation.response())


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


def read_json_body() -> object:
    """The request body as JSON. Raises UnsupportedMediaType (415), PayloadTooLarge (413) or
    BadHookRequest (400, with the line and column of a syntax error)."""
    mimetype = request.mimetype or ""
    if not (mimetype == "application/json" or mimetype.endswith("+json")):
        raise UnsupportedMediaType("send the hook request as JSON with Content-Type: application/json",
                                   [Problem("", f"Content-Type was {mimetype or 'missing'!r}")])
    raw = body_bytes()
    gate = current_app.extensions.get(LARGE_REQUEST_GATE)
    if gate is not None and gate.enter(len(raw)):
        g.large_request_gate = gate  # left when the request is torn down (register_error_handlers)
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        raise BadHookRequest("the body is not UTF-8 encoded JSON") from None
    except RecursionError:
        raise BadHookRequest("the body nests JSON too deeply") from None
    except json.JSONDecodeError as exc:
        raise BadHookRequest("the body is not valid JSON",
                             [Problem("", f"{exc.msg} at line {exc.lineno}, column {exc.colno}")]) from None
    except ValueError:  # Python refuses int() of more than 4,300 digits (CVE-2020-10735)
        raise BadHookRequest("the body holds a number too long to read",
                             [Problem("", "an integer literal has more than 4,300 digits; "
                                          "no FHIR or CDS Hooks number is that long")]) from None


def body_bytes() -> bytes:
    """The whole body. A body without Content-Length (chunked) longer than MAX_CONTENT_LENGTH is a 413,
    never a truncated body (Werkzeug's own limit stops reading at the limit without saying so)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is None or request.content_length is not None or not request.environ.get("wsgi.input_terminated"):
        return request.get_data(cache=False)  # a declared length over the limit is refused before reading
    raw = request.environ["wsgi.input"].read(limit + 1)
    if len(raw) > limit:
        raise PayloadTooLarge(f"the request body is larger than {limit} bytes",
                              [Problem("", "a chunked body counts towards the same limit as one with Content-Length")])
    return raw


def data_settings() -> DataSettings:
    config = current_app.config
    trusted = config["TRUSTED_FHIR_SERVERS"]
    if isinstance(trusted, str):
        trusted = [url.strip() for url in trusted.split(",") if url.strip()]
    return DataSettings(
        trusted_fhir_servers=tuple(trusted) + fhir_servers_of_caller(), allow_http_fhir=bool(config["ALLOW_HTTP_FHIR"]),
        deadline_seconds=float(config["FHIR_DEADLINE_SECONDS"]),
        timeout_seconds=float(config["FHIR_TIMEOUT_SECONDS"]), max_pages=int(config["FHIR_MAX_PAGES"]),
        max_response_bytes=int(config["FHIR_MAX_RESPONSE_BYTES"]),
        lenient=config["FHIR_VALIDATION"] == "lenient", validation_cache=state().validation_cache,
    )


def error_response(error: CdsError) -> Response:
    response = jsonify(error.to_json())
    response.status_code = error.status
    return response


def register_error_handlers(app: Flask) -> None:
    """One place that maps every exception to a JSON answer."""
    app.extensions[LARGE_REQUEST_GATE] = LargeRequestGate(int(app.config["LARGE_REQUEST_BYTES"]),
                                                          float(app.config["LARGE_REQUEST_WAIT_SECONDS"]))

    @app.teardown_request
    def _leave_large_request_gate(_error=None) -> None:
        gate = g.pop("large_request_gate", None)
        if gate is not None:
            gate.leave()

    @app.errorhandler(CdsError)
    def _cds_error(error: CdsError) -> Response:
        if error.status >= 500:
            log.error("%s: %s", error.kind, error.message)
        response = error_response(error)
        if error.status == 503:
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_error) -> Response:
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        return error_response(PayloadTooLarge(f"the request body is larger than {limit} bytes"))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        if error.code == 404:
            return error_response(NotFound(f"no such endpoint: {request.path}"))
        if error.code == 405:
            return error_response(MethodNotAllowed(f"{request.method} is not allowed on {request.path}"))
        cds = CdsError(error.description or error.name)
        cds.status, cds.kind = error.code or 500, error.name.lower().replace(" ", "-")
        return error_response(cds)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(CdsError("the service failed unexpectedly; the error is logged"))

    @app.after_request
    def _cors(response: Response) -> Response:
        origins = app.config["CORS_ORIGINS"]
        if origins:
            origin = request.headers.get("Origin")
            allowed = [o.strip() for o in str(origins).split(",")]
            if "*" in allowed:
                response.headers["Access-Control-Allow-Origin"] = "*"
            elif origin in allowed:
                response.headers["Access-Control-Allow-Origin"] = origin
                response.headers["Vary"] = "Origin"
            response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Max-Age"] = "600"
        return response
