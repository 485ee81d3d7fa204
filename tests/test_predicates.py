"""The `when:` predicate library (issue 13), each predicate on its own: it holds on a record shaped as EHRs send
it, it does not on the near miss, it hands the card the facts its `fact:` argument names, its `trigger:` text
names what it reads, and the card-file schema refuses a misspelt predicate or argument."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import jsonschema
import pytest

from pnet_cds.cards import card_file_schema
from pnet_cds.hook_request import HookRequest
from pnet_cds.record import PatientRecord
from pnet_cds.rules import common
from pnet_cds.rules.predicates import Found, holds, rule_from_when
from pnet_cds.terminology import load_terminology
from pnet_cds.when import SCOPE_ROLES, describe, per_of, roles_in, variants_in, windows_in

CARDS = Path(__file__).resolve().parent.parent / "cards"
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)
RX, LOINC, SCT = "http://www.nlm.nih.gov/research/umls/rxnorm", "http://loinc.org", "http://snomed.info/sct"
PARAMS = {"window_days": 30, "renewal_window_days": 90, "egfr_min": 60, "potassium_min": 3.5}


@pytest.fixture(scope="module")
def terminology():
    return load_terminology(CARDS / "valuesets")


def context(terminology, resources=(), drafts=(), hook="order-sign", now=NOW) -> common.RuleContext:
    record = PatientRecord()
    for index, resource in enumerate(resources):
        record.add({"id": f"r{index}", **resource}, f"/prefetch/x/entry/{index}/resource")
    drafts = [{"id": f"d{index}", **draft} for index, draft in enumerate(drafts)]
    for index, draft in enumerate(drafts):
        record.add_draft(draft, f"/context/draftOrders/entry/{index}/resource")
    request = HookRequest(hook=hook, hook_instance="i", patient_id="p", user_id="u", context={},
                          prefetch={}, draft_orders=drafts)
    every_set = {name: name for name in terminology.value_sets}  # every value set its own role
    return common.RuleContext(record, request, terminology, now, dict(PARAMS), every_set)


def med(kind: str, code: str, status: str, display: str = "", **fields) -> dict:
    concept = {"coding": [{"system": RX, "code": code, **({"display": display} if display else {})}]}
    resource = {"resourceType": kind, "status": status, "subject": {"reference": "Patient/p"}}
    if kind == "MedicationRequest":
        resource["intent"] = "order"
    key = "medicationCodeableConcept"
    return {**resource, key: concept, **fields}


def lab(code: str, when: str, value: float, unit: str, **fields) -> dict:
    return {"resourceType": "Observation", "status": "final", "code": {"coding": [{"system": LOINC, "code": code}]},
            "subject": {"reference": "Patient/p"}, "effectiveDateTime": when,
            "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit},
            **fields}


def condition(code: str, system: str = SCT) -> dict:
    return {"resourceType": "Condition", "subject": {"reference": "Patient/p"},
            "clinicalStatus": {"coding": [{"code": "active"}]}, "code": {"coding": [{"system": system, "code": code}]}}


PNET = condition("1287665004")
GASTRINOMA = condition("302824004")
EVEROLIMUS, SUNITINIB_DRAFT_CODE = "845507", "616279"
OCTREOTIDE_SC, OCTREOTIDE_LAR, OCTREOTIDE_IN = "312069", "898605", "7617"
TSH, POTASSIUM, SYSTOLIC, BP_PANEL = "3016-3", "2823-3", "8480-6", "85354-9"


def check(ctx, predicate) -> tuple[bool, Found]:
    found = Found()
    return holds(ctx, predicate, found), found


# --- given_with ----------------------------------------------------------------------------------------

def test_given_with_reads_a_draft_an_active_order_or_an_active_statement(terminology):
    draft = med("MedicationRequest", EVEROLIMUS, "draft", "everolimus 10 MG Oral Tablet")
    ctx = context(terminology, drafts=[draft])
    held, found = check(ctx, {"given_with": {"role": "everolimus", "fact": "partner"}})
    assert held and found.facts == {"partner": "everolimus 10 MG Oral Tablet", "partner_evidence": "draft order"}
    statement = med("MedicationStatement", EVEROLIMUS, "active", "everolimus 10 MG Oral Tablet")
    held, found = check(context(terminology, [statement]), {"given_with": {"role": "everolimus", "fact": "partner"}})
    assert held and found.facts["partner_evidence"] == "active statement"


def test_given_with_near_miss_a_stopped_order_or_completed_statement_is_not_given_with(terminology):
    stopped = med("MedicationRequest", EVEROLIMUS, "stopped")
    completed = med("MedicationStatement", EVEROLIMUS, "completed")
    held, found = check(context(terminology, [stopped, completed]), {"given_with": {"role": "everolimus", "fact": "x"}})
    assert not held and found.facts == {}


# --- latest_lab ----------------------------------------------------------------------------------------

def test_latest_lab_within_a_window_and_its_facts(terminology):
    ctx = context(terminology, [lab(TSH, "2026-05-20", 2.1, "m[IU]/L"), lab(TSH, "2026-01-02", 1.0, "m[IU]/L")])
    held, found = check(ctx, {"latest_lab": {"role": "tsh", "window": "window_days", "fact": "tsh"}})
    assert held
    assert found.facts["tsh_date"] == "2026-05-20"
    assert [(r["value"], r["unit"], r["date"]) for r in found.facts["tsh"]] == [(2.1, "m[IU]/L", "2026-05-20")]


def test_latest_lab_near_miss_older_than_the_window_still_hands_the_last_date(terminology):
    ctx = context(terminology, [lab(TSH, "2026-04-20", 2.1, "m[IU]/L")])
    assert not check(ctx, {"latest_lab": {"role": "tsh", "window": "window_days"}})[0]
    held, found = check(ctx, {"latest_lab": {"role": "tsh", "fact": "last_tsh"}})  # no window: ever
    assert held and found.facts["last_tsh_date"] == "2026-04-20"
    held, found = check(context(terminology), {"latest_lab": {"role": "tsh", "fact": "last_tsh"}})
    assert not held and found.facts == {"last_tsh": None, "last_tsh_date": None, "last_tsh_months": None}


def test_latest_lab_below_and_above_range_use_the_labs_own_flag_or_range(terminology):
    low = lab(POTASSIUM, "2026-05-30", 3.1, "mmol/L", referenceRange=[{"low": {"value": 3.5, "unit": "mmol/L"}}])
    flagged_high = lab(POTASSIUM, "2026-05-30", 5.0, "mmol/L",
                       interpretation=[{"coding": [{"code": "H"}]}])
    assert check(context(terminology, [low]), {"latest_lab": {"role": "potassium", "range": "below"}})[0]
    assert not check(context(terminology, [low]), {"latest_lab": {"role": "potassium", "range": "above"}})[0]
    assert check(context(terminology, [flagged_high]), {"latest_lab": {"role": "potassium", "range": "above"}})[0]
    normal = lab(POTASSIUM, "2026-05-30", 3.6, "mmol/L", referenceRange=[{"low": {"value": 3.5, "unit": "mmol/L"}}])
    assert not check(context(terminology, [normal]), {"latest_lab": {"role": "potassium", "range": "below"}})[0]


def test_latest_lab_at_least_a_parameter_converts_units_through_ucum(terminology):
    at_least = {"latest_lab": {"role": "potassium", "at_least": "potassium_min", "unit": "mmol/L"}}
    assert check(context(terminology, [lab(POTASSIUM, "2026-05-30", 3.5, "mmol/L")]), at_least)[0]
    assert check(context(terminology, [lab(POTASSIUM, "2026-05-30", 3600, "umol/L")]), at_least)[0]
    assert not check(context(terminology, [lab(POTASSIUM, "2026-05-30", 3400, "umol/L")]), at_least)[0]  # near miss
    assert not check(context(terminology, [lab(POTASSIUM, "2026-05-30", 4.0, "furlong")]), at_least)[0]  # unreadable
    below = {"latest_lab": {"role": "egfr", "below": "egfr_min", "unit": "mL/min"}}
    egfr = "98979-8"
    assert check(context(terminology, [lab(egfr, "2026-05-30", 45, "mL/min")]), below)[0]
    over = lab(egfr, "2026-05-30", 60, "mL/min")
    over["valueQuantity"]["comparator"] = ">"
    assert not check(context(terminology, [over]), below)[0]  # ">60" is not below 60


def test_latest_lab_with_a_panel_role_reads_a_component_of_the_panel(terminology):
    panel = {"resourceType": "Observation", "status": "final", "effectiveDateTime": "2026-05-25",
             "code": {"coding": [{"system": LOINC, "code": BP_PANEL}]},
             "component": [{"code": {"coding": [{"system": LOINC, "code": SYSTOLIC}]},
                            "valueQuantity": {"value": 128, "unit": "mm[Hg]"}}]}
    predicate = {"latest_lab": {"role": "systolic-bp", "panel_role": "blood-pressure-panel", "window": "window_days"}}
    assert check(context(terminology, [panel]), predicate)[0]
    no_systolic = {**panel, "component": [{"code": {"coding": [{"system": LOINC, "code": "8462-4"}]}}]}
    assert not check(context(terminology, [no_systolic]), predicate)[0]


def test_latest_lab_names_a_partial_date_as_such_and_counts_months(terminology):
    ctx = context(terminology, [lab(TSH, "2025-09", 2.1, "m[IU]/L")])
    held, found = check(ctx, {"latest_lab": {"role": "tsh", "fact": "last_tsh"}})
    assert held and found.facts["last_tsh_date"] == "2025-09"  # as recorded: the card words it
    assert found.facts["last_tsh_months"] == 9


HEMOGLOBIN, WBC, PLATELETS, CBC_PANEL = "718-7", "6690-2", "777-3", "57021-8"
CBC = {"latest_lab": {"role": "cbc-panel", "all_of": ["hemoglobin", "leukocytes", "platelets"], "window": "window_days",
                      "fact": "cbc"}}


def test_latest_lab_all_of_counts_every_component_on_one_date(terminology):
    same_day = [lab(HEMOGLOBIN, "2026-05-20", 12.0, "g/dL"), lab(WBC, "2026-05-20T08:00:00-05:00", 5.0, "10*3/uL"),
                lab(PLATELETS, "2026-05-20", 200, "10*3/uL")]
    held, found = check(context(terminology, same_day), CBC)
    assert held and found.facts["cbc_date"] == "2026-05-20" and len(found.facts["cbc"]) == 3
    assert check(context(terminology, [lab(CBC_PANEL, "2026-05-25", 1, "1")]), CBC)[0]


def test_latest_lab_all_of_near_miss_a_lone_component_or_two_dates(terminology):
    assert not check(context(terminology, [lab(HEMOGLOBIN, "2026-05-20", 12.0, "g/dL")]), CBC)[0]
    split = [lab(HEMOGLOBIN, "2026-05-20", 12.0, "g/dL"), lab(WBC, "2026-05-21", 5.0, "10*3/uL"),
             lab(PLATELETS, "2026-05-20", 200, "10*3/uL")]
    held, found = check(context(terminology, split), CBC)
    assert not held and found.facts["cbc_date"] is None


def test_among_drafts_reads_unselected_drafts_of_a_drug_or_a_test(terminology):
    lutetium = med("MedicationRequest", "1999335", "draft")
    ctx = context(terminology, drafts=[lutetium], hook="order-select")  # nothing selected
    assert check(ctx, {"among_drafts": {"role": "lutetium-lu177-dotatate"}})[0]
    assert check(context(terminology, drafts=[_service_request(TSH, "draft")]), {"among_drafts": {"role": "tsh"}})[0]
    assert not check(context(terminology, [med("MedicationRequest", "1999335", "active")]),
                     {"among_drafts": {"role": "lutetium-lu177-dotatate"}})[0]


def test_received_prrt_hands_the_last_dose(terminology):
    given = med("MedicationAdministration", "1999335", "completed", effectiveDateTime="2025-09-10")
    held, found = check(context(terminology, [given]), {"received_prrt": {"fact": "prrt"}})
    assert held and found.facts == {"prrt_date": "2025-09-10", "prrt_months": 8, "prrt_evidence": "administration"}
    not_given = med("MedicationAdministration", "1999335", "not-done", effectiveDateTime="2025-09-10")
    assert not check(context(terminology, [not_given]), {"received_prrt": {}})[0]


def test_a_predicate_implying_a_role_needs_it_declared(tmp_path):
    from pnet_cds.cards import CardFileError, load_card_file

    source = (CARDS / "post-prrt-cbc-surveillance.yaml").read_text(encoding="utf-8")
    path = tmp_path / "post-prrt-cbc-surveillance.yaml"
    path.write_text(source.replace("  prrt-procedure: prrt-procedure\n", "", 1), encoding="utf-8")
    with pytest.raises(CardFileError, match=r"roles not declared under uses: \['prrt-procedure'\]"):
        load_card_file(path)


# --- ordered -------------------------------------------------------------------------------------------

def _service_request(code: str, status: str, authored: str | None = None) -> dict:
    request = {"resourceType": "ServiceRequest", "status": status, "intent": "order",
               "subject": {"reference": "Patient/p"}, "code": {"coding": [{"system": LOINC, "code": code}]}}
    return {**request, **({"authoredOn": authored} if authored else {})}


def test_ordered_among_the_drafts_or_active_within_the_window(terminology):
    assert check(context(terminology, drafts=[_service_request(TSH, "draft")]), {"ordered": {"role": "tsh"}})[0]
    recent = context(terminology, [_service_request(TSH, "active", "2026-05-20")])
    assert check(recent, {"ordered": {"role": "tsh", "window": "window_days"}})[0]
    assert not check(recent, {"ordered": {"role": "tsh"}})[0]  # no window: only the drafts count


def test_ordered_near_miss_an_old_or_undated_order(terminology):
    old = context(terminology, [_service_request(TSH, "active", "2025-01-20"), _service_request(TSH, "active")])
    assert not check(old, {"ordered": {"role": "tsh", "window": "window_days"}})[0]


# --- active_order, recorded, on_drug -----------------------------------------------------------------------

def test_active_order_of_a_formulation_hands_the_order_as_stopped(terminology):
    lar = med("MedicationRequest", OCTREOTIDE_LAR, "active", "octreotide 20 MG Injection", authoredOn="2026-03-01")
    held, found = check(context(terminology, [lar]), {"active_order": {"role": "octreotide",
                                                                        "formulation": "long-acting", "fact": "ssa"}})
    assert held and found.facts["ssa_since"] == "2026-03-01"
    assert found.facts["ssa_order_stopped"]["status"] == "stopped" and lar["status"] == "active"
    sc = med("MedicationRequest", OCTREOTIDE_SC, "active")
    assert not check(context(terminology, [sc]), {"active_order": {"role": "octreotide", "formulation": "long-acting"}})[0]


def test_recorded_reads_past_records_and_unknown_formulation(terminology):
    predicate = {"recorded": {"role": "octreotide", "formulation": ["short-acting", "unknown"]}}
    assert check(context(terminology, [med("MedicationAdministration", OCTREOTIDE_SC, "completed", effectiveDateTime="2025-01-01")]), predicate)[0]
    assert check(context(terminology, [med("MedicationRequest", OCTREOTIDE_IN, "stopped")]), predicate)[0]
    near_miss = [med("MedicationRequest", OCTREOTIDE_LAR, "completed"),
                 med("MedicationAdministration", OCTREOTIDE_SC, "entered-in-error",
                     effectiveDateTime="2025-01-01")]
    assert not check(context(terminology, near_miss), predicate)[0]


def test_on_drug_with_drafts_counts_this_sessions_draft(terminology):
    ppi = med("MedicationRequest", "7646", "draft")
    predicate = {"on_drug": {"role": "proton-pump-inhibitors", "window": "window_days", "drafts": True}}
    assert check(context(terminology, drafts=[ppi]), predicate)[0]
    assert not check(context(terminology, drafts=[ppi]),
                     {"on_drug": {"role": "proton-pump-inhibitors", "window": "window_days"}})[0]


# --- composition: named, flag with holds, any, variant, condition with several roles ------------------------

def test_named_inside_any_records_every_alternative(terminology):
    predicate = {"any": [{"named": {"fact": "a", "holds": {"in_scope": {}}}},
                         {"named": {"fact": "b", "holds": {"condition": {"role": "gastrinoma"}}}}]}
    held, found = check(context(terminology, [PNET]), predicate)
    assert held and found.facts == {"a": True, "b": False}
    held, found = check(context(terminology, []), predicate)
    assert not held and found.facts == {"a": False, "b": False}


def test_flag_with_holds_never_fails(terminology):
    held, found = check(context(terminology), {"flag": {"fact": "offer", "holds": {"not": {"ordered": {"role": "tsh"}}}}})
    assert held and found.facts == {"offer": True}


def test_variant_and_condition_over_several_roles(terminology):
    predicate = {"variant": {"if": {"condition": {"role": ["insulinoma", "gastrinoma"], "fact": "syndrome"}},
                             "then": "functional", "else": "nonfunctional"}}
    held, found = check(context(terminology, [GASTRINOMA]), predicate)
    assert held and found.variant == "functional"
    assert [c["name"] for c in found.facts["syndrome"]] == ["condition"]  # facts; the card's `conditions` words them
    held, found = check(context(terminology, [PNET]), predicate)
    assert held and found.variant == "nonfunctional" and found.facts == {}


# --- drafted options -----------------------------------------------------------------------------------

def test_drafted_formulation_and_speak(terminology):
    lar = med("MedicationRequest", OCTREOTIDE_LAR, "draft", "octreotide 20 MG Injection")
    sc = med("MedicationRequest", OCTREOTIDE_SC, "draft", "1 ML octreotide 0.1 MG/ML Injection")
    ctx = context(terminology, [PNET], drafts=[sc, lar])
    each = rule_from_when([{"drafted": {"role": "octreotide"}}, {"in_scope": {}}])(ctx)
    assert [f.facts["draft_ref"] for f in each] == ["MedicationRequest/d0", "MedicationRequest/d1"]
    long_acting = rule_from_when([{"drafted": {"role": "octreotide", "formulation": "long-acting"}}])(ctx)
    assert [f.facts["draft_ref"] for f in long_acting] == ["MedicationRequest/d1"]
    first = rule_from_when([{"drafted": {"role": "octreotide", "speak": "first"}}])(ctx)
    assert [f.facts["draft_ref"] for f in first] == ["MedicationRequest/d0"]
    once = rule_from_when([{"drafted": {"role": "octreotide", "speak": "once"}}])(ctx)
    assert [f.facts for f in once] == [{"drug": "1 ML octreotide 0.1 MG/ML Injection"}]


def test_drafted_also_adds_a_roles_drafts_only_when_its_condition_holds(terminology):
    when = [{"drafted": {"role": "everolimus", "also": {"role": "octreotide",
                                                        "if": {"not": {"condition": {"role": "gastrinoma"}}}}}}]
    sc = med("MedicationRequest", OCTREOTIDE_SC, "draft")
    assert len(rule_from_when(when)(context(terminology, [PNET], drafts=[sc]))) == 1
    assert rule_from_when(when)(context(terminology, [PNET, GASTRINOMA], drafts=[sc])) == []


def test_drafted_new_combination_with_a_renewal_of_a_combination_already_in_place_is_silent(terminology):
    pasireotide = "1597599"
    active = med("MedicationRequest", pasireotide, "active", authoredOn="2026-03-01")
    everolimus = med("MedicationRequest", EVEROLIMUS, "active", authoredOn="2026-01-01")
    renewal = med("MedicationRequest", pasireotide, "draft")
    when = [{"drafted": {"role": "pasireotide", "new_combination_with": "everolimus"}},
            {"given_with": {"role": "everolimus"}}]
    assert rule_from_when(when)(context(terminology, [active, everolimus], drafts=[renewal])) == []
    newer = {**everolimus, "authoredOn": "2026-04-01"}  # everolimus began after the renewed order: new
    assert len(rule_from_when(when)(context(terminology, [active, newer], drafts=[renewal]))) == 1
    assert len(rule_from_when(when)(context(terminology, [everolimus], drafts=[renewal]))) == 1  # a new start


# --- what the loader reads from when: ------------------------------------------------------------------------

def test_roles_windows_variants_and_per_are_read_from_nested_predicates():
    when = [{"drafted": {"role": ["a", "b"], "also": {"role": "c", "if": {"condition": {"role": "d"}}},
                         "new_combination_with": "e", "speak": "once"}},
            {"variant": {"if": {"latest_lab": {"role": "f", "panel_role": "g", "window": "w", "at_least": "t",
                                               "unit": "mg"}}, "then": "x", "else": "y"}},
            {"any": [{"named": {"fact": "n", "holds": {"ordered": {"role": "h"}}}}, {"in_scope": {}}]}]
    assert roles_in(when) == set("abcdefgh") | set(SCOPE_ROLES)  # in_scope reads the scope roles
    assert windows_in(when) == {"w", "t"}
    assert variants_in(when) == {"x", "y"}
    assert per_of(when) == "patient"
    assert per_of([{"drafted": {"role": "a", "speak": "first"}}]) == "draft"


def test_a_nested_drafted_is_refused():
    with pytest.raises(ValueError, match="`drafted` may appear once"):
        describe([{"in_scope": {}}, {"not": {"drafted": {"role": "a"}}}], {"a": "a"})


DESCRIBED = {
    "given_with": ({"role": "everolimus", "fact": "e"}, ["`everolimus`", "draft order", "active statement", "`e`"]),
    "latest_lab": ({"role": "tsh", "window": "tsh_days", "range": "below"}, ["`tsh`", "`tsh_days`", "below"]),
    "ordered": ({"role": "tsh", "window": "order_days"}, ["`tsh`", "draft orders", "`order_days`"]),
    "active_order": ({"role": "octreotide", "formulation": "long-acting"}, ["`octreotide`", "long-acting"]),
    "recorded": ({"role": "octreotide", "formulation": ["short-acting", "unknown"]}, ["short-acting or unknown"]),
}


@pytest.mark.parametrize("name", sorted(DESCRIBED))
def test_each_new_predicate_describes_what_it_reads(name):
    args, words = DESCRIBED[name]
    text = describe([{name: args}], {"everolimus": "everolimus", "tsh": "tsh", "octreotide": "octreotide"})
    for word in words:
        assert word in text, f"{name}: {word!r} not in {text!r}"


def test_latest_lab_threshold_is_described_with_its_unit():
    text = describe([{"latest_lab": {"role": "egfr", "at_least": "egfr_min", "unit": "mL/min"}}], {"egfr": "egfr"})
    assert "at least `egfr_min` mL/min" in text and "UCUM" in text


# --- the schema refuses typos ----------------------------------------------------------------------------

TYPOS = {
    "misspelt predicate": {"given_wth": {"role": "a"}},
    "misspelt argument": {"given_with": {"rol": "a"}},
    "unknown speak": {"drafted": {"role": "a", "speak": "twice"}},
    "unknown formulation": {"active_order": {"role": "a", "formulation": "depot"}},
    "threshold without unit": {"latest_lab": {"role": "a", "at_least": "p"}},
    "unit without threshold": {"latest_lab": {"role": "a", "unit": "mg"}},
    "at least and below": {"latest_lab": {"role": "a", "at_least": "p", "below": "q", "unit": "mg"}},
    "unknown range": {"latest_lab": {"role": "a", "range": "low"}},
    "variant without else": {"variant": {"if": {"in_scope": {}}, "then": "x"}},
    "named without holds": {"named": {"fact": "x"}},
    "flag with role and holds": {"flag": {"fact": "x", "role": "a", "holds": {"in_scope": {}}}},
    "fact with capitals": {"given_with": {"role": "a", "fact": "Drug"}},
    "also without if": {"drafted": {"role": "a", "also": {"role": "b"}}},
    "empty role list": {"condition": {"role": []}},
}


@pytest.mark.parametrize("case", sorted(TYPOS))
def test_the_schema_refuses_a_typo_in_a_predicate(case):
    predicate_schema = {"$defs": card_file_schema()["$defs"], "$ref": "#/$defs/predicate"}
    validator = jsonschema.Draft202012Validator(predicate_schema)
    assert list(validator.iter_errors(TYPOS[case])), f"{case} was accepted"


def test_the_schema_accepts_the_documented_shapes():
    predicate_schema = {"$defs": card_file_schema()["$defs"], "$ref": "#/$defs/predicate"}
    validator = jsonschema.Draft202012Validator(predicate_schema)
    for predicate in ({"latest_lab": {"role": "a", "window": "w", "range": "below", "fact": "x"}},
                      {"latest_lab": {"role": "a", "below": "p", "unit": "mL/min"}},
                      {"flag": {"fact": "x", "holds": {"not": {"ordered": {"role": "a"}}}}},
                      {"drafted": {"role": ["a", "b"], "speak": "once", "formulation": "long-acting"}}):
        assert not list(validator.iter_errors(predicate)), predicate


def test_a_card_naming_a_variant_it_does_not_have_stops_start_up(tmp_path):
    from pnet_cds.cards import CardFileError, load_card_file

    source = (CARDS / "ssa-on-therapy-switch.yaml").read_text(encoding="utf-8")
    assert "then: functional" in source
    path = tmp_path / "ssa-on-therapy-switch.yaml"
    path.write_text(source.replace("then: functional", "then: functionnal", 1), encoding="utf-8")
    with pytest.raises(CardFileError, match=r"variants the card file does not have: \['functionnal'\]"):
        load_card_file(path)


def test_the_schema_the_evaluator_and_the_describer_know_the_same_predicates():
    from pnet_cds.rules.predicates import _PREDICATES
    from pnet_cds.when import _DESCRIBE

    in_schema = set(card_file_schema()["$defs"]["predicate"]["properties"])
    assert in_schema == set(_PREDICATES) | {"drafted"} == set(_DESCRIBE)


def test_role_lists_are_described_wherever_the_schema_allows_them():
    uses = {"a": "set-a", "b": "set-b"}
    for predicate in ({"flag": {"role": ["a", "b"], "fact": "x"}}, {"label": {"role": ["a", "b"], "fact": "x"}},
                      {"condition": {"role": ["a", "b"]}}, {"given_with": {"role": ["a", "b"]}},
                      {"on_drug": {"role": ["a", "b"], "window": "w"}}, {"ordered": {"role": ["a", "b"]}}):
        text = describe([predicate], uses)
        assert "`set-a`" in text and "`set-b`" in text, text


@pytest.mark.parametrize("value, comparator, expected", [
    (45.0, None, True), (60.0, "", False), (60.0, "<", True), (60.0, "<=", None), (45.0, "<=", True),
    (90.0, "<", None), (60.0, ">", False), (45.0, ">", None), (45.0, "ad", None)])
def test_one_threshold_reading_serves_latest_lab_and_the_egfr_rule(value, comparator, expected):
    from pnet_cds.rules.common import below_threshold
    assert below_threshold(value, comparator, 60.0) is expected
