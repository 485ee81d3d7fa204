"""Limits on what one hook request may carry, checked before anything parses it further.

    MAX_CONTENT_LENGTH      body bytes (Flask refuses beyond it: 413)            service/responses.py
    MAX_PREFETCH_RESOURCES  resources in prefetch + draftOrders (413)            here
    MAX_DRAFT_ORDERS        entries of context.draftOrders (413)                 here
    MAX_JSON_DEPTH          nesting of the JSON body (400)                       here
    MAX_CARDS_PER_RESPONSE  cards in one answer: the most urgent ones, the last
                            place taken by an info card saying how many more     here (cap_cards)
    LARGE_REQUEST_BYTES     a body this large is decoded and evaluated by one
                            thread of a process at a time (LargeRequestGate), so
                            a worker's memory is one large request, not threads ×
                            large requests; the others wait (503 after LARGE_REQUEST_WAIT_SECONDS)
    FHIR_MAX_PAGES, FHIR_DEADLINE_SECONDS, FHIR_TIMEOUT_SECONDS, FHIR_MAX_RESPONSE_BYTES
                            outbound FHIR paging, per-request deadline, per-call timeout, response size
                                                                                  service/fhir_client.py
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable

from .errors import BadHookRequest, PayloadTooLarge, Problem, ServiceUnavailable

# MAX_DRAFT_ORDERS, MAX_CARDS_PER_RESPONSE, LARGE_REQUEST_BYTES / _WAIT_SECONDS: service/settings.py, with why.
CARD_LIMIT_TOPIC = "response-card-limit"
TOPIC_SYSTEM = "urn:pnet-cds:rule-catalog"


@dataclass(frozen=True)
class RequestLimits:
    max_resources: int = 25_000
    max_depth: int = 64
    max_drafts: int = 100



def check_request_limits(body: object, limits: RequestLimits) -> None:
    """Raises PayloadTooLarge (413) when the body carries more draft orders or resources than the limits,
    BadHookRequest (400) when it nests deeper than the limit; returns None otherwise."""
    drafts = count_drafts(body)  # first: cheaper than walking 24,000 drafts for their depth
    if drafts > limits.max_drafts:
        raise PayloadTooLarge(
            f"the request carries {drafts} draft orders; the limit is {limits.max_drafts} per call",
            [Problem("/context/draftOrders/entry", f"send at most {limits.max_drafts} draft orders per call "
                                                   "(split the order set); none of these orders was checked")])
    depth = json_depth(_envelope(body), limits.max_depth)
    if depth > limits.max_depth:
        raise BadHookRequest(f"the request nests JSON deeper than {limits.max_depth} levels",
                             [Problem("", "flatten the structure; FHIR resources never nest this deep")])
    counted = count_resources(body)
    if counted > limits.max_resources:
        raise PayloadTooLarge(
            f"the request carries {counted} resources in prefetch and draftOrders; the limit is {limits.max_resources}",
            [Problem("/prefetch", "send fewer resources (narrow the searches) or let the service fetch from fhirServer")])


def _envelope(body: object) -> object:
    """The body with each prefetched resource cut to its resourceType. Walking every prefetched resource
    cost more than all the rules together (50 ms at 1,000 resources); a prefetched resource is only read
    when a rule validates it, and validation turns excessive nesting into a 400 for that resource."""
    if not isinstance(body, dict) or not isinstance(body.get("prefetch"), dict):
        return body
    slim = {key: {"resourceType": value.get("resourceType")} if isinstance(value, dict) else value
            for key, value in body["prefetch"].items()}
    return {**body, "prefetch": slim}


def json_depth(value: object, stop_after: int) -> int:
    """The nesting depth of a parsed JSON value (a scalar is 0), counted without recursion; stops counting
    once past `stop_after`."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[object]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > stop_after:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def count_resources(body: object) -> int:
    """Resources in prefetch (a Bundle counts its entries, any other object counts one) and draftOrders."""
    if not isinstance(body, dict):
        return 0
    total = 0
    prefetch = body.get("prefetch")
    for value in prefetch.values() if isinstance(prefetch, dict) else []:
        total += _entries(value) if isinstance(value, dict) and value.get("resourceType") == "Bundle" else 1
    context = body.get("context")
    if isinstance(context, dict) and isinstance(context.get("draftOrders"), dict):
        total += _entries(context["draftOrders"])
    return total


