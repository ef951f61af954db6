"""Signing keys at rest: sealed with AES-256-GCM under a key derived from the node secret.

The sealing key is ``identity.secrets.derive_key(settings, "oidc-signing-key")`` (HKDF-SHA256
over the node secret), so the database alone (a backup, a replica) never reveals a private
key. The key id is bound as associated data: a sealed blob copied onto another row does not
open.
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from singlewindow.identity.secrets import derive_key
from singlewindow.kit.settings import Settings

PURPOSE = "oidc-signing-key"
_VERSION = b"\x01"
_NONCE_BYTES = 12


class SealingError(Exception):
    """A sealed key does not open: another node secret, or the row was tampered with."""


def seal(plaintext: bytes, *, kid: str, settings: Settings) -> bytes:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = AESGCM(derive_key(settings, PURPOSE)).encrypt(nonce, plaintext, kid.encode())
    return _VERSION + nonce + sealed


def unseal(blob: bytes, *, kid: str, settings: Settings) -> bytes:
    if blob[:1] != _VERSION:
        raise SealingError(f"sealed signing key {kid} has an unknown format")
    nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
    try:
        return AESGCM(derive_key(settings, PURPOSE)).decrypt(nonce, sealed, kid.encode())
    except InvalidTag as exc:
        raise SealingError(f"signing key {kid} does not open with this node's secret key") from exc
