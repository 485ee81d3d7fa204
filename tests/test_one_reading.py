"""Issue 13 item 5, one reading of each concept: doses in one module (dosing.py), activity units through UCUM,
PRRT scope once (common.py), the patient record hands out validated data only, per-call caches off the record."""

from __future__ import annotations

import ast
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pnet_cds import request_cache
from pnet_cds.terminology import load_terminology
from pnet_cds.dosing import dose_of, dose_unit, doses, first_dose_in, parse_dose, written_dose
from pnet_cds.errors import InvalidFhirResource
from pnet_cds.hook_request import HookRequest
from pnet_cds.record import PatientRecord
from pnet_cds.request_cache import RequestCache, UnknownCacheKey
from pnet_cds.rules import _prrt, common
from pnet_cds.rules.common import in_prrt_scope
from pnet_cds.units import convert, is_activity

ROOT = Path(__file__).resolve().parent.parent
SERVICE = ROOT / "service"
UCUM = "http://unitsofmeasure.org"
RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def quantity(value, unit, code=None, system=UCUM, **extra) -> dict:
    found = {"value": value, "unit": unit, **extra}
    if code is not None:
        found.update(system=system, code=code)
    return found


def order(*entries: dict) -> dict:
    """A MedicationRequest whose one dosage instruction has these doseAndRate entries."""
    return {"resourceType": "MedicationRequest", "dosageInstruction": [{"doseAndRate": list(entries)}]}


def ordered(q: dict, kind: str = "ordered") -> dict:
    return {"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/dose-rate-type", "code": kind}]},
            "doseQuantity": q}


# --- the one dose reader ------------------------------------------------------------------------------

@pytest.mark.parametrize("q, unit, expected", [
    (quantity(10, "mg", "mg"), "mg", 10),                        # UCUM code
    (quantity(150, "mcg"), "ug", 150),                           # EHR spelling, no code
    (quantity(150, "µg"), "mg", 0.15),
    (quantity(100, "micrograms"), "ug", 100),
    (quantity(1, "g", "g"), "mg", 1000),                         # g → mg through UCUM
    (quantity(0.5, "gram"), "mg", 500),
    (quantity(200, "mCi", "mCi"), "MBq", 7400),                  # 1 mCi = 37 MBq (UCUM: Ci = 37e9 Bq)
    (quantity(7.4, "GBq", "GBq"), "MBq", 7400),
    (quantity(7400, "MBq"), "MBq", 7400),
    (quantity(7.4, "GBQ"), "MBq", 7400),                         # activity units spelled in any case
    (quantity(200, "mci"), "MBq", 7400),
    (quantity(200000, "uCi"), "MBq", 7400),
    (quantity(7.4, "GBq", code="X", system="urn:local:units"), "MBq", 7400),  # a local code: its unit text
])
def test_a_structured_dose_is_read_in_any_mass_or_activity_unit(q, unit, expected):
    assert first_dose_in(order({"doseQuantity": q}), unit) == pytest.approx(expected)


@pytest.mark.parametrize("q, unit", [
    (quantity(25, "mL", "mL"), "MBq"),              # a volume is no activity
    (quantity(2, "{vial}"), "MBq"),
    (quantity(10, "mg", "mg"), "MBq"),              # a mass is no activity
    (quantity(7.4, "GBq", "GBq"), "mg"),            # nor an activity a mass
    (quantity(5, "/s", "/s"), "MBq"),               # a becquerel is 1/s in UCUM: a rate is still no activity
    (quantity(True, "GBq"), "MBq"),                 # not a number
    (quantity("200", "mCi"), "MBq"),
    (quantity(1e308, "mg", "mg"), "mg"),            # beyond READABLE_RANGE: a data error, not an order
    (quantity(0, "mg", "mg"), "mg"),
    (quantity(10, "mg", "mg", comparator="<"), "mg"),  # SimpleQuantity has no comparator: no exact dose
    (quantity(10, "tablets"), "mg"),
])
def test_a_dose_that_cannot_be_read_with_certainty_gives_none(q, unit):
    assert first_dose_in(order({"doseQuantity": q}), unit) is None


def test_dose_range_is_never_read_as_a_dose():
    """doseRange: no value of a range is "the" dose, so every reader gives None (a rule stays silent)."""
    ranged = order({"doseRange": {"low": quantity(100, "ug", "ug"), "high": quantity(200, "ug", "ug")}})
    assert doses(ranged) == []
    assert first_dose_in(ranged, "ug") is None and dose_unit(ranged) is None and written_dose(ranged) is None
    assert parse_dose(ranged["dosageInstruction"][0], "ug") is None


def test_among_several_doses_the_one_typed_ordered_is_read_and_two_untyped_are_not_guessed():
    typed = order(ordered(quantity(9.7, "mg", "mg"), "calculated"), ordered(quantity(10, "mg", "mg")))
    assert first_dose_in(typed, "mg") == 10
    assert written_dose(typed) == "10 mg"
    untyped = order({"doseQuantity": quantity(10, "mg", "mg")}, {"doseQuantity": quantity(20, "mg", "mg")})
    assert doses(untyped) == [] and first_dose_in(untyped, "mg") is None


