"""Faults and a short soak against the real `pnet-cds serve` on loopback; prints the figures.

    .venv/bin/python -m bench.faults [--seconds 20] [--workers 2] [--stalled 16] [--only NAME ...]

Starts `pnet-cds serve` (authentication on, the local development issuer, a SQLite file and a Prometheus
directory of its own in a temporary folder, the default 20 MB body limit) on a free port, then runs each scenario, bounded in time:

  stalled    N connections send headers and a few body bytes, then stall; /healthz latency meanwhile
  chunked    a chunked body of valid JSON padded past the body limit (expect 413, never cards)
  locked     SQLite write-locked by another connection: hook latency (each call writes its jti),
             /readyz, feedback latency
  oddbytes   lone surrogates in patientId / hookInstance / feedback, calendar-edge timestamps,
             a 5,000-digit integer, 1e308 doses: statuses, and audit rows kept or counted as lost
  giant      4 callers at once each send a 15 MB body (24,000 draft orders; then 24,000 prefetched
             Observations): their answers and times, a normal caller's latency and /healthz meanwhile,
             worker peak RSS
  soak       keep-alive hook calls from 4 threads for --seconds, /healthz probed every 0.2 s;
             statuses, latency, worker RSS, audit rows written / lost (from /metrics)
  shutdown   SIGTERM while a request is being uploaded: does it still get its answer?

Only 127.0.0.1 is contacted. Nothing here is asserted: tests/test_serving.py and friends do that.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import free_port, percentile, worker_peak_rss_mb  # noqa: E402
from pnet_cds.fixtures import build_hook_request, load_fixture  # noqa: E402
from pnet_cds.issuers import mint_dev_token  # noqa: E402

FIXTURE = "ssa-in-insulinoma--octreotide-sc-malignant-insulinoma"
SERVICE = "pnet-order-sign"
BODY_LIMIT = 20 * 1024 * 1024  # the default body limit


class Server:
    """`pnet-cds serve` in a subprocess with its own database, dev issuer and metrics directory."""

    def __init__(self, workers: int, extra_env: dict | None = None):
        self.dir = Path(tempfile.mkdtemp(prefix="pnet-cds-faults-"))
        (self.dir / "metrics").mkdir()
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.db = self.dir / "faults.db"
        self.dev = self.dir / "dev-issuer"
        env = {**os.environ, "PNET_CDS_DATABASE_URL": f"sqlite:///{self.db}", "PNET_CDS_DEV_ISSUER_DIR": str(self.dev),
               "PNET_CDS_AUDIT_HMAC_KEY": "faults", "PNET_CDS_SANDBOX": "false",
               "PNET_CDS_MAX_CONTENT_LENGTH": str(BODY_LIMIT), "PROMETHEUS_MULTIPROC_DIR": str(self.dir / "metrics"),
               "PNET_CDS_LOG_FORMAT": "json", **(extra_env or {})}
        self.log = open(self.dir / "server.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pnet_cds.cli", "serve", "--port", str(self.port), "--workers", str(workers)],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {(self.dir / 'server.log').read_text()[-2000:]}")
            try:
                if self.get("/readyz", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server not ready in 60 s")

    def token(self, path: str) -> str:
        return mint_dev_token(self.dev, self.base + path)

    def get(self, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def post(self, path: str, body: bytes, timeout: float = 30.0, auth: bool = True,
             connection: http.client.HTTPConnection | None = None) -> tuple[int, bytes, float]:
        own = connection is None
        connection = connection or http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.token(path)}"
        started = time.perf_counter()
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            return response.status, payload, (time.perf_counter() - started) * 1000
        finally:
            if own:
                connection.close()

    def metric(self, name: str) -> float:
        status, text = self.get("/metrics")
        total = 0.0
        for line in text.decode().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def stop(self, timeout: float = 40.0) -> float:
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()
        return time.monotonic() - started


def hook_body(extra: dict | None = None) -> bytes:
    fixture = load_fixture(ROOT / "fhir_fixtures", FIXTURE, now=datetime.now(timezone.utc))
    discovery = json.loads((ROOT / "hooks.json").read_text())
    service = {s["id"]: s for s in discovery["services"]}[SERVICE]
    body = build_hook_request(fixture, service)
    for key, value in (extra or {}).items():
        body[key] = value
    return json.dumps(body).encode()


def probe_healthz(server: Server, seconds: float, every: float = 0.2, timeout: float = 5.0) -> dict:
    latencies, failures = [], 0
    stop_at = time.monotonic() + seconds
    while time.monotonic() < stop_at:
        started = time.perf_counter()
        try:
            status, _ = server.get("/healthz", timeout=timeout)
            failures += status != 200
        except OSError:
            failures += 1
        latencies.append((time.perf_counter() - started) * 1000)
        time.sleep(every)
    return {"probes": len(latencies), "failed": failures, "p50_ms": percentile(latencies, 50),
            "max_ms": max(latencies) if latencies else float("nan")}


def stalled_connections(server: Server, count: int, hold_seconds: float = 2.0) -> list[socket.socket]:
    """`count` connections that sent a hook request's headers and 10 bytes of its 10,000-byte body."""
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        sock.sendall((f"POST /cds-services/{SERVICE} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: application/json\r\n"
                      f"Content-Length: 10000\r\n\r\n").encode() + b'{"hook": "')
        sockets.append(sock)
    return sockets


