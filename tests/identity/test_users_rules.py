"""Pure parts: password policy (properties), usernames, cities, scope rules, TOTP, node secret."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from singlewindow.identity import secrets as node_secrets
from singlewindow.identity import totp
from singlewindow.identity.rules import (
    COMMON_PASSWORDS,
    MAX_PASSWORD_CHARS,
    MIN_PASSWORD_CHARS,
    city_findings,
    city_of_uscc,
    normalise_username,
    password_findings,
    role_findings,
    username_findings,
)
from singlewindow.identity.scope import Target, check_manage
from singlewindow.kit import clock
from singlewindow.kit.errors import Forbidden
from singlewindow.kit.settings import Settings
from singlewindow.parties.auth import Principal
from singlewindow.parties.schemas import PartyKind


def codes(password: str, username: str = "someone") -> set[str]:
    return {f.code for f in password_findings(password, username)}


@given(st.text(max_size=MIN_PASSWORD_CHARS - 1))
def test_short_passwords_are_refused(password: str) -> None:
    assert "password_too_short" in codes(password)


@given(
    st.text(min_size=MIN_PASSWORD_CHARS, max_size=MAX_PASSWORD_CHARS).filter(
        lambda p: len(set(p)) >= 5 and p.casefold() not in COMMON_PASSWORDS
    ),
    st.from_regex(r"[a-z0-9][a-z0-9._@-]{2,20}", fullmatch=True),
)
def test_long_varied_uncommon_passwords_are_accepted_unless_the_username(
    password: str, username: str
) -> None:
    expected = {"password_is_username"} if password.casefold() == username.casefold() else set()
    assert codes(password, username) == expected


@given(st.text(min_size=MAX_PASSWORD_CHARS + 1, max_size=MAX_PASSWORD_CHARS + 50))
def test_overlong_passwords_are_refused(password: str) -> None:
    assert "password_too_long" in codes(password)


@given(st.sampled_from(sorted(COMMON_PASSWORDS)), st.lists(st.booleans(), min_size=20))
def test_common_passwords_are_refused_in_any_case(common: str, upper: list[bool]) -> None:
    variant = "".join(c.upper() if flip else c for c, flip in zip(common, upper, strict=False))
    assert "password_common" in codes(variant)


@given(st.from_regex(r"[a-z0-9][a-z0-9._@-]{11,40}", fullmatch=True))
def test_the_username_is_never_a_valid_password(username: str) -> None:
    assert "password_is_username" in codes(username.upper(), username)


@given(st.text(min_size=MIN_PASSWORD_CHARS, max_size=40, alphabet="ab12"))
def test_four_characters_are_too_repetitive(password: str) -> None:
    assert "password_repetitive" in codes(password)


def test_findings_name_the_field() -> None:
    findings = password_findings("short", "x", path="/new_password")
    assert findings
    assert {f.path for f in findings} == {"/new_password"}
    assert all(f.message and f.message_zh for f in findings)


@given(st.text(max_size=80))
def test_usernames_are_lower_case_after_normalising(raw: str) -> None:
    name = normalise_username(raw)
    if not username_findings(name):
        assert name == name.strip().lower()
        assert 3 <= len(name) <= 64


def test_roles_for_kinds() -> None:
    assert role_findings(PartyKind.enterprise, ["declarant_clerk", "declarant_admin"]) == []
    assert [f.code for f in role_findings(PartyKind.peer, ["analyst"])] == ["role_not_allowed"]
    assert [f.path for f in role_findings(PartyKind.agency, ["agency_officer", "x"])] == [
        "/roles/1"
    ]
    assert [f.code for f in role_findings(PartyKind.platform, [])] == ["roles_empty"]


def test_cities() -> None:
    assert city_of_uscc("91440300MA5DX1001X") == "440300"
    assert city_of_uscc("91440101MA5DX1002X") == "440100"
    assert city_of_uscc("91440000MA5DX1002X") is None  # a province, not a city
    assert city_of_uscc(None) is None
    ops = ["city_operator"]
    assert city_findings("440300", ops) == []
    for bad in ("440000", "4403", "440304", "SZ"):
        assert [f.code for f in city_findings(bad, ops)] == ["city_format"], bad
    assert [f.code for f in city_findings(None, ops)] == ["city_required"]
    assert [f.code for f in city_findings("440300", ["analyst"])] == ["city_not_applicable"]


def principal(
    kind: PartyKind, roles: set[str], *, party: str = "P1", city: str | None = None
) -> Principal:
    return Principal(
        party_id=party,
        party_code=party,
        kind=kind,
        agency_type=None,
        uscc=None,
        customs_code=None,
        key_id=None,
        user_id="u",
        roles=frozenset(roles),
        city=city,
        via="session",
    )


SZ_OP = principal(PartyKind.platform, {"city_operator"}, party="SZP", city="440300")
PROV = principal(PartyKind.platform, {"province_operator"}, party="GD")
ADMIN = principal(PartyKind.enterprise, {"declarant_admin"}, party="E1")


def target(party: str, city: str | None, *roles: str, user_city: str | None = None) -> Target:
    return Target(party, party, city, frozenset(roles), user_city)


@pytest.mark.parametrize(
    ("actor", "tgt", "allowed"),
    [
        (PROV, target("E9", "440100", "declarant_clerk"), True),
        (PROV, target("GD", None, "province_operator"), True),
        (None, target("GD", None, "province_operator"), True),
        (SZ_OP, target("E1", "440300", "declarant_clerk"), True),
        (SZ_OP, target("SZP", "440300", "city_operator", user_city="440300"), True),
        (SZ_OP, target("E2", "440100", "declarant_clerk"), False),
        (SZ_OP, target("E3", None, "declarant_clerk"), False),
        (SZ_OP, target("SZP", "440300", "province_operator"), False),
        (SZ_OP, target("SZP", "440300", "city_operator", user_city="440100"), False),
        (ADMIN, target("E1", "440300", "declarant_clerk", "declarant_admin"), True),
        (ADMIN, target("E2", "440300", "declarant_clerk"), False),
        (ADMIN, target("E1", "440300", "agency_officer"), False),
        (principal(PartyKind.enterprise, {"declarant_clerk"}, party="E1"),
         target("E1", "440300", "declarant_clerk"), False),
        (principal(PartyKind.platform, {"city_operator"}, party="SZP"),  # no city: no scope
         target("E1", "440300", "declarant_clerk"), False),
        (principal(PartyKind.platform, {"analyst", "auditor"}, party="GD"),
         target("E1", "440300", "declarant_clerk"), False),
        (principal(PartyKind.agency, {"agency_supervisor"}, party="C1"),
         target("C1", "440300", "agency_officer"), False),
    ],
)  # fmt: skip
def test_who_may_manage_whom(actor: Principal | None, tgt: Target, allowed: bool) -> None:
    if allowed:
        check_manage(actor, tgt)
        return
    with pytest.raises(Forbidden) as err:
        check_manage(actor, tgt)
    assert err.value.message_zh


@pytest.fixture
def node(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var")


def test_node_secret_is_generated_once_with_0600(node: Settings) -> None:
    first = node_secrets.node_secret(node)
    path = node.data_dir / node_secrets.SECRET_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().strip().encode() == first
    node_secrets._cache.clear()
    assert node_secrets.node_secret(node) == first
    assert node_secrets.derive_key(node, "a") != node_secrets.derive_key(node, "b")


def test_node_secret_from_settings_or_file(tmp_path: Path) -> None:
    configured = Settings(data_dir=tmp_path / "a", secret_key=SecretStr("k" * 32))
    assert node_secrets.node_secret(configured) == b"k" * 32
    assert not (tmp_path / "a" / node_secrets.SECRET_FILE_NAME).exists()
    key_file = tmp_path / "key"
    key_file.write_text("f" * 40 + "\n")
    from_file = Settings(data_dir=tmp_path / "b", secret_key_file=key_file)
    assert node_secrets.node_secret(from_file) == b"f" * 40
    with pytest.raises(node_secrets.SecretUnavailable):
        node_secrets.node_secret(Settings(data_dir=tmp_path / "c", secret_key=SecretStr("short")))
    with pytest.raises(node_secrets.SecretUnavailable):
        node_secrets.node_secret(Settings(data_dir=tmp_path, secret_key_file=tmp_path / "none"))


def test_seed_encryption_is_bound_to_user_and_node(node: Settings, tmp_path: Path) -> None:
    seed = totp.new_seed()
    sealed = totp.encrypt_seed(seed, "user-1", node)
    assert seed not in sealed
    assert totp.decrypt_seed(sealed, "user-1", node) == seed
    with pytest.raises(totp.SeedUnreadable):
        totp.decrypt_seed(sealed, "user-2", node)
    other_node = Settings(data_dir=tmp_path / "other")
    with pytest.raises(totp.SeedUnreadable):
        totp.decrypt_seed(sealed, "user-1", other_node)
    with pytest.raises(totp.SeedUnreadable):
        totp.decrypt_seed(sealed[:-4] + "AAAA", "user-1", node)


@given(st.integers(min_value=0, max_value=29), st.integers(min_value=-3, max_value=3))
def test_codes_match_their_step_within_one_step_of_drift(second: int, offset: int) -> None:
    seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    base = datetime(2026, 3, 2, 1, 0, 0, tzinfo=UTC) + timedelta(seconds=second)
    clock.set_clock(lambda: base)
    try:
        now_step = totp.current_step()
        code = totp.code_at(seed, now_step + offset)
        step = totp.matching_step(seed, code, None)
        if abs(offset) <= 1:
            assert step == now_step + offset
            assert totp.matching_step(seed, code, after_step=now_step + offset) is None
        else:
            assert step != now_step + offset  # outside the drift window
    finally:
        clock.reset_clock()
