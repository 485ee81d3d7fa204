"""Fault injection: the service fetches from a fake FHIR server (tests/fakefhir.py, 127.0.0.1 only) that
misbehaves in every way a network can. Each hook call is answered within the deadline, with 412 or with
the cards the data that did arrive supports; never a 5xx, never a hang, and the FHIR token goes nowhere
but the configured server. Also: the prefetch shapes of issue 2 (absent key, `{}` prefetch, null key,
OperationOutcome) against the same server."""

from __future__ import annotations

import logging
import time

import pytest

from pnet_cds.fixtures import build_hook_request, load_fixture

from .conftest import FIXTURES, make_app
from .fakefhir import FakeFhirServer, refused_url

DEADLINE, TIMEOUT = 1.0, 0.4
BUDGET = DEADLINE + TIMEOUT + 1.5  # deadline, one last socket timeout, and the app's own work
TOKEN = "fhir-access-token-s3cret"
CBC = ("post-prrt-cbc-surveillance--cbc-9-months-ago", "patient-view", "post-prrt-cbc-surveillance")
INSULINOMA = ("ssa-in-insulinoma--octreotide-sc-malignant-insulinoma", "order-sign", "ssa-in-insulinoma")
SERVICE = {"patient-view": "pnet-patient-view", "order-select": "pnet-order-select", "order-sign": "pnet-order-sign"}


@pytest.fixture(scope="module")
def fhir_server():
    with FakeFhirServer() as server:
        yield server


@pytest.fixture
def fhir(fhir_server):
    fhir_server.reset()
    return fhir_server


@pytest.fixture(scope="module")
def fetch_app(fhir_server):
    """One app for the module (building one costs most of a second): trusts the fake server over http."""
    return app_for(fhir_server.base_url)


@pytest.fixture(scope="module")
def plain_app():
    return make_app()


def app_for(*servers: str):
    return make_app(TRUSTED_FHIR_SERVERS=",".join(servers), ALLOW_HTTP_FHIR=True, FHIR_DEADLINE_SECONDS=DEADLINE,
                    FHIR_TIMEOUT_SECONDS=TIMEOUT)


def fetching_request(app, fixture_name: str, hook: str, server: str, keep_prefetch: tuple[str, ...] = ()) -> dict:
    """The fixture's hook request with no prefetch (except `keep_prefetch` keys): the service must fetch."""
    fixture = load_fixture(FIXTURES, fixture_name)
    body = build_hook_request(fixture, app.extensions["pnet_cds"].services[SERVICE[hook]])
    body["prefetch"] = {key: value for key, value in body["prefetch"].items() if key in keep_prefetch}
    body["fhirServer"] = server
    body["fhirAuthorization"] = {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 300,
                                 "scope": "patient/*.read", "subject": "pnet-cds"}
    return body


def timed_post(app, hook: str, body: dict):
    started = time.monotonic()
    response = app.test_client().post(f"/cds-services/{SERVICE[hook]}", json=body)
    return response, time.monotonic() - started


def rule_ids(response) -> list[str]:
    return [card["source"]["topic"]["code"] for card in response.get_json()["cards"]]


def test_baseline_the_fake_server_gives_the_same_cards_as_prefetch(fhir, fetch_app):
    fixture_name, hook, rule = CBC
    fhir.serve_record(load_fixture(FIXTURES, fixture_name).record)
    app = fetch_app
    response, elapsed = timed_post(app, hook, fetching_request(app, fixture_name, hook, fhir.base_url))
    assert response.status_code == 200, response.get_json()
    assert rule in rule_ids(response)
    assert "org.pnet-cds.evaluation" not in response.get_json().get("extension", {})  # nothing skipped
    assert {seen.resource_type for seen in fhir.requests} >= {"Condition", "Observation", "Procedure"}
    assert all(seen.headers.get("Authorization") == f"Bearer {TOKEN}" for seen in fhir.requests)


