"""Read any interchange into canonical documents, one per message, by message type.

``iter_documents`` is what the batch import command and the API use: for each message
a ``Parsed`` (document type, canonical JSON, message index) or a ``Rejection`` (the
message is unreadable, of a type we do not read, or breaks its layout). Interchange-level
problems raise ``EdifactError`` as in ``iter_messages``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from singlewindow.kit.errors import Finding
from singlewindow.standards.edifact.aperak import aperak_to_acknowledgement
from singlewindow.standards.edifact.baplie import baplie_to_container_list
from singlewindow.standards.edifact.cuscar import cuscar_to_manifest
from singlewindow.standards.edifact.cusdec import cusdec_to_goods_declaration
from singlewindow.standards.edifact.cusres import cusres_to_response
from singlewindow.standards.edifact.envelope import Message, Rejection
from singlewindow.standards.edifact.errors import EdifactError
from singlewindow.standards.edifact.reader import iter_messages, read_interchange

Read = Callable[[Message], dict[str, Any]]

READERS: dict[str, tuple[str, Read]] = {
    "CUSCAR": ("manifest", cuscar_to_manifest),
    "CUSDEC": ("goods_declaration", cusdec_to_goods_declaration),
    "BAPLIE": ("container_list", baplie_to_container_list),
    "CUSRES": ("agency_response", cusres_to_response),
    "APERAK": ("acknowledgement", aperak_to_acknowledgement),
}
DOCUMENT_TYPES = {message_type: doc_type for message_type, (doc_type, _) in READERS.items()}


@dataclass(frozen=True, slots=True)
class Parsed:
    """One message read into a canonical document.

    Unpacks as ``doc_type, document, message_index``; ``reference`` (UNH 0062) and
    ``offset`` (byte offset of UNH) identify the message for an acknowledgement.
    """

    doc_type: str
    document: dict[str, Any]
    message_index: int
    reference: str = ""
    offset: int = 0
    message_type: str = ""

    def __iter__(self) -> Iterator[Any]:
        return iter((self.doc_type, self.document, self.message_index))


def parse_message(message: Message) -> Parsed | Rejection:
    """The canonical document of one message, or its rejection."""
    entry = READERS.get(message.message_type)
    if entry is None:
        supported = ", ".join(READERS)
        finding = Finding(
            message.path(1, 2, 1),
            "unsupported_message_type",
            f"{message.message_type} messages are not read here; supported: {supported}",
            f"不支持 {message.message_type} 报文；支持：{supported}",
        )
        return _rejection(message, [finding])
    doc_type, read = entry
    try:
        document = read(message)
    except EdifactError as error:
        return _rejection(message, error.findings)
    return Parsed(
        doc_type, document, message.index, message.reference, message.offset, message.message_type
    )


def iter_documents(
    stream: BinaryIO, *, encoding: str | None = None, chunk_size: int = 64 * 1024
) -> Iterator[Parsed | Rejection]:
    """One ``Parsed`` or ``Rejection`` per message of the interchange in ``stream``."""
    for item in iter_messages(stream, encoding=encoding, chunk_size=chunk_size):
        yield item if isinstance(item, Rejection) else parse_message(item)


def read_documents(data: str | bytes, *, encoding: str | None = None) -> list[Parsed | Rejection]:
    """``iter_documents`` for a small interchange in memory: ``EdifactError`` before any
    result when the interchange as a whole is invalid."""
    interchange = read_interchange(data, encoding=encoding)
    return [
        item if isinstance(item, Rejection) else parse_message(item) for item in interchange.items
    ]


def _rejection(message: Message, findings: list[Finding]) -> Rejection:
    return Rejection(
        message.index, message.offset, message.reference, message.message_type, tuple(findings)
    )


__all__ = [
    "DOCUMENT_TYPES",
    "READERS",
    "Parsed",
    "iter_documents",
    "parse_message",
    "read_documents",
]
