"""TokenVerifier, the library any node uses to check the hub's tokens (no database)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from singlewindow.identity.oidc.keys import thumbprint
from singlewindow.identity.oidc.verify import InvalidToken, JwksUnavailable, TokenVerifier
from tests.identity.oidc_support import ClockShift, shifted_clock

ISSUER = "https://hub.example.test"
AUDIENCE = "urn:singlewindow:node:GZ"


class Key:
    def __init__(self) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        public: dict[str, Any] = ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        self.kid = thumbprint(public)
        self.jwk = public | {"kid": self.kid, "use": "sig", "alg": "ES256"}

    def sign(self, claims: dict[str, Any], *, typ: str = "at+jwt", kid: str | None = None) -> str:
        headers = {"kid": kid or self.kid, "typ": typ}
        return jwt.encode(claims, self.private, algorithm="ES256", headers=headers)


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "user-1",
        "aud": [AUDIENCE, "urn:singlewindow:node:GD"],
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": "j1",
        "scope": "openid",
        "client_id": "gz-city",
        "org": "ORG1",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


@pytest.fixture
def key() -> Key:
    return Key()


@pytest.fixture
def verifier(key: Key) -> TokenVerifier:
    return TokenVerifier(ISSUER, jwks={"keys": [key.jwk]}, audience=AUDIENCE, leeway=30)


def _code(excinfo: pytest.ExceptionInfo[InvalidToken]) -> str:
    err = excinfo.value
    assert err.status == 401
    assert err.message
    assert err.message_zh
    return err.code


def test_accepts_a_good_token(key: Key, verifier: TokenVerifier) -> None:
    assert verifier.verify_access_token(key.sign(claims()))["sub"] == "user-1"


NOW_MINUS_31 = "<now - 31 s>"
NOW_PLUS_120 = "<now + 120 s>"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"exp": NOW_MINUS_31}, "token_expired"),
        ({"nbf": NOW_PLUS_120}, "token_not_yet_valid"),
        ({"iat": NOW_PLUS_120}, "token_not_yet_valid"),
        ({"aud": "urn:singlewindow:node:SZ"}, "wrong_audience"),
        ({"iss": "https://evil.example.test"}, "wrong_issuer"),
        ({"exp": None}, "missing_claim"),
        ({"exp": "tomorrow"}, "invalid_token"),
    ],
)
def test_refuses_bad_claims(
    key: Key, verifier: TokenVerifier, overrides: dict[str, Any], code: str
) -> None:
    # Times relative to when the test runs, not to when it was collected (minutes earlier).
    now = int(time.time())
    relative = {NOW_MINUS_31: now - 31, NOW_PLUS_120: now + 120}
    overrides = {k: relative.get(v, v) if isinstance(v, str) else v for k, v in overrides.items()}
    with pytest.raises(InvalidToken) as err:
        verifier.verify_access_token(key.sign(claims(**overrides)))
    assert _code(err) == code


def test_leeway_tolerates_small_skew(key: Key, verifier: TokenVerifier) -> None:
    assert verifier.verify_access_token(key.sign(claims(exp=int(time.time()) - 10)))


def test_refuses_a_forged_signature(key: Key, verifier: TokenVerifier) -> None:
    forger = Key()
    with pytest.raises(InvalidToken) as err:
        verifier.verify_access_token(forger.sign(claims(), kid=key.kid))
    assert _code(err) == "bad_signature"
    # A payload edited after signing.
    header, payload, signature = key.sign(claims()).split(".")
    edited = json.loads(base64.urlsafe_b64decode(payload + "=="))
    edited["org"] = "OTHER"
    forged_payload = base64.urlsafe_b64encode(json.dumps(edited).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidToken) as err:
        verifier.verify_access_token(f"{header}.{forged_payload}.{signature}")
    assert _code(err) == "bad_signature"


def test_refuses_alg_none_and_hmac(key: Key, verifier: TokenVerifier) -> None:
    unsigned = jwt.encode(claims(), None, algorithm="none", headers={"kid": key.kid})
    with pytest.raises(InvalidToken) as err:
        verifier.verify_access_token(unsigned)
    assert _code(err) == "unsupported_algorithm"
    hmac_token = jwt.encode(
        claims(),
        "a-shared-secret-of-sufficient-length-0123",
        algorithm="HS256",
        headers={"kid": key.kid, "typ": "at+jwt"},
    )
    with pytest.raises(InvalidToken) as err:
        verifier.verify_access_token(hmac_token)
    assert _code(err) == "unsupported_algorithm"


def test_refuses_unknown_or_missing_kid(key: Key, verifier: TokenVerifier) -> None:
    with pytest.raises(InvalidToken) as err:
        verifier.verify_access_token(Key().sign(claims()))
    assert _code(err) == "unknown_key"
    no_kid = jwt.encode(claims(), key.private, algorithm="ES256", headers={"typ": "at+jwt"})
    with pytest.raises(InvalidToken) as err:
        verifier.verify_access_token(no_kid)
    assert _code(err) == "unknown_key"


def test_refuses_garbage(verifier: TokenVerifier) -> None:
    for token in ("", "abc", "a.b.c", "sw_notajwt"):
        with pytest.raises(InvalidToken) as err:
            verifier.verify_access_token(token)
        assert _code(err) == "malformed_token"


def test_an_id_token_is_not_an_access_token(key: Key, verifier: TokenVerifier) -> None:
    id_token = key.sign(claims(aud="gz-city", nonce="n1"), typ="JWT")
    with pytest.raises(InvalidToken) as err:
        verifier.verify_access_token(id_token)
    assert _code(err) == "wrong_token_type"
    assert verifier.verify_id_token(id_token, client_id="gz-city", nonce="n1")["sub"] == "user-1"
    with pytest.raises(InvalidToken) as err:
        verifier.verify_id_token(id_token, client_id="gz-city", nonce="other")
    assert _code(err) == "wrong_nonce"
    with pytest.raises(InvalidToken) as err:
        verifier.verify_id_token(id_token, client_id="sz-city")
    assert _code(err) == "wrong_audience"


class JwksServer:
    """A fake hub JWKS endpoint (httpx.MockTransport) that counts requests."""

    def __init__(self, *keys: Key) -> None:
        self.keys = list(keys)
        self.requests = 0
        self.down = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert request.url.host == "hub.example.test"
        self.requests += 1
        if self.down:
            return httpx.Response(503)
        return httpx.Response(200, json={"keys": [k.jwk for k in self.keys]})

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(
            ISSUER,
            jwks_url=f"{ISSUER}/oauth/jwks",
            audience=AUDIENCE,
            transport=httpx.MockTransport(self.handler),
            min_refetch_seconds=30,
            cache_seconds=300,
        )


@pytest.fixture
def shift() -> Iterator[ClockShift]:
    with shifted_clock() as moved:
        yield moved


def test_fetches_once_and_refetches_for_a_new_kid(shift: ClockShift) -> None:
    old, new = Key(), Key()
    server = JwksServer(old)
    verifier = server.verifier()
    for _ in range(3):
        verifier.verify_access_token(old.sign(claims()))
    assert server.requests == 1

    server.keys.append(new)  # the hub publishes a next key and starts signing with it
    shift.seconds = 31
    assert verifier.verify_access_token(new.sign(claims()))
    assert server.requests == 2

    # Made-up key ids do not turn into a request each (rate limit).
    for _ in range(5):
        with pytest.raises(InvalidToken):
            verifier.verify_access_token(Key().sign(claims()))
    assert server.requests == 2


def test_rotated_out_key_fails_after_refetch(shift: ClockShift) -> None:
    old, new = Key(), Key()
    server = JwksServer(old, new)
    verifier = server.verifier()
    token = old.sign(claims())
    assert verifier.verify_access_token(token)
    server.keys = [new]  # the hub retired the old key
    shift.seconds = 301  # the cached key set has aged out
    with pytest.raises(InvalidToken) as err:
        verifier.verify_access_token(old.sign(claims()))
    assert _code(err) == "unknown_key"
    assert server.requests == 2


def test_hub_unreachable(shift: ClockShift) -> None:
    key = Key()
    server = JwksServer(key)
    server.down = True
    verifier = server.verifier()
    with pytest.raises(JwksUnavailable) as err:
        verifier.verify_access_token(key.sign(claims()))
    assert err.value.status == 503
    assert err.value.message_zh
    # Once fetched, the cached keys carry a node through an outage of the hub.
    server.down = False
    shift.seconds = 31
    assert verifier.verify_access_token(key.sign(claims()))
    server.down = True
    shift.seconds = 400
    assert verifier.verify_access_token(key.sign(claims()))


def test_ignores_keys_it_cannot_use(key: Key) -> None:
    hmac_jwk = {"kty": "oct", "kid": "h1", "k": "c2VjcmV0"}
    rsa_like = {"kty": "RSA", "kid": "r1", "n": "x", "e": "AQAB"}
    verifier = TokenVerifier(
        ISSUER, jwks={"keys": [hmac_jwk, rsa_like, "junk", key.jwk]}, audience=AUDIENCE
    )
    assert verifier.verify_access_token(key.sign(claims()))
    hs = jwt.encode(claims(), "secret", algorithm="HS256", headers={"kid": "h1"})
    with pytest.raises(InvalidToken):
        verifier.verify_access_token(hs)


def test_needs_exactly_one_key_source(key: Key) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        TokenVerifier(ISSUER, audience=AUDIENCE)
    with pytest.raises(ValueError, match="exactly one"):
        TokenVerifier(ISSUER, audience=AUDIENCE, jwks={"keys": []}, jwks_url="http://x")
