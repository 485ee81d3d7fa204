"""The service's own browser pages (/sandbox, /dashboard): their files, and the headers every answer carries.

Plain HTML, JavaScript and CSS from the package (no CDN, works offline), under a strict Content-Security-Policy:
no inline script or style, nothing off-site, no framing.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response
from werkzeug.security import safe_join

from .errors import NotFound

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
MIMETYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


def with_page_headers(response: Response) -> Response:
    """`response` with the pages' security headers (CSP, no sniffing, no referrer, not cached)."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def page_file(directory: Path, filename: str, page: str) -> Response:
    """One of a page's files, read whole (they are small; no open file outlives the request). Raises NotFound."""
    path = safe_join(str(directory), filename)
    if path is None or not Path(path).is_file():
        raise NotFound(f"no {page} file {filename!r}")
    return Response(Path(path).read_bytes(), mimetype=MIMETYPES.get(Path(path).suffix, "application/octet-stream"))
