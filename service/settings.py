"""The service's configuration: one typed, validated `Settings`, built once by `create_app`.

    defaults (below)  →  environment variables PNET_CDS_<NAME>  →  create_app's test config {"<NAME>": ...}

Every value is parsed and checked here, at start-up; a bad one stops start-up with a SettingsError that
names the variable and says what would be accepted (like a bad card file does). Request code reads the
Settings object and never parses configuration itself. Booleans have one parser (`parse_bool`): true/false,
1/0, yes/no, on/off in any case, nothing else (`PNET_CDS_ALLOW_HTTP_FHIR=off` means off, and
`PNET_CDS_AUDIT_ENABLED=maybe` stops start-up instead of being read as "on").

Adding a setting: one field on `Settings` below (type, default, parser), one row in the README's table;
request code reads it as `current_state().settings.<name>` (or gets it passed down), never from
`app.config`, which holds only Flask's own keys (tests/test_settings.py checks both).

A leaf module: it imports nothing of ours. The README's configuration table lists the variables.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Mapping

PREFIX = "PNET_CDS_"
TRUE_WORDS = ("true", "1", "yes", "on")
FALSE_WORDS = ("false", "0", "no", "off")
AUTO = "auto"
MIB = 1024 * 1024


class SettingsError(ValueError):
    """One or more settings are invalid; the message names each variable and what it accepts."""


# -- parsers: each takes the raw value (a string from the environment, or any value from test config) ----

def parse_bool(value: object) -> bool:
    """True for true/1/yes/on, False for false/0/no/off (any case, surrounding spaces ignored); a real
    bool passes. Raises ValueError for anything else, including an empty string."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    word = value.strip().lower() if isinstance(value, str) else None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"{value!r} is not a boolean: use true/false, 1/0, yes/no or on/off")


def parse_auto_bool(value: object) -> bool | None:
    """`auto` (or None) → None, meaning "decide from the other settings"; else parse_bool."""
    if value is None or (isinstance(value, str) and value.strip().lower() == AUTO):
        return None
    try:
        return parse_bool(value)
    except ValueError:
        raise ValueError(f"{value!r} is not auto or a boolean: use auto, true/false, 1/0, yes/no or on/off") from None


def integer(minimum: int) -> Callable[[object], int]:
    def parse(value: object) -> int:
        try:
            number = int(value) if not isinstance(value, (bool, float)) else None  # type: ignore[call-overload]
        except (TypeError, ValueError):
            number = None
        if number is None or number < minimum:
            raise ValueError(f"{value!r} is not a whole number >= {minimum}")
        return number
    return parse


def positive_number(value: object) -> float:
    try:
        number = float(value) if not isinstance(value, bool) else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = None
    if number is None or not number > 0 or number == float("inf"):
        raise ValueError(f"{value!r} is not a number of seconds > 0")
    return number


def choice(*allowed: str) -> Callable[[object], str]:
    def parse(value: object) -> str:
        word = str(value).strip().lower()
        if word not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
        return word
    return parse


def optional_text(value: object) -> str | None:
    """None for an empty value, else the text (stripped)."""
    text = "" if value is None else str(value).strip()
    return text or None


def url_list(value: object) -> tuple[str, ...]:
    """A comma-separated string (or a list) of URLs / origins, trailing slashes removed."""
    items = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
    return tuple(str(item).strip().rstrip("/") for item in items if str(item).strip())


def existing_file(value: object) -> Path:
    path = Path(str(value)).expanduser()
    if not path.is_file():
        raise ValueError(f"{str(value)!r} is not a file")
    return path


def existing_dir(value: object) -> Path:
    path = Path(str(value)).expanduser()
    if not path.is_dir():
        raise ValueError(f"{str(value)!r} is not a directory")
    return path


def fixtures_dir(value: object) -> Path | None:
    """A directory of fixture Bundles, or `none` to run without the synthetic patients (the sandbox page
    and `pnet-cds fire` then say that they are switched off)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("none", "off")):
        return None
    path = existing_dir(value)
    if not any(path.glob("*.json")):
        raise ValueError(f"{str(value)!r} holds no fixture (*.json); set it to `none` to run without fixtures")
    return path


def time_zone(value: object) -> str:
    """An IANA time zone name (or UTC)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = str(value).strip()
    try:
        if name.upper() != "UTC":
            ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/Amsterdam)") from None
    return "UTC" if name.upper() == "UTC" else name


