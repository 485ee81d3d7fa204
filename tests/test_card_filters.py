"""Wording stays in the card (issue 13 item 4): the card filters word the facts rules hand over, patient text
stays escaped, and no rule module builds card text itself."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from pnet_cds.card_filters import bullets, conditions, lab_result, recorded_date
from pnet_cds.cards import Finding, load_card_file, render_card
from pnet_cds.fhirtime import parse_fhir_time
from pnet_cds.markdown import Markdown
from pnet_cds.rules.common import DoseEvent, condition_facts, recorded_date as recorded, result_facts

from .conftest import ROOT

CARDS = ROOT / "cards"
RULES = ROOT / "service" / "rules"


def _result(**overrides) -> dict:
    facts = {"name": "Potassium", "value": 2.9, "comparator": "", "unit": "mmol/L", "coded_value": "",
             "range": {"low": 3.5, "high": 5.1}, "flags": ["L"], "date": "2026-05-28", "converted": None}
    return {**facts, **overrides}


def _observation(text: str = "Potassium", **extra) -> dict:
    return {"resourceType": "Observation", "status": "final", "code": {"text": text},
            "effectiveDateTime": "2026-05-28T08:00:00Z", **extra}


# --- the filters --------------------------------------------------------------------------------------

def test_lab_result_words_value_unit_range_flags_and_date():
    assert lab_result(_result()) == "Potassium 2.9 mmol/L (ref 3.5–5.1) [L] on 2026-05-28"


@pytest.mark.parametrize("overrides, expected", [
    ({"comparator": ">", "value": 60.0, "unit": "mL/min/{1.73_m2}", "range": None, "flags": []},
     "Potassium >60 mL/min/{1.73_m2} on 2026-05-28"),
    ({"value": None, "unit": "", "coded_value": "Positive", "range": {"text": "negative"}, "flags": []},
     "Potassium Positive (ref negative) on 2026-05-28"),
    ({"range": {"low": None, "high": 5.1}, "flags": ["H", "L"], "date": None},
     "Potassium 2.9 mmol/L (ref –5.1) [H, L]"),
    ({"name": "HbA1c", "value": 53.0, "unit": "mmol/mol", "range": None, "flags": [],
      "converted": {"value": 7.0146, "unit": "%"}},
     "HbA1c 53 mmol/mol on 2026-05-28 (= 7.01 %)"),
])
def test_lab_result_comparator_coded_value_open_range_and_conversion(overrides, expected):
    assert lab_result(_result(**overrides)) == expected


def test_result_facts_are_data_and_lab_result_words_them():
    observation = _observation(
        valueQuantity={"value": 88, "unit": "10*3/uL"}, interpretation=[{"coding": [{"code": "L"}]}],
        referenceRange=[{"text": "see lab"}, {"low": {"value": 150}, "high": {"value": 400}}])
    facts = result_facts(observation)
    assert facts == {"name": "Potassium", "value": 88.0, "comparator": "", "unit": "10*3/uL", "coded_value": "",
                     "range": {"text": "see lab"}, "flags": ["L"], "date": "2026-05-28", "converted": None}
    assert lab_result(facts) == "Potassium 88 10*3/uL (ref see lab) [L] on 2026-05-28"


def test_conditions_names_each_with_its_onset():
    found = [{"resourceType": "Condition", "code": {"text": "Malignant insulinoma"}, "onsetDateTime": "2024-03-01"},
             {"resourceType": "Condition", "code": {"text": "Gastrinoma"}}]
    assert condition_facts(found) == [{"name": "Malignant insulinoma", "since": "2024-03-01"},
                                      {"name": "Gastrinoma", "since": None}]
    assert conditions(condition_facts(found)) == "Malignant insulinoma (since 2024-03-01); Gastrinoma"


def test_bullets_escape_patient_text_but_not_service_markdown():
    text = bullets(["Hb *low* [see_note](http://x)", Markdown("**kept**")])
    assert isinstance(text, Markdown)
    assert text == "- Hb \\*low\\* \\[see\\_note\\](http://x)\n- **kept**"
    assert bullets([]) == ""


@pytest.mark.parametrize("value, expected", [
    ("2026-05-10", "2026-05-10"), ("2026-05", "date recorded only as 2026-05"), ("2025", "date recorded only as 2025"),
    (None, None)])
def test_recorded_date_says_when_only_the_month_or_year_is_known(value, expected):
    assert recorded_date(value) == expected


def test_a_dose_hands_over_its_date_as_recorded_and_the_filter_words_it():
    partial = DoseEvent(parse_fhir_time("2026-05").latest, {}, "administration", parse_fhir_time("2026-05"))
    full = DoseEvent(parse_fhir_time("2026-05-10T08:00:00+02:00").earliest, {}, "administration",
                     parse_fhir_time("2026-05-10T08:00:00+02:00"))
    assert (partial.recorded, recorded_date(partial.recorded)) == ("2026-05", "date recorded only as 2026-05")
    assert (full.recorded, recorded_date(full.recorded)) == ("2026-05-10", "2026-05-10")
    assert recorded(None) is None and recorded(parse_fhir_time("2025")) == "2025"


def _recorded_date_facts(path: Path) -> set[str]:
    """Keys of the facts a rule module fills from a recorded date (`event.recorded`, `recorded_date(span)`)."""
    keys = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                inner = list(ast.walk(value))
                if isinstance(key, ast.Constant) and any(
                        (isinstance(n, ast.Attribute) and n.attr == "recorded")
                        or (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "recorded_date")
                        for n in inner):
                    keys.add(key.value)
    return keys


@pytest.mark.parametrize("path", sorted(RULES.glob("[!_]*.py")), ids=lambda p: p.stem)
def test_every_recorded_date_a_rule_hands_over_is_worded_by_the_card(path):
    """A partial date must read "date recorded only as 2026-05" wherever the card quotes it."""
    card = CARDS / f"{path.stem.replace('_', '-')}.yaml"
    if not card.exists():
        return
    text = card.read_text(encoding="utf-8")
    for key in _recorded_date_facts(path):
        for match in re.finditer(r"\{\{\s*(?:\w+\.)?" + key + r"\b([^}]*)\}\}", text):
            assert "| recorded_date" in match.group(1), f"{card.name}: {match.group(0)} quotes a recorded date raw"


# --- through the real card files: an EHR's display text never becomes markup ----------------------------

HOSTILE = "Creatinine *serum* _stat_ [lab](http://evil.example) <b>"
ESCAPED = "Creatinine \\*serum\\* \\_stat\\_ \\[lab\\](http://evil.example) \\<b\\>"


def _hostile_result() -> dict:
    return result_facts(_observation(HOSTILE, valueQuantity={"value": 2.1, "unit": "mg/dL"},
                                     referenceRange=[{"high": {"value": 1.2}}]))


def test_a_bulleted_result_list_escapes_the_ehr_display_text_once():
    spec = load_card_file(CARDS / "streptozocin-renal-function.yaml")
    card = render_card(spec, Finding("renal-impairment", {"drug": "streptozocin", "results": [_hostile_result()],
                                                          "unit_assumed": False}), "p1")
    assert f"- {ESCAPED} 2.1 mg/dL (ref –1.2) on 2026-05-28\n" in card["detail"]
    assert "\\\\" not in card["detail"]  # not escaped twice


def test_a_result_worded_in_a_card_loop_escapes_the_ehr_display_text_once():
    spec = load_card_file(CARDS / "prrt-baseline-labs.yaml")
    facts = {"drug": "Lutathera", "cbc_missing": False, "renal_missing": False, "last_cbc_date": None,
             "last_renal_date": None, "abnormal_results": [{**_hostile_result(), "side": "high"}]}
    card = render_card(spec, Finding("out-of-range", facts), "p1")
    assert f"\n\n- {ESCAPED} 2.1 mg/dL (ref –1.2) on 2026-05-28: above the reference range\n\n" in card["detail"]
    assert "\\\\" not in card["detail"]


def test_a_condition_name_is_escaped_in_detail():
    spec = load_card_file(CARDS / "vipoma-fluids-electrolytes.yaml")
    vipoma = condition_facts([{"code": {"text": "VIPoma *[x]*"}, "onsetDateTime": "2025-01-02"}])
    card = render_card(spec, Finding("testing-due", {"vipoma": vipoma, "last_potassium_date": None}), "p1")
    assert "active VIPoma (VIPoma \\*\\[x\\]\\* (since 2025-01-02))" in card["detail"]


# --- no rule module builds card text ---------------------------------------------------------------------

# Card text is built only by the card renderer and its filters: every rule module, the shared helpers in
# `common.py` and the `when:` predicates hand over condition_facts / result_facts / recorded dates.
WORDING = {"Markdown", "escape_markdown", "describe_result", "card_filters", "markdown"}


def _names_used(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add(node.name.rsplit(".", 1)[-1])
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.rsplit(".", 1)[-1])
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
    return names


@pytest.mark.parametrize("path", sorted(RULES.glob("*.py")), ids=lambda p: p.stem)
def test_no_rule_module_builds_card_text(path):
    used = _names_used(path)
    assert not used & WORDING, f"{path.name} builds card text ({sorted(used & WORDING)}): hand over facts"
    assert "condition_label" not in used, f"{path.name}: hand over condition_facts, word them in the card"
