"""service/store.py on SQLite and PostgreSQL: migrations, audit rows with issued cards, feedback
idempotency, the JWT replay cache, and a database that is down."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select

from pnet_cds.store import (AuditRecord, FeedbackEntry, IssuedCard, Store, StoreUnavailable, audit, feedback,
                           issued_cards, jti_seen, normalise_url)

from .db_fixtures import DOWN_URLS, ENGINES

AT = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def _record(card_uuid="card-1", rule="ssa-in-insulinoma", status=200) -> AuditRecord:
    card = IssuedCard(card_uuid=card_uuid, service="pnet-order-sign", rule_id=rule, hook_instance="hi-1",
                      suggestion_uuids=["s-1", "s-2"], issued_at=AT)
    return AuditRecord(at=AT, service="pnet-order-sign", status=status, outcome="cards", latency_ms=12.5,
                       hook="order-sign", hook_instance="hi-1", issuer="https://ehr.example", patient_hash="ab" * 32,
                       rule_ids=[rule], card_uuids=[card_uuid], cards=[card])


def _entry(card="card-1", outcome="overridden", seconds=0, code="x") -> FeedbackEntry:
    return FeedbackEntry(card_uuid=card, outcome=outcome, outcome_timestamp=AT + timedelta(seconds=seconds),
                         override_code=code if outcome == "overridden" else None,
                         accepted_suggestions=["s-1"] if outcome == "accepted" else [])


def test_upgrade_creates_the_tables_and_is_current(store):
    tables = set(inspect(store.engine).get_table_names())
    assert {"issued_cards", "feedback", "audit", "jti_seen", "alembic_version"} <= tables
    assert store.schema_is_current()
    store.upgrade()  # a second run is a no-op
    assert store.schema_is_current()


def test_a_new_database_is_not_current_until_upgraded(database_url):
    store = Store(database_url)
    assert not store.schema_is_current()
    store.upgrade()
    assert store.schema_is_current()
    store.dispose()


def test_record_calls_writes_the_audit_row_and_the_issued_cards(store):
    assert store.record_calls([_record()]) == 1
    row = store.read(select(audit))[0]
    assert (row.service, row.hook_instance, row.issuer, row.status, row.rule_ids, row.card_uuids) == (
        "pnet-order-sign", "hi-1", "https://ehr.example", 200, ["ssa-in-insulinoma"], ["card-1"])
    assert row.at == AT and row.latency_ms == 12.5
    card = store.read(select(issued_cards))[0]
    assert (card.card_uuid, card.rule_id, card.suggestion_uuids, card.issued_at) == (
        "card-1", "ssa-in-insulinoma", ["s-1", "s-2"], AT)


def test_a_card_uuid_seen_twice_is_kept_once_and_the_batch_still_lands(store):
    store.record_calls([_record("card-1"), _record("card-1"), _record("card-2")])
    assert len(store.read(select(audit))) == 3
    assert sorted(row.card_uuid for row in store.read(select(issued_cards))) == ["card-1", "card-2"]


def test_feedback_is_stored_once_per_card_outcome_and_timestamp(store):
    store.record_calls([_record("card-1")])
    first = store.save_feedback("pnet-order-sign", [_entry(), _entry(outcome="accepted")], AT)
    again = store.save_feedback("pnet-order-sign", [_entry(), _entry(seconds=1), _entry(card="nobody-issued")], AT)
    assert (first.stored, first.duplicates, first.unknown_cards) == (2, 0, 0)
    assert (again.stored, again.duplicates, again.unknown_cards) == (2, 1, 1)
    rows = store.read(select(feedback).order_by(feedback.c.id))
    assert [(r.card_uuid, r.outcome, r.outcome_timestamp) for r in rows] == [
        ("card-1", "overridden", AT), ("card-1", "accepted", AT),
        ("card-1", "overridden", AT + timedelta(seconds=1)), ("nobody-issued", "overridden", AT)]
    assert rows[1].accepted_suggestions == ["s-1"] and rows[0].override_code == "x"


def test_remember_jti_refuses_a_replay_and_forgets_expired_ids(store):
    later = datetime.now(timezone.utc) + timedelta(minutes=5)
    assert store.remember_jti("https://ehr.example", "jti-1", later) is True
    assert store.remember_jti("https://ehr.example", "jti-1", later) is False
    assert store.remember_jti("https://other.example", "jti-1", later) is True
    past = datetime.now(timezone.utc) - timedelta(seconds=1)
    assert store.remember_jti("https://ehr.example", "jti-2", past) is True
    # the expired id is purged by the next call, so it may be used again (its token is refused as expired anyway)
    assert store.remember_jti("https://ehr.example", "jti-2", later) is True
    assert len(store.read(select(jti_seen))) == 3


def test_remember_jti_takes_the_jwt_exp_in_epoch_seconds(store):
    exp = int((datetime.now(timezone.utc) + timedelta(minutes=5)).timestamp())
    assert store.remember_jti("iss", "jti-epoch", exp) is True
    assert store.remember_jti("iss", "jti-epoch", exp) is False
    assert store.read(select(jti_seen.c.expires_at))[0][0] == datetime.fromtimestamp(exp, tz=timezone.utc)


@pytest.mark.parametrize("engine", ENGINES)
def test_every_operation_of_a_down_database_raises_store_unavailable(engine):
    store = Store(DOWN_URLS[engine], connect_timeout=1)
    operations = [store.ping, store.upgrade, store.schema_is_current, lambda: store.record_calls([_record()]),
                  lambda: store.save_feedback("s", [_entry()], AT), lambda: store.remember_jti("i", "j", AT)]
    for operation in operations:
        with pytest.raises(StoreUnavailable) as raised:
            operation()
        assert "pnet:pnet" not in str(raised.value)  # never the credentials


def test_postgres_urls_use_psycopg_3():
    assert normalise_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalise_url("postgresql://u@h:5/db") == "postgresql+psycopg://u@h:5/db"
    assert normalise_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_workers_migrating_at_the_same_time_migrate_once(database_url):
    import threading

    stores = [Store(database_url) for _ in range(3)]
    errors = []

    def upgrade(store):
        try:
            store.upgrade()
        except Exception as exc:  # collected: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=upgrade, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and all(store.schema_is_current() for store in stores)
    for store in stores:
        store.dispose()
