"""Drafts in the portal: the caller's own draft, and saving its edited content through
``declarations.service.update_draft`` (also ``PUT /api/v1/declarations/{id}``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from singlewindow.declarations import service
from singlewindow.declarations.models import Declaration
from singlewindow.declarations.rules import Aggregate
from singlewindow.kit.errors import IllegalTransition, NotFound
from singlewindow.parties.auth import Principal


def own_draft(
    session: Session, principal: Principal, declaration_id: str, *, for_change: bool = False
) -> Declaration:
    """The caller's draft (404 for anyone else's declaration, 409 when it is no draft)."""
    declaration = service.visible(session, principal, declaration_id, for_change=for_change)
    if declaration.declarant_code != principal.party_code:
        raise NotFound(
            f"Declaration {declaration_id} not found",
            f"未找到报关单 {declaration_id}",
            code="declaration_not_found",
        )
    if declaration.status != Aggregate.draft:
        raise IllegalTransition(
            f"Declaration is {declaration.status}, not a draft",
            f"报关单状态为 {declaration.status}，不是暂存状态",
        )
    return declaration


def update_draft(
    session: Session, principal: Principal, declaration_id: str, document: dict[str, Any]
) -> Declaration:
    """The service's own draft update (the same as ``PUT /api/v1/declarations/{id}``)."""
    return service.update_draft(session, principal, declaration_id, document)
