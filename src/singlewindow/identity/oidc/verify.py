"""Verifying the hub's tokens anywhere: a city node, an agency system, the hub itself.

No database and no call to the hub other than fetching its JWKS (``/oauth/jwks``), which is
cached and refetched when a token names a key id we do not know (rate-limited, so a flood of
tokens with made-up key ids cannot turn into a flood of requests to the hub).

Only ES256 is accepted: ``alg: none``, HMAC (``HS*``, the "public key as HMAC secret"
confusion) and every other algorithm are refused before any key is looked at.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import httpx
import jwt
from jwt import PyJWK

from singlewindow.kit import clock
from singlewindow.kit.errors import SingleWindowError, Unauthenticated

ALGORITHM = "ES256"
ACCESS_TOKEN_TYPE = "at+jwt"  # noqa: S105 - RFC 9068 token type, not a secret
ID_TOKEN_TYPE = "JWT"  # noqa: S105 - a token type, not a secret
REQUIRED_CLAIMS = ("iss", "sub", "aud", "exp", "iat")

KeyLookup = Callable[[str], PyJWK | None]


class InvalidToken(Unauthenticated):
    """The bearer token is not acceptable here (401)."""

    default_code = "invalid_token"


class JwksUnavailable(SingleWindowError):
    """The issuer's key set could not be fetched and none is cached (503)."""

    status = 503
    default_code = "jwks_unavailable"


def _invalid(code: str, message: str, message_zh: str) -> InvalidToken:
    return InvalidToken(message, message_zh, code=code)


def keys_from_jwks(jwks: Mapping[str, Any]) -> dict[str, PyJWK]:
    """kid → key for the ES256 signing keys of a JWKS document; anything else is ignored."""
    out: dict[str, PyJWK] = {}
    listed = jwks.get("keys")
    for jwk in listed if isinstance(listed, list) else []:
        if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
            continue
        if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
            continue
        if jwk.get("use", "sig") != "sig" or jwk.get("alg", ALGORITHM) != ALGORITHM:
            continue
        try:
            out[jwk["kid"]] = PyJWK(jwk, algorithm=ALGORITHM)
        except jwt.PyJWTError:
            continue
    return out


