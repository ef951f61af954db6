"""``singlewindow user ...`` in process with Typer's runner, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from singlewindow.cli.main import app
from singlewindow.identity.login import authenticate
from singlewindow.kit.db import Database
from singlewindow.kit.errors import Forbidden, SingleWindowError, Unauthenticated
from singlewindow.kit.settings import Settings, get_settings
from singlewindow.parties.schemas import PartyKind
from tests.identity.conftest import FakeClock
from tests.identity.support import SZ_USCC, make_party, totp_code

ROOT_PASSWORD = "Sea-Breeze-Harbour-9"


@pytest.fixture
def cli_settings(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    monkeypatch.setenv("SW_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SW_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def orgs(db: Database) -> None:
    with db.unit_of_work() as s:
        make_party(s, PartyKind.platform, "GD")
        make_party(s, PartyKind.enterprise, uscc=SZ_USCC)


def run(*args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(app, ["user", *args], input=stdin)


def ok_json(*args: str, stdin: str | None = None) -> Any:
    r = run(*args, "--json", stdin=stdin)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def _login(db: Database, settings: Settings, password: str, totp: str | None = None) -> Any:
    with db.unit_of_work() as s:
        user = authenticate(
            s, username="root", password=password, totp=totp, client_ip=None, settings=settings
        )
        return user.must_change_password


@pytest.mark.usefixtures("orgs")
def test_first_operator_and_the_user_commands(
    db: Database, cli_settings: Settings, fake_clock: FakeClock
) -> None:
    created = ok_json(
        "create", "--org", "GD", "--username", "root", "--role", "province_operator",
        "--password-stdin", stdin=ROOT_PASSWORD + "\n",
    )  # fmt: skip
    assert created["roles"] == ["province_operator"]
    assert created["must_change_password"] is False
    assert created["totp"]["uri"].startswith("otpauth://totp/")
    seed = created["totp"]["secret"]
    with pytest.raises(Unauthenticated) as err:
        _login(db, cli_settings, ROOT_PASSWORD)
    assert err.value.code == "totp_required"
    assert _login(db, cli_settings, ROOT_PASSWORD, totp_code(seed)) is False

    listed = ok_json("list")
    assert [u["username"] for u in listed] == ["root"]
    shown = ok_json("show", "root")
    text = json.dumps(shown)
    assert "$argon2" not in text
    assert seed not in text
    assert ROOT_PASSWORD not in text
    human = run("list")
    assert human.exit_code == 0
    assert "root" in human.output

    reset = ok_json("reset-password", "root")
    assert reset["must_change_password"] is True
    fake_clock.advance(30)  # a fresh code: only the password is wrong now
    with pytest.raises(Unauthenticated):
        _login(db, cli_settings, ROOT_PASSWORD, totp_code(seed))
    assert _login(db, cli_settings, reset["temporary_password"], totp_code(seed)) is True

    rotated = ok_json("totp-reset", "root")
    assert rotated["totp"]["secret"] != seed
    fake_clock.advance(30)
    with pytest.raises(Unauthenticated):
        _login(db, cli_settings, reset["temporary_password"], totp_code(seed))

    r = run("deactivate", "root")
    assert r.exit_code == 0, r.output
    with pytest.raises(Forbidden):
        _login(db, cli_settings, reset["temporary_password"], totp_code(rotated["totp"]["secret"]))


@pytest.mark.usefixtures("orgs")
def test_unlock(db: Database, cli_settings: Settings) -> None:
    ok_json(
        "create", "--org", SZ_USCC, "--username", "root", "--role", "declarant_admin",
        "--password-stdin", stdin=ROOT_PASSWORD + "\n",
    )  # fmt: skip
    for _ in range(cli_settings.login_max_failures):
        # pytest.raises inside the unit of work: the failure count is committed, as the login
        # route does by answering the error instead of raising it.
        with db.unit_of_work() as s, pytest.raises(SingleWindowError):
            authenticate(
                s, username="root", password="Wrong-Password-9", totp=None,
                client_ip=None, settings=cli_settings,
            )  # fmt: skip
    with pytest.raises(SingleWindowError) as err:
        _login(db, cli_settings, ROOT_PASSWORD)
    assert err.value.code == "account_locked"
    r = run("unlock", "root")
    assert r.exit_code == 0, r.output
    assert _login(db, cli_settings, ROOT_PASSWORD) is False


@pytest.mark.usefixtures("orgs")
def test_create_prompts_for_the_password_and_validates(
    db: Database, cli_settings: Settings
) -> None:
    r = run(
        "create", "--org", SZ_USCC, "--username", "clerk", "--role", "declarant_clerk",
        stdin="Jade-Garden-Path-3\nJade-Garden-Path-3\n",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "Jade-Garden-Path-3" not in r.output
    # Weak password, duplicate username, role not allowed for the kind: exit 2, bilingual.
    bad = [
        (["--username", "clerk2", "--role", "declarant_clerk"], "password1234", "/password"),
        (["--username", "clerk", "--role", "declarant_clerk"], "Jade-Garden-Path-3", "已被使用"),
        (["--username", "clerk3", "--role", "agency_officer"], "Jade-Garden-Path-3", "/roles/0"),
    ]
    for extra, password, expected in bad:
        r = run("create", "--org", SZ_USCC, *extra, "--password-stdin", stdin=password + "\n")
        assert r.exit_code == 2, r.output
        assert expected in r.output
    assert [u["username"] for u in ok_json("list")] == ["clerk"]
    generated = ok_json(
        "create", "--org", SZ_USCC, "--username", "clerk4", "--role", "declarant_clerk",
        "--generate-password",
    )  # fmt: skip
    assert generated["must_change_password"] is True
    assert len(generated["temporary_password"]) >= 12


def test_roles_table() -> None:
    roles = ok_json("roles")
    by_name = {r["role"]: r for r in roles}
    assert len(by_name) == 9
    assert by_name["agency_officer"]["totp_required"] is True
    assert by_name["declarant_clerk"]["totp_required"] is False
    assert by_name["declarant_clerk"]["kinds"] == ["broker", "carrier", "enterprise"]
    assert by_name["city_operator"]["label_zh"] == "地市平台运维人员"


def test_unknown_user_is_exit_2(cli_settings: Settings) -> None:
    for command in ("show", "unlock", "reset-password", "totp-reset", "deactivate"):
        r = run(command, "ghost")
        assert r.exit_code == 2, (command, r.output)
        assert "ghost" in r.output
