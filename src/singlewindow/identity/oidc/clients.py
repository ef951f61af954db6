"""Registered OAuth clients: create, list, delete, and authenticate at the token endpoint."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from singlewindow.audit.service import record
from singlewindow.identity.oidc import events
from singlewindow.identity.oidc.config import node_audience
from singlewindow.identity.oidc.errors import OAuthError, invalid_client
from singlewindow.identity.oidc.models import (
    AuthorizationCode,
    OAuthClient,
    OAuthGrant,
    RefreshToken,
)
from singlewindow.identity.oidc.rules import (
    ClientType,
    GrantType,
    audience_findings,
    client_id_findings,
    redirect_uri_findings,
    scope_findings,
    sha256_hex,
)
from singlewindow.kit.errors import Conflict, Finding, NotFound, ValidationFailed
from singlewindow.kit.settings import Settings
from singlewindow.parties.models import Party


@dataclass
class ClientSpec:
    client_id: str
    client_type: ClientType
    name: str = ""
    redirect_uris: list[str] = field(default_factory=list)
    grant_types: list[GrantType] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)
    party_code: str | None = None


def _spec_findings(spec: ClientSpec) -> list[Finding]:
    findings = client_id_findings(spec.client_id)
    for i, uri in enumerate(spec.redirect_uris):
        findings += redirect_uri_findings(uri, f"/redirect_uris/{i}")
    findings += scope_findings(spec.scopes) + audience_findings(spec.audiences)
    grants = set(spec.grant_types)
    if not grants:
        findings.append(
            _finding(
                "/grant_types", "no_grant", "Give at least one grant type", "至少指定一种授权方式"
            )
        )
    if GrantType.authorization_code in grants:
        if not spec.redirect_uris:
            findings.append(
                _finding(
                    "/redirect_uris",
                    "redirect_uri_required",
                    "The authorization_code grant needs a redirect URI",
                    "授权码方式必须登记回调地址",
                )
            )
        if "openid" not in spec.scopes:
            findings.append(
                _finding(
                    "/scopes",
                    "openid_required",
                    "A sign-in client needs the openid scope",
                    "登录客户端必须包含 openid 权限范围",
                )
            )
    if GrantType.refresh_token in grants and GrantType.authorization_code not in grants:
        findings.append(
            _finding(
                "/grant_types",
                "refresh_without_code",
                "refresh_token is only issued with authorization_code",
                "refresh_token 只能与授权码方式同时使用",
            )
        )
    if GrantType.client_credentials in grants:
        if spec.client_type == ClientType.public:
            findings.append(
                _finding(
                    "/grant_types",
                    "public_client_credentials",
                    "A public client cannot use client_credentials",
                    "公开客户端不能使用客户端凭据方式",
                )
            )
        if spec.party_code is None:
            findings.append(
                _finding(
                    "/party",
                    "party_required",
                    "A client_credentials client acts for a party: give its party code",
                    "客户端凭据方式代表某一主体，必须指定主体代码",
                )
            )
    return findings


def _finding(path: str, code: str, en: str, zh: str) -> Finding:
    return Finding(path, code, en, zh)


def create_client(
    session: Session, spec: ClientSpec, settings: Settings, *, actor: str = "console"
) -> tuple[OAuthClient, str | None]:
    """Registers a client; a confidential client's secret is returned once, never stored."""
    findings = _spec_findings(spec)
    party: Party | None = None
    if spec.party_code is not None:
        party = session.scalar(select(Party).where(Party.code == spec.party_code))
        if party is None:
            findings.append(
                _finding(
                    "/party",
                    "party_not_found",
                    f"Party {spec.party_code} not found",
                    f"未找到主体 {spec.party_code}",
                )
            )
    if findings:
        raise ValidationFailed(
            "Invalid client registration", "客户端登记信息无效", findings=findings
        )
    if session.scalar(select(OAuthClient.id).where(OAuthClient.client_id == spec.client_id)):
        raise Conflict(
            f"Client {spec.client_id} already exists",
            f"客户端 {spec.client_id} 已存在",
            code="client_exists",
        )
    secret = secrets.token_urlsafe(32) if spec.client_type == ClientType.confidential else None
    client = OAuthClient(
        client_id=spec.client_id,
        name=spec.name,
        client_type=spec.client_type.value,
        secret_sha256=sha256_hex(secret) if secret else None,
        redirect_uris=list(dict.fromkeys(spec.redirect_uris)),
        grant_types=[g.value for g in dict.fromkeys(spec.grant_types)],
        scopes=list(dict.fromkeys(spec.scopes)),
        audiences=list(dict.fromkeys(spec.audiences)) or [node_audience(settings)],
        party_id=party.id if party else None,
    )
    session.add(client)
    session.flush()
    record(
        session,
        actor=actor,
        action=events.CLIENT_CREATED,
        target_type=events.CLIENT,
        target_id=client.client_id,
        detail={
            "client_type": client.client_type,
            "redirect_uris": client.redirect_uris,
            "grant_types": client.grant_types,
            "scopes": client.scopes,
            "audiences": client.audiences,
            "party": spec.party_code,
        },
    )
    return client, secret


