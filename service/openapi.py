"""The service's OpenAPI 3.1 document (service/openapi.yaml), served as JSON at GET /openapi.json.

tests/test_openapi.py keeps it true: every route of the app is documented and every documented route
exists, and schemathesis checks that the answers match it.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from flask import Blueprint, Response, jsonify

bp = Blueprint("openapi", __name__)


@cache
def openapi_document() -> dict:
    """The OpenAPI document as a dict (read once)."""
    return yaml.safe_load(resources.files("service").joinpath("openapi.yaml").read_text(encoding="utf-8"))


@bp.get("/openapi.json")
def serve_openapi() -> Response:
    return jsonify(openapi_document())
