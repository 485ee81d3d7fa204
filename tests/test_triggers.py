"""Issue 13 item 3: a declarative rule's `trigger:` is generated from its `when:` (tests/test_rules_as_data.py);
a procedural rule's is written by hand, and this checks that it stays consistent with its card file: it names
every value set its card declares under `uses:` (by id, in backticks) and every window parameter (by name, in
backticks), so a role or window added to the card without a word in the trigger fails here. The scope roles
(common.SCOPE_ROLES: `pnet` and the five functional tumours, read by has_pnet) count as named when the trigger
names the scope, `pnet`."""

from __future__ import annotations

from pathlib import Path

import pytest

from pnet_cds.cards import load_cards
from pnet_cds.rules.common import SCOPE_ROLES
from pnet_cds.when import SCOPE_ROLES as SCOPE_ROLES_IN_WHEN

ROOT = Path(__file__).resolve().parents[1]
SPECS = load_cards(ROOT / "cards")
PROCEDURAL = sorted(rule_id for rule_id, spec in SPECS.items() if not spec.when)

def _unnamed(spec) -> list[str]:
    scope = {spec.uses[role] for role in SCOPE_ROLES if role in spec.uses} if "`pnet`" in spec.trigger else set()
    value_sets = [f"value set {value_set}" for value_set in spec.value_sets
                  if f"`{value_set}`" not in spec.trigger and value_set not in scope]
    windows = [f"window {name}" for name in spec.parameters if "window" in name and f"`{name}`" not in spec.trigger]
    return value_sets + windows


@pytest.mark.parametrize("rule_id", PROCEDURAL)
def test_a_procedural_rules_trigger_names_its_value_sets_and_windows(rule_id):
    assert SPECS[rule_id].trigger, f"{rule_id}: a procedural rule needs a hand-written trigger:"
    assert _unnamed(SPECS[rule_id]) == [], f"{rule_id}: trigger: does not name {_unnamed(SPECS[rule_id])} (in backticks)"


def test_the_check_catches_a_role_added_without_a_word_in_the_trigger(tmp_path):
    from pnet_cds.cards import load_card_file

    source = (ROOT / "cards" / "streptozocin-renal-function.yaml").read_text(encoding="utf-8")
    path = tmp_path / "streptozocin-renal-function.yaml"
    path.write_text(source.replace("uses:\n", "uses:\n  potassium: potassium\n", 1)
                    .replace("(`renal_window_days`)", "", 1), encoding="utf-8")
    assert _unnamed(load_card_file(path)) == ["value set potassium", "window renal_window_days"]


def test_the_scope_roles_are_one_list():
    assert SCOPE_ROLES is SCOPE_ROLES_IN_WHEN  # one definition (when.py), read by has_pnet and in_scope
