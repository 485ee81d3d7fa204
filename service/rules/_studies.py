"""RULES.md "Performed and positive": when an imaging study counts as done, and when it is negative.

A study counts as done only when performed: Procedure `completed`; DiagnosticReport `final` | `amended` |
`corrected` | `appended`; ImagingStudy `available`. A registered, preliminary or scheduled one is not yet
done. A report is negative when its `conclusionCode` is Negative (SNOMED CT 260385009, TERMINOLOGY.md) or
its interpretation (or that of a result it references) is NEG. `N` means *normal*, not negative.
"""

from __future__ import annotations

from datetime import datetime

from ..fhirtime import FhirTime, effective_span
from ..record import codings
from .common import RuleContext, as_dict

PERFORMED = {
    "Procedure": {"completed"},
    "DiagnosticReport": {"final", "amended", "corrected", "appended"},
    "ImagingStudy": {"available"},
}
NEGATIVE = ("http://snomed.info/sct", "260385009")
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"


def is_performed(resource: dict) -> bool:
    """The study was done (its status says so), per resource type; any other type: False."""
    return resource.get("status") in PERFORMED.get(resource.get("resourceType"), set())


def is_negative(ctx: RuleContext, resource: dict) -> bool:
    """A negative study: conclusionCode Negative, or interpretation NEG on the resource or on a result
    Observation it references (contained or on record)."""
    conclusions = [c for concept in resource.get("conclusionCode") or [] for c in codings(concept)]
    if NEGATIVE in conclusions:
        return True
    if _flagged_negative(resource):
        return True
    for reference in resource.get("result") or []:
        observation = ctx.record.resolve(as_dict(reference).get("reference"), resource)
        if observation is not None and _flagged_negative(observation):
            return True
    return False


def _flagged_negative(resource: dict) -> bool:
    for concept in resource.get("interpretation") or []:
        for coding in as_dict(concept).get("coding") or []:
            if as_dict(coding).get("code") == "NEG" and as_dict(coding).get("system") in (None, INTERPRETATION):
                return True
    return False


def study_time(resource: dict) -> FhirTime | None:
    """When the study was done (effective / performed / started / issued), as recorded."""
    return effective_span(resource)


def newest_first(studies: list[dict]) -> list[dict]:
    """Studies by date, newest first (earliest reading of a partial date; undated ones last)."""
    def key(resource: dict) -> tuple[bool, datetime | None]:
        span = study_time(resource)
        return (True, span.earliest) if span else (False, None)
    dated = [s for s in studies if study_time(s)]
    return sorted(dated, key=key, reverse=True) + [s for s in studies if not study_time(s)]
