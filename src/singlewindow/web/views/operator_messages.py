"""The message monitor: backlog per channel, dead letters and their redrive, message search
with cursor pagination, one message's envelope, and the message log verification — the
functions ``exchange/api/operator.py`` calls, with the same audit record for a redrive."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.exchange import monitor
from singlewindow.exchange.messagelog import verify_log
from singlewindow.exchange.models import Message
from singlewindow.kit import clock
from singlewindow.kit.errors import BadRequest, Finding, NotFound, SingleWindowError
from singlewindow.kit.http import DbSession
from singlewindow.kit.pagination import decode_cursor, encode_cursor
from singlewindow.web.auth import OperatorUser, PortalUser
from singlewindow.web.render import render, render_partial
from singlewindow.web.views.operator_common import htmx, require_province, see_other

router = APIRouter(prefix="/portal/operator/messages", include_in_schema=False)

PAGE = 50
STATES = ("pending", "published", "delivered", "acked", "dead", "received")
FILTERS = ("id", "correlation_id", "kind", "sender", "recipient", "state", "direction")
_ID = re.compile(r"^[0-9a-f-]{36}$")


def _when(value: str, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadRequest(
            "Invalid time",
            "时间格式错误",
            code="invalid_time",
            findings=[
                Finding(
                    f"/{name}", "datetime_parsing", "expected a date and time", "日期时间格式错误"
                )
            ],
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=clock.CHINA_TZ)


def id_floor(moment: datetime) -> str:
    """The smallest UUID v7 of ``moment``'s millisecond: message ids sort by creation time,
    so "created at or after" is "id above this" (the monitor's own cursor filter)."""
    ms = int(moment.timestamp() * 1000)
    hex_ = f"{ms:012x}"
    return f"{hex_[:8]}-{hex_[8:12]}-0000-0000-000000000000"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=clock.now().tzinfo)


def search(session: Session, params: dict[str, str]) -> tuple[list[Message], str | None]:
    """One page of messages matching the filters, and the cursor of the next page."""
    if params.get("id"):
        row = session.get(Message, params["id"]) if _ID.match(params["id"]) else None
        return ([row] if row is not None else []), None
    start, end = _when(params.get("from", ""), "from"), _when(params.get("to", ""), "to")
    after = decode_cursor(params["cursor"]) if params.get("cursor") else None
    if start is not None and (after is None or after < id_floor(start)):
        after = id_floor(start)
    state = params.get("state") if params.get("state") in STATES else None
    direction = params.get("direction") if params.get("direction") in ("in", "out") else None
    rows = monitor.find_messages(
        session,
        recipient=params.get("recipient") or None,
        sender=params.get("sender") or None,
        kind=params.get("kind") or None,
        correlation_id=params.get("correlation_id") or None,
        state=state,
        direction=direction,
        after_id=after,
        limit=PAGE,
    )
    more = len(rows) == PAGE
    if end is not None:
        kept = [m for m in rows if _aware(m.created_at) <= end]
        more = more and len(kept) == len(rows)
        rows = kept
    return rows, (encode_cursor(rows[-1].id) if more and rows else None)


def _next_url(params: dict[str, str], cursor: str | None) -> str | None:
    if cursor is None:
        return None
    from urllib.parse import urlencode

    query = {k: v for k, v in params.items() if v and k != "cursor"} | {"cursor": cursor}
    return "/portal/operator/messages?" + urlencode(query) + "#search"


def monitor_page(
    request: Request,
    session: Session,
    user: PortalUser,
    *,
    notice: str = "",
    error: SingleWindowError | None = None,
) -> Response:
    q = request.query_params
    params = {k: q.get(k, "").strip() for k in (*FILTERS, "from", "to", "cursor")}
    searched = any(params[k] for k in (*FILTERS, "from", "to"))
    try:
        results, cursor = search(session, params) if searched else ([], None)
    except SingleWindowError as exc:
        results, cursor, error = [], None, exc
    dead_for = q.get("dead_recipient", "").strip() or None
    values = {
        "backlog": monitor.backlog(session),
        "dead": monitor.find_messages(session, recipient=dead_for, state="dead", limit=100),
        "dead_recipient": dead_for or "",
        "params": params,
        "searched": searched,
        "results": results,
        "next_url": _next_url(params, cursor),
        "states": STATES,
        "dead_notice": notice,
        "dead_error": None,
        "error": error,
    }
    status = error.status if error else 200
    return render(request, "operator/messages.html", values, user=user, status_code=status)


@router.get("")
def messages(request: Request, session: DbSession, user: OperatorUser) -> Response:
    require_province(user)
    done = request.query_params.get("done")
    return monitor_page(
        request, session, user, notice="operator.redriven" if done == "redriven" else ""
    )


@router.get("/verify")
def verify(request: Request, session: DbSession, user: OperatorUser) -> Response:
    require_province(user)
    report = verify_log(session).as_dict()
    if htmx(request):
        return render_partial(request, "operator/_verify.html", {"report": report}, user=user)
    return render(request, "operator/verify.html", {"report": report}, user=user)


@router.post("/{message_id}/redrive")
def redrive(request: Request, session: DbSession, user: OperatorUser, message_id: str) -> Response:
    require_province(user)
    try:
        redriven = monitor.redrive(session, message_id=message_id)
    except SingleWindowError as exc:
        if not htmx(request):
            raise
        return _dead_letters(request, session, user, error=exc)
    audit.record_principal(
        session,
        user.principal,
        action=actions.DEAD_LETTER_REDRIVEN,
        target_type=actions.MESSAGE,
        target_id=message_id,
        detail={"redriven": redriven},
    )
    if htmx(request):
        return _dead_letters(request, session, user, notice="operator.redriven")
    return see_other("/portal/operator/messages?done=redriven#dead-letters")


def _dead_letters(
    request: Request,
    session: Session,
    user: PortalUser,
    *,
    notice: str = "",
    error: SingleWindowError | None = None,
) -> Response:
    """The dead-letter section alone, for htmx to swap in after a redrive."""
    values = {
        "dead": monitor.find_messages(session, state="dead", limit=100),
        "dead_recipient": "",
        "dead_notice": notice,
        "dead_error": error,
    }
    status = error.status if error else 200
    return render_partial(
        request, "operator/_dead_letters.html", values, user=user, status_code=status
    )


@router.get("/{message_id}")
def message_detail(
    request: Request, session: DbSession, user: OperatorUser, message_id: str
) -> Response:
    require_province(user)
    row = session.get(Message, message_id) if _ID.match(message_id) else None
    if row is None:
        raise NotFound("Message not found", "未找到报文", code="message_not_found")
    values: dict[str, Any] = {
        "m": row,
        "payload": json.dumps(row.payload, ensure_ascii=False, indent=2, sort_keys=True),
        "context_json": json.dumps(row.context, ensure_ascii=False, indent=2)
        if row.context
        else "",
    }
    return render(request, "operator/message.html", values, user=user)
