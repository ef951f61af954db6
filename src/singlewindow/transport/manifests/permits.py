"""Export loading permits: an export declaration may be loaded once customs released it and
the terminal's arrival report (MT3101 / MT3201) covers all its containers (or, without
containers, its B/L). The ``loading_permit`` notice goes to the port operator exactly once:
the permit moves from ``waiting_arrival`` to ``permitted`` by a conditional UPDATE, and only
the transaction that made that move routes the notice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session

from singlewindow.exchange import service as exchange
from singlewindow.kit import clock
from singlewindow.kit.errors import ValidationFailed
from singlewindow.kit.ids import new_id
from singlewindow.transport.manifests import repository
from singlewindow.transport.models import LoadingPermit

log = logging.getLogger(__name__)

KIND = "loading_permit"
WAITING = "waiting_arrival"
PERMITTED = "permitted"
# Modes whose terminals file arrival reports on this platform (sea MT3101, air MT3201).
ARRIVAL_MODES = frozenset({"2", "5"})


@dataclass(frozen=True, slots=True)
class ExportRelease:
    """What a released export declaration tells the permit (from declarations.service)."""

    declaration_id: str
    declarant_code: str
    entry_no: str | None
    bill_no: str | None
    customs_office: str | None  # head/ie_port
    journey_id: str | None  # free_text/voy_no
    traf_mode: str | None
    containers: Sequence[str]


def _covered(session: Session, permit: LoadingPermit) -> bool:
    boxes = [str(b) for b in permit.containers or ()]
    if boxes:
        arrived = repository.arrived_containers(session, boxes, permit.journey_id)
        return all(b in arrived for b in boxes)
    if permit.bill_no:
        return repository.bill_arrived(session, permit.bill_no, permit.journey_id)
    return True


def on_export_release(session: Session, release: ExportRelease, *, node_code: str) -> LoadingPermit:
    """Creates the declaration's permit (once), permitted at once when already covered."""
    existing = repository.permit_by_declaration(session, release.declaration_id)
    if existing is not None:
        return existing
    permit = LoadingPermit(
        id=new_id(),
        created_at=clock.now(),
        declaration_id=release.declaration_id,
        declarant_code=release.declarant_code,
        entry_no=release.entry_no,
        bill_no=release.bill_no,
        customs_office=release.customs_office,
        journey_id=release.journey_id,
        containers=list(dict.fromkeys(release.containers)),
        status=WAITING,
    )
    session.add(permit)
    session.flush()
    needs_arrival = release.traf_mode is None or release.traf_mode in ARRIVAL_MODES
    if not needs_arrival or _covered(session, permit):
        _permit(session, permit, node_code)
    return permit


def on_arrival(
    session: Session, *, containers: Iterable[str], bills: Iterable[str], node_code: str
) -> int:
    """After an arrival report: permits every waiting permit it completes. Returns how many."""
    boxes, bill_set = set(containers), set(bills)
    permitted = 0
    for permit in repository.waiting_permits(session):
        mine = {str(b) for b in permit.containers or ()}
        touched = (mine & boxes) if mine else (permit.bill_no in bill_set)
        if touched and _covered(session, permit) and _permit(session, permit, node_code):
            permitted += 1
    return permitted


def _permit(session: Session, permit: LoadingPermit, node_code: str) -> bool:
    now = clock.now()
    claimed = session.execute(
        update(LoadingPermit)
        .where(LoadingPermit.id == permit.id, LoadingPermit.status == WAITING)
        .values(status=PERMITTED, permitted_at=now)
        .execution_options(synchronize_session=False)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return False  # another transaction permitted it (and sent the notice)
    session.refresh(permit)
    document = {
        "declaration_id": permit.declaration_id,
        "entry_no": permit.entry_no,
        "bill_no": permit.bill_no,
        "journey_id": permit.journey_id,
        "containers": list(permit.containers or ()),
        "customs_office": permit.customs_office,
        "permitted_at": now.isoformat(),
    }
    try:
        envelopes = exchange.route(
            session,
            kind=KIND,
            document=document,
            sender=node_code,
            correlation_id=permit.declaration_id,
        )
    except ValidationFailed as exc:
        if exc.code != "no_recipient":
            raise
        # No terminal on the platform serves this office: the permit stands (customs and
        # the declarant see it); there is nobody to notify.
        log.warning("no port operator for loading permit of %s", permit.declaration_id)
        envelopes = []
    permit.port_operator = envelopes[0].recipient if envelopes else None
    session.flush()
    return True
