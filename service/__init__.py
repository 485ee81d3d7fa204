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
import json
import os
import uuid
from datetime import datetime, timezone
from typing import Any, Callable

import requests
from flask import Flask

from . import audit, auth, feedback, http, logs, openapi, ops, responses, sandbox
from .cards import load_cards
from .engine import Rule
from .record import ValidationCache
from .rules import load_rule
from .settings import SETTING_NAMES, Settings, load_settings
from .store import STORE_KEY, default_url, open_store
from .terminology import load_terminology


class CdsState:
    """What the app loads once and every request reads: settings, discovery, rules, value sets, the HTTP
    session."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.discovery = json.loads(settings.hooks_file.read_text(encoding="utf-8"))
        self.services = {service["id"]: service for service in self.discovery["services"]}
        self.terminology = load_terminology(settings.cards_dir / "valuesets")
        specs = load_cards(settings.cards_dir)
        self.rules = [Rule(spec, load_rule(spec.id)) for spec in
                      sorted(specs.values(), key=lambda s: (s.catalog_number or 999, s.id))]
        for rule in self.rules:
            for value_set in rule.spec.value_sets:
                self.terminology[value_set]  # raises KeyError naming the missing value set file
        _warm_fhir_models()
        size = settings.validation_cache_size
        self.validation_cache = ValidationCache(size) if size > 0 else None
        self.session: requests.Session = settings.http_session or requests.Session()
        self.new_uuid: Callable[[], str] = settings.uuid_factory or (lambda: str(uuid.uuid4()))
        self._now: Any = settings.now

    def now(self) -> datetime:
        """One `now` per request: the configured clock (tests pin it), else the current UTC time."""
        if callable(self._now):
            return self._now()
        if isinstance(self._now, str):
            return datetime.fromisoformat(self._now.replace("Z", "+00:00"))
        if isinstance(self._now, datetime):
            return self._now
        return datetime.now(timezone.utc)


WARM_RESOURCE_TYPES = ("Condition", "Observation", "MedicationRequest", "MedicationAdministration",
                       "MedicationStatement", "Medication", "Procedure", "DiagnosticReport", "ImagingStudy",
                       "ServiceRequest", "Bundle", "OperationOutcome")


def _warm_fhir_models() -> None:
    """Import the R4B model classes and build the request validator now: the first hook call would
    otherwise pay ~200 ms for them."""
    from fhir.resources.R4B import get_fhir_model_class

    from .hook_request import schema_problems

    for resource_type in WARM_RESOURCE_TYPES:
        get_fhir_model_class(resource_type)
    for hook in ("patient-view", "order-select", "order-sign"):
        schema_problems({"hook": hook})  # builds (and checks) the request validators once


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
    state = CdsState(settings)
    app.extensions["pnet_cds"] = state
    _open_storage(app, settings)
    ops.init_request_hooks(app)  # first, so that a request refused by authentication has its request id
    auth.init_auth(app, state.session, settings)
    for blueprint in (http.bp, feedback.bp, ops.bp, openapi.bp):
        app.register_blueprint(blueprint)
    sandbox.register_sandbox(app, settings)
    responses.register_error_handlers(app, settings.max_content_length)
    responses.register_cors(app, settings.cors_origins)
    return app


def _open_storage(app: Flask, settings: Settings) -> None:
    """The store (also auth's shared JWT replay cache) and the audit trail that writes to it."""
    url = settings.database_url or default_url(app.instance_path)
    store = open_store(url, settings.database_connect_timeout, settings.database_auto_migrate)
    app.extensions[STORE_KEY] = store
    app.extensions[auth.REPLAY_CACHE_EXTENSION] = store  # shared by every process and host
    writer = audit.AuditWriter(store, maxsize=settings.audit_queue_size)
    app.extensions[audit.WRITER_KEY] = writer
    key = audit.load_hmac_key(settings.audit_hmac_key, app.instance_path)
    app.extensions[http.AUDIT_KEY] = audit.AuditTrail(writer, key, settings.audit_enabled)
