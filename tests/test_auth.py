"""JWT authentication (service/auth.py) with authentication ON: a table of bad tokens, each refused with a
bare 401 for the right reason (the reason in the log, never the token), and good ES384 / RS384 / sandbox
tokens accepted on every endpoint under /cds-services."""

from __future__ import annotations

import json
import logging
import time

import pytest

from pnet_cds.fixtures import build_hook_request, load_fixture
from pnet_cds.auth import GENERIC_MESSAGE, AuthSettings, KeyStore, MemoryReplayCache, is_guarded
from pnet_cds.issuers import DEV_ISSUER, IssuerConfigError, Issuer, mint_dev_token, read_issuers_file

from .conftest import FIXTURES, make_app
from .jwt_helpers import (BASE, EC_KEY, EHR_ISS, EHR_JKU, FIRST_ROTATING_KEY, IMPOSTOR_EC, JKU_KEY, P256_KEY, RSA_KEY,
                          ROTATED_KEY, ROTATING_ISS, SMALL_RSA_KEY, ROTATING_JWKS_URL, SANDBOX_ISS, FakeJwksSession, claims_for,
                          hmac_signed, issuers_file, sandbox_key, sign, signed_with_other_alg, unsigned)

DISCOVERY = f"{BASE}/cds-services"
SERVICE = f"{BASE}/cds-services/pnet-patient-view"


def new_jwks_session() -> FakeJwksSession:
    return FakeJwksSession({ROTATING_JWKS_URL: {"keys": [FIRST_ROTATING_KEY.jwk()]}, EHR_JKU: {"keys": [JKU_KEY.jwk()]}})


@pytest.fixture
def jwks_session():
    return new_jwks_session()


def secure_app_with(directory, session) -> object:
    return make_app(AUTH=True, ISSUERS_FILE=str(issuers_file(directory)), TRUST_CDS_HOOKS_SANDBOX=True,
                    HTTP_SESSION=session, DEV_ISSUER_DIR=str(directory / "dev"))


@pytest.fixture(scope="module")
def secure_app(tmp_path_factory):
    """One app for the read-only tests (every token has a fresh jti, so sharing the replay cache is fine)."""
    return secure_app_with(tmp_path_factory.mktemp("auth"), new_jwks_session())


@pytest.fixture
def secure(secure_app):
    return secure_app.test_client()


def patient_view_body(app) -> dict:
    fixture = load_fixture(FIXTURES, "post-prrt-cbc-surveillance--cbc-9-months-ago")
    return build_hook_request(fixture, app.extensions["pnet_cds"].services["pnet-patient-view"])


