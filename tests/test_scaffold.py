"""`pnet-cds new-rule` (service/scaffold.py, issue 13 "a rule in one place"): in a throw-away copy of the
repository it writes a declarative rule that the real service fires on its firing fixture and not on its near
miss, leaves every existing golden file as it was, and refuses what it must refuse."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import yaml

from pnet_cds import cli, discovery, scaffold
from pnet_cds.cards import load_cards
from pnet_cds.fixtures import build_hook_request, load_fixture

from . import golden
from .conftest import ROOT, SERVICE_FOR_HOOK, make_app

RULE = "throwaway-ici-with-gastrinoma-selftest"  # a throw-away rule: never in the real repository, nor the
# README's example id (an author following the README in a checkout must not break these tests)
OPTIONS = ["--drug", "ici=checkpoint-inhibitors", "--condition", "gastrinoma=gastrinoma"]
FIRING = f"{RULE}--ici-with-gastrinoma"
NEAR_MISS = f"{RULE}--gastrinoma-resolved"
COPIED = ["cards", "tests", "fhir_fixtures", "service/rules", "docs/rules.md", "hooks.json", "pyproject.toml"]


def copy_checkout(target: Path) -> Path:
    """The parts of the repository new-rule reads and writes (the code itself runs from the install)."""
    for name in COPIED:
        source = ROOT / name
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)
    return target


def digests(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.glob("*.json"))}


def new_rule(checkout: Path, monkeypatch, rule_id: str, *options: str) -> int:
    monkeypatch.chdir(checkout)
    return cli.main(["new-rule", *options, "--", rule_id])


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory):
    """A copy of the checkout after `pnet-cds new-rule RULE --drug ... --condition ...`, with the digests of
    the fixtures and golden files from before."""
    checkout = copy_checkout(tmp_path_factory.mktemp("checkout"))
    before = {"fixtures": digests(checkout / "fhir_fixtures"), "expected": digests(checkout / "fhir_fixtures" / "expected")}
    with pytest.MonkeyPatch.context() as monkeypatch:
        code = new_rule(checkout, monkeypatch, RULE, *OPTIONS, "--title", "Pembrolizumab with a gastrinoma")
    return checkout, before, code


def fire(app, checkout: Path, fixture: str, hook: str) -> list[dict]:
    """The cards of the real HTTP app for the fixture's hook request, as an EHR would call it."""
    service = app.extensions["pnet_cds"].services[SERVICE_FOR_HOOK[hook]]
    request = build_hook_request(load_fixture(checkout / "fhir_fixtures", fixture), service)
    response = app.test_client().post(f"/cds-services/{SERVICE_FOR_HOOK[hook]}", json=request)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["cards"]


def test_the_scaffolded_rule_fires_on_its_firing_fixture_and_not_on_its_near_miss(scaffolded):
    checkout, _, code = scaffolded
    assert code == 0
    spec = load_cards(checkout / "cards")[RULE]
    assert spec.uses == {"ici": "checkpoint-inhibitors", "gastrinoma": "gastrinoma",
                         **{role: role for role in scaffold.SCOPE_ROLES}}
    assert [next(iter(p)) for p in spec.when] == ["drafted", "in_scope", "condition"] and spec.per == "draft"
    assert spec.cases == {"fires": [FIRING], "silent": [{"fixture": NEAR_MISS, "why": spec.cases["silent"][0]["why"]}]}
    assert spec.catalog_number == max(s.catalog_number or 0 for s in load_cards(ROOT / "cards").values()) + 1
    app = make_app(CARDS_DIR=str(checkout / "cards"), HOOKS_FILE=str(checkout / "hooks.json"),
                   FIXTURES_DIR=str(checkout / "fhir_fixtures"))
    for hook in ("order-select", "order-sign"):
        mine = [c for c in fire(app, checkout, FIRING, hook) if c["source"]["topic"]["code"] == RULE]
        assert len(mine) == 1, f"{RULE} did not fire once on {FIRING} ({hook})"
        assert mine[0]["source"]["topic"]["system"] == "urn:pnet-cds:rule-catalog"
        assert "pembrolizumab" in mine[0]["summary"] and "gastrinoma" in mine[0]["summary"]
        found = mine[0]["detail"].split("\n\n")[0]  # the condition's name and date, worded (never a Python repr)
        assert found.startswith("**Found:**") and "Gastrinoma" in found and "(since 20" in found and "{" not in found
        assert all(c["source"]["topic"]["code"] != RULE for c in fire(app, checkout, NEAR_MISS, hook))
    assert fire(app, checkout, FIRING, "patient-view") == []  # a per-draft rule says nothing without a draft


