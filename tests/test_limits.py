"""Limits (service/limits.py, README "Configuration") and trust in FHIR servers per issuer: each limit
answers with a clear error, and a FHIR server is contacted only when the verified caller's issuer (or the
global list) names it."""

from __future__ import annotations

import json

import pytest

from pnet_cds.fixtures import build_hook_request, load_fixture

from .conftest import FIXTURES, make_app
from .fakefhir import FakeFhirServer
from .jwt_helpers import EC_KEY, EHR_ISS, FIRST_ROTATING_KEY, ROTATING_ISS, FakeJwksSession, ROTATING_JWKS_URL, \
    claims_for, issuers_file, sign

CBC_FIXTURE = "post-prrt-cbc-surveillance--cbc-9-months-ago"


@pytest.fixture(scope="module")
def small_app():
    return make_app(MAX_CONTENT_LENGTH=200_000, MAX_PREFETCH_RESOURCES=50, MAX_JSON_DEPTH=20)


def patient_view(app, fixture: str = CBC_FIXTURE) -> dict:
    return build_hook_request(load_fixture(FIXTURES, fixture), app.extensions["pnet_cds"].services["pnet-patient-view"])


def post(app, body, **kwargs):
    return app.test_client().post("/cds-services/pnet-patient-view", **({"json": body} if body is not None else {}),
                                  **kwargs)


def test_a_body_over_the_size_limit_is_413(small_app):
    response = post(small_app, None, data=b'{"x": "' + b"a" * 250_000 + b'"}', content_type="application/json")
    assert response.status_code == 413
    assert response.get_json() == {"error": "payload-too-large",
                                   "message": "the request body is larger than 200000 bytes"}


def test_too_many_prefetch_resources_is_413_naming_the_count(small_app):
    body = patient_view(small_app)
    body["prefetch"]["observations"]["entry"] = [{"resource": {"resourceType": "Observation", "id": f"o{i}"}}
                                                 for i in range(60)]
    response = post(small_app, body)
    assert response.status_code == 413
    assert response.get_json()["message"].startswith("the request carries 6")
    assert "the limit is 50" in response.get_json()["message"]


def test_draft_orders_count_towards_the_resource_limit(small_app):
    body = patient_view(small_app)
    body["hook"] = "order-sign"
    body["context"]["draftOrders"] = {"resourceType": "Bundle", "entry": [
        {"resource": {"resourceType": "MedicationRequest", "id": f"m{i}"}} for i in range(51)]}
    response = small_app.test_client().post("/cds-services/pnet-order-sign", json=body)
    assert response.status_code == 413


def test_json_nested_past_the_depth_limit_is_400(small_app):
    body = patient_view(small_app)
    nested: object = "x"
    for _ in range(25):
        nested = {"a": nested}
    body["extension"] = {"deep": nested}
    response = post(small_app, body)
    assert response.status_code == 400
    assert response.get_json()["message"] == "the request nests JSON deeper than 20 levels"


