"""The projector: keeps ``time_release`` and ``time_release_agency`` up to date.

It reads what other contexts already store (the declaration timeline, agency statuses, ship
calls, manifest consignments and the terminals' arrival reports) and never writes to them,
so the submission hot path does not change.

Never missing a late-committed event. Timeline events and arrival reports have UUID v7 keys
(time-ordered, indexed as the primary key). A transaction may commit an event whose key is
*older* than the watermark already passed, so each pass reads (1) the fresh rows after the
watermark, in batches, and (2) again every row of the last ``time_release_overlap_seconds``
behind it. A candidate declaration is recomputed only when its number of timeline events
differs from the ``event_count`` its row was computed from, so re-reading the overlap costs
a few indexed reads and no writes. Ship calls (whose ``ata``/``atd`` change in place) are
read by ``updated_at`` with the same overlap. Writes are idempotent upserts (compare, then
``INSERT … ON CONFLICT DO UPDATE``), so two projectors, a crash between passes or a replay
give the same rows. A slow full sweep (every ``time_release_sweep_hours``) reconciles every
declaration, for events that arrive with old keys (federation replay, restores).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from singlewindow.analytics import rules
from singlewindow.analytics.models import TimeRelease, TimeReleaseAgency, TimeReleaseCursor
from singlewindow.declarations.keys import document_keys
from singlewindow.declarations.models import AgencyStatus, Declaration, TimelineEvent
from singlewindow.kit import clock
from singlewindow.kit.db import table_of
from singlewindow.kit.ids import new_id
from singlewindow.standards.codes.lookup import DbCodeLookup, builtin_lookup
from singlewindow.transport.models import ArrivalRecord, Consignment, TransportCall

GOODS = "goods_declaration"
SCAN = 2000  # fresh source rows read per pass
CHUNK = 500  # ids per IN (...) list
EVENTS, ARRIVALS, CALLS, SWEEP = "declaration_event", "manifest_arrival", "transport_call", "sweep"

_ROW_FIELDS = tuple(
    c.name for c in table_of(TimeRelease).columns if c.name not in ("id", "updated_at")
)
_AGENCY_FIELDS = tuple(c.name for c in table_of(TimeReleaseAgency).columns if c.name != "id")


Moves = dict[str, str]  # source -> new watermark, written at the end of a pass


@dataclass(frozen=True, slots=True)
class Pass:
    projected: int  # declarations whose rows were written
    more: bool  # a source has more fresh rows than one pass reads


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _uuid7_floor(key: str, seconds: float) -> str:
    """The smallest UUID v7 (as text) generated ``seconds`` before ``key`` was."""
    millis = max(0, int(key.replace("-", "")[:12], 16) - int(seconds * 1000))
    hexed = f"{millis:012x}"
    return f"{hexed[:8]}-{hexed[8:]}-0000-0000-000000000000"


# --- Cursors


def _position(session: Session, source: str) -> str | None:
    return session.scalar(
        select(TimeReleaseCursor.position).where(TimeReleaseCursor.source == source)
    )


def _advance(session: Session, source: str, position: str) -> None:
    cursor = session.get(TimeReleaseCursor, source)
    if cursor is None:
        session.add(TimeReleaseCursor(source=source, position=position, updated_at=clock.now()))
    elif position > cursor.position:
        cursor.position = position
        cursor.updated_at = clock.now()
    session.flush()


# --- Reading the sources


def _events(session: Session, ids: Sequence[str]) -> dict[str, list[rules.Event]]:
    out: dict[str, list[rules.Event]] = defaultdict(list)
    for chunk in _chunks(ids):
        rows = session.execute(
            select(
                TimelineEvent.declaration_id,
                TimelineEvent.id,
                TimelineEvent.at,
                TimelineEvent.event,
                TimelineEvent.detail,
            ).where(TimelineEvent.declaration_id.in_(chunk))
        )
        for row in rows:
            detail = row.detail if isinstance(row.detail, dict) else {}
            out[row.declaration_id].append(rules.Event(row.id, row.at, row.event, detail))
    return out


def _roles(session: Session, ids: Sequence[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for chunk in _chunks(ids):
        rows = session.execute(
            select(AgencyStatus.declaration_id, AgencyStatus.agency_code, AgencyStatus.role).where(
                AgencyStatus.declaration_id.in_(chunk)
            )
        )
        for declaration_id, code, role in rows:
            out[declaration_id][code] = role
    return out


def _head(document: dict[str, Any], name: str) -> str | None:
    head = document.get("head")
    value = head.get(name) if isinstance(head, dict) else None
    return str(value) if value not in (None, "") else None


def _calls(session: Session, declarations: Sequence[Declaration]) -> dict[str, TransportCall]:
    """The ship call of each declaration (by id): through the manifest consignment of its B/L
    and direction (the declared voyage first), else the call of the declared vessel and
    voyage (voyage in for imports, out for exports)."""
    bills = sorted({d.bill_no for d in declarations if d.bill_no})
    consignments: dict[str, list[Consignment]] = defaultdict(list)
    for chunk in _chunks(bills):
        for row in session.scalars(select(Consignment).where(Consignment.bill_no.in_(chunk))):
            consignments[row.bill_no].append(row)
    out: dict[str, TransportCall] = {}
    # A pass holds many declarations of the same vessel and voyage: look each up once.
    by_name: dict[tuple[str, str, str], TransportCall | None] = {}
    for d in declarations:
        keys = document_keys(d.document or {})
        voyage = keys["voyage_no"]
        same = [c for c in consignments.get(d.bill_no or "", []) if c.direction == d.ie_flag]
        same.sort(key=lambda c: (c.journey_id.upper() != voyage, c.id))
        call = None
        for c in same:
            if c.call_id is not None:
                call = session.get(TransportCall, c.call_id)
            if call is None:
                call = _call_by_journey(session, c.mode, c.means_id, c.journey_id, d.ie_flag)
            if call is not None:
                break
        if call is None and voyage and keys["vessel_key"]:
            name = (keys["vessel_key"], voyage, d.ie_flag)
            if name not in by_name:
                by_name[name] = _call_by_name(session, *name)
            call = by_name[name]
        if call is not None:
            out[d.id] = call
    return out


def _call_by_journey(
    session: Session, mode: str, means_id: str, journey: str, ie_flag: str
) -> TransportCall | None:
    base = select(TransportCall).where(
        TransportCall.mode == mode, TransportCall.means_id == means_id
    )
    first: Any = TransportCall.journey_id
    second: Any = TransportCall.journey_out
    if ie_flag == "E":
        first, second = second, first
    return session.scalar(base.where(first == journey).limit(1)) or session.scalar(
        base.where(second == journey).limit(1)
    )


def _call_by_name(session: Session, vessel: str, voyage: str, ie_flag: str) -> TransportCall | None:
    journey = TransportCall.journey_out if ie_flag == "E" else TransportCall.journey_id
    return session.scalar(
        select(TransportCall)
        .where(
            TransportCall.mode == "sea",
            func.upper(journey) == voyage,
            or_(TransportCall.means_id == vessel, func.upper(TransportCall.means_name) == vessel),
        )
        .order_by(TransportCall.created_at.desc())
        .limit(1)
    )


def _arrival_reports(session: Session, bills: Sequence[str]) -> dict[str, datetime]:
    out: dict[str, datetime] = {}
    for chunk in _chunks(bills):
        rows = session.execute(
            select(ArrivalRecord.bill_no, func.min(ArrivalRecord.arrived_at))
            .where(ArrivalRecord.bill_no.in_(chunk), ArrivalRecord.arrived_at.is_not(None))
            .group_by(ArrivalRecord.bill_no)
        )
        for bill, at in rows:
            if bill is not None and at is not None:
                out[bill] = at
    return out


class _Districts:
    """A customs office's head office (直属海关), from the ``customs_district`` code table."""

    def __init__(self, session: Session) -> None:
        self.db = DbCodeLookup(session)
        self.loaded = self.db.has_table("customs_district")
        self.cache: dict[str, str | None] = {}

    def __call__(self, office: str | None) -> str | None:
        if office is None:
            return None
        if office not in self.cache:
            lookup = self.db if self.loaded else builtin_lookup()
            entry = lookup.get("customs_district", office)
            head = entry.attrs.get("head_office") if entry is not None else None
            self.cache[office] = str(head) if head else None
        return self.cache[office]


