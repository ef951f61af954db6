"""Reconciliation: loading (MT4101) against pre-load (MT2101), tally against manifest, and a
goods declaration's B/L against the manifest of its journey.

Differences become ``Discrepancy`` rows, raised to customs (route kind
``manifest_discrepancy``) and shown to the carrier (a direct notice and the list API). Each
run recomputes a journey's differences: new ones are opened, open ones that a later filing
fixed are resolved (``corrected``); one that customs accepted is not raised again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from singlewindow import audit
from singlewindow.audit import actions
from singlewindow.exchange import service as exchange
from singlewindow.kit import clock
from singlewindow.kit.errors import Conflict, Finding, NotFound
from singlewindow.kit.ids import new_id
from singlewindow.parties.auth import Principal
from singlewindow.transport.manifests import repository
from singlewindow.transport.manifests.repository import Journey, Scope
from singlewindow.transport.manifests.rules import (
    DIFFERENCE_TEXT,
    LOADING,
    LOADING_VS_PRELOAD,
    TALLY,
    TALLY_KIND,
    TALLY_VS,
    Difference,
    Facts,
    bill_check,
    compare_loading,
    compare_tally,
    declaration_manifest_types,
    difference_code,
)
from singlewindow.transport.models import Consignment, Discrepancy

KIND = "manifest_discrepancy"
RESOLVED_ACTION = actions.MANIFEST_DISCREPANCY_RESOLVED
TARGET = "manifest_discrepancy"


@dataclass(frozen=True, slots=True)
class Outcome:
    opened: int = 0
    resolved: int = 0


@dataclass(frozen=True, slots=True)
class _Expected:
    difference: Difference
    carrier: str | None
    office: str | None


def _facts(rows: Mapping[str, tuple[Consignment, Facts]]) -> dict[str, Facts]:
    return {bill: facts for bill, (_row, facts) in rows.items()}


def _loading(session: Session, journey: Journey, office: str | None) -> list[_Expected]:
    out = []
    for loading_type, preload_type in LOADING_VS_PRELOAD.items():
        loaded = repository.active_facts(session, loading_type, journey)
        if not loaded:
            continue  # nothing to reconcile until the loading manifest is filed
        preload = repository.active_facts(session, preload_type, journey)
        for d in compare_loading(_facts(preload), _facts(loaded)):
            row = (loaded.get(d.bill_no) or preload[d.bill_no])[0]
            out.append(_Expected(d, row.carrier_code, row.customs_office or office))
    return out


def _tally(
    session: Session, journey: Journey, direction: str, office: str | None
) -> list[_Expected]:
    out = []
    for tally_type, targets in TALLY_VS.items():
        if TALLY[tally_type] != direction:
            continue
        counted = repository.tallies(session, tally_type, journey)
        if not counted:
            continue
        manifest: dict[str, tuple[Consignment, Facts]] = {}
        for manifest_type in targets:
            manifest = repository.active_facts(session, manifest_type, journey)
            if manifest:
                break
        fallback = repository.journey_carrier(session, targets, journey)
        tally = {
            r.bill_no: Facts(r.packages, r.gross_weight_kg, frozenset(r.containers or ()))
            for r in counted
        }
        for d in compare_tally(_facts(manifest), tally):
            row = manifest.get(d.bill_no)
            carrier = row[0].carrier_code if row else fallback
            out.append(_Expected(d, carrier, (row[0].customs_office if row else None) or office))
    return out


def _key(row: Discrepancy) -> tuple[str, str, str | None, str, str | None, str | None]:
    return (row.kind, row.bill_no or "", row.container_no, row.field or "", row.expected, row.found)


def payload(row: Discrepancy, office: str | None) -> dict[str, Any]:
    code = difference_code(row.field, row.expected, row.found)
    en, zh = DIFFERENCE_TEXT[code]
    return {
        "id": row.id,
        "kind": row.kind,
        "code": code,
        "message": en,
        "message_zh": zh,
        "status": row.status,
        "resolution": row.resolution,
        "mode": row.mode,
        "means_id": row.means_id,
        "journey_id": row.journey_id,
        "bill_no": row.bill_no,
        "container_no": row.container_no,
        "field": row.field,
        "expected": row.expected,
        "found": row.found,
        "carrier_code": row.carrier_code,
        "message_id": row.message_id,
        "customs_office": office,
    }


def _notify_carrier(session: Session, row: Discrepancy, office: str | None, node: str) -> None:
    if row.carrier_code:
        exchange.send(
            session,
            kind=KIND,
            sender=node,
            recipient=row.carrier_code,
            correlation_id=row.id,
            payload=payload(row, office),
        )


def _raise(session: Session, row: Discrepancy, office: str | None, node: str) -> None:
    envelopes = exchange.route(
        session, kind=KIND, document=payload(row, office), sender=node, correlation_id=row.id
    )
    if envelopes:
        row.customs_code = envelopes[0].recipient
    _notify_carrier(session, row, office, node)


def reconcile(
    session: Session,
    *,
    journey: Journey,
    direction: str,
    office: str | None,
    message_id: str,
    actor: str,
    node_code: str,
) -> Outcome:
    """Recomputes the journey's differences for ``direction`` and syncs the open ones."""
    kinds = [TALLY_KIND] + ([LOADING] if direction == "E" else [])
    expected = _tally(session, journey, direction, office)
    if direction == "E":
        expected = _loading(session, journey, office) + expected
    wanted = {e.difference.key: e for e in expected}
    existing = repository.journey_discrepancies(session, journey, kinds)
    open_rows = {_key(r): r for r in existing if r.status == "open"}
    accepted = {_key(r) for r in existing if r.resolution == "accepted"}
    opened = 0
    for key, e in wanted.items():
        if key in open_rows or key in accepted:
            continue
        d = e.difference
        row = Discrepancy(
            id=new_id(),
            created_at=clock.now(),
            kind=d.kind,
            mode=journey.mode,
            means_id=journey.means_id,
            journey_id=journey.journey_id,
            bill_no=d.bill_no,
            container_no=d.container_no,
            field=d.field,
            expected=d.expected,
            found=d.found,
            carrier_code=e.carrier,
            message_id=message_id,
            status="open",
        )
        session.add(row)
        _raise(session, row, e.office, node_code)
        opened += 1
    resolved = 0
    for key, row in open_rows.items():
        if key in wanted:
            continue
        row.status = "resolved"
        row.resolution = "corrected"
        row.resolution_note = f"corrected by manifest message {message_id}"
        row.resolved_by = actor
        row.resolved_at = clock.now()
        exchange.route(
            session,
            kind=KIND,
            document=payload(row, office),
            sender=node_code,
            correlation_id=row.id,
        )
        _notify_carrier(session, row, office, node_code)
        resolved += 1
    session.flush()
    return Outcome(opened, resolved)


