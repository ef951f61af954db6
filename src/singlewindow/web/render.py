"""Rendering: one view serves the whole page, or — for an htmx request that targets the main
area — only its content block. Every template gets the caller's language, the catalogue, the
brand, the navigation of the caller's area and the CSRF token of their session."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from singlewindow.kit.clock import CHINA_TZ
from singlewindow.kit.settings import Settings
from singlewindow.web.i18n import HTML_LANG, Lang, lang_of, pick, translate

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

# The portal's own policy: everything from this node; htmx's indicator style is ours (no
# inline styles), charts draw on <canvas>.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


@dataclass(frozen=True, slots=True)
class NavItem:
    href: str
    key: str  # catalogue key of the label


NAV: dict[str, tuple[NavItem, ...]] = {
    "trader": (
        NavItem("/portal/trader", "trader.nav_dashboard"),
        NavItem("/portal/trader/declarations/new", "trader.nav_new"),
        NavItem("/portal/trader/declarations", "trader.nav_declarations"),
        NavItem("/portal/query", "trader.nav_query"),
        NavItem("/portal/trader/subscriptions", "trader.nav_subscriptions"),
        NavItem("/portal/trader/mandates", "trader.nav_mandates"),
    ),
    "agency": (
        NavItem("/portal/agency", "agency.nav_worklist"),
        NavItem("/portal/agency/inspections", "agency.nav_inspections"),
        NavItem("/portal/agency/indicators", "agency.nav_indicators"),
        NavItem("/portal/query", "agency.nav_query"),
    ),
    "port": (
        NavItem("/portal/port", "port.nav_overview"),
        NavItem("/portal/port/capacity", "port.nav_capacity"),
        NavItem("/portal/port/bookings", "port.nav_bookings"),
        NavItem("/portal/port/releases", "port.nav_releases"),
        NavItem("/portal/port/gate", "port.nav_gate"),
    ),
    "operator": (
        NavItem("/portal/operator", "operator.nav_status"),
        NavItem("/portal/operator/messages", "operator.nav_messages"),
        NavItem("/portal/operator/parties", "operator.nav_parties"),
        NavItem("/portal/operator/code-tables", "operator.nav_code_tables"),
        NavItem("/portal/operator/routing", "operator.nav_routing"),
    ),
}


@dataclass(frozen=True, slots=True)
class Brand:
    """One theme for the province; a city platform sets its name, logo and colours."""

    name_zh: str
    name_en: str
    logo_url: str
    primary: str
    accent: str

    def name(self, lang: Lang) -> str:
        return pick(self.name_zh, self.name_en, lang)


def brand_of(settings: Settings, city: str | None = None) -> Brand:
    """The node's brand, or — for a user of a virtual city platform listed in
    ``brand_cities`` — that city's name, logo and colours over it."""
    face = settings.brand_cities.get(city or "", {})
    colour = _colour(face.get("primary"))
    logo = face.get("logo") or (str(settings.brand_logo) if settings.brand_logo else None)
    return Brand(
        name_zh=face.get("name") or settings.brand_name or settings.node_name,
        name_en=face.get("name_en")
        or settings.brand_name_en
        or "International Trade Single Window",
        logo_url=(f"/portal/brand/logo?city={city}" if face.get("logo") else "/portal/brand/logo")
        if logo
        else static_url("logo.svg"),
        primary=colour or settings.brand_primary,
        accent=_colour(face.get("accent")) or settings.brand_accent,
    )


def _colour(value: str | None) -> str | None:
    """A ``#rrggbb`` colour, else None (a city's settings never inject CSS)."""
    if value and len(value) == 7 and value[0] == "#":
        try:
            int(value[1:], 16)
        except ValueError:
            return None
        return value
    return None


def city_of(user: Any) -> str | None:
    principal = getattr(user, "principal", None)
    return getattr(principal, "city", None)


@cache
def _static_version(path: str) -> str:
    file = STATIC / path
    try:
        return hashlib.sha256(file.read_bytes()).hexdigest()[:10]
    except OSError:
        return "missing"


def static_url(path: str) -> str:
    """``/static/<path>?v=<content hash>``: safe to cache for long."""
    return f"/static/{path}?v={_static_version(path)}"


def vendor_present() -> bool:
    return (STATIC / "vendor" / "htmx.min.js").is_file()


def is_fragment(request: Request) -> bool:
    """An htmx request for the main area (not a boosted link, not a history restore)."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-boosted") != "true"
        and headers.get("hx-history-restore-request") != "true"
        and headers.get("hx-target") == "main"
    )


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "xml"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals["static_url"] = static_url
    env.filters["dt"] = _format_time
    env.filters["tojson_attr"] = _json_attr
    return env


def _format_time(value: datetime | str | None, with_seconds: bool = False) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        parsed = value
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(CHINA_TZ)  # stored in UTC, shown in China time
    return parsed.strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")


def _json_attr(value: Any) -> Markup:
    import json

    from markupsafe import escape

    return Markup(escape(json.dumps(value, ensure_ascii=False, default=str)))  # noqa: S704


def context(request: Request, user: Any = None, **values: Any) -> dict[str, Any]:
    """What every template may use (``values`` are the page's own)."""
    settings: Settings = request.app.state.settings
    lang = lang_of(request)
    csrf = ""
    token = request.cookies.get("sw_session")
    if token and user is not None:
        from singlewindow.identity.sessions import csrf_token_for

        csrf = csrf_token_for(token, settings)
    area = getattr(user, "area", None)

    def t(key: str, **kw: Any) -> str:
        text = translate(key, lang)
        return text.format(**kw) if kw else text

    return {
        "request": request,
        "lang": lang,
        "html_lang": HTML_LANG[lang],
        "t": t,
        "pick": lambda zh, en: pick(zh, en, lang),
        "user": user,
        "area": area,
        "nav": NAV.get(area or "", ()),
        "path": request.url.path,
        "brand": brand_of(settings, city_of(user)),
        "node": settings,
        "csrf_token": csrf,
        "fragment": is_fragment(request),
        "vendor_present": vendor_present(),
        **values,
    }


def render(
    request: Request,
    template: str,
    values: Mapping[str, Any] | None = None,
    *,
    user: Any = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """A page (``layout/base.html``) or, for an htmx request to ``#main``, its content only
    (``layout/fragment.html``): templates extend ``layout``."""
    ctx = context(request, user, **dict(values or {}))
    ctx["layout"] = "layout/fragment.html" if ctx["fragment"] else "layout/base.html"
    html = environment().get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "HX-Request, HX-Target, Cookie"
    return response


def render_partial(
    request: Request,
    template: str,
    values: Mapping[str, Any] | None = None,
    *,
    user: Any = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """A piece of a page for htmx to swap in (a table body, a picker's options, the findings
    of a form): the template does not extend the layout."""
    ctx = context(request, user, **dict(values or {}))
    html = environment().get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    return response
