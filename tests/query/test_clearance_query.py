"""The clearance information query (通关信息查询): the whole chain by every key, who sees what,
bad parameters, pagination and the CSV export. Data is built through the public APIs."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from singlewindow.audit import actions
from singlewindow.audit.models import AuditEntry
from singlewindow.standards.documents.transport_samples import VESSEL_NAME, sample_ship_report
from tests.transport.manifests.conftest import IMO, MNode

# Both backends: the chain's parts use "= ANY(array)" statements on PostgreSQL and expanding
# IN lists on SQLite (query/repository.py).

BILL = "COSU6312345670"  # the sample goods declaration's B/L; vessel and voyage 045E
VOYAGE = "045E"
URL = "/api/v1/query/clearance"


def _query(mf: MNode, who: str = "trader", url: str = URL, **params: Any) -> Any:
    return mf.client.get(url, params=params, headers=mf.auth(who))


def _items(mf: MNode, who: str = "trader", **params: Any) -> list[dict[str, Any]]:
    r = _query(mf, who, **params)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def _released_import(mf: MNode, entry_no: Callable[[str, str, str], str]) -> dict[str, Any]:
    """Manifest and ship call of voyage 045E, then an import declaration released by customs."""
    doc = mf.node.document()
    boxes = [c["container_id"] for c in doc["containers"]]
    mf.ok(mf.manifest("MT1101", bill_nos=[BILL], containers=boxes, journey_id=VOYAGE))
    report = sample_ship_report("CSM002", imo=IMO, voyage_in=VOYAGE, voyage_out="045W")
    r = mf.client.post(
        "/api/v1/transport/reports/ship_report", json=report, headers=mf.auth("carrier")
    )
    assert r.status_code == 202, r.text
    r = mf.node.submit(doc)
    assert r.status_code == 202, r.text
    did, unified = r.json()["id"], r.json()["unified_no"]
    number = entry_no("5316", "I", unified)
    assert mf.node.decide("CUS5300", did, "accepted", entry_no=number).status_code == 200
    assert mf.node.decide("CUS5300", did, "released").status_code == 200
    mf.node.pump()
    return {
        "id": did,
        "unified_no": unified,
        "entry_no": number,
        "client_ref": doc["client_ref"],
        "containers": boxes,
    }


def test_the_whole_chain_by_every_key_and_who_sees_it(
    mf: MNode, entry_no: Callable[[str, str, str], str]
) -> None:
    d = _released_import(mf, entry_no)
    keys: list[dict[str, str]] = [
        {"unified_no": d["unified_no"]},
        {"entry_no": d["entry_no"]},
        {"client_ref": d["client_ref"]},
        {"bill_no": BILL},
        {"container_no": d["containers"][1]},
        {"container_no": d["containers"][0].lower()},
        {"vessel": IMO, "voyage": VOYAGE},
        {"vessel": VESSEL_NAME.lower(), "voyage": VOYAGE},
    ]
    for params in keys:
        (chain,) = _items(mf, **params)
        assert chain["declaration"]["id"] == d["id"], params
    # Keys that lead nowhere answer an empty list, not an error.
    for params in (
        {"bill_no": "NOSUCHBILL"},
        {"vessel": IMO, "voyage": "999E"},
        {"vessel": "NO SUCH SHIP", "voyage": VOYAGE},
        {"container_no": "CSQU3054383"},
    ):
        assert _items(mf, **params) == [], params

    (chain,) = _items(mf, unified_no=d["unified_no"])
    decl = chain["declaration"]
    assert (decl["status"], decl["entry_no"], decl["bill_no"]) == ("released", d["entry_no"], BILL)
    assert decl["submitted_at"]
    (customs,) = [a for a in chain["agencies"] if a["agency_code"] == "CUS5300"]
    assert customs["status"] == "released"
    assert customs["updated_at"]
    events = [e["event"] for e in chain["timeline"]]
    assert "submitted" in events
    assert "release_notice" in events
    assert all(e["at"] for e in chain["timeline"])
    (call,) = chain["ship_calls"]
    assert (call["means_id"], call["journey_id"], call["journey_out"]) == (IMO, VOYAGE, "045W")
    assert call["eta"]
    assert call["clearances"]
    assert {c["phase"] for c in call["clearances"]} == {"arrival"}
    (consignment,) = chain["consignments"]
    assert (consignment["bill_no"], consignment["version"]) == (BILL, 1)
    assert consignment["call_id"] == call["id"]
    assert sorted(c["container_no"] for c in consignment["containers"]) == sorted(d["containers"])
    release = chain["release"]
    assert release["released_at"]
    assert [n["recipient"] for n in release["notices"]] == ["PORT-YICT"]
    assert chain["loading_permit"] is None  # an import
    assert (chain["inspections"], chain["gate_out"]) == ([], None)
    assert "crew" not in str(chain)
    assert "document" not in chain

    # Who sees it: the agency it was routed to, the port operator notified, the operator.
    for who in ("CUS5300", "PORT-YICT", "operator"):
        (seen,) = _items(mf, who, bill_no=BILL)
        assert seen["declaration"]["id"] == d["id"], who
    # The routed customs sees the manifest side too, and its reads are audited.
    assert _items(mf, "CUS5300", bill_no=BILL)[0]["consignments"]
    assert _query(mf, "CUS5300", url=URL + ".csv", bill_no=BILL).status_code == 200
    with mf.node.db.read_only() as session:
        reads = session.scalars(
            select(AuditEntry.detail).where(
                AuditEntry.action == actions.DECLARATION_READ, AuditEntry.target_id == d["id"]
            )
        ).all()
    assert [r["via"] for r in reads] == ["query"] * 4  # CUS5300 ×3, PORT-YICT ×1
    # Nobody else sees anything.
    for who in ("other_trader", "CUS5100", "PORT-SCT", "MSA-GD", "carrier"):
        for params in keys:
            assert _items(mf, who, **params) == [], (who, params)
        assert _items(mf, who) == [], who


BAD: list[tuple[dict[str, Any], int, str]] = [
    ({"unified_no": "1", "entry_no": "2"}, 422, "query:entry_no"),
    ({"bill_no": BILL, "vessel": IMO, "voyage": VOYAGE}, 422, "query:vessel"),
    ({"voyage": VOYAGE}, 422, "query:vessel"),
    ({"vessel": IMO}, 422, "query:voyage"),
    ({"vessel": "907472", "voyage": VOYAGE}, 422, "query:vessel"),
    ({"container_no": "MSKU1234560"}, 422, "query:container_no"),
    ({"container_no": "MSKU123"}, 422, "query:container_no"),
    ({"bill_no": " "}, 422, "query:bill_no"),
    ({"bill_no": "X" * 36}, 422, "query:bill_no"),
    ({"limit": 0}, 422, "query:limit"),
    ({"limit": 201}, 422, "query:limit"),
    ({"limit": "many"}, 422, "query:limit"),
    ({"ie_flag": "X"}, 422, "query:ie_flag"),
    ({"sort": "status"}, 422, "query:sort"),
    ({"from": "2026-13-01"}, 422, "query:from"),
    ({"from": "2026-11-30", "to": "2026-11-01"}, 422, "query:from"),
    ({"cursor": "%%%"}, 400, "query:cursor"),
    ({"cursor": "bm90LWEtY3Vyc29y"}, 400, "query:cursor"),
]


def test_bad_parameters_name_the_parameter(mf: MNode) -> None:
    for params, status, path in BAD:
        for url in (URL, URL + ".csv"):
            if url.endswith(".csv") and "limit" in params:
                continue  # the export has no page size
            r = _query(mf, url=url, **params)
            assert r.status_code == status, (params, url, r.text)
            findings = r.json()["error"]["findings"]
            assert path in [f["path"] for f in findings], (params, url, findings)
            assert all(f["message_zh"] for f in findings)


def test_pages_filters_sorting_and_csv(mf: MNode, entry_no: Callable[[str, str, str], str]) -> None:
    ids = []
    for _ in range(3):
        r = mf.node.submit(mf.node.document())
        assert r.status_code == 202, r.text
        ids.append(r.json()["id"])
    draft = mf.client.post(
        "/api/v1/declarations", params={"draft": "true"}, json=mf.node.document(),
        headers=mf.auth("trader"),
    )  # fmt: skip
    assert draft.status_code == 201, draft.text

    first = _query(mf, bill_no=BILL, limit=2).json()
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    second = _query(mf, bill_no=BILL, limit=2, cursor=first["next_cursor"]).json()
    assert second["next_cursor"] is None
    newest_first = [c["declaration"]["id"] for c in first["items"] + second["items"]]
    assert sorted(newest_first) == sorted(ids)  # every one once, drafts never
    times = [c["declaration"]["submitted_at"] for c in first["items"] + second["items"]]
    assert times == sorted(times, reverse=True)
    oldest_first = [
        c["declaration"]["id"] for c in _items(mf, bill_no=BILL, sort="submitted_at", limit=200)
    ]
    assert oldest_first == newest_first[::-1]
    # A cursor belongs to its sort order.
    r = _query(mf, bill_no=BILL, sort="submitted_at", cursor=first["next_cursor"])
    assert r.status_code == 400

    assert len(_items(mf, bill_no=BILL, status="submitted")) == 3
    assert _items(mf, bill_no=BILL, status="released") == []
    assert len(_items(mf, bill_no=BILL, ie_flag="I")) == 3
    assert _items(mf, bill_no=BILL, ie_flag="E") == []
    assert _items(mf, bill_no=BILL, **{"from": "2099-01-01"}) == []
    assert len(_items(mf, bill_no=BILL, **{"from": "2000-01-01", "to": "2099-12-31"})) == 3
    assert _items(mf, bill_no=BILL, to="2000-01-01") == []
    assert len(_items(mf)) == 3  # without a key: every declaration the caller may see

    # Release one: the CSV shows it, one row per declaration, after a bilingual header.
    unified = _items(mf, bill_no=BILL)[0]["declaration"]["unified_no"]
    released = _items(mf, unified_no=unified)[0]["declaration"]["id"]
    number = entry_no("5316", "I", unified)
    assert mf.node.decide("CUS5300", released, "accepted", entry_no=number).status_code == 200
    assert mf.node.decide("CUS5300", released, "released").status_code == 200

    r = _query(mf, url=URL + ".csv", bill_no=BILL)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[0] == "Unified No. / 统一编号"
    assert len(body) == 3
    by_unified = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    row = by_unified[unified]
    assert row["Customs No. / 海关编号"] == number
    assert row["Status / 状态"] == "released"
    assert row["Released at / 放行时间"]
    assert "CUS5300:released" in row["Agency decisions / 各部门审核"]
    assert {r["Status / 状态"] for u, r in by_unified.items() if u != unified} == {"submitted"}
    # Another trader's export has the header only.
    other = _query(mf, "other_trader", url=URL + ".csv", bill_no=BILL)
    assert other.status_code == 200
    assert len(list(csv.reader(io.StringIO(other.content.decode("utf-8-sig"))))) == 1


def test_vessel_and_voyage_match_the_declared_name_or_imo(
    mf: MNode, entry_no: Callable[[str, str, str], str]
) -> None:
    """The declaration's own TrafName and VoyNo are the key: a name, or ``UN`` + IMO as in
    the manifests, found by the vessel's IMO or any of its registered names."""
    first = _released_import(mf, entry_no)
    doc = mf.node.document()
    doc["client_ref"] = "QUERY-UN-IMO-1"
    doc["head"]["traf_name"] = f"un {IMO}"
    doc["head"]["bill_no"] = "COSU6312345999"
    doc["free_text"]["voy_no"] = VOYAGE.lower()
    r = mf.node.submit(doc)
    assert r.status_code == 202, r.text
    second = r.json()["id"]
    for vessel in (IMO, f"UN{IMO}", VESSEL_NAME.lower()):
        found = [c["declaration"]["id"] for c in _items(mf, vessel=vessel, voyage=VOYAGE)]
        assert found == [second, first["id"]], vessel  # newest first
    # Each name is its own index range; pages and both orders run across them.
    page = _query(mf, vessel=IMO, voyage=VOYAGE, limit=1).json()
    assert [c["declaration"]["id"] for c in page["items"]] == [second]
    rest = _query(mf, vessel=IMO, voyage=VOYAGE, limit=1, cursor=page["next_cursor"]).json()
    assert [c["declaration"]["id"] for c in rest["items"]] == [first["id"]]
    assert rest["next_cursor"] is None
    oldest = _items(mf, vessel=IMO, voyage=VOYAGE, sort="submitted_at")
    assert [c["declaration"]["id"] for c in oldest] == [first["id"], second]
    # Another voyage of the same ship, or the same voyage number of another ship: nothing.
    assert _items(mf, vessel=IMO, voyage="046E") == []
    assert _items(mf, vessel="9321483", voyage=VOYAGE) == []
