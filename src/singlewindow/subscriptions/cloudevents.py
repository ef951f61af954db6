"""CloudEvents 1.0 (structured JSON mode): event types, filters and the event body. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from singlewindow.kit.errors import Finding

SPECVERSION = "1.0"
MEDIA_TYPE = "application/cloudevents+json"
TYPE_PREFIX = "cn.gd.singlewindow."

# Message kind → event type (``cn.gd.singlewindow.<context>.<event>``). A kind not listed
# becomes ``exchange.<kind>``, so a new notice reaches subscribers before it is named here.
KIND_TYPES: dict[str, str] = {
    "declaration_status": "declaration.status_changed",
    "declaration_withdrawn": "declaration.withdrawn",
    "agency_decision": "declaration.decision",
    "release_notice": "declaration.released",
    "loading_permit": "transport.loading_permit",
    "transport_status": "transport.status_changed",
    "transport_clearance": "transport.clearance",
    "manifest_discrepancy": "transport.manifest_discrepancy",
    "inspection_notice": "inspection.notice",
}
_TOKEN = re.compile(r"^[a-z0-9_]{1,60}$")
_PATTERN = re.compile(r"^(\*|[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?)$")
MAX_TYPES = 20


def event_type(kind: str, payload: dict[str, Any]) -> str:
    """The event type of an exchange message.

    An ``inspection_notice`` names its step in ``step`` (or ``event``): ``booked`` becomes
    ``cn.gd.singlewindow.inspection.booked``, so ``inspection.*`` selects every step.
    """
    if kind == "inspection_notice":
        step = payload.get("step") or payload.get("event")
        if isinstance(step, str) and _TOKEN.match(step):
            return f"{TYPE_PREFIX}inspection.{step}"
    mapped = KIND_TYPES.get(kind)
    if mapped is None:
        safe = kind.lower() if _TOKEN.match(kind.lower()) else "message"
        mapped = f"exchange.{safe}"
    return TYPE_PREFIX + mapped


def type_findings(patterns: Sequence[str], path: str = "/types") -> list[Finding]:
    """Exact types or prefix wildcards (``cn.gd.singlewindow.inspection.*``; ``*``: all)."""
    out: list[Finding] = []
    if len(patterns) > MAX_TYPES:
        out.append(
            Finding(
                path,
                "too_many_types",
                f"at most {MAX_TYPES} event types",
                f"事件类型最多 {MAX_TYPES} 个",
            )
        )
    for i, pattern in enumerate(patterns):
        ok = isinstance(pattern, str) and bool(_PATTERN.match(pattern))
        ok = ok and (pattern == "*" or pattern.startswith(TYPE_PREFIX))
        if not ok:
            out.append(
                Finding(
                    f"{path}/{i}",
                    "invalid_type",
                    f"event type must be {TYPE_PREFIX}<context>.<event> or end in .* "
                    f"(e.g. {TYPE_PREFIX}inspection.*), or * for all",
                    f"事件类型须为 {TYPE_PREFIX}<上下文>.<事件>，或以 .* 结尾的前缀，或 * 表示全部",
                )
            )
    return out


def type_matches(patterns: Iterable[str], type_: str) -> bool:
    """Whether ``type_`` is selected by any pattern (no pattern: every type)."""
    patterns = list(patterns)
    if not patterns:
        return True
    for pattern in patterns:
        if pattern == "*" or pattern == type_:
            return True
        if pattern.endswith(".*") and type_.startswith(pattern[:-1]):
            return True
    return False


def selects(
    types: Iterable[str], subject: str | None, event_type_: str, event_subject: str
) -> bool:
    """A subscription's filter: its types and, when set, its one document."""
    return type_matches(types, event_type_) and (subject is None or subject == event_subject)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def cloudevent(
    *,
    seq: int,
    envelope_id: str,
    source: str,
    type_: str,
    subject: str,
    time: datetime,
    data: dict[str, Any],
) -> dict[str, Any]:
    """The structured-mode JSON body; ``sequence`` is the node's replay cursor (extension)."""
    return {
        "specversion": SPECVERSION,
        "id": envelope_id,
        "source": source,
        "type": type_,
        "subject": subject,
        "time": _iso(time),
        "datacontenttype": "application/json",
        "sequence": str(seq),
        "data": data,
    }
