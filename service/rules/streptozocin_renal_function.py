"""Rule 22 `streptozocin-renal-function`: streptozocin drafted with impaired or unknown renal function.

Warning: the latest eGFR in the window is below the threshold, or the latest creatinine is above its
reference range. Info: no eGFR or creatinine result in the window (and no creatinine among the drafts), or an
eGFR that cannot be compared with the threshold (named on the card). The threshold and the window are local
policy (catalog v2: the source names renal dysfunction but no cut-off).

eGFR (catalog v2): any code of the eGFR value set counts; the unit is read through UCUM whatever its spelling
(`mL/min/{1.73_m2}`, `mL/min/1.73m2`, `ml/min/1,73m2`, `mL/s/1.73 m2`); a unit that cannot be read is taken as
mL/min/1.73m2 when the value is plausible for an eGFR (0 to `egfr_plausible_max`); a comparator is honoured
(">60" is not below 60; ">45" cannot be compared); with several eGFRs of one date (the race-based pair, say)
the lowest counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..cards import Finding
from ..units import convert, ucum_code
from .common import (RuleContext, as_dict, below_threshold, draft_service_requests, drug_name, has_pnet, is_above_range,
                     latest_observation, observations, result_facts, result_time, triggering_medication_drafts)

# "/1.73m2" in the spellings labs use: UCUM annotation {1.73_m2}, 1.73m2, 1,73 m2, 1.73m^2, 1.73 m², 1.73 sq m.
_PER_STANDARD_AREA = re.compile(r"\s*/\s*\{?\s*1[.,]73\s*[_ ]?(?:m\^?2|m²|sq\.?\s*m)\s*\}?\s*$", re.IGNORECASE)
_STANDARD = "mL/min"


@dataclass(frozen=True)
class EgfrReading:
    observation: dict
    value: float | None  # mL/min/1.73m2, None when not comparable
    below: bool | None   # None: cannot say (unreadable unit, or a comparator that leaves it open)
    unit_assumed: bool = False  # the unit could not be read; the value was taken as mL/min/1.73m2


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = triggering_medication_drafts(ctx, "streptozocin")
    if not drafts or not has_pnet(ctx):
        return []
    window = ctx.days("renal_window_days")
    readings = _latest_egfrs(ctx, window)
    creatinine = latest_observation(ctx, "creatinine", within=window)
    lowest = min((r for r in readings if r.below), key=lambda r: r.value, default=None)
    abnormal = [lowest.observation] if lowest else []
    abnormal += [o for o in (creatinine,) if o is not None and is_above_range(o)]
    drug = drug_name(ctx, drafts[0])
    if abnormal:
        return [Finding("renal-impairment", {"drug": drug, "results": [result_facts(o) for o in abnormal],
                                             "unit_assumed": bool(lowest and lowest.unit_assumed)})]
    unreadable = [r.observation for r in readings if r.below is None]
    if unreadable and not any(r.below is False for r in readings):
        return [Finding("egfr-not-comparable", {"drug": drug, "results": [result_facts(o) for o in unreadable]})]
    if not readings and creatinine is None and not draft_service_requests(ctx, "creatinine"):
        return [Finding("no-renal-result", {"drug": drug})]
    return []


def _latest_egfrs(ctx: RuleContext, window) -> list[EgfrReading]:
    """The eGFRs of the latest date in the window (one, or the pair a lab reports together), read."""
    latest = latest_observation(ctx, "egfr", within=window)
    if latest is None:
        return []
    day = result_time(ctx, latest).date()
    same_day = [o for o in observations(ctx, "egfr") if (result_time(ctx, o) or latest).date() == day] or [latest]
    threshold, plausible_max = float(ctx.params["egfr_threshold"]), float(ctx.params["egfr_plausible_max"])
    return [read_egfr(o, threshold, plausible_max) for o in same_day]


def read_egfr(observation: dict, threshold: float, plausible_max: float) -> EgfrReading:
    """The eGFR in mL/min/1.73m2 and whether it is below `threshold` (None when that cannot be said)."""
    quantity = as_dict(observation.get("valueQuantity"))
    value = quantity.get("value")
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return EgfrReading(observation, None, None)
    converted, readable = egfr_in_standard_unit(float(value), quantity)
    assumed = converted is None and not readable and 0 <= value <= plausible_max
    if assumed:
        converted = float(value)  # plainly an eGFR: a code of the eGFR value set, a plausible value
    if converted is None:
        return EgfrReading(observation, None, None)
    return EgfrReading(observation, converted, below_threshold(converted, quantity.get("comparator"), threshold), assumed)


def egfr_in_standard_unit(value: float, quantity: dict) -> tuple[float | None, bool]:
    """(value in mL/min per 1.73 m2, whether the unit was readable). A readable unit of another kind (mg/dL
    on an eGFR) gives (None, True); a unit that cannot be read gives (None, False)."""
    system = quantity.get("system")
    candidates = [quantity.get("code")] if system in (None, "", "http://unitsofmeasure.org") else []
    candidates.append(quantity.get("unit"))
    readable = False
    for candidate in (str(c).strip() for c in candidates if c):
        rate_unit = _PER_STANDARD_AREA.sub("", candidate)
        if ucum_code(rate_unit) is None:
            continue
        readable = True
        converted = convert(value, rate_unit, _STANDARD)
        if converted is not None:
            return converted, True
    return None, readable
