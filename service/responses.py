"""The shared HTTP helpers: reading a JSON body, every error as a JSON answer, CORS headers.

Errors of every kind answer JSON (`{"error", "message", "problems": [{"pointer", "message"}]}`), never
HTML and never a stack trace: `register_error_handlers` is the one place exceptions become responses, and
`status_and_kind` the one mapping of an exception to a status (the audit trail uses it too). A leaf module:
it imports nothing of ours but the error types.
"""

from __future__ import annotations

import json
import logging
from typing import Iterable, Protocol

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from .errors import (BadHookRequest, CdsError, MethodNotAllowed, NotFound, PayloadTooLarge, Problem,
                     UnsupportedMediaType)

log = logging.getLogger(__name__)


class Gate(Protocol):
    """One large request at a time (limits.LargeRequestGate): `enter(size)` is True when the caller holds
    the slot, which is left when the request is torn down."""

    def enter(self, size: int) -> bool: ...
    def leave(self) -> None: ...


def read_json_body(max_content_length: int | None = None, gate: Gate | None = None) -> object:
    """The request body as JSON. Raises UnsupportedMediaType (415), PayloadTooLarge / RequestEntityTooLarge
    (413), ServiceUnavailable (503, from a busy `gate`) or BadHookRequest (400, with the line and column of a
    syntax error)."""
    mimetype = request.mimetype or ""
    if not (mimetype == "application/json" or mimetype.endswith("+json")):
        raise UnsupportedMediaType("send the hook request as JSON with Content-Type: application/json",
                                   [Problem("", f"Content-Type was {mimetype or 'missing'!r}")])
    raw = body_bytes(max_content_length)
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


def body_bytes(limit: int | None) -> bytes:
    """The whole body. A body without Content-Length (chunked) longer than `limit` is a 413, never a
    truncated body (Werkzeug's own limit stops reading at the limit without saying so)."""
    if limit is None or request.content_length is not None or not request.environ.get("wsgi.input_terminated"):
        return request.get_data(cache=False)  # a declared length over the limit is refused before reading
    raw = request.environ["wsgi.input"].read(limit + 1)
    if len(raw) > limit:
        raise PayloadTooLarge(f"the request body is larger than {limit} bytes",
                              [Problem("", "a chunked body counts towards the same limit as one with Content-Length")])
    return raw


def error_response(error: CdsError) -> Response:
    """The JSON answer for a typed error, with its status."""
    response = jsonify(error.to_json())
    response.status_code = error.status
    response.headers.extend(error.headers)
    return response


def as_cds_error(error: BaseException, max_content_length: int | None = None) -> CdsError:
    """Any exception as the typed error the client gets: CdsError as it is, Werkzeug's HTTP errors
    translated, anything else an internal error (its details go to the log only)."""
    if isinstance(error, CdsError):
        return error
    if isinstance(error, RequestEntityTooLarge):
        return PayloadTooLarge(f"the request body is larger than {max_content_length} bytes")
    if isinstance(error, HTTPException):
        if error.code == 404:
            return NotFound(f"no such endpoint: {request.path}")
        if error.code == 405:
            return MethodNotAllowed(f"{request.method} is not allowed on {request.path}")
        cds = CdsError(error.description or error.name)
        cds.status, cds.kind = error.code or 500, error.name.lower().replace(" ", "-")
        return cds
    return CdsError("the service failed unexpectedly; the error is logged")


def status_and_kind(error: BaseException) -> tuple[int, str]:
    """The HTTP status and the error kind a client gets for `error`."""
    cds = as_cds_error(error)
    return cds.status, cds.kind


RETRY_AFTER_SECONDS = 5  # a 503 raised as an error (a busy large-request gate): the slot frees in seconds


def register_error_handlers(app: Flask, max_content_length: int) -> None:
    """The one place that maps every exception to a JSON answer; also leaves the large-request gate."""

    @app.teardown_request
    def _leave_large_request_gate(_error: BaseException | None = None) -> None:
        gate = g.pop("large_request_gate", None)
        if gate is not None:
            gate.leave()

    @app.errorhandler(Exception)
    def _any_error(error: Exception) -> Response:
        cds = as_cds_error(error, max_content_length)
        if not isinstance(error, (CdsError, HTTPException)):
            log.exception("unexpected error on %s %s", request.method, request.path)
        elif cds.status >= 500:
            log.error("%s: %s", cds.kind, cds.message)
        response = error_response(cds)
        if cds.status == 503 and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


def register_cors(app: Flask, origins: Iterable[str]) -> None:
    """CORS headers on every response for the allowed origins (`*`: any); none when the list is empty."""
    allowed = tuple(origins)
    if not allowed:
        return

    @app.after_request
    def _cors(response: Response) -> Response:
        origin = request.headers.get("Origin")
        if "*" in allowed:
            response.headers["Access-Control-Allow-Origin"] = "*"
        elif origin in allowed:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Max-Age"] = "600"
        return response
