"""Credentials for the simulated agencies (an operator step, done once at start-up)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from singlewindow.agencies.directory import ensure_directory
from singlewindow.agencies.simulator import SimulatedAgency
from singlewindow.kit import clock
from singlewindow.parties import service as parties
from singlewindow.parties.auth import forget_api_keys
from singlewindow.parties.models import ApiKey

KEY_NAME = "simulator"


def provision_simulated_agencies(session: Session) -> list[SimulatedAgency]:
    """Ensures the directory parties exist and gives each a fresh simulator key.

    Earlier simulator keys are revoked, so restarts don't pile up live credentials.
    """
    members = ensure_directory(session)
    session.execute(
        update(ApiKey)
        .where(ApiKey.name == KEY_NAME, ApiKey.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    forget_api_keys(session)
    agencies = []
    for party in members:
        if party.kind == "port_operator":
            role = "port_operator"
        elif party.agency_type in ("customs", "licensing"):
            role = party.agency_type
        else:
            role = "other"
        _key, token = parties.create_api_key(session, party, name=KEY_NAME)
        agencies.append(SimulatedAgency(code=party.code, role=role, token=token))
    return agencies
