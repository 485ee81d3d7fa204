"""Operations endpoints: /healthz, /readyz, /metrics (also in Prometheus multiprocess mode), and the log
formatter's masking of tokens."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap

import pytest
from prometheus_client.parser import text_string_to_metric_families

from pnet_cds.logs import JsonFormatter, redact

from .conftest import ROOT, Harness, make_app
from .db_fixtures import drain

INSULINOMA = "ssa-in-insulinoma--octreotide-sc-malignant-insulinoma"


def _samples(client) -> dict:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def test_healthz_answers_without_the_database(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_checks_the_cards_and_the_database(ops_app):
    response = ops_app.test_client().get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    state = ops_app.extensions["pnet_cds"]
    assert len(state.rules) > 5
    assert body["checks"]["cards"] == f"ok: {len(state.rules)} rules, 3 services"
    assert body["checks"]["database"] == f"ok: {ops_app.extensions['pnet_cds_store'].dialect}"


def test_readyz_is_503_until_postgres_is_migrated(postgres_url):
    app = make_app(DATABASE_URL=postgres_url)  # PostgreSQL is not migrated at start-up by default
    try:
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.get_json()["checks"]["database"] == "schema not current: run `pnet-cds db upgrade`"
        app.extensions["pnet_cds_store"].upgrade()
        assert app.test_client().get("/readyz").status_code == 200
    finally:
        app.extensions["pnet_cds_store"].dispose()


def test_metrics_count_latency_per_service_cards_per_rule_and_errors():
    app = make_app()
    client = app.test_client()
    before = _samples(client)
    Harness(app).fire(INSULINOMA, "order-sign")
    client.post("/cds-services/pnet-order-sign", json={"hook": "order-sign"})
    drain(app)
    after = _samples(client)

    def delta(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    hook = {"service": "pnet-order-sign", "endpoint": "cds.call_service"}
    assert delta("pnet_cds_request_duration_seconds_count", **hook) == 2
    assert delta("pnet_cds_request_duration_seconds_bucket", le="+Inf", **hook) == 2
    assert delta("pnet_cds_cards_total", rule="ssa-in-insulinoma") == 1
    assert delta("pnet_cds_errors_total", status="400", **hook) == 1
    assert delta("pnet_cds_requests_total", status="200", **hook) == 1
    assert delta("pnet_cds_audit_writes_total") == 2


def test_metrics_in_multiprocess_mode_add_up_the_workers(tmp_path):
    worker = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from pnet_cds.metrics import CARDS_ISSUED
        CARDS_ISSUED.labels(rule="ssa-in-insulinoma").inc(3)
    """)
    scraped = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from tests.conftest import Harness, make_app
        app = make_app(DATABASE_URL="sqlite:///{tmp_path}/m.db")
        Harness(app).fire({INSULINOMA!r}, "order-sign")
        print(app.test_client().get("/metrics").get_data(as_text=True))
    """)
    metrics_dir = tmp_path / "prometheus"  # its own directory: the collector reads every *.db file in it
    metrics_dir.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    runs = [subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
            for script in (worker, scraped)]
    assert all(run.returncode == 0 for run in runs), runs[-1].stderr[-2000:]
    # the second process serves what both wrote into the shared directory: 3 + its own 1
    assert 'pnet_cds_cards_total{rule="ssa-in-insulinoma"} 4.0' in runs[1].stdout
    assert len(list(metrics_dir.glob("counter_*.db"))) == 2


def test_the_json_formatter_masks_tokens_and_keeps_one_line():
    record = logging.LogRecord("pnet_cds.x", logging.WARNING, __file__, 1,
                               "refused Authorization: Bearer abc.def-123 and token %s", ("eyJhbGciOi.eyJzdWIiOi.sig",),
                               None)
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["message"] == "refused Authorization: Bearer [redacted] and token [jwt redacted]"
    assert (entry["level"], entry["logger"]) == ("warning", "pnet_cds.x")
    assert redact("no secrets here") == "no secrets here"


@pytest.fixture(autouse=True)
def _no_multiproc_env(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
