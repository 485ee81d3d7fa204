"""The only place the service calls out: FHIR reads and searches against the EHR's FHIR server.

Every outbound failure (refused connection, timeout, 4xx/5xx, a body that is not FHIR JSON, a body over
the size limit, paging past the bound or the deadline) is translated here into FhirServerError, with a
message that says what happened but never the token or the response body.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests

from .errors import FhirServerError


@dataclass
class FhirClient:
    """A FHIR client bound to one base URL, one bearer token and one overall deadline (monotonic seconds).

    The `session` is passed in so tests can mount adapters or point it at a local fake server.
    """

    session: requests.Session
    base_url: str
    access_token: str | None
    deadline: float
    max_pages: int = 10
    timeout: float = 2.0
    max_bytes: int = 20 * 1024 * 1024

    def search(self, relative_url: str) -> list[dict]:
        """All resources of a search, following Bundle `next` links up to `max_pages`.

        Raises FhirServerError when a page fails or paging goes past its bound.
        """
        resources: list[dict] = []
        url = self._absolute(relative_url)
        for _ in range(self.max_pages):
            page = self.get(url)
            if page.get("resourceType") != "Bundle":
                return [page] if page.get("resourceType") != "OperationOutcome" else self._outcome(page)
            resources.extend(entry["resource"] for entry in page.get("entry") or []
                             if isinstance(entry, dict) and isinstance(entry.get("resource"), dict))
            following = next_link(page)
            if following is None:
                return resources
            url = self._absolute(following)
        raise FhirServerError(f"search paging went past {self.max_pages} pages")

    def get(self, url: str) -> dict:
        """One GET of a FHIR resource or Bundle as JSON; raises FhirServerError on any failure."""
        url = self._absolute(url)
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise FhirServerError("the request deadline passed before the FHIR server answered")
        headers = {"Accept": "application/fhir+json, application/json"}
        if self.access_token:
            headers["Authorization"] = f"Bearer {self.access_token}"
        try:
            with self.session.get(url, headers=headers, timeout=min(self.timeout, remaining),
                                  stream=True, allow_redirects=False) as response:
                if response.status_code != 200:
                    raise FhirServerError(f"the FHIR server answered HTTP {response.status_code} for {_path(url)}")
                body = self._read_capped(response)
        except requests.Timeout:
            raise FhirServerError(f"the FHIR server did not answer in time for {_path(url)}") from None
        except requests.RequestException as exc:
            raise FhirServerError(f"the FHIR server could not be reached ({type(exc).__name__})") from None
        try:
            resource = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise FhirServerError(f"the FHIR server did not send JSON for {_path(url)}") from None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise FhirServerError(f"the FHIR server sent JSON that is not a FHIR resource for {_path(url)}")
        return resource

    def _read_capped(self, response: requests.Response) -> bytes:
        chunks, size = [], 0
        for chunk in _available_chunks(response):
            size += len(chunk)
            if size > self.max_bytes:
                raise FhirServerError(f"the FHIR server response exceeded {self.max_bytes} bytes")
            if time.monotonic() > self.deadline:
                raise FhirServerError("the request deadline passed while reading the FHIR server response")
            chunks.append(chunk)
        return b"".join(chunks)

    def _absolute(self, url: str) -> str:
        absolute = urljoin(self.base_url.rstrip("/") + "/", url)
        if not same_origin_path(absolute, self.base_url):
            # A next link or reference pointing elsewhere would carry the token to another host.
            raise FhirServerError("the FHIR server pointed outside its own base URL; not followed")
        return absolute

    @staticmethod
    def _outcome(outcome: dict) -> list[dict]:
        issues = outcome.get("issue") or [{}]
        severity = issues[0].get("severity", "error") if isinstance(issues[0], dict) else "error"
        raise FhirServerError(f"the FHIR server answered with an OperationOutcome ({severity})")


def _available_chunks(response: requests.Response, size: int = 65536):
    """The body in chunks of whatever has arrived (at most `size`), so a server that drips a byte at a time
    cannot hold a read past the deadline: iter_content would wait for a full chunk, which may never come."""
    read1 = getattr(response.raw, "read1", None)  # urllib3 >= 2.3
    if read1 is None:
        yield from response.iter_content(chunk_size=1024)
        return
    while chunk := read1(size, decode_content=True):
        yield chunk


def next_link(bundle: dict) -> str | None:
    """The `next` link URL of a Bundle, or None."""
    for link in bundle.get("link") or []:
        if isinstance(link, dict) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            return link["url"]
    return None


def same_origin_path(url: str, base_url: str) -> bool:
    """True when `url` is on the same scheme, host and port as `base_url` and under its path."""
    target, base = urlsplit(url), urlsplit(base_url)
    return (target.scheme, target.netloc.lower()) == (base.scheme, base.netloc.lower()) and \
        target.path.startswith(base.path.rstrip("/"))


def _path(url: str) -> str:
    """The path of a URL without its query and with resource ids masked (`/fhir/Medication/{id}`):
    queries and ids can identify a patient; logs and errors need only the kind of call."""
    parts = urlsplit(url).path.split("/")
    masked = [("{id}" if index > 0 and parts[index - 1][:1].isupper() and part else part)
              for index, part in enumerate(parts)]
    return "/".join(masked)
