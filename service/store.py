"""The store: the only module that writes to the database (SQLAlchemy 2.x Core).

    issued_cards   card uuid → service, rule id, hookInstance, suggestion uuids, issued_at, rule and site
                   configuration versions, silent (a silent-mode finding: audited, never sent)
    feedback       one row per CDS Hooks feedback entry; unique on (card, outcome, outcomeTimestamp)
    audit          one row per hook call: who asked (issuer), what fired (and what would have, in silent
                   mode), under which rule and site configuration versions, how long, with what status;
                   the patient only as a keyed hash (HMAC-SHA256), never the id itself
    jti_seen       JWT replay cache shared by every process and host: unique on (issuer, jti)

SQLite file by default (in the Flask instance folder), PostgreSQL (psycopg 3) when `DATABASE_URL` or
`PNET_CDS_DATABASE_URL` names one. The schema is owned by Alembic (`service/migrations`): SQLite is
migrated at start-up, PostgreSQL by the operator with `pnet-cds db upgrade`.

Every database failure leaves this module as StoreUnavailable, so callers handle one exception.
"""

from __future__ import annotations

import fcntl
import logging
from contextlib import contextmanager
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from sqlalchemy import (JSON, BigInteger, Boolean, Column, DateTime, Float, Index, Integer, MetaData, String, Table,
                        Text, TypeDecorator, UniqueConstraint, create_engine, delete, event, false, select, text)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect, Engine, make_url
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError, TimeoutError
from sqlalchemy.sql.expression import Executable

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DEFAULT_FILE = "pnet-cds.db"
MIGRATION_LOCK_KEY = 0x706E6574  # "pnet": the PostgreSQL advisory lock held while migrating


class StoreUnavailable(Exception):
    """The database could not be reached or refused the operation; the message names the cause only.
    `transient` is False when the database refused this data (it will refuse it again)."""

    def __init__(self, message: str, transient: bool = True):
        super().__init__(message)
        self.transient = transient


