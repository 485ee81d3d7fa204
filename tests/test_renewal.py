"""RULES.md v2 "Renewal" (service/rules/_renewal.py): renewal vs new start, on records shaped the ways EHRs
send them — active orders at another RxNorm level, medicationReference, priorPrescription and basedOn by
relative or absolute reference, order sets, on-hold and ended predecessors, partial dates."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pnet_cds.hook_request import HookRequest
from pnet_cds.record import PatientRecord
from pnet_cds.rules._renewal import is_renewal, order_end, renewed_orders
from pnet_cds.rules.common import RuleContext
from pnet_cds.terminology import load_terminology

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
TERMINOLOGY = load_terminology(Path(__file__).resolve().parent.parent / "cards" / "valuesets")

EVEROLIMUS_IN = {"system": RX, "code": "141704", "display": "everolimus"}
EVEROLIMUS_10_SCD = {"system": RX, "code": "845507", "display": "everolimus 10 MG Oral Tablet"}
SUTENT_50 = {"system": RX, "code": "616292", "display": "sunitinib 50 MG Oral Capsule [Sutent]"}
SUNITINIB_IN = {"system": RX, "code": "357977", "display": "sunitinib"}
LANREOTIDE_SBD = {"system": RX, "code": "749816", "display": "0.5 ML lanreotide 240 MG/ML Prefilled Syringe [Somatuline]"}
LANREOTIDE_BN = {"system": RX, "code": "72664", "display": "Somatuline"}


def day(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).isoformat().replace("+00:00", "Z")


def order(id_: str, coding: dict | None = None, status: str = "active", **extra) -> dict:
    resource = {"resourceType": "MedicationRequest", "id": id_, "status": status, "intent": "order",
                "subject": {"reference": "Patient/p"}, "authoredOn": day(30)}
    if coding:
        resource["medicationCodeableConcept"] = {"coding": [coding]}
    resource.update(extra)
    return resource


def draft(coding: dict | None = None, **extra) -> dict:
    return order("draft-1", coding, status="draft", authoredOn=day(0), **extra)


def context(record_resources: list[dict], drafts: list[dict], window_days: float = 90) -> RuleContext:
    record = PatientRecord()
    for i, resource in enumerate(record_resources):
        record.add(resource, f"/prefetch/x/entry/{i}")
    for i, resource in enumerate(drafts):
        record.add_draft(resource, f"/context/draftOrders/entry/{i}")
    request = HookRequest(hook="order-sign", hook_instance="h", patient_id="p", user_id="Practitioner/1",
                          context={}, prefetch={}, draft_orders=drafts)
    return RuleContext(record, request, TERMINOLOGY, NOW, {"renewal_window_days": window_days},
                       {name: name for name in TERMINOLOGY.value_sets})  # a helper test: every value set its own role


def test_an_active_order_of_the_same_ingredient_at_another_rxnorm_level_makes_a_renewal():
    active = order("evr-1", EVEROLIMUS_IN)
    new = draft(EVEROLIMUS_10_SCD)
    ctx = context([active], [new])
    assert is_renewal(ctx, new)
    assert renewed_orders(ctx, new) == [active]


def test_no_order_of_the_drug_is_a_new_start():
    new = draft(EVEROLIMUS_10_SCD)
    ctx = context([order("sun-1", SUTENT_50)], [new])
    assert not is_renewal(ctx, new)


def test_the_active_order_may_name_its_drug_by_medication_reference():
    medication = {"resourceType": "Medication", "id": "m1", "code": {"coding": [LANREOTIDE_BN]}}
    active = order("lan-1", medicationReference={"reference": "Medication/m1"})
    new = draft(LANREOTIDE_SBD)
    assert is_renewal(context([medication, active], [new]), new)


@pytest.mark.parametrize("status", ["on-hold", "cancelled", "entered-in-error", "stopped", "completed", "draft"])
def test_only_an_active_order_counts_without_a_named_predecessor(status):
    """Resuming an on-hold order is a new start; ended orders count only when named as the predecessor."""
    new = draft(SUNITINIB_IN)
    assert not is_renewal(context([order("sun-1", SUTENT_50, status=status)], [new]), new)


def test_a_proposal_is_not_an_order():
    new = draft(SUNITINIB_IN)
    assert not is_renewal(context([order("sun-1", SUTENT_50, intent="proposal")], [new]), new)


def test_prior_prescription_completed_within_the_window_is_a_renewal_by_absolute_reference():
    previous = order("evr-9", EVEROLIMUS_IN, status="completed", authoredOn=day(60),
                     dispenseRequest={"validityPeriod": {"start": day(60), "end": day(30)}})
    new = draft(EVEROLIMUS_10_SCD, priorPrescription={"reference": "https://ehr.example/fhir/MedicationRequest/evr-9"})
    ctx = context([previous], [new])
    assert renewed_orders(ctx, new) == [previous]


def test_prior_prescription_ended_before_the_window_is_a_new_start():
    previous = order("evr-9", EVEROLIMUS_IN, status="stopped", authoredOn=day(200),
                     dispenseRequest={"validityPeriod": {"start": day(200), "end": day(120)}})
    new = draft(EVEROLIMUS_10_SCD, priorPrescription={"reference": "MedicationRequest/evr-9"})
    assert not is_renewal(context([previous], [new], window_days=90), new)
    assert is_renewal(context([previous], [new], window_days=150), new)


def test_an_ended_order_without_an_end_date_is_dated_by_when_it_was_written():
    """An order of unknown length may have ended the day it was written: read so, it silences nothing for
    longer than the window."""
    previous = order("evr-9", EVEROLIMUS_IN, status="completed", authoredOn="2026-01")  # month only
    new = draft(EVEROLIMUS_10_SCD, priorPrescription={"reference": "MedicationRequest/evr-9"})
    assert not is_renewal(context([previous], [new], window_days=90), new)
    assert order_end(previous) == datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_the_dosage_bounds_end_dates_an_ended_order():
    previous = order("evr-9", EVEROLIMUS_IN, status="completed", authoredOn=day(300), dosageInstruction=[
        {"timing": {"repeat": {"boundsPeriod": {"start": day(300), "end": day(10)}}}}])
    new = draft(EVEROLIMUS_10_SCD, basedOn=[{"reference": "MedicationRequest/evr-9"}])
    assert is_renewal(context([previous], [new]), new)


def test_a_predecessor_of_another_ingredient_is_no_predecessor():
    previous = order("sun-9", SUTENT_50, status="completed", authoredOn=day(20))
    new = draft(EVEROLIMUS_10_SCD, priorPrescription={"reference": "MedicationRequest/sun-9"})
    assert not is_renewal(context([previous], [new]), new)


@pytest.mark.parametrize("kind", ["CarePlan", "RequestGroup"])
def test_based_on_an_order_set_is_a_new_start(kind):
    plan = {"resourceType": kind, "id": "set-1", "status": "active", "intent": "plan",
            "subject": {"reference": "Patient/p"}}
    new = draft(SUNITINIB_IN, basedOn=[{"reference": f"{kind}/set-1"}])
    assert not is_renewal(context([plan], [new]), new)


def test_an_on_hold_predecessor_named_by_prior_prescription_is_resumed_so_a_new_start():
    previous = order("sun-9", SUTENT_50, status="on-hold")
    new = draft(SUNITINIB_IN, priorPrescription={"reference": "MedicationRequest/sun-9"})
    assert not is_renewal(context([previous], [new]), new)


def test_an_unresolvable_predecessor_or_an_unidentified_drug_is_a_new_start():
    new = draft(SUNITINIB_IN, priorPrescription={"reference": "MedicationRequest/not-sent"})
    assert not is_renewal(context([], [new]), new)
    text_only = draft(medicationCodeableConcept={"text": "sunitinib 37.5 mg"})
    assert not is_renewal(context([order("sun-1", SUTENT_50)], [text_only]), text_only)


def test_the_draft_sent_again_in_the_record_with_its_own_id_does_not_renew_itself():
    new = draft(SUNITINIB_IN)
    echoed = dict(new, status="active")
    assert not is_renewal(context([echoed], [new]), new)


def test_the_window_is_required_from_the_card_file():
    new = draft(SUNITINIB_IN)
    ctx = context([], [new])
    ctx.params = {}
    with pytest.raises(KeyError, match="renewal_window_days"):
        renewed_orders(ctx, new)


def test_every_rule_that_asks_uses_one_renewal_window():
    """The renewal window is one local-policy number, kept in each asking rule's card file: they must agree."""
    import yaml
    cards = Path(__file__).resolve().parent.parent / "cards"
    windows = {}
    for path in cards.glob("*.yaml"):
        parameters = yaml.safe_load(path.read_text(encoding="utf-8")).get("parameters") or {}
        if "renewal_window_days" in parameters:
            windows[path.stem] = parameters["renewal_window_days"]
    assert {"everolimus-hyperglycemia", "standard-dose-check", "ssa-on-therapy-switch",
            "sunitinib-baseline-monitoring"} <= set(windows)
    assert len(set(windows.values())) == 1, windows
