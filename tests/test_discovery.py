"""Discovery: GET /cds-services serves hooks.json, and every rule's hook has a service."""

from __future__ import annotations

import json

from .conftest import ROOT


def test_discovery_equals_hooks_json(client):
    response = client.get("/cds-services")
    assert response.status_code == 200
    assert response.get_json() == json.loads((ROOT / "hooks.json").read_text())


def test_each_service_is_described_as_the_spec_requires(client):
    for service in client.get("/cds-services").get_json()["services"]:
        assert {"id", "hook", "title", "description", "usageRequirements", "prefetch"} <= service.keys()
        assert all(isinstance(value, str) and value for value in service.values() if not isinstance(value, dict))


def test_every_rule_hook_has_a_service(app):
    hooks = {service["hook"] for service in app.extensions["pnet_cds"].discovery["services"]}
    for rule in app.extensions["pnet_cds"].rules:
        assert set(rule.spec.hooks) <= hooks, rule.spec.id


def test_prefetch_templates_stay_within_the_spec_query_subset(client):
    """Only type-level searches on the patient, token `code=` params, `_sort` and `_count` (spec 'Prefetch
    query restrictions'), and only the context.patientId token."""
    allowed_params = {"patient", "code", "_sort", "_count"}
    for service in client.get("/cds-services").get_json()["services"]:
        for key, template in service["prefetch"].items():
            resource_type, _, query = template.partition("?")
            assert resource_type[:1].isupper() and "/" not in resource_type, key
            params = {part.split("=", 1)[0] for part in query.split("&")}
            assert params <= allowed_params, (key, params - allowed_params)
            assert "patient={{context.patientId}}" in query, key