class UtcDateTime(TypeDecorator):
    """A UTC timestamp: aware datetimes in and out on every engine (SQLite keeps no time zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


metadata = MetaData()

issued_cards = Table(
    "issued_cards", metadata,
    Column("card_uuid", String(128), primary_key=True),
    Column("service", String(128), nullable=False),
    Column("rule_id", String(128), nullable=False, index=True),
    Column("hook_instance", String(256), nullable=False),
    Column("suggestion_uuids", JSON, nullable=False),
    Column("issued_at", UtcDateTime, nullable=False, index=True),
    Column("rule_version", String(32)),       # 0002
    Column("config_version", String(64)),     # 0002
    Column("silent", Boolean, nullable=False, server_default=false()),  # 0002
    Index("ix_issued_cards_silent_rule", "silent", "rule_id"),          # 0002
)

feedback = Table(
    "feedback", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("service", String(128), nullable=False),
    Column("card_uuid", String(128), nullable=False, index=True),
    Column("outcome", String(16), nullable=False),
    Column("outcome_timestamp", UtcDateTime, nullable=False),
    Column("accepted_suggestions", JSON, nullable=False),
    Column("override_system", String(512)),
    Column("override_code", String(256)),
    Column("override_display", String(512)),
    Column("user_comment", Text),
    Column("received_at", UtcDateTime, nullable=False, index=True),
    UniqueConstraint("card_uuid", "outcome", "outcome_timestamp", name="uq_feedback_entry"),
)

audit = Table(
    "audit", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("request_id", String(128)),
    Column("service", String(128), nullable=False),
    Column("hook", String(64)),
    Column("hook_instance", String(256)),
    Column("issuer", String(512)),
    Column("patient_hash", String(64)),
    Column("rule_ids", JSON, nullable=False),
    Column("card_uuids", JSON, nullable=False),
    Column("latency_ms", Float, nullable=False),
    Column("status", Integer, nullable=False),
    Column("outcome", String(64), nullable=False),
    Column("config_version", String(64)),     # 0002
    Column("silent_rule_ids", JSON),          # 0002
    Column("rule_versions", JSON),            # 0002
)

jti_seen = Table(
    "jti_seen", metadata,
    Column("issuer", String(512), nullable=False),
    Column("jti", String(256), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
    UniqueConstraint("issuer", "jti", name="uq_jti_seen"),
)


@dataclass
class IssuedCard:
    card_uuid: str
    service: str
    rule_id: str
    hook_instance: str
    suggestion_uuids: list[str]
    issued_at: datetime
    # issue 15 (migration 0002): the versions behind the card; silent = a silent-mode finding, never sent
    rule_version: str | None = None
    config_version: str | None = None
    silent: bool = False


@dataclass
class AuditRecord:
    """One hook call, as the audit trail keeps it (no PHI: the patient only as `patient_hash`)."""

    at: datetime
    service: str
    status: int
    outcome: str
    latency_ms: float
    request_id: str | None = None
    hook: str | None = None
    hook_instance: str | None = None
    issuer: str | None = None
    patient_hash: str | None = None
    rule_ids: list[str] = field(default_factory=list)
    card_uuids: list[str] = field(default_factory=list)
    cards: list[IssuedCard] = field(default_factory=list)
    # issue 15 (migration 0002): site configuration version, rules in silent mode that would have fired,
    # and the version of every rule that fired or would have
    config_version: str | None = None
    silent_rule_ids: list[str] = field(default_factory=list)
    rule_versions: dict[str, str] = field(default_factory=dict)


@dataclass
class FeedbackEntry:
    """One validated CDS Hooks feedback entry."""

    card_uuid: str
    outcome: str
    outcome_timestamp: datetime
    accepted_suggestions: list[str] = field(default_factory=list)
    override_system: str | None = None
    override_code: str | None = None
    override_display: str | None = None
    user_comment: str | None = None


@dataclass
class FeedbackResult:
    stored: int = 0
    duplicates: int = 0
    unknown_cards: int = 0


def as_utc(value: datetime) -> datetime:
    """`value` in UTC; a naive datetime is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def normalise_url(url: str) -> str:
    """A SQLAlchemy URL that uses psycopg 3 for PostgreSQL (`postgres://` and `postgresql://` included)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def default_url(instance_path: str) -> str:
    """The zero-set-up database: a SQLite file in the instance folder (created here if missing; if it
    cannot be, the store reports itself unavailable instead of stopping start-up)."""
    try:
        os.makedirs(instance_path, exist_ok=True)
    except OSError as exc:
        log.error("cannot create the instance folder %s (%s): set DATABASE_URL", instance_path, exc.strerror)
    return f"sqlite:///{Path(instance_path) / DEFAULT_FILE}"


def safe_url(url: str) -> str:
    """The URL with its password hidden, for logs and the readiness answer."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparseable database URL)"


