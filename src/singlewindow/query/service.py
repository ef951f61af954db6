"""Assemble clearance chains for one page of declarations, limited to what the caller sees.

A chain is one declaration with its agencies' decisions and timeline, the manifest
consignments of its B/L (same direction; the declared voyage when it is on the manifest),
their containers and the terminal's arrival reports, the ship calls they travel on with every
agency's clearance, the export loading permit and the release notices, the joint inspection
cases (``inspections``) and the terminal's gate-out (``gate_out``, null until one is recorded).

What each caller sees: the declarations of ``repository.visible``. Traders, operators and
port operators get the whole chain (a terminal: the inspection cases at its terminal). An
agency gets the declaration part as on ``/api/v1/declarations/{id}``, a ship call only when it
was routed that call's reports (it holds a clearance on it), manifest consignments only when
it is customs, and the inspection cases it has an order in (as on ``/api/v1/inspections``).
No part carries a document: crew and passenger lists, consignee details and goods lines never
appear here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from singlewindow.declarations.keys import voyage_key
from singlewindow.declarations.models import Declaration
from singlewindow.declarations.schemas import AgencyStatusOut, EventOut
from singlewindow.parties.auth import Principal
from singlewindow.parties.schemas import PartyKind
from singlewindow.query import repository
from singlewindow.query.schemas import (
    ArrivalPart,
    ClearanceChain,
    ClearanceOut,
    ConsignmentPart,
    DeclarationPart,
    LoadingPermitPart,
    NoticeOut,
    ReleasePart,
    ShipCallPart,
)


def _is_agency(principal: Principal) -> bool:
    return principal.kind == PartyKind.agency


def _own_consignments(
    declaration: Declaration, by_bill: dict[str, list[ConsignmentPart]]
) -> list[ConsignmentPart]:
    """The consignments of the declaration's B/L and direction; when the declared voyage is on
    the manifest, only those of that voyage."""
    rows = by_bill.get(declaration.bill_no or "", [])
    same = [r for r in rows if r.direction == declaration.ie_flag]
    voy = declaration.voyage_no  # free_text/voy_no as a key (declarations/keys.py)
    on_voyage = [r for r in same if voy is not None and voyage_key(r.journey_id) == voy]
    return on_voyage or same


def _released_at(payload: dict[str, Any], fallback: datetime) -> datetime:
    value = payload.get("released_at")
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return fallback
    return fallback


def chains(
    session: Session, principal: Principal, declarations: Sequence[Declaration]
) -> list[ClearanceChain]:
    """The chains of one page (a fixed number of queries per page, not per declaration)."""
    if not declarations:
        return []
    ids = [d.id for d in declarations]
    statuses = defaultdict(list)
    for s in repository.agency_statuses(session, ids):
        statuses[s.declaration_id].append(AgencyStatusOut.model_validate(s, from_attributes=True))
    events = defaultdict(list)
    for e in repository.timeline(session, ids):
        events[e.declaration_id].append(EventOut.model_validate(e, from_attributes=True))

    # Release notices and loading permits exist only where the timeline records them.
    def recorded(name: str) -> list[str]:
        return [i for i in ids if any(e.event == name for e in events[i])]

    notices = defaultdict(list)
    if released_ids := recorded("release_notice"):
        for m in repository.release_notices(session, released_ids):
            notices[m.correlation_id].append(m)
    permitted = recorded("loading_permit")
    permits = {p.declaration_id: p for p in repository.loading_permits(session, permitted)}

    agency = _is_agency(principal)
    show_manifest = not agency or principal.agency_type in (None, "customs")
    bills = [d.bill_no for d in declarations if d.bill_no]
    side = repository.manifest_side(session, bills)
    by_bill: dict[str, list[ConsignmentPart]] = defaultdict(list)
    for row in side.consignments:
        by_bill[row.bill_no].append(row)
    arrivals = defaultdict(list)
    if show_manifest:
        for a in repository.arrivals(session, bills):
            arrivals[a.bill_no].append(ArrivalPart.model_validate(a, from_attributes=True))
    calls = side.calls  # one part per ship call, shared by every chain on it
    clearances = defaultdict(list)
    for cl in repository.clearances(session, sorted({c.id for c in calls.values()})):
        clearances[cl.call_id].append(ClearanceOut.model_validate(cl, from_attributes=True))
    for part in calls.values():
        part.clearances = clearances[part.id]

    # Joint inspection cases and the terminal's gate-out (inspection/reads.py), looked up only
    # where the timeline records an order or a gate-out.
    from singlewindow.inspection.reads import for_declarations

    inspected = for_declarations(
        session, sorted({*recorded("inspection_ordered"), *recorded("gate_out")})
    )

    def cases_of(declaration_id: str) -> list[dict[str, Any]]:
        """The joint inspection cases the caller sees (``inspection.reads.scoped``): an agency
        those it has an order in, a terminal those at its terminal, everyone else all."""
        part = inspected.get(declaration_id)
        if part is None:
            return []
        if principal.kind == PartyKind.agency:
            code = principal.party_code
            return [
                c for c in part.inspections if any(o["agency_code"] == code for o in c["orders"])
            ]
        if principal.kind == PartyKind.port_operator:
            return [c for c in part.inspections if c["terminal"] == principal.party_code]
        return part.inspections

    out = []
    for d in declarations:
        mine = _own_consignments(d, by_bill)
        call_parts: dict[str, ShipCallPart] = {}
        for c in mine:
            call = calls.get(c.id)
            if call is None or call.id in call_parts:
                continue
            cleared = clearances[call.id]
            if agency and not any(x.agency_code == principal.party_code for x in cleared):
                continue
            call_parts[call.id] = call
        consignment_parts = mine if show_manifest else []
        sent = notices[d.id]
        released = [e.at for e in events[d.id] if e.event == "release_notice"]
        release = (
            ReleasePart(
                released_at=released[0]
                if released
                else _released_at(sent[0].payload, sent[0].created_at),
                notices=[
                    NoticeOut(
                        recipient=m.recipient,
                        sent_at=m.created_at,
                        delivered_at=m.delivered_at,
                        acked_at=m.acked_at,
                    )
                    for m in sent
                ],
            )
            if sent or released
            else None
        )
        permit = permits.get(d.id)
        out.append(
            ClearanceChain(
                declaration=DeclarationPart.model_validate(d, from_attributes=True),
                agencies=statuses[d.id],
                timeline=events[d.id],
                ship_calls=list(call_parts.values()),
                consignments=consignment_parts,
                arrivals=arrivals[d.bill_no] if d.bill_no else [],
                loading_permit=LoadingPermitPart.model_validate(permit, from_attributes=True)
                if permit is not None
                else None,
                release=release,
                inspections=cases_of(d.id),
                gate_out=inspected[d.id].gate_out if d.id in inspected else None,
            )
        )
    return out
