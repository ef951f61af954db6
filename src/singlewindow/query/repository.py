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
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Row,
    Select,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import Session, defer

from singlewindow.declarations import repository as declarations
from singlewindow.declarations.keys import vessel_key, voyage_key
from singlewindow.declarations.models import AgencyStatus, Declaration, TimelineEvent
from singlewindow.exchange.models import Message
from singlewindow.kit.db import table_of
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


_IMOS_BY_NAME = select(Vessel.imo).where(
    or_(func.upper(Vessel.name_en) == bindparam("upper"), Vessel.name_cn == bindparam("name"))
)
# Every name of the vessels in one round trip: the register's English and Chinese names, the
# calls'. UNION: each name once, however many calls.
_VESSEL_NAMES = union(
    select(Vessel.name_en).where(Vessel.imo.in_(bindparam("imos", expanding=True))),
    select(Vessel.name_cn).where(Vessel.imo.in_(bindparam("imos", expanding=True))),
    select(TransportCall.means_name).where(
        TransportCall.mode == "sea",
        TransportCall.means_id.in_(bindparam("imos", expanding=True)),
    ),
)


def vessel_keys(session: Session, vessel: str) -> list[str]:
    """What a declaration's ``vessel_key`` may hold for this vessel: its IMO number and every
    name it is known by (vessel register, its calls). An IMO number (``UN`` prefix allowed) or a
    name (English, any case, or Chinese); an unregistered name stands for itself."""
    given = vessel_key(vessel)
    if given is None:
        return []
    keys = {given}
    conn = session.connection()
    if given.isdigit():
        imos = {given}
    else:
        found = conn.execute(_IMOS_BY_NAME, {"upper": given, "name": vessel.strip()})
        imos = set(found.scalars())
    if imos:
        keys.update(imos)
        names = conn.execute(_VESSEL_NAMES, {"imos": sorted(imos)}).scalars()
        keys.update(k for k in map(vessel_key, names) if k is not None)
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


def key_conditions(session: Session, key: Key) -> list[ColumnElement[bool]]:
    """The WHERE clauses for the key, one per index range to scan (a declaration matches any
    of them); empty when the key resolves to nothing. Container keys go through the
    manifest's B/Ls (at most ``MAX_BILLS``); vessel + voyage gives one range per name the
    vessel is known by."""
    if key.unified_no is not None:
        return [Declaration.unified_no == key.unified_no]
    if key.entry_no is not None:
        return [Declaration.entry_no == key.entry_no]
    if key.client_ref is not None:
        return [Declaration.client_ref == key.client_ref]
    if key.bill_no is not None:
        return [Declaration.bill_no == key.bill_no]
    if key.container_no is None:
        assert key.vessel is not None
        assert key.voyage is not None
        names = vessel_keys(session, key.vessel)
        voyage = voyage_key(key.voyage)
        if not names or voyage is None:
            return []
        return [and_(Declaration.voyage_no == voyage, Declaration.vessel_key == n) for n in names]
    bills = bills_for_container(key.container_no)
    # The B/Ls first, then the declarations by ix_declaration_bill_no: a semi-join lets the
    # planner misjudge the count and scan the declarations (seen on PostgreSQL).
    listed = list(session.scalars(bills.limit(MAX_BILLS)))
    return [Declaration.bill_no.in_(listed)] if listed else []


def find(
    session: Session, principal: Principal, key: Key | None, filters: Filters, limit: int
) -> list[Declaration]:
    """One page of visible, submitted declarations matching the key (all of them without a
    key), by ``submitted_at``. Drafts are not in clearance: they never match."""
    query = visible(principal).where(Declaration.submitted_at.is_not(None))
    conditions: list[ColumnElement[bool]] = []
    if key is not None:
        conditions = key_conditions(session, key)
        if not conditions:
            return []
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
    # The document itself is never part of a chain: leave it in the database (it is the
    # largest column by far).
    query = query.options(defer(Declaration.document, raiseload=True))
    if len(conditions) > 1:
        # One ordered, limited scan per range, merged: "vessel_key IN (...)" would make the
        # database read every declaration of the voyage and sort them for one page.
        scans = [
            query.where(condition)
            .order_by(*order)
            .limit(limit)
            .with_only_columns(Declaration.id)
            .subquery()
            for condition in conditions
        ]
        ranges = union_all(*(select(scan.c.id) for scan in scans)).subquery()
        merged = (
            select(Declaration)
            .join(ranges, Declaration.id == ranges.c.id)
            .options(defer(Declaration.document, raiseload=True))
        )
        return list(session.scalars(merged.order_by(*order).limit(limit)))
    if conditions:
        query = query.where(conditions[0])
    return list(session.scalars(query.order_by(*order).limit(limit)))


# --- The parts of the chains of one page (each one query over the page's keys).


