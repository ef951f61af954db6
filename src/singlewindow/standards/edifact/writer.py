"""Writing interchanges: UNA, UNB, one UNH … UNT per message body, UNZ.

The syntax is chosen from the text: ``UNOC:3`` when it is plain ASCII (the widest-supported
syntax, and the same bytes in every codec), otherwise ``UNOW:4`` (UTF-8), so Chinese names
travel unchanged. Either way the interchange's bytes are ``text.encode("utf-8")``;
``encode_interchange`` does exactly that after checking the text can be encoded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from singlewindow.kit.clock import CHINA_TZ, now
from singlewindow.kit.errors import Finding, ValidationFailed
from singlewindow.standards.edifact.syntax import (
    DEFAULT_DELIMITERS,
    SYNTAX_ENCODINGS,
    Delimiters,
    Segment,
    build,
    render,
)

_SYNTAX_IN_UNB = re.compile(r"UNB.(UNO[A-Z])")


def write_interchange(
    bodies: Sequence[Sequence[Segment]],
    *,
    message: str,
    sender: str,
    recipient: str,
    reference: str,
    prepared_at: datetime | None = None,
    delimiters: Delimiters = DEFAULT_DELIMITERS,
    line_breaks: bool = False,
) -> str:
    """A complete interchange with one message per body (the segments between UNH and
    UNT). ``message`` is the UNH message identifier, e.g. ``CUSCAR:D:95B:UN`` (a fifth
    part is the association assigned code, e.g. ``BAPLIE:D:95B:UN:SMDG21``). Message
    references are 1, 2, … in order."""
    problems = [
        Finding(
            f"/{name}",
            "invalid_envelope",
            f"{name} must be 1 to {limit} characters",
            f"{label}应为 1 至 {limit} 个字符",
        )
        for name, label, text, limit in (
            ("sender", "发送方", sender, 35),
            ("recipient", "接收方", recipient, 35),
            ("reference", "交换控制参考号", reference, 14),
        )
        if not text or len(text) > limit
    ]
    if problems:
        raise ValidationFailed("Invalid interchange envelope", "交换信封无效", findings=problems)
    stamp = (prepared_at or now()).astimezone(CHINA_TZ)
    identifier = message.split(":")
    messages: list[Segment] = []
    for number, body in enumerate(bodies, 1):
        messages.append(build("UNH", str(number), identifier))
        messages.extend(body)
        messages.append(build("UNT", str(len(body) + 2), str(number)))
    trailer = build("UNZ", str(len(bodies)), reference)
    for syntax, version, codec in (("UNOC", "3", "ascii"), ("UNOW", "4", "utf-8")):
        day = stamp.strftime("%y%m%d" if version == "3" else "%Y%m%d")
        header = build(
            "UNB", [syntax, version], sender, recipient, [day, stamp.strftime("%H%M")], reference
        )
        text = render([header, *messages, trailer], delimiters, line_breaks=line_breaks)
        if _fits(text, codec):
            return text
    raise ValidationFailed(
        "The document contains characters that cannot be encoded (lone surrogates)",
        "单证含有无法编码的字符(孤立代理项)",
        findings=[
            Finding(
                "/", "unencodable_text", "Text must be valid Unicode", "文本必须是有效的 Unicode"
            )
        ],
    )


def encode_interchange(text: str) -> bytes:
    """The bytes of an interchange text, in the codec its UNB syntax identifier names."""
    found = _SYNTAX_IN_UNB.search(text[:200])
    codec = SYNTAX_ENCODINGS.get(found.group(1), "utf-8") if found else "utf-8"
    return text.encode(codec)


def _fits(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


__all__ = ["encode_interchange", "write_interchange"]