# --- Computing and writing the rows


def _project(session: Session, ids: Sequence[str]) -> int:
    """Recomputes the rows of these declarations; writes only what changed. Returns how many
    declarations had a row written."""
    declarations = [
        d
        for chunk in _chunks(sorted(set(ids)))
        for d in session.scalars(
            select(Declaration).where(
                Declaration.id.in_(chunk),
                Declaration.doc_type == GOODS,
                Declaration.submitted_at.is_not(None),
            )
        )
    ]
    if not declarations:
        return 0
    found = [d.id for d in declarations]
    events = _events(session, found)
    roles = _roles(session, found)
    calls = _calls(session, declarations)
    reports = _arrival_reports(session, sorted({d.bill_no for d in declarations if d.bill_no}))
    district = _Districts(session)
    stored = {
        r.declaration_id: r
        for chunk in _chunks(found)
        for r in session.scalars(select(TimeRelease).where(TimeRelease.declaration_id.in_(chunk)))
    }
    stored_agencies: dict[tuple[str, str], TimeReleaseAgency] = {
        (a.declaration_id, a.agency_code): a
        for chunk in _chunks(found)
        for a in session.scalars(
            select(TimeReleaseAgency).where(TimeReleaseAgency.declaration_id.in_(chunk))
        )
    }
    rows: list[dict[str, Any]] = []
    agency_rows: list[dict[str, Any]] = []
    for d in declarations:
        call = calls.get(d.id)
        transport = rules.Transport(
            call_id=call.id if call else None,
            ata=call.ata if call else None,
            atd=call.atd if call else None,
            arrival_reported_at=reports.get(d.bill_no or ""),
        )
        m = rules.milestones(d.ie_flag, events[d.id], roles[d.id], transport)
        document = d.document or {}
        port = _head(document, "ie_port")
        row: dict[str, Any] = {
            "declaration_id": d.id,
            "declarant_code": d.declarant_code,
            "trade_co_scc": d.trade_co_scc,
            "agent_code_scc": d.agent_code_scc,
            "ie_flag": d.ie_flag,
            "port": port[:4] if port else None,
            "customs_district": district(port[:4] if port else None),
            "trade_mode": (_head(document, "trade_mode") or "")[:4] or None,
            "transport_mode": (_head(document, "traf_mode") or "")[:2] or None,
            "bill_no": d.bill_no,
            "voyage": document_keys(document)["voyage_no"],
            "call_id": transport.call_id,
            "arrival_source": m.arrival_source,
            "exit_source": m.exit_source,
            "arrived_at": m.arrived_at,
            "submitted_at": m.submitted_at or d.submitted_at,
            "accepted_at": m.accepted_at,
            "inspection_started_at": m.inspection_started_at,
            "inspection_finished_at": m.inspection_finished_at,
            "released_at": m.released_at,
            "exited_at": m.exited_at,
            "inspected": m.inspected,
            "event_count": len(events[d.id]),
        }
        old = stored.get(d.id)
        if old is None or any(getattr(old, k) != row[k] for k in _ROW_FIELDS):
            rows.append(row)
        for times in m.agencies.values():
            agency_row = {
                "declaration_id": d.id,
                "agency_code": times.agency_code,
                "role": times.role,
                "routed_at": times.routed_at,
                "received_at": times.received_at,
                "first_decision_at": times.first_decision_at,
                "inspection_ordered_at": times.inspection_ordered_at,
                "inspection_result_at": times.inspection_result_at,
                "released_at": times.released_at,
            }
            old_agency = stored_agencies.get((d.id, times.agency_code))
            if old_agency is None or any(
                getattr(old_agency, k) != agency_row[k] for k in _AGENCY_FIELDS
            ):
                agency_rows.append(agency_row)
    now = clock.now()
    _upsert(session, table_of(TimeRelease), [r | {"updated_at": now} for r in rows],
            ("declaration_id",))  # fmt: skip
    _upsert(session, table_of(TimeReleaseAgency), agency_rows, ("declaration_id", "agency_code"))
    session.expire_all()  # the ORM objects read above are stale after the Core upserts
    return len({r["declaration_id"] for r in rows} | {r["declaration_id"] for r in agency_rows})