class Store:
    """Owns the engine; every method either does its job or raises StoreUnavailable."""

    def __init__(self, url: str, connect_timeout: float = 3.0, replay_timeout: float | None = None,
                 feedback_timeout: float | None = None):
        """`replay_timeout` / `feedback_timeout`: how long `remember_jti` / `save_feedback` wait for a
        locked database before raising StoreUnavailable (None: the engine's own, 15 s on SQLite)."""
        self.url = normalise_url(url)
        self.engine = _make_engine(self.url, connect_timeout)
        self.replay_timeout = replay_timeout
        self.feedback_timeout = feedback_timeout

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()

    # -- schema ---------------------------------------------------------------------------------

    def upgrade(self, revision: str = "head") -> None:
        """Run the Alembic migrations up to `revision`. SQLite files are locked so that several
        gunicorn workers starting together migrate once. Raises StoreUnavailable."""
        from alembic import command

        try:
            with self._migration_lock(), self.engine.begin() as connection:
                if self.dialect == "postgresql":  # several workers or hosts starting at once migrate once
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
                config = alembic_config(self.url)
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
        except SQLAlchemyError as exc:
            raise _unavailable(exc) from None

    def schema_is_current(self) -> bool:
        """True when the database is at the newest migration. Raises StoreUnavailable."""
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        heads = set(ScriptDirectory.from_config(alembic_config(self.url)).get_heads())
        try:
            with self.engine.connect() as connection:
                current = set(MigrationContext.configure(connection).get_current_heads())
        except SQLAlchemyError as exc:
            raise _unavailable(exc) from None
        return current == heads

    def ping(self) -> None:
        """Raises StoreUnavailable unless the database answers a trivial query."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise _unavailable(exc) from None

    def check_writable(self, timeout: float = 1.0) -> None:
        """Raises StoreUnavailable unless a write transaction can start within `timeout` seconds (SQLite:
        no other connection holds the write lock; PostgreSQL: not read-only, the table not locked). The
        probe deletes nothing and is rolled back."""
        try:
            with self.engine.connect() as connection:
                with _bounded(connection, self.dialect, timeout):
                    connection.execute(delete(jti_seen).where(text("1 = 0")))
                connection.rollback()
        except SQLAlchemyError as exc:
            raise _unavailable(exc) from None

    def _migration_lock(self):
        if self.dialect != "sqlite" or not self.engine.url.database or self.engine.url.database == ":memory:":
            return _NoLock()
        return _FileLock(Path(self.engine.url.database).with_suffix(".migrate.lock"))

    # -- writes ---------------------------------------------------------------------------------

    def record_calls(self, records: Iterable[AuditRecord]) -> int:
        """Write audit rows and the cards each call issued, in one transaction. Returns the number of
        audit rows written. Raises StoreUnavailable."""
        records = list(records)
        if not records:
            return 0
        audit_rows = [_audit_row(record) for record in records]
        card_rows = [card.__dict__.copy() for record in records for card in record.cards]
        try:
            with self.engine.begin() as connection:
                connection.execute(audit.insert(), audit_rows)
                if card_rows:
                    connection.execute(self._insert_ignoring_duplicates(issued_cards, ["card_uuid"]), card_rows)
        except SQLAlchemyError as exc:
            raise _unavailable(exc) from None
        return len(audit_rows)

    def save_feedback(self, service: str, entries: list[FeedbackEntry], received_at: datetime) -> FeedbackResult:
        """Store each entry once: a repeat (same card, outcome and outcomeTimestamp) is counted, not
        stored again. Returns the counts. Raises StoreUnavailable."""
        result = FeedbackResult()
        try:
            with self.engine.begin() as connection, _bounded(connection, self.dialect, self.feedback_timeout):
                for entry in entries:
                    row = {**entry.__dict__, "service": service, "received_at": received_at}
                    statement = self._insert_ignoring_duplicates(
                        feedback, ["card_uuid", "outcome", "outcome_timestamp"]).values(**row)
                    if _inserted(connection, statement, feedback.c.card_uuid):
                        result.stored += 1
                    else:
                        result.duplicates += 1
                known = _known_cards(connection, {entry.card_uuid for entry in entries})
        except SQLAlchemyError as exc:
            raise _unavailable(exc) from None
        result.unknown_cards = len({entry.card_uuid for entry in entries} - known)
        return result

    def remember_jti(self, issuer: str, jti: str, expires_at: datetime | int | float) -> bool:
        """Remember a JWT id until it expires. Returns False when (issuer, jti) was already seen and has
        not expired (a replay), True the first time. Purges expired ids. `expires_at` is a datetime or
        the JWT `exp` (seconds since the epoch). Raises StoreUnavailable: refuse the token then."""
        if isinstance(expires_at, (int, float)):
            expires_at = datetime.fromtimestamp(expires_at, tz=timezone.utc)
        now = datetime.now(timezone.utc)
        try:
            with self.engine.begin() as connection, _bounded(connection, self.dialect, self.replay_timeout):
                connection.execute(delete(jti_seen).where(jti_seen.c.expires_at < now))
                statement = self._insert_ignoring_duplicates(jti_seen, ["issuer", "jti"]).values(
                    issuer=issuer, jti=jti, expires_at=as_utc(expires_at))
                return _inserted(connection, statement, jti_seen.c.jti)
        except SQLAlchemyError as exc:
            raise _unavailable(exc) from None

    def _insert_ignoring_duplicates(self, table: Table, keys: list[str]):
        dialect_module = {"sqlite": sqlite, "postgresql": postgresql}.get(self.dialect)
        if dialect_module is None:
            raise StoreUnavailable(f"unsupported database {self.dialect!r}: use SQLite or PostgreSQL")
        return dialect_module.insert(table).on_conflict_do_nothing(index_elements=keys)

    # -- reads ----------------------------------------------------------------------------------

    def read(self, statement: Executable) -> list[Any]:
        """Rows of a SELECT built from this module's tables (the report's way in). Raises StoreUnavailable."""
        try:
            with self.engine.connect() as connection:
                return list(connection.execute(statement))
        except SQLAlchemyError as exc:
            raise _unavailable(exc) from None


def alembic_config(url: str) -> AlembicConfig:
    """An Alembic Config for this package's migrations (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _make_engine(url: str, connect_timeout: float) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args = {"connect_timeout": max(1, int(connect_timeout))} if parsed.get_backend_name() == "postgresql" else {}
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, pool_timeout=connect_timeout,
                         connect_args=connect_args)


