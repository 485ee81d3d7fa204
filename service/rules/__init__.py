"""Rule logic, one module per rule id (`ssa-in-insulinoma` → `ssa_in_insulinoma.py`).

Each module has `evaluate(ctx: RuleContext) -> list[Finding]`: it reads the patient through
`common.py`, takes every number from `ctx.params` (the card file's `parameters`), and returns what it found
for its card file to render. It never builds card text itself.
"""

from __future__ import annotations

import importlib
from typing import Callable

from ..cards import Finding
from .common import RuleContext

RuleFunction = Callable[[RuleContext], list[Finding]]


def module_name(rule_id: str) -> str:
    return rule_id.replace("-", "_")


def load_rule(rule_id: str) -> RuleFunction:
    """The `evaluate` function of a rule. Raises ImportError / AttributeError naming the missing piece."""
    module = importlib.import_module(f"{__name__}.{module_name(rule_id)}")
    evaluate = getattr(module, "evaluate", None)
    if not callable(evaluate):
        raise AttributeError(f"service/rules/{module_name(rule_id)}.py must define evaluate(ctx)")
    return evaluate