def _upsert(
    session: Session, table: Table, rows: list[dict[str, Any]], keys: tuple[str, ...]
) -> None:
    """``INSERT … ON CONFLICT (keys) DO UPDATE``: concurrent projectors converge."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for row in rows:
        row.setdefault("id", new_id())
    statement = insert(table)
    updates = {c: statement.excluded[c] for c in rows[0] if c not in ("id", *keys)}
    session.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=updates), rows)


def _changed(session: Session, ids: Iterable[str]) -> list[str]:
    """The declarations whose number of timeline events differs from their row's."""
    wanted = sorted(set(ids))
    out: list[str] = []
    for chunk in _chunks(wanted):
        counts = dict(
            session.execute(
                select(TimelineEvent.declaration_id, func.count())
                .where(TimelineEvent.declaration_id.in_(chunk))
                .group_by(TimelineEvent.declaration_id)
            ).all()
        )
        stored = dict(
            session.execute(
                select(TimeRelease.declaration_id, TimeRelease.event_count).where(
                    TimeRelease.declaration_id.in_(chunk)
                )
            ).all()
        )
        out += [i for i in chunk if counts.get(i, 0) != stored.get(i, -1)]
    return out


# --- One pass per source


def _uuid_source(
    session: Session, source: str, key: Any, value: Any, overlap: float, moves: Moves
) -> tuple[set[Any], bool]:
    """Values of ``value`` on the fresh rows (after the watermark, one batch) and on the rows
    of the overlap behind it; the watermark moves over the fresh batch (in ``moves``)."""
    position = _position(session, source)
    fresh_query = select(key, value).order_by(key).limit(SCAN)
    if position is not None:
        fresh_query = fresh_query.where(key > position)
    fresh = session.execute(fresh_query).all()
    found = {v for _, v in fresh}
    if position is not None:
        floor = _uuid7_floor(position, overlap)
        found.update(session.scalars(select(value).where(key >= floor, key <= position).distinct()))
    if fresh:
        moves[source] = fresh[-1][0]
    found.discard(None)
    return found, len(fresh) == SCAN


