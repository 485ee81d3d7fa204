"""The sandbox page's own endpoints (/sandbox, /sandbox/api/...) and the order catalog behind them."""

from __future__ import annotations

import pytest

from pnet_cds.order_catalog import ORDERS, REGIMENS, draft_order, standard_dose
from pnet_cds.terminology import load_terminology

from .conftest import NOW, ROOT, make_app

INSULINOMA = "ssa-in-insulinoma--octreotide-sc-malignant-insulinoma"


@pytest.fixture(scope="module")
def client():
    """One app for the module: these endpoints keep no state, and building an app takes half a second."""
    return make_app().test_client()


def test_page_is_served_with_a_strict_content_security_policy(client):
    response = client.get("/sandbox")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<script src="/sandbox/static/sandbox.js" defer></script>' in html
    assert "http://" not in html and "https://" not in html, "the page must work offline: nothing off-site"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", ["sandbox.js", "markdown.js", "sandbox.css"])
def test_static_files_are_served_and_never_set_inner_html(client, name):
    response = client.get(f"/sandbox/static/{name}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    for risky in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert risky not in text, f"{name} uses {risky}"


def test_static_path_traversal_is_refused(client):
    assert client.get("/sandbox/static/../sandbox.py").status_code == 404
    assert client.get("/sandbox/static/%2e%2e/sandbox.py").status_code == 404


def test_fixture_list_names_each_patient_and_their_problems(client):
    fixtures = client.get("/sandbox/api/fixtures").get_json()["fixtures"]
    insulinoma = next(f for f in fixtures if f["name"] == INSULINOMA)
    assert insulinoma["patient"] == "Ada Insulinoma-One"
    assert insulinoma["problems"] == ["Malignant insulinoma (disorder)"]
    assert insulinoma["drafts"] == 1


def test_fixture_chart_and_request_are_rolled_to_the_services_now():
    client = make_app(NOW="2027-06-01T12:00:00Z").test_client()
    body = client.get(f"/sandbox/api/fixtures/{INSULINOMA}?service=pnet-order-sign").get_json()
    [problem] = body["chart"]["problems"]
    assert problem == {"text": "Malignant insulinoma (disorder)", "clinicalStatus": "active",
                       "verificationStatus": "confirmed", "date": "2026-11-13T12:00:00Z"}  # anchor + 1 year
    request = body["request"]
    assert request["hook"] == "order-sign" and request["context"]["patientId"] == "ins-octreotide"
    assert request["context"]["draftOrders"]["entry"][0]["resource"]["authoredOn"] == "2027-06-01T12:00:00Z"
    assert set(request["prefetch"]) == {"conditions", "medicationRequests", "medicationAdministrations",
                                        "medicationStatements", "observations", "procedures",
                                        "diagnosticReports", "imagingStudies", "serviceRequests"}
    assert [d["id"] for d in body["drafts"]] == ["ins-octreotide-medrx-2"]


def test_chart_lists_labs_newest_first_and_medications_with_dosage(client):
    body = client.get("/sandbox/api/fixtures/vipoma-fluids-electrolytes--low-potassium-flagged").get_json()
    labs = body["chart"]["labs"]
    assert labs, "the VIPoma fixture has electrolyte results"
    assert [row["date"] for row in labs] == sorted((row["date"] for row in labs), reverse=True)
    low = next(row for row in labs if row["value"] == "2.9 mmol/L")
    assert low["text"] == "Potassium [Moles/volume] in Serum or Plasma" and low["flags"] == "L, ref 3.5-5.1"


def test_request_built_for_the_page_is_accepted_by_the_service(client):
    request = client.get(f"/sandbox/api/fixtures/{INSULINOMA}?service=pnet-order-sign").get_json()["request"]
    response = client.post("/cds-services/pnet-order-sign", json=request)
    assert [c["source"]["topic"]["code"] for c in response.get_json()["cards"]] == ["ssa-in-insulinoma"]


@pytest.mark.parametrize("url, status", [
    ("/sandbox/api/fixtures/no-such-patient", 404),
    (f"/sandbox/api/fixtures/{INSULINOMA}?service=no-such-service", 404),
    ("/sandbox/api/fixtures/..%2Fhooks", 404),
])
def test_unknown_fixture_or_service_is_a_json_404(client, url, status):
    response = client.get(url)
    assert response.status_code == status and response.get_json()["error"] == "not-found"


def test_order_catalog_lists_the_common_pnet_orders_with_doses(client):
    body = client.get("/sandbox/api/orders").get_json()
    orders = {o["key"]: o for o in body["orders"]}
    assert {"octreotide-sc", "octreotide-lar", "lanreotide", "lutathera", "everolimus", "sunitinib",
            "capecitabine", "temozolomide", "streptozocin", "cbc"} <= set(orders)
    assert orders["octreotide-sc"]["dose"] == {"value": 100, "unit": "ug"}
    assert orders["sunitinib"]["dose"] == {"value": 37.5, "unit": "mg"}
    assert orders["streptozocin"]["dose"] is None
    assert {r["key"]: r["orders"] for r in body["regimens"]}["captem"] == ["capecitabine", "temozolomide"]


def test_new_draft_order_takes_the_edited_dose_and_rewrites_its_text(client):
    response = client.post("/sandbox/api/orders/octreotide-sc", json={"patientId": "p1", "dose": 150})
    resource = response.get_json()
    dosage = resource["dosageInstruction"][0]
    assert dosage["doseAndRate"][0]["doseQuantity"] == {"value": 150, "unit": "ug", "system": "http://unitsofmeasure.org",
                                                        "code": "ug"}
    assert dosage["text"] == "150 micrograms subcutaneously three times daily"
    assert resource["subject"] == {"reference": "Patient/p1"} and resource["status"] == "draft"
    assert resource["id"].startswith("draft-octreotide-sc-")


def test_new_draft_orders_have_the_shape_the_cds_hooks_sandbox_sends(client):
    """One `category` object (not a list) and a date-only authoredOn, as in tests/data/sandbox-wire; the
    service reads them (its tolerant reader normalises the category)."""
    resource = client.post("/sandbox/api/orders/sunitinib", json={"patientId": "p1"}).get_json()
    assert resource["category"] == {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/medicationrequest-category",
                                                "code": "outpatient"}]}
    assert resource["authoredOn"] == client.application.extensions["pnet_cds"].now().date().isoformat()
    assert resource["medicationCodeableConcept"]["coding"][0]["code"] == "1541890"  # the product, at SCD level


