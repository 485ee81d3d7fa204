"""The site configuration (service/site_config.py): what stops start-up, and what the engine then does.

Every wrong file stops `create_app` with a message naming the file and the place; a good one changes the
mode, hooks, indicator and parameters of a rule for every caller or for one issuer/tenant, and is shown by
`pnet-cds config show`. Card files: every local-policy parameter has a range; every file has a version."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
import jinja2.meta
import pytest
import yaml

from pnet_cds.cards import CardFileError, load_card_file
from pnet_cds.cli import main
from pnet_cds.site_config import DEFAULT_VERSION, SiteConfigError

from .conftest import ROOT, Harness, make_app

CARDS = ROOT / "cards"
CARD_FILES = sorted(CARDS.glob("*.yaml"))
CBC_RULE = "post-prrt-cbc-surveillance"
CBC_FIRES = "post-prrt-cbc-surveillance--cbc-9-months-ago"
CBC_2_MONTHS = "post-prrt-cbc-surveillance--cbc-2-months-ago"  # silent at the card file's 183 days
INSULINOMA = "ssa-in-insulinoma--octreotide-sc-malignant-insulinoma"


def site_file(tmp_path: Path, data: dict | str) -> str:
    path = tmp_path / "site.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def app_with(tmp_path, data, **config):
    return make_app(SITE_CONFIG_FILE=site_file(tmp_path, data), **config)


def rules_of(body: dict) -> list[str]:
    return [card["source"]["topic"]["code"] for card in body["cards"]]


# -- what stops start-up ------------------------------------------------------------------------------

@pytest.mark.parametrize("rules, expected", [
    ({CBC_RULE: {"parameters": {"cbc_interval_days": 400}}},
     f"at rules/{CBC_RULE}/parameters/cbc_interval_days: 400 is outside the allowed range 30–183"),
    ({CBC_RULE: {"parameters": {"cbc_interval_days": 10}}}, "10 is outside the allowed range 30–183"),
    ({CBC_RULE: {"parameters": {"cbc_interval_days": "120"}}}, "'120' is not a number"),
    ({"no-such-rule": {"mode": "silent"}}, "at rules/no-such-rule: unknown rule id 'no-such-rule'"),
    ({CBC_RULE: {"mode": "sometimes"}}, f"at rules/{CBC_RULE}/mode: mode 'sometimes' is not one of active, silent, off"),
    ({CBC_RULE: {"hooks": ["order-select"]}}, f"at rules/{CBC_RULE}/hooks: order-select not among the rule's hooks"),
    ({CBC_RULE: {"indicator": "urgent"}}, f"at rules/{CBC_RULE}/indicator"),
    ({CBC_RULE: {"indicator": {"loud": "critical"}}}, f"at rules/{CBC_RULE}/indicator/loud: the card has no variant"),
    ({CBC_RULE: {"parameters": {"cbc_days": 100}}}, "the rule has no parameter 'cbc_days'"),
    ({"prrt-course-schedule": {"parameters": {"total_doses": 6}}},
     "at rules/prrt-course-schedule/parameters/total_doses: not a site-tunable parameter"),
], ids=["above-range", "below-range", "not-a-number", "unknown-rule", "bad-mode", "hook-not-the-rules",
        "bad-indicator", "unknown-variant", "unknown-parameter", "parameter-without-range"])
def test_a_wrong_site_configuration_stops_start_up_naming_the_place(tmp_path, rules, expected):
    with pytest.raises(SiteConfigError) as caught:
        app_with(tmp_path, {"version": "1", "rules": rules})
    message = str(caught.value)
    assert expected in message and str(tmp_path / "site.yaml") in message


def test_a_tenant_entry_is_checked_like_the_site_wide_rules(tmp_path):
    data = {"version": "1", "tenants": [{"issuer": "https://ehr.example.org", "rules": {"nope": {"mode": "off"}}}]}
    with pytest.raises(SiteConfigError, match="at tenants/0/rules/nope: unknown rule id"):
        app_with(tmp_path, data)


@pytest.mark.parametrize("text, expected", [
    ("rules: {}\n", "at (top): 'version' is a required property"),
    ("version: 1\n", "at version: 1 is not of type 'string'"),
    ("version: '1'\nrules: [a]\n", "at rules: ['a'] is not of type 'object'"),
    ("version: '1'\nrules: {a: [\n", "not valid YAML or JSON"),
])
def test_a_malformed_file_stops_start_up(tmp_path, text, expected):
    with pytest.raises(SiteConfigError, match=None) as caught:
        app_with(tmp_path, text)
    assert expected in str(caught.value)


def test_a_missing_file_stops_start_up(tmp_path):
    with pytest.raises(SiteConfigError, match="cannot be read"):
        make_app(SITE_CONFIG_FILE=str(tmp_path / "absent.yaml"))


# -- what the engine does with it -----------------------------------------------------------------------

def test_without_a_file_every_rule_runs_as_its_card_file_says():
    app = make_app()
    site = app.extensions["pnet_cds"].site
    assert site.version == DEFAULT_VERSION and site.path is None
    assert site.rules_for(None) == app.extensions["pnet_cds"].rules


def test_a_parameter_override_changes_what_the_rule_decides(tmp_path):
    assert CBC_RULE not in rules_of(Harness(make_app()).fire(CBC_2_MONTHS, "patient-view"))
    app = app_with(tmp_path, {"version": "1", "rules": {CBC_RULE: {"parameters": {"cbc_interval_days": 30}}}})
    assert CBC_RULE in rules_of(Harness(app).fire(CBC_2_MONTHS, "patient-view"))


def test_off_hooks_and_indicator(tmp_path):
    app = app_with(tmp_path, {"version": "v7", "rules": {
        "ssa-in-insulinoma": {"indicator": "critical"},
        CBC_RULE: {"hooks": ["order-sign"]}}})
    harness = Harness(app)
    [card] = harness.cards_of(INSULINOMA, "order-sign", "ssa-in-insulinoma")
    assert card["indicator"] == "critical"
    assert CBC_RULE not in rules_of(harness.fire(CBC_FIRES, "patient-view"))  # not on patient-view any more
    off = app_with(tmp_path, {"version": "v8", "rules": {"ssa-in-insulinoma": {"mode": "off"}}})
    assert "ssa-in-insulinoma" not in rules_of(Harness(off).fire(INSULINOMA, "order-sign"))


def test_silent_mode_returns_no_card_and_says_nothing_of_it(tmp_path):
    app = app_with(tmp_path, {"version": "pilot-1", "rules": {CBC_RULE: {"mode": "silent"}}})
    body = Harness(app).fire(CBC_FIRES, "patient-view")
    assert CBC_RULE not in rules_of(body)
    assert CBC_RULE not in json.dumps(body)  # neither a card nor a version nor a skipped rule


def test_the_response_names_the_rule_and_site_configuration_versions(tmp_path):
    app = app_with(tmp_path, {"version": "2026-12-01.1"})
    body = Harness(app).fire(INSULINOMA, "order-sign")
    assert body["extension"]["org.pnet-cds.versions"] == {"siteConfiguration": "2026-12-01.1",
                                                          "rules": {"ssa-in-insulinoma": "1"}}


def test_a_tenant_gets_its_own_settings_over_the_site_wide_ones(tmp_path):
    app = app_with(tmp_path, {"version": "1", "rules": {CBC_RULE: {"mode": "silent", "note": "pilot"}},
                              "tenants": [{"issuer": "https://ehr.example.org", "tenant": "oncology",
                                           "rules": {CBC_RULE: {"mode": "active"}}},
                                          {"issuer": "https://ehr.example.org",
                                           "rules": {"ssa-in-insulinoma": {"mode": "off"}}}]})
    site = app.extensions["pnet_cds"].site
    ids = lambda claims: {rule.spec.id: rule.mode for rule in site.rules_for(claims)}  # noqa: E731
    assert ids(None)[CBC_RULE] == "silent" and "ssa-in-insulinoma" in ids(None)
    oncology = ids({"iss": "https://ehr.example.org", "tenant": "oncology"})
    assert oncology[CBC_RULE] == "active" and "ssa-in-insulinoma" in oncology
    other_tenant = ids({"iss": "https://ehr.example.org", "tenant": "surgery"})
    assert other_tenant[CBC_RULE] == "silent" and "ssa-in-insulinoma" not in other_tenant
    assert ids({"iss": "https://other.example.org"}) == ids(None)


def test_config_show_prints_the_effective_configuration(tmp_path, capsys):
    path = site_file(tmp_path, {"version": "2026-12-01.1", "rules": {
        CBC_RULE: {"mode": "silent", "parameters": {"cbc_interval_days": 120}, "note": "pilot first"}}})
    assert main(["config", "show", "--file", path]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"site configuration version 2026-12-01.1: {path} (sha256 ")
    [line] = [line for line in out.splitlines() if line.startswith(CBC_RULE)]
    assert line.split()[:4] == [CBC_RULE, "1", "silent", "patient-view,"]
    assert "    cbc_interval_days = 120 (card file: 183; allowed 30–183)" in out
    assert main(["config", "show", "--file", path, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    [rule] = [r for r in shown["rules"] if r["rule"] == CBC_RULE]
    assert (rule["mode"], rule["parameters"][0]["value"], rule["parameters"][0]["overridden"]) == ("silent", 120, True)


def test_config_show_refuses_a_wrong_file_with_the_message(tmp_path, capsys):
    path = site_file(tmp_path, {"version": "1", "rules": {"nope": {}}})
    assert main(["config", "show", "--file", path]) == 2
    assert "unknown rule id 'nope'" in capsys.readouterr().err


# -- card files -----------------------------------------------------------------------------------------

def _template_names(text: str) -> set[str]:
    return jinja2.meta.find_undeclared_variables(jinja2.Environment().parse(text))


@pytest.mark.parametrize("path", CARD_FILES, ids=[p.stem for p in CARD_FILES])
def test_every_local_policy_parameter_declares_its_range(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    named = set().union(*[_template_names(text) for text in data.get("local_policy", [])] or [set()])
    numbers = named & set(data.get("parameters", {}))
    missing = sorted(numbers - set(data.get("parameter_ranges", {})))
    assert missing == [], f"{path.name}: add parameter_ranges for {missing} (the local-policy numbers a site may tune)"


@pytest.mark.parametrize("path", CARD_FILES, ids=[p.stem for p in CARD_FILES])
def test_every_card_file_has_a_version(path):
    assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")).get("version"), str)


def test_a_card_files_own_value_outside_its_range_is_refused(tmp_path):
    text = (CARDS / f"{CBC_RULE}.yaml").read_text(encoding="utf-8").replace("cbc_interval_days: 183",
                                                                             "cbc_interval_days: 200")
    path = tmp_path / f"{CBC_RULE}.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CardFileError, match="parameters/cbc_interval_days: the card file's own value 200 is outside"):
        load_card_file(path)


def test_a_range_for_a_parameter_the_card_lacks_is_refused(tmp_path):
    text = (CARDS / f"{CBC_RULE}.yaml").read_text(encoding="utf-8") + "  ghost_days: {min: 1, max: 2}\n"
    path = tmp_path / f"{CBC_RULE}.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CardFileError, match="parameter_ranges/ghost_days: no parameter 'ghost_days'"):
        load_card_file(path)