def optional_path(value: object) -> Path | None:
    text = optional_text(value)
    return Path(text).expanduser() if text else None


def injected(value: object) -> Any:
    """An object given by test config (a clock, a uuid factory, an HTTP session); never from the environment."""
    return value


def setting(default: Any, parse: Callable[[object], Any], *, env: bool = True, secret: bool = False) -> Any:
    return field(default=default, repr=not secret, metadata={"parse": parse, "env": env})


def _package_path(package: str, name: str = "") -> Path:
    return Path(str(resources.files(package).joinpath(name) if name else resources.files(package)))


@dataclass(frozen=True)
class Settings:
    """Every setting of the service, typed. Field `x` is the environment variable PNET_CDS_X."""

    # what the service serves
    hooks_file: Path = setting(_package_path("pnet_cds", "hooks.json"), existing_file)
    cards_dir: Path = setting(_package_path("pnet_cds.card_files"), existing_dir)
    fixtures_dir: Path | None = setting(_package_path("pnet_cds.fhir_fixtures"), fixtures_dir)
    sandbox: bool = setting(True, parse_bool)
    instance_dir: Path | None = setting(None, optional_path)
    time_zone: str = setting("UTC", time_zone)  # the local calendar for "calendar days" (RULES.md)
    site_config_file: Path | None = setting(None, optional_path)  # issue 15: site configuration (site_config.py)
    dashboard: bool = setting(True, parse_bool)  # issue 15: /dashboard (closed without an admin credential)
    admin_user: str = setting("committee", lambda v: optional_text(v) or "committee")
    admin_password_hash: str | None = setting(None, optional_text, secret=True)
    # request limits
    max_content_length: int = setting(20 * MIB, integer(1))  # a 10,000-result prefetch is about 7 MB
    max_prefetch_resources: int = setting(25_000, integer(1))
    max_json_depth: int = setting(64, integer(1))
    # Local policy, measured in bench/worst_case.py: each draft order costs ~3-6 ms of rule work and may
    # bring a card of its own; an order-sign of a whole chemotherapy protocol is well under 100 orders.
    max_draft_orders: int = setting(100, integer(1))
    # Local policy: more cards than this at once are not read by a clinician; the most urgent are kept.
    max_cards_per_response: int = setting(20, integer(1))
    # Measured (bench/faults.py "giant"): a 15 MB body decodes to ~150 MB of Python objects; four at once
    # pushed a worker past 400 MB. Bodies of 2 MB (~3,000 prefetched resources) and more go one at a time.
    large_request_bytes: int = setting(2 * MIB, integer(1))
    large_request_wait_seconds: float = setting(30.0, positive_number)
    # outbound FHIR
    trusted_fhir_servers: tuple[str, ...] = setting((), url_list)
    allow_http_fhir: bool = setting(False, parse_bool)
    fhir_deadline_seconds: float = setting(3.0, positive_number)
    fhir_timeout_seconds: float = setting(2.0, positive_number)
    fhir_max_pages: int = setting(10, integer(1))
    fhir_max_response_bytes: int = setting(20 * MIB, integer(1))
    fhir_validation: str = setting("lenient", choice("lenient", "strict"))  # intake.py: skip and report; strict: 400
    validation_cache_size: int = setting(50_000, integer(0))
    cors_origins: tuple[str, ...] = setting(("*",), url_list)
    # who may call (service/auth.py, service/issuers.py)
    auth: bool = setting(True, parse_bool)
    issuers_file: Path | None = setting(None, optional_path)
    trust_cds_hooks_sandbox: bool = setting(False, parse_bool)
    dev_issuer: bool | None = setting(None, parse_auto_bool)  # None: on exactly when no issuers file is set
    dev_issuer_dir: Path | None = setting(None, optional_path)
    public_base_url: str | None = setting(None, optional_text)
    jwt_leeway_seconds: int = setting(60, integer(0))
    jwt_max_lifetime_seconds: int = setting(3600, integer(1))
    jwks_timeout_seconds: float = setting(2.0, positive_number)
    jwks_cache_seconds: int = setting(3600, integer(0))
    jwks_min_refetch_seconds: int = setting(60, integer(0))
    # serving (service/serving.py: read in the gunicorn master, before any app exists)
    server_threads: int = setting(8, integer(1))  # threads per worker
    request_read_timeout_seconds: float = setting(15.0, positive_number)  # first byte of a request to its last
    keepalive_seconds: int = setting(5, integer(1))  # an idle keep-alive connection is closed after this
    graceful_timeout_seconds: int = setting(30, integer(1))  # SIGTERM: requests in flight get this long
    worker_timeout_seconds: int = setting(30, integer(1))  # a worker whose main loop is silent this long restarts
    worker_connections: int = setting(200, integer(1))  # open connections per worker (idle ones included)
    # storage, audit, logs
    database_url: str | None = setting(None, optional_text, secret=True)  # else $DATABASE_URL, else SQLite
    database_auto_migrate: bool | None = setting(None, parse_auto_bool)  # None: SQLite only
    database_connect_timeout: float = setting(3.0, positive_number)
    replay_cache_timeout_seconds: float = setting(0.05, positive_number)  # then the jti goes to process memory
    feedback_database_timeout_seconds: float = setting(2.0, positive_number)  # a locked database: then 503
    readyz_write_timeout_seconds: float = setting(0.5, positive_number)  # /readyz: "not writable" beyond it
    audit_enabled: bool = setting(True, parse_bool)
    audit_queue_size: int = setting(10_000, integer(1))
    audit_hmac_key: str | None = setting(None, optional_text, secret=True)
    log_format: str = setting("json", choice("json", "text"))
    log_level: str = setting("INFO", lambda v: choice("debug", "info", "warning", "error")(v).upper())
    # injected by tests and the in-process CLI; never read from the environment
    now: Any = setting(None, injected, env=False)
    uuid_factory: Any = setting(None, injected, env=False)
    http_session: Any = setting(None, injected, env=False)
    jti_replay_cache: Any = setting(None, injected, env=False)

    @property
    def dev_issuer_on(self) -> bool:
        """The local development issuer: as configured, or (auto) on exactly when no issuers file is set."""
        return self.dev_issuer if self.dev_issuer is not None else self.issuers_file is None