@pytest.mark.parametrize("key, body, pointer", [
    ("octreotide-sc", {"patientId": "p1", "dose": 0}, "/dose"),
    ("octreotide-sc", {"patientId": "p1", "dose": "100"}, "/dose"),
    ("octreotide-sc", {"patientId": "p1", "dose": True}, "/dose"),
    ("streptozocin", {"patientId": "p1", "dose": 500}, "/dose"),
    ("octreotide-sc", {"dose": 100}, "/patientId"),
    ("octreotide-sc", ["not", "an", "object"], "/patientId"),
])
def test_bad_draft_order_requests_are_400_naming_the_field(client, key, body, pointer):
    response = client.post(f"/sandbox/api/orders/{key}", json=body)
    assert response.status_code == 400
    assert response.get_json()["problems"][0]["pointer"] == pointer


def test_unknown_order_is_404(client):
    response = client.post("/sandbox/api/orders/aspirin", json={"patientId": "p1"})
    assert response.status_code == 404 and "octreotide-sc" in response.get_json()["problems"][0]["message"]


def test_token_endpoint_says_why_there_is_no_token_when_auth_is_off(client):
    body = client.post("/sandbox/api/token", json={"aud": "http://localhost/cds-services"}).get_json()
    assert body == {"token": None, "reason": "authentication is off"}


@pytest.mark.parametrize("aud", [None, "", "https://other.example.org/cds-services", "http://localhost/sandbox",
                                 "http://localhost/cds-services-evil"])