def list_clients(session: Session) -> list[OAuthClient]:
    return list(session.scalars(select(OAuthClient).order_by(OAuthClient.client_id)))


def get_client(session: Session, client_id: str) -> OAuthClient:
    client = find_client(session, client_id)
    if client is None:
        raise NotFound(
            f"Client {client_id} not found", f"未找到客户端 {client_id}", code="client_not_found"
        )
    return client


def find_client(session: Session, client_id: str) -> OAuthClient | None:
    return session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))


def delete_client(session: Session, client_id: str, *, actor: str = "console") -> None:
    """Removes a client with its codes, grants and refresh tokens; its access tokens stop
    verifying on the hub at once (their grant is gone) and elsewhere when they expire."""
    client = get_client(session, client_id)
    session.execute(delete(RefreshToken).where(RefreshToken.client_id == client_id))
    session.execute(delete(AuthorizationCode).where(AuthorizationCode.client_id == client_id))
    session.execute(delete(OAuthGrant).where(OAuthGrant.client_id == client_id))
    session.delete(client)
    session.flush()
    record(
        session,
        actor=actor,
        action=events.CLIENT_DELETED,
        target_type=events.CLIENT,
        target_id=client_id,
    )


def party_code_of(session: Session, client: OAuthClient) -> str | None:
    if client.party_id is None:
        return None
    return session.scalar(select(Party.code).where(Party.id == client.party_id))


def authenticate_client(
    session: Session, *, client_id: str | None, secret: str | None, basic: bool
) -> OAuthClient:
    """The token and revocation endpoints' client authentication (RFC 6749 §2.3).

    A confidential client must prove its secret; a public client sends only its id."""
    if not client_id:
        raise invalid_client("Client authentication is required", "需要客户端身份认证", basic=basic)
    client = find_client(session, client_id)
    if client is None:
        raise invalid_client("Unknown client", "客户端不存在", basic=basic)
    if client.client_type == ClientType.public.value:
        if secret:
            raise invalid_client(
                "A public client has no secret", "公开客户端不应提供密钥", basic=basic
            )
        return client
    if not secret or client.secret_sha256 is None:
        raise invalid_client("Client secret is required", "需要客户端密钥", basic=basic)
    if not hmac.compare_digest(client.secret_sha256, sha256_hex(secret)):
        raise invalid_client("Wrong client secret", "客户端密钥错误", basic=basic)
    return client


def require_grant(client: OAuthClient, grant: GrantType) -> None:
    if grant.value not in client.grant_types:
        raise OAuthError(
            "unauthorized_client",
            f"This client may not use the {grant.value} grant",
            f"该客户端无权使用 {grant.value} 授权方式",
        )
