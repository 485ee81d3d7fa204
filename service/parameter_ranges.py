"""Allowed ranges of a card file's local-policy parameters (`parameter_ranges:`), and the check of a value.

A card file declares, for each parameter a site may tune, `{min, max, why}`. A parameter's value is a number,
or an object of numbers (`{min: 28, max: 31}`, a window of two numbers), and every number in it must lie in
the range. The card file's own defaults are checked at load time; site overrides (service/site_config.py)
against the same ranges. A parameter without a range is not tunable by a site.
"""

from __future__ import annotations

from numbers import Real


class RangeError(ValueError):
    """A value lies outside its declared range, or has the wrong shape; the message says which."""


def range_problems(ranges: dict, parameters: dict) -> list[str]:
    """What is wrong with a card file's ranges against its own parameters (empty when nothing is)."""
    problems = []
    for name, bounds in ranges.items():
        if bounds["min"] > bounds["max"]:
            problems.append(f"parameter_ranges/{name}: min {bounds['min']} is above max {bounds['max']}")
        if name not in parameters:
            problems.append(f"parameter_ranges/{name}: no parameter {name!r} in `parameters` "
                            f"(known: {', '.join(sorted(parameters)) or 'none'})")
            continue
        try:
            check_value(name, parameters[name], bounds)
        except RangeError as exc:
            problems.append(f"parameters/{name}: the card file's own value {exc}")
    return problems


def check_value(name: str, value: object, bounds: dict, like: object = None) -> None:
    """Raise RangeError unless `value` (a number, or an object of numbers shaped like `like`, the card file's
    value) lies within `bounds`."""
    if isinstance(value, dict):
        if like is not None and (not isinstance(like, dict) or set(value) != set(like)):
            raise RangeError(f"must have the card file's shape {like!r}, not {value!r}")
        for key, item in value.items():
            check_value(f"{name}.{key}", item, bounds)
        if {"min", "max"} <= set(value) and _number(value["min"]) and _number(value["max"]) \
                and value["min"] > value["max"]:
            raise RangeError(f"{value!r}: min is above max")
        return
    if like is not None and isinstance(like, dict):
        raise RangeError(f"must have the card file's shape {like!r}, not {value!r}")
    if not _number(value):
        raise RangeError(f"{value!r} is not a number")
    if not bounds["min"] <= value <= bounds["max"]:
        raise RangeError(f"{value} is outside the allowed range {bounds['min']}–{bounds['max']}"
                         + (f" ({bounds['why']})" if bounds.get("why") else ""))


def _number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)
