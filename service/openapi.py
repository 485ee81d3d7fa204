"""The service's OpenAPI 3.1 document (service/openapi.yaml), served as JSON at GET /openapi.json.

tests/test_openapi.py keeps it true: every route of the app is documented and every documented route
exists, and schemathesis checks that the answers match it.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import yaml
from flask import Blueprint, Response, jsonify

bp = Blueprint("openapi", __name__)


@cache
def openapi_document() -> dict:
    """The OpenAPI document as a dict (read once), with the hook request schema the service validates
    against embedded as components/schemas/HookRequest (see `embed_hook_request_schema`)."""
    document = yaml.safe_load(resources.files("pnet_cds").joinpath("openapi.yaml").read_text(encoding="utf-8"))
    schemas = document["components"]["schemas"]
    source = schemas["HookRequest"].pop("x-pnet-cds-source")
    request_schema = json.loads(resources.files("pnet_cds").joinpath(source).read_text(encoding="utf-8"))
    embed_hook_request_schema(schemas, request_schema)
    return document


def embed_hook_request_schema(schemas: dict, request_schema: dict) -> None:
    """Put the hook request schema into `schemas` as HookRequest: one alternative per hook (the schema's
    `allOf` of `if hook = X then context = XContext`, rewritten as `oneOf` over the hooks, which means the
    same for a body whose `hook` is one of the enum and is what OpenAPI tools generate data from well).
    Its $defs become HookRequest_<name>."""
    request_schema = _rewrite_refs(request_schema)
    for name, definition in request_schema.pop("$defs", {}).items():
        schemas[f"HookRequest_{name}"] = definition
    base = {k: v for k, v in request_schema.items() if k not in ("$schema", "$id", "allOf", "title")}
    variants = []
    for rule in request_schema.get("allOf", []):
        hook = rule["if"]["properties"]["hook"]["const"]
        properties = {**base["properties"], "hook": {"const": hook}, **rule["then"]["properties"]}
        variants.append({**base, "title": f"{hook} request", "properties": properties})
    schemas["HookRequest"].update({"oneOf": variants})


def _rewrite_refs(node):
    if isinstance(node, dict):
        return {key: (value.replace("#/$defs/", "#/components/schemas/HookRequest_") if key == "$ref" else
                      _rewrite_refs(value)) for key, value in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(item) for item in node]
    return node


@bp.get("/openapi.json")
def serve_openapi() -> Response:
    return jsonify(openapi_document())
