"""RULES.md v2 shared semantics owned by the card layer: "Local policy" naming on the card, and card order
(most severe first, then catalog number; rule 20 first within its severity)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pnet_cds.cards import CardFileError, Finding, load_card_file, render_card
from pnet_cds.engine import card_rank

from .conftest import ROOT


def _card_file(tmp_path: Path, rule_id: str = "post-prrt-cbc-surveillance", **changes) -> Path:
    data = yaml.safe_load((ROOT / "cards" / f"{rule_id}.yaml").read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / f"{rule_id}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


FACTS = {"last_cbc_date": "2025-09-01", "last_cbc_months": 9, "last_prrt_date": "2025-08-01",
         "last_prrt_months": 10, "last_prrt_evidence": "administration"}


def test_local_policy_items_are_rendered_with_parameters_and_named_on_the_card(tmp_path):
    spec = load_card_file(_card_file(tmp_path, local_policy=[
        "CBC at least every {{ cbc_interval_days }} days after PRRT", "last CBC counted from {{ last_cbc_date }}"]))
    card = render_card(spec, Finding(facts=FACTS), "p1")
    assert card["detail"].count("**Local policy:**") == 1
    assert "**Local policy:** CBC at least every 183 days after PRRT; last CBC counted from 2025-09-01." in card["detail"]


def test_a_card_without_local_policy_says_none(tmp_path):
    spec = load_card_file(_card_file(tmp_path, local_policy=[]))
    assert "Local policy" not in render_card(spec, Finding(facts=FACTS), "p1")["detail"]


def test_a_local_policy_template_that_does_not_compile_stops_start_up(tmp_path):
    with pytest.raises(CardFileError, match="template does not compile"):
        load_card_file(_card_file(tmp_path, local_policy=["labs within {{ days "]))


def test_local_policy_must_be_a_list_of_text(tmp_path):
    with pytest.raises(CardFileError, match="local_policy"):
        load_card_file(_card_file(tmp_path, local_policy="labs within 30 days"))


class _Spec:
    def __init__(self, number, first=False):
        self.catalog_number, self.raw = number, {"first_within_severity": first} if first else {}


@pytest.mark.parametrize("cards, expected", [
    # (catalog number, indicator, first within severity) in, catalog numbers out
    ([(3, "info", False), (1, "warning", False), (2, "critical", False)], [2, 1, 3]),
    ([(14, "warning", False), (2, "warning", False), (20, "warning", True)], [20, 2, 14]),
    ([(20, "info", True), (1, "warning", False), (5, "info", False)], [1, 20, 5]),
])
def test_cards_are_ordered_most_severe_first_then_by_catalog_number(cards, expected):
    ranked = sorted(cards, key=lambda c: card_rank(_Spec(c[0], c[2]), {"indicator": c[1]}))
    assert [number for number, _, _ in ranked] == expected


def test_rule_20_is_the_rule_marked_first_within_its_severity():
    marked = [p.stem for p in (ROOT / "cards").glob("*.yaml")
              if yaml.safe_load(p.read_text(encoding="utf-8")).get("first_within_severity")]
    assert marked == ["nec-not-net-therapy"]
