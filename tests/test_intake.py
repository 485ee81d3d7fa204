"""service/fhir_shape.py and service/intake.py on their own: which deviations are normalised (from the R4B
models, for any list field), which are shape errors, and how patient references are compared."""

from __future__ import annotations

import pytest
from fhir.resources.R4B import get_fhir_model_class

from pnet_cds.errors import BadHookRequest, InvalidFhirResource
from pnet_cds.fhir_shape import normalise
from pnet_cds.hook_request import HookRequest
from pnet_cds.intake import Intake, patient_id_of

CODING = {"system": "http://snomed.info/sct", "code": "713189001"}


def valid(resource: dict) -> bool:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return True


@pytest.mark.parametrize("resource, path", [
    ({"resourceType": "MedicationRequest", "status": "draft", "intent": "order", "subject": {"reference": "Patient/p"},
      "medicationCodeableConcept": {"text": "x"}, "category": {"text": "community"}}, "MedicationRequest.category"),
    ({"resourceType": "MedicationRequest", "status": "draft", "intent": "order", "subject": {"reference": "Patient/p"},
      "medicationCodeableConcept": {"text": "x"}, "dosageInstruction": {"text": "daily"}}, "MedicationRequest.dosageInstruction"),
    ({"resourceType": "Condition", "subject": {"reference": "Patient/p"}, "code": {"coding": CODING}}, "CodeableConcept.coding"),
    ({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
      "identifier": {"system": "urn:x", "value": "1"}}, "Observation.identifier"),
    ({"resourceType": "Patient", "name": [{"family": "Doe", "given": "Jane"}]}, "HumanName.given"),
    ({"resourceType": "Observation", "status": "final", "code": [{"text": "one code in a list"}]}, "Observation.code"),
    ({"resourceType": "MedicationRequest", "status": "draft", "intent": "order", "subject": {"reference": "Patient/p"},
      "medicationCodeableConcept": {"text": "x"},
      "dosageInstruction": [{"doseAndRate": {"doseQuantity": {"value": 1, "code": "mg"}}}]}, "Dosage.doseAndRate"),
])
def test_one_object_where_r4_wants_a_list_and_back_is_normalised_into_valid_fhir(resource, path):
    report = normalise(resource)
    assert report.errors == [] and report.normalised == [path]
    assert valid(resource)


@pytest.mark.parametrize("change, error", [
    ({"code": {"coding": [{"system": 42, "code": "x"}]}}, "Condition.code.coding[0].system: must be a string, got a number"),
    ({"code": "713189001"}, "Condition.code: must be an object, got a string"),
    ({"code": [{"text": "a"}, {"text": "b"}]}, "Condition.code: must be an object, got a list of 2"),
    ({"onsetAge": {"value": "3"}}, "Condition.onsetAge.value: must be a number, got a string"),
    ({"onsetAge": {"value": True}}, "Condition.onsetAge.value: must be a number, got a boolean"),
    ({"contained": [{"resourceType": "Nope"}]}, "Condition.contained[0]: resourceType 'Nope' is not a FHIR R4 resource type"),
    ({"contained": [{"resourceType": "Medication", "code": {"text": 5}}]},
     "Condition.contained[0]<Medication>.code.text: must be a string, got a number"),
])
def test_wrong_json_types_are_shape_errors_named_by_path(change, error):
    resource = {"resourceType": "Condition", "subject": {"reference": "Patient/p"}, **change}
    assert normalise(resource).errors == [error]


def test_unknown_fields_and_unknown_types_are_left_to_validation_or_refused():
    assert normalise({"resourceType": "Condition", "vendorField": {"x": 1}}).errors == []
    assert normalise({"resourceType": "Diagnosis"}).errors == ["resourceType 'Diagnosis' is not a FHIR R4 resource type"]


@pytest.mark.parametrize("reference, patient", [
    ("Patient/123", "123"), ("https://ehr.example/fhir/Patient/123", "123"), ("Patient/123/_history/2", "123"),
    ("https://ehr.example/fhir/Patient/123/_history/2", "123"), ("Group/123", ""), ("Patient/123/", "123"),
    ("#p1", None), ("urn:uuid:5b2c7f0e-1a7b-4f0b-9a57-1d9a0e1c2d3f", None), ("", None), ("123", None),
])
def test_patient_references_are_compared_as_logical_ids(reference, patient):
    assert patient_id_of(reference) == patient


def _request(*drafts: dict) -> HookRequest:
    return HookRequest(hook="order-sign", hook_instance="h", patient_id="p", user_id="Practitioner/u", context={},
                       prefetch={}, draft_orders=list(drafts))


def _draft(**changes) -> dict:
    draft = {"resourceType": "MedicationRequest", "id": "d", "status": "draft", "intent": "order",
             "subject": {"reference": "Patient/p"}, "medicationCodeableConcept": {"coding": [
                 {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "616289"}]}}
    draft.update(changes)
    return draft


def test_drafts_of_another_patient_are_refused_and_unreadable_ones_left_out_or_refused_when_strict():
    with pytest.raises(BadHookRequest):
        Intake("p").read_drafts(_request(_draft(subject={"reference": "Patient/q"})))
    request = _request(_draft(), _draft(id="bad", authoredOn="yesterday"), _draft(id="empty", medicationCodeableConcept=None))
    intake = Intake("p")
    intake.read_drafts(request)
    assert [d["id"] for d in request.draft_orders] == ["d"]
    assert [n.reference for n in intake.unchecked_drafts] == ["MedicationRequest/bad"]
    assert [n.reference for n in intake.pending_drafts] == ["MedicationRequest/empty"]
    with pytest.raises(InvalidFhirResource):
        Intake("p", strict=True).read_drafts(_request(_draft(id="bad", authoredOn="yesterday")))


def test_a_missing_required_subject_is_the_context_patients():
    intake = Intake("p")
    condition = {"resourceType": "Condition", "code": {"coding": [CODING]}}
    assert intake.admit(condition, "/prefetch/conditions/entry/0/resource")
    assert condition["subject"] == {"reference": "Patient/p"} and valid(condition)
    observation = {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}  # subject optional
    assert intake.admit(observation, "/x") and "subject" not in observation