SQLITE_BUSY_TIMEOUT_MS = 15000  # the audit writer (off the request path) may wait this long for the write lock


@contextmanager
def _bounded(connection: Connection, dialect: str, timeout: float | None):
    """Within the block, a lock wait on this connection gives up after `timeout` seconds (SQLite: the
    busy timeout, restored afterwards, since the connection goes back to the pool; PostgreSQL: lock and
    statement timeouts local to the transaction)."""
    if timeout is None:
        yield
        return
    milliseconds = max(1, int(timeout * 1000))
    if dialect == "sqlite":
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {milliseconds}")
        try:
            yield
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        return
    if dialect == "postgresql":
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {milliseconds}")
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {milliseconds}")
    yield


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the report and the feedback endpoint read while the audit writer writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _inserted(connection: Connection, statement, column) -> bool:
    """Run an INSERT .. ON CONFLICT DO NOTHING; True when it inserted the row. (RETURNING, because the
    rowcount of such a statement is -1 under psycopg 3.)"""
    return connection.execute(statement.returning(column)).first() is not None


def _audit_row(record: AuditRecord) -> dict:
    row = {key: value for key, value in record.__dict__.items() if key != "cards"}
    row["rule_ids"], row["card_uuids"] = list(record.rule_ids), list(record.card_uuids)
    row["silent_rule_ids"], row["rule_versions"] = list(record.silent_rule_ids), dict(record.rule_versions)
    return row


def _known_cards(connection: Connection, card_uuids: set[str]) -> set[str]:
    if not card_uuids:
        return set()
    rows = connection.execute(select(issued_cards.c.card_uuid).where(issued_cards.c.card_uuid.in_(card_uuids)))
    return {row[0] for row in rows}


def _unavailable(exc: SQLAlchemyError) -> StoreUnavailable:
    transient = isinstance(exc, (OperationalError, InterfaceError, TimeoutError))
    return StoreUnavailable(_reason(exc), transient=transient)


def _reason(exc: SQLAlchemyError) -> str:
    """The database error's class and first line, without SQL parameters (they may hold ids)."""
    original = getattr(exc, "orig", None) or exc
    first_line = str(original).strip().splitlines()[0] if str(original).strip() else ""
    return f"{type(original).__name__}: {first_line[:200]}"


class _NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        return False


class _FileLock:
    """An exclusive advisory lock on a file beside the SQLite database (POSIX flock)."""

    def __init__(self, path: Path):
        self.path = path
        self.handle = None

    def __enter__(self):
        try:
            self.handle = open(self.path, "a")
        except OSError as exc:
            raise StoreUnavailable(f"cannot create {self.path.name}: {exc.strerror}") from None
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *_exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()
        return False


STORE_KEY = "pnet_cds_store"


def store_of(app: Any) -> Store:
    """The store `create_app` opened for `app` (feedback, readiness, the operator commands)."""
    return app.extensions[STORE_KEY]


def open_store(url: str, connect_timeout: float, auto_migrate: bool | None, replay_timeout: float = 0.05,
               feedback_timeout: float = 2.0) -> Store:
    """The store at `url`, migrated now when `auto_migrate` (None: SQLite only). A database that is down is
    logged, not fatal: hooks still answer and /readyz says what is wrong. Raises ValueError for a malformed
    URL."""
    try:
        store = Store(url, connect_timeout=connect_timeout, replay_timeout=replay_timeout,
                      feedback_timeout=feedback_timeout)
    except Exception as exc:
        raise ValueError(f"DATABASE_URL is not a usable database URL ({safe_url(url)}): {exc}") from None
    auto = store.dialect == "sqlite" if auto_migrate is None else auto_migrate
    try:
        if auto:
            store.upgrade()
        elif not store.schema_is_current():
            log.warning("database %s is not at the current schema: run `pnet-cds db upgrade`", safe_url(store.url))
    except StoreUnavailable as exc:
        log.error("database %s unavailable at start-up: %s", safe_url(store.url), exc)
    return store
