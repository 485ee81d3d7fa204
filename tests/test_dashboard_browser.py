"""The committee dashboard in a real browser (headless Chromium from the distribution, as tests/test_browser.py),
and an automated accessibility check (axe-core, from the npm registry) of the dashboard and the /sandbox page.

The service runs with a site configuration that pilots `post-prrt-cbc-surveillance` in silent mode; real hook
calls go through the HTTP app (three silent CBC firings, two insulinoma cards with feedback), and three earlier
weeks are written through the store so the weekly charts have a trend. The page is opened with the
administrator's HTTP Basic credential (sent by the browser on every request, as after a login prompt).

axe-core: `npm install --prefix tmp/axe axe-core@4` (what .ci/run does), or PNET_CDS_AXE_JS=<path to axe.min.js>.
With PNET_CDS_WRITE_SCREENSHOT=1 the run writes docs/dashboard.png for the README.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
import threading
from base64 import b64encode
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from pnet_cds import create_app
from pnet_cds.report_queries import week_of
from pnet_cds.store import AuditRecord, FeedbackEntry, IssuedCard

from .conftest import FIXTURES, Harness
from .test_browser import HAVE_CHROMIUM, ROOT, browser, screenshot_on_failure, wait_for  # noqa: F401 (fixture)

from selenium.webdriver.common.by import By  # noqa: E402  (test_browser skips the module without selenium)
from selenium.webdriver.support.ui import Select  # noqa: E402

AXE_JS = Path(os.environ.get("PNET_CDS_AXE_JS") or ROOT / "tmp" / "axe" / "node_modules" / "axe-core" / "axe.min.js")
if HAVE_CHROMIUM and not AXE_JS.is_file() and os.environ.get("PNET_CDS_REQUIRE_BROWSER") == "1":
    raise RuntimeError(f"PNET_CDS_REQUIRE_BROWSER=1 but axe-core is not at {AXE_JS}: npm install --prefix tmp/axe axe-core@4")
pytestmark = pytest.mark.skipif(
    not HAVE_CHROMIUM, reason="Chromium is not installed: apt-get install -y chromium chromium-driver (.ci/run does this)")
needs_axe = pytest.mark.skipif(not AXE_JS.is_file(),
                               reason=f"axe-core is not installed: npm install --prefix tmp/axe axe-core@4 (looked at {AXE_JS})")

CBC_RULE = "post-prrt-cbc-surveillance"
CBC_FIRES = "post-prrt-cbc-surveillance--cbc-9-months-ago"
INSULINOMA = "ssa-in-insulinoma--octreotide-sc-malignant-insulinoma"
REASON_CODE = "sstr-avid-glucose-monitored"
PASSWORD = "browser-test-committee-password"
SERIOUS = ("serious", "critical")


class GovernedService:
    """The real app on 127.0.0.1 with a silent pilot, an administrator credential and some history."""

    def __init__(self):
        self.workdir = tempfile.mkdtemp(prefix="pnet-cds-dashboard-")
        site = Path(self.workdir) / "site.yaml"
        site.write_text(yaml.safe_dump({"version": "pilot-1", "rules": {CBC_RULE: {
            "mode": "silent", "parameters": {"cbc_interval_days": 150},
            "note": "pilot on real traffic before switching on"}}}), encoding="utf-8")
        self.app = create_app({"TESTING": True, "AUTH": False, "DATABASE_URL": f"sqlite:///{self.workdir}/d.db",
                               "AUDIT_HMAC_KEY": "dashboard-test-key", "SITE_CONFIG_FILE": str(site),
                               "ADMIN_PASSWORD_HASH": generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")})
        self.store = self.app.extensions["pnet_cds_store"]
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.patient_ids: set[str] = set()

    def fire_real_calls(self) -> None:
        harness, client = Harness(self.app), self.app.test_client()
        for _ in range(3):
            body = harness.request(CBC_FIRES, "patient-view")
            self.patient_ids.add(body["context"]["patientId"])
            assert CBC_RULE not in json.dumps(harness.post("pnet-patient-view", body).get_json())
        cards = [harness.cards_of(INSULINOMA, "order-sign", "ssa-in-insulinoma")[0]["uuid"] for _ in range(2)]
        assert self.app.extensions["pnet_cds_audit"].flush(timeout=10)
        entries = [{"card": cards[0], "outcome": "overridden", "outcomeTimestamp": "2026-06-01T12:00:00Z",
                    "overrideReason": {"reason": {"system": "urn:pnet-cds:override-reason", "code": REASON_CODE}}},
                   {"card": cards[1], "outcome": "accepted", "outcomeTimestamp": "2026-06-01T12:01:00Z",
                    "acceptedSuggestions": [{"id": "x"}]}]
        assert client.post("/cds-services/pnet-order-sign/feedback", json={"feedback": entries}).status_code == 200

    def write_history(self) -> None:
        """Three earlier weeks, as earlier hook calls would have left them (written through the store)."""
        now = datetime.now(timezone.utc)
        records, outcomes = [], []
        for weeks_ago, (shown, silent, overridden) in {3: (4, 0, 3), 2: (5, 2, 2), 1: (3, 4, 1)}.items():
            at = now - timedelta(weeks=weeks_ago)
            cards = [IssuedCard(f"seed-{weeks_ago}-{i}", "pnet-order-sign", "ssa-in-insulinoma", "seed", [], at,
                                "1", "pilot-0") for i in range(shown)]
            cards += [IssuedCard(f"seed-{weeks_ago}-s{i}", "pnet-patient-view", CBC_RULE, "seed", [], at, "1",
                                 "pilot-1", silent=True) for i in range(silent)]
            records.append(AuditRecord(at=at, service="pnet-order-sign", status=200, outcome="cards", latency_ms=5.0,
                                       config_version="pilot-0", cards=cards))
            outcomes += [FeedbackEntry(f"seed-{weeks_ago}-{i}", "overridden", at, override_system="urn:pnet-cds:override-reason",
                                       override_code=REASON_CODE) for i in range(overridden)]
        self.store.record_calls(records)
        self.store.save_feedback("pnet-order-sign", outcomes, now)


@pytest.fixture(scope="module")
def governed():
    service = GovernedService()
    service.fire_real_calls()
    service.write_history()
    service.thread.start()
    yield service
    service.server.shutdown()
    service.thread.join(timeout=5)
    service.store.dispose()
    shutil.rmtree(service.workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def admin_browser(browser):  # noqa: F811 (the fixture imported from test_browser)
    """The browser, sending the administrator's credential with every request."""
    token = b64encode(f"committee:{PASSWORD}".encode()).decode()
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Basic {token}"}})
    browser.set_script_timeout(60)
    return browser


