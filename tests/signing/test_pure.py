"""Pure pieces: certificate reading, the envelope parser, canonical bytes, the DER reader,
and properties of the signature primitives."""

from __future__ import annotations

import base64
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from singlewindow.kit.errors import BadRequest, SingleWindowError, ValidationFailed
from singlewindow.signing import der, sm2
from singlewindow.signing.algorithms import Algorithm, KeyType, verify_bytes
from singlewindow.signing.canonical import jcs, signing_input
from singlewindow.signing.certificates import (
    load_certificate,
    normalise_fingerprint,
    normalise_serial,
)
from singlewindow.signing.envelope import (
    encode_header,
    envelope_from_header,
    parse_envelope,
)
from singlewindow.signing.signer import ecdsa_key, sign_document
from tests.signing.pki import (
    ed25519_key,
    issue,
    make_ca,
    now,
    rsa_key,
    sm2_certificate,
    valid_uscc,
)

USCC = valid_uscc("91440300MA5D1QGN0")
CA = make_ca()
P256 = ec.generate_private_key(ec.SECP256R1())
SM2_PRIVATE = 0x3945208F_7B2144B1_3F36E38A_C6D39F95_88939369_2860B51A_42FB81EF_4DF7C5B8


def _zh(exc: SingleWindowError) -> None:
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.message_zh)
    assert exc.findings
    assert exc.findings[0].path


# --- certificates -------------------------------------------------------------------------


def test_p256_certificate_is_read() -> None:
    issued = issue(CA, uscc=USCC, serial=0x0ABC)
    cert = load_certificate(issued.pem)
    assert cert.key_type is KeyType.ECDSA_P256
    assert len(cert.fingerprint) == 64
    assert cert.serial == "abc"
    assert cert.usccs == {USCC}
    assert cert.public_key[0] == 4
    assert len(cert.public_key) == 65
    assert "Test Signing CA" in cert.issuer


@pytest.mark.parametrize("where", ["serialNumber", "O", "SAN"])
def test_uscc_is_found_in_subject_and_san(where: str) -> None:
    assert load_certificate(issue(CA, uscc=USCC, uscc_in=where).pem).usccs == {USCC}


def test_a_certificate_without_uscc_has_none() -> None:
    assert load_certificate(issue(CA).pem).usccs == frozenset()


@pytest.mark.parametrize(
    "key",
    [
        ec.generate_private_key(ec.SECP384R1()),
        ec.generate_private_key(ec.SECP256K1()),
        rsa_key(),
        ed25519_key(),
    ],
    ids=["p384", "secp256k1", "rsa", "ed25519"],
)
def test_other_keys_and_curves_are_refused(key: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        load_certificate(issue(CA, key=key).pem)
    assert caught.value.code == "certificate_algorithm_unsupported"
    _zh(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "not a certificate",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\n" + "A" * 20000,
    ],
)
def test_malformed_pem_is_400(text: str) -> None:
    with pytest.raises(BadRequest) as caught:
        load_certificate(text, "/pem")
    assert caught.value.code == "certificate_malformed"
    assert caught.value.findings[0].path == "/pem"
    _zh(caught.value)


def test_two_certificates_in_one_pem_are_refused() -> None:
    pem = issue(CA).pem + issue(CA).pem
    with pytest.raises(BadRequest):
        load_certificate(pem)


def test_sm2_certificate_is_read_with_its_public_key() -> None:
    issued = sm2_certificate(private=SM2_PRIVATE, uscc=USCC)
    cert = load_certificate(issued.pem)
    assert cert.key_type is KeyType.SM2
    assert cert.public_key == b"\x04" + sm2.public_key_of(SM2_PRIVATE)
    assert cert.usccs == {USCC}


def test_sm2_certificate_with_a_point_off_the_curve_is_refused() -> None:
    public = bytearray(b"\x04" + sm2.public_key_of(SM2_PRIVATE))
    public[-1] ^= 1
    with pytest.raises(BadRequest):
        load_certificate(sm2_certificate(private=SM2_PRIVATE, public_override=bytes(public)).pem)


