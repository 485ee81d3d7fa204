"""pnet-cds: a CDS Hooks 2.0 service for pancreatic neuroendocrine tumors.

`create_app(test_config=None)` builds the Flask app. Configuration order: the defaults below, then
environment variables prefixed `PNET_CDS_` (e.g. `PNET_CDS_TRUSTED_FHIR_SERVERS`), then `test_config`.
Authentication (service/auth.py) is on unless AUTH is off; limits are in service/limits.py.
Card files and value sets are loaded and checked once, here: a bad card file stops start-up with a
message that says how to fix it.
"""

from __future__ import annotations

import gc
import json
import logging
import uuid
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

import requests
from flask import Flask

from . import auth, limits
from .cards import load_cards
from .engine import Rule
from .record import ValidationCache
from .rules import load_rule
from .terminology import load_terminology

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS = {
    "HOOKS_FILE": str(resources.files("pnet_cds").joinpath("hooks.json")),
    "CARDS_DIR": str(resources.files("pnet_cds.card_files")),
    "FIXTURES_DIR": str(resources.files("pnet_cds.fhir_fixtures")),
    "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,  # a 10,000-result prefetch is about 7 MB
    "TRUSTED_FHIR_SERVERS": "",
    "ALLOW_HTTP_FHIR": False,
    "FHIR_DEADLINE_SECONDS": 3.0,
    "FHIR_TIMEOUT_SECONDS": 2.0,
    "FHIR_MAX_PAGES": 10,
    "FHIR_MAX_RESPONSE_BYTES": 20 * 1024 * 1024,
    "FHIR_VALIDATION": "strict",
    "VALIDATION_CACHE_SIZE": 50_000,
    "CORS_ORIGINS": "*",
    "NOW": None,
    "UUID_FACTORY": None,
    "HTTP_SESSION": None,
    "SANDBOX": True,
}


class CdsState:
    """What the app loads once and every request reads: discovery, rules, value sets, the HTTP session."""

    def __init__(self, app: Flask):
        config = app.config
        self.discovery = json.loads(Path(config["HOOKS_FILE"]).read_text(encoding="utf-8"))
        self.services = {service["id"]: service for service in self.discovery["services"]}
        self.terminology = load_terminology(Path(config["CARDS_DIR"]) / "valuesets")
        specs = load_cards(Path(config["CARDS_DIR"]))
        self.rules = [Rule(spec, load_rule(spec.id)) for spec in
                      sorted(specs.values(), key=lambda s: (s.catalog_number or 999, s.id))]
        for rule in self.rules:
            for value_set in rule.spec.value_sets:
                self.terminology[value_set]  # raises KeyError naming the missing value set file
        _warm_fhir_models()
        size = int(config["VALIDATION_CACHE_SIZE"])
        self.validation_cache = ValidationCache(size) if size > 0 else None
        self.session = config["HTTP_SESSION"] or requests.Session()
        self.new_uuid = config["UUID_FACTORY"] or (lambda: str(uuid.uuid4()))
        self._now = config["NOW"]

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
    """Build the app. Raises CardFileError / ValueError / KeyError when the rule content is broken."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    app.config.from_mapping(auth.DEFAULTS)
    app.config.from_mapping(limits.DEFAULTS)
    app.config.from_prefixed_env("PNET_CDS")
    if test_config:
        app.config.from_mapping(test_config)
    logging.getLogger("pnet_cds").setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.extensions["pnet_cds"] = CdsState(app)

    from . import http, openapi

    auth.init_auth(app, app.extensions["pnet_cds"].session)
    app.register_blueprint(http.bp)
    app.register_blueprint(openapi.bp)
    from .sandbox import register_sandbox

    register_sandbox(app)
    http.register_error_handlers(app)
    from . import ops

    ops.init_app(app)  # store, audit trail, feedback endpoint, /readyz, /metrics, request ids, JSON logs
    return app
