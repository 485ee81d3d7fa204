"""Run the rules of one hook over a PatientRecord and turn their findings into ordered cards.

A rule that raises is logged and skipped; the other cards still come back. A rule whose data could not be
had (`needs` ∩ record.missing) is skipped, not guessed. Only a request error (InvalidFhirResource) stops
the whole call, because then the client has sent something wrong and must hear where.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from .cards import CardSpec, render_card
from .errors import CdsError, PrefetchUnavailable, Problem
from .hook_request import HookRequest
from .record import PatientRecord
from .rules import RuleFunction
from .rules.common import RuleContext
from .terminology import Terminology

log = logging.getLogger(__name__)

INDICATOR_ORDER = {"critical": 0, "warning": 1, "info": 2}
EXTENSION_KEY = "org.pnet-cds.evaluation"


@dataclass
class Rule:
    spec: CardSpec
    evaluate: RuleFunction


@dataclass
class Evaluation:
    """The outcome of one hook call: the cards issued, each with the id of the rule that issued it, and
    which rules fired, were skipped or failed."""

    issued: list[tuple[str, dict]] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    skipped_resources: list[dict] = field(default_factory=list)
    intake: dict = field(default_factory=dict)  # service/intake.py: normalised, other patients, drafts

    @property
    def cards(self) -> list[dict]:
        """The cards, in the order the response carries them."""
        return [card for _, card in self.issued]

    def response(self) -> dict:
        """The CDS Hooks response body; an extension says what could not be evaluated, if anything, so
        nothing is lost silently."""
        body: dict = {"cards": self.cards}
        parts = (("skippedRules", self.skipped), ("failedRules", self.failed),
                 ("skippedResources", self.skipped_resources), *self.intake.items())
        if any(value for _, value in parts):
            body["extension"] = {EXTENSION_KEY: {key: value for key, value in parts if value}}
        return body


def card_rank(spec: CardSpec, card: dict) -> tuple[int, int, int]:
    """Where a card stands in the response (RULES.md v2 "Card order"): most severe first; within a severity a
    rule marked `first_within_severity` (a wrong tumour type makes the other cards moot), then catalog number."""
    return (INDICATOR_ORDER[card["indicator"]], 0 if spec.raw.get("first_within_severity") else 1,
            spec.catalog_number or 999)


def evaluate_hook(rules: list[Rule], record: PatientRecord, request: HookRequest, terminology: Terminology,
                  now: datetime, new_uuid: Callable[[], str] = lambda: str(uuid.uuid4())) -> Evaluation:
    """Evaluate every rule registered for the request's hook. Raises PrefetchUnavailable (412) when data
    was missing and no rule could be evaluated at all, and InvalidFhirResource (400) for invalid input."""
    evaluation = Evaluation()
    applicable = [rule for rule in rules if request.hook in rule.spec.hooks]
    rendered: list[tuple[tuple[int, int, int], int, str, dict]] = []
    for rule in applicable:
        lacking = [key for key in rule.spec.needs if key in record.missing]
        if lacking:
            evaluation.skipped[rule.spec.id] = "; ".join(record.missing[key] for key in lacking)
            continue
        ctx = RuleContext(record, request, terminology, now, rule.spec.parameters)
        try:
            findings = rule.evaluate(ctx)
            cards = [render_card(rule.spec, finding, request.patient_id, new_uuid) for finding in findings]
        except CdsError:
            raise
        except Exception:
            log.exception("rule %s failed; its card is left out", rule.spec.id)
            evaluation.failed.append(rule.spec.id)
            continue
        if cards:
            evaluation.fired.append(rule.spec.id)
        rendered += [(card_rank(rule.spec, card), len(rendered) + i, rule.spec.id, card)
                     for i, card in enumerate(cards)]
    if applicable and len(evaluation.skipped) == len(applicable):
        problems = [Problem(f"/prefetch/{key}", reason) for key, reason in record.missing.items()]
        raise PrefetchUnavailable("the data these rules need was neither prefetched nor retrievable", problems)
    evaluation.skipped_resources = [problem.to_json() for problem in record.skipped]
    rendered.sort(key=lambda item: (item[0], item[1]))
    evaluation.issued = [(rule_id, card) for _, _, rule_id, card in rendered]
    return evaluation
