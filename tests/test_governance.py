"""Issue 15 end to end on SQLite and PostgreSQL: a rule piloted in silent mode through real hook calls, seen in
the audit trail, `pnet-cds report` and the dashboard's API; switched on under a new site-configuration
version and compared before and after; the dashboard closed without a credential and free of patient
identifiers; weeks bucketed the same by both databases; migration 0002 over rows written before it."""

from __future__ import annotations

import csv
import io
import json
import uuid
from base64 import b64encode
from datetime import date, datetime, timedelta, timezone

import pytest
import yaml
from sqlalchemy import create_engine, select, text
from werkzeug.security import generate_password_hash

from pnet_cds.cli import main
from pnet_cds.report import build_report, reason_labels_from
from pnet_cds.store import AuditRecord, IssuedCard, Store, audit, issued_cards, normalise_url

from .conftest import Harness, make_app
from .db_fixtures import drain

CBC_RULE = "post-prrt-cbc-surveillance"
CBC_FIRES = "post-prrt-cbc-surveillance--cbc-9-months-ago"
INSULINOMA = "ssa-in-insulinoma--octreotide-sc-malignant-insulinoma"
REASON = {"system": "urn:pnet-cds:override-reason", "code": "sstr-avid-glucose-monitored"}
PASSWORD = "committee-password-for-tests"
HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")  # fast in tests; the CLI makes scrypt ones


def auth(user: str = "committee", password: str = PASSWORD) -> dict:
    return {"Authorization": "Basic " + b64encode(f"{user}:{password}".encode()).decode()}


def governed_app(database_url, tmp_path, version: str, rules: dict, **config):
    path = tmp_path / f"site-{version}.yaml"
    path.write_text(yaml.safe_dump({"version": version, "rules": rules}), encoding="utf-8")
    return make_app(DATABASE_URL=database_url, DATABASE_AUTO_MIGRATE=True, SITE_CONFIG_FILE=str(path),
                    ADMIN_PASSWORD_HASH=HASH, **config)


@pytest.fixture
def dispose_after():
    """Apps made in a test, their database pools closed at its end (PostgreSQL connections must not leak)."""
    apps = []
    yield lambda app: apps.append(app) or app
    for app in apps:
        drain(app)
        app.extensions["pnet_cds_store"].dispose()


def feedback(app, service, card, outcome, minute, reason=None):
    entry = {"card": card, "outcome": outcome, "outcomeTimestamp": f"2026-06-01T12:{minute:02d}:00Z"}
    if outcome == "accepted":
        entry["acceptedSuggestions"] = [{"id": "any"}]
    if reason:
        entry["overrideReason"] = {"reason": reason}
    response = app.test_client().post(f"/cds-services/{service}/feedback", json={"feedback": [entry]})
    assert response.status_code == 200, response.get_json()


def this_week() -> tuple[str, str]:
    today = datetime.now(timezone.utc).date()
    return (today - timedelta(days=7)).isoformat(), today.isoformat()


@pytest.fixture
def pilot(database_url, tmp_path):
    """Site configuration pilot-1: the CBC rule silent. Three CBC calls (silent firings), two insulinoma
    cards (one overridden with a reason, one accepted), one refused call."""
    app = governed_app(database_url, tmp_path, "pilot-1", {CBC_RULE: {"mode": "silent", "note": "pilot"}})
    harness = Harness(app)
    bodies = [harness.request(CBC_FIRES, "patient-view") for _ in range(3)]
    for body in bodies:
        response = harness.post("pnet-patient-view", body)
        assert response.status_code == 200 and CBC_RULE not in json.dumps(response.get_json())
    cards = [harness.cards_of(INSULINOMA, "order-sign", "ssa-in-insulinoma")[0]["uuid"] for _ in range(2)]
    harness.post("pnet-order-sign", {"hook": "order-sign"})
    drain(app)
    feedback(app, "pnet-order-sign", cards[0], "overridden", 1, REASON)
    feedback(app, "pnet-order-sign", cards[1], "accepted", 2)
    app.pilot_requests = bodies + [harness.request(INSULINOMA, "order-sign")]
    yield app
    drain(app)
    app.extensions["pnet_cds_store"].dispose()


