"""The operator's webhook allow-list (SW_WEBHOOK_ALLOWED_HOSTS): no webhook to other hosts."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from singlewindow.exchange.channels.config import host_allowed
from singlewindow.kit.settings import Settings
from tests.exchange.conftest import Register

SECRET = "s3cret-s3cret-s3cret"
ALLOWED = ["*.agency.example.cn", "port.example.cn", "10.20.0.0/16", "::1"]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        database_url=database_url,
        run_workers=False,
        run_simulator=False,
        webhook_allowed_hosts=ALLOWED,
    )


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.agency.example.cn/in", True),
        ("https://a.b.agency.example.cn:8443/in", True),
        ("https://HOOKS.Agency.Example.CN./in", True),  # case and the root dot do not matter
        ("https://agency.example.cn/in", False),  # the wildcard names subdomains only
        ("https://evilagency.example.cn/in", False),
        ("https://agency.example.cn.evil.test/in", False),
        ("https://port.example.cn/in", True),
        ("https://x.port.example.cn/in", False),
        ("http://10.20.3.4/in", True),
        ("http://10.21.0.1/in", False),
        ("http://[::1]:9000/in", True),
        ("http://127.0.0.1/in", False),
        ("http://169.254.169.254/latest/meta-data", False),  # cloud metadata
        ("http://localhost/in", False),
        ("http://user@10.99.0.1@hooks.agency.example.cn/in", True),  # host is after the last @
        ("http://hooks.agency.example.cn@10.99.0.1/in", False),
    ],
)
def test_host_matching(url: str, allowed: bool) -> None:
    assert host_allowed(url, ALLOWED) is allowed


def test_an_empty_list_allows_any_host() -> None:
    assert host_allowed("http://127.0.0.1:1/x", [])
    assert host_allowed("https://anything.test/x", ())


@hyp_settings(max_examples=60, deadline=None)
@given(st.ip_addresses(v=4), st.integers(min_value=8, max_value=32))
def test_an_address_is_allowed_exactly_when_in_a_listed_network(
    address: ipaddress.IPv4Address, prefix: int
) -> None:
    network = ipaddress.IPv4Network(f"{address}/{prefix}", strict=False)
    assert host_allowed(f"http://{address}/h", [str(network)])
    outside = (
        network.broadcast_address + 1
        if network.broadcast_address < ipaddress.IPv4Address("255.255.255.255")
        else network.network_address - 1
    )
    assert not host_allowed(f"http://{outside}/h", [str(network)])
    assert not host_allowed(f"http://{address}/h", [f"{address}.example.cn"])


def _put(
    client: TestClient, path: str, url: str, headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    r = client.put(path, json={"kind": "webhook", "url": url, "secret": SECRET}, headers=headers)
    return r.status_code, r.json()


def test_operator_route_refuses_a_host_not_on_the_list(
    app_client: TestClient, register: Register
) -> None:
    op = register.auth("GD")
    path = "/api/v1/exchange/channels/LIC-GD"
    status, body = _put(app_client, path, "http://169.254.169.254/latest", op)
    assert status == 422
    findings = body["error"]["findings"]
    assert [(f["path"], f["code"]) for f in findings] == [("/url", "host_not_allowed")]
    assert "169.254.169.254" in findings[0]["message"]
    assert "允许列表" in findings[0]["message_zh"]
    # nothing stored: still the pull inbox
    assert app_client.get(path, headers=op).json()["kind"] == "pull"
    status, body = _put(app_client, path, "https://hooks.agency.example.cn/in", op)
    assert status == 200, body
    assert body["url"] == "https://hooks.agency.example.cn/in"


def test_self_service_route_refuses_a_host_not_on_the_list(
    app_client: TestClient, register: Register
) -> None:
    me = register.auth("PORT-NS")
    path = "/api/v1/exchange/channels/me"
    assert (
        app_client.put(
            path,
            json={"kind": "webhook", "url": "https://port.example.cn/in", "secret": SECRET},
            headers=me,
        ).status_code
        == 200
    )
    status, body = _put(app_client, path, "http://127.0.0.1:8080/internal", me)
    assert status == 422
    assert body["error"]["findings"][0]["path"] == "/url"
    # the earlier, allowed channel is unchanged
    assert app_client.get(path, headers=me).json()["url"] == "https://port.example.cn/in"
