"""Read-only SELECTs across contexts for the clearance query: every key an indexed lookup.

Keys and the indexes they use:

* ``unified_no``, ``entry_no`` — unique indexes on ``declaration``;
* ``client_ref`` — ``declaration.client_ref`` (the unique key is ``(declarant_code,
  client_ref)``, so a lookup by the reference alone needs its own index on PostgreSQL);
* ``bill_no`` — ``ix_declaration_bill_no``;
* ``container_no`` — ``manifest_container.container_no`` and ``manifest_arrival.container_no``
  give the B/Ls, then ``ix_declaration_bill_no``;
* vessel + voyage — the vessel's keys (its IMO number and its names, from the vessel register
  and its calls) → ``ix_declaration_voyage`` on the declaration's own ``voyage_no`` and
  ``vessel_key`` (head/traf_name, free_text/voy_no: ``declarations/keys.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, CompoundSelect, Select, and_, exists, func, or_, select, union
from sqlalchemy.orm import Session

from singlewindow.declarations import repository as declarations
from singlewindow.declarations.keys import vessel_key, voyage_key
from singlewindow.declarations.models import AgencyStatus, Declaration, TimelineEvent
from singlewindow.exchange.models import Message
from singlewindow.parties.auth import Principal
from singlewindow.parties.schemas import PartyKind
from singlewindow.transport.models import (
    ArrivalRecord,
    Consignment,
    ConsignmentContainer,
    LoadingPermit,
    TransportCall,
    TransportClearance,
    Vessel,
)

PORT_NOTICES = ("release_notice", "loading_permit")
MAX_BILLS = 20_000  # B/Ls one container or voyage resolves to (a large ship carries ~10,000)


@dataclass(frozen=True, slots=True)
class Key:
    """Exactly one way in: a declaration column, a container or a vessel's voyage."""

    unified_no: str | None = None
    entry_no: str | None = None
    client_ref: str | None = None
    bill_no: str | None = None
    container_no: str | None = None
    vessel: str | None = None
    voyage: str | None = None


@dataclass(frozen=True, slots=True)
class Filters:
    status: str | None = None
    ie_flag: str | None = None
    since: datetime | None = None  # submitted_at >= since
    until: datetime | None = None  # submitted_at < until
    descending: bool = True
    after: tuple[datetime, str] | None = None  # the cursor: (submitted_at, id) of the last row


def visible(principal: Principal) -> Select[Declaration]:
    """The declarations the caller may see. Port operators see the declarations the platform
    sent them a release notice or loading permit for; everyone else as on
    ``/api/v1/declarations`` (``declarations.repository.scoped``)."""
    if principal.kind == PartyKind.port_operator:
        notified = exists().where(
            Message.correlation_id == Declaration.id,
            Message.recipient == principal.party_code,
            Message.kind.in_(PORT_NOTICES),
        )
        return select(Declaration).where(notified)
    return declarations.scoped(principal)


def vessel_keys(session: Session, vessel: str) -> list[str]:
    """What a declaration's ``vessel_key`` may hold for this vessel: its IMO number and every
    name it is known by (vessel register, its calls). An IMO number (``UN`` prefix allowed) or a
    name (English, any case, or Chinese); an unregistered name stands for itself."""
    given = vessel_key(vessel)
    if given is None:
        return []
    keys = {given}
    if given.isdigit():
        imos = {given}
    else:
        imos = set(
            session.scalars(
                select(Vessel.imo).where(
                    or_(func.upper(Vessel.name_en) == given, Vessel.name_cn == vessel.strip())
                )
            )
        )
    if imos:
        keys.update(imos)
        # Every name in one round trip: the register's English and Chinese names, the calls'.
        names = union(
            select(Vessel.name_en).where(Vessel.imo.in_(imos)),
            select(Vessel.name_cn).where(Vessel.imo.in_(imos)),
            select(TransportCall.means_name).where(
                TransportCall.mode == "sea", TransportCall.means_id.in_(imos)
            ),
        )  # UNION: each name once, however many calls
        keys.update(k for k in map(vessel_key, session.scalars(names)) if k is not None)
    return sorted(keys)


def bills_for_container(container_no: str) -> CompoundSelect[tuple[str | None]]:
    """The B/Ls a container travels under: on a manifest, or in a terminal's arrival report."""
    manifested = (
        select(Consignment.bill_no)
        .join(ConsignmentContainer, ConsignmentContainer.consignment_id == Consignment.id)
        .where(ConsignmentContainer.container_no == container_no)
    )
    arrived = select(ArrivalRecord.bill_no).where(
        ArrivalRecord.container_no == container_no, ArrivalRecord.bill_no.is_not(None)
    )
    return union(manifested, arrived)


def key_condition(session: Session, key: Key) -> ColumnElement[bool] | None:
    """The WHERE clause for the key; None when the key resolves to nothing. Container keys go
    through the manifest's B/Ls (at most ``MAX_BILLS``)."""
    if key.unified_no is not None:
        return Declaration.unified_no == key.unified_no
    if key.entry_no is not None:
        return Declaration.entry_no == key.entry_no
    if key.client_ref is not None:
        return Declaration.client_ref == key.client_ref
    if key.bill_no is not None:
        return Declaration.bill_no == key.bill_no
    if key.container_no is None:
        assert key.vessel is not None
        assert key.voyage is not None
        names = vessel_keys(session, key.vessel)
        voyage = voyage_key(key.voyage)
        if not names or voyage is None:
            return None
        return and_(Declaration.voyage_no == voyage, Declaration.vessel_key.in_(names))
    bills = bills_for_container(key.container_no)
    # The B/Ls first, then the declarations by ix_declaration_bill_no: a semi-join lets the
    # planner misjudge the count and scan the declarations (seen on PostgreSQL).
    listed = list(session.scalars(bills.limit(MAX_BILLS)))
    return Declaration.bill_no.in_(listed) if listed else None


