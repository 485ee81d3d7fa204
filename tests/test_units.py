"""service/units.py: UCUM conversions, EHR unit spellings, glucose and HbA1c."""

from __future__ import annotations

import math

import pytest

from pnet_cds import units


@pytest.mark.parametrize("value, source, target, expected", [
    (0.1, "mg", "ug", 100.0),
    (100, "ug", "mg", 0.1),
    (100, "mcg", "mg", 0.1),
    (250, "µg", "mg", 0.25),
    (250, "μg", "mg", 0.25),
    (2, "g", "mg", 2000.0),
    (500, "micrograms", "mg", 0.5),
    (4, "wk", "d", 28.0),
    (8, "h", "d", 1 / 3),
    (1, "mo", "d", 30.4375),  # UCUM's mean Julian month
])
def test_convert_between_units_of_one_kind(value, source, target, expected):
    assert units.convert(value, source, target) == pytest.approx(expected)


@pytest.mark.parametrize("source, target", [("mg", "mL"), ("{tbl}", "mg"), ("TAB", "mg"), ("foo", "mg"),
                                            ("mg", "d"), (None, "mg")])
def test_convert_refuses_other_kinds_and_unknown_units(source, target):
    assert units.convert(1, source, target) is None


def test_convert_refuses_non_finite_values():
    assert units.convert(math.nan, "mg", "ug") is None


def test_ucum_code_prefers_the_code_of_a_ucum_quantity_and_reads_unit_text_otherwise():
    assert units.ucum_code("ug", "micrograms", units.UCUM_SYSTEM) == "ug"
    assert units.ucum_code("258684004", "mg", "http://snomed.info/sct") == "mg"  # SNOMED unit code: text used
    assert units.ucum_code(None, "mcg") == "ug"
    assert units.ucum_code(None, "tablet") is None


def test_is_mass():
    assert units.is_mass("mcg") and units.is_mass("mg")
    assert not units.is_mass("mL") and not units.is_mass("{tbl}")


@pytest.mark.parametrize("value, unit, expected", [
    (126, "mg/dL", 126.0),
    (7.0, "mmol/L", 7.0 * 18.0156),   # molar mass of glucose 180.156 g/mol
    (1.26, "g/L", 126.0),
    (6990, "umol/L", 6.99 * 18.0156),
])
def test_glucose_in_mg_per_dl(value, unit, expected):
    assert units.glucose_mg_per_dl(value, unit) == pytest.approx(expected)


def test_glucose_threshold_126_mg_dl_is_7_mmol_l():
    assert units.glucose_mg_per_dl(6.9, "mmol/L") < 126 < units.glucose_mg_per_dl(7.0, "mmol/L")


def test_glucose_in_an_unrelated_unit_is_none():
    assert units.glucose_mg_per_dl(5, "mg") is None
    assert units.glucose_mg_per_dl(5, "%") is None


@pytest.mark.parametrize("value, unit, expected", [
    (6.5, "%", 6.5), (6.5, "%{HbA1c}", 6.5), (48, "mmol/mol", 6.543), (53, "mmol/mol", 7.001),
])
def test_hba1c_in_ngsp_percent(value, unit, expected):
    assert units.hba1c_percent(value, unit) == pytest.approx(expected, abs=0.001)


def test_hba1c_in_an_unrelated_unit_is_none():
    assert units.hba1c_percent(6.5, "g/dL") is None
    assert units.hba1c_percent(6.5, None) is None
