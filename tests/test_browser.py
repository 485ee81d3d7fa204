"""End to end in a real browser: the sandbox page, driven in headless Chromium from the distribution's packages
(`apt-get install chromium chromium-driver`; no browser download), against the real app on a loopback port.

Flow: load the page, choose the insulinoma patient, draft octreotide, fire order-sign, see the
`ssa-in-insulinoma` warning, apply its suggestion, see the draft list change, and check that the feedback
reached the service; then dismiss a card with an override reason. A failing test leaves a screenshot in
tmp/artifacts/. With PNET_CDS_WRITE_SCREENSHOT=1 the run writes docs/sandbox.png for the README.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from flask import request
from sqlalchemy import select
from werkzeug.serving import make_server

from pnet_cds import create_app
from pnet_cds.store import feedback, issued_cards

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = ROOT / "tmp" / "artifacts"
INSULINOMA = "ssa-in-insulinoma--octreotide-sc-malignant-insulinoma"
PNET_NO_PRRT, PNET_NO_PRRT_NAME = "post-prrt-cbc-surveillance--no-prrt", "Gil No-Prrt"

HAVE_CHROMIUM = Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()
if not HAVE_CHROMIUM and os.environ.get("PNET_CDS_REQUIRE_BROWSER") == "1":
    raise RuntimeError("PNET_CDS_REQUIRE_BROWSER=1 (as in .ci/run) but chromium / chromedriver are not installed")
pytestmark = pytest.mark.skipif(
    not HAVE_CHROMIUM,
    reason="Chromium is not installed: apt-get install -y chromium chromium-driver (.ci/run does this)")


class LiveService:
    """The real app on 127.0.0.1 in a thread, recording the feedback posts it receives."""

    def __init__(self):
        self.workdir = tempfile.mkdtemp(prefix="pnet-cds-browser-")
        # Real clock, defaults otherwise; the database, audit key and development issuer key live in a temp dir.
        self.app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{self.workdir}/browser.db",
                               "AUDIT_HMAC_KEY": "browser-test-audit-key", "DEV_ISSUER_DIR": f"{self.workdir}/dev"})
        self.feedback_posts: list[dict] = []
        self.app.before_request(self._record_feedback)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _record_feedback(self):
        if request.method == "POST" and request.path.endswith("/feedback"):
            self.feedback_posts.append({"path": request.path, "body": request.get_json(silent=True)})

    def stored_feedback(self) -> list:
        """The feedback rows in the service's store (the database the feedback endpoint writes)."""
        store = self.app.extensions["pnet_cds_store"]
        return store.read(select(feedback).order_by(feedback.c.id))

    def issued_rule(self, card_uuid: str) -> str | None:
        """The rule id the audit trail recorded for an issued card (after the audit writer drained)."""
        assert self.app.extensions["pnet_cds_audit"].flush(timeout=10), "the audit writer did not drain"
        rows = self.app.extensions["pnet_cds_store"].read(
            select(issued_cards.c.rule_id).where(issued_cards.c.card_uuid == card_uuid))
        return rows[0].rule_id if rows else None


@pytest.fixture(scope="module")
def live():
    service = LiveService()
    service.thread.start()
    yield service
    service.server.shutdown()
    service.thread.join(timeout=5)
    shutil.rmtree(service.workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="pnet-cds-chromium-")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1500,1150", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@contextlib.contextmanager
def screenshot_on_failure(driver, name: str):
    try:
        yield
    except BaseException:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
        (ARTIFACTS / f"{name}.html").write_text(driver.page_source, encoding="utf-8")
        raise


def wait_for(driver, condition, timeout=15):
    return WebDriverWait(driver, timeout).until(lambda d: condition(d))


def open_patient(driver, live, fixture: str, name: str = "Ada Insulinoma-One"):
    driver.get(f"{live.url}/sandbox")
    wait_for(driver, lambda d: len(Select(d.find_element(By.ID, "patient-select")).options) > 1)
    Select(driver.find_element(By.ID, "patient-select")).select_by_value(fixture)
    wait_for(driver, lambda d: name in d.find_element(By.ID, "patient-problems").text)


