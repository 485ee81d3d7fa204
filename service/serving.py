"""How `pnet-cds serve` runs gunicorn so that slow, stalled or idle clients cannot take the service down.

Server model: gunicorn (process supervision, worker restarts, graceful reloads, the same command in
production and tests) with its threaded `gthread` worker, extended here by `ServiceWorker`:

  - Each worker has a bounded pool of SERVER_THREADS threads. Idle keep-alive connections, and new ones
    that have not sent a byte yet, wait in the worker's poller, not on a thread; KEEPALIVE_SECONDS closes
    them. /healthz needs only one free thread, so a few slow clients no longer take a whole worker
    (the sync worker gave each connection a process until gunicorn killed it 30 s later).
  - A thread that has started reading a request has REQUEST_READ_TIMEOUT_SECONDS to receive it whole,
    headers and body together: a watchdog shuts the socket of a request still arriving after that, so a
    stalled or byte-dripping client holds a thread for a bounded time, whatever it does.
  - The body is read completely (up to MAX_CONTENT_LENGTH + 1 bytes) before the app runs, so the app
    never waits on the network: it sees either the whole body, or more bytes than the limit (413, and the
    connection is closed: the rest of an oversize chunked body is never read, never evaluated).
  - SIGTERM drains: the worker stops accepting, finishes the requests in flight (uploads included) within
    GRACEFUL_TIMEOUT_SECONDS, then writes what its audit queue still holds (service/audit.py).

Why not an async worker (gevent): a stalled client would cost only a greenlet, but the rules are CPU
work and the SQLite / audit writes block, so one slow call would freeze every connection of a worker,
and the audit thread and database drivers would have to be monkey-patched. Why not waitress (which
buffers whole requests the same way): one process per server, so one core for the rules and no worker
supervision. Beyond SERVER_THREADS × workers connections stalled at the same moment, new requests wait
(at most REQUEST_READ_TIMEOUT_SECONDS); the README's production layout puts a TLS-terminating,
buffering reverse proxy in front for that reason and for TLS.

The settings are read from the environment (`PNET_CDS_<NAME>`), in the gunicorn master, before any app
exists; `gunicorn -c python:pnet_cds.serving pnet_cds.wsgi:app` applies the same settings.
"""

from __future__ import annotations

import io
import logging
import socket
import threading
import time
from typing import Mapping

from gunicorn.http.errors import NoMoreData
from gunicorn.workers.gthread import _DEFER, ThreadWorker

from .settings import load_settings

log = logging.getLogger(__name__)

BODY_CHUNK = 64 * 1024
FIRST_BYTE_WAIT_SECONDS = 0.2  # a new connection silent this long goes back to the poller (gunicorn waits 5 s)


def setting(name: str, environ: Mapping[str, str] | None = None) -> float:
    """A serving setting (service/settings.py), PNET_CDS_<name> from the environment, else its default.
    Raises SettingsError (a ValueError) naming the variable when it is not a positive number."""
    return getattr(load_settings(environ, None), name.lower())


def gunicorn_config(environ: Mapping[str, str] | None = None) -> dict:
    """The gunicorn settings of the serving model above (besides bind, workers and logging)."""
    settings = load_settings(environ)
    return {
        "worker_class": "pnet_cds.serving.ServiceWorker",
        "threads": settings.server_threads,
        "keepalive": settings.keepalive_seconds,
        "graceful_timeout": settings.graceful_timeout_seconds,
        "timeout": settings.worker_timeout_seconds,
        "worker_connections": settings.worker_connections,
        "limit_request_line": 8190,        # a request line is a method and a short path here
        "limit_request_fields": 100,
        "limit_request_field_size": 32768,  # room for a 16 KB JWT (service/auth.py MAX_TOKEN_LENGTH)
        "worker_exit": _worker_exit,
    }


def _worker_exit(_server, _worker) -> None:
    """A worker leaving (shutdown, restart): write its audit queue for a bounded time, count the rest."""
    from .audit import flush_all_writers

    flush_all_writers()


