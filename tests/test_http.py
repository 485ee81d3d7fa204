"""The service call over HTTP: bad input answers a clear 4xx JSON body, never a 500; CORS for browsers."""

from __future__ import annotations

import pytest

from .conftest import make_app

FIXTURE = "ssa-in-insulinoma--octreotide-sc-malignant-insulinoma"


def _problem_pointers(response) -> list[str]:
    return [problem["pointer"] for problem in response.get_json().get("problems", [])]


def test_unknown_service_is_404_naming_the_known_ones(client):
    response = client.post("/cds-services/no-such-service", json={})
    assert response.status_code == 404
    body = response.get_json()
    assert body["error"] == "unknown-service"
    assert "pnet-order-sign" in body["problems"][0]["message"]


def test_malformed_json_is_400_with_line_and_column(client):
    response = client.post("/cds-services/pnet-order-sign", data='{"hook": "order-sign",,}',
                           content_type="application/json")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "bad-request"
    assert "line 1, column" in body["problems"][0]["message"]


def test_non_json_content_type_is_415(client):
    response = client.post("/cds-services/pnet-order-sign", data="hook=order-sign", content_type="text/plain")
    assert response.status_code == 415
    assert "application/json" in response.get_json()["message"]


def test_oversize_body_is_413():
    client = make_app(MAX_CONTENT_LENGTH=1000).test_client()
    response = client.post("/cds-services/pnet-order-sign", data="{" + " " * 2000 + "}",
                           content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"] == "payload-too-large"


def test_body_that_is_not_an_object_is_400(client):
    response = client.post("/cds-services/pnet-order-sign", json=[1, 2])
    assert response.status_code == 400
    assert response.get_json()["problems"][0]["pointer"] == ""


@pytest.mark.parametrize("remove, pointer", [
    ("hookInstance", "/hookInstance"),
    ("context", "/context"),
    ("hook", "/hook"),
])
def test_missing_envelope_field_is_named(harness, remove, pointer):
    body = harness.request(FIXTURE, "order-sign")
    del body[remove]
    response = harness.post("pnet-order-sign", body)
    assert response.status_code == 400
    assert pointer in _problem_pointers(response)


@pytest.mark.parametrize("hook, field", [
    ("order-sign", "draftOrders"), ("order-select", "selections"), ("order-select", "draftOrders"),
    ("order-sign", "patientId"), ("patient-view", "userId"),
])
def test_missing_context_field_is_named_by_pointer(harness, hook, field):
    body = harness.request(FIXTURE, hook)
    del body["context"][field]
    response = harness.post(f"pnet-{hook}", body)
    assert response.status_code == 400
    assert f"/context/{field}" in _problem_pointers(response)


def test_hook_that_does_not_match_the_service_is_400(harness):
    body = harness.request(FIXTURE, "order-sign")
    response = harness.post("pnet-patient-view", body)
    assert response.status_code == 400
    assert _problem_pointers(response) == ["/hook"]


def test_selection_not_among_drafts_is_400(harness):
    body = harness.request(FIXTURE, "order-select")
    body["context"]["selections"] = ["MedicationRequest/not-a-draft"]
    response = harness.post("pnet-order-select", body)
    assert response.status_code == 400
    assert _problem_pointers(response) == ["/context/selections/0"]


def test_fhir_authorization_without_fhir_server_is_400(harness):
    body = harness.request(FIXTURE, "order-sign")
    body["fhirAuthorization"] = {"access_token": "t", "token_type": "Bearer", "expires_in": 300,
                                 "scope": "patient/*.read", "subject": "pnet-cds"}
    response = harness.post("pnet-order-sign", body)
    assert response.status_code == 400
    assert "/fhirServer" in _problem_pointers(response)


@pytest.fixture
def strict():
    """FHIR_VALIDATION=strict: every invalid resource a rule reads is a 400 (for testing an EHR's output)."""
    from .conftest import Harness
    return Harness(make_app(FHIR_VALIDATION="strict"))


def test_invalid_fhir_draft_is_400_naming_its_place_in_strict_mode(strict):
    body = strict.request(FIXTURE, "order-sign")
    body["context"]["draftOrders"]["entry"][0]["resource"]["status"] = 42
    response = strict.post("pnet-order-sign", body)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "invalid-fhir-resource"
    assert body["problems"][0]["pointer"] == "/context/draftOrders/entry/0/resource"
    assert "status" in body["problems"][0]["message"]


def test_invalid_fhir_draft_gets_the_not_checked_card_by_default(harness):
    body = harness.request(FIXTURE, "order-sign")
    body["context"]["draftOrders"]["entry"][0]["resource"]["status"] = 42
    response = harness.post("pnet-order-sign", body)
    assert response.status_code == 200
    [card] = response.get_json()["cards"]
    assert card["source"]["topic"]["code"] == "draft-not-checked"
    assert card["indicator"] == "info"
    assert "status: must be a string, got a number" in card["detail"]
    [note] = response.get_json()["extension"]["org.pnet-cds.evaluation"]["draftsNotChecked"]
    assert note["pointer"] == "/context/draftOrders/entry/0/resource"


@pytest.mark.parametrize("field, value", [
    ("medicationReference", "Medication/not-an-object"),
    ("medicationCodeableConcept", ["not", "an", "object"]),
    ("dosageInstruction", "not a list, and not a Dosage either"),
])
def test_wrongly_shaped_draft_fields_are_400_not_500_in_strict_mode(strict, field, value):
    body = strict.request(FIXTURE, "order-sign")
    body["context"]["draftOrders"]["entry"][0]["resource"][field] = value
    response = strict.post("pnet-order-sign", body)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["problems"][0]["pointer"].startswith("/context/draftOrders/entry/0")


def test_a_single_dosage_object_where_r4_wants_a_list_is_read(harness):
    body = harness.request(FIXTURE, "order-sign")
    draft = body["context"]["draftOrders"]["entry"][0]["resource"]
    draft["dosageInstruction"] = draft["dosageInstruction"][0]
    response = harness.post("pnet-order-sign", body)
    assert response.status_code == 200
    assert [c["source"]["topic"]["code"] for c in response.get_json()["cards"]] == ["ssa-in-insulinoma"]
    normalised = response.get_json()["extension"]["org.pnet-cds.evaluation"]["normalised"]
    assert normalised == {"MedicationRequest.dosageInstruction": 1}


def test_invalid_prefetched_condition_is_400_naming_its_place_in_strict_mode(strict):
    body = strict.request(FIXTURE, "order-sign")
    body["prefetch"]["conditions"]["entry"][0]["resource"]["onsetDateTime"] = "yesterday"
    response = strict.post("pnet-order-sign", body)
    assert response.status_code == 400
    assert response.get_json()["problems"][0]["pointer"] == "/prefetch/conditions/entry/0/resource"


def test_invalid_resource_is_skipped_and_reported_by_default(harness):
    body = harness.request(FIXTURE, "order-sign")
    body["prefetch"]["conditions"]["entry"][0]["resource"]["onsetDateTime"] = "yesterday"
    response = harness.post("pnet-order-sign", body)
    assert response.status_code == 200
    # the insulinoma was the invalid resource: no card, and the response says what was skipped
    assert response.get_json()["cards"] == []
    skipped = response.get_json()["extension"]["org.pnet-cds.evaluation"]["skippedResources"]
    assert skipped[0]["pointer"] == "/prefetch/conditions/entry/0/resource"


def test_sandbox_shaped_bundle_without_type_is_accepted(harness):
    body = harness.request(FIXTURE, "order-sign")
    del body["context"]["draftOrders"]["type"]
    response = harness.post("pnet-order-sign", body)
    assert response.status_code == 200
    assert [c["source"]["topic"]["code"] for c in response.get_json()["cards"]] == ["ssa-in-insulinoma"]


def test_unknown_route_and_wrong_method_answer_json(client):
    assert client.get("/nowhere").get_json()["error"] == "not-found"
    response = client.get("/cds-services/pnet-order-sign")
    assert response.status_code == 405
    assert response.get_json()["error"] == "method-not-allowed"


def test_cors_preflight_allows_authorization_and_content_type(client):
    response = client.options("/cds-services/pnet-order-sign", headers={
        "Origin": "https://sandbox.cds-hooks.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_no_stack_trace_on_unexpected_error(monkeypatch):
    import pnet_cds.http as http
    app = make_app()

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(http, "gather_patient_data", explode)
    from .conftest import Harness
    harness = Harness(app)
    response = harness.post("pnet-order-sign", harness.request(FIXTURE, "order-sign"))
    assert response.status_code == 500
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