def line_of(report: dict, rule: str) -> dict:
    return next(line for line in report["rules"] if line["rule"] == rule)


def test_silent_firings_are_audited_with_the_versions_and_never_sent(pilot):
    store = pilot.extensions["pnet_cds_store"]
    rows = store.read(select(audit).order_by(audit.c.id))
    cbc_rows = [row for row in rows if row.hook == "patient-view"]
    assert len(cbc_rows) == 3
    for row in cbc_rows:
        assert (row.rule_ids, row.silent_rule_ids, row.card_uuids) == ([], [CBC_RULE], [])
        assert (row.config_version, row.rule_versions, row.outcome) == ("pilot-1", {CBC_RULE: "1"}, "no-cards")
    refused = [row for row in rows if row.status == 400]
    assert [row.config_version for row in refused] == ["pilot-1"]
    silent = store.read(select(issued_cards).where(issued_cards.c.silent.is_(True)))
    assert [(row.rule_id, row.rule_version, row.config_version) for row in silent] == [(CBC_RULE, "1", "pilot-1")] * 3


def test_the_report_shows_silent_firings_beside_live_ones(pilot, monkeypatch, capsys):
    labels = reason_labels_from(pilot.extensions["pnet_cds"].rules)
    report = build_report(pilot.extensions["pnet_cds_store"], None, labels).to_json()
    assert line_of(report, CBC_RULE) == {"rule": CBC_RULE, "cards": 0, "silent": 3, "accepted": 0, "overridden": 0,
                                         "noFeedback": 0, "acceptanceRate": None, "overrideRate": None,
                                         "topOverrideReasons": []}
    insulinoma = line_of(report, "ssa-in-insulinoma")
    assert (insulinoma["cards"], insulinoma["silent"], insulinoma["accepted"], insulinoma["overridden"]) == (2, 0, 1, 1)
    monkeypatch.setenv("PNET_CDS_DATABASE_URL", pilot.extensions["pnet_cds"].settings.database_url)
    assert main(["report"]) == 0
    table = capsys.readouterr().out
    assert any(line.split()[:4] == [CBC_RULE, "0", "3", "0"] for line in table.splitlines()), table
    assert "silent: silent-mode firings (audited, never shown; not in the rates)" in table


def test_the_dashboard_api_shows_the_pilot_per_rule_and_week(pilot):
    first, last = this_week()
    client = pilot.test_client()
    response = client.get(f"/dashboard/api/report?from={first}&to={last}", headers=auth())
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert report["siteConfiguration"]["version"] == "pilot-1"
    assert report["calls"] == {"200": 5, "400": 1}
    cbc = line_of(report, CBC_RULE)
    assert (cbc["mode"], cbc["version"], cbc["cards"], cbc["silent"]) == ("silent", "1", 0, 3)
    week = (datetime.now(timezone.utc).date() - timedelta(days=datetime.now(timezone.utc).weekday())).isoformat()
    assert cbc["weekly"] == [{"week": week, "cards": 0, "silent": 3, "accepted": 0, "overridden": 0, "noFeedback": 0,
                              "acceptanceRate": None, "overrideRate": None}]
    insulinoma = line_of(report, "ssa-in-insulinoma")
    assert (insulinoma["overrideRate"], insulinoma["topOverrideReasons"]) == (
        50.0, [{"reason": "SSTR-avid disease on imaging; glucose monitored", "count": 1}])
    quiet = line_of(report, "nec-not-net-therapy")  # every rule is listed, quiet ones too
    assert (quiet["cards"], quiet["silent"], quiet["mode"]) == (0, 0, "active")
    assert report["weeks"][-1] == week


def test_the_exports_carry_the_same_numbers(pilot):
    first, last = this_week()
    client = pilot.test_client()
    exported = client.get(f"/dashboard/api/export.csv?from={first}&to={last}", headers=auth())
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    assert exported.headers["Content-Disposition"] == (
        f'attachment; filename="pnet-cds-alert-burden-{first}-to-{last}.csv"')
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    total = next(row for row in rows if row["rule"] == CBC_RULE and row["week"] == "all")
    assert (total["mode"], total["cards_shown"], total["silent_firings"]) == ("silent", "0", "3")
    insulinoma = next(row for row in rows if row["rule"] == "ssa-in-insulinoma" and row["week"] == "all")
    assert (insulinoma["override_rate"], insulinoma["top_override_reasons"]) == (
        "50.0", "SSTR-avid disease on imaging; glucose monitored (1)")
    as_json = client.get(f"/dashboard/api/export.json?from={first}&to={last}", headers=auth())
    assert json.loads(as_json.get_data()) == client.get(f"/dashboard/api/report?from={first}&to={last}",
                                                        headers=auth()).get_json()