def find(
    session: Session, principal: Principal, key: Key | None, filters: Filters, limit: int
) -> list[Declaration]:
    """One page of visible, submitted declarations matching the key (all of them without a
    key), by ``submitted_at``. Drafts are not in clearance: they never match."""
    query = visible(principal).where(Declaration.submitted_at.is_not(None))
    if key is not None:
        condition = key_condition(session, key)
        if condition is None:
            return []
        query = query.where(condition)
    if filters.status:
        query = query.where(Declaration.status == filters.status)
    if filters.ie_flag:
        query = query.where(Declaration.ie_flag == filters.ie_flag)
    if filters.since is not None:
        query = query.where(Declaration.submitted_at >= filters.since)
    if filters.until is not None:
        query = query.where(Declaration.submitted_at < filters.until)
    if filters.after is not None:
        at, last_id = filters.after
        if filters.descending:
            query = query.where(
                or_(
                    Declaration.submitted_at < at,
                    and_(Declaration.submitted_at == at, Declaration.id < last_id),
                )
            )
        else:
            query = query.where(
                or_(
                    Declaration.submitted_at > at,
                    and_(Declaration.submitted_at == at, Declaration.id > last_id),
                )
            )
    order = (
        (Declaration.submitted_at.desc(), Declaration.id.desc())
        if filters.descending
        else (Declaration.submitted_at.asc(), Declaration.id.asc())
    )
    return list(session.scalars(query.order_by(*order).limit(limit)))


# --- The parts of the chains of one page (each one query over the page's keys).


def agency_statuses(session: Session, ids: Sequence[str]) -> list[AgencyStatus]:
    return list(
        session.scalars(
            select(AgencyStatus)
            .where(AgencyStatus.declaration_id.in_(ids))
            .order_by(AgencyStatus.agency_code)
        )
    )


def timeline(session: Session, ids: Sequence[str]) -> list[TimelineEvent]:
    return list(
        session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.declaration_id.in_(ids))
            .order_by(TimelineEvent.at, TimelineEvent.id)
        )
    )


def release_notices(session: Session, ids: Sequence[str]) -> list[Message]:
    if not ids:
        return []
    return list(
        session.scalars(
            select(Message)
            .where(Message.correlation_id.in_(ids), Message.kind == "release_notice")
            .order_by(Message.created_at, Message.id)
        )
    )


def loading_permits(session: Session, ids: Sequence[str]) -> list[LoadingPermit]:
    if not ids:
        return []
    return list(session.scalars(select(LoadingPermit).where(LoadingPermit.declaration_id.in_(ids))))


def consignments(session: Session, bills: Iterable[str]) -> list[Consignment]:
    wanted = sorted(set(bills))
    if not wanted:
        return []
    return list(
        session.scalars(
            select(Consignment)
            .where(Consignment.bill_no.in_(wanted))
            .order_by(Consignment.updated_at, Consignment.id)
        )
    )


def containers(session: Session, consignment_ids: Sequence[str]) -> list[ConsignmentContainer]:
    if not consignment_ids:
        return []
    return list(
        session.scalars(
            select(ConsignmentContainer)
            .where(ConsignmentContainer.consignment_id.in_(consignment_ids))
            .order_by(ConsignmentContainer.container_no)
        )
    )


def arrivals(session: Session, bills: Iterable[str]) -> list[ArrivalRecord]:
    wanted = sorted(set(bills))
    if not wanted:
        return []
    return list(
        session.scalars(
            select(ArrivalRecord)
            .where(ArrivalRecord.bill_no.in_(wanted))
            .order_by(ArrivalRecord.arrived_at, ArrivalRecord.id)
        )
    )


def calls_for(session: Session, rows: Sequence[Consignment]) -> dict[str, TransportCall]:
    """The call of each consignment (by id): its ``call_id``, or — when the manifest was filed
    before the call was reported — the call with the journey's key (voyage in or out)."""
    out: dict[str, TransportCall] = {}
    linked = {r.call_id for r in rows if r.call_id}
    by_id = (
        {
            c.id: c
            for c in session.scalars(select(TransportCall).where(TransportCall.id.in_(linked)))
        }
        if linked
        else {}
    )
    for row in rows:
        if row.call_id and row.call_id in by_id:
            out[row.id] = by_id[row.call_id]
            continue
        base = select(TransportCall).where(
            TransportCall.mode == row.mode, TransportCall.means_id == row.means_id
        )
        call = session.scalar(base.where(TransportCall.journey_id == row.journey_id).limit(1))
        if call is None:
            call = session.scalar(base.where(TransportCall.journey_out == row.journey_id).limit(1))
        if call is not None:
            out[row.id] = call
    return out


def clearances(session: Session, call_ids: Sequence[str]) -> list[TransportClearance]:
    if not call_ids:
        return []
    return list(
        session.scalars(
            select(TransportClearance)
            .where(TransportClearance.call_id.in_(call_ids))
            .order_by(TransportClearance.phase, TransportClearance.agency_code)
        )
    )
