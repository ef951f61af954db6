"""Demo users for the portal: one per area, with known passwords (demo nodes only).

Agency officers and platform operators must use a second factor (``identity.roles``): their
TOTP seed is printed with the password so that it can be added to an authenticator app; on a
later start the same seed is shown again (it is decrypted from the user row).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from singlewindow.identity import totp
from singlewindow.identity.models import User
from singlewindow.identity.roles import Role
from singlewindow.identity.users import create_user
from singlewindow.kit.settings import Settings

# The agency whose officer decides in the portal: the simulator leaves it alone
# (``SW_SIM_SKIP_AGENCIES``, default this one).
OFFICER_AGENCY = "CUS5200"


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    org_code: str
    roles: tuple[str, ...]
    display_name: str
    totp_secret: str | None = None

    def code(self) -> str | None:
        """The current TOTP code (None without a second factor)."""
        if self.totp_secret is None:
            return None
        return totp.code_at(self.totp_secret, totp.current_step())


def demo_user_specs(trader_code: str, terminal_code: str, platform_code: str) -> list[DemoUser]:
    return [
        DemoUser(
            "demo.trader",
            "Demo-Trader-2026",
            trader_code,
            (Role.declarant_clerk.value, Role.declarant_admin.value),
            "王报关 Wang",
        ),
        DemoUser(
            "demo.officer",
            "Demo-Officer-2026",
            OFFICER_AGENCY,
            (Role.agency_officer.value,),
            "李关员 Li",
        ),
        DemoUser(
            "demo.terminal",
            "Demo-Terminal-2026",
            terminal_code,
            (Role.port_clerk.value,),
            "陈调度 Chen",
        ),
        DemoUser(
            "demo.operator",
            "Demo-Operator-2026",
            platform_code,
            (Role.province_operator.value,),
            "赵运维 Zhao",
        ),
    ]


def ensure_demo_users(
    session: Session, settings: Settings, trader_code: str, terminal_code: str
) -> list[DemoUser]:
    """Creates the demo users that are missing; returns every one with its TOTP seed."""
    out = []
    for spec in demo_user_specs(trader_code, terminal_code, settings.node_code):
        user = session.scalar(select(User).where(User.username == spec.username))
        if user is None:
            user, _issued = create_user(
                session,
                settings,
                None,
                org_code=spec.org_code,
                username=spec.username,
                roles=spec.roles,
                display_name=spec.display_name,
                password=spec.password,
                must_change_password=False,
            )
        secret = None
        if user.totp_enabled and user.totp_secret:
            try:
                secret = totp.decrypt_seed(user.totp_secret, user.id, settings)
            except totp.SeedUnreadable:
                secret = None
        out.append(
            DemoUser(
                spec.username,
                spec.password,
                spec.org_code,
                spec.roles,
                spec.display_name,
                secret,
            )
        )
    return out
