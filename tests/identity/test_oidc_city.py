"""Done means: a second process acting as a city platform signs a user in through the hub
(authorization code + PKCE) and verifies the tokens from the hub's JWKS, all on loopback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from singlewindow.demo.harness import NodeProcess
from singlewindow.devservers import free_port
from singlewindow.identity.oidc.tokens import principal_for_access_token
from singlewindow.kit.db import Database
from singlewindow.kit.settings import Settings
from singlewindow.parties import service as parties
from singlewindow.parties.schemas import PartyIn, PartyKind
from tests.identity.oidc_support import CITY_AUDIENCE, register
from tests.identity.support import PASSWORD, make_user

CITY_SCRIPT = Path(__file__).with_name("oidc_city_platform.py")
REPO = Path(__file__).parents[2]


@pytest.mark.slow  # a node and a city platform process: about 10 s
def test_city_platform_signs_in_through_the_hub(tmp_path: Path, sqlite_template: Path) -> None:
    port, city_port = free_port(), free_port()
    hub_url = f"http://127.0.0.1:{port}"
    env = {
        "SW_ISSUER_URL": hub_url,
        "SW_COOKIE_SECURE": "false",  # plain http on loopback
        "SW_RUN_SIMULATOR": "false",
        "SW_RUN_WORKERS": "false",
    }
    node = NodeProcess(env=env, port=port, data_dir=tmp_path / "hub")
    city_db, city_settings = _city_node(tmp_path, sqlite_template, hub_url)
    try:
        node.prepare()
        settings = node.settings()
        db = Database(settings.effective_database_url)
        with db.unit_of_work() as session:
            trader = node.traders[0]
            user = make_user(
                session, settings, org=trader.code, username="gz.clerk", roles=["declarant_clerk"]
            )
        with city_db.unit_of_work() as session:  # the organisation is known on the city node
            parties.create_party(
                session,
                PartyIn(kind=PartyKind.enterprise, uscc=trader.uscc, name_zh=trader.name_zh),
            )
        # The province operator registers the city platform (the secret is shown once).
        secret = register(
            db,
            settings,
            "gz-platform",
            redirect_uris=(f"http://127.0.0.1:{city_port}/callback",),
            scopes=("openid", "profile"),
        )
        db.dispose()
        assert secret is not None
        node.start()

        city = subprocess.run(
            [
                sys.executable, str(CITY_SCRIPT),
                "--hub", hub_url,
                "--client-id", "gz-platform", f"--client-secret={secret}",  # may start with "-"
                "--port", str(city_port), "--audience", CITY_AUDIENCE,
                "--username", "gz.clerk", "--password", PASSWORD,
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )  # fmt: skip
        assert city.returncode == 0, f"{city.stderr}\n{_log(node)}"
        result = json.loads(city.stdout)

        # A city *node* (node_role=city) accepts the same access token on its API: it fetches
        # the hub's JWKS over loopback and verifies locally.
        with city_db.read_only() as session:
            principal = principal_for_access_token(session, result["access_token"], city_settings)
        assert (principal.user_id, principal.party_code, principal.via) == (
            user.id,
            trader.code,
            "token",
        )
    finally:
        node.cleanup()

    # What the city platform verified, from the hub's JWKS only.
    assert result["sub"] == user.id
    assert result["access_sub"] == user.id
    assert result["preferred_username"] == "gz.clerk"
    assert result["org"] == trader.code
    assert result["amr"] == ["pwd"]
    assert result["access_roles"] == ["declarant_clerk"]
    assert CITY_AUDIENCE in result["access_aud"]
    assert result["jwks_fetches"] == 1
    hops = result["hops"]
    assert hops[0] == f"http://127.0.0.1:{city_port}/login"
    assert hops[1].startswith(f"{hub_url}/oauth/authorize?")
    assert len(hops) == 2

    # The hub is stopped now: the city node keeps verifying with the keys it has cached.
    with city_db.read_only() as session:
        again = principal_for_access_token(session, result["access_token"], city_settings)
    assert again.user_id == user.id
    city_db.dispose()


def _city_node(tmp_path: Path, template: Path, hub_url: str) -> tuple[Database, Settings]:
    """A city node's own database and settings: it knows the hub only by URL."""
    path = tmp_path / "city.db"
    shutil.copyfile(template, path)
    settings = Settings(
        data_dir=tmp_path / "city",
        database_url=f"sqlite:///{path}",
        node_code="GZ",
        node_role="city",
        issuer_url=hub_url,
    )
    return Database(settings.effective_database_url), settings


def _log(node: NodeProcess) -> str:
    return node.log_path.read_text() if node.log_path and node.log_path.exists() else ""
