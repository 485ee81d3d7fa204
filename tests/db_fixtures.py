"""Databases for the storage tests: a fresh SQLite file, and a fresh schema in the PostgreSQL named by
PNET_CDS_TEST_POSTGRES_URL (skipped, with the reason, when it is not set; .ci/run sets it).

tests/conftest.py loads this module as a pytest plugin, so every test module can ask for these fixtures."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pnet_cds.store import Store, normalise_url

POSTGRES_ENV = "PNET_CDS_TEST_POSTGRES_URL"
SKIP_REASON = f"no PostgreSQL for the tests: set {POSTGRES_ENV} (.ci/run starts one and sets it)"
ENGINES = ["sqlite", "postgresql"]
# Nothing listens on port 1: connection refused at once, a database that is down.
DOWN_URLS = {"sqlite": "sqlite:////nonexistent-pnet-cds-dir/down.db",
             "postgresql": "postgresql://pnet:pnet@127.0.0.1:1/pnet"}


@pytest.fixture
def postgres_url():
    """A PostgreSQL URL whose search_path is a new, empty schema, dropped after the test."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(SKIP_REASON)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(normalise_url(base)).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=ENGINES)
def database_url(request, tmp_path):
    """A URL of an empty database on each engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(database_url):
    """A migrated Store on each engine."""
    store = Store(database_url)
    store.upgrade()
    yield store
    store.dispose()


@pytest.fixture
def ops_app(database_url):
    """The real app on each engine (migrated at start-up), its audit queue drained after the test."""
    from .conftest import make_app

    app = make_app(DATABASE_URL=database_url, DATABASE_AUTO_MIGRATE=True)
    yield app
    app.extensions["pnet_cds_audit"].flush()
    app.extensions["pnet_cds_store"].dispose()


def drain(app) -> None:
    """Wait until the app's audit writer has written (or counted as lost) everything queued."""
    assert app.extensions["pnet_cds_audit"].flush(timeout=10), "the audit writer did not drain"
