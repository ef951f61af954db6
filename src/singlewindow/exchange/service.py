"""The exchange's public actions. They take the caller's session and flush, never commit, so
the outbox rows and log entries share the transaction of the state change that caused them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from singlewindow.exchange.envelope import PLATFORM, Envelope
from singlewindow.exchange.models import LogEntry, Message
from singlewindow.exchange.routing import ensure_default_rules, plan
from singlewindow.kit import clock
from singlewindow.kit.db import table_of
from singlewindow.kit.digest import digest_of
from singlewindow.kit.errors import Finding, ValidationFailed
from singlewindow.kit.ids import new_id
from singlewindow.kit.signals import OUTBOX, notify_after_commit, notify_other_processes

__all__ = [
    "Envelope",
    "ensure_default_rules",
    "record_inbound",
    "route",
    "route_rows",
    "send",
    "send_row",
    "write",
]


def _check(**fields: str) -> None:
    findings = [
        Finding(f"/{name}", "required", f"{name} is required", f"{name} 为必填项")
        for name, value in fields.items()
        if not isinstance(value, str) or not value.strip()
    ]
    if findings:
        raise ValidationFailed("Invalid message", "报文信息无效", findings=findings)


def _row(
    *,
    direction: str,
    kind: str,
    sender: str,
    recipient: str,
    correlation_id: str,
    payload: dict[str, Any],
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    now = clock.now()
    return {
        "id": new_id(),
        "direction": direction,
        "kind": kind,
        "sender": sender,
        "recipient": recipient,
        "correlation_id": correlation_id,
        "payload": payload,
        "digest": digest_of(payload),
        "context": context,
        "state": "pending" if direction == "out" else "received",
        "attempts": 0,
        "generation": 0,
        "next_attempt_at": now if direction == "out" else None,
        "created_at": now,
    }


def write(session: Session, rows: list[dict[str, Any]]) -> list[Envelope]:
    """Inserts messages and their (unsealed) log entries with two Core statements.

    This is the hot path of every submission: plain INSERTs in the caller's transaction cost
    a fraction of ORM unit-of-work flushes, and nothing here needs identity-map objects.
    """
    if not rows:
        return []
    session.execute(insert(table_of(Message)), rows)
    if any(r["direction"] == "out" for r in rows):
        notify_after_commit(session, OUTBOX, ["outbox"])
        notify_other_processes(session, "sw_outbox", ["outbox"])
    session.execute(
        insert(table_of(LogEntry)),
        [
            {
                "id": new_id(),
                "envelope_id": r["id"],
                "direction": r["direction"],
                "kind": r["kind"],
                "sender": r["sender"],
                "recipient": r["recipient"],
                "correlation_id": r["correlation_id"],
                "digest": r["digest"],
                "created_at": r["created_at"],
            }
            for r in rows
        ],
    )
    return [
        Envelope(
            id=r["id"],
            kind=r["kind"],
            sender=r["sender"],
            recipient=r["recipient"],
            correlation_id=r["correlation_id"],
            payload=r["payload"],
            digest=r["digest"],
            created_at=r["created_at"],
        )
        for r in rows
    ]


def route_rows(
    session: Session,
    *,
    kind: str,
    document: dict[str, Any],
    sender: str,
    correlation_id: str,
    context: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The outbox rows routing ``document`` would write (one per recipient), not yet written.

    With ``send_row`` and ``write``, a caller queues every message of one action in two
    statements (the submission path does).
    """
    _check(kind=kind, sender=sender, correlation_id=correlation_id)
    deliveries = plan(session, kind, document, context or {})
    return [
        _row(
            direction="out",
            kind=kind,
            sender=sender,
            recipient=d.recipient,
            correlation_id=correlation_id,
            payload=d.payload,
            context=(context or {}) | {"rule": d.rule},
        )
        for d in deliveries
    ]


def route(
    session: Session,
    *,
    kind: str,
    document: dict[str, Any],
    sender: str,
    correlation_id: str,
    context: dict[str, Any] | None = None,
) -> list[Envelope]:
    """Routes a document to every recipient its active rules name (one outbox row each)."""
    rows = route_rows(
        session,
        kind=kind,
        document=document,
        sender=sender,
        correlation_id=correlation_id,
        context=context,
    )
    return write(session, rows)


def send_row(
    *, kind: str, sender: str, recipient: str, correlation_id: str, payload: dict[str, Any]
) -> dict[str, Any]:
    """The outbox row of a direct message to one party, not yet written (see ``write``)."""
    _check(kind=kind, sender=sender, recipient=recipient, correlation_id=correlation_id)
    return _row(
        direction="out",
        kind=kind,
        sender=sender,
        recipient=recipient,
        correlation_id=correlation_id,
        payload=payload,
    )


def send(
    session: Session,
    *,
    kind: str,
    sender: str,
    recipient: str,
    correlation_id: str,
    payload: dict[str, Any],
) -> Envelope:
    """A direct message to one party (status notices to traders and the like)."""
    row = send_row(
        kind=kind,
        sender=sender,
        recipient=recipient,
        correlation_id=correlation_id,
        payload=payload,
    )
    (envelope,) = write(session, [row])
    return envelope


def record_inbound(
    session: Session, *, kind: str, sender: str, correlation_id: str, payload: dict[str, Any]
) -> Envelope:
    """Logs a message received from a party, so the message log covers both directions."""
    _check(kind=kind, sender=sender, correlation_id=correlation_id)
    (envelope,) = write(
        session,
        [
            _row(
                direction="in",
                kind=kind,
                sender=sender,
                recipient=PLATFORM,
                correlation_id=correlation_id,
                payload=payload,
            )
        ],
    )
    return envelope
