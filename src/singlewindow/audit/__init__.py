"""Tamper-evident audit log: hash-chained entries, verification, retention, export.

Other contexts call, inside their own transaction::

    from singlewindow import audit
    audit.record(session, actor=..., action=audit.actions.LOGIN, target_type="user", ...)
    audit.record_principal(session, principal, action=..., target_type=..., target_id=...)

and ``audit.record_detached(db, ...)`` for events whose own transaction rolls back (failed
logins, refused access). Entries are chained later by the sealer (``audit.tasks``).
"""

from singlewindow.audit import actions
from singlewindow.audit.retention import ChainBroken, PurgeResult, purge, purge_all
from singlewindow.audit.service import (
    Outcome,
    PrincipalLike,
    current_head,
    record,
    record_detached,
    record_principal,
    seal,
)
from singlewindow.audit.verify import VerifyReport, verify

__all__ = [
    "ChainBroken",
    "Outcome",
    "PrincipalLike",
    "PurgeResult",
    "VerifyReport",
    "actions",
    "current_head",
    "purge",
    "purge_all",
    "record",
    "record_detached",
    "record_principal",
    "seal",
    "verify",
]
