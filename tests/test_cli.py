"""The terminal harness prints cards readably and can emit the request for curl."""

from __future__ import annotations

import json

from pnet_cds.cli import main


def test_fire_prints_the_card_with_rule_source_and_suggestions(capsys):
    assert main(["fire", "order-sign", "ssa-in-insulinoma--octreotide-sc-malignant-insulinoma"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("[WARNING] Somatostatin analog in insulinoma may worsen hypoglycemia")
    assert "rule: ssa-in-insulinoma" in out
    assert "→ suggestion: Replace 1 ML octreotide 0.1 MG/ML Injection with diazoxide" in out
    assert "(disorder)" in out and "\\(" not in out


def test_fire_with_an_added_order_selects_it(capsys):
    assert main(["fire", "order-select", "post-prrt-cbc-surveillance--no-prrt", "--order", "lutathera"]) == 0
    assert "[WARNING] Lu-177 dotatate ordered: no somatostatin-receptor imaging on record" in capsys.readouterr().out


def test_request_only_prints_a_valid_hook_request(capsys):
    assert main(["fire", "patient-view", "vipoma-fluids-electrolytes--low-potassium-flagged", "--request-only"]) == 0
    request = json.loads(capsys.readouterr().out)
    assert request["hook"] == "patient-view"
    assert request["context"]["patientId"] == "vip-low-k"
    assert request["prefetch"]["conditions"]["entry"][0]["resource"]["resourceType"] == "Condition"


def test_no_cards_says_so(capsys):
    assert main(["fire", "patient-view", "post-prrt-cbc-surveillance--no-prrt"]) == 0
    assert capsys.readouterr().out.startswith("No cards")


def test_fixtures_and_orders_list(capsys):
    assert main(["fixtures"]) == 0
    assert "ssa-in-insulinoma--resolved-insulinoma" in capsys.readouterr().out
    assert main(["orders"]) == 0
    assert "lutathera" in capsys.readouterr().out