def call(client, token: str | None, url: str = DISCOVERY, body: dict | None = None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    path = url.removeprefix(BASE)
    if body is None:
        return client.get(path, headers=headers, **kwargs)
    return client.post(path, json=body, headers=headers, **kwargs)


def _now() -> int:
    return int(time.time())


# name -> (token factory, expected reason in the log)
BAD_TOKENS = {
    "malformed": (lambda: "not-a-jwt", "malformed token"),
    "garbage segments": (lambda: "eyJhbGciOi.JFUzM4NCJ9.@@@", "malformed token"),
    "alg none": (lambda: unsigned(claims_for(DISCOVERY), {"alg": "none", "typ": "JWT", "kid": "ec-1"}),
                 "alg 'none' is not ES384 or RS384"),
    "HS256 with the public key as secret": (
        lambda: hmac_signed(claims_for(DISCOVERY), EC_KEY.public_pem()), "alg 'HS256' is not ES384 or RS384"),
    "HS384 with the public key as secret": (
        lambda: hmac_signed(claims_for(DISCOVERY), RSA_KEY.public_pem(), "HS384", "rsa-1"),
        "alg 'HS384' is not ES384 or RS384"),
    "ES256 (not on the list)": (lambda: sign(claims_for(DISCOVERY), P256_KEY), "alg 'ES256' is not ES384 or RS384"),
    "wrong signature": (lambda: sign(claims_for(DISCOVERY), IMPOSTOR_EC), "InvalidSignatureError"),
    "tampered payload": (lambda: _tampered(sign(claims_for(DISCOVERY), EC_KEY)), "InvalidSignatureError"),
    "RS384 header on an EC key": (lambda: sign(claims_for(DISCOVERY), RSA_KEY, kid="ec-1"), "does not fit alg RS384"),
    "ES384 header on a P-256 key": (lambda: signed_with_other_alg(claims_for(DISCOVERY), P256_KEY, "ES384"),
                                    "does not fit alg ES384"),
    "RS384 with a 1024-bit RSA key": (lambda: signed_with_other_alg(claims_for(DISCOVERY), SMALL_RSA_KEY, "RS384"),
                                      "InvalidKeyError"),
    "expired": (lambda: sign(claims_for(DISCOVERY, iat=_now() - 900, exp=_now() - 300), EC_KEY),
                "ExpiredSignatureError"),
    "exp absurdly far": (lambda: sign(claims_for(DISCOVERY, exp=_now() + 10 * 3600), EC_KEY), "more than 3600 s ahead"),
    "iat in the future": (lambda: sign(claims_for(DISCOVERY, iat=_now() + 600), EC_KEY), "ImmatureSignatureError"),
    "wrong aud (other host)": (lambda: sign(claims_for("https://other.example.org/cds-services"), EC_KEY),
                               "InvalidAudienceError"),
    "aud of another endpoint": (lambda: sign(claims_for(SERVICE), EC_KEY), "InvalidAudienceError"),
    "unknown iss": (lambda: sign(claims_for(DISCOVERY, iss="https://evil.example.org"), EC_KEY), "is not trusted"),
    "unknown kid": (lambda: sign(claims_for(DISCOVERY), EC_KEY, kid="no-such-kid"), "no key with kid 'no-such-kid'"),
    "jku off the allowlist": (lambda: sign(claims_for(DISCOVERY), EC_KEY, jku="https://evil.example.org/jwks.json"),
                              "is not on the allowlist"),
    "crit extension": (lambda: sign(claims_for(DISCOVERY), EC_KEY, crit=["b64"], b64=False),
                       "crit header names extensions"),
    "missing jti": (lambda: sign(claims_for(DISCOVERY, jti=None), EC_KEY), "MissingRequiredClaimError"),
    "missing exp": (lambda: sign(claims_for(DISCOVERY, exp=None), EC_KEY), "MissingRequiredClaimError"),
    "missing iat": (lambda: sign(claims_for(DISCOVERY, iat=None), EC_KEY), "MissingRequiredClaimError"),
    "missing aud": (lambda: sign(claims_for(DISCOVERY, aud=None), EC_KEY), "MissingRequiredClaimError"),
    "missing iss": (lambda: sign(claims_for(DISCOVERY, iss=None), EC_KEY), "is not trusted"),
    "missing kid": (lambda: sign(claims_for(DISCOVERY), EC_KEY, kid=None), "kid is missing"),
    "missing typ": (lambda: sign(claims_for(DISCOVERY), EC_KEY, typ=None), "typ 'None' is not JWT"),
    "typ not JWT": (lambda: sign(claims_for(DISCOVERY), EC_KEY, typ="at+jwt"), "typ 'at+jwt' is not JWT"),
    "empty jti": (lambda: sign(claims_for(DISCOVERY, jti=""), EC_KEY), "jti is not a non-empty string"),
    "tenant not allowed": (lambda: sign(claims_for(DISCOVERY, tenant="tenant-b"), EC_KEY), "tenant 'tenant-b'"),
    "sandbox key, EHR issuer": (lambda: sign(claims_for(DISCOVERY), sandbox_key()), "no key with kid"),
    "dev issuer (not trusted with an issuers file)": (
        lambda: sign(claims_for(DISCOVERY, iss=DEV_ISSUER), EC_KEY), "is not trusted"),
}


def _tampered(token: str) -> str:
    import base64

    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["tenant"] = "tenant-a "  # any change to the signed bytes
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_the_table_has_at_least_twelve_bad_tokens():
    assert len(BAD_TOKENS) >= 12


@pytest.mark.parametrize("name", list(BAD_TOKENS))
def test_bad_token_is_refused_with_a_bare_401(secure, caplog, name):
    make, reason = BAD_TOKENS[name]
    token = make()
    with caplog.at_level(logging.INFO, logger="pnet_cds"):
        response = call(secure, token)
    assert response.status_code == 401, name
    assert response.get_json() == {"error": "unauthorized", "message": GENERIC_MESSAGE}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert reason in caplog.text, caplog.text
    signature = token.split(".")[-1]
    assert token not in caplog.text and (len(signature) < 8 or signature not in caplog.text)


def test_missing_or_non_bearer_authorization_is_refused(secure, caplog):
    token = sign(claims_for(DISCOVERY), EC_KEY)
    with caplog.at_level(logging.INFO, logger="pnet_cds"):
        assert secure.get("/cds-services").status_code == 401
        assert secure.get("/cds-services", headers={"Authorization": f"Basic {token}"}).status_code == 401
    assert caplog.text.count("no Bearer token") == 2


def test_replayed_jti_is_refused(secure, caplog):
    token = sign(claims_for(DISCOVERY), EC_KEY)
    assert call(secure, token).status_code == 200
    with caplog.at_level(logging.INFO, logger="pnet_cds"):
        assert call(secure, token).status_code == 401
    assert "already used (replay)" in caplog.text


def test_same_jti_is_refused_even_in_a_newly_signed_token(secure):
    claims = claims_for(DISCOVERY)
    assert call(secure, sign(claims, EC_KEY)).status_code == 200
    assert call(secure, sign({**claims, "iat": claims["iat"] - 1}, EC_KEY)).status_code == 401


GOOD = {
    "ES384": lambda aud: sign(claims_for(aud), EC_KEY),
    "RS384": lambda aud: sign(claims_for(aud), RSA_KEY),
    "sandbox ES384 with its jku": lambda aud: sign(
        claims_for(aud, iss=SANDBOX_ISS, tenant=None), sandbox_key(), jku="https://sandbox.cds-hooks.org/.well-known/jwks.json"),
    "aud as a list": lambda aud: sign(claims_for([aud, "https://elsewhere.example.org"]), EC_KEY),
    "key from the allowed jku": lambda aud: sign(claims_for(aud), JKU_KEY, jku=EHR_JKU),
    "key from the issuer's JWKS URL": lambda aud: sign(claims_for(aud, iss=ROTATING_ISS, tenant=None), FIRST_ROTATING_KEY),
}


def guarded_endpoints(app) -> list[tuple[str, str]]:
    """(method, path) of every route under /cds-services, with real ids filled in."""
    endpoints = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/cds-services"):
            continue
        path = rule.rule.replace("<service_id>", "pnet-patient-view").replace("<id>", "pnet-patient-view")
        endpoints += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return endpoints


@pytest.mark.parametrize("kind", list(GOOD))
def test_good_token_is_accepted_on_every_endpoint(secure_app, secure, kind):
    endpoints = guarded_endpoints(secure_app)
    assert ("GET", "/cds-services") in endpoints and ("POST", "/cds-services/pnet-patient-view") in endpoints
    for method, path in endpoints:
        token = GOOD[kind](BASE + path)
        if method == "GET":
            response = call(secure, token, BASE + path)
            if path == "/cds-services":
                assert [s["id"] for s in response.get_json()["services"]][0] == "pnet-patient-view"
        elif path.endswith("/feedback"):
            response = call(secure, token, BASE + path, body={"feedback": []})
        else:
            response = call(secure, token, BASE + path, body=patient_view_body(secure_app))
            codes = [c["source"]["topic"]["code"] for c in response.get_json()["cards"]]
            assert "post-prrt-cbc-surveillance" in codes
        assert response.status_code != 401, (kind, method, path, response.get_json())


def test_every_path_under_cds_services_is_guarded_even_unknown_ones(secure):
    for path in ("/cds-services/", "/cds-services/nope", "/cds-services/pnet-patient-view/feedback",
                 "/cds-services/a/b/c"):
        assert secure.post(path, json={}).status_code == 401, path
        assert secure.get(path).status_code == 401, path


def test_guarded_paths_collapse_doubled_slashes():
    assert is_guarded("//cds-services") and is_guarded("/cds-services//x") and is_guarded("/cds-services")
    assert not is_guarded("/cds-servicesX") and not is_guarded("/healthz") and not is_guarded("/sandbox/cds-services")


def test_open_paths_and_cors_preflight_need_no_token(secure):
    assert secure.get("/healthz").get_json() == {"status": "ok"}
    assert secure.get("/openapi.json").get_json()["openapi"].startswith("3.")
    preflight = secure.options("/cds-services/pnet-patient-view", headers={
        "Origin": "https://sandbox.cds-hooks.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Content-Type"})
    assert preflight.status_code == 200
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]


