"""`POST /cds-services/<id>/feedback` (CDS Hooks 2.0 "Feedback"): what the clinician did with a card.

The body is checked against `schemas/feedback.schema.json`; problems come back at JSON pointers (400).
Every entry is stored once: a repeat of the same card, outcome and outcomeTimestamp is acknowledged and
not stored again, so clients may retry freely. An entry is linked to the card the service issued through
the card uuid (the report joins them), also when the feedback arrives before the audit writer has stored
the card. When the database is down the answer is 503 with Retry-After, so the client retries and nothing
is silently dropped. The body is never logged (user comments are free text).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from functools import cache
from importlib import resources

import jsonschema
from flask import Blueprint, Response, current_app, jsonify

from .errors import BadHookRequest, Problem, ServiceUnavailable, UnknownService
from .metrics import FEEDBACK
from .sanitise import clean_text, text_problem
from .responses import error_response, read_json_body
from .store import FeedbackEntry, StoreUnavailable, as_utc, store_of

log = logging.getLogger(__name__)
bp = Blueprint("feedback", __name__)

MAX_PROBLEMS = 20
RETRY_AFTER_SECONDS = 30


@bp.post("/cds-services/<service_id>/feedback")
def receive_feedback(service_id: str) -> Response:
    services = current_app.extensions["pnet_cds"].services
    if service_id not in services:
        raise UnknownService(f"no CDS service {service_id!r}; GET /cds-services lists them",
                             [Problem("", f"known services: {', '.join(sorted(services))}")])
    entries = parse_feedback(read_json_body(current_app.extensions["pnet_cds"].settings.max_content_length,
                                            current_app.extensions.get("pnet_cds_large_request_gate")))
    try:
        result = store_of(current_app).save_feedback(service_id, entries, datetime.now(timezone.utc))
    except StoreUnavailable as exc:
        log.error("feedback for %s not stored (%d entries): %s", service_id, len(entries), exc)
        response = error_response(ServiceUnavailable("the feedback could not be stored now; retry later"))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    for entry in entries:
        FEEDBACK.labels(outcome=entry.outcome).inc()
    log.info("feedback service=%s entries=%d stored=%d repeats=%d unknown_cards=%d", service_id, len(entries),
             result.stored, result.duplicates, result.unknown_cards)
    return jsonify({"received": len(entries), "stored": result.stored, "repeats": result.duplicates,
                    "unknownCards": result.unknown_cards})


def parse_feedback(body: object) -> list[FeedbackEntry]:
    """The entries of a feedback request. Raises BadHookRequest listing every problem at a JSON pointer."""
    if not isinstance(body, dict):
        raise BadHookRequest("the feedback body must be a JSON object with a `feedback` array",
                             [Problem("", f"got {type(body).__name__}")])
    problems = schema_problems(body) or _text_problems(body)
    entries = []
    if not problems:
        for index, item in enumerate(body["feedback"]):
            try:
                timestamp = _timestamp(item["outcomeTimestamp"])
            except ValueError as exc:
                problems.append(Problem(f"/feedback/{index}/outcomeTimestamp", str(exc)))
                continue
            entries.append(_entry(item, timestamp))
    if problems:
        raise BadHookRequest("the feedback request is not valid", problems[:MAX_PROBLEMS])
    return entries


def schema_problems(body: dict) -> list[Problem]:
    """Every schema violation of `body`, as problems at JSON pointers, most specific first."""
    problems = []
    for error in sorted(_validator().iter_errors(body), key=lambda e: (-len(e.absolute_path), str(e.absolute_path))):
        pointer = "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            why = "required when outcome is accepted" if missing == "acceptedSuggestions" else "required field is missing"
            problems.append(Problem(f"{pointer}/{missing}", why))
        elif error.validator == "enum":
            problems.append(Problem(pointer, f"must be one of {error.validator_value}"))
        elif error.validator == "pattern":
            problems.append(Problem(pointer, "must be an RFC 3339 date-time in UTC, e.g. 2021-12-11T10:05:31Z"))
        elif error.validator == "type":
            problems.append(Problem(pointer, f"must be of type {error.validator_value}"))
        else:
            problems.append(Problem(pointer, error.message[:200]))
    return problems


def _text_problems(value: object, pointer: str = "") -> list[Problem]:
    """Strings anywhere in the body that no database can store as sent: NUL characters (PostgreSQL) and
    lone UTF-16 surrogates (no UTF-8 encoding). Refused rather than altered: the feedback is the
    clinician's record."""
    if isinstance(value, str):
        why = text_problem(value)
        return [Problem(pointer, why)] if why else []
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _text_problems(item, f"{pointer}/{_escape(key)}")]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _text_problems(item, f"{pointer}/{index}")]
    return []


def _escape(key: str) -> str:
    return (clean_text(key, 200) or "").replace("~", "~0").replace("/", "~1")


@cache
def _validator() -> jsonschema.Draft202012Validator:
    text = resources.files("pnet_cds").joinpath("schemas/feedback.schema.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _timestamp(value: str) -> datetime:
    """The timestamp in UTC. Raises ValueError with the reason: not a date-time, or outside years
    1-9999 once in UTC (0001-01-01T00:00:00+14:00 is valid RFC 3339 that no datetime can hold)."""
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("not a valid RFC 3339 date-time") from None
    try:
        return as_utc(parsed)
    except OverflowError:
        raise ValueError("outside the years 1 to 9999 once converted to UTC") from None


def _entry(item: dict, timestamp: datetime) -> FeedbackEntry:
    override = item.get("overrideReason") or {}
    reason = override.get("reason") or {}
    return FeedbackEntry(
        card_uuid=item["card"], outcome=item["outcome"], outcome_timestamp=timestamp,
        accepted_suggestions=[suggestion["id"] for suggestion in item.get("acceptedSuggestions") or []],
        override_system=reason.get("system"), override_code=reason.get("code"),
        override_display=reason.get("display"), user_comment=override.get("userComment"),
    )