def test_fingerprint_and_serial_normalisation() -> None:
    fp = "AB:" * 31 + "AB"
    assert normalise_fingerprint(fp) == "ab" * 32
    assert normalise_fingerprint("xyz") is None
    assert normalise_serial("0x00AbC") == "abc"
    assert normalise_serial("00:0a") == "a"
    assert normalise_serial("g1") is None


# --- the envelope ------------------------------------------------------------------------


def good_envelope(**changes: Any) -> dict[str, Any]:
    issued = issue(CA)
    assert issued.key is not None
    envelope = sign_document({"a": 1}, key=issued.key, certificate_pem=issued.pem)
    envelope.update(changes)
    return envelope


@pytest.mark.parametrize(
    ("changes", "path", "status"),
    [
        ({"algorithm": "none"}, "/signature/algorithm", 422),
        ({"algorithm": "HS256"}, "/signature/algorithm", 422),
        ({"algorithm": "RS256"}, "/signature/algorithm", 422),
        ({"value": "***not base64***"}, "/signature/value", 400),
        ({"value": "QUJD"}, "/signature/value", 400),  # valid base64, 3 bytes
        ({"value": base64.b64encode(bytes(64)).decode()[:-2]}, "/signature/value", 400),
        ({"signed_at": "2026-05-01 08:00"}, "/signature/signed_at", 400),
        ({"signed_at": "2026-05-01T08:00:00"}, "/signature/signed_at", 400),  # no offset
        ({"signed_at": "2026-02-30T08:00:00Z"}, "/signature/signed_at", 400),
        ({"nonce": "short"}, "/signature/nonce", 400),
        ({"nonce": "has spaces in it, quite long"}, "/signature/nonce", 400),
        ({"certificate": "12345"}, "/signature/certificate", 400),
        (
            {"certificate": "-----BEGIN CERTIFICATE-----\nZm9v\n-----END CERTIFICATE-----"},
            "/signature/certificate",
            400,
        ),
        ({"extra": "x"}, "/signature/extra", 400),
        ({"value": 12}, "/signature/value", 400),
    ],
)
def test_bad_envelopes_name_the_field(changes: dict[str, Any], path: str, status: int) -> None:
    with pytest.raises(SingleWindowError) as caught:
        parse_envelope(good_envelope(**changes))
    assert caught.value.status == status
    assert caught.value.findings[0].path == path
    assert path in caught.value.message
    _zh(caught.value)


def test_missing_field_and_non_object() -> None:
    envelope = good_envelope()
    del envelope["nonce"]
    with pytest.raises(BadRequest) as caught:
        parse_envelope(envelope)
    assert caught.value.findings[0].path == "/signature/nonce"
    with pytest.raises(BadRequest):
        parse_envelope(["not", "an", "object"])


def test_rfc3339_variants_are_read() -> None:
    for text in (
        "2026-05-01T08:00:00Z",
        "2026-05-01T16:00:00+08:00",
        "2026-05-01T08:00:00.123456789Z",
    ):
        envelope = parse_envelope(good_envelope(signed_at=text))
        assert envelope.signed_at.utcoffset() is not None
        assert envelope.signed_at_text == text


def test_header_round_trip_and_garbage() -> None:
    envelope = good_envelope()
    assert envelope_from_header(encode_header(envelope)) == envelope
    for garbage in ("%%%", "bm90IGpzb24", base64.urlsafe_b64encode(b"[1]").decode()):
        with pytest.raises(BadRequest):
            envelope_from_header(garbage)


# --- canonical bytes ---------------------------------------------------------------------


def test_jcs_orders_keys_and_reads_decimals_as_doubles() -> None:
    assert (
        jcs({"b": Decimal("1.50"), "a": [True, None, "é"]})
        == '{"a":[true,null,"é"],"b":1.5}'.encode()
    )
    assert jcs({"n": Decimal("1E2")}) == b'{"n":100}'


