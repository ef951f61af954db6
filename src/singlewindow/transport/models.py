"""Transport tables: calls of transport means, their reports and clearances, vessels,
manifests (consignments, containers, history), arrival and tally reports, discrepancies and
export loading permits. See docs/transport.md for the contract.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from singlewindow.kit import clock
from singlewindow.kit.db import Base, CreatedMixin, IdMixin


class Vessel(IdMixin, Base):
    """A ship's particulars (CSM001 vessel record), kept current by every ship report."""

    __tablename__ = "vessel"

    imo: Mapped[str] = mapped_column(String(7), unique=True)
    ship_no: Mapped[str | None] = mapped_column(String(32))
    name_en: Mapped[str | None] = mapped_column(String(100))
    name_cn: Mapped[str | None] = mapped_column(String(100))
    call_sign: Mapped[str | None] = mapped_column(String(16))
    flag: Mapped[str | None] = mapped_column(String(3))
    particulars: Mapped[dict[str, Any]] = mapped_column(default=dict)
    recorded_by: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class TransportCall(IdMixin, CreatedMixin, Base):
    """One call of a transport means at a port (a ship's voyage, a flight, a truck's trip, a
    train's run), keyed by mode, means and journey. ``document`` is the merged current state
    of every report filed for it."""

    __tablename__ = "transport_call"
    __table_args__ = (
        UniqueConstraint("mode", "means_id", "journey_id"),
        Index("ix_transport_call_journey_out", "mode", "means_id", "journey_out"),
    )

    mode: Mapped[str] = mapped_column(String(8))  # sea | air | road | rail
    means_id: Mapped[str] = mapped_column(String(40))  # IMO, registration, plate, train no
    journey_id: Mapped[str] = mapped_column(String(40))  # voyage in, flight+date, trip, run
    journey_out: Mapped[str | None] = mapped_column(String(40))  # export voyage (ABROAD_NUMBER)
    means_name: Mapped[str | None] = mapped_column(String(100))
    port: Mapped[str | None] = mapped_column(String(5))  # UN/LOCODE
    customs_office: Mapped[str | None] = mapped_column(String(4))
    carrier_code: Mapped[str] = mapped_column(String(40))  # the filing party
    stage: Mapped[str] = mapped_column(String(24))  # last lifecycle step reported
    arrival_clearance: Mapped[str] = mapped_column(String(12), default="none")
    departure_clearance: Mapped[str] = mapped_column(String(12), default="none")
    eta: Mapped[datetime | None]
    etd: Mapped[datetime | None]
    ata: Mapped[datetime | None]
    atd: Mapped[datetime | None]
    document: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class TransportReport(IdMixin, Base):
    """One filing about a call (a CSM message, a flight report, a person list, a DG
    declaration), exactly as accepted; append-only."""

    __tablename__ = "transport_report"
    __table_args__ = (UniqueConstraint("declarant_code", "doc_type", "client_ref"),)

    # None for a CSM001 vessel record, which belongs to no call
    call_id: Mapped[str | None] = mapped_column(ForeignKey("transport_call.id"), index=True)
    doc_type: Mapped[str] = mapped_column(String(40))
    message_type: Mapped[str] = mapped_column(String(16))
    declarant_code: Mapped[str] = mapped_column(String(40))
    client_ref: Mapped[str] = mapped_column(String(64))
    content_digest: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]]
    recipients: Mapped[list[Any]] = mapped_column(default=list)
    submitted_at: Mapped[datetime] = mapped_column(default=clock.now)


class TransportClearance(IdMixin, Base):
    """Where one agency stands on one phase (arrival | departure) of one call."""

    __tablename__ = "transport_clearance"
    __table_args__ = (UniqueConstraint("call_id", "agency_code", "phase"),)

    call_id: Mapped[str] = mapped_column(ForeignKey("transport_call.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(40), index=True)
    role: Mapped[str] = mapped_column(String(20))
    phase: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12))  # pending | cleared | refused | hold
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    note: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)


