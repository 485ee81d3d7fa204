"""The engine: a failing rule is skipped and the others answer; missing data skips rules or answers 412."""

from __future__ import annotations

import logging

from .conftest import Harness, make_app

MULTI = "ssa-in-insulinoma--octreotide-sc-malignant-insulinoma"


def test_a_failing_rule_does_not_take_the_other_cards_down(caplog):
    app = make_app()
    rules = app.extensions["pnet_cds"].rules

    def broken(ctx):
        raise ZeroDivisionError("boom")

    victim = next(rule for rule in rules if rule.spec.id == "prrt-sstr-imaging-required")
    victim.evaluate = broken
    harness = Harness(app)
    with caplog.at_level(logging.ERROR):
        body = harness.fire(MULTI, "order-sign")
    assert [c["source"]["topic"]["code"] for c in body["cards"]] == ["ssa-in-insulinoma"]
    assert body["extension"]["org.pnet-cds.evaluation"]["failedRules"] == ["prrt-sstr-imaging-required"]
    assert "prrt-sstr-imaging-required failed" in caplog.text


def test_missing_prefetch_without_fhir_server_skips_rules_that_need_it():
    harness = Harness(make_app())
    body = harness.request(MULTI, "order-sign")
    del body["prefetch"]["imagingStudies"]
    response = harness.post("pnet-order-sign", body)
    assert response.status_code == 200
    result = response.get_json()
    assert [c["source"]["topic"]["code"] for c in result["cards"]] == ["ssa-in-insulinoma"]
    skipped = result["extension"]["org.pnet-cds.evaluation"]["skippedRules"]
    assert "prrt-sstr-imaging-required" in skipped
    assert "imagingStudies" in skipped["prrt-sstr-imaging-required"]
    assert "no fhirServer" in skipped["prrt-sstr-imaging-required"]


def test_no_prefetch_and_no_fhir_server_is_412_naming_the_keys():
    harness = Harness(make_app())
    body = harness.request(MULTI, "order-sign")
    del body["prefetch"]
    response = harness.post("pnet-order-sign", body)
    assert response.status_code == 412
    problems = response.get_json()["problems"]
    assert {p["pointer"] for p in problems} >= {"/prefetch/conditions", "/prefetch/observations"}


def test_null_prefetch_key_without_server_means_no_data():
    """Spec: a key the client has no data for is null; the rules then see an empty list, not an error."""
    harness = Harness(make_app())
    body = harness.request(MULTI, "order-sign")
    body["prefetch"]["imagingStudies"] = None
    response = harness.post("pnet-order-sign", body)
    assert response.status_code == 200
    assert "org.pnet-cds.evaluation" not in response.get_json().get("extension", {})  # nothing skipped


def test_operation_outcome_prefetch_without_server_skips_rules():
    harness = Harness(make_app())
    body = harness.request(MULTI, "order-sign")
    body["prefetch"]["procedures"] = {"resourceType": "OperationOutcome",
                                      "issue": [{"severity": "error", "code": "timeout"}]}
    result = harness.post("pnet-order-sign", body).get_json()
    assert "an OperationOutcome" in result["extension"]["org.pnet-cds.evaluation"]["skippedRules"]["prrt-sstr-imaging-required"]


def test_untrusted_fhir_server_is_never_contacted(monkeypatch):
    import requests

    calls = []
    monkeypatch.setattr(requests.Session, "get", lambda *a, **k: calls.append(a) or None)
    harness = Harness(make_app(TRUSTED_FHIR_SERVERS="https://ehr.example.org/fhir"))
    body = harness.request(MULTI, "order-sign")
    del body["prefetch"]
    body["fhirServer"] = "https://attacker.example.net/fhir"
    body["fhirAuthorization"] = {"access_token": "secret", "token_type": "Bearer", "expires_in": 60,
                                 "scope": "patient/*.read", "subject": "pnet-cds"}
    response = harness.post("pnet-order-sign", body)
    assert response.status_code == 412
    assert calls == []
    assert "not a FHIR server this service is configured to trust" in response.get_json()["problems"][0]["message"]
