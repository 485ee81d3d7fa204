"""A fake FHIR server for tests: a real HTTP server on 127.0.0.1 (never any other address) in a thread.

    with FakeFhirServer() as fhir:
        fhir.serve_record(resources)                 # searches answer from these resources
        fhir.fault("Observation", fhir.status(500))  # and one resource type misbehaves
        ... fhirServer = fhir.base_url ...
        fhir.requests                                # what the service asked (path, query, headers)

Behaviours (`fault` and `fault_all` take any of them): `status(code)`, `body(bytes, content_type)`,
`html()`, `truncated_json()`, `delay(seconds)`, `endless_next()`, `huge_bundle(megabytes)`,
`slow_drip(seconds_per_byte)`, `redirect(url)`, `next_link_to(url)`. `refused_url()` is a base URL where
nothing listens.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs, urlsplit

LOOPBACK = "127.0.0.1"
Behaviour = Callable[["_Handler", "SeenRequest"], None]


@dataclass
class SeenRequest:
    path: str
    query: dict
    headers: dict

    @property
    def resource_type(self) -> str:
        parts = [p for p in self.path.split("/") if p]
        return parts[1] if len(parts) > 1 else ""


class FakeFhirServer:
    """A threaded HTTP server on 127.0.0.1:<free port> whose base URL is http://127.0.0.1:<port>/fhir."""

    def __init__(self):
        self.requests: list[SeenRequest] = []
        self._resources: list[dict] = []
        self._faults: dict[str, Behaviour] = {}
        self._fault_all: Behaviour | None = None
        server = self

        class Handler(_Handler):
            fake = server

        self._httpd = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self._httpd.server_address[1]}/fhir"

    def __enter__(self) -> "FakeFhirServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def reset(self) -> None:
        """Forget requests, record and faults (to reuse one server across tests)."""
        self.requests.clear()
        self._resources, self._faults, self._fault_all = [], {}, None

    # --- what to serve ---

    def serve_record(self, resources: list[dict]) -> None:
        """Answer `<Type>?patient=...` searches with the resources of that type (one searchset page)."""
        self._resources = list(resources)

    def fault(self, resource_type: str, behaviour: Behaviour) -> None:
        self._faults[resource_type] = behaviour

    def fault_all(self, behaviour: Behaviour) -> None:
        self._fault_all = behaviour

    def _answer(self, handler: "_Handler", seen: SeenRequest) -> None:
        behaviour = self._fault_all or self._faults.get(seen.resource_type)
        if behaviour is not None:
            behaviour(handler, seen)
            return
        if "/" in seen.path.removeprefix("/fhir/"):  # a read: /fhir/Type/id
            kind, _, rid = seen.path.removeprefix("/fhir/").partition("/")
            found = [r for r in self._resources if r.get("resourceType") == kind and r.get("id") == rid]
            if found:
                handler.send_json(found[0])
            else:
                handler.send_json(outcome("not-found"), status=404)
            return
        matches = [r for r in self._resources if r.get("resourceType") == seen.resource_type]
        handler.send_json(searchset(matches))

    # --- behaviours ---

    @staticmethod
    def status(code: int) -> Behaviour:
        return lambda handler, seen: handler.send_json(outcome("exception"), status=code)

    @staticmethod
    def body(data: bytes, content_type: str = "application/fhir+json") -> Behaviour:
        return lambda handler, seen: handler.send_bytes(data, content_type)

    @classmethod
    def html(cls) -> Behaviour:
        return cls.body(b"<!DOCTYPE html><html><body><h1>Login</h1></body></html>", "text/html")

    @classmethod
    def truncated_json(cls) -> Behaviour:
        return cls.body(json.dumps(searchset([{"resourceType": "Condition", "id": "c1"}]))[:-17].encode())

    @staticmethod
    def delay(seconds: float) -> Behaviour:
        def behaviour(handler, seen):
            time.sleep(seconds)
            handler.send_json(searchset([]))
        return behaviour

    def endless_next(self) -> Behaviour:
        def behaviour(handler, seen):
            page = int(seen.query.get("page", ["0"])[0]) + 1
            bundle = searchset([])
            bundle["link"] = [{"relation": "next", "url": f"{self.base_url}/{seen.resource_type}?page={page}"}]
            handler.send_json(bundle)
        return behaviour

    @staticmethod
    def next_link_to(url: str) -> Behaviour:
        def behaviour(handler, seen):
            bundle = searchset([])
            bundle["link"] = [{"relation": "next", "url": url}]
            handler.send_json(bundle)
        return behaviour

    @staticmethod
    def huge_bundle(megabytes: int = 50) -> Behaviour:
        entry = json.dumps({"resource": {"resourceType": "Observation", "id": "x" * 40, "status": "final"}}) + ","
        block = (entry * (1024 * 1024 // len(entry))).encode()
        head, tail = b'{"resourceType":"Bundle","type":"searchset","entry":[', b'{}]}'

        def behaviour(handler, seen):
            count = megabytes * 1024 * 1024 // len(block)
            handler.send_stream([head] + [block] * count + [tail], "application/fhir+json")
        return behaviour

    @staticmethod
    def slow_drip(seconds_per_byte: float = 0.2, total: int = 200) -> Behaviour:
        def behaviour(handler, seen):
            data = json.dumps(searchset([])).encode().ljust(total)
            handler.send_stream((data[i:i + 1] for i in range(len(data))), "application/fhir+json",
                                pause=seconds_per_byte, length=len(data))
        return behaviour

    @staticmethod
    def redirect(url: str) -> Behaviour:
        def behaviour(handler, seen):
            handler.send_response(302)
            handler.send_header("Location", url)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        return behaviour


def refused_url() -> str:
    """A loopback base URL where nothing listens (a port that was just free)."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port = probe.getsockname()[1]
    return f"http://{LOOPBACK}:{port}/fhir"


def searchset(resources: list[dict]) -> dict:
    return {"resourceType": "Bundle", "type": "searchset", "total": len(resources),
            "entry": [{"resource": r} for r in resources]}


def outcome(code: str) -> dict:
    return {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": code}]}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeFhirServer
    protocol_version = "HTTP/1.0"

    def do_GET(self):  # noqa: N802 (http.server's naming)
        parts = urlsplit(self.path)
        seen = SeenRequest(parts.path, parse_qs(parts.query), dict(self.headers))
        self.fake.requests.append(seen)
        try:
            self.fake._answer(self, seen)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (size cap, deadline): that is the point of the test

    def send_json(self, value, status: int = 200) -> None:
        self.send_bytes(json.dumps(value).encode(), "application/fhir+json", status)

    def send_bytes(self, data: bytes, content_type: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_stream(self, chunks, content_type: str, pause: float = 0.0, length: int | None = None) -> None:
        chunks = list(chunks) if length is None else chunks
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length if length is not None else sum(len(c) for c in chunks)))
        self.end_headers()
        for chunk in chunks:
            self.wfile.write(chunk)
            self.wfile.flush()
            if pause:
                time.sleep(pause)

    def log_message(self, *args) -> None:  # keep test output clean
        pass
