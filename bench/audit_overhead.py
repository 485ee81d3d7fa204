"""What the audit trail costs a hook call, and how fast the background writer drains.

    .venv/bin/python -m bench.audit_overhead [--calls 300] [--postgres URL]

1. Hook latency through the real app (Flask test client), audit off vs on, interleaved so drift hits both.
2. The request-path part alone: building the audit record and queueing it (what `after_request` adds).
3. Writer throughput: records per second into the database, in the writer's batches.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pnet_cds.store import AuditRecord, IssuedCard, Store  # noqa: E402
from tests.conftest import Harness, make_app  # noqa: E402

FIXTURE = "ssa-in-insulinoma--octreotide-sc-malignant-insulinoma"


def hook_latency(url: str, calls: int) -> tuple[list[float], list[float]]:
    on, off = make_app(DATABASE_URL=url, LOG_LEVEL="WARNING"), make_app(DATABASE_URL=url, LOG_LEVEL="WARNING",
                                                                        AUDIT_ENABLED=False)
    harnesses = {"on": Harness(on), "off": Harness(off)}
    body = harnesses["on"].request(FIXTURE, "order-sign")
    timings = {"on": [], "off": []}
    for _ in range(20):  # warm up both
        for harness in harnesses.values():
            harness.post("pnet-order-sign", body)
    for _ in range(calls):
        for name, harness in harnesses.items():
            started = time.perf_counter()
            response = harness.post("pnet-order-sign", body)
            timings[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    on.extensions["pnet_cds_audit"].flush(30)
    for app in (on, off):
        app.extensions["pnet_cds_store"].dispose()
    return timings["off"], timings["on"]


def request_path_cost(calls: int) -> float:
    """Microseconds to build and queue one audit record (the part a hook response waits for)."""
    from pnet_cds import audit

    app = make_app(DATABASE_URL="sqlite://", LOG_LEVEL="WARNING", AUDIT_ENABLED=False)
    harness = Harness(app)
    body = harness.request(FIXTURE, "order-sign")
    writer = audit.AuditWriter(store=None, maxsize=calls + 10)
    writer._ensure_thread = lambda: None  # measure the queueing only; nothing drains
    samples = []
    from pnet_cds.hook_request import parse_hook_request

    hook_request = parse_hook_request(body, "order-sign")
    issued = [("ssa-in-insulinoma", card) for card in harness.fire(FIXTURE, "order-sign")["cards"]]
    trail = audit.AuditTrail(writer, b"k" * 32)
    for _ in range(calls):
        started = time.perf_counter()
        trail.record_call("pnet-order-sign", hook_request, issued, 200, "cards", 5.0, "req", None,
                          datetime.now(timezone.utc))
        samples.append((time.perf_counter() - started) * 1e6)
    app.extensions["pnet_cds_store"].dispose()
    return statistics.median(samples)


def writer_throughput(url: str, records: int) -> float:
    store = Store(url)
    store.upgrade()
    now = datetime.now(timezone.utc)
    batch = [AuditRecord(at=now, service="pnet-order-sign", status=200, outcome="cards", latency_ms=5.0,
                         hook="order-sign", hook_instance=f"hi-{i}", patient_hash="ab" * 32, rule_ids=["r"],
                         card_uuids=[f"bench-{time.time_ns()}-{i}"]) for i in range(records)]
    for record in batch:
        record.cards = [IssuedCard(record.card_uuids[0], "pnet-order-sign", "r", record.hook_instance, ["s"], now)]
    started = time.perf_counter()
    for start in range(0, records, 200):  # the writer's batch size
        store.record_calls(batch[start:start + 200])
    elapsed = time.perf_counter() - started
    store.dispose()
    return records / elapsed


def summary(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    return (f"{name}: mean {statistics.mean(samples):.2f} ms, median {statistics.median(samples):.2f} ms, "
            f"p95 {ordered[int(len(ordered) * 0.95)]:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--postgres", help="a PostgreSQL URL to measure as well")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        urls = {"sqlite": f"sqlite:///{directory}/bench.db"}
        if args.postgres:
            urls["postgresql"] = args.postgres
        print(f"request-path cost (build + queue the record): {request_path_cost(2000):.1f} µs median")
        for engine, url in urls.items():
            off, on = hook_latency(url, args.calls)
            print(f"[{engine}] {summary('audit off', off)}")
            print(f"[{engine}] {summary('audit on ', on)}")
            print(f"[{engine}] median overhead per hook call: {statistics.median(on) - statistics.median(off):+.2f} ms")
            print(f"[{engine}] writer throughput: {writer_throughput(url, 2000):.0f} records/s (with their cards)")


if __name__ == "__main__":
    main()
