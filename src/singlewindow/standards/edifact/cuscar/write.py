"""manifest -> CUSCAR (layout in the package docstring)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from singlewindow.standards.edifact.cuscar.layout import MESSAGE, TO_REC19
from singlewindow.standards.edifact.mapping import (
    Source,
    alpha2,
    chunks,
    location,
    party_id,
    pointer_at,
)
from singlewindow.standards.edifact.syntax import Segment, build
from singlewindow.standards.edifact.writer import write_interchange
from singlewindow.standards.rules.values import as_decimal, as_integer, decimal_text


def manifest_to_cuscar(
    doc: dict[str, Any],
    *,
    sender: str,
    recipient: str,
    reference: str,
    prepared_at: datetime | None = None,
) -> str:
    """A complete interchange with one CUSCAR for the manifest ``doc``.

    ``ValidationFailed`` (422) naming the JSON field when a value cannot be written."""
    return write_interchange(
        [manifest_segments(doc)],
        message=MESSAGE,
        sender=sender,
        recipient=recipient,
        reference=reference,
        prepared_at=prepared_at,
    )


def manifest_segments(doc: dict[str, Any]) -> list[Segment]:
    """The CUSCAR body (BGM … CNT) for a manifest."""
    src = Source()
    root = src.object(doc, "", required=True)
    head = src.object(root.get("head"), "/head", required=True)
    consignments = src.rows(root.get("consignments"), "/consignments")
    containers = src.rows(root.get("containers"), "/containers")
    items = src.rows(root.get("items"), "/items")
    out = _head(src, root, head)
    for path, container in containers:
        out += _container(src, path, container)
    bills = [src.text(c, "bill_no", path) for path, c in consignments]
    by_bill: dict[str, list[tuple[str, dict[str, Any]]]] = {b: [] for b in bills if b}
    for path, item in items:
        bill = src.text(item, "bill_no", path)
        if bill is None or bill not in by_bill:
            src.problem(
                pointer_at(path, "bill_no"),
                "unknown_bill",
                "Items are written "
                "inside their consignment: bill_no must name a consignment of the "
                "message",
                "货物明细写在所属提运单下：bill_no 必须是本报文中的提运单",
            )
            continue
        by_bill[bill].append((path, item))
    for number, (path, consignment) in enumerate(consignments, 1):
        bill = bills[number - 1]
        rows = by_bill.pop(bill, []) if bill else []
        out += _consignment(src, number, path, consignment, rows)
    out += _totals(src, consignments)
    src.check()
    return out


def _head(src: Source, root: dict[str, Any], head: dict[str, Any]) -> list[Segment]:
    t = src.text
    out = [
        build(
            "BGM",
            ["785", "", "", t(root, "message_type", "") or ""],
            t(root, "client_ref", ""),
            t(head, "function", "/head"),
        )
    ]
    for key, qualifier in (("arrival_date", "132"), ("departure_date", "133")):
        moment = src.moment(head, key, "/head")
        if moment:
            out.append(build("DTM", [qualifier, *moment]))
    office = t(head, "customs_office", "/head")
    if office:
        out.append(build("LOC", "22", office))
    loading = t(head, "loading_port", "/head")
    if loading:
        out.append(build("LOC", "9", location(loading)))
    unloading, terminal = t(head, "unloading_port", "/head"), t(head, "terminal_code", "/head")
    if unloading or terminal:
        out.append(build("LOC", "11", location(unloading) if unloading else None, terminal))
    first = t(head, "first_arrival_port", "/head")
    if first:
        out.append(build("LOC", "24", location(first)))
    mode = t(head, "mode", "/head")
    rec19 = TO_REC19.get(mode or "", "")
    if mode and not rec19:
        src.problem(
            "/head/mode",
            "not_representable",
            "Only modes 2 (sea), 3 (rail), 4 (road) and 5 (air) have a UN Rec 19 code",
            "只有运输方式 2、3、4、5 可转换为 UN Rec 19 代码",
        )
    means_id, name = t(head, "means_id", "/head"), t(head, "means_name", "/head")
    if mode == "2" and means_id:
        means = [means_id, "146", "11", name or ""]
    else:
        means = [means_id or "", "", "", name or ""]
    out.append(
        build(
            "TDT",
            "20",
            t(head, "journey_id", "/head"),
            rec19,
            None,
            t(head, "carrier_code", "/head"),
            None,
            None,
            means,
        )
    )
    agent, representative = t(head, "agent_code", "/head"), t(head, "representative", "/head")
    if agent or representative:
        out.append(build("NAD", "AG", agent))
        if representative:
            out.append(build("CTA", "IC", ["", representative]))
    reason = t(head, "change_reason", "/head")
    if reason:
        out.append(build("FTX", "ACD", None, None, chunks(reason, 70)))
    return out


def _container(src: Source, path: str, row: dict[str, Any]) -> list[Segment]:
    number = src.text(row, "container_no", path)
    if not number:
        src.problem(
            pointer_at(path, "container_no"),
            "required",
            "A container needs its number",
            "集装箱号必填",
        )
        return []
    out = [
        build(
            "EQD",
            "CN",
            number,
            src.text(row, "size_type", path),
            None,
            None,
            src.text(row, "fullness", path),
        )
    ]
    bill = src.text(row, "bill_no", path)
    if bill:
        out.append(build("RFF", ["BM", bill]))
    out += [build("SEL", seal) for seal in (src.text(row, "seals", path) or "").split()]
    return out


def _consignment(
    src: Source,
    number: int,
    path: str,
    row: dict[str, Any],
    items: list[tuple[str, dict[str, Any]]],
) -> list[Segment]:
    t = src.text
    out = [build("CNI", str(number))]
    for key, qualifier in (("bill_no", "BM"), ("house_bill_no", "BH")):
        ref = t(row, key, path)
        if ref:
            out.append(build("RFF", [qualifier, ref]))
    for key, qualifier in (("loading_port", "9"), ("unloading_port", "11")):
        port = t(row, key, path)
        if port:
            out.append(build("LOC", qualifier, location(port)))
    place = t(row, "delivery_place", path)
    if place:
        out.append(build("LOC", "7", location(place) if len(place) == 5 else ["", "", "", place]))
    packages, kind = src.integer(row, "packages", path), t(row, "package_type", path)
    if packages or kind:
        out.append(build("PAC", packages, None, kind))
    gross, volume = src.number(row, "gross_weight_kg", path), src.number(row, "volume_m3", path)
    if gross:
        out.append(build("MEA", "AAE", "G", ["KGM", gross]))
    if volume:
        out.append(build("MEA", "AAE", "AAW", ["MTQ", volume]))
    amount, currency = src.number(row, "value", path), t(row, "currency", path)
    if amount or currency:
        out.append(build("MOA", ["44", amount or "", currency or ""]))
    payment = t(row, "freight_payment", path)
    if payment:
        out.append(build("CPI", None, payment))
    out += _parties(src, path, row)
    out += [build("DGS", "IMD", None, un) for un in (t(row, "un_numbers", path) or "").split()]
    reason = t(row, "change_reason", path)
    if reason:
        out.append(build("FTX", "ACD", None, None, chunks(reason, 70)))
    for item_path, item in items:
        out += _item(src, item_path, item)
    return out


def _parties(src: Source, path: str, row: dict[str, Any]) -> list[Segment]:
    t = src.text
    out = []
    for role, qualifier in (("consignor", "CZ"), ("consignee", "CN")):
        ident, name = t(row, f"{role}_id", path), t(row, f"{role}_name", path)
        country = t(row, f"{role}_country", path)
        address = t(row, "consignee_address", path) if role == "consignee" else None
        if ident or name or country or address:
            out.append(
                build(
                    "NAD",
                    qualifier,
                    party_id(ident) if ident else None,
                    None,
                    chunks(name, 35) if name else None,
                    chunks(address, 35, 4) if address else None,
                    None,
                    None,
                    None,
                    alpha2(country) if country else None,
                )
            )
    notify = t(row, "notify_name", path)
    if notify:
        out.append(build("NAD", "N1", None, None, chunks(notify, 35)))
    return out


def _item(src: Source, path: str, row: dict[str, Any]) -> list[Segment]:
    t = src.text
    seq = src.integer(row, "seq", path)
    if seq is None:
        src.problem(
            pointer_at(path, "seq"),
            "required",
            "A goods item needs its seq (GID 1496)",
            "货物明细需要序号(GID 1496)",
        )
        return []
    out = [
        build(
            "GID",
            seq,
            [src.integer(row, "packages", path) or "", t(row, "package_type", path) or ""],
        )
    ]
    description = t(row, "description", path)
    if description:
        out.append(build("FTX", "AAA", None, None, chunks(description, 70)))
    hs = t(row, "hs_code", path)
    if hs:
        out.append(build("PIA", "5", [hs, "HS"]))
    gross = src.number(row, "gross_weight_kg", path)
    if gross:
        out.append(build("MEA", "AAE", "G", ["KGM", gross]))
    container = t(row, "container_no", path)
    if container:
        out.append(build("SGP", container))
    un = t(row, "un_number", path)
    if un:
        out.append(build("DGS", "IMD", None, un))
    return out


def _totals(src: Source, consignments: list[tuple[str, dict[str, Any]]]) -> list[Segment]:
    if not consignments:
        return []
    out = []
    packages = [as_integer(row.get("packages")) for _, row in consignments]
    if all(p is not None for p in packages):
        out.append(build("CNT", ["11", str(sum(p for p in packages if p is not None))]))
    weights = [as_decimal(row.get("gross_weight_kg")) for _, row in consignments]
    if all(w is not None for w in weights):
        total = sum((w for w in weights if w is not None), Decimal(0))
        out.append(build("CNT", ["7", decimal_text(total), "KGM"]))
    return out
