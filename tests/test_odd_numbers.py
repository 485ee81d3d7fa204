"""Numbers no order means reach the dose rule through a real hook call: never "inf" on a card, never a
failed rule (service/dosing.py reads numbers only within its READABLE_RANGE)."""

from __future__ import annotations

import json

import pytest


FIXTURE = "standard-dose-check--lanreotide-60-mg-monthly"


def _dosages(body: dict):
    for entry in body["context"]["draftOrders"]["entry"]:
        yield from entry["resource"].get("dosageInstruction", [])


def test_the_fixture_reads_its_dose(harness):
    cards = harness.cards_of(FIXTURE, "order-sign", "standard-dose-check")
    assert len(cards) == 1 and "60 mg" in cards[0]["detail"]


@pytest.mark.parametrize("value", [1e308, 1.7976931348623157e308, 1e-320])
def test_an_absurd_dose_gives_no_dose_card_and_no_inf(harness, value):
    body = harness.request(FIXTURE, "order-sign")
    for dosage in _dosages(body):
        for rate in dosage.get("doseAndRate", []):
            rate["doseQuantity"]["value"] = value
    response = harness.post("pnet-order-sign", body)
    assert response.status_code == 200
    payload = response.get_json()
    assert "inf" not in json.dumps(payload).replace("info", "")
    assert [c for c in payload["cards"] if c["source"]["topic"]["code"] == "standard-dose-check"] == []
    assert "failedRules" not in payload.get("extension", {}).get("org.pnet-cds.evaluation", {})


@pytest.mark.parametrize("period", [5e-324, 1e-310])
def test_a_denormal_timing_period_does_not_crash_the_dose_rule(harness, period):
    body = harness.request(FIXTURE, "order-sign")
    for dosage in _dosages(body):
        dosage["timing"] = {"repeat": {"frequency": 1, "period": period, "periodUnit": "d"}}
    response = harness.post("pnet-order-sign", body)
    assert response.status_code == 200
    assert "failedRules" not in response.get_json().get("extension", {}).get("org.pnet-cds.evaluation", {})
