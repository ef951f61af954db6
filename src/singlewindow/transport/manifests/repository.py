"""Manifest queries: journeys, consignments with containers and history, arrivals, tallies,
discrepancies, loading permits, and what each caller may see of them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select, true
from sqlalchemy.orm import Session

from singlewindow.transport.manifests.rules import ACTIVE, Facts
from singlewindow.transport.models import (
    ArrivalRecord,
    Consignment,
    ConsignmentChange,
    ConsignmentContainer,
    Discrepancy,
    LoadingPermit,
    ManifestMessage,
    TallyRecord,
    TransportCall,
    TransportReport,
)


@dataclass(frozen=True, slots=True)
class Journey:
    mode: str  # sea | air | road | rail
    means_id: str
    journey_id: str

    def label(self) -> str:
        return f"{self.means_id or '-'}/{self.journey_id}"


@dataclass(frozen=True, slots=True)
class Scope:
    """What a caller may see: its own filings, its customs district, its terminal's offices,
    or everything (operators)."""

    party_code: str
    everything: bool = False
    carrier: bool = False
    customs_district: str | None = None  # a customs agency's head office, e.g. 5300
    port_offices: tuple[str, ...] = ()  # a port operator's customs offices


def _office_in(column: Any, scope: Scope) -> ColumnElement[bool]:
    if scope.customs_district:
        return column.like(scope.customs_district[:2] + "%")  # type: ignore[no-any-return]
    if scope.port_offices:
        return column.in_(scope.port_offices)  # type: ignore[no-any-return]
    return false()


# --- messages -------------------------------------------------------------------------


def message_by_ref(session: Session, declarant: str, client_ref: str) -> ManifestMessage | None:
    return session.scalar(
        select(ManifestMessage).where(
            ManifestMessage.declarant_code == declarant, ManifestMessage.client_ref == client_ref
        )
    )


def message(session: Session, message_id: str) -> ManifestMessage | None:
    return session.get(ManifestMessage, message_id)


def changes_by_message(session: Session, message_id: str) -> list[tuple[ConsignmentChange, str]]:
    rows = session.execute(
        select(ConsignmentChange, Consignment.bill_no)
        .join(Consignment, Consignment.id == ConsignmentChange.consignment_id)
        .where(ConsignmentChange.message_id == message_id)
        .order_by(ConsignmentChange.id)
    ).all()
    return [(change, bill) for change, bill in rows]


def count_by_message(
    session: Session, model: type[ArrivalRecord | TallyRecord | Discrepancy], mid: str
) -> int:
    count = session.scalar(select(func.count()).where(model.message_id == mid))
    return int(count or 0)


# --- consignments ---------------------------------------------------------------------


def journey_consignments(
    session: Session, manifest_type: str, journey: Journey, bills: Iterable[str]
) -> dict[str, Consignment]:
    wanted = sorted(set(bills))
    if not wanted:
        return {}
    rows = session.scalars(
        select(Consignment).where(
            Consignment.manifest_type == manifest_type,
            Consignment.mode == journey.mode,
            Consignment.means_id == journey.means_id,
            Consignment.journey_id == journey.journey_id,
            Consignment.bill_no.in_(wanted),
        )
    )
    return {c.bill_no: c for c in rows}


def active_facts(
    session: Session, manifest_type: str, journey: Journey
) -> dict[str, tuple[Consignment, Facts]]:
    """The active consignments of one journey's manifest of one type, with their facts."""
    rows = list(
        session.scalars(
            select(Consignment).where(
                Consignment.manifest_type == manifest_type,
                Consignment.mode == journey.mode,
                Consignment.means_id == journey.means_id,
                Consignment.journey_id == journey.journey_id,
                Consignment.status == ACTIVE,
            )
        )
    )
    boxes: dict[str, set[str]] = {c.id: set() for c in rows}
    if rows:
        for cid, box in session.execute(
            select(ConsignmentContainer.consignment_id, ConsignmentContainer.container_no).where(
                ConsignmentContainer.consignment_id.in_(list(boxes))
            )
        ):
            boxes[cid].add(box)
    return {
        c.bill_no: (c, Facts(c.packages, c.gross_weight_kg, frozenset(boxes[c.id]))) for c in rows
    }


def journey_carrier(
    session: Session, manifest_types: Sequence[str], journey: Journey
) -> str | None:
    return session.scalar(
        select(Consignment.carrier_code)
        .where(
            Consignment.manifest_type.in_(list(manifest_types)),
            Consignment.mode == journey.mode,
            Consignment.means_id == journey.means_id,
            Consignment.journey_id == journey.journey_id,
        )
        .order_by(Consignment.id)
        .limit(1)
    )


def containers(session: Session, consignment_id: str) -> list[ConsignmentContainer]:
    return list(
        session.scalars(
            select(ConsignmentContainer)
            .where(ConsignmentContainer.consignment_id == consignment_id)
            .order_by(ConsignmentContainer.id)
        )
    )


