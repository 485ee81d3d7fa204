"""`pnet-cds report`: exact numbers on a known set of hook calls and feedback, through the real app."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from pnet_cds.cli import main
from pnet_cds.report import build_report, parse_since, reason_labels_from, render_report

from .conftest import Harness
from .db_fixtures import drain

INSULINOMA = ("ssa-in-insulinoma--octreotide-sc-malignant-insulinoma", "order-sign", "ssa-in-insulinoma")
CBC = ("post-prrt-cbc-surveillance--cbc-9-months-ago", "patient-view", "post-prrt-cbc-surveillance")
REASON = {"system": "urn:pnet-cds:override-reason", "code": "sstr-avid-glucose-monitored"}


def _fire(harness, fixture, hook, rule) -> str:
    cards = harness.fire(fixture, hook)["cards"]
    assert [card["source"]["topic"]["code"] for card in cards] == [rule]  # the set-up is what the test says
    return cards[0]["uuid"]


def _feedback(client, service, card, outcome, minute, reason=None):
    entry = {"card": card, "outcome": outcome, "outcomeTimestamp": f"2026-06-01T12:{minute:02d}:00Z"}
    if outcome == "accepted":
        entry["acceptedSuggestions"] = [{"id": "any"}]
    if reason is not None:
        entry["overrideReason"] = {"reason": reason}
    response = client.post(f"/cds-services/{service}/feedback", json={"feedback": [entry]})
    assert response.status_code == 200, response.get_json()


@pytest.fixture
def known_calls(ops_app):
    """4 insulinoma cards, 2 CBC cards, one refused call, and this feedback:
    insulinoma: accepted; overridden (reason); overridden (reason) then accepted; none
    CBC: overridden without a reason; overridden with the Sandbox's code-only reason (display from the card file)
    plus feedback about a card this service never issued."""
    harness, client = Harness(ops_app), ops_app.test_client()
    x = [_fire(harness, *INSULINOMA) for _ in range(4)]
    y = [_fire(harness, *CBC) for _ in range(2)]
    harness.post("pnet-order-sign", {"hook": "order-sign"})
    drain(ops_app)
    _feedback(client, "pnet-order-sign", x[0], "accepted", 1)
    _feedback(client, "pnet-order-sign", x[1], "overridden", 2, REASON)
    _feedback(client, "pnet-order-sign", x[2], "overridden", 3, REASON)
    _feedback(client, "pnet-order-sign", x[2], "accepted", 4)
    _feedback(client, "pnet-patient-view", y[0], "overridden", 5)
    _feedback(client, "pnet-patient-view", y[1], "overridden", 6, {"code": "cbc-done-elsewhere"})
    _feedback(client, "pnet-patient-view", "never-issued", "overridden", 7)
    return ops_app


def test_the_report_counts_cards_outcomes_rates_and_reasons(known_calls):
    app = known_calls
    labels = reason_labels_from(app.extensions["pnet_cds"].rules)
    report = build_report(app.extensions["pnet_cds_store"], None, labels).to_json()
    assert report["calls"] == {"200": 6, "400": 1}
    assert report["unlinkedFeedback"] == 1
    insulinoma, cbc = report["rules"]
    assert insulinoma == {"rule": "ssa-in-insulinoma", "cards": 4, "silent": 0, "accepted": 2, "overridden": 1, "noFeedback": 1,
                          "acceptanceRate": 50.0, "overrideRate": 25.0,
                          "topOverrideReasons": [{"reason": "SSTR-avid disease on imaging; glucose monitored",
                                                  "count": 1}]}
    assert cbc == {"rule": "post-prrt-cbc-surveillance", "cards": 2, "silent": 0, "accepted": 0, "overridden": 2, "noFeedback": 0,
                   "acceptanceRate": 0.0, "overrideRate": 100.0,
                   "topOverrideReasons": [{"reason": "(no reason given)", "count": 1},
                                          {"reason": "CBC done elsewhere; result reviewed", "count": 1}]}


def test_a_window_after_the_calls_is_empty(known_calls):
    store = known_calls.extensions["pnet_cds_store"]
    report = build_report(store, datetime.now(timezone.utc) + timedelta(minutes=1))
    assert (report.rules, report.calls) == ([], {})
    assert "(no cards issued in this window)" in render_report(report)


def test_the_cli_prints_the_table_and_json(known_calls, monkeypatch, capsys):
    monkeypatch.setenv("PNET_CDS_DATABASE_URL", known_calls.extensions["pnet_cds"].settings.database_url)
    assert main(["report", "--since", "1d"]) == 0
    table = capsys.readouterr().out
    assert "hook calls: 7 (200: 6, 400: 1)" in table
    assert any(line.split()[:8] == ["ssa-in-insulinoma", "4", "0", "2", "1", "1", "50.0", "25.0"]
               for line in table.splitlines())
    assert "override reason: SSTR-avid disease on imaging; glucose monitored (1)" in table
    assert main(["report", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rules"][1]["overridden"] == 2


def test_since_takes_relative_and_absolute_forms():
    now = datetime(2026, 6, 8, 12, 0, tzinfo=timezone.utc)
    assert parse_since("7d", now) == datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
    assert parse_since("90m", now) == datetime(2026, 6, 8, 10, 30, tzinfo=timezone.utc)
    assert parse_since("2026-06-01", now) == datetime(2026, 6, 1, tzinfo=timezone.utc)
    assert parse_since("2026-06-01T08:00:00+02:00", now) == datetime(2026, 6, 1, 6, 0, tzinfo=timezone.utc)
    assert parse_since(None) is None
    with pytest.raises(ValueError, match="use 7d, 24h"):
        parse_since("last week")
