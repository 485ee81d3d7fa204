"""Ordinary patients (Synthea records without a pNET) get no cards, whatever is ordered for them.

Reads ../shared/data when present (skips otherwise): real-shaped records with hundreds of conditions,
encounters, medication requests and procedures.
"""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from pnet_cds.order_catalog import ORDERS, draft_order

from .conftest import ROOT, Harness, make_app

DATA = ROOT.parent / "shared" / "data" / "synthea-10-patients"
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is not beside the repo")


def _patients() -> dict[str, dict[str, list[dict]]]:
    by_patient: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(DATA.glob("*.ndjson")):
        for line in path.read_text(encoding="utf-8").splitlines():
            resource = json.loads(line)
            if resource["resourceType"] == "Patient":
                patient_id = resource["id"]
            else:
                reference = (resource.get("subject") or resource.get("patient") or {}).get("reference", "")
                patient_id = reference.rpartition("/")[2]
            by_patient[patient_id][resource["resourceType"]].append(resource)
    return by_patient


def _request(service: dict, patient_id: str, resources: dict[str, list[dict]], drafts: list[dict]) -> dict:
    prefetch = {}
    for key, template in service["prefetch"].items():
        resource_type = template.partition("?")[0]
        matches = resources.get(resource_type, [])
        prefetch[key] = {"resourceType": "Bundle", "type": "searchset", "total": len(matches),
                         **({"entry": [{"resource": r} for r in matches]} if matches else {})}
    context = {"userId": "Practitioner/1", "patientId": patient_id}
    if service["hook"] != "patient-view":
        context["draftOrders"] = {"resourceType": "Bundle", "type": "collection",
                                  "entry": [{"resource": d} for d in drafts]}
    if service["hook"] == "order-select":
        context["selections"] = [f"{d['resourceType']}/{d['id']}" for d in drafts]
    return {"hook": service["hook"], "hookInstance": f"synthea-{patient_id}", "context": context,
            "prefetch": prefetch}


def test_synthea_patients_get_no_cards_on_any_hook():
    harness = Harness(make_app(FHIR_VALIDATION="lenient"))
    patients = {pid: res for pid, res in _patients().items() if res.get("Patient")}
    assert len(patients) >= 10
    fired = []
    for patient_id, resources in patients.items():
        drafts = [draft_order(key, patient_id) for key in ORDERS]
        for service_id, service in harness.services.items():
            response = harness.post(service_id, _request(service, patient_id, resources, drafts))
            assert response.status_code == 200, response.get_json()
            body = response.get_json()
            fired += [(patient_id, service_id, c["source"]["topic"]["code"]) for c in body["cards"]]
            assert "failedRules" not in body.get("extension", {}).get("org.pnet-cds.evaluation", {})
    assert fired == []


def test_synthea_records_validate_strictly():
    """Real-shaped data must not trip strict validation: a 400 for an ordinary Synthea record would be a bug."""
    harness = Harness(make_app())
    for patient_id, resources in list(_patients().items())[:5]:
        service = harness.services["pnet-order-sign"]
        drafts = [draft_order("everolimus", patient_id), draft_order("temozolomide", patient_id)]
        response = harness.post("pnet-order-sign", _request(service, patient_id, resources, drafts))
        assert response.status_code == 200, response.get_json()