@pytest.mark.parametrize(
    "value", [{"x": 2**60}, {"x": Decimal("NaN")}, {"x": float("inf")}, {1: 2}]
)
def test_values_outside_jcs_are_422(value: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        jcs(value)
    assert caught.value.code == "document_not_canonicalisable"


def test_signing_input_binds_the_metadata() -> None:
    meta = {"algorithm": "ES256", "certificate": "ab" * 32, "nonce": "n" * 16, "signed_at": "x"}
    base = signing_input("document", {"a": 1}, meta)
    assert base == jcs({"document": {"a": 1}, **meta})
    assert signing_input("receipt", {"a": 1}, meta) != base
    for key in meta:
        assert signing_input("document", {"a": 1}, {**meta, key: meta[key] + "x"}) != base


# --- the DER reader ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x30",
        b"\x30\x05\x02\x01",
        b"\x30\x80\x00\x00",
        b"\x30\x81\x01\x00",
        b"\x02\x01\x01\x00",
    ],
    ids=["empty", "no-length", "short", "indefinite", "non-minimal", "trailing"],
)
def test_der_reader_refuses_broken_input(data: bytes) -> None:
    with pytest.raises(der.DerError):
        der.read_one(data)


def test_der_oid_text() -> None:
    assert der.oid_text(bytes.fromhex("2a811ccf5501822d")) == "1.2.156.10197.1.301"
    assert der.oid_text(bytes.fromhex("2a8648ce3d0201")) == "1.2.840.10045.2.1"


# --- properties --------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
ES256_KEY = ecdsa_key(P256)


@settings(max_examples=60, deadline=None)
@given(document=JSON, data=st.data())
def test_any_single_byte_change_breaks_an_es256_signature(
    document: Any, data: st.DataObject
) -> None:
    message = jcs({"document": document})
    signature = ES256_KEY.sign(message)
    assert verify_bytes(Algorithm.ES256, ES256_KEY.public_key, message, signature)
    index = data.draw(st.integers(0, len(message) - 1))
    delta = data.draw(st.integers(1, 255))
    bent = bytearray(message)
    bent[index] ^= delta
    assert not verify_bytes(Algorithm.ES256, ES256_KEY.public_key, bytes(bent), signature)


@settings(max_examples=15, deadline=None)
@given(document=JSON, data=st.data())
def test_any_single_byte_change_breaks_an_sm2_signature(document: Any, data: st.DataObject) -> None:
    public = b"\x04" + sm2.public_key_of(SM2_PRIVATE)
    message = jcs({"document": document})
    signature = sm2.sign(SM2_PRIVATE, message)
    assert verify_bytes(Algorithm.SM2_SM3, public, message, signature)
    bent = bytearray(message)
    bent[data.draw(st.integers(0, len(message) - 1))] ^= data.draw(st.integers(1, 255))
    assert not verify_bytes(Algorithm.SM2_SM3, public, bytes(bent), signature)


@settings(max_examples=40, deadline=None)
@given(document=st.dictionaries(st.text(max_size=8), JSON, max_size=6))
def test_key_order_does_not_change_the_canonical_bytes(document: dict[str, Any]) -> None:
    reordered = dict(reversed(list(document.items())))
    assert jcs(reordered) == jcs(document)


def test_signature_value_edge_cases_are_refused() -> None:
    message = b"m"
    good = ES256_KEY.sign(message)
    assert verify_bytes(Algorithm.ES256, ES256_KEY.public_key, message, good)
    assert not verify_bytes(Algorithm.ES256, ES256_KEY.public_key, message, good[:63])
    assert not verify_bytes(Algorithm.ES256, ES256_KEY.public_key, message, bytes(64))
    assert not verify_bytes(Algorithm.ES256, b"\x04" + bytes(64), message, good)
    # an ES256 signature is not an SM2 signature, and vice versa
    assert not verify_bytes(Algorithm.SM2_SM3, ES256_KEY.public_key, message, good)


def test_certificate_validity_is_read_in_utc() -> None:
    start = now() - timedelta(days=2)
    cert = load_certificate(issue(CA, not_before=start, not_after=start + timedelta(days=3)).pem)
    assert cert.not_after - cert.not_before == timedelta(days=3)
    assert cert.not_before.utcoffset() == timedelta(0)