def test_administration_dose_and_statement_dosage_are_read_like_order_doses():
    administration = {"resourceType": "MedicationAdministration", "dosage": {"dose": quantity(30, "mg", "mg")}}
    statement = {"resourceType": "MedicationStatement",
                 "dosage": [{"text": "as directed"}, {"doseAndRate": [{"doseQuantity": quantity(100, "mcg")}]}]}
    assert first_dose_in(administration, "mg") == 30
    assert first_dose_in(statement, "ug") == 100 and dose_unit(statement) == "ug"
    assert dose_of(administration["dosage"]).written == "30 mg"


def test_dose_unit_and_written_dose_for_card_text():
    draft = order({"doseQuantity": quantity(0.1, "mg", "mg")})
    assert dose_unit(draft) == "mg" and written_dose(draft) == "0.1 mg"
    assert dose_unit(order({"doseQuantity": quantity(100, "MCG")})) == "ug"
    assert written_dose({"resourceType": "MedicationRequest", "dosageInstruction": [{"text": "100 mcg"}]}) is None


def test_parse_dose_reads_only_mass_units():
    dosage = {"doseAndRate": [{"doseQuantity": quantity(7.4, "GBq", "GBq")}]}
    assert parse_dose(dosage, "mg") is None
    assert parse_dose({"doseAndRate": [{"doseQuantity": quantity(100, "mcg")}]}, "mg") == pytest.approx(0.1)


def test_the_curie_is_ucum_and_exact():
    """1 Ci = 3.7e10 Bq by definition (UCUM ucum-essence.xml `Ci`); no card file carries the factor."""
    assert convert(1, "mCi", "MBq") == pytest.approx(37, rel=1e-12)
    assert convert(7400, "MBq", "mCi") == pytest.approx(200, rel=1e-12)
    assert is_activity("GBq") and is_activity("mci") and not is_activity("Hz") and not is_activity("mg")
    assert "mbq_per_mci" not in (ROOT / "cards" / "prrt-course-schedule.yaml").read_text()


def _reads_of(tree: ast.AST, key: str) -> list[int]:
    """Lines where `key` is read as a JSON field: x.get("key") or x["key"] (loaded, not assigned)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == key:
            lines.append(node.lineno)
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) \
                and isinstance(node.slice, ast.Constant) and node.slice.value == key:
            lines.append(node.lineno)
    return lines


def test_dose_quantities_are_read_only_in_dosing():
    """order_catalog.py may read the doses of its own catalog entries (it writes them); nothing else reads one."""
    allowed = {"dosing.py", "order_catalog.py"}
    keys = {path: ("doseQuantity", "doseRange") + (("dose",) if path.parent.name == "rules" else ())
            for path in SERVICE.rglob("*.py") if path.name not in allowed}  # "dose" elsewhere: sandbox API bodies
    readers = {f"{path.relative_to(SERVICE)} {key}": lines for path, names in keys.items() for key in names
               if (lines := _reads_of(ast.parse(path.read_text()), key))}
    assert readers == {}


# --- the record hands out validated data only ---------------------------------------------------------

RAW_ACCESS = {"_by_type", "_drafts", "_read", "_with_code_in", "_resources"}


def test_no_module_outside_the_record_reaches_raw_resources():
    """Raw resources stay inside record.py: no other module (rules, intake, data gathering, bench) touches
    the record's private stores, and the record has no public raw accessor left to call."""
    offenders = []
    for path in list(SERVICE.rglob("*.py")) + list((ROOT / "bench").rglob("*.py")):
        if path == SERVICE / "record.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in RAW_ACCESS:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
    assert offenders == []
    for name in ("raw", "read", "by_type", "drafts", "memo", "with_code_in"):
        assert not hasattr(PatientRecord(), name), name


def _condition(cid: str, status: str = "active", code: str = "C25.4", **extra) -> dict:
    return {"resourceType": "Condition", "id": cid, "subject": {"reference": "Patient/p"},
            "clinicalStatus": {"coding": [{"code": status}]},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code}]}, **extra}


def test_the_record_validates_only_what_the_cheap_filter_keeps():
    record = PatientRecord(lenient=True)
    resolved_and_invalid = _condition("c1", status="resolved", onsetDateTime="2021-13-45")
    active_and_invalid = _condition("c2", onsetDateTime="2021-13-45")
    active = _condition("c3")
    for index, resource in enumerate((resolved_and_invalid, active_and_invalid, active)):
        record.add(resource, f"/prefetch/conditions/entry/{index}/resource")
    assert record.valid("Condition", common.is_active_condition) == [active]
    assert [problem.pointer for problem in record.skipped] == ["/prefetch/conditions/entry/1/resource"]


