"""Lint of the rule files themselves: ids, modules, cases, summaries, value sets, suggestion codes, discovery.

Card files are content reviewers edit by hand; these checks keep them consistent with the code, the value
sets, the fixtures and hooks.json, and make a broken card file stop start-up with a message that says what
to fix.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from pnet_cds import create_app
from pnet_cds.cards import CardFileError
from pnet_cds.fixtures import load_fixture
from pnet_cds.rules import module_name
from pnet_cds.terminology import CPT, HCPCS, LOINC, RXNORM, SNOMED, load_terminology, normalise_coding

from .conftest import FIXTURES, ROOT, Harness, make_app

CARDS = ROOT / "cards"
CARD_FILES = sorted(CARDS.glob("*.yaml"))
RULES_DIR = ROOT / "service" / "rules"
NOT_RULES = {"__init__", "common", "predicates"}  # and helper modules whose names start with "_"
SUGGESTION_SYSTEMS = {RXNORM, LOINC, SNOMED, CPT, HCPCS}
_HARNESS = Harness(make_app())
_STATE = _HARNESS.app.extensions["pnet_cds"]
TERMINOLOGY = load_terminology(CARDS / "valuesets")


def _raw(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _case_names(data: dict, kind: str) -> list[str]:
    return [c if isinstance(c, str) else c["fixture"] for c in data["cases"].get(kind, [])]


def test_ids_and_catalog_numbers_are_unique_and_match_file_names():
    data = [_raw(path) for path in CARD_FILES]
    ids = [d["id"] for d in data]
    assert len(ids) == len(set(ids))
    assert ids == [path.stem for path in CARD_FILES]
    numbers = [d["catalog_number"] for d in data if "catalog_number" in d]
    assert len(numbers) == len(set(numbers)), f"catalog numbers repeat: {sorted(numbers)}"


def test_every_rule_has_a_module_and_every_module_a_rule():
    modules = {p.stem for p in RULES_DIR.glob("*.py") if p.stem not in NOT_RULES and not p.stem.startswith("_")}
    procedural = {module_name(path.stem) for path in CARD_FILES if not _raw(path).get("when")}
    declarative = {module_name(path.stem) for path in CARD_FILES if _raw(path).get("when")}
    assert procedural - modules == set(), "card files without when: and without service/rules/<rule_id>.py"
    assert modules & declarative == set(), "rules with when: must have no Python module (issue 13)"
    assert modules - procedural == set(), "rule modules without cards/<rule-id>.yaml (name helpers _like_this)"


@pytest.mark.parametrize("path", CARD_FILES, ids=[p.stem for p in CARD_FILES])
def test_cases_exist_and_cover_firing_and_silence(path):
    data = _raw(path)
    assert _case_names(data, "fires") and _case_names(data, "silent")
    for kind in ("fires", "silent", "todo"):
        for name in _case_names(data, kind):
            assert (FIXTURES / f"{name}.json").is_file(), f"{path.name}: {kind} case {name} has no fixture"
            assert name.startswith(f"{data['id']}--"), f"{path.name}: fixture {name} must start with the rule id"


@pytest.mark.parametrize("path", CARD_FILES, ids=[p.stem for p in CARD_FILES])
def test_every_value_set_named_exists(path):
    missing = [v for v in _raw(path).get("uses", {}).values() if v not in TERMINOLOGY.value_sets]
    assert missing == [], f"{path.name}: add cards/valuesets/<id>.yaml for {missing}"


def _firing_runs():
    for rule in _STATE.rules:
        for case in rule.spec.cases["fires"]:
            case = {"fixture": case} if isinstance(case, str) else case
            has_drafts = bool(load_fixture(FIXTURES, case["fixture"]).drafts)
            for hook in case.get("hooks") or rule.spec.hooks:
                if has_drafts or hook == "patient-view":
                    yield pytest.param(rule.spec.id, case["fixture"], hook, id=f"{case['fixture']}@{hook}")


@pytest.mark.parametrize("rule_id, fixture, hook", list(_firing_runs()))
def test_rendered_summary_is_short_and_card_names_its_file(rule_id, fixture, hook):
    cards = _HARNESS.cards_of(fixture, hook, rule_id)
    assert cards, f"{rule_id} did not fire on {fixture} ({hook})"
    for card in cards:
        assert len(card["summary"]) < 140 and not card["summary"].endswith("…"), \
            f"{rule_id}: summary over 139 characters before truncation: {card['summary']!r}"
        assert (CARDS / f"{card['source']['topic']['code']}.yaml").is_file()


def _suggestion_codings(node):
    if isinstance(node, dict):
        if isinstance(node.get("system"), str) and isinstance(node.get("code"), str):
            yield node["system"], node["code"]
        for value in node.values():
            yield from _suggestion_codings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _suggestion_codings(item)


@pytest.mark.parametrize("path", CARD_FILES, ids=[p.stem for p in CARD_FILES])
def test_every_code_in_a_suggestion_resource_is_in_a_value_set(path):
    """'Every code used exists in a value set': the codes a card puts into an EHR order come from a value set."""
    known = {key for value_set in TERMINOLOGY.value_sets.values() for key in value_set.entries}
    resources = [action.get("resource") for variant in _raw(path)["variants"].values()
                 for suggestion in variant.get("suggestions", []) for action in suggestion["actions"]]
    used = [normalise_coding(system, code) for resource in resources
            for system, code in _suggestion_codings(resource) if system in SUGGESTION_SYSTEMS]
    unknown = [code for code in used if code not in known]
    assert unknown == [], f"{path.name}: codes in suggestions but in no cards/valuesets file: {unknown}"


# --- a bad card file stops start-up --------------------------------------------------------------------

def _copy_content(tmp_path: Path) -> Path:
    target = tmp_path / "cards"
    shutil.copytree(CARDS, target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return target


BROKEN = {
    "not-yaml": ("hooks: [order-sign\n", "not valid YAML"),
    "missing-cases": (None, "'cases' is a required property"),
    "bad-indicator": ("indicator: warning", "'severe' is not one of"),
    "wrong-id": ("id: ssa-in-insulinoma", "must equal the file name"),
    "bad-template": ("summary: \"Somatostatin analog in insulinoma may worsen hypoglycemia\"", "does not compile"),
}


@pytest.mark.parametrize("problem", sorted(BROKEN))
def test_a_bad_card_file_stops_create_app_naming_file_and_problem(tmp_path, problem):
    cards = _copy_content(tmp_path)
    path = cards / "ssa-in-insulinoma.yaml"
    text = path.read_text(encoding="utf-8")
    replacement, message = BROKEN[problem]
    if problem == "not-yaml":
        text = replacement
    elif problem == "missing-cases":
        text = text[: text.index("\ncases:")] + "\n"
    elif problem == "bad-indicator":
        text = text.replace(replacement, "indicator: severe", 1)
    elif problem == "wrong-id":
        text = text.replace(replacement, "id: ssa-in-insulinoma-typo", 1)
    else:
        text = text.replace(replacement, 'summary: "{% if %}"', 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CardFileError) as caught:
        create_app({"TESTING": True, "CARDS_DIR": str(cards)})
    assert "ssa-in-insulinoma.yaml" in str(caught.value) and message in str(caught.value)


@pytest.mark.parametrize("edit, message", [
    (("uses:\n", "value_sets: [pnet]\nuses:\n"), "Additional properties are not allowed ('value_sets'"),
    (("uses:\n", "uses:\n  Bad_Role: pnet\n"), "does not match"),
    (("uses:\n", "uses:\n  extra: [pnet]\n"), "is not of type 'string'"),
], ids=["old-value_sets-key", "bad-role-name", "role-not-a-string"])
def test_a_malformed_uses_section_stops_create_app(tmp_path, edit, message):
    cards = _copy_content(tmp_path)
    path = cards / "ssa-in-insulinoma.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(*edit, 1), encoding="utf-8")
    with pytest.raises(CardFileError) as caught:
        create_app({"TESTING": True, "CARDS_DIR": str(cards)})
    assert "ssa-in-insulinoma.yaml" in str(caught.value) and message in str(caught.value)


def test_a_card_file_naming_an_unknown_value_set_stops_create_app(tmp_path):
    cards = _copy_content(tmp_path)
    path = cards / "ssa-in-insulinoma.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("uses:\n", "uses:\n  extra: no-such-set\n", 1),
                    encoding="utf-8")
    with pytest.raises(KeyError, match="cards/valuesets/no-such-set.yaml"):
        create_app({"TESTING": True, "CARDS_DIR": str(cards)})


# --- discovery asks for what the rules read ---------------------------------------------------------

DISCOVERY = json.loads((ROOT / "hooks.json").read_text(encoding="utf-8"))["services"]
_LOINC_TOKEN = re.compile(r"http://loinc\.org\|([0-9]+-[0-9])")


def _rules_on(hook: str):
    return [rule.spec for rule in _STATE.rules if hook in rule.spec.hooks]


@pytest.mark.parametrize("service", DISCOVERY, ids=[s["id"] for s in DISCOVERY])
def test_prefetch_keys_are_the_union_of_needs_and_reads(service):
    wanted = {key for spec in _rules_on(service["hook"]) for key in spec.needs + spec.reads}
    assert set(service["prefetch"]) == wanted, \
        f"{service['id']}: missing {sorted(wanted - set(service['prefetch']))}, unused {sorted(set(service['prefetch']) - wanted)}"


@pytest.mark.parametrize("service", DISCOVERY, ids=[s["id"] for s in DISCOVERY])
def test_observations_template_asks_for_every_lab_code_the_rules_use(service):
    asked = _LOINC_TOKEN.findall(service["prefetch"].get("observations", ""))
    used = {code for spec in _rules_on(service["hook"]) for name in spec.uses.values()
            for system, code in TERMINOLOGY[name].entries if system == LOINC}
    if "observations" not in service["prefetch"]:
        assert not used or not any("observations" in s.needs + s.reads for s in _rules_on(service["hook"]))
        return
    assert sorted(used - set(asked)) == [], f"{service['id']}: add these LOINC codes to the observations template"
    in_value_sets = {code for v in TERMINOLOGY.value_sets.values() for system, code in v.entries if system == LOINC}
    assert sorted(set(asked) - in_value_sets) == [], f"{service['id']}: template asks for codes in no value set"
    assert len(asked) == len(set(asked)), f"{service['id']}: a code is asked twice"
