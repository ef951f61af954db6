"""Continuity mode: an agency that is down or in maintenance still gets its submissions.

The outbox already accepts and queues every submission whatever the state of the recipient's
channel; this module says so: per agency on the status page, and on the 202 receipt
(``notices``) so that a trader knows the decision will take longer.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from singlewindow.kit.cache import TtlCache, invalidate_when_changed
from singlewindow.kit.settings import Settings
from singlewindow.ops import channel_status, maintenance
from singlewindow.ops.models import MaintenanceWindow
from singlewindow.ops.schemas import ChannelStatus, ContinuityNotice
from singlewindow.parties.models import Party


def _notice(code: str, down: bool, windows: list[MaintenanceWindow]) -> ContinuityNotice:
    if windows:
        w = max(windows, key=lambda x: x.ends_at)
        return ContinuityNotice(
            agency_code=code,
            reason="maintenance",
            message=f"{code} is in planned maintenance until {w.ends_at.isoformat()}: "
            f"{w.notice_en} Submissions are accepted and queued, and delivered afterwards.",
            message_zh=f"{code} 计划维护中，预计 {w.ends_at.isoformat()} 结束：{w.notice_zh}"
            "申报照常受理并排队，维护结束后自动送达。",
            until=w.ends_at,
        )
    assert down
    return ContinuityNotice(
        agency_code=code,
        reason="down",
        message=f"{code} cannot be reached at the moment. Submissions are accepted and queued, "
        "and delivered when it is back.",
        message_zh=f"{code} 暂时无法连接。申报照常受理并排队，恢复后自动送达。",
    )


def channel_statuses(
    session: Session,
    settings: Settings,
    codes: Sequence[str] | None = None,
    *,
    with_last_delivery: bool = True,
) -> list[ChannelStatus]:
    """Every agency's and port operator's channel (or only ``codes``), with its health."""
    query = select(Party).where(Party.active.is_(True)).order_by(Party.code)
    if codes is None:
        query = query.where(Party.kind.in_(maintenance.CHANNEL_KINDS))
    else:
        query = query.where(Party.code.in_(list(codes)))
    parties = list(session.scalars(query))
    measures = channel_status.measure(
        session, [p.code for p in parties], with_last_delivery=with_last_delivery
    )
    windows = maintenance.open_now(session, [p.code for p in parties])
    node_wide = windows.get(None, [])
    out = []
    for party in parties:
        m = measures[party.code]
        health = channel_status.judge(m, settings)
        open_ = [*node_wide, *windows.get(party.code, [])]
        continuity = health == "down" or bool(open_)
        out.append(
            ChannelStatus(
                agency_code=party.code,
                name_zh=party.name_zh,
                name_en=party.name_en,
                party_kind=party.kind,
                channel_kind=m.channel_kind,
                backlog=m.backlog,
                oldest_pending_age_s=m.oldest_pending_age_s,
                last_delivery_at=m.last_delivery_at,
                attempts_1h=m.attempts_1h,
                failures_1h=m.failures_1h,
                error_rate_1h=m.error_rate_1h,
                dead_letters=m.dead_letters,
                health=health,
                maintenance=[maintenance.window_out(w) for w in open_],
                continuity=continuity,
                notice=_notice(party.code, health == "down", open_) if continuity else None,
            )
        )
    return out


# The receipt's notices are read on every submission: a few seconds of staleness is fine for
# a status that changes over minutes, and keeps the status queries off the hot path.
NOTICES: TtlCache[tuple[ContinuityNotice, ...]] = TtlCache(ttl=5.0)
invalidate_when_changed(MaintenanceWindow, NOTICES)


def notices_for(
    session: Session, settings: Settings, recipients: Sequence[str]
) -> list[ContinuityNotice]:
    """The continuity notices of the agencies a submission was routed to (cached briefly)."""
    if not recipients:
        return []
    key = tuple(sorted(set(recipients)))

    def load() -> tuple[ContinuityNotice, ...]:
        statuses = channel_statuses(session, settings, key, with_last_delivery=False)
        return tuple(s.notice for s in statuses if s.notice is not None)

    return list(NOTICES.get_or_load(session, key, load))
