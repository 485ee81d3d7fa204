"""Rule logic: a card file's `when:` (named predicates, predicates.py) for the simple rules, else one module
per rule id (`prrt-course-schedule` → `prrt_course_schedule.py`).

Each module has `evaluate(ctx: RuleContext) -> list[Finding]`: it reads the patient through
`common.py`, takes every number from `ctx.params` (the card file's `parameters`), and returns what it found
for its card file to render. It never builds card text itself.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Callable

from ..cards import Finding
from .common import RuleContext

RuleFunction = Callable[[RuleContext], list[Finding]]


def module_name(rule_id: str) -> str:
    return rule_id.replace("-", "_")


def load_rule(rule_id: str, when: list | None = None) -> RuleFunction:
    """The `evaluate` function of a rule: built from the card file's `when:` (a declarative rule, which must
    have no Python module), else its module's. Raises ImportError / AttributeError naming the missing piece."""
    if when:
        if importlib.util.find_spec(f"{__name__}.{module_name(rule_id)}") is not None:
            raise AttributeError(f"rule {rule_id} has both when: and service/rules/{module_name(rule_id)}.py: keep one")
        from .predicates import rule_from_when
        return rule_from_when(when)
    module = importlib.import_module(f"{__name__}.{module_name(rule_id)}")
    evaluate = getattr(module, "evaluate", None)
    if not callable(evaluate):
        raise AttributeError(f"service/rules/{module_name(rule_id)}.py must define evaluate(ctx)")
    return evaluate