@pytest.mark.parametrize("lenient", [False, True])
def test_candidates_validate_lazily_in_the_order_asked(lenient):
    record = PatientRecord(lenient=lenient)
    record.add(_condition("old", recordedDate="2020-01-01"), "/a")
    record.add(_condition("bad", recordedDate="2021-13-45"), "/b")  # not a date: invalid FHIR
    assert record.select("Condition", lambda c: c["id"] == "old").first()["id"] == "old"
    assert record.select("Condition").first(until=lambda c: c["id"] == "old") is None  # stops before validating
    assert record.skipped == []  # "bad" was never validated
    newest = record.select("Condition").newest_first(lambda c: c.get("recordedDate") or "")
    if lenient:
        assert newest.first()["id"] == "old"  # the newer one is invalid: skipped, named, the next one used
        assert [problem.pointer for problem in record.skipped] == ["/b"]
    else:
        with pytest.raises(InvalidFhirResource):
            newest.first()


# --- PRRT scope once ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def terminology():
    return load_terminology(ROOT / "cards" / "valuesets")


def _context(terminology, resources) -> common.RuleContext:
    record = PatientRecord()
    for index, resource in enumerate(resources):
        record.add(resource, f"/prefetch/x/entry/{index}/resource")
    request = HookRequest(hook="order-sign", hook_instance="i", patient_id="p", user_id="u", context={},
                          prefetch={}, draft_orders=[])
    every_set = {name: name for name in terminology.value_sets}
    return common.RuleContext(record, request, terminology, NOW, {"course_gap_months": 6}, every_set)


def _lutetium_given(aid: str, when: str) -> dict:
    return {"resourceType": "MedicationAdministration", "id": aid, "status": "completed",
            "subject": {"reference": "Patient/p"}, "effectiveDateTime": when,
            "medicationCodeableConcept": {"coding": [{"system": RX, "code": "1999335"}]}}  # PIN, in the value set


def test_received_prrt_is_one_reading_for_scope_course_and_surveillance(terminology):
    """A dose dated after now is a data error: it neither puts a patient in PRRT scope nor is the "last PRRT"
    of rule 15; every reader (scope, course, history) gives the same doses."""
    only_future = _context(terminology, [_lutetium_given("future", "2026-09-01T10:00:00Z")])
    assert common.prrt_history(only_future) == [] and not in_prrt_scope(only_future)
    given = _context(terminology, [_lutetium_given("future", "2026-09-01T10:00:00Z"),
                                   _lutetium_given("past", "2026-04-01T10:00:00Z")])
    assert [d.resource["id"] for d in common.prrt_history(given)] == ["past"]
    assert not hasattr(_prrt, "course_doses")  # no second name for the PRRT history
    assert in_prrt_scope(given) and not common.has_pnet(given)


# --- per-call caches live outside the record ----------------------------------------------------------

def test_a_new_cache_key_is_stored_in_the_request_cache_not_on_the_record(terminology, monkeypatch):
    ctx = _context(terminology, [_condition("c1"), _lutetium_given("past", "2026-04-01T10:00:00Z")])
    fields_before = {name: (type(value), len(value) if hasattr(value, "__len__") else value)
                     for name, value in vars(ctx.record).items()}
    with pytest.raises(UnknownCacheKey):
        ctx.cache.once("my-new-key", lambda: 42)  # an unnamed key is refused
    monkeypatch.setitem(request_cache.KEYS, "my-new-key", "a test's value (none)")
    assert ctx.cache.once("my-new-key", lambda: 42) == 42
    assert ctx.cache.once("my-new-key", lambda: 43) == 42  # computed once per call
    assert common.has_pnet(ctx) and common.prrt_history(ctx)
    assert len(ctx.cache) >= 3
    fields_after = {name: (type(value), len(value) if hasattr(value, "__len__") else value)
                    for name, value in vars(ctx.record).items() if name not in ("_validated", "_code_index")}
    assert fields_after == {k: v for k, v in fields_before.items() if k not in ("_validated", "_code_index")}
    assert not any(isinstance(value, RequestCache) for value in vars(ctx.record).values())


def test_the_rules_of_one_call_share_one_cache_and_each_call_has_its_own():
    from .conftest import Harness, make_app
    app = make_app()
    seen: list[int] = []
    for rule in app.extensions["pnet_cds"].rules:
        original = rule.evaluate

        def spy(ctx, original=original):
            seen.append(id(ctx.cache))
            return original(ctx)
        rule.evaluate = spy
    harness = Harness(app)
    harness.fire("ssa-in-insulinoma--octreotide-sc-malignant-insulinoma", "order-sign")
    first_call, seen[:] = set(seen), []
    harness.fire("ssa-in-insulinoma--octreotide-sc-malignant-insulinoma", "order-sign")
    assert len(first_call) == 1 and len(set(seen)) == 1 and first_call != set(seen)
