"""CUSRES (customs response, UN/EDIFACT D.95B) <-> an agency response.

Canonical agency response::

    {"declaration_ref", "unified_no", "entry_no",
     "status": "accepted" | "rejected" | "inspection_required" | "released",
     "reasons": [{"code", "text"}], "at"}

Layout::

    UNH+1+CUSRES:D:95B:UN'  BGM+962++9+AP|RE'  DTM+137:{at}:304'
    RFF+ABE:{declaration_ref}'  RFF+ACD:{unified_no}'  RFF+ABT:{entry_no}'
    GIS+{status}:RTS:ZZZ'      120 accepted, 100 rejected, 500 inspection, 800 released
    ERC+{code}'  FTX+AAO+++{text}'   per reason

The status codes are the China customs return statuses (returnStatus 入库 120, 退单 100,
查验 500, 放行 800). A response without GIS takes its status from BGM 4343
(AP accepted, RE rejected).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from singlewindow.standards.edifact.envelope import Message
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

MESSAGE = "CUSRES:D:95B:UN"
STATUS_CODES = {
    "accepted": "120",
    "rejected": "100",
    "inspection_required": "500",
    "released": "800",
}
_STATUSES = {code: status for status, code in STATUS_CODES.items()}
_REFERENCES = {"declaration_ref": "ABE", "unified_no": "ACD", "entry_no": "ABT"}

SPEC = MessageSpec(
    message_type="CUSRES",
    versions=frozenset({"D:95B:UN"}),
    segments={
        "BGM": (),
        "DTM": (codes("137"),),
        "RFF": (codes(*_REFERENCES.values()),),
        "GIS": (codes(*STATUS_CODES.values()),),
        "ERC": (),
        "FTX": (codes("AAO"),),
    },
    mandatory=("BGM",),
    title_en="Customs response",
    title_zh="海关回执",
)


def response_to_cusres(
    doc: dict[str, Any],
    *,
    sender: str,
    recipient: str,
    reference: str,
    prepared_at: datetime | None = None,
) -> str:
    """A complete interchange with one CUSRES for the agency response ``doc``."""
    return write_interchange(
        [response_segments(doc)],
        message=MESSAGE,
        sender=sender,
        recipient=recipient,
        reference=reference,
        prepared_at=prepared_at,
    )


def response_segments(doc: dict[str, Any]) -> list[Segment]:
    src = Source()
    root = src.object(doc, "", required=True)
    status = src.text(root, "status", "")
    code = STATUS_CODES.get(status or "")
    if code is None:
        src.problem(
            "/status",
            "invalid_status",
            "status must be accepted, rejected, inspection_required or released",
            "status 必须为 accepted、rejected、inspection_required 或 released",
        )
    out = [build("BGM", "962", None, "9", "RE" if status == "rejected" else "AP")]
    at = src.moment(root, "at", "")
    if at:
        out.append(build("DTM", ["137", *at]))
    for key, qualifier in _REFERENCES.items():
        ref = src.text(root, key, "")
        if ref:
            out.append(build("RFF", [qualifier, ref]))
    if code:
        out.append(build("GIS", [code, "RTS", "ZZZ"]))
    for path, reason in src.rows(root.get("reasons"), "/reasons"):
        reason_code, text = src.text(reason, "code", path), src.text(reason, "text", path)
        if not reason_code:
            src.problem(
                pointer_at(path, "code"),
                "required",
                "A reason needs its code (ERC)",
                "原因需要代码(ERC)",
            )
            continue
        out.append(build("ERC", reason_code))
        if text:
            out.append(build("FTX", "AAO", None, None, chunks(text, 70)))
    src.check()
    return out


def cusres_to_response(message: Message) -> dict[str, Any]:
    """The agency response in a CUSRES message; ``EdifactError`` with every finding."""
    reader = Reader(message, SPEC)
    doc: dict[str, Any] = {}
    reasons: list[dict[str, Any]] = []
    answer = ""
    status_position = 0
    by_qualifier = {q: key for key, q in _REFERENCES.items()}
    for position, segment in reader.body():
        tag, qualifier = segment.tag, value(segment, 1, 1)
        if tag == "BGM":
            answer = value(segment, 4)
            status_position = position
        elif tag == "DTM":
            put(doc, "at", edi_moment(value(segment, 1, 2), value(segment, 1, 3)))
        elif tag == "RFF" and qualifier in by_qualifier:
            _once(reader, doc, by_qualifier[qualifier], value(segment, 1, 2), position, segment)
        elif tag == "GIS" and qualifier in _STATUSES:
            _once(reader, doc, "status", _STATUSES[qualifier], position, segment)
        elif tag == "ERC":
            reasons.append({"code": qualifier} if qualifier else {})
        elif tag == "FTX":
            if not reasons or "text" in reasons[-1]:
                reasons.append({})
            put(reasons[-1], "text", joined(segment, 4))
    if "status" not in doc:
        status = {"AP": "accepted", "RE": "rejected"}.get(answer)
        if status is None:
            reader.problem(
                status_position or 2,
                "missing_status",
                "The response gives no status: GIS (120, 100, 500, 800) or BGM 4343 (AP, RE)",
                "回执未给出状态：GIS(120、100、500、800)或 BGM 4343(AP、RE)",
            )
        put(doc, "status", status)
    reader.done()
    doc["reasons"] = reasons
    return doc


def _once(
    reader: Reader, doc: dict[str, Any], key: str, item: str, position: int, segment: Segment
) -> None:
    if key in doc:
        reader.duplicate(position, segment)
    else:
        put(doc, key, item)


__all__ = ["MESSAGE", "SPEC", "STATUS_CODES", "cusres_to_response", "response_to_cusres"]
