"""Rule 9 `prrt-sstr-imaging-required`: Lu-177 dotatate drafted with no somatostatin-receptor imaging on record.

SSTR imaging is recognised by code (HCPCS agent codes, DICOM radiopharmaceutical codes) or, since EHRs code
imaging with generic or local codes, by the radiotracer named in the code text, display or description.
A PRRT therapy record (a Lu-177 dotatate Procedure or post-therapy scan) is not diagnostic imaging.
"""

from __future__ import annotations

from ..cards import Finding
from ..record import codings, concept_text, reference_key
from .common import RuleContext, drug_name, has_pnet, prrt_history, triggering_medication_drafts

EXCLUDED_STATUS = {"entered-in-error", "cancelled", "not-done", "preparation"}


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = triggering_medication_drafts(ctx, "lutetium-lu177-dotatate")
    if not drafts or not (has_pnet(ctx) or prrt_history(ctx)):
        return []
    if sstr_imaging_on_record(ctx):
        return []
    return [Finding(facts={"drug": drug_name(ctx, draft), "draft_ref": reference_key(draft)}) for draft in drafts]


def sstr_imaging_on_record(ctx: RuleContext) -> list[dict]:
    """Procedures, DiagnosticReports and ImagingStudies that are SSTR imaging."""
    imaging, lutetium = ctx.terminology["sstr-imaging"], ctx.terminology["lutetium-lu177-dotatate"]
    found = []
    for kind in ("Procedure", "DiagnosticReport", "ImagingStudy"):
        candidates = [r for r in ctx.record.raw(kind) if r.get("status") not in EXCLUDED_STATUS]
        for resource in ctx.record.read(candidates):
            codes, text = _codes_and_text(resource)
            if any(c in lutetium for c in codes):
                continue  # a therapy record, not diagnostic imaging
            if any(c in imaging for c in codes) or imaging.matches_text(text):
                found.append(resource)
    return found


def _codes_and_text(resource: dict) -> tuple[list, str]:
    concepts = [resource.get("code")] + list(resource.get("usedCode") or []) + list(resource.get("procedureCode") or [])
    texts = [concept_text(c) for c in concepts if c]
    texts += [resource.get("description") or "", resource.get("conclusion") or ""]
    for series in resource.get("series") or []:
        texts.append(series.get("description") or "")
    codes = [c for concept in concepts for c in codings(concept)]
    return codes, " ".join(t for t in texts if isinstance(t, str))