FAULTS = {
    "500": lambda fhir: FakeFhirServer.status(500),
    "503": lambda fhir: FakeFhirServer.status(503),
    "401 (token refused)": lambda fhir: FakeFhirServer.status(401),
    "HTML instead of JSON": lambda fhir: FakeFhirServer.html(),
    "truncated JSON": lambda fhir: FakeFhirServer.truncated_json(),
    "JSON that is not FHIR": lambda fhir: FakeFhirServer.body(b'[1, 2, 3]'),
    "OperationOutcome with 200": lambda fhir: FakeFhirServer.body(
        b'{"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "processing"}]}'),
    "timeout": lambda fhir: FakeFhirServer.delay(TIMEOUT * 4),
    "endless next links": lambda fhir: fhir.endless_next(),
    "50 MB bundle": lambda fhir: FakeFhirServer.huge_bundle(50),
    "slow drip (a byte every 0.1 s)": lambda fhir: FakeFhirServer.slow_drip(0.1),
    "redirect to another host": lambda fhir: FakeFhirServer.redirect("http://127.0.0.2:9/fhir/Condition"),
    "next link to another host": lambda fhir: FakeFhirServer.next_link_to("http://127.0.0.2:9/fhir/Condition?page=2"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_failing_fhir_server_gives_412_within_the_deadline(fhir, fetch_app, fault, caplog):
    fixture_name, hook, _ = CBC
    fhir.fault_all(FAULTS[fault](fhir))
    app = fetch_app
    with caplog.at_level(logging.INFO):
        response, elapsed = timed_post(app, hook, fetching_request(app, fixture_name, hook, fhir.base_url))
    assert response.status_code == 412, response.get_json()
    body = response.get_json()
    assert body["error"] == "prefetch-unavailable"
    assert {p["pointer"] for p in body["problems"]} >= {"/prefetch/conditions", "/prefetch/observations"}
    assert elapsed < BUDGET, f"{fault}: {elapsed:.2f} s"
    assert fhir.requests, "the fake server was never asked"
    assert TOKEN not in caplog.text and TOKEN not in response.get_data(as_text=True)


def test_refused_connection_gives_412_quickly(caplog):
    fixture_name, hook, _ = CBC
    url = refused_url()
    app = app_for(url)
    with caplog.at_level(logging.INFO):
        response, elapsed = timed_post(app, hook, fetching_request(app, fixture_name, hook, url))
    assert response.status_code == 412
    assert "could not be reached (ConnectionError)" in response.get_data(as_text=True)
    assert elapsed < BUDGET and TOKEN not in caplog.text


@pytest.mark.parametrize("fault", ["500", "timeout", "HTML instead of JSON", "50 MB bundle", "endless next links"])
def test_one_failing_search_leaves_the_cards_the_other_data_supports(fhir, fetch_app, fault):
    """Observations fail; ssa-in-insulinoma needs only conditions and still fires, the rules that need
    observations are named as skipped."""
    fixture_name, hook, rule = INSULINOMA
    fhir.serve_record(load_fixture(FIXTURES, fixture_name).record)
    fhir.fault("Observation", FAULTS[fault](fhir))
    app = fetch_app
    response, elapsed = timed_post(app, hook, fetching_request(app, fixture_name, hook, fhir.base_url))
    assert response.status_code == 200, response.get_json()
    assert rule_ids(response) == [rule]
    skipped = response.get_json()["extension"]["org.pnet-cds.evaluation"]["skippedRules"]
    assert "post-prrt-cbc-surveillance" in skipped and "observations" in skipped["post-prrt-cbc-surveillance"]
    assert elapsed < BUDGET


def test_off_base_links_never_carry_the_token_to_another_server(fhir, fetch_app):
    with FakeFhirServer() as other:
        fhir.fault_all(FakeFhirServer.next_link_to(f"{other.base_url}/Condition?page=2"))
        app = fetch_app
        fixture_name, hook, _ = CBC
        response, _ = timed_post(app, hook, fetching_request(app, fixture_name, hook, fhir.base_url))
    assert response.status_code == 412
    assert "outside its own base URL" in response.get_data(as_text=True)
    assert other.requests == []


def test_an_untrusted_fhir_server_is_never_contacted(fhir):
    fixture_name, hook, _ = CBC
    app = app_for("https://trusted.example.org/fhir")
    response, _ = timed_post(app, hook, fetching_request(app, fixture_name, hook, fhir.base_url))
    assert response.status_code == 412
    assert "not a FHIR server this service is configured to trust" in response.get_data(as_text=True)
    assert fhir.requests == []


def test_http_fhir_server_is_refused_unless_allowed(fhir):
    fixture_name, hook, _ = CBC
    app = make_app(TRUSTED_FHIR_SERVERS=fhir.base_url)  # http, ALLOW_HTTP_FHIR left off
    response, _ = timed_post(app, hook, fetching_request(app, fixture_name, hook, fhir.base_url))
    assert response.status_code == 412 and fhir.requests == []


# --- prefetch shapes (issue 2), as service/patient_data.py documents them ---------------------------------


def shaped_request(app, fhir, prefetch_shape: str) -> dict:
    fixture_name, hook, _ = CBC
    body = fetching_request(app, fixture_name, hook, fhir.base_url, keep_prefetch=("conditions", "observations"))
    if prefetch_shape == "field absent":
        del body["prefetch"]
    elif prefetch_shape == "{} prefetch":
        body["prefetch"] = {}
    elif prefetch_shape == "key null":
        body["prefetch"]["procedures"] = None
    elif prefetch_shape == "OperationOutcome":
        body["prefetch"]["procedures"] = {"resourceType": "OperationOutcome",
                                          "issue": [{"severity": "error", "code": "too-costly"}]}
    return body


@pytest.mark.parametrize("shape", ["field absent", "{} prefetch", "key null", "OperationOutcome"])
def test_missing_prefetch_is_fetched_from_the_fhir_server(fhir, fetch_app, shape):
    fixture_name, hook, rule = CBC
    fhir.serve_record(load_fixture(FIXTURES, fixture_name).record)
    app = fetch_app
    response, _ = timed_post(app, hook, shaped_request(app, fhir, shape))
    assert response.status_code == 200, response.get_json()
    assert rule in rule_ids(response)
    fetched = {seen.resource_type for seen in fhir.requests}
    assert "Procedure" in fetched
    if shape in ("key null", "OperationOutcome"):
        assert "Condition" not in fetched and "Observation" not in fetched  # prefetched keys are not refetched


@pytest.mark.parametrize("shape", ["field absent", "{} prefetch", "OperationOutcome"])
def test_missing_prefetch_without_a_fhir_server_is_412(plain_app, shape):
    fixture_name, hook, _ = CBC
    app = plain_app
    with FakeFhirServer() as fhir:
        body = shaped_request(app, fhir, shape)
    del body["fhirServer"], body["fhirAuthorization"]
    response, _ = timed_post(app, hook, body)
    if shape == "OperationOutcome":  # only procedures is missing: the rules that need it are skipped
        assert response.status_code == 200
        skipped = response.get_json()["extension"]["org.pnet-cds.evaluation"]["skippedRules"]
        assert "an OperationOutcome" in skipped["post-prrt-cbc-surveillance"]
    else:
        assert response.status_code == 412
        assert "the request has no fhirServer" in response.get_data(as_text=True)


def test_null_prefetch_key_without_a_fhir_server_means_no_such_data(plain_app):
    fixture_name, hook, _ = CBC
    app = plain_app
    with FakeFhirServer() as fhir:
        body = shaped_request(app, fhir, "key null")
    del body["fhirServer"], body["fhirAuthorization"]
    for key in ("medicationRequests", "medicationAdministrations", "serviceRequests", "procedures",
                "medicationStatements", "diagnosticReports", "imagingStudies"):
        body["prefetch"][key] = None
    response, _ = timed_post(app, hook, body)
    assert response.status_code == 200
    assert "extension" not in response.get_json()  # null = the client has none: every rule could run


MEDREF = "ssa-in-insulinoma--octreotide-medication-reference"


def test_a_draft_medication_reference_is_read_from_the_fhir_server(fhir, fetch_app):
    fhir.serve_record(load_fixture(FIXTURES, MEDREF).record)
    response, _ = timed_post(fetch_app, "order-sign", fetching_request(fetch_app, MEDREF, "order-sign", fhir.base_url))
    assert response.status_code == 200, response.get_json()
    assert "ssa-in-insulinoma" in rule_ids(response)
    assert "/fhir/Medication/ins-medref-med-2" in [seen.path for seen in fhir.requests]


@pytest.mark.parametrize("fault", ["500", "HTML instead of JSON", "timeout"])
def test_a_failing_medication_read_leaves_the_drug_unknown_not_a_5xx(fhir, fetch_app, fault):
    fhir.serve_record(load_fixture(FIXTURES, MEDREF).record)
    fhir.fault("Medication", FAULTS[fault](fhir))
    response, elapsed = timed_post(fetch_app, "order-sign",
                                   fetching_request(fetch_app, MEDREF, "order-sign", fhir.base_url))
    assert response.status_code == 200, response.get_json()
    assert "ssa-in-insulinoma" not in rule_ids(response)  # the drug behind the reference stays unknown
    assert elapsed < BUDGET


def test_error_paths_mask_resource_ids():
    from pnet_cds.fhir_client import _path

    assert _path("https://ehr.example.org/fhir/Patient/p-123?x=1") == "/fhir/Patient/{id}"
    assert _path("https://ehr.example.org/fhir/Medication/m-9") == "/fhir/Medication/{id}"
    assert _path("https://ehr.example.org/fhir/Condition?patient=p-123") == "/fhir/Condition"