def add_order(driver, key: str, dose: str | None = None):
    Select(driver.find_element(By.ID, "order-select")).select_by_value(key)
    if dose is not None:
        field = driver.find_element(By.ID, "order-dose")
        field.clear()
        field.send_keys(dose)
    before = len(draft_refs(driver))
    driver.find_element(By.ID, "add-order").click()
    wait_for(driver, lambda d: len(draft_refs(d)) == before + 1)


def draft_refs(driver) -> list[str]:
    return [li.get_attribute("data-ref") for li in driver.find_elements(By.CSS_SELECTOR, "#drafts li[data-ref]")]


def fire_and_get_card(driver, rule_id: str):
    driver.find_element(By.ID, "fire").click()
    return wait_for(driver, lambda d: (d.find_elements(By.CSS_SELECTOR, f"article.card[data-rule='{rule_id}']")
                                       or [None])[0])


def feedback_status(driver, card) -> str:
    status = card.find_element(By.CSS_SELECTOR, ".feedback-status")
    return wait_for(driver, lambda d: status.get_attribute("data-status"))


def test_insulinoma_patient_octreotide_warning_suggestion_and_feedback(browser, live):
    driver = browser
    with screenshot_on_failure(driver, "insulinoma-suggestion"):
        open_patient(driver, live, INSULINOMA)
        assert "Malignant insulinoma" in driver.find_element(By.ID, "chart").text
        driver.find_element(By.ID, "clear-drafts").click()
        assert draft_refs(driver) == []
        add_order(driver, "octreotide-sc", "100")
        [octreotide_ref] = draft_refs(driver)
        assert octreotide_ref.startswith("MedicationRequest/draft-octreotide-sc-")
        assert "100 micrograms subcutaneously three times daily" in driver.find_element(By.ID, "drafts").text

        card = fire_and_get_card(driver, "ssa-in-insulinoma")
        # Authentication is on (the default): the page signed its calls with the local development issuer.
        assert driver.find_element(By.ID, "auth-status").text == "auth: JWT from urn:pnet-cds:local-dev"
        assert "indicator-warning" in card.get_attribute("class")
        assert "Somatostatin analog in insulinoma may worsen hypoglycemia" in card.text
        bold = [b.text for b in card.find_elements(By.CSS_SELECTOR, ".card-detail strong")]
        assert "Found:" in bold and "What to do:" in bold
        assert "**" not in card.find_element(By.CSS_SELECTOR, ".card-detail").text
        assert "Malignant insulinoma (disorder)" in card.text
        assert "ssa-in-insulinoma" in card.find_element(By.CSS_SELECTOR, ".card-source code").text
        request_json = driver.execute_script("return document.getElementById('raw-request-json').textContent")
        assert octreotide_ref.split("/")[1] in request_json
        if os.environ.get("PNET_CDS_WRITE_SCREENSHOT") == "1":
            write_readme_screenshot(driver)

        suggestion = next(b for b in card.find_elements(By.CSS_SELECTOR, "button.suggestion")
                          if "diazoxide" in b.text)
        suggestion_uuid, card_uuid = suggestion.get_attribute("data-uuid"), card.get_attribute("data-uuid")
        suggestion.click()

        wait_for(driver, lambda d: octreotide_ref not in draft_refs(d))
        added = driver.find_element(By.CSS_SELECTOR, "#drafts li.changed")
        assert "diazoxide 50 MG/ML Oral Suspension" in added.text and "added" in added.text
        assert card.get_attribute("data-outcome") == "accepted"
        status = feedback_status(driver, card)

        accepted = [p for p in live.feedback_posts if p["body"]["feedback"][0]["outcome"] == "accepted"]
        assert len(accepted) == 1
        assert accepted[0]["path"] == "/cds-services/pnet-order-sign/feedback"
        entry = accepted[0]["body"]["feedback"][0]
        assert entry["card"] == card_uuid and entry["acceptedSuggestions"] == [{"id": suggestion_uuid}]
        assert entry["outcomeTimestamp"].endswith("Z")
        expect_feedback_answer(status, card)
        row = next(r for r in live.stored_feedback() if r.card_uuid == card_uuid)
        assert (row.outcome, row.accepted_suggestions, row.service) == (
                "accepted", [suggestion_uuid], "pnet-order-sign")
        assert live.issued_rule(card_uuid) == "ssa-in-insulinoma", "the audit trail links the card to its rule"


