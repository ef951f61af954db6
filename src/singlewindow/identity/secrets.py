"""The node secret, and keys derived from it for one purpose each.

Where the secret comes from, first match wins:

1. ``SW_SECRET_KEY`` (``Settings.secret_key``);
2. the file named by ``SW_SECRET_KEY_FILE`` (``Settings.secret_key_file``);
3. ``<data_dir>/secret.key``, generated with mode 0600 on first use.

Every process of a node must see the same secret (share the data directory or set one of the
two settings). Changing it makes stored TOTP seeds unreadable and every CSRF token invalid.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from singlewindow.kit.settings import Settings

MIN_SECRET_CHARS = 16
SECRET_FILE_NAME = "secret.key"  # noqa: S105 - a file name, not a secret

_cache: dict[tuple[str, str, str], bytes] = {}
_lock = threading.Lock()


class SecretUnavailable(RuntimeError):
    """The configured node secret is missing or too short (a deployment error, not input)."""


def _source(settings: Settings) -> tuple[str, str, str]:
    configured = settings.secret_key.get_secret_value() if settings.secret_key else ""
    key_file = str(settings.secret_key_file) if settings.secret_key_file else ""
    return configured, key_file, str(settings.data_dir.resolve())


def node_secret(settings: Settings) -> bytes:
    """The node secret as bytes (read once per process and source)."""
    source = _source(settings)
    cached = _cache.get(source)
    if cached is not None:
        return cached
    with _lock:
        configured, key_file, data_dir = source
        if configured:
            value = configured
        elif key_file:
            value = _read(Path(key_file))
        else:
            value = _read_or_create(Path(data_dir) / SECRET_FILE_NAME)
        if len(value) < MIN_SECRET_CHARS:
            raise SecretUnavailable(
                f"the node secret must have at least {MIN_SECRET_CHARS} characters"
            )
        secret = value.encode("utf-8")
        _cache[source] = secret
        return secret


def derive_key(settings: Settings, purpose: str, length: int = 32) -> bytes:
    """A key for one purpose (``"totp"``, ``"csrf"``...): HKDF-SHA256 over the node secret."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=length,
        salt=b"singlewindow node secret",
        info=purpose.encode("utf-8"),
    ).derive(node_secret(settings))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SecretUnavailable(f"cannot read the node secret file {path}: {exc}") from exc


def _read_or_create(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process may be writing it right now: wait briefly for the content.
        for _ in range(50):
            value = _read(path)
            if value:
                return value
            time.sleep(0.02)
        return _read(path)
    value = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value