def test_the_scaffold_writes_the_new_rule_s_files_and_touches_no_existing_fixture_or_golden_file(scaffolded):
    checkout, before, _ = scaffolded
    fixtures, expected = digests(checkout / "fhir_fixtures"), digests(checkout / "fhir_fixtures" / "expected")
    new = {f"{FIRING}.json", f"{NEAR_MISS}.json"}
    assert set(fixtures) - set(before["fixtures"]) == new and set(expected) - set(before["expected"]) == new
    assert {k: v for k, v in fixtures.items() if k not in new} == before["fixtures"]
    assert {k: v for k, v in expected.items() if k not in new} == before["expected"]
    module = checkout / "tests" / "fixtures_src" / f"{RULE.replace('-', '_')}.py"
    assert 'FIXTURES = {' in module.read_text(encoding="utf-8")
    golden_cards = json.loads((checkout / "fhir_fixtures" / "expected" / f"{FIRING}.json").read_text(encoding="utf-8"))
    assert set(golden_cards) == {"patient-view", "order-select", "order-sign"}
    assert RULE in [c["source"]["topic"]["code"] for c in golden_cards["order-sign"]["cards"]]


def test_the_generated_files_are_regenerated_with_the_new_rule(scaffolded):
    checkout, _, _ = scaffolded
    catalog = (checkout / "docs" / "rules.md").read_text(encoding="utf-8")
    assert f"`{RULE}` — Pembrolizumab with a gastrinoma" in catalog and f"`{FIRING}`" in catalog
    hooks = (checkout / "hooks.json").read_text(encoding="utf-8")
    assert hooks == discovery.render(discovery.generated_discovery(json.loads(hooks), checkout / "cards"))


def test_the_source_is_left_as_placeholders_that_validate_and_are_named(scaffolded, capsys):
    checkout, _, _ = scaffolded
    source = yaml.safe_load((checkout / "cards" / f"{RULE}.yaml").read_text(encoding="utf-8"))["source"]
    assert source["label"].startswith(scaffold.PLACEHOLDER) and source["reference"].startswith(scaffold.PLACEHOLDER)


def test_a_second_run_for_the_same_id_is_refused_and_changes_nothing(scaffolded, monkeypatch, capsys):
    checkout, _, _ = scaffolded
    card = checkout / "cards" / f"{RULE}.yaml"
    text = card.read_text(encoding="utf-8")
    assert new_rule(checkout, monkeypatch, RULE, *OPTIONS) == 2
    assert "is taken" in capsys.readouterr().err
    assert card.read_text(encoding="utf-8") == text


def test_the_report_asks_for_the_placeholders_and_prints_the_next_commands(tmp_path, monkeypatch):
    checkout = copy_checkout(tmp_path)
    plan = scaffold.plan_rule(checkout, RULE, "ici=checkpoint-inhibitors", "gastrinoma=gastrinoma")
    plan.card_path.write_text(scaffold.card_text(plan), encoding="utf-8")
    text = scaffold.report(plan, scaffold.Outcome(created=[plan.card_path], regenerated=["docs/rules.md"], problems=[]))
    assert "label: \"PLACEHOLDER" in text and "reference: \"PLACEHOLDER" in text
    assert f"-m tests.golden --write {FIRING} {NEAR_MISS}" in text and "catalog" in text
    assert "pnet_cds.discovery --write" in text and "RULES.md" in text


