"""The service directory: agencies, port operators, the platform and peers, cached per process.

Routing reads these parties for every submission (which customs office, which terminal, which
role); they change rarely. The directory keeps them for ``kit.cache.DEFAULT_TTL_S`` seconds;
any ORM change to a ``Party`` in this process drops it when that change commits (and the
changing session reads around the cache until then). Enterprises are not cached: they are many,
and looked up by credential, not by routing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from singlewindow.kit.cache import TtlCache, invalidate_when_changed
from singlewindow.parties.models import Party

SERVICE_KINDS = ("agency", "port_operator", "platform", "peer")


@dataclass(frozen=True, slots=True)
class PartyView:
    code: str
    kind: str
    agency_type: str | None
    attrs: Mapping[str, Any]
    active: bool

    @property
    def role(self) -> str:
        """The agency type for agencies, else the party kind."""
        return self.agency_type or self.kind


DIRECTORY: TtlCache[dict[str, PartyView]] = TtlCache()


def _view(party: Party) -> PartyView:
    return PartyView(party.code, party.kind, party.agency_type, party.attrs or {}, party.active)


def service_parties(session: Session) -> dict[str, PartyView]:
    """Every agency, port operator, platform and peer record by code (active or not)."""

    def load() -> dict[str, PartyView]:
        rows = session.scalars(
            select(Party).where(Party.kind.in_(SERVICE_KINDS)).order_by(Party.code)
        )
        return {p.code: _view(p) for p in rows}

    return DIRECTORY.get_or_load(session, "service", load)


def lookup(session: Session, code: str) -> PartyView | None:
    found = service_parties(session).get(code)
    if found is not None:
        return found
    party = session.scalar(select(Party).where(Party.code == code))
    return None if party is None else _view(party)


invalidate_when_changed(Party, DIRECTORY)
