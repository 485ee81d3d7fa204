"""The audit trail of hook calls, written off the request path.

At the end of each hook call, `call_service` hands the AuditTrail what it parsed, what the engine issued
(`(rule_id, card)` pairs) and how the call ended (`record_call`); that becomes one AuditRecord (and the
cards it issued) on a bounded queue. One background thread per process drains the queue into the store in batches. A hook
response never waits for the database: when the queue is full or the database is down, the record is
dropped, counted (`lost`, and the Prometheus counter `pnet_cds_audit_writes_lost_total`) and logged.

No PHI: the patient id is kept only as HMAC-SHA256(key, patient id); the key comes from the configuration
(`AUDIT_HMAC_KEY`) or is generated once into the instance folder.
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import logging
import os
import queue
import secrets
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol, Sequence, overload

from .metrics import AUDIT_LOST, AUDIT_WRITTEN
from .sanitise import clean_list, clean_text, utf8_for_hashing
from .store import AuditRecord, IssuedCard, Store, StoreUnavailable

log = logging.getLogger(__name__)

KEY_FILE = "audit-hmac.key"
WRITER_KEY = "pnet_cds_audit"  # app.extensions key of the AuditWriter
BATCH = 200


def patient_hash(key: bytes, patient_id: str | None) -> str | None:
    """HMAC-SHA256 of the patient id, hex; the same patient gives the same hash under one key."""
    if not patient_id:
        return None
    return hmac.new(key, utf8_for_hashing(patient_id), hashlib.sha256).hexdigest()


def load_hmac_key(configured: str | None, instance_path: str) -> bytes:
    """The configured key, else the one in the instance folder (created with 0600 on first use), else
    (a read-only instance folder) a key for this process only, with an error logged."""
    if configured:
        return configured.encode("utf-8")
    path = Path(instance_path) / KEY_FILE
    try:
        os.makedirs(instance_path, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    except OSError as exc:
        log.error("cannot write %s (%s): patient hashes will not match across processes; "
                  "set PNET_CDS_AUDIT_HMAC_KEY", path, exc.strerror)
        return secrets.token_hex(32).encode("utf-8")
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_hex(32))
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    for _ in range(50):  # another worker may be writing it this very moment
        value = path.read_text().strip()
        if value:
            return value.encode("utf-8")
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty: delete it or set PNET_CDS_AUDIT_HMAC_KEY")


class ParsedRequest(Protocol):
    """What the audit reads of a parsed hook request (hook_request.HookRequest)."""

    @property
    def hook(self) -> str: ...
    @property
    def hook_instance(self) -> str: ...
    @property
    def patient_id(self) -> str | None: ...


class AuditedEvaluation(Protocol):
    """What the audit reads of the engine's Evaluation: (rule_id, card) pairs sent and silent, versions."""

    @property
    def issued(self) -> Sequence[tuple[str, dict]]: ...
    @property
    def silent(self) -> Sequence[str]: ...
    @property
    def silent_cards(self) -> Sequence[tuple[str, dict]]: ...
    @property
    def rule_versions(self) -> dict[str, str]: ...
    @property
    def config_version(self) -> str | None: ...


def build_record(service_id: str, hook_request: ParsedRequest | None, evaluation: AuditedEvaluation | None,
                 status: int, outcome: str, latency_ms: float, key: bytes, request_id: str | None,
                 issuer: str | None, issued_at: datetime, config_version: str | None = None) -> AuditRecord:
    """The audit record of one hook call: `hook_request` is None when the call failed before it was parsed,
    `evaluation` None when it failed before the rules answered; `config_version` is the site
    configuration's version for a call that never reached the rules. Every text field is cleaned
    (service/sanitise.py) and cut to its column, so one odd request can neither lose its own row nor make
    the database refuse a batch of other callers' rows."""
    issued = evaluation.issued if evaluation is not None else []
    with_uuid = [(rule_id, card) for rule_id, card in issued if card.get("uuid")]
    record = AuditRecord(
        at=issued_at, service=clip(service_id, 128), status=status, outcome=clip(outcome, 64),
        latency_ms=round(latency_ms, 3), request_id=clip(request_id, 128), issuer=clip(issuer, 512),
        rule_ids=clean_list(list(dict.fromkeys(rule_id for rule_id, _ in issued)), 128),
        card_uuids=clean_list([card["uuid"] for _, card in with_uuid], 128),
    )
    if hook_request is not None:
        record.hook, record.hook_instance = clip(hook_request.hook, 64), clip(hook_request.hook_instance, 256)
        record.patient_hash = patient_hash(key, hook_request.patient_id)
        record.cards = [_issued(rule_id, card, record.service, hook_request.hook_instance, issued_at)
                        for rule_id, card in with_uuid]
    _note_governance(record, evaluation, config_version)
    return record


def _note_governance(record: AuditRecord, evaluation: AuditedEvaluation | None, config_version: str | None) -> None:
    """Issue 15: the site configuration's version (also on calls that never reached the rules), the rule
    versions, and the silent-mode findings, kept as cards marked silent so the report counts them per rule."""
    record.config_version = clip(evaluation.config_version if evaluation else None, 64) or clip(config_version, 64)
    if evaluation is None:
        return
    record.silent_rule_ids, record.rule_versions = list(evaluation.silent), dict(evaluation.rule_versions)
    record.cards += [_issued(rule_id, card, record.service, record.hook_instance or "", record.at, silent=True)
                     for rule_id, card in evaluation.silent_cards if card.get("uuid")]
    for card in record.cards:
        card.rule_version = clip(evaluation.rule_versions.get(card.rule_id), 32)
        card.config_version = record.config_version


