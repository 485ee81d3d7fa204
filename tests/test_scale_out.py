"""Scale-out: several server processes against one PostgreSQL. Feedback given through one instance is
linked, in the report, to the card another instance issued; the JWT replay cache is shared."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests

from pnet_cds.fixtures import build_hook_request, load_fixture
from pnet_cds.report import build_report
from pnet_cds.store import Store

from .conftest import FIXTURES, ROOT, Harness, make_app
from .db_fixtures import drain

INSULINOMA = "ssa-in-insulinoma--octreotide-sc-malignant-insulinoma"


def _instance(url: str):
    return make_app(DATABASE_URL=url, UUID_FACTORY=lambda: str(uuid.uuid4()))


def test_two_instances_share_feedback_and_the_replay_cache(postgres_url):
    operator = Store(postgres_url)
    operator.upgrade()  # what `pnet-cds db upgrade` does once per deployment
    operator.dispose()
    a, b = _instance(postgres_url), _instance(postgres_url)
    try:
        [card] = Harness(a).cards_of(INSULINOMA, "order-sign", "ssa-in-insulinoma")
        drain(a)
        body = {"feedback": [{"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-06-01T12:00:00Z",
                              "overrideReason": {"reason": {"code": "insulinoma-resected"}}}]}
        response = b.test_client().post("/cds-services/pnet-order-sign/feedback", json=body)
        assert response.get_json()["unknownCards"] == 0  # B knows the card A issued
        [line] = build_report(b.extensions["pnet_cds_store"]).rules
        assert (line.rule_id, line.cards, line.overridden) == ("ssa-in-insulinoma", 1, 1)
        exp = datetime.now(timezone.utc) + timedelta(minutes=5)
        assert a.extensions["pnet_cds_store"].remember_jti("https://ehr.example", "jti-1", exp) is True
        assert b.extensions["pnet_cds_store"].remember_jti("https://ehr.example", "jti-1", exp) is False
    finally:
        for app in (a, b):
            app.extensions["pnet_cds_store"].dispose()


def test_a_token_used_on_one_instance_is_refused_by_another(postgres_url, tmp_path):
    from .jwt_helpers import BASE, EC_KEY, claims_for, issuers_file, sign

    operator = Store(postgres_url)
    operator.upgrade()
    operator.dispose()
    issuers = str(issuers_file(tmp_path))
    a, b = (make_app(DATABASE_URL=postgres_url, AUTH=True, ISSUERS_FILE=issuers) for _ in range(2))
    try:
        token = sign(claims_for(f"{BASE}/cds-services"), EC_KEY)
        headers = {"Authorization": f"Bearer {token}"}
        assert a.test_client().get("/cds-services", headers=headers).status_code == 200
        assert b.test_client().get("/cds-services", headers=headers).status_code == 401  # replay, seen by A
        fresh = {"Authorization": f"Bearer {sign(claims_for(f'{BASE}/cds-services'), EC_KEY)}"}
        assert b.test_client().get("/cds-services", headers=fresh).status_code == 200
    finally:
        for app in (a, b):
            app.extensions["pnet_cds_store"].dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(base: str, process: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited: {process.stderr.read()[-2000:]}")
        try:
            if requests.get(f"{base}/readyz", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or the workers still loading
            pass
        time.sleep(0.2)
    pytest.fail(f"{base} not ready in time")


def test_two_gunicorn_servers_against_one_postgres(postgres_url, tmp_path):
    env = {**os.environ, "PNET_CDS_DATABASE_URL": postgres_url, "PNET_CDS_AUDIT_HMAC_KEY": "shared-key",
           "PNET_CDS_AUTH": "false"}  # JWTs are tests/test_auth.py's subject; here: two servers, one database
    cli = [sys.executable, "-m", "pnet_cds.cli"]
    upgrade = subprocess.run([*cli, "db", "upgrade"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr[-2000:]
    ports = [_free_port(), _free_port()]
    servers = [subprocess.Popen([*cli, "serve", "--port", str(port), "--workers", "2"], env=env, cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for port in ports]
    try:
        a, b = (f"http://127.0.0.1:{port}" for port in ports)
        deadline = time.monotonic() + 60
        for base, server in zip((a, b), servers, strict=True):
            _wait_ready(base, server, deadline)
        fixture = load_fixture(FIXTURES, INSULINOMA)
        service = requests.get(f"{a}/cds-services", timeout=5).json()["services"]
        body = build_hook_request(fixture, {s["id"]: s for s in service}["pnet-order-sign"])
        card = requests.post(f"{a}/cds-services/pnet-order-sign", json=body, timeout=10).json()["cards"][0]
        feedback = {"feedback": [{"card": card["uuid"], "outcome": "accepted", "outcomeTimestamp": "2026-06-01T12:00:00Z",
                                  "acceptedSuggestions": [{"id": card["suggestions"][0]["uuid"]}]}]}
        assert requests.post(f"{b}/cds-services/pnet-order-sign/feedback", json=feedback, timeout=10).status_code == 200
        store = Store(postgres_url)
        try:
            for _ in range(100):  # A's audit writer works in the background
                rules = build_report(store).rules
                if rules and rules[0].cards:
                    break
                time.sleep(0.1)
            assert [(r.rule_id, r.cards, r.accepted) for r in rules] == [("ssa-in-insulinoma", 1, 1)]
        finally:
            store.dispose()
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
            server.stderr.close()
