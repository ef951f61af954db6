"""The token endpoint's grants and revocation: code + PKCE, refresh with rotation, client
credentials (RFC 6749 §4.1, §4.4, §6; RFC 7636; RFC 7009).

Checks come first and change nothing; only an accepted request writes. The two exceptions
are deliberate (``OAuthError.keep_changes``): presenting an already-used authorization code
or an already-rotated refresh token revokes the whole grant, then fails.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from singlewindow.audit.service import record
from singlewindow.identity.oidc import clients as client_service
from singlewindow.identity.oidc import events, keys
from singlewindow.identity.oidc.enduser import subject_for_user
from singlewindow.identity.oidc.errors import (
    OAuthError,
    invalid_grant,
    invalid_request,
    invalid_scope,
)
from singlewindow.identity.oidc.models import (
    AuthorizationCode,
    OAuthClient,
    OAuthGrant,
    RefreshToken,
)
from singlewindow.identity.oidc.rules import (
    OIDC_SCOPES,
    GrantType,
    api_scopes,
    parse_scope,
    pkce_matches,
    sha256_hex,
)
from singlewindow.identity.oidc.tokens import (
    Subject,
    issue_access_token,
    issue_id_token,
    verify_locally,
)
from singlewindow.identity.oidc.verify import InvalidToken
from singlewindow.identity.roles import API_KEY_ROLES
from singlewindow.kit import clock
from singlewindow.kit.errors import Forbidden, Unauthenticated
from singlewindow.kit.settings import Settings
from singlewindow.parties.models import Party
from singlewindow.parties.schemas import PartyKind


@dataclass
class TokenSet:
    access_token: str
    expires_in: int
    scope: list[str]
    refresh_token: str | None = None
    id_token: str | None = None

    def as_body(self) -> dict[str, object]:
        body: dict[str, object] = {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": " ".join(self.scope),
        }
        if self.refresh_token is not None:
            body["refresh_token"] = self.refresh_token
        if self.id_token is not None:
            body["id_token"] = self.id_token
        return body


def revoke_grant(session: Session, grant_id: str, reason: str) -> None:
    """Revokes a grant and every refresh token of its family (idempotent)."""
    now = clock.now()
    session.execute(
        update(OAuthGrant)
        .where(OAuthGrant.id == grant_id, OAuthGrant.revoked_at.is_(None))
        .values(revoked_at=now, revoke_reason=reason)
    )
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == grant_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    grant = session.get(OAuthGrant, grant_id)
    record(
        session,
        actor=grant.client_id if grant else "oidc",
        action=events.GRANT_REVOKED,
        target_type=events.GRANT,
        target_id=grant_id,
        detail={"reason": reason, "user_id": grant.user_id if grant else None},
    )
    session.flush()


def _new_refresh_token(
    session: Session, settings: Settings, *, grant: OAuthGrant, scope: str
) -> tuple[str, RefreshToken]:
    raw = secrets.token_urlsafe(32)
    row = RefreshToken(
        token_sha256=sha256_hex(raw),
        family_id=grant.id,
        client_id=grant.client_id,
        subject=grant.user_id,
        scope=scope,
        expires_at=clock.now() + timedelta(seconds=settings.refresh_token_seconds),
    )
    session.add(row)
    session.flush()
    return raw, row


def _user_subject(session: Session, user_id: str) -> Subject:
    try:
        return subject_for_user(session, user_id)
    except (Unauthenticated, Forbidden) as exc:
        raise invalid_grant(
            f"The user can no longer sign in ({exc.code})", f"该用户已不能登录（{exc.code}）"
        ) from exc


def _user_tokens(
    session: Session,
    settings: Settings,
    client: OAuthClient,
    grant: OAuthGrant,
    subject: Subject,
    *,
    scope: list[str],
    nonce: str | None,
    refresh_token: str | None,
) -> TokenSet:
    signing_key = keys.active_key(session, settings)
    access, lifetime = issue_access_token(
        session,
        settings,
        client_id=client.client_id,
        audiences=list(client.audiences),
        subject=subject,
        scope=scope,
        grant_id=grant.id,
        key=signing_key,
    )
    id_token = None
    if "openid" in scope:
        id_token = issue_id_token(
            session,
            settings,
            client_id=client.client_id,
            subject=subject,
            scope=scope,
            auth_time=grant.auth_time,
            amr=[str(a) for a in grant.amr],
            nonce=nonce,
            key=signing_key,
        )
    record(
        session,
        actor=subject.sub,
        action=events.TOKEN_ISSUED,
        target_type=events.CLIENT,
        target_id=client.client_id,
        org=subject.org,
        detail={"grant_id": grant.id, "scope": " ".join(scope)},
    )
    return TokenSet(access, lifetime, scope, refresh_token=refresh_token, id_token=id_token)


def exchange_code(
    session: Session,
    settings: Settings,
    client: OAuthClient,
    *,
    code: str | None,
    redirect_uri: str | None,
    code_verifier: str | None,
) -> TokenSet:
    client_service.require_grant(client, GrantType.authorization_code)
    if not code:
        raise invalid_request("code is required", "缺少 code 参数")
    row = session.scalar(
        select(AuthorizationCode).where(AuthorizationCode.code_sha256 == sha256_hex(code))
    )
    if row is None or row.client_id != client.client_id:
        raise invalid_grant("Unknown authorization code", "授权码无效")
    if row.used_at is not None:
        _code_reused(session, row)
    if row.expires_at <= clock.now():
        raise invalid_grant("Authorization code has expired", "授权码已过期")
    if redirect_uri != row.redirect_uri:
        raise invalid_grant(
            "redirect_uri differs from the authorization request", "redirect_uri 与授权请求不一致"
        )
    if not code_verifier:
        raise invalid_request("code_verifier is required (PKCE)", "缺少 code_verifier 参数（PKCE）")
    if not pkce_matches(code_verifier, row.code_challenge):
        raise invalid_grant("PKCE verification failed", "PKCE 校验失败（code_verifier 不匹配）")
    subject = _user_subject(session, row.user_id)  # refuses a user deactivated meanwhile
    claimed = session.execute(
        update(AuthorizationCode)
        .where(AuthorizationCode.id == row.id, AuthorizationCode.used_at.is_(None))
        .values(used_at=clock.now())
    )
    if getattr(claimed, "rowcount", 0) != 1:  # a concurrent exchange of the same code won
        session.refresh(row)
        _code_reused(session, row)
    grant = OAuthGrant(
        client_id=client.client_id,
        user_id=subject.sub,
        scope=row.scope,
        auth_time=row.auth_time,
        amr=list(row.amr),
    )
    session.add(grant)
    session.flush()
    row.grant_id = grant.id
    refresh = None
    if GrantType.refresh_token.value in client.grant_types:
        refresh, _ = _new_refresh_token(session, settings, grant=grant, scope=row.scope)
    return _user_tokens(
        session,
        settings,
        client,
        grant,
        subject,
        scope=row.scope.split(),
        nonce=row.nonce,
        refresh_token=refresh,
    )


def _code_reused(session: Session, row: AuthorizationCode) -> None:
    if row.grant_id is not None:
        revoke_grant(session, row.grant_id, "code_reused")
    raise invalid_grant(
        "Authorization code was already used; the tokens issued from it are revoked",
        "授权码已被使用；由其签发的令牌已全部吊销",
        keep=True,
    )


def refresh(
    session: Session,
    settings: Settings,
    client: OAuthClient,
    *,
    refresh_token: str | None,
    scope: str | None,
) -> TokenSet:
    client_service.require_grant(client, GrantType.refresh_token)
    if not refresh_token:
        raise invalid_request("refresh_token is required", "缺少 refresh_token 参数")
    row = session.scalar(
        select(RefreshToken).where(RefreshToken.token_sha256 == sha256_hex(refresh_token))
    )
    if row is None or row.client_id != client.client_id:
        raise invalid_grant("Unknown refresh token", "刷新令牌无效")
    grant = session.get(OAuthGrant, row.family_id)
    if grant is None or grant.revoked_at is not None or row.revoked_at is not None:
        raise invalid_grant("Refresh token has been revoked", "刷新令牌已被吊销")
    if row.rotated_at is not None:
        _refresh_reused(session, grant)
    if row.expires_at <= clock.now():
        raise invalid_grant("Refresh token has expired", "刷新令牌已过期")
    granted = row.scope.split()
    requested = parse_scope(scope) if scope is not None else granted
    if requested is None or not requested or not set(requested) <= set(granted):
        raise invalid_scope(
            "The requested scope exceeds the original grant", "申请的权限范围超出原授权"
        )
    subject = _user_subject(session, grant.user_id)  # refuses a user deactivated meanwhile
    rotated = session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.id == row.id,
            RefreshToken.rotated_at.is_(None),
            RefreshToken.revoked_at.is_(None),
        )
        .values(rotated_at=clock.now())
    )
    if getattr(rotated, "rowcount", 0) != 1:  # used concurrently: treat as reuse
        _refresh_reused(session, grant)
    raw, new_row = _new_refresh_token(session, settings, grant=grant, scope=row.scope)
    row.replaced_by = new_row.id
    return _user_tokens(
        session, settings, client, grant, subject, scope=requested, nonce=None, refresh_token=raw
    )


def _refresh_reused(session: Session, grant: OAuthGrant) -> None:
    revoke_grant(session, grant.id, "refresh_token_reused")
    raise invalid_grant(
        "Refresh token was already used; the whole token family is revoked",
        "刷新令牌已被使用过；该令牌系列已全部吊销",
        keep=True,
    )


def client_credentials(
    session: Session, settings: Settings, client: OAuthClient, *, scope: str | None
) -> TokenSet:
    """A token for a system client acting for its party (no user, no refresh token)."""
    client_service.require_grant(client, GrantType.client_credentials)
    requested = parse_scope(scope)
    if requested is None:
        raise invalid_scope("Malformed scope", "权限范围格式错误")
    if any(name in OIDC_SCOPES for name in requested):
        raise invalid_scope(
            "openid and profile need a user: use the authorization_code grant",
            "openid 与 profile 需要用户登录，请使用授权码方式",
        )
    allowed = api_scopes([str(s) for s in client.scopes])
    requested = requested or allowed
    if not set(requested) <= set(allowed):
        raise invalid_scope(
            "Scope not allowed for this client: " + " ".join(sorted(set(requested) - set(allowed))),
            "该客户端无权申请以下权限范围：" + " ".join(sorted(set(requested) - set(allowed))),
        )
    party = session.get(Party, client.party_id) if client.party_id else None
    if party is None or not party.active:
        raise OAuthError(
            "unauthorized_client",
            "The client's party is missing or deactivated",
            "该客户端所属主体不存在或已停用",
        )
    from singlewindow.identity.cities import organisation_city

    subject = Subject(
        sub=client.client_id,
        org=party.code,
        roles=frozenset(r.value for r in API_KEY_ROLES[PartyKind(party.kind)]),
        city=organisation_city(party),
    )
    access, lifetime = issue_access_token(
        session,
        settings,
        client_id=client.client_id,
        audiences=list(client.audiences),
        subject=subject,
        scope=requested,
        grant_id=None,
    )
    record(
        session,
        actor=client.client_id,
        action=events.TOKEN_ISSUED,
        target_type=events.CLIENT,
        target_id=client.client_id,
        org=party.code,
        detail={"grant_type": "client_credentials", "scope": " ".join(requested)},
    )
    return TokenSet(access, lifetime, requested)


def revoke_token(
    session: Session, settings: Settings, client: OAuthClient, *, token: str | None
) -> None:
    """RFC 7009: revokes the grant behind a refresh or access token of this client.

    Unknown, expired or foreign tokens are ignored (the answer is 200 either way, §2.2)."""
    if not token:
        raise invalid_request("token is required", "缺少 token 参数")
    row = session.scalar(select(RefreshToken).where(RefreshToken.token_sha256 == sha256_hex(token)))
    if row is not None:
        if row.client_id == client.client_id:
            revoke_grant(session, row.family_id, "revoked_by_client")
        return
    if token.count(".") != 2:
        return
    try:
        claims = verify_locally(session, token, settings, audience=None)
    except InvalidToken:
        return
    gid = claims.get("gid")
    if claims.get("client_id") == client.client_id and isinstance(gid, str):
        revoke_grant(session, gid, "revoked_by_client")
