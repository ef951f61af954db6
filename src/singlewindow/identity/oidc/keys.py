"""Signing keys and their rotation without downtime.

A key lives ``next → active → retired``:

* ``next``: published in the JWKS (verifiers learn it) but not signing; it becomes ``active``
  once ``activate_after`` has passed (checked whenever the provider signs or publishes).
* ``active``: signs every new token. Exactly one in normal operation.
* ``retired``: signs nothing (its private half is erased) but stays published, so tokens it
  signed keep verifying, until ``retire_after`` = retirement + the longest token lifetime.
  After that it is no longer published and its tokens fail everywhere.

State changes are conditional UPDATEs, so concurrent requests promote a key only once.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt import PyJWK
from jwt.algorithms import ECAlgorithm
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from singlewindow.audit.service import record
from singlewindow.identity.oidc import events
from singlewindow.identity.oidc.config import leeway_seconds
from singlewindow.identity.oidc.models import SigningKey
from singlewindow.identity.oidc.sealing import seal, unseal
from singlewindow.identity.oidc.verify import ALGORITHM
from singlewindow.kit import clock
from singlewindow.kit.errors import Conflict, NotFound
from singlewindow.kit.settings import Settings

NEXT, ACTIVE, RETIRED = "next", "active", "retired"
DEFAULT_GRACE = timedelta(hours=1)


def max_token_lifetime(settings: Settings) -> timedelta:
    """How long a token signed now may still be accepted (access and ID tokens)."""
    return timedelta(seconds=settings.access_token_seconds + leeway_seconds(settings))


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256), used as the key id."""
    members = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


def _new_key(session: Session, settings: Settings, *, state: str, now: datetime) -> SigningKey:
    private = ec.generate_private_key(ec.SECP256R1())
    public = ECAlgorithm.to_jwk(private.public_key(), as_dict=True)
    kid = thumbprint(public)
    der = private.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key = SigningKey(
        kid=kid,
        state=state,
        public_jwk={
            "kty": "EC",
            "crv": "P-256",
            "x": public["x"],
            "y": public["y"],
            "kid": kid,
            "use": "sig",
            "alg": ALGORITHM,
        },
        private_key_sealed=seal(der, kid=kid, settings=settings),
        activated_at=now if state == ACTIVE else None,
    )
    session.add(key)
    session.flush()
    return key


def _promote(session: Session, settings: Settings, key: SigningKey, now: datetime) -> bool:
    """``key`` becomes the active key; the previous active key(s) retire. False if another
    transaction promoted it first."""
    promoted = session.execute(
        update(SigningKey)
        .where(SigningKey.id == key.id, SigningKey.state == NEXT)
        .values(state=ACTIVE, activated_at=now)
    )
    if getattr(promoted, "rowcount", 0) != 1:
        return False
    session.execute(
        update(SigningKey)
        .where(SigningKey.state == ACTIVE, SigningKey.id != key.id)
        .values(
            state=RETIRED,
            retired_at=now,
            retire_after=now + max_token_lifetime(settings),
            private_key_sealed=None,
        )
    )
    session.flush()
    return True


def maintain(session: Session, settings: Settings) -> None:
    """Promotes a due ``next`` key and makes sure one key is active (created on first use).

    Two first uses racing may both create an active key; both are published and valid, the
    newest signs, and the next rotation retires both.
    """
    now = clock.now()
    due = session.scalars(
        select(SigningKey)
        .where(SigningKey.state == NEXT, SigningKey.activate_after <= now)
        .order_by(SigningKey.activate_after.desc(), SigningKey.id.desc())
        .limit(1)
    ).first()
    if due is not None:
        _promote(session, settings, due, now)
    if session.scalar(select(SigningKey.id).where(SigningKey.state == ACTIVE).limit(1)) is None:
        _new_key(session, settings, state=ACTIVE, now=now)


@dataclass(frozen=True, slots=True)
class ActiveKey:
    kid: str
    private_key: ec.EllipticCurvePrivateKey


