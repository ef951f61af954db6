"""Bringing a node to a usable state: reference data, routing rules, its own platform record."""

from __future__ import annotations

from sqlalchemy.orm import Session

from singlewindow.exchange.service import ensure_default_rules
from singlewindow.kit.settings import Settings
from singlewindow.parties import service as parties
from singlewindow.parties.models import Party
from singlewindow.parties.schemas import PartyIn, PartyKind
from singlewindow.standards.codes.service import ensure_builtin_tables


def ensure_platform_party(session: Session, settings: Settings) -> Party:
    existing = parties.find_party(session, settings.node_code)
    if existing is not None:
        return existing
    return parties.create_party(
        session,
        PartyIn(
            kind=PartyKind.platform,
            code=settings.node_code,
            name_zh=settings.node_name,
            name_en="Guangdong International Trade Single Window",
            attrs={"role": settings.node_role},
        ),
    )


def bootstrap(session: Session, settings: Settings) -> Party:
    """Idempotent: safe on every start."""
    ensure_builtin_tables(session)
    ensure_default_rules(session)
    return ensure_platform_party(session, settings)
