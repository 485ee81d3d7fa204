"""The OpenAPI document (service/openapi.yaml, served at /openapi.json) is kept true: every route of the app
is documented and every documented route exists; the embedded request schema means what the service
validates; and schemathesis fires over a thousand generated requests at the app (in-process, through
WSGI, with authentication ON and a fresh token per request) and checks every answer against the document:
no 5xx, documented status codes, documented content types, bodies that match the response schemas."""

from __future__ import annotations

import json
import os
import re
import time

import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from pnet_cds.fixtures import build_hook_request, list_fixtures, load_fixture
from pnet_cds.hook_request import _validator as request_validator
from pnet_cds.openapi import openapi_document

from .conftest import FIXTURES, make_app
from .jwt_helpers import EC_KEY, claims_for, issuers_file, sign

PUBLIC_BASE = "http://cds.test"
EXCLUDED_ENDPOINTS = {"static"}  # Flask's built-in static route; the service serves no static files there
SCALE = float(os.environ.get("PNET_CDS_FUZZ_SCALE", "1"))  # <1 for a quick local run; CI runs the full count
CHECKS = [schemathesis.checks.not_a_server_error, schemathesis.checks.status_code_conformance,
          schemathesis.checks.content_type_conformance, schemathesis.checks.response_schema_conformance]


@pytest.fixture(scope="module")
def secure_app(tmp_path_factory):
    return make_app(AUTH=True, ISSUERS_FILE=str(issuers_file(tmp_path_factory.mktemp("issuers"))),
                    PUBLIC_BASE_URL=PUBLIC_BASE)


def documented_routes() -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in openapi_document()["paths"].items()
            for method in item if method in ("get", "post", "put", "patch", "delete")}


def app_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXCLUDED_ENDPOINTS or rule.rule.startswith("/sandbox"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        routes |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_every_route_is_documented_and_every_documented_route_exists(secure_app):
    routes, documented = app_routes(secure_app), documented_routes()
    assert not routes - documented, f"routes missing from service/openapi.yaml (add them): {sorted(routes - documented)}"
    assert not documented - routes, f"service/openapi.yaml documents routes the app lacks: {sorted(documented - routes)}"


def test_served_document_is_the_file_with_the_request_schema(secure_app):
    served = secure_app.test_client().get("/openapi.json").get_json()
    assert served == json.loads(json.dumps(openapi_document()))
    assert served["openapi"] == "3.1.0"
    variants = served["components"]["schemas"]["HookRequest"]["oneOf"]
    assert [v["properties"]["hook"]["const"] for v in variants] == ["patient-view", "order-select", "order-sign"]


def test_service_ids_in_the_document_are_the_discovered_ones(secure_app):
    parameter = openapi_document()["paths"]["/cds-services/{service_id}"]["post"]["parameters"][0]
    assert parameter["schema"]["enum"] == list(secure_app.extensions["pnet_cds"].services)


def _document_validator() -> jsonschema.Draft202012Validator:
    root = {**openapi_document(), "$ref": "#/components/schemas/HookRequest"}
    return jsonschema.Draft202012Validator(root, format_checker=jsonschema.FormatChecker())


def _fixture_requests(app) -> list[dict]:
    services = app.extensions["pnet_cds"].services.values()
    requests = []
    for name in list_fixtures(FIXTURES)[:6]:
        fixture = load_fixture(FIXTURES, name)
        requests += [build_hook_request(fixture, service) for service in services]
    return requests


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                     lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children,
                                                                                        max_size=3), max_leaves=8)


@settings(max_examples=150, deadline=None, database=None, derandomize=True)
@given(base=st.sampled_from(range(18)), pointer=st.sampled_from(
    ["hook", "hookInstance", "context", "prefetch", "fhirServer", "fhirAuthorization", "extension",
     "context.userId", "context.patientId", "context.draftOrders", "context.selections", "context.encounterId"]),
    value=_json | st.sampled_from(["patient-view", "order-select", "order-sign", "https://fhir.example.org/r4"]))
def test_document_and_service_agree_on_which_requests_are_valid(secure_app, base, pointer, value):
    """The `oneOf` rewrite of the request schema accepts exactly what the service's own schema accepts."""
    requests = _fixture_requests(secure_app)
    body = json.loads(json.dumps(requests[base % len(requests)]))
    holder, _, key = pointer.rpartition(".")
    target = body[holder] if holder else body
    target[key] = value
    assert _document_validator().is_valid(body) == request_validator().is_valid(body)


def test_fixture_requests_get_the_same_verdict_from_document_and_service(secure_app):
    validator, verdicts = _document_validator(), []
    for body in _fixture_requests(secure_app):
        verdicts.append(validator.is_valid(body))
        assert verdicts[-1] == request_validator().is_valid(body), body["hook"]
    assert verdicts.count(True) >= 6


# --- schemathesis ---------------------------------------------------------------------------------------


def _run(operation, mode: GenerationMode, examples: int, app, counter: dict) -> None:
    @settings(max_examples=max(1, int(examples * SCALE)), deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def fire(case):
        counter["requests"] += 1
        headers = {}
        if counter["requests"] % 10:  # one in ten goes without a token: the 401 must be documented too
            headers["Authorization"] = f"Bearer {sign(claims_for(PUBLIC_BASE + case.formatted_path), EC_KEY)}"
        response = case.call(headers=headers)
        counter[response.status_code] = counter.get(response.status_code, 0) + 1
        case.validate_response(response, checks=CHECKS)

    fire()


def test_schemathesis_generated_requests_get_documented_answers_and_no_5xx(secure_app):
    schema = schemathesis.openapi.from_wsgi("/openapi.json", secure_app)
    schema.config.generation.codec = "ascii"  # the service reads UTF-8; full Unicode only slows generation
    counter = {"requests": 0}
    started = time.monotonic()
    plan = [("/cds-services/{service_id}", "POST", GenerationMode.POSITIVE, 520),
            ("/cds-services/{service_id}", "POST", GenerationMode.NEGATIVE, 460),
            ("/cds-services", "GET", GenerationMode.POSITIVE, 20),
            ("/healthz", "GET", GenerationMode.POSITIVE, 10),
            ("/openapi.json", "GET", GenerationMode.POSITIVE, 10)]
    for path, method, mode, examples in plan:
        _run(schema[path][method], mode, examples, secure_app, counter)
    elapsed = time.monotonic() - started
    print(f"schemathesis: {counter['requests']} requests in {elapsed:.1f} s; statuses "
          f"{ {k: v for k, v in counter.items() if k != 'requests'} }")
    assert not any(isinstance(status, int) and status >= 500 for status in counter)
    if SCALE >= 1:
        assert counter["requests"] >= 1000
    assert counter.get(401, 0) >= counter["requests"] // 20 and counter.get(412, 0) > 0 and counter.get(400, 0) > 0
