"""Fixtures for rule 5 `vipoma-fluids-electrolytes`."""

from .builder import Patient
from .codes import BMP, HYPOKALEMIA, MAGNESIUM, POTASSIUM, VIPOMA

RULE = "vipoma-fluids-electrolytes"


def _vipoma(slug, given):
    p = Patient(slug, given, "Vipoma")
    p.condition(VIPOMA, onset_days=120)
    return p


def low_potassium_flagged():
    p = _vipoma("vip-low-k", "Ines")
    p.observation(POTASSIUM, 3.9, "mmol/L", days_ago=20, low=3.5, high=5.1)
    p.observation(POTASSIUM, 2.9, "mmol/L", days_ago=2, low=3.5, high=5.1, flag="L")
    p.observation(MAGNESIUM, 2.0, "mg/dL", days_ago=2, low=1.7, high=2.2)
    return p


def low_magnesium_by_range():
    """No interpretation flag: the value below referenceRange.low is enough."""
    p = _vipoma("vip-low-mg", "Jon")
    p.observation(POTASSIUM, 4.0, "mmol/L", days_ago=3, low=3.5, high=5.1)
    p.observation(MAGNESIUM, 1.2, "mg/dL", days_ago=3, low=1.7, high=2.2)
    return p


def no_potassium_in_30_days():
    p = _vipoma("vip-no-k", "Kai")
    p.observation(POTASSIUM, 3.8, "mmol/L", days_ago=75, low=3.5, high=5.1)
    return p


def normal_electrolytes():
    p = _vipoma("vip-normal", "Lea")
    p.observation(POTASSIUM, 4.2, "mmol/L", days_ago=4, low=3.5, high=5.1)
    p.observation(MAGNESIUM, 2.0, "mg/dL", days_ago=4, low=1.7, high=2.2)
    return p


def low_potassium_10_days_ago_normal_since():
    p = _vipoma("vip-old-low", "Max")
    p.observation(POTASSIUM, 2.8, "mmol/L", days_ago=10, low=3.5, high=5.1, flag="L")
    p.observation(POTASSIUM, 3.9, "mmol/L", days_ago=1, low=3.5, high=5.1)
    return p


def low_potassium_without_vipoma():
    """Hypokalemia from another cause, no pancreatic NET: not this service's business."""
    p = Patient("vip-none", "Nia", "Hypokalemia")
    p.condition(HYPOKALEMIA)
    p.observation(POTASSIUM, 2.9, "mmol/L", days_ago=1, low=3.5, high=5.1, flag="L")
    return p


def bmp_drafted():
    p = _vipoma("vip-bmp-draft", "Omar")
    p.observation(POTASSIUM, 3.9, "mmol/L", days_ago=60, low=3.5, high=5.1)
    p.draft_service(BMP)
    return p


FIXTURES = {
    f"{RULE}--low-potassium-flagged": low_potassium_flagged,
    f"{RULE}--low-magnesium-by-range": low_magnesium_by_range,
    f"{RULE}--no-potassium-in-30-days": no_potassium_in_30_days,
    f"{RULE}--normal-electrolytes": normal_electrolytes,
    f"{RULE}--low-potassium-10-days-ago-normal-since": low_potassium_10_days_ago_normal_since,
    f"{RULE}--low-potassium-without-vipoma": low_potassium_without_vipoma,
    f"{RULE}--bmp-drafted": bmp_drafted,
}