@dataclass
class AuditTrail:
    """The app's audit trail: the writer, the patient-hash key, and whether it is on (AUDIT_ENABLED)."""

    writer: "AuditWriter"
    key: bytes
    enabled: bool = True

    def record_call(self, service_id: str, hook_request: ParsedRequest | None, evaluation: AuditedEvaluation | None,
                    status: int, outcome: str, latency_ms: float, request_id: str | None, issuer: str | None,
                    at: datetime, config_version: str | None = None) -> None:
        """Queue the audit record of one hook call; never raises (the audit must never fail a hook call)."""
        if not self.enabled:
            return
        try:
            self.writer.submit(build_record(service_id, hook_request, evaluation, status, outcome, latency_ms,
                                            self.key, request_id, issuer, at, config_version))
        except Exception as exc:  # the lost row is still counted
            self.writer.count_lost(1, f"the audit record could not be built ({type(exc).__name__})")


@overload
def clip(value: str, length: int) -> str: ...
@overload
def clip(value: None, length: int) -> None: ...
def clip(value: str | None, length: int) -> str | None:
    """`value` cut to its column's length, without NUL characters (PostgreSQL refuses them) or lone
    surrogates (no database can encode them), so that one odd request cannot make the database refuse
    a whole batch of audit rows."""
    return clean_text(value, length)


def _issued(rule_id: str, card: dict, service_id: str, hook_instance: str, issued_at: datetime,
            silent: bool = False) -> IssuedCard:
    return IssuedCard(card_uuid=clip(card["uuid"], 128), service=service_id, rule_id=clip(rule_id, 128),
                      hook_instance=clip(hook_instance, 256),
                      suggestion_uuids=clean_list([s["uuid"] for s in card.get("suggestions", []) if s.get("uuid")], 128),
                      issued_at=issued_at, silent=silent)


class AuditWriter:
    """A bounded queue and one background writer thread (started on demand, per process)."""

    def __init__(self, store: Store | None, maxsize: int = 10000, idle_seconds: float = 30.0):
        self.store = store
        self.queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self.idle_seconds = idle_seconds
        self.written = 0
        self.lost = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        _WRITERS.add(self)

    def submit(self, record: AuditRecord) -> bool:
        """Queue a record without waiting. Returns False (and counts the loss) when the queue is full."""
        try:
            self.queue.put_nowait(record)
        except queue.Full:
            self.count_lost(1, "the audit queue is full")
            return False
        self._ensure_thread()
        return True

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued record is written or lost. Returns False on timeout."""
        deadline = time.monotonic() + timeout
        while self.queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            self._ensure_thread()
            time.sleep(0.002)
        return True

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._pid != os.getpid():  # forked (gunicorn): the parent's thread did not come along
                self._pid, self._thread = os.getpid(), None
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="pnet-cds-audit-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                first = self.queue.get(timeout=self.idle_seconds)
            except queue.Empty:
                with self._lock:
                    if self.queue.empty():
                        self._thread = None
                        return
                continue
            batch = [first]
            while len(batch) < BATCH:
                try:
                    batch.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)

    def _write(self, batch: list[AuditRecord]) -> None:
        try:
            if self.store is None:
                raise StoreUnavailable("no database configured")
            self.written += self.store.record_calls(batch)
            AUDIT_WRITTEN.inc(len(batch))
        except StoreUnavailable as exc:
            if not exc.transient and len(batch) > 1:  # one record the database refuses: keep the others
                self._write_one_by_one(batch)
            else:
                self.count_lost(len(batch), f"the database is unavailable ({exc})")
        except Exception as exc:  # never let the writer thread die, nor one odd record sink the batch
            if len(batch) > 1:
                self._write_one_by_one(batch)
            else:
                log.error("audit write failed (%s)", type(exc).__name__)
                self.count_lost(1, f"the audit write failed ({type(exc).__name__})")
        finally:
            for _ in batch:
                self.queue.task_done()

    def _write_one_by_one(self, batch: list[AuditRecord]) -> None:
        assert self.store is not None  # _write checked it
        for record in batch:
            try:
                self.written += self.store.record_calls([record])
                AUDIT_WRITTEN.inc()
            except StoreUnavailable as exc:
                self.count_lost(1, f"the database refused the record ({exc})")
            except Exception as exc:
                self.count_lost(1, f"the audit write failed ({type(exc).__name__})")

    def abandon(self, why: str) -> int:
        """Count every record still queued as lost (and log it), without writing it. Returns the count."""
        dropped = 0
        while True:
            try:
                self.queue.get_nowait()
            except queue.Empty:
                break
            self.queue.task_done()
            dropped += 1
        if dropped:
            self.count_lost(dropped, why)
        return dropped

    def count_lost(self, count: int, why: str) -> None:
        """Count `count` records as lost (here and in pnet_cds_audit_writes_lost_total) and log why."""
        with self._lock:
            self.lost += count
            total = self.lost
        AUDIT_LOST.inc(count)
        log.warning("audit: %d record(s) lost, %d in total in this process: %s", count, total, why)


_WRITERS: weakref.WeakSet = weakref.WeakSet()


def flush_all_writers(timeout: float = 2.0) -> int:
    """At shutdown: let every writer of this process write what it holds for `timeout` seconds, then count
    and log what is left as lost (a batch the writer is storing at that moment gets one more second).
    Returns the number of records lost. Called by gunicorn's worker_exit hook and at interpreter exit."""
    lost = 0
    for writer in list(_WRITERS):
        if not writer.queue.unfinished_tasks or writer.flush(timeout=timeout):
            continue
        lost += writer.abandon("not written before the process exited")
        if not writer.flush(timeout=1.0):  # the batch being stored right now
            in_flight = writer.queue.unfinished_tasks
            writer.count_lost(in_flight, "still being written when the process exited")
            lost += in_flight
    return lost


atexit.register(flush_all_writers)
