"""pnet-cds: a CDS Hooks 2.0 service for pancreatic neuroendocrine tumors (installed as `pnet_cds`).

`create_app(test_config=None)` builds the Flask app:

    Settings (defaults → PNET_CDS_* environment → test_config; service/settings.py, checked here)
      → CdsState (discovery, card files and value sets, rules: a bad card file stops start-up with a
        message that says how to fix it)
      → store, audit trail, authentication
      → blueprints: hooks (http), feedback, ops (/healthz /readyz /metrics), OpenAPI, sandbox

Nothing below reads configuration: it gets the Settings (or the values it needs) as arguments.
"""

from __future__ import annotations

import gc
import logging
import os

from flask import Flask

from . import audit, auth, dashboard, feedback, http, limits, logs, openapi, ops, responses, sandbox
from .settings import SETTING_NAMES, Settings, load_settings, unknown_variables
from .state import STATE_KEY, CdsState
from .store import STORE_KEY, default_url, open_store

log = logging.getLogger(__name__)


GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc() -> None:
    """Freeze what start-up allocated and let the collector run less eagerly. A hook request decodes up to
    millions of small JSON objects, which the default thresholds rescan again and again (a 6.7 MB request:
    60 ms to decode, 300 ms every other call with the default thresholds). Request objects are still freed
    by reference counting. Called by `service.wsgi` (what `pnet-cds serve` runs), not by create_app."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. Raises SettingsError for a bad setting, CardFileError / ValueError / KeyError when the
    rule content is broken, IssuerConfigError for a bad issuers file."""
    settings = load_settings(os.environ, test_config)
    instance = str(settings.instance_dir.resolve()) if settings.instance_dir else None
    app = Flask(__name__, instance_relative_config=True, instance_path=instance)
    app.config.update({key: value for key, value in (test_config or {}).items() if key not in SETTING_NAMES})
    app.config["MAX_CONTENT_LENGTH"] = settings.max_content_length
    logs.configure_logging(settings.log_format, settings.log_level)
    for name in unknown_variables(os.environ):
        log.warning("%s is not a setting of this service and is ignored (a typo? see the README, Configuration)", name)
    state = CdsState(settings)
    app.extensions[STATE_KEY] = state
    _open_storage(app, settings)
    ops.init_request_hooks(app)  # first, so that a request refused by authentication has its request id
    auth.init_auth(app, state.session, settings)
    for blueprint in (http.bp, feedback.bp, ops.bp, openapi.bp):
        app.register_blueprint(blueprint)
    sandbox.register_sandbox(app, settings)
    dashboard.register_dashboard(app, settings)  # issue 15: /dashboard, closed unless an admin credential is configured
    app.extensions[http.LARGE_REQUEST_GATE] = limits.LargeRequestGate(settings.large_request_bytes,
                                                                      settings.large_request_wait_seconds)
    responses.register_error_handlers(app, settings.max_content_length)
    responses.register_cors(app, settings.cors_origins)
    return app


def _open_storage(app: Flask, settings: Settings) -> None:
    """The store (also auth's shared JWT replay cache) and the audit trail that writes to it."""
    url = settings.database_url or default_url(app.instance_path)
    store = open_store(url, settings.database_connect_timeout, settings.database_auto_migrate,
                       settings.replay_cache_timeout_seconds, settings.feedback_database_timeout_seconds)
    app.extensions[STORE_KEY] = store
    app.extensions[auth.REPLAY_CACHE_EXTENSION] = store  # shared by every process and host
    writer = audit.AuditWriter(store, maxsize=settings.audit_queue_size)
    app.extensions[audit.WRITER_KEY] = writer
    key = audit.load_hmac_key(settings.audit_hmac_key, app.instance_path)
    app.extensions[http.AUDIT_KEY] = audit.AuditTrail(writer, key, settings.audit_enabled)
