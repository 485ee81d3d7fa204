"""Keys, issuers files and token minting for the authentication tests (and for anyone who needs a caller).

The CDS Hooks Sandbox private key (tests/data/cds-hooks-sandbox-ecprivkey.pem) is public on purpose; it is
used here only to sign sandbox-shaped tokens. The other keys are generated once per test session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

DATA = Path(__file__).resolve().parent / "data"
SANDBOX_ISS = "https://sandbox.cds-hooks.org"
SANDBOX_KID = "44823f3d-0b01-4a6c-a80e-b9d3e8a7226f"
EHR_ISS = "https://ehr.example.org"
ROTATING_ISS = "https://rotating.example.org"
ROTATING_JWKS_URL = "https://rotating.example.org/.well-known/jwks.json"
EHR_JKU = "https://ehr.example.org/jwks-extra.json"
BASE = "http://localhost"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Key:
    """A private key with its kid and algorithm; `jwk()` is its public JWK."""

    private: object
    kid: str
    alg: str

    def jwk(self, **extra) -> dict:
        algorithm = jwt.algorithms.ECAlgorithm if self.alg.startswith("ES") else jwt.algorithms.RSAAlgorithm
        public = json.loads(algorithm.to_jwk(self.private.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "alg": self.alg, **extra}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo)


def sandbox_key() -> Key:
    private = serialization.load_pem_private_key((DATA / "cds-hooks-sandbox-ecprivkey.pem").read_bytes(), None)
    return Key(private, SANDBOX_KID, "ES384")


EC_KEY = Key(ec.generate_private_key(ec.SECP384R1()), "ec-1", "ES384")
RSA_KEY = Key(rsa.generate_private_key(public_exponent=65537, key_size=2048), "rsa-1", "RS384")
SMALL_RSA_KEY = Key(rsa.generate_private_key(public_exponent=65537, key_size=1024), "rsa-1024", "RS384")
IMPOSTOR_EC = Key(ec.generate_private_key(ec.SECP384R1()), "ec-1", "ES384")  # same kid, other key
P256_KEY = Key(ec.generate_private_key(ec.SECP256R1()), "p256-1", "ES256")
JKU_KEY = Key(ec.generate_private_key(ec.SECP384R1()), "jku-1", "ES384")
ROTATED_KEY = Key(ec.generate_private_key(ec.SECP384R1()), "rot-2", "ES384")
FIRST_ROTATING_KEY = Key(ec.generate_private_key(ec.SECP384R1()), "rot-1", "ES384")


def issuers_file(directory: Path, fhir_servers: dict[str, list[str]] | None = None) -> Path:
    """An issuers file: EHR_ISS (inline ES384 + RS384 + P-256 + RSA-1024 keys, one jku, tenant allowlist) and ROTATING_ISS
    (keys only at a JWKS URL)."""
    servers = fhir_servers or {}
    data = {"issuers": [
        {"iss": EHR_ISS, "jwks": {"keys": [EC_KEY.jwk(), RSA_KEY.jwk(), P256_KEY.jwk(), SMALL_RSA_KEY.jwk()]}, "jku": [EHR_JKU],
         "tenants": ["tenant-a"], "fhir_servers": servers.get(EHR_ISS, [])},
        {"iss": ROTATING_ISS, "jwks_url": ROTATING_JWKS_URL, "fhir_servers": servers.get(ROTATING_ISS, [])},
    ]}
    path = directory / "issuers.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def claims_for(audience: str, iss: str = EHR_ISS, **overrides) -> dict:
    """Valid claims for `audience`; an override of None drops the claim."""
    now = int(time.time())
    claims = {"iss": iss, "aud": audience, "iat": now, "exp": now + 300, "jti": str(uuid.uuid4()), "tenant": "tenant-a"}
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def sign(claims: dict, key: Key, **header) -> str:
    """`claims` signed with `key` (header kid/typ from the key unless overridden; None drops a header)."""
    headers = {"kid": key.kid, "typ": "JWT", **header}
    pem = key.private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    token = jwt.encode(claims, pem, algorithm=header.pop("alg", key.alg),
                       headers={k: v for k, v in headers.items() if v is not None and k != "alg"})
    if headers.get("typ") is None:  # PyJWT always writes typ; rebuild the header without it
        return _resign_without_typ(token, key, claims)
    return token


def _resign_without_typ(token: str, key: Key, claims: dict) -> str:
    header = {"alg": key.alg, "kid": key.kid}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}".encode()
    algorithm = jwt.algorithms.get_default_algorithms()[key.alg]
    signature = algorithm.sign(signing_input, algorithm.prepare_key(key.private))
    return f"{signing_input.decode()}.{_b64(signature)}"


def signed_with_other_alg(claims: dict, key: Key, claimed_alg: str) -> str:
    """Signed with `key`'s own algorithm while the header claims `claimed_alg` (alg/key confusion)."""
    header = {"alg": claimed_alg, "typ": "JWT", "kid": key.kid}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}".encode()
    algorithm = jwt.algorithms.get_default_algorithms()[key.alg]
    return f"{signing_input.decode()}.{_b64(algorithm.sign(signing_input, algorithm.prepare_key(key.private)))}"


def unsigned(claims: dict, header: dict) -> str:
    """A token with the given header and an empty signature (alg none)."""
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}."


def hmac_signed(claims: dict, secret: bytes, alg: str = "HS256", kid: str = "ec-1") -> str:
    """The classic algorithm-confusion token: HMAC over the token with the public key as the secret."""
    header = {"alg": alg, "typ": "JWT", "kid": kid}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}".encode()
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384}[alg]
    return f"{signing_input.decode()}.{_b64(hmac.new(secret, signing_input, digest).digest())}"


class FakeJwksSession(requests.Session):
    """A requests.Session that answers JWKS URLs from a dict (url -> jwks) and counts the fetches; calls to
    127.0.0.1 (the fake FHIR server) go through for real."""

    def __init__(self, published: dict | None = None):
        super().__init__()
        self.published = dict(published or {})
        self.fetches: list[str] = []

    def get(self, url, **kwargs):
        if url.startswith("http://127.0.0.1:"):  # the fake FHIR server (tests/fakefhir.py): the real network
            return super().get(url, **kwargs)
        self.fetches.append(url)
        response = requests.Response()
        response.url, response._content_consumed = url, True
        if url in self.published:
            response.status_code, response._content = 200, json.dumps(self.published[url]).encode()
        else:
            response.status_code, response._content = 404, b"{}"
        return response
