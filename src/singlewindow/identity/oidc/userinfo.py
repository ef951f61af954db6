"""The UserInfo endpoint's claims (OIDC Core §5.3)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from singlewindow.identity.oidc.enduser import subject_for_user
from singlewindow.identity.oidc.errors import OAuthError
from singlewindow.identity.oidc.tokens import verify_locally
from singlewindow.identity.oidc.verify import InvalidToken
from singlewindow.kit.errors import Forbidden, Unauthenticated
from singlewindow.kit.settings import Settings


def userinfo_claims(session: Session, token: str, settings: Settings) -> dict[str, Any]:
    """Claims about the user of an access token with the ``openid`` scope.

    Any audience is accepted: the endpoint belongs to the issuer itself. Raises
    ``InvalidToken`` (401) or ``OAuthError`` ``insufficient_scope`` (403)."""
    claims = verify_locally(session, token, settings, audience=None)
    scope = str(claims.get("scope", "")).split()
    if "openid" not in scope or claims.get("sub") == claims.get("client_id"):
        raise OAuthError(
            "insufficient_scope",
            "The token lacks the openid scope of a signed-in user",
            "该令牌没有已登录用户的 openid 权限范围",
            status=403,
        )
    try:
        subject = subject_for_user(session, str(claims["sub"]))
    except (Unauthenticated, Forbidden) as exc:
        raise InvalidToken(exc.message, exc.message_zh, code=exc.code) from exc
    out: dict[str, Any] = {"sub": subject.sub}
    if "profile" in scope:
        out.update(subject.profile)
        out["org"] = subject.org
        out["roles"] = sorted(subject.roles)
        out["city"] = subject.city
    return out
