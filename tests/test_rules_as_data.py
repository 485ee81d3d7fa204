"""Issue 13 "Rules as data", step 1: rules read value sets only through the roles their card file declares
under `uses:`, and the prefetch templates of hooks.json are generated from those declarations."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from pnet_cds import discovery
from pnet_cds.cards import load_cards
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


# --- per: draft | patient, checked against what the rules do on every fixture -------------------------

def _findings_on_every_fixture() -> dict[str, list[tuple[str, str, list, set]]]:
    """{rule id: [(fixture, hook, findings, draft refs of the request)]} for every call where the rule found
    something, over every fixture and the hooks it is played on (as the golden cards are)."""
    from pnet_cds.engine import Rule

    from . import golden
    from .conftest import SERVICE_FOR_HOOK, Harness, make_app

    harness = Harness(make_app())
    state = harness.app.extensions["pnet_cds"]
    seen: dict[str, list[tuple[str, str, list, set]]] = {rule.spec.id: [] for rule in state.rules}
    current: dict[str, str] = {}

    def watched(rule: Rule) -> Rule:
        def evaluate(ctx):
            findings = rule.evaluate(ctx)
            if findings:
                drafts = {f"{d.get('resourceType')}/{d.get('id')}" for d in ctx.request.draft_orders}
                seen[rule.spec.id].append((current["fixture"], ctx.request.hook, findings, drafts))
            return findings
        return Rule(rule.spec, evaluate, rule.mode)

    site_rules = state.site.rules_for
    state.site.rules_for = lambda claims: [watched(rule) for rule in site_rules(claims)]
    for name in golden.fixture_names():
        current["fixture"] = name
        for hook in golden.fixture_hooks(harness, name):
            harness.post(SERVICE_FOR_HOOK[hook], harness.request(name, hook, hook_instance="per-check"))
    return seen


@pytest.fixture(scope="module")
def findings_by_rule():
    return _findings_on_every_fixture()


SPECS = load_cards(ROOT / "cards")


@pytest.mark.parametrize("rule_id", sorted(SPECS))
def test_per_in_the_card_file_matches_what_the_rule_does(rule_id, findings_by_rule):
    calls = findings_by_rule[rule_id]
    assert calls, f"{rule_id}: no fixture makes it fire, so its per: cannot be checked"
    for fixture, hook, findings, drafts in calls:
        refs = [finding.facts.get("draft_ref") for finding in findings]
        where = f"{rule_id} on {fixture} ({hook})"
        if SPECS[rule_id].per == "draft":
            assert all(ref in drafts for ref in refs), f"{where}: per: draft, but a finding names no draft: {refs}"
            assert len(refs) == len(set(refs)), f"{where}: per: draft, but two findings for one draft"
        else:
            assert len(findings) == 1, f"{where}: per: patient, but {len(findings)} findings in one call"
            assert refs == [None], f"{where}: per: patient, but its finding names a draft {refs}"


def test_a_card_file_without_per_or_with_an_unknown_per_stops_start_up(tmp_path):
    from pnet_cds.cards import CardFileError, load_card_file

    source = (ROOT / "cards" / "gastrinoma-ppi-first.yaml").read_text(encoding="utf-8")
    for text, message in ((source.replace("per: draft", "per: session", 1), "'session' is not one of"),
                          (source.replace("per: draft", "", 1), "'per' is a required property")):
        path = tmp_path / "gastrinoma-ppi-first.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(CardFileError, match=message):
            load_card_file(path)


# --- when: declarative rules (no Python module), their trigger generated --------------------------------

DECLARATIVE = sorted(rule_id for rule_id, spec in SPECS.items() if spec.when)


def test_at_least_the_first_declarative_rules_have_no_python_module():
    assert {"sunitinib-in-insulinoma", "ssa-in-insulinoma", "checkpoint-inhibitor-in-wd-net",
            "vipoma-ssa-not-started", "gastrinoma-ppi-first", "octreotide-lar-without-sc-trial",
            "pasireotide-with-everolimus", "sunitinib-baseline-monitoring", "nec-not-net-therapy",
            "ssa-on-therapy-switch", "post-prrt-cbc-surveillance"} <= set(DECLARATIVE)
    for rule_id in DECLARATIVE:
        assert not (RULES / f"{rule_id.replace('-', '_')}.py").exists()


@pytest.mark.parametrize("rule_id", DECLARATIVE)
def test_a_declarative_rules_trigger_is_generated_from_its_when(rule_id):
    from pnet_cds.when import describe, roles_in

    spec = SPECS[rule_id]
    assert "trigger" not in spec.raw
    assert spec.trigger == describe(spec.when, spec.uses)
    for role in roles_in(spec.when):
        assert f"`{spec.uses[role]}`" in spec.trigger


WHEN_EDITS = {
    "typo-predicate": (("- in_scope: {}", "- in_scoep: {}"), "Additional properties are not allowed"),
    "typo-argument": (("{role: sunitinib}", "{rol: sunitinib}"), "'role' is a required property"),
    "undeclared-role": (("{role: sunitinib}", "{role: imatinib}"), "roles not declared under uses: ['imatinib']"),
    "trigger-restated": (("per: draft", "per: draft\ntrigger: sunitinib in insulinoma"), "has its trigger generated"),
    "drafted-not-first": (("  - drafted: {role: sunitinib}\n  - in_scope: {}\n", "  - in_scope: {}\n  - drafted: {role: sunitinib}\n"),
                          "`drafted` may appear once, as the first predicate"),
    "per-patient": (("per: draft", "per: patient"), "starts with drafted, so set per: draft"),
    "two-drafted": (("  - in_scope: {}\n", "  - drafted: {role: everolimus}\n"), "`drafted` may appear once"),
    "window-not-a-parameter": (("  - in_scope: {}\n", "  - not: {on_drug: {role: everolimus, window: ppi_days}}\n"),
                               "not parameters: ['ppi_days']"),
}


@pytest.mark.parametrize("case", sorted(WHEN_EDITS))
def test_a_broken_when_stops_start_up_naming_the_problem(tmp_path, case):
    from pnet_cds.cards import CardFileError, load_card_file

    (old, new), message = WHEN_EDITS[case]
    source = (ROOT / "cards" / "sunitinib-in-insulinoma.yaml").read_text(encoding="utf-8")
    assert old in source
    path = tmp_path / "sunitinib-in-insulinoma.yaml"
    path.write_text(source.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CardFileError) as caught:
        load_card_file(path)
    assert message in str(caught.value)


def test_a_rule_with_both_when_and_a_python_module_is_refused():
    from pnet_cds.rules import load_rule

    with pytest.raises(AttributeError, match="both when: and"):
        load_rule("prrt-course-schedule", [{"drafted": {"role": "lutetium-lu177-dotatate"}}])


def test_a_per_patient_rule_must_not_start_with_drafted(tmp_path):
    from pnet_cds.cards import CardFileError, load_card_file

    source = (ROOT / "cards" / "vipoma-ssa-not-started.yaml").read_text(encoding="utf-8")
    path = tmp_path / "vipoma-ssa-not-started.yaml"
    path.write_text(source.replace("per: patient", "per: draft", 1), encoding="utf-8")
    with pytest.raises(CardFileError, match="does not start with drafted, so set per: patient"):
        load_card_file(path)
