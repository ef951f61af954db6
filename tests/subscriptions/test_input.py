"""Bad input is a 4xx naming the field, and nothing is stored; who may do what."""

from __future__ import annotations

from typing import Any

from singlewindow.subscriptions.models import Subscription
from tests.api.conftest import assert_error_shape
from tests.subscriptions.conftest import SQLITE_ONLY, SNode

BAD_BODIES: list[tuple[dict[str, Any], str, str | None]] = [
    ({"delivery": "email"}, "/delivery", None),
    ({"delivery": "pull", "types": ["declaration.*"]}, "/types/0", "invalid_type"),
    ({"delivery": "pull", "types": ["cn.gd.singlewindow.*.x"]}, "/types/0", "invalid_type"),
    ({"delivery": "pull", "types": ["Cn.Gd"]}, "/types/0", "invalid_type"),
    ({"delivery": "sse", "url": "http://127.0.0.1/x"}, "/url", "webhook_only"),
    ({"delivery": "webhook"}, "/url", "invalid_url"),
    ({"delivery": "webhook", "url": "ftp://127.0.0.1/x"}, "/url", "invalid_url"),
    ({"delivery": "webhook", "url": "http://127.0.0.1/x", "secret": "short"}, "/secret", None),
    ({"delivery": "pull", "subject": ""}, "/subject", None),
    ({"delivery": "pull", "colour": "red"}, "/colour", None),
]
BAD_READS: list[tuple[dict[str, Any], str]] = [
    ({"limit": 0}, "query:limit"),
    ({"limit": 5000}, "query:limit"),
    ({"after": -1}, "query:after"),
    ({"type": "nope"}, "query:type/0"),
]


@SQLITE_ONLY
def test_bad_input_is_422_naming_the_field_and_stores_nothing(sn: SNode) -> None:
    for body, path, code in BAD_BODIES:
        r = sn.client.post("/api/v1/subscriptions", json=body, headers=sn.auth("trader"))
        assert r.status_code == 422, (body, r.text)
        assert_error_shape(r.json())
        findings = r.json()["error"]["findings"]
        assert path in [f["path"] for f in findings], (body, findings)
        if code is not None:
            assert code in [f["code"] for f in findings], (body, findings)
    assert sn.count(Subscription) == 0
    for params, path in BAD_READS:
        r = sn.events("trader", **params)
        assert r.status_code == 422, (params, r.text)
        assert path in [f["path"] for f in r.json()["error"]["findings"]], params
    r = sn.client.get(
        "/api/v1/subscriptions/stream", params={"timeout": 0}, headers=sn.auth("trader")
    )
    assert r.status_code == 422


@SQLITE_ONLY
def test_access(sn: SNode) -> None:
    mine = sn.subscribe("trader").json()["id"]
    theirs = sn.subscribe("other_trader").json()["id"]
    # An agency does not subscribe here (it has its own channel).
    r = sn.subscribe("CUS5300")
    assert r.status_code == 403
    # Another trader neither sees nor deletes it.
    for method in ("GET", "DELETE"):
        r = sn.client.request(
            method, f"/api/v1/subscriptions/{mine}", headers=sn.auth("other_trader")
        )
        assert r.status_code == 404
    r = sn.client.get("/api/v1/subscriptions", headers=sn.auth("trader"))
    assert [s["id"] for s in r.json()["items"]] == [mine]
    r = sn.events("trader", subscription=theirs)
    assert r.status_code == 404
    # Operators see every party's subscriptions, but read no one's events.
    r = sn.client.get("/api/v1/subscriptions", headers=sn.auth("operator"))
    assert {s["id"] for s in r.json()["items"]} == {mine, theirs}
    r = sn.client.get(
        "/api/v1/subscriptions", params={"party": "nobody"}, headers=sn.auth("operator")
    )
    assert r.json()["items"] == []
    assert sn.events("operator").status_code == 403
    # The limit per party.
    sn.node.settings.subscriptions_per_party = 2
    assert sn.subscribe("trader").status_code == 201
    r = sn.subscribe("trader")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "too_many_subscriptions"