# --- refusals ------------------------------------------------------------------------------------------------

@pytest.fixture
def checkout(tmp_path):
    return copy_checkout(tmp_path)


@pytest.mark.parametrize("rule_id", ["ssa-in-insulinoma", "vipoma-fluids-electrolytes", "draft-not-checked"])
def test_an_existing_id_is_refused(checkout, monkeypatch, capsys, rule_id):
    assert new_rule(checkout, monkeypatch, rule_id) == 2
    assert f"rule id {rule_id!r} is taken" in capsys.readouterr().err


@pytest.mark.parametrize("rule_id", ["Sunitinib-Thing", "sunitinib_thing", "-thing", "thing-", "a--b", "1-thing",
                                     "thing.yaml", "../thing", "x" * 61])
def test_an_id_that_is_not_kebab_case_is_refused(checkout, monkeypatch, capsys, rule_id):
    cards = sorted(p.name for p in (checkout / "cards").iterdir())
    assert new_rule(checkout, monkeypatch, rule_id) == 2
    assert "must be kebab-case" in capsys.readouterr().err
    assert sorted(p.name for p in (checkout / "cards").iterdir()) == cards


def test_an_id_whose_files_exist_is_refused_and_the_files_are_left_alone(checkout, monkeypatch, capsys):
    stray = checkout / "tests" / "fixtures_src" / "new_thing.py"
    stray.write_text("# someone's work\n", encoding="utf-8")
    assert new_rule(checkout, monkeypatch, "new-thing") == 2
    assert "tests/fixtures_src/new_thing.py exists" in capsys.readouterr().err
    assert stray.read_text(encoding="utf-8") == "# someone's work\n"
    assert not (checkout / "cards" / "new-thing.yaml").exists()


def test_a_planned_golden_file_that_exists_is_never_overwritten(checkout, monkeypatch, capsys):
    stray = checkout / "fhir_fixtures" / "expected" / "new-thing--gastrinoma-resolved.json"
    stray.write_text("{}\n", encoding="utf-8")
    assert new_rule(checkout, monkeypatch, "new-thing", "--drug", "ici=checkpoint-inhibitors",
                    "--condition", "gastrinoma=gastrinoma") == 2
    assert "refusing to overwrite fhir_fixtures/expected/new-thing--gastrinoma-resolved.json" in capsys.readouterr().err
    assert stray.read_text(encoding="utf-8") == "{}\n" and not (checkout / "cards" / "new-thing.yaml").exists()


@pytest.mark.parametrize("options, message", [
    (["--drug", "ici=no-such-set"], "no value set 'no-such-set'"),
    (["--drug", "ici=gastrinoma"], "is of kind 'condition', not 'drug'"),
    (["--condition", "Gastrinoma=gastrinoma"], "role 'Gastrinoma' must be"),
    (["--drug", "x=sunitinib", "--condition", "x=gastrinoma"], "both name role 'x'"),
    (["--catalog-number", "1"], "catalog number 1 is taken by ssa-in-insulinoma"),
    (["--condition", "insulinoma=insulinoma-malignant"], "role 'insulinoma' is one of the scope roles"),
])
def test_options_that_name_nothing_usable_are_refused(checkout, monkeypatch, capsys, options, message):
    assert new_rule(checkout, monkeypatch, "new-thing", *options) == 2
    assert message in capsys.readouterr().err
    assert not (checkout / "cards" / "new-thing.yaml").exists()


def test_outside_a_checkout_it_says_it_needs_one(tmp_path, monkeypatch, capsys):
    wheel = tmp_path / "venv" / "lib" / "site-packages" / "pnet_cds"
    wheel.mkdir(parents=True)
    monkeypatch.setattr(scaffold, "PACKAGE_DIR", wheel)
    with pytest.raises(scaffold.NotACheckout):
        scaffold.find_checkout(tmp_path, wheel)
    assert new_rule(tmp_path, monkeypatch, "new-thing") == 2
    assert "run it inside a git checkout" in capsys.readouterr().err


