"""What signed-in users do for themselves: change password, enrol or disable TOTP."""

from __future__ import annotations

from sqlalchemy.orm import Session

from singlewindow.identity import totp
from singlewindow.identity.errors import AccountLocked
from singlewindow.identity.login import record_failure
from singlewindow.identity.models import User
from singlewindow.identity.passwords import hash_password, verify_password
from singlewindow.identity.roles import needs_totp
from singlewindow.identity.rules import password_findings
from singlewindow.identity.sessions import revoke_user_sessions
from singlewindow.kit import clock
from singlewindow.kit.errors import Conflict, Finding, Forbidden, ValidationFailed
from singlewindow.kit.settings import Settings


def _field_error(path: str, code: str, en: str, zh: str) -> ValidationFailed:
    return ValidationFailed(en, zh, code=code, findings=[Finding(path, code, en, zh)])


def change_password(
    session: Session,
    settings: Settings,
    user: User,
    *,
    old_password: str,
    new_password: str,
    client_ip: str | None,
    keep_session_token: str | None,
) -> None:
    """Sets a new password (policy-checked) and ends the user's other sessions.

    A wrong old password counts as a failed login (it can lock the account): commit even when
    this raises, like the login route does.
    """
    if not verify_password(user.password_hash, old_password):
        if record_failure(session, user, client_ip, settings):
            raise AccountLocked(
                "Too many wrong passwords; the account is locked",
                "密码错误次数过多，账号已锁定",
                retry_after=settings.login_lockout_seconds,
            )
        raise _field_error(
            "/old_password", "password_wrong", "The current password is wrong", "当前密码错误"
        )
    findings = password_findings(new_password, user.username, path="/new_password")
    if new_password == old_password:
        findings.append(
            Finding(
                "/new_password",
                "password_reused",
                "The new password must differ from the current one",
                "新密码不能与当前密码相同",
            )
        )
    if findings:
        raise ValidationFailed("Password not accepted", "密码不符合要求", findings=findings)
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.password_changed_at = clock.now()
    user.failed_logins = 0
    revoke_user_sessions(session, user.id, keep_token=keep_session_token)
    session.flush()


def begin_totp_enrolment(session: Session, settings: Settings, user: User) -> totp.Enrolment:
    """A new seed, pending until confirmed with a code (an enabled one stays in use till then)."""
    seed = totp.new_seed()
    user.totp_pending_secret = totp.encrypt_seed(seed, user.id, settings)
    session.flush()
    return totp.enrolment(seed, user.username, settings)


def confirm_totp(session: Session, settings: Settings, user: User, code: str) -> None:
    """Enables the pending seed if ``code`` matches it; the code's step is consumed."""
    if user.totp_pending_secret is None:
        raise Conflict(
            "No TOTP enrolment in progress; call /auth/totp/enroll first",
            "没有进行中的动态验证码绑定，请先调用 /auth/totp/enroll",
            code="totp_no_enrolment",
        )
    try:
        seed = totp.decrypt_seed(user.totp_pending_secret, user.id, settings)
    except totp.SeedUnreadable:
        seed = None
    step = None if seed is None else totp.matching_step(seed, code, None)
    if step is None:
        raise _field_error(
            "/code",
            "totp_invalid",
            "The code does not match the new secret; check the device clock and try again",
            "动态验证码与新密钥不匹配，请检查设备时间后重试",
        )
    user.totp_secret = user.totp_pending_secret
    user.totp_pending_secret = None
    user.totp_enabled = True
    user.totp_last_step = step
    session.flush()


def disable_totp(session: Session, settings: Settings, user: User, code: str) -> None:
    """Turns TOTP off after a valid code; refused for roles that require it."""
    if needs_totp(user.roles or ()):
        raise Forbidden(
            "Your role requires a second factor; it cannot be turned off",
            "您的角色必须使用动态验证码，不能关闭",
            code="totp_required_for_role",
        )
    if not user.totp_enabled:
        raise Conflict("TOTP is not enabled", "尚未启用动态验证码", code="totp_not_enabled")
    try:
        accepted = totp.verify_code(session, user, code, settings)
    except totp.SeedUnreadable:
        accepted = False
    if not accepted:
        raise _field_error(
            "/code", "totp_invalid", "Wrong or already used code", "动态验证码错误或已使用"
        )
    user.totp_secret = None
    user.totp_pending_secret = None
    user.totp_enabled = False
    user.totp_last_step = None
    session.flush()
