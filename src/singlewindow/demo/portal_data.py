"""Demo data for the agency officer's and the port operator's portal pages (``make run``).

Huangpu customs (district 5200, ``CUS5200``) is the agency the simulator leaves to its demo
officer, so a few declarations are filed at the Huangpu Development Zone office (5208): they
route to ``CUS5200`` and wait in the officer's worklist. Their goods enter through Yantian
(``ie_port`` 5316, integrated clearance across districts), whose terminal ``PORT-YICT`` is the
demo port operator's: an inspection the officer orders is booked there, and a release notice
goes there. The terminal offers inspection capacity for the next days.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from singlewindow.demo.scenario import demo_document
from singlewindow.demo.seed import DEMO_TERMINAL, DemoTrader
from singlewindow.inspection import booking
from singlewindow.inspection.models import InspectionCapacity
from singlewindow.kit import clock
from singlewindow.kit.clock import CHINA_TZ

HUANGPU_OFFICE = "5208"  # 黄埔开发区, a subordinate office of Huangpu customs (5200)
ENTRY_PORT = "5316"  # Yantian, served by the demo terminal PORT-YICT
CAPACITY_DAYS = 3
CAPACITY_HOURS = (9, 17)  # 09:00–17:00 China time
CAPACITY_BAYS = 4


def huangpu_document(
    trader: DemoTrader, index: int, *, client_ref: str | None = None
) -> dict[str, Any]:
    """A valid declaration filed at Huangpu customs (routed to ``CUS5200``) for goods that
    enter or leave through Yantian."""
    doc = demo_document(trader, index)
    doc["head"]["custom_master"] = HUANGPU_OFFICE
    doc["head"]["ie_port"] = ENTRY_PORT
    doc["head"]["bill_no"] = f"HPBL{index:010d}"
    doc["client_ref"] = client_ref or f"DEMO-HP-{index:04d}"
    return doc


def submit_huangpu_declarations(
    base_url: str, trader: DemoTrader, count: int = 4, *, wait_s: float = 60.0
) -> int:
    """Files ``count`` Huangpu declarations through the public API once the node answers
    (idempotent by client reference: a restart files nothing new). Returns how many were
    accepted (202)."""
    import time as _time

    import httpx

    deadline = _time.monotonic() + wait_s
    with httpx.Client(base_url=base_url, timeout=30) as client:
        while _time.monotonic() < deadline:
            try:
                if client.get("/api/v1/health").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            _time.sleep(0.2)
        headers = {"Authorization": f"Bearer {trader.token}"}
        accepted = 0
        for i in range(count):
            r = client.post(
                "/api/v1/declarations", json=huangpu_document(trader, i), headers=headers
            )
            accepted += r.status_code == 202
    return accepted


def ensure_demo_capacity(
    session: Session,
    *,
    node_code: str,
    terminal: str = DEMO_TERMINAL,
    days: int = CAPACITY_DAYS,
    bays: int = CAPACITY_BAYS,
) -> int:
    """Inspection capacity at the demo terminal for today (the hours still ahead) and the
    next ``days`` days, through the inspection service's offer; days already offered are
    left as they are. Returns the number of one-hour slots offered."""
    offered = 0
    today = clock.today_china()
    now = clock.now()
    first, last = CAPACITY_HOURS
    for n in range(days + 1):
        day = today + timedelta(days=n)
        start = datetime.combine(day, time(first), CHINA_TZ)
        end = datetime.combine(day, time(last), CHINA_TZ)
        if n == 0:
            next_hour = (now + timedelta(hours=1)).astimezone(CHINA_TZ)
            start = max(start, next_hour.replace(minute=0, second=0, microsecond=0))
        if start >= end:
            continue
        exists = session.scalar(
            select(InspectionCapacity.id)
            .where(
                InspectionCapacity.terminal == terminal,
                InspectionCapacity.starts_at >= start,
                InspectionCapacity.starts_at < end,
            )
            .limit(1)
        )
        if exists is not None:
            continue
        offered += len(
            booking.offer(
                session, terminal, starts_at=start, ends_at=end, bays=bays, node_code=node_code
            )
        )
    return offered
