"""Cost of the intake step (service/intake.py): `python -m bench.intake [--observations N] [--rounds R]`.

Builds the order-sign request bench.run uses for a generated patient (about 500 resources with the
default 430 observations) and times, on fresh copies of the same body:
- intake alone: normalise + patient check of every draft and prefetched resource (what it adds per call);
- the rules alone: every rule of the hook over the gathered record (evaluate_hook: the FHIR validation the
  rules ask for, their reading of the record, card rendering), the record built outside the timer;
- the full hook call in-process (HTTP layer to cards), for scale.
Prints median and p95 in milliseconds of CPU time of this process (time.process_time: on a shared machine
wall time mostly measures the neighbours; the minimum is the closest to a quiet machine), and the
wall-clock median beside it. Nothing leaves the process.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import statistics
import time

from bench.run import SERVICE, hook_body, percentile
from pnet_cds import create_app
from pnet_cds.engine import evaluate_hook
from pnet_cds.hook_request import parse_hook_request
from pnet_cds.intake import Intake
from pnet_cds.patient_data import DataSettings, gather_patient_data


def intake_only(request, cache) -> int:
    """Run intake over one parsed request as the service does (drafts validated through the process's
    validation cache, as in the service); returns the resources admitted."""
    intake = Intake(request.patient_id, validation_cache=cache)
    intake.read_drafts(request)
    admitted = 0
    for value in request.prefetch.values():
        for index, entry in enumerate((value or {}).get("entry") or []):
            admitted += intake.admit(entry.get("resource"), f"/prefetch/x/entry/{index}/resource")
    return admitted


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=430, help="generated observations (430 ≈ 500 resources)")
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args(argv)
    app = create_app({"TESTING": True, "AUTH": False, "AUDIT_ENABLED": False})
    raw, size = hook_body(args.observations, app)
    body = json.loads(raw)
    hook = app.extensions["pnet_cds"].services[SERVICE]["hook"]
    samples: dict[str, list[tuple[float, float]]] = {"intake only": [], "rules only": [], "full hook call": []}
    client = app.test_client()
    for _ in range(args.rounds):
        request = parse_hook_request(copy.deepcopy(body), hook)
        with timer(samples["intake only"]):
            admitted = intake_only(request, app.extensions["pnet_cds"].validation_cache)
        rules_only(app, parse_hook_request(copy.deepcopy(body), hook), samples["rules only"])
        with timer(samples["full hook call"]):
            response = client.post(f"/cds-services/{SERVICE}", data=raw, content_type="application/json")
        assert response.status_code == 200, response.get_json()
    print(f"record: {size} resources ({admitted} prefetched and admitted by intake), {len(raw) / 1024:.0f} KiB, "
          f"{args.rounds} rounds")
    for name, pairs in samples.items():
        cpu, wall = [c for c, _ in pairs], [w for _, w in pairs]
        print(f"{name:>15}: CPU min {min(cpu):6.2f} ms, median {statistics.median(cpu):6.2f} ms, p95 "
              f"{percentile(cpu, 95):6.2f} ms; wall median {statistics.median(wall):6.2f} ms")


def rules_only(app, request, into: list) -> None:
    """Gather the record as the service does (not timed), then time the hook's rules over it."""
    state = app.extensions["pnet_cds"]
    settings = DataSettings(lenient=True, validation_cache=state.validation_cache)
    intake = Intake(request.patient_id, validation_cache=state.validation_cache)
    intake.read_drafts(request)
    prefetch = state.services[SERVICE].get("prefetch", {})
    record = gather_patient_data(request, prefetch, settings, state.session, intake)
    with timer(into):
        evaluation = evaluate_hook(state.rules, record, request, state.terminology, state.now())
    assert evaluation.cards, "the bench request should fire rules"


@contextlib.contextmanager
def timer(into: list):
    cpu, wall = time.process_time(), time.perf_counter()
    yield
    into.append(((time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000))


if __name__ == "__main__":
    main()
