"""fhir_fixtures/: current with their sources, valid FHIR R4 transaction Bundles, dates that roll."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fhir.resources.R4B import get_fhir_model_class

from pnet_cds.fixtures import build_hook_request, list_fixtures, load_fixture, roll_dates
from tests.fixtures_src.build import all_fixtures, render

from .conftest import FIXTURES, NOW

_GENERATED = all_fixtures()


def test_committed_fixtures_are_current_with_their_sources():
    committed = {path.stem: path.read_text(encoding="utf-8") for path in FIXTURES.glob("*.json")}
    assert set(committed) == set(_GENERATED), "run: python -m tests.fixtures_src.build"
    stale = [name for name, bundle in _GENERATED.items() if committed[name] != render(bundle)]
    assert not stale, f"out of date (run python -m tests.fixtures_src.build): {stale}"


@pytest.mark.parametrize("name", sorted(_GENERATED))
def test_fixture_is_a_valid_transaction_bundle(name):
    bundle = _GENERATED[name]
    get_fhir_model_class("Bundle").model_validate(bundle)
    assert bundle["type"] == "transaction"
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["request"] == {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"}


def test_rolling_moves_dates_and_keeps_date_only_values():
    resource = {"resourceType": "Observation", "effectiveDateTime": "2026-05-30T12:00:00Z",
                "issued": "2026-05-30T12:00:00+00:00", "birthDate": "1960-01-01",
                "valueString": "2026-05-30"}
    rolled = roll_dates(resource, timedelta(days=10))
    assert rolled["effectiveDateTime"] == "2026-06-09T12:00:00Z"
    assert rolled["issued"] == "2026-06-09T12:00:00Z"
    assert rolled["birthDate"] == "1960-01-11"
    assert rolled["valueString"] == "2026-05-30"  # not a date element: untouched


def test_loading_with_a_later_now_keeps_the_same_intervals():
    early = load_fixture(FIXTURES, "post-prrt-cbc-surveillance--cbc-9-months-ago")
    later = load_fixture(FIXTURES, "post-prrt-cbc-surveillance--cbc-9-months-ago", now=NOW + timedelta(days=100))
    first = [r for r in early.record if r["resourceType"] == "Observation"][0]["effectiveDateTime"]
    moved = [r for r in later.record if r["resourceType"] == "Observation"][0]["effectiveDateTime"]
    assert (json.loads(f'"{moved}"') > first) and moved.startswith("2025-12-08")


def test_drafts_and_selections_come_from_the_fixture_tags():
    fixture = load_fixture(FIXTURES, "ssa-in-insulinoma--ssa-not-selected")
    service = {"hook": "order-select", "prefetch": {}}
    request = build_hook_request(fixture, service)
    assert len(request["context"]["draftOrders"]["entry"]) == 2
    assert request["context"]["selections"] == ["ServiceRequest/ins-not-selected-sr-4"]


def test_prefetch_bundle_filters_by_type_and_code():
    fixture = load_fixture(FIXTURES, "vipoma-fluids-electrolytes--low-potassium-flagged")
    service = {"hook": "patient-view", "prefetch": {
        "k": "Observation?patient={{context.patientId}}&code=http://loinc.org|2823-3",
        "c": "Condition?patient={{context.patientId}}"}}
    prefetch = build_hook_request(fixture, service)["prefetch"]
    assert prefetch["k"]["total"] == 2
    assert {e["resource"]["code"]["coding"][0]["code"] for e in prefetch["k"]["entry"]} == {"2823-3"}
    assert prefetch["c"]["total"] == 1


def test_every_fixture_is_listed_by_some_card_file(app):
    listed = set()
    for rule in app.extensions["pnet_cds"].rules:
        for kind in ("fires", "silent", "todo"):
            listed |= {c if isinstance(c, str) else c["fixture"] for c in rule.spec.cases.get(kind, [])}
    assert set(list_fixtures(FIXTURES)) - listed == set()
    assert listed - set(list_fixtures(FIXTURES)) == set()
