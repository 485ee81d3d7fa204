"""Property tests (hypothesis) on request and prefetch parsing: whatever JSON arrives, wherever it lands in
a hook request, the answer is a JSON 2xx/4xx, never a 5xx. The mutations go deep: any value anywhere in a
real fixture request (inside prefetch resources and draft orders too) replaced by arbitrary JSON, so the
rules themselves meet malformed FHIR."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pnet_cds.errors import BadHookRequest
from pnet_cds.fixtures import build_hook_request, list_fixtures, load_fixture
from pnet_cds.hook_request import parse_hook_request
from pnet_cds.limits import count_resources, json_depth

from .conftest import FIXTURES, SERVICE_FOR_HOOK, make_app

SETTINGS = settings(max_examples=150, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) |
    st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20) |
    st.sampled_from(["", "Bundle", "Condition", "MedicationRequest", "2026-01-01", "not-a-date", "active",
                     "http://loinc.org", "http://www.nlm.nih.gov/research/umls/rxnorm", "Medication/x"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.text(max_size=8) | st.sampled_from(["resourceType", "entry", "resource", "code", "coding", "status"]),
        children, max_size=4),
    max_leaves=12)


@pytest.fixture(scope="module")
def apps():
    strict = make_app()
    return {"strict": strict, "lenient": make_app(FHIR_VALIDATION="lenient"), "bodies": _fixture_bodies(strict)}


def _fixture_bodies(app) -> list[tuple[str, dict]]:
    services = app.extensions["pnet_cds"].services
    bodies = []
    for name in list_fixtures(FIXTURES):
        fixture = load_fixture(FIXTURES, name)
        hooks = ["order-sign", "order-select"] if fixture.drafts else ["patient-view"]
        bodies += [(SERVICE_FOR_HOOK[hook], build_hook_request(fixture, services[SERVICE_FOR_HOOK[hook]]))
                   for hook in hooks]
    return bodies


def assert_json_answer_without_5xx(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    body = response.get_json()
    if response.status_code >= 400:
        assert body["error"] and body["message"], body
    else:
        assert isinstance(body["cards"], list)


@SETTINGS
@given(body=json_values, service=st.sampled_from(list(SERVICE_FOR_HOOK.values())))
def test_any_json_body_gets_a_4xx_not_a_5xx(apps, body, service):
    response = apps["strict"].test_client().post(f"/cds-services/{service}", data=json.dumps(body),
                                                 content_type="application/json")
    assert_json_answer_without_5xx(response)
    assert response.status_code in (400, 412, 413)


@SETTINGS
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_bytes_body_gets_a_4xx_not_a_5xx(apps, raw):
    response = apps["strict"].test_client().post("/cds-services/pnet-order-sign", data=raw,
                                                 content_type="application/json")
    assert_json_answer_without_5xx(response)


def _paths(node, prefix=()):
    """Every path (tuple of keys/indices) to a value inside a JSON tree."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


def _replace(node, path, value):
    if not path:
        return value
    node[path[0]] = _replace(node[path[0]], path[1:], value)
    return node


STATUSES: dict[int, int] = {}


@settings(max_examples=400, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data(), mode=st.sampled_from(["strict", "lenient"]))
def test_any_value_anywhere_in_a_real_request_never_gives_a_5xx(apps, data, mode):
    app = apps[mode]
    service, body = data.draw(st.sampled_from(apps["bodies"]))
    body = json.loads(json.dumps(body))
    paths = [p for p in _paths(body) if p]
    deep = [p for p in paths if p[0] in ("prefetch", "context")]
    path = data.draw(st.sampled_from(deep if data.draw(st.booleans()) else paths))
    body = _replace(body, path, data.draw(json_values))
    response = app.test_client().post(f"/cds-services/{service}", json=body)
    assert_json_answer_without_5xx(response)
    STATUSES[response.status_code] = STATUSES.get(response.status_code, 0) + 1  # for a look with -s
    if response.status_code == 400:
        assert response.get_json().get("problems") or "valid" in response.get_json()["message"]


@SETTINGS
@given(body=json_values, hook=st.sampled_from(list(SERVICE_FOR_HOOK)))
def test_parse_hook_request_raises_only_bad_hook_request(body, hook):
    try:
        parse_hook_request(body, hook)
    except BadHookRequest as error:
        assert error.message
        assert all(problem.pointer == "" or problem.pointer.startswith("/") for problem in error.problems)


@SETTINGS
@given(body=json_values)
def test_limit_checks_accept_any_json(body):
    assert json_depth(body, 64) >= 0
    assert count_resources(body) >= 0
