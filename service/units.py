"""Unit conversion for the quantities rules compare: UCUM through `ucumvert` (a UCUM grammar on top of pint).

One registry per process (building it takes about two seconds, so it is built once, on first use, and
kept). EHRs send unit *text* next to, or instead of, UCUM codes: `mcg`, `µg`, `microgram(s)` are not UCUM,
so `ucum_code` maps the common spellings to UCUM before parsing. A unit that cannot be read, or two units
that measure different things, give None: a rule then says nothing rather than something wrong.

Radioactivity (a radiopharmaceutical's ordered activity: GBq, MBq, mCi) is UCUM too: the curie is defined
as exactly 3.7e10 Bq (UCUM, ucum-essence.xml, unit `Ci`: value 37e9 Bq; the same definition as in pint's
default registry and the historical definition of the curie), so 1 mCi = 37 MBq exactly and 7.4 GBq =
200 mCi. No card file or table carries that factor. Order entry spells activity units in any case
("GBQ", "mci"), so they are read case-insensitively (a millibecquerel or megacurie order does not occur).
A becquerel is one per second in UCUM: `is_activity` keeps a rate (`/s`, `Hz`) from reading as an activity.

Two conversions are not pure UCUM and are written out here:
- glucose mmol/L ↔ mg/dL needs the molar mass of glucose (C6H12O6, 180.156 g/mol from standard atomic
  weights: 6 × 12.011 + 12 × 1.008 + 6 × 15.999), so 1 mmol/L = 18.0156 mg/dL;
- HbA1c IFCC mmol/mol → NGSP % uses the IFCC–NGSP master equation NGSP = 0.09148 × IFCC + 2.152
  (NGSP, "IFCC Standardization of HbA1c", ngsp.org; Hoelzel et al., Clin Chem 2004;50:166-74).
"""

from __future__ import annotations

import math
import re
from functools import cache

UCUM_SYSTEM = "http://unitsofmeasure.org"
GLUCOSE_MOLAR_MASS_G_PER_MOL = 180.156
HBA1C_NGSP_SLOPE = 0.09148
HBA1C_NGSP_INTERCEPT = 2.152

# Unit text seen in EHR payloads → UCUM code. Keys are compared lower-cased and stripped.
_ALIASES = {
    "mcg": "ug", "µg": "ug", "μg": "ug", "ug": "ug", "microgram": "ug", "micrograms": "ug",
    "mg": "mg", "milligram": "mg", "milligrams": "mg",
    "g": "g", "gram": "g", "grams": "g", "ng": "ng", "nanogram": "ng", "nanograms": "ng",
    "mg/dl": "mg/dL", "mmol/l": "mmol/L", "mmol/mol": "mmol/mol", "%": "%",
    "d": "d", "day": "d", "days": "d", "h": "h", "hr": "h", "hour": "h", "hours": "h",
    "wk": "wk", "week": "wk", "weeks": "wk", "mo": "mo", "month": "mo", "months": "mo",
    "min": "min", "s": "s", "a": "a", "year": "a", "years": "a",
    "bq": "Bq", "kbq": "kBq", "mbq": "MBq", "gbq": "GBq",
    "ci": "Ci", "mci": "mCi", "uci": "uCi", "µci": "uCi", "μci": "uCi",
}
_ACTIVITY = re.compile(r"^(?:da|[YZEPTGMkhdcmunpfazy])?(?:Bq|Ci)$")  # a UCUM prefix and becquerel or curie


@cache
def _registry():
    from ucumvert import PintUcumRegistry  # imported here: pint's set-up is the slow part

    return PintUcumRegistry()


def warm_up() -> None:
    """Build the UCUM registry now (at start-up) rather than during the first hook call."""
    _registry()


def ucum_code(code: str | None, text: str | None = None, system: str | None = None) -> str | None:
    """The UCUM code for a Quantity's unit: its `code` when the system is UCUM (or absent), else the
    known spelling of its `unit` text. None when neither can be read as UCUM."""
    candidates = []
    if code and (system in (None, "", UCUM_SYSTEM)):
        candidates.append(code)
    if text:
        candidates.append(text)
    for candidate in candidates:
        candidate = str(candidate).strip()
        alias = _ALIASES.get(candidate.lower())
        if alias:
            return alias
        if _parse(candidate) is not None:
            return candidate
    return None


@cache
def _parse(unit: str):
    registry = _registry()
    try:
        parsed = registry.from_ucum(unit)
    except Exception:  # ucumvert's InvalidUcumError, and pint's errors for atoms it does not define
        return None
    return parsed if hasattr(parsed, "dimensionality") else None  # an annotation alone ({tbl}) is no unit


def convert(value: float, from_unit: str | None, to_unit: str) -> float | None:
    """`value` in `from_unit` expressed in `to_unit` (both UCUM codes or known spellings), or None when
    either unit is unknown or they measure different things (mg vs mL)."""
    source = _parse(ucum_code(from_unit) or "") if from_unit else None
    target = _parse(ucum_code(to_unit) or "")
    if source is None or target is None or not _finite(value):
        return None
    try:
        return float((value * source).to(target.units).magnitude / target.magnitude)
    except Exception:  # pint.DimensionalityError: different kinds of quantity
        return None


def is_mass(unit: str | None) -> bool:
    """True for a mass unit (mg, ug, g …)."""
    parsed = _parse(ucum_code(unit) or "") if unit else None
    return parsed is not None and str(parsed.dimensionality) == "[mass]"


def is_activity(unit: str | None) -> bool:
    """True for a radioactivity unit (Bq, MBq, GBq, Ci, mCi …), in UCUM or a known spelling."""
    code = ucum_code(unit) if unit else None
    return code is not None and bool(_ACTIVITY.match(code))


def glucose_mg_per_dl(value: float, unit: str | None) -> float | None:
    """A glucose concentration in mg/dL, from any mass/volume or substance/volume unit; else None."""
    direct = convert(value, unit, "mg/dL")
    if direct is not None:
        return direct
    mmol_per_l = convert(value, unit, "mmol/L")
    if mmol_per_l is None:
        return None
    return mmol_per_l * GLUCOSE_MOLAR_MASS_G_PER_MOL / 10.0  # mmol/L × g/mol = mg/L; / 10 → mg/dL


def hba1c_percent(value: float, unit: str | None) -> float | None:
    """An HbA1c in NGSP % from `%` (or `%{...}`) or IFCC `mmol/mol`; None for any other unit."""
    code = ucum_code(unit) if unit else None
    if code is None or not _finite(value):
        return None
    if code == "%" or code.startswith("%{"):
        return float(value)
    if code == "mmol/mol":
        return HBA1C_NGSP_SLOPE * float(value) + HBA1C_NGSP_INTERCEPT
    return None


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
