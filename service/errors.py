"""Every error the service answers with, mapped to an HTTP status in one place.

    CdsError (500)
    ├── BadHookRequest (400)        the body is not a valid hook request; `problems` name the places
    │   └── InvalidFhirResource     a resource a rule needs does not validate as FHIR R4
    ├── Unauthorized (401)          the JWT was refused (the reason goes to the log only)
    ├── UnknownService (404)        no CDS service with that id
    ├── MethodNotAllowed (405)
    ├── PayloadTooLarge (413)
    ├── UnsupportedMediaType (415)  the body is not sent as JSON
    ├── PrefetchUnavailable (412)   data the rules need is neither prefetched nor fetchable
    ├── ServiceUnavailable (503)    a dependency (the database) is down; the client may retry
    └── FhirServerError             outbound FHIR call failed (timeout, 4xx/5xx, not FHIR JSON);
                                    never reaches a client directly: becomes PrefetchUnavailable

A problem is `{"pointer": "/context/draftOrders", "message": "..."}`: a JSON pointer (RFC 6901) into the
request body, so the integration engineer sees where the request is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar


@dataclass
class Problem:
    """One thing wrong with a request, at a JSON pointer into its body."""

    pointer: str
    message: str

    def to_json(self) -> dict:
        return {"pointer": self.pointer, "message": self.message}


@dataclass
class CdsError(Exception):
    """Base of every error the service answers with; `status` is the HTTP status."""

    message: str
    problems: list[Problem] = field(default_factory=list)
    status = 500
    kind = "internal-error"
    headers: ClassVar[tuple[tuple[str, str], ...]] = ()  # response headers the status calls for (401: WWW-Authenticate)

    def __str__(self) -> str:
        return self.message

    def to_json(self) -> dict:
        body: dict = {"error": self.kind, "message": self.message}
        if self.problems:
            body["problems"] = [problem.to_json() for problem in self.problems]
        return body


class BadHookRequest(CdsError):
    status = 400
    kind = "bad-request"


class InvalidFhirResource(BadHookRequest):
    kind = "invalid-fhir-resource"


class Unauthorized(CdsError):
    status = 401
    kind = "unauthorized"
    headers = (("WWW-Authenticate", 'Bearer realm="cds-services"'),)


class UnknownService(CdsError):
    status = 404
    kind = "unknown-service"


class NotFound(CdsError):
    status = 404
    kind = "not-found"


class MethodNotAllowed(CdsError):
    status = 405
    kind = "method-not-allowed"


class PrefetchUnavailable(CdsError):
    status = 412
    kind = "prefetch-unavailable"


class PayloadTooLarge(CdsError):
    status = 413
    kind = "payload-too-large"


class UnsupportedMediaType(CdsError):
    status = 415
    kind = "unsupported-media-type"


class ServiceUnavailable(CdsError):
    status = 503
    kind = "service-unavailable"


class FhirServerError(CdsError):
    """An outbound FHIR call failed; `patient_data` turns it into PrefetchUnavailable or a skipped key."""

    status = 502
    kind = "fhir-server-error"