def scenario_stalled(server: Server, count: int, seconds: float) -> dict:
    sockets = stalled_connections(server, count)
    time.sleep(0.5)
    try:
        health = probe_healthz(server, seconds)
    finally:
        for sock in sockets:
            sock.close()
    return {"stalled_connections": count, "healthz": health}


def scenario_chunked(server: Server) -> dict:
    body = hook_body()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    path = f"/cds-services/{SERVICE}"
    sock.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: application/json\r\n"
                  f"Authorization: Bearer {server.token(path)}\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
    padding = b" " * 65536
    sent = 0
    try:
        for chunk in [body] + [padding] * (BODY_LIMIT * 21 // 20 // len(padding)):
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        sock.sendall(b"0\r\n\r\n")
    except OSError:
        pass  # the server may answer and close before the whole body is sent
    response = b""
    try:
        while b"\r\n\r\n" not in response:
            data = sock.recv(65536)
            if not data:
                break
            response += data
    except OSError:
        pass
    sock.close()
    status_line = response.split(b"\r\n", 1)[0].decode(errors="replace")
    return {"body_bytes_sent": sent, "limit": BODY_LIMIT, "answer": status_line or "(connection closed)",
            "cards_in_answer": b'"cards"' in response}


def scenario_locked(server: Server, calls: int, budget_seconds: float) -> dict:
    body = hook_body()
    unlocked = [server.post(f"/cds-services/{SERVICE}", body)[2] for _ in range(calls)]
    lock = sqlite3.connect(server.db, timeout=1)
    lock.execute("BEGIN IMMEDIATE")  # the write lock, held by another connection
    latencies, statuses = [], {}
    try:
        stop_at = time.monotonic() + budget_seconds
        for _ in range(calls):
            if time.monotonic() > stop_at:
                break
            try:
                status, _, ms = server.post(f"/cds-services/{SERVICE}", body, timeout=45)
            except OSError as exc:
                status, ms = type(exc).__name__, 45_000.0
            latencies.append(ms)
            statuses[status] = statuses.get(status, 0) + 1
        ready_status, ready = server.get("/readyz", timeout=30)
        feedback = json.dumps({"feedback": [{"card": "c-1", "outcome": "overridden",
                                             "outcomeTimestamp": "2026-06-01T12:00:00Z"}]}).encode()
        try:
            fb_status, _, fb_ms = server.post(f"/cds-services/{SERVICE}/feedback", feedback, timeout=45)
        except OSError as exc:
            fb_status, fb_ms = type(exc).__name__, 45_000.0
    finally:
        lock.rollback()
        lock.close()
    return {"unlocked_p50_ms": percentile(unlocked, 50), "unlocked_p99_ms": percentile(unlocked, 99),
            "hook_calls": len(latencies), "statuses": statuses, "p50_ms": percentile(latencies, 50),
            "p99_ms": percentile(latencies, 99), "slowest_ms": [round(ms) for ms in sorted(latencies)[-3:]],
            "readyz": f"{ready_status} {json.loads(ready).get('checks', {}).get('database', '')}"[:120],
            "feedback": f"{fb_status} in {fb_ms:.0f} ms"}


def scenario_oddbytes(server: Server) -> dict:
    results = {}
    written_before, lost_before = server.metric("pnet_cds_audit_writes_total"), server.metric(
        "pnet_cds_audit_writes_lost_total")
    hook = json.loads(hook_body())
    patient = hook["context"]["patientId"]
    odd_patient = json.dumps(hook).replace(patient, "p-\\ud800").encode()  # the same odd id in every reference
    results["surrogate patientId"] = server.post(f"/cds-services/{SERVICE}", odd_patient)[0]
    results["surrogate hookInstance"] = server.post(f"/cds-services/{SERVICE}",
                                                    json.dumps({**hook, "hookInstance": "\ud800"}).encode())[0]
    results["5,000-digit integer"] = server.post(
        f"/cds-services/{SERVICE}", hook_body().replace(b'"hook"', b'"n": ' + b"9" * 5000 + b', "hook"', 1))[0]
    dose = json.loads(hook_body())
    for entry in dose["context"]["draftOrders"]["entry"]:
        for dosage in entry["resource"].get("dosageInstruction", []):
            for rate in dosage.get("doseAndRate", []):
                if "doseQuantity" in rate:
                    rate["doseQuantity"]["value"] = 1e308
    status, payload, _ = server.post(f"/cds-services/{SERVICE}", json.dumps(dose).encode())
    results["1e308 dose"] = f"{status}, 'inf' in cards: {b'inf ' in payload}"
    for name, entry in {
        "feedback calendar edge": {"card": "c", "outcome": "overridden", "outcomeTimestamp": "0001-01-01T00:00:00+14:00"},
        "feedback surrogate": {"card": "c\ud800", "outcome": "overridden", "outcomeTimestamp": "2026-06-01T12:00:00Z"},
    }.items():
        results[name] = server.post(f"/cds-services/{SERVICE}/feedback", json.dumps({"feedback": [entry]}).encode())[0]
    time.sleep(1.5)  # the audit writers work in the background
    results["audit rows written"] = server.metric("pnet_cds_audit_writes_total") - written_before
    results["audit rows counted lost"] = server.metric("pnet_cds_audit_writes_lost_total") - lost_before
    return results


def giant_bodies() -> dict[str, bytes]:
    from bench.generate import make_patient
    from pnet_cds.fixtures import load_fixture_bundle
    from pnet_cds.order_catalog import draft_order

    discovery = json.loads((ROOT / "hooks.json").read_text())
    service = {s["id"]: s for s in discovery["services"]}[SERVICE]
    now = datetime.now(timezone.utc)
    fixture = load_fixture(ROOT / "fhir_fixtures", FIXTURE, now=now)
    drafts = []
    for index in range(24_000 - len(fixture.drafts)):
        order = draft_order("octreotide-sc", fixture.patient_id)
        order["id"] = f"draft-{index}"
        drafts.append(order)
    patient = make_patient(24_000)
    observations = load_fixture_bundle(patient.bundle(), name=patient.slug, now=now)
    return {"24,000 draft orders": json.dumps(build_hook_request(fixture, service, extra_drafts=drafts)).encode(),
            "24,000 Observations": json.dumps(build_hook_request(
                observations, service, extra_drafts=[draft_order("lutathera", observations.patient_id)])).encode()}


def scenario_giant(server: Server, callers: int = 4) -> dict:
    results = {}
    normal = hook_body()
    for name, body in giant_bodies().items():
        answers, lock = [], threading.Lock()

        def giant():
            try:
                status, payload, ms = server.post(f"/cds-services/{SERVICE}", body, timeout=120)
                cards = len(json.loads(payload).get("cards", [])) if status == 200 else 0
                entry = (status, round(ms), cards)
            except OSError as exc:
                entry = (type(exc).__name__, 120_000, 0)
            with lock:
                answers.append(entry)

        threads = [threading.Thread(target=giant) for _ in range(callers)]
        for thread in threads:
            thread.start()
        normal_ms, started = [], time.monotonic()
        while any(thread.is_alive() for thread in threads) and time.monotonic() - started < 120:
            try:
                normal_ms.append(server.post(f"/cds-services/{SERVICE}", normal, timeout=60)[2])
            except OSError:
                normal_ms.append(60_000.0)
            time.sleep(0.1)
        for thread in threads:
            thread.join()
        results[name] = {"body_mb": round(len(body) / 2**20, 1), "answers (status, ms, cards)": sorted(answers, key=str),
                         "normal_calls_meanwhile": len(normal_ms), "normal_max_ms": round(max(normal_ms or [0])),
                         "normal_p50_ms": round(percentile(normal_ms, 50))}
    results["worker_peak_rss_mb"] = round(worker_peak_rss_mb(server.process.pid), 1)
    return results


def scenario_soak(server: Server, seconds: float, threads: int = 4) -> dict:
    body = hook_body()
    latencies, statuses, lock = [], {}, threading.Lock()
    stop_at = time.monotonic() + seconds

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        local, local_status = [], {}
        while time.monotonic() < stop_at:
            try:
                status, _, ms = server.post(f"/cds-services/{SERVICE}", body, connection=connection)
            except OSError:
                status, ms = "error", 0.0
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            local.append(ms)
            local_status[status] = local_status.get(status, 0) + 1
        with lock:
            latencies.extend(local)
            for key, value in local_status.items():
                statuses[key] = statuses.get(key, 0) + value

    written_before = server.metric("pnet_cds_audit_writes_total")
    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    health = probe_healthz(server, seconds)
    for worker in workers:
        worker.join()
    time.sleep(1.5)
    calls = len(latencies)
    return {"threads": threads, "seconds": seconds, "calls": calls, "per_second": round(calls / seconds, 1),
            "statuses": statuses, "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
            "healthz": health, "worker_peak_rss_mb": round(worker_peak_rss_mb(server.process.pid), 1),
            "audit_written": server.metric("pnet_cds_audit_writes_total") - written_before,
            "audit_lost_total": server.metric("pnet_cds_audit_writes_lost_total")}


def scenario_shutdown(server: Server) -> dict:
    """A request whose upload is half-way when SIGTERM arrives: is it answered?"""
    body = hook_body()
    path = f"/cds-services/{SERVICE}"
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sock.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: application/json\r\n"
                  f"Authorization: Bearer {server.token(path)}\r\nContent-Length: {len(body)}\r\n\r\n").encode())
    half = len(body) // 2
    sock.sendall(body[:half])
    time.sleep(0.5)
    server.process.send_signal(signal.SIGTERM)
    time.sleep(1.0)
    answer = b""
    try:
        sock.sendall(body[half:])
        while True:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    except OSError as exc:
        answer = answer or f"({type(exc).__name__})".encode()
    sock.close()
    started = time.monotonic()
    try:
        server.process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        pass
    return {"in_flight_answer": answer.split(b"\r\n", 1)[0].decode(errors="replace") or "(closed without answer)",
            "cards_in_answer": b'"cards"' in answer, "exit_code": server.process.poll(),
            "exit_seconds_after_answer": round(time.monotonic() - started, 2)}


