"""Rule 1 `ssa-in-insulinoma`: a somatostatin analog drafted while the patient has an active insulinoma.

Catalog v2: the everolimus alternative is offered only for a malignant insulinoma (SNOMED CT malignant insulinoma,
or ICD-10-CM C25.4 with E16.1), where its evidence is (malignant, refractory hypoglycemia).
"""

from __future__ import annotations

from ..cards import Finding
from .common import RuleContext, drafts_for_condition, has_condition


def evaluate(ctx: RuleContext) -> list[Finding]:
    findings = drafts_for_condition(ctx, "somatostatin-analogs", "insulinoma", "insulinoma")
    malignant = bool(findings) and has_condition(ctx, "insulinoma-malignant")
    for finding in findings:
        finding.facts["malignant"] = malignant
    return findings
