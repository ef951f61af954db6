"""The platform's signed receipts: key creation, signing, verification, publication."""

from __future__ import annotations

import copy
import stat
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient

from singlewindow.kit.errors import SingleWindowError
from singlewindow.kit.settings import Settings
from singlewindow.signing.platform import SIGNATURE_KEY, PlatformSigner, sign_receipt
from tests.signing.pki import now, rsa_key

RECEIPT = {
    "id": "0190f0a0-0000-7000-8000-000000000001",
    "unified_no": "I20260000000000123",
    "client_ref": "YT2026000001",
    "status": "submitted",
    "recipients": ["CUS-5316"],
    "duplicate": False,
}


class KeyedSettings(Settings):
    """Settings with the two optional fields the signer reads when a deployment sets them."""

    signing_key_file: Path | None = None
    signing_cert_file: Path | None = None


@pytest.fixture
def node(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var")


def _refused(signer: PlatformSigner, receipt: Any) -> SingleWindowError:
    with pytest.raises(SingleWindowError) as caught:
        signer.verify_receipt(receipt)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message_zh)
    return caught.value


def test_a_receipt_is_signed_and_verifies(node: Settings) -> None:
    signer = PlatformSigner(node)
    signed = signer.sign_receipt(dict(RECEIPT))
    assert {k: v for k, v in signed.items() if k != SIGNATURE_KEY} == RECEIPT
    signature = signed[SIGNATURE_KEY]
    assert signature["algorithm"] == "ES256"
    assert signature["certificate"] == signer.certificate.fingerprint
    check = signer.verify_receipt(signed)
    assert check.fingerprint == signer.certificate.fingerprint
    # Member order does not matter (RFC 8785).
    assert signer.verify_receipt(dict(reversed(list(signed.items()))))


@pytest.mark.parametrize(
    ("change", "code", "status"),
    [
        (lambda r: r.update(status="released"), "signature_invalid", 422),
        (lambda r: r.update(extra="x"), "signature_invalid", 422),
        (
            lambda r: r[SIGNATURE_KEY].update(signed_at="2020-01-01T00:00:00.000Z"),
            "certificate_not_yet_valid",
            422,
        ),
        (
            lambda r: r[SIGNATURE_KEY].update(
                signed_at=r[SIGNATURE_KEY]["signed_at"][:-1] + "+00:00"
            ),
            "signature_invalid",
            422,
        ),
        (lambda r: r[SIGNATURE_KEY].update(certificate="ab" * 32), "certificate_unknown", 422),
        (
            lambda r: r[SIGNATURE_KEY].update(algorithm="SM2-SM3"),
            "signature_algorithm_mismatch",
            422,
        ),
        (
            lambda r: r[SIGNATURE_KEY].update(algorithm="none"),
            "signature_algorithm_unsupported",
            422,
        ),
        (lambda r: r[SIGNATURE_KEY].update(value="@@@"), "signature_malformed", 400),
        (lambda r: r.pop(SIGNATURE_KEY), "signature_missing", 422),
    ],
    ids=[
        "status",
        "added",
        "signed_at",
        "same-instant",
        "cert",
        "sm2",
        "none",
        "base64",
        "unsigned",
    ],
)
def test_a_tampered_receipt_is_refused(
    node: Settings, change: Callable[[dict[str, Any]], Any], code: str, status: int
) -> None:
    signer = PlatformSigner(node)
    signed = copy.deepcopy(signer.sign_receipt(dict(RECEIPT)))
    change(signed)
    error = _refused(signer, signed)
    assert (error.status, error.code) == (status, code)


def test_the_key_is_created_once_with_0600_and_reloaded(node: Settings) -> None:
    first = PlatformSigner(node)
    mode = stat.S_IMODE(first.key_file.stat().st_mode)
    assert mode == 0o600
    signed = first.sign_receipt(dict(RECEIPT))
    second = PlatformSigner(node)  # another process, later
    assert second.certificate.fingerprint == first.certificate.fingerprint
    assert second.verify_receipt(signed)