def count_drafts(body: object) -> int:
    context = body.get("context") if isinstance(body, dict) else None
    drafts = context.get("draftOrders") if isinstance(context, dict) else None
    return _entries(drafts) if isinstance(drafts, dict) else 0


def cap_cards(cards: list[dict], limit: int, new_uuid: Callable[[], str]) -> tuple[list[dict], dict[str, int]]:
    """At most `limit` cards: the first `limit` - 1 of `cards` (already ordered critical, warning, info)
    and an info card saying how many more there were, by rule. Returns the cards and the count of
    omitted cards per rule id ({} when nothing was cut)."""
    if len(cards) <= limit:
        return cards, {}
    kept, cut = cards[:max(limit - 1, 0)], cards[max(limit - 1, 0):]
    omitted = dict(Counter(_rule_of(card) for card in cut))
    return kept + [_card_limit_card(len(cut), omitted, limit, new_uuid)], omitted


def _card_limit_card(count: int, omitted: dict[str, int], limit: int, new_uuid: Callable[[], str]) -> dict:
    by_rule = ", ".join(f"{rule} ({n})" for rule, n in sorted(omitted.items()))
    return {
        "uuid": new_uuid(),
        "summary": f"{count} more cards not shown: at most {limit} cards are returned per call",
        "indicator": "info",
        "detail": (f"The cards shown are the most urgent ones (critical first, then warnings). Not shown, by rule: "
                   f"{by_rule}. The limit of {limit} cards per call is local policy of this service "
                   f"(MAX_CARDS_PER_RESPONSE), not a clinical rule: check the orders in smaller groups to see "
                   f"every card."),
        "source": {"label": "pnet-cds service limits (local policy)",
                   "topic": {"system": TOPIC_SYSTEM, "code": CARD_LIMIT_TOPIC, "display": "Cards per response"}},
    }


def _rule_of(card: dict) -> str:
    return ((card.get("source") or {}).get("topic") or {}).get("code") or "unknown"


class LargeRequestGate:
    """One large request at a time per process (see LARGE_REQUEST_BYTES above)."""

    def __init__(self, threshold_bytes: int, wait_seconds: float):
        self.threshold = threshold_bytes
        self.wait_seconds = wait_seconds
        self._slot = threading.Lock()

    def enter(self, size: int) -> bool:
        """Wait for the slot when `size` is large. Returns True when the caller holds it (and must call
        `leave`), False for a small body. Raises ServiceUnavailable (503) after `wait_seconds`."""
        if size < self.threshold:
            return False
        if not self._slot.acquire(timeout=self.wait_seconds):
            raise ServiceUnavailable(
                "another large request is being evaluated; retry in a moment",
                [Problem("", f"bodies of {self.threshold} bytes or more are evaluated one at a time per process")])
        return True

    def leave(self) -> None:
        self._slot.release()


def _entries(bundle: dict) -> int:
    entries = bundle.get("entry")
    return len(entries) if isinstance(entries, list) else 0


def cap_issued(issued: list[tuple[str, dict]], limit: int,
               new_uuid: Callable[[], str]) -> tuple[list[tuple[str, dict]], dict[str, int]]:
    """`cap_cards` over the engine's (rule_id, card) pairs; the info card's rule id is CARD_LIMIT_TOPIC."""
    cards, omitted = cap_cards([card for _, card in issued], limit, new_uuid)
    rule_of = {id(card): rule_id for rule_id, card in issued}
    return [(rule_of.get(id(card), CARD_LIMIT_TOPIC), card) for card in cards], omitted
