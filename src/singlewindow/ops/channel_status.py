"""Channel health per agency and port operator, read from what the exchange records.

The exchange keeps, per outbound message, its state, an attempt counter (failed deliveries)
and the times it was delivered, acknowledged or given up. It keeps no row per attempt, so the
hourly error rate is an estimate: failures are the attempt counters of the messages active in
the last hour (still open, or delivered or dead-lettered within it), successes the messages
delivered within it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from singlewindow.exchange.models import Channel
from singlewindow.exchange.models import Message as Msg
from singlewindow.kit import clock
from singlewindow.kit.settings import Settings
from singlewindow.ops.schemas import Health

UNACKED = ("pending", "published", "delivered")
WINDOW = timedelta(hours=1)
RANK: dict[Health, int] = {"ok": 0, "degraded": 1, "down": 2}


@dataclass(frozen=True)
class Measure:
    recipient: str
    channel_kind: str
    backlog: int
    oldest_pending_age_s: float | None
    last_delivery_at: datetime | None
    attempts_1h: int
    failures_1h: int
    dead_letters: int

    @property
    def error_rate_1h(self) -> float | None:
        return self.failures_1h / self.attempts_1h if self.attempts_1h else None


def _aware(value: datetime | str | None, now: datetime) -> datetime | None:
    if isinstance(value, str):  # SQLite returns MIN()/MAX() of a datetime as text
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=now.tzinfo)
    return value


def measure(
    session: Session, recipients: Sequence[str], *, with_last_delivery: bool = True
) -> dict[str, Measure]:
    """The raw figures of each recipient's channel (pull when it has no channel row).

    Every query is bounded by an index, so a submission can afford it (the receipt's notices):
    the waiting and dead messages by (recipient, state), the last hour's deliveries by
    (recipient, delivered_at). Only the last acknowledgement (``with_last_delivery``, the
    status page) reads all of a recipient's acknowledged messages.
    """
    if not recipients:
        return {}
    codes = list(recipients)
    now = clock.now()
    since = now - WINDOW
    open_ = Msg.state.in_(UNACKED)
    retrying = Msg.state.in_(("pending", "published"))
    waiting = {
        r.recipient: r
        for r in session.execute(
            select(
                Msg.recipient,
                func.sum(case((open_, 1), else_=0)).label("backlog"),
                func.min(case((open_, Msg.created_at), else_=None)).label("oldest"),
                func.sum(case((Msg.state == "dead", 1), else_=0)).label("dead"),
                func.sum(case((or_(retrying, Msg.dead_at >= since), Msg.attempts), else_=0)).label(
                    "failures"
                ),
            )
            .where(Msg.recipient.in_(codes), Msg.state.in_((*UNACKED, "dead")))
            .where(Msg.direction == "out")
            .group_by(Msg.recipient)
        )
    }
    delivered = {
        r.recipient: r
        for r in session.execute(
            select(
                Msg.recipient,
                func.count().label("successes"),
                func.sum(Msg.attempts).label("failures"),
            )
            .where(Msg.recipient.in_(codes), Msg.delivered_at >= since)
            .where(Msg.direction == "out")
            .group_by(Msg.recipient)
        )
    }
    last: dict[str, datetime | None] = {}
    if with_last_delivery:
        last = {
            r.recipient: _aware(r.last, now)
            for r in session.execute(
                select(Msg.recipient, func.max(Msg.acked_at).label("last"))
                .where(Msg.recipient.in_(codes), Msg.state == "acked", Msg.direction == "out")
                .group_by(Msg.recipient)
            )
        }
    kinds: dict[str, str] = {
        r.recipient: r.kind
        for r in session.execute(
            select(Channel.recipient, Channel.kind).where(Channel.recipient.in_(codes))
        )
    }
    out = {}
    for code in codes:
        w, d = waiting.get(code), delivered.get(code)
        oldest = _aware(w.oldest, now) if w else None
        successes = int(d.successes) if d else 0
        failures = (int(w.failures or 0) if w else 0) + (int(d.failures or 0) if d else 0)
        out[code] = Measure(
            recipient=code,
            channel_kind=kinds.get(code, "pull"),
            backlog=int(w.backlog or 0) if w else 0,
            oldest_pending_age_s=max((now - oldest).total_seconds(), 0.0) if oldest else None,
            last_delivery_at=last.get(code),
            attempts_1h=failures + successes,
            failures_1h=failures,
            dead_letters=int(w.dead or 0) if w else 0,
        )
    return out


def judge(m: Measure, settings: Settings) -> Health:
    """``down``: the oldest unacknowledged message waits too long, or most attempts fail
    while messages wait; ``degraded``: the same at the lower thresholds (a high error rate
    with nothing waiting: the channel has recovered but was failing within the hour), or
    dead letters wait for a redrive."""
    age = m.oldest_pending_age_s or 0.0
    rate = m.error_rate_1h if m.attempts_1h >= settings.status_min_attempts else None
    if age >= settings.status_down_backlog_seconds or (
        m.backlog and rate is not None and rate >= settings.status_down_error_rate
    ):
        return "down"
    if (
        age >= settings.status_degraded_backlog_seconds
        or (rate is not None and rate >= settings.status_degraded_error_rate)
        or m.dead_letters
    ):
        return "degraded"
    return "ok"


def worst(healths: Sequence[Health]) -> Health:
    return max(healths, key=RANK.__getitem__, default="ok")
