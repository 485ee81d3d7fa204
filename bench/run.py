"""Benchmark the service: `python -m bench.run [--quick] [--skip-http] [--out bench/results]`.

1. In-process: latency percentiles of one full order-sign hook call (HTTP layer, validation, data, rules,
   cards) per record size, next to the floor of merely JSON-decoding the same body, and the ratio.
2. Over HTTP under gunicorn on loopback at several concurrency levels: throughput and latency of the
   service, next to a bare Flask app under the same gunicorn settings that only decodes the same body.
   Also peak RSS per worker. Only 127.0.0.1 is ever contacted; every loop is bounded in count and time.
Prints tables and writes JSON to --out.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import signal
import socket
import subprocess
import tempfile
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.generate import make_patient, record_size
from pnet_cds import create_app, tune_gc
from pnet_cds.fixtures import build_hook_request, load_fixture_bundle
from pnet_cds.order_catalog import draft_order

ROOT = Path(__file__).resolve().parent.parent
SIZES = [10, 100, 1_000, 10_000]
DRAFTS = ["lutathera", "everolimus", "octreotide-lar", "temozolomide", "cbc"]
SERVICE = "pnet-order-sign"


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def hook_body(observations: int, app) -> tuple[bytes, int]:
    """The order-sign request body (bytes) for a generated patient, and the record's resource count."""
    patient = make_patient(observations)
    fixture = load_fixture_bundle(patient.bundle(), name=patient.slug, now=datetime.now(timezone.utc))
    service = app.extensions["pnet_cds"].services[SERVICE]
    drafts = [draft_order(key, fixture.patient_id) for key in DRAFTS]
    body = build_hook_request(fixture, service, extra_drafts=drafts, hook_instance="bench")
    return json.dumps(body).encode(), record_size(patient)


def measure_in_process(sizes: list[int], iterations: int) -> list[dict]:
    """Per size: percentiles of the full hook call and of json.loads on the same body. The service's
    request logs are written (their cost counts) but to /dev/null, so the tables stay readable."""
    with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
        return _measure_in_process(sizes, iterations)


