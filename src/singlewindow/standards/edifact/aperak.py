"""APERAK (application error and acknowledgement, UN/EDIFACT D.95B) <-> an
acknowledgement; the answer the platform sends for every message it receives.

Canonical acknowledgement::

    {"ref", "accepted": bool,
     "errors": [{"code", "path", "message", "message_zh"}], "at"}

``ref`` is the message reference (UNH 0062) being answered; ``message_zh`` is optional.
Layout::

    UNH+1+APERAK:D:95B:UN'  BGM+++9+AP|RE'  DTM+137:{at}:304'  RFF+ACW:{ref}'
    ERC+{code}'  FTX+AAO+++{message}+EN'  FTX+AAO+++{message_zh}+ZH'  FTX+ZZZ++PATH+{path}'

``rejection_to_acknowledgement`` turns a ``Rejection`` from the reader into the
acknowledgement that answers it; ``message_to_acknowledgement`` accepts a good message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from singlewindow.kit.clock import CHINA_TZ, now
from singlewindow.standards.edifact.envelope import Message, Rejection
from singlewindow.standards.edifact.mapping import (
    Reader,
    Source,
    chunks,
    edi_moment,
    joined,
    pointer_at,
    put,
)
from singlewindow.standards.edifact.spec import MessageSpec, codes
from singlewindow.standards.edifact.syntax import Segment, build, value
from singlewindow.standards.edifact.writer import write_interchange

MESSAGE = "APERAK:D:95B:UN"

SPEC = MessageSpec(
    message_type="APERAK",
    versions=frozenset({"D:95B:UN"}),
    segments={
        "BGM": (codes("AP", "RE", "CA", element=4),),
        "DTM": (codes("137"),),
        "RFF": (codes("ACW"),),
        "ERC": (),
        "FTX": (codes("AAO", "ZZZ"),),
    },
    mandatory=("BGM",),
    title_en="Application error and acknowledgement",
    title_zh="应用错误与确认",
)


def acknowledgement_to_aperak(
    doc: dict[str, Any],
    *,
    sender: str,
    recipient: str,
    reference: str,
    prepared_at: datetime | None = None,
) -> str:
    """A complete interchange with one APERAK for the acknowledgement ``doc``."""
    return write_interchange(
        [acknowledgement_segments(doc)],
        message=MESSAGE,
        sender=sender,
        recipient=recipient,
        reference=reference,
        prepared_at=prepared_at,
    )


def acknowledgement_segments(doc: dict[str, Any]) -> list[Segment]:
    src = Source()
    root = src.object(doc, "", required=True)
    accepted = root.get("accepted")
    if not isinstance(accepted, bool):
        src.problem(
            "/accepted",
            "not_a_boolean",
            "accepted must be true or false",
            "accepted 必须为 true 或 false",
        )
    out = [build("BGM", None, None, "9", "AP" if accepted else "RE")]
    at = src.moment(root, "at", "")
    if at:
        out.append(build("DTM", ["137", *at]))
    ref = src.text(root, "ref", "")
    if ref:
        out.append(build("RFF", ["ACW", ref]))
    for path, error in src.rows(root.get("errors"), "/errors"):
        code = src.text(error, "code", path)
        if not code:
            src.problem(
                pointer_at(path, "code"), "required", "An error needs its code", "错误需要代码"
            )
            continue
        out.append(build("ERC", code))
        for key, language in (("message", "EN"), ("message_zh", "ZH")):
            text = src.text(error, key, path)
            if text:
                out.append(build("FTX", "AAO", None, None, chunks(text, 70), language))
        where = src.text(error, "path", path)
        if where:
            out.append(build("FTX", "ZZZ", None, "PATH", chunks(where, 70)))
    src.check()
    return out


def aperak_to_acknowledgement(message: Message) -> dict[str, Any]:
    """The acknowledgement in an APERAK message; ``EdifactError`` with every finding."""
    reader = Reader(message, SPEC)
    doc: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for position, segment in reader.body():
        tag, qualifier = segment.tag, value(segment, 1, 1)
        if tag == "BGM":
            doc["accepted"] = value(segment, 4) in ("AP", "CA")
        elif tag == "DTM":
            put(doc, "at", edi_moment(value(segment, 1, 2), value(segment, 1, 3)))
        elif tag == "RFF":
            if "ref" in doc:
                reader.duplicate(position, segment)
            else:
                put(doc, "ref", value(segment, 1, 2))
        elif tag == "ERC":
            errors.append({"code": qualifier})
        elif not errors:
            reader.misplaced(
                position, segment, "before the first error (ERC)", "第一个错误(ERC)之前"
            )
        elif qualifier == "AAO":
            key = "message_zh" if value(segment, 5) == "ZH" else "message"
            put(errors[-1], key, joined(segment, 4))
        elif value(segment, 3, 1) == "PATH":
            put(errors[-1], "path", joined(segment, 4))
        else:
            reader.problem(
                position,
                "unknown_qualifier",
                "FTX+ZZZ in an APERAK carries the error path (C107 PATH)",
                "APERAK 中的 FTX+ZZZ 用于错误路径(C107 为 PATH)",
                3,
                1,
            )
    reader.done()
    doc["errors"] = errors
    return doc


def rejection_to_acknowledgement(
    rejection: Rejection, *, at: datetime | None = None
) -> dict[str, Any]:
    """The negative acknowledgement that answers a rejected message."""
    return {
        "ref": rejection.reference or str(rejection.index + 1),
        "accepted": False,
        "errors": [
            {"code": f.code, "path": f.path, "message": f.message, "message_zh": f.message_zh}
            for f in rejection.findings
        ],
        "at": _stamp(at),
    }


def message_to_acknowledgement(message: Message, *, at: datetime | None = None) -> dict[str, Any]:
    """The positive acknowledgement of a message that was read and stored."""
    return {"ref": message.reference, "accepted": True, "errors": [], "at": _stamp(at)}


def _stamp(at: datetime | None) -> str:
    return (at or now()).astimezone(CHINA_TZ).isoformat(timespec="seconds")


__all__ = [
    "MESSAGE",
    "SPEC",
    "acknowledgement_segments",
    "acknowledgement_to_aperak",
    "aperak_to_acknowledgement",
    "message_to_acknowledgement",
    "rejection_to_acknowledgement",
]
