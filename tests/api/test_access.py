"""Every route of the application, enumerated: who may call it, and who may not.

Each protected route declares its roles and tenant scope with ``parties.access.Allow``; they
appear in the OpenAPI document as the route's security scopes. For every route this test
checks that an unauthenticated caller gets 401, a caller with none of the roles 403, and a
caller from another organisation neither reaches nor sees the first organisation's data.
A new route without a declaration fails here unless it is listed in PUBLIC with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from singlewindow.identity import users
from tests.api.conftest import ApiNode, assert_error_shape
from tests.support.routes import route_methods

# Routes anyone may call, and why.
PUBLIC: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/health"): "liveness probe",
    ("GET", "/api/v1/standards/code-tables"): "published standards",
    ("GET", "/api/v1/standards/code-tables/{name}"): "published standards",
    ("GET", "/api/v1/standards/document-types"): "published standards",
    ("GET", "/api/v1/standards/document-types/{doc_type}"): "published standards",
    ("GET", "/api/v1/standards/document-types/{doc_type}/schema"): "published standards",
    ("GET", "/api/v1/standards/document-types/{doc_type}/dictionary"): "published standards",
    ("GET", "/api/v1/agency/reasons"): "published reason codes",
    ("POST", "/api/v1/auth/login"): "the login itself",
    ("GET", "/.well-known/openid-configuration"): "OIDC discovery",
    ("GET", "/oauth/jwks"): "OIDC public keys",
    ("GET", "/oauth/authorize"): "OIDC: needs the hub session, answers per RFC 6749",
    ("POST", "/oauth/token"): "OIDC: client authentication per RFC 6749",
    ("POST", "/oauth/revoke"): "OIDC: client authentication per RFC 7009",
    ("GET", "/oauth/userinfo"): "OIDC: bearer access token, checked by the endpoint",
    ("POST", "/oauth/userinfo"): "OIDC: bearer access token, checked by the endpoint",
    ("GET", "/api/v1/signing/platform-certificate"): "the platform's public certificate",
    ("POST", "/api/v1/signing/verify-receipt"): "anyone may check a receipt",
}
# Framework routes (the API's own description).
FRAMEWORK = {"/openapi.json", "/docs"}


def _portal(path: str) -> bool:
    """The portal's pages: a session cookie and an area, checked by ``web.auth`` (tested in
    tests/portal/test_shell.py::test_every_portal_page_needs_a_session)."""
    return path in ("/", "/favicon.ico") or path == "/portal" or path.startswith("/portal/")


PASSWORD = "correct horse battery staple 42"


def _routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """Every (method, path) the application serves, including routes hidden from OpenAPI."""
    return route_methods(app)


def _declarations(app: FastAPI) -> dict[tuple[str, str], list[str] | None]:
    """(method, path) → the declared scopes (roles + tenant), None for undeclared routes."""
    out: dict[tuple[str, str], list[str] | None] = {}
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            scopes = None
            for requirement in operation.get("security", []):
                scopes = requirement.get("HTTPBearer", scopes)
            out[(method.upper(), path)] = scopes
    return out


@pytest.fixture(scope="module")
def analyst_session(api_node: ApiNode) -> TestClient:
    """A platform analyst signed in with a session cookie: a role no route below grants."""
    with api_node.db.unit_of_work() as session:
        users.create_user(
            session,
            api_node.settings,
            None,
            org_code=api_node.settings.node_code,
            username="access-analyst",
            roles=["analyst"],
            password=PASSWORD,
            must_change_password=False,
        )
    client = TestClient(api_node.app, base_url="https://testserver")
    r = client.post("/api/v1/auth/login", json={"username": "access-analyst", "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return client


def _url(api_node: ApiNode, path: str) -> str:
    return re.sub(r"{(\w+)}", lambda m: api_node.known.get(m.group(1), "unknown-id"), path)


def _call(client: TestClient, method: str, url: str, headers: dict[str, str]) -> Any:
    params = {"wait": 0, "timeout": 1} if url.endswith(("/inbox", "/events", "/stream")) else None
    if method in ("POST", "PUT", "PATCH"):
        return client.request(method, url, json={}, headers=headers, params=params)
    return client.request(method, url, headers=headers, params=params)


# Who holds which roles (API keys act with their party kind's default role).
CALLERS = {
    "trader": {"declarant_clerk"},
    "CUS5300": {"agency_officer"},
    "PORT-YICT": {"port_clerk"},
    "operator": {"province_operator"},
    "analyst": {"analyst"},
}


def test_every_route_is_declared(api_node: ApiNode) -> None:
    declared = _declarations(api_node.app)
    served = set(_routes(api_node.app))
    missing = []
    for method, path in sorted(served):
        if path in FRAMEWORK or (method, path) in PUBLIC or _portal(path):
            continue
        scopes = declared.get((method, path))
        if not scopes:
            missing.append(f"{method} {path}")
            continue
        tenants = [s for s in scopes if s.startswith("tenant:")]
        assert len(tenants) == 1, f"{method} {path} must name one tenant scope: {scopes}"
        assert [s for s in scopes if not s.startswith("tenant:")], f"{method} {path}: no roles"
    assert not missing, f"routes without Allow(...) or a PUBLIC entry: {missing}"
    stale = [key for key in PUBLIC if key not in served]
    assert not stale, f"PUBLIC lists routes that no longer exist: {stale}"


def _secured(api_node: ApiNode) -> list[tuple[str, str, list[str]]]:
    declared = _declarations(api_node.app)
    return sorted((m, p, s) for (m, p), s in declared.items() if s)


def test_unauthenticated_callers_get_401(api_node: ApiNode) -> None:
    client = TestClient(api_node.app)
    for method, path, _scopes in _secured(api_node):
        r = _call(client, method, _url(api_node, path), {})
        assert r.status_code == 401, f"{method} {path}: {r.status_code} {r.text[:200]}"
        assert_error_shape(r.json())


def test_callers_without_the_role_get_403(api_node: ApiNode, analyst_session: TestClient) -> None:
    client = TestClient(api_node.app)
    checked = 0
    for method, path, scopes in _secured(api_node):
        roles = {s for s in scopes if not s.startswith("tenant:")}
        if roles == {"authenticated"}:
            continue  # any signed-in caller, acting on their own account only
        for who, held in CALLERS.items():
            if held & roles:
                continue
            if who == "analyst":
                r = _call(analyst_session, method, _url(api_node, path), {})
            else:
                r = _call(client, method, _url(api_node, path), api_node.auth(who))
            assert r.status_code == 403, f"{method} {path} as {who}: {r.status_code} {r.text[:200]}"
            assert r.json()["error"]["code"] == "wrong_role", f"{method} {path} as {who}"
            checked += 1
    assert checked > 50


# Lookups by a required query parameter (not a list): the parameter's seeded value, which
# belongs to the first trader's organisation; another organisation gets 404.
QUERY_LOOKUPS = {"/api/v1/prefill/goods-declaration": "bill_no"}

# Ids that belong to the first trader's organisation (conftest creates them).
OWNED = (
    "declaration_id",
    "mandate_id",
    "fingerprint",
    "call_id",
    "report_id",
    "manifest_id",
    "consignment_id",
    "discrepancy_id",
)


def test_another_organisation_sees_no_data(api_node: ApiNode) -> None:
    client = TestClient(api_node.app)
    other = api_node.auth("other_trader")
    owned_values = [api_node.known[name] for name in OWNED if name in api_node.known]
    checked = 0
    for method, path, scopes in _secured(api_node):
        if "declarant_clerk" not in scopes:
            continue
        names = re.findall(r"{(\w+)}", path)
        if any(n in OWNED for n in names):
            r = _call(client, method, _url(api_node, path), other)
            assert r.status_code in (403, 404, 422), f"{method} {path}: {r.status_code}"
            if method == "GET" or r.status_code != 422:
                assert r.status_code in (403, 404), f"{method} {path}: {r.status_code}"
            checked += 1
        elif path in QUERY_LOOKUPS:
            param = QUERY_LOOKUPS[path]
            params = {param: api_node.known[param]}
            mine = client.get(path, params=params, headers=api_node.auth("trader"))
            assert mine.status_code == 200, f"{method} {path}: {mine.text[:200]}"
            r = client.get(path, params=params, headers=other)
            assert r.status_code == 404, f"{method} {path}: {r.status_code} {r.text[:200]}"
            checked += 1
        elif method == "GET" and not names:
            r = _call(client, method, _url(api_node, path), other)
            assert r.status_code == 200, f"{method} {path}: {r.status_code} {r.text[:200]}"
            for value in owned_values:
                assert value not in r.text, f"{method} {path} shows another organisation's {value}"
            checked += 1
    assert checked >= 8


def test_key_scopes_are_the_api_areas(api_node: ApiNode) -> None:
    """Every protected area (/api/v1/<area>/...) can be named as an API-key scope, and only
    those (sign-in routes act on the caller's own account and take no key scope)."""
    from singlewindow.parties.schemas import KEY_SCOPES

    areas: set[str] = set()
    for path, item in api_node.app.openapi()["paths"].items():
        if any(operation.get("security") for operation in item.values()):
            areas.add(path.removeprefix("/api/v1/").split("/", 1)[0])
    assert areas - {"auth"} == set(KEY_SCOPES)


def test_a_scoped_api_key_stays_in_its_area(api_node: ApiNode) -> None:
    client = TestClient(api_node.app)
    op = api_node.auth("operator")
    code = api_node.known["code"]
    r = client.post(f"/api/v1/parties/{code}/keys", json={"scopes": ["exchange"]}, headers=op)
    assert r.status_code == 201, r.text
    assert r.json()["scopes"] == ["exchange"]
    scoped = {"Authorization": f"Bearer {r.json()['token']}"}
    assert (
        client.get("/api/v1/exchange/inbox", params={"wait": 0}, headers=scoped).status_code == 200
    )
    refused = client.get("/api/v1/declarations", headers=scoped)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "scope_not_granted"
    assert refused.json()["error"]["message_zh"]
    bad = client.post(f"/api/v1/parties/{code}/keys", json={"scopes": ["everything"]}, headers=op)
    assert bad.status_code == 422
    assert bad.json()["error"]["findings"][0]["path"].startswith("/scopes")
