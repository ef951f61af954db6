"""TOTP second factor (RFC 6238: SHA-1, 6 digits, 30-second steps) with one use per code.

Seeds are stored encrypted with AES-256-GCM under a key derived from the node secret; the
user id is the associated data, so a ciphertext copied to another user's row does not decrypt.
A code is accepted for the current step or one step either side (clock drift), and only if its
step is later than the last step accepted for that user: a conditional UPDATE makes this hold
across processes.
"""

from __future__ import annotations

import base64
import hmac
import os
from dataclasses import dataclass

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import or_, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from singlewindow.identity.models import User
from singlewindow.identity.secrets import derive_key
from singlewindow.kit import clock
from singlewindow.kit.settings import Settings

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1
_VERSION = "v1."


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A new seed, shown once: the base32 secret and the ``otpauth://`` URI for a QR code."""

    secret: str
    uri: str


class SeedUnreadable(RuntimeError):
    """The stored seed does not decrypt (the node secret changed, or the row was tampered)."""


def new_seed() -> str:
    return str(pyotp.random_base32())


def enrolment(seed: str, username: str, settings: Settings) -> Enrolment:
    uri = pyotp.TOTP(seed).provisioning_uri(
        name=username, issuer_name=f"SingleWindow-{settings.node_code}"
    )
    return Enrolment(secret=seed, uri=str(uri))


def encrypt_seed(seed: str, user_id: str, settings: Settings) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(derive_key(settings, "totp-seed")).encrypt(
        nonce, seed.encode("ascii"), user_id.encode("ascii")
    )
    return _VERSION + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def decrypt_seed(token: str, user_id: str, settings: Settings) -> str:
    if not token.startswith(_VERSION):
        raise SeedUnreadable("unknown seed format")
    try:
        raw = base64.urlsafe_b64decode(token[len(_VERSION) :].encode("ascii"))
        plain = AESGCM(derive_key(settings, "totp-seed")).decrypt(
            raw[:12], raw[12:], user_id.encode("ascii")
        )
    except (InvalidTag, ValueError) as exc:
        raise SeedUnreadable("the TOTP seed does not decrypt with this node secret") from exc
    return plain.decode("ascii")


def current_step() -> int:
    return int(clock.now().timestamp()) // STEP_SECONDS


def code_at(seed: str, step: int) -> str:
    return str(pyotp.TOTP(seed, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step))


def matching_step(seed: str, code: str, after_step: int | None) -> int | None:
    """The step (near now, later than ``after_step``) whose code is ``code``, else None."""
    code = code.strip()
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    now_step = current_step()
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(code_at(seed, step), code):
            return step
    return None


def use_step(session: Session, user: User, step: int) -> bool:
    """Records ``step`` as used; False if it (or a later one) was used already, by anyone."""
    result = session.execute(
        update(User)
        .where(User.id == user.id)
        .where(or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def verify_code(session: Session, user: User, code: str, settings: Settings) -> bool:
    """Checks a code against the user's enabled seed and consumes its step."""
    if not user.totp_enabled or user.totp_secret is None:
        return False
    seed = decrypt_seed(user.totp_secret, user.id, settings)
    step = matching_step(seed, code, user.totp_last_step)
    return step is not None and use_step(session, user, step)
