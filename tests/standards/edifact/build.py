"""Small builders for EDIFACT test input: interchanges written by hand, segment by segment."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import UTC, datetime

from singlewindow.kit.errors import Finding
from singlewindow.standards.edifact import Message, Rejection, iter_messages, read_interchange

PREPARED = datetime(2026, 11, 29, 0, 0, tzinfo=UTC)
ENVELOPE = {
    "sender": "CARRIER01",
    "recipient": "CNSW",
    "reference": "IC0001",
    "prepared_at": PREPARED,
}


def message(
    body: Iterable[str],
    *,
    ref: str = "1",
    identifier: str = "CUSCAR:D:95B:UN",
    count: int | None = None,
) -> list[str]:
    """UNH, the body segments and UNT (with the right count unless ``count`` is given)."""
    segments = [f"UNH+{ref}+{identifier}", *body]
    return [*segments, f"UNT+{count if count is not None else len(segments) + 1}+{ref}"]


def interchange(
    *messages: list[str],
    una: str | None = "UNA:+.? '",
    ref: str = "REF1",
    count: int | None = None,
    terminator: str = "'",
    unz: bool = True,
) -> str:
    """A whole interchange from message segment lists (written with ``'`` and ``+``)."""
    segments = [f"UNB+UNOC:3+SENDER+RECIPIENT+261129:0800+{ref}"]
    for m in messages:
        segments += m
    if unz:
        segments.append(f"UNZ+{count if count is not None else len(messages)}+{ref}")
    return (una or "") + "".join(s + terminator for s in segments)


def items(text: str | bytes, *, chunk_size: int = 64 * 1024) -> list[Message | Rejection]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return list(iter_messages(io.BytesIO(data), chunk_size=chunk_size))


def only_message(text: str) -> Message:
    interchange_ = read_interchange(text)
    assert not interchange_.rejections, interchange_.rejections
    (found,) = interchange_.messages
    return found


def codes(findings: Iterable[Finding]) -> set[str]:
    return {f.code for f in findings}
