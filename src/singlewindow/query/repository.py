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

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Row,
    Select,
    String,
    and_,
    any_,
    bindparam,
    exists,
    func,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, defer

from singlewindow.declarations import repository as declarations
from singlewindow.declarations.keys import vessel_key, voyage_key
from singlewindow.declarations.models import AgencyStatus, Declaration, TimelineEvent
from singlewindow.exchange.models import Message
from singlewindow.kit.db import table_of
from singlewindow.parties.auth import Principal
from singlewindow.parties.schemas import PartyKind
from singlewindow.query.schemas import ConsignmentPart, ContainerPart, ShipCallPart
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


def bills_for_container(container_no: str) -> CompoundSelect[str | None]:
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


@dataclass(frozen=True, slots=True)
class Ranges:
    """What a key resolves to: the column it is read by and the values (one index range
    each); for vessel + voyage, the voyage and every name the vessel is known by."""

    column: str
    values: tuple[str, ...]
    voyage: str | None = None


def key_ranges(session: Session, key: Key) -> Ranges | None:
    """The index ranges for the key (a declaration matches any of them); None when the key
    resolves to nothing. Container keys go through the manifest's B/Ls (at most
    ``MAX_BILLS``); vessel + voyage gives one range per name the vessel is known by."""
    for column in ("unified_no", "entry_no", "client_ref", "bill_no"):
        value = getattr(key, column)
        if value is not None:
            return Ranges(column, (value,))
    if key.container_no is None:
        assert key.vessel is not None
        assert key.voyage is not None
        names = vessel_keys(session, key.vessel)
        voyage = voyage_key(key.voyage)
        if not names or voyage is None:
            return None
        return Ranges("vessel_key", tuple(names), voyage)
    bills = bills_for_container(key.container_no)
    # The B/Ls first, then the declarations by ix_declaration_bill_no: a semi-join lets the
    # planner misjudge the count and scan the declarations (seen on PostgreSQL).
    listed = tuple(b for b in session.scalars(bills.limit(MAX_BILLS)) if b is not None)
    return Ranges("bill_no", listed) if listed else None


@dataclass(frozen=True, slots=True)
class _Shape:
    """Everything a page's statement is built from except the values it is run with."""

    column: str | None  # the key's column, None: no key
    ranges: int  # 1: one scan (a list of B/Ls is one expanding parameter); >1: merged scans
    status: bool
    ie_flag: bool
    since: bool
    until: bool
    after: bool
    descending: bool
    limit: int


@lru_cache(maxsize=512)
def _statement(principal: Principal, shape: _Shape) -> Select[Any]:
    """The page's statement for a caller and a shape, every value a named parameter. Built
    once and reused (with its cache key): building it cost about as much as running it."""
    query = visible(principal).where(Declaration.submitted_at.is_not(None))
    if shape.status:
        query = query.where(Declaration.status == bindparam("status"))
    if shape.ie_flag:
        query = query.where(Declaration.ie_flag == bindparam("ie_flag"))
    if shape.since:
        query = query.where(Declaration.submitted_at >= bindparam("since"))
    if shape.until:
        query = query.where(Declaration.submitted_at < bindparam("until"))
    if shape.after:
        at: BindParameter[datetime] = bindparam("after_at")
        last_id: BindParameter[str] = bindparam("after_id")
        if shape.descending:
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
        if shape.descending
        else (Declaration.submitted_at.asc(), Declaration.id.asc())
    )
    # The document itself is never part of a chain: leave it in the database (it is the
    # largest column by far).
    query = query.options(defer(Declaration.document, raiseload=True))
    if shape.column is None:
        return query.order_by(*order).limit(shape.limit)
    column = getattr(Declaration, shape.column)
    if shape.column == "vessel_key" and shape.ranges > 1:
        # One ordered, limited scan per name, merged: "vessel_key IN (...)" would make the
        # database read every declaration of the voyage and sort them for one page.
        scans = [
            query.where(
                Declaration.voyage_no == bindparam("voyage"), column == bindparam(f"range_{i}")
            )
            .order_by(*order)
            .limit(shape.limit)
            .with_only_columns(Declaration.id)
            .subquery()
            for i in range(shape.ranges)
        ]
        ranges = union_all(*(select(scan.c.id) for scan in scans)).subquery()
        merged = (
            select(Declaration)
            .join(ranges, Declaration.id == ranges.c.id)
            .options(defer(Declaration.document, raiseload=True))
        )
        return merged.order_by(*order).limit(shape.limit)
    if shape.column == "vessel_key":
        query = query.where(Declaration.voyage_no == bindparam("voyage"))
    match = (
        column.in_(bindparam("range", expanding=True))
        if shape.ranges > 1
        else column == bindparam("range_0")
    )
    return query.where(match).order_by(*order).limit(shape.limit)


