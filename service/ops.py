"""Operations: the store and audit writer wired into the app, readiness, metrics, request ids, JSON logs.

    GET /readyz     200 when the cards are loaded and the database answers at the current schema, else 503
    GET /metrics    Prometheus text format (multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set)

Every response carries `X-Request-Id` (the caller's, if it is a sane token, else a new one); every log line
is one JSON object with that id. Log lines never carry tokens or resource bodies: messages are written
without them, and the formatter also masks anything shaped like a bearer token or a JWT.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram,
                               disable_created_metrics, generate_latest)

from . import audit
from .auth import REPLAY_CACHE_EXTENSION
from .store import Store, StoreUnavailable, default_url, safe_url

log = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)

STORE_KEY = "pnet_cds_store"
WRITER_KEY = "pnet_cds_audit"
HOOK_ENDPOINT = "cds.call_service"
QUIET_PATHS = ("/healthz", "/readyz", "/metrics")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")

DEFAULTS = {
    "DATABASE_URL": None,              # else $DATABASE_URL, else a SQLite file in the instance folder
    "DATABASE_AUTO_MIGRATE": None,     # None: SQLite only; true: PostgreSQL too; false: never
    "DATABASE_CONNECT_TIMEOUT": 3.0,
    "AUDIT_ENABLED": True,
    "AUDIT_QUEUE_SIZE": 10000,
    "AUDIT_HMAC_KEY": None,
    "LOG_FORMAT": "json",
}

disable_created_metrics()  # the *_created series double the output and no dashboard here reads them
REQUEST_LATENCY = Histogram("pnet_cds_request_duration_seconds", "HTTP request latency", ["service", "endpoint"],
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
REQUESTS = Counter("pnet_cds_requests", "HTTP requests by status", ["service", "endpoint", "status"])
ERRORS = Counter("pnet_cds_errors", "HTTP responses with a 4xx or 5xx status", ["service", "endpoint", "status"])
CARDS_ISSUED = Counter("pnet_cds_cards", "Cards issued, by rule id", ["rule"])
FEEDBACK = Counter("pnet_cds_feedback", "Feedback entries received, by outcome", ["outcome"])
AUDIT_WRITTEN = Counter("pnet_cds_audit_writes", "Audit records written to the database")
AUDIT_LOST = Counter("pnet_cds_audit_writes_lost", "Audit records lost (queue full or database down)")


def init_app(app: Flask) -> None:
    """Wire storage, audit, feedback, readiness, metrics, request ids and JSON logs into `app`."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    configure_logging(app.config["LOG_FORMAT"])
    store = open_store(app)
    app.extensions[STORE_KEY] = store
    app.extensions[REPLAY_CACHE_EXTENSION] = store  # auth's JWT replay cache, shared by every process and host
    key = audit.load_hmac_key(app.config["AUDIT_HMAC_KEY"], app.instance_path)
    app.extensions[WRITER_KEY] = audit.AuditWriter(store, maxsize=int(app.config["AUDIT_QUEUE_SIZE"]))
    app.extensions["pnet_cds_audit_key"] = key

    from . import feedback

    app.register_blueprint(feedback.bp)
    app.register_blueprint(bp)
    app.before_request(_start_request)
    app.after_request(_finish_request)


def database_url(app: Flask) -> str:
    """`DATABASE_URL` from the app config (test config or PNET_CDS_DATABASE_URL), else the environment's
    DATABASE_URL, else a SQLite file in the instance folder."""
    return app.config.get("DATABASE_URL") or os.environ.get("DATABASE_URL") or default_url(app.instance_path)


def open_store(app: Flask) -> Store:
    """The app's store; SQLite is migrated now. A database that is down is logged, not fatal: hooks still
    answer and /readyz says what is wrong. Raises ValueError for a malformed URL."""
    url = database_url(app)
    try:
        store = Store(url, connect_timeout=float(app.config["DATABASE_CONNECT_TIMEOUT"]))
    except Exception as exc:
        raise ValueError(f"DATABASE_URL is not a usable database URL ({safe_url(url)}): {exc}") from None
    auto = app.config["DATABASE_AUTO_MIGRATE"]
    if auto is None:
        auto = store.dialect == "sqlite"
    try:
        if auto:
            store.upgrade()
        elif not store.schema_is_current():
            log.warning("database %s is not at the current schema: run `pnet-cds db upgrade`", safe_url(store.url))
    except StoreUnavailable as exc:
        log.error("database %s unavailable at start-up: %s", safe_url(store.url), exc)
    return store


def current_store() -> Store:
    """The store of the current app (for other modules: feedback, auth's replay cache)."""
    return current_app.extensions[STORE_KEY]


def current_writer() -> audit.AuditWriter:
    return current_app.extensions[WRITER_KEY]


