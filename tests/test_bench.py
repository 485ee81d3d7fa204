"""The benchmark code is correct (timings are not asserted: they belong to `python -m bench.run`)."""

from __future__ import annotations

from fhir.resources.R4B import get_fhir_model_class

from bench.generate import make_patient, record_size
from bench.run import measure_http, measure_in_process, percentile


def test_generated_patient_has_the_requested_bulk_and_is_valid_fhir():
    patient = make_patient(observations=50, conditions=12, medication_requests=8)
    kinds = [r["resourceType"] for r in patient.resources]
    assert kinds.count("Observation") == 50 and kinds.count("Condition") == 12
    assert kinds.count("MedicationRequest") == 8  # the stopped lanreotide order + 7 others
    assert record_size(patient) == len(patient.resources) - 1
    for resource in patient.resources:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def test_generation_is_deterministic():
    assert make_patient(30).bundle() == make_patient(30).bundle()


def test_percentile_picks_nearest_rank():
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 50) in (50.0, 51.0) and percentile(samples, 99) == 99.0 and percentile(samples, 100) == 100.0


def test_in_process_measurement_reports_every_field():
    row = measure_in_process([10], iterations=5)[0]
    assert row["observations"] == 10 and row["resources"] > 10 and row["iterations"] == 5
    assert 0 < row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"]
    assert row["decode_p50_ms"] > 0 and row["ratio_p50"] > 1
    assert 0 < row["warm_p50_ms"] <= row["warm_p99_ms"]


def test_http_measurement_runs_both_apps_without_errors():
    rows = measure_http(observations=10, workers=1, levels=[1], seconds=0.3)
    assert len(rows) == 1
    assert rows[0]["service"]["requests"] > 0 and rows[0]["service"]["errors"] == 0
    assert rows[0]["bare"]["requests"] > 0 and rows[0]["bare"]["errors"] == 0
    assert rows[0]["service_worker_peak_rss_mb"] > 10


def test_worst_case_reports_status_time_cards_and_memory():
    from bench.worst_case import main

    rows = main(["--drafts", "3", "--resources", "20"])
    drafts, observations = rows
    assert (drafts["case"], drafts["status"], drafts["cards"]) == ("3 draft orders", 200, 3)
    assert drafts["seconds"] > 0 and drafts["response_mb"] > 0 and drafts["peak_rss_growth_mb"] >= 0
    assert observations["status"] == 200


def test_the_fault_script_runs_a_real_server_and_prints_its_figures(capsys):
    from bench.faults import main

    results = main(["--workers", "1", "--only", "chunked"])
    assert results["chunked"]["answer"].startswith("HTTP/1.1 413") and not results["chunked"]["cards_in_answer"]
    assert "chunked:" in capsys.readouterr().out and results["stop_seconds"] < 40


def test_intake_bench_admits_every_prefetched_resource_of_the_generated_patient():
    import json

    from bench.intake import intake_only
    from bench.run import hook_body
    from pnet_cds.hook_request import parse_hook_request

    from .conftest import make_app

    raw, _ = hook_body(20, make_app())
    body = json.loads(raw)
    prefetched = sum(len((bundle or {}).get("entry") or []) for bundle in body["prefetch"].values())
    assert intake_only(parse_hook_request(body, "order-sign"), None) == prefetched > 20


def test_intake_bench_times_the_rules_alone_over_the_gathered_record():
    import json

    from bench.intake import rules_only
    from bench.run import hook_body
    from pnet_cds.hook_request import parse_hook_request

    from .conftest import make_app

    app = make_app()
    raw, _ = hook_body(20, app)
    samples: list[tuple[float, float]] = []
    rules_only(app, parse_hook_request(json.loads(raw), "order-sign"), samples)  # asserts that cards came
    assert len(samples) == 1 and all(value >= 0 for value in samples[0])