def test_a_failed_build_removes_what_it_created_and_restores_hooks_json(checkout):
    plan = scaffold.plan_rule(checkout, "new-thing", None, "vipoma=vipoma")
    hooks = (checkout / "hooks.json").read_text(encoding="utf-8")
    with pytest.raises(scaffold.ScaffoldError, match="tests.fixtures_src.build"):
        scaffold.create_rule(plan, python=shutil.which("false") or "/bin/false")
    assert not plan.card_path.exists() and not plan.module_path.exists()
    assert (checkout / "hooks.json").read_text(encoding="utf-8") == hooks


# --- what the scaffold writes, without building --------------------------------------------------------------

def _bundles(plan) -> list[dict]:
    """The two fixtures the scaffolded builder module makes (run from its text, without writing it)."""
    source = scaffold.module_text(plan).replace("from .", "from tests.fixtures_src.")
    namespace: dict = {}
    exec(compile(source, "module", "exec"), namespace)
    return [namespace["FIXTURES"][name]().bundle() for name in (plan.firing, plan.near_miss)]


def _condition_statuses(bundle: dict) -> list[str]:
    return [e["resource"]["clinicalStatus"]["coding"][0]["code"] for e in bundle["entry"]
            if e["resource"]["resourceType"] == "Condition"]


def test_a_condition_alone_makes_a_patient_view_rule_whose_card_loads(checkout):
    plan = scaffold.plan_rule(checkout, "new-thing", None, "vipoma=vipoma")
    scaffold._check_card(plan.rule_id, scaffold.card_text(plan))  # raises when the service would not load it
    card = yaml.safe_load(scaffold.card_text(plan))
    assert card["hooks"] == ["patient-view"] and card["per"] == "patient"
    assert card["when"] == [{"in_scope": {}}, {"condition": {"role": "vipoma", "fact": "vipoma"}}]
    assert card["variants"]["default"]["summary"] == "Active VIPoma on record: review the plan"
    fires, near_miss = _bundles(plan)
    assert [_condition_statuses(fires), _condition_statuses(near_miss)] == [["active", "active"], ["active", "resolved"]]


def test_a_drug_alone_makes_a_per_draft_rule_whose_near_miss_is_out_of_scope(checkout):
    plan = scaffold.plan_rule(checkout, "new-thing", "sunitinib", None)
    scaffold._check_card(plan.rule_id, scaffold.card_text(plan))
    card = yaml.safe_load(scaffold.card_text(plan))
    assert card["hooks"] == ["order-select", "order-sign"] and card["per"] == "draft"
    assert card["when"] == [{"drafted": {"role": "sunitinib"}}, {"in_scope": {}}]
    assert (plan.firing, plan.near_miss) == ("new-thing--sunitinib-in-pnet", "new-thing--pnet-resolved")
    fires, near_miss = _bundles(plan)
    assert [_condition_statuses(fires), _condition_statuses(near_miss)] == [["active"], ["resolved"]]
    drafts = [e["resource"] for e in fires["entry"] if e["resource"]["resourceType"] == "MedicationRequest"]
    assert [d["status"] for d in drafts] == ["draft"]
    assert drafts[0]["medicationCodeableConcept"]["coding"][0]["system"] == "http://www.nlm.nih.gov/research/umls/rxnorm"


# --- the repository --------------------------------------------------------------------------------------------

def test_no_committed_card_file_holds_a_scaffold_placeholder():
    """new-rule leaves the source and wording to fill in; this fails until they are."""
    offenders = [p.name for p in sorted((ROOT / "cards").rglob("*.yaml")) if scaffold.PLACEHOLDER in p.read_text(encoding="utf-8")]
    assert offenders == [], f"fill in the {scaffold.PLACEHOLDER} lines of {offenders}"


def test_golden_refuses_names_that_are_not_fixtures(capsys):
    assert golden.main(["--write", "no-such-fixture"]) == 1
    assert "no fixture no-such-fixture" in capsys.readouterr().err
