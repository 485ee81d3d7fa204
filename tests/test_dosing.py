"""service/dosing.py: structured doses read exactly, or not at all."""

from __future__ import annotations

import pytest

from pnet_cds.dosing import (GTS_SYSTEM, Schedule, describe_quantity, describe_schedule, parse_regimen,
                            parse_schedule)

UCUM = "http://unitsofmeasure.org"


def order(value=None, unit="mg", repeat=None, code=None, text=None, **dosage_extra) -> dict:
    dosage: dict = dict(dosage_extra)
    if text:
        dosage["text"] = text
    timing = {}
    if repeat:
        timing["repeat"] = repeat
    if code:
        timing["code"] = {"coding": [{"system": GTS_SYSTEM, "code": code}]}
    if timing:
        dosage["timing"] = timing
    if value is not None:
        dosage["doseAndRate"] = [{"doseQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}]
    return {"resourceType": "MedicationRequest", "dosageInstruction": [dosage] if dosage else []}


DAILY = {"frequency": 1, "period": 1, "periodUnit": "d"}
TID = {"frequency": 3, "period": 1, "periodUnit": "d"}


def test_micrograms_and_milligrams_are_the_same_dose():
    in_ug = parse_regimen(order(100, "ug", TID), "ug")
    in_mg = parse_regimen(order(0.1, "mg", TID), "ug")
    assert in_ug.amount_per(1) == pytest.approx(300)
    assert in_mg.amount_per(1) == pytest.approx(300)  # octreotide 0.1 mg = 100 micrograms


def test_mcg_unit_text_without_ucum_system():
    request = order(None, repeat=TID)
    request["dosageInstruction"][0]["doseAndRate"] = [{"doseQuantity": {"value": 50, "unit": "mcg"}}]
    assert parse_regimen(request, "ug").amount_per(1) == pytest.approx(150)


def test_dose_read_in_milligrams():
    regimen = parse_regimen(order(10, "mg", DAILY), "mg")
    assert regimen.dose == 10 and regimen.schedule.times_per_day == 1


def test_every_8_hours_is_three_times_a_day():
    q8h = parse_regimen(order(100, "ug", {"frequency": 1, "period": 8, "periodUnit": "h"}), "ug")
    tid = parse_regimen(order(100, "ug", code="TID"), "ug")
    assert q8h.amount_per(1) == pytest.approx(tid.amount_per(1)) == pytest.approx(300)


@pytest.mark.parametrize("code, per_day", [("QD", 1), ("BID", 2), ("TID", 3), ("QID", 4), ("QOD", 0.5),
                                           ("Q6H", 4), ("Q8H", 3), ("BED", 1), ("WK", 1 / 7)])
def test_timing_codes(code, per_day):
    assert parse_schedule({"code": {"coding": [{"system": GTS_SYSTEM, "code": code}]}}).times_per_day == \
        pytest.approx(per_day)


def test_repeat_governs_over_the_timing_code():
    timing = {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"},
              "code": {"coding": [{"system": GTS_SYSTEM, "code": "TID"}]}}
    assert parse_schedule(timing).times_per_day == 2


@pytest.mark.parametrize("repeat", [
    {"frequency": 1, "period": 4, "periodUnit": "wk"},
    {"frequency": 1, "period": 28, "periodUnit": "d"},
    {"frequency": 1, "period": 1, "periodUnit": "mo"},
    {"period": 4, "periodUnit": "wk"},  # frequency absent = once per period
])
def test_every_4_weeks_in_weeks_days_or_months(repeat):
    regimen = parse_regimen(order(120, "mg", repeat), "mg", month_days=28)
    assert regimen.schedule.interval_days == pytest.approx(28)
    assert regimen.amount_per(28) == pytest.approx(120)


def test_a_month_is_a_ucum_month_unless_told_otherwise():
    regimen = parse_regimen(order(120, "mg", {"frequency": 1, "period": 1, "periodUnit": "mo"}), "mg")
    assert regimen.schedule.interval_days == pytest.approx(30.4375)


def test_depot_every_3_weeks_per_4_weeks():
    regimen = parse_regimen(order(30, "mg", {"frequency": 1, "period": 3, "periodUnit": "wk"}), "mg")
    assert regimen.amount_per(28) == pytest.approx(40)


def test_times_of_day_count_as_the_daily_frequency():
    regimen = parse_regimen(order(100, "ug", {"timeOfDay": ["08:00:00", "14:00:00", "20:00:00"]}), "ug")
    assert regimen.amount_per(1) == pytest.approx(300)


def test_concurrent_instructions_with_one_schedule_add_up():
    request = order(5, "mg", DAILY, sequence=1)
    request["dosageInstruction"].append(dict(request["dosageInstruction"][0]))
    assert parse_regimen(request, "mg").amount_per(1) == pytest.approx(10)


UNSTRUCTURED = {
    "text only": order(text="100 micrograms three times daily"),
    "no dosage": {"resourceType": "MedicationRequest"},
    "dose without timing": order(100, "ug"),
    "timing without dose": order(repeat=TID),
    "tablets": order(1, "{tbl}", DAILY),
    "millilitres": order(1, "mL", TID),
    "as needed": order(100, "ug", TID, asNeededBoolean=True),
    "frequency range": order(100, "ug", {"frequency": 2, "frequencyMax": 4, "period": 1, "periodUnit": "d"}),
    "period range": order(30, "mg", {"frequency": 1, "period": 3, "periodMax": 4, "periodUnit": "wk"}),
    "meal-relative": order(100, "ug", {"frequency": 3, "period": 1, "periodUnit": "d", "when": ["AC"]}),
    "unknown period unit": order(100, "ug", {"frequency": 3, "period": 1, "periodUnit": "xx"}),
    "zero dose": order(0, "mg", DAILY),
    "unknown timing code": order(10, "mg", code="Q4W"),
}


@pytest.mark.parametrize("name", UNSTRUCTURED)
def test_unstructured_or_ambiguous_doses_are_none(name):
    assert parse_regimen(UNSTRUCTURED[name], "mg") is None


def test_dose_range_and_comparator_are_none():
    request = order(10, "mg", DAILY)
    request["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["comparator"] = "<"
    assert parse_regimen(request, "mg") is None
    ranged = order(repeat=DAILY)
    ranged["dosageInstruction"][0]["doseAndRate"] = [{"doseRange": {"low": {"value": 5, "unit": "mg"},
                                                                   "high": {"value": 10, "unit": "mg"}}}]
    assert parse_regimen(ranged, "mg") is None


def test_sequential_instructions_are_none():
    request = order(10, "mg", DAILY, sequence=1)
    request["dosageInstruction"].append(dict(request["dosageInstruction"][0], sequence=2))
    assert parse_regimen(request, "mg") is None


def test_ordered_dose_is_chosen_among_several():
    request = order(10, "mg", DAILY)
    entries = request["dosageInstruction"][0]["doseAndRate"]
    entries[0]["type"] = {"coding": [{"code": "ordered"}]}
    entries.append({"type": {"coding": [{"code": "calculated"}]}, "doseQuantity": {"value": 9.7, "unit": "mg"}})
    assert parse_regimen(request, "mg").dose == 10


@pytest.mark.parametrize("schedule, text", [
    (Schedule(1, 1), "once daily"), (Schedule(3, 1), "3 times a day"), (Schedule(1, 28), "every 4 weeks"),
    (Schedule(1, 21), "every 3 weeks"), (Schedule(1, 2), "every 2 days"), (Schedule(1, 7), "every week"),
])
def test_describe_schedule(schedule, text):
    assert describe_schedule(schedule) == text


def test_a_month_based_order_is_described_as_written():
    regimen = parse_regimen(order(120, "mg", {"frequency": 1, "period": 1, "periodUnit": "mo"}), "mg", month_days=28)
    assert describe_schedule(regimen.schedule) == "monthly"
    assert regimen.schedule.interval_days == 28


def test_describe_quantity():
    assert describe_quantity(300.00000000000006, "ug") == "300 micrograms"
    assert describe_quantity(37.5, "mg") == "37.5 mg"


@pytest.mark.parametrize("value", [1e308, 1e300, 10**400, float("inf"), float("nan"), 5e-324, 1e-12, True])
def test_a_dose_no_order_means_is_not_read(value):
    """1e308 mg used to become "inf micrograms" on a card; 10**400 raised OverflowError in the rule."""
    assert parse_regimen(order(value, "mg", TID), "ug") is None


@pytest.mark.parametrize("repeat", [
    {"frequency": 1, "period": 5e-324, "periodUnit": "d"},   # a denormal period: 1/period is infinite
    {"frequency": 1, "period": 1e-310, "periodUnit": "h"},
    {"frequency": 1e308, "period": 1, "periodUnit": "d"},
    {"frequency": 1, "period": 1e300, "periodUnit": "a"},
])
def test_a_schedule_no_order_means_is_not_read(repeat):
    """A denormal period used to crash the dose rule (OverflowError describing an infinite frequency)."""
    assert parse_regimen(order(0.1, "mg", repeat), "ug") is None
    assert parse_schedule({"repeat": repeat}) is None


def test_the_largest_readable_regimen_is_described_with_digits_not_inf():
    regimen = parse_regimen(order(1e6, "mg", {"frequency": 1e9, "period": 1, "periodUnit": "d"}), "ug")
    amount = regimen.amount_per(28)
    assert describe_quantity(amount, "ug") == "2.8e+19 micrograms"
    assert describe_quantity(123456.4, "ug") == "123,456 micrograms"
