"""Which city an organisation is in, for city operators' scope.

An organisation's city is ``Party.attrs["city"]`` when set (a 6-digit GB/T 2260 prefecture-level
code such as ``440300`` for Shenzhen); otherwise, for parties with a unified social credit code,
the city of the registration authority encoded in the USCC (characters 3-8, e.g.
``91440300...`` → ``440300``). Platform parties of the province hub have no city.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, or_
from sqlalchemy.sql.elements import ColumnElement

from singlewindow.identity.rules import city_of_uscc
from singlewindow.parties.models import Party


def organisation_city(party: Party) -> str | None:
    attrs: dict[str, Any] = party.attrs or {}
    city = attrs.get("city")
    if isinstance(city, str) and city:
        return city
    return city_of_uscc(party.uscc)


def in_city(city: str) -> ColumnElement[bool]:
    """SQL condition: the party is in ``city`` (same rule as ``organisation_city``)."""
    declared = Party.attrs["city"].as_string()
    return or_(
        declared == city,
        and_(
            or_(declared.is_(None), declared == ""),
            func.length(Party.uscc) == 18,
            func.substr(Party.uscc, 3, 4) == city[:4],
        ),
    )
