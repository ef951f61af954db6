"""Platform numbers."""

from __future__ import annotations

from sqlalchemy.orm import Session

from singlewindow.kit import clock
from singlewindow.kit.sequences import next_value


def new_unified_no(session: Session, ie_flag: str) -> str:
    """统一编号: I/E letter + 4-digit year + 13-digit serial = 18 characters.

    The serial is platform-wide (not reset per year), so numbers never repeat even across a
    year boundary on a node with clock skew.
    """
    year = clock.today_china().year
    serial = next_value(session, "unified_no")
    return f"{ie_flag}{year:04d}{serial:013d}"
