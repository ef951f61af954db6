"""Every bad input is a clear 4xx naming the field, and nothing of it is stored."""

from __future__ import annotations

from typing import Any

from singlewindow.standards.documents.transport_samples import (
    sample_person_list,
    sample_ship_report,
)
from tests.transport.calls.conftest import SQLITE_ONLY, Node

pytestmark = SQLITE_ONLY  # the sea call runs on both backends (test_sea_call)


def assert_error_shape(body: Any) -> None:
    """DESIGN.md §6: ``{"error": {"code", "message", "message_zh", "findings": [...]}}``."""
    assert set(body) == {"error"}, body
    error = body["error"]
    assert all(isinstance(error[k], str) and error[k] for k in ("code", "message", "message_zh"))
    for finding in error["findings"]:
        assert {"path", "code", "message", "message_zh"} <= set(finding), body


def refused(node: Node, status: int, response: Any, before: dict[str, int]) -> dict[str, Any]:
    """Asserts the status and the error shape, and that no row was written."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert_error_shape(body)
    assert node.counts() == before
    error: dict[str, Any] = body["error"]
    return error


def paths(error: dict[str, Any]) -> set[str]:
    return {f["path"] for f in error["findings"]}


def test_crew_count_that_disagrees_with_the_list(node: Node) -> None:
    doc = sample_ship_report("CSM002", crew=3)
    doc["voyage"]["crew_count"] = 4
    error = refused(node, 422, node.file("ship_report", doc), node.counts())
    assert "/voyage/crew_count" in paths(error)
    assert error["message_zh"]


def test_invalid_imo_and_every_other_finding_at_once(node: Node) -> None:
    doc = sample_ship_report("CSM002")
    doc["vessel"]["imo"] = "9074728"  # wrong check digit (9074729 is right)
    doc["voyage"]["port_of_call"] = "XXXXX"
    error = refused(node, 422, node.file("ship_report", doc), node.counts())
    assert {"/vessel/imo", "/voyage/port_of_call"} <= paths(error)


def test_departure_before_the_recorded_arrival(node: Node) -> None:
    arrived = node.accepted("ship_report", sample_ship_report("CSM004", client_ref="B1"))
    call_id = arrived["call_id"]
    node.accepted("ship_report", sample_ship_report("CSM006", client_ref="B2"))
    for agency in ("CUS5300", "MSA-GD", "BIS-GD"):
        assert node.clear(agency, call_id, "departure").status_code == 200
    doc = sample_ship_report("CSM007", client_ref="B3")
    ata = doc["voyage"].pop("ata")  # the arrival recorded by CSM004 applies
    doc["voyage"]["atd"] = ata.replace("T08:00", "T07:00")
    error = refused(node, 422, node.file("ship_report", doc), node.counts())
    assert error["code"] == "atd_before_ata"
    assert paths(error) == {"/voyage/atd"}


def test_steps_do_not_go_back_and_ships_leave_only_after_arriving(node: Node) -> None:
    node.accepted("ship_report", sample_ship_report("CSM003", client_ref="O1"))
    before = node.counts()
    # The departure of a ship that has not arrived.
    error = refused(node, 409, node.file("ship_report", sample_ship_report("CSM006")), before)
    assert error["code"] == "not_arrived"
    node.accepted("ship_report", sample_ship_report("CSM004", client_ref="O2"))
    before = node.counts()
    error = refused(node, 409, node.file("ship_report", sample_ship_report("CSM002")), before)
    assert error["code"] == "out_of_order"
    assert paths(error) == {"/message_type"}


def test_an_agency_cannot_clear_a_call_it_was_not_routed(node: Node) -> None:
    call_id = node.accepted("ship_report", sample_ship_report("CSM002"))["call_id"]
    before = node.counts()
    # Guangzhou customs: the call is at a Shenzhen office.
    error = refused(node, 403, node.clear("CUS5100", call_id, "arrival"), before)
    assert error["code"] == "not_routed_to_you"
    assert paths(error) == {"/phase"}
    # Maritime safety received the arrival, but nothing of the departure yet.
    error = refused(node, 403, node.clear("MSA-GD", call_id, "departure"), before)
    assert error["code"] == "not_routed_to_you"
    # Terminals receive reports but do not clear calls; traders and carriers neither.
    error = refused(node, 403, node.clear("PORT-YICT", call_id, "arrival"), before)
    assert error["code"] == "wrong_role"
    refused(node, 403, node.clear("carrier", call_id, "arrival"), before)
    refused(node, 404, node.clear("CUS5300", "no-such-call", "arrival"), before)


def test_bad_clearances(node: Node) -> None:
    call_id = node.accepted("ship_report", sample_ship_report("CSM002"))["call_id"]
    before = node.counts()
    error = refused(node, 422, node.clear("CUS5300", call_id, "arrival", "refused"), before)
    assert paths(error) == {"/reasons"}
    bad_code = node.clear("CUS5300", call_id, "arrival", "hold", reasons=[{"code": "XX"}])
    assert paths(refused(node, 422, bad_code, before)) == {"/reasons/0/code"}
    assert "/decision" in paths(
        refused(node, 422, node.clear("CUS5300", call_id, "arrival", "maybe"), before)
    )
    assert "/phase" in paths(refused(node, 422, node.clear("CUS5300", call_id, "transit"), before))


def test_another_carrier_cannot_file_on_someone_elses_call(node: Node) -> None:
    node.accepted("ship_report", sample_ship_report("CSM002", client_ref="C1"))
    before = node.counts()
    for doc_type, doc in (
        ("ship_report", sample_ship_report("CSM003")),
        ("person_list", sample_person_list("crew")),
    ):
        error = refused(node, 403, node.file(doc_type, doc, who="other_carrier"), before)
        assert error["code"] == "not_your_call"
        assert paths(error) in ({"/vessel/imo"}, {"/call/means_id"})


def test_unknown_report_types(node: Node) -> None:
    before = node.counts()
    for doc_type in ("rocket_report", "manifest", "goods_declaration"):
        error = refused(node, 404, node.file(doc_type, sample_ship_report()), before)
        assert error["code"] == "unknown_report_type"


def test_client_ref_reused_for_other_content(node: Node) -> None:
    first = node.accepted("ship_report", sample_ship_report("CSM002", client_ref="R1"))
    again = node.accepted("ship_report", sample_ship_report("CSM002", client_ref="R1"))
    assert again["duplicate"] is True
    assert (again["report_id"], again["call_id"]) == (first["report_id"], first["call_id"])
    before = node.counts()
    other = sample_ship_report("CSM002", client_ref="R1", crew=3)
    error = refused(node, 409, node.file("ship_report", other), before)
    assert error["code"] == "client_ref_reused"
    assert paths(error) == {"/client_ref"}


def test_malformed_bodies_and_callers(node: Node) -> None:
    before = node.counts()
    url = "/api/v1/transport/reports/ship_report"
    carrier = node.auth("carrier")
    r = node.client.post(url, content=b"{not json", headers=carrier)
    refused(node, 400, r, before)
    r = node.client.post(url, json=[1, 2], headers=carrier)
    refused(node, 400, r, before)
    r = node.client.post(url, content=b"x", headers={**carrier, "Content-Type": "text/plain"})
    refused(node, 415, r, before)
    error = refused(node, 422, node.file("ship_report", {"message_type": "CSM002"}), before)
    assert paths(error) == {"/client_ref"}
    refused(node, 403, node.file("ship_report", sample_ship_report(), who="CUS5300"), before)
    refused(node, 401, node.client.post(url, json=sample_ship_report()), before)
