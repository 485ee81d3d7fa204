"""Shared fixtures: an app with a pinned clock and predictable uuids, and a way to fire a fixture patient."""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pnet_cds import create_app
from pnet_cds.fixtures import build_hook_request, load_fixture

pytest_plugins = ["tests.db_fixtures"]  # database_url, postgres_url, store, ops_app: SQLite and PostgreSQL

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)  # = the fixtures' anchor
ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fhir_fixtures"
SERVICE_FOR_HOOK = {"patient-view": "pnet-patient-view", "order-select": "pnet-order-select",
                    "order-sign": "pnet-order-sign"}


# The store's SQLite file for the tests (never the instance folder of the work tree); test_store.py and
# friends give each test its own database.
_DB_DIR = tempfile.mkdtemp(prefix="pnet-cds-tests-")
atexit.register(shutil.rmtree, _DB_DIR, ignore_errors=True)
# Apps the tests build without make_app (the CLI's in-process `fire`) use it too, not instance/.
os.environ.setdefault("PNET_CDS_DATABASE_URL", f"sqlite:///{_DB_DIR}/tests.db")
os.environ.setdefault("PNET_CDS_AUDIT_HMAC_KEY", "test-audit-key")


def make_app(**config):
    """An app for tests: pinned clock, predictable uuids, authentication off (tests/test_auth.py turns it on)."""
    counter = itertools.count(1)
    settings = {"TESTING": True, "AUTH": False, "NOW": NOW, "UUID_FACTORY": lambda: f"uuid-{next(counter)}",
                "DATABASE_URL": f"sqlite:///{_DB_DIR}/tests.db", "AUDIT_HMAC_KEY": "test-audit-key"}
    settings.update(config)
    return create_app(settings)


@pytest.fixture
def app():
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


class Harness:
    """Fires fixture patients at the real HTTP app, as an EHR would."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.services = app.extensions["pnet_cds"].services

    def request(self, fixture_name: str, hook: str, **kwargs) -> dict:
        fixture = load_fixture(FIXTURES, fixture_name)
        return build_hook_request(fixture, self.services[SERVICE_FOR_HOOK[hook]], **kwargs)

    def post(self, service_id: str, body, **kwargs):
        return self.client.post(f"/cds-services/{service_id}", json=body, **kwargs)

    def fire(self, fixture_name: str, hook: str, **kwargs) -> dict:
        """The response body for the fixture on the hook; fails the test on a non-200."""
        response = self.post(SERVICE_FOR_HOOK[hook], self.request(fixture_name, hook, **kwargs))
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def cards_of(self, fixture_name: str, hook: str, rule_id: str | None = None, **kwargs) -> list[dict]:
        cards = self.fire(fixture_name, hook, **kwargs)["cards"]
        return [c for c in cards if rule_id is None or c["source"]["topic"]["code"] == rule_id]


@pytest.fixture
def harness(app):
    return Harness(app)
