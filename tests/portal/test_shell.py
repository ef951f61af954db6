"""The portal's shell: sign-in, the start page of each area, language, brand, errors."""

from __future__ import annotations

import re

import pytest

from tests.portal.conftest import Portal


def test_login_page_is_chinese_by_default_and_english_on_request(portal: Portal) -> None:
    c = portal.client()
    r = c.get("/portal/login")
    assert r.status_code == 200
    assert '<html lang="zh-CN">' in r.text
    assert "登录" in r.text
    assert r.headers["content-security-policy"].startswith("default-src 'self'")
    r = c.get("/portal/lang/en?next=/portal/login")
    assert r.status_code == 303
    assert r.headers["location"] == "/portal/login"
    r = c.get("/portal/login")
    assert '<html lang="en">' in r.text
    assert "Sign in" in r.text
    # Only a path on this node: no open redirect.
    assert c.get("/portal/lang/zh?next=https://evil.example/").headers["location"] == "/portal"
    assert c.get("/portal/lang/zh?next=//evil.example/").headers["location"] == "/portal"


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("demo.trader", "/portal/trader"),
        ("demo.officer", "/portal/agency"),
        ("demo.terminal", "/portal/port"),
        ("demo.operator", "/portal/operator"),
    ],
)
def test_each_user_lands_on_their_area(portal: Portal, username: str, home: str) -> None:
    c = portal.client_for(username)
    r = c.get("/portal")
    assert r.status_code == 303
    assert r.headers["location"] == home


def test_wrong_password_is_a_401_page_naming_the_problem_in_both_languages(portal: Portal) -> None:
    c = portal.client()
    r = c.post("/portal/login", data={"username": "demo.trader", "password": "wrong"})
    assert r.status_code == 401
    assert "用户名、密码或动态验证码错误" in r.text
    assert "invalid_credentials" in r.text
    assert 'value="demo.trader"' in r.text  # the username stays filled in
    assert "sw_session" not in r.cookies


def test_missing_totp_for_an_officer_names_the_field(portal: Portal) -> None:
    user = portal.users["demo.officer"]
    r = portal.client().post(
        "/portal/login", data={"username": user.username, "password": user.password}
    )
    assert r.status_code == 401
    assert "totp_required" in r.text
    assert "/totp" in r.text


def test_pages_need_a_session_and_keep_where_the_user_was_going(portal: Portal) -> None:
    c = portal.client()
    r = c.get("/portal/trader/declarations?status=released")
    assert r.status_code == 303
    assert r.headers["location"] == "/portal/login?next=/portal/trader/declarations?status=released"
    # htmx requests are told where to go instead.
    r = c.get("/portal/trader", headers={"HX-Request": "true"})
    assert r.status_code == 204
    assert r.headers["hx-redirect"].startswith("/portal/login")
    # The login form returns to it.
    user = portal.users["demo.trader"]
    r = c.post(
        "/portal/login",
        data={"username": user.username, "password": user.password, "next": "/portal/query"},
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/portal/query"


def test_another_area_is_forbidden(portal: Portal) -> None:
    c = portal.client_for("demo.trader")
    r = c.get("/portal/operator")
    assert r.status_code == 403
    assert "wrong_area" in r.text
    assert "此页面供其他类型的用户使用" in r.text


def test_form_posts_need_the_csrf_token(portal: Portal) -> None:
    c = portal.client_for("demo.trader")
    r = c.post("/portal/logout")
    assert r.status_code == 403
    assert "csrf_failed" in r.text
    r = c.post("/portal/logout", data={"csrf_token": portal.csrf(c)})
    assert r.status_code == 303
    assert r.headers["location"] == "/portal/login"
    assert c.get("/portal").status_code == 303  # signed out: back to the login page


def test_unknown_page_is_a_404_page_and_the_api_keeps_json(portal: Portal) -> None:
    c = portal.client_for("demo.trader")
    r = c.get("/portal/no-such-page")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "页面不存在" in r.text
    r = c.get("/api/v1/no-such-thing")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "http_404"


def test_brand_colours_and_logo_come_from_settings(portal: Portal) -> None:
    c = portal.client()
    css = c.get("/portal/brand.css").text
    assert "--brand: #0b4f8a" in css
    portal.settings.brand_primary = "#006d5b"  # a city's own colour
    assert "--brand: #006d5b" in c.get("/portal/brand.css").text
    logo = c.get("/portal/brand/logo")
    assert logo.status_code == 200
    assert logo.headers["content-type"].startswith("image/svg")


def test_htmx_request_for_main_gets_the_content_block_only(portal: Portal) -> None:
    c = portal.client()
    whole = c.get("/portal/login").text
    part = c.get("/portal/login", headers={"HX-Request": "true", "HX-Target": "main"}).text
    assert "<html" in whole
    assert "<html" not in part
    assert re.search(r"<form[^>]+/portal/login", part)


def test_every_catalogue_key_used_by_a_template_exists_in_both_languages() -> None:
    from singlewindow.web.i18n import catalogue
    from singlewindow.web.render import NAV, TEMPLATES

    text = catalogue()
    used = set()
    for template in TEMPLATES.rglob("*.html"):
        used.update(re.findall(r"""\bt\(\s*['"]([a-z_]+\.[a-z0-9_.]+)['"]""", template.read_text()))
    used.update(item.key for items in NAV.values() for item in items)
    # A key built in the template (``t('status.' ~ value)``) shows as its prefix: some key
    # must start with it.
    missing = sorted(
        k
        for k in used
        if k not in text and not (k.endswith(("_", ".")) and any(x.startswith(k) for x in text))
    )
    assert not missing, missing
    empty = sorted(k for k, (zh, en) in text.items() if not zh.strip() or not en.strip())
    assert not empty, empty


def test_api_docs_use_the_nodes_own_swagger_ui(portal: Portal) -> None:
    r = portal.client().get("/docs")
    assert r.status_code == 200
    assert "/static/vendor/swagger-ui-bundle.js" in r.text
    assert "cdn." not in r.text
    assert "http://" not in r.text.replace("http://www.w3.org", "")


# Pages anyone may open (the sign-in and the shell's own assets).
OPEN_PAGES = {
    ("GET", "/"),
    ("GET", "/favicon.ico"),
    ("GET", "/portal/login"),
    ("POST", "/portal/login"),
    ("GET", "/portal/lang/{lang}"),
    ("GET", "/portal/brand.css"),
    ("GET", "/portal/brand/logo"),
    ("GET", "/portal/password"),  # itself redirects to the sign-in without a session
    ("POST", "/portal/password"),
}


def test_every_portal_page_needs_a_session(portal: Portal) -> None:
    from tests.support.routes import route_methods

    c = portal.client()
    checked = 0
    for method, path in route_methods(portal.app):
        if not path.startswith("/portal/") or (method, path) in OPEN_PAGES:
            continue
        url = re.sub(r"{(\w+)(:\w+)?}", "x", path)
        r = c.request(method, url)
        assert r.status_code == 303, f"{method} {path}: {r.status_code}"
        assert r.headers["location"].startswith("/portal/login"), f"{method} {path}"
        checked += 1
    assert checked >= 40  # every area's pages and actions
