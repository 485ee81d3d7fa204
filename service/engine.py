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
from .request_cache import RequestCache
from .rules import RuleFunction
from .rules.common import RuleContext
from .terminology import Terminology

log = logging.getLogger(__name__)

INDICATOR_ORDER = {"critical": 0, "warning": 1, "info": 2}
EXTENSION_KEY = "org.pnet-cds.evaluation"
VERSIONS_KEY = "org.pnet-cds.versions"  # issue 15: rule and site-configuration versions behind the cards


@dataclass
class Rule:
    spec: CardSpec
    evaluate: RuleFunction
    mode: str = "active"  # site configuration (site_config.py): "silent" = evaluated and audited, no card


@dataclass
class Evaluation:
    """The outcome of one hook call: the cards issued, each with the id of the rule that issued it, and
    which rules fired, were skipped or failed."""

    issued: list[tuple[str, dict]] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    skipped_resources: list[dict] = field(default_factory=list)
    omitted_cards: dict[str, int] = field(default_factory=dict)  # rule id → cards cut by the per-response cap
    intake: dict = field(default_factory=dict)  # service/intake.py: normalised, other patients, drafts
    # Site configuration (issue 15): rules in silent mode that would have fired, and their unsent cards
    # (audited, never returned); the version of every rule that fired; the site configuration's version.
    silent: list[str] = field(default_factory=list)
    silent_cards: list[tuple[str, dict]] = field(default_factory=list)  # (rule_id, card), as `issued`
    rule_versions: dict[str, str] = field(default_factory=dict)
    config_version: str | None = None

    @property
    def cards(self) -> list[dict]:
        """The cards, in the order the response carries them."""
        return [card for _, card in self.issued]

    def response(self) -> dict:
        """The CDS Hooks response body; an extension says what could not be evaluated, if anything, so
        nothing is lost silently, and, when there are cards, the versions of the rules and of the site
        configuration behind them. Silent-mode findings are never in it."""
        body: dict = {"cards": self.cards}
        parts = (("skippedRules", self.skipped), ("failedRules", self.failed),
                 ("skippedResources", self.skipped_resources), ("omittedCards", self.omitted_cards),
                 *self.intake.items())
        if any(value for _, value in parts):
            body["extension"] = {EXTENSION_KEY: {key: value for key, value in parts if value}}
        if self.cards:
            versions = {"siteConfiguration": self.config_version, "rules": {
                rule: self.rule_versions[rule] for rule in self.fired}}
            body.setdefault("extension", {})[VERSIONS_KEY] = {k: v for k, v in versions.items() if v}
        return body


def card_rank(spec: CardSpec, card: dict) -> tuple[int, int, int]:
    """Where a card stands in the response (RULES.md v2 "Card order"): most severe first; within a severity a
    rule marked `first_within_severity` (a wrong tumour type makes the other cards moot), then catalog number."""
    return (INDICATOR_ORDER[card["indicator"]], 0 if spec.raw.get("first_within_severity") else 1,
            spec.catalog_number or 999)


def evaluate_hook(rules: list[Rule], record: PatientRecord, request: HookRequest, terminology: Terminology,
                  now: datetime, new_uuid: Callable[[], str] = lambda: str(uuid.uuid4()),
                  config_version: str | None = None) -> Evaluation:
    """Evaluate every rule registered for the request's hook. Raises PrefetchUnavailable (412) when data
    was missing and no rule could be evaluated at all, and InvalidFhirResource (400) for invalid input."""
    evaluation = Evaluation(config_version=config_version)
    applicable = [rule for rule in rules if request.hook in rule.spec.hooks]
    rendered: list[tuple[tuple[int, int, int], int, str, dict]] = []
    cache = RequestCache()  # what the rules of this call derive once and share (never kept on the record)
    for rule in applicable:
        lacking = [key for key in rule.spec.needs if key in record.missing]
        if lacking:
            evaluation.skipped[rule.spec.id] = "; ".join(record.missing[key] for key in lacking)
            continue
        ctx = RuleContext(record, request, terminology, now, rule.spec.parameters, rule.spec.uses, rule.spec.id, cache)
        try:
            findings = rule.evaluate(ctx)
            cards = [render_card(rule.spec, finding, request.patient_id, new_uuid) for finding in findings]
        except CdsError:
            raise
        except Exception:
            log.exception("rule %s failed; its card is left out", rule.spec.id)
            evaluation.failed.append(rule.spec.id)
            continue
        if cards and rule.mode == "silent":  # a pilot: audited as "would have fired", never sent
            evaluation.silent.append(rule.spec.id)
            evaluation.rule_versions[rule.spec.id] = rule.spec.version
            evaluation.silent_cards += [(rule.spec.id, card) for card in cards]
            continue
        if cards:
            evaluation.fired.append(rule.spec.id)
            evaluation.rule_versions[rule.spec.id] = rule.spec.version
        rendered += [(card_rank(rule.spec, card), len(rendered) + i, rule.spec.id, card)
                     for i, card in enumerate(cards)]
    if applicable and len(evaluation.skipped) == len(applicable):
        problems = [Problem(f"/prefetch/{key}", reason) for key, reason in record.missing.items()]
        raise PrefetchUnavailable("the data these rules need was neither prefetched nor retrievable", problems)
    evaluation.skipped_resources = [problem.to_json() for problem in record.skipped]
    rendered.sort(key=lambda item: (item[0], item[1]))
    evaluation.issued = [(rule_id, card) for _, _, rule_id, card in rendered]
    return evaluation
