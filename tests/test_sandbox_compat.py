"""Compatibility with the public CDS Hooks Sandbox (a browser app on another origin): the CORS preflight
it sends before every call, and the shape of its requests (draftOrders Bundle without `type`, prefetch keys
it could not fill left out, a fhirServer to fetch them from), and prefetch templates it can fill (plain
context tokens: no `today()` or other expressions)."""

from __future__ import annotations

import io
import json
import re

import pytest
import requests
import urllib3
from requests.adapters import BaseAdapter

from pnet_cds.fixtures import load_fixture

from .conftest import FIXTURES, make_app

SANDBOX_ORIGIN = "https://sandbox.cds-hooks.org"
FHIR = "https://fhir.example.org/r4"
PREFLIGHT = {"Origin": SANDBOX_ORIGIN, "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "authorization, content-type"}
TOKEN_IN_TEMPLATE = re.compile(r"\{\{(.*?)\}\}")
SANDBOX_TOKENS = {"context.patientId", "context.userId", "context.encounterId", "userPractitionerId"}


def preflight_paths(_app) -> list[str]:
    return ["/cds-services", "/cds-services/pnet-order-sign", "/cds-services/pnet-order-sign/feedback"]


@pytest.mark.parametrize("origins", ["*", f"https://ehr.example.org, {SANDBOX_ORIGIN}"])
def test_cors_preflight_from_the_sandbox_origin_is_allowed(origins):
    app = make_app(CORS_ORIGINS=origins)
    client = app.test_client()
    for path in preflight_paths(app):
        response = client.options(path, headers=PREFLIGHT)
        assert response.status_code in (200, 204), path
        assert response.headers["Access-Control-Allow-Origin"] in ("*", SANDBOX_ORIGIN)
        allowed_headers = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
        assert {"authorization", "content-type"} <= allowed_headers, path
        assert "POST" in response.headers["Access-Control-Allow-Methods"]
        if origins != "*":
            assert response.headers["Access-Control-Allow-Origin"] == SANDBOX_ORIGIN
            assert "Origin" in response.headers["Vary"]


def test_cors_preflight_from_an_unlisted_origin_gets_no_allow_origin():
    client = make_app(CORS_ORIGINS="https://ehr.example.org").test_client()
    response = client.options("/cds-services/pnet-order-sign", headers=PREFLIGHT)
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_real_post_from_the_sandbox_origin_carries_the_allow_origin_header():
    client = make_app(CORS_ORIGINS=SANDBOX_ORIGIN).test_client()
    response = client.post("/cds-services/pnet-order-sign", json=sandbox_request(),
                           headers={"Origin": SANDBOX_ORIGIN})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == SANDBOX_ORIGIN


def test_prefetch_templates_use_only_tokens_the_sandbox_fills():
    app = make_app()
    for service in app.extensions["pnet_cds"].discovery["services"]:
        for key, template in service.get("prefetch", {}).items():
            tokens = {t.strip() for t in TOKEN_IN_TEMPLATE.findall(template)}
            assert tokens <= SANDBOX_TOKENS, f"{service['id']}/{key} uses {tokens - SANDBOX_TOKENS}"
            assert "today()" not in template


class FakeFhir(BaseAdapter):
    """A FHIR server that answers every search with an empty searchset and records what was asked."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.authorizations: set[str] = set()

    def send(self, request, **kwargs):
        self.urls.append(request.url)
        self.authorizations.add(request.headers.get("Authorization", ""))
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "application/fhir+json"
        body = json.dumps({"resourceType": "Bundle", "type": "searchset", "total": 0}).encode()
        response.raw = urllib3.HTTPResponse(body=io.BytesIO(body), preload_content=False, status=200,
                                            headers={"Content-Type": "application/fhir+json"})
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


def sandbox_request(with_auth: bool = False) -> dict:
    """order-sign as the public sandbox sends it: draftOrders without Bundle `type`, only the prefetch it could
    fill (conditions), a fhirServer for the rest."""
    fixture = load_fixture(FIXTURES, "ssa-in-insulinoma--octreotide-sc-malignant-insulinoma")
    conditions = [r for r in fixture.record if r["resourceType"] == "Condition"]
    body = {
        "hook": "order-sign", "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", "fhirServer": FHIR,
        "context": {"userId": "Practitioner/example", "patientId": fixture.patient_id,
                    "draftOrders": {"resourceType": "Bundle",
                                    "entry": [{"resource": draft} for draft in fixture.drafts]}},
        "prefetch": {"conditions": {"resourceType": "Bundle", "type": "searchset",
                                    "entry": [{"resource": c} for c in conditions]}},
    }
    if with_auth:
        body["fhirAuthorization"] = {"access_token": "sandbox-fhir-token", "token_type": "Bearer",
                                     "expires_in": 300, "scope": "patient/*.read", "subject": "cds-service"}
    return body


def test_sandbox_shaped_request_fetches_the_omitted_keys_from_a_trusted_fhir_server():
    fake = FakeFhir()
    session = requests.Session()
    session.mount("https://", fake)
    client = make_app(TRUSTED_FHIR_SERVERS=FHIR, HTTP_SESSION=session).test_client()
    response = client.post("/cds-services/pnet-order-sign", json=sandbox_request(with_auth=True))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [c["source"]["topic"]["code"] for c in body["cards"]] == ["ssa-in-insulinoma"]
    fetched = {url.split("?")[0].rsplit("/", 1)[-1] for url in fake.urls}
    assert "Condition" not in fetched, "a prefetched key must not be fetched again"
    assert {"MedicationRequest", "Observation", "Procedure"} <= fetched
    assert all("patient=ins-octreotide" in url for url in fake.urls)
    assert fake.authorizations == {"Bearer sandbox-fhir-token"}


def test_sandbox_shaped_request_without_fhir_access_still_answers_what_the_prefetch_supports():
    client = make_app().test_client()
    response = client.post("/cds-services/pnet-order-sign", json=sandbox_request())
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    card = next(c for c in body["cards"] if c["source"]["topic"]["code"] == "ssa-in-insulinoma")
    assert card["indicator"] == "warning"
    assert "Malignant insulinoma (disorder)" in card["detail"]
    create, delete = card["suggestions"][0]["actions"]  # create first: the sandbox applies only the first action
    assert create["type"] == "create"
    assert delete == {"type": "delete", "description": "Remove the draft somatostatin analog order",
                      "resourceId": "MedicationRequest/ins-octreotide-medrx-2"}
    assert body["extension"]["org.pnet-cds.evaluation"], "rules skipped for missing data must be named"


# --- with authentication on, as a deployment the public sandbox calls would run ---------------------------

SANDBOX_FHIR = "https://launch.smarthealthit.org/v/r4/fhir"  # the FHIR server in service/presets/cds-hooks-sandbox.json


def sandbox_trusting_app(session=None):
    config = {"AUTH": True, "TRUST_CDS_HOOKS_SANDBOX": True, "DEV_ISSUER": "off",
              "CORS_ORIGINS": SANDBOX_ORIGIN, "PUBLIC_BASE_URL": "https://pnet-cds.example.org"}
    if session is not None:
        config["HTTP_SESSION"] = session
    return make_app(**config)


def sandbox_token(audience: str) -> str:
    from .jwt_helpers import SANDBOX_ISS, claims_for, sandbox_key, sign
    return sign(claims_for(audience, iss=SANDBOX_ISS, tenant=None), sandbox_key())


def test_preflight_passes_without_a_token_when_auth_is_on():
    client = sandbox_trusting_app().test_client()
    for path in preflight_paths(client.application):
        response = client.options(path, headers=PREFLIGHT)
        assert response.status_code in (200, 204), path
        assert response.headers["Access-Control-Allow-Origin"] == SANDBOX_ORIGIN


def test_sandbox_signed_call_from_its_origin_gets_cards_and_fetches_from_its_fhir_server():
    fake = FakeFhir()
    session = requests.Session()
    session.mount("https://", fake)
    client = sandbox_trusting_app(session).test_client()
    body = sandbox_request(with_auth=True)
    body["fhirServer"] = SANDBOX_FHIR
    audience = "https://pnet-cds.example.org/cds-services/pnet-order-sign"
    response = client.post("/cds-services/pnet-order-sign", json=body,
                           headers={"Origin": SANDBOX_ORIGIN, "Authorization": f"Bearer {sandbox_token(audience)}"})
    assert response.status_code == 200, response.get_json()
    assert response.headers["Access-Control-Allow-Origin"] == SANDBOX_ORIGIN
    assert [c["source"]["topic"]["code"] for c in response.get_json()["cards"]] == ["ssa-in-insulinoma"]
    assert fake.urls and all(url.startswith(SANDBOX_FHIR + "/") for url in fake.urls)
    unsigned = client.post("/cds-services/pnet-order-sign", json=body, headers={"Origin": SANDBOX_ORIGIN})
    assert unsigned.status_code == 401