def test_json_nested_past_the_parser_is_400_not_500(small_app):
    response = post(small_app, None, data=b"[" * 100_000 + b"]" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["message"] == "the body nests JSON too deeply"


def test_the_fixtures_are_well_inside_the_default_limits():
    app = make_app()
    assert post(app, patient_view(app)).status_code == 200


# --- FHIR servers per issuer -----------------------------------------------------------------------------


def fetching_body(app, server: str) -> dict:
    body = patient_view(app)
    body["prefetch"] = {}
    body["fhirServer"] = server
    body["fhirAuthorization"] = {"access_token": "t0ken", "token_type": "Bearer", "expires_in": 300,
                                 "scope": "patient/*.read", "subject": "pnet-cds"}
    return body


def test_a_fhir_server_is_trusted_only_for_the_issuer_that_names_it(tmp_path):
    with FakeFhirServer() as fhir:
        fhir.serve_record(load_fixture(FIXTURES, CBC_FIXTURE).record)
        session = FakeJwksSession({ROTATING_JWKS_URL: {"keys": [FIRST_ROTATING_KEY.jwk()]}})
        app = make_app(AUTH=True, ALLOW_HTTP_FHIR=True, HTTP_SESSION=session,
                       ISSUERS_FILE=str(issuers_file(tmp_path, fhir_servers={EHR_ISS: [fhir.base_url + "/"]})))
        client = app.test_client()
        url = "http://localhost/cds-services/pnet-patient-view"
        other = client.post("/cds-services/pnet-patient-view", json=fetching_body(app, fhir.base_url), headers={
            "Authorization": f"Bearer {sign(claims_for(url, iss=ROTATING_ISS, tenant=None), FIRST_ROTATING_KEY)}"})
        assert other.status_code == 412
        assert "not a FHIR server this service is configured to trust" in other.get_data(as_text=True)
        assert fhir.requests == []
        own = client.post("/cds-services/pnet-patient-view", json=fetching_body(app, fhir.base_url),
                          headers={"Authorization": f"Bearer {sign(claims_for(url), EC_KEY)}"})
        assert own.status_code == 200, own.get_json()
        assert "post-prrt-cbc-surveillance" in [c["source"]["topic"]["code"] for c in own.get_json()["cards"]]
        assert fhir.requests and all(r.headers["Authorization"] == "Bearer t0ken" for r in fhir.requests)


def test_https_is_required_for_an_issuers_fhir_server_unless_http_is_allowed(tmp_path):
    with FakeFhirServer() as fhir:
        app = make_app(AUTH=True, ISSUERS_FILE=str(issuers_file(tmp_path, fhir_servers={EHR_ISS: [fhir.base_url]})))
        url = "http://localhost/cds-services/pnet-patient-view"
        response = app.test_client().post("/cds-services/pnet-patient-view", json=fetching_body(app, fhir.base_url),
                                          headers={"Authorization": f"Bearer {sign(claims_for(url), EC_KEY)}"})
        assert response.status_code == 412 and fhir.requests == []


def test_deeply_nested_prefetched_resource_is_400_naming_it():
    """Nesting inside a prefetched resource is caught when the resource is validated (not by walking the
    whole body up front, which was the largest cost of a big request)."""
    from .conftest import Harness, make_app
    harness = Harness(make_app(FHIR_VALIDATION="strict"))
    body = harness.request("ssa-in-insulinoma--octreotide-sc-malignant-insulinoma", "order-sign")
    extension = {"url": "http://example.org/x", "valueString": "a"}
    for _ in range(400):  # deep enough to exhaust the validator's recursion, shallow enough to send
        extension = {"url": "http://example.org/x", "extension": [extension]}
    body["prefetch"]["conditions"]["entry"][0]["resource"]["extension"] = [extension]
    response = harness.post("pnet-order-sign", body)
    assert response.status_code == 400
    problem = response.get_json()["problems"][0]
    assert problem["pointer"] == "/prefetch/conditions/entry/0/resource"
    assert "nested too deeply" in problem["message"]
    # by default (lenient) the resource is skipped and named, and the call answers
    response = Harness(make_app()).post("pnet-order-sign", body)
    assert response.status_code == 200
    [skipped] = response.get_json()["extension"]["org.pnet-cds.evaluation"]["skippedResources"]
    assert skipped["pointer"] == "/prefetch/conditions/entry/0/resource" and "nested too deeply" in skipped["message"]


def test_an_integer_of_more_than_4300_digits_anywhere_is_400_not_500(small_app):
    for path in ("/cds-services/pnet-order-sign", "/cds-services/pnet-order-sign/feedback"):
        response = small_app.test_client().post(path, data=b'{"hook": "order-sign", "n": ' + b"9" * 5000 + b"}",
                                                content_type="application/json")
        assert response.status_code == 400, path
        assert response.get_json()["problems"][0]["message"].startswith("an integer literal has more than 4,300 digits")


def test_a_chunked_body_over_the_limit_is_413_never_evaluated_truncated():
    """Without Content-Length, Werkzeug stops reading at MAX_CONTENT_LENGTH without saying so: valid JSON
    followed by padding past the limit used to be evaluated (200 with cards)."""
    import io

    from werkzeug.test import EnvironBuilder

    from .conftest import Harness

    app = make_app(MAX_CONTENT_LENGTH=20_000)
    harness = Harness(app)
    body = json.dumps(harness.request("ssa-in-insulinoma--octreotide-sc-malignant-insulinoma", "order-sign")).encode()

    def chunked(data: bytes):  # as a server that decodes chunked transfer encoding hands it over
        environ = EnvironBuilder(path="/cds-services/pnet-order-sign", method="POST", input_stream=io.BytesIO(data),
                                 content_type="application/json").get_environ()
        del environ["CONTENT_LENGTH"]
        environ["wsgi.input_terminated"] = True
        return app.test_client().open(environ)

    assert chunked(body).get_json()["cards"][0]["source"]["topic"]["code"] == "ssa-in-insulinoma"
    response = chunked(body + b" " * 20_000)
    assert response.status_code == 413 and "cards" not in response.get_json()
    assert response.get_json()["message"] == "the request body is larger than 20000 bytes"


def _insulinoma_with_octreotide_drafts(app, count: int) -> dict:
    from pnet_cds.order_catalog import draft_order

    from .conftest import Harness

    harness = Harness(app)
    body = harness.request("ssa-in-insulinoma--octreotide-sc-malignant-insulinoma", "order-sign")
    patient = body["context"]["patientId"]
    for index in range(count):
        order = draft_order("octreotide-sc", patient)
        order["id"] = f"extra-{index}"
        body["context"]["draftOrders"]["entry"].append({"resource": order})
    return body


def test_more_draft_orders_than_the_cap_is_413_naming_count_and_limit():
    app = make_app(MAX_DRAFT_ORDERS=5)
    client = app.test_client()
    body = _insulinoma_with_octreotide_drafts(app, 4)  # + the fixture's own draft = 5
    assert client.post("/cds-services/pnet-order-sign", json=body).status_code == 200
    body = _insulinoma_with_octreotide_drafts(app, 5)
    response = client.post("/cds-services/pnet-order-sign", json=body)
    assert response.status_code == 413
    payload = response.get_json()
    assert payload["message"] == "the request carries 6 draft orders; the limit is 5 per call"
    assert payload["problems"][0]["pointer"] == "/context/draftOrders/entry"
    assert "none of these orders was checked" in payload["problems"][0]["message"]


def test_more_cards_than_the_cap_keeps_the_most_urgent_and_says_how_many_more():
    app = make_app(MAX_CARDS_PER_RESPONSE=3)
    body = _insulinoma_with_octreotide_drafts(app, 5)
    uncapped = make_app().test_client().post("/cds-services/pnet-order-sign", json=body).get_json()["cards"]
    assert len(uncapped) == 6 and {c["indicator"] for c in uncapped} == {"warning"}
    payload = app.test_client().post("/cds-services/pnet-order-sign", json=body).get_json()
    cards = payload["cards"]
    assert len(cards) == 3
    assert [c["source"]["topic"]["code"] for c in cards] == ["ssa-in-insulinoma", "ssa-in-insulinoma",
                                                             "response-card-limit"]
    notice = cards[-1]
    assert notice["indicator"] == "info" and notice["summary"] == "4 more cards not shown: at most 3 cards are returned per call"
    assert "ssa-in-insulinoma (4)" in notice["detail"] and "local policy" in notice["detail"]
    assert "local policy" in notice["source"]["label"] and notice["uuid"]
    assert payload["extension"]["org.pnet-cds.evaluation"]["omittedCards"] == {"ssa-in-insulinoma": 4}


def test_the_card_cap_never_drops_a_more_urgent_card_for_a_less_urgent_one():
    from pnet_cds.limits import cap_cards

    cards = [{"indicator": i, "summary": s, "source": {"label": "x", "topic": {"code": s}}}
             for i, s in [("critical", "a"), ("warning", "b"), ("warning", "c"), ("info", "d")]]
    kept, omitted = cap_cards(cards, 3, lambda: "u-1")
    assert [c["summary"] for c in kept[:2]] == ["a", "b"] and omitted == {"c": 1, "d": 1}
    assert cap_cards(cards, 4, lambda: "u-1") == (cards, {})


def test_large_bodies_are_evaluated_one_at_a_time_per_process():
    """A 15 MB body decodes to ~150 MB of objects: a worker's threads must not hold several at once."""
    import threading

    from pnet_cds.limits import LargeRequestGate

    app = make_app(LARGE_REQUEST_BYTES=1000, LARGE_REQUEST_WAIT_SECONDS=0.2)
    client = app.test_client()
    from .conftest import Harness

    body = Harness(app).request("ssa-in-insulinoma--octreotide-sc-malignant-insulinoma", "order-sign")
    assert client.post("/cds-services/pnet-order-sign", json=body).status_code == 200  # the slot is given back
    assert client.post("/cds-services/pnet-order-sign", json=body).status_code == 200
    gate = app.extensions["pnet_cds_large_request_gate"]
    assert gate.enter(2000) is True  # another thread holds the slot: a large call waits, then 503
    try:
        response = client.post("/cds-services/pnet-order-sign", json=body)
        assert response.status_code == 503 and "one at a time" in response.get_json()["problems"][0]["message"]
        assert response.headers["Retry-After"] == "5"
        small = {"hook": "order-sign"}  # under the threshold: never waits (and is a 400 here)
        assert client.post("/cds-services/pnet-order-sign", json=small).status_code == 400
    finally:
        gate.leave()
    released = threading.Event()
    other = LargeRequestGate(10, 5)
    assert other.enter(10)
    threading.Timer(0.1, lambda: (other.leave(), released.set())).start()
    assert other.enter(10) and released.is_set()  # the waiter gets the slot as soon as it is left
    other.leave()

