"""Users, portal sessions and failed-login records.

A ``User`` belongs to one organisation (a ``Party``). Passwords are argon2id hashes; the TOTP
seed is encrypted with a key derived from the node secret (``identity.secrets``). Sessions are
server-side: the cookie carries a random token, the table keeps only its SHA-256.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from singlewindow.kit import clock
from singlewindow.kit.db import Base, CreatedMixin, IdMixin


class User(IdMixin, CreatedMixin, Base):
    """A person who signs in. ``roles`` is a list of ``Role`` values allowed for the org kind.

    ``city`` is set only for city operators: the 6-digit administrative division code
    (GB/T 2260) of the prefecture-level city they operate, e.g. ``440300`` (Shenzhen).
    """

    __tablename__ = "identity_user"

    party_id: Mapped[str] = mapped_column(ForeignKey("party.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[Any]] = mapped_column(default=list)
    city: Mapped[str | None] = mapped_column(String(6))
    # AES-GCM sealed base32 seed, bound to the user id (see identity.totp); pending = enrolling.
    totp_secret: Mapped[str | None] = mapped_column(String(200))
    totp_pending_secret: Mapped[str | None] = mapped_column(String(200))
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    # The last 30-second time step whose code was accepted: a code is usable once.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    must_change_password: Mapped[bool] = mapped_column(default=False)
    password_changed_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]


class LoginSession(IdMixin, CreatedMixin, Base):
    """A portal session. Only the SHA-256 of the cookie token is stored.

    Valid while not revoked, before ``expires_at`` and less than the idle timeout after
    ``last_seen_at``. ``mfa_passed`` records that a TOTP code was verified at login.
    The CSRF token is derived from the session token (``sessions.csrf_token_for``).
    """

    __tablename__ = "identity_session"

    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("identity_user.id"), index=True)
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime] = mapped_column(default=clock.now)
    mfa_passed: Mapped[bool] = mapped_column(default=False)
    client_ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    revoked_at: Mapped[datetime | None]


class LoginFailure(IdMixin, Base):
    """One failed login from a client address: the rate limiter counts these per minute.

    A row per failure (not a counter) so that processes never contend on one row; old rows
    are deleted as new ones arrive. The attempted username is not kept (people type
    passwords into the username field).
    """

    __tablename__ = "identity_login_failure"
    __table_args__ = (Index("ix_identity_login_failure_client_ip_at", "client_ip", "at"),)

    client_ip: Mapped[str] = mapped_column(String(45))
    at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
