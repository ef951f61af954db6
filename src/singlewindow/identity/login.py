"""Login: password (argon2id), TOTP second factor, lockout per user, rate limit per address.

Failed attempts are written with ``flush()`` and then an error is raised. The boundary must
still commit them: the login route returns the error as its response instead of letting it
propagate (which would roll the transaction back and forget the failure).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import NoReturn

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from singlewindow.identity.errors import AccountLocked, TooManyRequests
from singlewindow.identity.models import LoginFailure, User
from singlewindow.identity.passwords import burn_time, hash_password, needs_rehash, verify_password
from singlewindow.identity.roles import needs_totp
from singlewindow.identity.rules import USERNAME, normalise_username
from singlewindow.identity.totp import SeedUnreadable, verify_code
from singlewindow.kit import clock
from singlewindow.kit.errors import Finding, Forbidden, Unauthenticated
from singlewindow.kit.settings import Settings
from singlewindow.parties.models import Party

RATE_WINDOW = timedelta(seconds=60)
MAX_PASSWORD_INPUT = 1024  # longer input is refused before hashing (no hashing DoS)


def invalid_credentials() -> Unauthenticated:
    return Unauthenticated(
        "Invalid username, password or verification code",
        "用户名、密码或动态验证码错误",
        code="invalid_credentials",
    )


def check_rate(session: Session, client_ip: str | None, settings: Settings) -> None:
    """429 when this address failed ``login_rate_per_minute`` times in the last minute."""
    if not client_ip:
        return
    now = clock.now()
    count, oldest = session.execute(
        select(func.count(LoginFailure.id), func.min(LoginFailure.at))
        .where(LoginFailure.client_ip == client_ip[:45])
        .where(LoginFailure.at > now - RATE_WINDOW)
    ).one()
    if count < settings.login_rate_per_minute or oldest is None:
        return
    retry_after = max(1, math.ceil((oldest + RATE_WINDOW - now).total_seconds()))
    raise TooManyRequests(
        f"Too many failed logins from this address; retry in {retry_after} s",
        f"该地址登录失败次数过多，请在 {retry_after} 秒后重试",
        retry_after=retry_after,
    )


def record_failure(
    session: Session, user: User | None, client_ip: str | None, settings: Settings
) -> bool:
    """Counts one failed attempt for the address and the user; True if the user is now locked."""
    now = clock.now()
    if client_ip:
        session.add(LoginFailure(client_ip=client_ip[:45], at=now))
        session.execute(
            delete(LoginFailure)
            .where(LoginFailure.at < now - 2 * RATE_WINDOW)
            .execution_options(synchronize_session=False)
        )
    session.flush()
    if user is None:
        return False
    # Counted in SQL, not in Python: concurrent failures in other processes all count.
    failures = session.execute(
        update(User)
        .where(User.id == user.id)
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    set_committed_value(user, "failed_logins", failures)
    if failures < settings.login_max_failures:
        return False
    until = now + timedelta(seconds=settings.login_lockout_seconds)
    session.execute(
        update(User)
        .where(User.id == user.id)
        .values(failed_logins=0, locked_until=until)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(user, "failed_logins", 0)
    set_committed_value(user, "locked_until", until)
    return True


def _locked(user: User) -> AccountLocked:
    assert user.locked_until is not None
    seconds = max(1, math.ceil((user.locked_until - clock.now()).total_seconds()))
    minutes = math.ceil(seconds / 60)
    return AccountLocked(
        f"Account locked after too many failed logins; try again in {minutes} min "
        "or ask an operator to unlock it",
        f"登录失败次数过多，账号已锁定；请 {minutes} 分钟后重试或联系运维人员解锁",
        retry_after=seconds,
    )


def _fail(session: Session, user: User, client_ip: str | None, settings: Settings) -> NoReturn:
    if record_failure(session, user, client_ip, settings):
        raise _locked(user)
    raise invalid_credentials()


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    totp: str | None,
    client_ip: str | None,
    settings: Settings,
) -> User:
    """The user whose credentials these are; raises otherwise (see the module docstring).

    - 429 ``rate_limited``: too many failures from ``client_ip`` in the last minute;
    - 423 ``account_locked``: the account is locked (also on the failure that locks it);
    - 401 ``invalid_credentials``: unknown user, wrong password, or wrong/reused TOTP code;
    - 401 ``totp_required``: the password is right and a TOTP code is needed but missing;
    - 401 ``totp_not_enrolled``: a code is needed but the user has no second factor yet;
    - 403 ``account_disabled``: the user or their organisation is deactivated.
    """
    check_rate(session, client_ip, settings)
    name = normalise_username(username)
    row = None
    if USERNAME.match(name):  # anything else cannot exist: no query (and no odd bytes in SQL)
        row = session.execute(
            select(User, Party).join(Party, Party.id == User.party_id).where(User.username == name)
        ).first()
    if row is None or len(password) > MAX_PASSWORD_INPUT:
        burn_time(password[:MAX_PASSWORD_INPUT])
        record_failure(session, None, client_ip, settings)
        raise invalid_credentials()
    user, party = row
    if user.locked_until is not None and user.locked_until > clock.now():
        raise _locked(user)
    if not verify_password(user.password_hash, password):
        _fail(session, user, client_ip, settings)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if not user.active or not party.active:
        raise Forbidden("This account is deactivated", "该账号已停用", code="account_disabled")
    if user.totp_enabled or needs_totp(user.roles or ()):
        _second_factor(session, user, totp, client_ip, settings)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = clock.now()
    session.flush()
    return user


def _second_factor(
    session: Session, user: User, code: str | None, client_ip: str | None, settings: Settings
) -> None:
    if not user.totp_enabled:
        raise Unauthenticated(
            "A second factor is required for your role but none is set up; ask an operator to "
            "reset your TOTP",
            "您的角色必须使用动态验证码，但尚未设置；请联系运维人员重置动态验证码",
            code="totp_not_enrolled",
        )
    if not code:
        en, zh = "Enter the code from your authenticator app", "请输入身份验证器应用中的动态验证码"
        raise Unauthenticated(
            en, zh, code="totp_required", findings=[Finding("/totp", "required", en, zh)]
        )
    try:
        accepted = verify_code(session, user, code, settings)
    except SeedUnreadable:
        raise Unauthenticated(
            "Your second factor cannot be read on this node; ask an operator to reset it",
            "本节点无法读取您的动态验证码设置，请联系运维人员重置",
            code="totp_not_enrolled",
        ) from None
    if not accepted:
        _fail(session, user, client_ip, settings)
