"""The shared HTTP helpers: reading a JSON body, every error as a JSON answer, CORS headers.

Errors of every kind answer JSON (`{"error", "message", "problems": [{"pointer", "message"}]}`), never
HTML and never a stack trace: `register_error_handlers` is the one place exceptions become responses, and
`status_and_kind` the one mapping of an exception to a status (the audit trail uses it too). A leaf module:
it imports nothing of ours but the error types.
"""

from __future__ import annotations

import json
import logging
from typing import Iterable

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from .errors import (BadHookRequest, CdsError, MethodNotAllowed, NotFound, PayloadTooLarge, Problem,
                     UnsupportedMediaType)

log = logging.getLogger(__name__)


def read_json_body() -> object:
    """The request body as JSON. Raises UnsupportedMediaType (415), RequestEntityTooLarge (413, from Flask's
    MAX_CONTENT_LENGTH) or BadHookRequest (400, with the line and column of a syntax error)."""
    mimetype = request.mimetype or ""
    if not (mimetype == "application/json" or mimetype.endswith("+json")):
        raise UnsupportedMediaType("send the hook request as JSON with Content-Type: application/json",
                                   [Problem("", f"Content-Type was {mimetype or 'missing'!r}")])
    raw = request.get_data(cache=False)
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        raise BadHookRequest("the body is not UTF-8 encoded JSON") from None
    except RecursionError:
        raise BadHookRequest("the body nests JSON too deeply") from None
    except json.JSONDecodeError as exc:
        raise BadHookRequest("the body is not valid JSON",
                             [Problem("", f"{exc.msg} at line {exc.lineno}, column {exc.colno}")]) from None


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


def register_error_handlers(app: Flask, max_content_length: int) -> None:
    """The one place that maps every exception to a JSON answer."""

    @app.errorhandler(Exception)
    def _any_error(error: Exception) -> Response:
        cds = as_cds_error(error, max_content_length)
        if not isinstance(error, (CdsError, HTTPException)):
            log.exception("unexpected error on %s %s", request.method, request.path)
        elif cds.status >= 500:
            log.error("%s: %s", cds.kind, cds.message)
        return error_response(cds)


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
