"""Interoperability with OpenSSL's own SM2 (a second, independent implementation).

An SM2 key and self-signed certificate made by the ``openssl`` command line are read by the
platform; a signature made by OpenSSL verifies here and one made here verifies in OpenSSL
(both with SM3 and the default ID 1234567812345678). Skipped where ``openssl`` lacks SM2.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from singlewindow.signing import sm2
from singlewindow.signing.algorithms import KeyType
from singlewindow.signing.certificates import load_certificate
from singlewindow.signing.signer import load_private_key
from tests.signing.pki import valid_uscc

OPENSSL = shutil.which("openssl")
USCC = valid_uscc("91440300MA5D1QGN0")
DISTID = "distid:1234567812345678"


def _openssl(*args: str | Path) -> subprocess.CompletedProcess[str]:
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *map(str, args)], capture_output=True, text=True, check=False)


@pytest.fixture
def sm2_files(tmp_path: Path) -> tuple[Path, Path]:
    if (
        OPENSSL is None
        or _openssl("genpkey", "-algorithm", "SM2", "-out", tmp_path / "k.pem").returncode
    ):
        pytest.skip("no openssl command with SM2 support")
    made = _openssl(
        "req", "-new", "-x509", "-key", tmp_path / "k.pem", "-sm3", "-sigopt", DISTID,
        "-days", "30", "-subj", f"/CN=SM2 Trader/serialNumber={USCC}", "-out", tmp_path / "c.pem",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return tmp_path / "k.pem", tmp_path / "c.pem"


def test_openssl_sm2_key_and_certificate_are_read(sm2_files: tuple[Path, Path]) -> None:
    key_file, cert_file = sm2_files
    cert = load_certificate(cert_file.read_text())
    assert cert.key_type is KeyType.SM2
    assert cert.usccs == {USCC}
    assert load_private_key(key_file.read_bytes()).public_key == cert.public_key
    sec1 = key_file.with_name("sec1.pem")  # OpenSSL 3 labels it "SM2 PRIVATE KEY"
    assert _openssl("ec", "-in", key_file, "-out", sec1).returncode == 0
    assert load_private_key(sec1.read_bytes()).public_key == cert.public_key


def test_signatures_cross_verify_with_openssl(sm2_files: tuple[Path, Path], tmp_path: Path) -> None:
    key_file, cert_file = sm2_files
    message = tmp_path / "m.bin"
    message.write_bytes(b'{"document":{"client_ref":"X"},"nonce":"0123456789abcdef"}')
    cert = load_certificate(cert_file.read_text())

    made = _openssl(
        "dgst", "-sm3", "-sign", key_file, "-sigopt", DISTID, "-out", tmp_path / "s.der", message
    )
    assert made.returncode == 0, made.stderr
    r, s = decode_dss_signature((tmp_path / "s.der").read_bytes())
    theirs = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert sm2.verify(cert.public_key, message.read_bytes(), theirs)
    assert not sm2.verify(cert.public_key, message.read_bytes() + b" ", theirs)

    ours = load_private_key(key_file.read_bytes()).sign(message.read_bytes())
    der = encode_dss_signature(int.from_bytes(ours[:32], "big"), int.from_bytes(ours[32:], "big"))
    (tmp_path / "ours.der").write_bytes(der)
    assert (
        _openssl("pkey", "-in", key_file, "-pubout", "-out", tmp_path / "pub.pem").returncode == 0
    )
    checked = _openssl(
        "dgst", "-sm3", "-verify", tmp_path / "pub.pem", "-sigopt", DISTID,
        "-signature", tmp_path / "ours.der", message,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Verified OK" in checked.stdout