def test_switching_the_rule_on_is_compared_before_and_after(pilot, tmp_path, dispose_after):
    url = pilot.extensions["pnet_cds"].settings.database_url
    live = dispose_after(governed_app(url, tmp_path, "pilot-2", {CBC_RULE: {"mode": "active"}},
                        UUID_FACTORY=lambda: str(uuid.uuid4())))  # not uuid-1 again: the pilot's cards hold those
    body = Harness(live).fire(CBC_FIRES, "patient-view")
    assert body["extension"]["org.pnet-cds.versions"] == {"siteConfiguration": "pilot-2", "rules": {CBC_RULE: "1"}}
    drain(live)
    first, last = this_week()
    report = live.test_client().get(f"/dashboard/api/report?from={first}&to={last}", headers=auth()).get_json()
    cbc = line_of(report, CBC_RULE)
    assert (cbc["mode"], cbc["cards"], cbc["silent"]) == ("active", 1, 3)
    assert [(v["ruleVersion"], v["siteConfigurationVersion"], v["cards"], v["silent"]) for v in cbc["versions"]] == [
        ("1", "pilot-1", 0, 3), ("1", "pilot-2", 1, 0)]
    assert report["siteConfigurationVersions"] == {"pilot-1": 6, "pilot-2": 1}


def test_no_patient_identifier_reaches_the_dashboard(pilot):
    store = pilot.extensions["pnet_cds_store"]
    secrets = {row.patient_hash for row in store.read(select(audit)) if row.patient_hash}
    secrets |= {row.card_uuid for row in store.read(select(issued_cards))}
    for body in pilot.pilot_requests:
        secrets |= {body["context"]["patientId"], body["hookInstance"]}
    secrets |= {"Bridget", "Ada"}  # fixture patients' names (never stored, never shown)
    first, last = this_week()
    client = pilot.test_client()
    pages = ["/dashboard", "/dashboard/static/dashboard.js", f"/dashboard/api/report?from={first}&to={last}",
             f"/dashboard/api/export.csv?from={first}&to={last}", f"/dashboard/api/export.json?from={first}&to={last}",
             f"/dashboard/api/rules/{CBC_RULE}", "/dashboard/api/rules/ssa-in-insulinoma"]
    for page in pages:
        response = client.get(page, headers=auth())
        assert response.status_code == 200, page
        shown = response.get_data(as_text=True)
        assert [secret for secret in secrets if secret in shown] == [], page


