"""Pure protocol checks: scopes, redirect URIs, PKCE. No database, no HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from enum import StrEnum
from urllib.parse import urlsplit

from singlewindow.kit.errors import Finding


class ClientType(StrEnum):
    confidential = "confidential"  # has a secret: a server-side application
    public = "public"  # no secret (a browser or desktop application): PKCE only


class GrantType(StrEnum):
    authorization_code = "authorization_code"
    refresh_token = "refresh_token"  # noqa: S105 - a grant type name, not a secret
    client_credentials = "client_credentials"


# OIDC scopes understood by the provider itself; every other scope is an API scope, carried
# into the access token's ``scope`` claim (and ``Principal.scopes``) for resource servers.
OIDC_SCOPES = {
    "openid": ("OpenID Connect sign-in (ID token)", "OpenID Connect 登录（身份令牌）"),
    "profile": ("Name, username, organisation, roles", "姓名、用户名、所属单位、角色"),
}

_SCOPE = re.compile(r"^[a-z][a-z0-9_.:-]{0,63}$")
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")
_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{1,99}$")
_AUDIENCE = re.compile(r"^\S{1,200}$")


def parse_scope(raw: str | None) -> list[str] | None:
    """Space-separated scope string → unique scope names in order; None if malformed."""
    if raw is None:
        return []
    names = [part for part in raw.split(" ") if part]
    if not all(_SCOPE.match(name) for name in names):
        return None
    return list(dict.fromkeys(names))


def join_scope(names: list[str]) -> str:
    return " ".join(names)


def api_scopes(names: list[str]) -> list[str]:
    return [name for name in names if name not in OIDC_SCOPES]


def sha256_hex(value: str) -> str:
    """How codes, refresh tokens and client secrets are stored: 256-bit random values, so a
    fast hash cannot be attacked by guessing."""
    return hashlib.sha256(value.encode()).hexdigest()


def pkce_challenge_ok(challenge: str) -> bool:
    return bool(_CHALLENGE.match(challenge))


def pkce_verifier_ok(verifier: str) -> bool:
    return bool(_VERIFIER.match(verifier))


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def pkce_matches(verifier: str, challenge: str) -> bool:
    """RFC 7636 §4.6 with S256 (the only method we accept)."""
    return pkce_verifier_ok(verifier) and hmac.compare_digest(s256(verifier), challenge)


def redirect_uri_findings(uri: str, path: str) -> list[Finding]:
    """A registrable redirect URI: absolute http(s), a host, no fragment, no credentials."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        parts = None
    ok = (
        parts is not None
        and parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not parts.fragment
        and "#" not in uri
        and parts.username is None
        and len(uri) <= 2000
        and not any(c.isspace() for c in uri)
    )
    if ok:
        return []
    return [
        Finding(
            path,
            "invalid_redirect_uri",
            "A redirect URI must be an absolute http(s) URL without fragment or credentials",
            "回调地址必须是不含片段和凭据的绝对 http(s) 地址",
        )
    ]


def client_id_findings(client_id: str) -> list[Finding]:
    if _CLIENT_ID.match(client_id):
        return []
    return [
        Finding(
            "/client_id",
            "invalid_client_id",
            "client_id: 2-100 characters, letters, digits and _ . : -",
            "client_id：2 至 100 个字符，只允许字母、数字和 _ . : -",
        )
    ]


def scope_findings(scopes: list[str]) -> list[Finding]:
    return [
        Finding(
            f"/scopes/{i}",
            "invalid_scope",
            f"Scope {name!r} is not a valid scope name (lower case, digits, _ . : -)",
            f"权限范围 {name!r} 名称无效（小写字母、数字和 _ . : -）",
        )
        for i, name in enumerate(scopes)
        if not _SCOPE.match(name)
    ]


def audience_findings(audiences: list[str]) -> list[Finding]:
    return [
        Finding(
            f"/audiences/{i}",
            "invalid_audience",
            "An audience is a non-empty identifier without spaces (at most 200 characters)",
            "受众标识不能为空、不能含空格（最多 200 个字符）",
        )
        for i, aud in enumerate(audiences)
        if not _AUDIENCE.match(aud)
    ]