def find(
    session: Session, principal: Principal, key: Key | None, filters: Filters, limit: int
) -> list[Declaration]:
    """One page of visible, submitted declarations matching the key (all of them without a
    key), by ``submitted_at``. Drafts are not in clearance: they never match."""
    ranges = None
    if key is not None:
        ranges = key_ranges(session, key)
        if ranges is None:
            return []
    shape = _Shape(
        column=ranges.column if ranges else None,
        ranges=len(ranges.values) if ranges else 0,
        status=bool(filters.status),
        ie_flag=bool(filters.ie_flag),
        since=filters.since is not None,
        until=filters.until is not None,
        after=filters.after is not None,
        descending=filters.descending,
        limit=limit,
    )
    params: dict[str, Any] = {}
    if shape.status:
        params["status"] = filters.status
    if shape.ie_flag:
        params["ie_flag"] = filters.ie_flag
    if filters.since is not None:
        params["since"] = filters.since
    if filters.until is not None:
        params["until"] = filters.until
    if filters.after is not None:
        params["after_at"], params["after_id"] = filters.after
    if ranges is not None:
        if ranges.voyage is not None:
            params["voyage"] = ranges.voyage
        if ranges.column != "vessel_key" and len(ranges.values) > 1:
            params["range"] = list(ranges.values)
        else:
            params.update({f"range_{i}": value for i, value in enumerate(ranges.values)})
    return list(session.scalars(_statement(principal, shape), params))


# --- The parts of the chains of one page (each one query over the page's keys).


# Built once: executing a prebuilt statement skips building it and its cache key on every
# page; rows come back as Core rows (attribute access by column name), not ORM objects.
# Each is built twice: "key IN (...)" with an expanding parameter (SQLite), and "key =
# ANY(:keys)" with one array parameter (PostgreSQL), whose SQL text is the same for any
# number of keys — no per-call rendering of the list, and the driver prepares it once.
_STATUS = table_of(AgencyStatus)
_EVENT = table_of(TimelineEvent)
_MESSAGE = table_of(Message)
_PERMIT = table_of(LoadingPermit)
_ARRIVAL = table_of(ArrivalRecord)
_CLEARANCE = table_of(TransportClearance)

Match = Callable[[ColumnElement[Any]], ColumnElement[bool]]


def _expanding(column: ColumnElement[Any]) -> ColumnElement[bool]:
    return column.in_(bindparam("ids", expanding=True))


def _array(column: ColumnElement[Any]) -> ColumnElement[bool]:
    return column == any_(bindparam("ids", type_=ARRAY(String)))


@dataclass(frozen=True)
class Part:
    """A prebuilt SELECT over a set of keys, in both forms."""

    expanding: Select[Any]
    array: Select[Any]

    @classmethod
    def of(cls, build: Callable[[Match], Select[Any]]) -> Part:
        return cls(build(_expanding), build(_array))


_STATUSES = Part.of(
    lambda match: (
        select(_STATUS).where(match(_STATUS.c.declaration_id)).order_by(_STATUS.c.agency_code)
    )
)
_TIMELINE = Part.of(
    lambda match: (
        select(_EVENT).where(match(_EVENT.c.declaration_id)).order_by(_EVENT.c.at, _EVENT.c.id)
    )
)
_RELEASE_NOTICES = Part.of(
    lambda match: (
        select(
            _MESSAGE.c.correlation_id,
            _MESSAGE.c.recipient,
            _MESSAGE.c.payload,
            _MESSAGE.c.created_at,
            _MESSAGE.c.delivered_at,
            _MESSAGE.c.acked_at,
        )
        .where(match(_MESSAGE.c.correlation_id), _MESSAGE.c.kind == "release_notice")
        .order_by(_MESSAGE.c.created_at, _MESSAGE.c.id)
    )
)
_PERMITS = Part.of(lambda match: select(_PERMIT).where(match(_PERMIT.c.declaration_id)))
_ARRIVALS = Part.of(
    lambda match: (
        select(_ARRIVAL)
        .where(match(_ARRIVAL.c.bill_no))
        .order_by(_ARRIVAL.c.arrived_at, _ARRIVAL.c.id)
    )
)
_CLEARANCES = Part.of(
    lambda match: (
        select(_CLEARANCE)
        .where(match(_CLEARANCE.c.call_id))
        .order_by(_CLEARANCE.c.phase, _CLEARANCE.c.agency_code)
    )
)


def _rows(session: Session, part: Part, keys: Iterable[str]) -> Sequence[Row[Any]]:
    wanted = sorted(set(keys))
    if not wanted:
        return []
    conn = session.connection()
    statement = part.array if conn.dialect.name == "postgresql" else part.expanding
    return conn.execute(statement, {"ids": wanted}).all()


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
    """The manifest consignments of a page's B/Ls (each with its containers, in container
    order, and the id of the call it travels on) and the ship call of each (by consignment
    id; one object per call, shared)."""

    consignments: list[ConsignmentPart]
    calls: dict[str, ShipCallPart]


