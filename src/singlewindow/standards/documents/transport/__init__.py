"""Transport document types (docs/transport.md): ship, aircraft, vehicle and train reports,
manifests, crew/passenger lists and dangerous goods declarations."""

from __future__ import annotations

from singlewindow.standards.documents.model import DocumentType
from singlewindow.standards.documents.transport.manifest import MANIFEST
from singlewindow.standards.documents.transport.means import (
    AIRCRAFT_REPORT,
    TRAIN_REPORT,
    VEHICLE_REPORT,
)
from singlewindow.standards.documents.transport.persons import (
    DANGEROUS_GOODS_DECLARATION,
    PERSON_LIST,
)
from singlewindow.standards.documents.transport.ship import SHIP_REPORT

TRANSPORT_TYPES: tuple[DocumentType, ...] = (
    SHIP_REPORT,
    AIRCRAFT_REPORT,
    VEHICLE_REPORT,
    TRAIN_REPORT,
    MANIFEST,
    PERSON_LIST,
    DANGEROUS_GOODS_DECLARATION,
)

__all__ = [
    "AIRCRAFT_REPORT",
    "DANGEROUS_GOODS_DECLARATION",
    "MANIFEST",
    "PERSON_LIST",
    "SHIP_REPORT",
    "TRAIN_REPORT",
    "TRANSPORT_TYPES",
    "VEHICLE_REPORT",
]
