"""POST /cds-services/<id>/feedback: the CDS Hooks 2.0 shapes (and the Sandbox's), validation with JSON
pointers, idempotent storage linked to the issued card, and 503 when the database is down."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from pnet_cds.store import feedback, issued_cards

from .conftest import Harness, make_app
from .db_fixtures import DOWN_URLS, ENGINES, drain

INSULINOMA = "ssa-in-insulinoma--octreotide-sc-malignant-insulinoma"
URL = "/cds-services/pnet-order-sign/feedback"
_CLIENT = make_app().test_client()  # for the answers that never reach the database (one app: start-up is slow)


def _issue_card(app) -> dict:
    """Fire a hook that issues the ssa-in-insulinoma card; returns that card once the audit is written."""
    cards = Harness(app).cards_of(INSULINOMA, "order-sign", "ssa-in-insulinoma")
    drain(app)
    assert len(cards) == 1
    return cards[0]


def _rows(app):
    return app.extensions["pnet_cds_store"].read(select(feedback).order_by(feedback.c.id))


def test_an_accepted_suggestion_is_stored_and_linked_to_the_issued_card(ops_app):
    card = _issue_card(ops_app)
    suggestion = card["suggestions"][0]["uuid"]
    body = {"feedback": [{"card": card["uuid"], "outcome": "accepted", "acceptedSuggestions": [{"id": suggestion}],
                          "outcomeTimestamp": "2026-06-01T12:05:31Z"}]}
    response = ops_app.test_client().post(URL, json=body)
    assert response.status_code == 200
    assert response.get_json() == {"received": 1, "stored": 1, "repeats": 0, "unknownCards": 0}
    row = _rows(ops_app)[0]
    assert (row.card_uuid, row.outcome, row.accepted_suggestions, row.service) == (
        card["uuid"], "accepted", [suggestion], "pnet-order-sign")
    assert row.outcome_timestamp == datetime(2026, 6, 1, 12, 5, 31, tzinfo=timezone.utc)
    linked = ops_app.extensions["pnet_cds_store"].read(
        select(issued_cards.c.rule_id, issued_cards.c.suggestion_uuids)
        .join(feedback, feedback.c.card_uuid == issued_cards.c.card_uuid))
    assert linked[0].rule_id == "ssa-in-insulinoma" and suggestion in linked[0].suggestion_uuids


def test_the_spec_override_examples_and_the_sandbox_shape_are_accepted(ops_app):
    card = _issue_card(ops_app)["uuid"]
    body = {"feedback": [
        {"card": card, "outcome": "overridden", "outcomeTimestamp": "2020-12-11T00:00:00Z"},
        {"card": card, "outcome": "overridden", "outcomeTimestamp": "2020-12-11T00:00:01Z",
         "overrideReason": {"reason": {"code": "sstr-avid-glucose-monitored", "system": "urn:pnet-cds:override-reason"},
                            "userComment": "A comment entered by the clinician."}},
        # the CDS Hooks Sandbox: code only, no display, no system; a millisecond timestamp from toISOString()
        {"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-06-01T12:00:00.123Z",
         "overrideReason": {"reason": {"code": "insulinoma-resected"}}},
        # a comment without a coded reason
        {"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-06-01T12:00:01+02:00",
         "overrideReason": {"userComment": "seen by endocrinology"}},
    ]}
    response = ops_app.test_client().post(URL, json=body)
    assert response.status_code == 200, response.get_json()
    rows = _rows(ops_app)
    assert [(r.override_system, r.override_code, r.user_comment) for r in rows] == [
        (None, None, None),
        ("urn:pnet-cds:override-reason", "sstr-avid-glucose-monitored", "A comment entered by the clinician."),
        (None, "insulinoma-resected", None),
        (None, None, "seen by endocrinology")]
    assert rows[2].outcome_timestamp == datetime(2026, 6, 1, 12, 0, 0, 123000, tzinfo=timezone.utc)
    assert rows[3].outcome_timestamp == datetime(2026, 6, 1, 10, 0, 1, tzinfo=timezone.utc)


def test_a_repeated_entry_is_acknowledged_and_not_stored_twice(ops_app):
    body = {"feedback": [{"card": "c-1", "outcome": "overridden", "outcomeTimestamp": "2026-06-01T12:00:00Z"}]}
    client = ops_app.test_client()
    first, second = client.post(URL, json=body), client.post(URL, json=body)
    assert first.status_code == second.status_code == 200
    assert first.get_json() == {"received": 1, "stored": 1, "repeats": 0, "unknownCards": 1}
    assert second.get_json() == {"received": 1, "stored": 0, "repeats": 1, "unknownCards": 1}
    assert len(_rows(ops_app)) == 1


@pytest.mark.parametrize("body, pointer, message", [
    ({}, "/feedback", "required field is missing"),
    ({"feedback": []}, "/feedback", "[] should be non-empty"),
    ({"feedback": [{"outcome": "accepted", "acceptedSuggestions": [{"id": "s"}], "outcomeTimestamp": "2026-06-01T12:00:00Z"}]},
     "/feedback/0/card", "required field is missing"),
    ({"feedback": [{"card": "c", "outcome": "ignored", "outcomeTimestamp": "2026-06-01T12:00:00Z"}]},
     "/feedback/0/outcome", "must be one of ['accepted', 'overridden']"),
    ({"feedback": [{"card": "c", "outcome": "accepted", "outcomeTimestamp": "2026-06-01T12:00:00Z"}]},
     "/feedback/0/acceptedSuggestions", "required when outcome is accepted"),
    ({"feedback": [{"card": "c", "outcome": "accepted", "acceptedSuggestions": [{}], "outcomeTimestamp": "2026-06-01T12:00:00Z"}]},
     "/feedback/0/acceptedSuggestions/0/id", "required field is missing"),
    ({"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-06-01T12:00:00"}]},
     "/feedback/0/outcomeTimestamp", "must be an RFC 3339 date-time in UTC, e.g. 2021-12-11T10:05:31Z"),
    ({"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-13-01T12:00:00Z"}]},
     "/feedback/0/outcomeTimestamp", "not a valid RFC 3339 date-time"),
    ({"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-06-01T12:00:00Z",
                    "overrideReason": {"reason": {"system": "urn:x"}}}]},
     "/feedback/0/overrideReason/reason/code", "required field is missing"),
    ({"feedback": [{"card": 7, "outcome": "overridden", "outcomeTimestamp": "2026-06-01T12:00:00Z"}]},
     "/feedback/0/card", "must be of type string"),
    ({"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-06-01T12:00:00Z",
                    "overrideReason": {"userComment": "nul\u0000byte"}}]},
     "/feedback/0/overrideReason/userComment", "must not contain NUL characters"),
    # calendar edges: valid RFC 3339, but not a datetime once in UTC (these were 500s)
    ({"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "0001-01-01T00:00:00+14:00"}]},
     "/feedback/0/outcomeTimestamp", "outside the years 1 to 9999 once converted to UTC"),
    ({"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "9999-12-31T23:59:59-14:00"}]},
     "/feedback/0/outcomeTimestamp", "outside the years 1 to 9999 once converted to UTC"),
    # a lone UTF-16 surrogate (JSON "\ud800") cannot be encoded for any database (these were 500s)
    ({"feedback": [{"card": "c\ud800", "outcome": "overridden", "outcomeTimestamp": "2026-06-01T12:00:00Z"}]},
     "/feedback/0/card", "must not contain unpaired UTF-16 surrogates (e.g. \\ud800): they are not Unicode characters"),
    ({"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-06-01T12:00:00Z",
                    "overrideReason": {"reason": {"code": "x", "display": "bad \udfff"}}}]},
     "/feedback/0/overrideReason/reason/display",
     "must not contain unpaired UTF-16 surrogates (e.g. \\ud800): they are not Unicode characters"),
])
def test_a_bad_body_is_a_400_naming_the_place(body, pointer, message):
    response = _CLIENT.post(URL, json=body)
    assert response.status_code == 400
    payload = response.get_json()
    assert payload["error"] == "bad-request"
    assert {"pointer": pointer, "message": message} in payload["problems"]


def test_non_json_and_unknown_services_are_refused():
    client = _CLIENT
    response = client.post(URL, data="card=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and response.get_json()["error"] == "unsupported-media-type"
    body = {"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-06-01T12:00:00Z"}]}
    response = client.post("/cds-services/no-such-service/feedback", json=body)
    assert response.status_code == 404 and response.get_json()["error"] == "unknown-service"


@pytest.mark.parametrize("engine", ENGINES)
def test_feedback_answers_503_with_retry_after_when_the_database_is_down(engine):
    app = make_app(DATABASE_URL=DOWN_URLS[engine], DATABASE_CONNECT_TIMEOUT=1)
    body = {"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-06-01T12:00:00Z"}]}
    response = app.test_client().post(URL, json=body)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.get_json() == {"error": "service-unavailable",
                                   "message": "the feedback could not be stored now; retry later"}
