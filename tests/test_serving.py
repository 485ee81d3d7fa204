"""The real `pnet-cds serve` on a loopback port: slow and stalled clients cannot take it over, oversize
chunked bodies are refused, and SIGTERM lets the requests in flight finish (service/serving.py).

Each server runs with authentication off (JWTs are test_auth.py's subject), a SQLite file of its own,
2 workers and a 2-second request read deadline; every wait here is bounded."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from pnet_cds.fixtures import build_hook_request, load_fixture
from pnet_cds.serving import gunicorn_config, setting

from .conftest import FIXTURES, ROOT

INSULINOMA = "ssa-in-insulinoma--octreotide-sc-malignant-insulinoma"
PATH = "/cds-services/pnet-order-sign"
READ_TIMEOUT = 2
BODY_LIMIT = 256 * 1024


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    def __init__(self, tmp_path, workers: int = 2):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PNET_CDS_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}", "PNET_CDS_AUTH": "off",
               "PNET_CDS_SANDBOX": "false", "PNET_CDS_REQUEST_READ_TIMEOUT_SECONDS": str(READ_TIMEOUT),
               "PNET_CDS_MAX_CONTENT_LENGTH": str(BODY_LIMIT), "PNET_CDS_LOG_FORMAT": "text"}
        self.log = open(tmp_path / "server.log", "w+")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pnet_cds.cli", "serve", "--port", str(self.port), "--workers", str(workers)],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server exited: {self.output()[-2000:]}")
            try:
                if requests.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        pytest.fail("server not ready in 90 s")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def raw(self, head: bytes, timeout: float = 10) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        sock.sendall(head)
        return sock

    def head(self, extra: str) -> bytes:
        return (f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nContent-Type: application/json\r\n"
                f"{extra}\r\n").encode()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=45)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = Served(tmp_path_factory.mktemp("served"))
    yield server
    server.stop()


def _hook_body(base_url: str | None = None) -> bytes:
    fixture = load_fixture(FIXTURES, INSULINOMA)
    discovery = json.loads((ROOT / "hooks.json").read_text())
    service = {s["id"]: s for s in discovery["services"]}["pnet-order-sign"]
    return json.dumps(build_hook_request(fixture, service)).encode()


def _answer(sock: socket.socket, limit_seconds: float = 15) -> bytes:
    """Everything the server sends until it closes the connection or has sent a whole small answer."""
    data, deadline = b"", time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError, socket.timeout):
            break
        if not chunk:
            break
        data += chunk
        if b"\r\n\r\n" in data and b'"cards"' in data or b"payload-too-large" in data:
            break
    return data


def test_healthz_answers_within_a_second_while_connections_stall(served):
    threads = int(setting("SERVER_THREADS"))
    stalled = [served.raw(served.head("Content-Length: 10000\r\n") + b'{"hook": "') for _ in range(threads)]
    try:
        time.sleep(0.3)
        latencies = []
        for _ in range(8):
            started = time.monotonic()
            response = requests.get(f"{served.base}/healthz", timeout=5)
            latencies.append(time.monotonic() - started)
            assert response.json() == {"status": "ok"}
            time.sleep(0.1)
        assert max(latencies) < 1.0, latencies
        # a real hook call gets through too
        response = requests.post(served.base + PATH, data=_hook_body(), timeout=10,
                                 headers={"Content-Type": "application/json"})
        assert response.status_code == 200 and response.json()["cards"][0]["source"]["topic"]["code"] == "ssa-in-insulinoma"
        # the read deadline then closes every stalled connection (no answer: the request never arrived)
        for sock in stalled:
            sock.settimeout(READ_TIMEOUT + 8)
            assert sock.recv(1024) == b""
    finally:
        for sock in stalled:
            sock.close()
    assert "took longer than 2 s to send its request" in served.output()


def test_a_client_dripping_bytes_is_cut_off_at_the_read_deadline(served):
    sock = served.raw(served.head("Content-Length: 100000\r\n"))
    started, closed = time.monotonic(), False
    try:
        while time.monotonic() - started < READ_TIMEOUT + 8:
            try:
                sock.sendall(b" ")
            except OSError:
                closed = True
                break
            time.sleep(0.3)
    finally:
        sock.close()
    assert closed and time.monotonic() - started < READ_TIMEOUT + 6


def test_a_chunked_body_over_the_limit_is_413_and_never_evaluated(served):
    sock = served.raw(served.head("Transfer-Encoding: chunked\r\n"), timeout=15)
    body, padding = _hook_body(), b" " * 32768
    try:
        for chunk in [body] + [padding] * (2 * BODY_LIMIT // len(padding)):
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        sock.sendall(b"0\r\n\r\n")
    except OSError:
        pass  # the server may answer and close before the whole body is sent
    answer = _answer(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"payload-too-large" in answer and b'"cards"' not in answer
    # the same body within the limit, chunked, is evaluated
    sock = served.raw(served.head("Transfer-Encoding: chunked\r\n"), timeout=15)
    sock.sendall(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
    answer = _answer(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 200") and b"ssa-in-insulinoma" in answer


def test_a_declared_length_over_the_limit_is_413_before_the_body_is_read(served):
    sock = served.raw(served.head(f"Content-Length: {BODY_LIMIT + 1}\r\n"))
    answer = _answer(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 413") and b"payload-too-large" in answer


def test_sigterm_lets_a_request_in_flight_finish(tmp_path):
    server = Served(tmp_path, workers=1)
    try:
        body = _hook_body()
        sock = server.raw(server.head(f"Content-Length: {len(body)}\r\n") + body[: len(body) // 2], timeout=20)
        time.sleep(0.3)
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.7)
        sock.sendall(body[len(body) // 2:])
        answer = _answer(sock)
        sock.close()
        assert answer.startswith(b"HTTP/1.1 200") and b"ssa-in-insulinoma" in answer
        assert server.process.wait(timeout=30) == 0
        with pytest.raises(OSError):  # the listener is gone
            socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
    finally:
        server.stop()


def test_the_serving_settings_come_from_the_environment_and_refuse_nonsense():
    config = gunicorn_config({"PNET_CDS_SERVER_THREADS": "4", "PNET_CDS_KEEPALIVE_SECONDS": "3"})
    assert (config["worker_class"], config["threads"], config["keepalive"]) == ("pnet_cds.serving.ServiceWorker", 4, 3)
    assert config["graceful_timeout"] == 30 and config["limit_request_field_size"] >= 16 * 1024
    with pytest.raises(ValueError, match="PNET_CDS_SERVER_THREADS"):
        gunicorn_config({"PNET_CDS_SERVER_THREADS": "0"})