class TransportEvent(IdMixin, Base):
    """Append-only timeline of a call."""

    __tablename__ = "transport_event"

    call_id: Mapped[str] = mapped_column(ForeignKey("transport_call.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=clock.now)
    actor: Mapped[str] = mapped_column(String(40))
    event: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ManifestMessage(IdMixin, Base):
    """One manifest-family message (MT1101 … MT5202) exactly as accepted; append-only."""

    __tablename__ = "manifest_message"
    __table_args__ = (UniqueConstraint("declarant_code", "client_ref"),)

    message_type: Mapped[str] = mapped_column(String(8))
    function: Mapped[str] = mapped_column(String(1))
    mode: Mapped[str] = mapped_column(String(8))
    means_id: Mapped[str] = mapped_column(String(40))
    journey_id: Mapped[str] = mapped_column(String(40))
    customs_office: Mapped[str | None] = mapped_column(String(4))
    declarant_code: Mapped[str] = mapped_column(String(40))
    client_ref: Mapped[str] = mapped_column(String(64))
    content_digest: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]]
    recipients: Mapped[list[Any]] = mapped_column(default=list)
    submitted_at: Mapped[datetime] = mapped_column(default=clock.now)


class Consignment(IdMixin, Base):
    """The current version of one B/L on one journey's manifest of one kind."""

    __tablename__ = "manifest_consignment"
    __table_args__ = (
        UniqueConstraint("manifest_type", "mode", "means_id", "journey_id", "bill_no"),
        Index("ix_manifest_consignment_journey", "mode", "means_id", "journey_id"),
    )

    manifest_type: Mapped[str] = mapped_column(String(8))  # MT1101, MT2101, MT4101, air
    direction: Mapped[str] = mapped_column(String(1))  # I | E
    mode: Mapped[str] = mapped_column(String(8))
    means_id: Mapped[str] = mapped_column(String(40))
    journey_id: Mapped[str] = mapped_column(String(40))
    call_id: Mapped[str | None] = mapped_column(ForeignKey("transport_call.id"), index=True)
    bill_no: Mapped[str] = mapped_column(String(35), index=True)
    customs_office: Mapped[str | None] = mapped_column(String(4))
    carrier_code: Mapped[str] = mapped_column(String(40))
    means_name: Mapped[str | None] = mapped_column(String(100))  # head/means_name (vessel)
    packages: Mapped[int | None]
    gross_weight_kg: Mapped[str | None] = mapped_column(String(24))  # exact decimal text
    status: Mapped[str] = mapped_column(String(12))  # active | deleted
    version: Mapped[int] = mapped_column(default=1)
    message_id: Mapped[str] = mapped_column(ForeignKey("manifest_message.id"))
    document: Mapped[dict[str, Any]]  # the consignment with its containers and items
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)


class ConsignmentContainer(IdMixin, Base):
    """A container of the current version of a consignment (rewritten on amendment)."""

    __tablename__ = "manifest_container"

    consignment_id: Mapped[str] = mapped_column(ForeignKey("manifest_consignment.id"), index=True)
    container_no: Mapped[str] = mapped_column(String(11), index=True)
    size_type: Mapped[str | None] = mapped_column(String(4))
    fullness: Mapped[str | None] = mapped_column(String(1))
    seals: Mapped[str | None] = mapped_column(String(200))


class ConsignmentChange(IdMixin, Base):
    """History of a consignment: add, amend, delete, with the version before and after."""

    __tablename__ = "manifest_change"

    consignment_id: Mapped[str] = mapped_column(ForeignKey("manifest_consignment.id"), index=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("manifest_message.id"))
    action: Mapped[str] = mapped_column(String(8))  # add | amend | delete
    version: Mapped[int]
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    reason: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(default=clock.now)