def open_dashboard(driver, governed, query: str = ""):
    driver.get(f"{governed.url}/dashboard{query}")
    wait_for(driver, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-loaded") == "true")


def cells(driver, rule: str) -> dict:
    """The rule's row as {column: lines of text}, read in one script (the table is re-rendered on reload)."""
    return driver.execute_script("""
        var row = document.querySelector("#rules-table tr[data-rule='" + arguments[0] + "']"), out = {};
        if (!row) { return null; }
        row.querySelectorAll("td[data-col]").forEach(function (td) { out[td.dataset.col] = td.innerText.split("\\n"); });
        out.text = row.innerText;
        return out;""", rule)


def row_of(driver, rule: str):
    return driver.find_element(By.CSS_SELECTOR, f"#rules-table tr[data-rule='{rule}']")


def test_the_silent_pilot_shows_beside_live_rules_with_weekly_charts(admin_browser, governed):
    driver = admin_browser
    with screenshot_on_failure(driver, "dashboard-pilot"):
        open_dashboard(driver, governed)
        assert driver.find_element(By.ID, "config-version").text == "site configuration pilot-1"
        cbc = cells(driver, CBC_RULE)
        assert (cbc["cards"], cbc["silent"]) == (["0"], ["9"])  # 3 real silent firings + 6 earlier
        assert "silent" in row_of(driver, CBC_RULE).find_element(By.CSS_SELECTOR, ".mode").text
        insulinoma = cells(driver, "ssa-in-insulinoma")
        # 2 real cards (1 overridden, 1 accepted) + 12 earlier (6 overridden): 7 of 14 overridden
        assert insulinoma["cards"] == ["14"] and insulinoma["overridden"] == ["7", "50.0 %"]
        assert insulinoma["accepted"] == ["1", "7.1 %"]
        assert "SSTR-avid disease on imaging; glucose monitored (7)" in insulinoma["text"]
        totals = driver.find_element(By.ID, "totals").text
        assert "Silent firings\n9" in totals and "Cards shown\n14" in totals
        chart = driver.find_element(By.CSS_SELECTOR, "#overall-chart svg")
        assert chart.get_attribute("role") == "img" and "Cards per week, all rules" in chart.get_attribute("aria-label")
        weeks = {rect.get_attribute("data-week") for rect in chart.find_elements(By.CSS_SELECTOR, "rect[data-kind]")}
        this_week = week_of(datetime.now(timezone.utc))
        assert {(this_week - timedelta(weeks=n)).isoformat() for n in range(4)} <= weeks
        silent_bars = chart.find_elements(By.CSS_SELECTOR, "rect[data-kind='silent']")
        assert sorted(int(bar.get_attribute("data-count")) for bar in silent_bars) == [2, 3, 4]

        row_of(driver, CBC_RULE).find_element(By.CSS_SELECTOR, f"a[data-rule='{CBC_RULE}']").click()
        detail = driver.find_element(By.ID, "rule-detail")
        wait_for(driver, lambda d: detail.get_attribute("data-rule") == CBC_RULE and detail.is_displayed())
        text = detail.text
        assert "Committee note: pilot on real traffic before switching on" in text
        assert "cbc_interval_days 150 (site) 183 30–183" in text
        assert "CBC with differential due" in text and "Order CBC" not in text  # the card text, not its actions
        assert "CBC done elsewhere; result reviewed" in text  # the override reasons it offers
        versions = [row.text for row in detail.find_elements(By.CSS_SELECTOR, "table.versions tbody tr")]
        assert versions == ["1 pilot-1 0 9 0 0 –"]
        page = driver.page_source
        assert not [pid for pid in governed.patient_ids if pid in page], "a patient id reached the page"
        if os.environ.get("PNET_CDS_WRITE_SCREENSHOT") == "1":
            driver.execute_script("window.scrollTo(0, 0)")
            driver.save_screenshot(str(ROOT / "docs" / "dashboard.png"))


def test_a_chosen_period_and_the_exports_follow_it(admin_browser, governed):
    driver = admin_browser
    with screenshot_on_failure(driver, "dashboard-period"):
        open_dashboard(driver, governed)
        three_weeks_ago = datetime.now(timezone.utc) - timedelta(weeks=3)
        day = three_weeks_ago.date().isoformat()
        for field in ("from", "to"):
            driver.execute_script("arguments[0].value = arguments[1]", driver.find_element(By.ID, field), day)
        driver.find_element(By.CSS_SELECTOR, "#period button[type=submit]").click()
        wait_for(driver, lambda d: (cells(d, "ssa-in-insulinoma") or {}).get("cards") == ["4"])
        assert cells(driver, "ssa-in-insulinoma")["overridden"] == ["3", "75.0 %"]
        assert cells(driver, CBC_RULE)["silent"] == ["0"]
        href = driver.find_element(By.ID, "export-csv").get_attribute("href")
        assert href.endswith(f"/dashboard/api/export.csv?from={day}&to={day}")
        exported = driver.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "fetch(arguments[0]).then(function (r) { return r.text(); }).then(done);", href)
        rows = {(row["rule"], row["week"]): row for row in csv.DictReader(io.StringIO(exported))}
        total = rows[("ssa-in-insulinoma", "all")]
        assert [total[k] for k in ("cards_shown", "accepted", "overridden", "override_rate")] == ["4", "0", "3", "75.0"]
        assert rows[("ssa-in-insulinoma", week_of(three_weeks_ago).isoformat())]["overridden"] == "3"


