"""The envelope: what every message carries, whichever transport or channel moves it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from singlewindow.exchange.models import Message

PLATFORM = "platform"
"""The recipient recorded for inbound messages (addressed to this node)."""


@dataclass(frozen=True, slots=True)
class Envelope:
    id: str
    kind: str
    sender: str
    recipient: str
    correlation_id: str
    payload: dict[str, Any] = field(hash=False)
    digest: str
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "sender": self.sender,
            "recipient": self.recipient,
            "correlation_id": self.correlation_id,
            "payload": self.payload,
            "digest": self.digest,
            "created_at": self.created_at.isoformat(),
        }

    @classmethod
    def of(cls, message: Message) -> Envelope:
        return cls(
            id=message.id,
            kind=message.kind,
            sender=message.sender,
            recipient=message.recipient,
            correlation_id=message.correlation_id,
            payload=message.payload,
            digest=message.digest,
            created_at=message.created_at,
        )
