"""Rule 9 `prrt-sstr-imaging-required`: Lu-177 dotatate drafted with no performed, positive SSTR imaging.

SSTR imaging is recognised by code (HCPCS agent codes, DICOM radiopharmaceutical codes) or, since EHRs code
imaging with generic or local codes, by the radiotracer named in the code text, display or description.
A PRRT therapy record or a post-therapy Lu-177 scan is not diagnostic imaging. v2 (RULES.md "Performed and
positive"): only performed studies count (a scheduled, registered or preliminary one is not yet done); the
most recent performed SSTR study decides, and when it is negative the card says so ("SSTR imaging
negative"); a performed study with no coded result counts as imaging on record.
"""

from __future__ import annotations

import re

from ..cards import Finding
from ..record import codings, concept_text, display_of, reference_key
from .common import RuleContext, drug_name, recorded_date
from ._prrt import lutetium_drafts
from ._studies import is_negative, is_performed, newest_first, study_time

# A post-therapy scan names the therapeutic agent or says so; "DOTATATE" alone would match it.
_THERAPY_SCAN = re.compile(r"\b(?:lu-?177|177-?lu|lutetium|lutathera|post-?therapy|post-?treatment)\b", re.I)


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = lutetium_drafts(ctx)
    if not drafts:
        return []
    studies = newest_first([s for s in sstr_imaging_on_record(ctx) if is_performed(s)])
    if studies and not is_negative(ctx, studies[0]):
        return []
    negative = {}
    if studies:
        span = study_time(studies[0])
        negative = {"negative_study": _label(studies[0]), "negative_date": recorded_date(span)}
    return [Finding("negative" if studies else "default",
                    {"drug": drug_name(ctx, draft), "draft_ref": reference_key(draft), **negative})
            for draft in drafts]


def sstr_imaging_on_record(ctx: RuleContext) -> list[dict]:
    """Procedures, DiagnosticReports and ImagingStudies that are SSTR imaging (any status)."""
    imaging, lutetium = ctx.value_set("sstr-imaging"), ctx.value_set("lutetium-lu177-dotatate")
    found = []
    for kind in ("Procedure", "DiagnosticReport", "ImagingStudy"):
        for resource in ctx.record.valid(kind, lambda r: r.get("status") not in {"entered-in-error"}):
            codes, text = _codes_and_text(resource)
            if any(c in lutetium for c in codes) or _THERAPY_SCAN.search(" ".join(_titles(resource))):
                continue  # a therapy record or post-therapy scan, not diagnostic imaging
            if any(c in imaging for c in codes) or imaging.matches_text(text):
                found.append(resource)
    return found


def _titles(resource: dict) -> list[str]:
    """What the study is called (code, procedure code, used code texts and description), not its findings."""
    concepts = [resource.get("code")] + list(resource.get("procedureCode") or []) + list(resource.get("usedCode") or [])
    texts = [concept_text(c) for c in concepts if c] + [resource.get("description") or ""]
    return [t for t in texts if isinstance(t, str) and t]


def _label(resource: dict) -> str:
    """The study's name for the card: its code's text or display, else its description."""
    return display_of(resource.get("code")) or resource.get("description") or resource.get("resourceType", "study")


def _codes_and_text(resource: dict) -> tuple[list, str]:
    concepts = [resource.get("code")] + list(resource.get("usedCode") or []) + list(resource.get("procedureCode") or [])
    texts = [concept_text(c) for c in concepts if c]
    texts += [resource.get("description") or "", resource.get("conclusion") or ""]
    for series in resource.get("series") or []:
        texts.append(series.get("description") or "")
    codes = [c for concept in concepts for c in codings(concept)]
    return codes, " ".join(t for t in texts if isinstance(t, str))