class ArrivalRecord(IdMixin, Base):
    """A container (or B/L without containers) reported arrived in the customs-controlled
    area by a terminal (MT3101 / MT3201)."""

    __tablename__ = "manifest_arrival"
    __table_args__ = (Index("ix_manifest_arrival_journey", "mode", "means_id", "journey_id"),)

    message_id: Mapped[str] = mapped_column(ForeignKey("manifest_message.id"))
    mode: Mapped[str] = mapped_column(String(8))
    means_id: Mapped[str] = mapped_column(String(40))
    journey_id: Mapped[str] = mapped_column(String(40))
    bill_no: Mapped[str | None] = mapped_column(String(35), index=True)
    container_no: Mapped[str | None] = mapped_column(String(11), index=True)
    terminal_code: Mapped[str | None] = mapped_column(String(40))
    reporter_code: Mapped[str] = mapped_column(String(40))
    arrived_at: Mapped[datetime | None]


class TallyRecord(IdMixin, Base):
    """What a tally company counted for one B/L (MT5101 / MT5102 / air)."""

    __tablename__ = "manifest_tally"
    __table_args__ = (Index("ix_manifest_tally_journey", "mode", "means_id", "journey_id"),)

    message_id: Mapped[str] = mapped_column(ForeignKey("manifest_message.id"))
    message_type: Mapped[str] = mapped_column(String(8))
    mode: Mapped[str] = mapped_column(String(8))
    means_id: Mapped[str] = mapped_column(String(40))
    journey_id: Mapped[str] = mapped_column(String(40))
    bill_no: Mapped[str] = mapped_column(String(35), index=True)
    packages: Mapped[int | None]
    gross_weight_kg: Mapped[str | None] = mapped_column(String(24))
    containers: Mapped[list[Any]] = mapped_column(default=list)
    reporter_code: Mapped[str] = mapped_column(String(40))


class Discrepancy(IdMixin, CreatedMixin, Base):
    """A difference found by reconciliation, raised to customs and shown to the carrier."""

    __tablename__ = "manifest_discrepancy"
    __table_args__ = (Index("ix_manifest_discrepancy_journey", "mode", "means_id", "journey_id"),)

    kind: Mapped[str] = mapped_column(String(32))  # loading_vs_preload | tally_vs_manifest
    mode: Mapped[str] = mapped_column(String(8))
    means_id: Mapped[str] = mapped_column(String(40))
    journey_id: Mapped[str] = mapped_column(String(40))
    bill_no: Mapped[str | None] = mapped_column(String(35), index=True)
    container_no: Mapped[str | None] = mapped_column(String(11))
    field: Mapped[str | None] = mapped_column(String(40))
    expected: Mapped[str | None] = mapped_column(String(200))
    found: Mapped[str | None] = mapped_column(String(200))
    carrier_code: Mapped[str | None] = mapped_column(String(40), index=True)
    customs_code: Mapped[str | None] = mapped_column(String(40))
    message_id: Mapped[str | None] = mapped_column(ForeignKey("manifest_message.id"))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | resolved
    resolution: Mapped[str | None] = mapped_column(String(12))  # corrected | accepted
    resolution_note: Mapped[str | None] = mapped_column(String(500))
    resolved_by: Mapped[str | None] = mapped_column(String(40))
    resolved_at: Mapped[datetime | None]


class LoadingPermit(IdMixin, CreatedMixin, Base):
    """An export declaration's release for loading: issued once its customs release and the
    terminal's arrival report for all its containers are both in."""

    __tablename__ = "loading_permit"

    declaration_id: Mapped[str] = mapped_column(String(36), unique=True)
    declarant_code: Mapped[str | None] = mapped_column(String(40), index=True)
    entry_no: Mapped[str | None] = mapped_column(String(18))
    customs_office: Mapped[str | None] = mapped_column(String(4))  # the declaration's ie_port
    journey_id: Mapped[str | None] = mapped_column(String(40))  # free_text/voy_no
    bill_no: Mapped[str | None] = mapped_column(String(35), index=True)
    containers: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(20))  # waiting_arrival | permitted
    permitted_at: Mapped[datetime | None]
    port_operator: Mapped[str | None] = mapped_column(String(40))