def history(session: Session, consignment_id: str) -> list[ConsignmentChange]:
    return list(
        session.scalars(
            select(ConsignmentChange)
            .where(ConsignmentChange.consignment_id == consignment_id)
            .order_by(ConsignmentChange.version, ConsignmentChange.id)
        )
    )


def consignment_visible(scope: Scope) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    if scope.customs_district:
        return _office_in(Consignment.customs_office, scope)
    if scope.port_offices:  # terminals see the export (pre-load and loading) manifests
        return (Consignment.direction == "E") & _office_in(Consignment.customs_office, scope)
    return Consignment.carrier_code == scope.party_code


def search_consignments(
    session: Session,
    scope: Scope,
    *,
    means_id: str | None,
    journey_id: str | None,
    bill_no: str | None,
    container_no: str | None,
    manifest_type: str | None,
    status: str | None,
    after_id: str | None,
    limit: int,
) -> list[Consignment]:
    query: Select[Any] = select(Consignment).where(consignment_visible(scope))
    for column, value in (
        (Consignment.means_id, means_id),
        (Consignment.journey_id, journey_id),
        (Consignment.bill_no, bill_no),
        (Consignment.manifest_type, manifest_type),
        (Consignment.status, status),
    ):
        if value:
            query = query.where(column == value)
    if container_no:
        query = query.where(
            Consignment.id.in_(
                select(ConsignmentContainer.consignment_id).where(
                    ConsignmentContainer.container_no == container_no
                )
            )
        )
    if after_id:
        query = query.where(Consignment.id > after_id)
    return list(session.scalars(query.order_by(Consignment.id).limit(limit)))


def visible_consignment(session: Session, scope: Scope, consignment_id: str) -> Consignment | None:
    return session.scalar(
        select(Consignment).where(Consignment.id == consignment_id, consignment_visible(scope))
    )


def bill_candidates(
    session: Session, bill_no: str, manifest_types: Sequence[str], journey_id: str | None
) -> list[Consignment]:
    query = select(Consignment).where(
        Consignment.bill_no == bill_no,
        Consignment.status == ACTIVE,
        Consignment.manifest_type.in_(list(manifest_types)),
    )
    if journey_id:
        query = query.where(Consignment.journey_id == journey_id)
    return list(session.scalars(query.order_by(Consignment.id)))


def containers_on_journey(
    session: Session, consignment: Consignment, boxes: Sequence[str]
) -> dict[str, int]:
    """How many active consignments of the same manifest each container carries (LCL)."""
    if not boxes:
        return {}
    rows = session.execute(
        select(ConsignmentContainer.container_no, Consignment.id)
        .join(Consignment, Consignment.id == ConsignmentContainer.consignment_id)
        .where(
            Consignment.manifest_type == consignment.manifest_type,
            Consignment.mode == consignment.mode,
            Consignment.means_id == consignment.means_id,
            Consignment.journey_id == consignment.journey_id,
            Consignment.status == ACTIVE,
            ConsignmentContainer.container_no.in_(list(boxes)),
        )
    ).all()
    counts: dict[str, int] = {}
    for box, _cid in rows:
        counts[box] = counts.get(box, 0) + 1
    return counts


# --- calls ----------------------------------------------------------------------------


def find_call(session: Session, journey: Journey, direction: str) -> TransportCall | None:
    """The call a journey's manifest belongs to: imports by the call's journey (voyage in),
    exports by its outward journey (voyage out), else by its journey."""
    base = select(TransportCall).where(
        TransportCall.mode == journey.mode, TransportCall.means_id == journey.means_id
    )
    if direction == "E":
        found = session.scalar(base.where(TransportCall.journey_out == journey.journey_id).limit(1))
        if found is not None:
            return found
    found = session.scalar(base.where(TransportCall.journey_id == journey.journey_id).limit(1))
    if found is None and journey.mode == "air" and "/" not in journey.journey_id:
        # A flight's call is keyed "{flight_no}/{flight_date}"; a manifest names the flight
        # only: the newest call of that aircraft on that flight number.
        found = session.scalar(
            base.where(TransportCall.journey_id.startswith(f"{journey.journey_id}/"))
            .order_by(TransportCall.created_at.desc())
            .limit(1)
        )
    return found


def call(session: Session, call_id: str) -> TransportCall | None:
    return session.get(TransportCall, call_id)


def latest_ship_report(session: Session, call_id: str) -> TransportReport | None:
    """The newest ship report of a call that names the vessel (``/vessel/name_en``)."""
    rows = session.scalars(
        select(TransportReport)
        .where(TransportReport.call_id == call_id, TransportReport.doc_type == "ship_report")
        .order_by(TransportReport.submitted_at.desc(), TransportReport.id.desc())
    )
    for report in rows:
        vessel = report.document.get("vessel") if isinstance(report.document, dict) else None
        if isinstance(vessel, dict) and vessel.get("name_en"):
            return report
    return None


