"""OAuth 2.0 protocol errors (RFC 6749 §4.1.2.1 and §5.2), with a Chinese description added.

The provider's protocol endpoints answer ``{"error", "error_description",
"error_description_zh"}`` as OAuth clients expect, not the platform's ``{"error": {...}}``
shape; every other route (and token verification inside the API) keeps the platform shape.
"""

from __future__ import annotations

from typing import Any


class OAuthError(Exception):
    """``keep_changes``: the request is refused but what was done must be committed anyway
    (reuse of a code or of a rotated refresh token revokes the grant, then fails)."""

    def __init__(
        self,
        error: str,
        description: str,
        description_zh: str,
        *,
        status: int = 400,
        keep_changes: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.description_zh = description_zh
        self.status = status
        self.keep_changes = keep_changes
        self.headers = headers or {}

    def as_body(self) -> dict[str, Any]:
        return {
            "error": self.error,
            "error_description": self.description,
            "error_description_zh": self.description_zh,
        }


def invalid_request(description: str, description_zh: str) -> OAuthError:
    return OAuthError("invalid_request", description, description_zh)


def invalid_client(description: str, description_zh: str, *, basic: bool) -> OAuthError:
    # RFC 6749 §5.2: 401, with a challenge for the scheme the client tried.
    headers = {"WWW-Authenticate": 'Basic realm="oauth"'} if basic else {}
    return OAuthError("invalid_client", description, description_zh, status=401, headers=headers)


def invalid_grant(description: str, description_zh: str, *, keep: bool = False) -> OAuthError:
    return OAuthError("invalid_grant", description, description_zh, keep_changes=keep)


def invalid_scope(description: str, description_zh: str) -> OAuthError:
    return OAuthError("invalid_scope", description, description_zh)


def unauthorized_client(description: str, description_zh: str) -> OAuthError:
    return OAuthError("unauthorized_client", description, description_zh)
