"""Operations endpoints and the per-request bookkeeping (request id, metrics, one access log line).

    GET /healthz    the process is alive
    GET /readyz     200 when the cards are loaded and the database answers at the current schema, else 503
    GET /metrics    Prometheus text format (service/metrics.py; multiprocess mode with PROMETHEUS_MULTIPROC_DIR)

Every response carries `X-Request-Id`; log lines carry it too (service/logs.py).
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request

from . import metrics
from .logs import request_id_for
from .store import StoreUnavailable, store_of

log = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)

QUIET_PATHS = ("/healthz", "/readyz", "/metrics")


def init_request_hooks(app: Flask) -> None:
    """Give every request an id, and count and log every response (registered first, so a request refused
    by authentication has its id too)."""
    app.before_request(_start_request)
    app.after_request(_finish_request)


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Response:
    checks, ready = {}, True
    state = current_app.extensions["pnet_cds"]
    if state.rules and state.services:
        checks["cards"] = f"ok: {len(state.rules)} rules, {len(state.services)} services"
    else:
        checks["cards"], ready = "no rules or services loaded", False
    try:
        store = store_of(current_app)
        store.ping()
        current = store.schema_is_current()
        checks["database"] = f"ok: {store.dialect}" if current else "schema not current: run `pnet-cds db upgrade`"
        ready = ready and current
    except StoreUnavailable as exc:
        checks["database"], ready = f"unreachable: {exc}", False
    if ready and checks["database"].startswith("ok"):
        try:  # reachable but locked or read-only: feedback would be 503, audit rows and jti writes lost
            store.check_writable(state.settings.readyz_write_timeout_seconds)
        except StoreUnavailable as exc:
            checks["database"], ready = f"not writable: {exc}", False
    response = jsonify({"status": "ready" if ready else "not-ready", "checks": checks})
    response.status_code = 200 if ready else 503
    return response


@bp.get("/metrics")
def metrics_endpoint() -> Response:
    body, content_type = metrics.render()
    return Response(body, mimetype=content_type.split(";")[0], headers={"Content-Type": content_type})


def _start_request() -> None:
    g.request_started = time.perf_counter()
    g.request_id = request_id_for(request.headers.get("X-Request-Id"))


def _finish_request(response: Response) -> Response:
    elapsed = time.perf_counter() - g.get("request_started", time.perf_counter())
    request_id = g.get("request_id")
    if request_id:
        response.headers["X-Request-Id"] = request_id
    endpoint = request.endpoint or "unmatched"
    metrics.observe_request(_service_label(), endpoint, response.status_code, elapsed)
    level = logging.DEBUG if request.path in QUIET_PATHS else logging.INFO
    log.log(level, "%s %s %d %.1fms", request.method, request.path, response.status_code, elapsed * 1000,
            extra={"status": response.status_code, "ms": round(elapsed * 1000, 1), "endpoint": endpoint})
    return response


def _service_label() -> str:
    service_id = (request.view_args or {}).get("service_id")
    if service_id is None:
        return "-"
    return service_id if service_id in current_app.extensions["pnet_cds"].services else "unknown"
