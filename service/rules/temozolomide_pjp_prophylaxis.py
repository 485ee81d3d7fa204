"""Rule 18 `temozolomide-pjp-prophylaxis`: dose-intense temozolomide without Pneumocystis prophylaxis.

Dose-intense means temozolomide given with bevacizumab or everolimus (active, drafted, or an active
statement), or on a days-on / days-off schedule (lengths from the card file) written in the dosage text:
FHIR Timing cannot say "7 days on, 7 days off" without extensions, so EHRs put it in the text. Thalidomide
is named by RULES.md but has no verified code, so it cannot be detected (a `todo` case).
"""

from __future__ import annotations

import re

from ..cards import Finding
from .common import RuleContext, drug_name, has_pnet, triggering_medication_drafts
from ._therapy import given_with

PARTNERS = ("bevacizumab", "everolimus")


def evaluate(ctx: RuleContext) -> list[Finding]:
    drafts = triggering_medication_drafts(ctx, "temozolomide")
    if not drafts or not has_pnet(ctx):
        return []
    if given_with(ctx, "pjp-prophylaxis"):
        return []
    reasons = [f"given with {drug_name(ctx, resource)} ({evidence})"
               for partner in PARTNERS for resource, evidence in given_with(ctx, partner)[:1]]
    pattern = schedule_pattern(int(ctx.params["days_on"]), int(ctx.params["days_off"]))
    if any(pattern.search(dosage_text(draft)) for draft in drafts):
        reasons.append(f"on a {ctx.params['days_on']}-days-on / {ctx.params['days_off']}-days-off schedule")
    if not reasons:
        return []
    return [Finding(facts={"drug": drug_name(ctx, drafts[0]), "reasons": "; ".join(reasons)})]


def dosage_text(resource: dict) -> str:
    """The free text of a MedicationRequest's dosage instructions (text, patient text, timing text)."""
    parts = []
    for dosage in resource.get("dosageInstruction") or []:
        parts += [dosage.get("text") or "", dosage.get("patientInstruction") or "",
                  ((dosage.get("timing") or {}).get("code") or {}).get("text") or ""]
    parts.append(" ".join(note.get("text") or "" for note in resource.get("note") or []))
    return " ".join(p for p in parts if isinstance(p, str))


def schedule_pattern(on: int, off: int) -> re.Pattern:
    """Ways a days-on / days-off schedule is written: "7 days on, 7 days off", "7 on/7 off",
    "days 1-7 and 15-21", and (for 7/7) "week on, week off" / "alternating weeks"."""
    second_start, second_end = on + off + 1, 2 * on + off
    forms = [rf"\b{on}\s*days?\s*on\b[^.;]{{0,20}}?\b{off}\s*days?\s*off\b",
             rf"\b{on}\s*on\s*/\s*{off}\s*off\b",
             rf"\bdays?\s*1\s*[-–]\s*{on}\s*(?:and|,|&)\s*{second_start}\s*[-–]\s*{second_end}\b"]
    if on == off == 7:
        forms += [r"\b(?:one\s+)?week\s+on\b[^.;]{0,10}?\b(?:one\s+)?week\s+off\b", r"\balternating\s+weeks\b"]
    return re.compile("|".join(forms), re.IGNORECASE)
