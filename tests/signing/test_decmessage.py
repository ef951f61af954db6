"""Signatures in the DecSign block of China customs DecMessage XML."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from singlewindow.kit.db import Database
from singlewindow.kit.errors import SingleWindowError
from singlewindow.kit.settings import Settings
from singlewindow.signing import service
from singlewindow.signing.signer import sign_decmessage
from singlewindow.signing.verify import (
    SignatureCheck,
    check_decmessage_submission,
    verify_decmessage_signature,
)
from singlewindow.standards.xml import parse_decmessage
from tests.signing.conftest import OTHER, TRADER, Parties
from tests.signing.pki import Ca, Issued, issue, now, sm2_certificate

FIXTURE = Path(__file__).parents[1] / "fixtures" / "decmessage" / "import_general.xml"
BASE = "/DecMessage/DecSign"


def _signed(issued: Issued, **kw: Any) -> bytes:
    assert issued.key is not None
    return sign_decmessage(FIXTURE.read_bytes(), key=issued.key, certificate_pem=issued.pem, **kw)


def _verify(db: Database, settings: Settings, xml: bytes) -> SignatureCheck:
    with db.unit_of_work() as session:
        return verify_decmessage_signature(
            session, xml_bytes=xml, allowed_owner_codes={TRADER}, settings=settings
        )


def _refused(db: Database, settings: Settings, xml: bytes) -> SingleWindowError:
    with pytest.raises(SingleWindowError) as caught:
        _verify(db, settings, xml)
    assert caught.value.findings
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message_zh)
    return caught.value


def _element(xml: bytes, tag: str) -> str:
    match = re.search(rf"<{tag}>([^<]*)</{tag}>".encode(), xml)
    assert match is not None, tag
    return match.group(1).decode()


def test_a_signed_decmessage_verifies(
    db: Database, settings: Settings, trader_cert: Issued
) -> None:
    xml = _signed(trader_cert)
    check = _verify(db, settings, xml)
    assert check.owner_code == TRADER
    assert check.nonce == f"dec:YT2025091500001:{_element(xml, 'SignDate')}"
    # The signed message is still a valid DecMessage for the standards parser.
    document = parse_decmessage(xml)
    assert document["sign"]["certificate"] == check.fingerprint
    assert document["client_ref"] == "YT2025091500001"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"<NetWt>", b"<NetWt>1"),  # a goods value
        (b"<OperName>", b"<OperName>X"),  # DecSign content other than Sign
        (b'version="5.0"', b'version="5.1"'),  # an attribute
        (b"<DecHead>", b"<DecHead>\n  "),  # whitespace is signed too (C14N keeps it)
    ],
)
def test_tampered_content_is_refused(
    db: Database, settings: Settings, trader_cert: Issued, old: bytes, new: bytes
) -> None:
    xml = _signed(trader_cert)
    assert old in xml
    error = _refused(db, settings, xml.replace(old, new, 1))
    assert (error.status, error.code) == (422, "signature_invalid")
    assert error.findings[0].path == f"{BASE}/Sign"


def test_tampered_sign_date_is_refused(
    db: Database, settings: Settings, trader_cert: Issued
) -> None:
    signed_at = now() - timedelta(seconds=10)
    xml = _signed(trader_cert, signed_at=signed_at)
    date = _element(xml, "SignDate")
    moved = date[:13] + str((int(date[13]) + 1) % 10) + date[14:]
    assert _refused(db, settings, xml.replace(date.encode(), moved.encode())).code == (
        "signature_invalid"
    )


def test_equivalent_serialisations_still_verify(
    db: Database, settings: Settings, trader_cert: Issued
) -> None:
    xml = _signed(trader_cert)
    # Quote style, an XML comment and the XML declaration are outside the canonical form.
    variant = xml.replace(b'version="5.0"', b"version='5.0'").replace(
        b"<DecHead>", b"<!-- note --><DecHead>"
    )
    variant = variant.replace(b"<?xml version='1.0' encoding='UTF-8'?>", b"")
    assert variant != xml
    assert _verify(db, settings, variant).owner_code == TRADER


def test_a_replayed_decmessage_is_409(
    db: Database, settings: Settings, trader_cert: Issued
) -> None:
    xml = _signed(trader_cert)
    _verify(db, settings, xml)
    error = _refused(db, settings, xml)
    assert (error.status, error.code) == (409, "signature_replayed")
    assert error.findings[0].path == f"{BASE}/ClientSeqNo"


def test_another_partys_certificate_is_403(
    db: Database, settings: Settings, parties: Parties, ca: Ca
) -> None:
    issued = issue(ca, uscc=OTHER)
    with db.unit_of_work() as session:
        service.register_certificate(session, party_code=OTHER, pem=issued.pem, registered_by="t")
    error = _refused(db, settings, _signed(issued))
    assert (error.status, error.code) == (403, "certificate_not_owned")
    assert error.findings[0].path == f"{BASE}/Certificate"


@pytest.mark.parametrize(
    ("field", "value", "status"),
    [
        ("Sign", "not*base64", 400),
        ("SignDate", "2025-09-15", 400),
        ("SignDate", "20251332103015", 400),
        ("Certificate", "not-a-fingerprint", 400),
    ],
)
def test_malformed_decsign_fields_name_the_field(
    db: Database, settings: Settings, trader_cert: Issued, field: str, value: str, status: int
) -> None:
    xml = _signed(trader_cert)
    old = _element(xml, field)
    error = _refused(
        db, settings, xml.replace(f"<{field}>{old}<".encode(), f"<{field}>{value}<".encode())
    )
    assert error.status == status
    assert error.findings[0].path == f"{BASE}/{field}"


def test_an_unsigned_message_and_the_policy(
    db: Database, settings: Settings, trader_cert: Issued
) -> None:
    unsigned = FIXTURE.read_bytes()
    error = _refused(db, settings, unsigned)
    assert (error.status, error.code) == (422, "signature_missing")
    required = settings.model_copy(update={"signature_required": ["goods_declaration"]})
    with db.unit_of_work() as session:
        kw: dict[str, Any] = {"allowed_owner_codes": {TRADER}}
        assert (
            check_decmessage_submission(session, xml_bytes=unsigned, settings=settings, **kw)
            is None
        )
        with pytest.raises(SingleWindowError) as caught:
            check_decmessage_submission(session, xml_bytes=unsigned, settings=required, **kw)
        assert (caught.value.status, caught.value.code) == (422, "signature_required")
        assert caught.value.findings[0].path == f"{BASE}/Sign"
        check = check_decmessage_submission(
            session, xml_bytes=_signed(trader_cert), settings=required, **kw
        )
        assert check is not None


def test_unsafe_xml_is_refused_before_anything(
    db: Database, settings: Settings, trader_cert: Issued
) -> None:
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><DecMessage/>'
    )
    assert _refused(db, settings, evil).code == "dtd_forbidden"
    other_root = b'<Manifest xmlns="http://www.chinaport.gov.cn/dec"/>'
    assert _refused(db, settings, other_root).code == "wrong_root"


def test_an_sm2_signed_decmessage_verifies(
    db: Database, settings: Settings, parties: Parties
) -> None:
    issued = sm2_certificate(uscc=TRADER)
    with db.unit_of_work() as session:
        service.register_certificate(session, party_code=TRADER, pem=issued.pem, registered_by="t")
    xml = sign_decmessage(FIXTURE.read_bytes(), key=issued.key, certificate_pem=issued.pem)
    assert _verify(db, settings, xml).algorithm.value == "SM2-SM3"
    assert (
        _refused(db, settings, xml.replace(b"<NetWt>", b"<NetWt>9", 1)).code == "signature_invalid"
    )
