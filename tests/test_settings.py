"""Settings: one typed object from defaults → environment → test config, validated at start-up.

Every boolean setting is tried with each accepted spelling and with a refused one, from the environment
(where `off` used to read as on) and through create_app (a bad value stops start-up).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pnet_cds import create_app
from pnet_cds.settings import (FALSE_WORDS, TRUE_WORDS, Settings, SettingsError, load_settings, parse_auto_bool,
                               parse_bool)

BOOLEAN_SETTINGS = sorted(f.name.upper() for f in dataclasses.fields(Settings) if f.type in ("bool", bool))
AUTO_BOOLEAN_SETTINGS = sorted(f.name.upper() for f in dataclasses.fields(Settings) if f.type == "bool | None")
SPELLINGS = [(word, True) for word in TRUE_WORDS] + [(word, False) for word in FALSE_WORDS]
SPELLINGS += [(word.upper(), value) for word, value in SPELLINGS if word.isalpha()] + [(" On ", True)]
REFUSED = ["maybe", "", "2", "enabled", "nope"]


def test_the_boolean_settings_are_the_ones_the_readme_documents():
    assert BOOLEAN_SETTINGS == ["ALLOW_HTTP_FHIR", "AUDIT_ENABLED", "AUTH", "DASHBOARD", "SANDBOX", "TRUST_CDS_HOOKS_SANDBOX"]
    assert AUTO_BOOLEAN_SETTINGS == ["DATABASE_AUTO_MIGRATE", "DEV_ISSUER"]


@pytest.mark.parametrize("name", BOOLEAN_SETTINGS)
@pytest.mark.parametrize("word,expected", SPELLINGS)
def test_every_boolean_setting_reads_every_accepted_spelling_from_the_environment(name, word, expected):
    settings = load_settings({f"PNET_CDS_{name}": word})
    assert getattr(settings, name.lower()) is expected


@pytest.mark.parametrize("name", BOOLEAN_SETTINGS + AUTO_BOOLEAN_SETTINGS)
@pytest.mark.parametrize("word", REFUSED)
def test_every_boolean_setting_refuses_other_words_naming_the_variable(name, word):
    with pytest.raises(SettingsError) as refused:
        load_settings({f"PNET_CDS_{name}": word})
    assert f"PNET_CDS_{name}: {word!r} is not" in str(refused.value)
    assert "true/false, 1/0, yes/no" in str(refused.value)


@pytest.mark.parametrize("name", AUTO_BOOLEAN_SETTINGS)
@pytest.mark.parametrize("word,expected", SPELLINGS + [("auto", None), ("AUTO", None)])
def test_auto_or_boolean_settings(name, word, expected):
    assert getattr(load_settings({f"PNET_CDS_{name}": word}), name.lower()) is expected


def test_the_two_foot_guns_are_gone():
    """`bool("off")` is True: plain-http FHIR servers were allowed and the audit stayed on."""
    settings = load_settings({"PNET_CDS_ALLOW_HTTP_FHIR": "off", "PNET_CDS_AUDIT_ENABLED": "no"})
    assert settings.allow_http_fhir is False and settings.audit_enabled is False


def test_defaults_without_any_environment():
    settings = load_settings({})
    assert (settings.auth, settings.allow_http_fhir, settings.audit_enabled, settings.sandbox) == (True, False, True, True)
    assert settings.dev_issuer is None and settings.dev_issuer_on  # auto: on without an issuers file
    assert settings.trusted_fhir_servers == () and settings.cors_origins == ("*",)
    assert settings.hooks_file.name == "hooks.json" and settings.hooks_file.is_file()
    assert (settings.cards_dir / "valuesets").is_dir() and any(settings.fixtures_dir.glob("*.json"))


def test_test_config_overrides_the_environment_and_is_parsed_the_same_way():
    env = {"PNET_CDS_AUTH": "off", "PNET_CDS_FHIR_MAX_PAGES": "3"}
    assert load_settings(env, {"AUTH": "on"}).auth is True
    assert load_settings(env, {}).fhir_max_pages == 3
    with pytest.raises(SettingsError, match=r"AUTH \(test config\): 'sometimes' is not a boolean"):
        load_settings(env, {"AUTH": "sometimes"})


def test_every_problem_is_listed_at_once():
    with pytest.raises(SettingsError) as refused:
        load_settings({"PNET_CDS_FHIR_MAX_PAGES": "0", "PNET_CDS_FHIR_TIMEOUT_SECONDS": "soon",
                       "PNET_CDS_FHIR_VALIDATION": "loose", "PNET_CDS_LOG_FORMAT": "xml"})
    message = str(refused.value)
    assert "PNET_CDS_FHIR_MAX_PAGES: '0' is not a whole number >= 1" in message
    assert "PNET_CDS_FHIR_TIMEOUT_SECONDS: 'soon' is not a number of seconds > 0" in message
    assert "PNET_CDS_FHIR_VALIDATION: 'loose' is not one of lenient, strict" in message
    assert "PNET_CDS_LOG_FORMAT: 'xml' is not one of json, text" in message


def test_lists_and_paths(tmp_path):
    settings = load_settings({"PNET_CDS_TRUSTED_FHIR_SERVERS": " https://a.example/fhir/ ,, https://b.example ",
                              "PNET_CDS_CORS_ORIGINS": "", "PNET_CDS_ISSUERS_FILE": "",
                              "PNET_CDS_FIXTURES_DIR": "none"})
    assert settings.trusted_fhir_servers == ("https://a.example/fhir", "https://b.example")
    assert settings.cors_origins == () and settings.issuers_file is None and settings.fixtures_dir is None
    with pytest.raises(SettingsError, match="PNET_CDS_CARDS_DIR: '/nowhere' is not a directory"):
        load_settings({"PNET_CDS_CARDS_DIR": "/nowhere"})
    with pytest.raises(SettingsError, match="holds no fixture"):
        load_settings({"PNET_CDS_FIXTURES_DIR": str(tmp_path)})


def test_plain_database_url_is_the_fallback_and_secrets_stay_out_of_repr():
    settings = load_settings({"DATABASE_URL": "postgresql://u:secret@db/x", "PNET_CDS_AUDIT_HMAC_KEY": "k" * 20})
    assert settings.database_url == "postgresql://u:secret@db/x"
    assert "secret" not in repr(settings) and "kkkk" not in repr(settings)
    assert load_settings({"DATABASE_URL": "sqlite://", "PNET_CDS_DATABASE_URL": "sqlite:///x.db"}).database_url == \
        "sqlite:///x.db"


def test_injected_objects_never_come_from_the_environment():
    assert load_settings({"PNET_CDS_NOW": "2020-01-01T00:00:00Z"}).now is None


def test_parsers_directly():
    assert parse_bool(True) is True and parse_bool(0) is False
    for value in (2, None, 1.0, "tru"):
        with pytest.raises(ValueError):
            parse_bool(value)
    assert parse_auto_bool(None) is None


def test_a_bad_setting_stops_create_app(monkeypatch):
    monkeypatch.setenv("PNET_CDS_AUDIT_ENABLED", "perhaps")
    with pytest.raises(SettingsError, match="PNET_CDS_AUDIT_ENABLED: 'perhaps' is not a boolean"):
        create_app({"TESTING": True})


def test_a_bad_setting_stops_serve_before_any_worker_starts(monkeypatch, capsys):
    from pnet_cds.cli import main

    monkeypatch.setenv("PNET_CDS_ALLOW_HTTP_FHIR", "offf")
    assert main(["serve", "--port", "0"]) == 2
    assert "PNET_CDS_ALLOW_HTTP_FHIR: 'offf' is not a boolean" in capsys.readouterr().err


def test_allow_http_fhir_off_from_the_environment_keeps_http_servers_out(monkeypatch):
    """End to end: with `off`, a plain-http FHIR server is not contacted even when it is listed."""
    from tests.conftest import make_app

    monkeypatch.setenv("PNET_CDS_ALLOW_HTTP_FHIR", "off")
    app = make_app(TRUSTED_FHIR_SERVERS="http://127.0.0.1:9/fhir")
    assert app.extensions["pnet_cds"].settings.allow_http_fhir is False
    body = {"hook": "patient-view", "hookInstance": "h-1", "fhirServer": "http://127.0.0.1:9/fhir",
            "fhirAuthorization": {"access_token": "t", "token_type": "Bearer", "expires_in": 300, "scope": "x",
                                  "subject": "s"},
            "context": {"userId": "Practitioner/1", "patientId": "p1"}}
    response = app.test_client().post("/cds-services/pnet-patient-view", json=body)
    assert response.status_code == 412
    assert "not a FHIR server this service is configured to trust" in response.get_data(as_text=True)


def test_audit_enabled_no_from_the_environment_writes_no_audit(monkeypatch, tmp_path):
    from sqlalchemy import select

    from pnet_cds.store import audit
    from tests.conftest import Harness, make_app

    monkeypatch.setenv("PNET_CDS_AUDIT_ENABLED", "no")
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path}/audit.db")
    Harness(app).fire("ssa-in-insulinoma--octreotide-sc-malignant-insulinoma", "order-sign")
    app.extensions["pnet_cds_audit"].flush()
    assert app.extensions["pnet_cds_store"].read(select(audit)) == []
    app.extensions["pnet_cds_store"].dispose()


def test_request_code_reads_settings_not_config():
    """No module below create_app reads app.config (the one place configuration is parsed is settings.py)."""
    root = Path(__file__).resolve().parent.parent / "service"
    readers = [path.name for path in root.rglob("*.py")
               if path.name not in ("__init__.py", "settings.py") and ".config[" in path.read_text(encoding="utf-8")]
    readers += [path.name for path in root.rglob("*.py") if ".config.get(" in path.read_text(encoding="utf-8")]
    assert readers == []


def test_an_unknown_variable_is_named_in_a_warning(monkeypatch, caplog):
    import logging

    from pnet_cds.settings import unknown_variables
    from tests.conftest import make_app

    assert unknown_variables({"PNET_CDS_AUDIT_ENABLE": "no", "PNET_CDS_AUTH": "on", "PNET_CDS_TEST_POSTGRES_URL": "x",
                              "OTHER": "1"}) == ["PNET_CDS_AUDIT_ENABLE"]
    monkeypatch.setenv("PNET_CDS_AUDIT_ENABLE", "no")
    with caplog.at_level(logging.WARNING, logger="pnet_cds"):
        make_app()
    assert "PNET_CDS_AUDIT_ENABLE is not a setting of this service and is ignored" in caplog.text
