"""Logins, failed logins, logouts and user administration leave audit entries."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from singlewindow.audit.models import AuditEntry
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings
from singlewindow.node import bootstrap
from singlewindow.parties.schemas import PartyKind
from tests.identity.support import login, make_party, make_user, signed_in, valid_uscc


def _entries(db: Database) -> list[tuple[str, str, str, str | None]]:
    with db.read_only() as session:
        return [
            (e.action, e.outcome, e.actor, e.target_id)
            for e in session.scalars(select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id))
        ]


def test_login_trail(client: TestClient, db: Database, settings: Settings) -> None:
    app_client = client
    with db.unit_of_work() as session:
        bootstrap(session, settings)
        org = make_party(session, PartyKind.enterprise, uscc=valid_uscc("91440300MA5AUD1T0"))
        clerk = make_user(
            session, settings, org=org, username="clerk.audit", roles=["declarant_clerk"]
        )
        admin = make_user(
            session, settings, org=org, username="admin.audit", roles=["declarant_admin"]
        )
    assert login(app_client, clerk, password="wrong-password-123").status_code == 401
    headers = signed_in(app_client, clerk)
    assert app_client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    entries = _entries(db)
    assert ("identity.login_failed", "failed", "clerk.audit", "clerk.audit") in entries
    assert ("identity.login", "ok", clerk.id, clerk.id) in entries
    assert any(a == "identity.logout" and t == clerk.id for a, _, _, t in entries)

    admin_headers = signed_in(app_client, admin)
    r = app_client.post(f"/api/v1/users/{clerk.id}/unlock", headers=admin_headers)
    assert r.status_code == 200, r.text
    changes = [e for e in _entries(db) if e[0] == "identity.user_changed"]
    assert changes == [("identity.user_changed", "ok", admin.id, clerk.id)]