SCENARIOS = ("stalled", "chunked", "locked", "oddbytes", "giant", "soak", "shutdown")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="soak length")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--stalled", type=int, default=16, help="stalled connections")
    parser.add_argument("--only", nargs="*", choices=SCENARIOS, default=list(SCENARIOS))
    args = parser.parse_args(argv)
    results: dict = {}
    server = Server(args.workers)
    try:
        if "stalled" in args.only:
            results["stalled"] = scenario_stalled(server, args.stalled, seconds=5.0)
            print("stalled:", json.dumps(results["stalled"]), flush=True)
        if "chunked" in args.only:
            results["chunked"] = scenario_chunked(server)
            print("chunked:", json.dumps(results["chunked"]), flush=True)
        if "locked" in args.only:
            results["locked"] = scenario_locked(server, calls=100, budget_seconds=60)
            print("locked:", json.dumps(results["locked"]), flush=True)
        if "oddbytes" in args.only:
            results["oddbytes"] = scenario_oddbytes(server)
            print("oddbytes:", json.dumps(results["oddbytes"]), flush=True)
        if "giant" in args.only:
            results["giant"] = scenario_giant(server)
            print("giant:", json.dumps(results["giant"]), flush=True)
        if "soak" in args.only:
            results["soak"] = scenario_soak(server, args.seconds)
            print("soak:", json.dumps(results["soak"]), flush=True)
        if "shutdown" in args.only:
            results["shutdown"] = scenario_shutdown(server)
            print("shutdown:", json.dumps(results["shutdown"]), flush=True)
    finally:
        results["stop_seconds"] = round(server.stop(), 2)
    lost_lines = [line for line in (server.dir / "server.log").read_text().splitlines() if "lost" in line]
    results["log_lines_about_lost_audit_rows"] = len(lost_lines)
    print("stop:", results["stop_seconds"], "s; log lines about lost audit rows:", len(lost_lines))
    return results


if __name__ == "__main__":
    main()
