"""The audit trail: one row per hook call (also for errors), no PHI beyond a keyed hash, the issuer from
verified JWT claims; a database that is down costs the row (counted, logged), never the hook response."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import datetime, timezone

import pytest
from flask import g
from sqlalchemy import select

from pnet_cds.audit import AuditWriter, clip
from pnet_cds.metrics import AUDIT_LOST
from pnet_cds.store import AuditRecord, audit, issued_cards

from .conftest import Harness, make_app
from .db_fixtures import DOWN_URLS, ENGINES, drain

INSULINOMA = "ssa-in-insulinoma--octreotide-sc-malignant-insulinoma"
KEY = b"test-audit-key"


def _audit_rows(app):
    drain(app)
    return app.extensions["pnet_cds_store"].read(select(audit).order_by(audit.c.id))


def test_a_hook_call_leaves_one_row_with_what_fired_and_a_keyed_patient_hash(ops_app):
    harness = Harness(ops_app)
    body = harness.request(INSULINOMA, "order-sign")
    response = harness.post("pnet-order-sign", body, headers={"X-Request-Id": "req-42"})
    cards = response.get_json()["cards"]
    [row] = _audit_rows(ops_app)
    patient_id = body["context"]["patientId"]
    assert (row.service, row.hook, row.hook_instance, row.status, row.outcome, row.request_id) == (
        "pnet-order-sign", "order-sign", body["hookInstance"], 200, "cards", "req-42")
    assert row.rule_ids == ["ssa-in-insulinoma"]
    assert row.card_uuids == [card["uuid"] for card in cards]
    assert row.patient_hash == hmac.new(KEY, patient_id.encode(), hashlib.sha256).hexdigest()
    assert row.latency_ms > 0 and row.issuer is None
    assert patient_id not in json.dumps([str(value) for value in row])
    [issued] = ops_app.extensions["pnet_cds_store"].read(select(issued_cards))
    assert (issued.card_uuid, issued.rule_id, issued.hook_instance) == (cards[0]["uuid"], "ssa-in-insulinoma",
                                                                         body["hookInstance"])
    assert issued.suggestion_uuids == [s["uuid"] for s in cards[0]["suggestions"]]


def test_the_issuer_comes_from_the_verified_caller(ops_app):
    from pnet_cds.auth import VerifiedClient
    from pnet_cds.issuers import Issuer

    callers = iter([VerifiedClient(Issuer("https://ehr.example.org"), None, "jti-1", {"iss": "x"}), None])

    @ops_app.before_request
    def _auth():  # what the JWT layer does once it has verified the token (None: auth off)
        caller = next(callers)
        if caller is not None:
            g.cds_client = caller

    harness = Harness(ops_app)
    harness.fire(INSULINOMA, "order-sign")
    harness.fire(INSULINOMA, "order-sign")
    assert [row.issuer for row in _audit_rows(ops_app)] == ["https://ehr.example.org", None]


def test_refused_calls_are_audited_with_their_status(ops_app):
    harness = Harness(ops_app)
    body = harness.request(INSULINOMA, "order-sign")
    harness.post("pnet-order-sign", {"hook": "order-sign"})                      # 400
    harness.post("pnet-order-sign", {**body, "prefetch": {}})                     # 412: nothing to go on
    harness.post("no-such-service", body)                                         # 404
    rows = _audit_rows(ops_app)
    assert [(r.service, r.status, r.outcome, r.hook_instance, r.rule_ids) for r in rows] == [
        ("pnet-order-sign", 400, "bad-request", None, []),
        ("pnet-order-sign", 412, "prefetch-unavailable", body["hookInstance"], []),
        ("no-such-service", 404, "unknown-service", None, []),
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_hooks_still_answer_when_the_database_is_down_and_the_loss_is_counted(engine, capsys):
    app = make_app(DATABASE_URL=DOWN_URLS[engine], DATABASE_CONNECT_TIMEOUT=1)
    lost_before = AUDIT_LOST._value.get()
    cards = Harness(app).cards_of(INSULINOMA, "order-sign", "ssa-in-insulinoma")
    assert len(cards) == 1
    drain(app)
    writer = app.extensions["pnet_cds_audit"]
    assert (writer.lost, writer.written) == (1, 0)
    assert AUDIT_LOST._value.get() == lost_before + 1
    logged = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    assert any(entry["level"] == "warning" and "1 record(s) lost" in entry["message"] for entry in logged)
    readiness = app.test_client().get("/readyz")
    assert readiness.status_code == 503 and readiness.get_json()["checks"]["database"].startswith("unreachable")


class _BlockingStore:
    """A store whose writes wait until released: the writer thread is busy, the queue fills."""

    def __init__(self):
        self.release, self.started, self.batches = threading.Event(), threading.Event(), []

    def record_calls(self, batch):
        self.started.set()
        self.release.wait(5)
        self.batches.append(len(batch))
        return len(batch)


def test_a_full_queue_drops_and_counts_instead_of_waiting():
    store = _BlockingStore()
    writer = AuditWriter(store, maxsize=1)
    record = AuditRecord(at=datetime.now(timezone.utc), service="s", status=200, outcome="cards", latency_ms=1.0)
    assert writer.submit(record) is True
    assert store.started.wait(5)          # the thread holds the first record
    assert writer.submit(record) is True  # the queue holds the second
    assert writer.submit(record) is False  # no room: dropped at once, counted
    assert writer.lost == 1
    store.release.set()
    assert writer.flush(5)
    assert (writer.written, store.batches) == (2, [1, 1])


def test_log_lines_carry_the_request_id_and_never_a_token_or_the_patient_id(ops_app, capsys):
    harness = Harness(ops_app)
    body = harness.request(INSULINOMA, "order-sign")
    body["fhirServer"] = "https://fhir.example.org/r4"
    body["fhirAuthorization"] = {"access_token": "secret-access-token-123", "token_type": "Bearer",
                                 "expires_in": 300, "scope": "patient/*.read", "subject": "pnet-cds"}
    jwt = "eyJhbGciOiJFUzM4NCJ9.eyJpc3MiOiJodHRwczovL2VociJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    response = harness.post("pnet-order-sign", body, headers={"Authorization": f"Bearer {jwt}",
                                                              "X-Request-Id": "trace-abc.1"})
    assert response.status_code == 200 and response.headers["X-Request-Id"] == "trace-abc.1"
    drain(ops_app)
    err = capsys.readouterr().err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(line.get("request_id") == "trace-abc.1" and line.get("status") == 200 for line in lines)
    for secret in ("secret-access-token-123", jwt, body["context"]["patientId"]):
        assert secret not in err


def test_a_request_id_that_is_not_a_sane_token_is_replaced(client):
    response = client.get("/cds-services", headers={"X-Request-Id": "bad id <script>" + "x" * 200})
    assert len(response.headers["X-Request-Id"]) == 32 and "<" not in response.headers["X-Request-Id"]
    assert client.get("/cds-services").headers["X-Request-Id"] != response.headers["X-Request-Id"]


def test_a_database_lost_while_running_costs_rows_not_answers(tmp_path):
    directory = tmp_path / "db"
    directory.mkdir()
    app = make_app(DATABASE_URL=f"sqlite:///{directory}/store.db")
    harness, writer = Harness(app), app.extensions["pnet_cds_audit"]
    harness.fire(INSULINOMA, "order-sign")
    drain(app)
    assert (writer.written, writer.lost) == (1, 0)
    app.extensions["pnet_cds_store"].dispose()  # close pooled connections, then take the database away
    for path in directory.iterdir():
        path.unlink()
    directory.rmdir()
    assert len(harness.cards_of(INSULINOMA, "order-sign", "ssa-in-insulinoma")) == 1
    drain(app)
    assert (writer.written, writer.lost) == (1, 1)
    body = {"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-06-01T12:00:00Z"}]}
    assert app.test_client().post("/cds-services/pnet-order-sign/feedback", json=body).status_code == 503


def test_the_hmac_key_is_generated_once_into_the_instance_folder(tmp_path):
    from pnet_cds.audit import load_hmac_key

    first = load_hmac_key(None, str(tmp_path / "instance"))
    assert len(first) == 64 and load_hmac_key(None, str(tmp_path / "instance")) == first
    assert oct((tmp_path / "instance" / "audit-hmac.key").stat().st_mode & 0o777) == "0o600"
    assert load_hmac_key("configured", str(tmp_path / "other")) == b"configured"
    assert not (tmp_path / "other").exists()


def test_one_record_the_database_refuses_does_not_cost_the_batch(postgres_url):
    from pnet_cds.store import Store

    store = Store(postgres_url)
    store.upgrade()
    writer = AuditWriter(store)
    now = datetime.now(timezone.utc)
    records = [AuditRecord(at=now, service=name, status=200, outcome="cards", latency_ms=1.0)
               for name in ("first", "bad\x00service", "third")]  # PostgreSQL refuses NUL in text
    writer._ensure_thread = lambda: None  # queue all three, then drain them as one batch
    for record in records:
        writer.submit(record)
    writer._write([writer.queue.get_nowait() for _ in records])
    assert (writer.written, writer.lost) == (2, 1)
    assert [row.service for row in store.read(select(audit.c.service).order_by(audit.c.id))] == ["first", "third"]
    store.dispose()


def test_the_longest_hook_instance_a_request_may_have_fits_its_column(ops_app):
    harness = Harness(ops_app)
    body = harness.request(INSULINOMA, "order-sign")
    body["hookInstance"] = "h" * 256  # the request schema's maxLength
    assert harness.post("pnet-order-sign", body).status_code == 200
    [row] = _audit_rows(ops_app)
    assert row.hook_instance == "h" * 256 and row.status == 200
    assert clip("a\x00b" + "c" * 300, 5) == "abccc" and clip(None, 5) is None


# -- odd bytes and every lost row counted (issue 11) ---------------------------------------------------

def test_lone_surrogates_in_patient_id_and_hook_instance_keep_the_row(tmp_path):
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'odd.db'}")
    harness, writer = Harness(app), app.extensions["pnet_cds_audit"]
    body = harness.request(INSULINOMA, "order-sign")
    patient = body["context"]["patientId"]  # the same odd id everywhere: the records stay one patient's
    odd = json.loads(json.dumps(body).replace(patient, "p-\\udfff"))  # JSON "\udfff": half a surrogate pair
    odd["hookInstance"] = "h-\ud800"
    assert odd["context"]["patientId"] == "p-\udfff"
    for request in (body, odd, body):
        assert harness.post("pnet-order-sign", request).status_code == 200
    rows = _audit_rows(app)
    assert [row.hook_instance for row in rows] == [body["hookInstance"], "h-\ufffd", body["hookInstance"]]
    assert rows[1].patient_hash == hmac.new(KEY, "p-\udfff".encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
    assert rows[1].patient_hash not in (rows[0].patient_hash, patient_hash_of("p-\ufffd"))
    assert (writer.written, writer.lost) == (3, 0)
    app.extensions["pnet_cds_store"].dispose()


def patient_hash_of(patient_id: str) -> str:
    return hmac.new(KEY, patient_id.encode("utf-8"), hashlib.sha256).hexdigest()


def test_one_unstorable_record_in_a_batch_costs_no_other_row(tmp_path):
    """A record that reached the writer unsanitised (a lone surrogate, which SQLite cannot encode) used to
    fail the whole batch: up to 200 other callers' rows."""
    from pnet_cds.store import Store

    store = Store(f"sqlite:///{tmp_path / 'batch.db'}")
    store.upgrade()
    writer = AuditWriter(store)
    lost_before = AUDIT_LOST._value.get()
    now = datetime.now(timezone.utc)
    records = [AuditRecord(at=now, service="s", status=200, outcome="cards", latency_ms=1.0, hook_instance=f"h-{n}")
               for n in range(120)]
    records[60].hook_instance = "bad-\ud800"
    writer._ensure_thread = lambda: None  # queue them all, then drain them as one batch
    for record in records:
        writer.submit(record)
    writer._write([writer.queue.get_nowait() for _ in records])
    assert (writer.written, writer.lost) == (119, 1)
    assert AUDIT_LOST._value.get() == lost_before + 1
    stored = [row.hook_instance for row in store.read(select(audit.c.hook_instance).order_by(audit.c.id))]
    assert stored == [f"h-{n}" for n in range(120) if n != 60]
    store.dispose()


