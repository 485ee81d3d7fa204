"""What the app loads once and every request reads (`CdsState`), and how request code reaches it."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone, tzinfo
from zoneinfo import ZoneInfo
from typing import Any, Callable

import requests
from flask import current_app

from .cards import load_cards
from .engine import Rule
from .record import ValidationCache
from .rules import load_rule
from .settings import Settings
from .site_config import load_site_config
from .terminology import load_terminology

STATE_KEY = "pnet_cds"  # app.extensions key


def current_state() -> CdsState:
    """The state of the current app (inside a request or an app context)."""
    return current_app.extensions[STATE_KEY]


class CdsState:
    """What the app loads once and every request reads: settings, discovery, rules, value sets, the HTTP
    session."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.discovery = json.loads(settings.hooks_file.read_text(encoding="utf-8"))
        self.services = {service["id"]: service for service in self.discovery["services"]}
        self.terminology = load_terminology(settings.cards_dir / "valuesets")
        specs = load_cards(settings.cards_dir)
        self.rules = [Rule(spec, load_rule(spec.id, spec.when)) for spec in
                      sorted(specs.values(), key=lambda s: (s.catalog_number or 999, s.id))]
        for rule in self.rules:
            for value_set in rule.spec.value_sets:
                self.terminology[value_set]  # raises KeyError naming the missing value set file
        # The site's configuration over the card files (issue 15); raises SiteConfigError naming the place.
        self.site = load_site_config(settings.site_config_file, self.rules)
        _warm_fhir_models()
        size = settings.validation_cache_size
        self.validation_cache = ValidationCache(size) if size > 0 else None
        self.session: requests.Session = settings.http_session or requests.Session()
        self.new_uuid: Callable[[], str] = settings.uuid_factory or (lambda: str(uuid.uuid4()))
        self._now: Any = settings.now
        self.zone: tzinfo = timezone.utc if settings.time_zone == "UTC" else ZoneInfo(settings.time_zone)

    def now(self) -> datetime:
        """One `now` per request: the configured clock (tests pin it), else the current time, in the
        service's time zone (whose calendar dates "calendar days" count)."""
        return self._clock().astimezone(self.zone)

    def _clock(self) -> datetime:
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

    from . import fhir_shape
    from .hook_request import schema_problems

    for resource_type in WARM_RESOURCE_TYPES:
        get_fhir_model_class(resource_type)
    fhir_shape.warm(WARM_RESOURCE_TYPES)  # the tolerant reader's map of list fields (service/intake.py)
    for hook in ("patient-view", "order-select", "order-sign"):
        schema_problems({"hook": hook})  # builds (and checks) the request validators once
