"""Issue 13: a value set is named in a card file only under `uses:`. Parameters that name value sets name
roles (`<name>_roles` lists, `<name>_by_role` maps), checked at load; the scope of the service (has_pnet) is
read through roles every rule that judges scope declares."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pnet_cds.cards import CardFileError, load_card_file, load_cards, parameter_roles
from pnet_cds.rules.common import SCOPE_ROLES, RuleContext, UndeclaredRole, has_pnet
from pnet_cds.terminology import load_terminology

ROOT = Path(__file__).resolve().parents[1]
CARDS = ROOT / "cards"
SPECS = load_cards(CARDS)
VALUE_SET_IDS = {path.stem for path in (CARDS / "valuesets").glob("*.yaml")}


def _names_in(value) -> set[str]:
    """The strings a parameter could name value sets with: a string, the strings of a list, a map's keys
    (records inside a list, such as standard-dose-check's regimens naming an RxNorm ingredient, are not)."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return {str(key) for key in value}
    if isinstance(value, list):
        return {item for item in value if isinstance(item, str)}
    return set()


@pytest.mark.parametrize("rule_id", sorted(SPECS))
def test_no_parameter_hides_a_value_set_or_role_outside_the_role_parameters(rule_id):
    spec = SPECS[rule_id]
    for name, value in spec.parameters.items():
        if name.endswith(("_roles", "_by_role")):
            continue
        hidden = _names_in(value) & (VALUE_SET_IDS | set(spec.uses))
        assert not hidden, f"{rule_id}: parameter {name} names {sorted(hidden)}: name it `{name}_roles` or " \
                           f"`{name}_by_role` so the loader checks the roles against uses:"


def test_the_role_parameters_of_the_lab_rules_are_declared_roles():
    baseline = SPECS["prrt-baseline-labs"]
    assert parameter_roles(baseline.parameters) == {"hemoglobin", "leukocytes", "platelets", "neutrophils",
                                                    "creatinine", "egfr", "cbc-panel", "basic-metabolic-panel"}
    assert parameter_roles(SPECS["prrt-post-dose-ssa-plan"].parameters) == {"vipoma", "glucagonoma", "gastrinoma",
                                                                            "somatostatinoma"}
    assert parameter_roles(SPECS["post-prrt-cytopenia-referral"].parameters) == {"hemoglobin", "leukocytes",
                                                                                 "neutrophils", "platelets"}


@pytest.mark.parametrize("card, old, new, message", [
    ("prrt-baseline-labs", "cbc_roles: [hemoglobin,", "cbc_roles: [hemoglobn,", "['hemoglobn']"),
    ("prrt-baseline-labs", "adverse_by_role: {hemoglobin: low,", "adverse_by_role: {ferritin: low,",
     "['ferritin']"),
    ("prrt-post-dose-ssa-plan", "functional_roles: [vipoma,", "functional_roles: [carcinoid,", "['carcinoid']"),
])
def test_a_parameter_naming_an_undeclared_role_stops_start_up(tmp_path, card, old, new, message):
    source = (CARDS / f"{card}.yaml").read_text(encoding="utf-8")
    assert old in source
    path = tmp_path / f"{card}.yaml"
    path.write_text(source.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CardFileError, match=r"parameters name roles not declared under uses: .*" + message[1:-1]):
        load_card_file(path)


def test_a_role_parameter_of_the_wrong_shape_stops_start_up(tmp_path):
    source = (CARDS / "prrt-post-dose-ssa-plan.yaml").read_text(encoding="utf-8")
    path = tmp_path / "prrt-post-dose-ssa-plan.yaml"
    path.write_text(source.replace("functional_roles: [vipoma, glucagonoma, gastrinoma, somatostatinoma]",
                                   "functional_roles: vipoma", 1), encoding="utf-8")
    with pytest.raises(CardFileError, match="parameters/functional_roles"):
        load_card_file(path)


# --- the scope of the service is read through declared roles ---------------------------------------------

@pytest.mark.parametrize("rule_id", sorted(r for r, s in SPECS.items() if "pnet" in s.uses))
def test_every_rule_that_reads_pnet_declares_every_scope_role(rule_id):
    missing = [role for role in SCOPE_ROLES if role not in SPECS[rule_id].uses]
    assert not missing, f"{rule_id}: has_pnet reads {missing}: declare them under uses:"


def test_in_scope_predicates_have_their_roles_declared():
    for rule_id, spec in SPECS.items():
        if any("in_scope" in predicate for predicate in spec.when):
            assert set(SCOPE_ROLES) <= set(spec.uses), rule_id


def test_has_pnet_refuses_a_card_that_does_not_declare_the_scope_roles():
    terminology = load_terminology(CARDS / "valuesets")
    ctx = RuleContext(record=None, request=None, terminology=terminology, now=None,  # type: ignore[arg-type]
                      params={}, uses={"pnet": "pnet"}, rule_id="some-rule")
    with pytest.raises(UndeclaredRole, match="some-rule.*'insulinoma'"):
        has_pnet(ctx)


def test_the_schema_describes_the_role_parameters():
    schema = yaml.safe_load((ROOT / "service" / "schemas" / "card-file.schema.json").read_text(encoding="utf-8"))
    patterns = schema["properties"]["parameters"]["patternProperties"]
    assert set(patterns) == {"_roles$", "_by_role$"}
