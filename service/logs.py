"""Logging: JSON lines with the request id, and redaction (a leaf module: it imports nothing of ours).

Every response carries `X-Request-Id` (the caller's, if it is a sane token, else a new one, see
`request_id_for`); every log line is one JSON object with that id. Log lines never carry tokens or
resource bodies: messages are written without them, and the formatter also masks anything shaped like a
bearer token or a JWT.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from datetime import datetime, timezone

from flask import g

LOGGER = "pnet_cds"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")
_SECRETS = [
    (re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), "[jwt redacted]"),
    (re.compile(r"(?i)\b(bearer)\s+[^\s\"',;]+"), r"\1 [redacted]"),
]


def request_id_for(incoming: str | None) -> str:
    """The caller's X-Request-Id when it is a plain token, else a new one."""
    return incoming if incoming and _REQUEST_ID.match(incoming) else uuid.uuid4().hex


def redact(text: str) -> str:
    """`text` with anything shaped like a JWT or a bearer token masked."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and a few known extras."""

    EXTRAS = ("status", "ms", "endpoint")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", None),
        }
        entry.update({key: getattr(record, key) for key in self.EXTRAS if hasattr(record, key)})
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps({key: value for key, value in entry.items() if value is not None})


class RequestIdFilter(logging.Filter):
    """Puts the current request's id (set by the ops layer on `flask.g`) on every record logged inside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            try:
                record.request_id = g.get("request_id")
            except RuntimeError:  # outside an app context
                record.request_id = None
        return True


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def configure_logging(log_format: str, level: str = "INFO") -> None:
    """JSON lines (or plain text for `text`) on stderr for the `pnet_cds` loggers, at `level`; the handler
    is added once per process."""
    logger = logging.getLogger(LOGGER)
    logger.setLevel(level)
    if any(getattr(handler, "_pnet_cds", False) for handler in logger.handlers):
        return
    handler = _StderrHandler()
    handler._pnet_cds = True  # type: ignore[attr-defined]
    handler.addFilter(RequestIdFilter())
    if log_format == "text":
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    else:
        handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
