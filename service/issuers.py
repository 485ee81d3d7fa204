"""The trusted CDS clients (JWT issuers): from the issuers file, the sandbox preset and the local
development issuer.

    PNET_CDS_ISSUERS_FILE             JSON or YAML, checked against schemas/issuers.schema.json:
                                      {"issuers": [{"iss", "jwks" | "jwks_file" | "jwks_url", "jku": [...],
                                                    "fhir_servers": [...], "tenants": [...]}]}
    PNET_CDS_TRUST_CDS_HOOKS_SANDBOX  true: also trust presets/cds-hooks-sandbox.json (public key pair!)
    PNET_CDS_DEV_ISSUER               auto (default: on when no issuers file is given) | on | off

The local development issuer (`urn:pnet-cds:local-dev`) is an ES384 key pair generated on first start into
the instance folder (`DEV_ISSUER_DIR`, private key mode 0600). It is trusted only for requests from a
loopback address, and `pnet-cds fire --url` signs its requests with it, so a fresh checkout works with
authentication on. Whoever can read that folder can sign as this issuer: it proves "someone on this
machine with access to the service's files", nothing more, which is why a deployment that names its
issuers in a file drops it unless it asks for it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import jsonschema
import jwt
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .settings import Settings, load_settings

log = logging.getLogger(__name__)

DEV_ISSUER = "urn:pnet-cds:local-dev"
SANDBOX_ISSUER = "https://sandbox.cds-hooks.org"
PRIVATE_KEY_FILE = "private-key.pem"
JWKS_FILE = "jwks.json"


class IssuerConfigError(ValueError):
    """The trusted-issuer configuration is wrong; the message says where and how to fix it."""


@dataclass(frozen=True)
class Issuer:
    """One trusted CDS client: where its keys are, which FHIR servers and tenants it may name."""

    iss: str
    jwks: dict | None = None
    jwks_url: str | None = None
    allowed_jku: tuple[str, ...] = ()
    fhir_servers: tuple[str, ...] = ()
    tenants: tuple[str, ...] | None = None
    loopback_only: bool = False


def load_trusted_issuers(settings: Settings, instance_path: str) -> dict[str, Issuer]:
    """Every trusted issuer by `iss`. Raises IssuerConfigError for a missing or invalid file."""
    issuers: dict[str, Issuer] = {}
    if settings.issuers_file:
        issuers.update(read_issuers_file(settings.issuers_file))
    if settings.trust_cds_hooks_sandbox:
        log.warning("trusting the public CDS Hooks Sandbox issuer: its private key is public; demos only")
        issuers.update(read_issuers_file(sandbox_preset_path()))
    if settings.dev_issuer_on:
        directory = dev_issuer_dir(settings, instance_path)
        try:
            issuers[DEV_ISSUER] = Issuer(iss=DEV_ISSUER, jwks=ensure_dev_key(directory)[1], loopback_only=True)
            log.info("local development issuer %s trusted from loopback; key in %s", DEV_ISSUER, directory)
        except OSError as exc:
            log.warning("local development issuer disabled: cannot write its key to %s (%s)", directory, exc)
    return issuers


def read_issuers_file(path: Path) -> dict[str, Issuer]:
    """The issuers in a JSON or YAML file. Raises IssuerConfigError naming the file and the place."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))  # YAML is a superset of JSON
    except (OSError, yaml.YAMLError) as exc:
        raise IssuerConfigError(f"issuers file {path}: cannot be read ({exc})") from None
    errors = sorted(_schema().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(top level)"
        raise IssuerConfigError(f"issuers file {path}: at {where}: {errors[0].message}. "
                                "See the README, section 'Security', for the format")
    return {entry["iss"]: _issuer(entry, path.parent) for entry in data["issuers"]}


def _issuer(entry: dict, base: Path) -> Issuer:
    jwks = entry.get("jwks")
    if entry.get("jwks_file"):
        file = (base / entry["jwks_file"]).resolve()
        try:
            jwks = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IssuerConfigError(f"issuer {entry['iss']}: jwks_file {file} cannot be read ({exc})") from None
    for key in (jwks or {}).get("keys", []):
        if "d" in key:
            raise IssuerConfigError(f"issuer {entry['iss']}: key {key.get('kid')!r} holds private key material; "
                                    "give the public JWKS only")
    tenants = entry.get("tenants")
    return Issuer(iss=entry["iss"], jwks=jwks, jwks_url=entry.get("jwks_url"), allowed_jku=tuple(entry.get("jku", [])),
                  fhir_servers=tuple(url.rstrip("/") for url in entry.get("fhir_servers", [])),
                  tenants=tuple(tenants) if tenants is not None else None)


@cache
def _schema() -> jsonschema.Draft202012Validator:
    text = resources.files("pnet_cds").joinpath("schemas/issuers.schema.json").read_text(encoding="utf-8")
    return jsonschema.Draft202012Validator(json.loads(text))


def sandbox_preset_path() -> Path:
    return Path(str(resources.files("pnet_cds").joinpath("presets/cds-hooks-sandbox.json")))


def dev_issuer_dir(settings: Settings | None = None, instance_path: str | None = None) -> Path:
    """Where the development key pair lives: DEV_ISSUER_DIR, else <instance folder>/dev-issuer (the
    instance folder of `create_app`'s app when `instance_path` is not given)."""
    settings = settings or load_settings()
    if settings.dev_issuer_dir:
        return settings.dev_issuer_dir
    if instance_path is None:
        instance_path = str(settings.instance_dir) if settings.instance_dir else default_instance_path()
    return Path(instance_path) / "dev-issuer"


def default_instance_path() -> str:
    """Flask's instance folder for the pnet_cds app (beside a checkout, or <prefix>/var/pnet_cds-instance)."""
    from flask import Flask

    return Flask("pnet_cds", instance_relative_config=True).instance_path


def ensure_dev_key(directory: Path) -> tuple[bytes, dict]:
    """The development key pair (PEM private key, public JWKS), generated on first use. Safe when several
    workers start at once: the files are written aside and linked into place atomically."""
    key_path, jwks_path = directory / PRIVATE_KEY_FILE, directory / JWKS_FILE
    if not key_path.exists():
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        private_key = ec.generate_private_key(ec.SECP384R1())
        pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
        _write_once(key_path, pem, 0o600, replace=False)  # False: another worker won the race; its key counts
    pem = key_path.read_bytes()
    private = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{key_path} is not an EC private key: delete it to have a new one generated")
    jwks = {"keys": [public_jwk(private.public_key())]}
    if not jwks_path.exists():  # for people who want to look at the public key; never read back
        _write_once(jwks_path, json.dumps(jwks, indent=2).encode(), 0o644, replace=True)
    return pem, jwks


def _write_once(path: Path, data: bytes, mode: int, replace: bool) -> bool:
    """Write `path` atomically; with replace=False only if it does not exist yet. Returns whether written."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.close(fd)
        if replace:
            os.replace(temp, path)
            return True
        try:
            os.link(temp, path)
            return True
        except FileExistsError:
            return False
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def public_jwk(public_key: ec.EllipticCurvePublicKey) -> dict:
    """The public JWK of an ES384 key, its kid the RFC 7638 thumbprint."""
    numbers = public_key.public_numbers()
    jwk = {"kty": "EC", "crv": "P-384", "x": _b64(numbers.x.to_bytes(48, "big")),
           "y": _b64(numbers.y.to_bytes(48, "big"))}
    thumbprint = hashlib.sha256(json.dumps(jwk, sort_keys=True, separators=(",", ":")).encode()).digest()
    return {**jwk, "kid": _b64(thumbprint), "use": "sig", "alg": "ES384"}


def mint_dev_token(directory: Path, audience: str, lifetime_seconds: int = 300) -> str:
    """A CDS Hooks JWT from the local development issuer for `audience` (the URL about to be called)."""
    pem, jwks = ensure_dev_key(directory)
    now = int(time.time())
    claims = {"iss": DEV_ISSUER, "aud": audience, "iat": now, "exp": now + lifetime_seconds, "jti": str(uuid.uuid4())}
    return jwt.encode(claims, pem, algorithm="ES384", headers={"typ": "JWT", "kid": jwks["keys"][0]["kid"]})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