def _by_bills(session: Session, bills: Iterable[str]) -> list[str]:
    wanted = sorted(set(bills))
    return [
        i
        for chunk in _chunks(wanted)
        for i in session.scalars(
            select(TimeRelease.declaration_id).where(TimeRelease.bill_no.in_(chunk))
        )
    ]


def _call_pass(session: Session, overlap: float, moves: Moves) -> set[str]:
    """Declarations on ship calls changed since the watermark (less the overlap)."""
    position = _position(session, CALLS)
    query = select(TransportCall)
    if position is not None:
        since = datetime.fromisoformat(position) - timedelta(seconds=overlap)
        query = query.where(TransportCall.updated_at >= since)
    calls = list(session.scalars(query.order_by(TransportCall.updated_at).limit(SCAN)))
    if not calls:
        return set()
    ids = [c.id for c in calls]
    journeys = sorted({j.upper() for c in calls for j in (c.journey_id, c.journey_out) if j})
    bills = [
        b
        for chunk in _chunks(ids)
        for b in session.scalars(select(Consignment.bill_no).where(Consignment.call_id.in_(chunk)))
    ]
    found = set(_by_bills(session, bills))
    for chunk in _chunks(ids):
        found.update(
            session.scalars(
                select(TimeRelease.declaration_id).where(TimeRelease.call_id.in_(chunk))
            )
        )
    for chunk in _chunks(journeys):
        found.update(
            session.scalars(select(TimeRelease.declaration_id).where(TimeRelease.voyage.in_(chunk)))
        )
    moves[CALLS] = max(c.updated_at for c in calls).isoformat()
    return _stale(session, found, {c.id: c for c in calls})


def _shows_call(row: TimeRelease, call: TransportCall) -> bool:
    """Whether the row already carries its call's arrival (imports) or departure (exports)."""
    if row.ie_flag == "E":
        return row.released_at is None or row.exited_at == call.atd
    if call.ata is None:
        return row.arrival_source != "call"
    return row.arrival_source == "call" and row.arrived_at == call.ata


def _stale(session: Session, ids: set[str], calls: dict[str, TransportCall]) -> set[str]:
    """Of the rows near changed calls, those that do not show their call's times yet (a row
    linked to a call whose ``ata``/``atd`` it already carries needs no recomputation)."""
    out: set[str] = set()
    for chunk in _chunks(sorted(ids)):
        for row in session.scalars(
            select(TimeRelease).where(TimeRelease.declaration_id.in_(chunk))
        ):
            call = calls.get(row.call_id or "")
            if call is None or _shows_call(row, call) is False:
                out.add(row.declaration_id)  # not linked yet, linked elsewhere, or outdated
    return out


def refresh(session: Session, *, overlap: float) -> Pass:
    """One projector pass over every source (one transaction, owned by the caller).

    Everything is read first and written at the end (rows, then watermarks): on SQLite the
    writer lock, which submissions wait for, is held only for the writes."""
    moves: Moves = {}
    event_ids, more_events = _uuid_source(
        session, EVENTS, TimelineEvent.id, TimelineEvent.declaration_id, overlap, moves
    )
    bills, more_arrivals = _uuid_source(
        session, ARRIVALS, ArrivalRecord.id, ArrivalRecord.bill_no, overlap, moves
    )
    transport = set(_by_bills(session, bills)) | _call_pass(session, overlap, moves)
    todo = set(_changed(session, event_ids)) | transport
    projected = _project(session, sorted(todo)) if todo else 0
    for source, position in moves.items():
        _advance(session, source, position)
    return Pass(projected, more_events or more_arrivals)


def sweep(session: Session, *, limit: int = CHUNK) -> Pass:
    """One batch of the full reconciliation: the next ``limit`` declarations by id, each
    recomputed when its event count differs (and every row rewritten only if changed)."""
    position = _position(session, SWEEP) or ""
    ids = list(
        session.scalars(
            select(Declaration.id)
            .where(Declaration.id > position, Declaration.doc_type == GOODS)
            .order_by(Declaration.id)
            .limit(limit)
        )
    )
    if not ids:
        _advance_reset(session)
        return Pass(0, False)
    projected = _project(session, _changed(session, ids))
    _advance(session, SWEEP, ids[-1])
    return Pass(projected, len(ids) == limit)


def _advance_reset(session: Session) -> None:
    """The sweep reached the end: the next one starts from the beginning."""
    cursor = session.get(TimeReleaseCursor, SWEEP)
    if cursor is not None:
        session.delete(cursor)
        session.flush()