def test_public_base_url_sets_the_audience(tmp_path, jwks_session):
    app = make_app(AUTH=True, ISSUERS_FILE=str(issuers_file(tmp_path)), HTTP_SESSION=jwks_session,
                   PUBLIC_BASE_URL="https://cds.example.org/")
    client = app.test_client()
    assert call(client, sign(claims_for("https://cds.example.org/cds-services"), EC_KEY)).status_code == 200
    assert call(client, sign(claims_for(DISCOVERY), EC_KEY)).status_code == 401  # the Host header does not count


def test_unknown_kid_refetches_the_jwks_url_once_then_waits(tmp_path, jwks_session):
    secure = secure_app_with(tmp_path, jwks_session).test_client()
    token = sign(claims_for(DISCOVERY, iss=ROTATING_ISS, tenant=None), FIRST_ROTATING_KEY)
    assert call(secure, token).status_code == 200
    assert jwks_session.fetches == [ROTATING_JWKS_URL]
    jwks_session.published[ROTATING_JWKS_URL] = {"keys": [FIRST_ROTATING_KEY.jwk(), ROTATED_KEY.jwk()]}
    rotated = sign(claims_for(DISCOVERY, iss=ROTATING_ISS, tenant=None), ROTATED_KEY)
    # rotation inside the rate limit window: the new key is not fetched yet
    assert call(secure, rotated).status_code == 401
    for _ in range(5):
        call(secure, sign(claims_for(DISCOVERY, iss=ROTATING_ISS, tenant=None), ROTATED_KEY, kid="made-up"))
    assert jwks_session.fetches == [ROTATING_JWKS_URL]


