"""Declaration attachments kept by the node (issue 6).

A file the declarant uploads for one of its declarations (an invoice, a packing list, a
certificate) is stored once under ``data_dir/attachments/`` by its SHA-256, with a metadata
row naming the declaration and who uploaded it. Only the declarant lists and downloads them;
anyone else gets 404, as for an unknown declaration.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import datetime
from pathlib import Path

from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from singlewindow.declarations.models import Declaration
from singlewindow.kit import clock
from singlewindow.kit.db import Base, IdMixin
from singlewindow.kit.errors import BadRequest, Finding, NotFound, PayloadTooLarge
from singlewindow.kit.ids import new_id
from singlewindow.parties.auth import Principal

# Below the request body limit (SW_MAX_BODY_BYTES, 5 MiB by default) with room for the form.
MAX_ATTACHMENT_BYTES = 4 * 1024 * 1024
MAX_PER_DECLARATION = 30


class DeclarationAttachment(IdMixin, Base):
    """One uploaded file of one declaration (the bytes live in the content store)."""

    __tablename__ = "declaration_attachment"
    __table_args__ = (Index("ix_declaration_attachment_declaration_id", "declaration_id"),)

    declaration_id: Mapped[str] = mapped_column(ForeignKey("declaration.id"))
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))  # user name, else party code
    party_code: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


def store_dir(data_dir: Path) -> Path:
    return data_dir / "attachments"


def blob_path(data_dir: Path, sha256: str) -> Path:
    return store_dir(data_dir) / sha256[:2] / sha256


def _owned(session: Session, principal: Principal, declaration_id: str) -> Declaration:
    """The declaration if the caller filed it (the API's visibility, then the declarant)."""
    from singlewindow.declarations import service  # the models module must not import it

    declaration = service.visible(session, principal, declaration_id)
    if declaration.declarant_code != principal.party_code:
        raise NotFound(
            f"Declaration {declaration_id} not found",
            f"未找到报关单 {declaration_id}",
            code="declaration_not_found",
        )
    return declaration


def _clean_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>')
    return cleaned[:255] or "attachment"


def _write_blob(data_dir: Path, sha256: str, data: bytes) -> None:
    """Writes the bytes once (content-addressed); a crash leaves no partial file."""
    target = blob_path(data_dir, sha256)
    if target.is_file():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add(
    session: Session,
    principal: Principal,
    declaration_id: str,
    *,
    name: str,
    media_type: str,
    data: bytes,
    data_dir: Path,
    uploaded_by: str,
) -> DeclarationAttachment:
    """Keeps ``data`` for the caller's declaration (the file is written before the row)."""
    declaration = _owned(session, principal, declaration_id)
    if not data:
        raise BadRequest(
            "The file is empty",
            "文件为空",
            code="empty_file",
            findings=[Finding("/file", "empty_file", "the file is empty", "文件为空")],
        )
    if len(data) > MAX_ATTACHMENT_BYTES:
        limit = f"{MAX_ATTACHMENT_BYTES // 1024} KiB"
        raise PayloadTooLarge(
            f"The file is larger than {limit}",
            f"文件超过 {limit} 上限",
            code="attachment_too_large",
            findings=[Finding("/file", "too_large", f"at most {limit}", f"不超过 {limit}")],
        )
    if len(list_for(session, principal, declaration.id)) >= MAX_PER_DECLARATION:
        raise BadRequest(
            f"A declaration has at most {MAX_PER_DECLARATION} attachments",
            f"每份报关单最多 {MAX_PER_DECLARATION} 个附件",
            code="too_many_attachments",
        )
    sha256 = hashlib.sha256(data).hexdigest()
    _write_blob(data_dir, sha256, data)
    row = DeclarationAttachment(
        id=new_id(),
        declaration_id=declaration.id,
        name=_clean_name(name),
        media_type=(media_type or "application/octet-stream")[:127],
        size=len(data),
        sha256=sha256,
        uploaded_by=uploaded_by[:64],
        party_code=principal.party_code,
    )
    session.add(row)
    session.flush()
    return row


def list_for(
    session: Session, principal: Principal, declaration_id: str
) -> list[DeclarationAttachment]:
    """The attachments of the caller's declaration, oldest first."""
    declaration = _owned(session, principal, declaration_id)
    rows = session.scalars(
        select(DeclarationAttachment)
        .where(DeclarationAttachment.declaration_id == declaration.id)
        .order_by(DeclarationAttachment.created_at, DeclarationAttachment.id)
    )
    return list(rows)


def get(
    session: Session,
    principal: Principal,
    declaration_id: str,
    attachment_id: str,
    *,
    data_dir: Path,
) -> tuple[DeclarationAttachment, Path]:
    """One attachment and where its bytes are; 404 for anyone but the declarant."""
    declaration = _owned(session, principal, declaration_id)
    row = session.get(DeclarationAttachment, attachment_id)
    if row is None or row.declaration_id != declaration.id:
        raise NotFound(
            f"Attachment {attachment_id} not found",
            f"未找到附件 {attachment_id}",
            code="attachment_not_found",
        )
    return row, blob_path(data_dir, row.sha256)
