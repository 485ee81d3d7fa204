"""A patient with several problems at once gets each applicable card once, ordered critical → info,
and no two cards say the same thing."""

from __future__ import annotations

import pytest

FIXTURE = "prrt-long-acting-ssa-washout--multi-problem-vipoma-capecitabine-stale-cbc"
ORDER_CARDS = [
    ("warning", "prrt-long-acting-ssa-washout"),
    ("warning", "prrt-concurrent-chemotherapy"),
    ("info", "vipoma-fluids-electrolytes"),
    ("info", "prrt-post-dose-ssa-plan"),
    ("info", "prrt-baseline-labs"),
]


@pytest.mark.parametrize("hook", ["order-sign", "order-select"])
def test_each_applicable_card_once_in_order(harness, hook):
    cards = harness.fire(FIXTURE, hook)["cards"]
    assert [(c["indicator"], c["source"]["topic"]["code"]) for c in cards] == ORDER_CARDS


def test_no_two_cards_say_the_same_thing(harness):
    cards = harness.fire(FIXTURE, "order-sign")["cards"]
    summaries = [c["summary"] for c in cards]
    assert len(set(summaries)) == len(summaries)
    created = [str(a["resource"].get("code") or a["resource"].get("medicationCodeableConcept"))
               for c in cards for s in c.get("suggestions", []) for a in s["actions"] if a["type"] == "create"]
    assert len(created) == len(set(created)), "two cards suggest the same order"


def test_the_cards_quote_this_patients_facts(harness):
    cards = {c["source"]["topic"]["code"]: " ".join(c["detail"].split()) for c in harness.fire(FIXTURE, "order-sign")["cards"]}
    assert "octreotide 20 MG Injection \\[Sandostatin\\] on 2026-05-18 (14 days before the planned date" in cards["prrt-long-acting-ssa-washout"]
    assert "capecitabine" in cards["prrt-concurrent-chemotherapy"].lower()
    assert "VIPoma" in cards["prrt-post-dose-ssa-plan"] or "functional" in cards["prrt-post-dose-ssa-plan"]


def test_patient_view_speaks_of_surveillance_not_of_the_order(harness):
    cards = harness.fire(FIXTURE, "patient-view")["cards"]
    assert [(c["indicator"], c["source"]["topic"]["code"]) for c in cards] == [
        ("warning", "post-prrt-cbc-surveillance"), ("info", "vipoma-fluids-electrolytes")]
    assert cards[0]["summary"] == "CBC with differential due: last on 2025-10-04 (7 months ago)"
