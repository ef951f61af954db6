"""API shapes for login, the signed-in user and user management. No hash or seed ever leaves."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from singlewindow.identity.roles import Role
from singlewindow.parties.schemas import PartyKind


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    totp: str | None = Field(
        default=None, max_length=10, description="6-digit code when the account has TOTP"
    )


class UserOut(BaseModel):
    id: str
    username: str
    display_name: str
    org_code: str
    org_kind: PartyKind
    roles: list[str]
    city: str | None = Field(description="city operators: 6-digit division code, e.g. 440300")
    active: bool
    totp_enabled: bool
    must_change_password: bool
    locked_until: datetime | None
    failed_logins: int
    last_login_at: datetime | None
    created_at: datetime


class LoginOut(BaseModel):
    user: UserOut
    csrf_token: str = Field(description="send as X-CSRF-Token with cookie-authenticated writes")
    expires_at: datetime
    must_change_password: bool = Field(
        description="true: the session can only change the password (POST /auth/password)"
    )


class MeOut(BaseModel):
    party_code: str
    party_kind: PartyKind
    roles: list[str]
    city: str | None
    via: str = Field(description="api_key | token | session")
    user: UserOut | None = None
    csrf_token: str | None = Field(default=None, description="for a cookie session only")


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    old_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class TotpEnrolmentOut(BaseModel):
    secret: str = Field(description="base32 seed; shown once")
    uri: str = Field(description="otpauth:// URI for an authenticator app (QR code)")


class TotpCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=10)


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org: str = Field(min_length=1, max_length=40, description="organisation (party) code")
    username: str = Field(min_length=1, max_length=64)
    display_name: str = Field(default="", max_length=200)
    roles: list[Role] = Field(min_length=1, max_length=len(Role))
    city: str | None = Field(
        default=None, max_length=6, description="city operators only (default: the org's city)"
    )
    password: str | None = Field(
        default=None,
        max_length=1024,
        description="initial password (must be changed at first login); default: generated",
    )


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(default=None, max_length=200)
    roles: list[Role] | None = Field(default=None, min_length=1, max_length=len(Role))
    active: bool | None = None
    city: str | None = Field(default=None, max_length=6)


class UserIssuedOut(UserOut):
    """A user plus the secrets issued by this change, shown once."""

    temporary_password: str | None = None
    totp: TotpEnrolmentOut | None = None


class UserPage(BaseModel):
    items: list[UserOut]
    next_cursor: str | None = None