def test_the_dashboard_is_closed_without_a_credential(database_url, tmp_path, dispose_after):
    closed = dispose_after(make_app(DATABASE_URL=database_url, DATABASE_AUTO_MIGRATE=True)).test_client()
    for path in ("/dashboard", "/dashboard/api/report", "/dashboard/static/dashboard.js"):
        response = closed.get(path, headers=auth())
        assert response.status_code == 403 and "PNET_CDS_ADMIN_PASSWORD_HASH" in response.get_json()["message"]
    app = dispose_after(governed_app(database_url, tmp_path, "1", {}))
    client = app.test_client()
    for headers in ({}, auth(password="wrong"), auth(user="admin"), {"Authorization": "Bearer x.y.z"}):
        response = client.get("/dashboard/api/report", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith('Basic realm="pnet-cds committee dashboard"')
    page = client.get("/dashboard", headers=auth())
    assert page.status_code == 200 and "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    off = dispose_after(make_app(DATABASE_URL=database_url, DASHBOARD=False, ADMIN_PASSWORD_HASH=HASH)).test_client()
    assert off.get("/dashboard", headers=auth()).status_code == 404


def test_bad_periods_and_rules_are_4xx_naming_the_place(database_url, tmp_path, dispose_after):
    client = dispose_after(governed_app(database_url, tmp_path, "1", {})).test_client()
    response = client.get("/dashboard/api/report?from=last-week", headers=auth())
    assert response.status_code == 400 and response.get_json()["problems"][0]["pointer"] == "/query/from"
    response = client.get("/dashboard/api/report?from=2026-06-10&to=2026-06-01", headers=auth())
    assert response.status_code == 400 and response.get_json()["problems"][0]["pointer"] == "/query/to"
    assert client.get("/dashboard/api/rules/no-such-rule", headers=auth()).status_code == 404


def test_the_default_period_is_the_last_twelve_weeks(database_url, tmp_path, dispose_after):
    now = datetime(2026, 6, 3, 9, 0, tzinfo=timezone.utc)  # a Wednesday
    app = dispose_after(governed_app(database_url, tmp_path, "1", {}, NOW=now))
    report = app.test_client().get("/dashboard/api/report", headers=auth()).get_json()
    assert (report["since"], report["until"]) == ("2026-03-16T00:00:00+00:00", "2026-06-04T00:00:00+00:00")
    assert len(report["weeks"]) == 12 and report["weeks"][0] == "2026-03-16" and report["weeks"][-1] == "2026-06-01"


def test_weeks_are_the_same_on_both_databases(store):
    """Monday 00:00 UTC starts a week; Sunday 23:59:59 is still the week before."""
    moments = [datetime(2026, 11, 22, 23, 59, 59, tzinfo=timezone.utc),   # Sunday
               datetime(2026, 11, 23, 0, 0, 0, tzinfo=timezone.utc),      # Monday
               datetime(2026, 11, 29, 12, 0, 0, tzinfo=timezone.utc),     # Sunday
               datetime(2026, 12, 1, 8, 0, 0, tzinfo=timezone.utc)]       # Tuesday
    records = [AuditRecord(at=moment, service="pnet-patient-view", status=200, outcome="cards", latency_ms=1.0,
                           config_version="w", cards=[IssuedCard(f"card-{i}", "pnet-patient-view", CBC_RULE, "h", [],
                                                                 moment, "1", "w", silent=i == 3)])
               for i, moment in enumerate(moments)]
    store.record_calls(records)
    report = build_report(store, datetime(2026, 11, 16, tzinfo=timezone.utc),
                          until=datetime(2026, 12, 7, tzinfo=timezone.utc))
    [line] = report.rules
    assert {week.isoformat(): (tally.cards, tally.silent) for week, tally in line.weeks.items()} == {
        "2026-11-16": (1, 0), "2026-11-23": (2, 0), "2026-11-30": (0, 1)}
    assert [week.isoformat() for week in report.weeks()] == ["2026-11-16", "2026-11-23", "2026-11-30"]


def test_migration_0002_keeps_rows_written_before_it(database_url):
    store = Store(database_url)
    store.upgrade("0001")
    engine = create_engine(normalise_url(database_url))
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO issued_cards (card_uuid, service, rule_id, hook_instance, suggestion_uuids, issued_at) "
            "VALUES ('old-card', 'pnet-order-sign', 'ssa-in-insulinoma', 'h', '[]', '2026-11-02 10:00:00')"))
        connection.execute(text(
            "INSERT INTO audit (at, service, rule_ids, card_uuids, latency_ms, status, outcome) "
            "VALUES ('2026-11-02 10:00:00', 'pnet-order-sign', '[\"ssa-in-insulinoma\"]', '[\"old-card\"]', 1.0, 200, 'cards')"))
    engine.dispose()
    store.upgrade()
    assert store.schema_is_current()
    [row] = store.read(select(issued_cards))
    assert (row.silent, row.rule_version, row.config_version) == (False, None, None)
    report = build_report(store).to_json(detail=True)
    [line] = report["rules"]
    assert (line["cards"], line["silent"]) == (1, 0)
    assert [(v["ruleVersion"], v["siteConfigurationVersion"]) for v in line["versions"]] == [("unknown", "unknown")]
    assert report["siteConfigurationVersions"] == {"unknown": 1}
    store.dispose()


def test_week_of_is_monday():
    from pnet_cds.report_queries import week_of

    assert week_of(date(2026, 11, 29)) == date(2026, 11, 23) and week_of(date(2026, 11, 30)) == date(2026, 11, 30)