def test_dismiss_sends_overridden_feedback_with_the_cards_reason(browser, live):
    driver = browser
    with screenshot_on_failure(driver, "insulinoma-dismiss"):
        open_patient(driver, live, INSULINOMA)
        driver.find_element(By.ID, "clear-drafts").click()
        add_order(driver, "lanreotide")
        card = fire_and_get_card(driver, "ssa-in-insulinoma")
        card.find_element(By.CSS_SELECTOR, "button.dismiss").click()
        reasons = card.find_elements(By.CSS_SELECTOR, ".override-form label")
        assert [r.text for r in reasons][:2] == ["SSTR-avid disease on imaging; glucose monitored",
                                                 "Diazoxide and everolimus not tolerated or not suitable"]
        reasons[0].find_element(By.TAG_NAME, "input").click()
        card.find_element(By.CSS_SELECTOR, ".override-form textarea").send_keys("tumour board decision")
        before = len(live.feedback_posts)
        card.find_element(By.CSS_SELECTOR, "button.send-override").click()
        status = feedback_status(driver, card)
        assert len(live.feedback_posts) == before + 1
        entry = live.feedback_posts[-1]["body"]["feedback"][0]
        assert entry["outcome"] == "overridden" and entry["card"] == card.get_attribute("data-uuid")
        assert entry["overrideReason"] == {
            "reason": {"system": "urn:pnet-cds:override-reason", "code": "sstr-avid-glucose-monitored",
                       "display": "SSTR-avid disease on imaging; glucose monitored"},
            "userComment": "tumour board decision"}
        assert len(draft_refs(driver)) == 1, "dismissing a card must not change the drafts"
        expect_feedback_answer(status, card)
        row = next(r for r in live.stored_feedback() if r.card_uuid == card.get_attribute("data-uuid"))
        assert (row.outcome, row.override_code, row.user_comment) == (
                "overridden", "sstr-avid-glucose-monitored", "tumour board decision")


def test_hook_choice_shapes_the_request_order_select_selections_and_patient_view(browser, live):
    driver = browser
    with screenshot_on_failure(driver, "hook-choice"):
        open_patient(driver, live, INSULINOMA)
        [ref] = draft_refs(driver)
        Select(driver.find_element(By.ID, "service-select")).select_by_value("pnet-order-select")
        assert driver.find_element(By.ID, "selection-note").is_displayed()
        fire_and_get_card(driver, "ssa-in-insulinoma")
        sent = json.loads(driver.find_element(By.ID, "raw-request-json").get_attribute("textContent"))
        assert sent["hook"] == "order-select" and sent["context"]["selections"] == [ref]
        assert "type" not in sent["context"]["draftOrders"]  # as the published CDS Hooks Sandbox sends it

        Select(driver.find_element(By.ID, "service-select")).select_by_value("pnet-patient-view")
        assert not driver.find_element(By.ID, "order-entry").is_displayed()
        driver.find_element(By.ID, "fire").click()
        wait_for(driver, lambda d: "No cards" in d.find_element(By.ID, "cards").text)
        sent = json.loads(driver.find_element(By.ID, "raw-request-json").get_attribute("textContent"))
        assert sent["hook"] == "patient-view" and "draftOrders" not in sent["context"]


def test_edited_dose_reaches_the_service_and_the_dose_check(browser, live):
    driver = browser
    with screenshot_on_failure(driver, "dose-edit"):
        open_patient(driver, live, PNET_NO_PRRT, name=PNET_NO_PRRT_NAME)
        add_order(driver, "everolimus")
        dose = driver.find_element(By.CSS_SELECTOR, "#drafts li[data-ref] input.draft-dose")
        assert dose.get_attribute("value") == "10"
        dose.send_keys(Keys.CONTROL, "a")
        dose.send_keys("5", Keys.TAB)  # change event: the catalog rebuilds the draft with the new dose and text
        wait_for(driver, lambda d: "5 mg orally once daily" in d.find_element(By.ID, "drafts").text)
        card = fire_and_get_card(driver, "standard-dose-check")
        assert "indicator-info" in card.get_attribute("class")
        assert "Everolimus below the standard dose: 5 mg per day" in card.text