# -- endpoints ------------------------------------------------------------------------------------

@bp.get("/readyz")
def readyz() -> Response:
    checks, ready = {}, True
    state = current_app.extensions["pnet_cds"]
    if state.rules and state.services:
        checks["cards"] = f"ok: {len(state.rules)} rules, {len(state.services)} services"
    else:
        checks["cards"], ready = "no rules or services loaded", False
    try:
        store = current_store()
        store.ping()
        current = store.schema_is_current()
        checks["database"] = f"ok: {store.dialect}" if current else "schema not current: run `pnet-cds db upgrade`"
        ready = ready and current
    except StoreUnavailable as exc:
        checks["database"], ready = f"unreachable: {exc}", False
    response = jsonify({"status": "ready" if ready else "not-ready", "checks": checks})
    response.status_code = 200 if ready else 503
    return response


@bp.get("/metrics")
def metrics() -> Response:
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST.split(";")[0],
                    headers={"Content-Type": CONTENT_TYPE_LATEST})


# -- per request ----------------------------------------------------------------------------------

def _start_request() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get("X-Request-Id", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


def _finish_request(response: Response) -> Response:
    elapsed = time.perf_counter() - g.get("request_started", time.perf_counter())
    request_id = g.get("request_id")
    if request_id:
        response.headers["X-Request-Id"] = request_id
    service, endpoint = _service_label(), request.endpoint or "unmatched"
    REQUEST_LATENCY.labels(service=service, endpoint=endpoint).observe(elapsed)
    REQUESTS.labels(service=service, endpoint=endpoint, status=str(response.status_code)).inc()
    if response.status_code >= 400:
        ERRORS.labels(service=service, endpoint=endpoint, status=str(response.status_code)).inc()
    if request.endpoint == HOOK_ENDPOINT and current_app.config["AUDIT_ENABLED"]:
        _audit_hook_call(audit.clip(request.view_args["service_id"], 128), response, elapsed * 1000, request_id)
    level = logging.DEBUG if request.path in QUIET_PATHS else logging.INFO
    log.log(level, "%s %s %d %.1fms", request.method, request.path, response.status_code, elapsed * 1000,
            extra={"status": response.status_code, "ms": round(elapsed * 1000, 1), "endpoint": endpoint})
    return response


def _audit_hook_call(service: str, response: Response, latency_ms: float, request_id: str | None) -> None:
    try:
        record = audit.build_record(service, response.status_code, _outcome(response), latency_ms,
                                    current_app.extensions["pnet_cds_audit_key"], request_id,
                                    datetime.now(timezone.utc))
        current_writer().submit(record)
    except Exception:  # the audit must never fail a hook response
        log.exception("could not queue the audit record")


def _outcome(response: Response) -> str:
    if response.status_code < 400:
        evaluation = g.get("audit_evaluation")
        return "cards" if evaluation is not None and evaluation.cards else "no-cards"
    body = response.get_json(silent=True)
    return str(body.get("error"))[:64] if isinstance(body, dict) and body.get("error") else f"http-{response.status_code}"


def _service_label() -> str:
    service_id = (request.view_args or {}).get("service_id")
    if service_id is None:
        return "-"
    return service_id if service_id in current_app.extensions["pnet_cds"].services else "unknown"


# -- logging --------------------------------------------------------------------------------------

_SECRETS = [
    (re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), "[jwt redacted]"),
    (re.compile(r"(?i)\b(bearer)\s+[^\s\"',;]+"), r"\1 [redacted]"),
]


def redact(text: str) -> str:
    """`text` with anything shaped like a JWT or a bearer token masked."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and a few known extras."""

    EXTRAS = ("status", "ms", "endpoint")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", None),
        }
        entry.update({key: getattr(record, key) for key in self.EXTRAS if hasattr(record, key)})
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps({key: value for key, value in entry.items() if value is not None})


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record logged inside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            try:
                record.request_id = g.get("request_id")
            except RuntimeError:  # outside an app context
                record.request_id = None
        return True


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def configure_logging(log_format: str) -> None:
    """JSON lines (or plain text with `LOG_FORMAT=text`) on stderr for the `service` loggers; once."""
    logger = logging.getLogger("pnet_cds")
    if any(getattr(handler, "_pnet_cds", False) for handler in logger.handlers):
        return
    handler = _StderrHandler()
    handler._pnet_cds = True
    handler.addFilter(RequestIdFilter())
    if str(log_format).lower() == "text":
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    else:
        handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)


def gunicorn_settings() -> dict:
    """Extra gunicorn settings: an access log with the request id, and Prometheus multiprocess clean-up."""
    settings = {"access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'}
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        def child_exit(_server, worker):
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(worker.pid)

        settings["child_exit"] = child_exit
    return settings