def _measure_in_process(sizes: list[int], iterations: int) -> list[dict]:
    app = create_app({"TESTING": True, "AUTH": False})  # the hook work; JWT checks not timed
    tune_gc()  # as service.wsgi does for the served app
    client = app.test_client()
    cache = app.extensions["pnet_cds"].validation_cache
    rows = []
    for size in sizes:
        body, resources = hook_body(size, app)
        count = max(5, iterations if size <= 1000 else iterations // 5)

        def call(body: bytes = body) -> float:  # bound now: the loop moves on to the next body
            started = time.perf_counter()
            response = client.post(f"/cds-services/{SERVICE}", data=body, content_type="application/json")
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.get_json()
            call.cards = len(response.get_json()["cards"])
            return elapsed

        for _ in range(3):  # warm-up
            call()
        cold, warm, floor = [], [], []
        for _ in range(count):
            cache.clear()  # cold: this patient's resources never seen before (the honest headline)
            cold.append(call())
            warm.append(call())  # warm: the same resources again, as order-select then order-sign
            started = time.perf_counter()
            json.loads(body)
            floor.append((time.perf_counter() - started) * 1000)
        rows.append({
            "observations": size, "resources": resources, "body_bytes": len(body), "iterations": count,
            "cards": call.cards, "p50_ms": percentile(cold, 50), "p95_ms": percentile(cold, 95),
            "p99_ms": percentile(cold, 99), "warm_p50_ms": percentile(warm, 50),
            "warm_p99_ms": percentile(warm, 99), "decode_p50_ms": percentile(floor, 50),
            "ratio_p50": percentile(cold, 50) / max(percentile(floor, 50), 1e-6),
        })
    return rows


# --- over HTTP ----------------------------------------------------------------------------------------

BARE_APP = '''
import gc
import json
from flask import Flask, request, jsonify
app = Flask(__name__)
gc.freeze(); gc.set_threshold(50_000, 20, 100)  # the same collector settings as service.wsgi
@app.post("/cds-services/<sid>")
def call(sid):
    json.loads(request.get_data())
    return jsonify({"cards": []})
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(app_spec: str, workers: int, cwd: Path, env_extra: dict | None = None) -> tuple[subprocess.Popen, int]:
    """Start gunicorn on a free loopback port; its log goes to a temporary file (a pipe nobody reads
    fills up and blocks the workers' log writes)."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(cwd), **(env_extra or {}))
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--log-level", "warning", app_spec], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=log)
    process.log = log
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, port
        except OSError:
            time.sleep(0.1)
    stop(process)
    log.seek(0)
    raise RuntimeError(f"gunicorn did not start: {log.read().decode(errors='replace')[-500:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    log = getattr(process, "log", None)
    if log is not None and not log.closed:
        log.close()


def worker_peak_rss_mb(master_pid: int) -> float:
    """Largest VmHWM (peak resident set) among the gunicorn master's worker processes, in MB."""
    peak = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master_pid) and "VmHWM" in fields:
            peak = max(peak, int(fields["VmHWM"].split()[0]) / 1024)
    return peak


def load(port: int, body: bytes, concurrency: int, seconds: float, max_requests: int) -> dict:
    """Keep-alive POSTs from `concurrency` threads for `seconds` (or `max_requests`); latency and rate."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local = []
        while time.monotonic() < stop_at and len(latencies) + len(local) < max_requests:
            started = time.perf_counter()
            connection.request("POST", f"/cds-services/{SERVICE}", body=body,
                               headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            local.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                errors[0] += 1
        connection.close()
        with lock:
            latencies.extend(local)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {"requests": len(latencies), "errors": errors[0], "rps": len(latencies) / elapsed,
            "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99)}


def measure_http(observations: int, workers: int, levels: list[int], seconds: float) -> list[dict]:
    app = create_app({"TESTING": True, "AUTH": False})  # the hook work; JWT checks not timed
    body, resources = hook_body(observations, app)
    bare_dir = ROOT / "bench" / "results"
    bare_dir.mkdir(parents=True, exist_ok=True)
    (bare_dir / "bare_app.py").write_text(BARE_APP)
    rows = []
    # The service as `pnet-cds serve` runs it (service.wsgi), with JWT checks off: the load carries no
    # tokens, and a 401 answered before a large body is read breaks keep-alive connections.
    service, service_port = start_gunicorn("pnet_cds.wsgi:app", workers, ROOT,
                                           {"PNET_CDS_AUTH": "off", "PNET_CDS_SANDBOX": "false"})
    bare, bare_port = start_gunicorn("bare_app:app", workers, bare_dir)
    try:
        for port in (service_port, bare_port):
            load(port, body, 1, 1.0, 20)  # warm every worker's imports
        for concurrency in levels:
            ours = load(service_port, body, concurrency, seconds, 20_000)
            floor = load(bare_port, body, concurrency, seconds, 20_000)
            rows.append({"observations": observations, "resources": resources, "concurrency": concurrency,
                         "service": ours, "bare": floor, "throughput_ratio": ours["rps"] / max(floor["rps"], 1e-6)})
        rss = {"service_worker_peak_rss_mb": worker_peak_rss_mb(service.pid),
               "bare_worker_peak_rss_mb": worker_peak_rss_mb(bare.pid)}
    finally:
        stop(service)
        stop(bare)
    for row in rows:
        row.update(rss)
    return rows


# --- output -------------------------------------------------------------------------------------------

def print_in_process(rows: list[dict]) -> None:
    print("\nIn-process, one order-sign hook call (5 draft orders), milliseconds; cold = validation cache")
    print("cleared before the call, warm = the same resources again")
    print(f"{'observations':>12} {'resources':>9} {'body KB':>8} {'cards':>5} {'p50':>8} {'p95':>8} {'p99':>8} "
          f"{'warm p50':>8} {'warm p99':>8} {'decode p50':>10} {'ratio':>6}")
    for r in rows:
        print(f"{r['observations']:>12} {r['resources']:>9} {r['body_bytes'] / 1024:>8.0f} {r['cards']:>5} "
              f"{r['p50_ms']:>8.2f} {r['p95_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['warm_p50_ms']:>8.2f} "
              f"{r['warm_p99_ms']:>8.2f} {r['decode_p50_ms']:>10.2f} {r['ratio_p50']:>6.2f}")


def print_http(rows: list[dict]) -> None:
    if not rows:
        return
    print(f"\nHTTP under gunicorn on loopback ({rows[0]['resources']} resources per call)")
    print(f"{'conc.':>5} {'service rps':>11} {'p50 ms':>7} {'p99 ms':>7} {'bare rps':>9} {'p50 ms':>7} "
          f"{'p99 ms':>7} {'ratio':>6} {'errors':>6}")
    for r in rows:
        s, b = r["service"], r["bare"]
        print(f"{r['concurrency']:>5} {s['rps']:>11.0f} {s['p50_ms']:>7.2f} {s['p99_ms']:>7.2f} {b['rps']:>9.0f} "
              f"{b['p50_ms']:>7.2f} {b['p99_ms']:>7.2f} {r['throughput_ratio']:>6.2f} {s['errors'] + b['errors']:>6}")
    print(f"peak RSS per worker: service {rows[0]['service_worker_peak_rss_mb']:.0f} MB, "
          f"bare {rows[0]['bare_worker_peak_rss_mb']:.0f} MB")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and few iterations (smoke run)")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5.0, help="per concurrency level and app")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)
    sizes = [10, 100] if args.quick else SIZES
    iterations = 10 if args.quick else args.iterations
    result = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
              "in_process": measure_in_process(sizes, iterations)}
    print_in_process(result["in_process"])
    # the 500-resource order-sign target
    result["target_500"] = measure_in_process([460], iterations)[0]
    t = result["target_500"]
    print(f"\n{t['resources']}-resource order-sign: p50 {t['p50_ms']:.2f} ms, p99 {t['p99_ms']:.2f} ms (cold); "
          f"warm p50 {t['warm_p50_ms']:.2f} ms, p99 {t['warm_p99_ms']:.2f} ms")
    if not args.skip_http:
        result["http"] = measure_http(100 if args.quick else 1000, args.workers,
                                      [1, 4] if args.quick else [1, 4, 16], 1.0 if args.quick else args.seconds)
        print_http(result["http"])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    (out / f"bench-{stamp}.json").write_text(json.dumps(result, indent=2))
    print(f"\nwrote {out / f'bench-{stamp}.json'}")
    return result


if __name__ == "__main__":
    main()
