"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile)."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id; parameters change with the library's recommendations

# Temporary passwords: no look-alike characters (0/O, 1/l/I), easy to read out over a phone.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than the current ones."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


_dummy_hashes: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash made with the current parameters, so that verifying it takes as long."""
    key = repr((_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism))
    if key not in _dummy_hashes:
        _dummy_hashes[key] = _hasher.hash(secrets.token_urlsafe(16))
    return _dummy_hashes[key]


def burn_time(password: str) -> None:
    """Spends the time of one verification (unknown user): no timing oracle for usernames."""
    verify_password(_dummy_hash(), password)


def temporary_password(length: int = 16) -> str:
    """A random password for an operator reset; 16 chars of 55 symbols (about 92 bits)."""
    while True:
        value = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if len(set(value)) >= 5:
            return value
