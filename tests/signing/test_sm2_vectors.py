"""SM3 and SM2 against the published vectors, before SM2 is trusted for anything.

Sources (published test vectors, reproduced here as constants):
- SM3: GB/T 32905-2016 Annex A, examples 1 ("abc") and 2 ("abcd" x 16).
- SM2 signature on the Fp-256 *test* curve: GB/T 32918.2-2016 (GM/T 0003.2-2012) Annex A.2,
  ID "ALICE123@YAHOO.COM", M = "message digest", including the intermediate Z_A and e.
- SM2 on the *recommended* curve: the GM/T 0003.5-2012 / GB/T 32918.5 example,
  ID "1234567812345678", M = "message digest", whose curve is GB/T 32918.5 §3.
"""

from __future__ import annotations

from typing import Any

import pytest
from gmssl import sm2 as gmssl_sm2

from singlewindow.signing import sm2

SM3_VECTORS = [
    (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
    (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
]

# GB/T 32918.2 Annex A.2: the 256-bit prime-field test curve.
TEST_CURVE = sm2.Curve(
    p=0x8542D69E_4C044F18_E8B92435_BF6FF7DE_45728391_5C45517D_722EDB8B_08F1DFC3,
    a=0x787968B4_FA32C3FD_2417842E_73BBFEFF_2F3C848B_6831D7E0_EC65228B_3937E498,
    b=0x63E4C6D3_B23B0C84_9CF84241_484BFE48_F61D59A5_B16BA06E_6E12D1DA_27C5249A,
    gx=0x421DEBD6_1B62EAB6_746434EB_C3CC315E_32220B3B_ADD50BDC_4C4E6C14_7FEDD43D,
    gy=0x0680512B_CBB42C07_D47349D2_153B70C4_E5D7FDFC_BFA36EA1_A85841B9_E46E09A2,
    n=0x8542D69E_4C044F18_E8B92435_BF6FF7DD_29772063_0485628D_5AE74EE7_C32E79B7,
)
PART2 = {
    "id": b"ALICE123@YAHOO.COM",
    "d": 0x128B2FA8_BD433C6C_068C8D80_3DFF7979_2A519A55_171B1B65_0C23661D_15897263,
    "public": "0AE4C7798AA0F119471BEE11825BE46202BB79E2A5844495E97C04FF4DF2548A"
    "7C0240F88F1CD4E16352A73C17B7F16F07353E53A176D684A9FE0C6BB798E857",
    "z": "F4A38489E32B45B6F876E3AC2168CA392362DC8F23459C1D1146FC3DBFB7BC9A",
    "e": "B524F552CD82B8B028476E005C377FB19A87E6FC682D48BB5D42E3D9B9EFFE76",
    "k": 0x6CB28D99_385C175C_94F94E93_4817663F_C176D925_DD72B727_260DBAAE_1FB2F96F,
    "r": "40F1EC59F793D9F49E09DCEF49130D4194F79FB1EED2CAA55BACDB49C4E755D1",
    "s": "6FC6DAC32C5D5CF10C77DFB20F7C2EB667A457872FB09EC56327A67EC7DEEBE7",
}
# GM/T 0003.5-2012 example on the recommended curve (sm2p256v1).
PART5 = {
    "d": 0x3945208F_7B2144B1_3F36E38A_C6D39F95_88939369_2860B51A_42FB81EF_4DF7C5B8,
    "public": "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13",
    "z": "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3",
    "e": "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640",
    "k": 0x59276E27_D506861A_16680F3A_D9C02DCC_EF3CC1FA_3CDBE4CE_6D54B80D_EAC1BC21,
    "r": "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3",
    "s": "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA",
}
MESSAGE = b"message digest"


@pytest.mark.parametrize(("message", "digest"), SM3_VECTORS)
def test_sm3_openssl_and_pure_match_gbt32905(message: bytes, digest: str) -> None:
    assert sm2.sm3(message).hex() == digest
    assert sm2.sm3_pure(message).hex() == digest


def test_recommended_curve_parameters_gbt32918_5() -> None:
    curve = sm2.SM2P256V1
    # The same parameters as gmssl's independent copy of GB/T 32918.5 §3 ...
    gmssl_table = {k: v.lower() for k, v in gmssl_sm2.default_ecc_table.items()}
    assert curve.table() == gmssl_table
    # ... G lies on the curve, and [n-1]G = -G, so G has order n.
    assert sm2.on_curve(curve.gx, curve.gy, curve)
    minus_g = curve.gx.to_bytes(32, "big") + (curve.p - curve.gy).to_bytes(32, "big")
    assert sm2.base_multiple(curve.n - 1, curve) == minus_g
    assert sm2.base_multiple(1, curve) == curve.gx.to_bytes(32, "big") + curve.gy.to_bytes(
        32, "big"
    )


@pytest.mark.parametrize(("vector", "curve", "user_id"), [
    (PART2, TEST_CURVE, PART2["id"]),
    (PART5, sm2.SM2P256V1, sm2.DEFAULT_USER_ID),
])  # fmt: skip
def test_sm2_reproduces_published_signature(
    vector: dict[str, Any], curve: sm2.Curve, user_id: bytes
) -> None:
    public = sm2.public_key_of(vector["d"], curve)
    assert public.hex().upper() == vector["public"]
    assert sm2.z_a(public, user_id, curve).hex().upper() == vector["z"]
    assert sm2.message_digest(MESSAGE, public, user_id, curve).hex().upper() == vector["e"]
    signature = sm2.sign(vector["d"], MESSAGE, user_id=user_id, curve=curve, k=vector["k"])
    assert signature.hex().upper() == vector["r"] + vector["s"]
    assert sm2.verify(public, MESSAGE, signature, user_id=user_id, curve=curve)
    assert sm2.verify(b"\x04" + public, MESSAGE, signature, user_id=user_id, curve=curve)


@pytest.mark.parametrize(("vector", "curve", "user_id"), [
    (PART2, TEST_CURVE, PART2["id"]),
    (PART5, sm2.SM2P256V1, sm2.DEFAULT_USER_ID),
])  # fmt: skip
def test_sm2_refuses_altered_vectors(
    vector: dict[str, Any], curve: sm2.Curve, user_id: bytes
) -> None:
    public = bytes.fromhex(vector["public"])
    good = bytes.fromhex(vector["r"] + vector["s"])
    assert sm2.verify(public, MESSAGE, good, user_id=user_id, curve=curve)
    assert not sm2.verify(public, b"message digesT", good, user_id=user_id, curve=curve)
    assert not sm2.verify(public, MESSAGE, good, user_id=b"someone else", curve=curve)
    for index in (0, 31, 32, 63):
        bent = bytearray(good)
        bent[index] ^= 0x01
        assert not sm2.verify(public, MESSAGE, bytes(bent), user_id=user_id, curve=curve)
    n = curve.n.to_bytes(32, "big")
    zero = bytes(32)
    for r, s in ((zero, good[32:]), (good[:32], zero), (n, good[32:]), (good[:32], n)):
        assert not sm2.verify(public, MESSAGE, r + s, user_id=user_id, curve=curve)
    other = bytearray(public)
    other[-1] ^= 0x01  # off the curve
    assert not sm2.verify(bytes(other), MESSAGE, good, user_id=user_id, curve=curve)


def test_sm2_random_signatures_verify_and_differ() -> None:
    private = PART5["d"]
    public = sm2.public_key_of(private)
    first, second = sm2.sign(private, b"payload"), sm2.sign(private, b"payload")
    assert first != second  # k is random
    assert sm2.verify(public, b"payload", first)
    assert sm2.verify(public, b"payload", second)


def test_public_key_whose_x_starts_with_0_or_4_is_kept_whole() -> None:
    # gmssl's constructor strips "04" with lstrip; find keys whose x hex starts with "0" or "4".
    found = 0
    for private in range(2, 400):
        public = sm2.public_key_of(private)
        if public.hex()[0] in "04":
            signature = sm2.sign(private, b"x")
            assert sm2.verify(public, b"x", signature)
            found += 1
    assert found >= 5
