"""Queries on transport calls, scoped to what a principal may see."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Select, String, cast, exists, select, update
from sqlalchemy.orm import Session

from singlewindow.identity.cities import in_city
from singlewindow.kit import clock
from singlewindow.kit.ids import new_id
from singlewindow.parties.auth import Principal
from singlewindow.parties.models import Party
from singlewindow.parties.service import DECLARANT_KINDS
from singlewindow.transport.calls.rules import CallKey
from singlewindow.transport.models import (
    TransportCall,
    TransportClearance,
    TransportEvent,
    TransportReport,
    Vessel,
)


def find_call(session: Session, key: CallKey, *, direction: str | None = None) -> str | None:
    """The id of the call with ``key``; for an export (``E``) person list or DG declaration
    at sea, also the call whose export voyage (ABROAD_NUMBER) is the journey id."""
    found = session.scalar(
        select(TransportCall.id).where(
            TransportCall.mode == key.mode,
            TransportCall.means_id == key.means_id,
            TransportCall.journey_id == key.journey_id,
        )
    )
    if found is None and direction == "E":
        found = session.scalar(
            select(TransportCall.id)
            .where(
                TransportCall.mode == key.mode,
                TransportCall.means_id == key.means_id,
                TransportCall.journey_out == key.journey_id,
            )
            .order_by(TransportCall.id.desc())
            .limit(1)
        )
    return found


def add_event(
    session: Session, call_id: str, actor: str, event: str, detail: dict[str, Any]
) -> None:
    """Appends one entry to the call's timeline."""
    session.add(
        TransportEvent(
            id=new_id(), call_id=call_id, at=clock.now(), actor=actor, event=event, detail=detail
        )
    )


def locked_call(session: Session, call_id: str) -> TransportCall | None:
    """Loads a call for a change, serialising changes to it.

    The first statement is a write (touching ``updated_at``): on PostgreSQL it takes the row
    lock, on SQLite the write lock, so two reports or clearances on one call never read each
    other's old state.
    """
    touched = session.execute(
        update(TransportCall)
        .where(TransportCall.id == call_id)
        .values(updated_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if not touched.rowcount:  # type: ignore[attr-defined]
        return None
    return session.get(TransportCall, call_id, populate_existing=True)


def report_by_ref(
    session: Session, declarant_code: str, doc_type: str, client_ref: str
) -> TransportReport | None:
    return session.scalar(
        select(TransportReport).where(
            TransportReport.declarant_code == declarant_code,
            TransportReport.doc_type == doc_type,
            TransportReport.client_ref == client_ref,
        )
    )


def clearances(session: Session, call_id: str) -> list[TransportClearance]:
    return list(
        session.scalars(
            select(TransportClearance)
            .where(TransportClearance.call_id == call_id)
            .order_by(TransportClearance.phase, TransportClearance.agency_code)
        )
    )


def clearance(
    session: Session, call_id: str, agency_code: str, phase: str
) -> TransportClearance | None:
    return session.scalar(
        select(TransportClearance).where(
            TransportClearance.call_id == call_id,
            TransportClearance.agency_code == agency_code,
            TransportClearance.phase == phase,
        )
    )


def reports(session: Session, call_id: str) -> list[TransportReport]:
    return list(
        session.scalars(
            select(TransportReport)
            .where(TransportReport.call_id == call_id)
            .order_by(TransportReport.submitted_at, TransportReport.id)
        )
    )


def timeline(session: Session, call_id: str) -> list[TransportEvent]:
    return list(
        session.scalars(
            select(TransportEvent)
            .where(TransportEvent.call_id == call_id)
            .order_by(TransportEvent.at, TransportEvent.id)
        )
    )


def vessel(session: Session, imo: str) -> Vessel | None:
    return session.scalar(select(Vessel).where(Vessel.imo == imo))


def recipient_codes(report: TransportReport) -> list[str]:
    return [r["code"] for r in report.recipients if isinstance(r, dict) and "code" in r]


def delivery_to(report: TransportReport, code: str) -> dict[str, Any] | None:
    """What the platform routed of ``report`` to party ``code`` (None: nothing)."""
    for entry in report.recipients:
        if isinstance(entry, dict) and entry.get("code") == code:
            return entry
    return None


def _routed_to(code: str) -> Any:
    # ``recipients`` is a JSON list of objects; its text holds ``"code": "<code>"`` for each
    # recipient, as written by json.dumps on SQLite and PostgreSQL alike (JSON keeps the text,
    # JSONB prints the same spacing). Wildcards in the code are escaped.
    text = cast(TransportReport.recipients, String)
    return exists().where(
        TransportReport.call_id == TransportCall.id,
        text.contains(json.dumps({"code": code})[1:-1], autoescape=True),
    )


def _city_only(principal: Principal) -> str | None:
    if "province_operator" in principal.roles or "auditor" in principal.roles:
        return None
    if "city_operator" in principal.roles:
        return principal.city or "-"
    return None


def scoped(principal: Principal) -> Select[TransportCall]:
    """Calls the principal may see: carriers their own; agencies and port operators those
    routed to them; operators all (a city operator: those filed by its city's carriers)."""
    query = select(TransportCall)
    if principal.is_operator:
        city = _city_only(principal)
        if city is None:
            return query
        carriers = select(Party.code).where(in_city(city))
        return query.where(TransportCall.carrier_code.in_(carriers))
    if principal.kind in DECLARANT_KINDS:
        return query.where(TransportCall.carrier_code == principal.party_code)
    return query.where(_routed_to(principal.party_code))


def may_see(session: Session, principal: Principal, call: TransportCall) -> bool:
    query = scoped(principal).where(TransportCall.id == call.id)
    return session.scalar(query.with_only_columns(TransportCall.id)) is not None


def search(
    session: Session,
    principal: Principal,
    *,
    filters: dict[str, str | None],
    after_id: str | None,
    limit: int,
) -> list[TransportCall]:
    query = scoped(principal)
    columns = {
        "mode": TransportCall.mode,
        "means_id": TransportCall.means_id,
        "journey_id": TransportCall.journey_id,
        "port": TransportCall.port,
        "stage": TransportCall.stage,
    }
    for name, value in filters.items():
        if value:
            query = query.where(columns[name] == value)
    if after_id:
        query = query.where(TransportCall.id < after_id)
    return list(session.scalars(query.order_by(TransportCall.id.desc()).limit(limit)))
