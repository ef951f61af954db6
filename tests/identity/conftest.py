"""Fixtures for the identity tests: a controllable clock, cheap argon2 parameters, an HTTPS client
and a small world of organisations and users (province, two cities, traders, an agency)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from singlewindow.identity import passwords
from singlewindow.kit import clock
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings
from singlewindow.parties import service as parties
from singlewindow.parties.schemas import PartyKind
from tests.identity.support import GZ_USCC, SZ_USCC, MadeUser, make_party, make_user

# The library's default argon2id parameters take ~0.3 s per hash here; the tests use the same
# algorithm with small parameters (one test checks the rehash on a parameter change).
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", CHEAP_HASHER)


class FakeClock:
    """The platform clock, moved by hand. Starts 7 s into a 30 s TOTP step."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 1, 0, 7, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def fake_clock() -> Iterator[FakeClock]:
    fake = FakeClock()
    clock.set_clock(fake)
    yield fake
    clock.reset_clock()


@pytest.fixture
def client(settings: Settings, db: Database) -> Iterator[TestClient]:
    """The app over HTTPS (the session cookie is ``Secure``)."""
    from singlewindow.app import create_app

    with TestClient(create_app(settings, db), base_url="https://testserver") as c:
        yield c


@dataclass
class World:
    """Organisations, users (by name) and the province's API key."""

    users: dict[str, MadeUser] = field(default_factory=dict)
    operator_key: str = ""

    def __getitem__(self, name: str) -> MadeUser:
        return self.users[name]

    @property
    def operator_auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.operator_key}"}


@pytest.fixture
def world(db: Database, settings: Settings, fake_clock: FakeClock) -> World:
    w = World()
    with db.unit_of_work() as s:
        gd = make_party(s, PartyKind.platform, "GD")
        w.operator_key = parties.create_api_key(s, gd)[1]
        make_party(s, PartyKind.platform, "SZP", city="440300")
        make_party(s, PartyKind.platform, "GZP", city="440100")
        make_party(s, PartyKind.enterprise, uscc=SZ_USCC)
        make_party(s, PartyKind.enterprise, uscc=GZ_USCC)
        make_party(s, PartyKind.agency, "CUS5300", city="440300")
        specs: list[tuple[str, str, list[str], dict[str, Any]]] = [
            ("prov", "GD", ["province_operator"], {}),
            ("szop", "SZP", ["city_operator"], {}),
            ("gzop", "GZP", ["city_operator"], {}),
            ("sz-admin", SZ_USCC, ["declarant_admin"], {}),
            ("sz-clerk", SZ_USCC, ["declarant_clerk"], {}),
            ("gz-clerk", GZ_USCC, ["declarant_clerk"], {}),
            ("officer", "CUS5300", ["agency_officer"], {}),
        ]
        for name, org, roles, extra in specs:
            w.users[name] = make_user(s, settings, org=org, username=name, roles=roles, **extra)
    return w
