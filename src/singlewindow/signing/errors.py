"""Bilingual errors of the signing context. Each names the field it is about (``path``).

Status policy: malformed encodings (PEM, base64, time, nonce) are 400; a well-formed but
unacceptable value (unsupported algorithm, tampered signature, time outside the window, an
unregistered certificate) is 422; a certificate that may not be used by this caller (revoked,
expired, another party's) is 403; a replayed signature is 409.
"""

from __future__ import annotations

from singlewindow.kit.errors import (
    BadRequest,
    Conflict,
    Finding,
    Forbidden,
    SingleWindowError,
    ValidationFailed,
)


def _error(
    cls: type[SingleWindowError], code: str, path: str, en: str, zh: str
) -> SingleWindowError:
    return cls(en, zh, code=code, findings=[Finding(path, code, en, zh)])


def malformed(path: str, en: str, zh: str, code: str = "signature_malformed") -> SingleWindowError:
    return _error(BadRequest, code, path, f"{path}: {en}", f"{path}：{zh}")


def certificate_malformed(path: str, detail: str) -> SingleWindowError:
    return _error(
        BadRequest,
        "certificate_malformed",
        path,
        f"{path}: not a readable X.509 certificate (PEM or DER): {detail}",
        f"{path}：不是可读取的 X.509 证书(PEM 或 DER)：{detail}",
    )


def unsupported_key(path: str, detail: str) -> SingleWindowError:
    return _error(
        ValidationFailed,
        "certificate_algorithm_unsupported",
        path,
        f"{path}: only ECDSA P-256 and SM2 (sm2p256v1) certificates are accepted; {detail}",
        f"{path}：仅接受 ECDSA P-256 与 SM2(sm2p256v1)证书；{detail}",
    )


def unsupported_algorithm(path: str, value: str) -> SingleWindowError:
    shown = value[:32]
    return _error(
        ValidationFailed,
        "signature_algorithm_unsupported",
        path,
        f"{path}: algorithm {shown!r} is not accepted; use ES256 or SM2-SM3",
        f"{path}：不接受签名算法 {shown!r}；请使用 ES256 或 SM2-SM3",
    )


def algorithm_mismatch(path: str, algorithm: str, key_type: str) -> SingleWindowError:
    return _error(
        ValidationFailed,
        "signature_algorithm_mismatch",
        path,
        f"{path}: algorithm {algorithm} does not match the certificate's {key_type} key",
        f"{path}：签名算法 {algorithm} 与证书的 {key_type} 密钥不符",
    )


def certificate_unknown(path: str, fingerprint: str) -> SingleWindowError:
    return _error(
        ValidationFailed,
        "certificate_unknown",
        path,
        f"{path}: certificate {fingerprint} is not registered on this platform",
        f"{path}：证书 {fingerprint} 未在本平台登记",
    )


def not_owned(path: str, fingerprint: str) -> SingleWindowError:
    return _error(
        Forbidden,
        "certificate_not_owned",
        path,
        f"{path}: certificate {fingerprint} belongs neither to the declarant nor to a "
        "broker it has mandated",
        f"{path}：证书 {fingerprint} 既不属于申报人，也不属于其委托的报关企业",
    )


def revoked(path: str, fingerprint: str, reason: str) -> SingleWindowError:
    return _error(
        Forbidden,
        "certificate_revoked",
        path,
        f"{path}: certificate {fingerprint} is revoked ({reason})",
        f"{path}：证书 {fingerprint} 已被吊销({reason})",
    )


def not_valid_at(
    path: str, fingerprint: str, *, expired: bool, cls: type[SingleWindowError] = Forbidden
) -> SingleWindowError:
    if expired:
        return _error(
            cls,
            "certificate_expired",
            path,
            f"{path}: certificate {fingerprint} has expired",
            f"{path}：证书 {fingerprint} 已过期",
        )
    return _error(
        cls,
        "certificate_not_yet_valid",
        path,
        f"{path}: certificate {fingerprint} is not valid yet",
        f"{path}：证书 {fingerprint} 尚未生效",
    )


def outside_window(path: str, seconds: int) -> SingleWindowError:
    return _error(
        ValidationFailed,
        "signed_at_outside_window",
        path,
        f"{path}: the signing time must be within {seconds} s of the platform clock",
        f"{path}：签名时间与平台时间相差不得超过 {seconds} 秒",
    )


def signature_invalid(path: str) -> SingleWindowError:
    return _error(
        ValidationFailed,
        "signature_invalid",
        path,
        f"{path}: the signature does not match the signed content (modified or wrong key)",
        f"{path}：签名与被签内容不符(内容被修改或密钥不符)",
    )


def replayed(path: str) -> SingleWindowError:
    return _error(
        Conflict,
        "signature_replayed",
        path,
        f"{path}: this signature (nonce) was already used; sign the submission again",
        f"{path}：该签名(随机数)已被使用；请重新签名后提交",
    )


def required(path: str, doc_type: str) -> SingleWindowError:
    return _error(
        ValidationFailed,
        "signature_required",
        path,
        f"{path}: documents of type {doc_type} must carry a signature",
        f"{path}：{doc_type} 类单证必须附带数字签名",
    )


def not_canonicalisable(path: str, detail: str) -> SingleWindowError:
    return _error(
        ValidationFailed,
        "document_not_canonicalisable",
        path,
        f"{path}: the document cannot be canonicalised (RFC 8785): {detail}",
        f"{path}：单证无法按 RFC 8785 规范化：{detail}",
    )


def missing(path: str) -> SingleWindowError:
    return _error(
        ValidationFailed,
        "signature_missing",
        path,
        f"{path}: no signature found",
        f"{path}：未找到数字签名",
    )
