"""A prefetch Bundle whose `entry` is not an array is a 400 at its place, not a 500 (found by
tests/test_fuzz.py) and not an empty record (which could silence a rule)."""

from __future__ import annotations

from .conftest import Harness

INSULINOMA = "ssa-in-insulinoma--octreotide-sc-malignant-insulinoma"


def test_a_bundle_entry_that_is_not_an_array_is_a_400(harness: Harness):
    body = harness.request(INSULINOMA, "order-sign")
    key = next(iter(body["prefetch"]))
    body["prefetch"][key] = {"resourceType": "Bundle", "type": "searchset", "entry": True}
    response = harness.post("pnet-order-sign", body)
    assert response.status_code == 400
    assert response.get_json()["problems"] == [{"pointer": f"/prefetch/{key}/entry", "message": "must be an array"}]