def resolve(
    session: Session,
    principal: Principal,
    scope: Scope,
    discrepancy_id: str,
    *,
    note: str,
    node_code: str,
) -> Discrepancy:
    """Customs accepts a difference: it is closed and not raised again for the same values."""
    row = repository.discrepancy(session, scope, discrepancy_id)
    if row is None or row.customs_code != principal.party_code:
        raise NotFound(
            f"Discrepancy {discrepancy_id} not found",
            f"未找到差异记录 {discrepancy_id}",
            code="discrepancy_not_found",
        )
    if row.status != "open":
        raise Conflict(
            f"Discrepancy {discrepancy_id} is already {row.status}",
            f"差异记录 {discrepancy_id} 已处理（{row.status}）",
            code="discrepancy_not_open",
        )
    row.status = "resolved"
    row.resolution = "accepted"
    row.resolution_note = note or None
    row.resolved_by = principal.party_code
    row.resolved_at = clock.now()
    _notify_carrier(session, row, None, node_code)
    audit.record_principal(
        session,
        principal,
        action=RESOLVED_ACTION,
        target_type=TARGET,
        target_id=row.id,
        detail={"note": note, "bill_no": row.bill_no, "field": row.field},
    )
    session.flush()
    return row


# --- Goods declarations ---------------------------------------------------------------


# Prebuilt (it runs on every submission): no statement or cache key to build per call.
_ON_MANIFEST = (
    select(Consignment.journey_id, Consignment.means_id, Consignment.means_name)
    .where(
        Consignment.bill_no == bindparam("bill"),
        Consignment.status == "active",
        Consignment.manifest_type.in_(bindparam("types", expanding=True)),
    )
    .limit(50)
)


def declaration_bill_finding(
    session: Session, document: Mapping[str, Any], *, mode: str
) -> Finding | None:
    """Is a goods declaration's ``head/bill_no`` on an active consignment of the manifest of
    its journey? ``mode``: ``off`` (no query), ``warn`` or ``strict`` (the finding's
    severity). One indexed query (by B/L) at most."""
    if mode == "off":
        return None
    head = document.get("head")
    if not isinstance(head, dict):
        return None
    bill = head.get("bill_no")
    if not isinstance(bill, str) or not bill:
        return None
    traf_mode = head.get("traf_mode")
    types = declaration_manifest_types(
        head.get("ie_flag"), str(traf_mode) if traf_mode is not None else None
    )
    if not types:
        return None
    free_text = document.get("free_text")
    voy_no = free_text.get("voy_no") if isinstance(free_text, dict) else None
    rows = session.execute(_ON_MANIFEST, {"bill": bill, "types": list(types)}).all()
    traf_name = head.get("traf_name")
    return bill_check(
        [(r[0], r[1], r[2]) for r in rows],
        bill_no=bill,
        voy_no=str(voy_no) if voy_no is not None else None,
        traf_name=str(traf_name) if traf_name is not None else None,
        severity="error" if mode == "strict" else "warning",
    )
