"""Limits on what one hook request may carry, checked before anything parses it further.

    MAX_CONTENT_LENGTH      body bytes (Flask refuses beyond it: 413)            service/responses.py
    MAX_PREFETCH_RESOURCES  resources in prefetch + draftOrders (413)            here
    MAX_JSON_DEPTH          nesting of the JSON body (400)                       here
    FHIR_MAX_PAGES, FHIR_DEADLINE_SECONDS, FHIR_TIMEOUT_SECONDS, FHIR_MAX_RESPONSE_BYTES
                            outbound FHIR paging, per-request deadline, per-call timeout, response size
                                                                                  service/fhir_client.py
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .errors import BadHookRequest, PayloadTooLarge, Problem

@dataclass(frozen=True)
class RequestLimits:
    max_resources: int = 25_000
    max_depth: int = 64


def check_request_limits(body: object, limits: RequestLimits) -> None:
    """Raises BadHookRequest (400) when the body nests deeper than the limit, PayloadTooLarge (413) when it
    carries more resources than the limit; returns None otherwise."""
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


def _entries(bundle: dict) -> int:
    entries = bundle.get("entry")
    return len(entries) if isinstance(entries, list) else 0
