"""Who may call: JWT authentication of CDS clients (CDS Hooks 2.0, "Trusting CDS Clients").

Every request under `/cds-services` (discovery, service calls, feedback, anything added later) must carry
`Authorization: Bearer <JWT>`; CORS preflights (`OPTIONS`) pass, since browsers send them without it.
The token is accepted only when all of these hold (PyJWT with `cryptography` does the signature):

    header   alg ES384 or RS384 (never none, never HS*), typ JWT, kid present
    iss      on the trusted list (issuers file, the local development issuer, the sandbox preset)
    jku      absent, or on that issuer's allowlist
    key      the issuer's JWK with that kid (inline, file or JWKS URL; refetched on an unknown kid,
             at most once per JWKS_MIN_REFETCH_SECONDS), of a type that matches alg
    aud      the URL being called (PUBLIC_BASE_URL + path; else the URL the request arrived at)
    exp      in the future, at most JWT_MAX_LIFETIME_SECONDS ahead (plus leeway)
    iat      present, not in the future (beyond leeway)
    jti      present and never seen before for this issuer while the token lives (ReplayCache)
    tenant   on the issuer's tenant allowlist, when it has one
    loopback the local development issuer is accepted only from 127.0.0.1 / ::1

A refusal is a bare 401 `{"error": "unauthorized", "message": "..."}` with one generic message; the reason
goes to the log with iss, kid and jti (safe to log per the CDS Hooks best practices), never the token.
A refusal is raised as errors.Unauthorized and answered by the one error handler. The verified client is
kept on `flask.g.cds_client`; the hook endpoint (service/http.py) reads it with `current_client()` and passes
what the layers below need (the issuer's FHIR servers, the issuer for the audit) down as arguments.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol

import jwt
import requests
from flask import Flask, current_app, g, request

from . import issuers as issuer_config
from .errors import Unauthorized
from .issuers import Issuer
from .settings import Settings

log = logging.getLogger(__name__)

ALGORITHMS = ("ES384", "RS384")
KEY_TYPES = {"ES384": ("EC", "P-384"), "RS384": ("RSA", None)}
GENERIC_MESSAGE = "the request is not authenticated: send a valid CDS Hooks JWT as a Bearer token"
PROTECTED_PREFIX = "/cds-services"
MAX_JTI_LENGTH = 256
MAX_TOKEN_LENGTH = 16 * 1024
MAX_JWKS_BYTES = 256 * 1024
REPLAY_CACHE_EXTENSION = "pnet_cds_replay_cache"


class AuthError(Exception):
    """A token was refused; the message is the reason for the log, never for the client."""


@dataclass(frozen=True)
class VerifiedClient:
    """The caller, once its JWT is verified: what the layers below may rely on."""

    issuer: Issuer
    tenant: str | None
    jti: str
    claims: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class AuthSettings:
    """Token policy; from app config, documented in the README."""

    leeway_seconds: int = 60
    max_lifetime_seconds: int = 3600
    public_base_url: str | None = None
    jwks_timeout_seconds: float = 2.0
    jwks_cache_seconds: int = 3600
    jwks_min_refetch_seconds: int = 60


class ReplayCache(Protocol):
    """Short-term memory of the jti values seen; shared by all processes when backed by a database."""

    def remember_jti(self, issuer: str, jti: str, expires_at: float) -> bool:
        """Record `jti` of `issuer` until `expires_at` (epoch seconds). Returns False when it was already there."""


class MemoryReplayCache:
    """A ReplayCache for one process: right for a single worker and for tests. Expired entries are purged
    as the cache grows, so its size follows the request rate times the token lifetime."""

    def __init__(self, clock: Callable[[], float] = time.time, purge_at: int = 10_000):
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._clock = clock
        self._purge_at = purge_at

    def remember_jti(self, issuer: str, jti: str, expires_at: float) -> bool:
        now = self._clock()
        with self._lock:
            if len(self._seen) >= self._purge_at:
                self._seen = {key: until for key, until in self._seen.items() if until > now}
            until = self._seen.get((issuer, jti))
            if until is not None and until > now:
                return False
            self._seen[(issuer, jti)] = expires_at
            return True


class SharedReplayCache:
    """The ReplayCache a shared store registers as `app.extensions["pnet_cds_replay_cache"]` (any object with
    `remember_jti(issuer, jti, expires_at) -> bool`, e.g. the database store), looked up at each call so the
    order of start-up does not matter.

    Every jti is also remembered in this process's memory, which answers alone while no shared store is
    registered, and for `retry_seconds` after the shared store failed (locked, down, slow: the store bounds
    its own wait, REPLAY_CACHE_TIMEOUT_SECONDS), so a hook call never waits on the database more than
    once per `retry_seconds`. The token is still fully verified; only replay detection narrows to this
    process meanwhile. A jti seen by either is a replay."""

    def __init__(self, app: Flask, local: ReplayCache | None = None, retry_seconds: float = 5.0,
                 clock: Callable[[], float] = time.monotonic):
        self._extensions = app.extensions
        self._local = local or MemoryReplayCache()
        self._retry_seconds = retry_seconds
        self._clock = clock
        self.degraded_until = 0.0

    def remember_jti(self, issuer: str, jti: str, expires_at: float) -> bool:
        new_here = self._local.remember_jti(issuer, jti, expires_at)
        shared = self._extensions.get(REPLAY_CACHE_EXTENSION)
        if shared is None or self._clock() < self.degraded_until:
            return new_here
        try:
            return shared.remember_jti(issuer, jti, expires_at) and new_here
        except Exception as exc:  # the database is locked or down: keep serving, with per-process replay checks
            self.degraded_until = self._clock() + self._retry_seconds
            log.error("shared jti replay cache failed (%s); this process's memory alone for %.0f s",
                      type(exc).__name__, self._retry_seconds)
            return new_here


class KeyStore:
    """The issuers' public keys: inline/file JWKS as given, URL JWKS fetched, cached and refetched when a
    kid is unknown (rotation), at most once per `min_refetch` seconds per URL so a stream of made-up
    kids cannot turn the service into a JWKS-fetching amplifier."""

    def __init__(self, session: requests.Session, settings: AuthSettings, clock: Callable[[], float] = time.monotonic):
        self._session = session
        self._settings = settings
        self._clock = clock
        self._cache: dict[str, tuple[float, dict | None]] = {}  # url -> (last fetch attempt, jwks)
        self._lock = threading.Lock()

    def find(self, issuer: Issuer, kid: str, jku: str | None) -> dict | None:
        """The JWK of `issuer` with `kid` (looking in `jku` only when the caller checked it is allowed)."""
        key = _key_in(issuer.jwks, kid)
        if key is not None:
            return key
        for url in [u for u in (issuer.jwks_url, jku) if u]:
            key = _key_in(self._jwks_at(url, refresh=False), kid)
            if key is None:
                key = _key_in(self._jwks_at(url, refresh=True), kid)
            if key is not None:
                return key
        return None

    def _jwks_at(self, url: str, refresh: bool) -> dict | None:
        """The JWKS at `url`: cached for JWKS_CACHE_SECONDS; fetched again early (`refresh`) but never twice
        within JWKS_MIN_REFETCH_SECONDS, and a failed fetch counts too, so a dead JWKS host is not hammered."""
        now = self._clock()
        with self._lock:
            cached = self._cache.get(url)
        if cached is not None:
            age = now - cached[0]
            if age < self._settings.jwks_min_refetch_seconds or (
                    not refresh and cached[1] is not None and age < self._settings.jwks_cache_seconds):
                return cached[1]
        jwks = self._fetch(url)
        if jwks is None and cached is not None:
            jwks = cached[1]  # keep the keys we had while the JWKS URL is failing
        with self._lock:
            self._cache[url] = (now, jwks)
        return jwks

    def _fetch(self, url: str) -> dict | None:
        try:
            with self._session.get(url, timeout=self._settings.jwks_timeout_seconds, allow_redirects=False,
                                   headers={"Accept": "application/json"}, stream=True) as response:
                if response.status_code != 200:
                    log.warning("JWKS at %s answered HTTP %s", url, response.status_code)
                    return None
                body = b""
                for chunk in response.iter_content(chunk_size=16384):
                    body += chunk
                    if len(body) > MAX_JWKS_BYTES:
                        log.warning("JWKS at %s is larger than %d bytes; ignored", url, MAX_JWKS_BYTES)
                        return None
            jwks = json.loads(body)
        except (requests.RequestException, ValueError) as exc:
            log.warning("JWKS at %s could not be fetched (%s)", url, type(exc).__name__)
            return None
        return jwks if isinstance(jwks, dict) and isinstance(jwks.get("keys"), list) else None


def _key_in(jwks: dict | None, kid: str) -> dict | None:
    for key in (jwks or {}).get("keys") or []:
        if isinstance(key, dict) and key.get("kid") == kid:
            return key
    return None


@dataclass
class Verifier:
    """Checks a CDS Hooks JWT against the trusted issuers. One per app."""

    issuers: dict[str, Issuer]
    keys: KeyStore
    replay: ReplayCache
    settings: AuthSettings = field(default_factory=AuthSettings)
    clock: Callable[[], float] = time.time

    def verify(self, token: str, audience: str, remote_addr: str | None) -> VerifiedClient:
        """The verified caller. Raises AuthError naming the first check that failed."""
        if len(token) > MAX_TOKEN_LENGTH:
            raise AuthError("token longer than %d characters" % MAX_TOKEN_LENGTH)
        header = _header_of(token)
        issuer = self._issuer_of(token)
        if issuer.loopback_only and not is_loopback(remote_addr):
            raise AuthError(f"issuer {issuer.iss!r} is trusted only from loopback, request came from {remote_addr}")
        jku = header.get("jku")
        if jku is not None and jku not in issuer.allowed_jku:
            raise AuthError(f"jku {str(jku)[:200]!r} is not on the allowlist of {issuer.iss!r}")
        jwk = self.keys.find(issuer, header["kid"], jku)
        if jwk is None:
            raise AuthError(f"no key with kid {header['kid'][:100]!r} for issuer {issuer.iss!r}")
        claims = self._claims(token, _public_key(jwk, header["alg"]), header["alg"], issuer, audience)
        tenant = claims.get("tenant")
        if issuer.tenants is not None and tenant not in issuer.tenants:
            raise AuthError(f"tenant {str(tenant)[:100]!r} is not allowed for issuer {issuer.iss!r}")
        if not self.replay.remember_jti(issuer.iss, claims["jti"], float(claims["exp"]) + self.settings.leeway_seconds):
            raise AuthError(f"jti {claims['jti']!r} of issuer {issuer.iss!r} was already used (replay)")
        return VerifiedClient(issuer=issuer, tenant=tenant if isinstance(tenant, str) else None, jti=claims["jti"],
                              claims=claims)

    def _issuer_of(self, token: str) -> Issuer:
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise AuthError(f"malformed token payload ({type(exc).__name__})") from None
        iss = unverified.get("iss")
        if not isinstance(iss, str) or iss not in self.issuers:
            raise AuthError(f"issuer {str(iss)[:200]!r} is not trusted")
        return self.issuers[iss]

    def _claims(self, token: str, key: jwt.PyJWK, alg: str, issuer: Issuer, audience: str) -> dict:
        leeway = self.settings.leeway_seconds
        try:
            claims = jwt.decode(
                token, key=key, algorithms=[alg], audience=[audience, audience + "/"], issuer=issuer.iss,
                leeway=leeway, options={"require": ["iss", "aud", "exp", "iat", "jti"],
                                        "enforce_minimum_key_length": True})
        except jwt.PyJWTError as exc:
            raise AuthError(f"token refused by PyJWT: {type(exc).__name__}: {exc}") from None
        now = self.clock()
        if not isinstance(claims["iat"], (int, float)) or claims["iat"] > now + leeway:
            raise AuthError("iat is in the future")
        if claims["exp"] > now + self.settings.max_lifetime_seconds + leeway:
            raise AuthError(f"exp is more than {self.settings.max_lifetime_seconds} s ahead")
        jti = claims["jti"]
        if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI_LENGTH:
            raise AuthError("jti is not a non-empty string of at most %d characters" % MAX_JTI_LENGTH)
        return claims


def _header_of(token: str) -> dict:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise AuthError(f"malformed token ({type(exc).__name__})") from None
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise AuthError(f"alg {str(alg)[:20]!r} is not ES384 or RS384")
    if not isinstance(header.get("typ"), str) or header["typ"].upper() != "JWT":
        raise AuthError(f"typ {str(header.get('typ'))[:20]!r} is not JWT")
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        raise AuthError("kid is missing")
    if "crit" in header:  # RFC 7515 4.1.11: extensions we do not understand must be refused
        raise AuthError("crit header names extensions this service does not support")
    if "jku" in header and not isinstance(header["jku"], str):
        raise AuthError("jku is not a string")
    return header


def _public_key(jwk: dict, alg: str) -> jwt.PyJWK:
    """The JWK as a verification key bound to `alg`. Raises AuthError when the key does not fit alg."""
    kty, crv = KEY_TYPES[alg]
    if jwk.get("kty") != kty or (crv and jwk.get("crv") != crv):
        raise AuthError(f"key {jwk.get('kid')!r} ({jwk.get('kty')} {jwk.get('crv') or ''}) does not fit alg {alg}")
    if jwk.get("alg") not in (None, alg) or jwk.get("use") not in (None, "sig") or "d" in jwk:
        raise AuthError(f"key {jwk.get('kid')!r} is not a public {alg} signing key")
    try:
        return jwt.PyJWK(jwk, algorithm=alg)
    except jwt.PyJWTError as exc:
        raise AuthError(f"key {jwk.get('kid')!r} is unusable ({type(exc).__name__})") from None


def is_loopback(address: str | None) -> bool:
    """True for 127.0.0.0/8 and ::1 (and IPv4-mapped loopback)."""
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or bool(mapped and mapped.is_loopback)


# --- the Flask side -------------------------------------------------------------------------------------


def auth_settings(settings: Settings) -> AuthSettings:
    """The token policy part of the settings."""
    base = settings.public_base_url
    return AuthSettings(
        leeway_seconds=settings.jwt_leeway_seconds, max_lifetime_seconds=settings.jwt_max_lifetime_seconds,
        public_base_url=base.rstrip("/") if base else None, jwks_timeout_seconds=settings.jwks_timeout_seconds,
        jwks_cache_seconds=settings.jwks_cache_seconds, jwks_min_refetch_seconds=settings.jwks_min_refetch_seconds)


def init_auth(app: Flask, session: requests.Session, settings: Settings) -> None:
    """Load the trusted issuers and guard every path under /cds-services. Raises IssuerConfigError when the
    issuers file is wrong. With AUTH off, logs a loud warning (unless testing) and guards nothing."""
    if not settings.auth:
        if not app.testing:
            log.warning("AUTHENTICATION IS OFF (PNET_CDS_AUTH=off / --no-auth): any caller can use this service "
                        "and direct it at its trusted FHIR servers. Use this for local work only.")
        return
    policy = auth_settings(settings)
    issuers = issuer_config.load_trusted_issuers(settings, app.instance_path)
    replay = settings.jti_replay_cache or SharedReplayCache(app)
    app.extensions["pnet_cds_auth"] = Verifier(issuers, KeyStore(session, policy), replay, policy)
    log.info("authentication on; trusted issuers: %s", ", ".join(sorted(issuers)) or "(none)")
    if not policy.public_base_url and any(not i.loopback_only for i in issuers.values()):
        log.warning("PNET_CDS_PUBLIC_BASE_URL is not set: the JWT audience is checked against the URL the "
                    "request arrived at (its Host header); set it in production")
    app.before_request(_require_jwt)


def _require_jwt() -> None:
    """Verify the caller of a guarded path. Raises Unauthorized (401, one generic message for the client;
    the reason goes to the log)."""
    path = request.path
    if request.method == "OPTIONS" or not is_guarded(path):
        return
    verifier: Verifier = current_app.extensions["pnet_cds_auth"]
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    audience = expected_audience(verifier.settings)
    try:
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("no Bearer token in the Authorization header")
        client = verifier.verify(token.strip(), audience, request.remote_addr)
    except AuthError as exc:
        log.warning("401 on %s %s: %s", request.method, path, exc)
        raise Unauthorized(GENERIC_MESSAGE) from None
    except Exception:  # a bug in verification must refuse, not let through, and not 500
        log.exception("401 on %s %s: token verification failed unexpectedly", request.method, path)
        raise Unauthorized(GENERIC_MESSAGE) from None
    g.cds_client = client
    log.info("authenticated iss=%s tenant=%r jti=%r", client.issuer.iss, (client.tenant or "-")[:100], client.jti)


def is_guarded(path: str) -> bool:
    """True for /cds-services and everything under it (with doubled slashes collapsed, as routing does)."""
    path = re.sub(r"/{2,}", "/", path)
    return path == PROTECTED_PREFIX or path.startswith(PROTECTED_PREFIX + "/")


def expected_audience(settings: AuthSettings) -> str:
    """The URL a token for this request must name as `aud`: the public base URL (or, without one, the
    URL the request arrived at) joined with the request path."""
    base = settings.public_base_url or (request.host_url.rstrip("/") + request.script_root)
    return base + request.path


def current_client() -> VerifiedClient | None:
    """The verified caller of this request, or None (auth off, or a path that is not guarded)."""
    return g.get("cds_client")


def fhir_servers_of_caller() -> tuple[str, ...]:
    """The FHIR base URLs the verified caller's issuer is trusted for (empty without a verified caller)."""
    client = current_client()
    return client.issuer.fhir_servers if client else ()
