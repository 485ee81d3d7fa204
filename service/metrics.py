"""Prometheus metrics of the service (a leaf module: it imports nothing of ours).

    pnet_cds_request_duration_seconds{service,endpoint}   histogram
    pnet_cds_requests_total / pnet_cds_errors_total{service,endpoint,status}
    pnet_cds_cards_total{rule}   pnet_cds_feedback_total{outcome}
    pnet_cds_audit_writes_total  pnet_cds_audit_writes_lost_total

`GET /metrics` (service/ops.py) renders them; with several gunicorn workers, PROMETHEUS_MULTIPROC_DIR makes
it add up every worker's values.
"""

from __future__ import annotations

import os
from typing import Iterable

from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram,
                               disable_created_metrics, generate_latest)

disable_created_metrics()  # the *_created series double the output and no dashboard here reads them
REQUEST_LATENCY = Histogram("pnet_cds_request_duration_seconds", "HTTP request latency", ["service", "endpoint"],
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
REQUESTS = Counter("pnet_cds_requests", "HTTP requests by status", ["service", "endpoint", "status"])
ERRORS = Counter("pnet_cds_errors", "HTTP responses with a 4xx or 5xx status", ["service", "endpoint", "status"])
CARDS_ISSUED = Counter("pnet_cds_cards", "Cards issued, by rule id", ["rule"])
FEEDBACK = Counter("pnet_cds_feedback", "Feedback entries received, by outcome", ["outcome"])
AUDIT_WRITTEN = Counter("pnet_cds_audit_writes", "Audit records written to the database")
AUDIT_LOST = Counter("pnet_cds_audit_writes_lost", "Audit records lost (queue full or database down)")


def observe_request(service: str, endpoint: str, status: int, seconds: float) -> None:
    """Count one HTTP response and its latency."""
    REQUEST_LATENCY.labels(service=service, endpoint=endpoint).observe(seconds)
    REQUESTS.labels(service=service, endpoint=endpoint, status=str(status)).inc()
    if status >= 400:
        ERRORS.labels(service=service, endpoint=endpoint, status=str(status)).inc()


def count_cards(rule_ids: Iterable[str]) -> None:
    """Count the cards of one hook call, one per rule id given."""
    for rule_id in rule_ids:
        CARDS_ISSUED.labels(rule=rule_id).inc()


def render() -> tuple[bytes, str]:
    """The Prometheus text exposition (every worker's, in multiprocess mode) and its content type."""
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return generate_latest(registry), CONTENT_TYPE_LATEST


def mark_worker_dead(pid: int) -> None:
    """Drop an exited gunicorn worker's live gauges from the multiprocess directory."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)