def test_concurrent_first_use_settles_on_one_key_and_certificate(node: Settings) -> None:
    barrier = threading.Barrier(6)
    signers: list[PlatformSigner] = []
    lock = threading.Lock()

    def start() -> None:
        barrier.wait()
        signer = PlatformSigner(node)
        with lock:
            signers.append(signer)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(signers) == 6
    assert len({s.certificate.fingerprint for s in signers}) == 1
    signed = signers[0].sign_receipt(dict(RECEIPT))
    assert all(s.verify_receipt(signed) for s in signers)


def test_renewal_keeps_old_receipts_verifiable(
    node: Settings, set_clock: Callable[[datetime], None]
) -> None:
    signer = PlatformSigner(node)
    old = signer.sign_receipt(dict(RECEIPT))
    old_fingerprint = signer.certificate.fingerprint
    set_clock(signer.certificate.not_after - timedelta(days=10))
    new = signer.sign_receipt(dict(RECEIPT))
    assert new[SIGNATURE_KEY]["certificate"] != old_fingerprint
    restarted = PlatformSigner(node)
    assert restarted.certificate.fingerprint == new[SIGNATURE_KEY]["certificate"]
    assert restarted.verify_receipt(old).fingerprint == old_fingerprint
    assert restarted.verify_receipt(new)


def test_a_configured_key_is_used(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    key_file = tmp_path / "hsm-export.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings = KeyedSettings(data_dir=tmp_path / "var", signing_key_file=key_file)
    signer = PlatformSigner(settings)
    assert signer.key.public_key().public_numbers() == key.public_key().public_numbers()
    assert signer.verify_receipt(signer.sign_receipt(dict(RECEIPT)))
    assert not (tmp_path / "var" / "signing" / "platform-key.pem").exists()


def test_a_wrong_or_missing_configured_key_stops_the_node(tmp_path: Path) -> None:
    missing = KeyedSettings(data_dir=tmp_path / "var", signing_key_file=tmp_path / "none.pem")
    with pytest.raises(RuntimeError):
        PlatformSigner(missing)
    rsa_file = tmp_path / "rsa.pem"
    rsa_file.write_bytes(
        rsa_key().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(RuntimeError):
        PlatformSigner(KeyedSettings(data_dir=tmp_path / "var", signing_key_file=rsa_file))


def test_non_json_payloads_are_a_programming_error(node: Settings) -> None:
    with pytest.raises(ValueError, match="canonical"):
        sign_receipt({"at": now()}, settings=node)
    with pytest.raises(ValueError, match=SIGNATURE_KEY):
        sign_receipt({SIGNATURE_KEY: 1}, settings=node)


def test_the_platform_certificate_is_published_and_receipts_check(
    app_client: TestClient, settings: Settings
) -> None:
    r = app_client.get("/api/v1/signing/platform-certificate")  # public: no credentials
    assert r.status_code == 200, r.text
    published = r.json()
    assert published["algorithm"] == "ES256"
    assert published["pem"].startswith("-----BEGIN CERTIFICATE-----")

    signed = sign_receipt(dict(RECEIPT), settings=settings)
    assert signed[SIGNATURE_KEY]["certificate"] == published["fingerprint"]
    ok = app_client.post("/api/v1/signing/verify-receipt", json=signed)
    assert ok.status_code == 200, ok.text
    assert ok.json()["valid"] is True
    assert ok.json()["certificate"] == published["fingerprint"]

    tampered = {**signed, "status": "released"}
    bad = app_client.post("/api/v1/signing/verify-receipt", json=tampered)
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["code"] == "signature_invalid"
    assert error["findings"][0]["path"] == f"/{SIGNATURE_KEY}/value"
    assert error["message_zh"]
    assert app_client.post("/api/v1/signing/verify-receipt", json=[1]).status_code == 422