def test_key_store_picks_up_a_rotated_key_after_the_refetch_interval(jwks_session):
    clock = [1000.0]
    store = KeyStore(jwks_session, AuthSettings(jwks_min_refetch_seconds=60), clock=lambda: clock[0])
    issuer = Issuer(iss=ROTATING_ISS, jwks_url=ROTATING_JWKS_URL)
    assert store.find(issuer, "rot-1", None)["kid"] == "rot-1"
    jwks_session.published[ROTATING_JWKS_URL] = {"keys": [ROTATED_KEY.jwk()]}
    assert store.find(issuer, "rot-2", None) is None
    clock[0] += 61
    assert store.find(issuer, "rot-2", None)["kid"] == "rot-2"
    assert len(jwks_session.fetches) == 2
    jwks_session.published.clear()  # the JWKS URL goes down: cached keys keep working
    clock[0] += 4000
    assert store.find(issuer, "rot-2", None)["kid"] == "rot-2"


def test_memory_replay_cache_forgets_expired_jtis():
    clock = [0.0]
    cache = MemoryReplayCache(clock=lambda: clock[0], purge_at=2)
    assert cache.remember_jti("iss", "a", 10) and not cache.remember_jti("iss", "a", 10)
    assert cache.remember_jti("other-iss", "a", 10)  # jti is per issuer
    clock[0] = 11
    assert cache.remember_jti("iss", "a", 20)  # expired: the token itself can no longer pass exp