def test_rows_still_queued_at_shutdown_are_counted_and_logged(capsys):
    from pnet_cds.audit import flush_all_writers

    store = _BlockingStore()
    writer = AuditWriter(store, maxsize=10)
    lost_before = AUDIT_LOST._value.get()
    record = AuditRecord(at=datetime.now(timezone.utc), service="s", status=200, outcome="cards", latency_ms=1.0)
    for _ in range(4):
        writer.submit(record)
    assert store.started.wait(5)  # the writer holds one batch in the database; the rest wait in the queue
    queued = writer.queue.qsize()
    assert flush_all_writers(timeout=0.2) == 4  # a stuck database: every record not written is counted
    assert writer.lost == 4 and AUDIT_LOST._value.get() == lost_before + 4
    err = capsys.readouterr().err
    assert f"{queued} record(s) lost" in err and "not written before the process exited" in err
    store.release.set()


def test_an_audit_record_that_cannot_be_built_is_counted(ops_app, monkeypatch):
    from pnet_cds import audit as audit_module

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(audit_module, "build_record", broken)
    writer = ops_app.extensions["pnet_cds_audit"]
    lost_before = AUDIT_LOST._value.get()
    assert len(Harness(ops_app).cards_of(INSULINOMA, "order-sign", "ssa-in-insulinoma")) == 1
    assert writer.lost == 1 and AUDIT_LOST._value.get() == lost_before + 1
