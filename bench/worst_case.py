"""The worst legal requests: what one costs in time, response size and memory.

    .venv/bin/python -m bench.worst_case [--drafts 100 1000 24000] [--resources 25000]

1. order-sign for the insulinoma patient with D draft orders of octreotide in all (its own draft and
   D - 1 more; every one is a drug the ssa-in-insulinoma rule warns about, and each is dose-checked):
   status, time, cards, response bytes, and the growth of this process's peak RSS.
2. order-sign with a prefetch of R Observations (the resource limit), one draft.
In-process (the Flask test client, JWT checks off), one call per size, sizes in increasing order so the
peak-RSS growth belongs to the size that caused it. Nothing is asserted; the figures are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pnet_cds import create_app, tune_gc  # noqa: E402
from pnet_cds.fixtures import build_hook_request, load_fixture  # noqa: E402
from pnet_cds.order_catalog import draft_order  # noqa: E402

FIXTURE = "ssa-in-insulinoma--octreotide-sc-malignant-insulinoma"
SERVICE = "pnet-order-sign"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def drafts_body(app, drafts: int) -> bytes:
    fixture = load_fixture(ROOT / "fhir_fixtures", FIXTURE, now=datetime.now(timezone.utc))
    service = app.extensions["pnet_cds"].services[SERVICE]
    orders = []
    for index in range(drafts - len(fixture.drafts)):
        order = draft_order("octreotide-sc", fixture.patient_id)
        order["id"] = f"draft-{index}"
        orders.append(order)
    return json.dumps(build_hook_request(fixture, service, extra_drafts=orders)).encode()


def observations_body(app, count: int) -> bytes:
    from bench.generate import make_patient
    from pnet_cds.fixtures import load_fixture_bundle

    patient = make_patient(count)
    fixture = load_fixture_bundle(patient.bundle(), name=patient.slug, now=datetime.now(timezone.utc))
    service = app.extensions["pnet_cds"].services[SERVICE]
    return json.dumps(build_hook_request(fixture, service, extra_drafts=[draft_order("lutathera", fixture.patient_id)])
                      ).encode()


def call(client, body: bytes) -> dict:
    before = peak_rss_mb()
    started = time.perf_counter()
    response = client.post(f"/cds-services/{SERVICE}", data=body, content_type="application/json")
    elapsed = time.perf_counter() - started
    payload = response.get_json(silent=True) or {}
    return {"status": response.status_code, "seconds": round(elapsed, 3), "request_mb": round(len(body) / 2**20, 2),
            "cards": len(payload.get("cards", [])), "response_mb": round(len(response.data) / 2**20, 3),
            "peak_rss_growth_mb": round(peak_rss_mb() - before, 1), "error": payload.get("message", "")[:90]}


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, nargs="*", default=[100, 1000, 24000])
    parser.add_argument("--resources", type=int, nargs="*", default=[24000])
    args = parser.parse_args(argv)
    with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
        app = create_app({"TESTING": True, "AUTH": False, "AUDIT_ENABLED": False, "LOG_LEVEL": "WARNING"})
    tune_gc()
    client = app.test_client()
    rows = []
    for drafts in sorted(args.drafts):
        body = drafts_body(app, drafts)
        with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
            rows.append({"case": f"{drafts} draft orders", **call(client, body)})
        print(json.dumps(rows[-1]), flush=True)
    for count in sorted(args.resources):
        body = observations_body(app, count)
        with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
            rows.append({"case": f"{count} prefetched Observations", **call(client, body)})
        print(json.dumps(rows[-1]), flush=True)
    print(f"process peak RSS {peak_rss_mb():.0f} MB")
    return rows


if __name__ == "__main__":
    main()
