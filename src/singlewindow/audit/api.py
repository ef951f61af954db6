"""Audit routes under ``/api/v1/audit`` (operators; later the "auditor" role).

Reading the audit log is itself audited: each call records who looked, at what.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import AwareDatetime

from singlewindow.audit import actions, repository
from singlewindow.audit.chain import Anchor
from singlewindow.audit.schemas import AuditEntryOut, AuditEntryPage, HeadOut, VerifyOut
from singlewindow.audit.service import (
    ACTION_PATTERN,
    TARGET_TYPE_PATTERN,
    Outcome,
    current_head,
    record_principal,
)
from singlewindow.audit.verify import verify
from singlewindow.kit.errors import Finding, ValidationFailed
from singlewindow.kit.http import DbSession
from singlewindow.kit.pagination import decode_cursor, encode_cursor
from singlewindow.parties.access import Auditor

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

ANCHOR_PATTERN = r"^[0-9]{1,18}:[0-9a-fA-F]{64}$"


def request_ip(request: Request) -> str | None:
    """The peer address (a proxy's own address behind a load balancer; headers are not trusted)."""
    return request.client.host if request.client else None


def _check_period(since: AwareDatetime | None, until: AwareDatetime | None) -> None:
    if since is not None and until is not None and since > until:
        message, message_zh = "`until` is before `since`", "`until` 早于 `since`"
        raise ValidationFailed(
            message,
            message_zh,
            code="invalid_period",
            findings=[Finding("query:until", "invalid_period", message, message_zh)],
        )


@router.get("/entries", response_model=AuditEntryPage)
def list_entries(
    session: DbSession,
    op: Auditor,
    request: Request,
    actor: Annotated[str | None, Query(min_length=1, max_length=120)] = None,
    action: Annotated[str | None, Query(max_length=60, pattern=ACTION_PATTERN)] = None,
    target_type: Annotated[str | None, Query(max_length=40, pattern=TARGET_TYPE_PATTERN)] = None,
    target_id: Annotated[str | None, Query(min_length=1, max_length=120)] = None,
    outcome: Outcome | None = None,
    since: Annotated[AwareDatetime | None, Query(description="at >= since (ISO 8601)")] = None,
    until: Annotated[AwareDatetime | None, Query(description="at < until (ISO 8601)")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> AuditEntryPage:
    """Audit entries matching every filter, oldest first, with a cursor to the next page."""
    _check_period(since, until)
    rows = repository.find_entries(
        session,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        outcome=outcome,
        since=since,
        until=until,
        after_id=decode_cursor(cursor),
        limit=limit,
    )
    page = AuditEntryPage(
        items=[AuditEntryOut.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=encode_cursor(rows[-1].id) if len(rows) == limit else None,
    )
    filters: dict[str, Any] = {
        "actor": actor,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "outcome": outcome,
        "since": since,
        "until": until,
        "cursor": cursor,
    }
    record_principal(
        session,
        op,
        action=actions.AUDIT_READ,
        target_type=actions.AUDIT_LOG,
        target_id=None,
        detail={"filters": {k: v for k, v in filters.items() if v is not None}, "rows": len(rows)},
        ip=request_ip(request),
    )
    return page


@router.get("/verify", response_model=VerifyOut)
def verify_chain(
    session: DbSession,
    op: Auditor,
    request: Request,
    expect_head: Annotated[
        str | None,
        Query(
            pattern=ANCHOR_PATTERN,
            description="a head recorded earlier, `seq:entry_hash` (from GET /audit/head)",
        ),
    ] = None,
    from_anchor: Annotated[
        bool, Query(description="walk only from the `expect_head` entry on (fast on long chains)")
    ] = False,
) -> VerifyOut:
    """Walks the hash chain and names every entry where it is broken."""
    anchor = Anchor.parse(expect_head) if expect_head else None
    if from_anchor and anchor is None:
        message, message_zh = (
            "`from_anchor` needs `expect_head`",
            "`from_anchor` 需要 `expect_head`",
        )
        raise ValidationFailed(
            message,
            message_zh,
            code="anchor_required",
            findings=[Finding("query:from_anchor", "anchor_required", message, message_zh)],
        )
    report = verify(session, anchor=anchor, from_anchor=from_anchor)
    record_principal(
        session,
        op,
        action=actions.AUDIT_VERIFY,
        target_type=actions.AUDIT_LOG,
        target_id=None,
        detail={
            "intact": report.ok,
            "problems": len(report.problems),
            "head_seq": report.head_seq,
            "anchor_status": report.anchor_status,
        },
        ip=request_ip(request),
    )
    return VerifyOut.model_validate(report.as_dict())


@router.get("/head", response_model=HeadOut)
def chain_head(session: DbSession, _op: Auditor) -> HeadOut:
    """The sealed chain head, `seq:entry_hash`, to record outside the node (anchoring)."""
    return HeadOut.model_validate(current_head(session).as_dict())
