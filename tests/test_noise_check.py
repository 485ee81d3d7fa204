"""The noise check (bench/noise_check.py, issue 14): every fixture replayed with its drafted drugs as monthly
renewals; no "new starts only" rule and no rule 8 card other than a gross error may still fire."""

from __future__ import annotations

from bench.noise_check import FIXTURES, as_renewals, check, render, verdict
from pnet_cds.fixtures import load_fixture


def _card(rule: str, summary: str = "s") -> dict:
    return {"source": {"topic": {"code": rule}}, "summary": summary, "indicator": "info"}


def test_the_verdicts_tell_noise_from_what_may_speak():
    assert verdict(_card("everolimus-hyperglycemia")) == "noise"
    assert verdict(_card("sunitinib-baseline-monitoring")) == "noise"
    assert verdict(_card("standard-dose-check", "Everolimus below the standard dose: 5 mg per day")) == "noise"
    assert verdict(_card("standard-dose-check", "Probable unit or decimal error: 0.01 mg per day of everolimus")) \
        == "allowed: rule 8 gross error"
    assert verdict(_card("ssa-in-insulinoma")) == "allowed: not new-starts-only"


def test_a_renewal_replay_makes_each_drafted_drug_active_and_names_it_as_predecessor():
    fixture = load_fixture(FIXTURES, "everolimus-hyperglycemia--type-2-diabetes-no-recent-hba1c")
    renewal = as_renewals(fixture)
    (draft,) = renewal.drafts
    (previous,) = [r for r in renewal.record if r.get("id") == f"{draft['id']}-previous"]
    assert previous["status"] == "active" and previous["authoredOn"] == "2026-05-04T12:00:00Z"
    assert previous["medicationCodeableConcept"] == draft["medicationCodeableConcept"]
    assert draft["priorPrescription"] == {"reference": f"MedicationRequest/{previous['id']}"}
    assert "priorPrescription" not in fixture.drafts[0]  # the fixture itself is untouched


def test_no_fixture_replayed_as_renewals_gives_noise():
    rows = check()
    assert rows, "the replay fired nothing at all: the check is not running"
    noise = [row for row in rows if row.verdict == "noise"]
    assert noise == [], render(noise)
    gross = {row.fixture for row in rows if row.verdict == "allowed: rule 8 gross error"}
    assert "standard-dose-check--lanreotide-1200-mg-renewal-decimal-slip" in gross
