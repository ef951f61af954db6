"""Goods declarations against manifests: the B/L check (off / warn / strict) and the export
loading permit that waits for the terminal's arrival report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from singlewindow.declarations import service as declarations
from singlewindow.parties.auth import principal_for_token
from singlewindow.transport.models import LoadingPermit
from tests.transport.manifests.conftest import SQLITE_ONLY, MNode

BILL = "COSU6312345670"  # the sample goods declaration's B/L, vessel and voyage (045E)


def _submitted_event(mf: MNode, declaration_id: str) -> dict[str, Any]:
    detail = mf.client.get(
        f"/api/v1/declarations/{declaration_id}", headers=mf.auth("trader")
    ).json()
    (event,) = [e for e in detail["timeline"] if e["event"] == "submitted"]
    return event  # type: ignore[no-any-return]


def _file_import_manifest(mf: MNode, journey: str = "045E") -> None:
    mf.ok(mf.manifest("MT1101", bill_nos=[BILL], journey_id=journey))


@SQLITE_ONLY
@pytest.mark.parametrize("mode", ["off", "warn", "strict"])
def test_bill_must_be_on_the_manifest_of_its_journey(mf: MNode, mode: str) -> None:
    mf.node.settings.manifest_check = mode  # type: ignore[assignment]
    doc = mf.node.document()
    r = mf.node.submit(doc)
    if mode == "strict":
        assert r.status_code == 422, r.text
        (finding,) = r.json()["error"]["findings"]
        assert (finding["path"], finding["code"]) == ("/head/bill_no", "bill_not_on_manifest")
        assert finding["message_zh"]
        _file_import_manifest(mf, journey="046E")  # another voyage does not count
        wrong = mf.node.submit(doc)
        assert wrong.status_code == 422
        assert "046E" in wrong.json()["error"]["findings"][0]["message"]
        _file_import_manifest(mf)
        r = mf.node.submit(doc)
        assert r.status_code == 202, r.text
        assert "warnings" not in _submitted_event(mf, r.json()["id"])["detail"]
        return
    assert r.status_code == 202, r.text
    detail = _submitted_event(mf, r.json()["id"])["detail"]
    if mode == "off":
        assert "warnings" not in detail
        return
    (warning,) = detail["warnings"]
    assert (warning["path"], warning["code"]) == ("/head/bill_no", "bill_not_on_manifest")
    assert warning["severity"] == "warning"
    _file_import_manifest(mf)
    again = mf.node.submit(mf.node.document())
    assert again.status_code == 202
    assert "warnings" not in _submitted_event(mf, again.json()["id"])["detail"]


@SQLITE_ONLY
def test_warnings_travel_with_the_submission_result(mf: MNode) -> None:
    """``Submitted.warnings`` (what the 202 receipt shows) and a repeat answers them again."""
    doc = mf.node.document()
    settings = mf.node.settings
    for duplicate in (False, True):
        with mf.node.db.unit_of_work() as session:
            principal = principal_for_token(session, mf.node.tokens["trader"])
            result = declarations.submit(
                session, principal, doc, node_code=settings.node_code, settings=settings
            )
        assert result.duplicate is duplicate
        assert [w["code"] for w in result.warnings] == ["bill_not_on_manifest"]


def _release(mf: MNode, entry_no: Callable[[str, str, str], str], doc: dict[str, Any]) -> str:
    r = mf.node.submit(doc)
    assert r.status_code == 202, r.text
    did, unified = r.json()["id"], r.json()["unified_no"]
    number = entry_no("5316", "E", unified)
    assert mf.node.decide("CUS5300", did, "accepted", entry_no=number).status_code == 200
    assert mf.node.decide("CUS5300", did, "released").status_code == 200
    return str(did)


def _arrival(mf: MNode, containers: list[str], who: str = "PORT-YICT") -> Any:
    return mf.post(
        mf.manifest("MT3101", bill_nos=[BILL], containers=containers, journey_id="045E"), who
    )


def test_export_release_waits_for_the_arrival_report(
    mf: MNode, entry_no: Callable[[str, str, str], str]
) -> None:
    doc = mf.node.document(ie_flag="E")
    first, second = (c["container_id"] for c in doc["containers"])
    did = _release(mf, entry_no, doc)
    (permit,) = mf.get("/loading-permits", who="trader")["items"]
    assert (permit["declaration_id"], permit["status"]) == (did, "waiting_arrival")
    assert permit["containers"] == [first, second]
    assert [m["kind"] for m in mf.inbox("PORT-YICT")] == ["release_notice"]

    assert _arrival(mf, [first]).status_code == 202
    assert mf.get("/loading-permits", who="trader")["items"][0]["status"] == "waiting_arrival"
    assert mf.inbox("PORT-YICT", "loading_permit") == []
    receipt = _arrival(mf, [second])
    assert receipt.status_code == 202
    assert receipt.json()["arrivals"] == 1
    (permit,) = mf.get("/loading-permits", who="trader")["items"]
    assert (permit["status"], permit["port_operator"]) == ("permitted", "PORT-YICT")
    (notice,) = mf.inbox("PORT-YICT", "loading_permit")
    assert notice["payload"]["declaration_id"] == did
    assert notice["payload"]["entry_no"] == permit["entry_no"]
    assert permit["entry_no"]
    assert notice["payload"]["containers"] == [first, second]
    assert notice["payload"]["customs_office"] == "5316"
    # Arrivals reported again change nothing: the notice went out once.
    assert _arrival(mf, [first, second]).status_code == 202
    assert mf.inbox("PORT-YICT", "loading_permit") == []
    assert mf.count(LoadingPermit) == 1
    events = mf.client.get(f"/api/v1/declarations/{did}", headers=mf.auth("trader")).json()
    assert "loading_permit" in [e["event"] for e in events["timeline"]]
    # Who sees the permit.
    assert len(mf.get("/loading-permits", who="CUS5300")["items"]) == 1
    assert len(mf.get("/loading-permits", who="PORT-YICT")["items"]) == 1
    for who in ("CUS5100", "PORT-SCT", "other_trader"):
        assert mf.get("/loading-permits", who=who)["items"] == [], who


def test_export_already_arrived_is_permitted_at_release(
    mf: MNode, entry_no: Callable[[str, str, str], str]
) -> None:
    doc = mf.node.document(ie_flag="E")
    assert _arrival(mf, [c["container_id"] for c in doc["containers"]]).status_code == 202
    did = _release(mf, entry_no, doc)
    (permit,) = mf.get("/loading-permits", who="trader", declaration_id=did)["items"]
    assert permit["status"] == "permitted"
    assert permit["permitted_at"]
    assert len(mf.inbox("PORT-YICT", "loading_permit")) == 1


@SQLITE_ONLY
def test_arrival_reports_come_from_the_terminal_of_the_office(mf: MNode) -> None:
    box = mf.node.document(ie_flag="E")["containers"][0]["container_id"]
    for who, code in (("PORT-SCT", "not_your_terminal"), ("carrier", "not_a_port_operator")):
        r = _arrival(mf, [box], who=who)
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == code
