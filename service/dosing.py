"""Structured doses, read in one place: how much per administration (and how often, for a MedicationRequest).

The one reader of `doseQuantity` and `dose` for every rule (`dose_of`, `doses`, `first_dose_in`, `dose_unit`):
- where: MedicationRequest `dosageInstruction[]`, MedicationStatement `dosage[]` (Dosage:
  `doseAndRate[].doseQuantity`), MedicationAdministration `dosage.dose`;
- which: in one Dosage, its one `doseQuantity`, or among several the one typed "ordered" (else none: two
  untyped doses are not guessed between);
- `doseRange` is never read as a dose (no value of a range is "the" dose), nor is a rate;
- value: a real number within READABLE_RANGE, without a comparator (SimpleQuantity has none);
- unit: the UCUM `code` (when the system is UCUM or absent), else the unit text, through `units.ucum_code`
  (mass: mg, mcg, µg, micrograms …; activity: GBq, MBq, mCi in any case), converted only through UCUM.
`timing.repeat` (frequency / period / periodUnit, `timeOfDay`), or a common timing code of the FHIR
TimingAbbreviation value set (v3-GTSAbbreviation: BID, TID, QID, QD, QOD, AM, PM, BED, Q1H … Q8H, WK, MO;
it has no "every 4 weeks" code), gives the schedule. Anything this module cannot read with certainty —
free text only, a dose range, a rate, as-needed, a dose in tablets or mL, sequential (tapering)
instructions, a frequency or period range — gives None, so a dose rule stays silent instead of guessing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from . import units

# What this module reads at all: a dose, frequency or period (in days) outside 1e-9 … 1e9 of its unit is a
# data error (1e308 mg, a denormal period), not an order; reading it would overflow to "inf" in card text.
# A parsing bound, not a clinical number.
READABLE_RANGE = (1e-9, 1e9)
GTS_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation"
# code → (times, per period, period unit), from the code definitions in the FHIR TimingAbbreviation value set.
TIMING_CODES = {
    "QD": (1, 1, "d"), "AM": (1, 1, "d"), "PM": (1, 1, "d"), "BED": (1, 1, "d"),
    "BID": (2, 1, "d"), "TID": (3, 1, "d"), "QID": (4, 1, "d"), "QOD": (1, 2, "d"),
    "Q1H": (1, 1, "h"), "Q2H": (1, 2, "h"), "Q3H": (1, 3, "h"), "Q4H": (1, 4, "h"), "Q6H": (1, 6, "h"),
    "Q8H": (1, 8, "h"), "WK": (1, 1, "wk"), "MO": (1, 1, "mo"),
}


@dataclass(frozen=True)
class Schedule:
    """`frequency` administrations every `period_days` days (`written`: how a month-based order said it)."""

    frequency: float
    period_days: float
    written: str = field(default="", compare=False)

    @property
    def interval_days(self) -> float:
        """Days from one administration to the next."""
        return self.period_days / self.frequency

    @property
    def times_per_day(self) -> float:
        return self.frequency / self.period_days


@dataclass(frozen=True)
class Regimen:
    """A structured dose: `dose` (in `unit`) per administration, on `schedule`."""

    dose: float
    unit: str
    schedule: Schedule

    def amount_per(self, days: float) -> float:
        """Total amount (in `unit`) given over `days` days: 28 for a per-4-weeks dose, 1 for a daily dose."""
        return self.dose * self.schedule.times_per_day * days


def parse_regimen(request: dict, unit: str, month_days: float | None = None) -> Regimen | None:
    """The regimen of a MedicationRequest with its dose in `unit` (a mass unit, e.g. "mg" or "ug"), or None.

    Several dosage instructions count only when they are concurrent (the same explicit `sequence`) and
    share one schedule (then their doses add up). `month_days` says how many days a period of one month
    means (depots ordered "monthly" are given every 4 weeks: pass 28); by default a UCUM month (30.4375 d).
    """
    instructions = [d for d in request.get("dosageInstruction") or [] if isinstance(d, dict)]
    if not instructions or (len(instructions) > 1 and not _concurrent(instructions)):
        return None
    parsed = [_parse_dosage(dosage, unit, month_days) for dosage in instructions]
    if any(p is None for p in parsed) or len({p.schedule for p in parsed}) != 1:
        return None
    return Regimen(sum(p.dose for p in parsed), unit, parsed[0].schedule)


def _concurrent(dosages: list[dict]) -> bool:
    sequences = {d.get("sequence") for d in dosages}
    return len(sequences) == 1 and None not in sequences


def _parse_dosage(dosage: dict, unit: str, month_days: float | None) -> Regimen | None:
    if dosage.get("asNeededBoolean") or dosage.get("asNeededCodeableConcept"):
        return None
    dose = parse_dose(dosage, unit)
    schedule = parse_schedule(dosage.get("timing"), month_days)
    if dose is None or schedule is None:
        return None
    return Regimen(dose, unit, schedule)


@dataclass(frozen=True)
class Dose:
    """One structured dose as written: `value` (None when not a readable number), `unit` (UCUM code, None
    when the unit cannot be read as UCUM) and `written` ("0.1 mg": the prescriber's number and unit text)."""

    value: float | None
    unit: str | None
    written: str

    def amount_in(self, unit: str) -> float | None:
        """The dose in `unit` (UCUM: "mg", "ug", "MBq" …), or None (no value, another kind of unit)."""
        if self.value is None or self.unit is None or units.is_activity(self.unit) != units.is_activity(unit):
            return None  # a becquerel is 1/s in UCUM: a rate never reads as an activity, nor an activity as a rate
        return _readable(units.convert(self.value, self.unit, unit))


def dosages(resource: dict) -> list[dict]:
    """The Dosage elements of an order (`dosageInstruction`), a statement (`dosage`, a list) or an
    administration (`dosage`, one object)."""
    found = resource.get("dosageInstruction") if "dosageInstruction" in resource else resource.get("dosage")
    found = found if isinstance(found, list) else [found]
    return [d for d in found if isinstance(d, dict)]


def dose_of(dosage: dict) -> Dose | None:
    """The dose of one dosage element: an administration's `dose`, else the one `doseQuantity` of
    `doseAndRate` (or the one typed "ordered" among several); None when there is none or it is ambiguous."""
    if isinstance(dosage.get("dose"), dict):
        return _dose(dosage["dose"])
    entries = [e for e in dosage.get("doseAndRate") or [] if isinstance(e, dict) and "doseQuantity" in e]
    if len(entries) > 1:
        entries = [e for e in entries if "ordered" in _codes(e.get("type"))]
    if len(entries) != 1 or not isinstance(entries[0]["doseQuantity"], dict):
        return None
    return _dose(entries[0]["doseQuantity"])


def doses(resource: dict) -> list[Dose]:
    """The dose of each dosage element of `resource` that has one, in order."""
    return [dose for dosage in dosages(resource) if (dose := dose_of(dosage)) is not None]


def first_dose_in(resource: dict, unit: str) -> float | None:
    """The first dose of `resource` that can be expressed in `unit` (a mass unit for a drug, an activity
    unit for a radiopharmaceutical), in `unit`; None when no dose can (text only, mL, vials, tablets)."""
    return next((amount for dose in doses(resource) if (amount := dose.amount_in(unit)) is not None), None)


def dose_unit(resource: dict) -> str | None:
    """The UCUM unit of the first dose of `resource` ("ug", "mg", "MBq"), or None."""
    return next((dose.unit for dose in doses(resource) if dose.unit), None)


def written_dose(resource: dict) -> str | None:
    """The first dose as the prescriber wrote it ("0.1 mg"), for card text; None without a numeric value."""
    return next((dose.written for dose in doses(resource) if dose.written), None)


def _dose(quantity: dict) -> Dose:
    raw = quantity.get("value")
    value = None if quantity.get("comparator") else _readable(raw)
    unit = units.ucum_code(quantity.get("code"), quantity.get("unit"), quantity.get("system"))
    written = f"{raw:g} {quantity.get('unit') or quantity.get('code') or ''}".strip() if value is not None else ""
    return Dose(value, unit, written)


def parse_dose(dosage: dict, unit: str) -> float | None:
    """The dose per administration of one dosage element in `unit` (a mass unit), or None (no quantity, a
    range, a comparator, a unit of another kind)."""
    dose = dose_of(dosage)
    if dose is None or not units.is_mass(dose.unit):
        return None
    return dose.amount_in(unit)


def parse_schedule(timing: dict | None, month_days: float | None = None) -> Schedule | None:
    """How often, from `timing.repeat` (which governs when present), else from a TimingAbbreviation code."""
    if not isinstance(timing, dict):
        return None
    repeat = timing.get("repeat") if isinstance(timing.get("repeat"), dict) else {}
    if repeat.get("period") is not None or repeat.get("frequency") is not None or repeat.get("timeOfDay"):
        return _from_repeat(repeat, month_days)
    code = _timing_code(timing.get("code"))
    if code is None:
        return None
    frequency, period, period_unit = TIMING_CODES[code]
    return _schedule(frequency, period, period_unit, month_days)


def _from_repeat(repeat: dict, month_days: float | None) -> Schedule | None:
    if repeat.get("dayOfWeek") or repeat.get("when"):
        return None  # weekday lists and meal-relative times are not counted here
    if _differs(repeat, "frequency", "frequencyMax") or _differs(repeat, "period", "periodMax"):
        return None
    times_of_day = repeat.get("timeOfDay") or []
    if repeat.get("period") is None:
        if times_of_day and repeat.get("frequency") in (None, len(times_of_day)):
            return _schedule(len(times_of_day), 1, "d", month_days)
        return None
    frequency = repeat.get("frequency", 1)
    return _schedule(frequency, repeat.get("period"), repeat.get("periodUnit"), month_days)


def _differs(repeat: dict, key: str, max_key: str) -> bool:
    return repeat.get(max_key) is not None and repeat.get(max_key) != repeat.get(key)


def _schedule(frequency, period, period_unit, month_days: float | None) -> Schedule | None:
    if _readable(frequency) is None or _readable(period) is None:
        return None
    if period_unit == "mo" and month_days:
        days = float(period) * month_days
    else:
        days = units.convert(float(period), period_unit, "d") if period_unit else None
    written = _months_text(frequency, period) if period_unit == "mo" else ""
    return Schedule(float(frequency), days, written) if _readable(days) is not None else None


def _readable(value) -> float | None:
    """`value` as a float when it is a real number within READABLE_RANGE, else None (booleans, NaN,
    infinities, integers too large for a float, denormals and other numbers no order means)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    low, high = READABLE_RANGE
    return number if math.isfinite(number) and low <= number <= high else None


def _months_text(frequency, period) -> str:
    every = "monthly" if period == 1 else f"every {period:g} months"
    return every if frequency == 1 else f"{frequency:g} times {'a month' if period == 1 else every}"


def _timing_code(concept: dict | None) -> str | None:
    for system, code in _codings(concept):
        if system in (GTS_SYSTEM, "") and code.upper() in TIMING_CODES:
            return code.upper()
    return None


def _codings(concept: dict | None) -> list[tuple[str, str]]:
    if not isinstance(concept, dict):
        return []
    return [(c.get("system") or "", c.get("code")) for c in concept.get("coding") or []
            if isinstance(c, dict) and isinstance(c.get("code"), str)]


def _codes(concept: dict | None) -> set[str]:
    return {code for _, code in _codings(concept)}


def describe_quantity(value: float, unit: str) -> str:
    """"300 micrograms", "37.5 mg" — for card text."""
    name = {"ug": "micrograms", "mg": "mg", "g": "g"}.get(unit, unit)
    if value < 10000:
        return f"{value:.4g} {name}"
    return f"{value:,.0f} {name}" if value < 1e12 else f"{value:.3g} {name}"


def describe_schedule(schedule: Schedule) -> str:
    """"3 times a day", "once daily", "every 4 weeks", "every 8 hours", "monthly" — for card text."""
    if schedule.written:
        return schedule.written
    per_day, interval = schedule.times_per_day, schedule.interval_days
    if abs(per_day - 1) < 1e-9:
        return "once daily"
    if per_day > 1 and abs(per_day - round(per_day)) < 1e-9:
        return f"{round(per_day)} times a day"
    if interval < 1:
        return f"every {interval * 24:.3g} hours"
    if interval >= 7 and abs(interval / 7 - round(interval / 7)) < 1e-9:
        weeks = round(interval / 7)
        return "every week" if weeks == 1 else f"every {weeks} weeks"
    return f"every {interval:.3g} days"


# RxNorm's normalised clinical-drug names: "[<volume> ML ]<ingredient> <strength> <unit>[/ML] <dose form>".
_RXNORM_STRENGTH = re.compile(
    r"^(?:(?P<volume>\d+(?:\.\d+)?) ML )?\D.*? (?P<amount>\d+(?:\.\d+)?) (?P<unit>MG|MCG)(?P<per_ml>/ML)? ", re.IGNORECASE)


def unit_strength(rxnorm_name: str | None, unit: str) -> float | None:
    """The amount (in `unit`) one unit of an RxNorm clinical or branded drug delivers, from its normalised name:
    "sunitinib 37.5 MG Oral Capsule" → 37.5 mg, "0.5 ML lanreotide 240 MG/ML Prefilled Syringe" → 120 mg,
    "octreotide 20 MG Injection" → 20 mg. None when the name gives no fixed amount per unit (an ingredient, a
    brand name, a concentration without a volume such as a multi-dose vial)."""
    match = _RXNORM_STRENGTH.match(rxnorm_name or "")
    if not match or (match["per_ml"] and not match["volume"]):
        return None
    amount = float(match["amount"]) * (float(match["volume"]) if match["per_ml"] else 1.0)
    return units.convert(amount, "ug" if match["unit"].upper() == "MCG" else "mg", unit)
