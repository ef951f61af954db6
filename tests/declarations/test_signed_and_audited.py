"""Signed submissions through the API, signed receipts, and the audit trail they leave."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from singlewindow.audit.models import AuditEntry
from singlewindow.signing.envelope import encode_header
from singlewindow.signing.signer import ecdsa_key, sign_document
from tests.declarations.conftest import Node
from tests.signing.pki import issue, make_ca


@pytest.fixture
def signer(node: Node) -> Any:
    cert = issue(make_ca(), uscc=node.traders[0].uscc)
    r = node.client.post(
        "/api/v1/signing/certificates", json={"pem": cert.pem}, headers=node.auth("trader")
    )
    assert r.status_code == 201, r.text
    assert cert.key is not None
    return cert


def _sign(doc: dict[str, Any], cert: Any, **kw: Any) -> dict[str, str]:
    # The signature covers the document exactly as sent (JSON numbers as decimals).
    as_sent = json.loads(json.dumps(doc), parse_float=Decimal)
    key = ecdsa_key(cert.key.ecdsa)
    return sign_document(as_sent, key=key, certificate_pem=cert.pem, **kw)


def _post(node: Node, doc: dict[str, Any], envelope: dict[str, str] | None) -> Any:
    headers = node.auth("trader")
    if envelope is not None:
        headers = {**headers, "SW-Signature": encode_header(envelope)}
    return node.client.post("/api/v1/declarations", json=doc, headers=headers)


def test_signed_submission_is_accepted_and_the_receipt_is_signed(node: Node, signer: Any) -> None:
    doc = node.document(client_ref="SIGNED-1")
    r = _post(node, doc, _sign(doc, signer))
    assert r.status_code == 202, r.text
    receipt = r.json()
    assert receipt["content_digest"]
    assert receipt["accepted_at"]
    assert receipt["platform_signature"]["algorithm"] == "ES256"
    ok = node.client.post("/api/v1/signing/verify-receipt", json=receipt)
    assert ok.status_code == 200, ok.text
    forged = {**receipt, "status": "released"}
    bad = node.client.post("/api/v1/signing/verify-receipt", json=forged)
    assert bad.status_code == 422
    got = node.client.get(f"/api/v1/declarations/{receipt['id']}", headers=node.auth("trader"))
    submitted = next(e for e in got.json()["timeline"] if e["event"] == "submitted")
    assert submitted["detail"]["signature"]["fingerprint"] == signer_fingerprint(node)


def signer_fingerprint(node: Node) -> str:
    r = node.client.get("/api/v1/signing/certificates", headers=node.auth("trader"))
    body = r.json()
    items = body["items"] if isinstance(body, dict) else body
    return str(items[0]["fingerprint"])


def test_tampered_and_replayed_signed_submissions_are_refused(node: Node, signer: Any) -> None:
    doc = node.document(client_ref="SIGNED-2")
    envelope = _sign(doc, signer)
    tampered = json.loads(json.dumps(doc))
    tampered["head"]["mark_no"] = "TAMPERED"
    r = _post(node, tampered, envelope)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "signature_invalid"
    assert r.json()["error"]["message_zh"]
    assert _post(node, doc, envelope).status_code == 202
    # The same signed bytes again are an idempotent repeat (same client_ref, same content)...
    again = _post(node, doc, envelope)
    assert again.status_code == 202
    assert again.json()["duplicate"] is True
    # ...but the same signature on a new submission is a replay.
    other = node.document(client_ref="SIGNED-3")
    replay = _post(node, other, {**envelope})
    assert replay.status_code in (409, 422)


def test_another_partys_certificate_is_refused(node: Node, signer: Any) -> None:
    doc = node.document(trader=1, client_ref="SIGNED-4")
    r = node.client.post(
        "/api/v1/declarations",
        json=doc,
        headers={**node.auth("other_trader"), "SW-Signature": encode_header(_sign(doc, signer))},
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "certificate_not_owned"


def test_signature_required_by_setting(node: Node) -> None:
    node.settings.signature_required = ["goods_declaration"]
    try:
        r = _post(node, node.document(client_ref="UNSIGNED-1"), None)
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "signature_required"
    finally:
        node.settings.signature_required = []
    assert _post(node, node.document(client_ref="UNSIGNED-2"), None).status_code == 202


def test_submission_agency_read_and_decision_are_audited(node: Node) -> None:
    r = node.submit(node.document(client_ref="AUDIT-1"))
    assert r.status_code == 202
    declaration_id = r.json()["id"]
    customs = next(c for c in r.json()["recipients"] if c.startswith("CUS"))
    assert node.inbox(customs)  # the agency reads its projection
    got = node.client.get(f"/api/v1/declarations/{declaration_id}", headers=node.auth(customs))
    assert got.status_code == 200
    assert node.decide(customs, declaration_id, "received").status_code == 200
    with node.db.read_only() as session:
        rows = [
            (e.action, e.actor, e.org, (e.detail or {}).get("via"))
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.target_id == declaration_id)
            )
        ]
    trader = node.traders[0].code
    assert ("declaration.submitted", trader) in {(a, actor) for a, actor, _, _ in rows}
    reads = [(org, via) for action, _, org, via in rows if action == "declaration.read"]
    assert {via for _, via in reads} == {"inbox", "api"}
    assert {org for org, _ in reads} == {customs}
    assert any(action == "declaration.status_changed" for action, _, _, _ in rows)
