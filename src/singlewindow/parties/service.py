"""Named actions on parties and API keys. Services flush, never commit."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from singlewindow.kit import clock
from singlewindow.kit.errors import Conflict, Finding, NotFound, ValidationFailed
from singlewindow.parties import directory
from singlewindow.parties.models import ApiKey, Party
from singlewindow.parties.rules import customs_code_findings, uscc_findings
from singlewindow.parties.schemas import PartyIn, PartyKind

DECLARANT_KINDS = frozenset({PartyKind.enterprise, PartyKind.broker, PartyKind.carrier})

TOKEN_PREFIX = "sw_"  # noqa: S105 - a public marker, not a secret


def hash_secret(secret: str) -> str:
    # API key secrets are 256-bit random values, so a fast hash is sufficient (no dictionary
    # attack is possible); passwords (identity context) use argon2id instead.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_party(session: Session, data: PartyIn) -> Party:
    findings = []
    if data.uscc is not None:
        findings += uscc_findings(data.uscc, "/uscc")
    if data.customs_code is not None:
        findings += customs_code_findings(data.customs_code, "/customs_code")
    if data.kind in DECLARANT_KINDS and data.uscc is None:
        findings.append(
            _required("/uscc", "an enterprise needs its USCC", "企业必须提供统一社会信用代码")
        )
    if data.kind == PartyKind.agency and data.agency_type is None:
        findings.append(
            _required("/agency_type", "an agency needs its type", "管理部门必须指定类型")
        )
    code = data.code or data.uscc
    if code is None:
        findings.append(_required("/code", "code is required", "必须提供交换地址代码"))
    if findings:
        raise ValidationFailed("Invalid party", "主体信息无效", findings=findings)
    assert code is not None
    if session.scalar(select(Party.id).where(Party.code == code)) is not None:
        raise Conflict(f"Party {code} already exists", f"主体 {code} 已存在", code="party_exists")
    if data.uscc and session.scalar(select(Party.id).where(Party.uscc == data.uscc)):
        raise Conflict(
            f"USCC {data.uscc} already registered",
            f"统一社会信用代码 {data.uscc} 已登记",
            code="uscc_exists",
        )
    party = Party(
        code=code,
        kind=data.kind.value,
        name_zh=data.name_zh,
        name_en=data.name_en,
        uscc=data.uscc,
        customs_code=data.customs_code,
        agency_type=data.agency_type.value if data.agency_type else None,
        attrs=data.attrs,
    )
    session.add(party)
    session.flush()
    return party


def _required(path: str, en: str, zh: str) -> Finding:
    return Finding(path, "required", en, zh)


def get_party(session: Session, code: str) -> Party:
    party = session.scalar(select(Party).where(Party.code == code))
    if party is None:
        raise NotFound(f"Party {code} not found", f"未找到主体 {code}", code="party_not_found")
    return party


def find_party(session: Session, code: str) -> Party | None:
    return session.scalar(select(Party).where(Party.code == code))


def roles_of(session: Session, codes: list[str]) -> dict[str, str]:
    """Party code → role (the agency type, else the party kind); unknown codes are left out."""
    out: dict[str, str] = {}
    for code in codes:
        view = directory.lookup(session, code)
        if view is not None:
            out[code] = view.role
    return out


def party_by_uscc(session: Session, uscc: str) -> Party | None:
    return session.scalar(select(Party).where(Party.uscc == uscc))


def parties_of_kind(session: Session, kind: PartyKind) -> list[Party]:
    return list(session.scalars(select(Party).where(Party.kind == kind.value).order_by(Party.code)))


def create_api_key(
    session: Session,
    party: Party,
    *,
    name: str = "",
    expires_at: datetime | None = None,
    scopes: Sequence[str] = (),
) -> tuple[ApiKey, str]:
    """Creates a key and returns it with the one-time token ``sw_<prefix>_<secret>``."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        party_id=party.id,
        prefix=prefix,
        secret_sha256=hash_secret(secret),
        name=name,
        expires_at=expires_at,
        scopes=sorted(set(scopes)),
    )
    session.add(key)
    session.flush()
    return key, f"{TOKEN_PREFIX}{prefix}_{secret}"


def revoke_api_key(session: Session, prefix: str) -> ApiKey:
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None:
        raise NotFound("API key not found", "未找到 API 密钥", code="api_key_not_found")
    key.revoked_at = clock.now()
    session.flush()
    return key