def test_dev_issuer_is_trusted_from_loopback_only(tmp_path, caplog):
    app = make_app(AUTH=True, DEV_ISSUER_DIR=str(tmp_path / "dev"))
    client = app.test_client()
    assert (tmp_path / "dev" / "private-key.pem").stat().st_mode & 0o777 == 0o600
    assert call(client, mint_dev_token(tmp_path / "dev", DISCOVERY)).status_code == 200
    with caplog.at_level(logging.INFO, logger="pnet_cds"):
        remote = call(client, mint_dev_token(tmp_path / "dev", DISCOVERY), environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert remote.status_code == 401
    assert "trusted only from loopback" in caplog.text


def test_dev_issuer_key_is_made_once_and_reused(tmp_path):
    make_app(AUTH=True, DEV_ISSUER_DIR=str(tmp_path))
    first = (tmp_path / "private-key.pem").read_bytes()
    app = make_app(AUTH=True, DEV_ISSUER_DIR=str(tmp_path))
    assert (tmp_path / "private-key.pem").read_bytes() == first
    assert call(app.test_client(), mint_dev_token(tmp_path, DISCOVERY)).status_code == 200


def test_auth_off_lets_calls_through_and_says_so_loudly(caplog, monkeypatch):
    monkeypatch.setenv("PNET_CDS_AUTH", "off")
    from pnet_cds import create_app

    with caplog.at_level(logging.WARNING, logger="pnet_cds"):
        app = create_app({"NOW": None})
    assert app.test_client().get("/cds-services").status_code == 200
    assert "AUTHENTICATION IS OFF" in caplog.text


def test_sandbox_is_not_trusted_unless_enabled(tmp_path, jwks_session):
    app = make_app(AUTH=True, ISSUERS_FILE=str(issuers_file(tmp_path)), HTTP_SESSION=jwks_session)
    token = sign(claims_for(DISCOVERY, iss=SANDBOX_ISS, tenant=None), sandbox_key())
    assert call(app.test_client(), token).status_code == 401


@pytest.mark.parametrize("content, message", [
    ({"issuers": [{"iss": "x"}]}, "at issuers/0"),
    ({"issuers": [{"iss": "x", "jwks_url": "ftp://x"}]}, "at issuers/0/jwks_url"),
    ({"issuers": [{"iss": "x", "jwks": {"keys": [{**EC_KEY.jwk(), "d": "secret"}]}}]}, "private key material"),
    ({"issuers": [{"iss": "x", "jwks_file": "missing.json"}]}, "cannot be read"),
    ({"trusted": []}, "(top level)"),
])
def test_a_wrong_issuers_file_stops_start_up_with_a_message(tmp_path, content, message):
    path = tmp_path / "issuers.yaml"
    path.write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(IssuerConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_issuers_file(path)


def test_issuers_file_may_be_yaml_with_a_jwks_file(tmp_path):
    (tmp_path / "keys.json").write_text(json.dumps({"keys": [RSA_KEY.jwk()]}), encoding="utf-8")
    (tmp_path / "issuers.yaml").write_text(
        "issuers:\n  - iss: https://yaml.example.org\n    jwks_file: keys.json\n"
        "    fhir_servers: [https://fhir.example.org/r4/]\n", encoding="utf-8")
    issuer = read_issuers_file(tmp_path / "issuers.yaml")["https://yaml.example.org"]
    assert issuer.jwks["keys"][0]["kid"] == "rsa-1"
    assert issuer.fhir_servers == ("https://fhir.example.org/r4",) and issuer.tenants is None


def test_a_dead_jwks_url_is_not_hammered(jwks_session):
    clock = [0.0]
    store = KeyStore(jwks_session, AuthSettings(jwks_min_refetch_seconds=60), clock=lambda: clock[0])
    issuer = Issuer(iss="https://down.example.org", jwks_url="https://down.example.org/jwks.json")
    for _ in range(20):
        assert store.find(issuer, "any", None) is None
    assert jwks_session.fetches == ["https://down.example.org/jwks.json"]
    clock[0] += 61
    store.find(issuer, "any", None)
    assert len(jwks_session.fetches) == 2


def test_an_oversized_jwks_is_ignored(jwks_session):
    jwks_session.published["https://big.example.org/jwks.json"] = {
        "keys": [EC_KEY.jwk()], "padding": "x" * 300_000}
    store = KeyStore(jwks_session, AuthSettings())
    assert store.find(Issuer(iss="https://big.example.org", jwks_url="https://big.example.org/jwks.json"),
                      "ec-1", None) is None


class RecordingStore:
    """Stands in for the database store: a shared replay cache that can fail."""

    def __init__(self):
        self.seen, self.down = set(), False

    def remember_jti(self, issuer, jti, expires_at):
        if self.down:
            raise ConnectionError("database down")
        if (issuer, jti) in self.seen:
            return False
        self.seen.add((issuer, jti))
        return True


def test_a_registered_shared_replay_cache_is_used_by_every_app(tmp_path, caplog):
    store = RecordingStore()
    apps = [make_app(AUTH=True, ISSUERS_FILE=str(issuers_file(tmp_path))) for _ in range(2)]
    for app in apps:  # two processes, one database
        app.extensions["pnet_cds_replay_cache"] = store
    token = sign(claims_for(DISCOVERY), EC_KEY)
    assert call(apps[0].test_client(), token).status_code == 200
    assert call(apps[1].test_client(), token).status_code == 401  # replayed against the other process
    store.down = True
    fresh = sign(claims_for(DISCOVERY), EC_KEY)
    with caplog.at_level(logging.ERROR, logger="pnet_cds"):
        assert call(apps[0].test_client(), fresh).status_code == 200
        assert call(apps[0].test_client(), fresh).status_code == 401  # the process's own memory still catches it
    assert "shared jti replay cache failed (ConnectionError)" in caplog.text


def test_verified_claims_are_kept_for_the_request(secure_app):
    from pnet_cds.auth import current_client

    token = sign(claims_for(DISCOVERY, tenant="tenant-a"), RSA_KEY)
    with secure_app.test_client() as client:
        assert call(client, token).status_code == 200
        verified = current_client()
        assert verified.claims["iss"] == EHR_ISS and verified.claims["tenant"] == "tenant-a"
        assert verified.issuer.iss == EHR_ISS and verified.jti == verified.claims["jti"]


def test_a_refused_call_goes_through_the_one_error_handler_and_the_ops_layer(secure, secure_app):
    """The 401 is raised and answered like every other error: JSON, CORS, request id, counted, audited."""
    from prometheus_client import REGISTRY

    from pnet_cds.store import audit, store_of

    labels = {"service": "pnet-patient-view", "endpoint": "cds.call_service", "status": "401"}
    before = REGISTRY.get_sample_value("pnet_cds_errors_total", labels) or 0
    response = secure.post("/cds-services/pnet-patient-view", json=patient_view_body(secure_app),
                           headers={"X-Request-Id": "refused-1", "Origin": "https://ehr.example.org"})
    assert response.status_code == 401
    assert response.get_json() == {"error": "unauthorized", "message": GENERIC_MESSAGE}
    assert response.headers["X-Request-Id"] == "refused-1"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert REGISTRY.get_sample_value("pnet_cds_errors_total", labels) == before + 1
    assert secure_app.extensions["pnet_cds_audit"].flush(timeout=10)
    [row] = store_of(secure_app).read(audit.select().where(audit.c.request_id == "refused-1"))
    assert (row.service, row.status, row.outcome, row.issuer, row.hook) == (
        "pnet-patient-view", 401, "unauthorized", None, None)
