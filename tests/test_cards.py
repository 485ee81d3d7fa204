"""Card rendering: spec conformance of every card every firing fixture produces, escaping, pruning."""

from __future__ import annotations

import pytest
from fhir.resources.R4B import get_fhir_model_class

from pnet_cds.cards import Finding, escape_markdown, prune_empty, render_card
from pnet_cds.fixtures import load_fixture

from .conftest import FIXTURES, ROOT, SERVICE_FOR_HOOK, Harness, make_app

RULE_IDS = {path.stem for path in (ROOT / "cards").glob("*.yaml")}

_HARNESS = Harness(make_app())


def _firing_cases():
    for rule in _HARNESS.app.extensions["pnet_cds"].rules:
        for case in rule.spec.cases["fires"]:
            name = case if isinstance(case, str) else case["fixture"]
            for hook in rule.spec.hooks:
                if hook == "patient-view" or load_fixture(FIXTURES, name).drafts:
                    yield pytest.param(name, hook, id=f"{name}@{hook}")


def _walk(value, path="$"):
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


@pytest.mark.parametrize("fixture, hook", list(_firing_cases()))
def test_every_card_follows_the_spec(fixture, hook):
    request = _HARNESS.request(fixture, hook)
    body = _HARNESS.fire(fixture, hook)
    assert set(body) <= {"cards", "extension"}
    draft_refs = {f"{d['resource']['resourceType']}/{d['resource']['id']}"
                  for d in request["context"].get("draftOrders", {}).get("entry", [])}
    uuids = set()
    for card in body["cards"]:
        for path, value in _walk(card):
            assert value not in (None, "", [], {}), f"empty value at {path}"
        assert len(card["summary"]) < 140
        assert card["indicator"] in {"info", "warning", "critical"}
        assert card["source"]["label"] and card["source"]["topic"]["system"] == "urn:pnet-cds:rule-catalog"
        # the source is named once, in source.label (EHRs show it), not again at the end of the detail
        assert "Source:" not in card["detail"] and card["source"]["topic"]["code"] in RULE_IDS
        uuids.add(card["uuid"])
        if card.get("suggestions"):
            assert card["selectionBehavior"] in {"at-most-one", "any"}
        for reason in card.get("overrideReasons", []):
            assert reason["display"] and reason["code"] and reason["system"]
        for link in card.get("links", []):
            assert link["type"] == "absolute" and link["url"].startswith("https://")
        for suggestion in card.get("suggestions", []):
            uuids.add(suggestion["uuid"])
            for action in suggestion["actions"]:
                assert action["description"]
                if action["type"] == "delete":
                    assert action["resourceId"] in draft_refs and "resource" not in action
                else:
                    resource = action["resource"]
                    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
                    assert resource["subject"]["reference"] == f"Patient/{request['context']['patientId']}"
    expected = sum(1 + len(c.get("suggestions", [])) for c in body["cards"])
    assert len(uuids) == expected, "card and suggestion uuids must be unique"


def test_cards_come_ordered_critical_warning_info():
    body = _HARNESS.fire("vipoma-fluids-electrolytes--no-potassium-in-30-days", "patient-view")
    indicators = [card["indicator"] for card in body["cards"]]
    order = {"critical": 0, "warning": 1, "info": 2}
    assert indicators == sorted(indicators, key=order.get)


def test_patient_text_cannot_inject_markdown_links_or_html():
    spec = _HARNESS.app.extensions["pnet_cds"].rules[0].spec
    hostile = "[click](https://evil.example) <script>alert(1)</script> **bold**"
    card = render_card(spec, Finding(facts={"drug": hostile, "draft_ref": "MedicationRequest/x",
                                            "insulinoma": [{"name": "insulinoma", "since": None}],
                                            "malignant": True}), "p1", lambda: "u")
    assert "\\[click\\]" in card["detail"] and "\\<script\\>" in card["detail"] and "\\*\\*bold" in card["detail"]
    assert "[click](" not in card["detail"]
    # summaries and labels are plain text, not markdown: shown as sent
    assert card["suggestions"][0]["label"].startswith("Replace [click]")


def test_escape_markdown_leaves_numbers_and_dates():
    assert escape_markdown("2.9 mmol/L on 2026-05-30 (ref 3.5–5.1)") == "2.9 mmol/L on 2026-05-30 (ref 3.5–5.1)"
    assert escape_markdown(42) == 42


def test_prune_empty_removes_null_and_empty_values_recursively():
    assert prune_empty({"a": None, "b": "", "c": [], "d": {}, "e": [{"f": None}], "g": 0, "h": False}) == {"g": 0, "h": False}


def test_summary_over_limit_is_cut_below_140():
    spec = _HARNESS.app.extensions["pnet_cds"].rules[0].spec
    original = spec.variants["default"]["summary"]
    spec.variants["default"]["summary"] = lambda facts: "x" * 300
    try:
        card = render_card(spec, Finding(facts={"drug": "d", "draft_ref": "MedicationRequest/x", "insulinoma": [{"name": "i", "since": None}],
                                                         "malignant": False}),
                           "p1", lambda: "u")
    finally:
        spec.variants["default"]["summary"] = original
    assert len(card["summary"]) < 140 and card["summary"].endswith("…")


def test_service_ids_match_hooks():
    assert set(SERVICE_FOR_HOOK.values()) == set(_HARNESS.services)
