"""Named predicates for a card file's `when:` (issue 13): a rule whose logic is a conjunction of these needs
no Python module.

    when:
      - drafted: {role: sunitinib}          # triggering draft orders of a drug role: one finding per draft
                                            #   (new_start: true keeps new starts only, RULES.md v2 "Renewal")
      - in_scope: {}                        # an active pancreatic neuroendocrine neoplasm (has_pnet)
      - condition: {role: insulinoma, fact: insulinoma}   # an active condition; its label as a fact
      - not: {nec: {}}                      # no pancreatic neuroendocrine carcinoma on record
      - flag: {role: insulinoma-malignant, fact: malignant}   # never fails: true/false as a fact
      - label: {role: pnet, fact: pnet}     # never fails: the conditions' label as a fact
      - any: [{condition: {role: a}}, {condition: {role: b}}]

      - on_drug: {role: somatostatin-analogs, window: on_ssa_window_days}   # window: a parameter (days)

AND semantics, in order (the first failing predicate stops, as the hand-written rules did); `not` and `any`
nest. A `drafted` first names the drafts the rule speaks on (`per: draft`); without one the rule speaks at
most once per call about the patient (`per: patient`). No
expression language: predicates with arguments only. The schema (card-file.schema.json) checks the shape, so a
typo stops start-up. `describe` writes the card file's `trigger:` from the same list.
"""

from __future__ import annotations

from typing import Callable

from ..cards import Finding
from ..record import reference_key
from ..when import Predicate, check_shape
from ._renewal import new_starts
from ._therapy import nec_conditions
from .common import (RuleContext, active_medications, condition_label, conditions_in, drug_name, has_pnet,
                     triggering_medication_drafts)



def _holds(ctx: RuleContext, predicate: Predicate, facts: dict) -> bool:
    (name, args), = predicate.items()
    if name == "in_scope":
        return has_pnet(ctx)
    if name == "condition":
        found = conditions_in(ctx, args["role"])
        if found and args.get("fact"):
            facts[args["fact"]] = condition_label(found)
        return bool(found)
    if name == "flag":  # never fails: whether the condition is present, as a true/false fact
        facts[args["fact"]] = bool(conditions_in(ctx, args["role"]))
        return True
    if name == "label":  # never fails: the label of the active conditions of a role (may be empty)
        facts[args["fact"]] = condition_label(conditions_in(ctx, args["role"]))
        return True
    if name == "on_drug":  # an active order, or given/taken within the window (a parameter, in days)
        return bool(active_medications(ctx, args["role"], statement_window=ctx.days(args["window"])))
    if name == "nec":  # a pancreatic neuroendocrine carcinoma on record (the procedural reading in _therapy)
        return bool(nec_conditions(ctx))
    if name == "not":
        return not _holds(ctx, args, {})
    if name == "any":
        return any(_holds(ctx, item, facts) for item in args)
    raise ValueError(f"unknown predicate {name!r}")  # the schema refuses it first


def rule_from_when(when: list[Predicate]) -> Callable[[RuleContext], list[Finding]]:
    """The evaluate function of a declarative rule: per draft when `when:` starts with `drafted` (one finding
    per triggering draft), else per patient (one finding when every predicate holds)."""
    check_shape(when)
    if "drafted" not in when[0]:
        return lambda ctx: _patient_finding(ctx, when)
    drafted, rest = when[0]["drafted"], when[1:]

    def evaluate(ctx: RuleContext) -> list[Finding]:
        drafts = triggering_medication_drafts(ctx, drafted["role"])
        if drafted.get("new_start"):  # RULES.md v2 "Renewal": a renewal is not a new start
            drafts = new_starts(ctx, drafts)
        if not drafts:
            return []
        facts: dict = {}
        if not all(_holds(ctx, predicate, facts) for predicate in rest):
            return []
        return [Finding(facts={"drug": drug_name(ctx, draft), "draft_ref": reference_key(draft), **facts})
                for draft in drafts]
    return evaluate


def _patient_finding(ctx: RuleContext, when: list[Predicate]) -> list[Finding]:
    facts: dict = {}
    return [Finding(facts=facts)] if all(_holds(ctx, predicate, facts) for predicate in when) else []
