"""Every case every card file lists: `fires` fixtures must produce the rule's card (in the named variant)
on each of its hooks, `silent` ones must not, `todo` ones are known misses (expected failures)."""

from __future__ import annotations

import pytest

from pnet_cds.fixtures import load_fixture

from .conftest import FIXTURES, Harness, make_app

_HARNESS = Harness(make_app())


def _cases(kind: str):
    """(rule, case, hook) for every case of `kind`; a fixture without draft orders runs on patient-view only."""
    for rule in _HARNESS.app.extensions["pnet_cds"].rules:
        for case in rule.spec.cases.get(kind, []):
            case = {"fixture": case} if isinstance(case, str) else case
            has_drafts = bool(load_fixture(FIXTURES, case["fixture"]).drafts)
            for hook in case.get("hooks") or rule.spec.hooks:
                if has_drafts or hook == "patient-view":
                    yield pytest.param(rule.spec, case, hook, id=f"{case['fixture']}@{hook}")


def _rule_cards(spec, case, hook):
    return _HARNESS.cards_of(case["fixture"], hook, spec.id)


@pytest.mark.parametrize("spec, case, hook", list(_cases("fires")))
def test_rule_fires(spec, case, hook):
    cards = _rule_cards(spec, case, hook)
    assert cards, f"{spec.id} did not fire on {case['fixture']} ({hook})"
    variant = case.get("variant")
    expected = spec.indicator(variant) if variant else None
    for card in cards:
        assert card["source"]["topic"]["code"] == spec.id
        assert len(card["summary"]) < 140
        if expected:
            assert card["indicator"] == expected


@pytest.mark.parametrize("spec, case, hook", list(_cases("silent")))
def test_rule_stays_silent(spec, case, hook):
    assert _rule_cards(spec, case, hook) == []


@pytest.mark.parametrize("spec, case, hook", list(_cases("todo")))
@pytest.mark.xfail(strict=True, reason="known miss, listed as todo in the card file")
def test_rule_known_misses(spec, case, hook):
    assert _rule_cards(spec, case, hook)