def test_token_endpoint_mints_only_for_this_services_own_urls(client, aud):
    response = client.post("/sandbox/api/token", json={"aud": aud})
    assert response.status_code == 400 and response.get_json()["problems"][0]["pointer"] == "/aud"


def test_sandbox_can_be_turned_off():
    client = make_app(SANDBOX="false").test_client()
    assert client.get("/sandbox").status_code == 404
    assert client.get("/sandbox/api/fixtures").status_code == 404
    assert client.get("/cds-services").status_code == 200


def test_every_catalog_code_is_in_a_value_set():
    """Catalog codes come only from cards/valuesets (TERMINOLOGY.md): each must be in one of them."""
    terminology = load_terminology(ROOT / "cards" / "valuesets")
    known = {key for value_set in terminology.value_sets.values() for key in value_set.entries}
    for key, entry in ORDERS.items():
        concept = entry["resource"].get("medicationCodeableConcept") or entry["resource"]["code"]
        coding = concept["coding"][0]
        assert (coding["system"], coding["code"]) in known, f"{key}: {coding['code']} is in no value set"


def test_regimens_name_catalog_entries_and_doses_come_from_the_catalog():
    for regimen in REGIMENS.values():
        assert set(regimen["orders"]) <= set(ORDERS)
    assert standard_dose("lanreotide") == {"value": 120, "unit": "mg"}
    assert draft_order("cbc", "p1")["code"]["coding"][0]["code"] == "57021-8"
    assert NOW  # the pinned clock the other tests share


@pytest.fixture(scope="module")
def auth_client(tmp_path_factory):
    """An app with authentication on and the local development issuer (its key in a temp dir)."""
    app = make_app(AUTH=True, DEV_ISSUER="on", DEV_ISSUER_DIR=str(tmp_path_factory.mktemp("dev-issuer")))
    return app.test_client()


def test_page_token_from_the_dev_issuer_opens_the_service(auth_client):
    url = "http://localhost/cds-services/pnet-order-sign"
    assert auth_client.post("/cds-services/pnet-order-sign", json={}).status_code == 401
    answer = auth_client.post("/sandbox/api/token", json={"aud": url}, headers={"Origin": "http://localhost"})
    body = answer.get_json()
    assert body["issuer"] == "urn:pnet-cds:local-dev" and body["token"].count(".") == 2
    request = auth_client.get(f"/sandbox/api/fixtures/{INSULINOMA}?service=pnet-order-sign").get_json()["request"]
    response = auth_client.post("/cds-services/pnet-order-sign", json=request,
                                headers={"Authorization": f"Bearer {body['token']}"})
    assert response.status_code == 200
    assert [c["source"]["topic"]["code"] for c in response.get_json()["cards"]] == ["ssa-in-insulinoma"]


@pytest.mark.parametrize("where", [
    {"headers": {"Origin": "https://evil.example.org"}},                       # another site in the same browser
    {"base_url": "http://rebound.example.org"},                                # DNS rebinding to 127.0.0.1
    {"environ_base": {"REMOTE_ADDR": "10.1.2.3"}},                              # not on loopback
])
def test_dev_tokens_are_minted_only_for_the_local_page(auth_client, where):
    base = where.get("base_url", "http://localhost")
    response = auth_client.post("/sandbox/api/token", json={"aud": f"{base}/cds-services"}, **where)
    assert response.status_code == 404 and "token" not in response.get_json()


def test_dev_token_over_ipv6_loopback(auth_client):
    base = "http://[::1]:8080"
    response = auth_client.post("/sandbox/api/token", json={"aud": f"{base}/cds-services"}, base_url=base,
                                environ_base={"REMOTE_ADDR": "::1"}, headers={"Origin": base})
    assert response.status_code == 200 and response.get_json()["token"]


def test_auth_off_spelled_in_the_environment_gives_no_token():
    client = make_app(AUTH="off").test_client()
    body = client.post("/sandbox/api/token", json={"aud": "http://localhost/cds-services"}).get_json()
    assert body == {"token": None, "reason": "authentication is off"}
