"""Noise check (issue 14, RULES.md v2 "Renewal"): replay every fixture with each drafted drug as a monthly renewal
— the same drug already active, ordered 28 days ago, and named in the draft's `priorPrescription` — and list the
cards that still fire on order-sign.

Only two kinds of card may still speak on a renewal: rule 8's gross-error check (a probable unit or decimal
error, which runs on every draft) and the rules that RULES.md v2 does not mark "new starts only" (safety
rules, whose finding does not depend on whether the drug is new). A card of a "new starts only" rule, or a
rule 8 card other than a gross error, is noise and makes the check fail.

    python -m bench.noise_check            print the table (fixture × card still firing); exit 1 on noise
"""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from pnet_cds import create_app
from pnet_cds.fixtures import Fixture, build_hook_request, list_fixtures, load_fixture

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fhir_fixtures"
SERVICE = "pnet-order-sign"
# RULES.md v2 marks rules 3, 21 and 23 "new starts only"; rules 4 and 7 speak of starting the SSA / the LAR and
# are not safety rules, so they are held to it too (issue 14: only rule 8 and safety rules speak on renewals).
NEW_STARTS_ONLY = {"everolimus-hyperglycemia", "ssa-on-therapy-switch", "sunitinib-baseline-monitoring",
                   "gastrinoma-ppi-first", "octreotide-lar-without-sc-trial", "temozolomide-without-capecitabine",
                   "checkpoint-inhibitor-in-wd-net"}
# Rule 24 speaks on a pasireotide renewal only when everolimus started after the renewed order (a new combination).
NEW_COMBINATIONS_ONLY = {"pasireotide-with-everolimus"}
DOSE_RULE = "standard-dose-check"
GROSS_ERROR_SUMMARY = "Probable unit or decimal error"
RENEWAL_AFTER_DAYS = 28
WITHDRAWN = {"cancelled", "entered-in-error", "revoked", "stopped", "completed"}


@dataclass
class Row:
    """One card still firing when the fixture's drafts are renewals."""

    fixture: str
    rule: str
    indicator: str
    summary: str
    verdict: str  # "noise" | "allowed: rule 8 gross error" | "allowed: not new-starts-only"
    also_as_new_start: bool


def as_renewals(fixture: Fixture) -> Fixture | None:
    """The fixture with every drafted drug already active (an order written 28 days before the anchor) and each
    draft naming that order as its priorPrescription; None when the fixture drafts no drug."""
    drafts = [d for d in fixture.drafts if d.get("resourceType") == "MedicationRequest"
              and d.get("status") not in WITHDRAWN]
    if not drafts:
        return None
    record, renewed_drafts = list(fixture.record), []
    when = (fixture.anchor - timedelta(days=RENEWAL_AFTER_DAYS)).isoformat().replace("+00:00", "Z")
    for draft in fixture.drafts:
        if not any(draft is d for d in drafts):
            renewed_drafts.append(draft)
            continue
        previous = copy.deepcopy(draft)
        previous.pop("meta", None)
        previous.update(id=f"{draft['id']}-previous", status="active", intent="order", authoredOn=when)
        record.append(previous)
        renewed_drafts.append(dict(copy.deepcopy(draft), priorPrescription={
            "reference": f"MedicationRequest/{previous['id']}"}))
    return Fixture(fixture.name, fixture.patient, record, renewed_drafts, fixture.anchor)


def verdict(card: dict) -> str:
    rule = card["source"]["topic"]["code"]
    if rule in NEW_STARTS_ONLY:
        return "noise"
    if rule in NEW_COMBINATIONS_ONLY:
        return "allowed: everolimus started after the renewed pasireotide order"
    if rule == DOSE_RULE:
        return "allowed: rule 8 gross error" if card["summary"].startswith(GROSS_ERROR_SUMMARY) else "noise"
    return "allowed: not new-starts-only"


def check(names: list[str] | None = None) -> list[Row]:
    """Fire order-sign for each fixture as drafted and as renewals; the cards that fire on the renewals."""
    with tempfile.TemporaryDirectory(prefix="pnet-cds-noise-") as folder:
        rows = []
        for name in names or list_fixtures(FIXTURES):
            fixture = load_fixture(FIXTURES, name)
            renewal = as_renewals(fixture)
            if renewal is None:
                continue
            app = _app(fixture, folder)
            before = {_key(card) for card in _cards(app, fixture)}
            rows += [Row(name, card["source"]["topic"]["code"], card["indicator"], card["summary"], verdict(card),
                         _key(card) in before) for card in _cards(app, renewal)]
        return rows


_APPS: dict = {}


def _app(fixture: Fixture, folder: str):
    """One app per anchor date (its clock pinned there), authentication off, audit in a scratch database."""
    anchor = fixture.anchor
    if anchor not in _APPS:
        _APPS[anchor] = create_app({"TESTING": True, "AUTH": False, "NOW": anchor,
                                    "DATABASE_URL": f"sqlite:///{folder}/noise.db", "AUDIT_HMAC_KEY": "noise-check"})
    return _APPS[anchor]


def _cards(app, fixture: Fixture) -> list[dict]:
    service = app.extensions["pnet_cds"].services[SERVICE]
    response = app.test_client().post(f"/cds-services/{SERVICE}", json=build_hook_request(fixture, service))
    if response.status_code != 200:
        raise RuntimeError(f"{fixture.name}: order-sign answered {response.status_code}: {response.get_json()}")
    return response.get_json()["cards"]


def _key(card: dict) -> tuple[str, str]:
    return card["source"]["topic"]["code"], card["indicator"]


def render(rows: list[Row]) -> str:
    lines = ["| fixture (drafts replayed as monthly renewals) | card still firing | indicator | verdict "
             "| fired as new start too |",
             "|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row.fixture} | {row.rule} | {row.indicator} | {row.verdict} | "
                     f"{'yes' if row.also_as_new_start else 'no'} |")
    noise = [row for row in rows if row.verdict == "noise"]
    by_rule: dict[str, int] = {}
    for row in rows:
        by_rule[row.rule] = by_rule.get(row.rule, 0) + 1
    lines.append("")
    lines.append("cards still firing on renewals, by rule: " +
                 ", ".join(f"{rule} {count}" for rule, count in sorted(by_rule.items())))
    lines.append(f"noise (a new-starts-only rule, or rule 8 other than a gross error): {len(noise)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fixtures", nargs="*", help="fixture names (default: every fixture)")
    args = parser.parse_args(argv)
    rows = check(args.fixtures or None)
    print(render(rows))
    return 1 if any(row.verdict == "noise" for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