def verify_jwt(
    token: str,
    lookup: KeyLookup,
    *,
    issuer: str,
    audience: str | Sequence[str] | None,
    leeway: float,
    token_type: str | None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Verifies one compact JWS and its registered claims; returns the claims.

    ``audience`` None skips the audience check (the userinfo endpoint accepts any of the
    issuer's access tokens); a sequence accepts a token naming any one of them.
    """
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise _invalid("malformed_token", "Malformed token", "令牌格式错误") from exc
    alg = header.get("alg")
    if alg != ALGORITHM:
        raise _invalid(
            "unsupported_algorithm",
            f"Token algorithm {alg!r} is not accepted (only {ALGORITHM})",
            f"不接受令牌签名算法 {alg!r}（仅接受 {ALGORITHM}）",
        )
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise _invalid("unknown_key", "Token names no signing key", "令牌未指明签名密钥")
    if token_type is not None and _typ(header.get("typ")) != token_type.lower():
        raise _invalid(
            "wrong_token_type",
            f"Wrong token type (expected {token_type})",
            f"令牌类型错误（应为 {token_type}）",
        )
    key = lookup(kid)
    if key is None:
        raise _invalid(
            "unknown_key",
            "Token is signed with an unknown or retired key",
            "令牌的签名密钥未知或已停用",
        )
    claims = _decode(token, key, issuer=issuer, audience=audience)
    _check_times(claims, leeway, now or clock.now())
    return claims


def _typ(value: Any) -> str:
    text = str(value or "").lower()
    return text.removeprefix("application/")


def _decode(
    token: str, key: PyJWK, *, issuer: str, audience: str | Sequence[str] | None
) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=issuer,
            audience=audience,
            options={
                # Times are checked against the platform clock below (one time source).
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": audience is not None,
                "require": list(REQUIRED_CLAIMS),
            },
        )
    except jwt.InvalidSignatureError as exc:
        raise _invalid("bad_signature", "Token signature is invalid", "令牌签名无效") from exc
    except jwt.InvalidAudienceError as exc:
        raise _invalid(
            "wrong_audience", "Token is not meant for this service", "令牌的受众不是本服务"
        ) from exc
    except jwt.InvalidIssuerError as exc:
        raise _invalid("wrong_issuer", "Token is from another issuer", "令牌签发方不符") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise _invalid(
            "missing_claim", f"Token lacks the {exc.claim!r} claim", f"令牌缺少 {exc.claim!r} 声明"
        ) from exc
    except jwt.PyJWTError as exc:
        raise _invalid("invalid_token", "Token is invalid", "令牌无效") from exc
    return claims


def _check_times(claims: Mapping[str, Any], leeway: float, now: datetime) -> None:
    stamp = now.timestamp()
    values = {name: claims.get(name) for name in ("exp", "iat", "nbf")}
    for name, value in values.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise _invalid("invalid_token", f"Claim {name!r} is not a number", f"{name} 不是数字")
    exp, iat, nbf = values["exp"], values["iat"], values["nbf"]
    assert exp is not None  # required by _decode
    assert iat is not None
    if stamp >= exp + leeway:
        raise _invalid("token_expired", "Token has expired", "令牌已过期")
    if nbf is not None and stamp + leeway < nbf:
        raise _invalid("token_not_yet_valid", "Token is not valid yet", "令牌尚未生效")
    if stamp + leeway < iat:
        raise _invalid("token_not_yet_valid", "Token is issued in the future", "令牌签发时间在未来")


class TokenVerifier:
    """Verifies the hub's access and ID tokens with its published keys.

    Give either ``jwks_url`` (fetched, cached for ``cache_seconds``, refetched at most every
    ``min_refetch_seconds`` when an unknown key id appears) or a fixed ``jwks`` document.
    Thread-safe; keep one per process and issuer.
    """

    def __init__(
        self,
        issuer: str,
        *,
        audience: str | Sequence[str],
        jwks_url: str | None = None,
        jwks: Mapping[str, Any] | None = None,
        leeway: float = 30.0,
        cache_seconds: float = 300.0,
        min_refetch_seconds: float = 30.0,
        timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if (jwks_url is None) == (jwks is None):
            raise ValueError("give exactly one of jwks_url and jwks")
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.jwks_url = jwks_url
        self.leeway = leeway
        self.cache_seconds = cache_seconds
        self.min_refetch_seconds = min_refetch_seconds
        self._timeout = timeout
        self._transport = transport
        self._lock = threading.Lock()
        self._keys: dict[str, PyJWK] = keys_from_jwks(jwks) if jwks is not None else {}
        self._fetched_at: datetime | None = None
        self._attempted_at: datetime | None = None
        self.fetches = 0  # how many times the JWKS was requested (observability, tests)

    def verify_access_token(self, token: str) -> dict[str, Any]:
        return verify_jwt(
            token,
            self._key,
            issuer=self.issuer,
            audience=self.audience,
            leeway=self.leeway,
            token_type=ACCESS_TOKEN_TYPE,
        )

    def verify_id_token(
        self, token: str, *, client_id: str, nonce: str | None = None
    ) -> dict[str, Any]:
        """An ID token is for one client (``aud``); ``nonce`` must echo the one sent."""
        claims = verify_jwt(
            token,
            self._key,
            issuer=self.issuer,
            audience=client_id,
            leeway=self.leeway,
            token_type=ID_TOKEN_TYPE,
        )
        if nonce is not None and claims.get("nonce") != nonce:
            raise _invalid("wrong_nonce", "ID token nonce does not match", "身份令牌 nonce 不匹配")
        azp = claims.get("azp")
        if azp is not None and azp != client_id:
            raise _invalid(
                "wrong_audience", "ID token is for another client", "身份令牌属于其他客户端"
            )
        return claims

    def _key(self, kid: str) -> PyJWK | None:
        if self.jwks_url is None:
            return self._keys.get(kid)
        with self._lock:
            now = clock.now()
            stale = (
                self._fetched_at is None
                or (now - self._fetched_at).total_seconds() >= self.cache_seconds
            )
            unknown = kid not in self._keys
            if (stale or unknown) and self._may_fetch(now):
                self._fetch(now)
            if not self._keys and self._fetched_at is None:
                raise JwksUnavailable(
                    "The issuer's signing keys cannot be fetched", "无法获取签发方的签名公钥"
                )
            return self._keys.get(kid)

    def _may_fetch(self, now: datetime) -> bool:
        if self._attempted_at is None:
            return True
        return (now - self._attempted_at).total_seconds() >= self.min_refetch_seconds

    def _fetch(self, now: datetime) -> None:
        assert self.jwks_url is not None
        self._attempted_at = now
        self.fetches += 1
        try:
            with httpx.Client(transport=self._transport, timeout=self._timeout) as client:
                response = client.get(self.jwks_url, headers={"Accept": "application/json"})
                response.raise_for_status()
                document = response.json()
        except (httpx.HTTPError, ValueError):
            return  # keep serving the cached keys while the hub is unreachable
        if isinstance(document, dict):
            self._keys = keys_from_jwks(document)
            self._fetched_at = now
