"""Audit action names and target types of the OpenID provider (see ``audit.actions``)."""

from __future__ import annotations

from typing import Final

TOKEN_ISSUED: Final = "identity.token_issued"  # noqa: S105 - an action name, not a secret
GRANT_REVOKED: Final = "identity.oidc_grant_revoked"
CLIENT_CREATED: Final = "identity.oidc_client_created"
CLIENT_DELETED: Final = "identity.oidc_client_deleted"
KEY_ROTATED: Final = "identity.oidc_key_rotated"
KEY_REVOKED: Final = "identity.oidc_key_revoked"

GRANT: Final = "oauth_grant"
CLIENT: Final = "oauth_client"
SIGNING_KEY: Final = "signing_key"