class ServiceWorker(ThreadWorker):
    """gunicorn's gthread worker with a whole-request read deadline and a fully read body (see above)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        settings = load_settings()
        self.read_timeout = settings.request_read_timeout_seconds
        self.body_limit = settings.max_content_length
        self._deadlines: dict = {}  # connection → monotonic deadline, while a thread reads its request
        self._deadlines_lock = threading.Lock()
        self.reaped = 0
        self.in_flight = 0  # connections handed to the thread pool and not yet finished (main thread only)

    def init_process(self):
        threading.Thread(target=self._watchdog, name="pnet-cds-read-deadline", daemon=True).start()
        super().init_process()

    # -- accept only what a free thread can take: a busy worker leaves new connections to the others ---

    def set_accept_enabled(self, enabled):
        super().set_accept_enabled(enabled and self.in_flight < self.cfg.threads)

    def enqueue_req(self, conn):
        self.in_flight += 1
        if self.in_flight >= self.cfg.threads:
            self.set_accept_enabled(False)
        super().enqueue_req(conn)

    def finish_request(self, conn, fs):
        self.in_flight -= 1
        try:
            super().finish_request(conn, fs)
        finally:
            self.set_accept_enabled(self.alive and self.nr_conns < self.worker_connections)

    # -- one request, read whole under a deadline --------------------------------------------------------

    def handle(self, conn):
        if not conn.initialized and not conn.data_ready and not conn.wait_for_data(FIRST_BYTE_WAIT_SECONDS):
            return _DEFER  # nothing sent yet: wait in the poller, not on a thread
        self._watch(conn, time.monotonic() + self.read_timeout)
        try:
            return super().handle(conn)
        finally:
            self._unwatch(conn)

    def handle_request(self, req, conn):
        self._buffer_body(req)
        self._unwatch(conn)  # the request is in: from here on the app's own limits apply
        return super().handle_request(req, conn)

    def _buffer_body(self, req) -> None:
        """Read the whole body now (at most limit + 1 bytes). A declared length over the limit is not
        read at all; the app answers 413 from the header. Either way an oversize request's connection
        is closed afterwards, since the rest of its body stays unread."""
        length = _declared_length(req)
        if length is not None and length > self.body_limit:
            req.must_close = True
            return
        if length == 0 and not _is_chunked(req):
            return
        if getattr(req, "_expected_100_continue", False):
            req._expected_100_continue = False
            req.unreader.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        buffer = bytearray()
        while len(buffer) <= self.body_limit:
            chunk = req.body.read(BODY_CHUNK)
            if not chunk:
                break
            buffer += chunk
        if len(buffer) > self.body_limit:
            req.must_close = True
            del buffer[self.body_limit + 1:]
        elif length is not None and len(buffer) < length:
            raise NoMoreData(b"")  # the client went away, or the read deadline cut it off: no answer, no app
        req.body = io.BytesIO(bytes(buffer))

    def _watch(self, conn, deadline: float) -> None:
        with self._deadlines_lock:
            self._deadlines[conn] = deadline

    def _unwatch(self, conn) -> None:
        with self._deadlines_lock:
            self._deadlines.pop(conn, None)

    def _watchdog(self) -> None:
        while True:
            time.sleep(0.25)
            now = time.monotonic()
            with self._deadlines_lock:
                overdue = [conn for conn, deadline in self._deadlines.items() if deadline < now]
                for conn in overdue:
                    del self._deadlines[conn]
            for conn in overdue:
                self.reaped += 1
                log.warning("closed a connection from %s that took longer than %.0f s to send its request "
                            "(%d so far in this worker)", _peer(conn), self.read_timeout, self.reaped)
                try:
                    conn.sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once; the thread is free
                except OSError:
                    pass


def _declared_length(req) -> int | None:
    for name, value in req.headers:
        if name == "CONTENT-LENGTH":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _is_chunked(req) -> bool:
    return any(name == "TRANSFER-ENCODING" and "chunked" in value.lower() for name, value in req.headers)


def _peer(conn) -> str:
    client = getattr(conn, "client", None)
    return client[0] if isinstance(client, tuple) and client else "?"


# `gunicorn -c python:pnet_cds.serving pnet_cds.wsgi:app` reads these module-level names.
_config = gunicorn_config()
worker_class = _config["worker_class"]
threads = _config["threads"]
keepalive = _config["keepalive"]
graceful_timeout = _config["graceful_timeout"]
timeout = _config["timeout"]
worker_connections = _config["worker_connections"]
limit_request_line = _config["limit_request_line"]
limit_request_fields = _config["limit_request_fields"]
limit_request_field_size = _config["limit_request_field_size"]
worker_exit = _config["worker_exit"]
