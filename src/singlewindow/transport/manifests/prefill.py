"""Goods-declaration prefill from what carriers already filed (declare once, DESIGN.md §3).

A B/L's consignment on a cargo manifest (and the ship report of its call) gives a partial
goods declaration in canonical JSON, with the source of every value. Only the manifest's
filer, an enterprise named as its consignee or consignor (``USCI+<USCC>``) or a customs broker
with a valid mandate from that enterprise may prefill; anyone else gets 404, as for an
unknown B/L.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from singlewindow.kit.errors import Conflict, Finding, Forbidden, NotFound
from singlewindow.mandates import service as mandates
from singlewindow.parties.auth import Principal
from singlewindow.parties.schemas import PartyKind
from singlewindow.standards.codes.lookup import DbCodeLookup
from singlewindow.transport.manifests import repository
from singlewindow.transport.manifests import rules as r
from singlewindow.transport.manifests.schemas import PrefillOut, PrefillSource
from singlewindow.transport.models import Consignment, ManifestMessage

GOODS = "goods_declaration"
# By direction, the manifests a prefill reads, best first (what was loaded beats what was
# announced before loading).
_TYPES = {
    "I": ("MT1101", "MT1201"),
    "E": ("MT4101", "MT2101", "MT4201", "MT2201"),
}


def _not_found(bill_no: str) -> NotFound:
    return NotFound(
        f"No manifest you may read carries B/L {bill_no}",
        f"没有您可查看的舱单载有提运单号 {bill_no}",
        code="bill_not_found",
        findings=[Finding("query:bill_no", "bill_not_found", "unknown B/L", "未找到该提运单")],
    )


class _Access:
    """Who may prefill from a consignment (mandate answers cached per enterprise)."""

    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal
        self._mandates: dict[tuple[str, str | None], bool] = {}

    def _mandated(self, grantor: str, office: str | None) -> bool:
        key = (grantor, office)
        if key not in self._mandates:
            try:
                mandates.required_for(
                    self.session,
                    grantor_uscc=grantor,
                    agent_uscc=self.principal.uscc or "-",
                    doc_type=GOODS,
                    district=office[:2] + "00" if office and len(office) >= 2 else None,
                )
                self._mandates[key] = True
            except Forbidden:
                self._mandates[key] = False
        return self._mandates[key]

    def allows(self, row: Consignment) -> bool:
        me = self.principal
        if row.carrier_code == me.party_code:
            return True
        doc = row.document
        named = {r.party_uscc(doc.get("consignee_id")), r.party_uscc(doc.get("consignor_id"))}
        named.discard(None)
        if me.uscc is not None and me.uscc in named:
            return True
        if me.kind == PartyKind.broker and me.uscc is not None:
            return any(self._mandated(str(g), row.customs_office) for g in sorted(named, key=str))
        return False


def _choose(rows: list[Consignment], bill_no: str) -> Consignment:
    journeys: dict[tuple[str, str, str, str], list[Consignment]] = {}
    for row in rows:
        journeys.setdefault((row.mode, row.means_id, row.journey_id, row.direction), []).append(row)
    if len(journeys) > 1:
        raise Conflict(
            f"B/L {bill_no} is on the manifests of {len(journeys)} journeys: pass journey_id",
            f"提运单号 {bill_no} 出现在 {len(journeys)} 个航次的舱单上，请指定 journey_id",
            code="several_journeys",
            findings=[
                Finding(
                    "query:journey_id",
                    "several_journeys",
                    f"journey {journey} ({means or '-'}, {mode}, "
                    f"{'import' if direction == 'I' else 'export'})",
                    f"航次 {journey}（{means or '-'}，{'进口' if direction == 'I' else '出口'}）",
                )
                for (mode, means, journey, direction) in sorted(journeys)
            ],
        )
    (candidates,) = journeys.values()
    order = _TYPES[candidates[0].direction]
    return min(candidates, key=lambda c: order.index(c.manifest_type))


def _index(rows: list[dict[str, Any]], **match: Any) -> int:
    for i, row in enumerate(rows):
        if all(row.get(k) == v for k, v in match.items()):
            return i
    return -1


class _Builder:
    def __init__(self) -> None:
        self.head: dict[str, Any] = {}
        self.free_text: dict[str, Any] = {}
        self.containers: list[dict[str, Any]] = []
        self.sources: list[PrefillSource] = []

    def put(
        self,
        target: dict[str, Any],
        pointer: str,
        name: str,
        value: Any,
        source: tuple[str, str, str],
    ) -> None:
        if value is None or value == "":
            return
        target[name] = value
        kind, source_id, field = source
        self.sources.append(PrefillSource(pointer=pointer, source=kind, id=source_id, field=field))


def prefill_goods_declaration(
    session: Session,
    principal: Principal,
    *,
    bill_no: str,
    journey_id: str | None = None,
    ie_flag: str | None = None,
) -> PrefillOut:
    """A partial goods declaration for ``bill_no`` (see the module docstring)."""
    types = _TYPES[ie_flag] if ie_flag in _TYPES else _TYPES["I"] + _TYPES["E"]
    access = _Access(session, principal)
    rows = [
        row
        for row in repository.bill_candidates(session, bill_no, types, journey_id)
        if access.allows(row)
    ]
    if not rows:
        raise _not_found(bill_no)
    row = _choose(rows, bill_no)
    message = repository.message(session, row.message_id)
    assert message is not None  # a consignment's message is never deleted (append-only)
    return _build(session, row, message)


def _build(session: Session, row: Consignment, message: ManifestMessage) -> PrefillOut:
    doc = message.document
    head: Mapping[str, Any] = doc.get("head") or {}
    consignments = r.consignments_of(doc)
    ci = _index(consignments, bill_no=row.bill_no)
    at = f"/consignments/{ci}"
    consignment: Mapping[str, Any] = row.document

    def manifest(field: str) -> tuple[str, str, str]:
        return ("manifest", message.id, field)

    b = _Builder()
    b.put(b.head, "/head/ie_flag", "ie_flag", row.direction, manifest("/message_type"))
    b.put(
        b.head,
        "/head/traf_mode",
        "traf_mode",
        r.TRAF_MODES.get(row.mode),
        manifest("/head/mode"),
    )
    _traf_name(session, b, row, head, manifest)
    b.put(
        b.head,
        "/head/ie_port",
        "ie_port",
        head.get("customs_office"),
        manifest("/head/customs_office"),
    )
    b.put(b.head, "/head/bill_no", "bill_no", row.bill_no, manifest(f"{at}/bill_no"))
    b.put(
        b.head, "/head/pack_no", "pack_no", consignment.get("packages"), manifest(f"{at}/packages")
    )
    b.put(
        b.head, "/head/wrap_type", "wrap_type", consignment.get("package_type"),
        manifest(f"{at}/package_type"),
    )  # fmt: skip
    b.put(
        b.head, "/head/gross_wet", "gross_wet", consignment.get("gross_weight_kg"),
        manifest(f"{at}/gross_weight_kg"),
    )  # fmt: skip
    _ports(session, b, row, consignment, head, at, manifest)
    b.put(b.free_text, "/free_text/voy_no", "voy_no", row.journey_id, manifest("/head/journey_id"))
    _containers(session, b, row, consignment, doc, manifest)
    return PrefillOut(
        head=b.head, free_text=b.free_text, containers=b.containers, sources=b.sources
    )


def _traf_name(
    session: Session, b: _Builder, row: Consignment, head: Mapping[str, Any], manifest: Any
) -> None:
    call = repository.call(session, row.call_id) if row.call_id else None
    if call is None:
        call = repository.find_call(
            session, repository.Journey(row.mode, row.means_id, row.journey_id), row.direction
        )
    report = repository.latest_ship_report(session, call.id) if call is not None else None
    if report is not None:
        name = report.document["vessel"]["name_en"]
        b.put(
            b.head,
            "/head/traf_name",
            "traf_name",
            name,
            ("ship_report", report.id, "/vessel/name_en"),
        )
        return
    b.put(
        b.head, "/head/traf_name", "traf_name", head.get("means_name"), manifest("/head/means_name")
    )


def _port_attr(codes: DbCodeLookup, locode: Any, attr: str) -> str | None:
    """A UN/LOCODE's customs port code, when the loaded ``unlocode`` table carries it
    (attribute ``customs_port``: foreign 6-char code, ``domestic_port``: 6-digit code)."""
    if not isinstance(locode, str):
        return None
    entry = codes.get("unlocode", locode)
    value = entry.attrs.get(attr) if entry is not None else None
    return str(value) if value else None


def _ports(
    session: Session,
    b: _Builder,
    row: Consignment,
    consignment: Mapping[str, Any],
    head: Mapping[str, Any],
    at: str,
    manifest: Any,
) -> None:
    codes = DbCodeLookup(session)

    def port(name: str) -> tuple[Any, str]:
        if consignment.get(name):
            return consignment.get(name), f"{at}/{name}"
        return head.get(name), f"/head/{name}"

    loading, loading_at = port("loading_port")
    unloading, unloading_at = port("unloading_port")
    if row.direction == "I":
        foreign, foreign_at, domestic, domestic_at = loading, loading_at, unloading, unloading_at
        foreign_field = "desp_port_code"
    else:
        foreign, foreign_at, domestic, domestic_at = unloading, unloading_at, loading, loading_at
        foreign_field = "distinate_port"
    b.put(
        b.head, f"/head/{foreign_field}", foreign_field,
        _port_attr(codes, foreign, "customs_port"), manifest(foreign_at),
    )  # fmt: skip
    b.put(
        b.head, "/head/enty_port_code", "enty_port_code",
        _port_attr(codes, domestic, "domestic_port"), manifest(domestic_at),
    )  # fmt: skip


def _containers(
    session: Session,
    b: _Builder,
    row: Consignment,
    consignment: Mapping[str, Any],
    doc: Mapping[str, Any],
    manifest: Any,
) -> None:
    boxes = [c for c in consignment.get("containers") or () if isinstance(c, dict)]
    if not boxes:
        return
    codes = DbCodeLookup(session)
    all_boxes = r.containers_of(doc)
    weights = r.container_weights(consignment.get("items") or ())
    shared = repository.containers_on_journey(
        session, row, [str(c.get("container_no")) for c in boxes]
    )
    for k, box in enumerate(boxes):
        number = box.get("container_no")
        src = f"/containers/{_index(all_boxes, bill_no=row.bill_no, container_no=number)}"
        out: dict[str, Any] = {}
        at = f"/containers/{k}"
        b.put(out, f"{at}/container_id", "container_id", number, manifest(f"{src}/container_no"))
        md = r.container_md(box.get("size_type"))
        if md is not None and codes.contains("container_size", md):
            b.put(out, f"{at}/container_md", "container_md", md, manifest(f"{src}/size_type"))
        if number in weights:
            b.put(
                out, f"{at}/goods_conta_wt", "goods_conta_wt", weights[number],
                manifest("/items/*/gross_weight_kg"),
            )  # fmt: skip
        elif len(boxes) == 1 and consignment.get("gross_weight_kg"):
            ci = _index(r.consignments_of(doc), bill_no=row.bill_no)
            b.put(
                out, f"{at}/goods_conta_wt", "goods_conta_wt", consignment["gross_weight_kg"],
                manifest(f"/consignments/{ci}/gross_weight_kg"),
            )  # fmt: skip
        b.put(
            out, f"{at}/lcl_flag", "lcl_flag", "1" if shared.get(str(number), 1) > 1 else "0",
            manifest(f"{src}/container_no"),
        )  # fmt: skip
        b.containers.append(out)
