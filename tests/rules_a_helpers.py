"""Small helpers for the per-rule HTTP tests of rules 2, 3, 4, 6, 7, 8."""

from __future__ import annotations

from datetime import timedelta

from .conftest import NOW

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"


def days_ago(days: float) -> str:
    """The ISO date `days` before the tests' pinned now (= the fixtures' anchor)."""
    return (NOW - timedelta(days=days)).date().isoformat()


def only_card(harness, fixture: str, hook: str, rule_id: str, **kwargs) -> dict:
    cards = harness.cards_of(fixture, hook, rule_id, **kwargs)
    assert len(cards) == 1, cards
    return cards[0]


def draft_refs(harness, fixture: str, hook: str = "order-sign") -> list[str]:
    """`Type/id` of the fixture's draft orders, as the EHR sends them."""
    request = harness.request(fixture, hook)
    return [f"{e['resource']['resourceType']}/{e['resource']['id']}"
            for e in request["context"]["draftOrders"]["entry"]]


def actions(card: dict, kind: str) -> list[dict]:
    return [a for s in card.get("suggestions", []) for a in s["actions"] if a["type"] == kind]


def created(card: dict) -> list[dict]:
    return [a["resource"] for a in actions(card, "create")]


def codes_of(resource: dict, key: str = "medicationCodeableConcept") -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in resource[key]["coding"]}


def dose_of(resource: dict) -> tuple[float, str, dict]:
    dosage = resource["dosageInstruction"][0]
    quantity = dosage["doseAndRate"][0]["doseQuantity"]
    return quantity["value"], quantity["code"], dosage["timing"]["repeat"]


def detail(card: dict) -> str:
    """The card detail with its soft line breaks folded, so phrases can be looked for."""
    return " ".join(card["detail"].split())