# --- arrivals and tallies -------------------------------------------------------------


def arrivals(session: Session, journey: Journey) -> list[ArrivalRecord]:
    return list(
        session.scalars(
            select(ArrivalRecord).where(
                ArrivalRecord.mode == journey.mode,
                ArrivalRecord.means_id == journey.means_id,
                ArrivalRecord.journey_id == journey.journey_id,
            )
        )
    )


def arrived_containers(session: Session, boxes: Sequence[str], journey_id: str | None) -> set[str]:
    query = select(ArrivalRecord.container_no).where(ArrivalRecord.container_no.in_(list(boxes)))
    if journey_id:
        query = query.where(ArrivalRecord.journey_id == journey_id)
    return {box for box in session.scalars(query) if box}


def bill_arrived(session: Session, bill_no: str, journey_id: str | None) -> bool:
    query = select(ArrivalRecord.id).where(ArrivalRecord.bill_no == bill_no)
    if journey_id:
        query = query.where(ArrivalRecord.journey_id == journey_id)
    return session.scalar(query.limit(1)) is not None


def tallies(session: Session, message_type: str, journey: Journey) -> list[TallyRecord]:
    return list(
        session.scalars(
            select(TallyRecord).where(
                TallyRecord.message_type == message_type,
                TallyRecord.mode == journey.mode,
                TallyRecord.means_id == journey.means_id,
                TallyRecord.journey_id == journey.journey_id,
            )
        )
    )


# --- discrepancies --------------------------------------------------------------------


def journey_discrepancies(
    session: Session, journey: Journey, kinds: Sequence[str]
) -> list[Discrepancy]:
    return list(
        session.scalars(
            select(Discrepancy).where(
                Discrepancy.mode == journey.mode,
                Discrepancy.means_id == journey.means_id,
                Discrepancy.journey_id == journey.journey_id,
                Discrepancy.kind.in_(list(kinds)),
            )
        )
    )


def discrepancy_visible(scope: Scope) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    if scope.customs_district:
        return Discrepancy.customs_code == scope.party_code
    if scope.port_offices:
        return false()
    return Discrepancy.carrier_code == scope.party_code


def search_discrepancies(
    session: Session,
    scope: Scope,
    *,
    status: str | None,
    kind: str | None,
    means_id: str | None,
    journey_id: str | None,
    bill_no: str | None,
    after_id: str | None,
    limit: int,
) -> list[Discrepancy]:
    query = select(Discrepancy).where(discrepancy_visible(scope))
    for column, value in (
        (Discrepancy.status, status),
        (Discrepancy.kind, kind),
        (Discrepancy.means_id, means_id),
        (Discrepancy.journey_id, journey_id),
        (Discrepancy.bill_no, bill_no),
    ):
        if value:
            query = query.where(column == value)
    if after_id:
        query = query.where(Discrepancy.id > after_id)
    return list(session.scalars(query.order_by(Discrepancy.id).limit(limit)))


def discrepancy(session: Session, scope: Scope, discrepancy_id: str) -> Discrepancy | None:
    return session.scalar(
        select(Discrepancy).where(Discrepancy.id == discrepancy_id, discrepancy_visible(scope))
    )


# --- loading permits ------------------------------------------------------------------


def permit_by_declaration(session: Session, declaration_id: str) -> LoadingPermit | None:
    return session.scalar(
        select(LoadingPermit).where(LoadingPermit.declaration_id == declaration_id)
    )


def waiting_permits(session: Session) -> list[LoadingPermit]:
    # Permits wait only until the terminal's arrival report: a short list in practice.
    return list(
        session.scalars(
            select(LoadingPermit)
            .where(LoadingPermit.status == "waiting_arrival")
            .order_by(LoadingPermit.id)
        )
    )


def permit_visible(scope: Scope) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    if scope.customs_district or scope.port_offices:
        return _office_in(LoadingPermit.customs_office, scope)
    own = LoadingPermit.declarant_code == scope.party_code
    if scope.carrier:  # the permits of B/Ls on the carrier's export manifests
        return or_(
            own,
            LoadingPermit.bill_no.in_(
                select(Consignment.bill_no).where(
                    Consignment.carrier_code == scope.party_code, Consignment.direction == "E"
                )
            ),
        )
    return own


def search_permits(
    session: Session,
    scope: Scope,
    *,
    status: str | None,
    bill_no: str | None,
    declaration_id: str | None,
    after_id: str | None,
    limit: int,
) -> list[LoadingPermit]:
    query = select(LoadingPermit).where(permit_visible(scope))
    for column, value in (
        (LoadingPermit.status, status),
        (LoadingPermit.bill_no, bill_no),
        (LoadingPermit.declaration_id, declaration_id),
    ):
        if value:
            query = query.where(column == value)
    if after_id:
        query = query.where(LoadingPermit.id > after_id)
    return list(session.scalars(query.order_by(LoadingPermit.id).limit(limit)))