_CONSIGNMENT = table_of(Consignment)
_BOX = table_of(ConsignmentContainer)
_CALL = table_of(TransportCall)
# The parts' own fields, read straight from their columns (never a document).
_CONSIGNMENT_FIELDS = [f for f in ConsignmentPart.model_fields if f != "containers"]
_BOX_FIELDS = list(ContainerPart.model_fields)
_CALL_FIELDS = [f for f in ShipCallPart.model_fields if f != "clearances"]
_CALL_COLUMNS = [_CALL.c[name] for name in _CALL_FIELDS]
_SPLIT = (len(_CONSIGNMENT_FIELDS), len(_CONSIGNMENT_FIELDS) + len(_BOX_FIELDS))
_MANIFEST_SIDE = Part.of(
    lambda match: (
        select(
            *(_CONSIGNMENT.c[name] for name in _CONSIGNMENT_FIELDS),
            *(_BOX.c[name] for name in _BOX_FIELDS),
            *_CALL_COLUMNS,
        )
        .select_from(_CONSIGNMENT)
        .outerjoin(_BOX, _BOX.c.consignment_id == _CONSIGNMENT.c.id)
        .outerjoin(_CALL, _CALL.c.id == _CONSIGNMENT.c.call_id)
        .where(match(_CONSIGNMENT.c.bill_no))
        .order_by(_CONSIGNMENT.c.updated_at, _CONSIGNMENT.c.id, _BOX.c.container_no)
    )
)


def _call(values: Sequence[Any], calls: dict[str, ShipCallPart]) -> ShipCallPart:
    """The call's part, once per call id."""
    found = calls.get(values[0])  # "id" is the first field
    if found is None:
        found = calls[values[0]] = ShipCallPart.model_validate(
            dict(zip(_CALL_FIELDS, values, strict=True))
        )
    return found


def manifest_side(session: Session, bills: Iterable[str]) -> ManifestSide:
    """One query (prebuilt, Core rows) for the consignments with their containers and linked
    calls; one more only for consignments filed before their call was reported
    (``calls_for``), whose ``call_id`` is then the call found."""
    side = ManifestSide([], {})
    by_id: dict[str, ConsignmentPart] = {}
    calls: dict[str, ShipCallPart] = {}
    box_at, call_at = _SPLIT
    for row in _rows(session, _MANIFEST_SIDE, bills):
        consignment = by_id.get(row[0])  # "id" is the first field
        if consignment is None:
            consignment = ConsignmentPart.model_validate(
                dict(zip(_CONSIGNMENT_FIELDS, row[:box_at], strict=True))
            )
            by_id[consignment.id] = consignment
            side.consignments.append(consignment)
            if row[call_at] is not None:
                side.calls[consignment.id] = _call(row[call_at:], calls)
        if row[box_at] is not None:
            consignment.containers.append(
                ContainerPart.model_validate(
                    dict(zip(_BOX_FIELDS, row[box_at:call_at], strict=True))
                )
            )
    unlinked = [c for c in side.consignments if c.id not in side.calls]
    for consignment_id, call in calls_for(session, unlinked, calls).items():
        side.calls[consignment_id] = call
        by_id[consignment_id].call_id = call.id
    return side


def calls_for(
    session: Session, rows: Sequence[ConsignmentPart], calls: dict[str, ShipCallPart]
) -> dict[str, ShipCallPart]:
    """The calls of consignments filed before their call was reported (no ``call_id``): the
    call with the journey's key, voyage in or else out, in one query for all of them."""
    out: dict[str, ShipCallPart] = {}
    if not rows:
        return out
    journeys = {(r.mode, r.means_id, r.journey_id) for r in rows}
    candidates = session.connection().execute(
        select(*_CALL_COLUMNS)
        .where(
            _CALL.c.mode.in_({m for m, _, _ in journeys}),
            _CALL.c.means_id.in_({m for _, m, _ in journeys}),
            or_(
                _CALL.c.journey_id.in_({j for _, _, j in journeys}),
                _CALL.c.journey_out.in_({j for _, _, j in journeys}),
            ),
        )
        .order_by(_CALL.c.id)
    )
    inbound: dict[tuple[str, str, str], ShipCallPart] = {}
    outbound: dict[tuple[str, str, str], ShipCallPart] = {}
    for values in candidates:
        call = _call(values, calls)
        inbound.setdefault((call.mode, call.means_id, call.journey_id), call)
        if call.journey_out:
            outbound.setdefault((call.mode, call.means_id, call.journey_out), call)
    for row in rows:
        journey = (row.mode, row.means_id, row.journey_id)
        found = inbound.get(journey) or outbound.get(journey)
        if found is not None:
            out[row.id] = found
    return out
