"""A database that is write-locked by someone else never stalls the hook path: the jti replay cache gives
up after REPLAY_CACHE_TIMEOUT_SECONDS and uses process memory for a while, /readyz says the database
cannot be written, feedback answers 503 quickly (service/store.py, service/auth.py, service/ops.py)."""

from __future__ import annotations

import sqlite3
import time

import pytest

from .conftest import Harness, make_app
from .jwt_helpers import BASE, EC_KEY, claims_for, issuers_file, sign

INSULINOMA = "ssa-in-insulinoma--octreotide-sc-malignant-insulinoma"
PATH = "/cds-services/pnet-order-sign"


@pytest.fixture
def locked(tmp_path):
    """An app with authentication on over a SQLite file, and a way to hold that file's write lock."""
    database = tmp_path / "locked.db"
    app = make_app(DATABASE_URL=f"sqlite:///{database}", AUTH=True, ISSUERS_FILE=str(issuers_file(tmp_path)))
    holder = sqlite3.connect(database, timeout=1, isolation_level=None)
    yield app, holder
    holder.close()
    app.extensions["pnet_cds_audit"].flush()
    app.extensions["pnet_cds_store"].dispose()


def _token() -> dict:
    return {"Authorization": f"Bearer {sign(claims_for(BASE + PATH), EC_KEY)}"}


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def test_hook_calls_stay_fast_while_another_connection_holds_the_write_lock(locked):
    """Before: each call waited 15 s (SQLite's busy timeout). A p99 on a shared 2-core machine is noisy, so
    the measurement (100 calls) is repeated up to three times; waiting on the lock fails all three."""
    app, holder = locked
    harness = Harness(app)
    body = harness.request(INSULINOMA, "order-sign")
    assert harness.post("pnet-order-sign", body, headers=_token()).status_code == 200  # warm
    holder.execute("BEGIN IMMEDIATE")
    p99s = []
    for _attempt in range(3):
        latencies = []
        for _ in range(100):
            started = time.perf_counter()
            response = harness.post("pnet-order-sign", body, headers=_token())
            latencies.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
            assert response.get_json()["cards"][0]["source"]["topic"]["code"] == "ssa-in-insulinoma"
        p99s.append(_percentile(latencies, 99))
        if p99s[-1] < 100:
            break
    assert min(p99s) < 100, p99s
    # a replayed token is still refused meanwhile: this process remembers every jti it saw
    headers = _token()
    assert harness.post("pnet-order-sign", body, headers=headers).status_code == 200
    assert harness.post("pnet-order-sign", body, headers=headers).status_code == 401


def test_readyz_says_the_database_cannot_be_written_and_feedback_answers_503_fast(locked):
    app, holder = locked
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    holder.execute("BEGIN IMMEDIATE")
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["database"].startswith("not writable: OperationalError: database is locked")
    feedback = {"feedback": [{"card": "c-1", "outcome": "overridden", "outcomeTimestamp": "2026-06-01T12:00:00Z"}]}
    started = time.monotonic()
    response = client.post(f"{PATH}/feedback", json=feedback,
                           headers={"Authorization": f"Bearer {sign(claims_for(BASE + PATH + '/feedback'), EC_KEY)}"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert time.monotonic() - started < 5  # the jti wait (0.05 s) plus the feedback wait (2 s), not 15 s + 15 s
    holder.execute("ROLLBACK")
    assert client.get("/readyz").status_code == 200


def test_the_shared_cache_is_used_again_once_the_lock_is_gone(locked):
    app, holder = locked
    harness = Harness(app)
    body = harness.request(INSULINOMA, "order-sign")
    replay = app.extensions["pnet_cds_auth"].replay
    holder.execute("BEGIN IMMEDIATE")
    assert harness.post("pnet-order-sign", body, headers=_token()).status_code == 200
    assert replay.degraded_until > time.monotonic()
    holder.execute("ROLLBACK")
    replay.degraded_until = 0.0  # the retry window has passed
    headers = _token()
    assert harness.post("pnet-order-sign", body, headers=headers).status_code == 200
    other = make_app(DATABASE_URL=str(app.extensions["pnet_cds_store"].url), AUTH=True,
                     ISSUERS_FILE=str(app.extensions["pnet_cds"].settings.issuers_file))
    try:  # another process sharing the database refuses the same token: the jti reached the database
        assert Harness(other).post("pnet-order-sign", body, headers=headers).status_code == 401
    finally:
        other.extensions["pnet_cds_store"].dispose()


def test_the_store_gives_up_on_a_locked_database_within_its_timeouts(database_url):
    """On each engine: SQLite's write lock held by another connection; PostgreSQL's tables locked by
    another transaction (as a migration would)."""
    from datetime import datetime, timezone

    from sqlalchemy import create_engine, text

    from pnet_cds.store import FeedbackEntry, Store, StoreUnavailable, normalise_url

    store = Store(database_url, replay_timeout=0.05, feedback_timeout=0.3)
    store.upgrade()
    other = create_engine(normalise_url(database_url))
    holder = other.connect()
    if store.dialect == "sqlite":
        holder.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        holder.execute(text("LOCK TABLE jti_seen, feedback IN ACCESS EXCLUSIVE MODE"))
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            store.remember_jti("https://ehr.example", "jti-1", time.time() + 60)
        assert time.monotonic() - started < 1.0
        entry = FeedbackEntry(card_uuid="c", outcome="overridden", outcome_timestamp=datetime.now(timezone.utc))
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            store.save_feedback("pnet-order-sign", [entry], datetime.now(timezone.utc))
        assert time.monotonic() - started < 2.0
        with pytest.raises(StoreUnavailable):
            store.check_writable(0.1)
    finally:
        holder.rollback()
        holder.close()
        other.dispose()
    assert store.remember_jti("https://ehr.example", "jti-1", time.time() + 60) is True
    store.check_writable(0.1)
    store.dispose()
