"""Issue 13 "Rules as data", step 1: rules read value sets only through the roles their card file declares
under `uses:`, and the prefetch templates of hooks.json are generated from those declarations."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from pnet_cds import discovery
from pnet_cds.rules.common import RuleContext, UndeclaredRole
from pnet_cds.terminology import load_terminology

ROOT = Path(__file__).resolve().parents[1]
TERMINOLOGY = load_terminology(ROOT / "cards" / "valuesets")
RULES = ROOT / "service" / "rules"


def _ctx(uses: dict[str, str]) -> RuleContext:
    return RuleContext(record=None, request=None, terminology=TERMINOLOGY, now=None,  # type: ignore[arg-type]
                       params={}, uses=uses, rule_id="some-rule")


def test_value_set_resolves_a_declared_role_to_its_value_set():
    assert _ctx({"ppi": "proton-pump-inhibitors"}).value_set("ppi") is TERMINOLOGY["proton-pump-inhibitors"]


def test_value_set_refuses_a_role_the_card_file_does_not_declare():
    with pytest.raises(UndeclaredRole, match="some-rule.*'proton-pump-inhibitors'.*uses:"):
        _ctx({"ppi": "proton-pump-inhibitors"}).value_set("proton-pump-inhibitors")


def test_value_set_refuses_a_value_set_id_that_is_not_a_role_even_when_it_exists():
    with pytest.raises(UndeclaredRole):
        _ctx({}).value_set("pnet")


def test_hooks_json_prefetch_is_what_the_card_files_generate():
    """Fails when a card file's `uses:`/`needs:`/`reads:` and hooks.json drift apart.
    Fix: `python -m pnet_cds.discovery --write`."""
    current = json.loads((ROOT / "hooks.json").read_text(encoding="utf-8"))
    generated = discovery.generated_discovery(current, ROOT / "cards")
    for have, want in zip(current["services"], generated["services"], strict=True):
        assert have["prefetch"] == want["prefetch"], \
            f"{have['id']}: hooks.json prefetch drifted from the card files; run python -m pnet_cds.discovery --write"
    assert (ROOT / "hooks.json").read_text(encoding="utf-8") == discovery.render(generated)


def test_a_new_lab_value_set_in_uses_changes_the_generated_observations_template(tmp_path):
    import shutil
    cards = tmp_path / "cards"
    shutil.copytree(ROOT / "cards", cards)
    path = cards / "gastrinoma-ppi-first.yaml"
    text = path.read_text(encoding="utf-8").replace("uses:\n", "uses:\n  tsh: tsh\n", 1)
    path.write_text(text.replace("reads: [", "reads: [observations, ", 1), encoding="utf-8")
    current = json.loads((ROOT / "hooks.json").read_text(encoding="utf-8"))
    generated = discovery.generated_discovery(current, cards)
    tsh_codes = [code for system, code in TERMINOLOGY["tsh"].entries if system == "http://loinc.org"]
    assert tsh_codes
    for service in generated["services"]:
        if service["hook"] == "order-select":
            assert all(f"http://loinc.org|{code}" in service["prefetch"]["observations"] for code in tsh_codes)


def test_no_rule_module_reads_the_terminology_by_value_set_id():
    """Rule modules go through ctx.value_set(role); only the service scope (has_pnet) reads by id."""
    offenders = []
    for path in sorted(RULES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) \
                    and node.value.attr == "terminology" and path.name != "common.py":
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
