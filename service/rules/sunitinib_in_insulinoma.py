"""Rule 2 `sunitinib-in-insulinoma`: sunitinib drafted while the patient has an active insulinoma."""

from __future__ import annotations

from ..cards import Finding
from .common import RuleContext, drafts_for_condition


def evaluate(ctx: RuleContext) -> list[Finding]:
    return drafts_for_condition(ctx, "sunitinib", "insulinoma", "insulinoma")
