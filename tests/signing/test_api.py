"""The HTTP API: registering certificates, the revocation list, and who may see what."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from singlewindow.kit.db import Database
from singlewindow.kit.errors import SingleWindowError
from singlewindow.signing import service
from singlewindow.signing.models import CertificateRevocation, SigningCertificate
from tests.signing.conftest import BROKER, OPERATOR, OTHER, TRADER, Parties
from tests.signing.pki import Ca, ed25519_key, issue, now, sm2_certificate

URL = "/api/v1/signing"


def _count(db: Database, model: Any) -> int:
    with db.read_only() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _bilingual(body: dict[str, Any], path: str | None = None) -> dict[str, Any]:
    error = body["error"]
    assert error["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message_zh"])
    if path is not None:
        assert error["findings"][0]["path"] == path
    return error


def test_an_enterprise_registers_and_reads_its_certificate(
    app_client: TestClient, parties: Parties, ca: Ca
) -> None:
    issued = issue(ca, uscc=TRADER)
    r = app_client.post(
        f"{URL}/certificates", json={"pem": issued.pem}, headers=parties.auth(TRADER)
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["party_code"] == TRADER
    assert body["algorithm"] == "ecdsa-p256"
    assert body["status"] == "valid"
    assert body["registered_by"] == TRADER
    fingerprint = body["fingerprint"]

    mine = app_client.get(f"{URL}/certificates", headers=parties.auth(TRADER)).json()
    assert [c["fingerprint"] for c in mine] == [fingerprint]
    assert app_client.get(f"{URL}/certificates", headers=parties.auth(OTHER)).json() == []
    everyone = app_client.get(f"{URL}/certificates", headers=parties.auth(OPERATOR)).json()
    assert [c["fingerprint"] for c in everyone] == [fingerprint]

    one = app_client.get(f"{URL}/certificates/{fingerprint.upper()}", headers=parties.auth(TRADER))
    assert one.status_code == 200
    assert one.json()["pem"] == issued.pem
    hidden = app_client.get(f"{URL}/certificates/{fingerprint}", headers=parties.auth(OTHER))
    assert hidden.status_code == 404
    assert app_client.get(f"{URL}/certificates/{fingerprint}").status_code == 401


def test_an_sm2_certificate_can_be_registered(app_client: TestClient, parties: Parties) -> None:
    issued = sm2_certificate(uscc=TRADER)
    r = app_client.post(
        f"{URL}/certificates", json={"pem": issued.pem}, headers=parties.auth(TRADER)
    )
    assert r.status_code == 201, r.text
    assert r.json()["algorithm"] == "sm2"


@pytest.mark.parametrize(
    ("make", "status", "code"),
    [
        (lambda ca: "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----", 400,
         "certificate_malformed"),
        (lambda ca: "hello", 400, "certificate_malformed"),
        (lambda ca: issue(ca, uscc=TRADER, key=ec.generate_private_key(ec.SECP384R1())).pem, 422,
         "certificate_algorithm_unsupported"),
        (lambda ca: issue(ca, uscc=TRADER, key=ed25519_key()).pem, 422,
         "certificate_algorithm_unsupported"),
        (lambda ca: issue(ca, uscc=TRADER, not_after=now() - timedelta(days=1),
                          not_before=now() - timedelta(days=30)).pem, 422, "certificate_expired"),
        (lambda ca: issue(ca, uscc=TRADER, not_before=now() + timedelta(days=1)).pem, 422,
         "certificate_not_yet_valid"),
        (lambda ca: issue(ca, uscc=OTHER).pem, 403, "certificate_uscc_mismatch"),
        (lambda ca: issue(ca, uscc=OTHER, uscc_in="SAN").pem, 403, "certificate_uscc_mismatch"),
    ],
    ids=["bad-base64", "not-pem", "p384", "ed25519", "expired", "not-yet-valid", "uscc",
         "uscc-in-san"],
)  # fmt: skip
def test_bad_certificates_are_refused_and_nothing_is_stored(
    app_client: TestClient,
    db: Database,
    parties: Parties,
    ca: Ca,
    make: Any,
    status: int,
    code: str,
) -> None:
    r = app_client.post(f"{URL}/certificates", json={"pem": make(ca)}, headers=parties.auth(TRADER))
    assert r.status_code == status, r.text
    error = _bilingual(r.json(), "/pem")
    assert error["code"] == code
    assert _count(db, SigningCertificate) == 0


def test_duplicates_and_other_parties(
    app_client: TestClient, db: Database, parties: Parties, ca: Ca
) -> None:
    issued = issue(ca)  # no USCC in the subject: any declarant may claim it, once
    r = app_client.post(
        f"{URL}/certificates", json={"pem": issued.pem}, headers=parties.auth(TRADER)
    )
    assert r.status_code == 201
    again = app_client.post(
        f"{URL}/certificates", json={"pem": issued.pem}, headers=parties.auth(OTHER)
    )
    assert again.status_code == 409
    assert _bilingual(again.json())["code"] == "certificate_registered"
    # Only operators register for someone else; agencies cannot own signing certificates.
    other = issue(ca, uscc=BROKER).pem
    r = app_client.post(
        f"{URL}/certificates",
        json={"pem": other, "party_code": BROKER},
        headers=parties.auth(TRADER),
    )
    assert r.status_code == 403
    r = app_client.post(
        f"{URL}/certificates",
        json={"pem": other, "party_code": BROKER},
        headers=parties.auth(OPERATOR),
    )
    assert r.status_code == 201
    assert r.json()["registered_by"] == OPERATOR
    r = app_client.post(
        f"{URL}/certificates", json={"pem": issue(ca).pem}, headers=parties.auth("CUS-5316")
    )
    assert r.status_code == 403
    assert _count(db, SigningCertificate) == 2


def test_operators_revoke_and_everyone_reads_the_list(
    app_client: TestClient, db: Database, parties: Parties, ca: Ca
) -> None:
    first, second = issue(ca, uscc=TRADER), issue(ca, uscc=TRADER)
    fps = []
    for issued in (first, second):
        r = app_client.post(
            f"{URL}/certificates", json={"pem": issued.pem}, headers=parties.auth(TRADER)
        )
        fps.append(r.json()["fingerprint"])
    serial = app_client.get(f"{URL}/certificates/{fps[1]}", headers=parties.auth(TRADER)).json()

    denied = app_client.post(
        f"{URL}/revocations",
        json={"fingerprint": fps[0], "reason": "x"},
        headers=parties.auth(TRADER),
    )
    assert denied.status_code == 403
    assert _count(db, CertificateRevocation) == 0

    r = app_client.post(
        f"{URL}/revocations",
        json={"fingerprint": fps[0], "reason": "key compromise"},
        headers=parties.auth(OPERATOR),
    )
    assert r.status_code == 201, r.text
    assert r.json()["certificates"] == [fps[0]]
    r = app_client.post(
        f"{URL}/revocations",
        json={"issuer": serial["issuer"], "serial": serial["serial"], "reason": "superseded"},
        headers=parties.auth(OPERATOR),
    )
    assert r.status_code == 201, r.text
    assert r.json()["certificates"] == [fps[1]]
    again = app_client.post(
        f"{URL}/revocations",
        json={"fingerprint": fps[0], "reason": "x"},
        headers=parties.auth(OPERATOR),
    )
    assert again.status_code == 409

    listed = app_client.get(f"{URL}/revocations", headers=parties.auth(OTHER)).json()
    assert {e["reason"] for e in listed} == {"key compromise", "superseded"}
    statuses = app_client.get(f"{URL}/certificates", headers=parties.auth(TRADER)).json()
    assert {c["status"] for c in statuses} == {"revoked"}
    # A revoked certificate cannot be registered again.
    r = app_client.post(
        f"{URL}/certificates", json={"pem": first.pem}, headers=parties.auth(TRADER)
    )
    assert r.status_code == 403
    assert _bilingual(r.json(), "/pem")["code"] == "certificate_revoked"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"reason": "x"}, "/fingerprint"),
        ({"fingerprint": "zz", "reason": "x"}, "/fingerprint"),
        ({"issuer": "CN=x", "serial": "not hex", "reason": "x"}, "/serial"),
        (
            {"fingerprint": "ab" * 32, "issuer": "CN=x", "serial": "1", "reason": "x"},
            "/fingerprint",
        ),
        ({"fingerprint": "ab" * 32, "reason": "   "}, "/reason"),
        ({"serial": "1", "reason": "x"}, "/issuer"),
        ({"issuer": "CN=x", "reason": "x"}, "/serial"),
    ],
)
def test_bad_revocations_are_422(
    app_client: TestClient, db: Database, parties: Parties, body: dict[str, Any], path: str
) -> None:
    r = app_client.post(f"{URL}/revocations", json=body, headers=parties.auth(OPERATOR))
    assert r.status_code == 422, r.text
    _bilingual(r.json(), path)
    assert _count(db, CertificateRevocation) == 0


def test_a_certificate_on_the_list_cannot_be_registered(
    app_client: TestClient, parties: Parties, ca: Ca
) -> None:
    issued = issue(ca, uscc=TRADER, serial=0x1234)
    r = app_client.post(
        f"{URL}/revocations",
        json={"issuer": "CN=Test Signing CA", "serial": "1234", "reason": "reported stolen"},
        headers=parties.auth(OPERATOR),
    )
    assert r.status_code == 201, r.text
    assert r.json()["certificates"] == []
    r = app_client.post(
        f"{URL}/certificates", json={"pem": issued.pem}, headers=parties.auth(TRADER)
    )
    assert r.status_code == 403
    assert _bilingual(r.json(), "/pem")["code"] == "certificate_revoked"


def test_concurrent_registrations_of_one_certificate_give_one_owner(
    db: Database, parties: Parties, ca: Ca
) -> None:
    pem = issue(ca).pem  # no USCC: both parties may try to claim it
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def claim(party: str) -> None:
        barrier.wait()
        try:
            with db.unit_of_work() as session:
                service.register_certificate(
                    session, party_code=party, pem=pem, registered_by=party
                )
                time.sleep(0.3)
            outcomes.append("201")
        except SingleWindowError as exc:
            outcomes.append(f"{exc.status}:{exc.code}")

    threads = [threading.Thread(target=claim, args=(p,)) for p in (TRADER, OTHER)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["201", "409:certificate_registered"]
    assert _count(db, SigningCertificate) == 1