def test_card_text_cannot_inject_markup_or_script(browser, live):
    driver = browser
    with screenshot_on_failure(driver, "markdown-safety"):
        driver.get(f"{live.url}/sandbox")
        wait_for(driver, lambda d: d.execute_script("return !!window.PnetSandbox"))
        result = driver.execute_script("""
            var evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
            var card = {uuid: 'u1', indicator: 'critical', summary: evil,
              detail: '**Found:** ' + evil + ' \\\\*not italic\\\\* `<b>code</b>`\\n\\n- one\\n- two **b**',
              source: {label: 'src', url: 'javascript:window.__pwned=3'},
              links: [{label: 'bad', url: 'javascript:window.__pwned=4', type: 'absolute'},
                      {label: 'good', url: 'https://example.org/x', type: 'absolute'}]};
            var node = window.PnetSandbox.renderCard(card, 'pnet-order-sign');
            document.body.appendChild(node);
            return {imgs: node.querySelectorAll('img, script').length, pwned: window.__pwned || null,
                    hrefs: Array.prototype.map.call(node.querySelectorAll('a'), function (a) { return a.href; }),
                    strong: Array.prototype.map.call(node.querySelectorAll('strong'), function (s) { return s.textContent; }),
                    code: node.querySelector('code').textContent, items: node.querySelectorAll('li').length,
                    text: node.querySelector('.card-detail').textContent,
                    cls: node.className};""")
        assert result["imgs"] == 0 and result["pwned"] is None
        assert result["hrefs"] == ["https://example.org/x"]
        assert result["strong"] == ["Found:", "b"]
        assert result["code"] == "<b>code</b>" and result["items"] == 2
        assert "*not italic*" in result["text"] and '<img src=x onerror="window.__pwned=1">' in result["text"]
        assert result["cls"] == "card indicator-critical"


def test_update_and_delete_actions_change_the_draft_list(browser, live):
    driver = browser
    with screenshot_on_failure(driver, "update-action"):
        open_patient(driver, live, INSULINOMA)
        [ref] = draft_refs(driver)
        done = driver.execute_script("""
            var item = window.PnetSandbox.state.drafts[0];
            var updated = JSON.parse(JSON.stringify(item.resource));
            updated.dosageInstruction[0].doseAndRate[0].doseQuantity.value = 50;
            var text = window.PnetSandbox.applyActions([{type: 'update', resource: updated},
                                                        {type: 'delete', resourceId: 'MedicationRequest/not-a-draft'}]);
            return [text, window.PnetSandbox.state.drafts.length,
                    window.PnetSandbox.state.drafts[0].resource.dosageInstruction[0].doseAndRate[0].doseQuantity.value,
                    window.PnetSandbox.state.drafts[0].changed];""")
        assert done == [f"updated {ref}; MedicationRequest/not-a-draft was not a draft", 1, 50, "updated"]


def test_no_console_errors_or_csp_violations(browser, live):
    driver = browser
    driver.get(f"{live.url}/sandbox")
    wait_for(driver, lambda d: len(Select(d.find_element(By.ID, "patient-select")).options) > 1)
    logs = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    # A missing feedback endpoint shows as a 404 resource error; anything else (CSP, script errors) fails.
    assert [m for m in logs if "/feedback" not in m] == []


def expect_feedback_answer(status: str, card) -> None:
    """The service's feedback endpoint accepted the post, and the card says so."""
    text = card.find_element(By.CSS_SELECTOR, ".feedback-status").text
    assert status == "200", text
    assert "received by the service (200)" in text


def write_readme_screenshot(driver) -> None:
    target = ROOT / "docs" / "sandbox.png"
    target.parent.mkdir(exist_ok=True)
    driver.save_screenshot(str(target))
