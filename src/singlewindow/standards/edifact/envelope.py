"""The data types of an interchange read from EDIFACT: its header, its messages and the
rejections of the messages that cannot be used. ``reader`` produces them."""

from __future__ import annotations

from dataclasses import dataclass

from singlewindow.kit.errors import Finding
from singlewindow.standards.edifact.errors import EdifactError, rejected, segment_path
from singlewindow.standards.edifact.syntax import Delimiters, Segment


@dataclass(frozen=True, slots=True)
class InterchangeHeader:
    """What UNB (and UNA) say about the interchange."""

    syntax: str  # S001/0001, e.g. UNOC
    syntax_version: str  # S001/0002
    sender: str  # S002/0004
    sender_qualifier: str  # S002/0007
    recipient: str  # S003/0010
    recipient_qualifier: str  # S003/0007
    prepared_at: str  # S004 as ISO 8601 without offset, e.g. 2026-11-29T08:00
    reference: str  # 0020 interchange control reference
    application_reference: str  # 0026
    test: bool  # 0035 = 1
    encoding: str  # the codec the segments are decoded with
    delimiters: Delimiters


@dataclass(frozen=True, slots=True)
class Message:
    """One message that passed the envelope checks: segments UNH … UNT (pydifact)."""

    index: int  # 0-based position among the items read from the interchange
    offset: int  # byte offset of UNH in the stream
    reference: str  # UNH 0062
    message_type: str  # S009/0065, e.g. CUSCAR
    version: str  # S009/0052, e.g. D
    release: str  # S009/0054, e.g. 95B
    agency: str  # S009/0051, e.g. UN
    association: str  # S009/0057, e.g. SMDG21 (may be empty)
    segments: tuple[Segment, ...]
    header: InterchangeHeader
    group_reference: str | None = None  # UNG 0048 when the message is in a group

    @property
    def identifier(self) -> str:
        """``CUSCAR:D:95B:UN`` — type, version, release and agency as in UNH."""
        return f"{self.message_type}:{self.version}:{self.release}:{self.agency}"

    def path(
        self, position: int | None = None, element: int | None = None, component: int | None = None
    ) -> str:
        if position is None:
            return f"/messages/{self.index}"
        return segment_path(self.index, position, element, component)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A message that cannot be used, with every finding about it."""

    index: int
    offset: int
    reference: str | None  # UNH 0062 when it could be read
    message_type: str | None  # S009/0065 when it could be read
    findings: tuple[Finding, ...]

    def error(self) -> EdifactError:
        return rejected(self.findings, what="message")


@dataclass(frozen=True, slots=True)
class Interchange:
    """A whole (small) interchange read into memory."""

    header: InterchangeHeader
    items: tuple[Message | Rejection, ...]

    @property
    def messages(self) -> list[Message]:
        return [item for item in self.items if isinstance(item, Message)]

    @property
    def rejections(self) -> list[Rejection]:
        return [item for item in self.items if isinstance(item, Rejection)]


__all__ = ["Interchange", "InterchangeHeader", "Message", "Rejection"]