# Built once: executing a prebuilt statement skips building it and its cache key on every
# page; rows come back as Core rows (attribute access by column name), not ORM objects.
_STATUS = table_of(AgencyStatus)
_EVENT = table_of(TimelineEvent)
_MESSAGE = table_of(Message)
_PERMIT = table_of(LoadingPermit)
_ARRIVAL = table_of(ArrivalRecord)
_CLEARANCE = table_of(TransportClearance)
_STATUSES = (
    select(_STATUS)
    .where(_STATUS.c.declaration_id.in_(bindparam("ids", expanding=True)))
    .order_by(_STATUS.c.agency_code)
)
_TIMELINE = (
    select(_EVENT)
    .where(_EVENT.c.declaration_id.in_(bindparam("ids", expanding=True)))
    .order_by(_EVENT.c.at, _EVENT.c.id)
)
_RELEASE_NOTICES = (
    select(
        _MESSAGE.c.correlation_id,
        _MESSAGE.c.recipient,
        _MESSAGE.c.payload,
        _MESSAGE.c.created_at,
        _MESSAGE.c.delivered_at,
        _MESSAGE.c.acked_at,
    )
    .where(
        _MESSAGE.c.correlation_id.in_(bindparam("ids", expanding=True)),
        _MESSAGE.c.kind == "release_notice",
    )
    .order_by(_MESSAGE.c.created_at, _MESSAGE.c.id)
)
_PERMITS = select(_PERMIT).where(_PERMIT.c.declaration_id.in_(bindparam("ids", expanding=True)))
_ARRIVALS = (
    select(_ARRIVAL)
    .where(_ARRIVAL.c.bill_no.in_(bindparam("ids", expanding=True)))
    .order_by(_ARRIVAL.c.arrived_at, _ARRIVAL.c.id)
)
_CLEARANCES = (
    select(_CLEARANCE)
    .where(_CLEARANCE.c.call_id.in_(bindparam("ids", expanding=True)))
    .order_by(_CLEARANCE.c.phase, _CLEARANCE.c.agency_code)
)


def _rows(session: Session, statement: Select[Any], keys: Iterable[str]) -> Sequence[Row[Any]]:
    wanted = sorted(set(keys))
    if not wanted:
        return []
    return session.connection().execute(statement, {"ids": wanted}).all()


def agency_statuses(session: Session, ids: Sequence[str]) -> Sequence[Row[Any]]:
    """``declaration_agency_status`` rows of the declarations, by agency."""
    return _rows(session, _STATUSES, ids)


def timeline(session: Session, ids: Sequence[str]) -> Sequence[Row[Any]]:
    """``declaration_event`` rows of the declarations, in time order."""
    return _rows(session, _TIMELINE, ids)


def release_notices(session: Session, ids: Sequence[str]) -> Sequence[Row[Any]]:
    """The release notices sent for the declarations (correlation id, recipient, payload,
    created/delivered/acked times)."""
    return _rows(session, _RELEASE_NOTICES, ids)


def loading_permits(session: Session, ids: Sequence[str]) -> Sequence[Row[Any]]:
    return _rows(session, _PERMITS, ids)


def arrivals(session: Session, bills: Iterable[str]) -> Sequence[Row[Any]]:
    return _rows(session, _ARRIVALS, bills)


def clearances(session: Session, call_ids: Sequence[str]) -> Sequence[Row[Any]]:
    return _rows(session, _CLEARANCES, call_ids)


@dataclass
class ManifestSide:
    """The manifest consignments of a page's B/Ls, their containers (in container order) and
    the ship call each travels on (by consignment id)."""

    consignments: list[Consignment]
    containers: dict[str, list[ConsignmentContainer]]
    calls: dict[str, TransportCall]


def manifest_side(session: Session, bills: Iterable[str]) -> ManifestSide:
    """One query for the consignments with their containers and linked calls; one more only
    for consignments filed before their call was reported (``calls_for``)."""
    side = ManifestSide([], {}, {})
    wanted = sorted(set(bills))
    if not wanted:
        return side
    rows = session.execute(
        select(Consignment, ConsignmentContainer, TransportCall)
        .outerjoin(ConsignmentContainer, ConsignmentContainer.consignment_id == Consignment.id)
        .outerjoin(TransportCall, TransportCall.id == Consignment.call_id)
        .where(Consignment.bill_no.in_(wanted))
        .order_by(Consignment.updated_at, Consignment.id, ConsignmentContainer.container_no)
        # The documents (a consignment's goods, a call's merged reports) are not part of a
        # chain; a call's would be decoded once per row of the join.
        .options(
            defer(Consignment.document, raiseload=True),
            defer(TransportCall.document, raiseload=True),
        )
    )
    unlinked: list[Consignment] = []
    for consignment, box, call in rows:
        if consignment.id not in side.containers:
            side.consignments.append(consignment)
            side.containers[consignment.id] = []
            if call is not None:
                side.calls[consignment.id] = call
            else:
                unlinked.append(consignment)
        if box is not None:
            side.containers[consignment.id].append(box)
    side.calls.update(calls_for(session, unlinked))
    return side


def calls_for(session: Session, rows: Sequence[Consignment]) -> dict[str, TransportCall]:
    """The calls of consignments filed before their call was reported (no ``call_id``): the
    call with the journey's key, voyage in or else out, in one query for all of them."""
    out: dict[str, TransportCall] = {}
    if not rows:
        return out
    journeys = {(r.mode, r.means_id, r.journey_id) for r in rows}
    candidates = session.scalars(
        select(TransportCall)
        .where(
            TransportCall.mode.in_({m for m, _, _ in journeys}),
            TransportCall.means_id.in_({m for _, m, _ in journeys}),
            or_(
                TransportCall.journey_id.in_({j for _, _, j in journeys}),
                TransportCall.journey_out.in_({j for _, _, j in journeys}),
            ),
        )
        .order_by(TransportCall.id)
        .options(defer(TransportCall.document, raiseload=True))
    )
    inbound: dict[tuple[str, str, str], TransportCall] = {}
    outbound: dict[tuple[str, str, str], TransportCall] = {}
    for call in candidates:
        inbound.setdefault((call.mode, call.means_id, call.journey_id), call)
        if call.journey_out:
            outbound.setdefault((call.mode, call.means_id, call.journey_out), call)
    for row in rows:
        journey = (row.mode, row.means_id, row.journey_id)
        found = inbound.get(journey) or outbound.get(journey)
        if found is not None:
            out[row.id] = found
    return out