def test_no_console_errors_or_csp_violations_on_the_dashboard(admin_browser, governed):
    open_dashboard(admin_browser, governed)
    logs = [entry["message"] for entry in admin_browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert logs == []


def axe_violations(driver) -> list[dict]:
    """axe-core's violations on the current page: id, impact, help, and the elements."""
    driver.execute_script(AXE_JS.read_text(encoding="utf-8"))
    result = driver.execute_async_script("""
        var done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']}).then(function (r) {
          done(r.violations.map(function (v) {
            return {id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(function (n) { return n.target.join(' '); })};
          }));
        }).catch(function (e) { done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]); });""")
    return result


@needs_axe
def test_the_dashboard_passes_axe_with_no_serious_or_critical_violation(admin_browser, governed):
    driver = admin_browser
    with screenshot_on_failure(driver, "dashboard-axe"):
        open_dashboard(driver, governed, f"#rule={CBC_RULE}")
        wait_for(driver, lambda d: d.find_element(By.ID, "rule-detail").get_attribute("data-rule") == CBC_RULE)
        violations = axe_violations(driver)
        assert [v for v in violations if v["impact"] in SERIOUS] == []


@needs_axe
def test_the_sandbox_passes_axe_with_no_serious_or_critical_violation(admin_browser, governed):
    driver = admin_browser
    with screenshot_on_failure(driver, "sandbox-axe"):
        driver.get(f"{governed.url}/sandbox?patient={INSULINOMA}")
        wait_for(driver, lambda d: "Ada Insulinoma-One" in d.find_element(By.ID, "patient-problems").text)
        driver.find_element(By.ID, "fire").click()
        wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "article.card[data-rule='ssa-in-insulinoma']"))
        card = driver.find_element(By.CSS_SELECTOR, "article.card[data-rule='ssa-in-insulinoma']")
        card.find_element(By.CSS_SELECTOR, "button.dismiss").click()  # the override form is on the page too
        violations = axe_violations(driver)
        assert [v for v in violations if v["impact"] in SERIOUS] == []
        assert Select(driver.find_element(By.ID, "regimen-select")).options  # the select that had no name


def test_fixtures_used_here_exist():
    assert (FIXTURES / f"{CBC_FIRES}.json").is_file() and (FIXTURES / f"{INSULINOMA}.json").is_file()