def active_key(session: Session, settings: Settings) -> ActiveKey:
    maintain(session, settings)
    key = session.scalars(
        select(SigningKey)
        .where(SigningKey.state == ACTIVE)
        .order_by(SigningKey.activated_at.desc(), SigningKey.id.desc())
        .limit(1)
    ).one()
    assert key.private_key_sealed is not None  # erased only on retirement
    der = unseal(key.private_key_sealed, kid=key.kid, settings=settings)
    private = serialization.load_der_private_key(der, password=None)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    return ActiveKey(kid=key.kid, private_key=private)


def _published(now: datetime) -> Any:
    return or_(
        SigningKey.state.in_((NEXT, ACTIVE)),
        (SigningKey.state == RETIRED) & (SigningKey.retire_after > now),
    )


def jwks(session: Session, settings: Settings) -> dict[str, Any]:
    """The JWKS document: next, active and not-yet-expired retired keys."""
    maintain(session, settings)
    rows = session.scalars(
        select(SigningKey).where(_published(clock.now())).order_by(SigningKey.created_at)
    )
    return {"keys": [dict(row.public_jwk) for row in rows]}


def published_key(session: Session, kid: str) -> PyJWK | None:
    """The public key for ``kid`` if it is still published (local verification on the hub)."""
    jwk = session.scalar(
        select(SigningKey.public_jwk).where(SigningKey.kid == kid, _published(clock.now()))
    )
    return PyJWK(jwk, algorithm=ALGORITHM) if jwk is not None else None


def rotate(
    session: Session,
    settings: Settings,
    *,
    grace: timedelta = DEFAULT_GRACE,
    now: bool = False,
    actor: str = "console",
) -> SigningKey:
    """Adds a ``next`` key (published at once) that becomes active after ``grace``, or at
    once with ``now`` (verifiers that cached the JWKS moments ago may then refuse new tokens
    until they refetch, so prefer a grace longer than their cache)."""
    maintain(session, settings)
    at = clock.now()
    pending = session.scalars(select(SigningKey).where(SigningKey.state == NEXT)).first()
    if pending is not None and not now:
        raise Conflict(
            f"Key {pending.kid} is already waiting to become active",
            f"密钥 {pending.kid} 已在等待启用",
            code="rotation_pending",
        )
    key = pending or _new_key(session, settings, state=NEXT, now=at)
    key.activate_after = at if now else at + grace
    session.flush()
    if now:
        _promote(session, settings, key, at)
        session.refresh(key)
    record(
        session,
        actor=actor,
        action=events.KEY_ROTATED,
        target_type=events.SIGNING_KEY,
        target_id=key.kid,
        detail={"activate_after": key.activate_after, "immediate": now},
    )
    return key


def revoke(session: Session, settings: Settings, kid: str, *, actor: str = "console") -> SigningKey:
    """Emergency: withdraws a (compromised) key at once; its tokens stop verifying on the hub
    now and on other nodes when their JWKS cache expires. An active key is replaced."""
    key = session.scalar(select(SigningKey).where(SigningKey.kid == kid))
    if key is None:
        raise NotFound(
            f"Signing key {kid} not found", f"未找到签名密钥 {kid}", code="key_not_found"
        )
    at = clock.now()
    was_active = key.state == ACTIVE
    key.state = RETIRED
    key.retired_at = key.retired_at or at
    key.retire_after = at
    key.private_key_sealed = None
    session.flush()
    if was_active:
        pending = session.scalars(select(SigningKey).where(SigningKey.state == NEXT)).first()
        if pending is None or not _promote(session, settings, pending, at):
            maintain(session, settings)
    record(
        session,
        actor=actor,
        action=events.KEY_REVOKED,
        target_type=events.SIGNING_KEY,
        target_id=kid,
        detail={"was_active": was_active},
    )
    return key


def status_of(key: SigningKey, now: datetime) -> str:
    if key.state == RETIRED and key.retire_after is not None and key.retire_after <= now:
        return "expired"
    return key.state


def listing(session: Session, settings: Settings) -> list[dict[str, Any]]:
    maintain(session, settings)
    now = clock.now()
    rows = session.scalars(select(SigningKey).order_by(SigningKey.created_at))
    return [
        {
            "kid": row.kid,
            "state": status_of(row, now),
            "published": status_of(row, now) != "expired",
            "created_at": row.created_at,
            "activate_after": row.activate_after,
            "activated_at": row.activated_at,
            "retired_at": row.retired_at,
            "retire_after": row.retire_after,
        }
        for row in rows
    ]
