"""Verifying JSON declaration signatures against the registry, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from singlewindow.kit.db import Database
from singlewindow.kit.errors import SingleWindowError
from singlewindow.kit.settings import Settings
from singlewindow.signing import service
from singlewindow.signing.models import UsedNonce
from singlewindow.signing.signer import sign_document
from singlewindow.signing.verify import (
    SignatureCheck,
    check_json_submission,
    verify_json_signature,
)
from singlewindow.standards.documents.samples import sample_goods_declaration
from tests.signing.conftest import BROKER, OTHER, TRADER, Parties
from tests.signing.pki import Ca, Issued, issue, now, sm2_certificate

Clock = Callable[[datetime], None]


def _verify(
    db: Database,
    settings: Settings,
    document: Any,
    envelope: Any,
    allowed: set[str] | None = None,
) -> SignatureCheck:
    with db.unit_of_work() as session:
        return verify_json_signature(
            session,
            document=document,
            signature=envelope,
            allowed_owner_codes=allowed if allowed is not None else {TRADER},
            settings=settings,
        )


def _refused(
    db: Database, settings: Settings, document: Any, envelope: Any, **kw: Any
) -> SingleWindowError:
    with pytest.raises(SingleWindowError) as caught:
        _verify(db, settings, document, envelope, **kw)
    error = caught.value
    assert error.findings, "the error names the field"
    assert error.findings[0].path.startswith("/signature") or error.findings[0].path == "/document"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error.message_zh)
    return error


def _nonces(db: Database) -> int:
    with db.read_only() as session:
        return int(session.scalar(select(func.count()).select_from(UsedNonce)) or 0)


def _sign(issued: Issued, document: Any, **kw: Any) -> dict[str, str]:
    assert issued.key is not None
    return sign_document(document, key=issued.key, certificate_pem=issued.pem, **kw)


def test_a_valid_signature_is_accepted(
    db: Database, settings: Settings, trader_cert: Issued
) -> None:
    document = sample_goods_declaration()
    envelope = _sign(trader_cert, document)
    check = _verify(db, settings, document, envelope)
    assert check.owner_code == TRADER
    assert check.algorithm.value == "ES256"
    assert check.nonce == envelope["nonce"]
    assert _nonces(db) == 1


def test_the_certificate_may_be_given_as_pem(
    db: Database, settings: Settings, trader_cert: Issued
) -> None:
    document = sample_goods_declaration()
    envelope = _sign(trader_cert, document, embed_certificate=True)
    assert envelope["certificate"].startswith("-----BEGIN CERTIFICATE-----")
    assert _verify(db, settings, document, envelope).owner_code == TRADER


def test_a_modified_payload_is_refused_and_nothing_changes(
    db: Database, settings: Settings, trader_cert: Issued
) -> None:
    document = sample_goods_declaration()
    envelope = _sign(trader_cert, document)
    tampered = {**document, "head": {**document["head"], "net_wt": "1.00"}}
    error = _refused(db, settings, tampered, envelope)
    assert (error.status, error.code) == (422, "signature_invalid")
    assert error.findings[0].path == "/signature/value"
    assert _nonces(db) == 0
    # The untouched document with the same signature is still accepted afterwards.
    assert _verify(db, settings, document, envelope).owner_code == TRADER


def test_a_modified_signature_field_is_refused(
    db: Database, settings: Settings, trader_cert: Issued
) -> None:
    document = sample_goods_declaration()
    envelope = _sign(trader_cert, document)
    other_nonce = {**envelope, "nonce": envelope["nonce"][::-1]}
    assert _refused(db, settings, document, other_nonce).code == "signature_invalid"
    later = {**envelope, "signed_at": (now() + timedelta(seconds=1)).isoformat()}
    assert _refused(db, settings, document, later).code == "signature_invalid"


def test_a_replayed_signature_is_409(db: Database, settings: Settings, trader_cert: Issued) -> None:
    document = sample_goods_declaration()
    envelope = _sign(trader_cert, document)
    _verify(db, settings, document, envelope)
    error = _refused(db, settings, document, envelope)
    assert (error.status, error.code) == (409, "signature_replayed")
    assert error.findings[0].path == "/signature/nonce"
    assert _nonces(db) == 1


def test_two_concurrent_replays_exactly_one_wins(
    db: Database, settings: Settings, trader_cert: Issued
) -> None:
    document = sample_goods_declaration()
    envelope = _sign(trader_cert, document)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        barrier.wait()
        try:
            with db.unit_of_work() as session:
                verify_json_signature(
                    session,
                    document=document,
                    signature=envelope,
                    allowed_owner_codes={TRADER},
                    settings=settings,
                )
                time.sleep(0.3)  # hold the transaction open while the other one tries
            result = "accepted"
        except SingleWindowError as exc:
            result = f"{exc.status}:{exc.code}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["409:signature_replayed", "accepted"]
    assert _nonces(db) == 1


def test_a_certificate_of_another_party_is_403(
    db: Database, settings: Settings, parties: Parties, ca: Ca
) -> None:
    issued = issue(ca, uscc=OTHER)
    with db.unit_of_work() as session:
        service.register_certificate(session, party_code=OTHER, pem=issued.pem, registered_by="t")
    document = sample_goods_declaration()
    error = _refused(db, settings, document, _sign(issued, document))
    assert (error.status, error.code) == (403, "certificate_not_owned")
    assert error.findings[0].path == "/signature/certificate"
    assert _nonces(db) == 0


def test_a_mandated_broker_may_sign(
    db: Database, settings: Settings, parties: Parties, ca: Ca
) -> None:
    issued = issue(ca, uscc=BROKER)
    with db.unit_of_work() as session:
        service.register_certificate(session, party_code=BROKER, pem=issued.pem, registered_by="t")
    document = sample_goods_declaration()
    error = _refused(db, settings, document, _sign(issued, document))  # no mandate: refused
    assert error.code == "certificate_not_owned"
    check = _verify(db, settings, document, _sign(issued, document), allowed={TRADER, BROKER})
    assert check.owner_code == BROKER


def test_an_unregistered_certificate_is_422(
    db: Database, settings: Settings, parties: Parties, ca: Ca
) -> None:
    document = sample_goods_declaration()
    error = _refused(db, settings, document, _sign(issue(ca, uscc=TRADER), document))
    assert (error.status, error.code) == (422, "certificate_unknown")


@pytest.mark.parametrize("how", ["fingerprint", "issuer+serial"])
def test_a_revoked_certificate_is_403(
    db: Database, settings: Settings, trader_cert: Issued, how: str
) -> None:
    document = sample_goods_declaration()
    with db.unit_of_work() as session:
        cert = service.list_certificates(session, party_code=TRADER)[0]
        target = (
            {"fingerprint": cert.fingerprint}
            if how == "fingerprint"
            else {"issuer": cert.issuer, "serial": f"0x{cert.serial.upper()}"}
        )
        result = service.revoke(session, reason="key compromise", revoked_by="GD", **target)
        assert [c.fingerprint for c in result.certificates] == [cert.fingerprint]
    error = _refused(db, settings, document, _sign(trader_cert, document))
    assert (error.status, error.code) == (403, "certificate_revoked")
    assert "key compromise" in error.message
    assert _nonces(db) == 0


def test_a_list_entry_alone_also_revokes(
    db: Database, settings: Settings, trader_cert: Issued
) -> None:
    """The revocation list is consulted even when the certificate row was not marked."""
    document = sample_goods_declaration()
    with db.unit_of_work() as session:
        cert = service.list_certificates(session, party_code=TRADER)[0]
        service.revoke(session, reason="listed", revoked_by="GD", fingerprint=cert.fingerprint)
        cert.revoked_at = None  # as if the list entry were added by another node
    assert (
        _refused(db, settings, document, _sign(trader_cert, document)).code == "certificate_revoked"
    )


def test_an_expired_certificate_is_403(
    db: Database, settings: Settings, parties: Parties, ca: Ca, set_clock: Clock
) -> None:
    issued = issue(ca, uscc=TRADER, not_after=now() + timedelta(days=1))
    with db.unit_of_work() as session:
        service.register_certificate(session, party_code=TRADER, pem=issued.pem, registered_by="t")
    later = now() + timedelta(days=2)
    set_clock(later)
    document = sample_goods_declaration()
    error = _refused(db, settings, document, _sign(issued, document, signed_at=later))
    assert (error.status, error.code) == (403, "certificate_expired")


def test_a_not_yet_valid_certificate_is_403(
    db: Database, settings: Settings, parties: Parties, ca: Ca, set_clock: Clock
) -> None:
    issued = issue(ca, uscc=TRADER, not_before=now() - timedelta(minutes=1))
    with db.unit_of_work() as session:
        service.register_certificate(session, party_code=TRADER, pem=issued.pem, registered_by="t")
    earlier = now() - timedelta(days=1)
    set_clock(earlier)  # e.g. a node whose clock is behind
    document = sample_goods_declaration()
    error = _refused(db, settings, document, _sign(issued, document, signed_at=earlier))
    assert (error.status, error.code) == (403, "certificate_not_yet_valid")


@pytest.mark.parametrize("offset", [-1, +1])
def test_signed_at_outside_the_window_is_422(
    db: Database, settings: Settings, trader_cert: Issued, offset: int
) -> None:
    document = sample_goods_declaration()
    skew = timedelta(seconds=settings.signature_window_seconds + 30) * offset
    envelope = _sign(trader_cert, document, signed_at=now() + skew)
    error = _refused(db, settings, document, envelope)
    assert (error.status, error.code) == (422, "signed_at_outside_window")
    assert error.findings[0].path == "/signature/signed_at"


def test_a_signature_just_inside_the_window_is_accepted(
    db: Database, settings: Settings, trader_cert: Issued
) -> None:
    document = sample_goods_declaration()
    signed_at = now() - timedelta(seconds=settings.signature_window_seconds - 30)
    assert _verify(db, settings, document, _sign(trader_cert, document, signed_at=signed_at))


@pytest.mark.parametrize(
    ("algorithm", "code"),
    [("none", "signature_algorithm_unsupported"), ("SM2-SM3", "signature_algorithm_mismatch")],
)
def test_algorithm_none_or_mismatch_is_422(
    db: Database, settings: Settings, trader_cert: Issued, algorithm: str, code: str
) -> None:
    document = sample_goods_declaration()
    envelope = {**_sign(trader_cert, document), "algorithm": algorithm}
    error = _refused(db, settings, document, envelope)
    assert (error.status, error.code) == (422, code)
    assert error.findings[0].path == "/signature/algorithm"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("value", "not*base64"),
        ("certificate", "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n"),
    ],
)
def test_malformed_base64_or_pem_is_400(
    db: Database, settings: Settings, trader_cert: Issued, field: str, value: str
) -> None:
    document = sample_goods_declaration()
    error = _refused(db, settings, document, {**_sign(trader_cert, document), field: value})
    assert error.status == 400
    assert error.findings[0].path == f"/signature/{field}"
    assert _nonces(db) == 0


def test_sm2_signatures_are_verified(db: Database, settings: Settings, parties: Parties) -> None:
    issued = sm2_certificate(uscc=TRADER)
    with db.unit_of_work() as session:
        row = service.register_certificate(
            session, party_code=TRADER, pem=issued.pem, registered_by="t"
        )
        assert row.algorithm == "sm2"
    document = sample_goods_declaration()
    envelope = sign_document(document, key=issued.key, certificate_pem=issued.pem)
    assert envelope["algorithm"] == "SM2-SM3"
    assert _verify(db, settings, document, envelope).algorithm.value == "SM2-SM3"
    second = sign_document(document, key=issued.key, certificate_pem=issued.pem)
    tampered = {**document, "client_ref": document["client_ref"] + "X"}
    assert _refused(db, settings, tampered, second).code == "signature_invalid"
    assert _refused(db, settings, document, {**second, "algorithm": "ES256"}).code == (
        "signature_algorithm_mismatch"
    )


def test_decimal_numbers_are_canonicalised_like_the_signer(
    db: Database, settings: Settings, trader_cert: Issued
) -> None:
    document = {"client_ref": "X1", "amount": 1.5}
    envelope = _sign(trader_cert, document)
    # The API parses JSON numbers as Decimal; the canonical bytes are the same.
    assert _verify(db, settings, {"client_ref": "X1", "amount": Decimal("1.50")}, envelope)


def test_the_submission_policy(db: Database, settings: Settings, trader_cert: Issued) -> None:
    document = sample_goods_declaration()
    required = settings.model_copy(update={"signature_required": ["goods_declaration"]})
    with db.unit_of_work() as session:
        kw: dict[str, Any] = {"doc_type": "goods_declaration", "document": document}
        assert (
            check_json_submission(
                session, signature=None, allowed_owner_codes={TRADER}, settings=settings, **kw
            )
            is None
        )
        with pytest.raises(SingleWindowError) as caught:
            check_json_submission(
                session, signature=None, allowed_owner_codes={TRADER}, settings=required, **kw
            )
        assert (caught.value.status, caught.value.code) == (422, "signature_required")
        everything = settings.model_copy(update={"signature_required": ["*"]})
        with pytest.raises(SingleWindowError):
            check_json_submission(
                session, signature=None, allowed_owner_codes={TRADER}, settings=everything, **kw
            )
        check = check_json_submission(
            session,
            signature=_sign(trader_cert, document),
            allowed_owner_codes={TRADER},
            settings=required,
            **kw,
        )
        assert check is not None
        assert check.owner_code == TRADER


def test_expired_nonces_are_purged(db: Database, settings: Settings, trader_cert: Issued) -> None:
    document = sample_goods_declaration()
    _verify(db, settings, document, _sign(trader_cert, document))
    with db.unit_of_work() as session:
        assert service.purge_nonces(session) == 0
        later = now() + timedelta(seconds=2 * settings.signature_window_seconds + 1)
        assert service.purge_nonces(session, now=later) == 1
    assert _nonces(db) == 0
