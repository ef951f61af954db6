"""Helpers to make organisations and users in tests (also used by the OIDC tests).

``make_user(session, settings, org=..., username=..., roles=[...])`` creates a user through the
real service (argon2id hash, TOTP seed for roles that need one) and returns what a test needs
to sign in: the password and, when enabled, the TOTP seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from stdnum.cn import uscc as stdnum_uscc

from singlewindow.identity import users
from singlewindow.kit import clock
from singlewindow.kit.settings import Settings
from singlewindow.parties import service as parties
from singlewindow.parties.models import Party
from singlewindow.parties.schemas import AgencyType, PartyIn, PartyKind

PASSWORD = "Harbour-Lights-2024"


def valid_uscc(first17: str) -> str:
    return first17 + stdnum_uscc.calc_check_digit(first17)


# Enterprises registered in Shenzhen (440300) and Guangzhou (440100): the USCC says so.
SZ_USCC = valid_uscc("91440300MA5DX1001")
GZ_USCC = valid_uscc("91440101MA5DX1002")


def make_party(
    session: Session,
    kind: PartyKind,
    code: str | None = None,
    *,
    uscc: str | None = None,
    city: str | None = None,
    agency_type: AgencyType | None = None,
) -> Party:
    attrs: dict[str, Any] = {"city": city} if city else {}
    if kind == PartyKind.agency and agency_type is None:
        agency_type = AgencyType.customs
    return parties.create_party(
        session,
        PartyIn(
            kind=kind,
            code=code,
            name_zh=f"测试单位 {code or uscc}",
            uscc=uscc,
            agency_type=agency_type,
            attrs=attrs,
        ),
    )


@dataclass(frozen=True)
class MadeUser:
    id: str
    username: str
    password: str
    totp_secret: str | None

    def code(self, at: datetime | None = None) -> str:
        """The TOTP code for ``at`` (default: the platform clock's now)."""
        assert self.totp_secret is not None, f"{self.username} has no TOTP"
        return totp_code(self.totp_secret, at)


def totp_code(secret: str, at: datetime | None = None) -> str:
    return str(pyotp.TOTP(secret).at(at or clock.now()))


def make_user(
    session: Session,
    settings: Settings,
    *,
    org: Party | str,
    username: str,
    roles: Sequence[str],
    password: str = PASSWORD,
    city: str | None = None,
    must_change_password: bool = False,
) -> MadeUser:
    user, issued = users.create_user(
        session,
        settings,
        None,
        org_code=org.code if isinstance(org, Party) else org,
        username=username,
        roles=list(roles),
        city=city,
        password=password,
        must_change_password=must_change_password,
    )
    return MadeUser(user.id, user.username, password, issued.totp.secret if issued.totp else None)


def login(
    client: TestClient, user: MadeUser, *, password: str | None = None, code: str | None = None
) -> Any:
    """Signs in (with the current TOTP code if the user has one); returns the response."""
    body: dict[str, Any] = {"username": user.username, "password": password or user.password}
    if code is not None:
        body["totp"] = code
    elif user.totp_secret is not None:
        body["totp"] = user.code()
    return client.post("/api/v1/auth/login", json=body)


def signed_in(client: TestClient, user: MadeUser) -> dict[str, str]:
    """Signs in and returns the CSRF header for cookie-authenticated writes."""
    r = login(client, user)
    assert r.status_code == 200, r.text
    return {"X-CSRF-Token": r.json()["csrf_token"]}