SETTING_NAMES = frozenset(f.name.upper() for f in dataclasses.fields(Settings))
# PNET_CDS_* variables that are not settings of the service: the test suite's and the tools' own switches.
NOT_SETTINGS = ("PNET_CDS_TEST_", "PNET_CDS_FUZZ_", "PNET_CDS_REQUIRE_", "PNET_CDS_WRITE_")


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """PNET_CDS_* variables that name no setting (a typo such as PNET_CDS_AUDIT_ENABLE would otherwise be
    silently ignored); create_app logs them as a warning."""
    return sorted(name for name in environ if name.startswith(PREFIX) and not name.startswith(NOT_SETTINGS)
                  and name[len(PREFIX):] not in SETTING_NAMES)


def load_settings(environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None) -> Settings:
    """The Settings from the defaults, then `environ` (PNET_CDS_*; default os.environ), then `overrides`
    (create_app's test config, keyed by upper-case name; keys that are not settings are ignored here).
    Raises SettingsError listing every invalid value with the variable's name."""
    environ = os.environ if environ is None else environ
    overrides = overrides or {}
    values, problems = {}, []
    for spec in dataclasses.fields(Settings):
        name = spec.name.upper()
        if name in overrides:
            raw, where = overrides[name], f"{name} (test config)"
        elif spec.metadata["env"] and PREFIX + name in environ:
            raw, where = environ[PREFIX + name], PREFIX + name
        else:
            continue
        try:
            values[spec.name] = spec.metadata["parse"](raw)
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
    if "database_url" not in values and environ.get("DATABASE_URL"):
        values["database_url"] = environ["DATABASE_URL"]
    if problems:
        raise SettingsError("invalid configuration (see the README, section Configuration):\n  "
                            + "\n  ".join(problems))
    return Settings(**values)
