"""The validation cache: a resource seen valid before is not validated again; invalid ones always are."""

from __future__ import annotations

import copy

import pytest

import pnet_cds.record as record_module
from pnet_cds.record import PatientRecord, ValidationCache

from .conftest import Harness, make_app

FIXTURE = "ssa-in-insulinoma--octreotide-sc-malignant-insulinoma"


@pytest.fixture
def validations(monkeypatch):
    """Counts calls into fhir.resources validation, by resource type."""
    calls = []
    original = record_module.get_fhir_model_class

    def counting(resource_type):
        calls.append(resource_type)
        return original(resource_type)

    monkeypatch.setattr(record_module, "get_fhir_model_class", counting)
    return calls


def test_a_repeated_hook_call_does_not_validate_the_same_resources_again(validations):
    harness = Harness(make_app())
    first = harness.fire(FIXTURE, "order-sign")
    validated_first = len(validations)
    second = harness.fire(FIXTURE, "order-sign")
    assert validated_first > 0
    assert len(validations) == validated_first, "the second call validated again"
    assert [c["summary"] for c in first["cards"]] == [c["summary"] for c in second["cards"]]


def test_a_changed_resource_is_validated_again(validations):
    harness = Harness(make_app())
    harness.fire(FIXTURE, "order-sign")
    before = len(validations)
    body = harness.request(FIXTURE, "order-sign")
    body["context"]["draftOrders"]["entry"][0]["resource"]["note"] = [{"text": "changed"}]
    assert harness.post("pnet-order-sign", body).status_code == 200
    assert validations[before:] == ["MedicationRequest"]


def test_an_invalid_resource_is_refused_every_time():
    harness = Harness(make_app(FHIR_VALIDATION="strict"))
    body = harness.request(FIXTURE, "order-sign")
    body["context"]["draftOrders"]["entry"][0]["resource"]["authoredOn"] = "yesterday"
    for _ in range(2):
        response = harness.post("pnet-order-sign", copy.deepcopy(body))
        assert response.status_code == 400
        assert response.get_json()["problems"][0]["pointer"] == "/context/draftOrders/entry/0/resource"


def test_cache_size_zero_turns_it_off(validations):
    harness = Harness(make_app(VALIDATION_CACHE_SIZE=0))
    harness.fire(FIXTURE, "order-sign")
    first = len(validations)
    harness.fire(FIXTURE, "order-sign")
    assert len(validations) == 2 * first


def test_the_cache_keeps_only_the_most_recent_fingerprints():
    cache = ValidationCache(size=2)
    a, b, c = (cache.fingerprint({"resourceType": "Basic", "id": name}) for name in "abc")
    for fingerprint in (a, b, c):
        cache.remember_valid(fingerprint)
    assert not cache.known_valid(a) and cache.known_valid(b) and cache.known_valid(c)


def test_fingerprint_ignores_key_order_but_not_values():
    cache = ValidationCache(size=10)
    assert cache.fingerprint({"a": 1, "b": 2}) == cache.fingerprint({"b": 2, "a": 1})
    assert cache.fingerprint({"a": 1}) != cache.fingerprint({"a": "1"})


def test_record_without_cache_validates_as_before():
    record = PatientRecord()
    resource = {"resourceType": "Condition", "subject": {"reference": "Patient/p"}}
    record.add(resource, "/x")
    assert record.valid("Condition") == [resource]
